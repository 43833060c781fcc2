"""The verbs of the model registry: ``models``, and the model side of ``alias``, ``show``
and ``diff`` (a model ref is ``NAME``, ``NAME:N`` or ``NAME@ALIAS`` wherever a ref is)."""

from __future__ import annotations

import argparse
from typing import Any

from ..units import human_size as _size
from .context import open_store, scope
from .output import Out, metrics_text, when

__all__ = ["cmd_models", "alias_command", "show_model", "diff_models_command", "models_listing"]


def models_listing(store: Any, name: str | None = None) -> list[dict[str, Any]]:
    """Every model (or ``name``) with its versions newest first, each with its aliases,
    metrics, params and the notebook version that made it (``made_by``)."""
    from ..store import registry

    names = [name] if name else [m.name for m in registry.list_models(store)]
    out = []
    labels: dict[str, str] = {}
    for model in names:
        versions = registry.list_models(store, model)
        if not versions:
            registry.get_model(store, model)  # names what is missing
        rows = []
        for v in versions:
            data = v.to_dict()
            if v.version and v.version not in labels:
                try:
                    labels[v.version] = store.get(v.version).label
                except Exception:  # noqa: BLE001 - a pulled model whose version is elsewhere
                    labels[v.version] = v.version[:12]
            data["made_by"] = labels.get(v.version) if v.version else None
            rows.append(data)
        aliases = {a: r["number"] for r in rows for a in r["aliases"]}
        out.append({"name": model, "latest": rows[0]["number"], "aliases": aliases, "versions": rows})
    return out


def cmd_models(args: argparse.Namespace, out: Out) -> int:
    store = open_store(args)
    name = args.name
    if getattr(args, "alias", None):  # the old form, `models churn:1 --alias production`
        from ..errors import InvalidInput

        if not name:
            raise InvalidInput(f"to move an alias: `alias {args.alias} NAME:N` (e.g. alias production churn:3)")
        args.name, args.ref, args.json = args.alias, name, False
        return alias_command(args, out)
    if name and (":" in name or "@" in name):
        from ..store import registry

        one = registry.get_model(store, name)
        listing = [m for m in models_listing(store, one.name)]
        for m in listing:
            m["versions"] = [v for v in m["versions"] if v["number"] == one.number]
    else:
        listing = models_listing(store, name)
    if args.json:
        out.json(listing if not name else listing[0])
        return 0
    if not listing:
        print("no models yet: `%mv save OBJ --name NAME` saves the first")
        return 0
    for m in listing:
        for v in m["versions"]:
            names = f"  @{', @'.join(v['aliases'])}" if v["aliases"] else ""
            made = f"  from {v['made_by']}" if v["made_by"] else "  (no notebook version)"
            metrics = "  " + out.style(metrics_text(v["metrics"]), "34") if v["metrics"] else ""
            print(
                f"{out.style(v['label'], '1;32'):<20} {v['flavor']:<8} {_size(v['size']):>10}  "
                f"{v['created'][:16].replace('T', ' ')}{made}{out.style(names, '33')}{metrics}"
            )
    return 0


def alias_command(args: argparse.Namespace, out: Out) -> int:
    """``alias NAME [REF]``: move a version's or a model's alias, or show its history."""
    from ..store import registry

    store = open_store(args)
    if args.ref is None:
        history = registry.alias_history_all(store, args.name)
        if args.json:
            out.json(history)
            return 0
        seen: set[str] = set()
        for h in history:
            where = h["model"] if h["kind"] == "model" else "version"
            mark = "->" if where not in seen else "  "
            seen.add(where)
            print(f"{mark} {h['label']}  set {h['set_at']}")
        return 0
    target = registry.point_alias(store, args.name, args.ref, notebook=scope(args))
    if isinstance(target, registry.ModelVersion):
        print(f"{target.name}@{args.name} -> {target.label}")
    else:
        print(f"{args.name} -> {target.label} ({target.short_id})")
    return 0


def show_model(store: Any, ref: str, out: Out, *, as_json: bool) -> bool:
    """``show REF`` for a model ref: the model version's facts (True), or False when
    ``ref`` names no model."""
    from ..store import registry

    model = registry.find_model(store, ref)
    if model is None:
        return False
    made = store.get(model.version) if model.version else None
    if as_json:
        data = model.to_dict()
        data["made_by"] = made.to_dict() if made else None
        out.json(data)
        return True
    print(f"{out.style(model.label, '1;32')}  {model.hash[:12]}")
    rows = [
        ("created", f"{when(model.created)} by {model.author}"),
        ("flavor", model.flavor + (f" ({model.extra['class']})" if model.extra.get("class") else "")),
        ("size", _size(model.size)),
        ("made by", f"{made.label} ({made.short_id})" if made else "no notebook version"),
    ]
    if model.aliases:
        rows.append(("aliases", ", ".join(model.aliases)))
    for key, values in (("metrics", model.metrics), ("params", model.params)):
        if values:
            rows.append((key, ", ".join(f"{k}={val}" for k, val in values.items())))
    for key, value in rows:
        print(f"  {key + ':':<13}{value}")
    return True


def diff_models_command(store: Any, a: str, b: str | None) -> dict[str, Any] | None:
    """The model diff when ``a`` and ``b`` both name models (``churn:1 churn:2``), else None."""
    from ..store import registry

    if b is None or registry.find_model(store, a) is None or registry.find_model(store, b) is None:
        return None
    return registry.compare_models(store, a, b)

"""The verbs of versions: init, snapshot, log, show, tag, alias, restore and diff."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ..errors import InvalidInput, MVError
from ..progress import tqdm_progress
from ..units import human_size as _size
from .context import notebook_python, open_store, scope
from .models import alias_command, diff_models_command, show_model
from .output import Out, metrics_text, one_line, printable, version_names, when

__all__ = ["cmd_init", "cmd_snapshot", "cmd_log", "cmd_show", "cmd_tag", "cmd_alias", "cmd_restore", "cmd_diff"]


def cmd_init(args: argparse.Namespace, out: Out) -> int:
    from ..locate import find_store_dir
    from ..store import Store

    existing = find_store_dir(args.directory)
    store = Store.init(args.directory)
    state = "Reinitialized existing" if existing == store.dir else "Initialized empty"
    print(f"{state} jupyter-mv store in {store.dir}")
    return 0


#: What a snapshot from the command line cannot know: no kernel ran with it.
NO_KERNEL_NOTE = (
    "note: no kernel ran this snapshot, so the files the notebook reads and writes are not known: "
    "name them (`jupyter mv snapshot NOTEBOOK FILE...`, --input, --output), "
    "or snapshot from the running notebook (`%mv snapshot` or the sidebar)"
)


def cmd_snapshot(args: argparse.Namespace, out: Out) -> int:
    store = open_store(args, args.notebook, create=True)
    if args.no_env:
        environment = None
    elif args.python:
        environment = args.python
    else:
        environment = notebook_python(args.notebook, say_fallback=True) or "auto"
    version = store.snapshot(
        args.notebook,
        args.files,
        message=args.message,
        metrics=dict(args.metric),
        params=dict(args.param),
        inputs=args.input,
        outputs=args.output,
        environment=environment,
        git="auto",
        progress=tqdm_progress(),
    )
    for warning in version.warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    if not (args.files or args.input or args.output):
        print(NO_KERNEL_NOTE, file=sys.stderr)
    if args.json:
        out.json(version.to_dict())
        return 0
    total = sum(f.size for f in version.files)
    print(
        f"{out.style(version.name, '1;32')} {version.short_id}  {version.notebook}  "
        f"{len(version.files)} file{'s' if len(version.files) != 1 else ''}, {_size(total)}"
        + (f"  {one_line(version.message)}" if version.message else "")
    )
    return 0


def cmd_log(args: argparse.Namespace, out: Out) -> int:
    from ..store import query, records

    store = open_store(args, args.notebook)
    kinds = None if args.all else ["full"]
    where = getattr(args, "where", None)
    graph = getattr(args, "graph", False)
    key = records.notebook_key(store, args.notebook) if args.notebook is not None else None
    versions = query.page(store.db, key, query.parse(where), kinds=kinds, limit=args.limit)
    rows: dict[str, Any] = {}
    if graph:
        books = {v.notebook for v in versions}
        if key is None and len(books) > 1:
            raise InvalidInput("--graph draws one notebook's lineage: name the notebook")
        if where:
            raise InvalidInput("--graph draws the whole lineage: leave out --where")
        if books:
            rows = query.graph(store.db, key or books.pop(), kinds=kinds)
    if args.git:
        return _log_git(args, out, store, versions)
    if args.json:
        out.json([{**v.to_dict(), **({"graph": rows[v.id].to_dict()} if v.id in rows else {})} for v in versions])
        return 0
    if not versions and where:
        print(f"no version matches {where}")
        return 0
    if not versions:
        print("no versions yet: `jupyter mv snapshot NOTEBOOK` makes the first")
        return 0
    show_nb = args.notebook is None and len({v.notebook for v in versions}) > 1
    lanes = max((r.width for r in rows.values()), default=1)
    for v in versions:
        cols = [out.style(f"{v.name:>4}", "1;32"), out.style(v.short_id, "2"), when(v.created), v.author]
        if v.id in rows:
            joins, dot = query.graph_lines(rows[v.id])
            if joins:
                print(out.style(joins, "33"))
            cols.insert(0, out.style(dot.ljust(2 * lanes - 1), "33"))
        if show_nb:
            cols.append(out.style(v.notebook, "36"))
        if v.kind != "full":
            cols.append(out.style(f"[{v.kind}]", "35"))
        if v.message:
            cols.append(one_line(v.message))
        if names := version_names(v, out):
            cols.append(names)
        if v.metrics:
            cols.append(out.style(metrics_text(v.metrics), "34"))
        print("  ".join(cols))
    return 0


def _log_git(args: argparse.Namespace, out: Out, store: Any, versions: list[Any]) -> int:
    from ..integrations.gitlog import git_timeline

    timeline = git_timeline(store, versions)
    if args.json:
        out.json(timeline)
        return 0
    show_nb = args.notebook is None and len({v.notebook for v in versions}) > 1
    for e in timeline:
        if e["type"] == "commit":
            refs = out.style(f" ({', '.join(e['refs'])})", "33") if e["refs"] else ""
            print(
                f"{out.style('*', '33')} {out.style(e['commit'][:10], '33')}  {when(e['time'])}  {e['author']}  "
                f"{one_line(e['subject'])}{refs}"
            )
            continue
        cols = ["  " + out.style(f"{e['name']:>4}", "1;32"), out.style(e["id"][:12], "2"), when(e["time"])]
        if show_nb:
            cols.append(out.style(e["notebook"], "36"))
        if e["message"]:
            cols.append(one_line(e["message"], 40))
        git = e["git"]
        if git is None:
            cols.append(out.style("(no git state recorded)", "2"))
        else:
            where = f"on {str(git['commit'])[:10]}" if git["commit"] else "before the first commit"
            if git["branch"]:
                where += f" ({git['branch']})"
            if git["dirty"]:
                where += out.style(f" +{git['dirty_count']} uncommitted", "31")
            if git["commit"] and not git["in_history"]:
                where += out.style(" (commit no longer in the history)", "35")
            cols.append(where)
        print("  ".join(cols))
    if not timeline:
        print("no versions and no commits yet")
    return 0


def cmd_show(args: argparse.Namespace, out: Out) -> int:
    store = open_store(args)
    if show_model(store, args.ref, out, as_json=args.json):
        return 0
    v = store.resolve(args.ref, scope(args))
    if args.json:
        data = v.to_dict()
        data["environment_data"] = store.environment(v)
        out.json(data)
        return 0
    print(f"{out.style(v.label, '1;32')}  {v.id}")
    rows = [("created", f"{when(v.created)} by {v.author}"), ("kind", v.kind)]
    if v.parent:
        try:
            parent = store.get(v.parent)
            rows.append(("parent", f"{parent.name} {parent.short_id}"))
        except MVError:
            rows.append(("parent", v.parent[:12]))
    if v.message:
        rows.append(("message", v.message))
    if v.tags:
        rows.append(("tags", ", ".join(v.tags)))
    if v.aliases:
        rows.append(("aliases", ", ".join(v.aliases)))
    env = store.environment(v)
    if env:
        from ..capture.environment import environment_summary, loaded_warnings

        rows.append(("environment", environment_summary(env)))
        rows += [("warning", line) for line in loaded_warnings(v.extra)]
    if v.git:
        dirty = f", {len(v.git.get('dirty_files') or [])} uncommitted" if v.git.get("dirty") else ""
        rows.append(("git", f"{str(v.git.get('commit'))[:12]} on {v.git.get('branch')}{dirty}"))
    for key, values in (("metrics", v.metrics), ("params", v.params)):
        if values:
            rows.append((key, ", ".join(f"{k}={val}" for k, val in values.items())))
    for key, value in rows:
        print(f"  {key + ':':<13}{value}")
    print(f"  {'files:':<13}")
    for f in v.files:
        note = "" if f.stored else out.style("  (hash only)", "33")
        print(f"    {f.role:<9} {_size(f.size):>10}  {f.hash[:12]}  {f.path}{note}")
        if f.dvc:
            from ..capture.dvc import dvc_check, dvc_text

            print(f"    {'':<9} {'':>10}  {out.style(dvc_text(dvc_check(store.path_of(f.path), f.dvc)), '36')}")
    return 0


def cmd_tag(args: argparse.Namespace, out: Out) -> int:
    v = open_store(args).tag(args.ref, args.name, notebook=scope(args))
    print(f"tagged {v.label} ({v.short_id}) as {args.name}")
    return 0


def cmd_alias(args: argparse.Namespace, out: Out) -> int:
    """``alias NAME REF``: REF a version moves the version alias, a model version the model's."""
    return alias_command(args, out)


def cmd_restore(args: argparse.Namespace, out: Out) -> int:
    store = open_store(args)
    result = store.restore(
        args.ref, args.paths or None, to=args.to, force=args.force, notebook=scope(args), progress=tqdm_progress()
    )
    if args.json:
        out.json(result.to_dict())
        return 0
    v = result.version
    if result.safety is not None:
        print(f"kept the current files as {result.safety.label} ({result.safety.short_id})")
    print(
        f"restored {len(result.written)} file{'s' if len(result.written) != 1 else ''} from {v.label}"
        + (f" into {args.to}" if args.to else "")
        + (f"; {len(result.unchanged)} already identical" if result.unchanged else "")
    )
    for path in result.written:
        print(f"  {path}")
    for path in result.skipped:
        print(f"  skipped {path}: recorded by hash only", file=sys.stderr)
    return 0


def cmd_diff(args: argparse.Namespace, out: Out) -> int:
    store = open_store(args)
    only = set(args.only) if args.only else None
    models = diff_models_command(store, args.a, args.b)
    if models is not None:
        return _diff_models(args, out, models)
    result = store.diff(args.a, args.b, notebook=scope(args), only=only, include_metadata=args.metadata)
    if args.json:
        if not args.full_outputs:
            from ..diff import refer_outputs

            refer_outputs(result)
        json.dump(result, sys.stdout, separators=(",", ":"), ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return 0
    from ..diff import render_text

    color = out.color if args.color == "auto" else args.color == "always"
    # without colour, changed words are marked [-old-] {+new+} when NO_COLOR or --color never asks for it
    marks = bool(os.environ.get("NO_COLOR")) or args.color == "never"
    text = render_text(result, color=color, width=args.width, marks=marks)
    _page(text, enabled=color and sys.stdout.isatty() and not args.no_pager)
    return 0


def _diff_models(args: argparse.Namespace, out: Out, models: dict[str, Any]) -> int:
    from ..diff import refer_outputs, render_text
    from ..diff.models import render_models_text

    if args.json:
        if models["versions"] is not None and not args.full_outputs:
            refer_outputs(models["versions"])
        json.dump(models, sys.stdout, separators=(",", ":"), ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return 0
    color = out.color if args.color == "auto" else args.color == "always"
    marks = bool(os.environ.get("NO_COLOR")) or args.color == "never"
    text = render_models_text(models)
    if models["versions"] is not None:
        text += "\n\n" + render_text(models["versions"], color=color, width=args.width, marks=marks)
    else:
        text += "\n\n(no notebook versions to compare: a model was saved without one)"
    _page(text, enabled=color and sys.stdout.isatty() and not args.no_pager)
    return 0


def _page(text: str, *, enabled: bool) -> None:
    import shutil

    lines = text.count("\n") + 1
    if enabled and lines > shutil.get_terminal_size().lines:
        import pydoc

        os.environ.setdefault("LESS", "-R")
        pydoc.pager(text)
    else:
        print(text)

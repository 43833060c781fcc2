"""The model registry: named models with gap-free numbered versions and movable aliases.

A model version is one serialized artifact (a file, stored through the same chunks
and packs as every other file), its *flavor* (how to load it back), the notebook
version that made it, and the metrics and params it was saved with. Aliases such as
``production`` point at one version of one model and keep a history of their moves.

Refs: ``churn`` (the latest version), ``churn:3`` or ``churn:v3``, ``churn@production``.

Serialization (the *flavors*: ``pickle``, ``joblib``, ``torch``, XGBoost, LightGBM,
Keras) is in :mod:`.flavors`, behind :func:`dump` and :func:`load`. ``store.models``
(:class:`Models`) hands these functions out bound to one store.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, NotFound
from . import schema
from .flavors import FLAVORS, detect_flavor, dump, load
from .ingest import Ingest
from .lock import store_lock
from .objects import iter_object
from .records import alias_target, author, clean_values, tag_target
from .refs import check_name
from .versions import iso_time

if TYPE_CHECKING:
    from .store import Store
    from .versions import Version

__all__ = [
    "Models",
    "ModelVersion",
    "ModelRef",
    "FLAVORS",
    "parse_model_ref",
    "save_model",
    "save_object",
    "get_model",
    "list_models",
    "set_model_alias",
    "link_model",
    "find_model",
    "compare_models",
    "point_alias",
    "alias_history_all",
    "model_version_of",
    "model_alias_history",
    "export_model",
    "load_object",
    "detect_flavor",
    "dump",
    "load",
]


@dataclass(frozen=True)
class ModelVersion:
    """One saved version of a named model.

    :param hash: BLAKE3 of the serialized artifact (64 hex digits), an object in the store.
    :param flavor: how the artifact loads back (``pickle``, ``joblib``, ``torch``, ...).
    :param version: the id of the notebook version that made it, or None.
    """

    name: str
    number: int
    hash: str
    flavor: str
    size: int
    created: float
    author: str
    version: str | None
    metrics: dict[str, Any]
    params: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``churn:3``."""
        return f"{self.name}:{self.number}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "number": self.number,
            "label": self.label,
            "hash": self.hash,
            "flavor": self.flavor,
            "size": self.size,
            "created": iso_time(self.created),
            "author": self.author,
            "version": self.version,
            "metrics": self.metrics,
            "params": self.params,
            "extra": self.extra,
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True)
class ModelRef:
    name: str
    number: int | None = None
    alias: str | None = None


_MODEL_REF = re.compile(r"(?P<name>[^@:\s]+)(?::v?(?P<number>\d{1,9})|@(?P<alias>[^@:\s]+))?")


def parse_model_ref(ref: str) -> ModelRef:
    """``churn``, ``churn:3``, ``churn:v3``, ``churn@production`` or ``churn@latest``.

    :raises InvalidInput: anything else.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidInput("a model is required: NAME, NAME:VERSION or NAME@ALIAS")
    m = _MODEL_REF.fullmatch(ref.strip())
    if not m:
        raise InvalidInput(f"cannot read model {ref!r}: use NAME, NAME:VERSION or NAME@ALIAS (e.g. churn@production)")
    name = check_name(m.group("name"), "model")
    alias = m.group("alias")
    if alias == "latest":
        alias = None
    elif alias is not None:
        check_name(alias, "model alias")
    return ModelRef(name, int(m.group("number")) if m.group("number") else None, alias)


# -- writing --------------------------------------------------------------------------------------


def save_model(
    store: Store,
    name: str,
    artifact: str | os.PathLike[str],
    *,
    flavor: str,
    version: str | None = None,
    metrics: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    alias: str | None = None,
) -> ModelVersion:
    """Store the serialized file ``artifact`` as the next version of model ``name``.

    The file may lie anywhere (typically a temporary file); its bytes are chunked
    into the store like any version's file. The number is the model's highest plus
    one, taken inside the write transaction, so concurrent savers get gap-free numbers.

    :param flavor: how the file loads back (a key of :data:`FLAVORS`).
    :param version: the id of the notebook version that made the model.
    :param alias: also point this alias (e.g. ``production``) at the new version.
    :raises InvalidInput: a bad name, flavor, metric or unreadable file.
    :raises NotFound: ``version`` is not a version in this store.
    """
    check_name(name, "model")
    if flavor not in FLAVORS:
        raise InvalidInput(f"unknown model flavor {flavor!r}; known: {', '.join(FLAVORS)}")
    if alias is not None:
        check_name(alias, "model alias")
    metrics = clean_values(metrics, "metric")
    params = clean_values(params, "param")
    path = Path(artifact)
    if not path.is_file():
        raise InvalidInput(f"the model file {artifact} does not exist or is not a file")
    if version is not None:
        store.get(version)
    with store_lock(store.dir / "lock"):
        ingest = Ingest(store.db, store.dir, store._workers())
        try:
            stored = ingest.add_file(path)
            ingest.seal()
            with store._db_lock, schema.transaction(store.db):
                ingest.index()
                row = store.db.execute("SELECT max(number) FROM model_versions WHERE name = ?", [name]).fetchone()
                number = (row[0] or 0) + 1
                created = time.time()
                store.db.execute(
                    "INSERT INTO model_versions (name, number, object, flavor, size, created, author, version, "
                    "metrics, params, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        name,
                        number,
                        stored.hash,
                        flavor,
                        stored.size,
                        created,
                        author(),
                        version,
                        json.dumps(metrics),
                        json.dumps(params),
                        json.dumps(extra or {}, default=str),
                    ],
                )
                if alias is not None:
                    _move_alias(store, name, alias, number, created)
        except BaseException:
            ingest.abort()
            raise
    return get_model(store, f"{name}:{number}")


def set_model_alias(store: Store, ref: str, alias: str) -> ModelVersion:
    """Point ``alias`` of the model ``ref`` names at that version (``churn:3`` or ``churn``)."""
    check_name(alias, "model alias")
    target = get_model(store, ref)
    with store._db_lock, schema.transaction(store.db):
        _move_alias(store, target.name, alias, target.number, time.time())
    return get_model(store, target.label)


def link_model(
    store: Store,
    ref: str,
    version: Version,
    *,
    metrics: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> ModelVersion:
    """Link a model version saved without a notebook version to ``version``, which made
    it; it takes the version's metrics and params, under its own (``metrics``, ``params``).
    A model already linked keeps its link."""
    model = get_model(store, ref)
    if model.version is not None:
        return model
    merged_metrics = {**model.metrics, **version.metrics, **clean_values(metrics, "metric")}
    merged_params = {**model.params, **version.params, **clean_values(params, "param")}
    with store._db_lock, schema.transaction(store.db):
        store.db.execute(
            "UPDATE model_versions SET version = ?, metrics = ?, params = ? "
            "WHERE name = ? AND number = ? AND version IS NULL",
            [version.id, json.dumps(merged_metrics), json.dumps(merged_params), model.name, model.number],
        )
    return get_model(store, model.label)


def _move_alias(store: Store, name: str, alias: str, number: int, when: float) -> None:
    prev = store.db.execute("SELECT number FROM model_aliases WHERE name = ? AND alias = ?", [name, alias]).fetchone()
    store.db.execute(
        "INSERT INTO model_aliases (name, alias, number, updated) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(name, alias) DO UPDATE SET number = excluded.number, updated = excluded.updated",
        [name, alias, number, when],
    )
    store.db.execute(
        "INSERT INTO model_alias_history (name, alias, number, previous, set_at) VALUES (?, ?, ?, ?, ?)",
        [name, alias, number, prev[0] if prev else None, when],
    )


# -- reading --------------------------------------------------------------------------------------

_COLUMNS = "name, number, object, flavor, size, created, author, version, metrics, params, extra"


def _rows(store: Store, where: str, args: list[Any], tail: str = "") -> list[ModelVersion]:
    rows = store.db.execute(f"SELECT {_COLUMNS} FROM model_versions {where} {tail}", args).fetchall()
    aliases: dict[tuple[str, int], list[str]] = {}
    names = sorted({r[0] for r in rows})
    if names:
        for name, alias, number in store.db.execute(
            f"SELECT name, alias, number FROM model_aliases WHERE name IN ({','.join('?' * len(names))}) "
            "ORDER BY alias",
            names,
        ).fetchall():
            aliases.setdefault((name, number), []).append(alias)
    return [
        ModelVersion(
            name,
            number,
            obj.hex(),
            flavor,
            size,
            created,
            author,
            version,
            json.loads(metrics),
            json.loads(params),
            json.loads(extra),
            tuple(aliases.get((name, number), ())),
        )
        for name, number, obj, flavor, size, created, author, version, metrics, params, extra in rows
    ]


def get_model(store: Store, ref: str) -> ModelVersion:
    """The model version ``ref`` names.

    :raises NotFound: no such model, version or alias. :raises InvalidInput: a malformed ref.
    """
    parsed = parse_model_ref(ref)
    if parsed.alias is not None:
        hit = store.db.execute(
            "SELECT number FROM model_aliases WHERE name = ? AND alias = ?", [parsed.name, parsed.alias]
        ).fetchone()
        if hit is None:
            _require_model(store, parsed.name)
            raise NotFound(f"model {parsed.name} has no alias {parsed.alias}")
        number = hit[0]
    elif parsed.number is not None:
        number = parsed.number
    else:
        row = store.db.execute("SELECT max(number) FROM model_versions WHERE name = ?", [parsed.name]).fetchone()
        if row[0] is None:
            _require_model(store, parsed.name)
        number = row[0]
    found = _rows(store, "WHERE name = ? AND number = ?", [parsed.name, number])
    if not found:
        _require_model(store, parsed.name)
        raise NotFound(f"model {parsed.name} has no version {number}")
    return found[0]


def find_model(store: Store, ref: str) -> ModelVersion | None:
    """The model version ``ref`` names when it is a model ref and a model of that name
    exists, else None. ``NAME:N`` and ``NAME@ALIAS`` are read as models first; a plain
    ``NAME`` only when no tag or version alias has that name.

    :raises NotFound: the model exists but not that version or alias."""
    if not isinstance(ref, str):
        return None
    if ":" not in ref and "@" not in ref and (tag_target(store.db, ref) or alias_target(store.db, ref)):
        return None
    try:
        parsed = parse_model_ref(ref)
    except InvalidInput:
        return None
    known = store.db.execute("SELECT 1 FROM model_versions WHERE name = ? LIMIT 1", [parsed.name]).fetchone()
    return get_model(store, ref) if known else None


def compare_models(store: Store, a: str, b: str) -> dict[str, Any]:
    """Two model versions side by side, then the diff of the notebook versions that
    made them (``jupyter-mv-model-diff``, :func:`jupyter_mv.diff.models.diff_models`)."""
    from ..diff.models import diff_models

    ma, mb = get_model(store, a), get_model(store, b)
    versions = store.diff(ma.version, mb.version) if ma.version and mb.version else None
    return diff_models(ma.to_dict(), mb.to_dict(), versions)


def point_alias(store: Store, name: str, ref: str, *, notebook: str | None = None) -> ModelVersion | Version:
    """``alias NAME REF``: a model ref (``churn:2``) moves the model's alias, any other
    ref the version alias. The model version or version it now names."""
    model = find_model(store, ref)
    if model is not None:
        return set_model_alias(store, model.label, name)
    return store.alias(name, ref, notebook=notebook)


def alias_history_all(store: Store, name: str) -> list[dict[str, Any]]:
    """Where alias ``name`` pointed, on versions and on models, newest first: entries
    ``{"kind": "version", "version", "label", "set_at"}`` or ``{"kind": "model",
    "model", "number", "label", "set_at"}``. :raises NotFound: no such alias."""
    entries: list[tuple[float, dict[str, Any]]] = []
    for vid, at in store.db.execute(
        "SELECT version, set_at FROM alias_history WHERE name = ? ORDER BY id DESC", [name]
    ).fetchall():
        try:
            label = store.get(vid).label
        except NotFound:
            label = vid[:12]
        entries.append((at, {"kind": "version", "version": vid, "label": label, "set_at": iso_time(at)}))
    for model, number, at in store.db.execute(
        "SELECT name, number, set_at FROM model_alias_history WHERE alias = ? ORDER BY id DESC", [name]
    ).fetchall():
        entry = {"kind": "model", "model": model, "number": number, "label": f"{model}:{number}"}
        entries.append((at, {**entry, "set_at": iso_time(at)}))
    if not entries:
        raise NotFound(f"no alias {name} (on a version or a model)")
    entries.sort(key=lambda e: -e[0])
    return [e for _, e in entries]


def model_version_of(store: Store, model: ModelVersion) -> Version:
    """The notebook version that made ``model``. :raises NotFound: it was saved without one."""
    if model.version is None:
        raise NotFound(
            f"{model.label} is linked to no notebook version yet (saved without one, or waiting for the next snapshot)"
        )
    return store.get(model.version)


def _require_model(store: Store, name: str) -> None:
    if store.db.execute("SELECT 1 FROM model_versions WHERE name = ? LIMIT 1", [name]).fetchone() is None:
        known = [r[0] for r in store.db.execute("SELECT DISTINCT name FROM model_versions ORDER BY name LIMIT 5")]
        hint = f" (models: {', '.join(known)})" if known else " (no model has been saved yet)"
        raise NotFound(f"no model named {name}{hint}")


def list_models(store: Store, name: str | None = None, *, version: str | None = None) -> list[ModelVersion]:
    """Model versions, newest first: every version of ``name``, those made by the
    notebook version ``version``, or (neither given) the latest version of each model."""
    if name is not None:
        check_name(name, "model")
        return _rows(store, "WHERE name = ?", [name], "ORDER BY number DESC")
    if version is not None:
        return _rows(store, "WHERE version = ?", [version], "ORDER BY created DESC")
    return _rows(
        store,
        "WHERE (name, number) IN (SELECT name, max(number) FROM model_versions GROUP BY name)",
        [],
        "ORDER BY name",
    )


def model_alias_history(store: Store, name: str, alias: str) -> list[dict[str, Any]]:
    """Where ``name@alias`` pointed, newest first."""
    rows = store.db.execute(
        "SELECT number, previous, set_at FROM model_alias_history WHERE name = ? AND alias = ? ORDER BY id DESC",
        [name, alias],
    ).fetchall()
    if not rows:
        raise NotFound(f"model {name} has no alias {alias}")
    return [{"number": n, "previous": p, "set_at": iso_time(t)} for n, p, t in rows]


def export_model(store: Store, ref: str | ModelVersion, dest: str | os.PathLike[str]) -> ModelVersion:
    """Write a model version's artifact to the file ``dest`` (checked against its hash)."""
    model = ref if isinstance(ref, ModelVersion) else get_model(store, ref)
    with store_lock(store.dir / "lock"), open(dest, "wb") as out:
        for data in iter_object(store, bytes.fromhex(model.hash), model.label):
            out.write(data)
    return model


# -- objects in, objects out ----------------------------------------------------------------------


def save_object(store: Store, name: str, obj: Any, *, flavor: str | None = None, **kwargs: Any) -> ModelVersion:
    """Serialize ``obj`` (see :func:`dump`) and :func:`save_model` it."""
    with _scratch() as folder:
        flavor, path, info = dump(obj, folder, flavor)
        extra = {**info, **(kwargs.pop("extra", None) or {})}
        return save_model(store, name, path, flavor=flavor, extra=extra, **kwargs)


def load_object(store: Store, ref: str | ModelVersion) -> tuple[Any, ModelVersion]:
    """The object a model version holds, and the version."""
    model = ref if isinstance(ref, ModelVersion) else get_model(store, ref)
    with _scratch() as folder:
        path = folder / f"model{FLAVORS[model.flavor].suffix if model.flavor in FLAVORS else ''}"
        export_model(store, model, path)
        return load(path, model.flavor, model.extra), model


def import_models(db: Any, version_id: str, models: list[dict[str, Any]]) -> None:
    """The model versions a pulled version made (as :func:`jupyter_mv.remote.layout.version_record`
    lists them), numbered after this store's versions of each model; one already here
    (same name, artifact and time) is skipped. Inside the pull's transaction."""
    for m in models:
        obj = bytes.fromhex(m["object"])
        if db.execute(
            "SELECT 1 FROM model_versions WHERE name = ? AND object = ? AND created = ?", [m["name"], obj, m["created"]]
        ).fetchone():
            continue
        top = db.execute("SELECT max(number) FROM model_versions WHERE name = ?", [m["name"]]).fetchone()[0]
        db.execute(
            "INSERT INTO model_versions (name, number, object, flavor, size, created, author, version, metrics, "
            "params, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                m["name"],
                (top or 0) + 1,
                obj,
                m["flavor"],
                m["size"],
                m["created"],
                m["author"],
                version_id,
                json.dumps(m["metrics"]),
                json.dumps(m["params"]),
                json.dumps(m["extra"]),
            ],
        )


class Models:
    """The model registry of one store (``store.models``), the way a sqlite-utils
    ``Database`` hands out a ``Table``: each method is the module function of its name
    bound to the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save(
        self,
        name: str,
        artifact: str | os.PathLike[str],
        *,
        flavor: str,
        version: str | None = None,
        metrics: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        alias: str | None = None,
    ) -> ModelVersion:
        """Store a serialized model file as the next version of model ``name`` (:func:`save_model`)."""
        return save_model(
            self.store,
            name,
            artifact,
            flavor=flavor,
            version=version,
            metrics=metrics,
            params=params,
            extra=extra,
            alias=alias,
        )

    def save_object(self, name: str, obj: Any, *, flavor: str | None = None, **kwargs: Any) -> ModelVersion:
        """Serialize ``obj`` in its framework's format and store it as model ``name``."""
        return save_object(self.store, name, obj, flavor=flavor, **kwargs)

    def load_object(self, ref: str | ModelVersion) -> tuple[Any, ModelVersion]:
        """The object a model version (``churn``, ``churn:3``, ``churn@production``) holds."""
        return load_object(self.store, ref)

    def get(self, ref: str) -> ModelVersion:
        """The model version ``ref`` names. :raises NotFound: none."""
        return get_model(self.store, ref)

    def list(self, name: str | None = None, *, version: str | None = None) -> builtins.list[ModelVersion]:
        """Registered model versions: the latest of each, one model's, or those a notebook version made."""
        return list_models(self.store, name, version=version)

    def alias(self, ref: str, alias: str) -> ModelVersion:
        """Point a model alias (such as ``production``) at the model version ``ref`` names."""
        return set_model_alias(self.store, ref, alias)

    def alias_history(self, name: str, alias: str) -> builtins.list[dict[str, Any]]:
        """Where ``name@alias`` pointed, newest first."""
        return model_alias_history(self.store, name, alias)

    def export(self, ref: str | ModelVersion, dest: str | os.PathLike[str]) -> ModelVersion:
        """Write a model version's artifact to ``dest``, checked against its hash."""
        return export_model(self.store, ref, dest)


@contextmanager
def _scratch() -> Iterator[Path]:
    # Not under the store's tmp/: that folder is emptied by any process opening the store.
    with tempfile.TemporaryDirectory(prefix="jupyter-mv-model-") as folder:
        yield Path(folder)

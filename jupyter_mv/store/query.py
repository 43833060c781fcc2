"""Filtering a notebook's versions: the one grammar of ``jupyter mv log --where``, ``%mv log
--where`` and the sidebar's filter box (``GET versions?where=``).

A filter is words separated by spaces; a version must match every word:

- ``acc>0.9``, ``loss<=0.2``, ``epochs=10``, ``acc!=1``: a metric compared with a number
  (``>``, ``>=``, ``<``, ``<=``, ``=``, ``!=``); a version without that metric does not match.
- ``tag:baseline``, ``alias:production`` (or ``@production``), ``author:ana``,
  ``message:tuned``, ``kind:safety``: that field contains the text (the kind equals it).
- any other word (``"two words"`` in quotes): the message, a tag, an alias or the author
  contains it.

Text matches ignore case. :func:`parse` turns a filter into a :class:`Query`; :func:`page`,
:func:`count` and :func:`position` read the matching versions (newest first) with it.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput
from . import records
from .versions import Version

__all__ = [
    "Query",
    "GraphRow",
    "parse",
    "page",
    "count",
    "position",
    "holding",
    "current",
    "newer",
    "graph",
    "lineage",
    "metric_series",
    "graph_lines",
    "FIELDS",
]

#: The fields a ``field:text`` word names.
FIELDS = ("tag", "alias", "author", "message", "kind")

_COMPARE = re.compile(r"^(?P<key>[^<>=!:\s]+)\s*(?P<op>>=|<=|!=|==|=|>|<)\s*(?P<value>\S+)$")
_SQL_OPS = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "=", "==": "=", "!=": "!="}
_ORDER = "ORDER BY created DESC, number DESC"


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Query:
    """A parsed filter: SQL conditions over the ``versions`` table, AND-combined.

    :param text: the filter as written. :param clauses: the SQL of each word.
    :param args: the values the clauses' placeholders take, in order.
    """

    text: str = ""
    clauses: tuple[str, ...] = ()
    args: tuple[Any, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.clauses)

    def sql(self) -> tuple[str, list[Any]]:
        """``(" AND c1 AND c2", args)``, to append to a WHERE clause ('' when empty)."""
        return "".join(f" AND {c}" for c in self.clauses), list(self.args)


def _text_clause(name: str, text: str) -> tuple[str, list[Any]]:
    pattern = _like(text)
    if name == "tag":
        return "EXISTS (SELECT 1 FROM tags t WHERE t.version = versions.id AND lower(t.name) LIKE ? ESCAPE '\\')", [
            pattern
        ]
    if name == "alias":
        return (
            "EXISTS (SELECT 1 FROM aliases al WHERE al.version = versions.id AND lower(al.name) LIKE ? ESCAPE '\\')",
            [pattern],
        )
    if name == "kind":
        if text not in ("full", "safety", "light"):
            raise InvalidInput(f"kind:{text} is not a kind of version (full, safety or light)")
        return "kind = ?", [text]
    return f"lower({name}) LIKE ? ESCAPE '\\'", [pattern]


def _word(word: str) -> tuple[str, list[Any]]:
    if word.startswith("@") and len(word) > 1:
        return _text_clause("alias", word[1:])
    name, sep, rest = word.partition(":")
    if sep and name.lower() in FIELDS:
        if not rest:
            raise InvalidInput(f"{word} names no text to look for: write {name}:TEXT")
        return _text_clause(name.lower(), rest)
    match = _COMPARE.match(word)
    if match:
        key, op, raw = match["key"], match["op"], match["value"]
        try:
            value = float(raw)
        except ValueError:
            raise InvalidInput(f"{word}: {raw} is not a number (a metric compares with a number)") from None
        path = '$."' + key.replace('"', '""') + '"'
        return (
            f"json_type(metrics, ?) IN ('integer', 'real') AND json_extract(metrics, ?) {_SQL_OPS[op]} ?",
            [path, path, value],
        )
    if any(c in word for c in "<>=!") and not sep:
        raise InvalidInput(f"{word} is not a condition: write a metric, an operator and a number, as acc>0.9")
    parts = [_text_clause(name, word) for name in ("message", "author", "tag", "alias")]
    return "(" + " OR ".join(p[0] for p in parts) + ")", [a for p in parts for a in p[1]]


def parse(text: str | None) -> Query:
    """The :class:`Query` of a filter (see the module's documentation); empty for none.

    :raises InvalidInput: a word that is not a condition, an unknown kind, open quotes.
    """
    if text is None or not text.strip():
        return Query()
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise InvalidInput(f"the filter {text!r} cannot be read: {exc}") from None
    clauses: list[str] = []
    args: list[Any] = []
    for word in words:
        clause, values = _word(word)
        clauses.append(clause)
        args += values
    return Query(text, tuple(clauses), tuple(args))


def _scope(db: Any, notebook: str | None, kinds: list[str] | None, query: Query) -> tuple[str, list[Any]]:
    where = ["1 = 1"]
    args: list[Any] = []
    if notebook is not None:
        where.append("notebook = ?")
        args.append(notebook)
    if kinds:
        where.append(f"kind IN ({','.join('?' * len(kinds))})")
        args += kinds
    extra, extra_args = query.sql()
    return "WHERE " + " AND ".join(where) + extra, args + extra_args


def page(
    db: Any,
    notebook: str | None,
    query: Query,
    *,
    kinds: list[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Version]:
    """The versions of ``notebook`` (a ``versions.notebook`` key; all when None) that match
    ``query``, newest first: ``limit`` of them from ``offset``."""
    where, args = _scope(db, notebook, kinds, query)
    sql = f"SELECT {records.COLUMNS} FROM versions {where} {_ORDER}"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        args += [int(limit), int(offset)]
    return records.rows_to_versions(db, db.execute(sql, args).fetchall())


def count(db: Any, notebook: str | None, query: Query, *, kinds: list[str] | None = None) -> int:
    """How many versions :func:`page` lists in all."""
    where, args = _scope(db, notebook, kinds, query)
    n: int = db.execute(f"SELECT count(*) FROM versions {where}", args).fetchone()[0]
    return n


def position(
    db: Any, notebook: str | None, query: Query, version_id: str, *, kinds: list[str] | None = None
) -> int | None:
    """Where version ``version_id`` is in what :func:`page` lists (0: the newest), or None
    when it is not listed (another notebook or kind, or the filter leaves it out)."""
    where, args = _scope(db, notebook, kinds, query)
    row = db.execute(f"SELECT created, number FROM versions {where} AND id = ?", [*args, version_id]).fetchone()
    if row is None:
        return None
    created, number = row
    n: int = db.execute(
        f"SELECT count(*) FROM versions {where} AND (created > ? OR (created = ? AND number > ?))",
        [*args, created, created, number],
    ).fetchone()[0]
    return n


def newer(
    db: Any, notebook: str, query: Query, version_id: str, *, kinds: list[str] | None = None, limit: int
) -> list[Version] | None:
    """The versions :func:`page` lists above version ``version_id`` (those added since it
    was the newest), newest first; None when it is not listed any more, or more than
    ``limit`` versions are above it."""
    where, args = _scope(db, notebook, kinds, query)
    row = db.execute(f"SELECT created, number FROM versions {where} AND id = ?", [*args, version_id]).fetchone()
    if row is None:
        return None
    created, number = row
    found = db.execute(
        f"SELECT {records.COLUMNS} FROM versions {where} AND (created > ? OR (created = ? AND number > ?)) "
        f"{_ORDER} LIMIT ?",
        [*args, created, created, number, limit + 1],
    ).fetchall()
    return None if len(found) > limit else records.rows_to_versions(db, found)


def metric_series(db: Any, notebook: str) -> dict[str, list[dict[str, Any]]]:
    """Each numeric metric across a notebook's full versions (``notebook``: a
    ``versions.notebook`` key), oldest first: points ``{"id", "name", "number", "value",
    "steps"}`` (``steps``: the curve logged within that version, ``[[step, value], ...]``,
    from its kernel record). Read in one query, without making the versions: a long history
    costs its points, not its records."""
    out: dict[str, list[dict[str, Any]]] = {}
    steps_of: dict[str, dict[str, Any]] = {}
    rows = db.execute(
        "SELECT v.id, v.number, m.key, m.value, json_extract(v.extra, '$.kernel.steps') "
        "FROM versions v, json_each(v.metrics) m "
        "WHERE v.notebook = ? AND v.kind = 'full' AND m.type IN ('integer', 'real') "
        "ORDER BY v.created, v.number",
        [notebook],
    )
    for vid, number, key, value, steps in rows:
        if steps is not None and vid not in steps_of:
            try:
                loaded = json.loads(steps)
            except ValueError:
                loaded = None
            steps_of[vid] = loaded if isinstance(loaded, dict) else {}
        curve = steps_of.get(vid, {}).get(key) or []
        out.setdefault(key, []).append(
            {"id": vid, "name": f"v{number}", "number": number, "value": value, "steps": curve}
        )
    return out


def holding(db: Any, digest: bytes, notebook: str | None = None, *, exclude: str | None = None) -> Version | None:
    """The newest version whose notebook file has BLAKE3 ``digest``: of ``notebook`` when
    given (the version a notebook on disk is now), else of any notebook but ``exclude``
    (where a notebook restored to a new file came from); None when no version holds it."""
    if notebook is not None:
        # Most often the notebook is its newest version: ask that first.
        newest = db.execute(
            "SELECT v.id FROM versions v CROSS JOIN version_files f ON f.version = v.id AND f.role = 'notebook' "
            "WHERE v.notebook = ? AND f.hash = ? ORDER BY v.created DESC LIMIT 1",
            [notebook, digest],
        ).fetchone()
        return records.get_version(db, newest[0]) if newest else None
    sql = (
        "SELECT v.id FROM version_files f JOIN versions v ON v.id = f.version WHERE f.hash = ? AND f.role = 'notebook'"
    )
    args: list[Any] = [digest]
    if notebook is not None:
        sql += " AND v.notebook = ?"
        args.append(notebook)
    if exclude is not None:
        sql += " AND v.notebook != ?"
        args.append(exclude)
    row = db.execute(sql + " ORDER BY v.created DESC LIMIT 1", args).fetchone()
    return records.get_version(db, row[0]) if row else None


def current(db: Any, digest: bytes, notebook: str) -> Version | None:
    """The version ``notebook`` (a ``versions.notebook`` key) is now, its file having BLAKE3
    ``digest``: the version it was last restored to in place, when no version was made
    since and that version holds these bytes; else the newest version that holds them
    (:func:`holding`); None when none does."""
    restored = records.restored_version(db, notebook)
    if restored is not None:
        rid, when = restored
        newest = db.execute("SELECT max(created) FROM versions WHERE notebook = ?", [notebook]).fetchone()[0]
        same = db.execute(
            "SELECT 1 FROM version_files WHERE version = ? AND role = 'notebook' AND hash = ?", [rid, digest]
        ).fetchone()
        if same and (newest is None or newest <= when):
            return records.get_version(db, rid)
    return holding(db, digest, notebook)


@dataclass(frozen=True)
class GraphRow:
    """One version's row of the lineage graph, as ``git log --graph`` draws it.

    :param col: the lane the version's dot is in (0: the leftmost).
    :param up: the lanes that come down into the dot from the row above (its children).
    :param through: the lanes that pass the row by.
    :param down: whether a line leaves the dot downwards (the version has a parent listed).
    :param width: how many lanes the row spans.
    """

    col: int
    up: tuple[int, ...]
    through: tuple[int, ...]
    down: bool
    width: int

    def to_dict(self) -> dict[str, Any]:
        return {"col": self.col, "up": list(self.up), "through": list(self.through), "down": self.down}


#: The least rows a drawing reads at a time.
_CHUNK = 500


@dataclass
class _Drawing:
    """A notebook's lineage graph drawn from the newest version down to ``len(ids)`` rows.

    Each row keeps its listed parent and the lanes before it, so that versions added on
    top are drawn alone: the rows below are drawn again only down to the first one whose
    lanes did not change (one row, for a history without branches).
    """

    signature: tuple[Any, ...]
    ids: list[str] = field(default_factory=list)
    rows: dict[str, GraphRow] = field(default_factory=dict)
    parents: list[str | None] = field(default_factory=list)
    before: list[tuple[str | None, ...]] = field(default_factory=list)
    lanes: list[str | None] = field(default_factory=list)
    top: tuple[float, int] | None = None
    last: tuple[float, int] | None = None
    done: bool = False
    width: int = 1


#: The drawings kept, by store, notebook and kinds (a long history is drawn once, not at each page).
_DRAWINGS: dict[tuple[Any, ...], _Drawing] = {}
_DRAWINGS_KEPT = 8
_DRAWING_LOCK = threading.Lock()
#: A drawing whose sum of creation times is off by more than this (seconds) lost or gained versions below its top.
_SUM_SLACK = 0.5


def _kinds_sql(kinds: list[str] | None, table: str = "versions") -> tuple[str, list[Any]]:
    if not kinds:
        return "", []
    return f" AND {table}.kind IN ({','.join('?' * len(kinds))})", list(kinds)


def _signature(db: Any, notebook: str, kinds: list[str] | None) -> tuple[Any, ...]:
    """How many versions of ``kinds`` a notebook has, its newest time and the sum of their
    times (from the listing index alone)."""
    extra, args = _kinds_sql(kinds)
    row = db.execute(
        f"SELECT count(*), max(created), total(created) FROM versions WHERE notebook = ?{extra}", [notebook, *args]
    ).fetchone()
    return (int(row[0]), row[1], float(row[2]))


def _step(lanes: list[str | None], vid: str, parent: str | None) -> GraphRow:
    """Draw the row of ``vid`` (whose listed parent is ``parent``) below ``lanes`` (the
    version each lane waits for), and move ``lanes`` past it."""
    if len(lanes) == 1 and lanes[0] == vid:  # the common case: a line of versions
        lanes[0] = parent
        if parent is None:
            lanes.pop()
        return _LINE if parent is not None else _LINE_END
    waiting = [i for i, want in enumerate(lanes) if want == vid]
    if waiting:
        col = waiting[0]
    elif None in lanes:
        col = lanes.index(None)
    else:
        lanes.append(None)
        col = len(lanes) - 1
    through = tuple(i for i, want in enumerate(lanes) if want is not None and want != vid)
    width = len(lanes)
    for i in waiting:
        lanes[i] = None
    lanes[col] = parent
    while lanes and lanes[-1] is None:
        lanes.pop()
    return GraphRow(col, tuple(waiting), through, parent is not None, width)


_LINE = GraphRow(0, (0,), (), True, 1)
_LINE_END = GraphRow(0, (0,), (), False, 1)


def _listed_parent(db: Any, notebook: str, kinds: list[str] | None, parent: str | None, info: Any) -> str | None:
    """The nearest ancestor of a version that the graph lists: its ``parent`` when that is
    a version of ``notebook`` of ``kinds`` (``info``: the parent's ``(kind, notebook)``,
    None when it is not stored), else the parent's own, and so on."""
    seen: set[str] = set()
    while parent is not None and info is not None and info[1] == notebook and parent not in seen:
        if not kinds or info[0] in kinds:
            return parent
        seen.add(parent)
        up = db.execute("SELECT parent FROM versions WHERE id = ?", [parent]).fetchone()
        parent = up[0] if up else None
        info = (
            db.execute("SELECT kind, notebook FROM versions WHERE id = ?", [parent]).fetchone()
            if parent is not None
            else None
        )
    return None


def _rows_after(
    db: Any, notebook: str, kinds: list[str] | None, key: tuple[float, int] | None, limit: int, *, newer: bool = False
) -> list[Any]:
    """``(id, listed parent, created, number)`` of the versions of ``kinds`` just after the
    version at ``key`` (``(created, number)``) in the listing, newest first; with
    ``newer``, of those above it (all of them: ``limit`` is then a bound)."""
    extra, args = _kinds_sql(kinds, "v")
    where = "v.notebook = ?" + extra
    params: list[Any] = [notebook, *args]
    if key is not None:
        op = ">" if newer else "<"
        where += f" AND (v.created {op} ? OR (v.created = ? AND v.number {op} ?))"
        params += [key[0], key[0], key[1]]
    found = db.execute(
        "SELECT v.id, v.parent, v.created, v.number, p.kind, p.notebook FROM versions v "
        f"LEFT JOIN versions p ON p.id = v.parent WHERE {where} "
        "ORDER BY v.created DESC, v.number DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [
        (vid, _listed_parent(db, notebook, kinds, parent, None if pkind is None else (pkind, pnb)), created, number)
        for vid, parent, created, number, pkind, pnb in found
    ]


def _extend(db: Any, notebook: str, kinds: list[str] | None, drawing: _Drawing, upto: int | None) -> None:
    """Draw ``drawing`` down to ``upto`` rows (all when None), reading on from its last row."""
    while not drawing.done and (upto is None or len(drawing.ids) < upto):
        want = _CHUNK if upto is None else max(_CHUNK, upto - len(drawing.ids))
        found = _rows_after(db, notebook, kinds, drawing.last, want)
        lanes = drawing.lanes
        for vid, parent, created, number in found:
            drawing.before.append(tuple(lanes))
            row = _step(lanes, vid, parent)
            drawing.ids.append(vid)
            drawing.parents.append(parent)
            drawing.rows[vid] = row
            drawing.width = max(drawing.width, row.width)
        if found:
            drawing.top = drawing.top or (found[0][2], found[0][3])
            drawing.last = (found[-1][2], found[-1][3])
        if len(found) < want:
            drawing.done = True


def _catch_up(db: Any, notebook: str, kinds: list[str] | None, drawing: _Drawing, signature: tuple[Any, ...]) -> bool:
    """Draw the versions added on top of ``drawing`` since it was drawn, the rows below
    only as far as they change; False when the history changed otherwise (then it is
    drawn again)."""
    count, newest, total = signature
    old_count, _, old_total = drawing.signature
    added = count - old_count
    if drawing.top is None or added <= 0:
        return False
    found = _rows_after(db, notebook, kinds, drawing.top, added + 1, newer=True)
    if len(found) != added or abs(total - old_total - sum(r[2] for r in found)) > _SUM_SLACK:
        return False
    lanes: list[str | None] = []
    ids, parents, before = [], [], []
    for vid, parent, _, _ in found:
        before.append(tuple(lanes))
        drawing.rows[vid] = row = _step(lanes, vid, parent)
        drawing.width = max(drawing.width, row.width)
        ids.append(vid)
        parents.append(parent)
    for i, vid in enumerate(drawing.ids):
        if tuple(lanes) == drawing.before[i]:
            break
        drawing.before[i] = tuple(lanes)
        drawing.rows[vid] = _step(lanes, vid, drawing.parents[i])
    else:
        drawing.lanes = lanes
    drawing.ids[:0] = ids
    drawing.parents[:0] = parents
    drawing.before[:0] = before
    drawing.top = (found[0][2], found[0][3])
    drawing.width = max(r.width for r in drawing.rows.values())
    drawing.signature = signature
    return True


def lineage(
    db: Any, notebook: str, *, kinds: list[str] | None = None, rows: int | None = None
) -> tuple[dict[str, GraphRow], list[str], int]:
    """The lineage graph of a notebook's versions of ``kinds``, newest first, by version id,
    drawn down to the ``rows`` newest versions at least (all when None); the ids of the
    rows drawn, newest first; and how many lanes they span. Each version is a dot in a lane joined to its parent's (a
    restore then a snapshot makes a second lane, a branch); a parent of another kind is
    skipped for its nearest listed ancestor.

    A drawing is kept: the next call draws only what it lacks (the rows further down, the
    versions added on top), so a page of a long history costs a page, not the history."""
    where = db.execute("PRAGMA database_list").fetchone()[2]
    key = (where, notebook, tuple(kinds or ()))
    with _DRAWING_LOCK:
        signature = _signature(db, notebook, kinds)
        drawing = _DRAWINGS.pop(key, None)
        if (
            drawing is not None
            and drawing.signature != signature
            and not _catch_up(db, notebook, kinds, drawing, signature)
        ):
            drawing = None
        if drawing is None:
            drawing = _Drawing(signature)
        if len(_DRAWINGS) >= _DRAWINGS_KEPT:
            _DRAWINGS.pop(next(iter(_DRAWINGS)))
        _DRAWINGS[key] = drawing
        _extend(db, notebook, kinds, drawing, rows)
        return dict(drawing.rows), list(drawing.ids), drawing.width


def graph(db: Any, notebook: str, *, kinds: list[str] | None = None) -> dict[str, GraphRow]:
    """The whole lineage graph of a notebook's versions of ``kinds``, by version id (see
    :func:`lineage`)."""
    return lineage(db, notebook, kinds=kinds)[0]


def graph_lines(row: GraphRow) -> tuple[str, str]:
    """The terminal drawing of a graph row: ``(joins, dot)``, lanes two characters apart;
    ``joins`` (the lanes that merge into the dot, drawn ``|/``) is empty when none do."""
    width = max(row.width, 1)
    dot = " ".join("*" if c == row.col else "|" if c in row.through else " " for c in range(width))
    merging = [c for c in row.up if c != row.col]
    if not merging:
        return "", dot.rstrip()
    joins = [" "] * (2 * width)
    for c in (row.col, *row.through):
        joins[2 * c] = "|"
    for c in merging:
        joins[2 * c - 1] = "/" if c > row.col else "\\"
    return "".join(joins).rstrip(), dot.rstrip()

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

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput
from . import records
from .versions import Version

__all__ = ["Query", "GraphRow", "parse", "page", "count", "position", "holding", "graph", "graph_lines", "FIELDS"]

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


#: The graphs drawn lately, by store, notebook, kinds and the notebook's state (its number
#: of versions and newest one): a long history is drawn once, not at each page.
_GRAPHS: dict[tuple[Any, ...], dict[str, GraphRow]] = {}
_GRAPHS_KEPT = 8


def _state(db: Any, notebook: str) -> tuple[Any, ...]:
    where = db.execute("PRAGMA database_list").fetchone()[2]
    count_, newest = db.execute("SELECT count(*), max(created) FROM versions WHERE notebook = ?", [notebook]).fetchone()
    changed = db.execute("SELECT count(*), max(created) FROM versions").fetchone()
    return (where, notebook, count_, newest, *changed)


def graph(db: Any, notebook: str, *, kinds: list[str] | None = None) -> dict[str, GraphRow]:
    """The lineage graph of a notebook's versions of ``kinds``, newest first, by version id:
    each version is a dot in a lane joined to its parent's (a restore then a snapshot makes
    a second lane, a branch). A parent of another kind is skipped for its nearest listed
    ancestor. The graph of an unchanged notebook is drawn once."""
    key = (*_state(db, notebook), tuple(kinds or ()))
    drawn = _GRAPHS.get(key)
    if drawn is None:
        drawn = _draw(db, notebook, kinds)
        if len(_GRAPHS) >= _GRAPHS_KEPT:
            _GRAPHS.pop(next(iter(_GRAPHS)))
        _GRAPHS[key] = drawn
    return drawn


def _draw(db: Any, notebook: str, kinds: list[str] | None) -> dict[str, GraphRow]:
    scope, args = _scope(db, notebook, None, Query())
    everything = db.execute(f"SELECT id, parent, kind FROM versions {scope} {_ORDER}", args).fetchall()
    parent_of = {vid: parent for vid, parent, _ in everything}
    listed = [(vid, kind) for vid, _, kind in everything if not kinds or kind in kinds]
    shown = {vid for vid, _ in listed}

    def listed_parent(vid: str) -> str | None:
        seen: set[str] = set()
        parent = parent_of.get(vid)
        while parent is not None and parent not in shown and parent not in seen:
            seen.add(parent)
            parent = parent_of.get(parent)
        return parent if parent in shown else None

    lanes: list[str | None] = []  # the version each lane waits for
    rows: dict[str, GraphRow] = {}
    for vid, _ in listed:
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
        parent = listed_parent(vid)
        lanes[col] = parent
        while lanes and lanes[-1] is None:
            lanes.pop()
        rows[vid] = GraphRow(col, tuple(waiting), through, parent is not None, width)
    return rows


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

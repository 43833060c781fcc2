"""A strict parser for the subset of Mermaid flowcharts the reports emit.

It accepts exactly: a ``flowchart LR|RL|TB|TD|BT`` header; node lines
``ID<shape>"label"<shape>`` with the shapes ``[..]``, ``(..)``, ``([..])``, ``[(..)]``,
``{{..}}``; edges ``A -->|label| B``; ``classDef NAME STYLE`` and ``class A,B NAME``.
Labels must be quoted and hold no raw ``"``, ``<``, ``>`` or backquote (entity codes
``#quot;`` and friends instead). Edges must join declared nodes; ids are unique.
Anything else raises ``ValueError`` naming the line, as Mermaid would refuse it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_ID = r"[A-Za-z][A-Za-z0-9_]*"
_SHAPES = {"[": "]", "(": ")", "([": "])", "[(": ")]", "{{": "}}"}
_NODE = re.compile(
    rf"(?P<id>{_ID})(?P<open>\(\[|\[\(|\{{\{{|\[|\()"
    r"\"(?P<label>[^\"<>`]*)\"(?P<close>\]\)|\)\]|\}\}|\]|\))"
)
_EDGE = re.compile(rf"(?P<a>{_ID}) -->\|(?P<label>[A-Za-z_ ]+)\| (?P<b>{_ID})")
_CLASSDEF = re.compile(r"classDef (?P<name>[A-Za-z_]+) (?P<style>[a-z-]+:[^;\s]+(;[a-z-]+:[^;\s]+)*)")
_CLASS = re.compile(rf"class (?P<ids>{_ID}(,{_ID})*) (?P<name>[A-Za-z_]+)")
_ENTITY = re.compile(r"#(\d+|[a-z]+);")


@dataclass
class Flowchart:
    direction: str
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    classes: dict[str, str] = field(default_factory=dict)


def _decode(label: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code)) if code.isdigit() else html.unescape(f"&{code};")

    return _ENTITY.sub(one, label)


def parse_flowchart(text: str) -> Flowchart:
    lines = text.split("\n")
    head = re.fullmatch(r"flowchart (LR|RL|TB|TD|BT)", lines[0])
    if not head:
        raise ValueError(f"line 1: not a flowchart header: {lines[0]!r}")
    chart = Flowchart(head.group(1))
    defined: set[str] = set()
    for number, raw in enumerate(lines[1:], start=2):
        if not raw.startswith("    ") or raw != raw.rstrip():
            raise ValueError(f"line {number}: expected four spaces of indent and no trailing space: {raw!r}")
        line = raw[4:]
        if m := _NODE.fullmatch(line):
            if _SHAPES[m.group("open")] != m.group("close"):
                raise ValueError(f"line {number}: shape {m.group('open')} closed by {m.group('close')}")
            if m.group("id") in chart.nodes:
                raise ValueError(f"line {number}: node {m.group('id')} defined twice")
            chart.nodes[m.group("id")] = (m.group("open"), _decode(m.group("label")))
        elif m := _EDGE.fullmatch(line):
            for end in (m.group("a"), m.group("b")):
                if end not in chart.nodes:
                    raise ValueError(f"line {number}: edge to undeclared node {end}")
            chart.edges.append((m.group("a"), m.group("b"), m.group("label")))
        elif m := _CLASSDEF.fullmatch(line):
            defined.add(m.group("name"))
        elif m := _CLASS.fullmatch(line):
            if m.group("name") not in defined:
                raise ValueError(f"line {number}: class {m.group('name')} used before classDef")
            for node in m.group("ids").split(","):
                if node not in chart.nodes:
                    raise ValueError(f"line {number}: class on undeclared node {node}")
                chart.classes[node] = m.group("name")
        else:
            raise ValueError(f"line {number}: not part of the flowchart syntax: {line!r}")
    return chart

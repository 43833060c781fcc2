"""The sidebar's TypeScript types mirror the wire formats: the diff JSON Schema
(labextension/diff-types.ts) and the API's OpenAPI schemas (labextension/types.ts).

Each interface marked ``@schema NAME`` or ``@openapi NAME`` must have exactly the
schema's properties, optional exactly where the schema does not require them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

import jupyter_mv

REPO = Path(__file__).resolve().parents[2]
LABEXTENSION = REPO / "labextension"
PACKAGE = Path(jupyter_mv.__file__).parent

_INTERFACE = re.compile(
    r"/\*\*(?P<doc>(?:(?!\*/).)*?)@(?P<kind>schema|openapi) (?P<name>\w+)(?:(?!\*/).)*\*/\s*"
    r"export interface (?P<interface>\w+)(?:<[^>]*>)? \{",
    re.S,
)


def interfaces(source: str) -> dict[tuple[str, str], tuple[str, dict[str, bool]]]:
    """``(kind, schema name) -> (interface, {property: optional})`` of a TypeScript file."""
    found = {}
    for match in _INTERFACE.finditer(source):
        depth, i, body_start = 1, match.end(), match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(source[i], 0)
            i += 1
        body = source[body_start : i - 1]
        props: dict[str, bool] = {}
        level = 0
        for line in body.splitlines():
            code = re.sub(r"//.*|/\*.*?\*/", "", line)
            if level == 0 and (m := re.match(r"\s*(\w+)(\?)?:", code)):
                props[m.group(1)] = bool(m.group(2))
            level += code.count("{") - code.count("}")
        found[(match["kind"], match["name"])] = (match["interface"], props)
    return found


def schema_properties(schema: dict) -> dict[str, bool]:
    required = set(schema.get("required", []))
    return {name: name not in required for name in schema.get("properties", {})}


DIFF_SCHEMA = json.loads((PACKAGE / "schemas" / "diff.schema.json").read_text())
OPENAPI = yaml.safe_load((PACKAGE / "server" / "openapi.yaml").read_text())
TYPES = {
    **interfaces((LABEXTENSION / "diff-types.ts").read_text()),
    **interfaces((LABEXTENSION / "types.ts").read_text()),
}


def test_the_types_name_their_schemas():
    diff = {name for kind, name in TYPES if kind == "schema"}
    openapi = {name for kind, name in TYPES if kind == "openapi"}
    objects = {name for name, d in DIFF_SCHEMA["$defs"].items() if d.get("type") == "object"}
    assert diff == objects | {"root"}, "every object of the diff schema has its TypeScript interface"
    assert {
        "Version",
        "FileEntry",
        "VersionList",
        "Task",
        "Error",
        "SnapshotResult",
        "RestoreResult",
        "SaveResult",
    } <= openapi


@pytest.mark.parametrize("key", sorted(TYPES), ids=lambda k: f"{k[0]}:{k[1]}")
def test_each_interface_has_the_schemas_properties(key):
    kind, name = key
    interface, props = TYPES[key]
    if kind == "schema":
        schema = DIFF_SCHEMA if name == "root" else DIFF_SCHEMA["$defs"][name]
    else:
        schema = OPENAPI["components"]["schemas"][name]
    assert props == schema_properties(schema), f"{interface} does not mirror {kind} {name}"

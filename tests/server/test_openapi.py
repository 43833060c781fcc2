"""openapi.yaml describes every route, and real answers match its schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

import jupyter_mv.server
from jupyter_mv.server.handlers import ROUTES

from ..helpers import write_notebook
from .api import NOTEBOOK, call, finish, ok

SPEC_PATH = Path(jupyter_mv.server.__file__).with_name("openapi.yaml")
SPEC = yaml.safe_load(SPEC_PATH.read_text())


def check(name: str, instance: Any) -> None:
    """Validate ``instance`` against ``components.schemas[name]``."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(instance), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_every_route_is_described_with_the_verbs_it_implements():
    implemented = {
        path: {
            verb
            for verb in ("get", "post", "put", "patch", "delete")
            if getattr(handler, verb).__module__.startswith("jupyter_mv.")
        }
        for path, handler in ROUTES
    }
    described = {
        path: {verb for verb in item if verb in ("get", "post", "put", "patch", "delete")}
        for path, item in SPEC["paths"].items()
    }

    assert described == implemented


def test_every_operation_answers_403_and_names_the_verb_of_the_core():
    for path, item in SPEC["paths"].items():
        for verb, operation in item.items():
            assert "403" in operation["responses"], f"{verb} {path}"
            assert operation["operationId"], f"{verb} {path}"
    for path in ("/diff", "/report/{ref}"):
        ref = SPEC["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert (SPEC_PATH.parent / ref).resolve().is_file(), ref


def test_the_schemas_are_valid_json_schema():
    for schema in SPEC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


async def test_real_answers_match_the_schemas(jp_fetch, jp_root_dir, two_versions):
    write_notebook(jp_root_dir / NOTEBOOK, ["x = 1", "y = x + 1", "z = 3"])

    check("SaveResult", await ok(jp_fetch, "POST", "saves", body={"path": NOTEBOOK}))
    listing = await ok(jp_fetch, "GET", "versions", params={"path": NOTEBOOK})
    check("VersionList", listing)
    assert listing["saves"] == {"2": 1}
    check("Version", await ok(jp_fetch, "GET", "versions", "v2.1", params={"path": NOTEBOOK}))
    check("Version", await ok(jp_fetch, "POST", "tags", body={"path": NOTEBOOK, "ref": "v1", "name": "t"}))
    check("Version", await ok(jp_fetch, "POST", "aliases", body={"path": NOTEBOOK, "ref": "v1", "name": "prod"}))
    started = await ok(jp_fetch, "POST", "snapshot", body={"path": NOTEBOOK, "message": "m"})
    check("Task", started["task"])
    done = await finish(jp_fetch, started)
    check("Task", done)
    check("SnapshotResult", done["result"])
    restored = await finish(jp_fetch, await ok(jp_fetch, "POST", "restore", body={"path": NOTEBOOK, "ref": "v1"}))
    check("Task", restored)
    check("RestoreResult", restored["result"])
    status, error = await call(jp_fetch, "GET", "versions", "v99", params={"path": NOTEBOOK})
    assert status == 404
    check("Error", error)


@pytest.mark.parametrize("name", ["Version", "VersionList", "Task", "RestoreResult"])
def test_the_schemas_refuse_unknown_keys(name):
    """additionalProperties is false: a key added to the API fails the tests until described."""
    assert SPEC["components"]["schemas"][name]["additionalProperties"] is False

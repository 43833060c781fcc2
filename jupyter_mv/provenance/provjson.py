"""The report as W3C PROV-JSON (https://www.w3.org/submissions/prov-json/).

Entities: the notebook file (the plan), the notebook version, its parents, the
input and output files (named by their BLAKE3 hash), the models, the environment
and the packages the notebook imported. One activity: the kernel's run of the
notebook. Agents: the author (a person) and the kernel's interpreter (software).
Relations: ``used``, ``wasGeneratedBy``, ``wasDerivedFrom`` (``prov:Revision``
between versions), ``wasAssociatedWith`` (with the notebook as ``prov:plan``) and
``wasAttributedTo``.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["render_prov", "NAMESPACES"]

NAMESPACES = {
    "mv": "urn:jupyter-mv:ns#",
    "mvversion": "urn:jupyter-mv:version:",
    "mvfile": "urn:jupyter-mv:blake3:",
    "mvmodel": "urn:jupyter-mv:model:",
    "mvrun": "urn:jupyter-mv:run:",
    "mvagent": "urn:jupyter-mv:agent:",
    "mvenv": "urn:jupyter-mv:environment:",
    "mvpkg": "urn:jupyter-mv:package:",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def _local(text: str) -> str:
    return _UNSAFE.sub("_", str(text)).strip("_") or "x"


def _attr(name: str) -> str:
    return "mv:" + _local(name)


def _scalar(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return str(value).lower() if isinstance(value, bool) else ""
    if isinstance(value, (int, float, str)):
        return value
    return str(value)


class _Doc:
    def __init__(self) -> None:
        self.doc: dict[str, Any] = {"prefix": dict(NAMESPACES)}
        self.counters: dict[str, int] = {}

    def record(self, kind: str, key: str, attrs: dict[str, Any]) -> str:
        self.doc.setdefault(kind, {}).setdefault(key, attrs)
        return key

    def relation(self, kind: str, attrs: dict[str, Any]) -> None:
        n = self.counters[kind] = self.counters.get(kind, 0) + 1
        self.doc.setdefault(kind, {})[f"_:{kind}{n}"] = attrs


def render_prov(report: dict[str, Any]) -> dict[str, Any]:
    """The PROV-JSON document (a dict; ``json.dumps`` it)."""
    d = _Doc()
    subject, version = report["subject"], report["notebook_version"]
    model = subject["model"]
    if version is None:
        if model is not None:
            _model_entity(d, model)
        return d.doc

    vid = d.record(
        "entity",
        f"mvversion:{version['id']}",
        {
            "prov:type": [{"$": "mv:NotebookVersion", "type": "prov:QUALIFIED_NAME"}],
            "prov:label": version["label"],
            "mv:notebook": version["notebook"],
            "mv:number": version["number"],
            "mv:message": version["message"],
            "mv:created": version["created"],
            **{_attr(f"metric_{k}"): _scalar(v) for k, v in report["metrics"].items()},
            **{_attr(f"param_{k}"): _scalar(v) for k, v in report["params"].items()},
            **({"mv:tags": ", ".join(version["tags"])} if version["tags"] else {}),
            **({"mv:git_commit": str(version["git"].get("commit"))} if isinstance(version["git"], dict) else {}),
        },
    )
    run = d.record(
        "activity",
        f"mvrun:{version['id']}",
        {
            "prov:label": f"run of {version['notebook']} recorded as {version['name']}",
            **_times(report),
        },
    )
    author = d.record(
        "agent",
        f"mvagent:{_local(version['author'])}",
        {"prov:type": [{"$": "prov:Person", "type": "prov:QUALIFIED_NAME"}], "prov:label": version["author"]},
    )
    d.relation("wasAttributedTo", {"prov:entity": vid, "prov:agent": author})
    notebook_file = _notebook_file(report)
    plan = None
    if notebook_file is not None:
        plan = d.record(
            "entity",
            f"mvfile:{notebook_file['hash']}",
            {
                "prov:type": [
                    {"$": "prov:Plan", "type": "prov:QUALIFIED_NAME"},
                    {"$": "mv:Notebook", "type": "prov:QUALIFIED_NAME"},
                ],
                "prov:label": notebook_file["path"],
                "mv:size": notebook_file["size"],
            },
        )
        d.relation("used", {"prov:activity": run, "prov:entity": plan})
        d.relation("wasDerivedFrom", {"prov:generatedEntity": vid, "prov:usedEntity": plan})
    association = {"prov:activity": run, "prov:agent": author}
    if plan:
        association["prov:plan"] = plan
    d.relation("wasAssociatedWith", association)
    d.relation("wasGeneratedBy", {"prov:entity": vid, "prov:activity": run})

    env = report["environment"]
    if env is not None:
        python = env["python"]
        kernel = d.record(
            "agent",
            f"mvagent:kernel-{version['id'][:12]}",
            {
                "prov:type": [{"$": "prov:SoftwareAgent", "type": "prov:QUALIFIED_NAME"}],
                "prov:label": f"{python.get('implementation', 'Python')} {python.get('version', '')} kernel "
                f"({version.get('kernel') or 'unknown'})",
                "mv:executable": python.get("executable", ""),
            },
        )
        d.relation("wasAssociatedWith", {"prov:activity": run, "prov:agent": kernel})
        env_id = d.record(
            "entity",
            f"mvenv:{version['environment'] or version['id']}",
            {
                "prov:type": [{"$": "mv:Environment", "type": "prov:QUALIFIED_NAME"}],
                "prov:label": env["summary"],
                "mv:packages": len(env["packages"]),
            },
        )
        d.relation("used", {"prov:activity": run, "prov:entity": env_id})
        for item in env["imported"]:
            if item["distribution"] and item["version"]:
                pkg = d.record(
                    "entity",
                    f"mvpkg:{_local(item['distribution'])}-{_local(item['version'])}",
                    {
                        "prov:type": [{"$": "mv:Package", "type": "prov:QUALIFIED_NAME"}],
                        "prov:label": f"{item['distribution']} {item['version']}",
                        "mv:version": item["version"],
                        "mv:module": item["module"],
                    },
                )
                d.relation("used", {"prov:activity": run, "prov:entity": pkg})

    for i, parent in enumerate(report["parents"]):
        pid = d.record(
            "entity",
            f"mvversion:{parent['id']}",
            {
                "prov:type": [{"$": "mv:NotebookVersion", "type": "prov:QUALIFIED_NAME"}],
                "prov:label": parent["label"] or parent["short_id"],
            },
        )
        child = vid if i == 0 else f"mvversion:{report['parents'][i - 1]['id']}"
        d.relation(
            "wasDerivedFrom",
            {
                "prov:generatedEntity": child,
                "prov:usedEntity": pid,
                "prov:type": {"$": "prov:Revision", "type": "prov:QUALIFIED_NAME"},
            },
        )

    inputs = []
    for f in report["inputs"]:
        fid = d.record(
            "entity",
            f"mvfile:{f['hash']}",
            {
                "prov:type": [{"$": "mv:InputFile", "type": "prov:QUALIFIED_NAME"}],
                "prov:label": f["path"],
                "mv:path": f["path"],
                "mv:size": f["size"],
                "mv:stored": "true" if f["stored"] else "false",
            },
        )
        d.relation("used", {"prov:activity": run, "prov:entity": fid})
        inputs.append(fid)
    products = []
    for f in report["outputs"]:
        products.append(
            d.record(
                "entity",
                f"mvfile:{f['hash']}",
                {
                    "prov:type": [{"$": "mv:OutputFile", "type": "prov:QUALIFIED_NAME"}],
                    "prov:label": f["path"],
                    "mv:path": f["path"],
                    "mv:size": f["size"],
                },
            )
        )
    models = {m["label"]: m for m in report["models"]}
    if model is not None:
        models.setdefault(model["label"], model)
    for m in models.values():
        products.append(_model_entity(d, m))
    for product in products:
        d.relation("wasGeneratedBy", {"prov:entity": product, "prov:activity": run})
        d.relation("wasAttributedTo", {"prov:entity": product, "prov:agent": author})
        for fid in inputs:
            if fid != product:
                d.relation(
                    "wasDerivedFrom", {"prov:generatedEntity": product, "prov:usedEntity": fid, "prov:activity": run}
                )
    return d.doc


def _model_entity(d: _Doc, model: dict[str, Any]) -> str:
    return d.record(
        "entity",
        f"mvmodel:{_local(model['name'])}.{model['number']}",
        {
            "prov:type": [{"$": "mv:Model", "type": "prov:QUALIFIED_NAME"}],
            "prov:label": model["label"],
            "mv:hash": model["hash"],
            "mv:flavor": model["flavor"],
            "mv:size": model["size"],
            **{_attr(f"metric_{k}"): _scalar(v) for k, v in (model.get("metrics") or {}).items()},
            **({"mv:aliases": ", ".join(model["aliases"])} if model.get("aliases") else {}),
        },
    )


def _notebook_file(report: dict[str, Any]) -> dict[str, Any] | None:
    version = report["notebook_version"]
    return version.get("file") if version else None


def _times(report: dict[str, Any]) -> dict[str, Any]:
    runs = [r for r in (report["execution"] or {}).get("runs", []) if r.get("started")]
    if not runs:
        return {"prov:endTime": report["notebook_version"]["created"]}
    from datetime import datetime, timedelta

    start = runs[0]["started"]
    last = runs[-1]
    end = last["started"]
    if isinstance(last.get("duration"), (int, float)):
        moment = datetime.fromisoformat(end.replace("Z", "+00:00")) + timedelta(seconds=last["duration"])
        end = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"prov:startTime": start, "prov:endTime": end}

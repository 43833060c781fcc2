"""The environment section: interpreter, platform, GPUs, packages and git state.

A side whose environment (or git state) was not recorded is not compared: a
version taken without a kernel, or the file on disk, has nothing to say about
packages, and that is not a change.
"""

from __future__ import annotations

import json
from typing import Any

from .values import flatten, json_safe

__all__ = ["diff_environment", "compare_versions"]

_HANDLED = {"python", "platform", "gpu", "packages", "conda_packages", "git"}
_GIT_FIELDS = ("commit", "branch", "dirty", "remote")


def _canonical(name: str) -> str:
    try:
        from packaging.utils import canonicalize_name
    except ImportError:  # packaging is near-universal, but stay usable without it
        import re

        return re.sub(r"[-_.]+", "-", name).lower()
    return str(canonicalize_name(name))


def compare_versions(a: str, b: str) -> int | None:
    """-1, 0 or 1 comparing two version strings by PEP 440; None when either does not parse."""
    try:
        from packaging.version import InvalidVersion, Version
    except ImportError:
        return None
    try:
        va, vb = Version(str(a)), Version(str(b))
    except InvalidVersion:
        return None
    return (va > vb) - (va < vb)


def _packages(items: list[Any] | None, conda: bool = False) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for p in items or []:
        if isinstance(p, dict) and p.get("name"):
            if conda:  # a conda package comes from a channel as a build
                p = {
                    "name": p["name"],
                    "version": p.get("version"),
                    "origin": {"channel": p.get("channel"), "build": p.get("build")},
                }
            out.setdefault(_canonical(str(p["name"])), p)
    return out


def _pkg(p: dict[str, Any]) -> dict[str, Any]:
    return {"name": str(p.get("name")), "version": json_safe(p.get("version")), "origin": json_safe(p.get("origin"))}


def _diff_packages(pa: dict[str, dict[str, Any]], pb: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {k: [] for k in ("added", "removed", "upgraded", "downgraded", "changed", "origin_changed")}
    unchanged = 0
    for key in sorted(set(pa) | set(pb)):
        if key not in pa:
            out["added"].append(_pkg(pb[key]))
            continue
        if key not in pb:
            out["removed"].append(_pkg(pa[key]))
            continue
        x, y = pa[key], pb[key]
        same = True
        va, vb = x.get("version"), y.get("version")
        if va != vb:
            same = False
            order = compare_versions(va, vb) if va is not None and vb is not None else None
            kind = "changed" if order is None else {1: "downgraded", -1: "upgraded"}.get(order, "changed")
            out[kind].append({"name": str(y.get("name")), "a": json_safe(va), "b": json_safe(vb)})
        oa, ob = x.get("origin"), y.get("origin")
        if oa != ob:
            same = False
            out["origin_changed"].append({"name": str(y.get("name")), "a": json_safe(oa), "b": json_safe(ob)})
        unchanged += same
    out["unchanged"] = unchanged
    return out


def _field(name: str, a: Any, b: Any) -> dict[str, Any]:
    return {"field": name, "a": json_safe(a), "b": json_safe(b)}


def _gpu_key(g: Any) -> str:
    return json.dumps(g, sort_keys=True, default=str)


def diff_environment(
    a_env: dict[str, Any] | None,
    b_env: dict[str, Any] | None,
    a_git: dict[str, Any] | None,
    b_git: dict[str, Any] | None,
) -> dict[str, Any]:
    """The ``environment`` section of a diff (see docs/diff-format.md)."""
    fields: list[dict[str, Any]] = []
    gpu: dict[str, list[Any]] = {"added": [], "removed": []}
    packages = conda = None
    if isinstance(a_env, dict) and isinstance(b_env, dict):
        for part in ("python", "platform"):
            fa, fb = flatten(a_env.get(part) or {}), flatten(b_env.get(part) or {})
            for key in list(fa) + [k for k in fb if k not in fa]:
                if fa.get(key) != fb.get(key):
                    fields.append(_field(f"{part}.{key}", fa.get(key), fb.get(key)))
        ga = {_gpu_key(g): g for g in a_env.get("gpu") or []}
        gb = {_gpu_key(g): g for g in b_env.get("gpu") or []}
        gpu = {
            "added": [json_safe(g) for k, g in gb.items() if k not in ga],
            "removed": [json_safe(g) for k, g in ga.items() if k not in gb],
        }
        packages = _diff_packages(_packages(a_env.get("packages")), _packages(b_env.get("packages")))
        if a_env.get("conda_packages") or b_env.get("conda_packages"):
            conda = _diff_packages(
                _packages(a_env.get("conda_packages"), conda=True), _packages(b_env.get("conda_packages"), conda=True)
            )
        # anything else the capture records (kernel name, conda, ...) compares as plain values
        fa = flatten({k: v for k, v in a_env.items() if k not in _HANDLED})
        fb = flatten({k: v for k, v in b_env.items() if k not in _HANDLED})
        for key in list(fa) + [k for k in fb if k not in fa]:
            if fa.get(key) != fb.get(key):
                fields.append(_field(key, fa.get(key), fb.get(key)))
    if isinstance(a_git, dict) and isinstance(b_git, dict):
        for key in _GIT_FIELDS:
            if a_git.get(key) != b_git.get(key):
                fields.append(_field(f"git.{key}", a_git.get(key), b_git.get(key)))
        da, db = a_git.get("dirty_files") or [], b_git.get("dirty_files") or []
        if sorted(map(str, da)) != sorted(map(str, db)):
            fields.append(_field("git.dirty_files", sorted(map(str, da)), sorted(map(str, db))))
    recorded = {
        "a": {"environment": isinstance(a_env, dict), "git": isinstance(a_git, dict)},
        "b": {"environment": isinstance(b_env, dict), "git": isinstance(b_git, dict)},
    }
    compared = packages is not None or (recorded["a"]["git"] and recorded["b"]["git"])
    changed = bool(fields or gpu["added"] or gpu["removed"]) or any(
        p and any(p[k] for k in p if k != "unchanged") for p in (packages, conda)
    )
    return {
        "status": "changed" if changed else ("unchanged" if compared else "not_compared"),
        "recorded": recorded,
        "fields": fields,
        "gpu": gpu,
        "packages": packages,
        "conda_packages": conda,
    }

"""Environment: packages, interpreter, platform, GPUs, git."""

from __future__ import annotations

import copy

import jsonschema

from jupyter_mv.diff import DiffSide, diff, load_schema, render_text

VALIDATOR = jsonschema.Draft202012Validator(load_schema())

ENV = {
    "python": {"version": "3.11.7", "implementation": "CPython"},
    "platform": {"system": "Linux", "machine": "x86_64", "platform": "Linux-6.1-x86_64"},
    "gpu": [],
    "packages": [
        {"name": "numpy", "version": "1.26.4", "origin": {"kind": "pypi"}},
        {"name": "pandas", "version": "2.2.1", "origin": {"kind": "pypi"}},
        {"name": "scikit-learn", "version": "1.4.0", "origin": {"kind": "pypi"}},
        {"name": "mylib", "version": "0.1", "origin": {"kind": "local", "path": "/src/mylib"}},
        {"name": "weird", "version": "build-7", "origin": {"kind": "pypi"}},
        {"name": "requests", "version": "2.31.0", "origin": {"kind": "pypi"}},
    ],
}
GIT = {"commit": "1a2b3c", "branch": "main", "dirty": False, "dirty_files": [], "remote": "origin"}


def _env_diff(a_env, b_env, a_git=None, b_git=None):
    d = diff(DiffSide("a", environment=a_env, git=a_git), DiffSide("b", environment=b_env, git=b_git), only={"env"})
    VALIDATOR.validate(d)
    return d


def test_same_environment_is_empty():
    d = _env_diff(ENV, copy.deepcopy(ENV), GIT, dict(GIT))
    assert d["empty"] is True
    assert d["environment"]["status"] == "unchanged"
    assert d["environment"]["packages"]["unchanged"] == 6


def test_packages_added_removed_upgraded_downgraded_and_origin():
    b = copy.deepcopy(ENV)
    pk = {p["name"]: p for p in b["packages"]}
    pk["numpy"]["version"] = "2.0.0"  # upgraded
    pk["pandas"]["version"] = "2.1.4"  # downgraded
    pk["mylib"]["origin"] = {"kind": "editable", "path": "/src/mylib"}
    pk["weird"]["version"] = "build-8"  # not PEP 440: just changed
    b["packages"] = [p for p in b["packages"] if p["name"] != "requests"]
    b["packages"].append({"name": "Torch_Vision", "version": "0.17", "origin": {"kind": "pypi"}})
    pk["scikit-learn"]["name"] = "scikit_learn"  # same distribution, other spelling
    env = _env_diff(ENV, b)["environment"]
    p = env["packages"]
    assert env["status"] == "changed"
    assert p["upgraded"] == [{"name": "numpy", "a": "1.26.4", "b": "2.0.0"}]
    assert p["downgraded"] == [{"name": "pandas", "a": "2.2.1", "b": "2.1.4"}]
    assert p["changed"] == [{"name": "weird", "a": "build-7", "b": "build-8"}]
    assert p["origin_changed"] == [
        {"name": "mylib", "a": {"kind": "local", "path": "/src/mylib"}, "b": {"kind": "editable", "path": "/src/mylib"}}
    ]
    assert [x["name"] for x in p["removed"]] == ["requests"]
    assert [x["name"] for x in p["added"]] == ["Torch_Vision"]
    assert p["unchanged"] == 1  # scikit-learn, matched across spellings


def test_version_order_is_semantic_not_textual():
    b = copy.deepcopy(ENV)
    b["packages"][0]["version"] = "1.100.0"  # "1.100.0" < "1.26.4" as text, greater as a version
    p = _env_diff(ENV, b)["environment"]["packages"]
    assert p["upgraded"][0]["name"] == "numpy" and p["downgraded"] == []


def test_python_platform_gpu_and_git_changes():
    b = copy.deepcopy(ENV)
    b["python"]["version"] = "3.12.2"
    b["platform"]["machine"] = "arm64"
    b["gpu"] = [{"name": "NVIDIA A100", "memory": 40960}]
    git_b = dict(GIT, commit="4d5e6f", dirty=True, dirty_files=["train.py"])
    env = _env_diff(ENV, b, GIT, git_b)["environment"]
    fields = {f["field"]: (f["a"], f["b"]) for f in env["fields"]}
    assert fields["python.version"] == ("3.11.7", "3.12.2")
    assert fields["platform.machine"] == ("x86_64", "arm64")
    assert fields["git.commit"] == ("1a2b3c", "4d5e6f")
    assert fields["git.dirty"] == (False, True)
    assert fields["git.dirty_files"] == ([], ["train.py"])
    assert "git.branch" not in fields
    assert env["gpu"] == {"added": [{"name": "NVIDIA A100", "memory": 40960}], "removed": []}


def test_side_without_environment_is_not_compared_and_not_a_change():
    d = _env_diff(ENV, None)
    assert d["environment"]["status"] == "not_compared"
    assert d["environment"]["recorded"]["b"] == {"environment": False, "git": False}
    assert d["environment"]["packages"] is None
    assert d["empty"] is True


def test_git_compared_even_without_environment():
    d = _env_diff(None, None, GIT, dict(GIT, branch="experiment"))
    assert d["environment"]["status"] == "changed"
    assert d["environment"]["fields"] == [{"field": "git.branch", "a": "main", "b": "experiment"}]


def test_real_captured_environment_diffs_by_package():
    from jupyter_mv.capture.environment import capture_environment

    env_a = capture_environment()
    env_b = copy.deepcopy(env_a)
    first = env_b["packages"][0]
    first["version"] = "999.0"
    env_b["env_vars"] = dict(env_b.get("env_vars") or {}, CUDA_VISIBLE_DEVICES="1")
    assert _env_diff(env_a, copy.deepcopy(env_a))["empty"] is True
    env = _env_diff(env_a, env_b)["environment"]
    assert env["packages"]["upgraded"] == [{"name": first["name"], "a": env_a["packages"][0]["version"], "b": "999.0"}]
    assert {
        "field": "env_vars.CUDA_VISIBLE_DEVICES",
        "a": (env_a.get("env_vars") or {}).get("CUDA_VISIBLE_DEVICES"),
        "b": "1",
    } in env["fields"]


def test_conda_packages_diff_with_builds_and_channels():
    a = copy.deepcopy(ENV)
    a["conda_packages"] = [
        {"name": "python", "version": "3.11.7", "build": "h1", "channel": "conda-forge"},
        {"name": "libblas", "version": "3.9.0", "build": "20_mkl", "channel": "conda-forge"},
    ]
    b = copy.deepcopy(a)
    b["conda_packages"][0]["version"] = "3.11.9"
    b["conda_packages"][1]["build"] = "20_openblas"
    env = _env_diff(a, b)["environment"]
    conda = env["conda_packages"]
    assert conda["upgraded"] == [{"name": "python", "a": "3.11.7", "b": "3.11.9"}]
    assert conda["origin_changed"][0]["b"] == {"channel": "conda-forge", "build": "20_openblas"}
    assert env["packages"]["unchanged"] == 6
    assert _env_diff(ENV, ENV)["environment"]["conda_packages"] is None
    text = render_text(_env_diff(a, b), color=False)
    assert "↑ conda python 3.11.7 → 3.11.9" in text
    assert "~ conda libblas origin channel=conda-forge build=20_mkl → channel=conda-forge build=20_openblas" in text

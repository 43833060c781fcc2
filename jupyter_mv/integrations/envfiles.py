"""A version's environment as files other tools rebuild it from, and a check against now.

:func:`environment_file` renders a captured environment (see
:mod:`jupyter_mv.capture.environment`) in one of :data:`FORMATS`:

``requirements``
    ``pip install -r`` input with exact pins: ``name==version`` for packages from an
    index, ``name @ git+URL@COMMIT`` for VCS installs, ``name @ URL#sha256=...`` for
    archives; editable and local-folder installs are commented out with where they came
    from, since no index can provide them.
``environment-yml``
    a conda ``environment.yml``: in a conda environment its channels and conda packages
    (``name=version=build``) with the rest under ``pip:``; elsewhere ``python=X.Y.Z``,
    ``pip`` and every package under ``pip:``.
``pylock``
    a PEP 751 ``pylock.toml`` (lock-version 1.0): one ``[[packages]]`` table per
    package with its name and version; VCS, archive and folder installs with their
    source (commit, hashes, path).

:func:`check_environment` compares a recorded environment with another (the running
interpreter's) and lists what differs; :func:`version_environment` and
:func:`check_against` are the two steps every face (the CLI, ``%mv env``, ``mv.env``)
takes around them. An environment rebuilt from a version's pins is
:mod:`jupyter_mv.integrations.rebuild`'s.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput

__all__ = [
    "FORMATS",
    "FILE_NAMES",
    "Pin",
    "pins",
    "render_requirements",
    "render_environment_yml",
    "render_pylock",
    "environment_file",
    "check_environment",
    "version_environment",
    "check_against",
]

#: The formats ``jupyter mv env --format`` writes.
FORMATS = ("requirements", "environment-yml", "pylock")

#: The conventional file name of each format.
FILE_NAMES = {"requirements": "requirements.txt", "environment-yml": "environment.yml", "pylock": "pylock.toml"}

# The installer itself: the target environment brings its own.
_SKIPPED = frozenset({"pip"})

_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_CONDA_SUBDIR = re.compile(r"/(?:noarch|(?:linux|osx|win|freebsd|emscripten|wasi|zos)-[a-z0-9_]+)/?$")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _valid_version(version: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        Version(version)
    except InvalidVersion:
        return False
    return True


@dataclass(frozen=True)
class Pin:
    """One installed distribution as a requirement.

    :param name: as recorded; :param version: as recorded (may be ``None``)
    :param kind: ``index``, ``vcs``, ``archive``, ``editable`` or ``local``
    :param origin: the recorded origin (PEP 610)
    :param line: the PEP 508 requirement (``None`` when it cannot be installed from a
        requirement, i.e. editable and local installs, or a broken record)
    :param note: why there is no line, or where the package comes from
    """

    name: str
    version: str | None
    kind: str
    origin: Mapping[str, Any]
    line: str | None
    note: str = ""

    @property
    def resolvable(self) -> bool:
        """Whether ``pip install`` can get it from its requirement alone."""
        return self.line is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "kind": self.kind,
            "requirement": self.line,
            "note": self.note,
        }


def _is_file_url(url: str) -> bool:
    return url.lower().startswith("file:")


def _pin(pkg: Mapping[str, Any]) -> Pin | None:
    name = str(pkg.get("name") or "")
    if not name or _canonical(name) in _SKIPPED:
        return None
    version = pkg.get("version")
    version = str(version) if version is not None else None
    recorded = pkg.get("origin")
    origin: Mapping[str, Any] = recorded if isinstance(recorded, Mapping) else {}
    kind = str(origin.get("kind") or "index")
    url = str(origin.get("url") or "")
    subdir = f"#subdirectory={origin['subdirectory']}" if origin.get("subdirectory") else ""
    if not _NAME.match(name):
        return Pin(name, version, kind, origin, None, "not a valid distribution name")
    if kind == "vcs" and url and origin.get("commit"):
        vcs = str(origin.get("vcs") or "git")
        scheme = url if url.startswith(f"{vcs}+") else f"{vcs}+{url}"
        note = "a local repository" if _is_file_url(url) else ""
        return Pin(name, version, kind, origin, f"{name} @ {scheme}@{origin['commit']}{subdir}", note)
    if kind == "archive" and url and not _is_file_url(url):
        digest = str(origin.get("hash") or "")
        fragment = "#" + digest if re.match(r"^[a-z0-9]+=[0-9a-fA-F]+$", digest) else ""
        if subdir:
            fragment = (fragment + "&" + subdir[1:]) if fragment else subdir
        return Pin(name, version, kind, origin, f"{name} @ {url}{fragment}")
    if kind in ("editable", "local", "archive", "vcs"):
        where = url or "an unknown place"
        what = {"editable": "an editable install of", "vcs": "a VCS install without a commit from"}.get(
            kind, "installed from"
        )
        return Pin(name, version, kind, origin, None, f"{what} {where}; not on a package index")
    if not version:
        return Pin(name, version, kind, origin, None, "no version recorded")
    op = "==" if _valid_version(version) else "==="  # PEP 440's arbitrary equality for a non-standard version
    return Pin(name, version, "index", origin, f"{name}{op}{version}")


def pins(env: Mapping[str, Any], *, exclude: set[str] | frozenset[str] = frozenset()) -> list[Pin]:
    """Every recorded package as a :class:`Pin`, sorted by name (``pip`` left out).

    :param exclude: canonical names to leave out as well
    """
    out = []
    for pkg in env.get("packages") or []:
        if isinstance(pkg, Mapping) and _canonical(str(pkg.get("name") or "")) not in exclude:
            pin = _pin(pkg)
            if pin is not None:
                out.append(pin)
    return sorted(out, key=lambda p: _canonical(p.name))


def _python(env: Mapping[str, Any]) -> tuple[str, str]:
    py = env.get("python") or {}
    return str(py.get("implementation") or "CPython"), str(py.get("version") or "")


def _header(env: Mapping[str, Any], title: str) -> list[str]:
    impl, version = _python(env)
    plat = env.get("platform") or {}
    where = " ".join(str(x) for x in (plat.get("system"), plat.get("machine")) if x)
    lines = [title]
    if version:
        lines.append(f"{impl} {version}" + (f" on {where}" if where else ""))
    lines.append(f"written by jupyter-mv on {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    return lines


def _comment_unresolvable(pin: Pin) -> str:
    return f"{pin.name}=={pin.version}: {pin.note}" if pin.version else f"{pin.name}: {pin.note}"


def render_requirements(env: Mapping[str, Any], *, title: str = "environment") -> str:
    """``requirements.txt`` text with exact pins (see the module doc).

    :param env: a captured environment; :param title: the first comment line
    """
    lines = [f"# {h}" for h in _header(env, title)]
    lines.append("# rebuild with: pip install -r requirements.txt")
    all_pins = pins(env)
    skipped = [p for p in all_pins if not p.resolvable]
    if skipped:
        lines.append("#")
        lines.append("# not installable from this file (install them from their source):")
        lines += [f"#   {_comment_unresolvable(p)}" for p in skipped]
    lines.append("")
    for p in all_pins:
        if p.line is not None:  # p.resolvable
            lines.append(p.line + (f"  # {p.note}" if p.note else ""))
    return "\n".join(lines) + "\n"


# -- environment.yml -------------------------------------------------------------------------------


def _yaml_scalar(text: str) -> str:
    """A YAML scalar: plain when it is safe, else a double-quoted (JSON) string."""
    if re.match(r"^[A-Za-z0-9_.=<>!~+/-][A-Za-z0-9_.=<>!~+/@:#-]*$", text) and " #" not in text and ": " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _channel(raw: str) -> str:
    return _CONDA_SUBDIR.sub("", raw.strip()).rstrip("/")


def _env_name(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", title).strip("-.") or "environment"


def render_environment_yml(env: Mapping[str, Any], *, title: str = "environment", name: str | None = None) -> str:
    """A conda ``environment.yml`` (see the module doc).

    :param name: the environment's name (default: from ``title``)
    """
    lines = [f"# {h}" for h in _header(env, title)]
    lines.append("# rebuild with: conda env create -f environment.yml")
    conda = [
        p
        for p in env.get("conda_packages") or []
        if isinstance(p, Mapping)
        and p.get("name")
        and p.get("channel") != "pypi"
        and not str(p.get("build") or "").startswith("pypi_")
    ]
    _, py_version = _python(env)
    deps: list[str] = []
    if conda:
        counts = Counter(_channel(str(p["channel"])) for p in conda if p.get("channel"))
        channels = [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        conda_names = {_canonical(str(p["name"])) for p in conda}
        for p in sorted(conda, key=lambda p: _canonical(str(p["name"]))):
            spec = "=".join(str(x) for x in (p["name"], p.get("version"), p.get("build")) if x)
            deps.append(spec)
        if "python" not in conda_names and py_version:
            deps.insert(0, f"python={py_version}")
        if "pip" not in conda_names:
            deps.append("pip")
        # distributions conda installed are in the list above; the rest came from pip
        by_conda = {
            _canonical(str(q.get("name")))
            for q in env.get("packages") or []
            if isinstance(q, Mapping) and q.get("installer") == "conda"
        }
        pip_pins = pins(env, exclude=conda_names | by_conda)
    else:
        channels = ["conda-forge"]
        if py_version:
            deps.append(f"python={py_version}")
        deps.append("pip")
        pip_pins = pins(env)
    lines += [f"name: {_yaml_scalar(_env_name(name or title))}", "channels:"]
    lines += [f"  - {_yaml_scalar(c)}" for c in channels]
    lines.append("dependencies:")
    lines += [f"  - {_yaml_scalar(d)}" for d in deps]
    resolvable = [p for p in pip_pins if p.resolvable]
    skipped = [p for p in pip_pins if not p.resolvable]
    if resolvable or skipped:
        lines.append("  - pip:")
        for pin in skipped:
            lines.append(f"      # {_comment_unresolvable(pin)}")
        lines += [f"      - {_yaml_scalar(p.line or '')}" for p in resolvable]
    return "\n".join(lines) + "\n"


# -- pylock.toml -----------------------------------------------------------------------------------


def _toml_str(text: str) -> str:
    # A JSON string is a TOML basic string once DEL, which TOML wants escaped, is.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_key(key: str) -> str:
    return key if re.match(r"^[A-Za-z0-9_-]+$", key) else _toml_str(key)


def _pylock_package(pin: Pin) -> dict[str, Any]:
    """A ``[[packages]]`` entry: keys in the specification's order, sub-tables as dicts."""
    from packaging.utils import canonicalize_name

    origin = pin.origin
    entry: dict[str, Any] = {"name": str(canonicalize_name(pin.name))}
    url = str(origin.get("url") or "")
    source: tuple[str, dict[str, Any]] | None = None
    if pin.kind == "vcs":
        vcs: dict[str, Any] = {"type": str(origin.get("vcs") or "git"), "url": url}
        if origin.get("revision"):
            vcs["requested-revision"] = str(origin["revision"])
        if origin.get("commit"):
            vcs["commit-id"] = str(origin["commit"])
        if origin.get("subdirectory"):
            vcs["subdirectory"] = str(origin["subdirectory"])
        source = ("vcs", vcs)
    elif pin.kind == "archive":
        archive: dict[str, Any] = {"url": url}
        digest = str(origin.get("hash") or "")
        if "=" in digest:
            algo, _, value = digest.partition("=")
            archive["hashes"] = {algo: value}
        if origin.get("subdirectory"):
            archive["subdirectory"] = str(origin["subdirectory"])
        source = ("archive", archive)
    elif pin.kind in ("editable", "local"):
        from urllib.parse import unquote, urlsplit

        path = unquote(urlsplit(url).path) if _is_file_url(url) else url
        directory: dict[str, Any] = {"path": path, "editable": pin.kind == "editable"}
        if origin.get("subdirectory"):
            directory["subdirectory"] = str(origin["subdirectory"])
        source = ("directory", directory)
    # a folder's code may change under the same version number: the specification wants none then
    if pin.version and pin.kind not in ("editable", "local") and _valid_version(pin.version):
        entry["version"] = pin.version
    if source is not None:
        entry[source[0]] = source[1]
    return entry


def _marker_environment(env: Mapping[str, Any]) -> str | None:
    impl, version = _python(env)
    plat = env.get("platform") or {}
    parts = []
    if plat.get("system"):
        parts.append(f"platform_system == {_marker_str(str(plat['system']))}")
    if plat.get("machine"):
        parts.append(f"platform_machine == {_marker_str(str(plat['machine']))}")
    if impl:
        parts.append(f"implementation_name == {_marker_str(impl.lower())}")
    if version:
        parts.append(f"python_full_version == {_marker_str(version)}")
    return " and ".join(parts) or None


def _marker_str(text: str) -> str:
    return "'" + text.replace("'", "") + "'"


def render_pylock(env: Mapping[str, Any], *, title: str = "environment") -> str:
    """A PEP 751 ``pylock.toml`` (lock-version 1.0) of the recorded packages."""
    lines = [f"# {h}" for h in _header(env, title)]
    lines.append("# Packages from an index carry no file hashes: the capture records what was installed, not")
    lines.append("# which file it came from. VCS, archive and folder installs carry their source.")
    lines.append('lock-version = "1.0"')
    marker = _marker_environment(env)
    if marker:
        lines.append(f"environments = [{_toml_str(marker)}]")
    _, version = _python(env)
    if version:
        lines.append(f"requires-python = {_toml_str('==' + version)}")
    lines.append('created-by = "jupyter-mv"')
    for pin in pins(env):
        entry = _pylock_package(pin)
        lines.append("")
        lines.append("[[packages]]")
        tables = []
        for key, value in entry.items():
            if isinstance(value, Mapping):
                tables.append((key, value))
            else:
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        for key, value in tables:
            lines.append(f"[packages.{key}]")
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()]
    return "\n".join(lines) + "\n"


_RENDERERS: dict[str, Callable[..., str]] = {
    "requirements": render_requirements,
    "environment-yml": render_environment_yml,
    "pylock": render_pylock,
}


def environment_file(env: Mapping[str, Any] | None, fmt: str, *, version: Any = None) -> str:
    """``env`` rendered as ``fmt`` (one of :data:`FORMATS`).

    :param version: the :class:`~jupyter_mv.store.versions.Version` that recorded it, which
        names the file's title (and the conda environment: ``train-v3``); ``None`` for an
        interpreter's environment
    :raises InvalidInput: an unknown format, or no environment
    """
    if fmt not in _RENDERERS:
        raise InvalidInput(f"unknown environment format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if not isinstance(env, Mapping):
        raise InvalidInput("no environment was recorded")
    if version is not None:
        title = f"environment of {version.label} ({version.short_id})"
        stem = version.notebook.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        name = f"{stem}-{version.name}"
    else:
        title = f"environment of {(env.get('python') or {}).get('executable') or 'an interpreter'}"
        name = None
    if fmt == "environment-yml":
        return render_environment_yml(env, title=title, name=name)
    return _RENDERERS[fmt](env, title=title)


# -- check -----------------------------------------------------------------------------------------


def check_environment(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """What differs between a recorded environment and ``current``: the Python version
    and implementation, and packages added, removed, or at another version or source.

    :returns: ``{"same": bool, "python": {"recorded", "current"} | None, "added": [...],
        "removed": [...], "changed": [{"name", "recorded", "current", "direction"}],
        "origin_changed": [...], "unchanged": int, "lines": [one line each]}``
    """
    from ..diff.environment import diff_environment

    def part(env: Mapping[str, Any]) -> dict[str, Any]:
        py = env.get("python") or {}
        return {
            "python": {"implementation": py.get("implementation"), "version": py.get("version")},
            "packages": [p for p in env.get("packages") or [] if isinstance(p, Mapping)],
        }

    diff = diff_environment(part(recorded), part(current), None, None)
    py_fields = {f["field"]: f for f in diff["fields"] if f["field"].startswith("python.")}
    python = None
    if py_fields:
        python = {
            "recorded": " ".join(str(x) for x in _python(recorded) if x),
            "current": " ".join(str(x) for x in _python(current) if x),
        }
    packages = diff["packages"] or {}
    changed = [
        {"name": p["name"], "recorded": p["a"], "current": p["b"], "direction": kind}
        for kind in ("upgraded", "downgraded", "changed")
        for p in packages.get(kind) or []
    ]
    changed.sort(key=lambda p: _canonical(p["name"]))
    result = {
        "same": diff["status"] != "changed",
        "python": python,
        "added": [{"name": p["name"], "version": p["version"]} for p in packages.get("added") or []],
        "removed": [{"name": p["name"], "version": p["version"]} for p in packages.get("removed") or []],
        "changed": changed,
        "origin_changed": [
            {"name": p["name"], "recorded": (p["a"] or {}).get("kind"), "current": (p["b"] or {}).get("kind")}
            for p in packages.get("origin_changed") or []
        ],
        "unchanged": packages.get("unchanged", 0),
    }
    lines = []
    if python:
        lines.append(f"python: {python['recorded']} recorded, {python['current']} now")
    lines += [f"- {p['name']} {p['version']} (recorded, not installed now)" for p in result["removed"]]
    lines += [f"+ {p['name']} {p['version']} (installed now, not recorded)" for p in result["added"]]
    lines += [f"~ {p['name']} {p['recorded']} recorded, {p['current']} now" for p in result["changed"]]
    lines += [
        f"~ {p['name']} installed from {p['recorded']} recorded, from {p['current']} now"
        for p in result["origin_changed"]
    ]
    result["lines"] = lines
    return result


def version_environment(store: Any, ref: str, *, notebook: str | None = None) -> tuple[Any, dict[str, Any]]:
    """The version ``ref`` names (``vN`` and ``latest`` within ``notebook``) and the
    environment it recorded.

    :raises InvalidInput: the version recorded no environment
    """
    version = store.resolve(ref, notebook)
    env = store.environment(version)
    if env is None:
        raise InvalidInput(f"{version.label} recorded no environment")
    return version, env


def check_against(recorded: Mapping[str, Any], python: str | None = None, *, version: Any = None) -> dict[str, Any]:
    """:func:`check_environment` of ``recorded`` against the environment of ``python``
    (default: this interpreter) captured now, with ``python_executable``: the
    interpreter it was compared with (and ``version``, the label of the version that
    recorded it, when given)."""
    from ..capture.environment import capture_environment

    current = capture_environment(python)
    result = check_environment(recorded, current)
    if version is not None:
        from ..capture.environment import loaded_differences, loaded_warnings

        result["version"] = version.label
        # The version's kernel ran other versions than those installed (and recorded): a
        # match with what is installed is no match with what made the version.
        result["loaded"] = loaded_differences(version.extra)
        if result["loaded"]:
            result["same"] = False
            result["lines"] = [*loaded_warnings(version.extra), *result.get("lines", [])]
    result["python_executable"] = (current.get("python") or {}).get("executable")
    return result

"""Capture the software environment a notebook ran in.

A captured environment is a JSON-able dict (``"schema": 1``)::

    {
      "schema": 1,
      "python": {"version", "implementation", "executable", "prefix", "base_prefix", "is_venv"},
      "platform": {"system", "release", "machine", "platform", "libc", "os"},
      "cpu": {"count", "usable", "model"},
      "gpu": [{"name", "driver", "memory"}],
      "packages": [{"name", "version", "installer"?, "origin": {"kind", ...}}],
      "conda_packages": [{"name", "version", "build", "channel"}],
      "env_vars": {NAME: value},
      "paths": [existing sys.path directories, in import order],
    }

``packages`` holds every installed distribution, sorted by normalized name, and where
each came from (PEP 610 ``direct_url.json``): ``{"kind": "index"}`` by default, else
``editable``, ``local``, ``archive`` or ``vcs`` with its URL (credentials stripped).
The dict holds no timestamps, so capturing an unchanged environment twice gives equal
dicts and the store can keep one copy.

Secrets never enter a capture: an environment variable whose *name* looks secret
(``TOKEN``, ``SECRET``, ``PASSWORD``, ``PASSWD``, ``PASSPHRASE``, ``PWD``, ``PASS``,
``CREDENTIAL``, ``KEY``, ``AUTH``, ``PRIVATE``, ``SESSION``, ``COOKIE``, ``SIGNATURE``,
``SALT``), and any other ``*_URL``/``*_URI`` variable whose URL holds ``user:password@``,
is never included, and the *value* of every such variable (when it is at least
:data:`MIN_SECRET_LENGTH` characters long) is hunted in every string of the result: an
allowed variable whose value contains it reads ``"<redacted>"``, and other strings have
it cut out. Every URL in every string of the result, wherever it sits (a list separated
by spaces or tabs, ``--index-url=URL``, pip's ``name @ URL``), loses its credentials
(see :func:`sanitize_url`), and the passwords and tokens so removed are hunted as well.

The cleaning lives in :mod:`.credentials`, what is read in :mod:`.probe`. Another
interpreter (a kernelspec's, a venv's) is captured by running those two files' source
in it (``python -c`` reading the sources from stdin), so both are standard library only
and parse on Python 3.8. Only :func:`kernelspec_python` imports ``jupyter_client``,
lazily.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .credentials import (
    MIN_SECRET_LENGTH,
    REDACTED,
    find_credentials,
    is_secret_name,
    sanitize_url,
    strip_credentials,
)
from .probe import (
    _FINGERPRINT_SUFFIXES,
    _SENTINEL,
    SCHEMA,
    _capture_here,
    _env_vars,
    _is_site_dir,
)

#: Of the fingerprinted entries, those a reinstall may rewrite in place: their mtime counts.
_REWRITTEN_IN_PLACE = (".pth", ".egg-link")

__all__ = [
    "SCHEMA",
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "capture_environment",
    "environment_fingerprint",
    "environment_summary",
    "kernelspec_python",
    "notebook_kernel_python",
    "notebook_kernel_name",
    "loaded_differences",
    "loaded_warnings",
    "sanitize_url",
    "strip_credentials",
    "find_credentials",
    "is_secret_name",
]
#: Between the sources the other interpreter runs one after the other, in one namespace.
_PART = "\n#@@jupyter_mv_part@@\n"
#: Those sources, in order: the cleaning first, then what reads the environment.
_PROBE_SOURCES = ("credentials.py", "probe.py")

# Runs in the target interpreter: drop the '' (current directory) entry that ``-c`` puts
# first, so a user's json.py or platform.py cannot shadow the standard library.
# Parses on Python 2 as well, so an old interpreter gets a clear message.
_BOOTSTRAP = """\
import sys
if sys.path and sys.path[0] == '': del sys.path[0]
if sys.version_info < (3, 8):
    import json
    error = 'Python 3.8 or newer is needed, this is ' + sys.version.split()[0]
    sys.stdout.write('\\n' + SENTINEL + json.dumps({'error': error}) + '\\n')
else:
    g = {'__name__': '__jupyter_mv_capture__'}
    for source in sys.stdin.read().split(PART):
        exec(compile(source, 'jupyter_mv_capture', 'exec'), g)
    g['_main']()
""".replace("SENTINEL", repr(_SENTINEL)).replace("PART", repr(_PART))


# --------------------------------------------------------------------------- public


def capture_environment(
    python: str | os.PathLike[str] | None = None,
    *,
    timeout: float = 120,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Capture an interpreter's environment as a JSON-able dict (see the module doc).

    :param python: ``None`` for this interpreter, captured in-process; else the path
        (or a name on ``PATH``) of another Python executable, captured by running this
        module's standard-library-only source in it, so it need not have jupyter-mv
        installed.
    :param timeout: seconds the other interpreter may take
    :param env: environment variables to capture (and, for another interpreter, to run
        it with); defaults to ``os.environ``
    :raises InvalidInput: ``python`` is not a runnable Python 3.8+ interpreter
    :raises MVError: the other interpreter did not answer within ``timeout``
    """
    if python is None:
        return _capture_here(env)

    from jupyter_mv.errors import InvalidInput, MVError

    exe = os.fspath(python)
    if os.sep not in exe and not (os.altsep and os.altsep in exe):
        exe = shutil.which(exe) or exe
    if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
        raise InvalidInput(f"Python interpreter not found: {exe}")
    import subprocess  # here, not at start-up: only another interpreter is asked

    here = Path(__file__).parent
    source = _PART.join((here / name).read_text(encoding="utf-8") for name in _PROBE_SOURCES)
    try:
        proc = subprocess.run(
            [exe, "-c", _BOOTSTRAP],
            input=source,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=dict(os.environ if env is None else env),
        )
    except subprocess.TimeoutExpired:
        raise MVError(f"capturing the environment of {exe} took longer than {timeout:g} s") from None
    except OSError as exc:
        raise InvalidInput(f"cannot run {exe}: {exc.strerror or exc}") from None
    _, found, payload = proc.stdout.rpartition(_SENTINEL)
    answer = None
    if found:
        try:
            answer = json.loads(payload)
        except ValueError:
            answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("environment"), dict):
        if isinstance(answer, dict) and answer.get("error"):
            reason = str(answer["error"])
        else:
            lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
            reason = lines[-1][:300] if lines else f"exit status {proc.returncode}"
        raise InvalidInput(f"cannot capture the environment of {exe}: {reason}")
    environment: dict[str, Any] = answer["environment"]
    return environment


def environment_fingerprint(
    python_executable: str,
    paths: list[str],
    *,
    env: Mapping[str, str] | None = None,
) -> str:
    """A cheap key that changes when an interpreter's installed packages change.

    The idea: installing, upgrading or removing a distribution creates or deletes a
    ``*.dist-info`` folder in a site-packages directory, which changes that
    directory's ``mtime_ns``. So instead of asking the interpreter (a subprocess, and
    reading every package's metadata), stat what it would read: the executable's real
    path, size and mtime (a new Python build), ``pyvenv.cfg``, every path's
    ``mtime_ns``, and for site-packages-like folders also the names of their
    ``*.dist-info`` and ``*.egg-info`` entries and each ``*.pth`` and ``*.egg-link``
    file's ``mtime_ns`` (catching a rewrite in place), plus ``<prefix>/conda-meta``. Equal keys mean a new capture
    would almost surely be equal too, so the store may reuse the last one. No
    subprocess, no file contents read: one listing and a few ``stat`` calls per folder.

    Environment variables, the platform and GPUs are not covered unless ``env`` is
    given, in which case the kernel-relevant variables (as captured) are mixed in.

    :param python_executable: the interpreter (``sys.executable`` or a kernelspec's)
    :param paths: its ``sys.path`` directories, as in a capture's ``"paths"``
    :param env: optional environment variables to key on as well
    :returns: a hex digest
    """

    def stat_key(path: str) -> list[Any]:
        try:
            st = os.stat(path)
        except OSError:
            return [path, None]
        return [path, st.st_mtime_ns, st.st_size if not os.path.isdir(path) else 0]

    parts: list[Any] = [SCHEMA, python_executable]
    real = os.path.realpath(python_executable)
    parts.append(stat_key(real))
    bin_dir = os.path.dirname(os.path.abspath(python_executable))
    # <prefix>/bin/python on POSIX, <prefix>/python.exe on Windows; a venv's and its base's
    prefixes = {bin_dir, os.path.dirname(bin_dir), os.path.dirname(os.path.dirname(real))}
    parts.append(stat_key(os.path.join(os.path.dirname(bin_dir), "pyvenv.cfg")))
    for prefix in sorted(prefixes):
        parts.append(stat_key(os.path.join(prefix, "conda-meta")))
    for path in paths:
        parts.append(stat_key(path))
        if _is_site_dir(path):
            # One listing: the metadata folders by name (installing, upgrading or removing a
            # distribution adds or removes one, and changes the folder's mtime), and a stat
            # only for the few files a rewrite in place changes (.pth, .egg-link).
            try:
                entries = sorted(
                    (e.name, e.stat().st_mtime_ns if e.name.endswith(_REWRITTEN_IN_PLACE) else 0)
                    for e in os.scandir(path)
                    if e.name.endswith(_FINGERPRINT_SUFFIXES)
                )
            except OSError:
                entries = []
            parts.append(entries)
    if env is not None:
        parts.append(sorted(_env_vars(env).items()))
    blob = json.dumps(parts, separators=(",", ":"), default=str).encode("utf-8")
    from blake3 import blake3  # the store's own hash, loaded already (hashlib would cost start-up time)

    return blake3(blob).hexdigest()


def notebook_kernel_python(
    notebook: str | os.PathLike[str] | dict[str, Any],
    *,
    manager: Any = None,
    warnings: list[str] | None = None,
    default: bool = True,
) -> str | None:
    """The Python interpreter of the kernelspec ``notebook`` (a path or its parsed JSON)
    names in its metadata (see :func:`kernelspec_python`), or ``None`` when unknown.

    :param manager: a ``KernelSpecManager`` to ask (the server's); a new one by default
    :param warnings: what the notebook's metadata tolerates is appended here
    :param default: when the notebook names no kernel, the default kernelspec's
        interpreter; else ``None``
    """
    name = _tail_kernel_name(notebook) if not isinstance(notebook, dict) else None
    if name is None:
        from ..diff.reader import kernel_name

        name = kernel_name(notebook, warnings)
    if not name and not default:
        return None
    return kernelspec_python(name, manager=manager)


def notebook_kernel_name(notebook: str | os.PathLike[str]) -> str | None:
    """The kernelspec name the notebook's metadata gives (``""`` or None: none)."""
    name = _tail_kernel_name(notebook)
    if name is None:
        from ..diff.reader import kernel_name

        name = kernel_name(notebook, [])
    return name


_METADATA = re.compile(r'"metadata"\s*:\s*(?=\{)')
#: What may follow the notebook's own metadata: its format numbers and the final brace.
_TOP_LEVEL_END = re.compile(r'\s*(,\s*"nbformat(_minor)?"\s*:\s*\d+\s*)*\}\s*\Z')
_TAIL = 256 * 1024


def _tail_kernel_name(path: str | os.PathLike[str]) -> str | None:
    """The kernelspec name from the end of a notebook file, without parsing the whole file
    (a notebook with images is megabytes of JSON): writers put the notebook's metadata
    after its cells. ``""`` when that metadata names no kernelspec; None whenever this
    is not certain (the metadata is not the last member but the format numbers, is not
    in the last 256 KiB, or its kernelspec is odd): the caller then reads the notebook."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            f.seek(max(0, size - _TAIL))
            tail = f.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    starts = [m.end() for m in _METADATA.finditer(tail)]
    if not starts:
        return None
    try:
        metadata, end = json.JSONDecoder().raw_decode(tail, starts[-1])
    except ValueError:
        return None
    if not isinstance(metadata, dict) or not _TOP_LEVEL_END.match(tail, end):
        return None
    spec = metadata.get("kernelspec")
    if spec is None:
        return ""
    name = spec.get("name") if isinstance(spec, dict) else None
    return name if isinstance(name, str) and name else None


def kernelspec_python(kernel_name: str | None = None, *, manager: Any = None) -> str | None:
    """The Python interpreter a kernelspec would start, or ``None`` when unknown.

    Reads the spec's ``argv[0]``: ``{prefix}``/``{resource_dir}`` placeholders are
    filled as jupyter_client fills them; ``python``, ``python3`` and ``python3.X``
    (this interpreter's version) mean this interpreter, as jupyter_client runs
    ipykernel's native ``python3`` spec with ``sys.executable``; another bare
    ``python*`` name is looked up on ``PATH``. A spec whose language is not Python, or
    whose ``argv[0]`` is not a Python (``conda run ...``, a wrapper script), gives
    ``None`` rather than a guess. Symlinks are kept: a venv's ``bin/python`` is the venv.

    :param kernel_name: the kernelspec's name; ``None`` for the default (``python3``)
    :param manager: a ``KernelSpecManager`` to ask (the server's); a new one by default
    """
    spec: Any = _kernel_json(kernel_name or "python3") if manager is None else None
    if spec == "native":
        return sys.executable
    if spec is None:
        try:
            from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpecManager
        except ImportError:
            return None
        try:
            ksm = manager if manager is not None else KernelSpecManager()
            spec = ksm.get_kernel_spec(kernel_name or NATIVE_KERNEL_NAME)
        except Exception:  # NoSuchKernel, an unreadable kernel.json, ...
            return None
    if (getattr(spec, "language", "") or "").lower() != "python" or not spec.argv:
        return None
    ns = {"prefix": sys.prefix, "resource_dir": spec.resource_dir}
    unresolved = []

    def fill(match: re.Match[str]) -> str:
        if match.group(1) in ns:
            return str(ns[match.group(1)])
        unresolved.append(match.group(1))
        return match.group(0)

    argv0 = re.sub(r"\{([A-Za-z0-9_]+)\}", fill, str(spec.argv[0]))
    if unresolved:
        return None
    major, minor = sys.version_info[:2]
    native = {"python", f"python{major}", f"python{major}.{minor}"}
    if argv0 in native:
        return sys.executable
    if not re.match(r"^(python|pypy)[0-9.]*[tw]?(\.exe)?$", os.path.basename(argv0), re.IGNORECASE):
        return None
    if os.sep not in argv0 and not (os.altsep and os.altsep in argv0):
        found = shutil.which(argv0)
        if not found:
            return None
        argv0 = found
    elif not os.path.isabs(argv0):
        argv0 = os.path.join(spec.resource_dir, argv0)
    if os.path.isfile(argv0) and os.access(argv0, os.X_OK):
        return argv0
    return None


class _KernelJson:
    """The parts of a ``kernel.json`` :func:`kernelspec_python` reads."""

    def __init__(self, resource_dir: str, data: dict[str, Any]) -> None:
        self.resource_dir = resource_dir
        self.language = data.get("language")
        self.argv = data.get("argv")


def _kernel_json(name: str) -> _KernelJson | str | None:
    """The kernelspec ``name`` found as jupyter_client's ``KernelSpecManager`` finds it
    (the first ``<dir>/<name>/kernel.json`` in ``jupyter_path("kernels")`` and
    ``~/.ipython/kernels``, names compared lower-cased), without importing jupyter_client
    and what it brings (tornado, zmq: half a second of a command's start): ``"native"``
    for ipykernel's own ``python3`` when no folder names it, None when this lookup cannot
    tell (no jupyter_core, an unreadable spec, a kernel provisioner), and the caller asks
    jupyter_client then. (A ``KernelSpecManager()`` made without a parent reads no config.)"""
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:
        return None
    wanted = name.lower()
    ipython = os.environ.get("IPYTHONDIR") or os.path.join(os.path.expanduser("~"), ".ipython")
    for folder in [*jupyter_path("kernels"), os.path.join(ipython, "kernels")]:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            path = os.path.join(folder, entry)
            spec_file = os.path.join(path, "kernel.json")
            if entry.lower() != wanted or not os.path.isfile(spec_file):
                continue
            try:
                with open(spec_file, encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, ValueError):
                return None
            if not isinstance(data, dict) or (data.get("metadata") or {}).get("kernel_provisioner"):
                return None
            return _KernelJson(path, data)
    if wanted == "python3":
        import importlib.util

        return "native" if importlib.util.find_spec("ipykernel") is not None else None
    return None


def environment_summary(env: Mapping[str, Any]) -> str:
    """One line for people, e.g. ``"CPython 3.11.7 · Linux x86_64 · 142 packages"``.

    :param env: a captured environment (missing parts are left out)
    """
    parts = []
    py = env.get("python") or {}
    python = " ".join(str(x) for x in (py.get("implementation"), py.get("version")) if x)
    if python:
        parts.append(python)
    plat = env.get("platform") or {}
    system = " ".join(str(x) for x in (plat.get("system"), plat.get("machine")) if x)
    if system:
        parts.append(system)
    packages = env.get("packages")
    if isinstance(packages, list):
        parts.append(f"{len(packages)} package{'' if len(packages) == 1 else 's'}")
    conda = env.get("conda_packages")
    if isinstance(conda, list) and conda:
        parts.append(f"{len(conda)} conda package{'' if len(conda) == 1 else 's'}")
    gpus = env.get("gpu")
    if isinstance(gpus, list) and gpus:
        names = sorted({str(g.get("name")) for g in gpus if isinstance(g, dict)})
        parts.append(f"{len(gpus)}× {', '.join(names)}" if names else f"{len(gpus)} GPU")
    return " · ".join(parts) if parts else "unknown environment"


def loaded_differences(extra: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """The modules a version's kernel ran at another version than the one installed on
    disk (``%pip install x==other`` without a restart): ``[{"distribution", "loaded",
    "installed"}]``, read from the version's ``extra["kernel"]["imports"]``."""
    kernel = (extra or {}).get("kernel") if isinstance(extra, Mapping) else None
    imports = kernel.get("imports") if isinstance(kernel, Mapping) else None
    out: list[dict[str, str]] = []
    for module, entry in sorted((imports or {}).items()) if isinstance(imports, Mapping) else []:
        if isinstance(entry, Mapping) and entry.get("loaded") and entry.get("version"):
            name = str(entry.get("distribution") or module)
            out.append({"distribution": name, "loaded": str(entry["loaded"]), "installed": str(entry["version"])})
    return out


def loaded_warnings(extra: Mapping[str, Any] | None) -> list[str]:
    """One line per :func:`loaded_differences`: ``scikit-learn 1.7.2 loaded, 1.6.1
    installed: restart the kernel``."""
    return [
        f"{d['distribution']} {d['loaded']} loaded, {d['installed']} installed: restart the kernel"
        for d in loaded_differences(extra)
    ]

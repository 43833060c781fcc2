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

Another interpreter (a kernelspec's, a venv's) is captured by running this very file's
source in it (``python -c`` reading the source from stdin), so everything at module
level here is standard library only and parses on Python 3.8. Only
:func:`kernelspec_python` imports ``jupyter_client``, lazily.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

__all__ = [
    "SCHEMA",
    "MIN_SECRET_LENGTH",
    "capture_environment",
    "environment_fingerprint",
    "environment_summary",
    "kernelspec_python",
    "notebook_kernel_python",
    "sanitize_url",
    "strip_credentials",
    "find_credentials",
    "is_secret_name",
]

#: Version of the captured dict's layout; bump when keys change meaning.
SCHEMA = 1

#: Values of secret-named variables shorter than this are not hunted in other values
#: (``"1"``, ``"x11"``, ``"ubuntu"`` are not secrets, and hunting them would redact
#: unrelated settings such as ``OMP_NUM_THREADS=1``).
MIN_SECRET_LENGTH = 8

REDACTED = "<redacted>"

_SENTINEL = "@@jupyter_mv_environment@@"

_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW|PASSPHRASE|PWD|^PASS|_PASS|KEY|CREDENTIAL|AUTH(?!OR)|PRIVATE"
    r"|SESSION|COOKIE|SIGNATURE|SALT",
    re.IGNORECASE,
)

# the working directory, not a password (MYSQL_PWD is one)
_NOT_SECRET = frozenset({"PWD", "OLDPWD"})

_ENV_EXACT = frozenset(
    """
    LANG LANGUAGE TZ SOURCE_DATE_EPOCH
    PYTHONHASHSEED PYTHONPATH PYTHONHOME PYTHONNOUSERSITE PYTHONUTF8 PYTHONIOENCODING
    PYTHONWARNINGS PYTHONOPTIMIZE PYTHONSAFEPATH PYTHONDEVMODE PYTHONMALLOC
    VIRTUAL_ENV CONDA_PREFIX CONDA_DEFAULT_ENV
    PIP_INDEX_URL PIP_EXTRA_INDEX_URL UV_INDEX_URL UV_EXTRA_INDEX_URL
    OPENBLAS_NUM_THREADS VECLIB_MAXIMUM_THREADS BLIS_NUM_THREADS
    NVIDIA_VISIBLE_DEVICES HIP_VISIBLE_DEVICES ROCR_VISIBLE_DEVICES
    MPLBACKEND KERAS_BACKEND
    TF_DETERMINISTIC_OPS TF_CUDNN_DETERMINISTIC TF_CPP_MIN_LOG_LEVEL TF_ENABLE_ONEDNN_OPTS
    TF_FORCE_GPU_ALLOW_GROWTH TF_GPU_ALLOCATOR TF_XLA_FLAGS
    TF_NUM_INTEROP_THREADS TF_NUM_INTRAOP_THREADS
    """.split()  # noqa: SIM905
)

# (a bare TF_ prefix would also catch Terraform's variables)
_ENV_PREFIXES = (
    *("LC_", "OMP_", "MKL_", "OPENBLAS_", "NUMEXPR_", "KMP_", "NUMBA_"),
    *("CUDA_", "CUDNN_", "CUBLAS_", "NCCL_", "TORCH_", "PYTORCH_", "JAX_", "XLA_"),
)

_SITE_DIR_NAMES = ("site-packages", "dist-packages")
_FINGERPRINT_SUFFIXES = (".dist-info", ".egg-info", ".pth", ".egg-link")
#: Query (or fragment) parameters whose names look like credentials: ``token``,
#: ``access_token``, ``api_key``, ``sig`` (Azure SAS), ``X-Amz-Signature``...
_CREDENTIAL_QUERY = re.compile(
    r"token|secret|pass|pwd|key|sig|credential|auth|session|cookie|jwt|bearer|private"
    r"|x-amz-|x-goog-",
    re.IGNORECASE,
)

# A URL in any text: a scheme and "://" up to whitespace, a quote or a bracket. pip's
# "name @ URL", "--index-url=URL" and lists separated by blanks all hold one or more.
_URL_SPAN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>`]*")

# The userinfo after a scheme: up to the last "@" before the path; or a "user:password"
# whose password holds an unencoded "/", "?" or "#" (the part after ":" not a port).
_USERINFO = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
    r"(?:(?P<info>[^\s/?#]*)@|(?P<odd>[^\s/?#@:\[\]]+:(?!\d*(?:[/?#]|$))[^\s@]*)@)"
)

# One query or fragment parameter: its delimiter, name and value.
_PARAM = re.compile(r"(?P<delim>[?&;#])(?P<name>[^=&;#?/]*)=(?P<value>[^&;#]*)")

# Any variable named like a URL (not allow-listed) whose URL holds a password is secret.
_URL_NAME = re.compile(r"(?:^|_)UR[LI]S?$", re.IGNORECASE)


# --------------------------------------------------------------------------- helpers


def is_secret_name(name: str) -> bool:
    """Whether an environment variable's *name* looks like it holds a secret.

    :param name: the variable's name, e.g. ``"HF_TOKEN"`` (true) or ``"LANG"`` (false)
    """
    if name.upper() in _NOT_SECRET:
        return False
    return bool(_SECRET_NAME.search(name))


def _clean_url(url: str, found: list[tuple[str, str, str]] | None) -> str:
    """One URL without credentials; what was removed goes to ``found`` as
    ``(kind, name, value)``: ``("userinfo", user, password)`` or ``("param", name, value)``."""

    def userinfo(match: re.Match[str]) -> str:
        scheme = match.group("scheme")
        info = match.group("info")
        if info is None:
            info = match.group("odd")
        user, colon, password = info.partition(":")
        if "ssh" in scheme.lower() and not colon and user:
            return scheme + "://" + user + "@"  # a user name, no secret
        if found is not None:
            found.append(("userinfo", user, password if colon else user))
        return scheme + "://"

    url = _USERINFO.sub(userinfo, url)
    if "=" not in url:
        return url

    def param(match: re.Match[str]) -> str:
        from urllib.parse import unquote

        name = match.group("name")
        if not _CREDENTIAL_QUERY.search(unquote(name)):
            return match.group(0)
        if found is not None:
            found.append(("param", unquote(name), match.group("value")))
        delim = match.group("delim")
        return delim if delim in "?#" else ""

    cleaned = _PARAM.sub(param, url)
    if cleaned != url:  # "?&v=2" -> "?v=2", a trailing "?" or "#" left alone goes
        cleaned = re.sub(r"([?#])[&;]+", r"\1", cleaned)
        cleaned = re.sub(r"[?#]+(?=#|$)", "", cleaned)
    return cleaned


def sanitize_url(url: str) -> str:
    """Return ``url`` (or any text holding URLs) without the credentials it may carry.

    Every URL in the text is cleaned, wherever it sits: a list separated by spaces or
    tabs, ``--index-url=URL``, pip's ``name @ URL``, one URL inside another's path.
    Drops ``user:password@`` (and a bare ``token@``) from the authority of any URL with
    a scheme; an ``ssh`` URL keeps its user name (``ssh://git@host/...``) but never a
    password. Query and fragment parameters whose names look like credentials
    (``token``, ``access_token``, ``api_key``, ``sig``, ``X-Amz-...``), wherever they are
    in the query, are removed; the other parameters are kept as written. scp-like
    ``git@host:org/repo`` has no password and is kept.

    :param url: any string; what is not a string is returned as is
    """
    if not isinstance(url, str) or "://" not in url:
        return url
    return _URL_SPAN.sub(lambda m: _clean_url(m.group(0), None), url)


def find_credentials(text: str) -> list[tuple[str, str, str]]:
    """The credentials :func:`sanitize_url` would remove from ``text``, as
    ``(kind, name, value)``: ``("userinfo", user, password)`` (the password is the user
    name itself for a bare ``token@``) or ``("param", parameter name, value)``.

    :param text: any string
    """
    found: list[tuple[str, str, str]] = []
    if isinstance(text, str) and "://" in text:
        for match in _URL_SPAN.finditer(text):
            _clean_url(match.group(0), found)
    return found


def strip_credentials(value: Any) -> Any:
    """``value`` (a string, or lists and dicts of them, as JSON) with every URL in every
    string, dict keys included, passed through :func:`sanitize_url`. The one cleaning
    every URL-bearing field of a capture (environment, git, kernel record) goes through.

    :param value: any JSON-able value
    """
    if isinstance(value, str):
        return sanitize_url(value)
    if isinstance(value, (list, tuple)):
        return [strip_credentials(v) for v in value]
    if isinstance(value, dict):
        return {strip_credentials(k): strip_credentials(v) for k, v in value.items()}
    return value


def _sanitize_conda_channel(channel: str) -> str:
    # anaconda.org private channels carry a token as a path segment: /t/<token>/
    return re.sub(r"/t/[^/]+/", "/t/<redacted>/", sanitize_url(channel))


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _is_site_dir(path: str) -> bool:
    return os.path.basename(os.path.normpath(path)) in _SITE_DIR_NAMES


def _env_allowed(name: str) -> bool:
    return name in _ENV_EXACT or name.startswith(_ENV_PREFIXES)


# --------------------------------------------------------------------------- parts


def _python_info() -> dict[str, Any]:
    base_prefix = getattr(sys, "base_prefix", sys.prefix)
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "prefix": sys.prefix,
        "base_prefix": base_prefix,
        "is_venv": sys.prefix != base_prefix,
    }


def _os_release() -> str | None:
    for candidate in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            with open(candidate, encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith("PRETTY_NAME="):
                        return line.split("=", 1)[1].strip().strip("\"'") or None
        except OSError:
            continue
    return None


def _platform_info() -> dict[str, Any]:
    libc_name, libc_version = "", ""
    with contextlib.suppress(OSError, ValueError):
        libc_name, libc_version = platform.libc_ver()
    system = platform.system()
    os_name: str | None
    if system == "Linux":
        os_name = _os_release()
    elif system == "Darwin":
        os_name = "macOS " + platform.mac_ver()[0] if platform.mac_ver()[0] else None
    else:
        os_name = None
    return {
        "system": system,
        "release": platform.release(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "libc": (libc_name + " " + libc_version).strip() or None,
        "os": os_name,
    }


def _cpu_info() -> dict[str, Any]:
    model = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, sep, value = line.partition(":")
                if sep and key.strip() in ("model name", "Model", "Hardware", "cpu model"):
                    model = value.strip() or None
                    if model:
                        break
    except OSError:
        model = platform.processor() or None
    usable = None
    if hasattr(os, "sched_getaffinity"):
        try:
            usable = len(os.sched_getaffinity(0))
        except OSError:
            usable = None
    return {"count": os.cpu_count(), "usable": usable, "model": model}


def _gpu_info(timeout: float = 5.0) -> list[dict[str, Any]]:
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        proc = subprocess.run(
            [exe, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if proc.returncode != 0:
        return []
    gpus = []
    for line in proc.stdout.splitlines():
        fields = [f.strip() for f in line.split(",")]
        if len(fields) >= 3 and fields[0]:
            gpus.append({"name": fields[0], "driver": fields[1], "memory": fields[2]})
    return gpus


def _origin(dist: Any) -> dict[str, Any]:
    """PEP 610: where a distribution was installed from."""
    try:
        raw = dist.read_text("direct_url.json")
    except (OSError, ValueError):
        raw = None
    if not raw:
        return {"kind": "index"}
    try:
        info = json.loads(raw)
    except ValueError:
        return {"kind": "index"}
    if not isinstance(info, dict) or not isinstance(info.get("url"), str):
        return {"kind": "index"}
    url = sanitize_url(info["url"])
    origin: dict[str, Any]
    if isinstance(info.get("vcs_info"), dict):
        vcs = info["vcs_info"]
        origin = {"kind": "vcs", "vcs": vcs.get("vcs"), "url": url, "commit": vcs.get("commit_id")}
        if vcs.get("requested_revision"):
            origin["revision"] = vcs["requested_revision"]
    elif isinstance(info.get("archive_info"), dict):
        origin = {"kind": "archive", "url": url}
        archive = info["archive_info"]
        digest = archive.get("hash")
        if not digest and isinstance(archive.get("hashes"), dict) and archive["hashes"]:
            algo = sorted(archive["hashes"])[0]
            digest = algo + "=" + str(archive["hashes"][algo])
        if digest:
            origin["hash"] = digest
    elif isinstance(info.get("dir_info"), dict) and info["dir_info"].get("editable"):
        origin = {"kind": "editable", "url": url}
    else:
        origin = {"kind": "local", "url": url}
    if info.get("subdirectory"):
        origin["subdirectory"] = info["subdirectory"]
    return origin


def _name_version(dist: Any) -> tuple[str | None, str | None]:
    """Name and version from the metadata's header lines only.

    ``dist.metadata`` parses the whole file as an e-mail message, long description
    included; reading just the headers makes a capture of 150 packages 3x faster.
    """
    text = None
    for filename in ("METADATA", "PKG-INFO"):
        try:
            text = dist.read_text(filename)
        except (OSError, ValueError):
            text = None
        if text:
            break
    if not text:
        return None, None
    name = version = None
    for line in text.split("\n\n", 1)[0].splitlines():
        if name is None and line[:5].lower() == "name:":
            name = line[5:].strip() or None
        elif version is None and line[:8].lower() == "version:":
            version = line[8:].strip() or None
        if name is not None and version is not None:
            break
    return name, version


def _packages() -> list[dict[str, Any]]:
    import importlib.metadata as metadata

    seen = {}  # normalized name -> entry; the first on sys.path wins, as for import
    for dist in metadata.distributions():
        name, version = _name_version(dist)
        if not name:  # a broken or half-removed dist-info folder
            continue
        key = _normalize(name)
        if key in seen:
            continue
        entry: dict[str, Any] = {"name": name, "version": version}
        try:
            installer = (dist.read_text("INSTALLER") or "").strip()
        except (OSError, ValueError):
            installer = ""
        if installer:
            entry["installer"] = installer
        entry["origin"] = _origin(dist)
        seen[key] = entry
    return [seen[key] for key in sorted(seen)]


def _conda_packages(prefix: str) -> list[dict[str, Any]]:
    meta_dir = os.path.join(prefix, "conda-meta")
    try:
        names = sorted(n for n in os.listdir(meta_dir) if n.endswith(".json"))
    except OSError:
        return []
    packages = []
    for filename in names:
        try:
            with open(os.path.join(meta_dir, filename), encoding="utf-8") as fh:
                record = json.load(fh)
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or not record.get("name"):
            continue
        channel = record.get("channel")
        packages.append(
            {
                "name": record["name"],
                "version": record.get("version"),
                "build": record.get("build"),
                "channel": _sanitize_conda_channel(channel) if isinstance(channel, str) else None,
            }
        )
    packages.sort(key=lambda p: (_normalize(str(p["name"])), str(p["version"])))
    return packages


def _has_password(value: str) -> bool:
    return any(kind == "userinfo" and password for kind, _, password in find_credentials(value))


def _is_secret_var(name: str, value: str) -> bool:
    """Named like a secret, or an unknown ``*_URL``/``*_URI`` whose URL holds a password."""
    if is_secret_name(name):
        return True
    return not _env_allowed(name) and bool(_URL_NAME.search(name)) and _has_password(value)


def _named_secrets(environ: Mapping[str, str]) -> set[str]:
    return {v for k, v in environ.items() if len(v) >= MIN_SECRET_LENGTH and _is_secret_var(k, v)}


def _secret_values(environ: Mapping[str, str]) -> list[str]:
    """Every value to hunt: those of secret variables, and each password, bare token and
    credential parameter value found in a URL of any variable (decoded too)."""
    from urllib.parse import unquote

    values = _named_secrets(environ)
    for value in environ.values():
        for _, _, secret in find_credentials(value):
            for form in (secret, unquote(secret)):
                if len(form) >= MIN_SECRET_LENGTH:
                    values.add(form)
    return sorted(values, key=len, reverse=True)


def _env_vars(environ: Mapping[str, str], secrets: list[str] | None = None) -> dict[str, str]:
    """The allow-listed variables as captured: a value holding a secret variable's value
    reads ``<redacted>``; else its URLs lose their credentials, and what is left must hold
    no hunted value either (``secrets``, default :func:`_secret_values`)."""
    if secrets is None:
        secrets = _secret_values(environ)
    named = _named_secrets(environ)
    result = {}
    for name in sorted(environ):
        value = environ[name]
        if not _env_allowed(name) or _is_secret_var(name, value):
            continue
        if any(secret in value for secret in named):
            value = REDACTED
        else:
            value = sanitize_url(value)
            if any(secret in value for secret in secrets):
                value = REDACTED
        result[name] = value
    return result


def _paths() -> list[str]:
    paths: list[str] = []
    for entry in sys.path:
        if not entry or not isinstance(entry, str):
            continue
        path = os.path.abspath(entry)
        if path not in paths and os.path.isdir(path):
            paths.append(path)
    return paths


def _scrub(value: Any, secrets: list[str]) -> Any:
    """Cut every secret value out of every string in ``value``."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    return value


def _capture_here(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Capture the running interpreter (stdlib only, also run inside other interpreters)."""
    environ = dict(os.environ if environ is None else environ)
    secrets = _secret_values(environ)
    result = {
        "schema": SCHEMA,
        "python": _python_info(),
        "platform": _platform_info(),
        "cpu": _cpu_info(),
        "gpu": _gpu_info(),
        "packages": _packages(),
        "conda_packages": _conda_packages(sys.prefix),
        "env_vars": _env_vars(environ, secrets),
        "paths": _paths(),
    }
    scrubbed: dict[str, Any] = _scrub(strip_credentials(result), secrets)
    return scrubbed


def _main() -> None:
    """Entry point inside another interpreter: print the capture after a sentinel."""
    out: dict[str, Any]
    try:
        out = {"environment": _capture_here()}
    except Exception as exc:  # reported to the parent, which raises a clear error
        out = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write("\n" + _SENTINEL + json.dumps(out) + "\n")
    sys.stdout.flush()


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
    exec(compile(sys.stdin.read(), 'jupyter_mv_capture', 'exec'), g)
    g['_main']()
""".replace("SENTINEL", repr(_SENTINEL))


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
    with open(__file__, encoding="utf-8") as fh:
        source = fh.read()
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
        raise MVError(
            f"capturing the environment of {exe} took longer than {timeout:g} s"
        ) from None
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
    ``mtime_ns``, and for site-packages-like folders also each ``*.dist-info``,
    ``*.egg-info``, ``*.pth`` and ``*.egg-link`` entry's ``mtime_ns`` (catching a
    rewrite in place), plus ``<prefix>/conda-meta``. Equal keys mean a new capture
    would almost surely be equal too, so the store may reuse the last one. No
    subprocess, no file contents read: a few hundred ``stat`` calls.

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
            try:
                entries = sorted(
                    (e.name, e.stat().st_mtime_ns)
                    for e in os.scandir(path)
                    if e.name.endswith(_FINGERPRINT_SUFFIXES)
                )
            except OSError:
                entries = []
            parts.append(entries)
    if env is not None:
        parts.append(sorted(_env_vars(env).items()))
    blob = json.dumps(parts, separators=(",", ":"), default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def notebook_kernel_python(notebook: str | os.PathLike[str] | dict[str, Any], *, manager: Any = None,
                           warnings: list[str] | None = None, default: bool = True) -> str | None:
    """The Python interpreter of the kernelspec ``notebook`` (a path or its parsed JSON)
    names in its metadata (see :func:`kernelspec_python`), or ``None`` when unknown.

    :param manager: a ``KernelSpecManager`` to ask (the server's); a new one by default
    :param warnings: what the notebook's metadata tolerates is appended here
    :param default: when the notebook names no kernel, the default kernelspec's
        interpreter; else ``None``
    """
    from ..diff.reader import kernel_name

    name = kernel_name(notebook, warnings)
    if not name and not default:
        return None
    return kernelspec_python(name, manager=manager)


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


if __name__ == "__main__":
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    _main()

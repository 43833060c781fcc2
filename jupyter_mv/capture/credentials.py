"""Credentials never enter a capture: secret names, URLs cleaned wherever they appear.

Standard library only and parses on Python 3.8: its source is also run inside other
interpreters, before :mod:`.probe`'s (see :func:`jupyter_mv.capture.capture_environment`).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "is_secret_name", "sanitize_url", "find_credentials", "strip_credentials"]

#: Values of secret-named variables shorter than this are not hunted in other values
#: (``"1"``, ``"x11"``, ``"ubuntu"`` are not secrets, and hunting them would redact
#: unrelated settings such as ``OMP_NUM_THREADS=1``).
MIN_SECRET_LENGTH = 8

REDACTED = "<redacted>"

_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW|PASSPHRASE|PWD|^PASS|_PASS|KEY|CREDENTIAL|AUTH(?!OR)|PRIVATE"
    r"|SESSION|COOKIE|SIGNATURE|SALT",
    re.IGNORECASE,
)

# the working directory, not a password (MYSQL_PWD is one)
_NOT_SECRET = frozenset({"PWD", "OLDPWD"})

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


def _has_password(value: str) -> bool:
    return any(kind == "userinfo" and password for kind, _, password in find_credentials(value))


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

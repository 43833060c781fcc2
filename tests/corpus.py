"""Notebooks nobody here wrote: the test notebooks of nbformat and nbdime, found where
those projects publish them rather than copied into this repository.

- nbdime's ship inside its wheel (nbdime is in the test extra): ``nbdime/tests/files/``.
- nbformat's are in its source distribution only (``tests/*.ipynb``): the sdist of the
  installed version is fetched with ``pip download --no-binary :all:``, and its test
  notebooks are unpacked into a cache outside the repository,
  ``$JUPYTER_MV_TEST_CACHE`` or ``~/.cache/jupyter-mv-tests/nbformat-<version>/``, so
  a second run does not download again.

Used by the session fixtures in ``tests/conftest.py`` and by ``benchmarks/bench_diff.py``,
which also share the terms in which our diff and nbdime's are compared (which cells of
a and of b are shown changed, and how).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version as installed_version
from pathlib import Path

#: Fewer than this many files found means the corpus is broken, not small.
MIN_NBFORMAT_FILES = 18
MIN_NBDIME_FILES = 45
MIN_NBDIME_PAIRS = 30


class CorpusUnavailable(RuntimeError):
    """The notebooks could not be found or fetched; the message says why and what to do."""


def cache_root() -> Path:
    env = os.environ.get("JUPYTER_MV_TEST_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jupyter-mv-tests"


@functools.lru_cache(maxsize=None)
def nbdime_dir() -> Path:
    """``nbdime/tests/files`` of the installed nbdime."""
    try:
        import nbdime
    except ImportError as exc:
        raise CorpusUnavailable(
            f"nbdime is not installed ({exc}); install the test extra: pip install -e '.[test]'"
        ) from None
    folder = Path(nbdime.__file__).resolve().parent / "tests" / "files"
    if not folder.is_dir():
        raise CorpusUnavailable(f"nbdime {nbdime.__version__} has no test notebooks at {folder}")
    return folder


_SDIST_TEST = re.compile(r"^[^/]+/tests/([^/]+\.ipynb)$")


_failed: list[CorpusUnavailable] = []


@functools.lru_cache(maxsize=None)
def nbformat_dir() -> Path:
    """The ``tests/*.ipynb`` of the installed nbformat's source distribution, cached.

    :raises CorpusUnavailable: not cached and the download or unpacking failed (once a
        session: a failed download is not tried again by every test).
    """
    if _failed:
        raise _failed[0]
    try:
        return _fetch_nbformat()
    except CorpusUnavailable as exc:
        _failed.append(exc)
        raise


def _fetch_nbformat() -> Path:
    version = installed_version("nbformat")
    target = cache_root() / f"nbformat-{version}"
    if target.is_dir() and any(target.glob("*.ipynb")):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nbformat-sdist-", dir=target.parent) as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--disable-pip-version-check",
            f"nbformat=={version}",
            "-d",
            tmp,
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CorpusUnavailable(
                f"cannot fetch nbformat {version}'s test notebooks: {' '.join(cmd)}: {exc}"
            ) from None
        sdists = sorted(Path(tmp).glob("nbformat-*.tar.gz"))
        if proc.returncode != 0 or not sdists:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            raise CorpusUnavailable(
                f"nbformat {version}'s test notebooks are not cached in {target} and downloading its source "
                f"distribution failed ({' '.join(cmd)}, exit {proc.returncode}):\n{tail}\n"
                f"Fetch nbformat-{version}.tar.gz by hand and unpack its tests/*.ipynb into {target}."
            )
        staging = Path(tmp) / "notebooks"
        staging.mkdir()
        try:
            with tarfile.open(sdists[0]) as tar:
                for member in tar:
                    m = _SDIST_TEST.match(member.name)
                    if m and member.isfile():
                        (staging / m.group(1)).write_bytes(tar.extractfile(member).read())
        except (OSError, tarfile.TarError) as exc:
            raise CorpusUnavailable(f"cannot unpack {sdists[0].name}: {exc}") from None
        if not any(staging.glob("*.ipynb")):
            raise CorpusUnavailable(f"{sdists[0].name} holds no tests/*.ipynb")
        if target.exists():  # an empty or partial folder left by hand; a concurrent run's is complete
            if any(target.glob("*.ipynb")):
                return target
            shutil.rmtree(target)
        try:
            staging.rename(target)  # atomic: a concurrent run sees all of it or none
        except OSError:
            if not any(target.glob("*.ipynb")):
                raise
    return target


def nbformat_files() -> list[Path]:
    return sorted(nbformat_dir().glob("*.ipynb"))


def nbdime_files() -> list[Path]:
    return sorted(nbdime_dir().glob("*.ipynb"))


def corpus() -> dict[str, Path]:
    """Every notebook, by an id such as ``nbformat/test3.ipynb`` or ``nbdime/apap--1.ipynb``."""
    return {**{f"nbformat/{p.name}": p for p in nbformat_files()}, **{f"nbdime/{p.name}": p for p in nbdime_files()}}


_PAIR_BASES = ("--1", "--base", "-base")


def nbdime_pairs(folder: Path | None = None) -> list[tuple[Path, Path]]:
    """nbdime's before/after pairs: in each family of files (``apap--1``, ``apap--2``...;
    ``cellids--base``, ``--local``, ``--remote``; ``multilevel-test-base``, ``-local``,
    ``-merged``, ``-remote``; ``single_cell_nb`` and its ``--changed_*`` variants), the
    base (``--1``, ``--base``, ``-base``, else the bare name) against every other member."""
    folder = folder or nbdime_dir()
    names = {p.stem for p in folder.glob("*.ipynb")}
    families: dict[str, list[str]] = {}
    for name in names:
        m = re.match(r"^(.*?)(--.+|-(?:base|local|remote|merged))$", name)
        if m:
            families.setdefault(m.group(1), []).append(name)
    pairs = []
    for family, members in sorted(families.items()):
        bases = [family + s for s in _PAIR_BASES if family + s in names]
        if not bases and family in names:
            bases, members = [family], members + [family]
        if not bases:
            continue
        base = bases[0]
        pairs += [(folder / f"{base}.ipynb", folder / f"{m}.ipynb") for m in sorted(members) if m != base]
    return pairs


# -- which cells a diff shows changed: ours and nbdime's, in the same terms -------------------


def changed_cells(d: dict) -> tuple[set[int], set[int], list[str]]:
    """Indices in a and in b of the cells our diff ``d`` shows changed, and how (sorted:
    ``added``, ``removed``, ``modified``, ``modified+moved``, ``moved``)."""
    ca, cb, kinds = set(), set(), []
    for c in d["notebook"]["cells"]:
        if c["a"]:
            ca.add(c["a"]["index"])
        if c["b"]:
            cb.add(c["b"]["index"])
        kinds.append(c["status"] + ("+moved" if c["status"] == "modified" and "moved" in c["changes"] else ""))
    return ca, cb, sorted(kinds)


def nbdime_changed_cells(a_cells: int, nbdime_diff: list) -> tuple[set[int], set[int], list[str]]:
    """The same for nbdime's ``diff_notebooks`` result, ``a_cells`` the number of cells in a:
    a patched cell is ``modified``, a removed or added range one ``removed`` or ``added``
    per cell (nbdime has no moves)."""
    ops: dict[int, list[dict]] = {}
    for entry in nbdime_diff:
        if entry["key"] == "cells":
            for op in entry["diff"]:
                ops.setdefault(op["key"], []).append(op)
    removed, patched, adds = set(), set(), {}
    for key, lst in ops.items():
        for op in lst:
            if op["op"] == "removerange":
                removed.update(range(key, key + op["length"]))
            elif op["op"] == "patch":
                patched.add(key)
            elif op["op"] == "addrange":
                adds[key] = len(op["valuelist"])
    ca, cb, kinds, j = set(), set(), [], 0
    for k in range(a_cells + 1):
        for _ in range(adds.get(k, 0)):
            cb.add(j)
            j += 1
            kinds.append("added")
        if k == a_cells:
            break
        if k in removed:
            ca.add(k)
            kinds.append("removed")
            continue
        if k in patched:
            ca.add(k)
            cb.add(j)
            kinds.append("modified")
        j += 1
    return ca, cb, sorted(kinds)

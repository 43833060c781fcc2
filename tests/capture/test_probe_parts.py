"""The probe's parts, called in this process over real files.

The same parts run in other interpreters (a kernel's venv, an older Python) through
``capture_environment``; those tests show the whole capture works there, and these pin
each part's answer for the cases a real installation can hold: every PEP 610 form of
``direct_url.json``, conda's ``conda-meta`` records with broken ones among them, and the
folders that count as site directories.
"""

from __future__ import annotations

import builtins
import json
import os
import platform
import sys
from collections.abc import Callable
from importlib.metadata import PathDistribution
from pathlib import Path
from typing import Any

import pytest

from jupyter_mv.capture import environment_summary, probe


def dist_info(tmp_path: Path, direct_url: Any = None, name: str = "pkg") -> PathDistribution:
    """A real ``.dist-info`` folder, with ``direct_url.json`` as given (text, or JSON data)."""
    folder = tmp_path / f"{name}-1.0.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\nText.\n")
    if direct_url is not None:
        text = direct_url if isinstance(direct_url, str) else json.dumps(direct_url)
        (folder / "direct_url.json").write_text(text)
    return PathDistribution(folder)


@pytest.mark.parametrize(
    "direct_url",
    [None, "", "{not json", json.dumps(["a list"]), json.dumps({"url": 12}), json.dumps({"dir_info": {}})],
    ids=["absent", "empty", "not-json", "not-a-dict", "url-not-text", "no-url"],
)
def test_a_distribution_without_a_usable_direct_url_came_from_an_index(tmp_path: Path, direct_url: Any) -> None:
    assert probe._origin(dist_info(tmp_path, direct_url)) == {"kind": "index"}


def test_a_vcs_install_records_its_commit_and_requested_revision(tmp_path: Path) -> None:
    record = {
        "url": "https://deploy:tok3n@git.example.com/org/pkg.git",
        "vcs_info": {"vcs": "git", "commit_id": "a" * 40, "requested_revision": "v1.2"},
        "subdirectory": "python",
    }
    assert probe._origin(dist_info(tmp_path, record)) == {
        "kind": "vcs",
        "vcs": "git",
        "url": "https://git.example.com/org/pkg.git",
        "commit": "a" * 40,
        "revision": "v1.2",
        "subdirectory": "python",
    }


def test_a_vcs_install_without_a_requested_revision_records_none(tmp_path: Path) -> None:
    record = {"url": "https://git.example.com/org/pkg.git", "vcs_info": {"vcs": "git", "commit_id": "b" * 40}}
    origin = probe._origin(dist_info(tmp_path, record))
    assert origin == {"kind": "vcs", "vcs": "git", "url": "https://git.example.com/org/pkg.git", "commit": "b" * 40}


def test_an_archive_install_records_its_hash_in_either_pep_610_form(tmp_path: Path) -> None:
    url = "file:///wheels/pkg-1.0-py3-none-any.whl"
    (tmp_path / "a").mkdir()
    legacy = {"url": url, "archive_info": {"hash": "sha256=00ff"}}
    assert probe._origin(dist_info(tmp_path / "a", legacy)) == {"kind": "archive", "url": url, "hash": "sha256=00ff"}
    # the newer form: a table of digests, the first algorithm by name is kept
    hashes = {"url": url, "archive_info": {"hashes": {"sha384": "cc", "sha256": "aa"}}}
    (tmp_path / "b").mkdir()
    assert probe._origin(dist_info(tmp_path / "b", hashes)) == {"kind": "archive", "url": url, "hash": "sha256=aa"}
    # neither: an archive with no digest recorded
    (tmp_path / "c").mkdir()
    bare = {"url": url, "archive_info": {"hashes": {}}}
    assert probe._origin(dist_info(tmp_path / "c", bare)) == {"kind": "archive", "url": url}


def test_an_editable_and_a_local_folder_install_are_told_apart(tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    (tmp_path / "l").mkdir()
    editable = {"url": "file:///src/pkg", "dir_info": {"editable": True}}
    local = {"url": "file:///src/pkg", "dir_info": {}}
    assert probe._origin(dist_info(tmp_path / "e", editable)) == {"kind": "editable", "url": "file:///src/pkg"}
    assert probe._origin(dist_info(tmp_path / "l", local)) == {"kind": "local", "url": "file:///src/pkg"}


def write_records(prefix: Path, records: dict[str, Any]) -> None:
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True)
    for filename, record in records.items():
        text = record if isinstance(record, str) else json.dumps(record)
        (meta / filename).write_text(text, encoding="utf-8")


def test_conda_packages_are_read_and_broken_records_skipped(tmp_path: Path) -> None:
    write_records(
        tmp_path,
        {
            "zlib-1.3-h0.json": {"name": "zlib", "version": "1.3", "build": "h0", "channel": "conda-forge"},
            "libopenblas-0.3.27-p.json": {
                "name": "libopenblas",
                "version": "0.3.27",
                "build": "p",
                "channel": "https://conda.anaconda.org/t/tk-9876543210/conda-forge/linux-64",
            },
            "a-list.json": ["zlib"],  # JSON, but not a record
            "no-name.json": {"version": "1.0"},
            "empty-name.json": {"name": "", "version": "1.0"},
            "broken.json": "{not json",
            "history": "not a record either",
        },
    )
    assert probe._conda_packages(str(tmp_path)) == [
        {
            "name": "libopenblas",
            "version": "0.3.27",
            "build": "p",
            "channel": "https://conda.anaconda.org/t/<redacted>/conda-forge/linux-64",
        },
        {"name": "zlib", "version": "1.3", "build": "h0", "channel": "conda-forge"},
    ]


def test_a_prefix_without_conda_meta_has_no_conda_packages(tmp_path: Path) -> None:
    assert probe._conda_packages(str(tmp_path)) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/opt/venv/lib/python3.11/site-packages", True),
        ("/opt/venv/lib/python3.11/site-packages/", True),
        ("/usr/lib/python3/dist-packages", True),
        ("/opt/venv/lib/python3.11", False),
        ("/opt/venv/lib/python3.11/site-packages-old", False),
        ("/home/me/project", False),
    ],
)
def test_site_directories_are_known_by_their_folder_name(path: str, expected: bool) -> None:
    assert probe._is_site_dir(path) is expected


def test_the_summary_counts_conda_packages_in_words(tmp_path: Path) -> None:
    one = {"python": {"implementation": "CPython", "version": "3.11.7"}, "packages": [], "conda_packages": [{}]}
    assert environment_summary(one) == "CPython 3.11.7 · 0 packages · 1 conda package"
    two = dict(one, conda_packages=[{}, {}])
    assert environment_summary(two) == "CPython 3.11.7 · 0 packages · 2 conda packages"
    assert environment_summary(dict(one, conda_packages=[])) == "CPython 3.11.7 · 0 packages"


def test_an_unknown_url_variable_is_secret_when_its_url_holds_a_password() -> None:
    assert probe._is_secret_var("MV_TEST_SERVICE_URL", "postgresql://app:pw-1234567890@db.example.org/app") is True
    assert probe._is_secret_var("MV_TEST_SERVICE_URI", "https://service.example.org/api") is False
    # an allow-listed name is recorded for what it says, whatever its value holds
    assert probe._is_secret_var("MV_TEST_SERVICE_NAME", "postgresql://app:pw-1234567890@db/app") is False


def test_the_python_part_names_this_interpreter_and_its_prefixes() -> None:
    assert probe._python_info() == {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "is_venv": sys.prefix != sys.base_prefix,
    }


def test_metadata_headers_are_read_with_or_without_a_blank_after_the_colon(tmp_path: Path) -> None:
    folder = tmp_path / "tight-2.5.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text("Metadata-Version:2.1\nName:tight\nVersion:2.5\n\nVersion: not a header\n")
    assert probe._name_version(PathDistribution(folder)) == ("tight", "2.5")
    assert probe._name_version(dist_info(tmp_path)) == ("pkg", "1.0")


SystemFiles = Callable[[str, "str | None"], None]


@pytest.fixture
def system_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SystemFiles:
    """``put(path, text)``: the probe opening ``path`` reads a real file holding ``text``
    (``None``: no such file); every other path opens as usual."""
    where: dict[str, str] = {}

    def put(path: str, text: str | None) -> None:
        file = tmp_path / "system" / path.strip("/").replace("/", "_")
        file.parent.mkdir(exist_ok=True)
        if text is None:
            file.unlink(missing_ok=True)
        else:
            file.write_text(text, encoding="utf-8")
        where[path] = str(file)

    def probe_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        return builtins.open(where.get(file, file), *args, **kwargs)

    monkeypatch.setattr(probe, "open", probe_open, raising=False)
    return put


X86_CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 85
model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
flags\t\t: fpu vme de pse

processor\t: 1
model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
"""


@pytest.mark.parametrize(
    ("cpuinfo", "model"),
    [
        (X86_CPUINFO, "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz"),
        ("processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4\n", "BCM2835"),
        ("system type\t\t: MT7621\ncpu model\t\t: MIPS 1004Kc V2.15\n", "MIPS 1004Kc V2.15"),
        # the model is all that follows the first colon, colons of its own included
        ("processor\t: 0\nmodel name\t: Example SoC rev: 2 @ 1.8GHz\n", "Example SoC rev: 2 @ 1.8GHz"),
        ("processor\t: 0\nmodel name\t: \n", None),
    ],
    ids=["x86", "arm", "mips", "colon-in-model", "blank-model"],
)
def test_the_cpu_model_is_read_from_proc_cpuinfo(system_files: SystemFiles, cpuinfo: str, model: str | None) -> None:
    system_files("/proc/cpuinfo", cpuinfo)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    assert probe._cpu_info() == {"count": os.cpu_count(), "usable": usable, "model": model}


def test_the_os_name_comes_from_etc_os_release_before_usr_lib(system_files: SystemFiles) -> None:
    system_files(
        "/etc/os-release", 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'
    )
    system_files("/usr/lib/os-release", 'PRETTY_NAME="Vendor default"\n')
    assert probe._os_release() == "Debian GNU/Linux 12 (bookworm)"

    system_files("/etc/os-release", None)
    assert probe._os_release() == "Vendor default"

    system_files("/usr/lib/os-release", "ID=custom\n")
    assert probe._os_release() is None


@pytest.mark.skipif(platform.system() != "Linux", reason="the OS name of Linux comes from os-release")
def test_the_platform_part_names_the_linux_distribution(system_files: SystemFiles) -> None:
    system_files("/etc/os-release", "PRETTY_NAME='Ubuntu 24.04.1 LTS'\n")
    libc = " ".join(platform.libc_ver()).strip() or None
    assert probe._platform_info() == {
        "system": "Linux",
        "release": platform.release(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "libc": libc,
        "os": "Ubuntu 24.04.1 LTS",
    }


def test_a_c_library_that_can_no_longer_be_read_is_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A kernel whose interpreter file was removed after its first capture (its venv rebuilt
    # under it), on a C library named only by that file (no glibc confstr, as with musl):
    # the next capture records no libc rather than failing.
    first = probe._platform_info()

    def no_glibc_confstr(name: str) -> str:
        raise ValueError("unrecognized configuration name")

    monkeypatch.setattr(os, "confstr", no_glibc_confstr)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "removed" / "python"))

    assert probe._platform_info() == {**first, "libc": None}

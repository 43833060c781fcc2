"""Hostile and odd input through the core and the CLI.

Hostile input is refused with a clear error (an MVError in the core, one line and a
non-zero status from the CLI), and nothing is lost: the store's full state, the
user's files and the files outside the project are compared before and after. Odd
but legitimate input (old notebook formats, a notebook with 50 MB of outputs, empty,
binary and strangely named files) is kept and restored byte for byte.

The CLI cases run in-process through ``jupyter_mv.cli.main`` (the same code the
``jupyter mv`` entry point runs); under ``JUPYTER_MV_STRESS=1`` they also run as real
subprocesses.
"""

from __future__ import annotations

import base64
import json
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from jupyter_mv.cli import main
from jupyter_mv.errors import Conflict, InvalidInput, MVError, NotFound
from jupyter_mv.store import Store
from tests.helpers import run_cli, write_notebook

from .invariants import STRESS, check_invariants, store_state, user_files


@dataclass
class Project:
    store: Store
    root: Path
    outside: Path

    def state(self) -> tuple:
        return store_state(self.store.dir), user_files(self.root), user_files(self.outside)


@pytest.fixture
def hostile(project: Path, tmp_path: Path) -> Project:
    """A project with one version (tagged ``first``, aliased ``prod``) and every kind of
    trap around it: files outside the root, symlinks leading out, a loop, a FIFO, a
    folder named like a notebook, a file name that is not UTF-8, broken notebooks."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside the project")
    (outside / "data.csv").write_text("theirs")
    write_notebook(outside / "elsewhere.ipynb", ["secret = 1"])
    store = Store.init(project)
    write_notebook(project / "train.ipynb", ["x = 1"])
    (project / "data.csv").write_text("a,b\n1,2\n")
    store.snapshot("train.ipynb", ["data.csv"], message="first")
    store.tag("v1", "first")
    store.alias("prod", "v1")
    (project / "link_out.txt").symlink_to(outside / "secret.txt")
    (project / "link_out.ipynb").symlink_to(outside / "elsewhere.ipynb")
    (project / "linkdir").symlink_to(outside, target_is_directory=True)
    (project / "loop_a").symlink_to(project / "loop_b")
    (project / "loop_b").symlink_to(project / "loop_a")
    os.mkfifo(project / "fifo")
    (project / "folder.ipynb").mkdir()
    (project / os.fsdecode(b"latin1-\xe9.csv")).write_bytes(b"not utf-8 name")
    for name, content in BROKEN_NOTEBOOKS.items():
        (project / name).write_bytes(content)
    return Project(store, project, outside)


V4 = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []})
BROKEN_NOTEBOOKS: dict[str, bytes] = {
    "truncated.ipynb": V4[:30].encode(),
    "list.ipynb": b"[1, 2]",
    "string.ipynb": b'"a notebook"',
    "empty.ipynb": b"",
    "no_format.ipynb": b"{}",
    "format_text.ipynb": V4.replace('"nbformat": 4', '"nbformat": "4"').encode(),
    "cells_mapping.ipynb": V4.replace('"cells": []', '"cells": {}').encode(),
    "cell_number.ipynb": V4.replace('"cells": []', '"cells": [1]').encode(),
    "format_2.ipynb": V4.replace('"nbformat": 4', '"nbformat": 2').encode(),
    "metadata_list.ipynb": V4.replace('"metadata": {}', '"metadata": []').encode(),
    "utf16.ipynb": V4.encode("utf-16"),
    "binary.ipynb": bytes(range(256)) * 4,
    "deep.ipynb": b"[" * 200_000 + b"]" * 200_000,
    "deep_cells.ipynb": V4.replace('"cells": []', '"cells": ' + "[" * 100_000 + "]" * 100_000).encode(),
}
#: Refusals that say more than "not a notebook": an old format nbformat itself cannot read.
REFUSAL = {"format_2.ipynb": "nbformat 2 notebook nbformat cannot read"}
NOT_UTF8 = os.fsdecode(b"latin1-\xe9.csv")

Case = tuple[str, Callable[[Project], object], type[MVError], str | None]

REFUSED: list[Case] = [
    *[
        (f"notebook {name}", lambda p, n=name: p.store.snapshot(n), InvalidInput, REFUSAL.get(name, "not a notebook"))
        for name in BROKEN_NOTEBOOKS
    ],
    ("notebook is a folder", lambda p: p.store.snapshot("folder.ipynb"), InvalidInput, "not a regular file"),
    ("notebook missing", lambda p: p.store.snapshot("missing.ipynb"), NotFound, "no such file"),
    ("notebook ../", lambda p: p.store.snapshot("../outside/elsewhere.ipynb"), InvalidInput, "outside"),
    ("notebook absolute outside", lambda p: p.store.snapshot(p.outside / "elsewhere.ipynb"), InvalidInput, "outside"),
    ("notebook symlink out", lambda p: p.store.snapshot("link_out.ipynb"), InvalidInput, "outside"),
    ("notebook in the store", lambda p: p.store.snapshot(".jupyter_mv/README"), InvalidInput, "version store"),
    ("notebook with NUL", lambda p: p.store.snapshot("train\x00.ipynb"), InvalidInput, None),
    ("notebook empty path", lambda p: p.store.snapshot(""), InvalidInput, None),
    ("file ../", lambda p: p.store.snapshot("train.ipynb", ["../outside/secret.txt"]), InvalidInput, "outside"),
    (
        "file absolute outside",
        lambda p: p.store.snapshot("train.ipynb", [p.outside / "secret.txt"]),
        InvalidInput,
        "outside",
    ),
    ("file symlink out", lambda p: p.store.snapshot("train.ipynb", ["link_out.txt"]), InvalidInput, "outside"),
    (
        "file through a dir symlink",
        lambda p: p.store.snapshot("train.ipynb", ["linkdir/secret.txt"]),
        InvalidInput,
        "outside",
    ),
    ("folder symlink out", lambda p: p.store.snapshot("train.ipynb", ["linkdir"]), InvalidInput, "outside"),
    ("symlink loop", lambda p: p.store.snapshot("train.ipynb", ["loop_a"]), InvalidInput, "loop_a"),
    ("fifo", lambda p: p.store.snapshot("train.ipynb", ["fifo"]), InvalidInput, "not a regular file"),
    ("device", lambda p: p.store.snapshot("train.ipynb", ["/dev/null"]), InvalidInput, "outside"),
    ("the project, with traps", lambda p: p.store.snapshot("train.ipynb", ["."]), InvalidInput, None),
    ("the parent folder", lambda p: p.store.snapshot("train.ipynb", [".."]), InvalidInput, "outside"),
    (
        "the store's database",
        lambda p: p.store.snapshot("train.ipynb", [".jupyter_mv/mv.db"]),
        InvalidInput,
        "version store",
    ),
    ("the store folder", lambda p: p.store.snapshot("train.ipynb", [".jupyter_mv"]), InvalidInput, "version store"),
    ("a name that is not UTF-8", lambda p: p.store.snapshot("train.ipynb", [NOT_UTF8]), InvalidInput, "UTF-8"),
    (
        "input outside",
        lambda p: p.store.snapshot("train.ipynb", inputs=["../outside/secret.txt"]),
        InvalidInput,
        "outside",
    ),
    (
        "output symlink out",
        lambda p: p.store.snapshot("train.ipynb", outputs=["link_out.txt"]),
        InvalidInput,
        "outside",
    ),
    (
        "hash-only outside",
        lambda p: p.store.snapshot("train.ipynb", hash_only=["../outside/secret.txt"]),
        InvalidInput,
        "outside",
    ),
    ("metric list", lambda p: p.store.snapshot("train.ipynb", metrics={"acc": [0.9]}), InvalidInput, "acc"),
    ("metric mapping", lambda p: p.store.snapshot("train.ipynb", metrics={"acc": {"a": 1}}), InvalidInput, "acc"),
    ("metric name not text", lambda p: p.store.snapshot("train.ipynb", metrics={1: 2}), InvalidInput, "names"),
    ("metric name empty", lambda p: p.store.snapshot("train.ipynb", metrics={" ": 2}), InvalidInput, "names"),
    (
        "param of 10,001 chars",
        lambda p: p.store.snapshot("train.ipynb", params={"p": "x" * 10_001}),
        InvalidInput,
        "10,000",
    ),
    (
        "message of 10,001 chars",
        lambda p: p.store.snapshot("train.ipynb", message="m" * 10_001),
        InvalidInput,
        "10,000",
    ),
    ("message not text", lambda p: p.store.snapshot("train.ipynb", message=b"bytes"), InvalidInput, "message"),
    ("unknown kind", lambda p: p.store.snapshot("train.ipynb", kind="evil"), InvalidInput, "kind"),
    *[
        (f"tag {label}", lambda p, n=name: p.store.tag("v1", n), InvalidInput, None)
        for label, name in [
            ("10,000 chars", "t" * 10_000),
            ("quote", "it's"),
            ("double quotes", '"q"'),
            ("SQL", "x'; DROP TABLE versions; --"),
            ("SQL or", 'a" OR "1"="1'),
            ("newline", "a\nb"),
            ("NUL", "a\x00b"),
            ("empty", ""),
            ("space", "a b"),
            ("unicode", "tâg"),
            ("v3", "v3"),
            ("latest~2", "latest~2"),
            ("hex", "deadbeef"),
            ("dash", "-x"),
            ("dot", ".hidden"),
            ("double slash", "a//b"),
            ("trailing dot", "a."),
        ]
    ],
    ("tag that exists", lambda p: p.store.tag("v1", "first"), Conflict, "already exists"),
    ("tag named like an alias", lambda p: p.store.tag("v1", "prod"), Conflict, "alias"),
    ("alias named like a tag", lambda p: p.store.alias("first", "v1"), Conflict, "tag"),
    ("alias SQL", lambda p: p.store.alias("x'; DELETE FROM aliases; --", "v1"), InvalidInput, None),
    ("alias 10,000 chars", lambda p: p.store.alias("a" * 10_000, "v1"), InvalidInput, "at most"),
    ("history of an unknown alias", lambda p: p.store.alias_history("nope"), NotFound, "nope"),
    *[
        (f"ref {label}", lambda p, r=ref: p.store.resolve(r), MVError, None)
        for label, ref in [
            ("unknown", "nope"),
            ("v0", "v0"),
            ("v999999999", "v999999999"),
            ("ten digits", "v1234567890"),
            ("far back", "latest~99"),
            ("negative", "latest~-1"),
            ("SQL", "' OR '1'='1"),
            ("percent", "%"),
            ("underscore", "_"),
            ("star", "*"),
            ("5,000 chars", "r" * 5000),
            ("newline", "v1\nv2"),
            ("NUL", "v1\x00"),
            ("at", "@"),
            ("at v1", "@v1"),
            ("notebook at", "train.ipynb@"),
            ("escape at", "../../etc/passwd@v1"),
            ("absolute at", "/etc/passwd@v1"),
            ("missing notebook", "missing.ipynb@v1"),
            ("unknown hex", "deadbeef"),
            ("upper hex", "DEADBEEF"),
            ("65 hex", "a" * 65),
            ("blank", "   "),
        ]
    ],
    ("restore a path outside", lambda p: p.store.restore("v1", ["../outside/secret.txt"]), InvalidInput, "outside"),
    ("restore an absolute path", lambda p: p.store.restore("v1", ["/etc/passwd"]), InvalidInput, "outside"),
    ("restore a file the version lacks", lambda p: p.store.restore("v1", ["nothere.csv"]), NotFound, "nothere"),
    (
        "restore into the store",
        lambda p: p.store.restore("v1", to=p.root / ".jupyter_mv" / "x"),
        InvalidInput,
        "version store",
    ),
    (
        "restore over a different file elsewhere",
        lambda p: p.store.restore("v1", to=p.outside),
        Conflict,
        "exists and differs",
    ),
]


@pytest.mark.parametrize("call, error, message", [pytest.param(*c[1:], id=c[0]) for c in REFUSED])
def test_hostile_input_to_the_core_is_refused_and_changes_nothing(hostile: Project, call, error, message) -> None:
    before = hostile.state()
    with pytest.raises(error, match=message) as caught:
        call(hostile)
    assert caught.value.message.strip() and "Traceback" not in caught.value.message
    assert hostile.state() == before


def test_restore_never_writes_through_a_symlink_that_leads_out(hostile: Project) -> None:
    """data.csv was replaced by a symlink to a file outside the project: restoring v1 in
    place must not write the version's bytes into that outside file."""
    data = hostile.root / "data.csv"
    data.unlink()
    data.symlink_to(hostile.outside / "secret.txt")
    (hostile.root / "sub").symlink_to(hostile.outside, target_is_directory=True)
    before = hostile.state()
    with pytest.raises(InvalidInput, match="outside"):
        hostile.store.restore("v1")
    assert hostile.state() == before
    assert (hostile.outside / "secret.txt").read_text() == "outside the project"


CLI_REFUSED: list[tuple[str, list[str], str]] = [
    ("invalid JSON", ["snapshot", "truncated.ipynb", "--no-env"], "not a notebook"),
    ("deeply nested JSON", ["snapshot", "deep.ipynb", "--no-env"], "not a notebook"),
    ("deeply nested JSON, environment from its kernelspec", ["snapshot", "deep.ipynb"], "not a notebook"),
    ("UTF-16 notebook", ["snapshot", "utf16.ipynb", "--no-env"], "not a notebook"),
    ("empty notebook", ["snapshot", "empty.ipynb", "--no-env"], "not a notebook"),
    ("notebook is a folder", ["snapshot", "folder.ipynb", "--no-env"], "not a regular file"),
    ("notebook outside", ["snapshot", "../outside/elsewhere.ipynb", "--no-env"], "outside"),
    ("notebook symlink out", ["snapshot", "link_out.ipynb", "--no-env"], "outside"),
    ("file symlink out", ["snapshot", "train.ipynb", "link_out.txt", "--no-env"], "outside"),
    ("file through a dir symlink", ["snapshot", "train.ipynb", "linkdir/secret.txt", "--no-env"], "outside"),
    ("absolute file outside", ["snapshot", "train.ipynb", "/etc/hostname", "--no-env"], "outside"),
    ("symlink loop", ["snapshot", "train.ipynb", "loop_a", "--no-env"], "loop_a"),
    ("name not UTF-8", ["snapshot", "train.ipynb", NOT_UTF8, "--no-env"], "UTF-8"),
    ("name with a newline", ["snapshot", "missing\nname.ipynb", "--no-env"], "no such file"),
    ("the store", ["snapshot", "train.ipynb", ".jupyter_mv", "--no-env"], "version store"),
    ("tag of 10,000 chars", ["tag", "v1", "t" * 10_000], "at most 100"),
    ("tag SQL", ["tag", "v1", "x'; DROP TABLE versions; --"], "invalid tag name"),
    ("tag with a newline", ["tag", "v1", "a\nb"], "invalid tag name"),
    ("tag exists", ["tag", "v1", "first"], "already exists"),
    ("alias named like a tag", ["alias", "first", "v1"], "already a tag"),
    ("alias with quotes", ["alias", 'a"b', "v1"], "invalid alias name"),
    ("unknown ref", ["show", "nope"], "unknown ref"),
    ("ref SQL", ["show", "' OR '1'='1"], "unknown ref"),
    ("ref with a newline", ["show", "v1\nv2"], "control characters"),
    ("ref escaping at", ["show", "../../etc/passwd@v1"], "outside"),
    ("unknown version", ["restore", "v9"], "no version v9"),
    ("restore outside", ["restore", "v1", "../outside/secret.txt"], "outside"),
    ("restore into the store", ["restore", "v1", "--to", ".jupyter_mv/x"], "version store"),
    ("diff unknown", ["diff", "v1", "nope"], "unknown ref"),
    ("metric without value", ["snapshot", "train.ipynb", "--metric", "acc"], "KEY=VALUE"),
    ("log of a notebook outside", ["log", "../outside/elsewhere.ipynb"], "outside"),
    ("env of an unknown ref", ["env", "nope"], "unknown ref"),
    ("alias history unknown", ["alias", "nope"], "no alias nope"),
]


def check_one_line(code: int, stderr: str, message: str) -> None:
    assert code != 0
    assert message in stderr, stderr
    assert stderr.count("\n") == 1, f"not one line: {stderr!r}"
    assert "Traceback" not in stderr and "unexpected error" not in stderr, stderr


@pytest.mark.parametrize("args, message", [pytest.param(c[1], c[2], id=c[0]) for c in CLI_REFUSED])
def test_hostile_input_to_the_cli_is_one_line_and_changes_nothing(
    hostile: Project, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    before = hostile.state()
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    check_one_line(code, capsys.readouterr().err, message)
    assert hostile.state() == before


@pytest.mark.skipif(not STRESS, reason="the subprocess runs are part of JUPYTER_MV_STRESS=1")
@pytest.mark.stress
@pytest.mark.parametrize("args, message", [pytest.param(c[1], c[2], id=c[0]) for c in CLI_REFUSED])
def test_hostile_input_to_the_cli_process(hostile: Project, args: list[str], message: str) -> None:
    before = hostile.state()
    proc = run_cli(*args, cwd=hostile.root)
    check_one_line(proc.returncode, proc.stderr, message)
    assert hostile.state() == before


# -- odd but legitimate: kept and restored byte for byte ------------------------------------------


def nbformat3() -> bytes:
    return json.dumps(
        {
            "nbformat": 3,
            "nbformat_minor": 0,
            "metadata": {"name": "old"},
            "worksheets": [
                {
                    "metadata": {},
                    "cells": [
                        {
                            "cell_type": "code",
                            "input": "print('v3')",
                            "language": "python",
                            "prompt_number": 1,
                            "metadata": {},
                            "outputs": [{"output_type": "stream", "stream": "stdout", "text": "v3\n"}],
                        },
                        {"cell_type": "heading", "level": 1, "source": "Old", "metadata": {}},
                    ],
                }
            ],
        },
        indent=1,
    ).encode()


def nbformat40() -> bytes:
    nb = {
        "nbformat": 4,
        "nbformat_minor": 0,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "source": "a = 1", "execution_count": 1, "metadata": {}, "outputs": []},
            {"cell_type": "markdown", "source": "# no cell ids", "metadata": {}},
        ],
    }
    return json.dumps(nb, indent=1).encode()


def crlf_notebook() -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 'crlf'   ")])
    return nbformat.writes(nb).replace("\n", "\r\n").encode() + b"   "


NOTEBOOKS: dict[str, Callable[[], bytes]] = {
    "old v3.ipynb": nbformat3,
    "four-oh.ipynb": nbformat40,
    "crlf.ipynb": crlf_notebook,
    "Ünïcödé nötebook ✓.ipynb": nbformat40,
    "new\nline.ipynb": nbformat40,
    "-dash.ipynb": nbformat40,
    "v1.ipynb": nbformat40,
    # a byte-order mark before the JSON: read as UTF-8 all the same, kept byte for byte
    "bom.ipynb": lambda: b"\xef\xbb\xbf" + nbformat40(),
}

NFC, NFD = unicodedata.normalize("NFC", "café.csv"), unicodedata.normalize("NFD", "café.csv")
DATA: dict[str, bytes] = {
    "empty.bin": b"",
    "all bytes.bin": bytes(range(256)) * 1000,
    "zeros.bin": bytes(300_000),
    NFC: b"composed",
    NFD: b"decomposed",
    "tab\tand space .csv": b"x",
    "n" * 200 + ".csv": b"long name",
    "/".join(["deep"] * 40) + "/leaf.txt": b"deep",
    ".jupyter_mv_not_the_store.csv": b"a sibling of the store",
    "--help": b"looks like an option",
    'quote\'s "and" $HOME `x`.txt': b"shell characters",
}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_odd_notebooks_are_kept_and_restored_byte_for_byte(
    store: Store, project: Path, tmp_path: Path, name: str
) -> None:
    nb = project / name
    nb.write_bytes(NOTEBOOKS[name]())
    for data_name, content in DATA.items():
        (project / data_name).parent.mkdir(parents=True, exist_ok=True)
        (project / data_name).write_bytes(content)
    users = user_files(project)
    version = store.snapshot(nb, list(DATA), message=name)
    assert user_files(project) == users, "a snapshot changed the user's files"
    assert version.notebook == name and {f.path for f in version.files} == {name, *DATA}
    # Deleted or changed, every file comes back byte for byte, in place and elsewhere.
    nb.write_bytes(b"{}")
    for data_name in DATA:
        (project / data_name).unlink()
    store.restore(version, to=tmp_path / "copy")
    store.restore(version)
    assert user_files(project) == users
    for data_name, content in DATA.items():
        assert (tmp_path / "copy" / data_name).read_bytes() == content
    check_invariants(store)


def test_a_link_inside_the_root_is_kept_under_its_own_name(store: Store, notebook: Path, project: Path) -> None:
    (project / "real.csv").write_text("real")
    (project / "alias.csv").symlink_to(project / "real.csv")
    version = store.snapshot(notebook, ["alias.csv"])
    assert [f.path for f in version.files if f.role == "tracked"] == ["alias.csv"]
    assert store.read_file(version, "alias.csv") == b"real"


def test_restore_in_place_keeps_a_notebook_that_no_longer_parses(store: Store, notebook: Path, project: Path) -> None:
    """The user broke the notebook (say, a bad merge) and restores v1: the broken file is
    kept in the safety version as it is, and v1 comes back."""
    v1 = store.snapshot(notebook)
    notebook.write_bytes(b'{"cells": [ <<<<<<< HEAD')
    result = store.restore("v1")
    assert notebook.read_bytes() == store.read_file(v1, "train.ipynb")
    assert result.safety is not None
    assert store.read_file(result.safety, "train.ipynb") == b'{"cells": [ <<<<<<< HEAD'


def big_outputs_notebook(path: Path, megabytes: int) -> None:
    """A notebook with ``megabytes`` MB of outputs: images, long streams, an HTML table."""
    nb = nbformat.v4.new_notebook()
    per_cell = megabytes * 1024 * 1024 // 25
    for i in range(25):
        cell = nbformat.v4.new_code_cell(f"plot({i})", execution_count=i + 1)
        image = base64.b64encode(os.urandom(per_cell * 3 // 8)).decode()
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={"image/png": image, "text/plain": f"<Figure {i}>"}),
            nbformat.v4.new_output("stream", name="stdout", text=f"epoch {i} loss 0.{i}\n" * (per_cell // 40)),
            nbformat.v4.new_output(
                "execute_result", data={"text/html": "<tr><td>1</td></tr>" * (per_cell // 80)}, execution_count=i + 1
            ),
        ]
        nb.cells.append(cell)
    path.write_text(nbformat.writes(nb))


def test_a_notebook_with_50_mb_of_outputs_goes_through_every_verb(
    store: Store, project: Path, capsys: pytest.CaptureFixture
) -> None:
    nb = project / "heavy.ipynb"
    big_outputs_notebook(nb, 50)
    assert nb.stat().st_size > 50 * 1024 * 1024
    original = nb.read_bytes()
    v1 = store.snapshot(nb, message="heavy")
    cells = json.loads(original)
    cells["cells"][3]["source"] = "plot('changed')"
    nb.write_text(json.dumps(cells, indent=1))
    assert main(["snapshot", "heavy.ipynb", "--no-env", "-m", "edited"]) == 0
    capsys.readouterr()
    assert main(["diff", "heavy.ipynb@v1", "heavy.ipynb@v2", "--json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["notebook"]["summary"]["modified"] == 1
    assert main(["restore", "heavy.ipynb@v1"]) == 0
    assert nb.read_bytes() == original
    assert store.read_file(v1, "heavy.ipynb") == original
    check_invariants(store)

"""Credentials never reach the store, whatever shape they come in.

A corpus of credential shapes, each carrying its own marker secret: URLs with
``user:password@`` in recorded variables, lists of URLs separated by spaces and tabs,
``--index-url=URL``, pip's ``name @ URL``, an unknown ``*_URL``/``*_URI`` holding a
password (echoed in a recorded variable), ``?access_token=``/``?api_key=`` anywhere in
a query, a presigned S3 URL (``X-Amz-Credential``, ``X-Amz-Signature``,
``X-Amz-Security-Token``), variables named after every documented secret word under a
recorded prefix, installed packages whose ``direct_url.json`` holds a password or a
token, and a git origin with a password and a token parameter. A snapshot is taken
through the CLI, through ``%mv snapshot`` in a real kernel and through the REST API;
then every byte of the store is searched for every marker: every file under
``.jupyter_mv`` (the database, its WAL while open, the packs), every cell of every
table of ``mv.db``, and every chunk decompressed.

Remotes too: a remote URL holding a credential is refused with one line naming what
(never its value), and nothing of it lands in the store.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyter_mv.capture.environment import capture_environment, sanitize_url
from jupyter_mv.store import Store
from jupyter_mv.store.packs import PackReader
from tests.helpers import package_env, run_cli, write_notebook
from tests.kernel.conftest import kernel_env, save_notebook, started_kernel
from tests.server.api import call, ok

#: Every secret word the documentation names (module doc of jupyter_mv.capture.environment,
#: README, docs/store-format.md): a variable whose name holds one is never recorded.
SECRET_WORDS = [
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "PWD",
    "PASS",
    "CREDENTIAL",
    "KEY",
    "AUTH",
    "PRIVATE",
    "SESSION",
    "COOKIE",
    "SIGNATURE",
    "SALT",
]
#: Recorded prefixes the secret words are put behind, so the name alone decides.
RECORDED_PREFIXES = ["CUDA_", "TORCH_", "OMP_", "NCCL_", "JAX_", "MKL_", "LC_", "NUMBA_"]


@dataclass
class Corpus:
    env: dict[str, str]  # the variables to run with
    markers: dict[str, str]  # shape -> the secret it carries


def _marker(shape: str) -> str:
    return f"mvcred{shape.replace('_', '')[:10]}{secrets.token_hex(10)}"


def _dist(site: Path, name: str, version: str, direct_url: dict) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")
    (info / "INSTALLER").write_text("pip\n")
    (info / "direct_url.json").write_text(json.dumps(direct_url))


def make_corpus(folder: Path) -> Corpus:
    shapes = [
        "index_password",
        "extra_space",
        "extra_tab_token",
        "extra_query",
        "option_form",
        "name_at_url",
        "db_url_password",
        "mongo_uri_password",
        "hf_token",
        "query_access_token",
        "query_api_key",
        "amz_credential",
        "amz_signature",
        "amz_security_token",
        "pythonpath_url",
        "archive_password",
        "archive_token",
        "vcs_token",
        "git_password",
        "git_query",
        "fragment_token",
        *(f"named_{word.lower()}" for word in SECRET_WORDS),
    ]
    m = {shape: _marker(shape) for shape in shapes}
    site = folder / "credential-site"
    _dist(
        site,
        "mvcredarchive",
        "1.0",
        {
            "url": f"https://user:{m['archive_password']}@files.example.org/mvcredarchive-1.0.whl"
            f"?download=1&token={m['archive_token']}",
            "archive_info": {"hash": "sha256=" + "0" * 64},
        },
    )
    _dist(
        site,
        "mvcredvcs",
        "2.0",
        {
            "url": f"https://{m['vcs_token']}@github.com/org/mvcredvcs.git",
            "vcs_info": {"vcs": "git", "commit_id": "a" * 40, "requested_revision": "main"},
        },
    )
    source = package_env()["PYTHONPATH"]
    env = {
        "PYTHONPATH": os.pathsep.join([source, str(site), f"https://u:{m['pythonpath_url']}@libs.example.org/py"]),
        "PIP_INDEX_URL": f"https://user:{m['index_password']}@pypi.example.org/simple",
        "PIP_EXTRA_INDEX_URL": f"https://u:{m['extra_space']}@a.example.org/simple "
        f"https://b.example.org/simple?x=1&token={m['extra_query']}"
        f"\thttps://{m['extra_tab_token']}@c.example.org/simple",
        "UV_INDEX_URL": f"--index-url=https://u:{m['option_form']}@d.example.org/simple",
        "UV_EXTRA_INDEX_URL": f"mvpkg @ https://user:{m['name_at_url']}@e.example.org/mvpkg-1.0.whl",
        # unknown *_URL / *_URI with a password: never recorded, and the password is hunted
        "MY_DB_URL": f"postgres://dbuser:{m['db_url_password']}@db.example.org/app",
        "MONGODB_URI": f"mongodb://app:{m['mongo_uri_password']}@mongo.example.org/db",
        "NUMBA_CACHE_DIR": f"/var/cache/{m['db_url_password']}/numba",
        "OMP_PLACES": m["mongo_uri_password"],
        "HF_ENDPOINT": f"https://hf.example.org/?access_token={m['hf_token']}",
        "TORCH_MODEL_ZOO": f"https://zoo.example.org/models?a=1&access_token={m['query_access_token']}&b=2",
        "XLA_FLAGS": f"--xla_dump_to=https://dump.example.org/x?api_key={m['query_api_key']} --xla_gpu",
        "CUDA_MODEL_URL": "https://bucket.s3.amazonaws.com/model.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={m['amz_credential']}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
        f"&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        f"&X-Amz-Security-Token={m['amz_security_token']}&X-Amz-Signature={m['amz_signature']}",
        "JAX_CACHE_URL": f"https://cache.example.org/jax#access_token={m['fragment_token']}&token_type=bearer",
    }
    for i, word in enumerate(SECRET_WORDS):
        env[f"{RECORDED_PREFIXES[i % len(RECORDED_PREFIXES)]}{word}_X"] = m[f"named_{word.lower()}"]
    return Corpus(env, m)


#: What the recorded variables must read: the URLs kept, their credentials gone.
CLEANED = {
    "PIP_INDEX_URL": "https://pypi.example.org/simple",
    "PIP_EXTRA_INDEX_URL": "https://a.example.org/simple https://b.example.org/simple?x=1\thttps://c.example.org/simple",
    "UV_INDEX_URL": "--index-url=https://d.example.org/simple",
    "UV_EXTRA_INDEX_URL": "mvpkg @ https://e.example.org/mvpkg-1.0.whl",
    "NUMBA_CACHE_DIR": "<redacted>",
    "OMP_PLACES": "<redacted>",
    "TORCH_MODEL_ZOO": "https://zoo.example.org/models?a=1&b=2",
    "XLA_FLAGS": "--xla_dump_to=https://dump.example.org/x --xla_gpu",
    "CUDA_MODEL_URL": "https://bucket.s3.amazonaws.com/model.bin",
    "JAX_CACHE_URL": "https://cache.example.org/jax",
}


def git_project(project: Path, origin: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    for args in (["init", "-q"], ["remote", "add", "origin", origin], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


def git_origin(corpus: Corpus) -> str:
    m = corpus.markers
    return f"https://oauth2:{m['git_password']}@gitlab.example.org/o/r.git?private_token={m['git_query']}"


def haystacks(store_dir: Path) -> dict[str, bytes]:
    """Every byte the store holds: each file as is (mv.db, mv.db-wal, packs...), each cell
    of each table of mv.db, each chunk decompressed."""
    out = {str(p.relative_to(store_dir)): p.read_bytes() for p in store_dir.rglob("*") if p.is_file()}
    conn = sqlite3.connect(f"file:{store_dir / 'mv.db'}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, cell in zip(columns, row):
                    data = cell if isinstance(cell, bytes) else str(cell).encode()
                    key = f"<{table}.{column}>"
                    out[key] = out.get(key, b"") + data + b"\0"
        chunks = conn.execute(
            "SELECT c.hash, p.name, c.offset, c.length, c.size, c.codec FROM chunks c JOIN packs p ON p.id = c.pack"
        ).fetchall()
    finally:
        conn.close()
    assert tables and chunks, "an empty store: the search would prove nothing"
    with PackReader(store_dir) as reader:
        out["<chunks>"] = b"".join(reader.read(pack, digest, *rest) for digest, pack, *rest in chunks)
    return out


def assert_no_marker(store_dir: Path, markers: dict[str, str]) -> None:
    found = sorted(
        {
            (shape, where)
            for where, data in haystacks(store_dir).items()
            for shape, marker in markers.items()
            if marker.encode() in data
        }
    )
    assert not found, f"credentials in the store: {found}"


def assert_cleaned(env: dict, git: dict | None) -> None:
    """The capture did see the corpus (so finding nothing means something)."""
    recorded = env["env_vars"]
    for name, value in CLEANED.items():
        assert recorded.get(name) == value, (name, recorded.get(name))
    for word in SECRET_WORDS:
        assert not [n for n in recorded if word in n.upper() and n.endswith("_X")], word
    assert "MY_DB_URL" not in recorded and "MONGODB_URI" not in recorded and "HF_ENDPOINT" not in recorded
    origins = {p["name"]: p["origin"] for p in env["packages"]}
    assert origins["mvcredarchive"]["url"] == "https://files.example.org/mvcredarchive-1.0.whl?download=1"
    assert origins["mvcredvcs"]["url"] == "https://github.com/org/mvcredvcs.git"
    assert git is not None and git["remote"] == "https://gitlab.example.org/o/r.git"


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return make_corpus(tmp_path)


# -- the three faces ----------------------------------------------------------------------------


def test_no_credential_reaches_the_store_through_the_cli(project: Path, corpus: Corpus) -> None:
    write_notebook(project / "train.ipynb", ["x = 1"])
    git_project(project, git_origin(corpus))
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "train.ipynb", "-m", "credentials around", cwd=project, env=corpus.env, check=True)
    shown = run_cli("env", "v1", "--json", cwd=project, check=True).stdout
    assert not [s for s, v in corpus.markers.items() if v in shown], "jupyter mv env prints a credential"
    with Store.open(project) as store:
        version = store.resolve("v1")
        assert_cleaned(store.environment(version), version.git)
    assert_no_marker(project / ".jupyter_mv", corpus.markers)


def test_no_credential_reaches_the_store_through_the_kernel(project: Path, corpus: Corpus, tmp_path: Path) -> None:
    save_notebook(project / "train.ipynb", ["x = 1"])
    git_project(project, git_origin(corpus))
    Store.init(project).close()
    env = kernel_env({"JPY_SESSION_NAME": str(project / "train.ipynb"), **corpus.env}, ipython_dir=tmp_path / "ipython")
    with started_kernel(project, env) as k:
        k.run("%load_ext jupyter_mv")
        out = k.run("%mv snapshot -m 'credentials around'")
        assert out.stdout.startswith("v1 "), out.stderr
    with Store.open(project) as store:
        version = store.log(limit=1)[0]
        assert_cleaned(store.environment(version), version.git)
        assert version.extra["kernel"]["python"]
    assert_no_marker(project / ".jupyter_mv", corpus.markers)


async def test_no_credential_reaches_the_store_through_the_rest_api(
    jp_fetch, jp_root_dir: Path, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server runs in this process; it captures the kernelspec's interpreter in a
    # subprocess that inherits these variables.
    for name, value in corpus.env.items():
        monkeypatch.setenv(name, value)
    write_notebook(jp_root_dir / "train.ipynb", ["x = 1"])
    git_project(jp_root_dir, git_origin(corpus))
    Store.init(jp_root_dir).close()
    result = await ok(jp_fetch, "POST", "snapshot", body={"path": "train.ipynb", "wait": True}, expect=201)
    assert not [s for s, v in corpus.markers.items() if v in json.dumps(result)]
    with Store.open(jp_root_dir) as store:
        version = store.resolve(result["version"]["id"])
        assert_cleaned(store.environment(version), version.git)
        assert_no_marker(store.dir, corpus.markers)  # open: the newest pages are in the WAL
    assert_no_marker(jp_root_dir / ".jupyter_mv", corpus.markers)


# -- the rules, one by one ----------------------------------------------------------------------


@pytest.mark.parametrize("word", SECRET_WORDS)
def test_every_documented_secret_word_is_recognised_in_a_recorded_variable(
    word: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a prefix the capture records, the name alone keeps the variable out."""
    import jupyter_mv.capture.environment as environment

    assert word in (environment.__doc__ or ""), f"{word} is not documented"
    values = {}
    for prefix in RECORDED_PREFIXES:
        name, value = f"{prefix}{word}_X", _marker(word)
        monkeypatch.setenv(name, value)
        values[name] = value
    monkeypatch.setenv("CUDA_MV_PLAIN_SETTING", "recorded")
    captured = capture_environment()
    assert captured["env_vars"]["CUDA_MV_PLAIN_SETTING"] == "recorded"
    assert not set(values) & set(captured["env_vars"])
    dumped = json.dumps(captured)
    assert not [n for n, v in values.items() if v in dumped]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h.example/x?a=1&access_token=SECRETV&b=2", "https://h.example/x?a=1&b=2"),
        ("https://h.example/x?a=1&api_key=SECRETV", "https://h.example/x?a=1"),
        ("https://h.example/x?api_key=SECRETV", "https://h.example/x"),
        ("https://h.example/x?a=1;token=SECRETV", "https://h.example/x?a=1"),
        ("https://h.example/x?v=2&X-Amz-Signature=SECRETV", "https://h.example/x?v=2"),
        ("https://h.example/x?sv=2022&sig=SECRETV&se=2030", "https://h.example/x?sv=2022&se=2030"),
        ("https://h.example/x?access%5Ftoken=SECRETV", "https://h.example/x"),
        ("https://h.example/cb#access_token=SECRETV&state=s", "https://h.example/cb#state=s"),
        ("https://u:SECRETV@a.example/s\thttps://u:SECRETV@b.example/s", "https://a.example/s\thttps://b.example/s"),
        ("https://u:SECRETV@a.example/s,https://u:SECRETV@b.example/s", "https://a.example/s,https://b.example/s"),
        ("--extra-index-url=https://u:SECRETV@h.example/simple", "--extra-index-url=https://h.example/simple"),
        ("pkg @ https://u:SECRETV@h.example/pkg.whl", "pkg @ https://h.example/pkg.whl"),
        ("pkg@git+https://SECRETV@h.example/r.git@v1", "pkg@git+https://h.example/r.git@v1"),
        ("https://u:pa/SECRETV@h.example/x", "https://h.example/x"),
        ("git+https://h.example:8443/org/repo@v1", "git+https://h.example:8443/org/repo@v1"),
        ("http://localhost:8888/lab/tree/x.ipynb", "http://localhost:8888/lab/tree/x.ipynb"),
    ],
)
def test_credentials_anywhere_in_a_url_are_removed(url: str, expected: str) -> None:
    assert sanitize_url(url) == expected
    assert "SECRETV" not in sanitize_url(url)
    assert sanitize_url(expected) == expected


def test_an_unknown_url_variable_with_a_password_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_mv.capture.environment import find_credentials

    password = _marker("dbpw")
    monkeypatch.setenv("MV_TEST_DATABASE_URL", f"postgresql://app:{password}@db.example.org/app")
    monkeypatch.setenv("MV_TEST_SERVICE_URL", "https://service.example.org/api")  # no password: not secret
    monkeypatch.setenv("TORCH_HOME", f"/models/{password}")
    captured = capture_environment()
    assert captured["env_vars"]["TORCH_HOME"] == "<redacted>"
    assert password not in json.dumps(captured)
    assert find_credentials(f"postgresql://app:{password}@db/app") == [("userinfo", "app", password)]


# -- remotes ------------------------------------------------------------------------------------


def remote_urls() -> list[tuple[str, str, str]]:
    """``(url, its secret, what the refusal must name)``."""
    out = []
    for template, named in [
        ("s3://bucket/p?token={}", "token"),
        ("s3://bucket/p?X-Amz-Signature={}", "X-Amz-Signature"),
        ("s3://bucket/p?region=eu&access_token={}", "access_token"),
        ("sftp://u:{}@host/p", "password"),
        ("s3://{}@bucket/p", "key"),
        ("file:///tmp/mv-remote?api_key={}", "api_key"),
    ]:
        secret = _marker("remote")
        out.append((template.format(secret), secret, named))
    return out


REMOTE_URLS = remote_urls()


@pytest.mark.parametrize(("url", "secret", "named"), REMOTE_URLS, ids=[n for _, _, n in REMOTE_URLS])
def test_the_cli_refuses_a_remote_url_with_a_credential(project: Path, url: str, secret: str, named: str) -> None:
    notebook = write_notebook(project / "train.ipynb", ["x = 1"])
    with Store.init(project) as store:
        store.snapshot(notebook)
    proc = run_cli("remote", "add", "team", url, cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert named in proc.stderr and secret not in proc.stderr + proc.stdout, proc.stderr
    with Store.open(project) as store:
        assert store.remotes.list() == []
    assert_no_marker(project / ".jupyter_mv", {"remote": secret})


@pytest.mark.parametrize(("url", "secret", "named"), REMOTE_URLS, ids=[n for _, _, n in REMOTE_URLS])
async def test_the_rest_api_refuses_a_remote_url_with_a_credential(
    jp_fetch, jp_root_dir: Path, url: str, secret: str, named: str
) -> None:
    notebook = write_notebook(jp_root_dir / "train.ipynb", ["x = 1"])
    with Store.init(jp_root_dir) as store:
        store.snapshot(notebook)
    status, body = await call(jp_fetch, "POST", "remotes", body={"path": "train.ipynb", "name": "team", "url": url})
    assert status == 400 and body["error"] == "invalid_input", body
    assert named in body["message"] and secret not in json.dumps(body)
    with Store.open(jp_root_dir) as store:
        assert store.remotes.list() == []
    assert_no_marker(jp_root_dir / ".jupyter_mv", {"remote": secret})


def test_a_remote_url_without_credentials_is_kept() -> None:
    from jupyter_mv.remote.backend import normalize_url

    assert normalize_url("s3://bucket/prefix?region=eu-west-1") == "s3://bucket/prefix?region=eu-west-1"
    assert normalize_url("sftp://me@host/versions") == "sftp://me@host/versions"


def test_captured_fields_handed_to_the_store_are_cleaned(project: Path) -> None:
    """Whatever face hands the store a git state, a kernel record or an environment (the
    server passes the kernel's answer on as is), every URL in it loses its credentials."""
    m = {shape: _marker(shape) for shape in ("git", "extra", "extra_key", "env", "env_query")}
    notebook = write_notebook(project / "train.ipynb", ["x = 1"])
    git = {
        "root": str(project),
        "commit": None,
        "branch": "main",
        "dirty": False,
        "dirty_files": [],
        "dirty_count": 0,
        "remote": f"https://bot:{m['git']}@git.example.org/o/r.git",
    }
    extra = {
        "kernel": {
            "note": f"from pkg @ https://u:{m['extra']}@h.example/p.whl",
            f"https://{m['extra_key']}@h.example/": 1,
        }
    }
    environment = {
        "schema": 1,
        "env_vars": {"PIP_INDEX_URL": f"https://u:{m['env']}@h.example/simple"},
        "packages": [
            {"name": "x", "origin": {"kind": "archive", "url": f"https://h.example/x.whl?sig={m['env_query']}"}}
        ],
    }
    with Store.init(project) as store:
        version = store.snapshot(notebook, git=git, extra=extra, environment=environment)
        assert version.git["remote"] == "https://git.example.org/o/r.git"
        assert version.extra["kernel"]["note"] == "from pkg @ https://h.example/p.whl"
        assert store.environment(version)["env_vars"]["PIP_INDEX_URL"] == "https://h.example/simple"
        assert_no_marker(store.dir, m)
    assert_no_marker(project / ".jupyter_mv", m)

"""What a kernel snapshot holds: the files cells read and wrote, the environment and
imports, and nothing secret. Real kernels, real files, the real store."""

from __future__ import annotations

import ast
import os
import sys
from importlib import metadata
from pathlib import Path

import blake3
import numpy as np

from jupyter_mv.kernel.imports import KERNEL_MODULES
from jupyter_mv.store import Store

from .conftest import Kernel, latest, save_notebook

CELLS = [
    "import pandas as pd\ndf = pd.read_csv('data/train.csv')",
    "with open('data/labels.txt') as f:\n    labels = f.read().split()",
    "import numpy as np\nX = np.load('data/features.npy')",
    "import pickle\nwith open('model.pkl', 'wb') as f:\n    pickle.dump({'w': float(X.sum()), 'n': len(df)}, f)",
    "open('/etc/hostname').close() if __import__('os').path.exists('/etc/hostname') else None\n"
    "import sklearn  # read from site-packages, never data",
]


def top_level_modules(kernel: Kernel) -> set[str]:
    """The top-level names in the kernel's ``sys.modules`` now."""
    out = kernel.run("print(sorted({m.partition('.')[0] for m in __import__('sys').modules}))").stdout
    return set(ast.literal_eval(out.strip()))


def b3(path: Path) -> str:
    return blake3.blake3(path.read_bytes()).hexdigest()


def make_data(project: Path) -> None:
    (project / "data").mkdir()
    (project / "data" / "train.csv").write_text("x,y\n1,0\n2,1\n3,1\n")
    (project / "data" / "labels.txt").write_text("a b c\n")
    np.save(project / "data" / "features.npy", np.arange(12.0).reshape(3, 4))
    (project / "data" / "unused.csv").write_text("never,read\n")


def test_snapshot_records_the_files_cells_read_and_wrote_with_hashes(kernel: Kernel, mv_project: Path) -> None:
    make_data(mv_project)
    for code in CELLS:
        kernel.run(code)
    save_notebook(mv_project / "train.ipynb", CELLS)
    out = kernel.run("%mv snapshot -m 'first run'")
    assert out.stdout.startswith("v1 ") and "3 inputs, 1 output" in out.stdout, out.stderr

    version = latest(mv_project)
    roles = {f.path: f.role for f in version.files}
    assert roles == {
        "train.ipynb": "notebook",
        "data/train.csv": "input",
        "data/labels.txt": "input",
        "data/features.npy": "input",
        "model.pkl": "output",
    }
    for f in version.files:
        assert f.hash == b3(mv_project / f.path) and f.stored
    files = version.extra["kernel"]["files"]
    assert files["data/train.csv"]["read"] == [2]  # the first cell after %load_ext ran as In[2]
    assert files["data/labels.txt"]["read"] == [3]
    assert files["data/features.npy"]["read"] == [4]
    assert files["model.pkl"]["written"] == [5]
    with Store.open(mv_project) as store:
        assert store.read_file(version, "model.pkl") == (mv_project / "model.pkl").read_bytes()


def test_the_environment_and_the_imported_modules_are_recorded(kernel: Kernel, mv_project: Path) -> None:
    before = top_level_modules(kernel)
    kernel.run("import pandas, sklearn.linear_model")
    loaded = top_level_modules(kernel) - before  # what the cell really imported, whatever is installed
    save_notebook(mv_project / "train.ipynb", ["import pandas, sklearn.linear_model"])
    kernel.run("%mv snapshot")
    version = latest(mv_project)
    imports = version.extra["kernel"]["imports"]
    import pandas
    import sklearn

    assert imports["pandas"] == {"distribution": "pandas", "version": pandas.__version__}
    assert imports["sklearn"] == {"distribution": "scikit-learn", "version": sklearn.__version__}
    # Only modules the cell imported: none the kernel or jupyter-mv had loaded before it...
    assert set(imports) <= loaded, set(imports) - loaded
    # ...and every installed package it brought in, except the kernel's own machinery.
    dists = metadata.packages_distributions()
    brought = {m for m in loaded if not m.startswith("_") and m not in sys.stdlib_module_names and dists.get(m)}
    assert brought - KERNEL_MODULES <= set(imports), brought - KERNEL_MODULES - set(imports)
    for module, entry in imports.items():
        assert entry == {"distribution": dists[module][0], "version": metadata.version(dists[module][0])}, module
    with Store.open(mv_project) as store:
        env = store.environment(version)
    assert env is not None and any(p["name"].lower() == "pandas" for p in env["packages"])


def test_a_secret_environment_variable_never_reaches_the_store(mv_project: Path, tmp_path: Path) -> None:
    from .conftest import kernel_env, started_kernel

    secret_at_start = "s3cr3t-start-value-7f1d2c9a"
    secret_in_cell = "hunter2-set-in-a-cell-5e8b"
    env = kernel_env(
        {
            "JPY_SESSION_NAME": str(mv_project / "train.ipynb"),
            "MY_SERVICE_TOKEN": secret_at_start,
            "PATH": os.environ["PATH"],
        },
        ipython_dir=tmp_path / "ipython",
    )
    code = f"import os\nos.environ['DB_PASSWORD'] = {secret_in_cell!r}\nprint(len(os.environ['MY_SERVICE_TOKEN']))"
    with started_kernel(mv_project, env) as k:
        k.run("%load_ext jupyter_mv")
        assert k.run(code).stdout.strip() == str(len(secret_at_start))
        save_notebook(mv_project / "train.ipynb", ["x = 1"])
        k.run("%mv metric acc=0.5")
        k.run("%mv snapshot -m secrets")
    raw = b"".join(p.read_bytes() for p in (mv_project / ".jupyter_mv").rglob("*") if p.is_file())
    with Store.open(mv_project) as store:
        version = store.log(limit=1)[0]
        env_data = store.environment(version)
        stored = b"".join(store.read_file(version, f.path) for f in version.files)
    assert env_data is not None and env_data["env_vars"]  # the environment was captured...
    for secret in (secret_at_start, secret_in_cell):  # ...without the secrets, anywhere
        assert secret.encode() not in raw and secret.encode() not in stored
        assert secret not in str(env_data) and secret not in str(version.to_dict())


def test_ignore_file_untrack_track_and_the_size_limit(kernel: Kernel, mv_project: Path) -> None:
    (mv_project / ".mvignore").write_text("*.log\n")
    (mv_project / "run.log").write_text("noise\n")
    (mv_project / "private.csv").write_text("a\n1\n")
    (mv_project / "big.bin").write_bytes(os.urandom(4096))
    (mv_project / "refs").mkdir()
    (mv_project / "refs" / "a.txt").write_text("a")
    (mv_project / "refs" / "b.txt").write_text("b")
    cell = "for name in ('run.log', 'private.csv', 'big.bin'):\n    open(name, 'rb').read()"
    kernel.run(cell)
    kernel.run("%mv untrack private.csv")
    kernel.run("%mv track refs")
    settings = kernel.run("%mv config max_file_size=1KB").stdout.strip()
    assert settings == "max_file_size=1.0 KB capture=on save_timeout=10"
    kernel.run("%mv config capture=off")
    (mv_project / "unseen.csv").write_text("x\n")
    kernel.run("open('unseen.csv').read()")
    kernel.run("%mv config capture=on")
    save_notebook(mv_project / "train.ipynb", [cell])
    out = kernel.run("%mv snapshot")
    assert "big.bin is 4.0 KB, over the 1.0 KB limit: recorded by hash only" in out.stderr
    version = latest(mv_project)
    by_path = {f.path: f for f in version.files}
    assert set(by_path) == {"train.ipynb", "big.bin", "refs/a.txt", "refs/b.txt"}  # nor unseen.csv
    assert not by_path["big.bin"].stored and by_path["big.bin"].hash == b3(mv_project / "big.bin")
    assert by_path["refs/a.txt"].role == "tracked"
    assert version.extra["kernel"]["tracked"] == ["refs"]
    assert version.extra["kernel"]["untracked"] == ["private.csv"]


def test_path_literals_in_code_cells_are_inputs(kernel: Kernel, mv_project: Path) -> None:
    (mv_project / "lookup.parquet").write_bytes(b"PAR1 not opened by Python")
    cell = "path = 'lookup.parquet'  # read by a native library, which no audit hook sees"
    kernel.run(cell)
    save_notebook(mv_project / "train.ipynb", [cell])
    kernel.run("%mv snapshot")
    version = latest(mv_project)
    assert version.file("lookup.parquet").role == "input"
    assert version.extra["kernel"]["files"]["lookup.parquet"] == {"named": [2]}


def test_a_notebook_saved_before_the_last_cell_ran_gets_a_warning(kernel: Kernel, mv_project: Path) -> None:
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    quiet = kernel.run("%mv snapshot")
    assert "older than the last cell run" not in quiet.stderr
    os.utime(mv_project / "train.ipynb", (1_600_000_000, 1_600_000_000))
    kernel.run("x = 1")
    warned = kernel.run("%mv snapshot")
    assert "train.ipynb on disk is older than the last cell run" in warned.stderr
    assert warned.stdout.startswith("v2 ")

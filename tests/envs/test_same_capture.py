"""The kernel agent captures what the installed kernel side captures: the same cells, in a
kernel with jupyter-mv loaded and in a kernel of another environment with the agent
injected, give the same files with the same roles and cells."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_mv.server.agent import injection_code
from jupyter_mv.store import Store

from ..helpers import write_notebook
from ..kernel.conftest import kernel_env, started_kernel
from ..venvs import cached_venv, clean_env
from .conftest import venv_kernel

CELLS = [
    "import pandas as pd\ndf = pd.read_csv('data/train.csv')",  # read by pandas (Python's open)
    "with open('notes.txt') as f:\n    notes = f.read()",
    "import pickle\nwith open('model.pkl', 'wb') as f:\n    pickle.dump(len(df), f)",
    "path = 'data/other.csv'  # named, never opened",
    "%mv metric rows=len(df)",
]


def _project(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "train.csv").write_text("a,b\n1,2\n")
    (root / "data" / "other.csv").write_text("a\n3\n")
    (root / "notes.txt").write_text("n")
    return write_notebook(root / "train.ipynb", CELLS)


def _capture(kernel, probe: str) -> dict:
    for cell in CELLS:
        kernel.run(cell)
    report = json.loads(kernel.run(probe).stdout)
    kernel_record = report["kernel"]
    return {
        "plan": report["plan"],
        "metrics": report["metrics"],
        "files": kernel_record["files"],
        "runs": kernel_record["execution"]["runs_total"],
        "pandas": "pandas" in kernel_record["imports"],
    }


def test_the_agent_captures_what_the_installed_kernel_side_captures(tmp_path: Path) -> None:
    installed_root, agent_root = tmp_path / "installed", tmp_path / "agent"
    nb = _project(installed_root)
    Store.init(installed_root).close()
    env = kernel_env({"JPY_SESSION_NAME": str(nb)}, ipython_dir=tmp_path / "ipython", autoload=True)
    with started_kernel(installed_root, env) as k:  # loaded as the kernel starts: no cell of its own
        installed = _capture(k, f"from jupyter_mv.kernel import capture_report\nprint(capture_report({str(nb)!r}))")

    nb = _project(agent_root)
    python = cached_venv("agent-kernel", ["ipykernel", "pandas"])
    env = clean_env(IPYTHONDIR=str(tmp_path / "ipy2"), JPY_SESSION_NAME=str(nb))
    with venv_kernel(python, agent_root, env, tmp_path / "specs") as k:
        code, expression = injection_code({"root": str(agent_root)})
        k.kc.execute_interactive(code, silent=True, user_expressions={"mv": expression}, timeout=120)
        probe = f"import sys\nprint(sys.modules['_jupyter_mv_agent.kernel.agent'].capture_report({str(nb)!r}))"
        agent = _capture(k, probe)

    assert installed["plan"]["inputs"] == ["data/other.csv", "data/train.csv", "notes.txt"]
    assert installed["plan"]["outputs"] == ["model.pkl"]
    assert agent == installed

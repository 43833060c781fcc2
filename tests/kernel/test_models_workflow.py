"""Models and metrics as one workflow in a real kernel: log, snapshot, save, alias,
list, compare and load, with the command line seeing what the kernel stored."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_mv.store import Store, registry

from ..helpers import run_cli
from .conftest import Kernel, latest, save_notebook

TRAIN = (
    "from sklearn.linear_model import LogisticRegression\n"
    "X = [[0, 0], [1, 1], [0, 1], [1, 0], [2, 2], [2, 0]] * 5\ny = [0, 1, 1, 0, 1, 0] * 5\n"
    "C = {c}\nclf = LogisticRegression(C=C).fit(X, y)\n"
    "acc = float(clf.score(X, y))\nscores = {{'f1': {f1}}}\nf1 = scores['f1']"
)


def test_train_log_snapshot_retrain_save_alias_list_diff_and_load(kernel: Kernel, mv_project: Path) -> None:
    nb = mv_project / "train.ipynb"
    first = TRAIN.format(c=1.0, f1=0.81)
    kernel.run(first)
    save_notebook(nb, [first])
    logged = kernel.run("%mv metric acc=acc f1=f1")
    assert logged.stderr == "" and "f1=0.81" in logged.stdout
    kernel.run("%mv param C=C")
    kernel.run("%mv snapshot -m first")
    saved = kernel.run("%mv save clf --name churn")
    assert saved.stdout.startswith("saved churn:1") and "from train.ipynb@v1" in saved.stdout

    second = TRAIN.format(c=0.05, f1=0.9)
    kernel.run(second)
    kernel.run('%mv metric f1=scores["f1"]')
    kernel.run("%mv param C=C")
    waiting = kernel.run("%mv save clf --name churn")
    assert "linked to the next snapshot" in waiting.stdout
    save_notebook(nb, [second])
    kernel.run("%mv snapshot -m second")

    with Store.open(mv_project) as store:
        v1, v2 = store.resolve("v1"), store.resolve("v2")
        assert v1.metrics["f1"] == 0.81 and "acc" in v1.metrics
        assert v2.metrics == {"f1": 0.9}  # only what was logged after v1
        assert v2.params == {"C": 0.05}
        assert registry.get_model(store, "churn:2").version == v2.id

    moved = run_cli("alias", "production", "churn:2", cwd=mv_project, check=True)
    assert moved.stdout.strip() == "churn@production -> churn:2"
    listing = json.loads(run_cli("models", "churn", "--json", cwd=mv_project, check=True).stdout)
    by_number = {v["number"]: v for v in listing["versions"]}
    assert listing["aliases"] == {"production": 2} and by_number[2]["aliases"] == ["production"]
    assert by_number[1]["metrics"]["f1"] == 0.81 and by_number[2]["metrics"] == {"f1": 0.9}
    assert by_number[1]["made_by"] == "train.ipynb@v1" and by_number[2]["made_by"] == "train.ipynb@v2"

    diff = json.loads(run_cli("diff", "churn:1", "churn:2", "--json", cwd=mv_project, check=True).stdout)
    assert diff["format"] == "jupyter-mv-model-diff"
    assert diff["changed"]["params"] == ["C"] and "f1" in diff["changed"]["metrics"]
    f1 = next(e for e in diff["metrics"]["entries"] if e["key"] == "f1")
    assert f1["a"] == 0.81 and f1["b"] == 0.9 and round(f1["delta"], 6) == 0.09
    assert diff["versions"]["a"]["label"].startswith("v1") and diff["versions"]["notebook"]["status"] == "modified"
    text = run_cli("diff", "churn:1", "churn:2", cwd=mv_project, check=True).stdout
    assert text.startswith("models churn:1 → churn:2") and "param C" in text and "diff v1 · " in text

    back = kernel.run("m = %mv load churn@production\nprint(m.C)")
    assert back.stdout == "0.05\n" and "loaded churn:2" in back.stderr
    shown = run_cli("show", "churn@production", cwd=mv_project, check=True).stdout
    assert shown.startswith("churn:2") and "train.ipynb@v2" in shown


def test_bad_metric_values_give_one_line_each_and_keep_nothing(kernel: Kernel, mv_project: Path) -> None:
    kernel.run("name = 'rf'\nimport numpy as np\nn = np.float32(0.5)")
    bad = kernel.run("%mv metric a=name b=undefined_thing c={auc:.4f} d=n")
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("%mv metric: error: metric ") for line in lines)
    assert "metric a must be a number, not str 'rf'" in lines[0]
    assert lines[1].startswith("%mv metric: error: metric b: cannot evaluate undefined_thing (NameError")
    assert "metric c: cannot evaluate" in lines[2]
    assert "Traceback" not in bad.stderr
    assert kernel.run("%mv metric").stdout.strip() == "metrics for the next version: none yet"
    assert kernel.run("%mv metric d=n").stdout.strip() == "metrics for the next version: d=0.5"
    hint = kernel.run("%mv param model=rf").stderr
    assert hint.strip().endswith('quote text: model="rf"') and len(hint.strip().splitlines()) == 1
    ok = kernel.run("%mv param model=name layers=[64, 32] opts={'lr': 0.1}").stdout
    assert ok.strip() == "params for the next version: model=rf, layers=[64, 32], opts={'lr': 0.1}"


def test_metrics_with_steps_keep_the_curve_and_belong_to_the_next_version(kernel: Kernel, mv_project: Path) -> None:
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    kernel.run("import jupyter_mv as mv\nfor step in range(3):\n    mv.log_metric('loss', 1.0 / (step + 1), step=step)")
    kernel.run("%mv metric loss=0.2 --step 3")
    kernel.run("%mv snapshot -m curve")
    version = latest(mv_project)
    assert version.metrics == {"loss": 0.2}
    assert version.extra["kernel"]["steps"] == {"loss": [[0, 1.0], [1, 0.5], [2, 1.0 / 3], [3, 0.2]]}
    kernel.run("%mv snapshot -m again")
    again = latest(mv_project)
    assert again.metrics == {} and again.extra["kernel"]["steps"] == {}


def test_a_save_with_snapshot_makes_the_version_now_and_old_forms_still_work(kernel: Kernel, mv_project: Path) -> None:
    kernel.run("model = {'weights': [1, 2, 3]}")
    save_notebook(mv_project / "train.ipynb", ["model = {'weights': [1, 2, 3]}"])
    now = kernel.run("%mv save model --name tiny --snapshot")
    assert now.stdout.startswith("saved tiny:1 (") and "from train.ipynb@v1" in now.stdout
    old = kernel.run("%mv models tiny:1 --alias staging")
    assert old.stdout.strip() == "tiny@staging -> tiny:1"
    assert kernel.run("%mv alias staging").stdout.strip().startswith("-> tiny:1  set ")
    assert kernel.run("%mv restore tiny@staging --to back").stdout.startswith("restored 1 file from train.ipynb@v1")

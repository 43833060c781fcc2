"""``%mv`` in a real kernel: its verbs, one-line errors, help, the execution record,
metrics, and the model registry round trip."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_mv.store import Store, registry

from .conftest import Kernel, kernel_env, latest, save_notebook, started_kernel

BAD_LINES = [
    ("%mv frobnicate", "%mv frobnicate: error: argument VERB: invalid choice: 'frobnicate'"),
    ("%mv snapshot --bogus", "%mv snapshot: error: unrecognized arguments: --bogus"),
    ("%mv metric acc", "%mv metric: error: expected METRIC=EXPRESSION (e.g. acc=acc), got 'acc'"),
    ("%mv tag v1", "%mv tag: error: the following arguments are required: name"),
    ("%mv load nope@prod", "%mv load: error: no model named nope"),
    ("%mv show v9", "%mv show: error: no version v9"),
    ("%mv config max_file_size=lots", "%mv config: error: cannot read size 'lots'"),
    ("%mv save missing_name --name churn", "%mv save: error: cannot find missing_name in the notebook"),
    ("%mv snapshot -m 'unclosed", "%mv: error: cannot read the arguments: No closing quotation"),
]


def test_bad_arguments_print_one_line_no_traceback_and_fail_the_cell(kernel: Kernel) -> None:
    for line, message in BAD_LINES:
        run = kernel.run(line + "\nprint('went on')")
        assert run.status == "error"  # the cell failed (nbclient, nbconvert and papermill stop)
        assert run.stdout == ""  # and stopped at the failing line
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
        assert run.stderr.startswith(message), run.stderr


def test_help_and_the_question_mark_show_every_verb(kernel: Kernel) -> None:
    verbs = (
        "snapshot",
        "log",
        "show",
        "tag",
        "alias",
        "diff",
        "restore",
        "save",
        "load",
        "metric",
        "param",
        "track",
        "untrack",
        "report",
        "reproduce",
        "panel",
        "help",
    )
    text = kernel.run("%mv help").stdout
    paged = "".join(p["data"]["text/plain"] for p in kernel.run("%mv?").payload)
    for verb in verbs:
        assert f"  {verb}" in text and f"  {verb}" in paged


def test_metrics_and_params_show_in_the_log_and_the_version(kernel: Kernel, mv_project: Path) -> None:
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    kernel.run("%mv metric acc=0.93 loss=0.21")
    kernel.run("import jupyter_mv as mv\nmv.log_metric('f1', 0.88)\nmv.log_param('trees', 300)")
    kernel.run("%mv param depth=7")
    kernel.run("%mv snapshot -m tuned")
    log = kernel.run("%mv log").stdout
    assert log.split()[0] == "v1" and "tuned" in log and "acc=0.93" in log and "f1=0.88" in log
    version = latest(mv_project)
    assert version.metrics == {"acc": 0.93, "loss": 0.21, "f1": 0.88}
    assert version.params == {"trees": 300, "depth": 7}


def test_cells_run_out_of_order_set_the_flag(kernel: Kernel, mv_project: Path) -> None:
    cells = ["a = 1", "b = a + 1"]
    save_notebook(mv_project / "train.ipynb", cells)
    kernel.run(cells[1], check=False)  # cell 2 first: a is not defined yet
    kernel.run(cells[0])
    save_notebook(mv_project / "train.ipynb", cells)
    out = kernel.run("%mv snapshot -m 'two then one'")
    assert "the cells ran out of order" in out.stderr
    record = latest(mv_project).extra["kernel"]["execution"]
    assert record["out_of_order"] is True and record["order"] == [2, 1]
    assert [r["cell"] for r in record["runs"] if not r["mv"]] == [2, 1]

    kernel.run(cells[1])  # now cell 2 after cell 1: top to bottom
    save_notebook(mv_project / "train.ipynb", cells)
    kernel.run("%mv snapshot -m 'in order'")
    record = latest(mv_project).extra["kernel"]["execution"]
    assert record["out_of_order"] is False and record["order"] == [1, 2]


def test_a_cell_edited_after_it_ran_is_flagged_by_its_id(kernel: Kernel, mv_project: Path) -> None:
    kernel.run("alpha = 0.1", cell_id="cell-a")
    kernel.run("beta = alpha * 2", cell_id="cell-b")
    save_notebook(mv_project / "train.ipynb", [("cell-a", "alpha = 0.5"), ("cell-b", "beta = alpha * 2")])
    kernel.run("%mv snapshot")
    record = latest(mv_project).extra["kernel"]["execution"]
    assert record["edited_after_run_ids"] == ["cell-a"] and record["edited_after_run"] == [1]
    assert record["out_of_order"] is False


def test_tag_alias_diff_and_restore_act_on_this_notebook(kernel: Kernel, mv_project: Path) -> None:
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    kernel.run("%mv snapshot -m one")
    save_notebook(mv_project / "train.ipynb", ["x = 2"])
    kernel.run("%mv snapshot -m two")
    assert kernel.run("%mv tag v1 baseline").stdout.startswith("tagged train.ipynb@v1")
    assert kernel.run("%mv alias production v2").stdout.startswith("production -> train.ipynb@v2")
    diff = kernel.run("%mv diff baseline v2")
    html = diff.results[0]["data"]["text/html"]
    assert "x = 1" in html and "x = 2" in html
    restored = kernel.run("%mv restore baseline --to old")
    assert "restored 1 file from train.ipynb@v1 into old" in restored.stdout
    assert '"x = 1"' in (mv_project / "old" / "train.ipynb").read_text()
    assert "old/train.ipynb" not in latest(mv_project).extra["kernel"]["files"]


def test_the_notebook_comes_from_the_server_or_from_the_user(mv_project: Path, tmp_path: Path) -> None:
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    with started_kernel(mv_project, kernel_env(ipython_dir=tmp_path / "ipython")) as k:
        k.run("%load_ext jupyter_mv")
        unknown = k.run("%mv snapshot")
        assert unknown.stderr == (
            "%mv snapshot: error: this kernel does not know its notebook; tell it with `%mv notebook PATH`\n"
        )
        assert k.run("%mv notebook train.ipynb").stdout == f"notebook: {mv_project / 'train.ipynb'}\n"
        assert k.run("%mv snapshot").stdout.startswith("v1 ")


def test_report_shows_the_provenance_of_a_version_or_a_model(kernel: Kernel, mv_project: Path) -> None:
    (mv_project / "data.csv").write_text("a\n1\n")
    kernel.run("rows = open('data.csv').read()")
    save_notebook(mv_project / "train.ipynb", ["rows = open('data.csv').read()"])
    kernel.run("%mv metric acc=0.7")
    kernel.run("%mv snapshot -m first")
    kernel.run("%mv save rows --name churn --alias production")
    shown = kernel.run("%mv report").results[0]["data"]
    assert shown["text/plain"].startswith("# Provenance of notebook version train.ipynb@v1")
    assert "data.csv" in shown["text/html"] and "churn:1" in shown["text/html"]
    model = json.loads(kernel.run("%mv report churn@production -f json").stdout)
    assert model["subject"]["kind"] == "model" and model["subject"]["label"] == "churn:1"
    assert model["metrics"] == {"acc": 0.7}
    assert kernel.run("%mv report v1 -o report.md").stdout.startswith("wrote report.md (markdown")
    assert (mv_project / "report.md").read_text().startswith("# Provenance of notebook version")


def test_save_and_load_round_trip_a_scikit_learn_model_with_an_alias(kernel: Kernel, mv_project: Path) -> None:
    train = (
        "from sklearn.ensemble import RandomForestClassifier\n"
        "X = [[0, 0], [1, 1], [0, 1], [1, 0]] * 5\ny = [0, 1, 1, 0] * 5\n"
        "clf = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)"
    )
    kernel.run(train)
    save_notebook(mv_project / "train.ipynb", [train])
    kernel.run("%mv metric acc=1.0")
    saved = kernel.run("%mv save clf --name churn --alias production --snapshot")
    assert saved.stdout.startswith("saved churn:1 (joblib,") and "from train.ipynb@v1" in saved.stdout
    assert saved.stdout.rstrip().endswith("@production")
    kernel.run("%mv save clf --name churn --no-snapshot")
    check = kernel.run(
        "back = %mv load churn@production\nprint(type(back).__name__, (back.predict(X) == clf.predict(X)).all())"
    )
    assert check.stdout == "RandomForestClassifier True\n" and "loaded churn:1 (joblib)" in check.stderr
    assert kernel.run("import jupyter_mv as mv\nprint(mv.model('churn').label)").stdout == "churn:2\n"
    listing = kernel.run("%mv models churn").stdout
    assert listing.startswith("churn:2") and "@production" in listing.splitlines()[1]
    with Store.open(mv_project) as store:
        first = registry.get_model(store, "churn@production")
        assert first.number == 1 and first.metrics == {"acc": 1.0} and first.flavor == "joblib"
        assert store.get(first.version).label == "train.ipynb@v1"
        assert registry.get_model(store, "churn:2").version is None

"""The model registry core on real stores: numbered versions, aliases, flavors, refs."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import blake3
import pytest

from jupyter_mv.errors import InvalidInput, NotFound
from jupyter_mv.store import Store, registry, schema
from tests.helpers import package_env


def test_saving_numbers_versions_per_name_and_keeps_the_bytes(store: Store, project: Path) -> None:
    artifact = project / "weights.bin"
    artifact.write_bytes(b"\x00weights" * 1000)
    first = registry.save_model(store, "churn", artifact, flavor="pickle", metrics={"auc": 0.91})
    second = registry.save_model(store, "churn", artifact, flavor="pickle")
    other = registry.save_model(store, "fraud", artifact, flavor="pickle")
    assert (first.label, second.label, other.label) == ("churn:1", "churn:2", "fraud:1")
    assert first.hash == blake3.blake3(artifact.read_bytes()).hexdigest()
    assert first.metrics == {"auc": 0.91} and first.author == "tester"
    out = project / "back.bin"
    registry.export_model(store, "churn:1", out)
    assert out.read_bytes() == artifact.read_bytes()


def test_refs_name_the_latest_a_number_or_an_alias(store: Store, project: Path) -> None:
    for value in (1, 2, 3):
        registry.save_object(store, "churn", {"version": value})
    registry.set_model_alias(store, "churn:2", "production")
    assert registry.load_object(store, "churn")[0] == {"version": 3}
    assert registry.load_object(store, "churn:v1")[0] == {"version": 1}
    assert registry.load_object(store, "churn@production")[0] == {"version": 2}
    assert registry.get_model(store, "churn@latest").number == 3
    assert registry.get_model(store, "churn:2").aliases == ("production",)


def test_aliases_move_and_keep_their_history(store: Store) -> None:
    for value in (1, 2):
        registry.save_object(store, "churn", value, alias="production")
    registry.set_model_alias(store, "churn:1", "production")
    history = registry.model_alias_history(store, "churn", "production")
    assert [(h["number"], h["previous"]) for h in history] == [(1, 2), (2, 1), (1, None)]
    assert registry.get_model(store, "churn@production").number == 1


@pytest.mark.parametrize(
    ("ref", "error", "message"),
    [
        ("", InvalidInput, "a model is required"),
        ("churn:x", InvalidInput, "cannot read model"),
        ("churn@v3", InvalidInput, "would read as a version number"),
        ("nope", NotFound, "no model named nope"),
        ("churn:9", NotFound, "model churn has no version 9"),
        ("churn@staging", NotFound, "model churn has no alias staging"),
    ],
)
def test_bad_refs_get_a_clear_error(store: Store, ref: str, error: type, message: str) -> None:
    registry.save_object(store, "churn", 1)
    with pytest.raises(error, match=message):
        registry.get_model(store, ref)


def test_scikit_learn_estimators_are_saved_with_joblib_and_load_back(store: Store) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    clf = LogisticRegression().fit(X, y)
    saved = registry.save_object(store, "clf", clf)
    assert saved.flavor == "joblib"
    assert saved.extra["class"].endswith("LogisticRegression") and "sklearn" in saved.extra["library"]
    loaded, model = registry.load_object(store, "clf")
    assert list(loaded.predict(X)) == list(clf.predict(X)) and model.label == "clf:1"
    assert registry.detect_flavor({"plain": "dict"}) == "pickle"


def test_a_framework_with_its_own_format_is_saved_in_it(store: Store) -> None:
    lightgbm = pytest.importorskip("lightgbm")
    import numpy as np

    X = np.random.default_rng(0).random((60, 3))
    y = (X[:, 0] > 0.5).astype(int)
    booster = lightgbm.train({"objective": "binary", "verbose": -1}, lightgbm.Dataset(X, y), num_boost_round=5)
    saved = registry.save_object(store, "gbm", booster)
    assert saved.flavor == "lightgbm" and saved.extra["library"] == {"lightgbm": lightgbm.__version__}
    out = Path(store.root) / "gbm.txt"
    registry.export_model(store, "gbm", out)
    assert out.read_text().startswith("tree")  # LightGBM's own text format, not a pickle
    loaded, _ = registry.load_object(store, "gbm")
    assert (loaded.predict(X) == booster.predict(X)).all()


def test_an_object_that_cannot_be_serialized_changes_nothing(store: Store) -> None:
    before = store.db.execute("SELECT count(*) FROM objects").fetchone()[0]
    with pytest.raises(InvalidInput, match="cannot save this"):
        registry.save_object(store, "bad", lambda x: x)
    assert store.db.execute("SELECT count(*) FROM objects").fetchone()[0] == before
    assert registry.list_models(store) == []


def test_a_model_links_to_the_notebook_version_that_made_it(store: Store, notebook: Path) -> None:
    version = store.snapshot(notebook, message="trained")
    saved = registry.save_object(store, "churn", [1, 2], version=version.id)
    assert saved.version == version.id
    assert [m.label for m in registry.list_models(store, version=version.id)] == ["churn:1"]
    with pytest.raises(NotFound):
        registry.save_object(store, "churn", [1], version="0" * 64)


def test_a_models_ref_resolves_to_the_notebook_version_that_made_it(store: Store, notebook: Path) -> None:
    """``churn:1`` is a ref to the version that trained it; a model saved without one says
    so by name rather than resolving to anything."""
    version = store.snapshot(notebook, message="trained")
    registry.save_object(store, "churn", [1, 2], version=version.id)
    registry.save_object(store, "loose", [3])
    assert store.resolve("churn:1").id == version.id
    with pytest.raises(NotFound) as refused:
        store.resolve("loose:1")
    assert str(refused.value) == (
        "loose:1 is linked to no notebook version yet (saved without one, or waiting for the next snapshot)"
    )


def test_concurrent_savers_get_gap_free_numbers(store: Store, project: Path) -> None:
    code = (
        "import sys; from jupyter_mv.store import Store; from jupyter_mv.store import registry as r\n"
        "s = Store.open('.')\n"
        "for i in range(5): r.save_object(s, 'churn', {'writer': sys.argv[1], 'i': i})\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(n)], cwd=project, env=package_env()) for n in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert sorted(m.number for m in registry.list_models(store, "churn")) == list(range(1, 16))


def test_a_store_made_before_the_registry_gains_it_on_open(project: Path) -> None:
    store = Store.init(project)
    store.db.execute("DROP TABLE model_alias_history")
    store.db.execute("DROP TABLE model_aliases")
    store.db.execute("DROP TABLE model_versions")
    store.db.execute("DELETE FROM migrations WHERE id = 2")
    store.close()
    reopened = Store.open(project)
    assert [r[0] for r in reopened.db.execute("SELECT id FROM migrations ORDER BY id")] == [
        number for number, _, _ in schema.MIGRATIONS
    ]
    assert registry.save_object(reopened, "churn", 1).label == "churn:1"


def test_the_database_refuses_to_drop_an_artifact_a_model_uses(store: Store) -> None:
    saved = registry.save_object(store, "churn", {"w": 1})
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store.db.execute("DELETE FROM objects WHERE hash = ?", [bytes.fromhex(saved.hash)])


def test_gc_keeps_model_artifacts(store: Store, project: Path) -> None:
    saved = registry.save_object(store, "churn", {"w": 1})
    store.gc(grace_seconds=0)
    assert registry.load_object(store, saved.label)[0] == {"w": 1}

"""Inputs read by C code: the paths pandas+pyarrow, polars and h5py get are the running
cell's inputs (as an ``open`` would be), also when the path is computed."""

from __future__ import annotations

from pathlib import Path

from .conftest import Kernel, latest, save_notebook

IMPORTS = "import os, sys\nimport numpy as np, pandas as pd, polars as pl, h5py"
MAKE_DATA = """\
import os
import numpy as np, pandas as pd, polars as pl, h5py
os.makedirs('data/parts', exist_ok=True)
frame = pd.DataFrame({'x': [1, 2, 3]})
frame.to_parquet('data/train.parquet')
pl.DataFrame({'y': [4, 5]}).write_parquet('data/parts/a.parquet')
pl.DataFrame({'z': [6]}).write_csv('data/extra.csv')
with h5py.File('data/weights.h5', 'w') as f:
    f['w'] = np.arange(3)
"""


def test_readers_in_c_code_record_their_inputs(kernel: Kernel, mv_project: Path, monkeypatch) -> None:
    monkeypatch.chdir(mv_project)
    exec(MAKE_DATA, {})  # the data exists before the notebook runs: its inputs
    kernel.run(IMPORTS)
    # imported only now (with jupyter-mv loaded before): the readers are wrapped at import
    assert kernel.run("import sys\nprint('polars' in sys.modules)").stdout == "True\n"
    cells = [
        "DATA = 'da' + 'ta'\nrows = pd.read_parquet(f'{DATA}/train.parquet')",
        "import pyarrow.parquet as pq\ntable = pq.read_table(os.path.join(DATA, 'parts'))",
        "lazy = pl.scan_csv(DATA + '/extra.csv').collect()",
        "with h5py.File(DATA + '/weights.h5') as f:\n    w = f['w'][:]",
        "with h5py.File(DATA + '/out.h5', 'w') as f:\n    f['w'] = w",
    ]
    for cell in cells:  # execution counts 4 to 8 (after %load_ext, the data, the check)
        kernel.run(cell)
    save_notebook(mv_project / "train.ipynb", [IMPORTS, *cells])
    kernel.run("%mv snapshot")
    version = latest(mv_project)
    files = version.extra["kernel"]["files"]
    assert files["data/train.parquet"]["read"] == [4]  # the path was computed: no literal names it
    assert files["data/parts/a.parquet"]["read"] == [5]  # a folder stands for its files
    assert files["data/extra.csv"]["read"] == [6]
    assert files["data/weights.h5"]["read"] == [7]
    assert files["data/out.h5"]["written"] == [8]
    roles = {f.path: f.role for f in version.files}
    assert roles["data/train.parquet"] == roles["data/weights.h5"] == roles["data/parts/a.parquet"] == "input"


def test_a_reader_imported_before_loading_is_wrapped_and_nothing_is_imported_for_it(
    mv_project: Path, tmp_path: Path
) -> None:
    from .conftest import kernel_env, started_kernel

    env = kernel_env({"JPY_SESSION_NAME": str(mv_project / "train.ipynb")}, ipython_dir=tmp_path / "ipython")
    with started_kernel(mv_project, env) as k:
        k.run("import pandas as pd\npd.DataFrame({'x': [1]}).to_parquet('early.parquet')")
        k.run("%load_ext jupyter_mv")
        loaded = k.run("import sys\nprint([m for m in ('polars', 'h5py', 'cv2', 'xarray') if m in sys.modules])")
        assert loaded.stdout == "[]\n"  # jupyter-mv imported none of them
        k.run("name = 'early' + '.parquet'\nback = pd.read_parquet(name)")
        save_notebook(mv_project / "train.ipynb", ["import pandas as pd", "x = 1", "back = pd.read_parquet(name)"])
        k.run("%mv snapshot")
    version = latest(mv_project)
    assert version.extra["kernel"]["files"]["early.parquet"]["read"]  # the path was computed
    assert version.file("early.parquet").role == "input"


WRITERS = [
    "with h5py.File('out/w.h5', 'w') as f:\n    f['w'] = np.arange(3)",
    "with h5py.File('out/a.h5', 'a') as f:\n    f['w'] = np.arange(3)",
    "with h5py.File('out/x.h5', mode='x') as f:\n    f['w'] = np.arange(3)",
    "with h5py.File('out/w.h5', 'r+') as f:\n    f['v'] = np.arange(2)",
    "pd.DataFrame({'x': [1]}).to_parquet('out/pandas.parquet')",
    "pl.DataFrame({'x': [1]}).write_parquet('out/polars.parquet')",
    "pl.DataFrame({'x': [1]}).write_csv(OUT + '/polars.csv')",
    "pl.DataFrame({'x': [1]}).lazy().sink_parquet(OUT + '/sunk.parquet')",
    "import pyarrow as pa, pyarrow.parquet as pq\npq.write_table(pa.table({'x': [1]}), OUT + '/arrow.parquet')",
]


def test_files_written_by_c_code_are_outputs_named_by_literal_or_computed(
    kernel: Kernel, mv_project: Path, monkeypatch
) -> None:
    monkeypatch.chdir(mv_project)
    kernel.run(IMPORTS + "\nos.makedirs('out', exist_ok=True)\nOUT = 'o' + 'ut'")
    for cell in WRITERS:  # execution counts 3 to 11
        run = kernel.run(cell)
        assert run.error is None, run.error
    save_notebook(mv_project / "train.ipynb", [IMPORTS, *WRITERS])
    kernel.run("%mv snapshot")
    version = latest(mv_project)
    written = {path: entry.get("written") for path, entry in version.extra["kernel"]["files"].items()}
    roles = {f.path: f.role for f in version.files}
    expected = [
        "out/w.h5",
        "out/a.h5",
        "out/x.h5",
        "out/pandas.parquet",
        "out/polars.parquet",
        "out/polars.csv",
        "out/sunk.parquet",
        "out/arrow.parquet",
    ]
    assert {p: roles.get(p) for p in expected} == dict.fromkeys(expected, "output")
    assert written["out/w.h5"] == [3, 6]  # opened for writing twice ('w', then 'r+')
    assert written["out/polars.csv"] == [9]


def test_xarray_and_opencv_readers_record_computed_paths(kernel: Kernel, mv_project: Path, monkeypatch) -> None:
    import cv2
    import numpy as np
    import xarray as xr

    monkeypatch.chdir(mv_project)
    (mv_project / "data").mkdir(exist_ok=True)
    xr.Dataset({"t": ("x", np.arange(3.0))}).to_netcdf(mv_project / "data" / "grid.nc", engine="scipy")
    cv2.imwrite(str(mv_project / "data" / "photo.png"), np.zeros((4, 4, 3), dtype=np.uint8))
    imports = "import numpy as np, xarray as xr, cv2"
    cells = [
        "DATA = 'da' + 'ta'\ngrid = xr.open_dataset(DATA + '/grid.nc', engine='scipy').load()",
        "image = cv2.imread(f'{DATA}/photo.png')\nprint(image.shape)",
        "cv2.imwrite(DATA + '/edges.png', image)\ngrid.to_netcdf(DATA + '/out.nc', engine='scipy')",
    ]
    kernel.run(imports)
    runs = [kernel.run(cell) for cell in cells]  # execution counts 3 to 5
    assert [r.error for r in runs] == [None] * 3
    assert runs[1].stdout == "(4, 4, 3)\n"
    save_notebook(mv_project / "train.ipynb", [imports, *cells])
    kernel.run("%mv snapshot")
    version = latest(mv_project)
    files = version.extra["kernel"]["files"]
    assert files["data/grid.nc"]["read"] == [3]
    assert files["data/photo.png"]["read"] == [4]
    roles = {f.path: f.role for f in version.files}
    assert (roles["data/grid.nc"], roles["data/photo.png"]) == ("input", "input")
    assert (roles["data/edges.png"], roles["data/out.nc"]) == ("output", "output")

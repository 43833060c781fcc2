"""Write data/breast_cancer.csv from the data set scikit-learn ships.

The Wisconsin diagnostic breast cancer data (569 tumours, 30 measurements each, and
the diagnosis) comes inside scikit-learn, so this needs no download. Column names
are snake_case; the last column, ``diagnosis``, is ``malignant`` or ``benign``.
Running it again writes the same bytes.

    python make_data.py
"""

from __future__ import annotations

from pathlib import Path

from sklearn.datasets import load_breast_cancer

OUT = Path(__file__).resolve().parent / "data" / "breast_cancer.csv"


def main() -> None:
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.data.copy()
    frame.columns = [name.replace(" ", "_") for name in frame.columns]
    frame["diagnosis"] = [bunch.target_names[i] for i in bunch.target]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(OUT, index=False, lineterminator="\n")
    print(f"wrote {OUT.name}: {len(frame)} rows, {frame.shape[1]} columns")


if __name__ == "__main__":
    main()

import os

import numpy as np
import pandas as pd
import pytest

from repscope.io import atomic_path, save_npz, save_table


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.npz"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_npz_and_tables_round_trip(tmp_path):
    save_npz(tmp_path / "a.npz", x=np.arange(3))
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.npz").stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600
    assert np.load(tmp_path / "a.npz")["x"].tolist() == [0, 1, 2]
    df = pd.DataFrame({"a": [1, 2]})
    for name in ("t.parquet", "t.csv"):
        save_table(df, tmp_path / name)
        back = pd.read_parquet(tmp_path / name) if name.endswith("parquet") else pd.read_csv(tmp_path / name)
        assert back["a"].tolist() == [1, 2]
    with pytest.raises(ValueError, match="parquet or .csv"):
        save_table(df, tmp_path / "t.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "t.csv", "t.parquet"]

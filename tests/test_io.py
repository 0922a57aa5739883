import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from repscope.io import DamagedFileError, atomic_path, load_embeddings, save_npz, save_table

SRC = Path(__file__).resolve().parents[1] / "src"


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


def test_interrupted_write_removes_its_temporary_file(tmp_path):
    target = tmp_path / "out.npz"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == [target] and target.read_bytes() == b"old"


KILLED_WRITE = """
import os, signal, sys
from repscope.io import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"x" * 1000)
    os.kill(os.getpid(), signal.SIG{sig})
"""


@pytest.mark.parametrize("sig", ["KILL", "TERM"])
def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path, sig):
    """SIGKILL leaves the temporary file (nothing runs); the next write of the
    same path removes it, and leaves other paths' temporary files alone.
    SIGTERM through the repscope command's handler cleans up at once."""
    target, other = tmp_path / "emb.npz", tmp_path / "emb.npz.npz"
    script = KILLED_WRITE.format(sig=sig)
    if sig == "TERM":
        script = "from repscope.cli import _exit_on_sigterm; _exit_on_sigterm()\n" + script
    for path in (target, other):
        proc = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                              env={**os.environ, "PYTHONPATH": str(SRC)})
        assert proc.returncode == (-9 if sig == "KILL" else 143), proc.stderr
    left = sorted(p.name for p in tmp_path.iterdir())
    if sig == "TERM":
        assert left == []
        return
    assert len(left) == 2 and all(name.startswith(".emb.npz.") for name in left)
    save_npz(target, x=np.arange(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name] + [n for n in left if ".npz.npz." in n])
    save_npz(other, x=np.arange(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name, other.name]


def test_a_live_or_recent_foreign_temporary_file_is_kept(tmp_path, monkeypatch):
    import repscope.io as rio

    target = tmp_path / "t.csv"
    mine = tmp_path / f".t.csv.~{rio.HOST}~{os.getpid()}~abc.csv"  # this (live) process
    foreign = tmp_path / ".t.csv.~otherhost~1~abc.csv"  # another node, just written
    old = tmp_path / ".t.csv.~otherhost~2~abc.csv"
    for p in (mine, foreign, old):
        p.write_text("partial")
    os.utime(old, (0, 0))
    assert rio.remove_stale_temporaries(target) == [old]
    assert mine.exists() and foreign.exists()


def test_data_is_flushed_before_the_rename(tmp_path, monkeypatch):
    import repscope.io as rio

    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(rio.os, "fsync", lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                      real_fsync(fd)))
    monkeypatch.setattr(rio.os, "replace", lambda a, b: (events.append(("replace", str(a))), real_replace(a, b)))
    save_npz(tmp_path / "a.npz", x=np.arange(3))
    (kind0, tmp), (kind1, renamed), (kind2, folder) = events
    assert (kind0, kind1, kind2) == ("fsync", "replace", "fsync")
    assert tmp == renamed and Path(tmp).name.startswith(".a.npz.") and folder == str(tmp_path)


@pytest.mark.parametrize("content,reason", [(b"", "empty"), (b"garbage bytes", "not an .npz"),
                                            (None, "BadZipFile")])
def test_a_damaged_npz_names_the_file_and_the_fix(tmp_path, content, reason):
    path = tmp_path / "epoch_3.npz"
    save_npz(path, layers=np.array(["penultimate"]), Z_0=np.ones((4, 2), np.float32), labels=np.arange(4),
             sample_ids=np.arange(4), accuracy=0.5, epoch=3)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if content is None else content)
    with pytest.raises(DamagedFileError, match=rf"epoch_3\.npz is damaged \(.*{reason}.*\); delete it") as err:
        load_embeddings(path)
    assert "pickled" not in str(err.value)
    assert isinstance(err.value, ValueError)

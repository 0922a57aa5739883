"""The verified embedding cache: every file records its run, epoch, layers and
the digest of the run's config.yaml, plus a checksum of its arrays; a damaged
or misplaced file is refused by the reader and by the measure job, naming the
file and the fix."""
import hashlib
import shutil

import numpy as np
import pytest

from repscope.cli import main
from repscope.io import DamagedEmbedding, array_checksum, load_embeddings, save_embeddings, save_npz
from repscope.layout import RunFolder

FIX = r"delete it and rerun the workflow .* recomputed from .*checkpoints/epoch_{}\.pt"


def _arrays(rng, epoch, n=30):
    return dict(layers=np.array(["block1", "penultimate"]), Z_0=rng.normal(size=(n, 4)).astype(np.float32),
                Z_1=rng.normal(size=(n, 3)).astype(np.float32), labels=np.arange(n, dtype=np.int64) % 3,
                sample_ids=np.arange(n, dtype=np.int64), accuracy=np.float64(0.5), epoch=np.int64(epoch))


@pytest.fixture
def run(tmp_path, rng):
    run = tmp_path / "mnist1d-mlp-supervised-s1"
    run.mkdir()
    (run / "config.yaml").write_text("seed: 1\n")
    for epoch in (1, 3):
        save_embeddings(run, epoch, _arrays(rng, epoch))
    return run


def _refused(path, match):
    with pytest.raises(DamagedEmbedding, match=match) as err:
        load_embeddings(path)
    assert str(path) in str(err.value)
    return err


def test_a_file_records_what_it_is_and_the_checksum_of_its_arrays(run, rng):
    emb = load_embeddings(RunFolder(run).embedding(3))
    assert (emb.run, emb.epoch, list(emb.layers)) == (run.name, 3, ["block1", "penultimate"])
    assert emb.config_digest == hashlib.sha256(b"seed: 1\n").hexdigest()
    with np.load(RunFolder(run).embedding(3)) as f:
        stored = {k: f[k] for k in f.files}
    assert str(stored.pop("checksum")) == array_checksum(stored) == emb.checksum
    np.testing.assert_array_equal(emb.layers["penultimate"], stored["Z_1"])
    with pytest.raises(ValueError, match="the arrays are of epoch 1, not 2"):
        save_embeddings(run, 2, _arrays(rng, 1))


def test_a_truncated_file_is_refused(run):
    path = RunFolder(run).embedding(3)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _refused(path, "is damaged .*" + FIX.format(3))


def test_garbage_bytes_are_refused(run, rng):
    path = RunFolder(run).embedding(3)
    path.write_bytes(rng.bytes(5000))
    _refused(path, "is damaged .*" + FIX.format(3))


def test_the_file_of_another_epoch_is_refused_and_not_measured(run, tmp_path):
    folder = RunFolder(run)
    shutil.copyfile(folder.embedding(1), folder.embedding(3))
    _refused(folder.embedding(3), "fails its check: it holds epoch 1, not 3; " + FIX.format(3))
    save_npz(tmp_path / "clusters.npz", clusters=np.arange(30) % 2, sample_ids=np.arange(30))
    out = tmp_path / "metrics.parquet"
    with pytest.raises(DamagedEmbedding, match="it holds epoch 1, not 3"):
        main(["measure", "experiment=tiny", f"embeddings={folder.embedding(1)},{folder.embedding(3)}",
              f"kept={folder.kept_metrics}", f"spectra={folder.kept_spectra}", f"clusters={tmp_path / 'clusters.npz'}",
              f"out={out}"])
    assert not out.exists()


def test_changed_arrays_another_run_and_another_config_are_refused(run, tmp_path):
    path = RunFolder(run).embedding(3)
    with np.load(path) as f:
        stored = {k: f[k] for k in f.files}
    stored["Z_1"] = stored["Z_1"] + np.float32(1e-3)
    save_npz(path, **stored)
    _refused(path, "its arrays do not match their recorded checksum")

    other = tmp_path / "mnist1d-mlp-supervised-s2"
    other.mkdir()
    shutil.copyfile(run / "config.yaml", other / "config.yaml")
    RunFolder(other).embedding(1).parent.mkdir()
    shutil.copyfile(RunFolder(run).embedding(1), RunFolder(other).embedding(1))
    _refused(RunFolder(other).embedding(1), "it belongs to run 'mnist1d-mlp-supervised-s1', not 'mnist1d-mlp-supervised-s2'")

    (run / "config.yaml").write_text("seed: 2\n")
    _refused(RunFolder(run).embedding(1), "computed under another configuration than .*config.yaml")

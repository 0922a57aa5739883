"""The Schwartz-Ziv & Tishby 12-bit dataset, read from var_u.mat files written by
the test in the public file's format (MATLAB variables F and y)."""
import numpy as np
import pytest
from scipy.io import savemat

from repscope.config import compose
from repscope.data import load_dataset
from repscope.data.szt import read_var_u, twelve_bit_patterns


def rule(X):
    """A label that is a function of the bits, so alignment can be checked."""
    return ((X[:, 0] + X[:, 3] * X[:, 7] + X[:, 11]) % 2).astype(np.int64)


def write(path, shuffle=True, with_inputs=True):
    X = twelve_bit_patterns()
    if shuffle:
        X = X[np.random.default_rng(0).permutation(len(X))]
    mat = {"y": rule(X)[None, :].astype(np.uint8)}
    if with_inputs:
        mat["F"] = X.astype(np.uint8)
    savemat(path, mat)
    return path


def szt(path, *extra):
    return compose(["dataset=szt", f"dataset.labels_file={path}", *extra]).dataset


def test_patterns_are_all_12_bit_numbers():
    X = twelve_bit_patterns()
    assert X.shape == (4096, 12)
    assert np.array_equal(X @ (2 ** np.arange(11, -1, -1)), np.arange(4096))


@pytest.mark.parametrize("with_inputs", [True, False])
def test_loads_split_and_keeps_labels_aligned_with_inputs(tmp_path, with_inputs):
    path = write(tmp_path / "var_u.mat", shuffle=with_inputs, with_inputs=with_inputs)
    ds = load_dataset(szt(path))
    assert ds.num_classes == 2 and ds.x_train.shape == (3481, 1, 12) and ds.x_test.shape == (615, 1, 12)
    for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
        assert np.array_equal(rule(x[:, 0].numpy().astype(int)), y.numpy())
    allx = np.concatenate([ds.x_train[:, 0].numpy(), ds.x_test[:, 0].numpy()])
    assert len(np.unique(allx, axis=0)) == 4096


def test_missing_file_needs_download_and_download_fetches(tmp_path):
    missing = tmp_path / "szt" / "var_u.mat"
    with pytest.raises(ValueError, match="dataset.download=true"):
        load_dataset(szt(missing))
    source = write(tmp_path / "public.mat")
    ds = load_dataset(szt(missing, "dataset.download=true", f"dataset.url={source.as_uri()}"))
    assert missing.exists() and len(ds.y_train) == 3481


def test_bad_files(tmp_path):
    savemat(tmp_path / "no_y.mat", {"F": twelve_bit_patterns()})
    with pytest.raises(ValueError, match="no variable 'y'"):
        read_var_u(tmp_path / "no_y.mat")
    savemat(tmp_path / "short.mat", {"y": np.zeros((1, 100))})
    with pytest.raises(ValueError, match="4096 labels"):
        read_var_u(tmp_path / "short.mat")
    savemat(tmp_path / "dup.mat", {"y": np.zeros((1, 4096)), "F": np.zeros((4096, 12))})
    with pytest.raises(ValueError, match="distinct 12-bit patterns"):
        read_var_u(tmp_path / "dup.mat")

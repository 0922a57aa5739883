"""NC1: streaming two-pass computation against the direct d x d pinv formula."""
import numpy as np
import pytest
import torch

from repscope.metrics.nc1 import NC1Accumulator, nc1, nc1_streaming


def imbalanced(seed=0, d=30, counts=(5, 20, 50, 13), spread=3.0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    rng.shuffle(y)
    centres = rng.normal(size=(len(counts), d)) * spread
    Z = centres[y] + rng.normal(size=(len(y), d)) * rng.uniform(0.5, 2.0, size=d)
    return Z, y


def direct_nc1(Z, y, global_mean="samples"):
    """tr(Sigma_W pinv(Sigma_B)) / C with explicit d x d matrices."""
    classes = np.unique(y)
    C, N = len(classes), len(y)
    means = np.stack([Z[y == c].mean(0) for c in classes])
    mu_g = Z.mean(0) if global_mean == "samples" else means.mean(0)
    dev = Z - means[np.searchsorted(classes, y)]
    sigma_w = dev.T @ dev / N
    M = means - mu_g
    sigma_b = M.T @ M / C
    return np.trace(sigma_w @ np.linalg.pinv(sigma_b, rcond=1e-8, hermitian=True)) / C


@pytest.mark.parametrize("global_mean", ["samples", "classes"])
@pytest.mark.parametrize("d", [30, 3])  # d > C and d < C - 1 (Sigma_B full rank)
def test_matches_direct_pinv_formula_on_imbalanced_classes(global_mean, d):
    counts = (5, 20, 50, 13) if d == 30 else (7, 3, 40, 11, 9, 25)
    Z, y = imbalanced(d=d, counts=counts)
    want = direct_nc1(Z, y, global_mean)
    got = nc1(Z, y, global_mean=global_mean)
    assert got == pytest.approx(want, rel=1e-10)


def test_global_mean_choice_matters_only_for_imbalanced_classes():
    Z, y = imbalanced()
    assert abs(nc1(Z, y) - nc1(Z, y, global_mean="classes")) > 1e-3
    Zb, yb = imbalanced(counts=(20, 20, 20, 20))
    assert nc1(Zb, yb) == pytest.approx(nc1(Zb, yb, global_mean="classes"), rel=1e-12)


def test_batch_size_invariance_and_streaming_equals_in_memory():
    Z, y = imbalanced(seed=3)
    full = nc1(Z, y)
    for b in (1, 7, 64):
        assert nc1(Z, y, batch_size=b) == pytest.approx(full, rel=1e-12)
    batches = [(torch.as_tensor(Z[i:i + 10]), torch.as_tensor(y[i:i + 10])) for i in range(0, len(y), 10)]
    assert nc1_streaming(batches, 4) == pytest.approx(full, rel=1e-12)
    assert nc1_streaming(lambda: iter(batches), 4) == pytest.approx(full, rel=1e-12)


def test_divide_by_classes_convention_and_collapse_limits():
    Z, y = imbalanced(seed=1)
    assert nc1(Z, y, divide_by_classes=False) == pytest.approx(4 * nc1(Z, y), rel=1e-12)
    centres = np.random.default_rng(0).normal(size=(4, 30))
    collapsed = centres[y]
    assert nc1(collapsed, y) == pytest.approx(0.0, abs=1e-20)  # no within-class spread
    # conv-shaped activations are flattened; scaling Z leaves NC1 unchanged
    Z4 = Z.reshape(len(y), 5, 3, 2)
    assert nc1(Z4 * 7.0, y) == pytest.approx(nc1(Z, y), rel=1e-10)
    assert nc1(np.ones((6, 3)), [0, 0, 1, 1, 2, 2]) == float("inf")  # identical class means


def test_bad_input():
    Z, y = imbalanced()
    with pytest.raises(ValueError, match="global_mean"):
        nc1(Z, y, global_mean="median")
    with pytest.raises(ValueError, match="labels must hold at least 2"):
        nc1(Z, np.zeros(len(y), int))
    with pytest.raises(ValueError, match="one entry per point"):
        nc1(Z, y[:-1])
    with pytest.raises(ValueError, match="finite"):
        nc1(np.where(np.arange(Z.size).reshape(Z.shape) == 5, np.nan, Z), y)
    with pytest.raises(ValueError, match="re-iterable"):
        nc1_streaming(iter([(Z, y)]), 4)
    acc = NC1Accumulator(5)
    acc.add_class_sums(Z, y)
    with pytest.raises(ValueError, match=r"classes \[4\] have no samples"):
        acc.add_deviations(Z, y)
    acc = NC1Accumulator(4)
    with pytest.raises(ValueError, match="labels must be integers in 0..3"):
        acc.add_class_sums(Z, y + 1)
    acc.add_class_sums(Z, y)
    acc.add_deviations(Z[:10], y[:10])
    with pytest.raises(ValueError, match="same batches"):
        acc.value()
    with pytest.raises(ValueError, match="n_classes"):
        NC1Accumulator(1)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    Z, y = imbalanced(seed=2)
    assert nc1(torch.as_tensor(Z).cuda(), y, batch_size=16, device="cuda") == pytest.approx(
        nc1(Z, y), rel=1e-10)

"""Binned entropies, the information plane and pooled histograms on hand-computable cases."""
import itertools

import numpy as np
import pytest

from repscope.metrics.binned import (conditional_entropy, information_plane, joint_entropy,
                                     modularity_comparisons, mutual_information,
                                     pooled_conditional_entropy, pooled_entropy,
                                     pooled_joint_histogram, pooled_mutual_information)
from repscope.metrics.binned import bin_columns

H14 = -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))  # H(1/4) = 0.811...


def test_hand_computed_joint_quantities():
    A, B = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 0])
    assert joint_entropy(A) == pytest.approx(1.0, abs=1e-12)
    assert joint_entropy(B) == pytest.approx(H14, abs=1e-12)
    assert joint_entropy(A, B) == pytest.approx(1.5, abs=1e-12)  # (0,0) (0,1) (1,0) (1,0)
    assert mutual_information(A, B) == pytest.approx(1 + H14 - 1.5, abs=1e-12)
    assert conditional_entropy(A, B) == pytest.approx(1.5 - H14, abs=1e-12)
    assert conditional_entropy(A, A) == pytest.approx(0.0, abs=1e-12)
    assert conditional_entropy(A, np.zeros(4, int)) == pytest.approx(1.0, abs=1e-12)


def test_deterministic_function_and_independence():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 8, size=(1000, 2))
    fX = X.sum(1) % 3
    assert mutual_information(X, fX) == pytest.approx(joint_entropy(fX), abs=1e-12)
    assert conditional_entropy(fX, X) == pytest.approx(0.0, abs=1e-12)
    # a full product grid is exactly independent
    a, b = rng.integers(0, 5, size=(7, 2)), rng.integers(0, 3, size=(4, 3))
    A, B = np.repeat(a, len(b), axis=0), np.tile(b, (len(a), 1))
    assert mutual_information(A, B) == pytest.approx(0.0, abs=1e-12)


def test_information_plane_on_all_12_bit_patterns():
    X = (np.arange(4096)[:, None] >> np.arange(11, -1, -1)) & 1
    y = (X.sum(1) % 2).astype(int)  # parity: a function of the input
    i_xt, i_ty = information_plane(X.astype(float), y, num_bins=2)
    assert i_xt == pytest.approx(12.0, abs=1e-9)
    assert i_ty == pytest.approx(1.0, abs=1e-9)
    first = X[:, :1].astype(float)  # keeps one bit: 1 bit of X, nothing of the parity
    assert information_plane(first, y, num_bins=2) == pytest.approx((1.0, 0.0), abs=1e-9)
    # repeated inputs: H(T | X) = 0 still, so I(X; T) = H(T)
    Xr = np.repeat(X[:64], 3, axis=0)
    T = Xr[:, -3:].astype(float)  # the 3 lowest bits vary within the first 64 patterns
    i_xt, _ = information_plane(T, np.zeros(len(T), int), num_bins=2, inputs=Xr)
    assert i_xt == pytest.approx(3.0, abs=1e-9)


def test_value_range_options_of_bin_columns():
    Z = np.array([[0.0, 10.0], [1.0, 20.0], [0.5, 15.0]])
    assert bin_columns(Z, 2).tolist() == [[1, 1], [2, 2], [2, 2]]         # per column
    assert bin_columns(Z, 2, "global").tolist() == [[1, 2], [1, 2], [1, 2]]  # one range: 0..20
    assert bin_columns(Z[:, :1], 4, (-1.0, 1.0)).tolist() == [[3], [4], [4]]
    with pytest.raises(ValueError, match="containing every entry"):
        bin_columns(Z, 4, (-1.0, 1.0))
    with pytest.raises(ValueError, match="value_range"):
        bin_columns(Z, 4, "columns")


def brute_pooled(A, B, K):
    J = np.zeros((K, K))
    for i, k, l in itertools.product(range(len(A)), range(A.shape[1]), range(B.shape[1])):
        J[A[i, k] - 1, B[i, l] - 1] += 1
    return J / J.sum()


def test_pooled_histograms_against_explicit_loops():
    A, B = np.array([[1, 2], [1, 1]]), np.array([[2], [1]])
    assert pooled_joint_histogram(A, B, 2).tolist() == [[0.5, 0.25], [0.0, 0.25]]
    assert pooled_conditional_entropy(A, B, 2) == pytest.approx(0.5, abs=1e-12)
    assert pooled_entropy(A, 2) == pytest.approx(H14, abs=1e-12)
    rng = np.random.default_rng(0)
    A, B = rng.integers(1, 6, size=(30, 4)), rng.integers(1, 6, size=(30, 3))
    np.testing.assert_allclose(pooled_joint_histogram(A, B, 5), brute_pooled(A, B, 5), atol=1e-15)
    assert pooled_mutual_information(A, A, 5) > pooled_mutual_information(A, B, 5)


def test_modularity_comparisons_detect_a_module():
    rng = np.random.default_rng(0)
    T1 = rng.normal(size=(5000, 8))
    inside = np.array([0, 1, 2])
    T2 = np.column_stack([T1[:, inside], rng.normal(size=(5000, 5))])  # module copies T1[P]
    c = modularity_comparisons(T1, T2, inside, [0, 1, 2])
    out = bin_columns(T2, 10, "global")[:, :3]
    rest = bin_columns(T1, 10, "global")[:, 3:]
    assert c[0] == pytest.approx(-pooled_mutual_information(out, rest, 10), abs=1e-12)
    assert abs(c[0]) < 0.01          # nothing shared with the rest of layer 1
    assert c[1] > 0.1                # the module alone tells more than all of layer 1
    assert c[2] < -0.02              # layer 1 as a whole tells more than its rest
    noise = modularity_comparisons(T1, rng.normal(size=(5000, 8)), inside, [0, 1, 2])
    np.testing.assert_allclose(noise, 0.0, atol=0.01)


def test_bad_input():
    with pytest.raises(ValueError, match="integer array"):
        joint_entropy(np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match="one entry per point"):
        mutual_information(np.zeros(4, int), np.zeros(3, int))
    with pytest.raises(ValueError, match="bin ids must lie in 1..num_bins=2"):
        pooled_entropy(np.array([[0, 1]]), 2)
    with pytest.raises(ValueError, match="outside the module"):
        modularity_comparisons(np.zeros((4, 2)), np.zeros((4, 2)), [0, 1], [0])
    with pytest.raises(ValueError, match="one entry per point"):
        information_plane(np.zeros((4, 2)), np.zeros(3, int))

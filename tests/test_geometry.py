"""TwoNN, linear CKA and the k-NN / linear-probe accuracies against independent
computations and closed forms."""
import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.stats import ortho_group
from sklearn.model_selection import StratifiedKFold

from repscope.metrics import knn_accuracy, linear_cka, linear_probe_accuracy, twonn_intrinsic_dimension


def _dense_cka(X, Y):
    """CKA from the N x N centred Gram matrices: HSIC(K, L) = tr(K H L H)."""
    n = len(X)
    H = np.eye(n) - 1.0 / n
    K, L = X @ X.T, Y @ Y.T
    hsic = lambda A, B: np.trace(A @ H @ B @ H)  # noqa: E731
    return hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))


def test_cka_matches_the_gram_matrix_formula(rng):
    X = rng.normal(size=(60, 7))
    Y = X @ rng.normal(size=(7, 4)) + 0.5 * rng.normal(size=(60, 4))
    assert linear_cka(X, Y) == pytest.approx(_dense_cka(X, Y), abs=1e-12)


def test_cka_is_one_for_itself_and_invariant_to_rotation_and_scale(rng):
    X = rng.normal(size=(80, 10))
    Q = ortho_group.rvs(10, random_state=0)
    assert linear_cka(X, X) == pytest.approx(1.0, abs=1e-12)
    assert linear_cka(X, 3.0 * X @ Q + 5.0) == pytest.approx(1.0, abs=1e-12)
    Y = rng.normal(size=(80, 10))
    assert linear_cka(X, Y) == pytest.approx(linear_cka(X @ Q, 0.1 * Y), abs=1e-12)
    assert linear_cka(X, Y) < 0.5


def test_cka_rejects_constant_and_mismatched_inputs(rng):
    with pytest.raises(ValueError, match="constant"):
        linear_cka(np.ones((10, 3)), rng.normal(size=(10, 2)))
    with pytest.raises(ValueError, match="Y"):
        linear_cka(rng.normal(size=(10, 3)), rng.normal(size=(9, 3)))


def _brute_twonn(Z, discard_fraction):
    d = cdist(Z, Z)
    np.fill_diagonal(d, np.inf)
    r = np.sort(d, axis=1)
    mu = np.sort(r[:, 1] / r[:, 0])
    n = len(mu)
    m = min(int(np.floor(n * (1 - discard_fraction))), n - 1)  # F = 1 at the last
    x, y = np.log(mu[:m]), -np.log(1 - np.arange(1, m + 1) / n)
    return np.linalg.lstsq(x[:, None], y, rcond=None)[0][0]


def test_twonn_matches_brute_force_distances(rng):
    Z = rng.normal(size=(300, 6))
    assert twonn_intrinsic_dimension(Z) == pytest.approx(_brute_twonn(Z, 0.1), rel=1e-12)
    assert twonn_intrinsic_dimension(Z, discard_fraction=0.0) == pytest.approx(
        _brute_twonn(Z, 0.0), rel=1e-12)


@pytest.mark.parametrize("d", [2, 5])
def test_twonn_recovers_the_dimension_of_a_uniform_cloud_in_a_larger_space(d):
    rng = np.random.default_rng(d)
    Z = np.zeros((3000, 40))
    Z[:, :d] = rng.uniform(size=(3000, d))
    Z = Z @ ortho_group.rvs(40, random_state=d)
    assert twonn_intrinsic_dimension(Z) == pytest.approx(d, rel=0.12)


def test_twonn_rejects_degenerate_input():
    with pytest.raises(ValueError, match="distinct"):
        twonn_intrinsic_dimension(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="discard_fraction"):
        twonn_intrinsic_dimension(np.eye(5), discard_fraction=1.0)


def _brute_knn_accuracy(Z, y, k, n_folds, seed):
    correct = 0
    for train, test in StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(Z, y):
        d = cdist(Z[test], Z[train])
        nearest = y[train][np.argsort(d, axis=1, kind="stable")[:, :k]]
        votes = np.array([np.bincount(row, minlength=y.max() + 1) for row in nearest])
        correct += (votes.argmax(1) == y[test]).sum()
    return correct / len(y)


def test_knn_accuracy_matches_a_brute_force_vote(rng):
    y = np.repeat([0, 1], 50)
    Z = rng.normal(size=(100, 5)) + 0.8 * y[:, None]
    assert knn_accuracy(Z, y, k=7, n_folds=5, seed=3) == pytest.approx(
        _brute_knn_accuracy(Z, y, 7, 5, 3), abs=1e-12)


def test_accuracies_on_separable_and_on_random_labels(rng):
    y = np.repeat(np.arange(4), 40)
    centres = 10 * rng.normal(size=(4, 8))
    Z = centres[y] + rng.normal(size=(160, 8))
    assert knn_accuracy(Z, y, k=5) == 1.0
    assert linear_probe_accuracy(Z, y) == 1.0
    noise = rng.normal(size=(160, 8))
    assert linear_probe_accuracy(noise, y) < 0.5
    assert knn_accuracy(noise, y, k=5) < 0.5


def test_integer_valued_float_labels_are_the_same_classes(rng):
    y = np.repeat(np.arange(3), 20)
    Z = rng.normal(size=(60, 4)) + y[:, None]
    assert knn_accuracy(Z, y.astype(float), k=3) == knn_accuracy(Z, y, k=3)
    assert linear_probe_accuracy(Z, y.astype(float)) == linear_probe_accuracy(Z, y)
    with pytest.raises(ValueError, match="labels"):
        knn_accuracy(Z, y + 0.5, k=3)


@pytest.mark.parametrize("kwargs,name", [({"k": 0}, "k"), ({"n_folds": 1}, "n_folds"),
                                         ({"n_folds": 30}, "n_folds"), ({"k": 100}, "k")])
def test_knn_accuracy_names_the_bad_parameter(rng, kwargs, name):
    y = np.repeat([0, 1], 20)
    with pytest.raises(ValueError, match=name):
        knn_accuracy(rng.normal(size=(40, 3)), y, **kwargs)

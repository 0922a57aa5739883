"""Toy generators of the studies: parity with PHATE's gen_dla, structure, seeding, bad input."""
import numpy as np
import pytest

from repscope.data.toy import (corrupt_labels, corrupted_label_information, dla_tree, gaussian_blobs, intrinsic_dimension_points,
                               noisy_identity_diffusion, noisy_identity_spectra, random_spd_matrix,
                               random_walk_tree, smooth_branch_tree)


class LegacyDraws:
    """numpy's legacy global-RNG draws (what gen_dla uses) behind the Generator names."""

    def __init__(self, seed):
        self.rs = np.random.RandomState(seed)

    def random(self, size):
        return self.rs.rand(*size)

    def integers(self, low, high=None):
        return self.rs.randint(low, high)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self.rs.uniform(low, high, size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self.rs.normal(loc, scale, size)


def test_dla_tree_is_phates_gen_dla():
    phate = pytest.importorskip("phate")
    state = np.random.get_state()
    M, C = phate.tree.gen_dla(n_dim=7, n_branch=4, branch_length=60, seed=5)
    np.random.set_state(state)
    X, y = dla_tree(7, 4, 60, seed=LegacyDraws(5))
    np.testing.assert_array_equal(X, M)
    np.testing.assert_array_equal(y, C)


def _authors_tree(dim, n_branch, n_points, seed):
    """The DSE authors' T2 tree drawn step by step with numpy's global RNG, one
    draw per call as their script made them (the reference for smooth_branch_tree)."""
    np.random.seed(seed)
    root = np.random.normal(size=dim)
    points, labels, used = [], [], 0
    for b in range(n_branch):
        here = root + np.random.normal(size=dim) * 0.1
        if b < n_branch - 1:
            length = np.random.randint(n_points // (n_branch + 1), n_points // n_branch)
            used += length + 1
        else:
            length = n_points - used - 1
        heading = np.random.uniform(low=-1, high=1, size=dim)
        points.append(here)
        for _ in range(length):
            here = here + heading * 0.1
            points.append(here)
            heading = heading + np.random.normal(size=dim) * 0.05
            heading = heading / np.linalg.norm(heading)
        labels += [b] * (length + 1)
    X = np.array(points)
    return X + np.random.normal(size=X.shape) * 0.2, np.array(labels)


def test_smooth_branch_tree_is_the_authors_t2_tree():
    state = np.random.get_state()
    want_X, want_y = _authors_tree(30, 5, 500, seed=0)
    np.random.set_state(state)
    X, y = smooth_branch_tree(30, 5, 500, seed=LegacyDraws(0))
    np.testing.assert_allclose(X, want_X, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(y, want_y)
    assert X.shape == (500, 30) and len(np.unique(y)) == 5


def test_smooth_branches_take_steps_of_0_1():
    X, y = smooth_branch_tree(10, 4, 200, noise=0.0, seed=2)
    for b in range(4):
        np.testing.assert_allclose(np.linalg.norm(np.diff(X[y == b], axis=0)[1:], axis=1), 0.1)
    with pytest.raises(ValueError, match="n_points"):
        smooth_branch_tree(10, 4, 8)


def test_noiseless_dla_trees_take_only_bounded_steps():
    """sigma = 0 (T4's default, the authors' trees): every step of a branch is
    rand_multiplier * U(0, 1) - 1 per coordinate, so within (-1, 1); gen_dla's
    default noise (4) leaves far larger jumps."""
    X, y = dla_tree(6, 3, 200, sigma=0.0, seed=1)
    for b in range(3):
        assert np.abs(np.diff(X[y == b], axis=0)).max() < 1
    noisy, _ = dla_tree(6, 3, 200, seed=1)
    assert np.abs(np.diff(noisy[y == 0], axis=0)).max() > 5


def test_tree_branches_start_on_the_first_branch():
    X, y = random_walk_tree(5, 80, 6, noise=0.0, seed=3)
    assert X.shape == (400, 6) and np.bincount(y).tolist() == [80] * 5
    first = X[y == 0]
    steps = np.diff(first, axis=0)
    assert np.all(np.abs(steps) < 1)  # steps uniform on (-1, 1)
    for b in range(1, 5):
        start = X[y == b][0]  # = a point of branch 0 plus one step
        assert np.min(np.abs(first - start).max(1)) < 1


def test_intrinsic_dimension_points_live_in_d_dimensions():
    X = intrinsic_dimension_points(300, 40, 7, noise=0.0, seed=0)
    assert np.linalg.matrix_rank(X - X.mean(0)) == 7
    assert np.all(np.abs(X[:, :7]) < 1) and np.ptp(X[:, 7:]) == 0
    # the shared constant is standard normal for both distributions, as the authors drew it
    consts = [intrinsic_dimension_points(2, 3, 1, noise=0.0, seed=s)[0, 2] for s in range(300)]
    assert max(np.abs(consts)) > 1.5 and np.std(consts) == pytest.approx(1, abs=0.15)
    noisy = intrinsic_dimension_points(300, 40, 7, noise=0.1, seed=0)
    np.testing.assert_allclose(noisy[:, 7:].std(0), 0.1 / np.sqrt(3), rtol=0.2)
    g = intrinsic_dimension_points(2000, 10, 10, distribution="gaussian", noise=0.0, seed=1)
    np.testing.assert_allclose(g.std(0), 1, atol=0.06)
    np.testing.assert_array_equal(X, intrinsic_dimension_points(300, 40, 7, noise=0.0, seed=0))


@pytest.mark.parametrize("kind", ["make_spd", "wishart"])
def test_noisy_identity_spectra_match_the_dense_matrices(kind):
    W = random_spd_matrix(50, kind=kind, seed=2)
    np.testing.assert_array_equal(W, W.T)
    lam = noisy_identity_spectra(W, [0.0, 0.3, 1.0])
    for a, row in zip([0.0, 0.3, 1.0], lam):
        np.testing.assert_allclose(row, np.linalg.eigvalsh(a * np.eye(50) + (1 - a) * W), atol=1e-10)
    np.testing.assert_allclose(lam[-1], 1.0)
    assert lam[0].min() > -1e-10  # positive semi-definite
    P = noisy_identity_diffusion(W, 0.3)
    np.testing.assert_allclose(P.sum(1), 1.0)
    np.testing.assert_allclose(P * (0.3 + 0.7 * W.sum(1, keepdims=True)), 0.3 * np.eye(50) + 0.7 * W)


def test_make_spd_is_the_old_sklearn_construction_with_one_dominant_direction():
    """W = U (1 + diag(u)) V^T with U = V (svd of the symmetric A^T A): a similarity
    transform of the all-ones matrix plus diag(u), whose spectrum is one eigenvalue
    in [n, n + 1] above n - 1 values interlacing the sorted u."""
    n = 40
    rng = np.random.default_rng(7)
    rng.random((n, n))  # A, drawn first
    u = rng.random(n)
    lam = np.linalg.eigvalsh(random_spd_matrix(n, seed=7))
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(np.ones((n, n)) + np.diag(u)), atol=1e-9)
    assert n < lam[-1] < n + 1 and lam[:-1].max() < 1
    wishart = np.linalg.eigvalsh(random_spd_matrix(n, kind="wishart", seed=7))
    assert wishart[-1] < 5  # no dominant direction


def test_blobs_are_balanced_and_centred_in_the_box():
    X, y = gaussian_blobs(301, 5, 3, cluster_std=0.01, box=10, seed=4)
    assert np.bincount(y).tolist() == [100, 100, 101]
    means = np.stack([X[y == c].mean(0) for c in range(3)])
    assert np.all(np.abs(means) < 10) and X[y == 0].std(0).max() < 0.02


def test_corrupt_labels_keeps_class_sizes():
    y = np.repeat(np.arange(4), 250)
    np.testing.assert_array_equal(corrupt_labels(y, 0.0, seed=0), y)
    half = corrupt_labels(y, 0.5, seed=0)
    assert np.bincount(half).tolist() == [250] * 4
    assert 0.55 < np.mean(half == y) < 0.7  # 50 % shuffled, a quarter of those land home
    assert np.mean(corrupt_labels(y, 1.0, seed=0) == y) < 0.3


@pytest.mark.parametrize("sizes", [[1667, 1667, 1666], [600, 300, 100]])
def test_corrupted_label_information_is_the_plugin_mi_of_many_corrupted_labels(sizes):
    """The closed form against the plug-in I(B; Y') of the joint counts of 300 000 labels
    corrupted by corrupt_labels (the counts' bias is ~1e-5 bits here); H(p) at 0, 0 at 1."""
    p = np.array(sizes) / sum(sizes)
    y = np.repeat(np.arange(3), (p * 300_000).round().astype(int))
    for f in (0.0, 0.2, 0.5, 0.9, 1.0):
        joint = np.histogram2d(y, corrupt_labels(y, f, seed=1), bins=[np.arange(4)] * 2)[0] / len(y)
        outer = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
        nz = joint > 0
        plugin = float((joint[nz] * np.log2(joint[nz] / outer[nz])).sum())
        assert corrupted_label_information(p, f) == pytest.approx(plugin, abs=2e-3)
    assert corrupted_label_information(p, 0.0) == pytest.approx(-(p * np.log2(p)).sum(), abs=1e-12)
    assert corrupted_label_information([1 / 3] * 3, 0.5) == pytest.approx(1 / 3, abs=1e-12)
    assert corrupted_label_information(p, 1.0) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="proportions"):
        corrupted_label_information([0.5, 0.6], 0.1)
    with pytest.raises(ValueError, match="fraction"):
        corrupted_label_information(p, 1.5)


@pytest.mark.parametrize("call, match", [
    (lambda: intrinsic_dimension_points(10, 5, 6), "intrinsic_dim"),
    (lambda: intrinsic_dimension_points(10, 5, 2, distribution="cauchy"), "distribution"),
    (lambda: intrinsic_dimension_points(10, 5, 2, noise=-1), "noise"),
    (lambda: random_walk_tree(0, 10, 2), "n_branch"),
    (lambda: gaussian_blobs(10, 2, cluster_std=0), "cluster_std"),
    (lambda: noisy_identity_spectra(np.eye(5), [1.5]), "alphas"),
    (lambda: random_spd_matrix(5, kind="gue"), "kind"),
    (lambda: corrupt_labels([0, 1], 2.0), "fraction"),
    (lambda: gaussian_blobs(10, 2, seed="a"), "seed"),
])
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()

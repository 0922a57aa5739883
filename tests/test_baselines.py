"""KSG, MINE, InfoNCE, binned MI, von Neumann entropy and RankMe against closed
forms, direct formulas and scikit-learn's KSG on fixed seeds."""
import math

import numpy as np
import pytest
import torch

from repscope.data.toy import gaussian_blobs
from repscope.metrics import classic_shannon_mutual_information
from repscope.metrics.baselines import effective_rank, ksg_mutual_information, von_neumann_entropy
from repscope.metrics.dsmi import binned_mutual_information
from repscope.metrics.variational import infonce_mutual_information, mine_mutual_information

LOG2_3 = math.log2(3)


def test_ksg_matches_scikit_learns_estimators_in_one_dimension(rng):
    from sklearn.feature_selection._mutual_info import _compute_mi_cc, _compute_mi_cd

    x = rng.normal(size=400)
    labels = (x + rng.normal(size=400) > 0).astype(int) + (x > 1)
    y = x + 0.7 * rng.normal(size=400)
    assert ksg_mutual_information(x[:, None], labels, jitter=0) == pytest.approx(
        _compute_mi_cd(x, labels, 3) / math.log(2), abs=1e-12)
    assert ksg_mutual_information(x[:, None], y, jitter=0) == pytest.approx(
        _compute_mi_cc(x, y, 3) / math.log(2), abs=1e-12)


@pytest.mark.parametrize("rho", [0.3, 0.6, 0.9])
def test_ksg_recovers_the_mi_of_correlated_gaussians(rho):
    # I = -1/2 log2(1 - rho^2). At N = 2000, k = 3 the estimator's spread over
    # seeds is 0.01-0.03 bits and its bias for Gaussians below 0.02 bits
    # (Kraskov et al. 2004, fig. 4), so 0.06 bits is ~3 standard deviations.
    r = np.random.default_rng(7)
    a = r.normal(size=(2000, 1))
    b = rho * a + math.sqrt(1 - rho ** 2) * r.normal(size=(2000, 1))
    assert ksg_mutual_information(a, b[:, 0]) == pytest.approx(-0.5 * math.log2(1 - rho ** 2), abs=0.06)


def test_ksg_on_separated_blobs_gives_the_label_entropy_and_independence_gives_zero(rng):
    X, y = gaussian_blobs(600, 5, seed=1)
    # Ross: psi(N) - psi(N / 3) for perfectly separated classes (~ log 3 nats)
    assert ksg_mutual_information(X, y) == pytest.approx(LOG2_3, abs=0.01)
    assert ksg_mutual_information(rng.normal(size=(600, 5)), y) < 0.05


def test_ksg_with_labels_as_a_number_collapses_with_dimension_but_dsmi_does_not():
    from repscope.metrics import diffusion_spectral_mutual_information as dsmi

    low, high = [gaussian_blobs(450, d, seed=0) for d in (2, 200)]
    ksg = [ksg_mutual_information(X, y, reference_type="scalar") for X, y in (low, high)]
    ds = [dsmi(X, y, sigma="sqrt_dim", n_repetitions=2).mi for X, y in (low, high)]
    assert ksg[0] > 1.0 and ksg[1] < 0.1  # max-norm neighbours stop seeing the label
    assert ds[0] > 1.0 and ds[1] > 0.4  # DSMI degrades but keeps the labels' information


def test_binned_mi_is_csmi():
    X, y = gaussian_blobs(200, 3, seed=2)
    for bins in (5, 10):
        assert binned_mutual_information(X, y, num_bins=bins) == classic_shannon_mutual_information(
            X, y, num_bins_per_dim=bins).mi


@pytest.mark.parametrize("estimator, kwargs", [
    (mine_mutual_information, {}),
    (infonce_mutual_information, {"batch_size": 64}),
])
def test_neural_bounds_reach_the_label_entropy_on_separated_blobs(estimator, kwargs, rng):
    X, y = gaussian_blobs(400, 20, seed=0)
    est = estimator(X, y, steps=120, **kwargs)
    assert LOG2_3 - 0.2 < est <= LOG2_3 + 0.05  # a lower bound on I = H(Y)
    assert estimator(X, y, steps=120, **kwargs) == est  # seeded
    assert estimator(rng.normal(size=(400, 20)), y, steps=120, **kwargs) < 0.1


def test_infonce_never_exceeds_log_batch_size():
    X, y = gaussian_blobs(400, 10, centers=40, seed=3)  # I = log2 40 > log2 8
    assert infonce_mutual_information(X, y, steps=150, batch_size=8) <= 3 + 1e-6


def test_neural_estimators_leave_the_global_torch_rng_alone():
    X, y = gaussian_blobs(40, 3, seed=0)
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    mine_mutual_information(X, y, steps=3)
    np.testing.assert_array_equal(torch.rand(3).numpy(), before.numpy())


def test_von_neumann_entropy_against_direct_formulas(rng):
    Q = np.linalg.qr(rng.normal(size=(64, 64)))[0]
    assert von_neumann_entropy(Q, kernel="linear") == pytest.approx(6.0, abs=1e-9)  # Gram = I
    k = 5
    R = rng.normal(size=(40, k)) @ np.linalg.qr(rng.normal(size=(30, k)))[0].T  # rank 5
    U, s, Vt = np.linalg.svd(R, full_matrices=False)
    equal = U[:, :k] @ Vt[:k]  # rank 5, equal singular values
    assert von_neumann_entropy(equal, kernel="linear") == pytest.approx(math.log2(k), abs=1e-9)
    Z = rng.normal(size=(50, 4))
    G = np.exp(-((Z[:, None] - Z[None]) ** 2).sum(-1) / (2 * 1.5 ** 2))
    lam = np.linalg.eigvalsh(G / np.trace(G))
    for alpha in (1.0, 2.0):
        direct = (-(lam * np.log2(lam)).sum() if alpha == 1
                  else np.log2((lam ** alpha).sum()) / (1 - alpha))
        got = von_neumann_entropy(Z, sigma=1.5, alpha=alpha, backend="numpy")
        assert got == pytest.approx(direct, abs=1e-9)
    assert von_neumann_entropy(Z * 1e3, sigma=1.0) == pytest.approx(math.log2(50), abs=1e-9)


def test_effective_rank_against_direct_formula(rng):
    k = 4
    Q1, Q2 = np.linalg.qr(rng.normal(size=(60, k)))[0], np.linalg.qr(rng.normal(size=(30, k)))[0]
    assert effective_rank(3.0 * Q1 @ Q2.T, eps=0) == pytest.approx(k, abs=1e-9)
    Z = rng.normal(size=(60, 30))
    s = np.linalg.svd(Z, compute_uv=False)
    p = s / s.sum() + 1e-7
    assert effective_rank(Z) == pytest.approx(math.exp(-(p * np.log(p)).sum()), rel=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda Z, y: ksg_mutual_information(Z, y, k=0), "k must"),
    (lambda Z, y: ksg_mutual_information(Z, y, k=30), "k must"),
    (lambda Z, y: ksg_mutual_information(Z, y[:5]), "reference"),
    (lambda Z, y: ksg_mutual_information(Z, y, reference_type="fuzzy"), "reference_type"),
    (lambda Z, y: mine_mutual_information(Z, y, steps=0), "steps"),
    (lambda Z, y: infonce_mutual_information(Z, y, batch_size=-1), "batch_size"),
    (lambda Z, y: von_neumann_entropy(Z, kernel="cosine"), "kernel"),
    (lambda Z, y: von_neumann_entropy(Z, alpha=0), "alpha"),
    (lambda Z, y: von_neumann_entropy(Z, sigma="knn"), "sigma"),
    (lambda Z, y: effective_rank(Z * 0), "zeros"),
    (lambda Z, y: effective_rank(Z[:, 0]), "2-D"),
])
def test_bad_input_names_the_parameter(call, match):
    Z, y = gaussian_blobs(30, 3, seed=0)
    with pytest.raises(ValueError, match=match):
        call(Z, y)


def test_critic_pairs_scored_against_distinct_rows_equal_every_pair():
    """InfoNCE's critic scores each z against the K distinct label rows and gathers: the same
    N x N matrix as scoring every pair (one-hot labels and a continuous reference alike)."""
    import torch

    from repscope.metrics.variational import _critic

    gen = torch.Generator().manual_seed(0)
    z = torch.randn(12, 5, generator=gen)
    for b in (torch.eye(3)[torch.randint(3, (12,), generator=gen)], torch.randn(12, 2, generator=gen)):
        critic = _critic(5, b.shape[1], 8)
        full = critic.head(critic.fz(z)[:, None, :] + critic.fb(b)[None, :, :])[..., 0]
        torch.testing.assert_close(critic.pairs(z, b), full, rtol=1e-6, atol=1e-6)


def test_critic_concat_init_is_one_linear_layer_on_the_concatenated_input():
    """init='concat' (the DSE authors' MINE): the first layer starts as nn.Linear(dz + db, hidden)
    under the same seed, so the label's weights are ~1/sqrt(dz + db) small; 'split' gives each
    block its own fan-in (the label's weights ~1). The critic computes the concatenated layer."""
    import torch
    from torch import nn

    from repscope.metrics.variational import _critic

    dz, db, hidden = 400, 1, 16
    torch.manual_seed(3)
    critic = _critic(dz, db, hidden, init="concat")
    torch.manual_seed(3)
    joint = nn.Linear(dz + db, hidden)
    torch.testing.assert_close(torch.cat([critic.fz.weight, critic.fb.weight], 1), joint.weight)
    torch.testing.assert_close(critic.fz.bias, joint.bias)
    z, b = torch.randn(6, dz), torch.randn(6, db)
    torch.testing.assert_close(critic.fz(z) + critic.fb(b), joint(torch.cat([z, b], 1)), rtol=1e-5, atol=1e-5)
    bound = 1 / (dz + db) ** 0.5
    assert critic.fb.weight.abs().max() <= bound
    assert _critic(dz, db, hidden, init="split").fb.weight.abs().max() > 10 * bound
    with pytest.raises(ValueError, match="init"):
        from repscope.metrics.variational import mine_mutual_information

        mine_mutual_information(*gaussian_blobs(30, 3, seed=0), init="joint")

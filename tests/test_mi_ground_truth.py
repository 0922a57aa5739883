"""The ground-truth MI benchmark: the Monte-Carlo truth against a 1-D integral and its
limits, the invertibility of the transforms, and the study's estimates at tiny size."""
import matplotlib
import numpy as np
import pytest
from scipy import integrate, stats

from repscope.data.mixtures import (Mixture, embed, labelled_mixture, mixture_mutual_information,
                                    transform)

matplotlib.use("Agg")


def _two_class_mi_by_quadrature(separation, noise):
    """Two classes at (+-separation, 0): only the first coordinate carries the label, so
    I = 1 - integral p(x) h(p(y | x)) dx over one dimension."""
    def integrand(x):
        a = stats.norm.pdf(x, separation, noise)
        b = stats.norm.pdf(x, -separation, noise)
        post = a / (a + b)
        h = -sum(p * np.log2(p) for p in (post, 1 - post) if p > 0)
        return 0.5 * (a + b) * h

    return 1.0 - integrate.quad(integrand, -separation - 12 * noise, separation + 12 * noise,
                                limit=200)[0]


@pytest.mark.parametrize("separation", [0.3, 1.0, 2.5])
def test_monte_carlo_truth_matches_a_one_dimensional_integral(separation):
    mi, se = mixture_mutual_information(Mixture(2, separation, 1.3), n_samples=100_000, seed=1)
    assert se < 0.003
    assert mi == pytest.approx(_two_class_mi_by_quadrature(separation, 1.3), abs=4 * se + 1e-4)


@pytest.mark.parametrize("dof", [None, 3.0])
def test_truth_limits_zero_and_log2_k(dof):
    assert mixture_mutual_information(Mixture(4, 0.0, dof=dof), n_samples=5000)[0] == pytest.approx(0, abs=1e-12)
    assert mixture_mutual_information(Mixture(4, 60.0, dof=dof), n_samples=5000)[0] == pytest.approx(2.0, abs=0.01)
    low = mixture_mutual_information(Mixture(4, 1.0, dof=dof), n_samples=20000)[0]
    high = mixture_mutual_information(Mixture(4, 2.0, dof=dof), n_samples=20000)[0]
    assert 0 < low < high < 2


def _inverse(z, kind, speed=0.5):
    if kind == "half_cube":
        return np.sign(z) * np.abs(z) ** (2 / 3)
    if kind == "asinh":
        return np.sinh(z)
    if kind == "spiral":  # the rotation keeps |x|, so the angle is known from z
        angle = -speed * (z ** 2).sum(1)
        c, s = np.cos(angle), np.sin(angle)
        return np.stack([c * z[:, 0] - s * z[:, 1], s * z[:, 0] + c * z[:, 1]], axis=1)
    return z


@pytest.mark.parametrize("kind", ["linear", "half_cube", "asinh", "spiral", "student"])
def test_transforms_are_invertible(rng, kind):
    x = rng.normal(size=(50, 2)) * 2
    np.testing.assert_allclose(_inverse(transform(x, kind), kind), x, atol=1e-10)


def test_embedding_is_a_rotation_of_the_padded_points(rng):
    x = rng.normal(size=(30, 2))
    Z = embed(x, 64, 0.0, rng)
    np.testing.assert_allclose(np.linalg.norm(Z[:, None] - Z[None], axis=-1),
                               np.linalg.norm(x[:, None] - x[None], axis=-1), atol=1e-10)
    Z, y = labelled_mixture(Mixture(4, 2.0), 400, 16, "spiral", seed=0)
    assert Z.shape == (400, 16) and np.bincount(y).tolist() == [100] * 4
    with pytest.raises(ValueError, match="dim"):
        embed(x, 1, 1.0, rng)
    with pytest.raises(ValueError, match="transform"):
        transform(x, "cube")
    with pytest.raises(ValueError, match="separation"):
        Mixture(4, -1.0)


@pytest.mark.slow
def test_study_estimates_follow_the_truth_and_the_figure_draws_them():
    from repscope.studies import load_study, study_config

    overrides = ["study.repetitions=1", "study.truth_samples=20000",
                 "study.sweeps={separation: {separations: [0.0, 1.0, 2.0, 4.0], dims: [16], "
                 "n_points: [300], transforms: [linear]}, dimension: {separations: [2.0], dims: [2, 64], "
                 "n_points: [300], transforms: [linear]}, sample_size: {separations: [2.0], dims: [16], "
                 "n_points: [150, 300], transforms: [linear]}}",
                 "study.use=[DSMI_median,KSG_Ross]"]
    module = load_study("mi_ground_truth")
    df = module.run(study_config("mi_ground_truth", overrides))
    sweep = df[df.part == "separation"]
    for name, rows in sweep.groupby("estimator"):
        rows = rows.sort_values("truth")
        assert stats.spearmanr(rows.truth, rows.value)[0] > 0.9, name
    assert sweep.truth.min() == pytest.approx(0, abs=1e-12) and sweep.truth.max() > 1.9
    rating = module.rating(df)
    assert set(rating.columns) >= {"part", "estimator", "bias", "spread", "abs_error"}
    assert len(rating) == 3 * 2
    fig = module.FIGURES["mi_ground_truth_estimates"](df)
    ax = fig.axes[0]
    lines = [line for line in ax.lines if len(line.get_xdata()) == 4]
    plotted = sorted(tuple(np.round(line.get_xdata(), 9)) for line in lines)
    assert plotted and all(np.allclose(x, sorted(sweep.truth.unique())) for x in plotted)
    assert any(np.allclose(line.get_xdata(), line.get_ydata()) for line in ax.lines)  # the diagonal


def test_cells_measured_by_two_processes_give_the_rows_of_one():
    """study.workers: each cell draws its points from its own generator, so two worker
    processes return the same rows, in the same order, as one."""
    import pandas as pd

    from repscope.studies import load_study, study_config

    overrides = ["study.repetitions=2", "study.truth_samples=2000", "study.use=[DSMI_median,KSG_Ross,InfoNCE]",
                 "study.estimators.InfoNCE.steps=20",
                 "study.sweeps={separation: {separations: [0.0, 2.0], dims: [4], n_points: [80], "
                 "transforms: [linear, spiral]}, dimension: {separations: [2.0], dims: [2], n_points: [80], "
                 "transforms: [linear]}, sample_size: {separations: [2.0], dims: [4], n_points: [60], "
                 "transforms: [linear]}}"]
    module = load_study("mi_ground_truth")
    one, two = (module.run(study_config("mi_ground_truth", overrides + [f"study.workers={w}"]))
                for w in (1, 2))
    assert len(one) == 2 * (4 + 1 + 1) * 3  # repetitions x cells x estimators
    pd.testing.assert_frame_equal(one.drop(columns="seconds"), two.drop(columns="seconds"))


@pytest.mark.parametrize("study,override,match", [
    ("mi_ground_truth", "study.use=[DSMI_x]", "study.use"),
    ("mi_ground_truth", "study.sweeps.dimension.transforms=[cube]", "transforms"),
    ("mi_ground_truth", "study.sweeps.dimension.dims=[1]", "dims"),
    ("mi_ground_truth", "study.workers=0", "study.workers"),
    ("mi_estimators", "study.estimators.MINE.init=joint", "estimators.MINE.init"),
    ("mi_estimators", "study.workers=0", "study.workers"),
    ("phate_trajectory", "study.epochs=[0,7]", "study.epochs"),
])
def test_bad_study_settings_fail_when_the_workflow_is_planned(study, override, match):
    from repscope.schema.experiment import check_study
    from repscope.studies import study_config

    with pytest.raises(ValueError, match=match):
        check_study(study, study_config(study, ["experiment=quick", override]).study)


def _kernel_contrast(Z, y) -> float:
    """Mean Gaussian-kernel weight (median bandwidth) within a class over that between classes."""
    from scipy.spatial.distance import pdist, squareform

    d = squareform(pdist(Z))
    sigma = np.median(d[np.triu_indices(len(Z), 1)])
    G = np.exp(-d ** 2 / (2 * sigma ** 2))
    same = (y[:, None] == y[None]) & ~np.eye(len(Z), dtype=bool)
    return G[same].mean() / G[y[:, None] != y[None]].mean()


def test_dsmi_bias_comes_from_the_nuisance_coordinates():
    """docs/measures.md, "Why DSMI is biased low": on the 4-class mixture at separation 2 (1.44
    bits), 62 nuisance coordinates of s.d. 1 leave the kernel almost blind to the classes and
    DSMI near 0.1 bits under every bandwidth rule; shrinking them, or projecting onto the two
    leading principal components, restores the value DSMI has in two dimensions."""
    from repscope.metrics import diffusion_spectral_mutual_information as dsmi

    mix = Mixture(4, 2.0, 1.0)
    Z2, y2 = labelled_mixture(mix, 300, 2, "linear", seed=7)
    Z64, y64 = labelled_mixture(mix, 300, 64, "linear", seed=7)
    Zq, yq = labelled_mixture(mix, 300, 64, "linear", nuisance_std=0.25, seed=7)
    assert _kernel_contrast(Z2, y2) == pytest.approx(1.61, abs=0.01)
    assert _kernel_contrast(Z64, y64) == pytest.approx(1.04, abs=0.01)

    def mi(Z, y, sigma="median"):
        return float(dsmi(Z, y, sigma=sigma, backend="numpy").mi)

    assert mi(Z2, y2) == pytest.approx(0.925, abs=0.01)
    assert [mi(Z64, y64, s) for s in (10.0, "median", "knn", "sqrt_dim")] == pytest.approx(
        [0.116, 0.109, 0.117, 0.111], abs=0.01)  # no bandwidth rule helps
    assert mi(Zq, yq) == pytest.approx(0.552, abs=0.01)
    centred = Z64 - Z64.mean(0)
    top2 = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T
    assert mi(top2, y64) == pytest.approx(0.853, abs=0.01)

"""MFTMA: the QP solver against cvxopt, closed forms of the replica theory (points,
D-balls), invariances, monotone behaviour, few classes, seeds, projection."""
import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import ndtri

from repscope.metrics.manifold import (_correlation_cost, _mean_abs_correlation, anchor_geometry,
                                       anchor_points, centre_subspace, manifold_geometry,
                                       random_projection)


def gaussian_qmc(dim, n_log2, seed=0):
    """Scrambled Sobol points mapped to standard normals: [dim, 2**n_log2]."""
    u = stats.qmc.Sobol(dim, scramble=True, seed=seed).random_base2(n_log2)
    return ndtri(u).T


def point_capacity(kappa):
    """Gardner's capacity of points: 1 / int_{-kappa}^inf Dt (t + kappa)^2."""
    return 1 / ((1 + kappa**2) * stats.norm.cdf(kappa) + kappa * stats.norm.pdf(kappa))


def _gauss_square(a, b, c):
    """int_a^b phi(x) (x + c)^2 dx in closed form."""
    Phi, phi = stats.norm.cdf, stats.norm.pdf

    def xphi(x):
        return 0.0 if np.isinf(x) else x * phi(x)

    return (Phi(b) - Phi(a) - xphi(b) + xphi(a) + 2 * c * (phi(a) - phi(b))
            + c**2 * (Phi(b) - Phi(a)))


def ball_theory(R, D, kappa):
    """Capacity and anchor radius of a D-ball of radius R (PRX 2018, Sec. IV):
    with r = |t_D| ~ chi_D and t0 ~ N(0, 1) the anchor lies on the sphere
    (F = (R r + t0 + kappa)_+^2 / (1 + R^2)) below t0 + kappa = r / R and is
    embedded above it (F = r^2 + (t0 + kappa)^2, |s| = r / (t0 + kappa))."""
    chi = stats.chi(D).pdf

    def F(r):
        edge = r / R - kappa
        return (_gauss_square(-kappa - R * r, edge, R * r + kappa) / (1 + R**2)
                + r**2 * stats.norm.sf(edge) + _gauss_square(edge, np.inf, kappa))

    def s2(r):
        edge = r / R - kappa
        inside = integrate.quad(lambda t0: stats.norm.pdf(t0) * (r / (t0 + kappa)) ** 2,
                                edge, np.inf)[0]
        return R**2 * stats.norm.cdf(edge) + inside

    f = integrate.quad(lambda r: chi(r) * F(r), 0, np.inf)[0]
    radius2 = integrate.quad(lambda r: chi(r) * s2(r), 0, np.inf)[0]
    return 1 / f, np.sqrt(radius2)


def disk(R, m=360):
    theta = np.linspace(0, 2 * np.pi, m, endpoint=False)
    return np.vstack([R * np.cos(theta), R * np.sin(theta), np.ones(m)])


def clouds(P=4, M=20, N=30, sep=2.0, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(P), M)
    return rng.normal(size=(P, N))[y] * sep + rng.normal(size=(P * M, N)), y


@pytest.mark.parametrize("kappa", [0.0, 0.7, -0.4])
def test_nnls_dual_matches_cvxopt_quadratic_program(kappa):
    rng = np.random.default_rng(1)
    S = np.vstack([rng.normal(size=(4, 12)), np.ones(12)])
    t = rng.normal(size=(5, 40))
    a = anchor_points(S, t, kappa, qp_solver="nnls")
    b = anchor_points(S, t, kappa, qp_solver="cvxopt")
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert np.allclose(a[-1], 1)


@pytest.mark.parametrize("kappa", [-0.5, 0.0, 0.5, 1.0])
def test_point_manifolds_follow_gardner_capacity(kappa):
    n = 20000
    t = ndtri((np.arange(n) + 0.5) / n)[None]  # quantile rule for the Gaussian integral
    capacity, radius, dimension = anchor_geometry(np.ones((1, 1)), t, kappa)
    assert capacity == pytest.approx(point_capacity(kappa), rel=2e-3)
    assert point_capacity(0.0) == pytest.approx(2.0)
    assert radius == 0 and dimension == 0


def test_classes_of_single_points_have_capacity_two():
    rng = np.random.default_rng(0)
    res = manifold_geometry(rng.normal(size=(10, 40)), np.arange(10), n_t=5000, n_reps=2)
    assert res.capacity == pytest.approx(2.0, rel=0.03)  # 3 sigma of the Monte Carlo error
    assert res.radius == 0


@pytest.mark.parametrize("R, kappa", [(0.5, 0.0), (1.5, 0.0), (1.0, 0.3)])
def test_disk_capacity_radius_dimension_match_theory(R, kappa):
    t = gaussian_qmc(3, 11, seed=2)
    capacity, radius, dimension = anchor_geometry(disk(R), t, kappa)
    want_capacity, want_radius = ball_theory(R, 2, kappa)
    assert capacity == pytest.approx(want_capacity, rel=1e-2)
    assert radius == pytest.approx(want_radius, rel=1e-2)
    assert dimension == pytest.approx(2.0, rel=1e-3)  # anchors point along t in every regime


def test_correlation_cost_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 6))
    V = np.linalg.qr(rng.normal(size=(2, 6, 3)))[0]
    _, G = _correlation_cost(X, V)
    E, h = rng.normal(size=V.shape), 1e-6
    fd = (_correlation_cost(X, V + h * E, False) - _correlation_cost(X, V - h * E, False)) / (2 * h)
    np.testing.assert_allclose((G * E).sum((1, 2)), fd, rtol=1e-6)


def test_centre_subspace_removes_a_planted_shared_direction():
    rng = np.random.default_rng(0)
    u = rng.normal(size=40)
    centres = rng.uniform(2, 4, size=(12, 1)) * u + rng.normal(size=(12, 40)) * 0.3
    V, before = centre_subspace(centres, n_reps=3, rng=1)
    assert V.shape[1] >= 1 and np.allclose(V.T @ V, np.eye(V.shape[1]), atol=1e-10)
    Xb = centres - centres.mean(0)
    after = _mean_abs_correlation(Xb - Xb @ V @ V.T)
    assert after < before / 2


def test_rotation_invariance():
    Z, y = clouds()
    Q = np.linalg.qr(np.random.default_rng(5).normal(size=(30, 30)))[0]
    a = manifold_geometry(Z, y, n_t=100, n_reps=3)
    b = manifold_geometry(Z @ Q, y, n_t=100, n_reps=3)
    assert a.n_removed == b.n_removed
    for field in ("capacities", "radii", "dimensions"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=1e-6)
    assert a.correlation == pytest.approx(b.correlation, rel=1e-10)


def test_separation_raises_capacity_and_shrinks_radius():
    out = [manifold_geometry(*clouds(P=5, sep=sep, seed=3), n_t=100, n_reps=2)
           for sep in (0.5, 1.0, 2.0, 4.0)]
    caps, radii = [g.capacity for g in out], [g.radius for g in out]
    assert np.all(np.diff(caps) > 0) and np.all(np.diff(radii) < 0)


@pytest.mark.parametrize("P", [2, 3, 5, 6])
def test_few_classes_work(P):
    res = manifold_geometry(*clouds(P=P, M=15, N=12), n_t=50, n_reps=2)
    assert np.isfinite([res.capacity, res.radius, res.dimension, res.correlation]).all()
    assert res.n_removed <= max(P - 2, 0)


def test_fixed_seed_reproducible_and_seed_sensitive():
    Z, y = clouds(P=4)
    a = manifold_geometry(Z, y, n_t=50, n_reps=2, seed=7)
    b = manifold_geometry(Z, y, n_t=50, n_reps=2, seed=7)
    c = manifold_geometry(Z, y, n_t=50, n_reps=2, seed=8)
    np.testing.assert_array_equal(a.capacities, b.capacities)
    assert not np.array_equal(a.capacities, c.capacities)


def test_rank_subspace_recovers_circle_dimension():
    rng = np.random.default_rng(0)
    theta = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    circle = np.column_stack([np.cos(theta), np.sin(theta)])
    Z = np.concatenate([c * 10 + circle @ np.linalg.qr(rng.normal(size=(60, 2)))[0].T
                        for c in rng.normal(size=(2, 60))])
    y = np.repeat([0, 1], 200)  # two classes: no centre direction is removed
    rank = manifold_geometry(Z, y, n_t=300, subspace="rank")
    samples = manifold_geometry(Z, y, n_t=300, subspace="samples")
    np.testing.assert_allclose(rank.dimensions, 2.0, rtol=1e-3)
    assert np.all(samples.dimensions < 1.9)  # 58 spurious axes dilute the cosines


def test_random_projection_above_max_features():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 50))
    a = random_projection(X, 20, seed=1)
    np.testing.assert_allclose(a, random_projection(X, 20, seed=1, chunk=7), atol=1e-12)
    # unit rows in 50 dimensions keep 20/50 of the squared norm on average
    big = random_projection(rng.normal(size=(200, 400)), 100, seed=2)
    assert (big**2).sum(1).mean() / 400 == pytest.approx(100 / 400, rel=0.05)
    Z, y = clouds(N=60)
    res = manifold_geometry(Z, y, n_t=50, n_reps=2, max_features=30)
    full = manifold_geometry(Z, y, n_t=50, n_reps=2)
    assert res.capacity != full.capacity and np.isfinite(res.capacity)


def test_bad_input():
    Z, y = clouds()
    with pytest.raises(ValueError, match="kappa"):
        manifold_geometry(Z, y, kappa=float("nan"))
    with pytest.raises(ValueError, match="n_t"):
        manifold_geometry(Z, y, n_t=0)
    with pytest.raises(ValueError, match="subspace"):
        manifold_geometry(Z, y, subspace="qr")
    with pytest.raises(ValueError, match="qp_solver"):
        manifold_geometry(Z, y, qp_solver="osqp")
    with pytest.raises(ValueError, match="at least 2 classes"):
        manifold_geometry(Z, np.zeros(len(y)))
    with pytest.raises(ValueError, match="one entry per point"):
        manifold_geometry(Z, y[1:])
    with pytest.raises(ValueError, match="distinct centres"):
        manifold_geometry(np.vstack([Z[:20], Z[:20]]), np.repeat([0, 1], 20))
    with pytest.raises(ValueError, match="last row of ones"):
        anchor_geometry(np.zeros((2, 3)), np.zeros((2, 4)))

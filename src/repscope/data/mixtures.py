"""Labelled point clouds whose mutual information with their label is known: a mixture of
K classes in a 2-D latent space (means on a regular K-gon of radius ``separation``, Gaussian
or Student-t class noise), passed through an invertible transform, padded with nuisance
coordinates independent of everything and rotated into D dimensions at random. Invertible
maps and independent padding leave I(Z; Y) equal to the latent mixture's I(X; Y), which
:func:`mixture_mutual_information` computes from the exact posterior by Monte Carlo
(``docs/studies.md``, mi_ground_truth)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_choice, check_positive

LATENT_DIM = 2
TRANSFORMS = ("linear", "half_cube", "spiral", "asinh", "student")


@dataclass(frozen=True)
class Mixture:
    """K classes, equal weights, means on a K-gon of radius ``separation``; class noise of
    scale ``noise``: Gaussian, or multivariate Student-t with ``dof`` degrees of freedom."""

    classes: int
    separation: float
    noise: float = 1.0
    dof: float | None = None

    def __post_init__(self):
        check_positive(self.classes, "classes", integer=True)
        if self.classes < 2:
            raise ValueError(f"classes must be at least 2; got {self.classes}")
        if isinstance(self.separation, bool) or not self.separation >= 0:
            raise ValueError(f"separation must be a number >= 0; got {self.separation!r}")
        check_positive(self.noise, "noise")
        if self.dof is not None:
            check_positive(self.dof, "dof")

    @property
    def means(self) -> np.ndarray:
        angle = 2 * np.pi * np.arange(self.classes) / self.classes
        return self.separation * np.stack([np.cos(angle), np.sin(angle)], axis=1)

    def sample(self, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Latent points [N, 2] of the given classes."""
        g = rng.normal(size=(len(labels), LATENT_DIM))
        if self.dof is not None:
            g = g / np.sqrt(rng.chisquare(self.dof, size=(len(labels), 1)) / self.dof)
        return self.means[labels] + self.noise * g

    def log_likelihoods(self, x: np.ndarray) -> np.ndarray:
        """log p(x | y = k) up to a constant shared by all k, [N, K]."""
        d2 = ((x[:, None, :] - self.means[None]) ** 2).sum(-1) / self.noise ** 2
        if self.dof is None:
            return -0.5 * d2
        return -0.5 * (self.dof + LATENT_DIM) * np.log1p(d2 / self.dof)


def mixture_mutual_information(mix: Mixture, *, n_samples=200_000, seed=0) -> tuple[float, float]:
    """I(X; Y) in bits of the mixture and its Monte-Carlo standard error: H(Y) minus the mean
    entropy of the exact posterior p(y | x) over ``n_samples`` draws of (x, y)."""
    check_positive(n_samples, "n_samples", integer=True)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, mix.classes, n_samples)
    logp = mix.log_likelihoods(mix.sample(y, rng))
    logp -= logp.max(1, keepdims=True)
    post = np.exp(logp)
    post /= post.sum(1, keepdims=True)
    h = -(post * np.log2(np.where(post > 0, post, 1.0))).sum(1)
    return float(np.log2(mix.classes) - h.mean()), float(h.std(ddof=1) / np.sqrt(n_samples))


def transform(x: np.ndarray, kind: str, *, spiral_speed: float = 0.5) -> np.ndarray:
    """An invertible map of latent points [N, 2]: ``linear`` (identity), ``half_cube``
    (x |x|^1/2 per coordinate), ``asinh`` (per coordinate), ``spiral`` (rotation by
    ``spiral_speed`` * |x|^2). ``student`` is Student-t class noise, not a map: identity here."""
    check_choice(kind, "transform", TRANSFORMS)
    if kind == "half_cube":
        return x * np.sqrt(np.abs(x))
    if kind == "asinh":
        return np.arcsinh(x)
    if kind == "spiral":
        angle = spiral_speed * (x ** 2).sum(1)
        c, s = np.cos(angle), np.sin(angle)
        return np.stack([c * x[:, 0] - s * x[:, 1], s * x[:, 0] + c * x[:, 1]], axis=1)
    return x


def embed(x: np.ndarray, dim: int, nuisance_std: float, rng: np.random.Generator) -> np.ndarray:
    """Latent points [N, 2] padded with ``dim - 2`` independent N(0, nuisance_std^2)
    coordinates and rotated by a random orthogonal matrix: [N, dim]."""
    check_positive(dim, "dim", integer=True)
    if dim < x.shape[1]:
        raise ValueError(f"dim must be at least the latent dimension {x.shape[1]}; got {dim}")
    if isinstance(nuisance_std, bool) or not nuisance_std >= 0:
        raise ValueError(f"nuisance_std must be a number >= 0; got {nuisance_std!r}")
    padded = np.concatenate([x, nuisance_std * rng.normal(size=(len(x), dim - x.shape[1]))], 1)
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return padded @ (q * np.sign(np.diag(r)))


def labelled_mixture(mix: Mixture, n_points: int, dim: int, kind: str, *, nuisance_std=1.0,
                     spiral_speed=0.5, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """(Z [n_points, dim] float64, balanced labels [n_points]) of the mixture through
    ``kind`` (:func:`transform`), embedded by :func:`embed`."""
    check_positive(n_points, "n_points", integer=True)
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n_points) % mix.classes)
    x = transform(mix.sample(y, rng), kind, spiral_speed=spiral_speed)
    return embed(x, dim, nuisance_std, rng), y

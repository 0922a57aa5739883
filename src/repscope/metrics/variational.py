"""Variational lower bounds on I(Z; B) with a learned critic: MINE
(Donsker–Varadhan, Belghazi et al. 2018) and InfoNCE (van den Oord et al.
2018). Same signature as the other estimators, result in bits.

Both fit a small MLP critic T(z, b) on one half of the points (seeded split,
seeded initialisation and batches; the global torch RNG is left as it was)
and report the bound on the other half, so a critic that memorises its
training points does not inflate the estimate. Z is divided by its overall
standard deviation after centring (one number, so the geometry is kept); discrete labels
enter as one-hot vectors, continuous references standardised per column.
InfoNCE can never exceed log2(batch_size).

MINE also runs as the DSE authors ran it (``held_out=False``,
``estimate='biased'``, ``standardize=False``; docs/fidelity.md): trained and
scored on all points, the plain Donsker–Varadhan loss, raw inputs."""
from __future__ import annotations

import math

import numpy as np

from .._validate import (check_choice, check_device, check_points, check_positive, check_same_length,
                         check_seed, to_numpy)
from .reference import is_discrete

LN2 = math.log(2)


def _inputs(Z, reference, reference_type, standardize=True):
    Z = to_numpy(check_points(Z, dtype="float32")).astype(np.float32)
    B = to_numpy(reference)
    check_same_length(Z.shape[0], B, "reference")
    if is_discrete(B, reference_type):
        if np.issubdtype(B.dtype, np.floating) and not np.isfinite(B).all():
            raise ValueError("reference contains NaN or Inf; discrete labels must be finite")
        _, codes = np.unique(B.reshape(-1), return_inverse=True)
        B = np.eye(codes.max() + 1, dtype=np.float32)[codes]
    else:
        B = check_points(B.reshape(len(B), -1).astype(np.float64), "reference", dtype="float32").astype(np.float32)
        if standardize:
            B = (B - B.mean(0)) / np.where(B.std(0) > 0, B.std(0), 1)
    if not standardize:
        return Z, B
    Z = Z - Z.mean(0)
    std = float(Z.std())
    return Z / (std if std > 0 else 1.0), B


# How the critic's first layer W [z; b] + c starts: "split", each block by its own fan-in
# (W_z, c as nn.Linear(dz, hidden), W_b as nn.Linear(db, hidden): a one-column label keeps a
# unit-scale weight however large dz is); "concat", as nn.Linear(dz + db, hidden) on the
# concatenated input (the DSE authors' MINE: W_b starts ~1/sqrt(dz) small, so in high
# dimension the label barely reaches the critic).
CRITIC_INITS = ("split", "concat")


def _critic(dz, db, hidden, init="split"):
    """T(z, b) = MLP([z, b]); ``pairs`` scores every z against every b, using
    that the first layer is linear: W [z; b] = W_z z + W_b b."""
    import torch
    from torch import nn

    class Critic(nn.Module):
        def __init__(self):
            super().__init__()
            joint = nn.Linear(dz + db, hidden) if init == "concat" else None
            self.fz, self.fb = nn.Linear(dz, hidden), nn.Linear(db, hidden, bias=False)
            if joint is not None:
                with torch.no_grad():
                    self.fz.weight.copy_(joint.weight[:, :dz])
                    self.fz.bias.copy_(joint.bias)
                    self.fb.weight.copy_(joint.weight[:, dz:])
            self.head = nn.Sequential(nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                      nn.Linear(hidden, 1))

        def forward(self, z, b):
            return self.head(self.fz(z) + self.fb(b))[..., 0]

        def joint_and_marginal(self, z, b, b_marg):
            """T(z, b) and T(z, b_marg), sharing the first layer's z term."""
            h = self.fz(z)
            return self.head(h + self.fb(b))[..., 0], self.head(h + self.fb(b_marg))[..., 0]

        def pairs(self, z, b):
            """T(z_i, b_j) for every i, j. Scored against the distinct rows of b only
            (a label takes K values): an N x K head pass instead of N x N."""
            distinct, inverse = torch.unique(b, dim=0, return_inverse=True)
            scores = self.head(self.fz(z)[:, None, :] + self.fb(distinct)[None, :, :])[..., 0]
            return scores[:, inverse]

    return Critic()


def _fit_and_score(Z, reference, loss_fn, score_fn, *, reference_type, hidden, steps, batch_size,
                   lr, seed, device, held_out=True, standardize=True, init="split"):
    """Split, fit the critic on one half with ``loss_fn(critic, z, b)``, return
    ``score_fn(critic, z, b, generator)`` (nats) on the other half (on every
    point, fitted and scored alike, when ``held_out`` is false)."""
    import torch

    from ..eager_optim import eager

    check_positive(hidden, "hidden", integer=True)
    check_positive(steps, "steps", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    check_positive(lr, "lr")
    check_choice(init, "init", CRITIC_INITS)
    check_seed(seed)
    check_device(device)
    Z, B = _inputs(Z, reference, reference_type, standardize)
    n = len(Z)
    if n < 4:
        raise ValueError(f"Z needs at least 4 points (2 to fit, 2 to evaluate); got N={n}")
    order = np.random.default_rng(seed).permutation(n)
    fit, held = (order[: n // 2], order[n // 2:]) if held_out else (order, order)
    z = torch.as_tensor(Z, device=device)
    b = torch.as_tensor(B, device=device)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        critic = _critic(Z.shape[1], B.shape[1], hidden, init).to(device)
    opt = eager(torch.optim.Adam)(critic.parameters(), lr=lr)
    m = min(batch_size, len(fit))
    fit_t = torch.as_tensor(fit)
    for _ in range(steps):
        idx = fit_t[torch.randperm(len(fit), generator=gen)[:m]].to(device)
        opt.zero_grad()
        loss_fn(critic, z[idx], b[idx], gen).backward()
        opt.step()
    held_t = torch.as_tensor(held, device=device)
    with torch.no_grad():
        bound = float(score_fn(critic, z[held_t], b[held_t], gen))
    if not np.isfinite(bound):
        raise ValueError(f"lr={lr}: the critic's training diverged (the bound is {bound}); lower lr or steps")
    return bound


def _shuffled(b, gen):
    import torch

    return b[torch.randperm(len(b), generator=gen).to(b.device)]


def _donsker_varadhan(critic, z, b, gen):
    """E_joint[T] - log E_marginal[e^T], the marginal by shuffling b."""
    import torch

    t_joint, t_marg = critic.joint_and_marginal(z, b, _shuffled(b, gen))
    return t_joint.mean() - (torch.logsumexp(t_marg, 0) - math.log(len(t_marg)))


MINE_ESTIMATES = ("ema", "biased")


def _batched_dv(critic, z, b, gen, batch_size):
    """The Donsker–Varadhan bound averaged over the batches of one shuffled
    pass, the marginal shuffled within each batch (how the authors scored MINE)."""
    import torch

    perm = torch.randperm(len(z), generator=gen).to(z.device)
    chunks = [perm[i:i + batch_size] for i in range(0, len(z), batch_size)]
    return sum(_donsker_varadhan(critic, z[c], b[c], gen) for c in chunks) / len(chunks)


def mine_mutual_information(Z, reference, *, reference_type="auto", hidden=64, steps=500,
                            batch_size=256, lr=1e-3, ema=0.01, n_shuffles=10, estimate="ema",
                            held_out=True, standardize=True, init="split", seed=0, device="cpu") -> float:
    """MINE: the Donsker–Varadhan bound sup_T E_P[T] - log E_{P_Z x P_B}[e^T], in
    bits. ``estimate='ema'``: with the moving-average gradient correction of
    Belghazi et al. (rate ``ema``), reported on the held-out half averaged over
    ``n_shuffles`` draws of the product-of-marginals sample. ``'biased'``: the
    plain (biased-gradient) loss, reported as the mean bound over the batches
    of one pass, as the DSE authors did; with ``held_out=False`` the critic is
    fitted and scored on every point, and ``standardize=False`` feeds Z and a
    continuous reference as they are; ``init`` how the critic's first layer starts
    (:data:`CRITIC_INITS`; ``'concat'`` as the authors'). Not clipped: a negative value
    means the critic found no dependence."""
    import torch

    check_choice(estimate, "estimate", MINE_ESTIMATES)
    check_positive(ema, "ema")
    check_positive(n_shuffles, "n_shuffles", integer=True)
    state = {"avg": None}

    def loss(critic, z, b, gen):
        if estimate == "biased":
            return -_donsker_varadhan(critic, z, b, gen)
        e_marg = torch.exp(critic(z, _shuffled(b, gen))).mean()
        avg = e_marg.detach() if state["avg"] is None else (1 - ema) * state["avg"] + ema * e_marg.detach()
        state["avg"] = avg
        # gradient of log E[e^T] with the running mean in the denominator
        return -(critic(z, b).mean() - e_marg / avg)

    def score(critic, z, b, gen):
        if estimate == "biased":
            return _batched_dv(critic, z, b, gen, batch_size)
        return sum(_donsker_varadhan(critic, z, b, gen) for _ in range(n_shuffles)) / n_shuffles

    nats = _fit_and_score(Z, reference, loss, score, reference_type=reference_type, hidden=hidden,
                          steps=steps, batch_size=batch_size, lr=lr, seed=seed, device=device,
                          held_out=held_out, standardize=standardize, init=init)
    return nats / LN2


def _info_nce(critic, z, b):
    """log K + mean_i [T(z_i, b_i) - logsumexp_j T(z_i, b_j)] over a batch of K."""
    import torch

    scores = critic.pairs(z, b)
    return math.log(len(z)) + (scores.diagonal() - torch.logsumexp(scores, 1)).mean()


def infonce_mutual_information(Z, reference, *, reference_type="auto", hidden=64, steps=500,
                               batch_size=256, lr=1e-3, seed=0, device="cpu") -> float:
    """InfoNCE lower bound on I(Z; B) in bits, <= log2(batch_size): the critic
    scores every pair of a batch; reported as the mean bound over held-out
    batches of ``batch_size`` (the held-out half cut into whole batches, at
    least one)."""
    import torch

    def loss(critic, z, b, gen):
        return -_info_nce(critic, z, b)

    def score(critic, z, b, gen):
        perm = torch.randperm(len(z), generator=gen).to(z.device)
        m = min(batch_size, len(z))
        chunks = [perm[i:i + m] for i in range(0, len(z) - m + 1, m)]
        return sum(_info_nce(critic, z[c], b[c]) for c in chunks) / len(chunks)

    nats = _fit_and_score(Z, reference, loss, score, reference_type=reference_type, hidden=hidden,
                          steps=steps, batch_size=batch_size, lr=lr, seed=seed, device=device)
    return nats / LN2


"""Per-epoch embeddings of the evaluation subset and the accuracy that goes
with them (classifier head, or a linear probe for SimCLR)."""
from __future__ import annotations

import warnings

import numpy as np
import torch

from ..models import PENULTIMATE


def layer_features(ctx, x: torch.Tensor, names) -> dict[str, np.ndarray]:
    """{layer: [N, F] float32} of un-augmented inputs ``x`` (CPU tensor),
    computed in eval mode in batches of ``train.eval_batch_size``."""
    return {name: v.numpy() for name, v in ctx.activations(x, names).items()}


@torch.no_grad()
def head_accuracy(ctx, z: np.ndarray, labels: np.ndarray) -> float:
    logits = ctx.net.head(torch.from_numpy(z).to(ctx.device))
    return float((logits.argmax(1).cpu().numpy() == labels).mean())


def probe_accuracy(ctx, z_eval: np.ndarray, labels: np.ndarray) -> float:
    """Standardise + multinomial logistic regression (sklearn, lbfgs, seeded)
    fitted on Z of the fixed ``method.probe_n`` training subset; accuracy on
    the evaluation subset."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    ids = ctx.probe_ids()
    z_train = layer_features(ctx, ctx.dataset.x_train[ids], [PENULTIMATE])[PENULTIMATE]
    probe = make_pipeline(StandardScaler(), LogisticRegression(
        max_iter=ctx.cfg.method.probe_max_iter, random_state=ctx.cfg.dataset.eval_seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        probe.fit(z_train, ctx.dataset.y_train[ids].numpy())
    return float(probe.score(z_eval, labels))


def embed(ctx, epoch: int) -> dict:
    """The arrays of ``embeddings/epoch_<e>.npz`` for the network's current
    weights: layers, Z_<i>, labels, sample_ids, accuracy, epoch."""
    ids = ctx.eval_ids
    labels = ctx.dataset.y_test[ids].numpy().astype(np.int64)
    feats = layer_features(ctx, ctx.dataset.x_test[ids], ctx.layers)
    z = feats[PENULTIMATE]
    acc = probe_accuracy(ctx, z, labels) if ctx.cfg.method.name == "simclr" else head_accuracy(ctx, z, labels)
    arrays = {f"Z_{i}": feats[name] for i, name in enumerate(ctx.layers)}
    return dict(layers=np.array(ctx.layers), labels=labels, sample_ids=ids.astype(np.int64),
                accuracy=np.float64(acc), epoch=np.int64(epoch), **arrays)

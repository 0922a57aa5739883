"""The layer-wise measures of one checkpoint, as tidy rows (see the package docstring).

Hooked layers follow the thesis (docs/sources.md): the output of every encoder block (after its
nonlinearity) plus the penultimate layer Z (:func:`repscope.models.activations.hooked_layers`).
A network is split at a layer into a frozen encoder (everything up to it) and a decoder
(:func:`repscope.models.activations.decoder_after`: the rest, ending in the classifier head),
which is the decoder family of the DIB measure. Activations come from the run's context
(:meth:`repscope.training.context.RunContext.activations`)."""
from __future__ import annotations

import logging

import numpy as np
import torch

from ..data import stratified_subset
from ..metrics.ablation import ablation_importance
from ..metrics.binned import information_plane, modularity_comparisons
from ..metrics.dib import decodable_information
from ..metrics.geometry import linear_cka
from ..metrics.manifold import manifold_geometry
from ..metrics.nc1 import NC1Accumulator
from ..models.activations import PENULTIMATE, classifier, decoder_after, layer_module

log = logging.getLogger(__name__)
LOGITS = "logits"  # the classifier head's output, the last layer of the modularity pairs


def _row(layer, depth, metric, value, split="", unit=np.nan, t=np.nan):
    return {"layer": layer, "depth": depth, "metric": metric, "split": split, "unit": unit,
            "t": t, "value": float(value)}


def nc1_rows(ctx, names, depth, c) -> list[dict]:
    """NC1 per layer on whole splits, two streamed passes each."""
    rows = []
    for split in c.splits:
        x = getattr(ctx.dataset, f"x_{split}")
        y = getattr(ctx.dataset, f"y_{split}").numpy()
        accs = {n: NC1Accumulator(ctx.dataset.num_classes, global_mean=c.global_mean,
                                  divide_by_classes=c.divide_by_classes, device=str(ctx.device))
                for n in names}
        for add in ("add_class_sums", "add_deviations"):
            start = 0
            for out in ctx.batches(x, names):
                yb = y[start:start + len(next(iter(out.values())))]
                start += len(yb)
                for n in names:
                    getattr(accs[n], add)(out[n], yb)
        rows += [_row(n, depth[n], "NC1", accs[n].value(), split) for n in names]
    return rows


def dib_rows(ctx, names, depth, c, seed) -> list[dict]:
    """V-sufficiency and nuisance information per layer on a training subset."""
    y_all = ctx.dataset.y_train.numpy()
    ids = stratified_subset(y_all, c.n_train, seed, "layers.dib.n_train")
    feats = ctx.activations(ctx.dataset.x_train[ids], names, flatten=False)
    rows = []
    for n in names:
        res = decodable_information(feats[n], y_all[ids], decoder_after(ctx.net, n),
                                    n_classes=ctx.dataset.num_classes, epochs=c.epochs, lr=c.lr,
                                    batch_size=c.batch_size, weight_decay=c.weight_decay,
                                    seed=seed, device=str(ctx.device))
        rows += [_row(n, depth[n], "DIB_sufficiency", res.sufficiency, "train"),
                 _row(n, depth[n], "DIB_nuisance", res.nuisance, "train"),
                 _row(n, depth[n], "H_Y", res.label_entropy, "train"),
                 _row(n, depth[n], "H_nuisance", res.digit_entropies.sum(), "train")]
        log.info("DIB %s: sufficiency %.3f, nuisance %.3f bits", n, res.sufficiency, res.nuisance)
    return rows


def per_class_sample(labels, m: int, seed) -> np.ndarray:
    """Up to ``m`` indices of every class, drawn with ``seed`` (sorted)."""
    rng = np.random.default_rng(seed)
    picks = [rng.choice(idx, size=min(m, len(idx)), replace=False)
             for idx in (np.flatnonzero(labels == c) for c in np.unique(labels))]
    return np.sort(np.concatenate(picks))


def manifold_rows(feats, labels, names, depth, c, seed) -> list[dict]:
    ids = per_class_sample(labels, c.examples_per_class, seed)
    rows = []
    for n in names:
        g = manifold_geometry(feats[n][ids], labels[ids], kappa=c.kappa, n_t=c.n_t, n_reps=c.n_reps,
                              max_features=c.max_features, subspace=c.subspace, seed=seed,
                              n_jobs=c.n_jobs, max_iter=c.max_iter)
        rows += [_row(n, depth[n], f"MFT_{k}", getattr(g, k), c.split)
                 for k in ("capacity", "radius", "dimension", "correlation")]
        rows.append(_row(n, depth[n], "MFT_removed", g.n_removed, c.split))
    return rows


def info_plane_rows(feats, labels, inputs, names, depth, c, dsmi_settings, x_clusters) -> list[dict]:
    """Binned I(X; T), I(T; Y) and, with ``dsmi_settings`` (a metrics config),
    DSE(T), DSMI(T; Y) and DSMI(T; X) (the latter when ``x_clusters`` is given)."""
    from ..pipeline.measure import measure_layer

    value_range = c.value_range if isinstance(c.value_range, str) else tuple(c.value_range)
    rows = []
    for n in names:
        i_xt, i_ty = information_plane(feats[n], labels, num_bins=c.num_bins,
                                       value_range=value_range, inputs=inputs)
        rows += [_row(n, depth[n], "I_XT", i_xt, c.split), _row(n, depth[n], "I_TY", i_ty, c.split)]
        if dsmi_settings is not None:
            rows += [_row(n, depth[n], r["metric"], r["value"], c.split, t=r["t"])
                     for r in measure_layer(feats[n], labels, x_clusters, dsmi_settings)]
    return rows


def measure_rows(feats, labels, x_clusters, names, depth, m) -> list[dict]:
    """The per-embedding measures ``m.measures`` (a metrics config) of each layer's
    activations ``feats``, on the evaluation subset."""
    from ..pipeline.measure import measure_layer

    return [_row(n, depth[n], r["metric"], r["value"], "test", t=r["t"])
            for n in names for r in measure_layer(feats[n], labels, x_clusters, m, m.device)]


def ablation_rows(ctx, x_model, names, depth, c, seed) -> list[dict]:
    """Per-unit ablation importance of every layer for the classifier encoder -> head."""
    net = classifier(ctx.net)
    rows = []
    for n in names:
        for kind in ("neurons", "directions"):
            res = ablation_importance(net, layer_module(ctx.net, n), x_model, kind=kind,
                                      n_directions=c.n_directions, seed=seed, chunk=c.chunk,
                                      device=str(ctx.device))
            tag = kind[:-1]
            rows += [_row(n, depth[n], f"ablation_{m}_{tag}", v, "test", unit=i)
                     for m, values in (("KL", res.kl), ("dH", res.entropy_change))
                     for i, v in enumerate(values)]
    return rows


def layer_pairs(names, pairs: str) -> list[tuple[str, str]]:
    """(T1, T2) layer pairs in depth order: every pair (``all``, as the modularity notebook's
    notebook: fc1-fc2, fc2-fc3, fc1-fc3) or neighbours only (``consecutive``)."""
    if pairs == "consecutive":
        return list(zip(names[:-1], names[1:]))
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]


def modularity_rows(feats, names, depth, c, seed) -> list[dict]:
    """Seed 003's comparisons C1..C3 for the layer pairs of ``c.pairs``,
    averaged over random modules (``feats`` may hold the logits as ``LOGITS``)."""
    rows = []
    for i, (a, b) in enumerate(layer_pairs(names, c.pairs)):
        A, B = feats[a], feats[b]
        size_a = min(c.subset_size, A.shape[1] - 1)
        size_b = min(c.subset_size, B.shape[1])
        draws = []
        for j in range(c.n_subsets):
            rng = np.random.default_rng([seed, i, j])
            draws.append(modularity_comparisons(A, B, rng.choice(A.shape[1], size_a, replace=False),
                                                rng.choice(B.shape[1], size_b, replace=False),
                                                num_bins=c.num_bins))
        for k, v in enumerate(np.mean(draws, axis=0), 1):
            rows.append(_row(f"{a}>{b}", depth[a], f"modularity_C{k}", v, "test"))
    return rows


def cka_rows(feats, names, depth, previous=None) -> list[dict]:
    """Linear CKA between every pair of layers at this epoch (metric ``CKA_layers``, layer
    ``"a>b"``, every ordered pair, so a heat map reads off directly) and, given the
    activations ``previous`` of the previous measured epoch on the same points, of each layer
    with itself then (``CKA_previous``)."""
    rows = [_row(f"{a}>{b}", depth[a], "CKA_layers", _cka(feats, a, feats, b), "test")
            for a in names for b in names]
    if previous is not None:
        rows += [_row(n, depth[n], "CKA_previous", _cka(feats, n, previous, n), "test")
                 for n in names]
    return rows


def _cka(A, a, B, b) -> float:
    """CKA of layer a of A with layer b of B; NaN (logged) where a layer is constant on the
    points (e.g. every unit dead), for which CKA is undefined."""
    try:
        return linear_cka(A[a], B[b])
    except ValueError as err:
        log.warning("CKA of %s with %s is undefined: %s", a, b, err)
        return float("nan")


def logits_of(ctx, z) -> np.ndarray:
    """The classifier's logits [N, classes] from Z (the penultimate features)."""
    head = decoder_after(ctx.net, PENULTIMATE)
    with torch.no_grad():
        return head(torch.as_tensor(z, device=next(head.parameters()).device)).float().cpu().numpy()

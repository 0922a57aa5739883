"""``repscope layers <hydra overrides> run_dir=<run_dir> epoch=<e> out=<parquet> [clusters=<npz>]``:
the layer-wise measures (``cfg.layers``) of one checkpoint as tidy rows. ``clusters``
(the dataset's clustered inputs X) adds DSMI(T; X) beside the information plane."""
from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger("repscope.layers")


def layers(argv) -> None:
    import pandas as pd
    import torch
    from tqdm.auto import tqdm

    from ..config import parse_command
    from ..data import stratified_subset
    from ..models import PENULTIMATE
    from ..io import load_checkpoint, save_table
    from ..layout import RunFolder
    from ..training.context import RunContext
    from . import COLUMNS, validate_layers
    from . import compute as C

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    usage = __doc__.splitlines()[0]
    cfg, own = parse_command(argv, {"run_dir", "epoch", "out", "clusters"})
    missing = [k for k in ("run_dir", "epoch", "out") if k not in own]
    if missing:
        raise ValueError(f"missing argument(s) {', '.join(k + '=' for k in missing)}; usage: {usage}")
    if not own["epoch"].isdigit():
        raise ValueError(f"epoch must be a non-negative integer; got {own['epoch']!r}")
    epoch, L = int(own["epoch"]), cfg.layers
    validate_layers(L)
    ckpt = RunFolder(own["run_dir"]).checkpoint(epoch)
    if not ckpt.exists():
        raise ValueError(f"epoch={epoch}: no checkpoint {ckpt} (train the run first)")
    ctx = RunContext.build(cfg)
    ctx.net.load_state_dict(load_checkpoint(ckpt, ctx.device)["model"])
    names = C.hooked_layers(ctx.net, L.layers)
    depth = {n: i for i, n in enumerate([C.INPUT, *names])}
    with_input = [C.INPUT, *names] if L.input else names
    wanted = set(L.measures)
    if epoch != cfg.train.epochs:
        wanted.discard("ablation")
    if epoch not in (0, cfg.train.epochs):
        wanted.discard("modularity")
    ids = ctx.eval_ids
    x_eval, y_eval = ctx.dataset.x_test[ids], ctx.dataset.y_test[ids].numpy()
    on_eval = {"modularity", "CKA"} | {m for m, c in (("MFT", L.manifold), ("info_plane", L.info_plane))
                                if c.split == "test"}
    feats = {n: v.cpu().numpy() for n, v in C.collect(ctx, x_eval, with_input).items()} \
        if wanted & on_eval else {}
    if "modularity" in wanted and L.modularity.logits:
        feats[C.LOGITS] = C.logits_of(ctx, feats[PENULTIMATE])
    mft = _split_data(ctx, L.manifold.split, with_input, (x_eval, y_eval, feats),
                      lambda y: C.per_class_sample(y, L.manifold.examples_per_class, L.seed)) \
        if "MFT" in wanted else None
    plane = _split_data(ctx, L.info_plane.split, names, (x_eval, y_eval, feats),
                        lambda y: stratified_subset(y, _at_most(L.info_plane.n_train, len(y)), L.seed,
                                                    "layers.info_plane.n_train")) \
        if "info_plane" in wanted else None
    dsmi, x_clusters = (_dsmi_settings(cfg, own.get("clusters"), ids, plane, L.info_plane.split)
                        if "info_plane" in wanted and L.info_plane.dsmi else (None, None))
    pairs = [*names, C.LOGITS] if L.modularity.logits else names
    steps = {
        "NC1": lambda: C.nc1_rows(ctx, with_input, depth, L.nc1),
        "DIB": lambda: C.dib_rows(ctx, names, depth, L.dib, L.seed),
        "MFT": lambda: C.manifold_rows(mft[2], mft[1], with_input, depth, L.manifold, L.seed),
        "info_plane": lambda: C.info_plane_rows(
            plane[2], plane[1], plane[0].reshape(len(plane[0]), -1).cpu().numpy(), names, depth,
            L.info_plane, dsmi, x_clusters),
        "ablation": lambda: C.ablation_rows(ctx, ctx.inputs(x_eval), names, depth, L.ablation, L.seed),
        "modularity": lambda: C.modularity_rows(feats, pairs, {**depth, C.LOGITS: len(depth)},
                                                L.modularity, L.seed),
        "CKA": lambda: C.cka_rows(feats, with_input, depth, _previous_activations(
            ctx, cfg, own["run_dir"], epoch, x_eval, with_input)),
    }
    rows = []
    for name in tqdm([m for m in steps if m in wanted], desc=f"epoch {epoch}", unit="measure"):
        rows += steps[name]()
        log.info("epoch %d: %s done (%d layers)", epoch, name, len(names))
    save_table(pd.DataFrame(rows, columns=COLUMNS), own["out"])


def _previous_activations(ctx, cfg, run_dir, epoch, x, names):
    """Activations {layer: [N, F]} of ``x`` at the measured epoch before ``epoch``
    (``experiment.layerwise.epochs``), or None for the first; the network's weights are
    restored afterwards."""
    from ..io import load_checkpoint
    from ..layout import RunFolder
    from . import compute as C
    from . import layerwise_selection

    _, epochs = layerwise_selection(cfg.experiment.get("layerwise"), cfg.train.epochs,
                                    cfg.train.checkpoint_every)
    earlier = [e for e in epochs if e < epoch]
    if not earlier:
        return None
    current = {k: v.clone() for k, v in ctx.net.state_dict().items()}
    ctx.net.load_state_dict(load_checkpoint(RunFolder(run_dir).checkpoint(max(earlier)), ctx.device)["model"])
    try:
        return {n: v.cpu().numpy() for n, v in C.collect(ctx, x, names).items()}
    finally:
        ctx.net.load_state_dict(current)


def _at_most(n, total):
    """``n`` samples, or all ``total`` when n is null or larger."""
    return None if n is None or n >= total else n


def _split_data(ctx, split, names, eval_data, pick):
    """(inputs, labels, {layer: features}) of a measure's split: the evaluation
    subset's (``eval_data``) for ``test``; for ``train``, the training samples
    ``pick(labels)`` chooses."""
    if split == "test":
        return eval_data
    ids = pick(ctx.dataset.y_train.numpy())
    x = ctx.dataset.x_train[ids]
    from . import compute as C

    return x, ctx.dataset.y_train[ids].numpy(), {n: v.cpu().numpy()
                                                for n, v in C.collect(ctx, x, names).items()}


def _dsmi_settings(cfg, clusters, ids, plane, split):
    """The experiment's metrics settings restricted to DSMI(T; Y) and, with
    clustered inputs, DSMI(T; X); and the clusters of the information plane's
    inputs: the evaluation subset's (from the ``clusters`` file) or, on the
    training split, the training inputs clustered here as `repscope clusters`
    clusters the evaluation inputs."""
    from omegaconf import OmegaConf

    from ..pipeline.measure import resolve_device, validate_metrics

    x_clusters = None
    if clusters and split == "train":
        from ..metrics import cluster_reference

        X = plane[0].reshape(len(plane[0]), -1).cpu().numpy()
        x_clusters = np.asarray(cluster_reference(X, "vector", n_clusters=cfg.metrics.x_clusters,
                                                  seed=cfg.metrics.seed), dtype=np.int64)
    elif clusters:
        with np.load(clusters, allow_pickle=False) as f:
            if not np.array_equal(f["sample_ids"], ids):
                raise ValueError(f"clusters={clusters} belong to other samples than the evaluation "
                                 "subset: rebuild the dataset's inputs and clusters")
            x_clusters = f["clusters"]
    m = OmegaConf.merge(cfg.metrics, {"measures": ["DSMI_Y"] + (["DSMI_X"] if clusters else [])})
    validate_metrics(m)
    m.device = resolve_device(m)
    return m, x_clusters

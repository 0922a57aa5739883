"""The layer-wise job of one checkpoint: the network with that epoch's weights, its
hooked layers and, computed once when a measure first asks, the activations and
subsets the measures share. Each measure of the layer scope
(:mod:`repscope.pipeline.registry`) is one method returning tidy rows; a measure of
the embedding scope is computed on every hooked layer's activations of the
evaluation subset (:meth:`LayerJob.embedding_measures`)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..data import stratified_subset
from ..models.activations import INPUT, PENULTIMATE, hooked_layers
from . import compute as C


@dataclass
class LayerJob:
    """``ctx`` (a :class:`repscope.training.context.RunContext` holding the epoch's
    weights), the composed ``cfg``, the run folder, the epoch and the clustered
    inputs X of the evaluation subset (``clusters``, an .npz path or None)."""

    ctx: object
    cfg: object
    run_dir: str
    epoch: int
    clusters: str | None = None

    def __post_init__(self):
        self.L = self.cfg.layers
        self.names = hooked_layers(self.ctx.net, self.L.layers)
        self.depth = {n: i for i, n in enumerate([INPUT, *self.names])}
        self.with_input = [INPUT, *self.names] if self.L.input else self.names
        ids = self.ctx.eval_ids
        self.x_eval, self.y_eval = self.ctx.dataset.x_test[ids], self.ctx.dataset.y_test[ids].numpy()

    @cached_property
    def feats(self) -> dict[str, np.ndarray]:
        """{layer: [N, F]} of the evaluation subset (with "input"; the classifier's logits
        as ``C.LOGITS`` when the modularity measure pairs them)."""
        feats = {n: v.numpy() for n, v in self.ctx.activations(self.x_eval, self.with_input).items()}
        if self.L.modularity.logits:
            feats[C.LOGITS] = C.logits_of(self.ctx, feats[PENULTIMATE])
        return feats

    def _split_data(self, split, names, pick):
        """(inputs, labels, {layer: features}) of a measure's split: the evaluation
        subset's for ``test``; for ``train``, the training samples ``pick(labels)`` chooses."""
        if split == "test":
            return self.x_eval, self.y_eval, self.feats
        ids = pick(self.ctx.dataset.y_train.numpy())
        x = self.ctx.dataset.x_train[ids]
        return x, self.ctx.dataset.y_train[ids].numpy(), {
            n: v.numpy() for n, v in self.ctx.activations(x, names).items()}

    def _eval_clusters(self) -> np.ndarray | None:
        """The clusters of the evaluation subset's inputs X (the ``clusters`` file), checked."""
        if not self.clusters:
            return None
        with np.load(self.clusters, allow_pickle=False) as f:
            if not np.array_equal(f["sample_ids"], self.ctx.eval_ids):
                raise ValueError(f"clusters={self.clusters} belong to other samples than the evaluation "
                                 "subset: rebuild the dataset's inputs and clusters")
            return f["clusters"]

    def _metrics(self, measures):
        """The experiment's metrics settings restricted to ``measures``, checked, device resolved."""
        from omegaconf import OmegaConf

        from ..device import resolve_device
        from ..pipeline.registry import validate_metrics

        m = OmegaConf.merge(self.cfg.metrics, {"measures": list(measures)})
        validate_metrics(m)
        m.device = resolve_device(m.device, "metrics.device", m.backend)
        return m

    def _previous_activations(self):
        """Activations {layer: [N, F]} of the evaluation subset at the measured epoch
        before this one (``experiment.layerwise.epochs``), or None for the first."""
        from . import layerwise_selection

        _, epochs = layerwise_selection(self.cfg.experiment.get("layerwise"), self.cfg.train.epochs,
                                        self.cfg.train.checkpoint_every)
        earlier = [e for e in epochs if e < self.epoch]
        if not earlier:
            return None
        with self.ctx.kept_weights():
            self.ctx.load_weights(self.run_dir, max(earlier))
            return {n: v.numpy() for n, v in self.ctx.activations(self.x_eval, self.with_input).items()}

    # ---- the measures of the layer scope (registry: layer_rows) ----------------------------
    def nc1(self):
        return C.nc1_rows(self.ctx, self.with_input, self.depth, self.L.nc1)

    def dib(self):
        return C.dib_rows(self.ctx, self.names, self.depth, self.L.dib, self.L.seed)

    def manifold(self):
        c = self.L.manifold
        _, labels, feats = self._split_data(
            c.split, self.with_input, lambda y: C.per_class_sample(y, c.examples_per_class, self.L.seed))
        return C.manifold_rows(feats, labels, self.with_input, self.depth, c, self.L.seed)

    def info_plane(self):
        """The binned plane and, with ``layers.info_plane.dsmi``, DSE(T), DSMI(T; Y) and, given
        the clustered inputs, DSMI(T; X) beside it (on the training split the training
        inputs are clustered here as `repscope clusters` clusters the evaluation inputs)."""
        c = self.L.info_plane
        x, labels, feats = self._split_data(c.split, self.names, lambda y: stratified_subset(
            y, _at_most(c.n_train, len(y)), self.L.seed, "layers.info_plane.n_train"))
        inputs = x.reshape(len(x), -1).cpu().numpy()
        dsmi, x_clusters = None, None
        if c.dsmi:
            dsmi = self._metrics(["DSE", "DSMI_Y"] + (["DSMI_X"] if self.clusters else []))
            if self.clusters and c.split == "train":
                from ..metrics import cluster_reference

                x_clusters = np.asarray(cluster_reference(inputs, "vector", n_clusters=dsmi.x_clusters,
                                                          seed=dsmi.seed), dtype=np.int64)
            elif self.clusters:
                x_clusters = self._eval_clusters()
        return C.info_plane_rows(feats, labels, inputs, self.names, self.depth, c, dsmi, x_clusters)

    def ablation(self):
        return C.ablation_rows(self.ctx, self.ctx.inputs(self.x_eval), self.names, self.depth,
                               self.L.ablation, self.L.seed)

    def modularity(self):
        pairs = [*self.names, C.LOGITS] if self.L.modularity.logits else self.names
        return C.modularity_rows(self.feats, pairs, {**self.depth, C.LOGITS: len(self.depth)},
                                 self.L.modularity, self.L.seed)

    def cka(self):
        return C.cka_rows(self.feats, self.with_input, self.depth, self._previous_activations())

    # ---- measures of the embedding scope, on every hooked layer -----------------------------
    def embedding_measures(self, measures) -> list[dict]:
        """The per-embedding ``measures`` (registry ``compute`` or the spectral ones) of
        every hooked layer's activations of the evaluation subset, as the measure job
        computes them on an embedding's layers (settings: ``cfg.metrics``)."""
        from ..pipeline.registry import measure_registry

        m = self._metrics(measures)
        x_clusters = self._eval_clusters()
        registry = measure_registry(m)
        if x_clusters is None and any("x_clusters" in registry[name].needs for name in measures):
            raise ValueError(f"layers.measures {list(measures)}: a measure needs the clustered inputs X; "
                             "pass clusters=<X_clusters.npz>")
        return C.measure_rows(self.feats, self.y_eval, x_clusters, self.names, self.depth, m)


def _at_most(n, total):
    """``n`` samples, or all ``total`` when n is null or larger."""
    return None if n is None or n >= total else n

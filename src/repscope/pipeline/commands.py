"""``repscope config``, ``repscope clusters``, ``repscope measure``,
``repscope aggregate`` and ``repscope study-figures``: the workflow's steps
after training (the S1 figures: :mod:`repscope.figures.command`). Each parses its arguments, composes the config and writes its
outputs atomically."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..config import compose, split_args
from ..io import save_config, save_npz, save_rows, save_table
from ..layout import Run, RunFolder

log = logging.getLogger(__name__)


def _args(argv, keys, usage: str, optional=()) -> tuple[dict, list[str]]:
    """The command's own ``key=value`` arguments (all ``keys``, any of
    ``optional``) and the Hydra overrides."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    own, overrides = split_args(argv, set(keys) | set(optional))
    missing = [k for k in keys if k not in own]
    if missing:
        raise ValueError(f"missing argument(s) {', '.join(f'{k}=' for k in missing)}; usage: {usage}")
    return own, overrides


def config(argv) -> None:
    """repscope config <hydra overrides> section=<key> out=<yaml>

    One section of the composed configuration (e.g. metrics), resolved, as
    YAML: the workflow writes the experiment's metrics settings once and every
    measure job reads them instead of composing the config again."""
    own, overrides = _args(argv, ("section", "out"), config.__doc__.splitlines()[0])
    cfg = compose(overrides)
    if own["section"] not in cfg:
        raise ValueError(f"section must be one of {sorted(cfg)}; got {own['section']!r}")
    save_config(cfg[own["section"]], own["out"])


def _metrics_settings(own: dict, overrides: list):
    """``metrics=<yaml>`` when given (written by ``repscope config``), else the
    composed ``cfg.metrics``; checked either way."""
    from omegaconf import OmegaConf

    from .registry import validate_metrics

    m = OmegaConf.load(own["metrics"]) if "metrics" in own else compose(overrides).metrics
    validate_metrics(m)
    return m


def clusters(argv) -> None:
    """repscope clusters <hydra overrides | metrics=<yaml>> in=<inputs.npz> out=<clusters.npz>

    Spectral clustering of the evaluation subset's inputs X (``metrics.x_clusters``
    clusters, ``metrics.seed``), done once per dataset; keys clusters, sample_ids."""
    from ..metrics import cluster_reference

    own, overrides = _args(argv, ("in", "out"), clusters.__doc__.splitlines()[0], optional=("metrics",))
    m = _metrics_settings(own, overrides)
    with np.load(own["in"], allow_pickle=False) as f:
        X, ids = f["X"], f["sample_ids"]
    log.info("clustering X %s into %d clusters", X.shape, m.x_clusters)
    labels = cluster_reference(X.reshape(len(X), -1), "vector", n_clusters=m.x_clusters, seed=m.seed)
    save_npz(own["out"], clusters=np.asarray(labels, dtype=np.int64), sample_ids=ids)


def _files(value: str, key: str) -> list[str]:
    files = [f for f in value.split(",") if f]
    if not files or len(set(files)) != len(files):
        raise ValueError(f"{key} must be a comma-separated list of distinct files; got {value!r}")
    return files


def measure(argv) -> None:
    """repscope measure <hydra overrides | metrics=<yaml>> embeddings=<epoch_<e>.npz,...> clusters=<clusters.npz> kept=<folder> spectra=<folder> out=<parquet>

    Every measure of ``metrics.measures`` on every layer (``metrics.layers``) of
    each of a run's ``embeddings`` (files of one run folder), each file checked
    first (:func:`repscope.io.load_embeddings`): tidy rows epoch, layer, metric,
    t, value, stderr. The settings are the composed ``metrics`` config, or the
    file ``metrics=`` (as ``repscope config section=metrics`` writes it). Each
    epoch's rows are kept in the folder ``kept`` (:mod:`repscope.pipeline.cache`),
    so a rerun measures only the epochs whose embedding, clusters, settings or
    code changed, and so are its exact spectra in the folder ``spectra``
    (:mod:`repscope.pipeline.spectra`), so a new ``metrics.t`` takes DSE and DSMI
    from them without an eigendecomposition."""
    from omegaconf import OmegaConf

    from ..device import resolve_device
    from ..io import load_embeddings
    from .cache import COLUMNS, cached_rows, code_digest, keep_rows, measure_key
    from .measure import measure_layer, select_layers
    from .registry import ACCURACY_LAYER
    from .spectra import CODE as SPECTRA_CODE
    from .spectra import SpectraStore, spectra_key

    own, overrides = _args(argv, ("embeddings", "clusters", "kept", "spectra", "out"), measure.__doc__.splitlines()[0],
                           optional=("metrics",))
    m = _metrics_settings(own, overrides)
    files = _files(own["embeddings"], "embeddings")
    if len({RunFolder.of_embedding(f)[0] for f in files}) > 1:
        raise ValueError(f"embeddings must be files of one run folder; got {files}")
    with np.load(own["clusters"], allow_pickle=False) as f:
        x_clusters, x_ids = f["clusters"], f["sample_ids"]
    settings, code, device = OmegaConf.to_yaml(m, resolve=True), code_digest(), None
    spectra_code = code_digest(SPECTRA_CODE)
    rows = []
    for path in files:
        emb = load_embeddings(path)
        epoch = emb.epoch
        if not np.array_equal(x_ids, emb.sample_ids):
            raise ValueError(f"clusters={own['clusters']} belong to other samples than the embedding of "
                             f"epoch {epoch} (sample_ids differ): rebuild the dataset's inputs and clusters")
        key = measure_key(emb.checksum, x_clusters, settings, code)
        found = cached_rows(own["kept"], epoch, key)
        if found is None:
            device = device or resolve_device(m.device, "metrics.device", m.backend)
            kept = SpectraStore(own["spectra"], epoch, spectra_key(emb.checksum, x_clusters, m, device, spectra_code))
            found = []
            for layer in select_layers(emb.layers, m):
                found += [{"layer": layer, **r} for r in measure_layer(
                    emb.layers[layer], emb.labels, x_clusters, m, device, kept.slot(layer))]
            kept.save()
            if "accuracy" in m.measures:
                found.append({"layer": ACCURACY_LAYER, "metric": "accuracy", "t": np.nan,
                              "value": emb.accuracy, "stderr": 0.0})
            keep_rows(own["kept"], epoch, key, found)
            log.info("epoch %d: measured %d layers", epoch, len(emb.layers))
        else:
            log.info("epoch %d: unchanged, results kept from an earlier job", epoch)
        rows += [{"epoch": epoch, **r} for r in found]
    save_rows(rows, ["epoch"] + COLUMNS, own["out"])


def aggregate(argv) -> None:
    """repscope aggregate in=<runs/<run>/metrics.parquet,...> out=<metrics.parquet> csv=<metrics.csv> correlations=<csv>

    The experiment's tidy table (run, dataset, model, method, seed, epoch, layer,
    metric, t, value, stderr) from the runs' tables, as <out> and <csv>, and the
    correlations of each measure with accuracy. A run's dataset, model, method
    and seed come from its folder's name (:mod:`repscope.layout`)."""
    import pandas as pd
    from tqdm.auto import tqdm

    from .aggregate import correlations, tidy
    own, _ = _args(argv, ("in", "out", "csv", "correlations"), aggregate.__doc__.splitlines()[0])
    files = _files(own["in"], "in")
    table = tidy([(Run.from_name(RunFolder.of_metrics(f).dir.name), pd.read_parquet(f))
                  for f in tqdm(files, desc="aggregate", unit="run")])
    save_table(table, own["out"])
    save_table(table, own["csv"])
    save_table(correlations(table), own["correlations"])
    log.info("%d rows from %d runs x %d epochs", len(table), len(files), table.epoch.nunique())


def study_figures(argv) -> None:
    """repscope study-figures <study> experiment=<exp> in=<table.parquet> out_dir=<folder>

    Every figure the study draws in the experiment (its conf/study/<study>.yaml
    ``figures``, less those the experiment has no data for), drawn from the
    study's table as <out_dir>/<figure>.pdf and .png in one process."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from ..io import save_figure
    from ..studies import drawn_figures, load_study

    usage = study_figures.__doc__.splitlines()[0]
    if not argv or "=" in argv[0]:
        raise ValueError(f"missing the study's name; usage: {usage}")
    own, rest = _args(argv[1:], ("experiment", "in", "out_dir"), usage)
    if rest:
        raise ValueError(f"unexpected argument(s) {rest}; usage: {usage}")
    draw, table = load_study(argv[0]).FIGURES, pd.read_parquet(own["in"])
    for name in drawn_figures(argv[0], own["experiment"]):
        save_figure(draw[name](table), Path(own["out_dir"]) / name)

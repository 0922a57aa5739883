"""``repscope layers <hydra overrides> run_dir=<run_dir> epoch=<e> out=<parquet> [clusters=<npz>]``:
the layer-wise measures (``cfg.layers``) of one checkpoint as tidy rows, in the registry's
order (:mod:`repscope.pipeline.registry`): the measures of the network, and the per-embedding
ones on every hooked layer (:class:`repscope.layerwise.job.LayerJob`). ``clusters`` (the
dataset's clustered inputs X) adds DSMI(T; X) beside the information plane."""
from __future__ import annotations

import logging

log = logging.getLogger("repscope.layers")


def layers(argv) -> None:
    import pandas as pd
    from tqdm.auto import tqdm

    from ..config import parse_command
    from ..io import save_table
    from ..layout import RunFolder
    from ..pipeline.registry import measure_registry
    from ..training.context import RunContext
    from . import COLUMNS, validate_layers
    from .job import LayerJob

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    usage = __doc__.splitlines()[0]
    cfg, own = parse_command(argv, {"run_dir", "epoch", "out", "clusters"})
    missing = [k for k in ("run_dir", "epoch", "out") if k not in own]
    if missing:
        raise ValueError(f"missing argument(s) {', '.join(k + '=' for k in missing)}; usage: {usage}")
    if not own["epoch"].isdigit():
        raise ValueError(f"epoch must be a non-negative integer; got {own['epoch']!r}")
    epoch, L = int(own["epoch"]), cfg.layers
    validate_layers(L, cfg.metrics)
    ckpt = RunFolder(own["run_dir"]).checkpoint(epoch)
    if not ckpt.exists():
        raise ValueError(f"epoch={epoch}: no checkpoint {ckpt} (train the run first)")
    ctx = RunContext.build(cfg)
    ctx.load_weights(own["run_dir"], epoch)
    job = LayerJob(ctx, cfg, own["run_dir"], epoch, own.get("clusters"))
    registry = measure_registry(cfg.metrics)
    wanted = set(L.measures)
    if epoch != cfg.train.epochs:
        wanted.discard("ablation")
    if epoch not in (0, cfg.train.epochs):
        wanted.discard("modularity")
    of_network = [n for n in registry if n in wanted and registry[n].layer_rows is not None]
    per_layer = [n for n in registry if n in wanted and registry[n].layer_rows is None]
    rows = job.embedding_measures(per_layer) if per_layer else []
    for name in tqdm(of_network, desc=f"epoch {epoch}", unit="measure"):
        rows += registry[name].layer_rows(job)
        log.info("epoch %d: %s done (%d layers)", epoch, name, len(job.names))
    save_table(pd.DataFrame(rows, columns=COLUMNS), own["out"])

"""``repscope train``, ``repscope embed`` and ``repscope inputs``: parse
arguments, compose and validate the config, then call the package."""
from __future__ import annotations

import logging

from ..config import parse_command
from ..io import save_embeddings, save_npz
from ..layout import RunFolder


def _required(own: dict, key: str, usage: str) -> str:
    if key not in own:
        raise ValueError(f"{key}= is required; usage: {usage}")
    return own[key]


def train(argv) -> None:
    """repscope train <hydra overrides> out_dir=<run_dir>"""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    cfg, own = parse_command(argv, {"out_dir"})
    from .loop import train as run_training

    run_training(cfg, _required(own, "out_dir", train.__doc__))


def embed(argv) -> None:
    """repscope embed <hydra overrides> out_dir=<run_dir> epoch=<e | e1,e2,... | all>

    Recomputes embeddings/epoch_<e>.npz from checkpoints/epoch_<e>.pt (the
    run's weights after epoch e): bit-identical on the CPU to the file training
    wrote. ``all``: every epoch with a checkpoint."""
    import torch
    from tqdm.auto import tqdm

    from .context import RunContext
    from .embedding import embed as embed_epoch

    cfg, own = parse_command(argv, {"out_dir", "epoch"})
    run_dir, which = _required(own, "out_dir", embed.__doc__), _required(own, "epoch", embed.__doc__)
    folder = RunFolder(run_dir)
    if which == "all":
        epochs = [e for e in range(cfg.train.epochs + 1) if folder.checkpoint(e).exists()]
    elif all(part.isdigit() for part in which.split(",")):
        epochs = [int(part) for part in which.split(",")]
    else:
        raise ValueError(f"epoch must be a non-negative integer, a comma-separated list of them, or 'all'; "
                         f"got {which!r}")
    missing = [e for e in epochs if not folder.checkpoint(e).exists()]
    if missing:
        raise ValueError(f"epoch={which}: no checkpoint for epoch(s) {missing} in {folder.checkpoints} "
                         f"(train the run first)")
    ctx = RunContext.build(cfg)
    for e in tqdm(epochs, desc=f"embed {run_dir}", unit="epoch"):
        ctx.load_weights(run_dir, e)
        save_embeddings(run_dir, e, embed_epoch(ctx, e))


def inputs(argv) -> None:
    """repscope inputs <hydra overrides> out=<path.npz>  (keys X, labels, sample_ids)"""
    from ..data import eval_inputs

    cfg, own = parse_command(argv, {"out"})
    out = _required(own, "out", inputs.__doc__)
    X, labels, ids = eval_inputs(cfg)
    save_npz(out, X=X, labels=labels, sample_ids=ids)

"""Whether a run folder may be resumed with the config it is given.

``last.pt`` stores the part of the config that decides a run's results (seed,
dataset, model, method and schedule; not where the data lives, how many
threads run or which files are kept). A resume with a config that differs in
any of it would mix two experiments in one run folder, so it is refused,
naming the keys — unless ``train.on_config_change=restart`` asks to discard
the old run and train from the start."""
from __future__ import annotations

import shutil

from omegaconf import OmegaConf

from ..layout import RunFolder

SECTIONS = ("seed", "dataset", "model", "method", "train")
# keys that do not change any number a run produces
IGNORED = ("dataset.root", "dataset.download", "dataset.x_size", "train.threads", "train.embed",
           "train.checkpoint_every", "train.on_config_change")


def _flat(tree, prefix="") -> dict:
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in _flat(sub, f"{prefix}{key}.").items()}
    return {prefix[:-1]: tree}


def result_config(cfg) -> dict:
    """{dotted key: value} of everything in ``cfg`` that decides the run's results."""
    tree = {s: OmegaConf.to_container(cfg[s], resolve=True) if OmegaConf.is_config(cfg[s]) else cfg[s]
            for s in SECTIONS}
    return {k: v for k, v in _flat(tree).items() if k not in IGNORED and not k.startswith(IGNORED)}


def differing_keys(old: dict, new: dict) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k, "<absent>") != new.get(k, "<absent>"))


def stored_config(state: dict, run_dir) -> dict | None:
    """The result config the run was started with: from ``last.pt``, or for a
    run written before it was stored there, from its ``config.yaml``."""
    if "config" in state:
        return state["config"]
    path = RunFolder(run_dir).config
    return result_config(OmegaConf.load(path)) if path.exists() else None


def check_resume(cfg, state: dict, run_dir) -> bool:
    """True when ``run_dir`` may resume from ``state`` with ``cfg``; False when
    the config changed and ``train.on_config_change=restart`` discarded the
    old run (its checkpoints, embeddings and log are deleted). Otherwise a
    changed config raises ValueError naming the differing keys."""
    old = stored_config(state, run_dir)
    if old is None:
        return True
    changed = differing_keys(old, result_config(cfg))
    if not changed:
        return True
    if cfg.train.get("on_config_change", "refuse") == "restart":
        folder = RunFolder(run_dir)
        for sub in (folder.checkpoints, folder.embeddings):
            shutil.rmtree(sub, ignore_errors=True)
        folder.train_log.unlink(missing_ok=True)
        return False
    details = ", ".join(f"{k}: {old.get(k, '<absent>')!r} -> {v!r}" for k, v in
                        ((k, result_config(cfg).get(k, "<absent>")) for k in changed))
    raise ValueError(f"{run_dir} was trained with another config ({details}); resuming would mix two "
                     "experiments. Use another out_dir, restore the old values, or start this run over with "
                     "train.on_config_change=restart (deletes its checkpoints, embeddings and log)")

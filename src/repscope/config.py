"""The one source of truth for every run: the Hydra tree under ``conf/``.

``compose`` is used by every command and by the Snakefile (Hydra's compose
API), so the workflow and the jobs read the same configuration."""
from __future__ import annotations

import os
from pathlib import Path

from omegaconf import DictConfig

CONF_DIR = Path(os.environ.get("REPSCOPE_CONF", Path(__file__).resolve().parents[2] / "conf"))


def choices(group: str) -> list[str]:
    """The option names of a config group (the yaml files in conf/<group>/)."""
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def compose(overrides=(), config_name: str = "config") -> DictConfig:
    """Compose ``conf/<config_name>.yaml`` with Hydra overrides. A bad override
    (unknown option of a group, unknown key, …) raises ValueError listing what
    is allowed."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return hydra_compose(config_name=config_name, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as err:
        raise ValueError(f"invalid configuration override(s) {list(overrides)}: {err}") from None


def split_args(argv, keys) -> tuple[dict, list[str]]:
    """Split a command's argv into its own ``key=value`` items (``keys``, e.g.
    ``out``, ``epoch``) and the Hydra overrides. Returns ({key: value}, overrides)."""
    own, overrides = {}, []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if sep and key in keys:
            own[key] = value
        else:
            overrides.append(arg)
    return own, overrides


def validate(cfg: DictConfig) -> DictConfig:
    """Check every group a run uses before any work starts; a bad value raises
    ValueError naming the key, the value and what is allowed."""
    from . import data, models, training

    if isinstance(cfg.get("seed"), bool) or not isinstance(cfg.get("seed"), int):
        raise ValueError(f"seed must be an integer; got {cfg.get('seed')!r}")
    data.validate(cfg.dataset)
    models.validate(cfg.model)
    training.validate_method(cfg.method)
    training.validate_train(cfg.train)
    return cfg


def parse_command(argv, keys) -> tuple[DictConfig, dict]:
    """Split a command's argv into its own ``key=value`` items (``keys``, e.g.
    ``out_dir``, ``epoch``) and Hydra overrides; compose and validate the
    config. Returns (cfg, {key: value})."""
    own, overrides = split_args(argv, keys)
    return validate(compose(overrides)), own

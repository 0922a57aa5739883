"""The one source of truth for every run: the Hydra tree under ``conf/``.

``compose`` is used by every command and by the Snakefile (Hydra's compose
API), so the workflow and the jobs read the same configuration.

Which ``conf/`` (:func:`find_conf`), in this order:

1. the project of the Snakefile being run (its folder or a parent holding
   ``conf/config.yaml``); the Snakemake process then sets ``REPSCOPE_CONF``
   so that every job it starts reads the same folder;
2. ``REPSCOPE_CONF``, a path to a ``conf/`` folder;
3. the working directory or its nearest parent holding ``conf/config.yaml``.

Nothing else: a ``conf/`` beside the installed package is never used
silently, and where none is found a ValueError says what to do. Every
``repscope`` command prints the folder it uses as its first line on stderr,
so it is in every job log."""
from __future__ import annotations

import copy
import functools
import os
import sys
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

ENV = "REPSCOPE_CONF"


def _project_conf(folder: Path) -> Path | None:
    """``conf/`` of ``folder`` or of its nearest parent that has ``conf/config.yaml``."""
    for d in (folder, *folder.parents):
        if (d / "conf" / "config.yaml").is_file():
            return d / "conf"
    return None


def _snakefile_folder() -> Path | None:
    """The folder of the Snakefile (or rule file) on the call stack, when
    Snakemake is evaluating one."""
    frame = sys._getframe(1)
    while frame is not None:
        name = Path(frame.f_code.co_filename)
        if name.name.lower() == "snakefile" or name.suffix in (".smk", ".snakefile"):
            return name.resolve().parent
        frame = frame.f_back
    return None


def find_conf() -> tuple[Path, str]:
    """(the conf/ folder to use, how it was found); see the module docstring."""
    snakefile = _snakefile_folder()
    found = snakefile and _project_conf(snakefile)
    if found:
        return found, "the Snakefile's project"
    if os.environ.get(ENV):
        path = Path(os.environ[ENV]).resolve()
        if not (path / "config.yaml").is_file():
            raise ValueError(f"{ENV}={os.environ[ENV]} is not a conf/ folder (it has no config.yaml); "
                             f"point it at your project's conf/ or unset it to use the working directory's")
        return path, ENV
    found = _project_conf(Path.cwd())
    if found:
        return found, "the working directory"
    raise ValueError(f"no conf/ folder with config.yaml in {Path.cwd()} or its parents: run repscope from "
                     f"your project folder (the one holding conf/ and the Snakefile), or set {ENV}=<path to conf/>")


def conf_dir() -> Path:
    """The conf/ folder of this process, found once (see :func:`find_conf`)
    and printed to stderr."""
    found = globals().get("CONF_DIR")
    if found is None:
        found, how = find_conf()
        globals()["CONF_DIR"] = found
        if how == "the Snakefile's project":
            os.environ[ENV] = str(found)  # the jobs Snakemake starts read the same folder
        print(f"repscope: config from {found} ({how})", file=sys.stderr, flush=True)
    return found


def __getattr__(name):  # CONF_DIR is found on first use, not at import
    if name == "CONF_DIR":
        return conf_dir()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def choices(group: str) -> list[str]:
    """The option names of a config group (the yaml files in conf/<group>/)."""
    return sorted(p.stem for p in (conf_dir() / group).glob("*.yaml"))


def load_option(group: str, name: str) -> DictConfig:
    """``conf/<group>/<name>.yaml`` as written (its defaults list not applied), a
    fresh copy of a read cached per file and modification time (planning reads
    the same files many times)."""
    path = conf_dir() / group / f"{name}.yaml"
    return copy.deepcopy(_load(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=None)
def _load(path: str, mtime_ns: int) -> DictConfig:
    return OmegaConf.load(path)


def compose(overrides=(), config_name: str = "config") -> DictConfig:
    """Compose ``conf/<config_name>.yaml`` with Hydra overrides. A bad override
    (unknown option of a group, unknown key, …) raises ValueError listing what
    is allowed."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
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
    """Check the groups a run uses (seed, dataset, model, method, train) before
    any work starts (:mod:`repscope.schema`); a bad value raises ValueError
    naming the key, the value and what is allowed."""
    from .schema import check_run

    check_run(cfg)
    return cfg


def parse_command(argv, keys) -> tuple[DictConfig, dict]:
    """Split a command's argv into its own ``key=value`` items (``keys``, e.g.
    ``out_dir``, ``epoch``) and Hydra overrides; compose and validate the
    config. Returns (cfg, {key: value})."""
    own, overrides = split_args(argv, keys)
    return validate(compose(overrides)), own

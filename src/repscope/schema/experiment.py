"""The one validation of a composed experiment, run when the Snakefile is read
(:func:`repscope.pipeline.plan.load_plan`): the grid and its options as every
run composes them (dataset sizes, offline files, model, method, train), the
evaluated epochs, metrics, layers, resources and every listed study. A bad
value raises ValueError naming the key and what is allowed, before any job."""
from __future__ import annotations

import numbers

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from ..config import choices, load_option
from .fields import check
from .groups import Dataset, Method, Model, Paths, Train, check_run, missing_files

GRID_GROUPS = ("dataset", "model", "method")
SCHEMAS = {"dataset": Dataset, "model": Model, "method": Method}
RESOURCE_KEYS = {"threads": 1, "mem_mb": 1, "runtime": 1, "gpu": 0}  # key: smallest allowed value
RULES = ("train", "inputs", "clusters", "config", "measure", "aggregate", "figure", "study", "layers")


def check_names(values, key: str, allowed) -> list:
    """A non-empty list of distinct names of ``allowed``."""
    if not isinstance(values, (list, tuple, ListConfig)) or not values:
        raise ValueError(f"{key} must be a non-empty list; got {values!r}")
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"{key}: unknown option(s) {bad}; valid choices: {sorted(allowed)}")
    if len(set(values)) != len(values):
        raise ValueError(f"{key} lists an option twice: {list(values)}")
    return list(values)


def _is_int(v, minimum: int) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum


def grid(exp, run) -> list:
    """``run(dataset, model, method, seed)`` of every run of ``experiment.grid``;
    ``grid: null`` = no training runs (an experiment of toy / estimator studies only)."""
    spec = exp.get("grid")
    keys = list(GRID_GROUPS) + ["seed"]
    if "grid" in exp and spec is None:
        return []
    if spec is None or sorted(spec) != sorted(keys):
        raise ValueError(f"experiment.grid must have exactly the keys {keys}; "
                         f"got {None if spec is None else sorted(spec)}")
    names = {g: check_names(list(spec[g]), f"experiment.grid.{g}", choices(g)) for g in GRID_GROUPS}
    for g in GRID_GROUPS:
        bad = [v for v in names[g] if "-" in v or "/" in v]
        if bad:
            raise ValueError(f"experiment.grid.{g}: names must not contain '-' or '/' (they separate the "
                             f"parts of a run folder <dataset>-<model>-<method>-s<seed>); got {bad}")
    seeds = list(spec.seed)
    if not seeds or not all(_is_int(s, 0) for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"experiment.grid.seed must be a non-empty list of distinct non-negative "
                         f"integers; got {seeds}")
    return [run(d, m, k, int(s)) for d in names["dataset"] for m in names["model"]
            for k in names["method"] for s in seeds]


def option(group: str, name: str, experiment: str, overrides=()) -> DictConfig:
    """``conf/<group>/<name>.yaml`` as a run of ``experiment`` composes it: its
    defaults list (files of the same group), then the experiment's ``<group>:``
    block, then the ``<group>.*`` overrides. Cheaper than a Hydra compose per
    option; tests/test_config_schema.py checks it against one."""
    exp = load_option("experiment", experiment)
    mine = [o.lstrip("+") for o in overrides if o.lstrip("+").startswith(f"{group}.")]
    node = OmegaConf.merge(_group_file(group, name), exp.get(group) or {},
                           OmegaConf.from_dotlist(mine).get(group) or {})
    for gone in (o[1 + len(group) + 1:] for o in overrides if o.startswith(f"~{group}.")):
        node.pop(gone, None)
    return node


def _group_file(group: str, name: str) -> DictConfig:
    node = load_option(group, name)
    defaults = list(node.pop("defaults", None) or [])
    out = OmegaConf.create()
    for entry in defaults + ([] if "_self_" in defaults else ["_self_"]):
        part = node if entry == "_self_" else _group_file(group, entry.removesuffix("@_here_"))
        out = OmegaConf.merge(out, part)
    return out


def _grid_options(cfg, experiment: str, runs, overrides, check_data: bool) -> None:
    """Each dataset, model and method of the grid as its runs compose it; train
    with each dataset (its lr may depend on the dataset's name)."""
    for g in GRID_GROUPS:
        for name in dict.fromkeys(getattr(r, g) for r in runs):
            run_cfg = cfg.copy()
            with open_dict(run_cfg):
                run_cfg[g] = option(g, name, experiment, overrides)
            check(run_cfg[g], SCHEMAS[g], g)
            if g == "dataset":
                check(run_cfg.train, Train, "train")
                lack = check_data and missing_files(run_cfg.dataset)
                if lack:
                    raise ValueError(lack)


def epochs(cfg) -> tuple:
    """The evaluated epochs (``experiment.eval_epochs``, null = all), each with a checkpoint."""
    last = cfg.train.get("epochs")
    if cfg.train.get("embed") is not True:
        raise ValueError(f"train.embed must be true in a workflow (the measure jobs read the embeddings "
                         f"training writes); got {cfg.train.get('embed')!r}")
    every = cfg.train.checkpoint_every
    chosen = cfg.experiment.get("eval_epochs")
    chosen = list(range(last + 1)) if chosen is None else list(chosen)
    if not chosen or not all(_is_int(e, 0) and e <= last for e in chosen):
        raise ValueError(f"experiment.eval_epochs must be null or a non-empty list of epochs in "
                         f"0..train.epochs={last}; got {chosen}")
    # A lost embedding is recomputed from its epoch's weights, so every evaluated epoch needs them.
    unkept = [e for e in chosen if e % every and e != last]
    if unkept:
        raise ValueError(f"experiment.eval_epochs {unkept} have no checkpoint with train.checkpoint_every="
                         f"{every} (kept: multiples of it and the last epoch); evaluate those epochs only, "
                         f"or lower train.checkpoint_every")
    return tuple(sorted(set(chosen)))


def _resources(cfg) -> None:
    res = cfg.get("resources")
    missing = [r for r in RULES if res is None or r not in res]
    if missing:
        raise ValueError(f"resources must declare every rule {list(RULES)}; missing {missing}")
    for rule in RULES:
        for key, low in RESOURCE_KEYS.items():
            value = res[rule].get(key)
            if not _is_int(value, low):
                raise ValueError(f"resources.{rule}.{key} must be an integer >= {low}; got {value!r}")


def _model_groups(exp, models) -> None:
    groups = exp.get("model_groups")
    if groups is None:
        return
    listed = [m for g in groups.values() for m in g]
    check_names(listed, "experiment.model_groups", models)
    if sorted(listed) != sorted(models):
        raise ValueError(f"experiment.model_groups must place every model of the grid in one group; "
                         f"grid models {sorted(models)}, grouped {sorted(listed)}")


def like(default, value, key: str) -> None:
    """``value`` has the kind of the study yaml's ``default`` (plain, unresolved):
    a number for an integer, a number or a name (e.g. a bandwidth rule) for a
    float, a flag for a flag, a list for a list, a table with its keys' kinds
    for a table; a null or a string (or interpolation) default takes anything."""
    if value is None or default is None or isinstance(default, str):
        return
    if isinstance(default, bool):
        ok, what = isinstance(value, bool), "true or false"
    elif isinstance(default, numbers.Real):
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) or (
            isinstance(default, float) and isinstance(value, str))
        what = "a number" + ("" if isinstance(default, int) else " or a name")
    elif isinstance(default, (list, ListConfig)):
        ok, what = isinstance(value, (list, ListConfig)), "a list"
    else:
        ok, what = isinstance(value, (dict, DictConfig)), "a table"
        for k in set(default) & set(value) if ok else ():
            like(default[k], value[k], f"{key}.{k}")
    if not ok:
        raise ValueError(f"{key} must be {what}, as in its conf/study yaml; got {value!r}")


def check_study(name: str, s) -> None:
    """A study's composed settings ``s``: the kinds of its values (against
    conf/study/<name>.yaml), then its module's own ``check``; the study command
    runs this too."""
    from ..studies import load_study, study_name

    defaults = OmegaConf.to_container(load_option("study", study_name(name)))
    like(defaults, s, "study")
    module = load_study(name)
    if hasattr(module, "check"):
        module.check(s)


def _studies(cfg, experiment: str, overrides) -> None:
    """Every listed study with the experiment's settings (:func:`check_study`),
    and the files it ``needs`` / the figures it ``drawn``."""
    from ..studies import experiment_studies, load_study, study_config

    for name in experiment_studies(cfg):
        s = study_config(name, [f"experiment={experiment}", *overrides]).study
        check_study(name, s)
        module = load_study(name)
        for hook in ("needs", "drawn"):
            if hasattr(module, hook):
                getattr(module, hook)(s)


def validate_experiment(cfg, experiment: str, run, overrides=(), check_data: bool = True) -> tuple:
    """Check the composed ``experiment=<experiment>`` config (with ``overrides``)
    as a whole; returns its runs (``run(dataset, model, method, seed)``, with a
    ``name``) and evaluated epochs. ``check_data``: whether offline datasets
    must be on disk."""
    from ..layerwise import layerwise_selection, validate_layers
    from ..pipeline.registry import validate_metrics

    if cfg.experiment.get("name") != experiment:
        raise ValueError(f"experiment.name must equal the experiment's file name {experiment!r} "
                         f"(results land in <paths.results>/<name>/); got {cfg.experiment.get('name')!r}")
    check(cfg.get("paths"), Paths, "paths")
    runs = grid(cfg.experiment, run)
    check_run(cfg, only=("seed", "train"))  # the grid's datasets, models and methods: below
    _grid_options(cfg, experiment, runs, overrides, check_data)
    evaluated = epochs(cfg)
    validate_metrics(cfg.metrics)
    validate_layers(cfg.layers, cfg.metrics)
    layerwise_selection(cfg.experiment.get("layerwise"), cfg.train.epochs, cfg.train.checkpoint_every,
                        grid_runs=[r.name for r in runs], lcfg=cfg.layers, metrics=cfg.metrics)
    _resources(cfg)
    _model_groups(cfg.experiment, list(dict.fromkeys(r.model for r in runs)))
    _studies(cfg, experiment, overrides)
    return runs, evaluated

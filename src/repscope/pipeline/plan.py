"""What an experiment runs, as the Snakefile expands it: the runs (dataset ×
model × method × seed), the evaluated epochs and the figures — all read from
the composed Hydra config (the same one every job composes) and checked before
any work starts."""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import cached_property

from ..config import choices, compose
from ..layout import Layout, Run
from .measure import SPECTRAL, validate_metrics

GRID_GROUPS = ("dataset", "model", "method")
RESOURCE_KEYS = {"threads": 1, "mem_mb": 1, "runtime": 1, "gpu": 0}  # key: smallest allowed value
SNAKEMAKE_CONFIG = {"experiment": "quick"}  # `snakemake --config` keys and their defaults
RULES = ("train", "inputs", "clusters", "config", "measure", "aggregate", "figure", "study", "layers")


@dataclass(frozen=True)
class Figure:
    """One S1 figure: a measure (at one diffusion time t, for the spectral
    ones) against ``epoch`` or against ``accuracy``."""

    kind: str
    metric: str
    t: float | None = None

    @property
    def name(self) -> str:
        return f"{self.kind}_{self.metric}" + ("" if self.t is None else f"_t{self.t:g}")


@dataclass(frozen=True)
class Plan:
    experiment: str
    cfg: object  # the composed DictConfig of experiment=<experiment>
    runs: tuple
    epochs: tuple

    @property
    def layout(self) -> Layout:
        """Where the experiment's files land (``paths.results``/<experiment>)."""
        return Layout.of(self.cfg)

    @cached_property
    def figures(self) -> dict[str, Figure]:
        if not self.runs:  # no training runs: no S1 figures
            return {}
        ts = [float(t) for t in self.cfg.metrics.t]
        figs = []
        for kind in ("epoch", "accuracy"):
            for metric in self.cfg.metrics.measures:
                if kind == "accuracy" and metric == "accuracy":
                    continue
                figs += [Figure(kind, metric, t) for t in ts] if metric in SPECTRAL else [Figure(kind, metric)]
        return {f.name: f for f in figs}

    def resources(self, rule: str) -> dict:
        return dict(self.cfg.resources[rule])


def _check_names(values, key: str, allowed) -> list:
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError(f"{key} must be a non-empty list; got {values!r}")
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"{key}: unknown option(s) {bad}; valid choices: {sorted(allowed)}")
    if len(set(values)) != len(values):
        raise ValueError(f"{key} lists an option twice: {list(values)}")
    return list(values)


def _check_separators(values, key: str) -> None:
    bad = [v for v in values if "-" in v or "/" in v]
    if bad:
        raise ValueError(f"{key}: names must not contain '-' or '/' (they separate the parts of a run "
                         f"folder <dataset>-<model>-<method>-s<seed>); got {bad}")


def _is_int(v, minimum: int) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum


def _grid(exp) -> list[Run]:
    """The runs of ``experiment.grid``; ``grid: null`` = no training runs (an
    experiment of toy / estimator studies only)."""
    grid = exp.get("grid")
    keys = list(GRID_GROUPS) + ["seed"]
    if "grid" in exp and grid is None:
        return []
    if grid is None or sorted(grid) != sorted(keys):
        raise ValueError(f"experiment.grid must have exactly the keys {keys}; "
                         f"got {None if grid is None else sorted(grid)}")
    names = {g: _check_names(list(grid[g]), f"experiment.grid.{g}", choices(g)) for g in GRID_GROUPS}
    for g in GRID_GROUPS:
        _check_separators(names[g], f"experiment.grid.{g}")
    seeds = list(grid.seed)
    if not seeds or not all(_is_int(s, 0) for s in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"experiment.grid.seed must be a non-empty list of distinct non-negative "
                         f"integers; got {seeds}")
    return [Run(d, m, k, int(s)) for d in names["dataset"] for m in names["model"]
            for k in names["method"] for s in seeds]


def _epochs(cfg) -> tuple:
    epochs = cfg.train.get("epochs")
    if not _is_int(epochs, 0):
        raise ValueError(f"train.epochs must be a non-negative integer; got {epochs!r}")
    if cfg.train.get("embed") is not True:
        raise ValueError(f"train.embed must be true in a workflow (the measure jobs read the embeddings "
                         f"training writes); got {cfg.train.get('embed')!r}")
    every = cfg.train.get("checkpoint_every")
    if not _is_int(every, 1):
        raise ValueError(f"train.checkpoint_every must be a positive integer; got {every!r}")
    chosen = cfg.experiment.get("eval_epochs")
    if chosen is None:
        chosen = list(range(epochs + 1))
    chosen = list(chosen)
    if not chosen or not all(_is_int(e, 0) and e <= epochs for e in chosen):
        raise ValueError(f"experiment.eval_epochs must be null or a non-empty list of epochs in "
                         f"0..train.epochs={epochs}; got {chosen}")
    # A lost embedding is recomputed from its epoch's weights, so every evaluated epoch needs them.
    unkept = [e for e in chosen if e % every and e != epochs]
    if unkept:
        raise ValueError(f"experiment.eval_epochs {unkept} have no checkpoint with train.checkpoint_every="
                         f"{every} (kept: multiples of it and the last epoch); evaluate those epochs only, "
                         f"or lower train.checkpoint_every")
    return tuple(sorted(set(chosen)))


def _check_resources(cfg) -> None:
    res = cfg.get("resources")
    missing = [r for r in RULES if res is None or r not in res]
    if missing:
        raise ValueError(f"resources must declare every rule {list(RULES)}; missing {missing}")
    for rule in RULES:
        for key, low in RESOURCE_KEYS.items():
            value = res[rule].get(key)
            if not _is_int(value, low):
                raise ValueError(f"resources.{rule}.{key} must be an integer >= {low}; got {value!r}")


def _check_model_groups(exp, models) -> None:
    groups = exp.get("model_groups")
    if groups is None:
        return
    listed = [m for g in groups.values() for m in g]
    _check_names(listed, "experiment.model_groups", models)
    if sorted(listed) != sorted(models):
        raise ValueError(f"experiment.model_groups must place every model of the grid in one group; "
                         f"grid models {sorted(models)}, grouped {sorted(listed)}")


def load_plan(experiment: str) -> Plan:
    """Compose ``experiment=<experiment>`` and check everything the workflow
    expands; a bad value raises ValueError naming the key and the valid choices."""
    _check_names([experiment], "experiment", choices("experiment"))
    cfg = compose([f"experiment={experiment}"])
    if cfg.experiment.get("name") != experiment:
        raise ValueError(f"experiment.name must equal the experiment's file name {experiment!r} "
                         f"(results land in results/<name>/); got {cfg.experiment.get('name')!r}")
    runs = _grid(cfg.experiment)
    validate_metrics(cfg.metrics)
    _check_resources(cfg)
    _check_model_groups(cfg.experiment, list(dict.fromkeys(r.model for r in runs)))
    return Plan(experiment, cfg, tuple(runs), _epochs(cfg))


def experiment_from(snakemake_config) -> str:
    """The experiment named by ``snakemake --config experiment=NAME`` (default quick)."""
    unknown = sorted(set(snakemake_config) - set(SNAKEMAKE_CONFIG))
    if unknown:
        raise ValueError(f"unknown --config key(s) {unknown}; allowed: {sorted(SNAKEMAKE_CONFIG)}")
    return str({**SNAKEMAKE_CONFIG, **snakemake_config}["experiment"])

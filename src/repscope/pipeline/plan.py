"""What an experiment runs, as the Snakefile expands it: the runs (dataset ×
model × method × seed), the evaluated epochs and the figures — all read from
the composed Hydra config (the same one every job composes) and checked before
any work starts."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..config import choices, compose
from ..layout import Layout, Run
from ..schema.experiment import check_names, validate_experiment
from .registry import SPECTRAL

SNAKEMAKE_CONFIG = {"experiment": "quick", "check_data": True}  # `snakemake --config` keys and their defaults


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


def load_plan(experiment: str, overrides=(), check_data: bool = True) -> Plan:
    """Compose ``experiment=<experiment>`` (with Hydra ``overrides``) and check
    it as a whole (:func:`repscope.schema.experiment.validate_experiment`); a
    bad value raises ValueError naming the key and the valid choices.
    ``check_data``: whether offline datasets must be on disk (``snakemake
    --config check_data=false`` plans on a machine without them)."""
    check_names([experiment], "experiment", choices("experiment"))
    cfg = compose([f"experiment={experiment}", *overrides])
    runs, epochs = validate_experiment(cfg, experiment, Run, overrides, check_data)
    return Plan(experiment, cfg, tuple(runs), epochs)


def plan_options(snakemake_config) -> dict:
    """``load_plan``'s arguments from ``snakemake --config experiment=NAME
    check_data=BOOL`` (defaults: quick, true)."""
    unknown = sorted(set(snakemake_config) - set(SNAKEMAKE_CONFIG))
    if unknown:
        raise ValueError(f"unknown --config key(s) {unknown}; allowed: {sorted(SNAKEMAKE_CONFIG)}")
    options = {**SNAKEMAKE_CONFIG, **snakemake_config}
    check_data = {"true": True, "false": False}.get(str(options["check_data"]).lower())
    if check_data is None:
        raise ValueError(f"--config check_data must be true or false; got {options['check_data']!r}")
    return {"experiment": str(options["experiment"]), "check_data": check_data}


"""Studies: one module per study (``run(cfg) -> DataFrame`` and ``FIGURES =
{figname: draw(df) -> Figure}``) and one config ``conf/study/<name>.yaml``
(``name``, an optional short ``alias`` such as the papers' ``t1``, parameters at
paper size, ``figures``); wherever a study is named, its alias names it too. A
study that reads files of the experiment (the aggregated metrics table) says which
with ``needs(cfg.study) -> [paths]`` (:mod:`repscope.layout` under
``study.results_dir``); one that checks its settings beyond their kinds has
``check(cfg.study)`` (both run when the workflow is planned,
:mod:`repscope.schema.experiment`). An experiment lists its studies, with size
overrides, in ``experiment.studies``. This module answers the questions the
command and the Snakemake rules ask: which studies and figures exist, which files a
study needs, which targets an experiment has."""
from __future__ import annotations

import copy
import functools
import importlib

from omegaconf import DictConfig, OmegaConf, open_dict

from ..config import CONF_DIR, choices, compose, load_option
from ..layout import Layout


def aliases() -> dict[str, str]:
    """{alias: name} from the study yamls' ``alias`` (the papers' numbering, ``t1`` …)."""
    return {a: name for name in choices("study") if (a := load_option("study", name).get("alias"))}


def study_name(name: str) -> str:
    """The study's name, given its name or its alias (``t1`` -> ``intrinsic_dimension``)."""
    names = choices("study")
    if name in names:
        return name
    short = aliases()  # only for a name that is not one: it reads every study yaml
    if name in short:
        return short[name]
    raise ValueError(f"study must be one of {names} or an alias "
                     f"{dict(sorted(short.items()))}; got {name!r}")


def _study_yaml(name: str) -> DictConfig:
    return load_option("study", study_name(name))


def study_figures(name: str) -> list[str]:
    """The figure names a study draws (its yaml's ``figures``)."""
    return list(_study_yaml(name).get("figures", []))


def all_figures() -> dict[str, str]:
    """{figname: study} over every study config."""
    return {fig: name for name in choices("study") for fig in study_figures(name)}


def figure_study(figname: str) -> str:
    """The study that draws ``figname``."""
    owners = all_figures()
    if figname not in owners:
        raise ValueError(f"figure must be one of {sorted(owners)}; got {figname!r}")
    return owners[figname]


def study_needs(name: str, exp: str) -> list[str]:
    """Files of experiment ``exp`` the study reads."""
    needs = getattr(load_study(name), "needs", None)
    if needs is None:
        return []
    return [str(p) for p in needs(study_config(name, [f"experiment={exp}"]).study)]


def experiment_studies(cfg) -> list[str]:
    """The studies an (already composed) experiment config lists, by name."""
    return list(_listed(cfg))


def _listed(cfg) -> dict:
    """{name: settings} of ``experiment.studies``, its keys names or aliases."""
    out = {}
    for key, settings in (cfg.experiment.get("studies") or {}).items():
        name = study_name(key)
        if name in out:
            raise ValueError(f"experiment.studies lists study {name!r} twice (by name and alias)")
        out[name] = settings
    return out


def drawn_figures(name: str, exp: str) -> list[str]:
    """The figures study ``name`` draws in experiment ``exp``: its yaml's
    ``figures``, less those its settings leave without data (a module's
    ``drawn(cfg.study)``, e.g. S2's training curves without init-variant runs)."""
    figures = study_figures(name)
    drawn = getattr(load_study(name), "drawn", None)
    if drawn is None:
        return figures
    keep = set(drawn(study_config(name, [f"experiment={exp}"]).study))
    return [f for f in figures if f in keep]


def study_threads(name: str, exp: str, default: int) -> int:
    """Cores the study's job takes: its ``workers`` (processes measuring cells side by
    side) where it has them and they are more than ``default`` (conf/resources/)."""
    workers = study_config(name, [f"experiment={exp}"]).study.get("workers")
    return max(default, workers or 1)


def study_targets(cfg, exp: str) -> list[str]:
    """Every output of the experiment's studies: tables and figures (pdf, png)."""
    layout, out = Layout.at(cfg.paths.results, exp), []
    for name in experiment_studies(cfg):
        out.append(str(layout.study(name)))
        out += [str(layout.figure(fig, ext)) for fig in drawn_figures(name, exp) for ext in ("pdf", "png")]
    return out


def load_study(name: str):
    """The module ``repscope.studies.<name>`` (``name`` or its alias)."""
    return importlib.import_module(f"{__name__}.{study_name(name)}")


def study_config(name: str, overrides=(), results_dir=None) -> DictConfig:
    """The config composed with the overrides, ``study`` = conf/study/<name>.yaml
    (``name`` or its alias; as ``+study=<name>`` composes it), the experiment's ``studies.<name>`` block
    merged onto it, then the ``study.*`` overrides (``~study.*`` deletes) on top (so
    the command line wins over the experiment); ``study.results_dir`` is where the study
    finds the files it needs (default: the experiment's results folder,
    :class:`repscope.layout.Layout`). The rest is composed once per overrides (the
    workflow asks for every study of one experiment when it is planned)."""
    name = study_name(name)
    mine = [o.lstrip("+") for o in overrides if o.lstrip("+").startswith("study.")]
    gone = [o[len("~study."):] for o in overrides if o.startswith("~study.")]  # deletions
    rest = tuple(o for o in overrides if o.lstrip("+") not in mine and not o.startswith("~study."))
    cfg = copy.deepcopy(_composed(str(CONF_DIR), rest))
    extra = _listed(cfg).get(name) or {}
    study = _study_yaml(name)
    OmegaConf.set_struct(study, True)
    try:
        merged = OmegaConf.merge(study, extra, OmegaConf.from_dotlist(mine).get("study", {}))
    except Exception as err:  # an unknown key, or a value of the wrong type
        raise ValueError(f"study overrides (experiment.studies.{name}, {mine}) do not fit "
                         f"conf/study/{name}.yaml: {err}") from None
    for key in gone:
        parent, _, last = key.rpartition(".")
        node = OmegaConf.select(merged, parent) if parent else merged
        if node is None or last not in node:
            raise ValueError(f"~study.{key}: no such key in conf/study/{name}.yaml")
        with open_dict(node):
            del node[last]
    OmegaConf.set_struct(merged, None)  # struct as the composed config (open_dict opens both)
    with open_dict(cfg):
        cfg.study = merged
        cfg.study.results_dir = str(Layout.of(cfg).root if results_dir is None else results_dir)
    return cfg


@functools.lru_cache(maxsize=16)
def _composed(conf: str, overrides: tuple) -> DictConfig:
    """``compose(overrides)`` once per conf/ folder and overrides (callers get a copy)."""
    return compose(list(overrides))

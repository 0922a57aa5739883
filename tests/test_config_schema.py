"""The config schema (repscope.schema): every experiment and study config
composes and validates, and a bad value fails when the workflow is planned,
before any job, naming the key."""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from datasets_on_disk import write_cifar10, write_cifar100, write_mnist, write_stl10
from omegaconf import OmegaConf

from repscope.config import choices, compose
from repscope.layout import Layout
from repscope.pipeline.plan import load_plan
from repscope.schema import groups
from repscope.schema.experiment import check_study, option
from repscope.studies import study_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("override,key", [
    ("dataset.eval_n=-5", "dataset.eval_n"),
    ("train.lr=-1", "train.lr"),
    ("train.optimizer=lbfgs", "train.optimizer"),
    ("+dataset.eval_size=10", "dataset: unknown key"),
    ("layers.nc1.global_mean=median", "layers.nc1.global_mean"),
    ("layers.dib.lr=0", "layers.dib.lr"),
    ("metrics.t=[0]", "metrics.t"),
    ("+metrics.bandwidth=1", "metrics: unknown key"),
    ("metrics.solver.probes=1", "metrics.solver: slq_probes must be at least 2"),
    ("metrics.peers.neural.lr=0", "metrics.peers.neural.lr must be a positive number"),
    ("+experiment.studies.blob_splitting={n_points: many}", "study.n_points"),
    ("+experiment.studies.mi_ground_truth={use: [DSMI_x]}", "study.use"),
    ("+experiment.studies.mi_estimators={estimators: {KSG: {kind: ksg2}}}", "estimators.KSG.kind"),
])
def test_bad_values_fail_when_the_workflow_is_planned(override, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        load_plan("tiny", [override])


def test_grid_options_are_checked_as_their_runs_compose_them():
    """Each dataset/model/method of the grid, not only the defaults' ones."""
    with pytest.raises(ValueError, match=r"dataset\.eval_n"):  # digits sets eval_n itself
        load_plan("tiny", ["experiment.grid.dataset=[mnist1d,digits]", "dataset.eval_n=0"])
    with pytest.raises(ValueError, match=r"model\.kernel_size"):
        load_plan("tiny", ["experiment.grid.model=[cnn]", "+model.kernel_size=0"])


def test_a_missing_offline_dataset_fails_when_planned(tmp_path):
    overrides = ["experiment.grid.dataset=[cifar10]", f"dataset.root={tmp_path}"]
    with pytest.raises(ValueError, match=r"cifar-10-batches-py.*dataset\.root.*dataset\.download=true"):
        load_plan("tiny", overrides)
    assert load_plan("tiny", overrides, check_data=False).runs[0].dataset == "cifar10"
    assert load_plan("tiny", [*overrides, "dataset.download=true"]).runs  # the job fetches them


def test_offline_files_are_where_the_loaders_read_them(tmp_path):
    rng = np.random.default_rng(0)
    write_mnist(tmp_path, "MNIST", rng), write_mnist(tmp_path, "FashionMNIST", rng)
    write_cifar10(tmp_path, rng), write_cifar100(tmp_path, rng), write_stl10(tmp_path, rng)
    for name in groups.OFFLINE_FILES:
        dcfg = compose([f"dataset={name}", f"dataset.root={tmp_path}"]).dataset
        assert groups.missing_files(dcfg) is None
        assert "does not exist" in groups.missing_files(compose([f"dataset={name}"]).dataset)


def test_the_schema_names_what_the_packages_implement():
    from repscope.data.sources import LOADERS
    from repscope.models.small import ACTIVATIONS
    from repscope.training.objectives import SIMCLR_LOSSES

    assert list(LOADERS) == list(groups.DATASETS) and set(groups.DATASETS) == set(choices("dataset"))
    assert set(groups.ACTIVATIONS) == set(ACTIVATIONS)
    assert set(groups.SIMCLR_LOSSES) == set(SIMCLR_LOSSES)
    assert {compose([f"method={m}"]).method.name for m in choices("method")} <= set(groups.METHODS)


@pytest.mark.parametrize("experiment", choices("experiment"))
def test_every_experiment_composes_and_validates(experiment):
    """As lightning-hydra-template's test_configs: compose and validate every
    experiment (grid options, metrics, layers, resources, studies); no job runs.
    The cheap per-option assembly equals Hydra's compose of a run."""
    plan = load_plan(experiment, check_data=False)
    if not plan.runs:
        return
    last = plan.runs[-1]
    run = compose([f"experiment={experiment}", f"dataset={last.dataset}", f"model={last.model}",
                   f"method={last.method}"])
    for group in ("dataset", "model", "method"):
        assert option(group, getattr(last, group), experiment) == run[group]


@pytest.mark.parametrize("name", choices("study"))
def test_every_study_config_composes_and_validates(name):
    """conf/study/<name>.yaml as ``+study=<name>`` composes it; checked with the
    quick experiment's settings (it lists every study)."""
    cfg = study_config(name, ["experiment=paper"])
    hydra = compose(["experiment=paper", f"+study={name}"])
    assert OmegaConf.to_container(cfg.study, resolve=True) == {
        **OmegaConf.to_container(hydra.study, resolve=True), "results_dir": str(Layout.of(hydra).root)}
    assert name in compose(["experiment=quick"]).experiment.studies
    check_study(name, study_config(name, ["experiment=quick"]).study)


@pytest.mark.slow
def test_snakemake_dry_run_refuses_a_bad_value_before_any_job(tmp_path):
    for part in ("Snakefile", "workflow", "conf"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, tmp_path / part)
    tiny = (tmp_path / "conf" / "experiment" / "tiny.yaml").read_text()
    (tmp_path / "conf" / "experiment" / "bad.yaml").write_text(
        tiny.replace("name: tiny", "name: bad").replace("  epochs: 2\n", "  epochs: 2\n  lr: -1\n"))
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--config", "experiment=bad"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode != 0 and "train.lr must be a positive number; got -1" in out.stdout + out.stderr
    assert not (tmp_path / "results").exists()


def test_estimator_tables_are_keyed_by_identifiers_editable_from_the_command_line():
    from repscope.studies.mi_estimators import estimators

    s = study_config("mi_estimators", ["experiment=quick", "~study.estimators.CSMI_5bins",
                            "study.estimators.KSG_Ross.k=5"]).study
    assert "CSMI_5bins" not in s.estimators and s.estimators.KSG_Ross.k == 5
    labels = list(estimators(s))  # the display names the tables and figures show
    assert "CSMI 10 bins" in labels and "KSG (Ross)" in labels and "CSMI 5 bins" not in labels
    assert "MINE held-out" in labels  # quick.yaml edits it by its identifier
    with pytest.raises(ValueError, match=r"~study\.estimators\.CSMI_7bins: no such key"):
        study_config("mi_estimators", ["experiment=quick", "~study.estimators.CSMI_7bins"])
    for name in choices("study"):  # every table key is an identifier (editable as study.<table>.<key>)
        for table in ("estimators", "measures"):
            keys = list(study_config(name, ["experiment=quick"]).study.get(table) or {})
            assert all(k.isidentifier() for k in keys), (name, table, keys)


def test_checking_a_run_config_imports_neither_torch_nor_the_packages_it_configures():
    code = ("import sys; from repscope.config import compose, validate; validate(compose([])); "
            "bad = [m for m in ('torch', 'repscope.data', 'repscope.models', 'repscope.training') "
            "if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)

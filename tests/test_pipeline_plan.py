"""The experiment plan the Snakefile expands, and its checks before any work."""
import shutil

import pytest
from omegaconf import OmegaConf

from repscope import config
from repscope.pipeline.plan import load_plan, plan_options


@pytest.fixture
def conf(tmp_path, monkeypatch):
    """A private copy of conf/ to write experiments into."""
    dst = tmp_path / "conf"
    shutil.copytree(config.CONF_DIR, dst)
    monkeypatch.setattr(config, "CONF_DIR", dst)
    return dst


def _experiment(conf, name, changes):
    """conf/experiment/<name>.yaml: the tiny experiment with ``changes``
    (dotted key -> value) applied."""
    exp = OmegaConf.load(conf / "experiment" / "tiny.yaml")
    exp.experiment.name = name
    for key, value in changes.items():
        OmegaConf.update(exp, key, value, force_add=True)
    (conf / "experiment" / f"{name}.yaml").write_text("# @package _global_\n" + OmegaConf.to_yaml(exp))
    return name


def test_tiny_plan():
    plan = load_plan("tiny")
    assert [r.name for r in plan.runs] == ["mnist1d-mlp-supervised-s1", "mnist1d-mlp-random_label-s1"]
    assert plan.epochs == (0, 1, 2)
    assert str(plan.layout.run(plan.runs[0].name).metrics) == \
        "results/tiny/runs/mnist1d-mlp-supervised-s1/metrics.parquet"
    assert list(plan.figures) == [
        "epoch_DSE_t1", "epoch_CSE", "epoch_DSMI_Y_t1", "epoch_CSMI_Y", "epoch_DSMI_X_t1",
        "epoch_CSMI_X", "epoch_accuracy", "accuracy_DSE_t1", "accuracy_CSE", "accuracy_DSMI_Y_t1",
        "accuracy_CSMI_Y", "accuracy_DSMI_X_t1", "accuracy_CSMI_X"]
    assert plan.resources("train") == {"threads": 1, "mem_mb": 2000, "runtime": 60, "gpu": 0}


def test_quick_and_paper_grids():
    quick = load_plan("quick")
    assert len(quick.runs) == 2 * 2 * 3 * 2 and quick.epochs == (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 18, 20)
    paper = load_plan("paper", check_data=False)
    assert len(paper.runs) == 3 * 6 * 3 * 3 and paper.epochs == tuple(range(201))
    assert [r.dataset for r in paper.runs[::54]] == ["mnist", "cifar10", "stl10"]
    assert paper.resources("train")["gpu"] == 1


def test_several_t_and_chosen_epochs(conf):
    plan = load_plan(_experiment(conf, "two_t", {"metrics.t": [1, 2.5], "experiment.eval_epochs": [2, 0]}))
    assert plan.epochs == (0, 2)
    assert "epoch_DSE_t2.5" in plan.figures and "accuracy_DSMI_X_t1" in plan.figures


@pytest.mark.parametrize("changes,match", [
    ({"experiment.grid.dataset": ["mnist1d", "imagenet"]},
     r"experiment.grid.dataset: unknown option\(s\) \['imagenet'\]; valid choices: \[.*'mnist1d'"),
    ({"experiment.grid.model": ["mlp", "mlp"]}, "lists an option twice"),
    ({"experiment.grid.method": []}, "experiment.grid.method must be a non-empty list"),
    ({"experiment.grid.method": ["dino"]}, r"unknown option\(s\) \['dino'\]; valid choices: \[.*'supervised'"),
    ({"experiment.grid.seed": [1, -2]}, "experiment.grid.seed must be a non-empty list of distinct"),
    ({"experiment.grid.layer": ["x"]}, "experiment.grid must have exactly the keys"),
    ({"train.epochs": -1}, "train.epochs must be a non-negative integer; got -1"),
    ({"experiment.eval_epochs": [0, 3]}, r"eval_epochs must be .* 0..train.epochs=2; got \[0, 3\]"),
    ({"train.embed": False}, "train.embed must be true in a workflow"),
    ({"experiment.eval_epochs": [1, 2], "train.checkpoint_every": 2},
     r"experiment.eval_epochs \[1\] have no checkpoint with train.checkpoint_every=2"),
    ({"metrics.measures": ["DSE", "KSG"]}, r"unknown measure\(s\) \['KSG'\]; valid choices"),
    ({"resources.measure.mem_mb": 0}, "resources.measure.mem_mb must be an integer >= 1"),
    ({"experiment.model_groups": {"small": ["cnn"]}}, r"model_groups: unknown option\(s\) \['cnn'\]"),
])
def test_bad_experiment_is_refused_with_the_valid_choices(conf, changes, match):
    name = _experiment(conf, "bad", changes)
    with pytest.raises(ValueError, match=match):
        load_plan(name)


def test_names_that_would_break_run_folders_are_refused(conf):
    (conf / "model" / "my-net.yaml").write_text((conf / "model" / "mlp.yaml").read_text())
    with pytest.raises(ValueError, match=r"must not contain '-' or '/'.*got \['my-net'\]"):
        load_plan(_experiment(conf, "dash", {"experiment.grid.model": ["my-net"]}))


def test_experiment_name_must_match_its_file(conf):
    (conf / "experiment" / "copy.yaml").write_text((conf / "experiment" / "tiny.yaml").read_text())
    with pytest.raises(ValueError, match="experiment.name must equal the experiment's file name 'copy'"):
        load_plan("copy")


def test_unknown_experiment_and_config_keys():
    with pytest.raises(ValueError, match=r"experiment: unknown option\(s\) \['huge'\]; valid choices: .*'paper'"):
        load_plan("huge")
    assert plan_options({}) == {"experiment": "quick", "check_data": True}
    assert plan_options({"experiment": "paper", "check_data": False}) == {"experiment": "paper", "check_data": False}
    with pytest.raises(ValueError, match=r"unknown --config key\(s\) \['experimnt'\]; allowed: \['check_data', 'experiment'\]"):
        plan_options({"experimnt": "paper"})
    with pytest.raises(ValueError, match="check_data must be true or false"):
        plan_options({"check_data": "maybe"})

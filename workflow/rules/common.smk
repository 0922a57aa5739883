"""Paths, wildcard constraints and helpers shared by the rule files. Every
path is a function of the wildcards: run (<dataset>-<model>-<method>-s<seed>),
epoch, dataset."""

EXP = PLAN.experiment
ROOT = str(PLAN.root)  # results/<experiment>
RUN_DIR = f"{ROOT}/runs/{{run}}"
INPUT_DIR = f"{ROOT}/inputs/{{dataset}}"
TABLES = f"{ROOT}/tables"
FIGURES = f"{ROOT}/figures"
LOGS = f"{ROOT}/logs"


wildcard_constraints:
    run=r"[^/]+",
    epoch=r"\d+",
    dataset=r"[^/]+",


def run_args(wildcards):
    """Hydra overrides of the run: experiment, dataset, model, method, seed."""
    return " ".join([f"experiment={EXP}"] + PLAN.run(wildcards.run).overrides)


def dataset_args(wildcards):
    return f"experiment={EXP} dataset={wildcards.dataset}"


def resources_of(rule_name):
    """mem_mb, runtime (minutes) and gpu of a rule, from conf/resources/."""
    res = PLAN.resources(rule_name)
    return {key: res[key] for key in ("mem_mb", "runtime", "gpu")}


def threads_of(rule_name):
    return PLAN.resources(rule_name)["threads"]


def x_clusters(wildcards):
    """The clustered inputs X of the run's dataset."""
    return f"{ROOT}/inputs/{PLAN.run(wildcards.run).dataset}/X_clusters.npz"


def run_dir_of(path_index, depth):
    """Param: the run folder, ``depth`` levels above output[path_index]."""
    return lambda wildcards, output: str(Path(output[path_index]).parents[depth])

"""Paths, wildcard constraints and helpers shared by the rule files. Every
path is a function of the wildcards: a run's dataset, model, method and seed
(its folder is <dataset>-<model>-<method>-s<seed>); no input functions in the
per-run rules, so planning the paper grid stays fast."""


EXP = PLAN.experiment
ROOT = str(PLAN.root)  # results/<experiment>
RUN = "{dataset}-{model}-{method}-s{seed}"
RUN_DIR = f"{ROOT}/runs/{RUN}"
INPUT_DIR = f"{ROOT}/inputs/{{dataset}}"
TABLES = f"{ROOT}/tables"
FIGURES = f"{ROOT}/figures"
LOGS = f"{ROOT}/logs"
BENCHMARKS = f"{ROOT}/benchmarks"  # each job's wall and CPU seconds (Snakemake's benchmark files)

# The same, to be formatted in shell commands: the run folder and its Hydra overrides.
SHELL_RUN_DIR = f"{ROOT}/runs/{RUN.replace('{', '{wildcards.')}"
SHELL_RUN_ARGS = (f"experiment={EXP} dataset={{wildcards.dataset}} model={{wildcards.model}} "
                  "method={wildcards.method} seed={wildcards.seed}")


wildcard_constraints:
    dataset=r"[^-/]+",
    model=r"[^-/]+",
    method=r"[^-/]+",
    seed=r"\d+",
    epoch=r"\d+",


def resources_of(rule_name):
    """mem_mb, runtime (minutes) and gpu of a rule, from conf/resources/."""
    res = PLAN.resources(rule_name)
    return {key: res[key] for key in ("mem_mb", "runtime", "gpu")}


def threads_of(rule_name):
    return PLAN.resources(rule_name)["threads"]

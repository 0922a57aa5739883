"""Paths, wildcard constraints and helpers shared by the rule files. Every path
is built by repscope.layout from the wildcards (a run's folder is
<dataset>-<model>-<method>-s<seed>), the same functions the commands read
with; no input functions in the per-run rules, so planning the paper grid
stays fast."""

from repscope.layout import Run

EXP = PLAN.experiment
LAYOUT = PLAN.layout  # <paths.results>/<experiment> (conf/paths/)
RUN = Run("{dataset}", "{model}", "{method}", "{seed}").name
RUN_FOLDER = LAYOUT.run(RUN)  # the run folder's files, as wildcard patterns
RUN_ARGS = (f"experiment={EXP} dataset={{wildcards.dataset}} model={{wildcards.model}} "
            "method={wildcards.method} seed={wildcards.seed}")  # a run's Hydra overrides, for shell


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

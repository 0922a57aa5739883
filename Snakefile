"""repscope workflow: train encoders, cache every epoch's embeddings, measure
them, aggregate one tidy table and draw the figures.

    snakemake --cores all                               # the quick experiment
    snakemake --cores all --config experiment=paper     # conf/experiment/paper.yaml

The experiment is composed with Hydra from conf/ (the same composition every
job makes) and checked before any job starts. Rule files live in
workflow/rules/; each adds its final outputs to TARGETS, which `rule all`
(the default target) requests."""

from pathlib import Path

from repscope.pipeline.plan import load_plan, plan_options

PLAN = load_plan(**plan_options(config))
TARGETS = []
CORE_RULE_FILES = ("common.smk", "train.smk", "metrics.smk", "figures.smk")


report: "workflow/report/workflow.rst"


rule all:
    input:
        lambda wildcards: TARGETS,
    default_target: True


include: "workflow/rules/common.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/figures.smk"


# Further rule files (the studies, layer-wise rules): every other *.smk present.
for extra in sorted(Path(workflow.basedir, "workflow", "rules").glob("*.smk")):
    if extra.name not in CORE_RULE_FILES:

        include: str(extra)

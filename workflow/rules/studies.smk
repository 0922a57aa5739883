"""Studies and their figures, one generic rule each, driven by
conf/study/<name>.yaml and the experiment's `experiment.studies` block:

    results/<exp>/studies/<name>.parquet       repscope study <name> experiment=<exp>
    results/<exp>/figures/<figname>.{pdf,png}  repscope study-figures <name> (the figures it draws in <exp>)

`study_targets(cfg, exp)` lists every study output of an experiment; they are
added to TARGETS, so `rule all` requests them."""

from repscope.config import choices
from repscope.studies import drawn_figures, experiment_studies, study_needs, study_targets


wildcard_constraints:
    name="|".join(choices("study")),


rule study:
    input:
        lambda wildcards: study_needs(wildcards.name, EXP),
    output:
        f"{ROOT}/studies/{{name}}.parquet",
    log:
        f"{LOGS}/studies/{{name}}.log",
    benchmark:
        f"{BENCHMARKS}/study/{{name}}.tsv",
    params:
        experiment=EXP,
    threads: threads_of("study")
    resources:
        **resources_of("study"),
    shell:
        "OMP_NUM_THREADS={threads} repscope study {wildcards.name} experiment={params.experiment} "
        "out={output} > {log} 2>&1"


# One job per study draws all its figures (matplotlib and seaborn are imported once).
for _name in experiment_studies(PLAN.cfg):
    _figs = drawn_figures(_name, EXP)
    if not _figs:
        continue

    rule:
        name:
            f"figures_{_name}"
        input:
            f"{ROOT}/studies/{_name}.parquet",
        output:
            pdf=[f"{FIGURES}/{fig}.pdf" for fig in _figs],
            png=[report(f"{FIGURES}/{fig}.png", caption="../report/studies.rst", category="Studies")
                 for fig in _figs],
        log:
            f"{LOGS}/figures/{_name}.log",
        benchmark:
            f"{BENCHMARKS}/figures/{_name}.tsv",
        params:
            study=_name,
            experiment=EXP,
            out_dir=FIGURES,
        threads: threads_of("figure")
        resources:
            **resources_of("figure"),
        shell:
            "repscope study-figures {params.study} experiment={params.experiment} in={input} "
            "out_dir={params.out_dir} > {log} 2>&1"


TARGETS.extend(study_targets(PLAN.cfg, EXP))

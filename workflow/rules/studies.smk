"""Studies and their figures (STUDIES.md), one generic rule each, driven by
conf/study/<name>.yaml and the experiment's `experiment.studies` block:

    results/<exp>/studies/<name>.parquet       repscope study <name> experiment=<exp>
    results/<exp>/figures/<figname>.{pdf,png}  repscope figure <name> <figname>

`study_targets(cfg, exp)` lists every study output of an experiment; they are
added to TARGETS, so `rule all` requests them."""

from repscope.studies import all_figures, figure_study, study_needs, study_targets


wildcard_constraints:
    name="|".join(sorted(set(all_figures().values()))),
    figname="|".join(sorted(all_figures())),


rule study:
    input:
        lambda wildcards: study_needs(wildcards.name, EXP),
    output:
        f"{ROOT}/studies/{{name}}.parquet",
    log:
        f"{LOGS}/studies/{{name}}.log",
    params:
        experiment=EXP,
    threads: threads_of("study")
    resources:
        **resources_of("study"),
    shell:
        "OMP_NUM_THREADS={threads} repscope study {wildcards.name} experiment={params.experiment} "
        "out={output} > {log} 2>&1"


rule study_figure:
    input:
        lambda wildcards: f"{ROOT}/studies/{figure_study(wildcards.figname)}.parquet",
    output:
        pdf=f"{FIGURES}/{{figname}}.pdf",
        png=report(
            f"{FIGURES}/{{figname}}.png",
            caption="../report/studies.rst",
            category="Studies",
        ),
    log:
        f"{LOGS}/figures/{{figname}}.log",
    params:
        study=lambda wildcards: figure_study(wildcards.figname),
        stem=lambda wildcards: f"{FIGURES}/{wildcards.figname}",
    threads: threads_of("figure")
    resources:
        **resources_of("figure"),
    shell:
        "repscope figure {params.study} {wildcards.figname} in={input} out={params.stem} > {log} 2>&1"


TARGETS.extend(study_targets(PLAN.cfg, EXP))

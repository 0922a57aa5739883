"""Studies and their figures, one generic rule each, driven by
conf/study/<name>.yaml and the experiment's `experiment.studies` block:

    studies/<name>.parquet          repscope study <name> experiment=<exp>
    figures/<figname>.{pdf,png}     repscope study-figures <name> (the figures it draws in <exp>)

(under the experiment's results folder, repscope.layout). `study_targets(cfg,
exp)` lists every study output of an experiment; they are added to TARGETS,
so `rule all` requests them."""

from repscope.config import choices
from repscope.studies import drawn_figures, experiment_studies, study_needs, study_targets, study_threads


wildcard_constraints:
    name="|".join(choices("study")),


rule study:
    input:
        lambda wildcards: study_needs(wildcards.name, EXP),
    output:
        str(LAYOUT.study("{name}")),
    log:
        str(LAYOUT.log("studies/{name}")),
    benchmark:
        str(LAYOUT.benchmark("study/{name}")),
    params:
        results=str(LAYOUT.root),
    threads: lambda wildcards: study_threads(wildcards.name, EXP, threads_of("study"))
    resources:
        **resources_of("study"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope study {{wildcards.name}} experiment={EXP} "
        "results={params.results} out={output} > {log} 2>&1"


# One job per study draws all its figures (matplotlib and seaborn are imported once).
for _name in experiment_studies(PLAN.cfg):
    _figs = drawn_figures(_name, EXP)
    if not _figs:
        continue

    rule:
        name:
            f"figures_{_name}"
        input:
            str(LAYOUT.study(_name)),
        output:
            pdf=[str(LAYOUT.figure(fig, "pdf")) for fig in _figs],
            png=[report(str(LAYOUT.figure(fig, "png")), caption="../report/studies.rst", category="Studies")
                 for fig in _figs],
        log:
            str(LAYOUT.log(f"figures/{_name}")),
        benchmark:
            str(LAYOUT.benchmark(f"figures/{_name}")),
        params:
            study=_name,
            out_dir=str(LAYOUT.figures),
        threads: threads_of("figure")
        resources:
            **resources_of("figure"),
        shell:
            f"repscope study-figures {{params.study}} experiment={EXP} in={{input}} "
            "out_dir={params.out_dir} > {log} 2>&1"


TARGETS.extend(study_targets(PLAN.cfg, EXP))

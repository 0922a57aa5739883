# Studies and their figures (STUDIES.md): one generic rule each, driven by conf/study/*.yaml.
#   results/{exp}/studies/{name}.parquet     repscope study <name> experiment=<exp>
#   results/{exp}/figures/{figname}.{pdf,png} repscope figure <name> <figname>
# The Snakefile includes this file and asks `study_targets(cfg, exp)` for every
# study output of the experiment (its `experiment.studies` block).
from repscope.studies import all_figures, figure_study, study_needs, study_targets  # noqa: F401

wildcard_constraints:
    figname="|".join(sorted(all_figures())) or "^$",


rule study:
    input:
        lambda wc: study_needs(wc.name, wc.exp),
    output:
        "results/{exp}/studies/{name}.parquet",
    log:
        "results/{exp}/logs/studies/{name}.log",
    threads: 2
    resources:
        mem_mb=8000,
        runtime=240,
    shell:
        "repscope study {wildcards.name} experiment={wildcards.exp} out={output} > {log} 2>&1"


rule study_figure:
    input:
        lambda wc: f"results/{wc.exp}/studies/{figure_study(wc.figname)}.parquet",
    output:
        pdf="results/{exp}/figures/{figname}.pdf",
        png="results/{exp}/figures/{figname}.png",
    log:
        "results/{exp}/logs/figures/{figname}.log",
    params:
        study=lambda wc: figure_study(wc.figname),
        stem=lambda wc: f"results/{wc.exp}/figures/{wc.figname}",
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "repscope figure {params.study} {wildcards.figname} in={input} out={params.stem}"
        " > {log} 2>&1"

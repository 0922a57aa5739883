"""The evaluation inputs X of each dataset, clustered once, and the measures of
every run's evaluated epochs, gathered into one tidy table."""

from omegaconf import OmegaConf


# The experiment's conf/metrics settings, composed once for every measure job (which
# then starts without Hydra). Its params are the settings themselves: editing
# conf/metrics reruns this rule and so every measure, and nothing upstream.
rule metrics_config:
    output:
        str(LAYOUT.metrics_settings),
    log:
        str(LAYOUT.log("metrics_config")),
    params:
        settings=lambda wildcards: OmegaConf.to_yaml(PLAN.cfg.metrics, resolve=True),
    threads: threads_of("config")
    resources:
        **resources_of("config"),
    shell:
        f"repscope config experiment={EXP} section=metrics out={{output}} > {{log}} 2>&1"


rule inputs:
    output:
        str(LAYOUT.inputs("{dataset}")),
    log:
        str(LAYOUT.log("inputs_{dataset}")),
    benchmark:
        str(LAYOUT.benchmark("inputs/{dataset}")),
    threads: threads_of("inputs")
    resources:
        **resources_of("inputs"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope inputs experiment={EXP} dataset={{wildcards.dataset}} "
        "out={output} > {log} 2>&1"


rule clusters:
    input:
        inputs=rules.inputs.output[0],
        metrics=rules.metrics_config.output[0],
    output:
        str(LAYOUT.clusters("{dataset}")),
    log:
        str(LAYOUT.log("clusters_{dataset}")),
    benchmark:
        str(LAYOUT.benchmark("clusters/{dataset}")),
    threads: threads_of("clusters")
    resources:
        **resources_of("clusters"),
    shell:
        "OMP_NUM_THREADS={threads} repscope clusters metrics={input.metrics} in={input.inputs} "
        "out={output} > {log} 2>&1"


# One job per run: checks every evaluated epoch's embedding and measures it (epochs
# whose embedding, clusters, settings and code are unchanged keep their earlier results).
# Its input is the training's config.yaml, rewritten whenever the training job runs (also
# when it only restores a deleted embedding); the embeddings, outputs of the same training
# job, are passed as parameters: listing them as inputs too would double the files the
# paper grid's plan resolves.
rule measure:
    input:
        trained=rules.train.output.config,
        clusters=rules.clusters.output[0],
        metrics=rules.metrics_config.output[0],
    output:
        str(RUN_FOLDER.metrics),
    log:
        str(RUN_FOLDER.log("measure")),
    benchmark:
        str(LAYOUT.benchmark(f"measure/{RUN}")),
    params:
        embeddings=",".join(rules.train.output.embeddings),
        kept=str(RUN_FOLDER.kept_metrics),
        spectra=str(RUN_FOLDER.kept_spectra),
    threads: threads_of("measure")
    resources:
        **resources_of("measure"),
    shell:
        "OMP_NUM_THREADS={threads} repscope measure metrics={input.metrics} embeddings={params.embeddings} "
        "clusters={input.clusters} kept={params.kept} spectra={params.spectra} out={output} > {log} 2>&1"


METRIC_FILES = [str(LAYOUT.run(run.name).metrics) for run in PLAN.runs]


rule aggregate:
    input:
        METRIC_FILES,
    output:
        table=str(LAYOUT.table),
        csv=str(LAYOUT.table_csv),
        correlations=report(
            str(LAYOUT.correlations),
            caption="../report/correlations.rst",
            category="S1 training dynamics",
            subcategory="tables",
        ),
    log:
        str(LAYOUT.log("aggregate")),
    benchmark:
        str(LAYOUT.benchmark("aggregate")),
    params:
        tables=",".join(METRIC_FILES),
    threads: threads_of("aggregate")
    resources:
        **resources_of("aggregate"),
    shell:
        "repscope aggregate in={params.tables} out={output.table} csv={output.csv} "
        "correlations={output.correlations} > {log} 2>&1"


# Intermediate files are requested too (Snakemake does not remake a missing input of an
# up-to-date output): a deleted run table is measured again. An experiment without
# training runs (experiment.grid: null) has no table to aggregate.
TARGETS.extend(METRIC_FILES + (list(rules.aggregate.output) if PLAN.runs else []))

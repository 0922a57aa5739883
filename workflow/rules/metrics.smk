"""The evaluation inputs X of each dataset, clustered once, and the measures of
every run's evaluated epochs, gathered into one tidy table."""

from omegaconf import OmegaConf

METRICS_SETTINGS = f"{ROOT}/metrics.yaml"


# The experiment's conf/metrics settings, composed once for every measure job (which
# then starts without Hydra). Its params are the settings themselves: editing
# conf/metrics reruns this rule and so every measure, and nothing upstream.
rule metrics_config:
    output:
        METRICS_SETTINGS,
    log:
        f"{LOGS}/metrics_config.log",
    params:
        settings=lambda wildcards: OmegaConf.to_yaml(PLAN.cfg.metrics, resolve=True),
    threads: threads_of("config")
    resources:
        **resources_of("config"),
    shell:
        f"repscope config experiment={EXP} section=metrics out={{output}} > {{log}} 2>&1"


rule inputs:
    output:
        f"{INPUT_DIR}/X.npz",
    log:
        f"{LOGS}/inputs_{{dataset}}.log",
    benchmark:
        f"{BENCHMARKS}/inputs/{{dataset}}.tsv",
    threads: threads_of("inputs")
    resources:
        **resources_of("inputs"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope inputs experiment={EXP} dataset={{wildcards.dataset}} "
        "out={output} > {log} 2>&1"


rule clusters:
    input:
        inputs=f"{INPUT_DIR}/X.npz",
        metrics=METRICS_SETTINGS,
    output:
        f"{INPUT_DIR}/X_clusters.npz",
    log:
        f"{LOGS}/clusters_{{dataset}}.log",
    benchmark:
        f"{BENCHMARKS}/clusters/{{dataset}}.tsv",
    threads: threads_of("clusters")
    resources:
        **resources_of("clusters"),
    shell:
        "OMP_NUM_THREADS={threads} repscope clusters metrics={input.metrics} in={input.inputs} "
        "out={output} > {log} 2>&1"


# One job per run: checks every evaluated epoch's embedding and measures it (epochs
# whose embedding, clusters, settings and code are unchanged keep their earlier results).
# Its input is the training's config.yaml, rewritten whenever the training job runs (also
# when it only restores a deleted embedding); listing the run's embeddings as inputs too
# would double the files the paper grid's plan resolves.
rule measure:
    input:
        trained=f"{RUN_DIR}/config.yaml",
        clusters=f"{INPUT_DIR}/X_clusters.npz",
        metrics=METRICS_SETTINGS,
    output:
        f"{RUN_DIR}/metrics.parquet",
    log:
        f"{RUN_DIR}/logs/measure.log",
    benchmark:
        f"{BENCHMARKS}/measure/{RUN}.tsv",
    params:
        epochs=",".join(map(str, PLAN.epochs)),
    threads: threads_of("measure")
    resources:
        **resources_of("measure"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope measure metrics={{input.metrics}} run_dir={SHELL_RUN_DIR} "
        "epochs={params.epochs} clusters={input.clusters} out={output} > {log} 2>&1"


METRIC_FILES = [str(PLAN.metrics_path(run)) for run in PLAN.runs]


rule aggregate:
    input:
        METRIC_FILES,
    output:
        table=f"{TABLES}/metrics.parquet",
        csv=f"{TABLES}/metrics.csv",
        correlations=report(
            f"{TABLES}/correlations.csv",
            caption="../report/correlations.rst",
            category="S1 training dynamics",
            subcategory="tables",
        ),
    log:
        f"{LOGS}/aggregate.log",
    benchmark:
        f"{BENCHMARKS}/aggregate.tsv",
    params:
        experiment=EXP,
    threads: threads_of("aggregate")
    resources:
        **resources_of("aggregate"),
    shell:
        "repscope aggregate experiment={params.experiment} out={output.table} > {log} 2>&1"


# Intermediate files are requested too (Snakemake does not remake a missing input of an
# up-to-date output): a deleted run table is measured again. An experiment without
# training runs (experiment.grid: null) has no table to aggregate.
TARGETS.extend(METRIC_FILES + (list(rules.aggregate.output) if PLAN.runs else []))

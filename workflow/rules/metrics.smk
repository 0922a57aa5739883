"""The evaluation inputs X of each dataset, clustered once, and the measures of
every (run, epoch), gathered into one tidy table."""


rule inputs:
    output:
        f"{INPUT_DIR}/X.npz",
    log:
        f"{LOGS}/inputs_{{dataset}}.log",
    threads: threads_of("inputs")
    resources:
        **resources_of("inputs"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope inputs experiment={EXP} dataset={{wildcards.dataset}} "
        "out={output} > {log} 2>&1"


rule clusters:
    input:
        f"{INPUT_DIR}/X.npz",
    output:
        f"{INPUT_DIR}/X_clusters.npz",
    log:
        f"{LOGS}/clusters_{{dataset}}.log",
    threads: threads_of("clusters")
    resources:
        **resources_of("clusters"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope clusters experiment={EXP} dataset={{wildcards.dataset}} "
        "in={input} out={output} > {log} 2>&1"


rule measure:
    input:
        embedding=f"{RUN_DIR}/embeddings/epoch_{{epoch}}.npz",
        clusters=f"{INPUT_DIR}/X_clusters.npz",
    output:
        f"{RUN_DIR}/metrics/epoch_{{epoch}}.parquet",
    log:
        f"{RUN_DIR}/logs/measure_{{epoch}}.log",
    threads: threads_of("measure")
    resources:
        **resources_of("measure"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope measure {SHELL_RUN_ARGS} run_dir={SHELL_RUN_DIR} "
        "epoch={wildcards.epoch} clusters={input.clusters} out={output} > {log} 2>&1"


METRIC_FILES = [str(PLAN.metrics_path(run, epoch)) for run in PLAN.runs for epoch in PLAN.epochs]


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
    params:
        experiment=EXP,
    threads: threads_of("aggregate")
    resources:
        **resources_of("aggregate"),
    shell:
        "repscope aggregate experiment={params.experiment} out={output.table} > {log} 2>&1"


# Per-epoch tables are requested too, so that a deleted one is measured again.
TARGETS.extend(METRIC_FILES + list(rules.aggregate.output))

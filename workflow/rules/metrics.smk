"""The evaluation inputs X of each dataset, clustered once, and the measures of
every (run, epoch), gathered into one tidy table."""


rule inputs:
    output:
        f"{INPUT_DIR}/X.npz",
    log:
        f"{LOGS}/inputs_{{dataset}}.log",
    params:
        args=dataset_args,
    threads: threads_of("inputs")
    resources:
        **resources_of("inputs"),
    shell:
        "OMP_NUM_THREADS={threads} repscope inputs {params.args} out={output} > {log} 2>&1"


rule clusters:
    input:
        f"{INPUT_DIR}/X.npz",
    output:
        f"{INPUT_DIR}/X_clusters.npz",
    log:
        f"{LOGS}/clusters_{{dataset}}.log",
    params:
        args=dataset_args,
    threads: threads_of("clusters")
    resources:
        **resources_of("clusters"),
    shell:
        "OMP_NUM_THREADS={threads} repscope clusters {params.args} in={input} out={output} > {log} 2>&1"


rule measure:
    input:
        embedding=f"{RUN_DIR}/embeddings/epoch_{{epoch}}.npz",
        clusters=x_clusters,
    output:
        f"{RUN_DIR}/metrics/epoch_{{epoch}}.parquet",
    log:
        f"{RUN_DIR}/logs/measure_{{epoch}}.log",
    params:
        args=run_args,
        run_dir=run_dir_of(0, 1),
    threads: threads_of("measure")
    resources:
        **resources_of("measure"),
    shell:
        "OMP_NUM_THREADS={threads} repscope measure {params.args} run_dir={params.run_dir} "
        "epoch={wildcards.epoch} clusters={input.clusters} out={output} > {log} 2>&1"


rule aggregate:
    input:
        [str(PLAN.metrics_path(run, epoch)) for run in PLAN.runs for epoch in PLAN.epochs],
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


TARGETS.extend(rules.aggregate.output)

"""Layer-wise measures (studies S4-S7): one job per (run, epoch) that the
experiment's `experiment.layerwise` block lists, settings from conf/layers/:

    results/<exp>/runs/<run>/layers/epoch_<e>.parquet   repscope layers

The studies s4-s7 read these tables (their `needs`)."""

from repscope.layerwise import layerwise_selection, layers_path

LAYERWISE_RUNS, LAYERWISE_EPOCHS = layerwise_selection(
    PLAN.cfg.experiment.get("layerwise"),
    PLAN.cfg.train.epochs,
    PLAN.cfg.train.checkpoint_every,
    grid_runs=[run.name for run in PLAN.runs],
    lcfg=PLAN.cfg.layers,
    metrics=PLAN.cfg.metrics,
)


# The layer tables depend on the checkpoints' weights, which a training job that only
# restores deleted embeddings leaves alone: its rewritten config.yaml does not make them stale.
rule layers:
    input:
        trained=ancient(f"{RUN_DIR}/config.yaml"),
        clusters=f"{INPUT_DIR}/X_clusters.npz",
    output:
        f"{RUN_DIR}/layers/epoch_{{epoch}}.parquet",
    log:
        f"{RUN_DIR}/logs/layers_{{epoch}}.log",
    benchmark:
        f"{BENCHMARKS}/layers/{RUN}_{{epoch}}.tsv",
    threads: threads_of("layers")
    resources:
        **resources_of("layers"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope layers {SHELL_RUN_ARGS} run_dir={SHELL_RUN_DIR} "
        "epoch={wildcards.epoch} clusters={input.clusters} out={output} > {log} 2>&1"


TARGETS.extend(
    str(layers_path(f"{ROOT}/runs/{run}", epoch))
    for run in LAYERWISE_RUNS
    for epoch in LAYERWISE_EPOCHS
)

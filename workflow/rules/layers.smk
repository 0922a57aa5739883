"""Layer-wise measures: one job per (run, epoch) that the experiment's
`experiment.layerwise` block lists, settings from conf/layers/: the run folder's
layers/epoch_<e>.parquet (repscope layers). The layer-wise studies
(collapse_and_decodability, information_plane, manifold_geometry,
modularity_ablation, cka_similarity, layer_dynamics) read these tables (their `needs`)."""

from repscope.layerwise import layerwise_selection

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
        trained=ancient(rules.train.output.config),
        clusters=rules.clusters.output[0],
    output:
        str(RUN_FOLDER.layers("{epoch}")),
    log:
        str(RUN_FOLDER.log("layers_{epoch}")),
    benchmark:
        str(LAYOUT.benchmark(f"layers/{RUN}_{{epoch}}")),
    params:
        run_dir=str(RUN_FOLDER.dir),
    threads: threads_of("layers")
    resources:
        **resources_of("layers"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope layers {RUN_ARGS} run_dir={{params.run_dir}} "
        "epoch={wildcards.epoch} clusters={input.clusters} out={output} > {log} 2>&1"


TARGETS.extend(str(LAYOUT.run(run).layers(epoch)) for run in LAYERWISE_RUNS for epoch in LAYERWISE_EPOCHS)

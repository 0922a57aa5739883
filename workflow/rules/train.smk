"""Training: one job per run.

`repscope train` writes, every epoch, checkpoints/epoch_<e>.pt, the epoch's
verified embeddings embeddings/epoch_<e>.npz (repscope.io.save_embeddings),
checkpoints/last.pt and train_log.csv, and resumes from last.pt when
restarted. Its declared outputs are config.yaml (rewritten first thing every
time it starts) and the embeddings of the evaluated epochs. Snakemake deletes
a job's declared outputs before (re)running it: the resumed job continues
training from last.pt and recomputes the deleted embeddings from their epochs'
weights (bit-identical on the CPU), so a killed run is resumed, not restarted,
and a deleted embedding is restored."""

EMBEDDINGS = [f"{RUN_DIR}/embeddings/epoch_{epoch}.npz" for epoch in PLAN.epochs]


rule train:
    output:
        config=f"{RUN_DIR}/config.yaml",
        embeddings=EMBEDDINGS,
    log:
        f"{RUN_DIR}/logs/train.log",
    benchmark:
        f"{BENCHMARKS}/train/{RUN}.tsv",
    threads: threads_of("train")
    resources:
        **resources_of("train"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope train {SHELL_RUN_ARGS} out_dir={SHELL_RUN_DIR} > {{log}} 2>&1"


# The embedding cache is a product in its own right: requesting it makes a deleted
# embedding be restored (and its run measured again) rather than silently skipped.
TARGETS.extend(f"{PLAN.run_dir(run)}/embeddings/epoch_{epoch}.npz" for run in PLAN.runs for epoch in PLAN.epochs)

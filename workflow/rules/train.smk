"""Training (one job per run) and the per-epoch embedding cache.

`repscope train` writes, every epoch, checkpoints/epoch_<e>.pt, the epoch's
embeddings (computed in-process as checkpoints/epoch_<e>.npz, hard-linked as
embeddings/epoch_<e>.npz), checkpoints/last.pt and train_log.csv, and resumes
from last.pt when restarted. Snakemake deletes the declared outputs of a job
before (re)running it, so train declares only config.yaml, which `repscope
train` rewrites first thing every time it starts: a killed run is resumed, not
restarted."""


rule train:
    output:
        f"{RUN_DIR}/config.yaml",
    log:
        f"{RUN_DIR}/logs/train.log",
    threads: threads_of("train")
    resources:
        **resources_of("train"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope train {SHELL_RUN_ARGS} out_dir={SHELL_RUN_DIR} > {{log}} 2>&1"


# One job per run and epoch: links the embedding training exported for the epoch
# (instant), or recomputes it from checkpoints/epoch_<e>.pt when there is none.
rule embed:
    input:
        f"{RUN_DIR}/config.yaml",
    output:
        f"{RUN_DIR}/embeddings/epoch_{{epoch}}.npz",
    log:
        f"{RUN_DIR}/logs/embed_{{epoch}}.log",
    threads: threads_of("embed")
    resources:
        **resources_of("embed"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope embed {SHELL_RUN_ARGS} out_dir={SHELL_RUN_DIR} "
        "epoch={wildcards.epoch} > {log} 2>&1"


# The embedding cache is a product in its own right: requesting it makes a deleted
# embedding be re-made (and its measures redone) rather than silently skipped.
TARGETS.extend(str(embedding_path(PLAN.run_dir(run), epoch)) for run in PLAN.runs for epoch in PLAN.epochs)

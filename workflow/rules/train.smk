"""Training (one job per run) and the per-epoch embedding cache.

`repscope train` checkpoints every epoch and resumes from checkpoints/last.pt,
so its only declared output is train_log.csv: Snakemake removes a failed job's
declared outputs and would otherwise delete what a resumed job needs."""


rule train:
    output:
        f"{RUN_DIR}/train_log.csv",
    log:
        f"{RUN_DIR}/logs/train.log",
    threads: threads_of("train")
    resources:
        **resources_of("train"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope train {SHELL_RUN_ARGS} out_dir={SHELL_RUN_DIR} > {{log}} 2>&1"


rule embed:
    input:
        f"{RUN_DIR}/train_log.csv",
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

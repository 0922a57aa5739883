"""Training (one job per run) and the per-epoch embedding cache.

`repscope train` checkpoints every epoch and resumes from checkpoints/last.pt,
so its only declared output is train_log.csv: Snakemake removes a failed job's
declared outputs and would otherwise delete what a resumed job needs."""


rule train:
    output:
        f"{RUN_DIR}/train_log.csv",
    log:
        f"{RUN_DIR}/logs/train.log",
    params:
        args=run_args,
        run_dir=run_dir_of(0, 0),
    threads: threads_of("train")
    resources:
        **resources_of("train"),
    shell:
        "OMP_NUM_THREADS={threads} repscope train {params.args} out_dir={params.run_dir} > {log} 2>&1"


rule embed:
    input:
        f"{RUN_DIR}/train_log.csv",
    output:
        f"{RUN_DIR}/embeddings/epoch_{{epoch}}.npz",
    log:
        f"{RUN_DIR}/logs/embed_{{epoch}}.log",
    params:
        args=run_args,
        run_dir=run_dir_of(0, 1),
    threads: threads_of("embed")
    resources:
        **resources_of("embed"),
    shell:
        "OMP_NUM_THREADS={threads} repscope embed {params.args} out_dir={params.run_dir} "
        "epoch={wildcards.epoch} > {log} 2>&1"

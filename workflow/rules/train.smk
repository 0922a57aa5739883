"""Training: one job per run.

`repscope train` writes, every epoch, the run folder's checkpoints, the epoch's
verified embeddings (repscope.io.save_embeddings), the resume state and the
training log (repscope.layout.RunFolder), and resumes from the resume state
when restarted. Its declared outputs are config.yaml (rewritten first thing
every time it starts) and the embeddings of the evaluated epochs. Snakemake
deletes a job's declared outputs before (re)running it: the resumed job
continues training and recomputes the deleted embeddings from their epochs'
weights (bit-identical on the CPU), so a killed run is resumed, not
restarted, and a deleted embedding is restored."""


rule train:
    output:
        config=str(RUN_FOLDER.config),
        embeddings=[str(RUN_FOLDER.embedding(epoch)) for epoch in PLAN.epochs],
    log:
        str(RUN_FOLDER.log("train")),
    benchmark:
        str(LAYOUT.benchmark(f"train/{RUN}")),
    params:
        run_dir=str(RUN_FOLDER.dir),
    threads: threads_of("train")
    resources:
        **resources_of("train"),
    shell:
        f"OMP_NUM_THREADS={{threads}} repscope train {RUN_ARGS} out_dir={{params.run_dir}} > {{log}} 2>&1"


# The embedding cache is a product in its own right: requesting it makes a deleted
# embedding be restored (and its run measured again) rather than silently skipped.
# (One pattern formatted, not a path built per file: the paper grid has 67 000 of them.)
EMBEDDING = str(LAYOUT.run("{run}").embedding("{epoch}"))
TARGETS.extend(EMBEDDING.format(run=run.name, epoch=epoch) for run in PLAN.runs for epoch in PLAN.epochs)

"""Study S1's figures: each measure against epoch and against accuracy, drawn
from the aggregate table in one job (seaborn is imported once)."""

SUBCATEGORY = {"epoch": "measures against epoch", "accuracy": "measures against accuracy"}


rule figures:
    input:
        f"{TABLES}/metrics.parquet",
    output:
        pdf=[f"{FIGURES}/{name}.pdf" for name in PLAN.figures],
        png=[
            report(
                f"{FIGURES}/{name}.png",
                caption=f"../report/{fig.kind}.rst",
                category="S1 training dynamics",
                subcategory=SUBCATEGORY[fig.kind],
            )
            for name, fig in PLAN.figures.items()
        ],
    log:
        f"{LOGS}/figures.log",
    benchmark:
        f"{BENCHMARKS}/figures.tsv",
    params:
        experiment=EXP,
        out_dir=lambda wildcards, output: str(Path(output.pdf[0]).parent),
    threads: threads_of("figure")
    resources:
        **resources_of("figure"),
    shell:
        "repscope training-figures experiment={params.experiment} in={input} "
        "out_dir={params.out_dir} > {log} 2>&1"


TARGETS.extend(rules.figures.output)

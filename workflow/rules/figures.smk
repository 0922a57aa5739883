"""Study S1's figures: each measure against epoch and against accuracy, drawn
from the aggregate table in one job (seaborn is imported once)."""

SUBCATEGORY = {"epoch": "measures against epoch", "accuracy": "measures against accuracy"}


rule figures:
    input:
        rules.aggregate.output.table,
    output:
        pdf=[str(LAYOUT.figure(name, "pdf")) for name in PLAN.figures],
        png=[
            report(
                str(LAYOUT.figure(name, "png")),
                caption=f"../report/{fig.kind}.rst",
                category="S1 training dynamics",
                subcategory=SUBCATEGORY[fig.kind],
            )
            for name, fig in PLAN.figures.items()
        ],
    log:
        str(LAYOUT.log("figures")),
    benchmark:
        str(LAYOUT.benchmark("figures")),
    params:
        out_dir=str(LAYOUT.figures),
    threads: threads_of("figure")
    resources:
        **resources_of("figure"),
    shell:
        f"repscope training-figures experiment={EXP} in={{input}} out_dir={{params.out_dir}} > {{log}} 2>&1"


TARGETS.extend(rules.figures.output)

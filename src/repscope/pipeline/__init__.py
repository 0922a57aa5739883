"""The workflow's steps behind the Snakemake rules: the experiment plan, the
per-checkpoint measures, the aggregate table (the figures live in
``repscope.figures``)."""

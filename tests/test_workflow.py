"""The Snakemake workflow end to end: the tiny experiment in a temporary
working directory (results, a second run with nothing to do, a damaged
embedding refused, then deleted and restored bit-identical, rerunning only
what depends on it), and the paper experiment's full plan, made offline."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from repscope.pipeline.plan import load_plan

REPO = Path(__file__).resolve().parents[1]
PIPELINE_RULES = ("train", "inputs", "clusters", "metrics_config", "measure", "aggregate", "figures", "all")


def snakemake(workdir, *args, ok=True) -> str:
    """Run this checkout's Snakefile in ``workdir`` on 2 cores; stdout + stderr.
    ``ok``: whether it must succeed (else: must fail)."""
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory",
         str(workdir), "--profile", str(REPO / "workflow" / "profiles" / "default"), "--cores", "2",
         *args], cwd=workdir, env=env, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert (proc.returncode == 0) == ok, out[-4000:]
    return out


def job_counts(out: str) -> dict:
    """The 'Job stats' table of a (dry) run: {rule: number of jobs}."""
    table = out.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.M)}


def _mtimes(root: Path) -> dict:
    return {p.relative_to(root): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def _arrays(path: Path) -> dict:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.slow
def test_tiny_experiment_end_to_end(tmp_path):
    snakemake(tmp_path, "--config", "experiment=tiny")
    plan = load_plan("tiny")
    root = tmp_path / plan.layout.root
    table = pd.read_parquet(root / "tables" / "metrics.parquet")
    assert sorted(table.run.unique()) == sorted(r.name for r in plan.runs)
    assert sorted(table.epoch.unique()) == [0, 1, 2]
    per_checkpoint = table.groupby(["run", "epoch"]).metric.apply(sorted)
    assert all(m == sorted(["DSE", "CSE", "DSMI_Y", "CSMI_Y", "DSMI_X", "CSMI_X", "accuracy"])
               for m in per_checkpoint)
    assert table.value.notna().all()
    assert len(pd.read_csv(root / "tables" / "metrics.csv")) == len(table)
    assert {"pearson", "spearman"} <= set(pd.read_csv(root / "tables" / "correlations.csv").columns)
    for name in plan.figures:
        assert (root / "figures" / f"{name}.pdf").stat().st_size > 0
        assert (root / "figures" / f"{name}.png").stat().st_size > 0

    assert "Nothing to be done" in snakemake(tmp_path, "--dry-run", "--config", "experiment=tiny")

    # A damaged embedding (here: epoch 0's file copied over epoch 1's) is refused when measured ...
    run = f"runs/{plan.runs[0].name}"
    embeddings = {e: root / run / "embeddings" / f"epoch_{e}.npz" for e in plan.epochs}
    original = {e: _arrays(path) for e, path in embeddings.items()}
    shutil.copyfile(embeddings[0], embeddings[1])
    out = snakemake(tmp_path, "--forcerun", "measure", "--config", "experiment=tiny", ok=False)
    assert f"embedding file {embeddings[1].relative_to(tmp_path)} fails its check: it holds epoch 0, not 1" in out
    # ... and deleting it, as the message says, restores it bit-identical and reruns only what depends on it.
    before = _mtimes(root)
    embeddings[1].unlink()
    assert job_counts(snakemake(tmp_path, "--dry-run", "--config", "experiment=tiny")) == {
        "train": 1, "measure": 1, "aggregate": 1, "figures": 1, "all": 1}
    snakemake(tmp_path, "--config", "experiment=tiny")
    for e, path in embeddings.items():
        restored = _arrays(path)
        assert restored.keys() == original[e].keys()
        for key in restored:
            np.testing.assert_array_equal(restored[key], original[e][key], err_msg=f"epoch {e} {key}")
    pd.testing.assert_frame_equal(pd.read_parquet(root / "tables" / "metrics.parquet"), table)
    after = _mtimes(root)
    changed = {str(p) for p in after if before.get(p) != after[p]}
    expected = {f"{run}/config.yaml", f"{run}/logs/train.log", f"{run}/metrics.parquet", f"{run}/logs/measure.log",
                "logs/aggregate.log", "logs/figures.log", "tables/metrics.parquet", "tables/metrics.csv",
                "tables/correlations.csv", f"benchmarks/train/{plan.runs[0].name}.tsv",
                f"benchmarks/measure/{plan.runs[0].name}.tsv", "benchmarks/aggregate.tsv", "benchmarks/figures.tsv"
                } | {f"{run}/embeddings/epoch_{e}.npz" for e in plan.epochs}
    figures = {p for p in changed if p.startswith("figures/")}
    assert changed - figures == expected  # the kept per-epoch results metrics/epoch_<e>.parquet are unchanged
    assert len(figures) == 2 * len(plan.figures)


def test_bad_experiment_fails_when_the_snakefile_is_read(tmp_path):
    out = snakemake(tmp_path, "--dry-run", "--config", "experiment=huge", ok=False)
    assert "experiment: unknown option(s) ['huge']; valid choices:" in out and "'quick'" in out
    out = snakemake(tmp_path, "--dry-run", "--config", "experimnt=paper", ok=False)
    assert "unknown --config key(s) ['experimnt']; allowed: ['check_data', 'experiment']" in out
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_paper_plans_every_job_offline(tmp_path):
    out = snakemake(tmp_path, "--dry-run", "--quiet", "rules", "--config", "experiment=paper",
                    "check_data=false")  # the datasets are not on this machine
    counts = job_counts(out)
    runs = 3 * 6 * 3 * 3
    assert {rule: counts.get(rule) for rule in PIPELINE_RULES} == {
        "train": runs, "inputs": 3, "clusters": 3, "metrics_config": 1, "measure": runs, "aggregate": 1,
        "figures": 1, "all": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".snakemake"]  # nothing fetched or written

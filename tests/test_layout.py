"""The results layout (repscope.layout): the documented places, the same patterns for
Snakemake wildcards and concrete values, and the results root from conf/paths."""
from pathlib import Path

import pytest

from repscope.config import compose
from repscope.layout import Layout, Run, RunFolder, kept_epoch, kept_spectra


def test_an_experiments_files_land_where_docs_architecture_says():
    layout = Layout(Path("results/quick"))
    run = layout.run(Run("digits", "cnn", "simclr", 2).name)
    assert str(run.dir) == "results/quick/runs/digits-cnn-simclr-s2"
    assert [str(p.relative_to(run.dir)) for p in (
        run.config, run.train_log, run.checkpoint(0), run.last, run.embedding(3), run.metrics,
        kept_epoch(run.kept_metrics, 3), kept_spectra(run.kept_spectra, 3), run.layers(20), run.log("train"))] == [
        "config.yaml", "train_log.csv", "checkpoints/epoch_0.pt", "checkpoints/last.pt",
        "embeddings/epoch_3.npz", "metrics.parquet", "metrics/epoch_3.parquet", "spectra/epoch_3.npz",
        "layers/epoch_20.parquet", "logs/train.log"]
    assert [str(p.relative_to(layout.root)) for p in (
        layout.inputs("digits"), layout.clusters("digits"), layout.metrics_settings, layout.table,
        layout.table_csv, layout.correlations, layout.study("intrinsic_dimension"), layout.figure("epoch_CSE", "png"),
        layout.log("studies/intrinsic_dimension"), layout.benchmark("train/x"))] == [
        "inputs/digits/X.npz", "inputs/digits/X_clusters.npz", "metrics.yaml", "tables/metrics.parquet",
        "tables/metrics.csv", "tables/correlations.csv", "studies/intrinsic_dimension.parquet", "figures/epoch_CSE.png",
        "logs/studies/intrinsic_dimension.log", "benchmarks/train/x.tsv"]


def test_wildcard_patterns_format_to_the_concrete_paths():
    layout = Layout(Path("results/quick"))
    pattern = layout.run(Run("{dataset}", "{model}", "{method}", "{seed}").name)
    values = dict(dataset="mnist1d", model="mlp", method="supervised", seed=1, epoch=4)
    concrete = layout.run(Run("mnist1d", "mlp", "supervised", 1).name)
    assert str(pattern.embedding("{epoch}")).format(**values) == str(concrete.embedding(4))
    assert str(pattern.layers("{epoch}")).format(**values) == str(concrete.layers(4))
    assert str(layout.clusters("{dataset}")).format(**values) == str(layout.clusters("mnist1d"))
    assert concrete.embedding("4") == concrete.embedding(4)  # a digit string is an epoch, not a wildcard


def test_places_are_read_back():
    folder = RunFolder("results/x/runs/digits-mlp-random_label-s12")
    assert RunFolder.of_embedding(folder.embedding(7)) == (folder, 7)
    assert RunFolder.of_metrics(folder.metrics) == folder
    assert Run.from_name(folder.dir.name) == Run("digits", "mlp", "random_label", 12)
    for bad in ("digits-mlp-s1", "a-b-c-1", "a-b-c-sx", "a-b-c-d-s1"):
        with pytest.raises(ValueError, match="a run folder's name is"):
            Run.from_name(bad)


def test_the_results_root_comes_from_conf_paths(tmp_path):
    assert Layout.of(compose(["experiment=tiny"])).root == Path("results/tiny")
    assert Layout.of(compose(["experiment=tiny", f"paths.results={tmp_path}"])).root == tmp_path / "tiny"
    with pytest.raises(ValueError, match="paths.results must be a non-empty path; got ''"):
        Layout.of(compose(["experiment=tiny", "paths.results=''"]))


def test_a_bad_paths_group_fails_when_the_workflow_is_planned():
    from repscope.pipeline.plan import load_plan

    assert load_plan("tiny", ["paths.results=elsewhere"]).layout.root == Path("elsewhere/tiny")
    with pytest.raises(ValueError, match="paths.results must be a non-empty string; got ''"):
        load_plan("tiny", ["paths.results=''"])
    with pytest.raises(ValueError, match=r"paths: unknown key\(s\) \['figures'\]; allowed: \['results'\]"):
        load_plan("tiny", ["+paths.figures=x"])

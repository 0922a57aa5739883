"""The workflow's commands on small synthetic files in the documented formats:
clusters, measure (with its kept per-epoch results), aggregate and the
figures of a study."""
import shutil

import numpy as np
import pandas as pd
import pytest

from repscope.cli import main
from repscope.config import compose
from repscope.io import load_embeddings, save_embeddings, save_npz, save_table
from repscope.layout import RunFolder
from repscope.pipeline.aggregate import tidy
from repscope.pipeline.measure import measure_layer
from repscope.pipeline.plan import load_plan

RUN_ARGS = ["experiment=tiny", "dataset=mnist1d", "model=mlp", "method=supervised", "seed=1"]


def _embedding(rng, n=90, epoch=2, ids=None):
    """The arrays of an embeddings/epoch_<e>.npz with two layers."""
    y = np.repeat(np.arange(3), n // 3)
    centres = rng.normal(size=(3, 8)) * 4
    return dict(layers=np.array(["block1", "penultimate"]),
                Z_0=rng.normal(size=(n, 16)).astype(np.float32),
                Z_1=(centres[y] + rng.normal(size=(n, 8))).astype(np.float32),
                labels=y.astype(np.int64), sample_ids=np.arange(n, dtype=np.int64) * 2 if ids is None else ids,
                accuracy=np.float64(0.75), epoch=np.int64(epoch))


@pytest.fixture
def run_dir(tmp_path, rng):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text("seed: 1\n")
    for epoch in (1, 2):
        save_embeddings(run, epoch, _embedding(rng, epoch=epoch))
    save_npz(tmp_path / "clusters.npz", clusters=np.arange(90) % 4, sample_ids=np.arange(90) * 2)
    return run


def _files(run_dir, epochs=(1, 2)) -> list[str]:
    """The measure command's arguments for these epochs' embeddings of the run folder."""
    folder = RunFolder(run_dir)
    return [f"embeddings={','.join(str(folder.embedding(e)) for e in epochs)}", f"kept={folder.kept_metrics}",
            f"spectra={folder.kept_spectra}"]


def _measure(run_dir, out, *extra, epochs=(1, 2)):
    return main(["measure", *RUN_ARGS, "metrics.t=[1,4]", *_files(run_dir, epochs),
                 f"clusters={run_dir.parent / 'clusters.npz'}", f"out={out}", *extra])


def test_measure_command_writes_one_tidy_row_per_epoch_layer_metric_and_t(run_dir, tmp_path):
    out = tmp_path / "metrics.parquet"
    assert _measure(run_dir, out) == 0
    table = pd.read_parquet(out)
    assert list(table.columns) == ["epoch", "layer", "metric", "t", "value", "stderr"]
    assert (table.stderr == 0).all()  # exact spectra, binned measures and accuracy
    assert table.epoch.tolist() == [1] * 19 + [2] * 19  # layers x (3 measures x 2 t + 3 binned) + accuracy
    assert table[table.metric == "accuracy"].value.tolist() == [0.75, 0.75]
    m = compose(RUN_ARGS + ["metrics.t=[1,4]"]).metrics
    emb = load_embeddings(RunFolder(run_dir).embedding(2))
    want = measure_layer(emb.layers["penultimate"], emb.labels, np.arange(90) % 4, m)
    got = table[(table.epoch == 2) & (table.layer == "penultimate")].iloc[:len(want)]
    np.testing.assert_allclose(got.value, [r["value"] for r in want], rtol=0, atol=1e-12)


def test_measure_keeps_each_epochs_results_until_what_they_depend_on_changes(run_dir, tmp_path, rng,
                                                                             monkeypatch):
    """A second job re-measures nothing; a new embedding of epoch 2 or other settings re-measure
    exactly the epochs concerned, and the results equal a fresh computation's."""
    import repscope.pipeline.measure as measure_module

    _measure(run_dir, tmp_path / "a.parquet")
    calls = []
    original = measure_module.measure_layer
    monkeypatch.setattr(measure_module, "measure_layer", lambda Z, *a, **k: calls.append(Z) or original(Z, *a, **k))
    _measure(run_dir, tmp_path / "b.parquet")
    assert calls == []
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet"))

    save_embeddings(run_dir, 2, _embedding(rng, epoch=2))
    _measure(run_dir, tmp_path / "c.parquet")
    assert len(calls) == 2  # the two layers of epoch 2
    a, c = pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "c.parquet")
    pd.testing.assert_frame_equal(a[a.epoch == 1], c[c.epoch == 1])
    assert not np.allclose(a[a.epoch == 2].value, c[c.epoch == 2].value)

    calls.clear()
    _measure(run_dir, tmp_path / "d.parquet", "metrics.cse_bins=3")
    assert len(calls) == 4
    (run_dir / "metrics" / "epoch_1.parquet").write_bytes(b"garbage")  # an unreadable kept result
    calls.clear()
    _measure(run_dir, tmp_path / "e.parquet", "metrics.cse_bins=3")
    assert len(calls) == 2
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "d.parquet"), pd.read_parquet(tmp_path / "e.parquet"))


def test_measure_reads_the_settings_repscope_config_wrote(run_dir, tmp_path):
    settings = tmp_path / "metrics.yaml"
    assert main(["config", *RUN_ARGS, "metrics.t=[1,4]", "section=metrics", f"out={settings}"]) == 0
    common = [*_files(run_dir, [2]), f"clusters={tmp_path / 'clusters.npz'}"]
    main(["measure", f"metrics={settings}", *common, f"out={tmp_path / 'a.parquet'}"])
    main(["measure", *RUN_ARGS, "metrics.t=[1,4]", *common, f"out={tmp_path / 'b.parquet'}"])
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet"))
    with pytest.raises(ValueError, match=r"section must be one of \[.*'metrics'.*\]; got 'metric'"):
        main(["config", *RUN_ARGS, "section=metric", f"out={settings}"])


def test_measure_command_refuses_clusters_of_other_samples_and_bad_arguments(run_dir, tmp_path):
    save_npz(tmp_path / "other.npz", clusters=np.zeros(90, int), sample_ids=np.arange(90))
    args = ["measure", *RUN_ARGS, *_files(run_dir, [2]), f"out={tmp_path / 'm.parquet'}"]
    with pytest.raises(ValueError, match="belong to other samples than the embedding of epoch 2"):
        main(args + [f"clusters={tmp_path / 'other.npz'}"])
    with pytest.raises(ValueError, match=r"missing argument\(s\) clusters=; usage: repscope measure"):
        main(args)
    one = str(RunFolder(run_dir).embedding(2))
    with pytest.raises(ValueError, match="embeddings must be a comma-separated list of distinct files"):
        main([*args, f"embeddings={one},{one}", f"clusters={tmp_path / 'other.npz'}"])
    other = tmp_path / "other-run"
    (other / "embeddings").mkdir(parents=True)
    shutil.copyfile(one, RunFolder(other).embedding(2))
    with pytest.raises(ValueError, match="embeddings must be files of one run folder"):
        main([*args, f"embeddings={one},{RunFolder(other).embedding(2)}", f"clusters={tmp_path / 'other.npz'}"])
    with pytest.raises(ValueError, match=r"unknown measure\(s\) \['MINE'\]"):
        main(args + [f"clusters={tmp_path / 'other.npz'}", "metrics.measures=[DSE,MINE]"])
    assert not (tmp_path / "m.parquet").exists()


def test_clusters_command_finds_separated_groups_of_inputs(tmp_path, rng):
    groups = np.repeat(np.arange(3), 30)
    X = (rng.normal(size=(3, 12)) * 20)[groups] + rng.normal(size=(90, 12))
    save_npz(tmp_path / "X.npz", X=X.astype(np.float32), labels=groups, sample_ids=np.arange(90) + 5)
    assert main(["clusters", "experiment=tiny", "dataset=mnist1d", "metrics.x_clusters=3",
                 f"in={tmp_path / 'X.npz'}", f"out={tmp_path / 'c.npz'}"]) == 0
    with np.load(tmp_path / "c.npz") as f:
        assert f["sample_ids"].tolist() == list(range(5, 95))
        found = f["clusters"]
    assert len(set(zip(groups, found))) == 3  # each group is exactly one cluster


def test_aggregate_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan = load_plan("tiny")
    parts = []
    for i, run in enumerate(plan.runs):
        df = pd.concat([pd.DataFrame({"epoch": [e, e], "layer": ["penultimate"] * 2, "metric": ["DSE", "accuracy"],
                                      "t": [1.0, np.nan], "value": [float(e + i), 0.1 * (e + i) + 0.05]})
                        for e in plan.epochs], ignore_index=True)
        save_table(df, plan.layout.run(run.name).metrics)
        parts.append((run, df))
    layout = plan.layout
    files = ",".join(str(layout.run(run.name).metrics) for run in plan.runs)
    assert main(["aggregate", f"in={files}", f"out={layout.table}", f"csv={layout.table_csv}",
                 f"correlations={layout.correlations}"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(layout.table), tidy(parts))
    assert len(pd.read_csv(layout.table_csv)) == len(plan.runs) * len(plan.epochs) * 2
    corr = pd.read_csv(layout.correlations)
    pooled = corr[(corr.model == "all") & (corr.metric == "DSE")].iloc[0]
    assert pooled.n == 6 and pooled.spearman == pytest.approx(1.0)


def test_quick_draws_no_s2_training_figure():
    from repscope.studies import drawn_figures, study_figures

    assert "initialisation_training" in study_figures("initialisation") and drawn_figures("initialisation", "quick") == ["initialisation_dse_at_init"]


def test_study_figures_draws_every_figure_of_a_study_in_one_call(tmp_path, monkeypatch):
    import types

    import matplotlib.pyplot as plt

    import repscope.studies as studies

    drawn = []

    def draw(name):
        def fig(table):
            drawn.append((name, table.x.tolist()))
            f, ax = plt.subplots()
            ax.plot(table.x)
            return f
        return fig

    monkeypatch.setattr(studies, "drawn_figures", lambda name, exp: {("t9", "quick"): ["t9_a", "t9_b"]}[name, exp])
    monkeypatch.setattr(studies, "load_study", lambda name: types.SimpleNamespace(
        FIGURES={"t9_a": draw("t9_a"), "t9_b": draw("t9_b"), "t9_unlisted": draw("t9_unlisted")}))
    save_table(pd.DataFrame({"x": [1.0, 2.0]}), tmp_path / "t9.parquet")
    assert main(["study-figures", "t9", "experiment=quick", f"in={tmp_path / 't9.parquet'}",
                 f"out_dir={tmp_path / 'figs'}"]) == 0
    assert drawn == [("t9_a", [1.0, 2.0]), ("t9_b", [1.0, 2.0])]
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["t9_a.pdf", "t9_a.png", "t9_b.pdf", "t9_b.png"]
    with pytest.raises(ValueError, match="missing the study's name; usage: repscope study-figures"):
        main(["study-figures", "experiment=quick", f"in={tmp_path / 't9.parquet'}", f"out_dir={tmp_path}"])
    with pytest.raises(ValueError, match=r"missing argument\(s\) out_dir="):
        main(["study-figures", "t9", "experiment=quick", f"in={tmp_path / 't9.parquet'}"])


def _no_eigendecomposition(monkeypatch):
    """A trap on every eigensolver entry the exact spectra go through."""
    import repscope.spectral.setup as spectral_setup

    def trap(*args, **kwargs):
        raise AssertionError("an eigendecomposition was computed although the spectra were kept")

    monkeypatch.setattr(spectral_setup.SpectralSetup, "spectra", trap)
    monkeypatch.setattr(spectral_setup.SpectralSetup, "_eigenvalues", trap)
    monkeypatch.setattr(spectral_setup.SpectralSetup, "_exact", trap)


def test_a_new_diffusion_time_reuses_the_kept_spectra_bit_for_bit(run_dir, tmp_path, monkeypatch):
    """metrics.t changes: the rows are measured again (their key holds t) but DSE and DSMI come
    from the spectra the first job kept, equal bit for bit to a fresh computation and to
    diffusion_spectral_measures called directly."""
    from repscope.metrics import diffusion_spectral_measures
    from repscope.layout import kept_spectra

    kept = RunFolder(run_dir).kept_spectra
    assert _measure(run_dir, tmp_path / "a.parquet") == 0  # t = 1, 4
    assert kept_spectra(kept, 1).exists() and kept_spectra(kept, 2).exists()
    with monkeypatch.context() as trapped:
        _no_eigendecomposition(trapped)
        assert _measure(run_dir, tmp_path / "b.parquet", "metrics.t=[1,2.5]") == 0
    b = pd.read_parquet(tmp_path / "b.parquet")
    spectral = b.metric.isin(["DSE", "DSMI_Y", "DSMI_X"])
    assert set(b[spectral].t) == {1.0, 2.5}
    a = pd.read_parquet(tmp_path / "a.parquet")
    pd.testing.assert_frame_equal(a[a.t == 1].reset_index(drop=True), b[b.t == 1].reset_index(drop=True))
    for path in kept.iterdir():
        path.unlink()  # a fresh computation
    assert _measure(run_dir, tmp_path / "c.parquet", "metrics.t=[1,2.5]", "metrics.cse_bins=3") == 0
    c = pd.read_parquet(tmp_path / "c.parquet")
    pd.testing.assert_frame_equal(b[spectral].reset_index(drop=True), c[spectral].reset_index(drop=True))
    emb = load_embeddings(RunFolder(run_dir).embedding(2))
    m = compose(RUN_ARGS).metrics
    direct = diffusion_spectral_measures(
        emb.layers["penultimate"], {"DSMI_Y": emb.labels, "DSMI_X": np.arange(90) % 4}, sigma=m.sigma,
        t=[1.0, 2.5], n_repetitions=m.n_repetitions, seed=m.seed, sampling=m.sampling, max_n=m.max_n,
        backend=m.backend, dtype=m.dtype, device="cpu")
    got = b[(b.epoch == 2) & (b.layer == "penultimate") & spectral].set_index(["metric", "t"]).value
    for name, values in direct.items():
        assert [got[(name, t)] for t in (1.0, 2.5)] == list(values), name  # bit for bit


@pytest.mark.parametrize("damage", ["garbage", "tampered"])
def test_damaged_spectra_are_detected_and_computed_again(run_dir, tmp_path, monkeypatch, caplog, damage):
    """A spectra file that is not an archive, or whose arrays no longer match their checksum,
    is reported in the log and never trusted: the spectra are computed again."""
    from repscope.io import read_npz
    from repscope.layout import kept_spectra

    assert _measure(run_dir, tmp_path / "a.parquet", epochs=(2,)) == 0
    path = kept_spectra(RunFolder(run_dir).kept_spectra, 2)
    if damage == "garbage":
        path.write_bytes(b"garbage")
    else:
        with read_npz(path) as f:
            arrays = {k: f[k] for k in f.files}
        arrays["values_1"] = arrays["values_1"] * 0.5  # the checksum no longer matches
        np.savez(path, **arrays)
    import repscope.spectral.setup as spectral_setup

    computed = []
    original = spectral_setup.SpectralSetup.spectra
    monkeypatch.setattr(spectral_setup.SpectralSetup, "spectra",
                        lambda self, subsets: computed.append(len(subsets)) or original(self, subsets))
    with caplog.at_level("WARNING", logger="repscope.pipeline.spectra"):
        assert _measure(run_dir, tmp_path / "b.parquet", "metrics.t=[1,4,8]", epochs=(2,)) == 0
    assert len(computed) == 2  # both layers again
    assert f"{path} is damaged" in caplog.text and "computed again" in caplog.text
    a, b = pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b[b.t != 8].reset_index(drop=True))
    with read_npz(path) as f:  # the file was rewritten whole
        assert "checksum" in f.files

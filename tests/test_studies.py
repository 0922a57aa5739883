"""The toy studies at small size show the trends docs/studies.md expects, and the
study / figure commands write their tables and figures."""
import math

import numpy as np
import pandas as pd
import pytest

from repscope.cli import main
from repscope.studies import (all_figures, figure_study, load_study, study_config, study_needs,
                              study_targets)


def run_study(name, *overrides):
    return load_study(name).run(study_config(name, list(overrides)))


def test_intrinsic_dimension_dse_grows_with_intrinsic_dimension_and_cse_is_flat():
    df = run_study("intrinsic_dimension", "study.n_points=150", "study.ambient_dim=300",
                   "study.min_intrinsic_dim=10", "study.n_intrinsic_dims=4",
                   "study.distributions=[uniform]", "study.noise=[0.1]", "study.repetitions=1",
                   "study.t=[1,2]", "study.matrix.sizes=[32]", "study.matrix.n_alphas=5")
    pts = df[df.panel == "points"]
    log2n = math.log2(150)
    for t in (1, 2):
        dse = pts[(pts.measure == "DSE") & (pts.t == t)].sort_values("intrinsic_dim").value.to_numpy()
        assert np.all(np.diff(dse) > 0) and dse.max() <= log2n + 1e-9
    dse1 = pts[(pts.measure == "DSE") & (pts.t == 1)].sort_values("intrinsic_dim").value.to_numpy()
    dse2 = pts[(pts.measure == "DSE") & (pts.t == 2)].sort_values("intrinsic_dim").value.to_numpy()
    assert np.all(dse2 < dse1)  # larger t delays the saturation
    np.testing.assert_allclose(pts[pts.measure == "CSE"].value, log2n, atol=1e-9)
    assert len(pts[pts.measure == "DMEE"]) == 4  # one DMEE value per point cloud
    mat = df[(df.panel == "matrix") & (df.measure == "DSE")].sort_values("alpha").value.to_numpy()
    assert np.all(np.diff(mat) > 0) and mat[-1] == pytest.approx(5.0, abs=1e-9)  # log2 32
    assert len(df[(df.panel == "matrix") & (df.measure == "DMEE")]) == 5


def test_intrinsic_dimension_dmee_is_the_authors_computation():
    """The DMEE rows as the authors' script computed them with their API (here
    the reference package dse-dsmi 1.1): the row-normalised diffusion matrix, or
    D^-1 M, handed to the matrix-entry entropy as points."""
    ref = pytest.importorskip("dse_dsmi")
    from dse_dsmi.diffusion import compute_diffusion_matrix

    from repscope.data.toy import noisy_identity_diffusion, random_spd_matrix
    from repscope.studies.intrinsic_dimension import DMEE_SIGMA, _dmee_of_points

    Z = np.random.default_rng(0).uniform(-1, 1, (60, 9)) * 4
    K = compute_diffusion_matrix(Z, sigma=3.0)
    expected = ref.diffusion_spectral_entropy(np.diag(1 / K.sum(1)) @ K, matrix_entry_entropy=True)
    assert _dmee_of_points(Z, 3.0) == pytest.approx(expected, abs=1e-9)
    W = random_spd_matrix(30, seed=1)
    M = 0.4 * np.eye(30) + 0.6 * W
    expected = ref.diffusion_spectral_entropy(np.diag(1 / M.sum(1)) @ M, matrix_entry_entropy=True)
    from repscope.metrics import matrix_entry_entropy
    assert matrix_entry_entropy(noisy_identity_diffusion(W, 0.4), DMEE_SIGMA, max_n=None) == \
        pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("kind, below", [("make_spd", (3, 6)), ("wishart", (0, 1))])
def test_intrinsic_dimension_matrix_panel_with_the_authors_matrix_starts_bits_below_log2_n(kind, below):
    """The authors' make_spd matrix has one dominant direction: at alpha = 0 its
    DSE (n = 256) sits several bits below log2 n = 8 and rises steeply; a Wishart
    W (repscope's earlier choice) starts within a bit of it."""
    df = run_study("intrinsic_dimension", "study.n_points=20", "study.ambient_dim=4", "study.min_intrinsic_dim=4",
                   "study.n_intrinsic_dims=1", "study.distributions=[uniform]", "study.noise=[0.1]",
                   "study.repetitions=1", "study.dmee=false", "study.matrix.sizes=[256]",
                   f"study.matrix.kind={kind}")
    mat = df[df.panel == "matrix"].sort_values("alpha")
    assert len(mat) == 20 and set(mat.measure) == {"DSE"}  # the authors' 20 alphas by default
    gap = 8 - mat.value.iloc[0]
    assert below[0] < gap < below[1]
    assert mat.value.iloc[-1] == pytest.approx(8, abs=1e-9)


def test_label_corruption_dsmi_falls_as_labels_are_corrupted():
    df = run_study("label_corruption", "study.branches=[2,5]", "study.noise=[0.1]", "study.n_corruptions=4",
                   "study.repetitions=1", "study.mi_repetitions=3", "study.t=[1]",
                   "study.branch_length=60")
    dsmi = df[df.measure == "DSMI"].pivot_table(index="corruption", columns="branches",
                                                 values="value")
    assert np.all(np.diff(dsmi.to_numpy(), axis=0) < 0.05)  # non-increasing up to noise
    # the authors' trees are small beside sigma = 10: DSMI is low but falls to ~0
    assert np.all(dsmi.iloc[0] > 0.1) and np.all(dsmi.iloc[-1].abs() < 0.05)
    assert dsmi.iloc[0][5] > dsmi.iloc[0][2]  # more branches, more information
    assert set(df.measure) == {"DSMI", "CSMI"}


def test_label_corruption_defaults_are_the_authors_trees():
    """toy_data_MI.py: D = 30, 5/10/20 branches of 100 points each on average,
    5 repetitions; repscope's random walks stay an option."""
    s = study_config("label_corruption", ["experiment=toy_paper"]).study
    assert (s.tree, s.dim, list(s.branches), s.branch_length, s.repetitions) == (
        "authors", 30, [5, 10, 20], 100, 5)
    df = run_study("label_corruption", "study.branches=[3]", "study.noise=[0.1]", "study.n_corruptions=2",
                   "study.repetitions=2", "study.mi_repetitions=2", "study.t=[1]",
                   "study.branch_length=30")
    clean = df[(df.measure == "DSMI") & (df.corruption == 0)].value.to_numpy()
    assert len(clean) == 2 and np.all(clean > 0.05) and clean[0] != clean[1]  # one tree, two noise draws
    walk = run_study("label_corruption", "study.tree=random_walk", "study.dim=20", "study.branches=[3]",
                     "study.noise=[0.1]", "study.n_corruptions=2", "study.repetitions=1",
                     "study.mi_repetitions=2", "study.t=[1]", "study.branch_length=30")
    assert len(walk) == 4
    with pytest.raises(ValueError, match="study.tree"):
        load_study("label_corruption").needs(study_config("label_corruption", ["study.tree=phate"]).study)


def test_blob_splitting_three_blobs_tend_to_log2_3_and_one_blob_to_zero():
    df = run_study("blob_splitting", "study.n_points=300", "study.dims=[2]", "study.n_t=5")
    last = df[df.t == df.t.max()].set_index("blobs").value
    assert last[3] == pytest.approx(math.log2(3), abs=0.02)
    assert last[1] == pytest.approx(0, abs=0.02)
    first = df[df.t == 1].set_index("blobs").value
    assert first[3] > last[3] + 1 and first[1] > 1  # at t = 1 noise still counts


def test_subsampling_defaults_are_the_authors_noiseless_trees_and_dimensions():
    from repscope.studies._common import evenly

    s = study_config("subsampling", ["experiment=toy_paper"]).study
    assert s.tree_noise == 0 and s.branch_length == 2000 and s.n_branch == 3
    assert evenly(s.min_dim, s.max_dim, s.n_dims, integer=True) == [2, 5, 8, 11, 14, 17, 20, 23,
                                                                    26, 30]


def test_subsampling_subsampled_curves_stay_close():
    df = run_study("subsampling", "study.branch_length=150", "study.min_dim=5", "study.max_dim=20",
                   "study.n_dims=2", "study.ratios=[1.0,0.5,0.3]", "study.t=[2,3]",
                   "study.repetitions=1")
    spread = df.groupby(["dim", "t"]).value.agg(lambda v: v.max() - v.min())
    assert spread.max() < 0.4
    assert df.groupby("dim").value.mean().is_monotonic_increasing


def test_mi_estimators_times_every_estimator_and_dsmi_sees_the_labels():
    df = run_study("mi_estimators", "study.n_points=150", "study.dims=[10,50]", "study.corruption_dims=[10]",
                   "study.n_corruptions=2", "study.repetitions=1", "study.noise=[0.01,0.5]",
                   "study.estimators.MINE.steps=5", "study.estimators.InfoNCE.steps=5",
                   "study.estimators.InfoNCE.batch_size=32", "study.estimators.MINE_held_out.steps=5")
    assert set(df.estimator) == {"DSMI", "DMEE", "ASMI kNN", "ASMI Gaussian", "CSMI 5 bins",
                                 "CSMI 10 bins", "CSMI 100 bins", "KSG", "KSG (Ross)", "MINE",
                                 "MINE held-out", "InfoNCE"}
    assert (df.seconds > 0).all()
    assert len(df[(df.part == "dimension") & (df.estimator == "DSMI")]) == 2 * 2  # dims x noise
    ross = df[(df.part == "dimension") & (df.estimator == "KSG (Ross)")].value
    np.testing.assert_allclose(ross, math.log2(3), atol=0.05)
    d = df[(df.part == "corruption") & (df.estimator == "DSMI") & (df.noise == 0.01)]
    d = d.set_index("corruption").value
    assert d[0.0] > 0.3 and abs(d[1.0]) < 0.1
    # the truth: H(Y) of the 50/50/50 blobs, and 0 with every label shuffled
    truth = df.groupby(["part", "corruption"]).truth.agg(["min", "max"])
    np.testing.assert_allclose(truth.to_numpy(), [[math.log2(3)] * 2, [0, 0], [math.log2(3)] * 2], atol=1e-12)


def test_mi_estimators_blob_sets_measured_by_two_processes_give_the_rows_of_one():
    """study.workers: every blob set (cell) draws its points, noise and seeds from its own
    generator and the dimension sweep's highest dimensions go first, yet the rows come back in the order and with
    the values of one process."""
    import pandas as pd

    overrides = ["study.n_points=60", "study.dims=[5,40,10]", "study.corruption_dims=[5]",
                 "study.n_corruptions=2", "study.repetitions=2", "study.noise=[0.01,0.5]",
                 "~study.estimators.MINE", "~study.estimators.MINE_held_out", "~study.estimators.InfoNCE",
                 "~study.estimators.ASMI_kNN"]
    one, two = (run_study("mi_estimators", *overrides, f"study.workers={w}") for w in (1, 2))
    assert len(one) == 2 * (3 + 2) * 2 * 8  # repetitions x blob sets x noise levels x estimators
    assert list(one.dim[one.part == "dimension"].unique()) == [5, 40, 10]
    pd.testing.assert_frame_equal(one.drop(columns="seconds"), two.drop(columns="seconds"))


def test_mi_estimators_mine_runs_as_the_authors_ran_it():
    """The default MINE entry is the authors' (biased loss, lr 1e-4, batches of
    500 for 2000 steps, critic 100 wide, raw inputs, label as a number, scored on
    its training points); scored in-sample, a critic that memorises independent
    labels reports information that the held-out variant does not."""
    from repscope.metrics.variational import mine_mutual_information

    mine = study_config("mi_estimators", ["experiment=paper"]).study.estimators.MINE
    assert (mine.estimate, mine.held_out, mine.standardize, mine.reference_type, mine.init) == \
        ("biased", False, False, "scalar", "concat")
    assert (mine.lr, mine.batch_size, mine.steps, mine.hidden) == (1e-4, 500, 2000, 100)
    rng = np.random.default_rng(0)
    Z, y = rng.normal(size=(48, 8)), rng.integers(0, 2, 48)  # independent: I(Z; Y) = 0
    kw = dict(hidden=64, steps=400, batch_size=48, lr=1e-2, seed=0)
    in_sample = mine_mutual_information(Z, y, estimate="biased", held_out=False, **kw)
    held_out = mine_mutual_information(Z, y, **kw)
    assert in_sample > 0.3 and held_out < 0.1
    with pytest.raises(ValueError, match="estimate"):
        mine_mutual_information(Z, y, estimate="unbiased")


def fake_metrics_table(path):
    rng = np.random.default_rng(0)
    rows = []
    for run, method in [("d-m-supervised-s1", "supervised"), ("d-m-random-s1", "random")]:
        for epoch in range(5):
            acc = 0.1 + (0.15 if method == "supervised" else 0.01) * epoch
            for metric, t, value in [("accuracy", None, acc),
                                     ("DSMI_Y", 1.0, 2 * acc + rng.normal() * 1e-3),
                                     ("DSMI_Y", 2.0, rng.normal()),  # another t: left out
                                     ("DSE", 1.0, rng.normal()), ("DSMI_X", 1.0, 1.0)]:
                rows.append(dict(run=run, dataset="digits", model="m", method=method, seed=1,
                                 epoch=epoch, layer="penultimate", metric=metric, t=t, value=value))
    path.parent.mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(path)


def test_accuracy_across_models_correlates_pipeline_measures_with_accuracy(tmp_path):
    fake_metrics_table(tmp_path / "quick" / "tables" / "metrics.parquet")
    cfg = study_config("accuracy_across_models", [], results_dir=tmp_path / "quick")
    df = load_study("accuracy_across_models").run(cfg)
    corr = df[df.statistic != "point"].set_index(["group", "measure", "statistic"]).value
    assert corr["digits", "DSMI(Z;Y)", "pearson"] > 0.99
    assert corr["digits", "DSMI(Z;Y)", "spearman"] == pytest.approx(1.0, abs=0.01)  # one tie
    assert np.isnan(corr["digits", "DSMI(Z;X)", "pearson"])  # constant: no correlation defined
    assert len(df[df.statistic == "point"]) == 2 * 5 * 3
    assert study_needs("accuracy_across_models", "quick") == ["results/quick/tables/metrics.parquet"]


def _image_folder(root, sizes=((40, 52), (52, 40))):
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(3):
        (root / f"c{c}").mkdir(parents=True)
        for i in range(4):
            pixels = (rng.random((*sizes[i % len(sizes)], 3)) * 90 + 80 * c).astype(np.uint8)
            Image.fromarray(pixels).save(root / f"c{c}" / f"{i}.png")
    return root


def test_accuracy_across_models_timm_path_on_a_tiny_image_folder(tmp_path):
    from scipy import stats

    folder = _image_folder(tmp_path / "img")
    models = "[{model: test_resnet, top1: 70.0, top5: 90.0}, {model: test_vit, top1: 60.0, top5: 85.0}, " \
             "{model: test_convnext, top1: 65.0, top5: 80.0}]"
    common = ["study.source=timm", f"study.timm.image_dir={folder}", "study.timm.pretrained=false",
              "study.timm.n_images=12", "study.timm.x_clusters=3", "study.timm.x_size=16",
              f"study.timm.models={models}"]
    df = run_study("accuracy_across_models", *common)  # the authors' view: one centre crop per image
    pts = df[df.statistic == "point"]
    assert sorted(pts.item.unique()) == ["test_convnext", "test_resnet", "test_vit"]
    assert pts.value.notna().all() and len(pts) == 9
    corr = df[df.statistic != "point"].set_index(["group", "measure", "target", "statistic"]).value
    assert set(df[df.statistic == "spearman"].target) == {"top1", "top5"}  # top-5 as well as top-1
    d = pts[pts.measure == "DSE(Z)"]
    assert corr["imagenet", "DSE(Z)", "top5", "pearson"] == pytest.approx(
        stats.pearsonr(d.value, d.top5)[0], abs=1e-12)
    fig = load_study("accuracy_across_models").FIGURES["accuracy_across_models"](df)
    assert len(fig.axes) == 2 * 3  # top-1 and top-5 rows x three measures
    np.testing.assert_allclose(fig.axes[3].collections[0].get_offsets()[:, 1], d.top5.to_numpy())
    only_top1 = run_study("accuracy_across_models", *common, "study.timm.crop=random_resized", "study.timm.n_crops=2",
                          "study.timm.models=[{model: test_resnet, top1: 70.0}, "
                          "{model: test_vit, top1: 60.0}, {model: test_convnext, top1: 65.0}]")
    assert set(only_top1[only_top1.statistic == "pearson"].target) == {"top1"}
    with pytest.raises(ValueError, match="study.timm.crop"):
        run_study("accuracy_across_models", *common, "study.timm.crop=five")


def test_accuracy_across_models_center_view_is_resize_then_center_crop(tmp_path):
    import torch
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms import functional as TF

    from repscope.studies.pretrained import crop_batch, list_images, load_crops

    paths, _, _ = list_images(_image_folder(tmp_path / "img", sizes=((40, 60), (60, 40))), 4, 0)
    items = [(TF.gaussian_blur(im, 9, 3.0), boxes) for im, boxes in load_crops(paths, 3, 0, crop="center")]
    assert all(len(boxes) == 1 for _, boxes in items)
    got = crop_batch(items, 20, interpolation="bicubic")
    want = torch.stack([TF.center_crop(TF.resize(im, 20, InterpolationMode.BICUBIC, antialias=True), 20)
                        for im, _ in items]).float() / 255
    assert (got - want).abs().max() < 0.02  # the same view (up to uint8 rounding)
    assert len(load_crops(paths, 3, 0, crop="random_resized")[0][1]) == 3


def test_study_and_figure_commands_write_table_and_figures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = "results/quick/studies/blob_splitting.parquet"
    assert main(["study", "blob_splitting", "experiment=quick", "study.n_points=120", "study.n_t=3",
                 "study.dims=[2]", f"out={out}"]) == 0
    df = pd.read_parquet(out)
    assert set(df.blobs) == {1, 3}
    stem = "results/quick/figures/blob_splitting"
    assert main(["figure", "blob_splitting", "blob_splitting", f"in={out}", f"out={stem}"]) == 0
    assert (tmp_path / f"{stem}.pdf").stat().st_size > 0
    assert (tmp_path / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"


SMALL = {"intrinsic_dimension": ["study.n_points=40", "study.ambient_dim=30", "study.min_intrinsic_dim=5",
                                 "study.n_intrinsic_dims=3", "study.noise=[0.1]", "study.repetitions=2",
                                 "study.t=[1,2]", "study.matrix.sizes=[8,16]", "study.matrix.n_alphas=3"],
         "label_corruption": ["study.branches=[2,5]", "study.noise=[0.1]", "study.n_corruptions=3",
                              "study.repetitions=1", "study.branch_length=20", "study.mi_repetitions=1",
                              "study.t=[1]"],
         "blob_splitting": ["study.n_points=90", "study.dims=[2]", "study.n_t=4"],
         "subsampling": ["study.branch_length=20", "study.n_dims=2", "study.repetitions=2"],
         "mi_estimators": ["study.n_points=60", "study.dims=[5,50]", "study.corruption_dims=[5]",
                           "study.n_corruptions=2", "study.noise=[0.01]", "study.estimators.MINE.steps=2",
                           "study.estimators.MINE_held_out.steps=2", "study.estimators.InfoNCE.steps=2",
                           "study.estimators.InfoNCE.batch_size=8", "study.estimators.ASMI_kNN.knn=3"]}
# figure -> (columns one line is drawn for, x column, y column) of the data behind its lines
CURVES = {"intrinsic_dimension_entropy": (["panel", "measure", "distribution", "noise", "curve"],
                                          "intrinsic_dim", "value"),
          "intrinsic_dimension_matrix_entropy": (["panel", "measure", "t", "n_points"], "alpha", "value"),
          "label_corruption_mi": (["measure", "noise", "curve", "branches"], "corruption", "value"),
          "blob_splitting": (["dim", "blobs"], "t", "value"),
          "subsampling": (["t", "ratio"], "dim", "value"),
          "mi_estimators_vs_dimension": (["part", "noise", "estimator"], "dim", "value"),
          "mi_estimators_vs_corruption": (["part", "noise", "dim", "estimator"], "corruption", "value"),
          "mi_estimators_runtime": (["part", "estimator"], "dim", "seconds")}
# figure -> (the panels, the column of the reference curve each panel draws against x)
REFERENCE = {"mi_estimators_vs_corruption": (["noise", "dim"], "truth")}


@pytest.fixture(scope="module")
def small_tables():
    return {name: run_study(name, *overrides) for name, overrides in SMALL.items()}


@pytest.mark.parametrize("figname", list(CURVES))
def test_figures_plot_the_mean_curves_of_their_table(figname, small_tables, tmp_path):
    """Every line the table implies (mean over repetitions against x) is drawn:
    read back from the matplotlib Axes, not only that axes exist."""
    import matplotlib

    matplotlib.use("Agg")
    name = figure_study(figname)
    df = small_tables[name]
    if name == "intrinsic_dimension":
        df = df[df.panel == ("matrix" if "matrix" in figname else "points")]
    if name == "mi_estimators":
        df = df[df.part == ("corruption" if "corruption" in figname else "dimension")]
    fig = load_study(name).FIGURES[figname](df)
    fig.savefig(tmp_path / f"{figname}.png")
    drawn = [(np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
             for ax in fig.axes for line in ax.get_lines()]
    import matplotlib.pyplot as plt

    plt.close(fig)  # the parametrised figures would otherwise pile up open
    keys, x, y = CURVES[figname]
    keys = [k for k in keys if k in df]
    expected = [g.groupby(x)[y].mean() for _, g in df.groupby(keys, dropna=False)]
    assert len(expected) >= 2
    if figname in REFERENCE:  # a known truth drawn against x in each panel
        facets, ref = REFERENCE[figname]
        expected += [g.groupby(x)[ref].mean() for _, g in df.groupby(facets)]
    for curve in expected:
        assert any(len(xs) == len(curve) and np.allclose(xs, curve.index.to_numpy(float))
                   and np.allclose(ys, curve.to_numpy(), equal_nan=True) for xs, ys in drawn), \
            f"{figname}: no line with the data {curve.to_dict()}"


def test_fidelity_record_sets_published_trends_beside_the_tables(small_tables, tmp_path):
    for name, df in small_tables.items():
        (tmp_path / "res" / "studies").mkdir(parents=True, exist_ok=True)
        df.to_parquet(tmp_path / "res" / "studies" / f"{name}.parquet")
    out = tmp_path / "fidelity.md"
    assert main(["fidelity", "experiment=toy_paper", f"results={tmp_path / 'res'}",
                 f"out={out}"]) == 0
    text = out.read_text()
    for title in ("T1", "T2", "T3", "T4", "T5"):
        assert f"## {title} " in text
    assert "Run time" not in text  # no benchmark files: the tables were not made by the workflow
    secs = small_tables["mi_estimators"].groupby("estimator").seconds.sum()
    share = secs.max() / secs.sum()  # the costliest estimator's share, first on T5's cost line
    assert f"Estimator calls: {secs.sum():.0f} CPU-seconds in all" in text and f"{secs.idxmax()} {share:.0%}," in text
    splitting = small_tables["blob_splitting"]
    last = splitting[splitting.t == splitting.t.max()].set_index("blobs").value
    assert f"| {last[3]:.3f} | {last[3] - math.log2(3):+.3f} |" in text  # value and difference
    # a value far from the published one is flagged
    bad = splitting.assign(value=np.where(splitting.blobs == 3, 0.5, splitting.value))
    bad.to_parquet(tmp_path / "res" / "studies" / "blob_splitting.parquet")
    (tmp_path / "res" / "studies" / "subsampling.parquet").unlink()
    bench = tmp_path / "res" / "benchmarks" / "study" / "blob_splitting.tsv"
    bench.parent.mkdir(parents=True)
    bench.write_text("s\th:m:s\tmax_rss\tmean_load\tcpu_time\n90.0\t0:01:30\t100.0\t195.0\t175.5\n")
    main(["fidelity", "experiment=toy_paper", f"results={tmp_path / 'res'}", f"out={out}"])
    text = out.read_text()
    assert "| 0.500 | -1.085 | **disagrees** |" in text
    assert text.count("Run time: ") == 1 and "Run time: 1.5 min wall, 2.9 CPU-minutes" in text
    assert "No table at" in text and "subsampling.parquet" in text
    # T5's corruption sweep beside its truth (from the config's 3 centres, for any table)
    assert "| DSMI: mean absolute error against the truth over the corruption sweep (d = 5; bits) |" in text
    assert "(truth 1.58 / 0.00 / 0.00)" in text  # corruption 0, 0, 1: SMALL has n_corruptions=2
    from repscope.studies.fidelity import Check

    row = Check("mean |error|", "x", 1.0, None, None, "a | b").row()  # a pipe in the text keeps the columns
    assert row.replace("\\|", "").count("|") == 7 and "mean \\|error\\|" in row


def test_targets_and_bad_names():
    cfg = study_config("blob_splitting", ["experiment=tiny"])
    assert study_targets(cfg, "tiny") == []  # tiny runs no studies
    from omegaconf import open_dict

    with open_dict(cfg):
        cfg.experiment.studies = {"blob_splitting": {"n_points": 100}}
    assert study_targets(cfg, "x") == ["results/x/studies/blob_splitting.parquet",
                                       "results/x/figures/blob_splitting.pdf",
                                       "results/x/figures/blob_splitting.png"]
    assert all_figures()["mi_estimators_runtime"] == "mi_estimators"
    quick = study_config("blob_splitting", ["experiment=quick"])
    assert quick.study.n_points == 600  # the experiment's size override
    assert study_config("blob_splitting", ["experiment=quick", "study.n_points=50"]).study.n_points == 50
    assert {"intrinsic_dimension", "label_corruption", "blob_splitting", "subsampling", "mi_estimators",
            "accuracy_across_models"} <= set(
        p.split("/")[-1][:-8] for p in study_targets(quick, "quick") if p.endswith(".parquet"))
    with pytest.raises(ValueError, match="do not fit"):
        study_config("blob_splitting", ["study.n_pointz=5"])
    with pytest.raises(ValueError, match="study must be one of"):
        load_study("t9")
    with pytest.raises(ValueError, match="figure must be one of"):
        figure_study("nope")
    with pytest.raises(ValueError, match="study.source"):
        run_study("accuracy_across_models", "study.source=web")


def test_an_alias_names_the_same_study(tmp_path, monkeypatch):
    """The papers' ids (conf/study/*.yaml ``alias``) resolve to the descriptive names: in
    ``experiment.studies``, in the study command, and in every lookup."""
    from repscope.pipeline.plan import load_plan
    from repscope.studies import aliases, experiment_studies, study_name

    assert aliases()["t1"] == "intrinsic_dimension" and study_name("s4") == "collapse_and_decodability"
    assert len(aliases()) == 11 and study_name("intrinsic_dimension") == "intrinsic_dimension"
    plan = load_plan("tiny", ["+experiment.studies.t1={n_points: 30}"])
    assert experiment_studies(plan.cfg) == ["intrinsic_dimension"]
    assert study_targets(plan.cfg, "tiny")[0] == "results/tiny/studies/intrinsic_dimension.parquet"
    aliased = study_config("t1", ["experiment=tiny", "+experiment.studies.t1={n_points: 30}"]).study
    assert aliased.n_points == 30 and aliased == study_config(
        "intrinsic_dimension", ["experiment=tiny", "+experiment.studies.intrinsic_dimension={n_points: 30}"]).study
    assert load_study("t5") is load_study("mi_estimators")
    with pytest.raises(ValueError, match="intrinsic_dimension.*twice"):
        load_plan("tiny", ["+experiment.studies.t1={}", "+experiment.studies.intrinsic_dimension={}"])
    with pytest.raises(ValueError, match=r"one of \[.*'subsampling'.*\] or an alias \{.*'t4': 'subsampling'"):
        load_plan("tiny", ["+experiment.studies.t9={}"])

    seen, stub = {}, pd.DataFrame({"estimator": ["DSMI"], "value": [1.0]})

    def fake_run(cfg):  # what the command hands the module
        seen["study"] = cfg.study
        return stub

    monkeypatch.setattr(load_study("mi_estimators"), "run", fake_run)
    monkeypatch.chdir(tmp_path)
    assert main(["study", "t5", "experiment=quick", "study.n_points=40", "out=t5.parquet"]) == 0
    assert seen["study"].name == "mi_estimators" and seen["study"].n_points == 40
    assert seen["study"].dims == [20, 100, 1000, 5000]  # quick's block, listed under the name
    pd.testing.assert_frame_equal(pd.read_parquet("t5.parquet"), stub)


def test_toy_paper_has_no_training_runs_and_paper_lists_every_study():
    from repscope.pipeline.plan import load_plan

    toy = load_plan("toy_paper")
    assert toy.runs == () and toy.figures == {}  # experiment.grid: null
    tables = [p for p in study_targets(toy.cfg, "toy_paper") if p.endswith(".parquet")]
    assert tables == [f"results/toy_paper/studies/{name}.parquet" for name in (
        "intrinsic_dimension", "label_corruption", "blob_splitting", "subsampling", "mi_estimators")]
    paper = load_plan("paper", check_data=False)
    listed = {p.split("/")[-1][:-8] for p in study_targets(paper.cfg, "paper")
              if p.endswith(".parquet")}
    assert listed == {"intrinsic_dimension", "label_corruption", "blob_splitting", "subsampling", "mi_estimators",
                      "initialisation", "accuracy_across_models", "collapse_and_decodability",
                      "information_plane", "manifold_geometry", "modularity_ablation", "cka_similarity",
                      "layer_dynamics"}
    assert study_config("intrinsic_dimension", ["experiment=paper"], results_dir=".").study == study_config(
        "intrinsic_dimension", ["experiment=toy_paper"], results_dir=".").study  # T1-T4 at the same size
    assert paper.cfg.experiment.layerwise.runs


def test_initialisation_dse_at_initialisation_rises_with_the_conv_std():
    df = run_study("initialisation", "study.dataset=digits", "study.model=cnn", "study.conv_stds=[0.001,0.1]",
                   "study.seeds=[1]", "study.sigma=median")
    dse = df.set_index("conv_std").value
    assert dse[0.1] > dse[0.001] + 0.2
    assert (df.part == "init").all() and (df.metric == "dse").all()


def test_initialisation_training_curves_come_from_the_aggregated_table(tmp_path, monkeypatch):
    import repscope.studies.initialisation as initialisation

    rows = [dict(run=f"digits-{m}-supervised-s1", dataset="digits", model=m, method="supervised",
                 seed=1, epoch=e, layer="penultimate", metric=k, t=t, value=float(e))
            for m in ("cnn_init_small", "cnn_init_large", "mlp") for e in range(6)
            for k, t in (("DSE", 1.0), ("DSE", 2.0), ("accuracy", None))]
    (tmp_path / "tables").mkdir()
    pd.DataFrame(rows).to_parquet(tmp_path / "tables" / "metrics.parquet")
    monkeypatch.setattr(initialisation, "_init_dse", lambda cfg: [])
    cfg = study_config("initialisation", ["experiment=initialisation_quick", "study.training.dse_epochs=3"],
                       results_dir=tmp_path)
    assert study_needs("initialisation", "initialisation_quick") == ["results/initialisation_quick/tables/metrics.parquet"]
    df = initialisation.run(cfg)
    assert set(df.init) == {"conv std 1e-2", "conv std 1e-1"}  # mlp runs left out
    assert df[df.metric == "dse"].epoch.max() == 3 and df[df.metric == "accuracy"].epoch.max() == 5
    assert len(df[df.metric == "dse"]) == 2 * 4  # t = 2 rows left out
    fig = initialisation.FIGURES["initialisation_training"](df)
    assert fig.axes[0].lines and fig.axes[1].lines
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), np.arange(6))  # accuracy = epoch


def test_initialisation_training_figure_is_a_target_only_with_init_variant_runs():
    import repscope.studies.initialisation as initialisation

    quick = study_targets(study_config("initialisation", ["experiment=quick"]), "quick")
    assert "results/quick/figures/initialisation_dse_at_init.png" in quick
    assert not [p for p in quick if "initialisation_training" in p]  # quick trains no init variants
    s2q = study_targets(study_config("initialisation", ["experiment=initialisation_quick"]), "initialisation_quick")
    assert "results/initialisation_quick/figures/initialisation_training.png" in s2q
    init_only = pd.DataFrame([dict(part="init", dataset="digits", conv_std=0.1, t=1, value=1.0)])
    with pytest.raises(ValueError, match="no training curves"):
        initialisation.FIGURES["initialisation_training"](init_only)

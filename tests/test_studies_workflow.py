"""Every study, study-figure and layer-wise rule through Snakemake at tiny size
(conf/experiment/tiny_studies.yaml), checked on the files the workflow writes
and on the data behind the lines of the figures, redrawn from those files."""
import matplotlib
import numpy as np
import pandas as pd
import pytest
from test_workflow import snakemake

from repscope.config import choices
from repscope.layerwise import layerwise_selection
from repscope.layout import RunFolder
from repscope.pipeline.plan import load_plan
from repscope.studies import all_figures, experiment_studies, load_study, study_targets

matplotlib.use("Agg")
EXP = "tiny_studies"


def lines(ax) -> list[tuple]:
    """The (x, y) data of an Axes' lines, rounded, as a sorted list."""
    return sorted((tuple(np.round(np.asarray(line.get_xdata(), float), 9)),
                   tuple(np.round(np.asarray(line.get_ydata(), float), 9)))
                  for line in ax.lines if len(line.get_xdata()))


def curves(df, x, y="value", by="layer", order=None) -> list[tuple]:
    """The same, computed from a tidy table: one (x, y) line per ``by`` level,
    its points in the order of column ``order`` (default: x)."""
    return sorted((tuple(np.round(g[x].to_numpy(float), 9)), tuple(np.round(g[y].to_numpy(float), 9)))
                  for _, g in df.sort_values(order or x).groupby(by, observed=True))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("studies")
    snakemake(workdir, "--config", f"experiment={EXP}")
    plan = load_plan(EXP)
    return workdir / plan.layout.root, plan


def study_table(root, name):
    return pd.read_parquet(root / "studies" / f"{name}.parquet")


@pytest.mark.slow
def test_every_study_figure_and_layer_table_is_made(results):
    root, plan = results
    assert sorted(experiment_studies(plan.cfg)) == choices("study")  # every study rule
    targets = study_targets(plan.cfg, EXP)
    assert {t.split("/")[-1].rsplit(".", 1)[0] for t in targets if "/figures/" in t} == set(all_figures())
    for target in targets:
        assert (root.parents[1] / target).stat().st_size > 0, target
    runs, epochs = layerwise_selection(plan.cfg.experiment.layerwise, plan.cfg.train.epochs)
    for run in runs:
        for epoch in epochs:
            table = pd.read_parquet(RunFolder(root / "runs" / run).layers(epoch))
            assert {"NC1", "DIB_sufficiency", "MFT_capacity", "I_XT"} <= set(table.metric)
    assert plan.figures and all((root / "figures" / f"{f}.png").exists() for f in plan.figures)


@pytest.mark.slow
def test_toy_study_tables_show_their_trends(results):
    root, _ = results
    splitting = study_table(root, "blob_splitting")
    last = splitting[splitting.t == splitting.t.max()].groupby("blobs").value.mean()
    assert last[3] == pytest.approx(np.log2(3), abs=0.15) and last[1] < 0.05  # DSE counts the blobs
    for name in ("intrinsic_dimension", "label_corruption", "subsampling", "mi_estimators"):
        table = study_table(root, name)
        assert len(table) and table.value.notna().any(), name


@pytest.mark.slow
def test_initialisation_figures_draw_the_runs_of_both_initialisations(results):
    root, _ = results
    df = study_table(root, "initialisation")
    init = df[df.part == "init"].set_index("conv_std").value
    assert init[0.1] > init[0.001]  # a larger conv std starts at a higher DSE
    table = pd.read_parquet(root / "tables" / "metrics.parquet")
    acc = table[(table.metric == "accuracy") & (table.layer == "penultimate")]
    fig = load_study("initialisation").FIGURES["initialisation_training"](df)
    assert lines(fig.axes[1]) == curves(acc, "epoch", by="model")  # accuracy of each init variant


@pytest.mark.slow
def test_accuracy_across_models_correlates_every_checkpoint(results):
    root, plan = results
    df = study_table(root, "accuracy_across_models")
    points = df[df.statistic == "point"]
    n = len(plan.runs) * (plan.cfg.train.epochs + 1)
    assert points.groupby("measure").size().tolist() == [n] * 3
    corr = df[(df.statistic == "spearman") & (df.group == "all")].set_index("measure")
    assert (corr.n == n).all() and corr.value.between(-1, 1).all()


@pytest.mark.slow
def test_layerwise_figures_plot_the_layer_tables(results):
    root, _ = results
    collapse = study_table(root, "collapse_and_decodability")
    fig = load_study("collapse_and_decodability").FIGURES["collapse_nc1"](collapse)
    for ax, split in zip(fig.axes, ("train", "test")):
        assert lines(ax) == curves(collapse[(collapse.metric == "NC1") & (collapse.split == split)], "epoch")

    plane = study_table(root, "information_plane")
    assert set(plane.split) == {"train"} and plane[plane.metric == "I_XT"].value.max() <= np.log2(200) + 1e-9
    wide = plane.pivot_table(index=["layer", "epoch"], columns="metric", values="value").reset_index()
    fig = load_study("information_plane").FIGURES["information_plane"](plane)
    assert lines(fig.axes[0]) == curves(wide, "I_XT", "I_TY", order="epoch")  # the binned plane, per layer

    dyn = study_table(root, "layer_dynamics")  # DSE / DSMI of every layer against epoch
    run = dyn.run.iloc[0]
    direct = pd.concat(pd.read_parquet(RunFolder(root / "runs" / run).layers(e)).assign(epoch=e)
                       for e in sorted(dyn.epoch.unique()))
    fig = load_study("layer_dynamics").FIGURES["layer_dse_dsmi_vs_epoch"](dyn)
    for ax, metric in zip(fig.axes, ("DSE", "DSMI_Y", "DSMI_X")):
        assert lines(ax) == curves(direct[(direct.metric == metric) & (direct.t == 1)], "epoch")

    geometry = study_table(root, "manifold_geometry")
    fig = load_study("manifold_geometry").FIGURES["manifold_geometry"](geometry)
    cap = geometry[geometry.metric == "MFT_capacity"].sort_values("depth")
    assert [y for _, y in lines(fig.axes[0])] == sorted(  # one line per epoch, input to output
        tuple(np.round(g.value.to_numpy(), 9)) for _, g in cap.groupby("epoch"))
    assert set(cap.split) == {"train"}

    ablation = study_table(root, "modularity_ablation")
    pairs = set(ablation[ablation.metric.str.startswith("modularity")].layer)
    assert {"block1>block2", "block1>block3", "block1>logits", "penultimate>logits"} <= pairs
    fig = load_study("modularity_ablation").FIGURES["ablation_curves"](ablation)
    dh = ablation[(ablation.metric == "ablation_dH_neuron") & (ablation.layer == "block1")].value.to_numpy()
    np.testing.assert_allclose(fig.axes[len(fig.axes) // 2].lines[0].get_ydata(), np.sort(dh)[::-1])


@pytest.mark.slow
def test_cka_heatmaps_show_the_layer_tables(results):
    root, _ = results
    df = study_table(root, "cka_similarity")
    within = df[df.metric == "CKA_layers"]
    assert np.allclose(within[within.layer.map(lambda p: p.split(">")[0] == p.split(">")[1])].value, 1.0)
    assert within.value.between(0, 1 + 1e-9).all()
    previous = df[df.metric == "CKA_previous"]
    assert set(previous.epoch) == {2} and previous.value.between(0, 1 + 1e-9).all()  # epoch 0 has none
    fig = load_study("cka_similarity").FIGURES["cka_across_epochs"](df)
    shown = np.sort(fig.axes[0].collections[0].get_array().compressed())
    np.testing.assert_allclose(shown, np.sort(previous.value.to_numpy()))


@pytest.mark.slow
def test_ground_truth_estimates_are_drawn_against_the_truth(results):
    root, _ = results
    df = study_table(root, "mi_ground_truth")
    assert set(df.estimator) == {"DSMI_median", "KSG_Ross"} and set(df.part) == {
        "separation", "dimension", "sample_size"}
    fig = load_study("mi_ground_truth").FIGURES["mi_ground_truth_estimates"](df)
    sweep = df[df.part == "separation"]
    xs = [tuple(line.get_xdata()) for line in fig.axes[0].lines if len(line.get_xdata()) == 2]
    assert tuple(sorted(sweep.truth.unique())) in xs


@pytest.mark.slow
def test_phate_maps_show_every_point_by_label(results):
    root, _ = results
    df = study_table(root, "phate_trajectory")
    assert sorted(df.epoch.unique()) == [0, 2] and (df.groupby("epoch").size() == 80).all()
    fig = load_study("phate_trajectory").FIGURES["phate_trajectory"](df)
    first = df[df.epoch == 0]
    scatter = fig.axes[0].collections[0]
    np.testing.assert_allclose(scatter.get_offsets(), first[["phate1", "phate2"]].to_numpy())
    np.testing.assert_array_equal(scatter.get_array(), first.label.to_numpy())

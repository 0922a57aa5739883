"""Layer-wise pipeline: hooked layers and decoders, the experiment's layer-wise
selection, `repscope layers` on a tiny trained run, and studies S4-S7 drawn from it."""
import numpy as np
import pandas as pd
import pytest
import torch

from repscope.cli import main
from repscope.config import compose, validate
from repscope.io import load_embeddings, save_npz
from repscope.layerwise import layerwise_selection
from repscope.layerwise.compute import nc1_rows
from repscope.layout import Layout, RunFolder
from repscope.metrics.nc1 import nc1
from repscope.models import build_network, forward_layers
from repscope.models.activations import decoder_after, hooked_layers
from repscope.pipeline.plan import load_plan
from repscope.studies import load_study, study_config

RUN = "digits-mlp-supervised-s1"
TINY = ["experiment=tiny", "dataset=digits", "dataset.eval_n=60", "model=mlp", "model.widths=[16,8]",
        "train.epochs=1", "train.batch_size=256", "train.warmup_epochs=0", "train.threads=1",
        "layers.dib.n_train=100", "layers.dib.epochs=2", "layers.manifold.n_t=20",
        "layers.manifold.n_reps=1", "layers.manifold.examples_per_class=5",
        "layers.modularity.n_subsets=2", "layers.ablation.n_directions=4"]
LAYERWISE = [f"+experiment.layerwise.runs=[{RUN}]", "+experiment.layerwise.epochs=[0,1]"]


@pytest.mark.parametrize("model, extra, names", [
    ("mlp", ["model.widths=[16,8,4]"], ["layer1", "layer2", "penultimate"]),
    ("cnn", ["model.channels=[4,6]"], ["block1", "block2", "penultimate"])])
def test_decoder_after_each_layer_reproduces_the_network(model, extra, names):
    cfg = compose(["dataset=mnist1d", f"model={model}", *extra])
    net = build_network(cfg, (1, 40), 10).eval()
    assert hooked_layers(net) == names  # an MLP's last block is Z: listed once, as penultimate
    x = torch.randn(5, 1, 40, generator=torch.Generator().manual_seed(0))
    feats = forward_layers(net, x, names, flatten=False)
    with torch.no_grad():
        want = net.head(net(x))
        for name in names:
            torch.testing.assert_close(decoder_after(net, name)(feats[name]), want)
    with pytest.raises(ValueError, match="not hooked layers"):
        hooked_layers(net, ["layer9"])


def test_layerwise_selection_checks_runs_and_epochs():
    lcfg = compose([]).layers
    block = {"runs": ["a"], "epochs": [0, 4, 2]}
    assert layerwise_selection(block, 4, 2, ["a", "b"], lcfg) == (["a"], [0, 2, 4])
    assert layerwise_selection(None, 4) == ([], [])
    with pytest.raises(ValueError, match="not runs of the grid"):
        layerwise_selection({"runs": ["c"], "epochs": [0, 4]}, 4, 1, ["a"])
    with pytest.raises(ValueError, match="with a checkpoint"):
        layerwise_selection({"runs": ["a"], "epochs": [0, 3, 4]}, 4, 2)
    with pytest.raises(ValueError, match="include 0 and the final epoch"):
        layerwise_selection({"runs": ["a"], "epochs": [0, 2]}, 4, 1, lcfg=lcfg)
    with pytest.raises(ValueError, match=r"layers\.manifold\.split"):
        layerwise_selection(block, 4, 2, ["a", "b"], compose(["layers.manifold.split=val"]).layers)
    with pytest.raises(ValueError, match="non-empty 'runs'"):
        layerwise_selection({"runs": [], "epochs": [0]}, 4)
    for experiment in ("quick", "szt"):  # both measure runs of their grid layer-wise
        plan = load_plan(experiment, check_data=False)
        runs, epochs = layerwise_selection(
            plan.cfg.experiment.layerwise, plan.cfg.train.epochs, plan.cfg.train.checkpoint_every,
            [r.name for r in plan.runs], plan.cfg.layers)
        assert runs and epochs[0] == 0 and epochs[-1] == plan.cfg.train.epochs


@pytest.mark.parametrize("override, key", [("layers.measures=[NC2]", "layers.measures"),
                                           ("layers.manifold.split=val", "layers.manifold.split"),
                                           ("layers.modularity.pairs=some", "layers.modularity.pairs"),
                                           ("layers.nc1.splits=[val]", "layers.nc1.splits"),
                                           ("layers.manifold.n_t=0", "layers.manifold.n_t")])
def test_bad_layer_settings_name_the_key(override, key, tmp_path):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        main(["layers", *TINY, override, f"run_dir={tmp_path}", "epoch=0", f"out={tmp_path}/x.parquet"])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny run trained for one epoch and measured layer-wise at epochs 0 and 1."""
    root = tmp_path_factory.mktemp("results") / "tiny"
    run_dir = root / "runs" / RUN
    assert main(["train", *TINY, f"out_dir={run_dir}"]) == 0
    ids = load_embeddings(RunFolder(run_dir).embedding(1)).sample_ids
    clusters = root / "X_clusters.npz"
    save_npz(clusters, clusters=ids % 3, sample_ids=ids)
    for epoch, extra in ((0, []), (1, [f"clusters={clusters}"])):  # clusters add DSMI(T; X)
        assert main(["layers", *TINY, *extra, f"run_dir={run_dir}", f"epoch={epoch}",
                     f"out={RunFolder(run_dir).layers(epoch)}"]) == 0
    save_npz(clusters, clusters=ids[1:] % 3, sample_ids=ids[1:])
    with pytest.raises(ValueError, match="other samples than the evaluation subset"):
        main(["layers", *TINY, "layers.info_plane.split=test", f"clusters={clusters}",
              f"run_dir={run_dir}", "epoch=1",
              f"out={root}/x.parquet"])
    return root, run_dir


@pytest.mark.slow
def test_layers_command_writes_every_measure(trained):
    _, run_dir = trained
    first, last = (pd.read_parquet(RunFolder(run_dir).layers(e)) for e in (0, 1))
    per_layer = ["NC1", "DIB_sufficiency", "DIB_nuisance", "MFT_capacity", "MFT_radius",
                 "MFT_dimension", "MFT_correlation", "I_XT", "I_TY", "DSE", "DSMI_Y"]
    for df in (first, last):
        assert set(df.layer) >= {"layer1", "penultimate"}
        for layer in ("layer1", "penultimate"):
            assert set(per_layer) <= set(df[df.layer == layer].metric)
        assert df.value.notna().all()
        # every pair of layers, logits included (the modularity notebook (docs/sources.md): fc1-fc2, fc2-fc3, fc1-fc3)
        assert set(df[df.metric.str.startswith("modularity")].layer) == {
            "layer1>penultimate", "layer1>logits", "penultimate>logits"}
        # the information plane and the class manifolds come from the training split
        assert set(df[df.metric.isin(["I_XT", "I_TY", "DSE", "DSMI_Y", "MFT_capacity"])].split) == {"train"}
        assert df[df.metric == "I_XT"].value.max() > np.log2(60) + 1  # more samples than the 60 evaluated
        assert set(df[df.layer == "input"].metric) == {"NC1", "MFT_capacity", "MFT_radius",
                                                       "MFT_dimension", "MFT_correlation", "MFT_removed"}
        cka = df[df.metric.str.startswith("CKA")]
        names = ["input", "layer1", "penultimate"]
        assert sorted(cka[cka.metric == "CKA_layers"].layer) == sorted(f"{a}>{b}" for a in names for b in names)
        assert cka.value.between(0, 1 + 1e-9).all()
        df = df[~df.metric.str.startswith("CKA")]
        assert df.groupby("layer").depth.first().to_dict() == {
            "input": 0, "layer1": 1, "penultimate": 2, "layer1>penultimate": 1, "layer1>logits": 1,
            "penultimate>logits": 2}
    assert not first.metric.str.startswith("ablation").any()  # ablation: final epoch only
    assert "DSMI_X" not in set(first.metric) and "DSMI_X" in set(last.metric)
    kl = last[last.metric == "ablation_KL_neuron"]
    assert sorted(kl.groupby("layer").size().tolist()) == [8, 16]
    assert (last.metric == "ablation_KL_direction").sum() == 2 * 4
    assert (kl.value >= -1e-7).all()


def test_mlp_nonlinearity_is_a_config_choice_tanh_for_szt():
    (model,) = {run.model for run in load_plan("szt", check_data=False).runs}
    szt = compose(["experiment=szt", "dataset=mnist1d", f"model={model}"])
    assert szt.model.activation == "tanh"
    net = build_network(szt, (1, 40), 2)
    assert all(isinstance(getattr(net.encoder, b)[1], torch.nn.Tanh) for b in net.encoder.block_names)
    relu = build_network(compose(["dataset=mnist1d", "model=mlp"]), (1, 40), 10)
    assert isinstance(relu.encoder.layer1[1], torch.nn.ReLU)
    with pytest.raises(ValueError, match="model.activation"):
        validate(compose(["model=mlp", "model.activation=gelu"]))


def test_modularity_pairs_every_layer_pair_or_neighbours():
    from repscope.layerwise.compute import layer_pairs

    names = ["layer1", "layer2", "penultimate", "logits"]
    assert layer_pairs(names[:3], "all") == [("layer1", "layer2"), ("layer1", "penultimate"),
                                             ("layer2", "penultimate")]
    assert len(layer_pairs(names, "all")) == 6
    assert layer_pairs(names, "consecutive") == list(zip(names[:-1], names[1:]))
    lcfg = compose([]).layers
    from repscope.layerwise.job import _at_most

    assert (_at_most(None, 50), _at_most(80, 50), _at_most(20, 50)) == (None, None, 20)  # at most the split
    assert (lcfg.modularity.pairs, lcfg.modularity.logits) == ("all", True)
    assert lcfg.manifold.split == lcfg.info_plane.split == "train"


@pytest.mark.slow
def test_test_split_options_measure_the_evaluation_subset(trained, tmp_path):
    _, run_dir = trained
    out = tmp_path / "e1.parquet"
    assert main(["layers", *TINY, "layers.measures=[MFT,info_plane,modularity]",
                 "layers.manifold.split=test", "layers.info_plane.split=test",
                 "layers.modularity.pairs=consecutive", "layers.modularity.logits=false",
                 f"run_dir={run_dir}", "epoch=1", f"out={out}"]) == 0
    df = pd.read_parquet(out)
    assert set(df[df.metric.isin(["I_XT", "MFT_capacity"])].split) == {"test"}
    assert df[df.metric == "I_XT"].value.max() <= np.log2(60) + 1e-9
    assert set(df[df.metric.str.startswith("modularity")].layer) == {"layer1>penultimate"}


@pytest.mark.slow
def test_pipeline_nc1_streams_batches_like_the_in_memory_formula(trained):
    from repscope.training.context import RunContext

    cfg = validate(compose([*TINY, "train.eval_batch_size=7"]))
    ctx = RunContext.build(cfg)
    names = hooked_layers(ctx.net)
    rows = nc1_rows(ctx, names, {n: i for i, n in enumerate(names)}, cfg.layers.nc1)
    feats = ctx.activations(ctx.dataset.x_test, names)
    for n in names:
        got = [r["value"] for r in rows if r["layer"] == n and r["split"] == "test"]
        assert got == [pytest.approx(nc1(feats[n], ctx.dataset.y_test.numpy()), rel=1e-6)]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["collapse_and_decodability", "information_plane", "manifold_geometry", "modularity_ablation", "layer_dynamics"])
def test_layerwise_studies_and_figures(trained, name, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    root, _ = trained
    cfg = study_config(name, [*TINY, *LAYERWISE], results_dir=root)
    module = load_study(name)
    assert module.needs(cfg.study) == [Layout(root).run(RUN).layers(e) for e in (0, 1)]
    df = module.run(cfg)
    assert set(df.epoch) == {0, 1} and set(df.run) == {RUN}
    for figname, draw in module.FIGURES.items():
        fig = draw(df)
        fig.savefig(tmp_path / f"{figname}.png")
        assert fig.axes
    if name == "modularity_ablation":  # the output-entropy change is drawn below the KL curve, sorted
        fig = module.FIGURES["ablation_curves"](df)
        last = df[(df.epoch == 1) & (df.layer == "layer1")]
        for ax, metric in zip(fig.axes[:: len(fig.axes) // 2], ("KL", "dH")):
            want = np.sort(last[last.metric == f"ablation_{metric}_neuron"].value.to_numpy())[::-1]
            got = ax.lines[0].get_ydata()
            np.testing.assert_allclose(got, np.maximum(want, 1e-12) if metric == "KL" else want)
    with pytest.raises(ValueError, match="no experiment.layerwise block"):
        module.run(study_config(name, TINY, results_dir=root))


def test_layer_dynamics_draws_each_layer_averaged_over_seeds(tmp_path):
    """Two seeds of one configuration: each panel (DSE, DSMI(T; Y), DSMI(T; X)) has one line
    per layer through the epochs, at the mean of the seeds; other t and metrics are left out."""
    import matplotlib

    matplotlib.use("Agg")
    runs = ["digits-mlp-supervised-s1", "digits-mlp-supervised-s2"]
    rng = np.random.default_rng(0)
    for run in runs:
        for epoch in (0, 1):
            rows = [dict(layer=layer, depth=depth, metric=metric, split="train", unit=np.nan, t=t,
                         value=rng.uniform(0, 3))
                    for depth, layer in enumerate(["layer1", "penultimate"], 1)
                    for metric in ("DSE", "DSMI_Y", "DSMI_X", "I_XT") for t in (1.0, 2.0)]
            path = RunFolder(tmp_path / "runs" / run).layers(epoch)
            path.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(rows).to_parquet(path)
    overrides = [*TINY, f"+experiment.layerwise.runs=[{','.join(runs)}]", "+experiment.layerwise.epochs=[0,1]"]
    module = load_study("layer_dynamics")
    df = module.run(study_config("layer_dynamics", overrides, results_dir=tmp_path))
    assert set(df.metric) == {"DSE", "DSMI_Y", "DSMI_X"} and set(df.t) == {1.0}
    assert set(df.config) == {"digits-mlp-supervised"} and set(df.seed) == {1, 2}
    fig = module.FIGURES["layer_dse_dsmi_vs_epoch"](df)
    assert [ax.get_title() for ax in fig.axes] == [
        "measure = DSE(T)", "measure = DSMI(T; Y)", "measure = DSMI(T; X)"]
    for ax, metric in zip(fig.axes, ("DSE", "DSMI_Y", "DSMI_X")):
        mean = df[df.metric == metric].groupby(["layer", "epoch"]).value.mean().unstack("epoch")
        got = sorted(tuple(np.round(line.get_ydata(), 9)) for line in ax.lines if len(line.get_xdata()))
        assert got == sorted(tuple(np.round(v, 9)) for v in mean.to_numpy())
    with pytest.raises(ValueError, match="study.t=5"):
        module.run(study_config("layer_dynamics", [*overrides, "study.t=5"], results_dir=tmp_path))


@pytest.mark.slow
def test_a_measure_registered_once_is_measured_by_both_jobs(trained, tmp_path, monkeypatch):
    """metrics.custom registers NORM once: the per-checkpoint job measures it on every cached
    layer of the embedding, the layer-wise job on every hooked layer of the checkpoint (beside
    a built-in per-embedding measure and one of the network), with the same value where both
    see the same activations."""
    from repscope.metrics import effective_rank

    (tmp_path / "my_norms.py").write_text(
        "import numpy as np\n\n"
        "def mean_norm(Z, labels, x_clusters):\n"
        "    return float(np.linalg.norm(Z, axis=1).mean())\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    _, run_dir = trained
    custom = ['+metrics.custom.NORM="my_norms:mean_norm"']
    emb = load_embeddings(RunFolder(run_dir).embedding(1))
    clusters = tmp_path / "X_clusters.npz"
    save_npz(clusters, clusters=emb.sample_ids % 3, sample_ids=emb.sample_ids)
    out = tmp_path / "layers.parquet"
    assert main(["layers", *TINY, *custom, "layers.measures=[NORM,RankMe,CKA]", f"clusters={clusters}",
                 f"run_dir={run_dir}", "epoch=1", f"out={out}"]) == 0
    df = pd.read_parquet(out)
    assert set(df.metric) == {"NORM", "RankMe", "CKA_layers"}
    norm = df[df.metric == "NORM"].set_index("layer").value
    assert set(norm.index) == {"layer1", "penultimate"}
    z = emb.layers["penultimate"]
    assert norm["penultimate"] == pytest.approx(np.linalg.norm(z, axis=1).mean(), rel=1e-6)
    rankme = df[(df.metric == "RankMe") & (df.layer == "penultimate")].value.item()
    assert rankme == pytest.approx(effective_rank(z), rel=1e-6)
    measured = tmp_path / "metrics.parquet"
    folder = RunFolder(run_dir)
    assert main(["measure", *TINY, *custom, "metrics.measures=[NORM]", f"embeddings={folder.embedding(1)}",
                 f"kept={tmp_path / 'kept'}", f"spectra={tmp_path / 'spectra'}", f"clusters={clusters}",
                 f"out={measured}"]) == 0
    rows = pd.read_parquet(measured).set_index("layer").value
    assert set(rows.index) == set(emb.layers) and rows["penultimate"] == norm["penultimate"]
    with pytest.raises(ValueError, match=r"layers\.measures: unknown measure\(s\) \['accuracy'\]"):
        main(["layers", *TINY, "layers.measures=[accuracy]", f"run_dir={run_dir}", "epoch=1", f"out={out}"])

"""The tidy table, the correlations with accuracy and the S1 figures, on
small synthetic tables."""
import matplotlib
import numpy as np
import pandas as pd
import pytest

from repscope.figures.training import measure_vs_accuracy, measure_vs_epoch
from repscope.io import save_figure
from repscope.pipeline.aggregate import correlations, tidy, with_accuracy
from repscope.pipeline.plan import Run

matplotlib.use("Agg")

RUNS = [Run(d, m, k, s) for d in ("mnist1d", "digits") for m in ("mlp", "cnn")
        for k in ("supervised", "random_label") for s in (1, 2)]


def _epoch_table(run: Run, epoch: int) -> pd.DataFrame:
    """DSE = 2 * accuracy + 1 exactly; CSE constant; accuracy rises with epoch."""
    acc = 0.1 + 0.04 * epoch + 0.01 * run.seed + (0.2 if run.method == "supervised" else 0.0)
    return pd.DataFrame({"layer": ["penultimate"] * 4, "metric": ["DSE", "DSE", "CSE", "accuracy"],
                         "t": [1.0, 2.0, np.nan, np.nan], "value": [2 * acc + 1, acc ** 2, 6.6, acc]})


@pytest.fixture
def table():
    return tidy([(r, pd.concat([_epoch_table(r, e).assign(epoch=e) for e in range(4)])) for r in RUNS])


def test_tidy_table_columns_and_rows(table):
    assert list(table.columns) == ["run", "dataset", "model", "method", "seed", "epoch", "layer",
                                   "metric", "t", "value", "stderr"]
    assert table.stderr.isna().all()  # these per-epoch tables do not say
    assert len(table) == len(RUNS) * 4 * 4
    row = table[(table.run == "digits-cnn-random_label-s2") & (table.epoch == 3) & (table.metric == "accuracy")]
    assert row.value.item() == pytest.approx(0.1 + 0.12 + 0.02)
    assert (row.dataset.item(), row.model.item(), row.method.item(), row.seed.item()) == \
        ("digits", "cnn", "random_label", 2)


def test_with_accuracy_pairs_each_measure_with_its_checkpoint(table):
    data = with_accuracy(table)
    assert "accuracy" not in set(data.metric)
    dse = data[(data.metric == "DSE") & (data.t == 1.0)]
    np.testing.assert_allclose(dse.value, 2 * dse.accuracy + 1)


def test_correlations(table):
    corr = correlations(table)
    per_run = corr[(corr.model == "mlp") & (corr.method == "supervised") & (corr.dataset == "digits")]
    dse1 = per_run[(per_run.metric == "DSE") & (per_run.t == 1.0)].iloc[0]
    assert dse1.n == 8 and dse1.pearson == pytest.approx(1.0) and dse1.spearman == pytest.approx(1.0)
    dse2 = per_run[(per_run.metric == "DSE") & (per_run.t == 2.0)].iloc[0]
    assert dse2.spearman == pytest.approx(1.0) and dse2.pearson < 1.0  # monotone, not linear
    acc = np.array([0.1 + 0.04 * e + 0.01 * s + 0.2 for s in (1, 2) for e in range(4)])
    assert dse2.pearson == pytest.approx(np.corrcoef(acc, acc ** 2)[0, 1])
    assert np.isnan(per_run[per_run.metric == "CSE"].pearson.item())  # constant: undefined
    pooled = corr[(corr.model == "all") & (corr.method == "all")]
    assert sorted(pooled.dataset.unique()) == ["digits", "mnist1d"]
    assert pooled[(pooled.metric == "DSE") & (pooled.t == 1.0)].n.tolist() == [32, 32]


def test_epoch_figure_facets(table, tmp_path):
    fig = measure_vs_epoch(table, "DSE", 1.0)
    assert len(fig.axes) == 4  # 2 models x 2 datasets
    save_figure(fig, tmp_path / "epoch_DSE_t1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_DSE_t1.pdf", "epoch_DSE_t1.png"]
    assert (tmp_path / "epoch_DSE_t1.png").read_bytes()[:4] == b"\x89PNG"


def test_accuracy_figure_rows_are_model_groups(table):
    fig = measure_vs_accuracy(table, "CSE", model_groups={"all models": ["mlp", "cnn"]})
    assert len(fig.axes) == 2  # 1 group x 2 datasets
    assert len(measure_vs_accuracy(table, "DSE", 2.0).axes) == 4


def test_figure_of_a_missing_measure_is_refused(table):
    with pytest.raises(ValueError, match="no rows for metric='DSMI_Y'"):
        measure_vs_epoch(table, "DSMI_Y", 1.0)


def _with_stderr(table, scale):
    """The table with an SLQ standard error of ``scale`` bits on DSE at t = 1, 0 elsewhere."""
    return table.assign(stderr=np.where((table.metric == "DSE") & (table.t == 1.0), scale, 0.0))


def _bars(fig) -> int:
    from matplotlib.collections import LineCollection

    return sum(isinstance(c, LineCollection) for ax in fig.axes for c in ax.collections)


def test_tidy_keeps_the_standard_error_column():
    parts = [(r, _epoch_table(r, 0).assign(epoch=0, stderr=[0.01, 0.0, 0.0, 0.0])) for r in RUNS[:2]]
    table = tidy(parts)
    assert table.stderr.tolist() == [0.01, 0.0, 0.0, 0.0] * 2


@pytest.mark.parametrize("draw", [measure_vs_epoch, measure_vs_accuracy])
def test_figures_show_the_slq_standard_error_where_it_is_not_negligible(table, draw):
    """Bars on every panel when the standard error is 5 % of the panel's range;
    none when it is 1e-6 of it, nor for an exact measure."""
    big = draw(_with_stderr(table, 0.05), "DSE", 1.0)
    assert _bars(big) >= 4 and "SLQ standard error" in big._suptitle.get_text()
    small = draw(_with_stderr(table, 1e-7), "DSE", 1.0)
    assert _bars(small) == 0 and "SLQ" not in small._suptitle.get_text()
    assert _bars(draw(_with_stderr(table, 0.05), "CSE")) == 0


def test_the_bars_of_the_epoch_figure_are_the_standard_error_of_the_seed_mean(table):
    from repscope.figures.training import _seed_means

    means = _seed_means(_with_stderr(table, 0.03).query("metric == 'DSE' and t == 1.0"))
    assert np.allclose(means.stderr, np.sqrt(2 * 0.03**2) / 2)  # two seeds

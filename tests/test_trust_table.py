"""The README's "which MI estimator to trust where" table, rendered from a small synthetic
ground-truth frame whose biases and spreads are known by construction."""
import numpy as np
import pandas as pd
import pytest

from repscope.cli import main
from repscope.studies.trust_table import BEGIN, END, markdown, regimes, summary


def _frame() -> pd.DataFrame:
    """Estimator `good`: truth + 0.02 + (−0.01, +0.01) over the two repetitions; `lost`: truth
    − 0.5 at D = 512 and in the spiral, + 0.25 elsewhere, +-0.05 over repetitions."""
    rows = []
    cells = ([("dimension", 2.0, "linear", d, 400) for d in (2, 32, 512)]
             + [("sample_size", 2.0, "linear", 32, n) for n in (100, 400, 1000)]
             + [("separation", s, k, 32, 400) for s in (0.0, 1.0, 3.0) for k in ("linear", "spiral")])
    for part, sep, kind, dim, n in cells:
        truth = 2 * sep / (1 + sep)
        for rep, sign in enumerate((-1, 1)):
            off = -0.5 if dim == 512 or kind == "spiral" else 0.25
            for name, value in (("good", truth + 0.02 + 0.01 * sign), ("lost", truth + off + 0.05 * sign)):
                rows.append(dict(part=part, separation=sep, transform=kind, dim=dim, n_points=n,
                                 rep=rep, truth=truth, truth_se=0.002, estimator=name, value=value,
                                 error=value - truth, seconds=0.1))
    return pd.DataFrame(rows)


def test_regimes_cut_the_sweeps():
    r = regimes(_frame())
    dims = r[r.part == "dimension"].groupby("dim").regime.first().to_dict()
    assert dims == {2: "low dimension", 32: "middle dimension", 512: "high dimension"}
    sizes = r[r.part == "sample_size"].groupby("n_points").regime.first().to_dict()
    assert sizes == {100: "small N", 1000: "large N"}  # the middle N is left out
    assert set(r[r.part == "separation"].regime) == {"transform linear", "transform spiral"}


def test_summary_gives_bias_spread_and_rating_of_each_regime():
    s = summary(_frame()).set_index(["regime", "estimator"])
    sd = np.std([-1.0, 1.0], ddof=1)
    good = s.xs("good", level="estimator")
    np.testing.assert_allclose(good.bias, 0.02, atol=1e-12)
    np.testing.assert_allclose(good.spread, 0.01 * sd, atol=1e-12)
    assert set(good.rating) == {"good"}
    lost = s.xs("lost", level="estimator")
    assert lost.loc["high dimension", "bias"] == pytest.approx(-0.5)
    assert lost.loc["high dimension", "spread"] == pytest.approx(0.05 * sd)
    assert lost.loc["high dimension", "rating"] == "poor" and lost.loc["small N", "rating"] == "fair"
    # relative bias leaves out the cells of truth 0: -0.5 over the mean of the other truths
    truths = [2 * x / (1 + x) for x in (1.0, 3.0)]
    assert lost.loc["transform spiral", "relative_bias"] == pytest.approx(-0.5 / np.mean(truths))
    assert lost.loc["transform linear", "cells"] == 3
    assert list(dict.fromkeys(s.reset_index().regime)) == [
        "low dimension", "middle dimension", "high dimension", "small N", "large N",
        "transform linear", "transform spiral"]


def test_markdown_table_and_sentences():
    text = markdown(_frame())
    row = next(line for line in text.splitlines() if line.startswith("| high dimension |"))
    sd = np.std([-1.0, 1.0], ddof=1)
    assert row.split(" | ")[1] == "D = 512, N = 400, true MI 1.33 bits"
    assert row.split(" | ")[2:] == [f"+0.02 ± {0.01 * sd:.2f} good", f"-0.50 ± {0.05 * sd:.2f} poor |"]
    assert "- `good`: good in low dimension, middle dimension, high dimension, small N, large N, " \
           "transform linear, transform spiral; largest bias +0.02 bits" in text
    assert "- `lost`: good in no regime; largest bias -0.50 bits (high dimension, -38 % of the truth)" in text


def test_command_replaces_only_the_block(tmp_path):
    (tmp_path / "res" / "studies").mkdir(parents=True)
    _frame().to_parquet(tmp_path / "res" / "studies" / "mi_ground_truth.parquet")
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n{BEGIN}\nold table\n{END}\nafter\n")
    args = ["trust-table", "experiment=ground_truth", f"results={tmp_path / 'res'}", f"out={readme}"]
    assert main(args) == 0
    text = readme.read_text()
    assert text.startswith("# title\n\nbefore\n" + BEGIN) and text.endswith(END + "\nafter\n")
    assert "old table" not in text and "| transform spiral |" in text
    assert "From `results/ground_truth/studies/mi_ground_truth.parquet` (24 data sets, 2 estimators)" in text
    main(args)
    assert readme.read_text() == text  # regenerating changes nothing

    readme.write_text("no markers\n")
    with pytest.raises(ValueError, match="out=.*no block"):
        main(args)
    assert readme.read_text() == "no markers\n"
    with pytest.raises(ValueError, match="lacks column"):
        markdown(_frame().drop(columns="truth"))

"""benchmarks/compare_results.py on tiny synthetic results folders: equal results pass
whatever their timings, dates and logs; every kind of changed result is reported."""
import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "compare_results.py"
spec = importlib.util.spec_from_file_location("compare_results", SCRIPT)
compare_results = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_results)


def _results(root: Path, seconds: float, stamp: str) -> Path:
    """A results folder: a table with a timing column, a csv, a figure (png + pdf), an
    embedding-like npz with its digests, a config, a log and a benchmark file."""
    (root / "studies").mkdir(parents=True)
    (root / "figures").mkdir()
    (root / "runs" / "r" / "embeddings").mkdir(parents=True)
    (root / "logs").mkdir()
    pd.DataFrame({"n": [1, 2, 3], "value": [0.5, np.nan, 1.25], "name": ["a", "b", None],
                  "seconds": [seconds] * 3}).to_parquet(root / "studies" / "intrinsic_dimension.parquet")
    pd.DataFrame({"epoch": [1, 2], "loss": [0.3, 0.2], "embed_seconds": [seconds, seconds]}).to_csv(
        root / "runs" / "r" / "train_log.csv", index=False)
    pixels = np.zeros((20, 30, 3), np.uint8)
    pixels[5:10, 5:25] = 200
    Image.fromarray(pixels).save(root / "figures" / "entropy_curve.png")
    (root / "figures" / "entropy_curve.pdf").write_text(f"%PDF created {stamp}")
    np.savez(root / "runs" / "r" / "embeddings" / "epoch_1.npz", Z_0=np.arange(6.0).reshape(3, 2),
             layers=np.array(["penultimate"]), config_digest=np.array(stamp), checksum=np.array(stamp))
    (root / "runs" / "r" / "config.yaml").write_text("seed: 1\ntrain:\n  lr: 0.1\n")
    (root / "logs" / "study.log").write_text(f"{stamp} done\n")
    return root


@pytest.fixture
def pair(tmp_path):
    return (_results(tmp_path / "before", 0.25, "2026-01-01"),
            _results(tmp_path / "after", 9.5, "2026-11-30"))


def test_equal_results_pass_whatever_their_timings_dates_and_logs(pair, capsys):
    assert compare_results.main([str(p) for p in pair]) == 0
    out = capsys.readouterr().out
    assert "compared: 2 tables, 1 figures, 1 arrays, 1 configs, 2 present only" in out
    assert out.strip().endswith("identical")


def test_a_changed_value_pixel_array_or_setting_is_reported(pair, capsys):
    before, after = pair
    table = pd.read_parquet(after / "studies" / "intrinsic_dimension.parquet")
    table.loc[2, "value"] += 1e-12
    table.to_parquet(after / "studies" / "intrinsic_dimension.parquet")
    with Image.open(after / "figures" / "entropy_curve.png") as img:
        pixels = np.asarray(img).copy()
    pixels[0, 0] = 1
    Image.fromarray(pixels).save(after / "figures" / "entropy_curve.png")
    np.savez(after / "runs" / "r" / "embeddings" / "epoch_1.npz", Z_0=np.arange(6.0).reshape(3, 2) * 2,
             layers=np.array(["penultimate"]), config_digest=np.array("x"), checksum=np.array("x"))
    (after / "runs" / "r" / "config.yaml").write_text("seed: 2\ntrain:\n  lr: 0.1\npaths:\n  results: r\n")
    assert compare_results.main([str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert "studies/intrinsic_dimension.parquet: column 'value': 1 of 3 rows differ, max |difference| 1e-12" in out
    assert "figures/entropy_curve.png: 1 of 600 pixels differ" in out
    assert "runs/r/embeddings/epoch_1.npz: array 'Z_0': 5 of 6 values differ, max |difference| 5" in out
    assert "runs/r/config.yaml: paths.results: '<absent>' -> 'r'" in out
    assert "runs/r/config.yaml: seed: 1 -> 2" in out
    assert "5 difference(s)" in out
    compare_results.main([str(before), str(after), "--ignore-key", "paths"])
    assert "paths.results" not in capsys.readouterr().out


def test_missing_extra_and_renamed_files(pair, capsys):
    before, after = pair
    (after / "figures" / "entropy_curve.png").rename(after / "figures" / "blob_curve.png")
    (after / "logs" / "extra.log").write_text("")
    assert compare_results.main([str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert f"figures/entropy_curve.png: only in {before}" in out
    assert f"figures/blob_curve.png: only in {after}" in out and f"logs/extra.log: only in {after}" in out
    (after / "logs" / "extra.log").unlink()
    assert compare_results.main([str(before), str(after), "--rename", "entropy_curve=blob_curve"]) == 1
    assert "figures/entropy_curve.pdf: only in" in capsys.readouterr().out  # the pdf was not renamed
    (after / "figures" / "entropy_curve.pdf").rename(after / "figures" / "blob_curve.pdf")
    assert compare_results.main([str(before), str(after), "--rename", "entropy_curve=blob_curve"]) == 0


def test_changed_columns_rows_and_a_missing_folder(pair, tmp_path, capsys):
    before, after = pair
    shutil.copyfile(after / "studies" / "intrinsic_dimension.parquet", after / "studies" / "label_corruption.parquet")
    shutil.copyfile(before / "studies" / "intrinsic_dimension.parquet", before / "studies" / "label_corruption.parquet")
    pd.DataFrame({"n": [1, 2, 3], "value": [0.5, 1.0, 1.25]}).to_parquet(after / "studies" / "intrinsic_dimension.parquet")
    pd.read_parquet(after / "studies" / "label_corruption.parquet").head(2).to_parquet(after / "studies" / "label_corruption.parquet")
    assert compare_results.main([str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert "studies/intrinsic_dimension.parquet: columns ['n', 'value', 'name', 'seconds'] -> ['n', 'value']" in out
    assert "studies/label_corruption.parquet: 3 rows -> 2 rows" in out
    with pytest.raises(ValueError, match="is not a folder"):
        compare_results.compare(before, tmp_path / "nowhere")
    with pytest.raises(SystemExit):
        compare_results.main([str(before), str(after), "--rename", "intrinsic_dimension"])

"""The benchmark scripts still run (tiny sizes, CPU): they are how the
README's speed tables are made, so they must not rot between GPU sessions."""
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script, *args) -> str:
    return subprocess.run([sys.executable, str(BENCH / script), *args], check=True, capture_output=True,
                          text=True).stdout


def test_measures_benchmark_prints_a_row_per_measurement():
    out = _run("measures.py", "--sizes", "300", "--dsmi", "400", "--large", "0", "--layer", "500", "--dim", "8")
    rows = [line for line in out.splitlines() if line.startswith(("| 300 |", "| 400 |"))]
    assert len(rows) == 4  # float64, float32 DSE; float64, float32 DSMI
    assert all(float(r.split("|")[6]) < 1e-4 for r in rows)  # |difference| to the reference in bits
    layer = [line for line in out.splitlines() if line.startswith("| 500 | one layer's pipeline measures")]
    assert len(layer) == 2 and all(float(r.split("|")[4]) > 0 for r in layer)  # float64, float32 seconds


@pytest.mark.slow
def test_gpu_benchmark_runs_on_the_cpu():
    out = _run("gpu.py", "--device", "cpu", "--sizes", "300", "--large", "1200", "--dim", "8",
               "--models", "resnet18", "--batch", "2", "--image", "32", "--steps", "1")
    assert "| 1200 | SLQ float32, cpu |" in out and "images/s" in out

"""Issue #13, item 4: conf/ comes from the project being run — the
Snakefile's folder or the working directory — never silently from the
installed package; where it comes from is printed by every command."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from repscope import config

REPO = Path(__file__).resolve().parents[1]
PROBE = "from repscope.config import compose; print('seed', compose([]).seed)"


def _project(root: Path, seed: int) -> Path:
    """A second checkout's project folder whose conf/ differs in ``seed``."""
    shutil.copytree(REPO / "conf", root / "conf")
    text = (root / "conf" / "config.yaml").read_text().replace("seed: 1", f"seed: {seed}")
    (root / "conf" / "config.yaml").write_text(text)
    return root


def _run(args, cwd, env_conf=None):
    env = {k: v for k, v in os.environ.items() if k != config.ENV}
    env["PYTHONPATH"] = str(REPO / "src")
    if env_conf:
        env[config.ENV] = str(env_conf)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_working_directorys_project_is_used_and_printed(tmp_path):
    project = _project(tmp_path / "second", 7)
    (project / "sub").mkdir()
    proc = _run([sys.executable, "-c", PROBE], cwd=project / "sub")
    assert proc.returncode == 0, proc.stderr
    assert "seed 7" in proc.stdout
    assert f"repscope: config from {project / 'conf'} (the working directory)" in proc.stderr
    # the command line prints it first, so it is in every job log
    proc = _run([sys.executable, "-m", "repscope.cli", "embed", "out_dir=nowhere", "epoch=x"], cwd=project)
    assert proc.stderr.startswith(f"repscope: config from {project / 'conf'}"), proc.stderr


def test_no_project_is_an_error_not_the_packages_conf(tmp_path):
    proc = _run([sys.executable, "-c", PROBE], cwd=tmp_path)
    assert proc.returncode != 0
    assert "no conf/ folder" in proc.stderr and config.ENV in proc.stderr
    proc = _run([sys.executable, "-c", PROBE], cwd=tmp_path, env_conf=tmp_path)
    assert proc.returncode != 0 and "is not a conf/ folder" in proc.stderr


def test_the_environment_variable_is_used_where_set(tmp_path):
    project = _project(tmp_path / "second", 9)
    proc = _run([sys.executable, "-c", PROBE], cwd=tmp_path, env_conf=project / "conf")
    assert "seed 9" in proc.stdout and f"({config.ENV})" in proc.stderr


@pytest.mark.slow
def test_snakemake_uses_the_snakefiles_project_and_passes_it_to_its_jobs(tmp_path):
    """A Snakefile in one project, run with another working directory (and a
    REPSCOPE_CONF pointing elsewhere): the Snakefile's conf/ is used by
    Snakemake and by its jobs."""
    project = _project(tmp_path / "second", 5)
    other = _project(tmp_path / "other", 3)
    (project / "Snakefile").write_text(
        "from repscope.config import compose\n"
        "SEED = compose([]).seed\n"
        "rule all:\n"
        "    output: 'seeds.txt'\n"
        f"    shell: \"echo {{SEED}} > {{output}} && {sys.executable} -c \\\"{PROBE}\\\" >> {{output}}\"\n")
    work = tmp_path / "work"
    work.mkdir()
    proc = _run([sys.executable, "-m", "snakemake", "--snakefile", str(project / "Snakefile"), "--cores", "1",
                 "--directory", str(work)], cwd=work, env_conf=other / "conf")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (work / "seeds.txt").read_text().split() == ["5", "seed", "5"]

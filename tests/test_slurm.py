"""The SLURM profile (workflow/profiles/slurm) and the conda environment for
clusters. The slow test starts a real single-node SLURM cluster
(tests/slurm/cluster.sh: munged, slurmctld, slurmd with one fake GPU) and runs
the smoke experiment on it through the profile: a first invocation whose
training is killed mid-epoch, then a second that resumes it and finishes the
workflow. It needs root on Debian (as CI has) and skips elsewhere."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest
import yaml

from repscope.data import load_dataset
from repscope.pipeline.plan import load_plan
from repscope.training.loop import FAULT_ENV

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "workflow" / "profiles" / "slurm"
CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
EXPERIMENT = "smoke"
# Test-cluster settings: poll job states every 2 s instead of the profile's 40 s and keep
# every job's SLURM log as evidence (group jobs are sized for the node in _snakemake).
FAST = ["--slurm-init-seconds-before-status-checks", "2", "--seconds-between-status-checks", "2",
        "--slurm-keep-successful-logs", "--latency-wait", "5"]
SUBMITTED = re.compile(r"Job \S+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\.")
CONDA_TO_PYPI = {"pytorch": "torch", "pytorch-gpu": "torch"}


# --- the conda environment ----------------------------------------------------------

def _requirement(spec: str) -> tuple[str, str]:
    """('name', 'specifier') of a requirement, the name normalised as PyPI does."""
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*?)\s*", spec)
    name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
    return CONDA_TO_PYPI.get(name, name), m.group(3).replace(" ", "")


def test_environment_yaml_lists_the_pyproject_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((REPO / "environment.yaml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = [_requirement(d) for d in conda if not d.startswith(("python=", "pip"))]
    listed += [_requirement(d) for d in pip if not d.startswith("-e")]
    assert len(listed) == len(dict(listed)), f"a package is listed twice: {listed}"
    required = dict(_requirement(d) for d in project["dependencies"])
    test_extras = dict(_requirement(d) for d in project["optional-dependencies"]["test"])
    # Every dependency, with the same version bounds; beyond them only test extras
    # (which `-e .[test]` installs anyway) may be listed.
    assert {k: v for k, v in dict(listed).items() if k in required} == required
    assert {k: v for k, v in dict(listed).items() if k not in required}.items() <= test_extras.items()
    assert "-e .[test]" in pip  # the package itself, with the `repscope` command
    assert any(d.startswith("pytorch-gpu") for d in conda)  # the CUDA build, not the CPU one


# --- the profile ----------------------------------------------------------------------

def _profile() -> dict:
    return yaml.safe_load((PROFILE / "config.yaml").read_text())


def _pairs(items) -> dict:
    return dict(item.split("=", 1) for item in items)


def test_profile_groups_rules_of_the_workflow_and_keeps_group_jobs_on_one_gpu():
    prof = _profile()
    rules = set(re.findall(r"^rule (\w+):", "\n".join(
        p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk")), re.M))
    groups = _pairs(prof["groups"])
    assert set(groups) <= rules, f"profile groups unknown rules {set(groups) - rules}"
    assert set(_pairs(prof["group-components"])) <= set(groups.values())
    # Group jobs are capped per submission (local scope) at one GPU.
    assert _pairs(prof["resources"])["gpu"] == "1"
    assert _pairs(prof["set-resource-scopes"])["gpu"] == "local"
    # Killed jobs are resubmitted; their declared outputs are deleted, never kept as
    # finished (keep-incomplete would record them complete).
    assert prof["executor"] == "slurm" and prof["retries"] >= 1 and prof["rerun-incomplete"]
    assert not prof.get("keep-incomplete")
    # Works without slurmdbd: sacct would leave the workflow waiting forever.
    assert prof["slurm-status-command"] == "squeue"
    assert "slurm_extra" not in prof.get("default-resources", {})


# --- a real cluster ----------------------------------------------------------------------

def _cannot_run_a_cluster() -> str | None:
    if sys.platform != "linux" or os.geteuid() != 0:
        return "needs root on Linux to install and start munged, slurmctld and slurmd"
    if not Path("/etc/debian_version").exists():
        return "needs Debian (installs its slurmctld, slurmd, slurm-client, munge packages)"
    if not shutil.which("slurmd") and not shutil.which("apt-get"):
        return "SLURM is not installed and apt-get is unavailable"
    if SYSTEM_CONF.exists() and not SYSTEM_CONF.is_symlink():
        return f"{SYSTEM_CONF} belongs to a real SLURM installation; not starting a test cluster"
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Environment for SLURM clients of a fresh one-node cluster; stopped afterwards."""
    reason = _cannot_run_a_cluster()
    if reason:
        pytest.skip(reason)
    state = tmp_path_factory.mktemp("slurm")
    try:
        start = subprocess.run(["bash", str(CLUSTER), "start", str(state)], capture_output=True,
                               text=True, timeout=900)
        assert start.returncode == 0, start.stdout + start.stderr
        env = dict(os.environ, SLURM_CONF=str(state / "etc" / "slurm.conf"))
        node = subprocess.run(["sinfo", "-h", "-o", "%c %m"], env=env, capture_output=True,
                              text=True, check=True).stdout.split()
        yield {"env": env, "cpus": int(node[0]), "mem_mb": int(node[1])}
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop", str(state)], timeout=120)


def _snakemake(workdir, cluster, *args, targets=(), extra_env=None, timeout=600):
    """One invocation with the SLURM profile; (returncode, stdout + stderr)."""
    env = dict(cluster["env"], OMP_NUM_THREADS="1", **(extra_env or {}),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "snakemake", *targets, "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--profile", str(PROFILE), *FAST,
           "--cores", str(cluster["cpus"]), "--resources", f"mem_mb={cluster['mem_mb']}", "gpu=1",
           "--config", f"experiment={EXPERIMENT}", *args]
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"snakemake ran past {timeout} s:\n{out[-4000:]}")
    return proc.returncode, out


def _slurm_jobs(out: str) -> dict:
    """{SLURM job id: its log file} of every job the run submitted."""
    return {jobid: Path(log) for jobid, log in SUBMITTED.findall(out)}


def _jobs_in_log(log: Path) -> list[tuple[str, frozenset]]:
    """(rule, wildcards) of each Snakemake job executed inside one SLURM job."""
    jobs = []
    for block in re.split(r"\n(?=localrule )", log.read_text())[1:]:
        rule = re.match(r"localrule (\w+):", block).group(1)
        wildcards = re.search(r"^\s+wildcards: (.*)$", block.split("\n[", 1)[0], re.M)
        jobs.append((rule, frozenset(wildcards.group(1).split(", ") if wildcards else ())))
    return jobs


def _scontrol(jobid: str, env) -> str:
    return subprocess.run(["scontrol", "-d", "show", "job", jobid], env=env, capture_output=True,
                          text=True, check=True).stdout


def _state(jobid: str, env) -> str:
    return re.search(r"JobState=(\S+)", _scontrol(jobid, env)).group(1)


def _steps_per_epoch(cfg) -> int:
    """Optimiser steps in one epoch of the run's training, as the trainer counts them."""
    n = len(load_dataset(cfg.dataset).y_train)
    return n // min(cfg.train.batch_size, n)


@pytest.mark.slow
def test_smoke_experiment_runs_on_slurm_and_a_killed_training_resumes(cluster, tmp_path):
    env = cluster["env"]
    plan = load_plan(EXPERIMENT)
    (run,) = plan.runs
    run_dir = tmp_path / plan.layout.run(run.name).dir

    # 1. Training alone, SIGKILLed in the middle of its second epoch; no retries.
    steps = _steps_per_epoch(plan.cfg)
    code, first = _snakemake(tmp_path, cluster, "--retries", "0",
                             targets=[str(plan.layout.run(run.name).config)],
                             extra_env={FAULT_ENV: str(steps + steps // 2)})
    assert code != 0, first[-3000:]
    jobs1 = _slurm_jobs(first)
    (killed,) = [j for j, log in jobs1.items() if "rule_train" in str(log)]
    assert _state(killed, env) == "FAILED"
    assert not (run_dir / "config.yaml").exists()  # the declared output is gone: not finished
    assert (run_dir / "checkpoints" / "last.pt").exists()
    assert (run_dir / "checkpoints" / "epoch_1.pt").exists()
    assert not (run_dir / "checkpoints" / "epoch_2.pt").exists()

    # 2. Resubmitted, it resumes after epoch 1, and the whole workflow follows.
    code, second = _snakemake(tmp_path, cluster)
    assert code == 0, second[-3000:]
    jobs2 = _slurm_jobs(second)
    assert f"resuming {plan.layout.run(run.name).dir} after epoch 1" in (run_dir / "logs" / "train.log").read_text()
    log = (run_dir / "train_log.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in log[1:]] == ["1", "2"]

    # Every job ran inside a SLURM job: the SLURM logs (kept) name each job once,
    # SLURM reports each job COMPLETED, and nothing but `all` ran on this host.
    done = {j: lg for j, lg in {**jobs1, **jobs2}.items() if j != killed}
    assert all(_state(j, env) == "COMPLETED" for j in done)
    executed = Counter(job for lg in done.values() for job in _jobs_in_log(lg))
    of_run = {f"dataset={run.dataset}", f"model={run.model}", f"method={run.method}", f"seed={run.seed}"}
    expected = Counter([("metrics_config", frozenset()), ("inputs", frozenset({f"dataset={run.dataset}"})),
                        ("clusters", frozenset({f"dataset={run.dataset}"})),
                        ("train", frozenset(of_run)), ("measure", frozenset(of_run)), ("aggregate", frozenset()),
                        ("figures", frozenset())])
    assert executed == expected
    assert set(re.findall(r"^localrule (\w+):", first + second, re.M)) <= {"all"}
    # The small jobs were grouped: 3 + 2 jobs in 2 group jobs, plus the training and the run's measures.
    assert len(done) == 4

    # Training asked for a GPU and SLURM allocated the node's (fake) GPU to it.
    for trained in [killed] + [j for j, lg in jobs2.items() if "rule_train" in str(lg)]:
        info = _scontrol(trained, env)
        assert "TresPerJob=gres:gpu:1" in info and "JOB_GRES=gpu:fake:1" in info, info

    table = tmp_path / plan.layout.table
    assert table.stat().st_size > 0
    assert all((tmp_path / plan.layout.figure(name, "png")).exists() for name in plan.figures)

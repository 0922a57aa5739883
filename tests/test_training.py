"""Training: objectives, schedule, config validation, the run directory
contract, embed/inputs commands, and kill-and-resume reproducibility."""
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from repscope.cli import main
from repscope.config import compose, validate
from repscope.io import load_embeddings
from repscope.layout import RunFolder
from repscope.training.loop import FAULT_ENV, train
from repscope.training.objectives import nt_xent
from repscope.training.schedule import make_optimizer, warmup_cosine

SRC = Path(__file__).resolve().parents[1] / "src"
# a tiny, fast run: digits, 1-hidden-layer MLP, 4 epochs of 3 steps, 60 eval points
TINY = ["dataset=digits", "dataset.eval_n=60", "model=mlp", "model.widths=[16,8]", "model.hooks=[all]",
        "train.epochs=4", "train.batch_size=256", "train.warmup_epochs=1", "train.threads=1"]


def test_warmup_cosine_schedule():
    f = warmup_cosine(warmup_steps=4, total_steps=12, min_ratio=0.1)
    assert [f(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert f(8) == pytest.approx(0.1 + 0.9 * 0.5)
    assert f(12) == pytest.approx(0.1) and f(50) == pytest.approx(0.1)
    assert warmup_cosine(0, 10)(0) == 1.0


@pytest.mark.parametrize("name,cls,decay", [("adamw", torch.optim.AdamW, 0.01),
                                            ("adam", torch.optim.Adam, 0.01), ("sgd", torch.optim.SGD, 0.01)])
def test_optimizer_is_the_configured_one_with_its_settings(name, cls, decay):
    tc = compose(["train=quick", f"train.optimizer={name}", "train.momentum=0.8"]).train
    opt = make_optimizer([torch.nn.Parameter(torch.zeros(3))], tc)
    assert type(opt).__bases__ == (cls,) and type(opt).__name__ == cls.__name__  # torch's, less torch._dynamo
    group = opt.param_groups[0]
    assert group["lr"] == tc.lr and group["weight_decay"] == tc.weight_decay == decay
    assert group.get("momentum", 0.8) == 0.8


def _optimise(cls, kwargs, steps=6, reload_at=3):
    """Parameters and optimiser state after ``steps`` steps of a small net under a LambdaLR
    schedule, the state dict saved and loaded again half-way (as a resumed run does)."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    opt = cls(net.parameters(), **kwargs)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(2, steps))
    x, y = torch.randn(32, 5), torch.randint(0, 3, (32,))
    for i in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
        schedule.step()
        if i == reload_at:
            opt.load_state_dict({k: v for k, v in opt.state_dict().items()})
    return [p.detach().clone() for p in net.parameters()], opt.state_dict()


@pytest.mark.parametrize("name,kwargs", [("AdamW", {"lr": 1e-2, "weight_decay": 0.1}),
                                         ("Adam", {"lr": 1e-2, "weight_decay": 0.1}),
                                         ("SGD", {"lr": 1e-2, "momentum": 0.9, "weight_decay": 1e-3})])
def test_eager_optimizer_updates_bit_identical_to_torch(name, kwargs):
    from repscope.eager_optim import eager

    params, state = _optimise(eager(getattr(torch.optim, name)), kwargs)
    want_params, want_state = _optimise(getattr(torch.optim, name), kwargs)
    assert all(torch.equal(p, q) for p, q in zip(params, want_params))
    assert state["param_groups"] == want_state["param_groups"]
    assert state["state"].keys() == want_state["state"].keys()
    for key in state["state"]:
        for field, value in state["state"][key].items():
            assert torch.equal(value, want_state["state"][key][field]), (key, field)


def test_eager_optimizer_never_imports_torch_dynamo():
    code = ("import sys, torch; from repscope.eager_optim import eager; "
            "p = torch.nn.Parameter(torch.ones(3)); o = eager(torch.optim.AdamW)([p], lr=0.1); "
            "o.zero_grad(); (p ** 2).sum().backward(); o.step(); o.load_state_dict(o.state_dict()); "
            "print('torch._dynamo' in sys.modules, float(p[0]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(SRC)}).stdout.split()
    assert out[0] == "False" and float(out[1]) < 1.0  # the step was taken, without torch._dynamo


def test_nt_xent_matches_direct_formula(rng):
    p1, p2 = torch.from_numpy(rng.normal(size=(5, 3))), torch.from_numpy(rng.normal(size=(5, 3)))
    loss, acc = nt_xent(p1, p2, temperature=0.3)
    z = torch.cat([p1, p2]).numpy()
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    n, total, hits = len(z), 0.0, 0
    for i in range(n):
        pos = (i + 5) % n
        sims = {j: z[i] @ z[j] / 0.3 for j in range(n) if j != i}
        total += -sims[pos] + math.log(sum(math.exp(s) for s in sims.values()))
        hits += max(sims, key=sims.get) == pos
    assert float(loss) == pytest.approx(total / n, rel=1e-6)
    assert float(acc) == pytest.approx(hits / n)


@pytest.mark.parametrize("override,key", [
    ("train.epochs=-1", "train.epochs"), ("train.lr=0", "train.lr"), ("train.batch_size=0", "train.batch_size"),
    ("train.device=tpu", "train.device"), ("train.amp=fp8", "train.amp"),
    ("train.optimizer=lbfgs", "train.optimizer"), ("train.momentum=1.5", "train.momentum"),
    ("model.name=transformer", "model.name"), ("model.widths=[]", "model.widths"),
    ("model.init.conv_std=-1", "model.init.conv_std"), ("method.name=byol", "method.name"),
    ("method.augment.image.crop_scale=[0,1]", "method.augment.image.crop_scale"),
    ("method.augment.signal.crop_scale=[0.5,2]", "method.augment.signal.crop_scale"), ("seed=x", "seed")])
def test_bad_values_fail_before_work_naming_the_key(override, key, tmp_path):
    extra = ["method=simclr"] if override.startswith("method.augment") else []
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        validate(compose(extra + [override]))
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        main(["train", *extra, override, f"out_dir={tmp_path}/run"])
    assert not (tmp_path / "run").exists()


def test_bad_method_values_list_allowed(tmp_path):
    with pytest.raises(ValueError, match=r"\['random_label', 'simclr', 'supervised'\]"):
        validate(compose(["method.name=byol"]))
    with pytest.raises(ValueError, match="method.temperature"):
        validate(compose(["method=simclr", "method.temperature=0"]))


def _arrays(run, epoch):
    with np.load(RunFolder(run).embedding(epoch)) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("method", ["supervised", "simclr", "random_label"])
def test_train_writes_the_run_directory_contract(tmp_path, method):
    extra = ["method.probe_n=100"] if method == "simclr" else []
    cfg = validate(compose(TINY + [f"method={method}"] + extra))
    train(cfg, tmp_path)
    assert (tmp_path / "config.yaml").exists()
    log = pd.read_csv(tmp_path / "train_log.csv")
    assert list(log.columns[:5]) == ["epoch", "lr", "train_loss", "train_acc", "seconds"]
    assert log.epoch.tolist() == [1, 2, 3, 4] and np.isfinite(log.train_loss).all()
    for e in range(5):
        assert RunFolder(tmp_path).checkpoint(e).exists()
        emb = load_embeddings(RunFolder(tmp_path).embedding(e))
        assert list(emb.layers) == ["layer1", "layer2", "penultimate"]
        assert emb.layers["layer1"].shape == (60, 16) and emb.layers["penultimate"].dtype == np.float32
        np.testing.assert_array_equal(emb.layers["layer2"], emb.layers["penultimate"])
        assert emb.epoch == e and emb.labels.dtype == np.int64 and 0 <= emb.accuracy <= 1
        assert np.bincount(emb.labels).tolist() == [6] * 10  # stratified
    state = torch.load(RunFolder(tmp_path).last, weights_only=True)
    assert state["epoch"] == 4 and {"model", "optimizer", "scheduler", "rng", "log"} <= set(state)
    # weights change during training; epoch 0 is the initialisation, identical across methods
    w0 = torch.load(RunFolder(tmp_path).checkpoint(0), weights_only=True)["model"]["encoder.layer1.0.weight"]
    assert not torch.equal(w0, state["model"]["encoder.layer1.0.weight"])


def test_random_labels_are_a_seeded_permutation():
    from repscope.data import load_dataset
    from repscope.training.context import training_labels

    cfg = compose(TINY + ["method=random_label"])
    ds = load_dataset(cfg.dataset)
    y = training_labels(cfg, ds)
    assert sorted(y.tolist()) == sorted(ds.y_train.tolist()) and (y != ds.y_train).float().mean() > 0.8
    assert torch.equal(y, training_labels(cfg, ds))
    assert not torch.equal(y, training_labels(compose(TINY + ["method=random_label", "seed=2"]), ds))
    assert torch.equal(training_labels(compose(TINY), ds), ds.y_train)


def test_zero_epochs_writes_the_initialisation_and_an_empty_log(tmp_path):
    train(validate(compose(TINY + ["train.epochs=0"])), tmp_path)
    assert pd.read_csv(tmp_path / "train_log.csv").empty
    assert load_embeddings(RunFolder(tmp_path).embedding(0)).epoch == 0
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["epoch_0.pt", "last.pt"]


def test_head_accuracy_is_argmax_of_head_on_penultimate(tmp_path):
    cfg = validate(compose(TINY + ["train.epochs=2"]))
    train(cfg, tmp_path)
    emb = load_embeddings(RunFolder(tmp_path).embedding(2))
    w = torch.load(RunFolder(tmp_path).checkpoint(2), weights_only=True)["model"]
    logits = emb.layers["penultimate"] @ w["head.weight"].numpy().T + w["head.bias"].numpy()
    assert emb.accuracy == pytest.approx((logits.argmax(1) == emb.labels).mean())


def _train_subprocess(run_dir, env=None):
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "repscope.cli", "train", *TINY, "method=simclr",
                           "method.probe_n=100", f"out_dir={run_dir}"],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_killed_run_resumes_to_identical_embeddings(tmp_path):
    """SIGKILL a SimCLR run in the middle of epoch 3 (step 8 of 12), resume
    it, and compare every embedding and log row with an uninterrupted run."""
    full, killed = tmp_path / "full", tmp_path / "killed"
    train(validate(compose(TINY + ["method=simclr", "method.probe_n=100"])), full)
    proc = _train_subprocess(killed, {FAULT_ENV: "8"})
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert torch.load(RunFolder(killed).last, weights_only=True)["epoch"] == 2
    assert not RunFolder(killed).embedding(3).exists()
    proc = _train_subprocess(killed)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for e in range(5):
        a, b = _arrays(full, e), _arrays(killed, e)
        assert a.keys() == b.keys() and (str(a["run"]), str(b["run"])) == ("full", "killed")
        for k in set(a) - {"run", "checksum"}:  # the run folder's name and so the checksum differ
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"epoch {e} key {k}")
    cols = ["epoch", "lr", "train_loss", "train_acc"]
    pd.testing.assert_frame_equal(pd.read_csv(full / "train_log.csv")[cols],
                                  pd.read_csv(killed / "train_log.csv")[cols])


def test_embed_and_inputs_commands(tmp_path):
    run = tmp_path / "run"
    args = TINY + ["train.epochs=1"]
    assert main(["train", *args, f"out_dir={run}"]) == 0
    first = _arrays(run, 1)
    RunFolder(run).embedding(1).unlink()
    assert main(["embed", *args, f"out_dir={run}", "epoch=1"]) == 0
    for k, v in first.items():
        np.testing.assert_array_equal(v, _arrays(run, 1)[k])
    # deleted embeddings and log are recreated by re-running train (nothing retrained)
    RunFolder(run).embedding(0).unlink()
    log_before = (run / "train_log.csv").read_text()
    (run / "train_log.csv").unlink()
    assert main(["train", *args, f"out_dir={run}"]) == 0
    assert RunFolder(run).embedding(0).exists() and (run / "train_log.csv").read_text() == log_before
    with pytest.raises(ValueError, match=r"epoch=0,7: no checkpoint for epoch\(s\) \[7\]"):
        main(["embed", *args, f"out_dir={run}", "epoch=0,7"])
    with pytest.raises(ValueError, match="epoch must be"):
        main(["embed", *args, f"out_dir={run}", "epoch=last"])
    RunFolder(run).embedding(0).unlink()
    RunFolder(run).embedding(1).unlink()
    assert main(["embed", *args, f"out_dir={run}", "epoch=all"]) == 0
    np.testing.assert_array_equal(first["Z_2"], _arrays(run, 1)["Z_2"])
    assert RunFolder(run).embedding(0).exists()
    assert main(["inputs", *args, f"out={tmp_path / 'x.npz'}"]) == 0
    with np.load(tmp_path / "x.npz") as f:
        assert f["X"].shape == (60, 64) and np.array_equal(f["sample_ids"], first["sample_ids"])
        assert np.array_equal(f["labels"], first["labels"])


def test_timm_simclr_on_cifar10_files_in_the_paper_setting(tmp_path, rng, monkeypatch):
    """timm backbone + SimCLR with colour jitter, images resized to the model
    size: the GPU paper path, at toy size on the CPU."""
    import torchvision.datasets.cifar as cifar

    from datasets_on_disk import write_cifar10

    monkeypatch.setattr(cifar, "check_integrity", lambda *a, **k: True)
    write_cifar10(tmp_path / "data", rng)
    cfg = validate(compose(["dataset=cifar10", f"dataset.root={tmp_path / 'data'}", "dataset.eval_n=null",
                            "dataset.img_size=40",
                            "dataset.channels=3", "model=timm", "model.arch=resnet10t", "model.hooks=[all]",
                            "method=simclr", "method.probe_n=10", "train.epochs=1", "train.batch_size=8",
                            "train.threads=1"]))
    train(cfg, tmp_path / "run")
    emb = load_embeddings(RunFolder(tmp_path / "run").embedding(1))
    assert list(emb.layers)[-1] == "penultimate" and len(emb.layers) > 2 and len(emb.labels) == 4
    assert emb.layers["penultimate"].shape == (4, 512) and np.isfinite(emb.layers["penultimate"]).all()


@pytest.mark.parametrize("model", ["resnet50", "resnext50_32x4d", "convnext_nano", "vit_tiny_patch16_224",
                                   "swin_tiny_patch4_window7_224", "xcit_nano_12_p16_224"])
def test_paper_backbone_configs(model):
    import timm

    cfg = validate(compose([f"model={model}", "dataset=cifar10", "train=paper"]))
    assert cfg.model.name == "timm" and timm.is_model(cfg.model.arch) and cfg.train.lr == 1e-4
    assert compose(["train=paper", "dataset=mnist"]).train.lr == 1e-5


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_cuda_mixed_precision_channels_last(tmp_path, amp):
    cfg = validate(compose(["dataset=digits", "dataset.eval_n=60", "model=cnn", "method=simclr",
                            "method.probe_n=100", "train.epochs=1", "train.device=cuda", f"train.amp={amp}"]))
    train(cfg, tmp_path)
    emb = load_embeddings(RunFolder(tmp_path).embedding(1))
    assert emb.layers["penultimate"].dtype == np.float32 and np.isfinite(emb.layers["penultimate"]).all()


def test_resume_with_a_changed_config_is_refused_naming_the_keys(tmp_path):
    """Killed after epoch 2 (last.pt kept), then rerun with other lr and weight
    decay: refused, naming both keys, nothing changed; train.on_config_change=
    restart trains the run again from the start, equal to a fresh run."""
    run = tmp_path / "run"
    train(validate(compose(TINY + ["train.epochs=2"])), run)
    state = torch.load(RunFolder(run).last, weights_only=True)
    before = {p.name: p.stat().st_mtime_ns for p in (run / "checkpoints").iterdir()}
    changed = TINY + ["train.epochs=2", "train.lr=0.05", "train.weight_decay=0.5"]
    with pytest.raises(ValueError, match=r"train\.lr.*train\.weight_decay.*on_config_change=restart"):
        main(["train", *changed, f"out_dir={run}"])
    assert {p.name: p.stat().st_mtime_ns for p in (run / "checkpoints").iterdir()} == before
    assert "lr: 0.05" not in (run / "config.yaml").read_text()
    # keys that change no number (threads, which files are kept) resume as before
    assert main(["train", *TINY, "train.epochs=2", "train.threads=2", f"out_dir={run}"]) == 0
    assert torch.load(RunFolder(run).last, weights_only=True)["epoch"] == state["epoch"]
    assert main(["train", *changed, "train.on_config_change=restart", f"out_dir={run}"]) == 0
    fresh = tmp_path / "fresh"
    train(validate(compose(changed)), fresh)
    for e in range(3):
        restarted = _arrays(run, e)
        for k, v in _arrays(fresh, e).items():
            if k not in ("run", "config_digest", "checksum"):  # the run folders' names differ
                np.testing.assert_array_equal(v, restarted[k], err_msg=f"epoch {e} key {k}")
    assert "lr: 0.05" in (run / "config.yaml").read_text()
    with pytest.raises(ValueError, match="train.on_config_change"):
        validate(compose(TINY + ["train.on_config_change=maybe"]))


def test_a_zero_byte_last_checkpoint_names_the_file_and_the_fix(tmp_path):
    run = tmp_path / "run"
    train(validate(compose(TINY + ["train.epochs=1"])), run)
    RunFolder(run).last.write_bytes(b"")
    with pytest.raises(ValueError, match=r"last\.pt is damaged \(.*empty.*\); delete it .* from epoch 0"):
        main(["train", *TINY, "train.epochs=1", f"out_dir={run}"])
    RunFolder(run).checkpoint(1).write_bytes(b"garbage")
    RunFolder(run).embedding(1).unlink()
    (run / "checkpoints" / "epoch_1.npz").unlink(missing_ok=True)  # no export to copy: from the weights
    with pytest.raises(ValueError, match=r"epoch_1\.pt is damaged"):
        main(["embed", *TINY, "train.epochs=1", f"out_dir={run}", "epoch=1"])

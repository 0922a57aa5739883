"""The training loop. Each finished epoch writes, in this order,
``checkpoints/epoch_<e>.pt``, the epoch's verified embeddings
(``embeddings/epoch_<e>.npz``, :func:`repscope.io.save_embeddings`), ``checkpoints/last.pt`` and
``train_log.csv`` (all atomically), so a killed job resumes from its last
finished epoch and loses at most one epoch."""
from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

import torch
from omegaconf import OmegaConf
from tqdm.auto import tqdm

from ..io import load_checkpoint, save_config, save_embeddings, save_table, save_torch
from ..layout import RunFolder
from .context import RunContext, training_labels
from .embedding import embed
from .objectives import cross_entropy, simclr_loss
from .resume import check_resume, result_config
from .schedule import make_optimizer, warmup_cosine

log = logging.getLogger(__name__)

LOG_COLUMNS = ["epoch", "lr", "train_loss", "train_acc", "seconds", "embed_seconds"]

# Test-only fault injection: SIGKILL this process right after the given global
# optimiser step, to check that a killed run resumes exactly.
FAULT_ENV = "REPSCOPE_FAULT_AT_STEP"


class Trainer:
    """One run: network, optimiser (``train.optimizer``), warm-up + cosine schedule, the
    CPU generator behind shuffling and augmentation, and the log so far."""

    def __init__(self, cfg, run_dir):
        self.cfg, self.run_dir, self.folder = cfg, Path(run_dir), RunFolder(run_dir)
        self.ctx = ctx = RunContext.build(cfg)
        tc, self.simclr = cfg.train, cfg.method.name == "simclr"
        self.y_train = training_labels(cfg, ctx.dataset).to(ctx.device)
        n = len(self.y_train)
        self.batch_size = min(tc.batch_size, n)
        self.passes = cfg.dataset.passes_per_epoch  # STL-10: 10 passes per epoch, as the DSE authors
        self.steps_per_epoch = self.passes * (n // self.batch_size)
        params = [p for name, p in ctx.net.named_parameters()
                  if not (self.simclr and name.startswith("head."))]
        self.optimizer = make_optimizer(params, tc)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, warmup_cosine(
            tc.warmup_epochs * self.steps_per_epoch, tc.epochs * self.steps_per_epoch, tc.min_lr_ratio))
        self.scaler = torch.amp.GradScaler("cuda", enabled=ctx.amp == torch.float16)
        self.generator = torch.Generator().manual_seed(cfg.seed)
        aug = cfg.method.get("augment")
        self.augment = None if aug is None else OmegaConf.to_container(aug, resolve=True)
        self.epoch, self.log = 0, []
        self.fault_step = int(os.environ.get(FAULT_ENV, 0)) or None

    # -- state ---------------------------------------------------------------
    def state(self) -> dict:
        return {"model": self.ctx.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "scaler": self.scaler.state_dict(),
                "rng": {"generator": self.generator.get_state(), "torch": torch.get_rng_state(),
                        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
                "epoch": self.epoch, "log": self.log, "config": result_config(self.cfg)}

    def load_state(self, state: dict) -> None:
        self.ctx.net.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        self.generator.set_state(state["rng"]["generator"])
        torch.set_rng_state(state["rng"]["torch"])
        if state["rng"]["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
        self.epoch, self.log = state["epoch"], list(state["log"])

    # -- one epoch -------------------------------------------------------------
    def loss(self, xb, yb):
        ctx = self.ctx
        if self.simclr:
            views = torch.cat([ctx.inputs(xb, self.augment, self.generator) for _ in range(2)])
            p = ctx.net.projector(ctx.net(views))
            return simclr_loss(p[:len(xb)], p[len(xb):], self.cfg.method)
        return cross_entropy(ctx.net.head(ctx.net(ctx.inputs(xb, self.augment, self.generator))), yb)

    def train_epoch(self) -> dict:
        ctx, bs = self.ctx, self.batch_size
        ctx.net.train()
        per_pass = (len(self.y_train) // bs) * bs
        order = torch.cat([torch.randperm(len(self.y_train), generator=self.generator)[:per_pass]
                           for _ in range(self.passes)])
        start, total_loss, total_acc = time.perf_counter(), 0.0, 0.0  # device tensors after step 1
        lr = self.optimizer.param_groups[0]["lr"]
        for i in range(self.steps_per_epoch):
            idx = order[i * bs:(i + 1) * bs].to(ctx.device)
            with ctx.autocast():
                loss, acc = self.loss(ctx.dataset.x_train[idx], self.y_train[idx])
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
            lr = self.optimizer.param_groups[0]["lr"]
            self.scheduler.step()
            total_loss = total_loss + loss.detach()
            total_acc = total_acc + acc
            if self.fault_step is not None and self.scheduler.last_epoch == self.fault_step:
                os.kill(os.getpid(), signal.SIGKILL)
        self.epoch += 1
        steps = self.steps_per_epoch
        return {"epoch": self.epoch, "lr": lr, "train_loss": float(total_loss) / steps,
                "train_acc": float(total_acc) / steps, "seconds": time.perf_counter() - start}

    # -- files -----------------------------------------------------------------
    def write_embeddings(self, epoch: int) -> float:
        start = time.perf_counter()
        save_embeddings(self.run_dir, epoch, embed(self.ctx, epoch))
        return time.perf_counter() - start

    def finish_epoch(self, row=None) -> None:
        """Write the files of the epoch just finished (row=None: epoch 0)."""
        e, tc = self.epoch, self.cfg.train
        if e % tc.checkpoint_every == 0 or e == tc.epochs:
            save_torch({"model": self.ctx.net.state_dict(), "epoch": e}, self.folder.checkpoint(e))
        seconds = self.write_embeddings(e) if tc.embed else 0.0
        if row is not None:
            self.log.append({**row, "embed_seconds": seconds})
        save_torch(self.state(), self.folder.last)
        self.write_log()

    def write_log(self) -> None:
        """train_log.csv from the log kept in last.pt (header only at epoch 0)."""
        import pandas as pd

        save_table(pd.DataFrame(self.log, columns=LOG_COLUMNS), self.folder.train_log)

    def fill_missing_embeddings(self) -> None:
        """Recreate deleted embedding files from their epoch checkpoints
        (bit-identical on the CPU: same weights, same forward pass)."""
        with self.ctx.kept_weights():
            for e in range(self.cfg.train.epochs + 1):
                if not self.folder.embedding(e).exists() and self.folder.checkpoint(e).exists():
                    self.ctx.load_weights(self.run_dir, e)
                    self.write_embeddings(e)

    def run(self) -> None:
        last = self.folder.last
        state = None
        if last.exists():
            state = load_checkpoint(last, self.ctx.device, hint="delete it (or the whole run folder) to train "
                                    "this run again from epoch 0")
            if not check_resume(self.cfg, state, self.run_dir):
                log.info("config changed: %s starts over (train.on_config_change=restart)", self.run_dir)
                state = None
        save_config(self.cfg, self.folder.config)
        if state is not None:
            self.load_state(state)
            log.info("resuming %s after epoch %d", self.run_dir, self.epoch)
        else:
            self.finish_epoch()
        epochs = self.cfg.train.epochs
        with tqdm(total=epochs, initial=min(self.epoch, epochs), desc=self.run_dir.name, unit="epoch") as bar:
            while self.epoch < epochs:
                row = self.train_epoch()
                self.finish_epoch(row)
                bar.set_postfix(loss=f"{row['train_loss']:.3f}", acc=f"{row['train_acc']:.3f}")
                bar.update()
        if not (self.folder.train_log).exists():  # a workflow may have removed it
            self.write_log()
        if self.cfg.train.embed:
            self.fill_missing_embeddings()


def train(cfg, run_dir) -> None:
    """Train (or resume) the run described by ``cfg`` into ``run_dir``."""
    Trainer(cfg, run_dir).run()

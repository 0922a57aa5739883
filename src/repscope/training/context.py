"""Everything a run needs in memory, built the same way by ``train``,
``embed`` and ``layers``: device, data (inputs kept on the device), pipeline,
network, subsets; the network's weights from a checkpoint and its activations
on a set of inputs."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import torch

from ..data import Dataset, Pipeline, eval_indices, load_dataset, stratified_subset
from ..device import resolve_device
from ..io import load_checkpoint
from ..layout import RunFolder
from ..models import Network, activations, build_network, layer_names
from ..models.activations import batches


def amp_dtype(name: str, device: torch.device):
    """Autocast dtype for ``train.amp`` (None = full precision). Mixed
    precision is used on CUDA only; auto = bf16 where supported, else fp16."""
    if device.type != "cuda" or name == "none":
        return None
    if name == "auto":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return {"bf16": torch.bfloat16, "fp16": torch.float16}[name]


def training_labels(cfg, dataset: Dataset) -> torch.Tensor:
    """The labels the loss sees: true ones, or for random_label one fixed
    permutation of them drawn with ``cfg.seed``."""
    y = dataset.y_train
    if cfg.method.name == "random_label":
        y = y[torch.from_numpy(np.random.default_rng(cfg.seed).permutation(len(y)))]
    return y


@dataclass
class RunContext:
    cfg: object
    device: torch.device
    dataset: Dataset
    pipeline: Pipeline
    net: Network
    layers: list
    eval_ids: np.ndarray
    amp: object

    @classmethod
    def build(cls, cfg) -> "RunContext":
        if cfg.train.get("threads"):
            torch.set_num_threads(cfg.train.threads)
        device = torch.device(resolve_device(cfg.train.device, "train.device"))
        dataset = load_dataset(cfg.dataset)
        dataset.x_train, dataset.x_test = dataset.x_train.to(device), dataset.x_test.to(device)
        pipeline = Pipeline(cfg.dataset, dataset.x_train)
        net = build_network(cfg, pipeline.output_shape, dataset.num_classes).to(device)
        if device.type == "cuda" and len(pipeline.output_shape) == 3:
            net = net.to(memory_format=torch.channels_last)
        return cls(cfg, device, dataset, pipeline, net, layer_names(net, cfg.model.hooks),
                   eval_indices(cfg.dataset, dataset), amp_dtype(cfg.train.amp, device))

    def autocast(self):
        if self.amp is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp)

    def inputs(self, x, aug=None, generator=None) -> torch.Tensor:
        """Model-ready batch on the device (channels-last for images on CUDA)."""
        x = self.pipeline(x.to(self.device, non_blocking=True), aug, generator)
        if self.device.type == "cuda" and x.ndim == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def probe_ids(self) -> np.ndarray:
        """The fixed training subset the SimCLR probe is fitted on."""
        return stratified_subset(self.dataset.y_train.numpy(), self.cfg.method.probe_n,
                                 self.cfg.dataset.eval_seed, "method.probe_n")

    def load_weights(self, run_dir, epoch) -> None:
        """The network's weights from ``run_dir``'s checkpoint of ``epoch`` (checked: a damaged
        file raises naming it)."""
        self.net.load_state_dict(load_checkpoint(RunFolder(run_dir).checkpoint(epoch), self.device)["model"])

    @contextlib.contextmanager
    def kept_weights(self):
        """The network's current weights are restored on leaving (after
        :meth:`load_weights` of other epochs)."""
        kept = {k: v.clone() for k, v in self.net.state_dict().items()}
        try:
            yield
        finally:
            self.net.load_state_dict(kept)

    def _forward(self, flatten: bool) -> dict:
        return dict(batch_size=self.cfg.train.eval_batch_size, prepare=self.inputs, autocast=self.autocast,
                    flatten=flatten)

    def activations(self, x, names, flatten: bool = True) -> dict[str, torch.Tensor]:
        """{layer: [N, ...] float32 CPU tensor} of the un-augmented inputs ``x``, in
        eval mode, in batches of ``train.eval_batch_size``
        (:func:`repscope.models.activations.activations`)."""
        return activations(self.net, x, names, **self._forward(flatten))

    def batches(self, x, names, flatten: bool = True):
        """The same, batch by batch, on the device (for streamed measures)."""
        return batches(self.net, x, names, **self._forward(flatten))

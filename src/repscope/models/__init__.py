"""Encoders (small MLP/CNN or any timm model), the linear head, the SimCLR
projection head and initialisation; the network's layers and activations are
:mod:`repscope.models.activations`.

Z ("penultimate") is always the encoder's output; ``model.hooks`` adds other
encoder modules by name ("all" = every block the encoder lists)."""
from __future__ import annotations

import torch
from torch import nn

from ..schema.fields import check
from ..schema.groups import Model
from .activations import INPUT, PENULTIMATE, activations, forward_layers, layer_names
from .small import CNN, MLP

__all__ = ["INPUT", "PENULTIMATE", "Network", "activations", "build_encoder", "build_network",
           "forward_layers", "init_weights", "layer_names"]


class Network(nn.Module):
    """encoder -> Z; ``head`` (linear classifier) and, for SimCLR,
    ``projector`` (Linear -> ReLU -> Linear to ``method.proj_dim``) act on Z."""

    def __init__(self, encoder: nn.Module, num_classes: int, proj_dim=None):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.out_dim, num_classes)
        self.projector = None
        if proj_dim is not None:
            d = encoder.out_dim
            self.projector = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, proj_dim))

    def forward(self, x):
        return self.encoder(x)


def build_encoder(mcfg, input_shape) -> nn.Module:
    check(mcfg, Model, "model")
    if mcfg.name == "mlp":
        return MLP(int(torch.Size(input_shape).numel()), list(mcfg.widths), mcfg.activation)
    if mcfg.name == "cnn":
        return CNN(input_shape, list(mcfg.channels), mcfg.kernel_size)
    if len(input_shape) != 3:
        raise ValueError(f"model.name='timm' needs images [C, H, W]; this dataset's samples have shape "
                         f"{tuple(input_shape)} (use model=mlp or model=cnn)")
    from .backbone import timm_encoder

    return timm_encoder(mcfg, input_shape)


def init_weights(net: nn.Module, conv_std=None, linear_std=None) -> None:
    """Conv weights ~ N(0, conv_std), Linear weights ~ N(0, linear_std) (study
    S2); None keeps the default initialisation. Uses the global torch RNG, so
    call it inside the seeded fork of :func:`build_network`."""
    for module in net.modules():
        std = conv_std if isinstance(module, nn.modules.conv._ConvNd) else (
            linear_std if isinstance(module, nn.Linear) else None)
        if std is not None:
            nn.init.normal_(module.weight, 0.0, std)


def build_network(cfg, input_shape, num_classes: int) -> Network:
    """The run's network, initialised from ``cfg.seed`` without touching the
    caller's global RNG state."""
    proj_dim = cfg.method.proj_dim if cfg.method.name == "simclr" else None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        net = Network(build_encoder(cfg.model, input_shape), num_classes, proj_dim)
        init = cfg.model.get("init") or {}
        init_weights(net, init.get("conv_std"), init.get("linear_std"))
    return net

"""Encoders (small MLP/CNN or any timm model), the linear head, the SimCLR
projection head, initialisation and named layer hooks.

Z ("penultimate") is always the encoder's output; ``model.hooks`` adds other
encoder modules by name ("all" = every block the encoder lists)."""
from __future__ import annotations

import contextlib

import torch
from torch import nn

from ..schema.fields import check
from ..schema.groups import Model
from .small import CNN, MLP

PENULTIMATE = "penultimate"


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


def layer_names(net: Network, hooks) -> list[str]:
    """``model.hooks`` resolved to encoder module names ("all" expands to the
    encoder's blocks), with "penultimate" last; unknown names raise."""
    modules = dict(net.encoder.named_modules())
    names = []
    for name in hooks or []:
        for n in (net.encoder.block_names if name == "all" else [name]):
            if n != PENULTIMATE and n not in modules:
                raise ValueError(f"model.hooks: {n!r} is not a module of the encoder; blocks are "
                                 f"{net.encoder.block_names} (any name of encoder.named_modules() works)")
            if n not in names and n != PENULTIMATE:
                names.append(n)
    return names + [PENULTIMATE]


def _flat(out) -> torch.Tensor:
    """A hooked activation as [B, F] (flattened); modules that return tuples
    (some timm blocks) contribute their first element."""
    return (out[0] if isinstance(out, tuple) else out).flatten(1)


@torch.no_grad()
def forward_layers(net: Network, x: torch.Tensor, names, flatten: bool = True) -> dict[str, torch.Tensor]:
    """Activations {name: [B, F]} of the named encoder modules and Z
    ("penultimate") for one batch, via forward hooks removed afterwards
    (``flatten=False``: each module's output shape, e.g. [B, C, L] of a conv block)."""
    taps = {}
    modules = dict(net.encoder.named_modules())
    keep = _flat if flatten else (lambda out: out[0] if isinstance(out, tuple) else out)
    with contextlib.ExitStack() as stack:
        for name in names:
            if name == PENULTIMATE:
                continue
            hook = modules[name].register_forward_hook(
                lambda _m, _i, out, name=name: taps.__setitem__(name, keep(out)))
            stack.callback(hook.remove)
        taps[PENULTIMATE] = net(x)
    return {name: taps[name] for name in names}

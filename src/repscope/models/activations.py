"""What a network computes inside, for the measures: its hooked layers, the
activations of named layers on a batch (forward hooks) or on a whole set (the
batched forward pass in eval mode), and the rest of the network after a layer.
Training's embeddings and the layer-wise measures both read the network
through this module, never through the encoders' internals.

Layer names: encoder module names (``model.hooks``; "all" = the encoder's
blocks), ``PENULTIMATE`` (Z, the encoder's output) and ``INPUT`` (the
preprocessed model input, flattened like the others)."""
from __future__ import annotations

import contextlib

import torch
from torch import nn

from .small import CNN, MLP

PENULTIMATE = "penultimate"
INPUT = "input"


def layer_names(net, hooks) -> list[str]:
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


def hooked_layers(net, wanted="all") -> list[str]:
    """Every encoder block and "penultimate", in depth order (the layers the
    layer-wise measures see); an MLP's last block is Z itself, so it appears
    once, as "penultimate". ``wanted``: "all" or a list of those names."""
    names = layer_names(net, ["all"])
    if isinstance(net.encoder, MLP):
        names.remove(net.encoder.block_names[-1])
    if wanted == "all":
        return names
    missing = [n for n in wanted if n not in names]
    if missing:
        raise ValueError(f"layers.layers: {missing} are not hooked layers; they are {names}")
    return [n for n in names if n in wanted]


def layer_module(net, name: str) -> nn.Module:
    """The module whose output is layer ``name``."""
    return net.encoder if name == PENULTIMATE else dict(net.encoder.named_modules())[name]


def decoder_after(net, name: str) -> nn.Module:
    """The network after layer ``name``: the remaining blocks (and pooling) and the
    classifier head, so ``decoder_after(net, name)(layer output) == net.head(net(x))``."""
    if name == PENULTIMATE:
        return net.head
    enc = net.encoder
    if not isinstance(enc, (MLP, CNN)):
        raise ValueError(f"DIB at layer {name!r} needs an MLP or CNN encoder (to split it); "
                         f"got {type(enc).__name__}: set layers.layers: [penultimate]")
    rest = [getattr(enc, b) for b in enc.block_names[enc.block_names.index(name) + 1:]]
    pool = [enc.pool, nn.Flatten()] if isinstance(enc, CNN) else []
    return nn.Sequential(*rest, *pool, net.head)


def classifier(net) -> nn.Module:
    """The network from its input to the classifier's logits (encoder, then head)."""
    return nn.Sequential(net.encoder, net.head)


def _first(out) -> torch.Tensor:
    """A hooked module's output; modules that return tuples (some timm blocks)
    contribute their first element."""
    return out[0] if isinstance(out, tuple) else out


@torch.no_grad()
def forward_layers(net, x: torch.Tensor, names, flatten: bool = True) -> dict[str, torch.Tensor]:
    """Activations {name: [B, F]} of the named encoder modules and Z
    ("penultimate") for one batch, via forward hooks removed afterwards
    (``flatten=False``: each module's output shape, e.g. [B, C, L] of a conv block)."""
    taps = {}
    modules = dict(net.encoder.named_modules())
    keep = (lambda out: _first(out).flatten(1)) if flatten else _first
    with contextlib.ExitStack() as stack:
        for name in names:
            if name == PENULTIMATE:
                continue
            hook = modules[name].register_forward_hook(
                lambda _m, _i, out, name=name: taps.__setitem__(name, keep(out)))
            stack.callback(hook.remove)
        taps[PENULTIMATE] = net(x)
    return {name: taps[name] for name in names}


def batches(net, x, names, *, batch_size: int, prepare=lambda xb: xb, autocast=contextlib.nullcontext,
            flatten: bool = True):
    """Activations {layer: [B, ...] float32, on the network's device} of the inputs
    ``x``, batch by batch, in eval mode (the network's mode is restored after).
    ``prepare`` turns a slice of ``x`` into the model's input (device, preprocessing);
    ``autocast`` gives the forward pass's precision context; layer ``INPUT`` is the
    prepared input."""
    was_training = net.training
    net.eval()
    hooked = [n for n in names if n != INPUT]
    try:
        for start in range(0, len(x), batch_size):
            xb = prepare(x[start:start + batch_size])
            with torch.no_grad(), autocast():
                out = forward_layers(net, xb, hooked, flatten=flatten)
            if INPUT in names:
                out[INPUT] = xb.flatten(1) if flatten else xb
            yield {k: v.float() for k, v in out.items()}
    finally:
        net.train(was_training)


def activations(net, x, names, **kwargs) -> dict[str, torch.Tensor]:
    """{layer: [N, ...] float32 CPU tensor} of all of ``x`` (arguments as in
    :func:`batches`)."""
    parts = {n: [] for n in names}
    for out in batches(net, x, names, **kwargs):
        for n, v in out.items():
            parts[n].append(v.cpu())
    return {n: torch.cat(v) for n, v in parts.items()}

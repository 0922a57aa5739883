"""Small encoders defined in the package, for the CPU-sized experiments.

Each exposes ``block_names`` (the module names after each nonlinearity /
block, hookable by ``model.hooks``) and ``out_dim`` (the width of Z)."""
from __future__ import annotations

import math

from torch import nn


ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}


class MLP(nn.Module):
    """Flatten, then one ``layer<i>`` = Linear -> nonlinearity (``activation``:
    relu, or tanh as in Schwartz-Ziv & Tishby's information-plane network, whose
    compression phase is a saturation effect of tanh) per entry of ``widths``;
    the last hidden layer is the output Z."""

    def __init__(self, in_features: int, widths, activation: str = "relu"):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"model.activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}")
        self.flatten = nn.Flatten()
        self.block_names = []
        for i, width in enumerate(widths, 1):
            self.add_module(f"layer{i}", nn.Sequential(nn.Linear(in_features, width), ACTIVATIONS[activation]()))
            self.block_names.append(f"layer{i}")
            in_features = width
        self.out_dim = in_features

    def forward(self, x):
        x = self.flatten(x)
        for name in self.block_names:
            x = getattr(self, name)(x)
        return x


class CNN(nn.Module):
    """One ``block<i>`` = Conv -> BatchNorm -> ReLU (-> MaxPool 2 while the
    map is larger than 1) per entry of ``channels``, then global average
    pooling. 1-D convolutions for signals [C, L], 2-D for images [C, H, W]."""

    def __init__(self, input_shape, channels, kernel_size: int):
        super().__init__()
        in_channels, *spatial = input_shape
        conv, norm, pool = {1: (nn.Conv1d, nn.BatchNorm1d, nn.MaxPool1d),
                            2: (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d)}[len(spatial)]
        size = min(spatial)
        self.block_names = []
        for i, width in enumerate(channels, 1):
            layers = [conv(in_channels, width, kernel_size, padding=kernel_size // 2), norm(width), nn.ReLU()]
            if size > 1:
                layers.append(pool(2))
                size = math.floor(size / 2)
            self.add_module(f"block{i}", nn.Sequential(*layers))
            self.block_names.append(f"block{i}")
            in_channels = width
        self.pool = (nn.AdaptiveAvgPool1d if len(spatial) == 1 else nn.AdaptiveAvgPool2d)(1)
        self.out_dim = in_channels

    def forward(self, x):
        for name in self.block_names:
            x = getattr(self, name)(x)
        return self.pool(x).flatten(1)

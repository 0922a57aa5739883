"""Per-batch preprocessing on the data's device: float scaling, optional
augmentation, normalisation (``dataset.normalize``: fixed constants, as the DSE
authors', or the training split's own statistics), channel replication and
resizing (``dataset.channels``, ``dataset.img_size``: the paper's 3-channel
224 x 224 setting for timm backbones; ``dataset.interpolation``: bicubic as the
authors' or bilinear)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .augment import augment


def to_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 images to [0, 1]; float data unchanged (as float32)."""
    return x.float() / 255.0 if x.dtype == torch.uint8 else x.float()


def channel_stats(x: torch.Tensor, chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std of ``to_float(x)`` over all samples and
    positions, accumulated in float64 over chunks (whole datasets at once would
    not fit in memory at float precision)."""
    c = x.shape[1]
    s = torch.zeros(c, dtype=torch.float64, device=x.device)
    s2 = torch.zeros_like(s)
    for start in range(0, x.shape[0], chunk):
        part = to_float(x[start:start + chunk]).transpose(0, 1).reshape(c, -1).double()
        s += part.sum(1)
        s2 += (part * part).sum(1)
    count = x.numel() // c
    mean = s / count
    std = (s2 / count - mean * mean).clamp_min(1e-12).sqrt()
    return mean.float(), std.float()


def resize(x: torch.Tensor, size: int, mode: str = "bilinear") -> torch.Tensor:
    """Images [B, C, H, W] to size x size, signals [B, C, L] to length size.
    ``bicubic`` or ``bilinear`` (antialiased; linear for signals) for model inputs,
    ``area`` (block means when the factor is an integer) for the inputs X of DSMI(Z; X)."""
    if tuple(x.shape[2:]) == (size,) * (x.ndim - 2):
        return x
    if mode == "area":
        return F.interpolate(x, size=(size,) * (x.ndim - 2), mode="area")
    if x.ndim == 4:
        return F.interpolate(x, size=(size, size), mode=mode, antialias=True, align_corners=False)
    return F.interpolate(x, size=size, mode="linear", align_corners=False)


def _constants(normalize, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, std) from ``dataset.normalize``, one value per channel of the data."""
    if len(normalize.mean) != channels:
        raise ValueError(f"dataset.normalize must give one mean and std per channel of the data ({channels}); "
                         f"got {len(normalize.mean)}")
    return (torch.tensor(list(normalize.mean), dtype=torch.float32),
            torch.tensor(list(normalize.std), dtype=torch.float32))


class Pipeline:
    """Turns raw batches into model inputs. Built once per run from the
    training split (its channel statistics) and the dataset config."""

    def __init__(self, dcfg, x_train: torch.Tensor):
        in_channels, *spatial = x_train.shape[1:]
        if dcfg.img_size is not None and len(spatial) != 2:
            raise ValueError(f"dataset.img_size applies to images only; dataset.name={dcfg.name!r} "
                             f"has 1-D samples, so it must be null; got {dcfg.img_size!r}")
        channels = dcfg.channels if dcfg.channels is not None else in_channels
        if channels != in_channels and in_channels != 1:
            raise ValueError(f"dataset.channels can only replicate a single channel; "
                             f"{dcfg.name!r} has {in_channels}, asked for {channels}")
        self.channels = channels
        self.spatial = tuple(spatial) if dcfg.img_size is None else (dcfg.img_size,) * 2
        self.flip_ok = bool(dcfg.flip)
        self.mode = dcfg.interpolation
        mean, std = channel_stats(x_train) if dcfg.normalize is None else _constants(dcfg.normalize, in_channels)
        shape = (1, in_channels) + (1,) * len(spatial)
        self.mean, self.std = mean.view(shape), std.view(shape)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.channels, *self.spatial)

    def __call__(self, x: torch.Tensor, aug=None, generator=None) -> torch.Tensor:
        """A model-ready float batch; ``aug`` (the method's augment config)
        draws a random view with ``generator``."""
        x = to_float(x)
        if aug is not None:
            x = augment(x, aug, self.spatial, self.flip_ok, generator, self.mode)
        x = (x - self.mean.to(x.device)) / self.std.to(x.device)
        if self.channels != x.shape[1]:
            x = x.expand(-1, self.channels, *x.shape[2:])
        if x.ndim == 4:
            x = resize(x, self.spatial[0], self.mode)
        return x.contiguous()

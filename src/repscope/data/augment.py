"""Batched, seeded tensor augmentations (SimCLR views, supervised jitter).

All random numbers come from a CPU ``torch.Generator`` (saved in checkpoints),
then move to the data's device, so views are identical on CPU and GPU and a
resumed run draws the same views as an uninterrupted one. Crops are affine
grid samples, so a whole batch is cropped, flipped and resized in one op."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _uniform(generator, shape, lo, hi, device):
    return (lo + (hi - lo) * torch.rand(shape, generator=generator)).to(device)


def _crop_theta(b, spec, spatial_dims, flip, generator, device):
    """Affine matrices [B, 2, 3] of random crops (area/length fraction in
    ``spec.crop_scale``), horizontally mirrored at random when ``flip``."""
    lo, hi = spec["crop_scale"]
    theta = torch.zeros(b, 2, 3, device=device)
    if spatial_dims == 2:
        # aspect ratio log-uniform in [3/4, 4/3], narrowed to the ratios at
        # which a crop of this area fits inside the image (no rejection loop)
        area = _uniform(generator, b, lo, hi, device)
        r_lo = torch.clamp(area.log(), min=math.log(3 / 4))
        r_hi = torch.clamp(-area.log(), max=math.log(4 / 3))
        log_ratio = r_lo + (r_hi - r_lo) * _uniform(generator, b, 0.0, 1.0, device)
        w = torch.sqrt(area * log_ratio.exp()).clamp(max=1.0)
        h = torch.sqrt(area / log_ratio.exp()).clamp(max=1.0)
    else:
        w = _uniform(generator, b, lo, hi, device)
        h = torch.ones(b, device=device)
    cx = (1 - w) * _uniform(generator, b, -1.0, 1.0, device)
    cy = (1 - h) * _uniform(generator, b, -1.0, 1.0, device)
    sign = torch.ones(b, device=device)
    if flip:
        sign = torch.where(_uniform(generator, b, 0.0, 1.0, device) < 0.5, -1.0, 1.0)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = w * sign, cx, h, cy
    return theta


def random_crop(x, spec, out_size, flip, generator):
    """Random (resized) crop of a batch [B, C, L] or [B, C, H, W] to
    ``out_size`` (a tuple of the spatial sizes), optionally mirrored."""
    spatial_dims = x.ndim - 2
    img = x if spatial_dims == 2 else x[:, :, None, :]
    size = tuple(out_size) if spatial_dims == 2 else (1, *out_size)
    theta = _crop_theta(x.shape[0], spec, spatial_dims, flip, generator, x.device)
    grid = F.affine_grid(theta, (x.shape[0], x.shape[1], *size), align_corners=False)
    out = F.grid_sample(img, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return out if spatial_dims == 2 else out[:, :, 0, :]


def colour_jitter(x, spec, generator):
    """Brightness, contrast and saturation jitter (strength ``spec.jitter``,
    applied with probability ``spec.jitter_p``) and random greyscale
    (``spec.grayscale_p``) of RGB images in [0, 1]."""
    b, device = x.shape[0], x.device
    j = spec["jitter"]
    gray = lambda t: (0.299 * t[:, 0:1] + 0.587 * t[:, 1:2] + 0.114 * t[:, 2:3])  # noqa: E731
    on = (_uniform(generator, b, 0.0, 1.0, device) < spec["jitter_p"]).float().view(b, 1, 1, 1)
    factors = [1 + on * (_uniform(generator, b, -j, j, device).view(b, 1, 1, 1)) for _ in range(3)]
    x = x * factors[0]
    mean = gray(x).mean(dim=(2, 3), keepdim=True)
    x = (x - mean) * factors[1] + mean
    g = gray(x)
    x = (x - g) * factors[2] + g
    to_gray = (_uniform(generator, b, 0.0, 1.0, device) < spec["grayscale_p"]).view(b, 1, 1, 1)
    x = torch.where(to_gray, gray(x).expand_as(x), x)
    return x.clamp(0.0, 1.0)


def signal_noise(x, spec, generator):
    """Per-sample amplitude scaling by 1 ± ``spec.scale`` and additive Gaussian
    noise of std ``spec.noise`` for 1-D signals."""
    b = x.shape[0]
    amp = _uniform(generator, b, 1 - spec["scale"], 1 + spec["scale"], x.device).view(b, 1, 1)
    noise = (spec["noise"] * torch.randn(x.shape, generator=generator)).to(x.device)
    return x * amp + noise


def augment(x, spec, out_size, flip_ok, generator):
    """One random view of a float batch: images in [0, 1] use ``spec.image``
    (crop, flip where ``flip_ok``, colour jitter where RGB), signals use
    ``spec.signal`` (crop/shift, amplitude scaling, noise)."""
    if x.ndim == 4:
        spec = spec["image"]
        x = random_crop(x, spec, out_size, flip_ok and spec["flip"], generator)
        if x.shape[1] == 3 and spec["jitter"] > 0:
            x = colour_jitter(x, spec, generator)
        return x
    spec = spec["signal"]
    return signal_noise(random_crop(x, spec, out_size, False, generator), spec, generator)

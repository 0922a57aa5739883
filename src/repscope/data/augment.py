"""Batched, seeded tensor augmentations (SimCLR views, supervised jitter).

All random numbers come from a CPU ``torch.Generator`` (saved in checkpoints),
then move to the data's device, so views are identical on CPU and GPU and a
resumed run draws the same views as an uninterrupted one. Crops are affine
grid samples, so a whole batch is cropped, flipped and resized in one op.

Images follow torchvision's transforms, sample by sample, as the DSE authors
composed them: RandomResizedCrop (area fraction in ``crop_scale``, which may
exceed 1 as theirs, (0.6, 1.6): a crop that does not fit after 10 draws falls
back to the whole image), horizontal flip, ColorJitter (brightness, contrast,
saturation, hue in a random order, with probability ``jitter_p``; on greyscale
images too where ``jitter_grey``, as torchvision's ColorJitter on the authors'
single-channel MNIST views: there saturation, hue and greyscale change nothing),
RandomGrayscale (``grayscale_p``) and Gaussian blur (``blur_p``, σ uniform in
``blur_sigma`` pixels of a ``blur_size``-pixel image, scaled to the actual size)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

CROP_TRIALS = 10  # torchvision's RandomResizedCrop draws 10 times before falling back


def _uniform(generator, shape, lo, hi, device):
    return (lo + (hi - lo) * torch.rand(shape, generator=generator)).to(device)


def _crop_theta(b, spec, spatial_dims, flip, generator, device):
    """Affine matrices [B, 2, 3] of random crops (area/length fraction in
    ``spec.crop_scale``), horizontally mirrored at random when ``flip``."""
    lo, hi = spec["crop_scale"]
    theta = torch.zeros(b, 2, 3, device=device)
    if spatial_dims == 2:
        # torchvision's draw: area and log aspect ratio (3/4 .. 4/3) uniform, the first of
        # CROP_TRIALS draws that fits inside the image, else the whole image
        area = _uniform(generator, (b, CROP_TRIALS), lo, hi, device)
        ratio = _uniform(generator, (b, CROP_TRIALS), math.log(3 / 4), math.log(4 / 3), device).exp()
        w_all, h_all = torch.sqrt(area * ratio), torch.sqrt(area / ratio)
        fits = (w_all <= 1) & (h_all <= 1)
        first = fits.float().argmax(1, keepdim=True)
        found = fits.any(1)
        w = torch.where(found, w_all.gather(1, first)[:, 0], torch.ones(b, device=device))
        h = torch.where(found, h_all.gather(1, first)[:, 0], torch.ones(b, device=device))
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


def random_crop(x, spec, out_size, flip, generator, mode="bilinear"):
    """Random (resized) crop of a batch [B, C, L] or [B, C, H, W] to
    ``out_size`` (a tuple of the spatial sizes), optionally mirrored; images resampled
    ``mode`` (bicubic: clamped to [0, 1] as PIL's), signals linearly."""
    spatial_dims = x.ndim - 2
    img = x if spatial_dims == 2 else x[:, :, None, :]
    size = tuple(out_size) if spatial_dims == 2 else (1, *out_size)
    theta = _crop_theta(x.shape[0], spec, spatial_dims, flip, generator, x.device)
    grid = F.affine_grid(theta, (x.shape[0], x.shape[1], *size), align_corners=False)
    if spatial_dims == 1:
        return F.grid_sample(img, grid, mode="bilinear", padding_mode="border", align_corners=False)[:, :, 0, :]
    out = F.grid_sample(img, grid, mode=mode, padding_mode="border", align_corners=False)
    return out.clamp(0.0, 1.0) if mode == "bicubic" else out


def _gray(x):
    """Luma of RGB images [B, 3, H, W]; a single-channel image is its own."""
    if x.shape[1] == 1:
        return x
    return 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


def _blend(x, other, factor):
    """torchvision's blend: factor * x + (1 - factor) * other, clamped to [0, 1]."""
    return (factor * x + (1 - factor) * other).clamp(0.0, 1.0)


def shift_hue(x, shift):
    """RGB images [B, 3, H, W] in [0, 1] with their hue turned by ``shift`` [B]
    (fractions of a full turn), through HSV as torchvision's adjust_hue."""
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    maxc, minc = x.max(1).values, x.min(1).values
    delta = maxc - minc
    safe = torch.where(delta > 0, delta, torch.ones_like(delta))
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    h = torch.where(maxc == r, bc - gc, torch.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = torch.where(delta > 0, (h / 6.0) % 1.0, torch.zeros_like(h))
    s = torch.where(maxc > 0, delta / torch.where(maxc > 0, maxc, torch.ones_like(maxc)),
                    torch.zeros_like(maxc))
    h = (h + shift.view(-1, 1, 1)) % 1.0
    i = torch.floor(h * 6.0)
    f = h * 6.0 - i
    p, q, t = maxc * (1 - s), maxc * (1 - s * f), maxc * (1 - s * (1 - f))
    i = i.long() % 6
    v = maxc
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = torch.zeros_like(x)
    for k, rgb in enumerate(choices):
        mask = (i == k).unsqueeze(1)
        out = torch.where(mask, torch.stack(rgb, 1), out)
    return out


def colour_jitter(x, spec, generator):
    """ColorJitter of RGB (or single-channel) images in [0, 1], per sample and with
    probability ``spec.jitter_p``: brightness, contrast and saturation factors uniform in
    [1 - jitter, 1 + jitter] and a hue shift uniform in ±``spec.hue``, applied in
    a random order; then random greyscale (``spec.grayscale_p``). The same draws for
    one channel, where saturation, hue and greyscale leave the image as it is."""
    b, device = x.shape[0], x.device
    j, hue = spec["jitter"], spec["hue"]
    on = _uniform(generator, b, 0.0, 1.0, device) < spec["jitter_p"]
    view = (b, 1, 1, 1)
    factors = [_uniform(generator, b, max(0.0, 1 - j), 1 + j, device) for _ in range(3)]
    shift = _uniform(generator, b, -hue, hue, device)
    order = torch.argsort(torch.rand(b, 4, generator=generator), dim=1).to(device)
    ops = [lambda t: _blend(t, torch.zeros_like(t), factors[0].view(view)),
           lambda t: _blend(t, _gray(t).mean(dim=(1, 2, 3), keepdim=True), factors[1].view(view)),
           lambda t: _blend(t, _gray(t), factors[2].view(view)),
           lambda t: shift_hue(t, shift) if hue > 0 and t.shape[1] == 3 else t]
    for step in range(4):
        for k, op in enumerate(ops):
            apply = (on & (order[:, step] == k)).view(view)
            if bool(apply.any()):
                x = torch.where(apply, op(x), x)
    to_gray = (_uniform(generator, b, 0.0, 1.0, device) < spec["grayscale_p"]).view(view)
    return torch.where(to_gray, _gray(x).expand_as(x), x).clamp(0.0, 1.0)


def gaussian_blur(x, sigma):
    """Images [B, C, H, W] blurred with a per-sample Gaussian of std ``sigma``
    [B] pixels (separable, reflect-padded, kernel radius 3 σ)."""
    b, c, hgt, wid = x.shape
    radius = max(1, int(math.ceil(3 * float(sigma.max()))))
    radius = min(radius, hgt - 1, wid - 1) if min(hgt, wid) > 1 else 0
    if radius == 0:
        return x
    pos = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    kernel = torch.exp(-0.5 * (pos[None] / sigma[:, None].to(x.dtype)) ** 2)
    kernel = (kernel / kernel.sum(1, keepdim=True)).repeat_interleave(c, 0)  # [B*C, K]
    y = F.pad(x.reshape(1, b * c, hgt, wid), (radius, radius, radius, radius), mode="reflect")
    y = F.conv2d(y, kernel[:, None, :, None], groups=b * c)
    y = F.conv2d(y, kernel[:, None, None, :], groups=b * c)
    return y.reshape(b, c, hgt, wid)


def random_blur(x, spec, generator):
    """Gaussian blur with probability ``spec.blur_p``, σ uniform in
    ``spec.blur_sigma`` pixels at ``spec.blur_size`` pixels (scaled to x's width)."""
    b, device = x.shape[0], x.device
    lo, hi = spec["blur_sigma"]
    scale = x.shape[-1] / spec["blur_size"]
    on = (_uniform(generator, b, 0.0, 1.0, device) < spec["blur_p"]).view(b, 1, 1, 1)
    sigma = _uniform(generator, b, lo * scale, hi * scale, device)
    return torch.where(on, gaussian_blur(x, sigma), x) if bool(on.any()) else x


def signal_noise(x, spec, generator):
    """Per-sample amplitude scaling by 1 ± ``spec.scale`` and additive Gaussian
    noise of std ``spec.noise`` for 1-D signals."""
    b = x.shape[0]
    amp = _uniform(generator, b, 1 - spec["scale"], 1 + spec["scale"], x.device).view(b, 1, 1)
    noise = (spec["noise"] * torch.randn(x.shape, generator=generator)).to(x.device)
    return x * amp + noise


def augment(x, spec, out_size, flip_ok, generator, mode="bilinear"):
    """One random view of a float batch: images in [0, 1] use ``spec.image``
    (crop resampled ``mode``, flip where ``flip_ok``, colour jitter where RGB or ``jitter_grey``, blur),
    signals use ``spec.signal`` (crop/shift, amplitude scaling, noise)."""
    if x.ndim == 4:
        spec = spec["image"]
        x = random_crop(x, spec, out_size, flip_ok and spec["flip"], generator, mode)
        jitters = x.shape[1] == 3 or (x.shape[1] == 1 and spec["jitter_grey"])
        if jitters and (spec["jitter_p"] > 0 or spec["grayscale_p"] > 0):
            x = colour_jitter(x, spec, generator)
        if spec["blur_p"] > 0:
            x = random_blur(x, spec, generator)
        return x
    spec = spec["signal"]
    return signal_noise(random_crop(x, spec, out_size, False, generator), spec, generator)

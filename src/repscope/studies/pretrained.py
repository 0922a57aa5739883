"""Features of pretrained timm models on an ImageNet-style folder, for S3.

The folder holds one sub-folder per class (``<image_dir>/<class>/<image>``,
torchvision's ImageFolder layout). A seeded, class-stratified subset of images
is cut into views: ``crop: center`` — the DSE authors' evaluation transform,
the image resized (shorter side) to each model's input size and centre-cropped
to a square, one view per image — or ``crop: random_resized`` — ``n_crops``
random resized crops per image. The boxes are drawn once and shared by every
model, and their 64 x 64 pixels are the X of DSMI(Z; X)."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".JPEG")


def list_images(image_dir, n_images, seed) -> tuple[list[Path], np.ndarray, list[str]]:
    """(paths, labels, class names) of a class-stratified random subset of at
    most ``n_images`` images (all of them when fewer)."""
    root = Path(image_dir)
    if not root.is_dir():
        raise ValueError(f"image_dir must be a folder of class sub-folders; got {str(root)!r}")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    files = [(f, c) for c, name in enumerate(classes) for f in sorted((root / name).iterdir())
             if f.suffix in IMAGE_SUFFIXES]
    if len(classes) < 2 or not files:
        raise ValueError(f"image_dir {str(root)!r} needs images in at least 2 class sub-folders; "
                         f"found {len(files)} images in {len(classes)} folders")
    labels = np.array([c for _, c in files])
    rng = np.random.default_rng(seed)
    if n_images < len(files):
        # stratified: the same share of every class
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(np.arange(len(files)), train_size=n_images, stratify=labels,
                                   random_state=int(rng.integers(2**31)))
        keep = np.sort(keep)
    else:
        keep = np.arange(len(files))
    return [files[i][0] for i in keep], labels[keep], classes


CROPS = ("center", "random_resized")


def center_boxes(sizes) -> np.ndarray:
    """The central square of each image (top, left, side, side) [n_images, 1, 4]:
    resizing it to S x S equals resizing the shorter side to S, then centre-cropping."""
    boxes = np.zeros((len(sizes), 1, 4), dtype=np.int64)
    for i, (h, w) in enumerate(sizes):
        side = min(h, w)
        boxes[i, 0] = ((h - side) // 2, (w - side) // 2, side, side)
    return boxes


def crop_boxes(sizes, n_crops, seed, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)) -> np.ndarray:
    """Random resized crop boxes (top, left, height, width) [n_images, n_crops, 4]
    for images of the given (height, width), drawn as torchvision draws them
    from a private, seeded torch RNG."""
    import torch
    from torchvision.transforms import RandomResizedCrop

    boxes = np.zeros((len(sizes), n_crops, 4), dtype=np.int64)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for i, (h, w) in enumerate(sizes):
            blank = torch.empty(3, h, w)
            for j in range(n_crops):
                boxes[i, j] = RandomResizedCrop.get_params(blank, list(scale), list(ratio))
    return boxes


def load_crops(paths, n_crops, seed, crop="random_resized"):
    """[(image tensor uint8 [3, H, W], boxes [views, 4])] for every path: the
    central square (``crop='center'``, one view) or ``n_crops`` random resized crops."""
    from PIL import Image
    from torchvision.transforms.functional import pil_to_tensor

    images = [pil_to_tensor(Image.open(p).convert("RGB")) for p in paths]
    sizes = [tuple(im.shape[1:]) for im in images]
    boxes = center_boxes(sizes) if crop == "center" else crop_boxes(sizes, n_crops, seed)
    return list(zip(images, boxes))


def crop_batch(items, size, mean=None, std=None, interpolation="bilinear"):
    """The crops of ``items`` (uint8) resized (antialiased, ``interpolation``) to ``size``
    x ``size``, float [B, 3, size, size] in [0, 1] (normalised by ``mean``/``std``
    when given), image-major order."""
    import torch
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.functional import resized_crop

    mode = InterpolationMode(interpolation)
    out = [resized_crop(im, *map(int, box), [size, size], interpolation=mode, antialias=True)
           for im, boxes in items for box in boxes]
    x = torch.stack(out).float() / 255
    if mean is not None:
        x = (x - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    return x


def model_features(name, items, *, pretrained, batch_size, device, interpolation="bilinear"):
    """Pre-head features [n_images * views, D] of timm model ``name``, the views
    resized to the model's own input size."""
    import timm
    import torch

    model = timm.create_model(name, pretrained=pretrained, num_classes=0).to(device).eval()
    cfg = timm.data.resolve_model_data_config(model)
    size = cfg["input_size"][-1]
    feats = []
    with torch.no_grad():
        for i in range(0, len(items), batch_size):
            x = crop_batch(items[i:i + batch_size], size, cfg["mean"], cfg["std"],
                           interpolation).to(device)
            feats.append(model(x).flatten(1).double().cpu().numpy())
    return np.concatenate(feats)

"""Training loops (supervised, SimCLR, random labels), per-epoch checkpoints
and embeddings, resume. Entry points: :func:`repscope.training.loop.train`
and the ``repscope train`` / ``repscope embed`` commands."""
from __future__ import annotations

import numbers

from .._validate import check_choice, check_positive
from .resume import ON_CHANGE
from .schedule import OPTIMIZERS

METHODS = ("supervised", "simclr", "random_label")
SIMCLR_LOSSES = ("batch_ratio", "nt_xent")  # repscope.training.objectives.SIMCLR_LOSSES
DEVICES = ("auto", "cpu", "cuda")
AMP = ("auto", "bf16", "fp16", "none")


def _non_negative(value, name, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or value < 0:
        raise ValueError(f"{name} must be a non-negative {'integer' if integer else 'number'}; got {value!r}")


def validate_method(mcfg) -> None:
    """ValueError naming the ``method.*`` key whose value is not allowed."""
    check_choice(mcfg.name, "method.name", METHODS)
    if mcfg.name == "simclr":
        check_choice(mcfg.loss, "method.loss", SIMCLR_LOSSES)
        check_positive(mcfg.temperature, "method.temperature")
        check_positive(mcfg.proj_dim, "method.proj_dim", integer=True)
        if mcfg.probe_n is not None:
            check_positive(mcfg.probe_n, "method.probe_n", integer=True)
        check_positive(mcfg.probe_max_iter, "method.probe_max_iter", integer=True)
    aug = mcfg.get("augment")
    if aug is None:
        return
    for kind, keys in (("image", ("jitter",)), ("signal", ("scale", "noise"))):
        spec, prefix = aug[kind], f"method.augment.{kind}"
        lo, hi = spec.crop_scale
        top = "" if kind == "image" else " <= 1"  # image crops above 1 fall back to the whole image
        if not (0 < lo <= hi and lo <= 1 and (kind == "image" or hi <= 1)):
            raise ValueError(f"{prefix}.crop_scale must be [lo, hi] with 0 < lo <= 1, lo <= hi{top}; "
                             f"got {list(spec.crop_scale)}")
        for key in keys:
            _non_negative(spec[key], f"{prefix}.{key}")
    image = aug.image
    for key in ("jitter_p", "grayscale_p", "blur_p"):
        if not 0 <= image[key] <= 1:
            raise ValueError(f"method.augment.image.{key} must be a probability in [0, 1]; "
                             f"got {image[key]!r}")
    if not 0 <= image.hue <= 0.5:
        raise ValueError(f"method.augment.image.hue must be in [0, 0.5] (a fraction of a turn); "
                         f"got {image.hue!r}")
    lo, hi = image.blur_sigma
    if not 0 < lo <= hi:
        raise ValueError(f"method.augment.image.blur_sigma must be [lo, hi] with 0 < lo <= hi; "
                         f"got {list(image.blur_sigma)}")
    check_positive(image.blur_size, "method.augment.image.blur_size", integer=True)


def validate_train(tcfg) -> None:
    """ValueError naming the ``train.*`` key whose value is not allowed."""
    _non_negative(tcfg.epochs, "train.epochs", integer=True)
    _non_negative(tcfg.warmup_epochs, "train.warmup_epochs", integer=True)
    for key in ("batch_size", "eval_batch_size", "checkpoint_every"):
        check_positive(tcfg[key], f"train.{key}", integer=True)
    check_positive(tcfg.lr, "train.lr")
    check_choice(tcfg.optimizer, "train.optimizer", OPTIMIZERS)
    if not 0 <= tcfg.momentum < 1:
        raise ValueError(f"train.momentum must be in [0, 1); got {tcfg.momentum!r}")
    _non_negative(tcfg.weight_decay, "train.weight_decay")
    if not 0 <= tcfg.min_lr_ratio <= 1:
        raise ValueError(f"train.min_lr_ratio must be in [0, 1]; got {tcfg.min_lr_ratio!r}")
    check_choice(tcfg.device, "train.device", DEVICES)
    check_choice(tcfg.amp, "train.amp", AMP)
    check_choice(tcfg.embed, "train.embed", [True, False])
    check_choice(tcfg.get("on_config_change", "refuse"), "train.on_config_change", ON_CHANGE)
    if tcfg.get("threads") is not None:
        check_positive(tcfg.threads, "train.threads", integer=True)

"""The typed schema of the config groups: those a run composes (``dataset``,
``model``, ``method``, ``train`` and the top-level ``seed``), ``metrics``,
``layers`` and ``paths`` (``metrics`` in :mod:`repscope.schema.metrics`). Each dataclass declares every key of its group
(conf/<group>/) with its type and what is allowed. The names of the options of
the torch packages (datasets, models, methods, optimisers, …) live here: the
loaders are keyed by ``DATASETS`` (repscope.data.sources) and the others are
tested to agree (tests/test_config_schema.py), so checking a config needs none
of them (no torch import)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .fields import (anything, check, choice, flag, group, integer, integers, interval, names, number, number_list,
                     text)

DATASETS = ("mnist1d", "digits", "mnist", "fashion_mnist", "cifar10", "cifar100", "stl10", "szt")
# Files a dataset reads under dataset.root when dataset.download is false (torchvision's folders);
# mnist1d and digits are generated / bundled, szt reads dataset.labels_file.
OFFLINE_FILES = {"mnist": "MNIST/raw", "fashion_mnist": "FashionMNIST/raw", "cifar10": "cifar-10-batches-py",
                 "cifar100": "cifar-100-python", "stl10": "stl10_binary"}
MODELS = ("mlp", "cnn", "timm")
ACTIVATIONS = ("relu", "tanh")
METHODS = ("supervised", "simclr", "random_label")
SIMCLR_LOSSES = ("batch_ratio", "nt_xent")
OPTIMIZERS = ("adamw", "adam", "sgd")
DEVICES = ("auto", "cpu", "cuda")
AMP = ("auto", "bf16", "fp16", "none")
ON_CHANGE = ("refuse", "restart")
SPLITS = ("train", "test")
INTERPOLATIONS = ("bicubic", "bilinear")  # image resampling (crops, resizes): the DSE authors' bicubic first


def _test_size(node, prefix):
    size = node.get("test_size")
    if size is not None and (isinstance(size, bool) or not (isinstance(size, int) and size > 0
                                                           or isinstance(size, float) and 0 < size < 1)):
        raise ValueError(f"{prefix}.test_size must be a positive count or a fraction in (0, 1); got {size!r}")


def _same_length(node, prefix):
    if len(node.mean) != len(node.std):
        raise ValueError(f"{prefix}.mean and {prefix}.std must have one value per channel each; "
                         f"got {len(node.mean)} and {len(node.std)}")


@dataclass
class Normalize:
    """Fixed per-channel input statistics (the DSE authors' constants)."""

    RULES = (_same_length,)
    mean: list = number_list()
    std: list = number_list(0, above=True)


@dataclass
class Dataset:
    RULES = (_test_size,)
    name: str = choice(*DATASETS)
    root: str = text()
    download: bool = flag()
    eval_n: int = integer(1, optional=True)
    eval_seed: int = integer()
    x_size: int = integer(1, optional=True)
    img_size: int = integer(1, optional=True)
    channels: int = choice(None, 1, 3)
    flip: bool = flag()
    normalize: Normalize = group(Normalize, optional=True)
    interpolation: str = choice(*INTERPOLATIONS)
    passes_per_epoch: int = integer(1)
    test_size: float = anything("a positive count or a fraction in (0, 1)")
    split_seed: int = integer(optional=True)
    labels_file: str = text(optional=True)
    url: str = text(optional=True)


def missing_files(dcfg) -> str | None:
    """What an offline dataset lacks (``dataset.download`` false), or None."""
    if dcfg.download:
        return None
    if dcfg.name == "szt":
        path, key, value = Path(dcfg.labels_file), "dataset.labels_file", dcfg.labels_file
    elif dcfg.name in OFFLINE_FILES:
        path, key, value = Path(dcfg.root) / OFFLINE_FILES[dcfg.name], "dataset.root", dcfg.root
    else:
        return None
    if path.exists():
        return None
    return (f"dataset.name={dcfg.name!r}: {str(path)!r} does not exist ({key}={str(value)!r}, "
            f"dataset.download=false); put the files there, point {key} at them, or set "
            f"dataset.download=true to fetch them (needs network)")


@dataclass
class Init:
    conv_std: float = number(0, above=True, optional=True)
    linear_std: float = number(0, above=True, optional=True)


@dataclass
class MLP:
    widths: list = integers(1)
    activation: str = choice(*ACTIVATIONS)


@dataclass
class CNN:
    channels: list = integers(1)
    kernel_size: int = integer(1)


@dataclass
class Timm:
    arch: str = text()
    pretrained: bool = flag()
    kwargs: dict = anything("timm.create_model keyword arguments")


@dataclass
class Model:
    """The common keys; ``model.name`` picks the kind whose keys follow (MLP, CNN, Timm)."""

    VARIANTS = ("name", {"mlp": MLP, "cnn": CNN, "timm": Timm})
    name: str = choice(*MODELS)
    hooks: list = anything("a list of encoder module names or 'all'")
    init: Init = group(Init)


def _crop_at_most_one(node, prefix):
    if node.crop_scale[0] > 1:
        raise ValueError(f"{prefix}.crop_scale must be [lo, hi] with 0 < lo <= 1, lo <= hi; "
                         f"got {list(node.crop_scale)}")


@dataclass
class ImageAugment:
    RULES = (_crop_at_most_one,)
    crop_scale: list = interval(0)  # crops above 1 fall back to the whole image
    flip: bool = flag()
    jitter: float = number(0)
    hue: float = number(0, 0.5)
    jitter_p: float = number(0, 1)
    grayscale_p: float = number(0, 1)
    jitter_grey: bool = flag()  # also jitter single-channel images (brightness and contrast)
    blur_p: float = number(0, 1)
    blur_sigma: list = interval(0)
    blur_size: int = integer(1)


@dataclass
class SignalAugment:
    crop_scale: list = interval(0, 1)
    scale: float = number(0)
    noise: float = number(0)


@dataclass
class Augment:
    image: ImageAugment = group(ImageAugment)
    signal: SignalAugment = group(SignalAugment)


@dataclass
class SimCLR:
    loss: str = choice(*SIMCLR_LOSSES)
    temperature: float = number(0, above=True)
    proj_dim: int = integer(1)
    probe_n: int = integer(1, optional=True)
    probe_max_iter: int = integer(1)


@dataclass
class Method:
    VARIANTS = ("name", {"simclr": SimCLR})
    name: str = choice(*METHODS)
    augment: Augment = group(Augment, optional=True)


@dataclass
class Train:
    name: str = text()
    epochs: int = integer(0)
    warmup_epochs: int = integer(0)
    batch_size: int = integer(1)
    eval_batch_size: int = integer(1)
    checkpoint_every: int = integer(1)
    lr: float = number(0, above=True)
    lr_by_dataset: dict = anything("{dataset name: lr}")
    optimizer: str = choice(*OPTIMIZERS)
    momentum: float = number(0, 1, below=True)
    weight_decay: float = number(0)
    min_lr_ratio: float = number(0, 1)
    device: str = choice(*DEVICES)
    amp: str = choice(*AMP)
    embed: bool = flag()
    on_config_change: str = choice(*ON_CHANGE)
    threads: int = integer(1, optional=True)


@dataclass
class NC1:
    splits: list = names(allow_all=False, allowed=SPLITS)
    global_mean: str = choice("samples", "classes")
    divide_by_classes: bool = flag()


@dataclass
class DIB:
    n_train: int = integer(1, optional=True)
    epochs: int = integer(1)
    batch_size: int = integer(1)
    lr: float = number(0, above=True)
    weight_decay: float = number(0)


@dataclass
class Manifold:
    split: str = choice(*SPLITS)
    examples_per_class: int = integer(1)
    kappa: float = number(0)
    n_t: int = integer(1)
    n_reps: int = integer(1)
    max_features: int = integer(1)
    subspace: str = choice("samples", "rank")
    max_iter: int = integer(1)
    n_jobs: int = integer()


@dataclass
class InfoPlane:
    split: str = choice(*SPLITS)
    n_train: int = integer(1, optional=True)
    num_bins: int = integer(1)
    value_range: list = anything("global or [lo, hi]")
    dsmi: bool = flag()


@dataclass
class Ablation:
    n_directions: int = integer(1, optional=True)
    chunk: int = integer(1)


@dataclass
class Modularity:
    pairs: str = choice("all", "consecutive")
    logits: bool = flag()
    num_bins: int = integer(1)
    subset_size: int = integer(1)
    n_subsets: int = integer(1)


@dataclass
class Layers:
    """``conf/layers/``: the layer-wise measures (the layer-wise studies)."""

    name: str = text()
    measures: list = names(allow_all=False)  # names checked against the measure registry (validate_layers)
    layers: list = names()
    input: bool = flag()
    seed: int = integer()
    nc1: NC1 = group(NC1)
    dib: DIB = group(DIB)
    manifold: Manifold = group(Manifold)
    info_plane: InfoPlane = group(InfoPlane)
    ablation: Ablation = group(Ablation)
    modularity: Modularity = group(Modularity)


@dataclass
class Paths:
    """``conf/paths/``: where files land (:mod:`repscope.layout`)."""

    results: str = text()


@dataclass
class Run:
    """What one training job composes (``repscope train``, ``embed``, …)."""

    seed: int = integer()
    dataset: Dataset = group(Dataset)
    model: Model = group(Model)
    method: Method = group(Method)
    train: Train = group(Train)


def check_run(cfg, only=None) -> None:
    """Check the groups of a run (``only``: just these), not the others the
    composed config carries."""
    check({k: cfg.get(k) for k in Run.__dataclass_fields__}, Run, "", only)

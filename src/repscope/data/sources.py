"""Where the raw arrays come from: one loader ``load_<name>`` per ``dataset.name``.

Each loader returns a :class:`Dataset` of CPU tensors at native resolution
(uint8 images stay uint8 to keep whole datasets on the accelerator; signals
and bundled arrays are float32 in [0, 1] or standardised). Nothing here
downloads unless ``dataset.download`` is true (torchvision datasets only)."""
from __future__ import annotations

import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..schema.groups import DATASETS


@dataclass
class Dataset:
    """Train and test splits as tensors: x [N, C, L] (signals) or [N, C, H, W]
    (images); y [N] int64 class indices in 0..num_classes-1."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def _tensors(x_train, y_train, x_test, y_test):
    return (torch.as_tensor(x_train), torch.as_tensor(np.asarray(y_train), dtype=torch.int64),
            torch.as_tensor(x_test), torch.as_tensor(np.asarray(y_test), dtype=torch.int64))


def _generate_mnist1d() -> dict:
    """The canonical MNIST-1D arrays (x, y, x_test, y_test). make_dataset seeds
    the global numpy/random generators, so their states are restored afterwards."""
    from mnist1d.data import get_dataset_args, make_dataset

    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        d = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return {k: np.asarray(d[k]) for k in ("x", "y", "x_test", "y_test")}


def _mnist1d_arrays(root) -> dict:
    """MNIST-1D from ``<root>/mnist1d/canonical-<package version>.npz``, made
    (seconds of Python) on first use and checked by its checksum on every read."""
    from importlib.metadata import version

    from ..io import array_checksum, save_npz

    path = Path(root) / "mnist1d" / f"canonical-{version('mnist1d')}.npz"
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in ("x", "y", "x_test", "y_test")}
            if str(f["checksum"]) == array_checksum(arrays):
                return arrays
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # absent or damaged: made again
        pass
    arrays = _generate_mnist1d()
    save_npz(path, checksum=np.array(array_checksum(arrays)), **arrays)
    return arrays


def load_mnist1d(dcfg) -> Dataset:
    """MNIST-1D regenerated with the package's canonical arguments and seed
    (``mnist1d.data.make_dataset``; its ``get_dataset`` would try a download),
    kept under ``dataset.root`` after the first time."""
    d = _mnist1d_arrays(dcfg.root)
    x_train = d["x"].astype(np.float32)[:, None, :]
    x_test = d["x_test"].astype(np.float32)[:, None, :]
    return Dataset("mnist1d", *_tensors(x_train, d["y"], x_test, d["y_test"]), num_classes=10)


def load_digits(dcfg) -> Dataset:
    """scikit-learn's bundled 8x8 digits (1797 images, values 0..16 scaled to
    [0, 1]), split stratified by ``dataset.test_size`` (a count or fraction, as
    in sklearn) with ``dataset.split_seed``."""
    from sklearn.datasets import load_digits as sk_digits
    from sklearn.model_selection import train_test_split

    bunch = sk_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None, :, :]
    y = bunch.target
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=dcfg.test_size, stratify=y,
                                              random_state=dcfg.split_seed)
    return Dataset("digits", *_tensors(x_tr, y_tr, x_te, y_te), num_classes=10)


def _torchvision(dcfg, cls_name: str, split_kw) -> tuple:
    import torchvision.datasets as tvd

    cls = getattr(tvd, cls_name)
    try:
        return tuple(cls(root=dcfg.root, download=bool(dcfg.download), **split_kw(train))
                     for train in (True, False))
    except RuntimeError as err:
        raise ValueError(
            f"dataset.name={dcfg.name!r}: files not found under dataset.root={dcfg.root!r} ({err}); "
            f"set dataset.download=true to fetch them (needs network) or point dataset.root at them"
        ) from None


def _mnist_like(cls_name: str, name: str):
    def load(dcfg) -> Dataset:
        tr, te = _torchvision(dcfg, cls_name, lambda train: {"train": train})
        return Dataset(name, tr.data[:, None].clone(), tr.targets.long(), te.data[:, None].clone(),
                       te.targets.long(), num_classes=10)

    load.__doc__ = f"torchvision {cls_name} (idx files), uint8 [N, 1, 28, 28]."
    return load


load_mnist = _mnist_like("MNIST", "mnist")
load_fashion_mnist = _mnist_like("FashionMNIST", "fashion_mnist")


def _chw(a) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))


def load_cifar10(dcfg) -> Dataset:
    """torchvision CIFAR-10 (python pickle batches), uint8 [N, 3, 32, 32]."""
    tr, te = _torchvision(dcfg, "CIFAR10", lambda train: {"train": train})
    return Dataset("cifar10", *_tensors(_chw(tr.data), tr.targets, _chw(te.data), te.targets),
                   num_classes=10)


def load_cifar100(dcfg) -> Dataset:
    """torchvision CIFAR-100 (python pickles ``train``/``test``), uint8 [N, 3, 32, 32], the
    100 fine labels (the class manifolds of the manifold-capacity study)."""
    tr, te = _torchvision(dcfg, "CIFAR100", lambda train: {"train": train})
    return Dataset("cifar100", *_tensors(_chw(tr.data), tr.targets, _chw(te.data), te.targets),
                   num_classes=100)


def load_stl10(dcfg) -> Dataset:
    """torchvision STL-10 (binary files), labelled train/test splits, uint8
    [N, 3, 96, 96]."""
    tr, te = _torchvision(dcfg, "STL10", lambda train: {"split": "train" if train else "test"})
    return Dataset("stl10", *_tensors(tr.data, tr.labels, te.data, te.labels), num_classes=10)


def load_szt(dcfg) -> Dataset:
    """Schwartz-Ziv & Tishby's 12-bit patterns with the labels of var_u.mat."""
    from .szt import load_szt as load

    return load(dcfg)


def _loaders() -> dict:
    """{dataset.name: loader}: ``load_<name>`` for every name of the schema's ``dataset.name``
    (:data:`repscope.schema.groups.DATASETS`, the one list of datasets)."""
    missing = [n for n in DATASETS if f"load_{n}" not in globals()]
    if missing:
        raise ImportError(f"repscope.schema.groups.DATASETS names {missing} without a load_<name> here")
    return {name: globals()[f"load_{name}"] for name in DATASETS}


LOADERS = _loaders()

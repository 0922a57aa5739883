"""The Schwartz-Ziv & Tishby (2017) 12-bit dataset: the 4096 binary patterns of
12 bits and a binary label per pattern.

The labels are public as ``var_u.mat`` in the IDNNs repository (data/); their
loader reads two MATLAB variables, ``F`` (4096 x 12 inputs, 0/1) and ``y``
(1 x 4096 labels, 0/1), and one-hot encodes y as [y, 1 - y]. repscope uses y
itself as the class index. Assumptions, since no specification beyond that
loader exists: the rows of F are the inputs that y labels (F is used when the
file has it and must hold 4096 distinct 12-bit rows); a file with only ``y``
is read against the patterns in binary counting order, most significant bit
first (:func:`twelve_bit_patterns`). The file is never needed offline: it is
read from ``dataset.labels_file`` and fetched from ``dataset.url`` only when
``dataset.download`` is true."""
from __future__ import annotations

import urllib.request
from pathlib import Path

import numpy as np

N_BITS = 12


def twelve_bit_patterns() -> np.ndarray:
    """All 4096 patterns [4096, 12] (uint8), row i = the bits of i, MSB first."""
    return ((np.arange(2**N_BITS)[:, None] >> np.arange(N_BITS - 1, -1, -1)) & 1).astype(np.uint8)


def read_var_u(path) -> tuple[np.ndarray, np.ndarray]:
    """(X [4096, 12] float32 in {0, 1}, y [4096] int64 in {0, 1}) from a
    ``var_u.mat`` file (variables ``F`` optional, ``y`` required)."""
    from scipy.io import loadmat

    mat = loadmat(path)
    if "y" not in mat:
        raise ValueError(f"dataset.labels_file={str(path)!r} has no variable 'y' (the labels); "
                         f"variables found: {sorted(k for k in mat if not k.startswith('__'))}")
    y = np.asarray(mat["y"]).reshape(-1)
    if y.shape != (2**N_BITS,) or not np.isin(y, (0, 1)).all():
        raise ValueError(f"dataset.labels_file: 'y' must hold 4096 labels in {{0, 1}}; got shape "
                         f"{np.asarray(mat['y']).shape}, values {np.unique(y)[:5].tolist()}")
    X = twelve_bit_patterns() if "F" not in mat else np.asarray(mat["F"])
    if X.shape != (2**N_BITS, N_BITS) or not np.isin(X, (0, 1)).all() or \
            len(np.unique(X, axis=0)) != 2**N_BITS:
        raise ValueError(f"dataset.labels_file: 'F' must be the 4096 distinct 12-bit patterns "
                         f"(4096 x 12, 0/1); got shape {X.shape}")
    return X.astype(np.float32), y.astype(np.int64)


def fetch(url: str, path) -> Path:
    """Download ``url`` to ``path`` atomically (only called with dataset.download=true)."""
    from ..io import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp, urllib.request.urlopen(url, timeout=60) as response:
        Path(tmp).write_bytes(response.read())
    return path


def load_szt(dcfg):
    """The SZT dataset as a :class:`repscope.data.Dataset`: signals [N, 1, 12],
    split stratified by ``dataset.test_size`` with ``dataset.split_seed``."""
    import torch
    from sklearn.model_selection import train_test_split

    from .sources import Dataset

    path = Path(dcfg.labels_file)
    if not path.exists():
        if not dcfg.download:
            raise ValueError(f"dataset.labels_file={str(path)!r} does not exist; put the public "
                             f"var_u.mat there or set dataset.download=true to fetch {dcfg.url}")
        fetch(dcfg.url, path)
    X, y = read_var_u(path)
    x_tr, x_te, y_tr, y_te = train_test_split(X[:, None, :], y, test_size=dcfg.test_size,
                                              stratify=y, random_state=dcfg.split_seed)
    return Dataset("szt", torch.from_numpy(x_tr), torch.from_numpy(y_tr), torch.from_numpy(x_te),
                   torch.from_numpy(y_te), num_classes=2)

"""Tiny files in each torchvision dataset's real on-disk format (tests only;
the real files are never downloaded here)."""
import gzip
import pickle
import struct

import numpy as np


def _idx(path, array, magic):
    path.parent.mkdir(parents=True, exist_ok=True)
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(data)
    with gzip.open(f"{path}.gz", "wb") as f:  # the published files are gzipped
        f.write(data)


def write_mnist(root, folder, rng):
    """idx files (and their .gz) of 12 train / 10 test 28x28 images under <root>/<folder>/raw."""
    split = {}
    for prefix, n in (("train", 12), ("t10k", 10)):
        x = rng.integers(0, 256, (n, 28, 28))
        y = np.arange(n) % 10
        _idx(root / folder / "raw" / f"{prefix}-images-idx3-ubyte", x, 0x0803)
        _idx(root / folder / "raw" / f"{prefix}-labels-idx1-ubyte", y, 0x0801)
        split[prefix] = (x, y)
    return split


def write_cifar10(root, rng):
    """Five pickled train batches and a test batch of 4 images each, plus batches.meta."""
    base = root / "cifar-10-batches-py"
    base.mkdir(parents=True)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        x = rng.integers(0, 256, (4, 3, 32, 32)).astype(np.uint8)
        y = list(rng.integers(0, 10, 4))
        with open(base / name, "wb") as f:
            pickle.dump({"data": x.reshape(4, -1), "labels": y, "batch_label": name}, f)
        batches[name] = (x, y)
    with open(base / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"c{i}" for i in range(10)]}, f)
    return batches


def write_stl10(root, rng):
    """train/test/unlabeled binary files (column-major 96x96 RGB, labels 1..10)."""
    base = root / "stl10_binary"
    base.mkdir(parents=True)
    out = {}
    for split, n in (("train", 3), ("test", 2), ("unlabeled", 1)):
        x = rng.integers(0, 256, (n, 3, 96, 96)).astype(np.uint8)
        (base / f"{split}_X.bin").write_bytes(x.transpose(0, 1, 3, 2).tobytes())  # column-major images
        if split != "unlabeled":
            y = rng.integers(1, 11, n).astype(np.uint8)  # 1-based on disk
            (base / f"{split}_y.bin").write_bytes(y.tobytes())
            out[split] = (x, y.astype(np.int64) - 1)
    return out


def write_cifar100(root, rng):
    """The pickled ``train`` (6 images) and ``test`` (4 images) files with fine and coarse
    labels, plus ``meta``."""
    base = root / "cifar-100-python"
    base.mkdir(parents=True)
    out = {}
    for name, n in (("train", 6), ("test", 4)):
        x = rng.integers(0, 256, (n, 3, 32, 32)).astype(np.uint8)
        fine = list(rng.integers(0, 100, n))
        with open(base / name, "wb") as f:
            pickle.dump({"data": x.reshape(n, -1), "fine_labels": fine,
                         "coarse_labels": [v // 5 for v in fine], "filenames": [f"{i}.png" for i in range(n)]}, f)
        out[name] = (x, fine)
    with open(base / "meta", "wb") as f:
        pickle.dump({"fine_label_names": [f"f{i}" for i in range(100)],
                     "coarse_label_names": [f"c{i}" for i in range(20)]}, f)
    return out

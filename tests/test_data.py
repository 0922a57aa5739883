"""Datasets (bundled, generated, and torchvision loaders on tiny files in each
dataset's real on-disk format), the evaluation subset, preprocessing and
augmentations."""
import random

import numpy as np
import pytest
import torch

from repscope.config import compose, validate
from repscope.data import Pipeline, eval_inputs, load_dataset, stratified_subset
from repscope.data.augment import augment

from datasets_on_disk import write_cifar10, write_cifar100, write_mnist, write_stl10


# --- stratified subset ---------------------------------------------------------

def test_stratified_subset_keeps_class_proportions_and_is_seeded():
    labels = np.repeat([0, 1, 2], [500, 300, 200])
    idx = stratified_subset(labels, 100, seed=3)
    assert len(idx) == 100 and len(np.unique(idx)) == 100 and np.all(np.diff(idx) > 0)
    assert np.bincount(labels[idx]).tolist() == [50, 30, 20]
    assert np.array_equal(idx, stratified_subset(labels, 100, seed=3))
    assert not np.array_equal(idx, stratified_subset(labels, 100, seed=4))
    assert np.array_equal(stratified_subset(labels, None, seed=0), np.arange(1000))


def test_stratified_subset_largest_remainder():
    labels = np.repeat([0, 1, 2], [1, 1, 1])
    assert len(stratified_subset(labels, 2, seed=0)) == 2
    labels = np.repeat([0, 1], [7, 3])   # quotas 3.5 / 1.5 for n = 5 -> 4 / 1 or 3 / 2, total 5
    assert len(stratified_subset(labels, 5, seed=0)) == 5


@pytest.mark.parametrize("n", [0, 11, 2.5, True])
def test_stratified_subset_rejects_bad_size(n):
    with pytest.raises(ValueError, match="dataset.eval_n"):
        stratified_subset(np.arange(10) % 2, n, seed=0, name="dataset.eval_n")


# --- bundled / generated datasets ------------------------------------------------

def test_mnist1d_is_the_canonical_dataset_generated_offline(monkeypatch):
    import requests

    def no_network(*a, **k):
        raise AssertionError("network access")

    monkeypatch.setattr(requests, "get", no_network)
    np.random.seed(123)
    random.seed(123)
    before_np, before_py = np.random.get_state()[1].copy(), random.getstate()
    ds = load_dataset(compose(["dataset=mnist1d"]).dataset)
    assert np.array_equal(np.random.get_state()[1], before_np) and random.getstate() == before_py
    assert ds.x_train.shape == (4000, 1, 40) and ds.x_test.shape == (1000, 1, 40)
    assert ds.x_train.dtype == torch.float32 and ds.num_classes == 10
    # canonical make_dataset(get_dataset_args()) standardises the whole set: mean 0, std 1
    allx = torch.cat([ds.x_train, ds.x_test]).double()
    assert abs(allx.mean().item()) < 1e-6 and abs(allx.std().item() - 1) < 1e-3
    assert ds.y_train[:10].tolist() == [2, 6, 4, 5, 6, 6, 6, 0, 3, 1]


def test_digits_split_is_stratified_and_seeded():
    dcfg = compose(["dataset=digits"]).dataset
    ds = load_dataset(dcfg)
    assert len(ds.y_test) == 1000 and len(ds.y_train) == 797
    assert ds.x_train.shape[1:] == (1, 8, 8) and float(ds.x_train.max()) == 1.0
    assert torch.equal(ds.y_test, load_dataset(dcfg).y_test)


def test_eval_inputs_fixed_subset_and_downsampling():
    cfg = compose(["dataset=digits", "dataset.eval_n=100", "dataset.x_size=4"])
    X, y, ids = eval_inputs(cfg)
    assert X.shape == (100, 16) and X.dtype == np.float32 and y.dtype == np.int64
    ds = load_dataset(cfg.dataset)
    assert np.array_equal(y, ds.y_test.numpy()[ids])
    # 8x8 -> 4x4 area resizing = 2x2 block means
    block = ds.x_test[ids[0], 0].reshape(4, 2, 4, 2).mean(axis=(1, 3)).numpy().ravel()
    np.testing.assert_allclose(X[0], block, atol=1e-6)
    X2, y2, ids2 = eval_inputs(compose(["dataset=digits", "dataset.eval_n=100", "seed=7"]))
    assert np.array_equal(ids, ids2) and X2.shape == (100, 64)


# --- torchvision loaders on tiny files in the real formats ---------------------

@pytest.mark.parametrize("name,folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_mnist_like_loaders_read_idx_files(tmp_path, rng, name, folder):
    split = write_mnist(tmp_path, folder, rng)
    ds = load_dataset(compose([f"dataset={name}", f"dataset.root={tmp_path}"]).dataset)
    assert ds.x_train.dtype == torch.uint8 and ds.x_train.shape == (12, 1, 28, 28)
    assert np.array_equal(ds.x_train[:, 0].numpy(), split["train"][0])
    assert np.array_equal(ds.y_test.numpy(), split["t10k"][1])


def test_cifar10_loader_reads_pickle_batches(tmp_path, rng, monkeypatch):
    import torchvision.datasets.cifar as cifar

    monkeypatch.setattr(cifar, "check_integrity", lambda *a, **k: True)  # md5s are of the real files
    batches = write_cifar10(tmp_path, rng)
    ds = load_dataset(compose(["dataset=cifar10", f"dataset.root={tmp_path}"]).dataset)
    assert ds.x_train.shape == (20, 3, 32, 32) and ds.x_test.shape == (4, 3, 32, 32)
    assert np.array_equal(ds.x_train[:4].numpy(), batches["data_batch_1"][0])
    assert ds.y_test.tolist() == [int(v) for v in batches["test_batch"][1]]


def test_cifar100_loader_reads_pickles_with_fine_labels(tmp_path, rng, monkeypatch):
    import torchvision.datasets.cifar as cifar

    monkeypatch.setattr(cifar, "check_integrity", lambda *a, **k: True)
    out = write_cifar100(tmp_path, rng)
    ds = load_dataset(compose(["dataset=cifar100", f"dataset.root={tmp_path}"]).dataset)
    assert ds.num_classes == 100
    assert ds.x_train.shape == (6, 3, 32, 32) and ds.x_test.shape == (4, 3, 32, 32)
    assert np.array_equal(ds.x_train.numpy(), out["train"][0])
    assert ds.y_test.tolist() == [int(v) for v in out["test"][1]]


def test_stl10_loader_reads_binary_files(tmp_path, rng, monkeypatch):
    import torchvision.datasets.stl10 as stl10

    monkeypatch.setattr(stl10, "check_integrity", lambda *a, **k: True)
    out = write_stl10(tmp_path, rng)
    ds = load_dataset(compose(["dataset=stl10", f"dataset.root={tmp_path}"]).dataset)
    assert ds.x_train.shape == (3, 3, 96, 96) and ds.x_test.shape == (2, 3, 96, 96)
    assert np.array_equal(ds.x_train.numpy(), out["train"][0])
    assert np.array_equal(ds.y_test.numpy(), out["test"][1])


def test_missing_files_name_root_and_download(tmp_path):
    with pytest.raises(ValueError, match="dataset.download=true"):
        load_dataset(compose(["dataset=cifar10", f"dataset.root={tmp_path}"]).dataset)


# --- validation ---------------------------------------------------------------

@pytest.mark.parametrize("override,key", [
    ("dataset.name=imagenet", "dataset.name"), ("dataset.eval_n=-5", "dataset.eval_n"),
    ("dataset.x_size=0", "dataset.x_size"), ("dataset.channels=2", "dataset.channels"),
    ("dataset.download=maybe", "dataset.download"), ("dataset.eval_seed=1.5", "dataset.eval_seed"),
    ("dataset.test_size=1.5", "dataset.test_size"), ("dataset.split_seed=x", "dataset.split_seed"),
    ("dataset.interpolation=nearest", "dataset.interpolation"),
    ("dataset.normalize={mean:[0.5],std:[0]}", "dataset.normalize.std"),
    ("dataset.normalize={mean:[0.5,0.5],std:[1]}", "dataset.normalize.mean")])
def test_bad_dataset_values_name_the_key(override, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        validate(compose(["dataset=digits", override]))


# --- pipeline and augmentations --------------------------------------------------

def test_pipeline_normalises_replicates_channels_and_resizes():
    """MNIST as the DSE authors fed it: their constants, bicubic resizing (antialiased, as
    PIL's); the training split's own statistics and bilinear resizing as options."""
    import torch.nn.functional as F

    x = torch.randint(0, 256, (6, 1, 28, 28), dtype=torch.uint8)
    paper = ["dataset=mnist", "dataset.channels=3", "dataset.img_size=56"]
    pipe = Pipeline(compose(paper).dataset, x)
    out = pipe(x)
    assert pipe.output_shape == (3, 56, 56) and out.shape == (6, 3, 56, 56)
    assert torch.equal(out[:, 0], out[:, 2])
    fixed = (x.float() / 255 - 0.1307) / 0.3081
    for mode, o in (("bicubic", out), ("bilinear", Pipeline(compose(paper + ["dataset.interpolation=bilinear"]).dataset, x)(x))):
        want = F.interpolate(fixed, size=(56, 56), mode=mode, antialias=True, align_corners=False)
        np.testing.assert_allclose(o[:, :1].numpy(), want.numpy(), atol=1e-5)
    flat = (x.double() / 255 - x.double().mean() / 255) / (x.double() / 255).std(unbiased=False)
    own = Pipeline(compose(["dataset=mnist", "dataset.normalize=null"]).dataset, x)(x)
    np.testing.assert_allclose(own.numpy(), flat.numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="dataset.normalize"):
        Pipeline(compose(["dataset=cifar10"]).dataset, x)  # three channels' constants, one channel


def test_crops_resample_bicubic_as_the_authors_or_bilinear():
    import torch.nn.functional as F

    x = torch.rand(4, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    whole = _spec("random_label")  # crops of the whole image
    for mode in ("bicubic", "bilinear"):
        got = augment(x, whole, (12, 12), False, torch.Generator(), mode)
        want = F.interpolate(x, size=(12, 12), mode=mode, align_corners=False)
        np.testing.assert_allclose(got.numpy(), want.clamp(0, 1).numpy(), atol=1e-5)


def test_pipeline_rejects_img_size_for_signals():
    with pytest.raises(ValueError, match="dataset.img_size"):
        Pipeline(compose(["dataset=mnist1d", "dataset.img_size=32"]).dataset, torch.zeros(4, 1, 40))


def _spec(method):
    from omegaconf import OmegaConf

    return OmegaConf.to_container(compose([f"method={method}"]).method.augment)


@pytest.mark.parametrize("shape", [(8, 1, 40), (8, 3, 16, 16)])
def test_augment_is_seeded_shaped_and_varies(shape):
    x = torch.rand(shape)
    spec = _spec("simclr")
    a = augment(x, spec, shape[2:], True, torch.Generator().manual_seed(0))
    b = augment(x, spec, shape[2:], True, torch.Generator().manual_seed(0))
    c = augment(x, spec, shape[2:], True, torch.Generator().manual_seed(1))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.allclose(a, c)
    if len(shape) == 4:
        assert a.min() >= 0 and a.max() <= 1


def test_random_label_views_are_the_whole_image_flipped_at_random():
    """The DSE authors' random-label views (method=random_label: crop_scale [1, 1], no
    colour changes) reproduce the input exactly where the dataset takes no flips (the
    affine grid maps output pixel centres onto input pixel centres); with flips each
    view is the image or its mirror."""
    from omegaconf import OmegaConf

    from repscope.config import compose

    spec = OmegaConf.to_container(compose(["method=random_label"]).method.augment)
    for shape in [(4, 1, 40), (4, 3, 8, 8)]:
        x = torch.rand(shape)
        np.testing.assert_allclose(augment(x, spec, shape[2:], False, torch.Generator()), x, atol=1e-6)
    x = torch.rand(64, 1, 4, 4)
    out = augment(x, spec, (4, 4), True, torch.Generator().manual_seed(0))
    flipped = torch.isclose(out, x.flip(-1), atol=1e-6).flatten(1).all(1)
    same = torch.isclose(out, x, atol=1e-6).flatten(1).all(1)
    assert bool((flipped | same).all()) and 10 < int(flipped.sum()) < 54

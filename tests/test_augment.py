"""Study S1's training setups as the DSE authors ran them: their supervised and
SimCLR augmentations (torchvision's transforms, batched) and their contrastive
loss, each checked against an independent computation; the earlier choices stay
as named options."""
import math

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from repscope.config import compose, validate
from repscope.data.augment import _crop_theta, augment, colour_jitter, gaussian_blur, shift_hue
from repscope.schema.groups import SIMCLR_LOSSES
from repscope.training.objectives import SIMCLR_LOSSES as LOSS_FUNCTIONS
from repscope.training.objectives import batch_ratio, nt_xent, simclr_loss


def image_spec(method):
    return OmegaConf.to_container(compose([f"method={method}"]).method.augment)["image"]


def test_default_methods_are_the_authors_and_the_earlier_ones_are_options():
    sup, sim = image_spec("supervised"), image_spec("simclr")
    for spec in (sup, sim):  # RandomResizedCrop(scale=(0.6, 1.6)), ColorJitter(.8, .8, .8, .2) p=.4
        assert (spec["crop_scale"], spec["jitter"], spec["hue"]) == ([0.6, 1.6], 0.8, 0.2)
        assert (spec["jitter_p"], spec["grayscale_p"]) == (0.4, 0.2)
    assert (sup["blur_p"], sim["blur_p"], sim["blur_sigma"]) == (0.0, 0.5, [0.1, 2.0])
    simclr = compose(["method=simclr"]).method
    assert (simclr.loss, simclr.temperature) == ("batch_ratio", 1.0)
    standard = compose(["method=simclr_standard"]).method
    assert (standard.loss, standard.temperature, standard.name) == ("nt_xent", 0.5, "simclr")
    light = image_spec("supervised_light")
    assert (light["crop_scale"], light["jitter_p"], light["grayscale_p"]) == ([0.8, 1.0], 0.0, 0.0)
    assert set(SIMCLR_LOSSES) == set(LOSS_FUNCTIONS)
    assert (sup["jitter_grey"], sim["jitter_grey"]) == (False, True)  # their MNIST views: SimCLR's jittered
    assert compose(["method=random_label"]).method.augment.image.flip  # their random-label views flip
    assert compose(["method=random_label_plain"]).method.augment is None  # repscope's earlier runs
    assert compose(["dataset=mnist"]).dataset.flip  # the authors flipped MNIST in every view


@pytest.mark.parametrize("override, key", [
    ("method.loss=infonce", "method.loss"), ("method.augment.image.hue=0.7", "method.augment.image.hue"),
    ("method.augment.image.blur_p=2", "method.augment.image.blur_p"),
    ("method.augment.image.blur_sigma=[0,1]", "method.augment.image.blur_sigma")])
def test_bad_augmentation_values_name_the_key(override, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        validate(compose(["method=simclr", override]))


def test_batch_ratio_is_the_authors_formula(rng):
    p1, p2 = (torch.as_tensor(rng.normal(size=(6, 4))) for _ in range(2))
    loss, acc = batch_ratio(p1, p2, temperature=1.0)
    z1 = p1.numpy() / np.linalg.norm(p1.numpy(), axis=1, keepdims=True)
    z2 = p2.numpy() / np.linalg.norm(p2.numpy(), axis=1, keepdims=True)
    e = np.exp(z1 @ z2.T)
    pos, neg = np.trace(e), e.sum() - np.trace(e)
    assert float(loss) == pytest.approx(-math.log(pos / (neg + 1e-7) + 1e-7) / 6, rel=1e-6)
    assert float(acc) == pytest.approx(np.mean((z1 @ z2.T).argmax(1) == np.arange(6)))
    # not the per-view cross entropy (the old default): the two differ
    assert float(loss) != pytest.approx(float(nt_xent(p1, p2, 1.0)[0]), rel=1e-3)
    cfg = compose(["method=simclr"]).method
    assert float(simclr_loss(p1, p2, cfg)[0]) == pytest.approx(float(loss))


def test_crops_follow_torchvision_with_scale_above_one():
    """Area fractions in (0.6, 1.6): drawn like torchvision's RandomResizedCrop — a
    draw that does not fit is retried, the whole image after 10 misses — so every
    crop lies inside the image and the area distribution matches torchvision's."""
    from torchvision.transforms import RandomResizedCrop

    g = torch.Generator().manual_seed(0)
    theta = _crop_theta(20000, {"crop_scale": [0.6, 1.6]}, 2, False, g, "cpu")
    w, h = theta[:, 0, 0], theta[:, 1, 1]
    assert bool((w <= 1).all() and (h <= 1).all())
    area = (w * h).numpy()
    torch.manual_seed(0)
    ref = np.array([np.prod(RandomResizedCrop.get_params(torch.empty(1, 224, 224), [0.6, 1.6],
                                                         [3 / 4, 4 / 3])[2:]) / 224**2
                    for _ in range(4000)])
    assert area.min() >= 0.6 - 1e-6
    for q in (0.1, 0.25, 0.5, 0.75):  # quantiles of the crop area agree
        assert np.quantile(area, q) == pytest.approx(np.quantile(ref, q), abs=0.03)
    assert np.mean(area > 0.999) == pytest.approx(np.mean(ref > 0.999), abs=0.03)  # the fallback


def test_hue_shift_matches_torchvision(rng):
    from torchvision.transforms.functional import adjust_hue

    x = torch.as_tensor(rng.random((3, 3, 5, 7)), dtype=torch.float32)
    shifts = torch.tensor([0.2, -0.15, 0.0])
    got = shift_hue(x, shifts)
    for i, s in enumerate(shifts):
        torch.testing.assert_close(got[i], adjust_hue(x[i], float(s)), atol=1e-5, rtol=1e-5)


def _torchvision_jitter(x, seed):
    """torchvision's ops on each image of x in the order colour_jitter(x, spec, seed) draws,
    for spec jitter 0.8, hue 0.2, jitter_p 1 (its draws replayed)."""
    from torchvision.transforms import functional as TF

    b = len(x)
    g = torch.Generator().manual_seed(seed)
    torch.rand(b, generator=g)
    factors = [0.2 + 1.6 * torch.rand(b, generator=g) for _ in range(3)]
    shift = -0.2 + 0.4 * torch.rand(b, generator=g)
    order = torch.argsort(torch.rand(b, 4, generator=g), dim=1)
    ops = [TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue]
    out = []
    for i in range(b):
        want = x[i]
        for k in order[i].tolist():
            want = ops[k](want, float((factors + [shift])[k][i]))
        out.append(want)
    return torch.stack(out)


def test_colour_jitter_matches_torchvision_ops_in_the_drawn_order():
    x = torch.rand(6, 3, 5, 5, generator=torch.Generator().manual_seed(3))
    spec = {"jitter": 0.8, "hue": 0.2, "jitter_p": 1.0, "grayscale_p": 0.0}
    got = colour_jitter(x, spec, torch.Generator().manual_seed(7))
    torch.testing.assert_close(got, _torchvision_jitter(x, 7), atol=2e-3, rtol=0)


def test_grey_images_jitter_brightness_and_contrast_as_torchvision_on_one_channel():
    """The authors' SimCLR views jitter MNIST's single-channel images (torchvision's
    ColorJitter: saturation, hue and greyscale leave them unchanged); their supervised
    views of greyscale images, and repscope's earlier SimCLR views, do not jitter them."""
    x = torch.rand(6, 1, 5, 5, generator=torch.Generator().manual_seed(3))
    spec = {"jitter": 0.8, "hue": 0.2, "jitter_p": 1.0, "grayscale_p": 0.5}
    got = colour_jitter(x, spec, torch.Generator().manual_seed(7))
    torch.testing.assert_close(got, _torchvision_jitter(x, 7), atol=1e-6, rtol=0)
    assert (got - x).abs().amax() > 0.1
    views = {}
    for method in ("simclr", "supervised", "simclr_standard"):
        aug = OmegaConf.to_container(compose([f"method={method}"]).method.augment)
        aug["image"].update(crop_scale=[1.0, 1.0], blur_p=0.0, jitter_p=1.0)  # the whole image, no blur
        views[method] = augment(x, aug, (5, 5), False, torch.Generator().manual_seed(0))
    assert (views["simclr"] - x).abs().amax() > 0.1
    for method in ("supervised", "simclr_standard"):
        torch.testing.assert_close(views[method], x, atol=1e-5, rtol=0)


def test_blur_matches_a_dense_gaussian_filter():
    from scipy.ndimage import gaussian_filter

    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    sigma = torch.tensor([0.7, 1.5], dtype=torch.float64)
    got = gaussian_blur(x, sigma).numpy()
    for i, s in enumerate(sigma.tolist()):
        want = gaussian_filter(x[i].numpy(), sigma=(0, s, s), mode="mirror", truncate=5 / s)
        inner = (slice(None), slice(5, 11), slice(5, 11))  # away from the padded border
        np.testing.assert_allclose(got[i][inner], want[inner], atol=2e-3)


def test_authors_views_blur_and_jitter_but_stay_images():
    x = torch.rand(32, 3, 24, 24, generator=torch.Generator().manual_seed(0))
    spec = OmegaConf.to_container(compose(["method=simclr"]).method.augment)
    a = augment(x, spec, (24, 24), True, torch.Generator().manual_seed(0))
    b = augment(x, spec, (24, 24), True, torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.shape == x.shape and 0 <= a.min() and a.max() <= 1
    light = OmegaConf.to_container(compose(["method=supervised_light"]).method.augment)
    plain = augment(x, light, (24, 24), False, torch.Generator().manual_seed(0))
    rough = [float((v[:, :, 1:] - v[:, :, :-1]).abs().mean()) for v in (plain, a)]
    assert rough[1] < rough[0]  # blur (p = 0.5) smooths the SimCLR views on average


def test_stl10_epochs_are_ten_passes_and_other_datasets_one(tmp_path):
    from repscope.training.loop import Trainer

    assert compose(["dataset=stl10"]).dataset.passes_per_epoch == 10
    assert compose(["dataset=cifar10"]).dataset.passes_per_epoch == 1
    base = ["dataset=digits", "model=mlp", "model.widths=[8]", "train.batch_size=100",
            "train.epochs=1", "train.warmup_epochs=0"]
    one, two = (Trainer(validate(compose([*base, f"dataset.passes_per_epoch={p}"])), tmp_path / str(p))
                for p in (1, 2))
    n = len(one.y_train)
    assert (one.steps_per_epoch, two.steps_per_epoch) == (n // 100, 2 * (n // 100))
    two.train_epoch()
    assert two.scheduler.last_epoch == 2 * (n // 100)  # every step of both passes was taken
    with pytest.raises(ValueError, match="dataset.passes_per_epoch"):
        validate(compose([*base, "dataset.passes_per_epoch=0"]))

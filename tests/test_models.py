"""Encoders, heads, hooks and initialisation."""
import numpy as np
import pytest
import torch

from repscope.config import compose
from repscope.models import PENULTIMATE, build_network, forward_layers, layer_names


def _net(overrides, shape, classes=10):
    return build_network(compose(overrides), shape, classes)


def test_mlp_blocks_and_hooks():
    net = _net(["model=mlp", "model.widths=[12,7]"], (1, 40))
    assert net.encoder.block_names == ["layer1", "layer2"] and net.encoder.out_dim == 7
    names = layer_names(net, ["all"])
    assert names == ["layer1", "layer2", PENULTIMATE]
    x = torch.randn(5, 1, 40)
    out = forward_layers(net, x, names)
    assert out["layer1"].shape == (5, 12) and (out["layer1"] >= 0).all()  # after the ReLU
    w, b = net.encoder.layer1[0].weight, net.encoder.layer1[0].bias
    torch.testing.assert_close(out["layer1"], torch.relu(x.flatten(1) @ w.T + b))
    torch.testing.assert_close(out["layer2"], out[PENULTIMATE])
    assert not net.encoder.layer1[0]._forward_hooks  # hooks removed afterwards


@pytest.mark.parametrize("shape,conv", [((1, 40), torch.nn.Conv1d), ((3, 8, 8), torch.nn.Conv2d)])
def test_cnn_is_1d_or_2d_from_the_input_shape(shape, conv):
    net = _net(["model=cnn", "model.channels=[4,6,5,3]"], shape)
    assert isinstance(net.encoder.block1[0], conv) and net.encoder.out_dim == 3
    out = forward_layers(net.eval(), torch.randn(2, *shape), layer_names(net, ["block2"]))
    assert list(out) == ["block2", PENULTIMATE] and out[PENULTIMATE].shape == (2, 3)
    spatial = [s // 4 for s in shape[1:]]  # two max-pools
    assert out["block2"].shape == (2, 6 * int(np.prod(spatial)))


def test_unknown_hook_lists_blocks():
    net = _net(["model=mlp"], (1, 40))
    with pytest.raises(ValueError, match=r"model.hooks: 'layer9'.*\['layer1', 'layer2'\]"):
        layer_names(net, ["layer9"])


def test_seeded_init_and_no_global_rng_side_effect():
    torch.manual_seed(0)
    before = torch.get_rng_state()
    a = _net(["model=mlp", "seed=3"], (1, 40))
    assert torch.equal(before, torch.get_rng_state())
    b = _net(["model=mlp", "seed=3"], (1, 40))
    c = _net(["model=mlp", "seed=4"], (1, 40))
    assert torch.equal(a.encoder.layer1[0].weight, b.encoder.layer1[0].weight)
    assert not torch.equal(a.encoder.layer1[0].weight, c.encoder.layer1[0].weight)


def test_init_std_option():
    net = _net(["model=cnn", "model.channels=[64,64]", "model.init.conv_std=0.05",
                "model.init.linear_std=0.001"], (3, 16, 16))
    conv = net.encoder.block2[0].weight
    assert conv.std().item() == pytest.approx(0.05, rel=0.03) and abs(conv.mean().item()) < 0.002
    assert net.head.weight.std().item() == pytest.approx(0.001, rel=0.1)


def test_simclr_has_projector_to_proj_dim():
    net = _net(["model=mlp", "model.widths=[8]", "method=simclr", "method.proj_dim=5"], (1, 40))
    assert net.projector(net(torch.randn(3, 1, 40))).shape == (3, 5)
    assert _net(["model=mlp"], (1, 40)).projector is None


@pytest.mark.parametrize("arch,kwargs,hook", [("resnet10t", [], "layer2"),
                                             ("vit_tiny_patch16_224", ["+model.kwargs.img_size=32"], "blocks.3")])
def test_timm_encoder_penultimate_features(arch, kwargs, hook):
    net = _net(["model=timm", f"model.arch={arch}", *kwargs], (3, 32, 32), classes=7)
    assert net.head.out_features == 7 and net.head.in_features == net.encoder.num_features
    assert hook in net.encoder.block_names
    out = forward_layers(net.eval(), torch.randn(2, 3, 32, 32), layer_names(net, [hook]))
    assert out[PENULTIMATE].shape == (2, net.encoder.num_features)
    assert out[hook].ndim == 2 and out[hook].shape[0] == 2


def test_timm_unknown_arch_or_signal_input():
    with pytest.raises(ValueError, match="model.arch"):
        _net(["model=timm", "model.arch=resnet_doesnotexist"], (3, 32, 32))
    with pytest.raises(ValueError, match="needs images"):
        _net(["model=timm"], (1, 40))


def test_batched_activations_equal_one_forward_pass_and_restore_the_mode():
    from repscope.models import INPUT, activations
    from repscope.models.activations import classifier

    net = _net(["model=cnn", "model.channels=[4,6]"], (1, 40))
    x = torch.randn(7, 1, 40, generator=torch.Generator().manual_seed(0))
    names = [INPUT, "block1", PENULTIMATE]
    got = activations(net.train(), x, names, batch_size=3, prepare=lambda xb: 2 * xb)
    assert net.training  # the mode is restored
    want = forward_layers(net.eval(), 2 * x, ["block1", PENULTIMATE])
    torch.testing.assert_close(got[INPUT], (2 * x).flatten(1))
    for n in ("block1", PENULTIMATE):
        assert got[n].device.type == "cpu" and got[n].dtype == torch.float32
        torch.testing.assert_close(got[n], want[n])
    with torch.no_grad():
        torch.testing.assert_close(classifier(net)(x), net.head(net(x)))

"""Ablation importance on a hand-built network with a known answer, checked against
explicitly edited copies of the network."""
import copy

import numpy as np
import pytest
import torch

from repscope.metrics.ablation import ablation_importance, random_directions


def tiny():
    """x in [0, 1]^2 -> 3 ReLU units -> 2 logits. Unit 2 is dead (bias -1, no
    input), unit 0 drives the output, unit 1 barely matters."""
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
        net[0].bias.copy_(torch.tensor([0.0, 0.0, -1.0]))
        net[2].weight.copy_(torch.tensor([[4.0, 0.3, 5.0], [-4.0, -0.3, -5.0]]))
        net[2].bias.zero_()
    return net


def explicit(net, X, project):
    """(KL(p||q), H(q) - H(p)) in bits with the readout weights multiplied by ``project``."""
    edited = copy.deepcopy(net)
    with torch.no_grad():
        edited[2].weight.copy_(edited[2].weight @ project)
        logp, logq = torch.log_softmax(net(X), -1), torch.log_softmax(edited(X), -1)

    def H(lp):
        return -(lp.exp() * lp).sum(-1)

    return (float((logp.exp() * (logp - logq)).sum(-1).mean() / np.log(2)),
            float((H(logq) - H(logp)).mean() / np.log(2)))


@pytest.fixture
def X():
    return torch.rand(200, 2, generator=torch.Generator().manual_seed(0))


def test_dead_neuron_is_harmless_and_the_driver_matters_most(X):
    net = tiny()
    res = ablation_importance(net, net[1], X, chunk=2)
    assert res.kl[2] == 0 and res.entropy_change[2] == 0
    assert res.kl[0] > res.kl[1] > 0
    assert res.entropy_change[0] > 0  # removing the driver makes the output less certain
    for j in range(3):
        keep = torch.eye(3)
        keep[j, j] = 0
        np.testing.assert_allclose((res.kl[j], res.entropy_change[j]), explicit(net, X, keep),
                                   atol=1e-6)


def test_random_directions_match_projected_readout(X):
    net = tiny()
    res = ablation_importance(net, net[1], X, kind="directions", n_directions=5, seed=3, chunk=4)
    assert res.directions.shape == (5, 3)
    np.testing.assert_allclose(res.directions, random_directions(5, 3, seed=3))
    for u, kl, dh in zip(res.directions, res.kl, res.entropy_change):
        u = torch.as_tensor(u, dtype=torch.float32)
        np.testing.assert_allclose((kl, dh), explicit(net, X, torch.eye(3) - torch.outer(u, u)),
                                   atol=1e-5)
    assert net.training  # the model's mode is restored


def test_conv_channels_and_bad_input(X):
    with torch.random.fork_rng():  # a fixed initialisation, whatever ran before
        torch.manual_seed(0)
        conv = torch.nn.Sequential(torch.nn.Conv1d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                   torch.nn.Linear(4 * 6, 3))
    x = torch.randn(10, 1, 8, generator=torch.Generator().manual_seed(1))
    res = ablation_importance(conv, conv[1], x)
    assert res.kl.shape == (4,) and np.all(res.kl >= -1e-7)  # KL >= 0 up to rounding (a dead channel: 0)
    net = tiny()
    with pytest.raises(ValueError, match="kind"):
        ablation_importance(net, net[1], X, kind="units")
    with pytest.raises(ValueError, match="submodule of model"):
        ablation_importance(net, torch.nn.ReLU(), X)
    with pytest.raises(ValueError, match="chunk"):
        ablation_importance(net, net[1], X, chunk=0)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(X):
    net = tiny()
    cpu = ablation_importance(net, net[1], X)
    gpu = ablation_importance(net.cuda(), net[1], X, device="cuda")
    np.testing.assert_allclose(gpu.kl, cpu.kl, atol=1e-5)

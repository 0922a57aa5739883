"""DIB: the base-C relabelling (the thesis's worked example (docs/sources.md), exact powers) and
decodable information on representations whose answer is known."""
import numpy as np
import pytest
import torch

from repscope.metrics.dib import (decodable_information, n_nuisance_digits, nuisance_digits,
                                  target_entropy_bits)


def test_seed_worked_example():
    labels = [0, 0, 0, 1, 1, 3, 4, 4, 4, 4, 4, 4]
    digits = nuisance_digits(labels)  # C = max label + 1 = 5
    assert digits[:, 0].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert digits[:, 1].tolist() == [0, 1, 2, 0, 1, 0, 0, 1, 2, 3, 4, 0]


@pytest.mark.parametrize("count, C, k", [(125, 5, 3), (126, 5, 4), (1000, 10, 3), (1001, 10, 4),
                                         (1024, 2, 10), (243, 3, 5), (1, 7, 0), (2, 7, 1)])
def test_digit_count_is_exact_at_powers(count, C, k):
    assert n_nuisance_digits(count, C) == k
    digits = nuisance_digits(np.zeros(count, int), n_classes=C)
    assert digits.shape == (count, k)
    # (label, digits) identifies every sample: the digits spell 0..count-1
    assert sorted((digits * C ** np.arange(k)[::-1]).sum(1).tolist()) == list(range(count))


def test_digits_follow_order_within_interleaved_classes():
    y = np.array([2, 0, 2, 2, 0, 1, 2])
    d = nuisance_digits(y, n_classes=3)  # counts 2, 1, 4 -> 2 digits
    number = d[:, 0] * 3 + d[:, 1]
    assert number.tolist() == [0, 0, 1, 2, 1, 0, 3]


def balanced(C=3, per_class=9):
    return np.repeat(np.arange(C), per_class)


def test_one_hot_label_gives_label_entropy_and_no_nuisance_information():
    y = balanced()  # 9 = 3^2 per class: both digits uniform within every class
    Z = np.eye(3)[y]
    res = decodable_information(Z, y, epochs=300, lr=0.1)
    assert res.label_entropy == pytest.approx(np.log2(3), abs=1e-12)
    assert res.sufficiency == pytest.approx(np.log2(3), abs=0.05)
    np.testing.assert_allclose(res.digit_entropies, [np.log2(3)] * 2, atol=1e-12)
    assert abs(res.nuisance) < 0.05  # nothing beyond chance


def test_sample_id_makes_every_nuisance_digit_decodable():
    y = np.repeat([0, 1, 2], [10, 3, 5])  # imbalanced: digits far from uniform
    Z = np.eye(len(y))                   # representation = sample identity
    res = decodable_information(Z, y, epochs=300, lr=0.1)
    want = [target_entropy_bits(d) for d in nuisance_digits(y).T]
    assert want[0] < np.log2(3) - 0.3  # the actual entropy, not log2 C
    np.testing.assert_allclose(res.per_digit, want, atol=0.05)
    assert res.nuisance == pytest.approx(sum(want), abs=0.1)
    assert res.sufficiency == pytest.approx(target_entropy_bits(y), abs=0.05)


def test_decoder_template_is_reinitialised_and_seeded():
    rng = np.random.default_rng(0)
    y = balanced(C=2, per_class=8)
    Z = rng.normal(size=(len(y), 4)) + y[:, None]
    template = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    before = [p.clone() for p in template.parameters()]
    state = torch.random.get_rng_state()
    a = decodable_information(Z, y, template, epochs=20, seed=3)
    assert torch.equal(state, torch.random.get_rng_state())  # global RNG untouched
    assert all(torch.equal(p, q) for p, q in zip(before, template.parameters()))
    b = decodable_information(Z, y, template, epochs=20, seed=3)
    c = decodable_information(Z, y, template, epochs=20, seed=4)
    assert a.sufficiency == b.sufficiency and np.array_equal(a.per_digit, b.per_digit)
    assert a.sufficiency != c.sufficiency


def test_bad_input():
    with pytest.raises(ValueError, match="labels must be a non-empty array of integers"):
        nuisance_digits([0.5, 1.0])
    with pytest.raises(ValueError, match="n_classes must be >= 2"):
        nuisance_digits([0, 3], n_classes=3)
    with pytest.raises(ValueError, match="one entry per point"):
        decodable_information(np.zeros((5, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="finite"):
        decodable_information(np.full((4, 2), np.nan), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="epochs"):
        decodable_information(np.zeros((4, 2)), [0, 1, 0, 1], epochs=0)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_decoders_train():
    y = balanced()
    res = decodable_information(np.eye(3)[y], y, epochs=300, lr=0.1, device="cuda")
    assert res.sufficiency == pytest.approx(np.log2(3), abs=0.05)

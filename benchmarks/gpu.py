"""The GPU figures of the README, in one command on a machine with CUDA:

    python benchmarks/gpu.py                      # DSE at N = 10 000 and 100 000, training images/s

- DSE on the GPU (torch, float32 and float64 exact at N = 10 000; SLQ float32 at
  N = 100 000, the packed operator or matrix-free where that does not fit), against exact
  float64 on the CPU at N = 10 000 for the difference in bits;
- training throughput of timm models at 224 px, batch 128, channels-last and
  bfloat16 autocast, as repscope's training loop runs them (random weights and
  inputs: nothing is downloaded).

``--device cpu`` with small sizes is a smoke test of the script itself.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def _synchronize(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fn, device):
    _synchronize(device)
    start = time.perf_counter()
    out = fn()
    _synchronize(device)
    return out, time.perf_counter() - start


def dse_rows(sizes, large, dim, device):
    from repscope.metrics import diffusion_spectral_entropy

    rng = np.random.default_rng(0)
    diffusion_spectral_entropy(rng.uniform(0, 4, (500, dim)), device=device)  # warm-up
    for n in sizes:
        Z = rng.uniform(0, 4, (n, dim))
        exact, cpu_s = _timed(lambda: diffusion_spectral_entropy(Z, max_n=None), "cpu")
        print(f"| {n} | exact float64, CPU | {cpu_s:.2f} | {exact:.6f} | |", flush=True)
        for dtype in ("float64", "float32"):
            value, s = _timed(lambda: diffusion_spectral_entropy(Z, max_n=None, dtype=dtype, device=device),
                              device)
            print(f"| {n} | exact {dtype}, {device} | {s:.2f} | {value:.6f} | {abs(value - exact):.1e} |",
                  flush=True)
    if large:
        Z = rng.uniform(0, 4, (large, dim))
        est, s = _timed(lambda: diffusion_spectral_entropy(Z, max_n=None, dtype="float32", device=device,
                                                           solver="slq", return_stderr=True), device)
        print(f"| {large} | SLQ float32, {device} | {s:.2f} | {est.value:.4f} ± {est.stderr:.4f} | |", flush=True)


def training_rows(models, batch, image, steps, device):
    import timm

    on_gpu = device.startswith("cuda")
    for arch in models:
        net = timm.create_model(arch, pretrained=False, num_classes=10).to(device)
        net = net.to(memory_format=torch.channels_last)
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        x = torch.randn(batch, 3, image, image, device=device).contiguous(memory_format=torch.channels_last)
        y = torch.randint(0, 10, (batch,), device=device)

        def step():
            with torch.autocast(device_type="cuda" if on_gpu else "cpu", dtype=torch.bfloat16):
                loss = torch.nn.functional.cross_entropy(net(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        step()  # warm-up (cuDNN autotuning, allocator)
        _, s = _timed(lambda: [step() for _ in range(steps)], device)
        print(f"| {arch} | {image} px, batch {batch}, bf16 | {steps * batch / s:.0f} images/s |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10000])
    parser.add_argument("--large", type=int, default=100000, help="DSE by SLQ at this N (0: skip)")
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--models", nargs="*", default=["resnet50", "vit_tiny_patch16_224"])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--image", type=int, default=224)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)

    name = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else "CPU"
    print(f"{name}; DSE with D = {args.dim}, sigma = 10, t = 1")
    print("| N | method | seconds | DSE (bits) | abs diff vs CPU float64 |\n|---|---|---|---|---|")
    dse_rows(args.sizes, args.large, args.dim, args.device)
    print("\n| model | setting | throughput |\n|---|---|---|")
    training_rows(args.models, args.batch, args.image, args.steps, args.device)


if __name__ == "__main__":
    main()

"""The device a setting names, resolved once for every command: ``auto`` is
CUDA when torch sees a GPU, else the CPU."""
from __future__ import annotations


def resolve_device(name, key: str, backend: str = "torch") -> str:
    """``name`` (``auto``, ``cpu``, ``cuda``, ``cuda:<i>``) of the setting ``key`` as
    a device string; ``backend='numpy'`` always computes on the CPU (no torch
    import). ``cuda`` without CUDA raises a ValueError naming ``key``."""
    name = str(name)
    if backend == "numpy" and name == "auto":
        return "cpu"
    if name == "cpu":
        return name
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise ValueError(f"{key}={name!r} but CUDA is not available; use 'auto' or 'cpu'")
    return name

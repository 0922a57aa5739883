"""`repscope <command>`: thin entry points; all work lives in the package."""
from __future__ import annotations

import sys


def demo(argv=None) -> None:
    """DSE, CSE, DSMI and CSMI on generated Gaussian blobs, printed as a table."""
    import numpy as np

    from .metrics import (classic_shannon_entropy, classic_shannon_mutual_information,
                          diffusion_spectral_entropy, diffusion_spectral_mutual_information)

    rng = np.random.default_rng(0)
    n, d, k = 1000, 64, 5
    y = rng.integers(0, k, n)
    centres = rng.normal(size=(k, d)) * 3
    print(f"{'data':<28}{'DSE':>8}{'CSE':>8}{'DSMI(Z;Y)':>11}{'CSMI(Z;Y)':>11}   (bits; log2 N = {np.log2(n):.2f})")
    for name, Z in [("one Gaussian blob", rng.normal(size=(n, d))),
                    (f"{k} separated blobs", centres[y] + rng.normal(size=(n, d)) * 0.5)]:
        dse = diffusion_spectral_entropy(Z, sigma="median")
        cse = classic_shannon_entropy(Z)
        dsmi = diffusion_spectral_mutual_information(Z, y, sigma="median").mi
        csmi = classic_shannon_mutual_information(Z, y).mi
        print(f"{name:<28}{dse:8.3f}{cse:8.3f}{dsmi:11.3f}{csmi:11.3f}")


# name -> "module:function"; each function takes the remaining argv (Hydra
# overrides for the pipeline commands). Imported lazily so `repscope demo`
# does not pay for torch/timm/snakemake imports it does not need.
COMMANDS = {
    "demo": "repscope.cli:demo",
    "study": "repscope.studies.command:study",
    "figure": "repscope.studies.command:figure",
    "fidelity": "repscope.studies.fidelity:main",
    "trust-table": "repscope.studies.trust_table:main",
    "config": "repscope.pipeline.commands:config",
    "clusters": "repscope.pipeline.commands:clusters",
    "measure": "repscope.pipeline.commands:measure",
    "aggregate": "repscope.pipeline.commands:aggregate",
    "training-figures": "repscope.figures.command:training_figures",
    "study-figures": "repscope.pipeline.commands:study_figures",
    "train": "repscope.training.commands:train",
    "embed": "repscope.training.commands:embed",
    "inputs": "repscope.training.commands:inputs",
    "layers": "repscope.layerwise.command:layers",
}


def resolve(spec: str):
    """The object a ``"module:name"`` spec names (the commands here, custom
    measures in conf/metrics)."""
    import importlib

    module, func = spec.split(":")
    return getattr(importlib.import_module(module), func)


def _exit_on_sigterm() -> None:
    """SIGTERM (a scheduler cancelling the job) exits through Python, so an
    atomic write in progress removes its temporary file."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: repscope {{{','.join(COMMANDS)}}} [args...]", file=sys.stderr)
        return 2
    if argv[0] != "demo":
        from .config import conf_dir

        conf_dir()  # found once, printed first in every job's log
    _exit_on_sigterm()
    return resolve(COMMANDS[argv[0]])(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())

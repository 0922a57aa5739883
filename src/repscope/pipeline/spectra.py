"""The eigenvalue spectra of the measure job, kept between jobs.

DSE and DSMI at any diffusion time t come from the same exact spectra (one per
block: each class and random subset of DSMI, all of Z for DSE), which cost an
eigendecomposition each. The measure job keeps them per epoch in a folder (the
run's ``spectra``, :mod:`repscope.layout`) under a key of everything that decides them
but t — the embedding's checksum, the clusters of X, the spectral settings
(bandwidth, knn_k, repetitions, seed, sampling, max_n, backend, dtype, device,
solver), the spectral measures asked for and the code — so a new ``metrics.t``
(or a new figure, or another non-spectral measure) reuses them. The file carries
the checksum of its arrays and is checked before it is trusted: a damaged file
is reported in the log and its spectra computed again.

Only exact spectra are kept: with SLQ (``metrics.solver``) the estimate is taken
without a spectrum, and the measures are computed afresh at every t."""
from __future__ import annotations

import hashlib
import json
import logging
from types import SimpleNamespace

import numpy as np

from ..io import DamagedFileError, array_checksum, read_npz, save_npz
from ..layout import kept_spectra
from .registry import SPECTRAL

log = logging.getLogger(__name__)
SETTINGS = ("sigma", "knn_k", "n_repetitions", "seed", "sampling", "max_n", "backend", "dtype")
CODE = ("spectral", "metrics/dsmi.py", "metrics/sampling.py", "_validate.py")  # what computes the spectra


def spectra_key(embedding_checksum: str, x_clusters: np.ndarray, m, device: str, code: str) -> str:
    """The key of one epoch's spectra: what they are computed from, t excepted."""
    from omegaconf import OmegaConf

    settings = {k: OmegaConf.to_container(m[k]) if OmegaConf.is_config(m[k]) else m[k] for k in SETTINGS}
    settings.update(device=device, solver=OmegaConf.to_container(m.solver),
                    measures=sorted(set(m.measures) & set(SPECTRAL)))
    parts = [embedding_checksum, array_checksum({"clusters": x_clusters}), json.dumps(settings, sort_keys=True),
             code]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class SpectraStore:
    """One epoch's kept spectra {layer: [eigenvalues per block]}, read from its file
    when the file holds them under ``key``; each layer's :meth:`slot` gets or puts
    them; :meth:`save` writes the file when anything was put (atomically, with the
    checksum of its arrays)."""

    def __init__(self, folder, epoch: int, key: str):
        self.path, self.key, self.changed = kept_spectra(folder, epoch), key, False
        self.layers = self._read()

    def _read(self) -> dict[str, list[np.ndarray]]:
        if not self.path.exists():
            return {}
        try:
            with read_npz(self.path) as f:
                arrays = {k: f[k] for k in f.files}
            recorded = str(arrays.pop("checksum"))
            if array_checksum(arrays) != recorded:
                raise DamagedFileError(f"{self.path} is damaged (its arrays do not match their recorded checksum)")
            if str(arrays["key"]) != self.key:
                return {}  # computed from another embedding, settings or code
            names = [str(n) for n in arrays["layers"]]
            return {n: np.split(arrays[f"values_{i}"], np.cumsum(arrays[f"sizes_{i}"])[:-1])
                    for i, n in enumerate(names)}
        except (DamagedFileError, KeyError) as err:
            log.warning("%s; its spectra are computed again", err if isinstance(err, DamagedFileError)
                        else f"{self.path} lacks {err} (not a spectra file of this version)")
            return {}

    def slot(self, layer: str) -> SimpleNamespace:
        """The layer's ``get() -> spectra or None`` and ``put(spectra)``
        (:func:`repscope.pipeline.measure.measure_layer`'s ``kept``)."""
        return SimpleNamespace(get=lambda: self.layers.get(layer),
                               put=lambda spectra: self._put(layer, spectra))

    def _put(self, layer: str, spectra: list[np.ndarray]) -> None:
        self.layers[layer], self.changed = [np.asarray(lam) for lam in spectra], True

    def save(self) -> None:
        if not self.changed:
            return
        names = list(self.layers)
        arrays = {"key": np.array(self.key), "layers": np.array(names)}
        for i, n in enumerate(names):
            arrays[f"values_{i}"] = np.concatenate(self.layers[n])
            arrays[f"sizes_{i}"] = np.array([len(lam) for lam in self.layers[n]], dtype=np.int64)
        save_npz(self.path, checksum=np.array(array_checksum(arrays)), **arrays)
        self.changed = False

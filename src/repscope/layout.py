"""The results layout: where every file of an experiment lives (docs/architecture.md).

An experiment's results are under ``<paths.results>/<experiment>/`` (conf/paths/); a training
run's files under its folder ``runs/<dataset>-<model>-<method>-s<seed>/``. Every function here
accepts concrete values or Snakemake wildcard strings (``"{dataset}"``, ``"{epoch}"``), so the
rules build their patterns from the same functions the commands and studies read with."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RUN_NAME = "{dataset}-{model}-{method}-s{seed}"  # the parts contain no '-' or '/' (checked by the plan)


@dataclass(frozen=True)
class Run:
    """One training run of an experiment's grid; ``name`` is its folder under runs/."""

    dataset: str
    model: str
    method: str
    seed: int

    @property
    def name(self) -> str:
        return RUN_NAME.format(dataset=self.dataset, model=self.model, method=self.method, seed=self.seed)

    @classmethod
    def from_name(cls, name: str) -> Run:
        parts = name.split("-")
        if len(parts) != 4 or not parts[3][:1] == "s" or not parts[3][1:].isdigit():
            raise ValueError(f"a run folder's name is {RUN_NAME}; got {name!r}")
        return cls(parts[0], parts[1], parts[2], int(parts[3][1:]))


def _epoch(epoch) -> str:
    """An epoch in a file name: a wildcard string as it is, a number as an integer."""
    return epoch if isinstance(epoch, str) and epoch.startswith("{") else str(int(epoch))


@dataclass(frozen=True)
class RunFolder:
    """One training run's folder (``repscope train out_dir=<dir>``)."""

    dir: Path

    def __post_init__(self):
        object.__setattr__(self, "dir", Path(self.dir))

    @property
    def config(self) -> Path:
        """The resolved config the run was trained with (rewritten by every training job)."""
        return self.dir / "config.yaml"

    @property
    def train_log(self) -> Path:
        return self.dir / "train_log.csv"

    @property
    def checkpoints(self) -> Path:
        return self.dir / "checkpoints"

    def checkpoint(self, epoch) -> Path:
        """Weights after ``epoch`` (0 = the initialisation)."""
        return self.checkpoints / f"epoch_{_epoch(epoch)}.pt"

    @property
    def last(self) -> Path:
        """What a resumed training job needs (model, optimiser, RNG states, log)."""
        return self.checkpoints / "last.pt"

    @property
    def embeddings(self) -> Path:
        return self.dir / "embeddings"

    def embedding(self, epoch) -> Path:
        return self.embeddings / f"epoch_{_epoch(epoch)}.npz"

    @staticmethod
    def of_embedding(path) -> tuple[RunFolder, int]:
        """The run folder and the epoch an embedding file belongs to, by its place."""
        path = Path(path)
        return RunFolder(path.parent.parent), int(path.stem.removeprefix("epoch_"))

    @property
    def metrics(self) -> Path:
        """The run's measures at every evaluated epoch (``repscope measure``)."""
        return self.dir / "metrics.parquet"

    @staticmethod
    def of_metrics(path) -> RunFolder:
        """The run folder of a run's ``metrics.parquet``."""
        return RunFolder(Path(path).parent)

    @property
    def kept_metrics(self) -> Path:
        """The folder of each epoch's kept measures (``repscope.pipeline.cache``)."""
        return self.dir / "metrics"

    @property
    def kept_spectra(self) -> Path:
        """The folder of each epoch's kept eigenvalue spectra (``repscope.pipeline.spectra``)."""
        return self.dir / "spectra"

    def layers(self, epoch) -> Path:
        """The layer-wise measures of one checkpoint (``repscope layers``)."""
        return self.dir / "layers" / f"epoch_{_epoch(epoch)}.parquet"

    def log(self, step: str) -> Path:
        return self.dir / "logs" / f"{step}.log"


def kept_epoch(folder, epoch) -> Path:
    """One epoch's kept measures in a ``kept_metrics`` folder."""
    return Path(folder) / f"epoch_{_epoch(epoch)}.parquet"


def kept_spectra(folder, epoch) -> Path:
    """One epoch's kept spectra in a ``kept_spectra`` folder."""
    return Path(folder) / f"epoch_{_epoch(epoch)}.npz"


@dataclass(frozen=True)
class Layout:
    """One experiment's results folder, ``<paths.results>/<experiment>``."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def at(cls, results, experiment: str) -> Layout:
        """The layout of ``experiment`` under the results root ``results`` (``paths.results``)."""
        if not isinstance(results, (str, Path)) or not str(results):
            raise ValueError(f"paths.results must be a non-empty path; got {results!r}")
        return cls(Path(results) / experiment)

    @classmethod
    def of(cls, cfg) -> Layout:
        """The layout of a composed config's experiment (``paths.results``, ``experiment.name``)."""
        return cls.at(cfg.paths.results, cfg.experiment.name)

    def run(self, name: str) -> RunFolder:
        return RunFolder(self.root / "runs" / name)

    def inputs(self, dataset) -> Path:
        """The evaluation subset's raw inputs X of a dataset (``repscope inputs``)."""
        return self.root / "inputs" / dataset / "X.npz"

    def clusters(self, dataset) -> Path:
        """The spectral clusters of those inputs (``repscope clusters``)."""
        return self.root / "inputs" / dataset / "X_clusters.npz"

    @property
    def metrics_settings(self) -> Path:
        """The experiment's conf/metrics settings, written once for every measure job."""
        return self.root / "metrics.yaml"

    @property
    def tables(self) -> Path:
        return self.root / "tables"

    @property
    def table(self) -> Path:
        """The tidy table of every run's measures."""
        return self.tables / "metrics.parquet"

    @property
    def table_csv(self) -> Path:
        return self.tables / "metrics.csv"

    @property
    def correlations(self) -> Path:
        return self.tables / "correlations.csv"

    def study(self, name) -> Path:
        return self.root / "studies" / f"{name}.parquet"

    @property
    def figures(self) -> Path:
        return self.root / "figures"

    def figure(self, name, ext: str) -> Path:
        return self.figures / f"{name}.{ext}"

    def log(self, name) -> Path:
        """An experiment-level job's log (``name`` may hold a subfolder: ``studies/intrinsic_dimension``)."""
        return self.root / "logs" / f"{name}.log"

    def benchmark(self, name) -> Path:
        """A job's run time (Snakemake's benchmark file)."""
        return self.root / "benchmarks" / f"{name}.tsv"

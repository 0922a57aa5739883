"""The configuration schema: typed dataclasses per config group
(:mod:`.groups`, :mod:`.fields`) and the one validation of a composed
experiment (:mod:`.experiment`), run when the Snakefile is read so that every
invalid value fails before any job, naming the key and what is allowed. A job
checks the groups it composes with the same code (:func:`check_run`).

This package imports no torch and none of data/models/training: checking a
config is cheap, and those packages do not need it to run."""
from .groups import check_run

__all__ = ["check_run"]

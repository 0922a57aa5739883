"""torch optimisers without importing ``torch._dynamo``.

torch's optimisers wrap ``add_param_group``, ``zero_grad``, ``state_dict``,
``load_state_dict`` (``torch._disable_dynamo``) and ``step`` (a graph break
around a no-grad call) so that ``torch.compile`` can trace around them; the
first call of any of them imports ``torch._dynamo``, about as long as
importing torch itself, in every training, layer-wise (DIB) and MINE job.
repscope never compiles: :func:`eager` returns the optimiser class with those
methods calling torch's own undecorated functions (``step`` under
``torch.no_grad``, what the wrapper does for a non-differentiable optimiser),
so every update, state dict and checkpoint is the same, bit for bit
(tests/test_training.py). Not for use under ``torch.compile``."""
from __future__ import annotations

import functools
import inspect


@functools.cache
def eager(cls):
    """``cls`` (a ``torch.optim.Optimizer`` subclass) whose methods skip the
    ``torch._dynamo`` wrappers; same name, arguments and state."""
    import torch

    methods = {name: inspect.unwrap(getattr(cls, name))
               for name in ("add_param_group", "zero_grad", "state_dict", "load_state_dict")}
    step = inspect.unwrap(cls.step)

    @functools.wraps(step)
    def eager_step(self, closure=None):
        with torch.no_grad():
            return step(self, closure)

    return type(cls.__name__, (cls,), {"__module__": __name__, "__doc__": cls.__doc__, "step": eager_step,
                                       **methods})

import os
from pathlib import Path

import numpy as np
import pytest

# Tests (and the commands they start) read this checkout's conf/ wherever they
# run, also from a temporary working directory (see repscope.config).
os.environ.setdefault("REPSCOPE_CONF", str(Path(__file__).resolve().parents[1] / "conf"))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)

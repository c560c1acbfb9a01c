"""The trust tests run many small forward/backward passes: on a shared 2-core machine torch's
intra-op threads mostly wait for each other (a 12 x 12 convolution took 0.17 s with the default
threads, 0.02 s with one). One thread here; restored afterwards for the rest of the session."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)

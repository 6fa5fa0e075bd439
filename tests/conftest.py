import os

import pytest
import torch

# Tests run on the CPU, offline, with two threads (the machine has two cores).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch.set_num_threads(2)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)

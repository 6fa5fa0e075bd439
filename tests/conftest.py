import logging
import os

import pytest
import torch
from mmengine.logging import MMLogger

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


@pytest.fixture
def caplog_mm(caplog):
    """``caplog`` that also sees mmengine's ``print_log`` (its logger does not propagate)."""
    logger = MMLogger.get_current_instance()
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    yield caplog
    logger.removeHandler(caplog.handler)

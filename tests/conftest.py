import itertools
import logging
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
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
def _gloo_rank(rank, world_size, init_file, out_dir, fn, args):
    dist.init_process_group(
        "gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size
    )
    try:
        os.chdir(out_dir)  # mmengine's collect_results writes its .dist_test folder into the cwd
        torch.set_num_threads(1)
        torch.save(fn(rank, world_size, *args), os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


@pytest.fixture
def gloo_ranks(tmp_path):
    """``run(fn, *args, world_size=2)``: ``fn(rank, world_size, *args)`` on real gloo ranks.

    Each rank is a forked process (so ``fn`` may live in the test module) with
    ``torch.distributed`` initialised; returns the list of what ``fn`` returned
    on each rank (anything ``torch.save`` writes).
    """
    calls = itertools.count()

    def run(fn, *args, world_size=2):
        out = tmp_path / f"gloo_{next(calls)}"
        out.mkdir()
        mp.start_processes(
            _gloo_rank,
            args=(world_size, str(out / "init"), str(out), fn, args),
            nprocs=world_size,
            start_method="fork",
        )
        return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(world_size)]

    return run

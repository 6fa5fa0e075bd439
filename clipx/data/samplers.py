"""Batch-composition samplers."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from mmengine.dist import get_dist_info
from torch.utils.data import Sampler

from clipx.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class GroupedInfiniteSampler(Sampler):
    """Endless shuffled indices that keep groups of consecutive indices together.

    With a dataset whose items come in groups of ``group_size`` (shapes-world
    training clips that look the same and differ only in their direction),
    every group lands whole in one batch when ``batch_size`` is a multiple of
    ``group_size``: the contrastive loss then sees the hard negatives it needs
    to learn direction. Groups are shuffled each pass; under a distributed
    launcher each rank takes every ``world_size``-th group.
    """

    def __init__(self, dataset, *, group_size: int, seed: int = 0) -> None:
        if group_size < 1 or len(dataset) % group_size:
            raise ValueError(
                f"group_size={group_size} does not divide the dataset's {len(dataset)} items; "
                "generate whole groups or pick a group size that divides them."
            )
        self.num_groups = len(dataset) // group_size
        self.group_size = group_size
        self.seed = seed
        self.rank, self.world_size = get_dist_info()

    def __iter__(self) -> Iterator[int]:
        gen = torch.Generator().manual_seed(self.seed)
        while True:
            for group in torch.randperm(self.num_groups, generator=gen)[self.rank :: self.world_size].tolist():
                yield from range(group * self.group_size, (group + 1) * self.group_size)

    def __len__(self) -> int:
        return self.num_groups * self.group_size // self.world_size

    def set_epoch(self, epoch: int) -> None:
        """Nothing to do: the stream is endless and reshuffles on each pass."""

import itertools

import pytest

from clipx.data.samplers import GroupedInfiniteSampler


def test_groups_stay_whole_and_every_group_comes_once_per_pass():
    sampler = GroupedInfiniteSampler(list(range(12)), group_size=4, seed=1)
    first_pass = list(itertools.islice(iter(sampler), 12))
    groups = [tuple(first_pass[i : i + 4]) for i in range(0, 12, 4)]
    assert sorted(groups) == [(0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10, 11)]
    assert len(list(itertools.islice(iter(sampler), 40))) == 40  # endless


def test_group_size_must_divide_the_dataset():
    with pytest.raises(ValueError, match="group_size=5 does not divide the dataset's 12 items"):
        GroupedInfiniteSampler(list(range(12)), group_size=5)

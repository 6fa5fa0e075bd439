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


def _sampler_rank(rank, world_size):
    sampler = GroupedInfiniteSampler(list(range(24)), group_size=4, seed=3)
    return {"len": len(sampler), "indices": list(itertools.islice(iter(sampler), 2 * len(sampler)))}


def test_two_ranks_take_disjoint_whole_groups_that_cover_each_pass(gloo_ranks):
    ranks = gloo_ranks(_sampler_rank)
    assert [r["len"] for r in ranks] == [12, 12]
    all_groups = [tuple(range(g * 4, g * 4 + 4)) for g in range(6)]
    for epoch in range(2):  # each of the first two passes over the data
        seen = []
        for r in ranks:
            part = r["indices"][epoch * 12 : (epoch + 1) * 12]
            seen.append({tuple(part[i : i + 4]) for i in range(0, 12, 4)})
        assert not seen[0] & seen[1]
        assert sorted(seen[0] | seen[1]) == all_groups

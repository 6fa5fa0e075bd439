"""Video retrieval metrics against a plain full-matrix reference; chunking; dual softmax; the metric."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from mmengine.dataset import DefaultSampler

from clipx.evaluation.video_retrieval import (
    VideoTextRetrieval,
    dual_softmax,
    rank_metrics,
    reversal_accuracy,
    video_retrieval_metrics,
    video_retrieval_ranks,
)


def reference_ranks(sim_t2v: torch.Tensor, sim_v2t: torch.Tensor, owner: torch.Tensor):
    """CLIP4Clip's definition written plainly: sort each query's row descending and
    find the target. Tie rule: a stable sort, so tied candidates keep index order."""
    t2v = []
    for t in range(sim_t2v.shape[0]):
        order = torch.argsort(-sim_t2v[t], stable=True).tolist()
        t2v.append(order.index(int(owner[t])))
    v2t = []
    for v in range(sim_v2t.shape[0]):
        mine = [t for t in range(len(owner)) if owner[t] == v]
        if mine:
            order = torch.argsort(-sim_v2t[v], stable=True).tolist()
            v2t.append(min(order.index(t) for t in mine))
    return np.array(t2v), np.array(v2t)


def reference_metrics(t2v, v2t, ks=(1, 5, 10)):
    out = {}
    for name, ranks in (("t2v", t2v), ("v2t", v2t)):
        for k in ks:
            out[f"{name}_R@{k}"] = 100.0 * float(np.mean(ranks < k))
        out[f"{name}_MdR"] = float(np.median(ranks) + 1)
        out[f"{name}_MnR"] = float(np.mean(ranks) + 1)
    return out


def gallery(n_videos: int, seed: int, *, integer: bool):
    """Videos with 0-4 captions each (video 1 has none: a distractor), captions shuffled;
    integer embeddings make plenty of exact ties."""
    g = torch.Generator().manual_seed(seed)
    counts = torch.randint(1, 5, (n_videos,), generator=g)
    counts[1] = 0
    owner = torch.repeat_interleave(torch.arange(n_videos), counts)
    owner = owner[torch.randperm(len(owner), generator=g)]
    if integer:
        videos = torch.randint(-1, 2, (n_videos, 6), generator=g).float()
        texts = videos[owner] + torch.randint(-1, 2, (len(owner), 6), generator=g).float()
    else:
        videos = torch.nn.functional.normalize(torch.randn(n_videos, 16, generator=g), dim=-1)
        texts = torch.nn.functional.normalize(
            videos[owner] + torch.randn(len(owner), 16, generator=g), dim=-1
        )
    return videos, texts, owner


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_the_reference_with_ties_and_several_captions(seed):
    videos, texts, owner = gallery(30, seed, integer=True)
    sim = texts @ videos.T
    assert len(torch.unique(sim)) < sim.numel() / 4  # plenty of exact ties
    t2v, v2t = reference_ranks(sim, sim.T, owner)
    assert video_retrieval_metrics(videos, texts, owner) == reference_metrics(t2v, v2t)
    ours = video_retrieval_ranks(videos, texts, owner)
    assert ours[0].tolist() == t2v.tolist() and ours[1].tolist() == v2t.tolist()
    assert len(ours[1]) == 29  # the video without captions is only a distractor


def test_median_and_mean_rank_follow_clip4clip():
    ranks = torch.tensor([0, 0, 1, 4, 9, 20])  # 0-based
    metrics = rank_metrics(ranks, ks=(1, 5, 10))
    expected = {
        "R@1": 100 * 2 / 6,
        "R@5": 100 * 4 / 6,
        "R@10": 100 * 5 / 6,
        "MdR": 3.5,
        "MnR": 34 / 6 + 1,
    }
    assert metrics == pytest.approx(expected)


@pytest.mark.parametrize("dsl", [False, True])
@pytest.mark.parametrize("integer", [True, False])
def test_chunked_equals_unchunked(integer, dsl):
    videos, texts, owner = gallery(40, 3, integer=integer)
    if dsl:  # keep the prior's exponent in range for integer embeddings
        videos, texts = videos / 8, texts / 8
    whole = video_retrieval_ranks(videos, texts, owner, chunk_size=10_000, dual_softmax=dsl)
    for chunk in (1, 3, 16):
        parts = video_retrieval_ranks(videos, texts, owner, chunk_size=chunk, dual_softmax=dsl)
        assert all(torch.equal(a, b) for a, b in zip(parts, whole, strict=True)), chunk


def test_dual_softmax_ranks_as_defined():
    videos, texts, owner = gallery(25, 5, integer=False)
    sim = texts @ videos.T
    # the plain definition on the full query x candidate matrices
    t2v, v2t = reference_ranks(dual_softmax(sim, 100.0), dual_softmax(sim.T, 100.0), owner)
    ours = video_retrieval_ranks(
        videos, texts, owner, dual_softmax=True, temperature=100.0, chunk_size=7
    )
    assert ours[0].tolist() == t2v.tolist() and ours[1].tolist() == v2t.tolist()
    plain = video_retrieval_ranks(videos, texts, owner)
    assert not torch.equal(plain[0], ours[0])  # it re-ranks


# text x video similarities (caption i describes video i) where the prior re-ranks v2t
HAND_SIM = [[-0.2, 0.1, 0.4], [0.9, 0.3, 0.7], [0.8, -0.1, 0.5]]
HAND_TEMPERATURE = 2.0


def _dual_softmax_by_hand(sim, temperature):
    """``sim[q][c] * exp(T sim[q][c]) / sum_q' exp(T sim[q'][c])``, in plain Python."""
    rows, cols = len(sim), len(sim[0])
    prior = [sum(math.exp(temperature * sim[q][c]) for q in range(rows)) for c in range(cols)]
    return [
        [sim[q][c] * math.exp(temperature * sim[q][c]) / prior[c] for c in range(cols)]
        for q in range(rows)
    ]


def _rank_by_hand(row, target):
    return sum(1 for c, v in enumerate(row) if v > row[target] or (v == row[target] and c < target))


def test_dual_softmax_equals_a_hand_computation():
    expected = _dual_softmax_by_hand(HAND_SIM, HAND_TEMPERATURE)
    # one entry written out: caption 0 to video 2, the prior over the three captions of video 2
    assert expected[0][2] == pytest.approx(
        0.4 * math.exp(0.8) / (math.exp(0.8) + math.exp(1.4) + math.exp(1.0))
    )
    got = dual_softmax(torch.tensor(HAND_SIM, dtype=torch.float64), HAND_TEMPERATURE)
    np.testing.assert_allclose(got.numpy(), np.array(expected), rtol=1e-12)


@pytest.mark.parametrize("chunk_size", [1, 2, 256])
def test_dual_softmax_ranks_equal_hand_computed_ranks(chunk_size):
    sim = torch.tensor(HAND_SIM, dtype=torch.float64)
    texts, videos, owner = torch.eye(3, dtype=torch.float64), sim.T.contiguous(), torch.arange(3)
    t2v_sim = _dual_softmax_by_hand(HAND_SIM, HAND_TEMPERATURE)
    v2t_sim = _dual_softmax_by_hand(
        [list(col) for col in zip(*HAND_SIM, strict=True)], HAND_TEMPERATURE
    )
    expected_t2v = [_rank_by_hand(t2v_sim[t], t) for t in range(3)]
    expected_v2t = [_rank_by_hand(v2t_sim[v], v) for v in range(3)]
    assert (expected_t2v, expected_v2t) == ([2, 2, 1], [2, 0, 2])
    t2v, v2t = video_retrieval_ranks(
        videos, texts, owner, dual_softmax=True, temperature=HAND_TEMPERATURE, chunk_size=chunk_size
    )
    assert t2v.tolist() == expected_t2v and v2t.tolist() == expected_v2t
    _, plain_v2t = video_retrieval_ranks(videos, texts, owner)
    assert plain_v2t.tolist() == [2, 0, 1]  # the prior moved video 2's caption down


def test_dual_softmax_demotes_a_hub_video():
    # video 2 is a "hub": close to every caption, and first for caption 0 before re-ranking
    videos = torch.nn.functional.normalize(
        torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.6, 0.5]]), dim=-1
    )
    texts = torch.nn.functional.normalize(
        torch.tensor([[0.8, 0.5, 0.3], [0.2, 1.0, 0.2], [0.4, 0.4, 0.8]]), dim=-1
    )
    owner = torch.tensor([0, 1, 2])
    plain, _ = video_retrieval_ranks(videos, texts, owner)
    assert plain[0] == 1  # the hub wins caption 0
    dsl, _ = video_retrieval_ranks(videos, texts, owner, dual_softmax=True, temperature=10.0)
    assert dsl.tolist() == [0, 0, 0]


def test_perfect_and_collapsed_embeddings():
    eye = torch.eye(5)
    perfect = video_retrieval_metrics(eye, eye[[0, 0, 1, 2, 3, 4]], [0, 0, 1, 2, 3, 4])
    assert all(perfect[f"{d}_R@1"] == 100.0 and perfect[f"{d}_MdR"] == 1.0 for d in ("t2v", "v2t"))
    same = torch.ones(4, 3)
    collapsed = video_retrieval_metrics(same, same, torch.arange(4), ks=(1,))
    assert collapsed["t2v_R@1"] == 25.0 and collapsed["t2v_MnR"] == 2.5  # chance, not 100


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="outside"):
        video_retrieval_metrics(torch.eye(3), torch.eye(3), torch.tensor([0, 1, 3]))
    with pytest.raises(ValueError, match="entries for"):
        video_retrieval_metrics(torch.eye(3), torch.eye(3), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="share D"):
        video_retrieval_metrics(torch.eye(3), torch.ones(3, 2), torch.tensor([0, 1, 2]))


def per_video_samples(videos, texts, owner, ids):
    return [
        {"video_id": ids[v], "video_embeds": videos[v], "text_embeds": texts[owner == v]}
        for v in range(len(videos))
    ]


def test_metric_rebuilds_the_gallery_from_any_rank_order_and_counts_failures():
    videos, texts, owner = gallery(20, 5, integer=True)
    ids = [f"video{v:02d}" for v in range(20)]
    order = torch.argsort(owner, stable=True)
    expected = video_retrieval_metrics(videos, texts[order], owner[order])
    samples = per_video_samples(videos, texts, owner, ids)
    samples[4]["read_error"] = "RuntimeError: moov atom not found"  # kept empty
    samples[7]["skipped_ids"] = ["video_gone"]  # stood in for a dropped video
    ranks = [VideoTextRetrieval(dual_softmax=True), VideoTextRetrieval()]
    for start in range(0, 20, 3):  # batches dealt to two "ranks" in turn
        ranks[(start // 3) % 2].process({}, samples[start : start + 3])
    gathered = (
        ranks[1].results + ranks[0].results + ranks[0].results[:2]
    )  # any order, padding repeats
    metric = ranks[0]
    metric.dataset_meta = {"dropped_video_ids": ("video_missing",)}
    result = metric.compute_metrics(gathered)
    assert {k: v for k, v in result.items() if k in expected} == expected
    assert result["num_videos"] == 20 and result["num_captions"] == len(texts)
    assert result["num_skipped_videos"] == 2 and result["num_empty_videos"] == 1
    assert "dsl_t2v_R@1" in result and "dsl_t2v_R@1" not in ranks[1].compute_metrics(gathered)
    with pytest.raises(KeyError, match="video_id"):
        metric.process({}, [{"video_embeds": videos[0], "text_embeds": texts[:1]}])


def _evaluate_on_rank(rank, world_size, num_videos):
    """What one rank of a distributed test run returns: its sampler's videos, gathered, ranked."""
    videos, texts, owner = gallery(num_videos, 1, integer=False)
    samples = per_video_samples(videos, texts, owner, [f"v{i:02d}" for i in range(num_videos)])
    mine = list(DefaultSampler(samples, shuffle=False))  # this rank's share, padded to equal length
    metric = VideoTextRetrieval(dual_softmax=True)
    for start in range(0, len(mine), 2):
        metric.process({}, [samples[i] for i in mine[start : start + 2]])
    return {"indices": mine, "metrics": metric.evaluate(num_videos), "left": len(metric.results)}


@pytest.mark.slow
def test_two_gloo_ranks_rank_the_whole_gallery(gloo_ranks):
    num_videos = 13  # odd: the sampler pads rank 1 with a repeat
    ranks = gloo_ranks(_evaluate_on_rank, num_videos)
    assert sorted(set(ranks[0]["indices"]) | set(ranks[1]["indices"])) == list(range(num_videos))
    assert len(ranks[0]["indices"]) == len(ranks[1]["indices"]) == 7
    videos, texts, owner = gallery(num_videos, 1, integer=False)
    order = torch.argsort(owner, stable=True)
    expected = video_retrieval_metrics(videos, texts[order], owner[order])
    dsl = video_retrieval_metrics(videos, texts[order], owner[order], dual_softmax=True)
    for rank in ranks:  # rank 0 ranks; every rank receives its metrics
        result = rank["metrics"]
        assert {k: result[f"video_retrieval/{k}"] for k in expected} == expected
        assert {k: result[f"video_retrieval/dsl_{k}"] for k in dsl} == dsl
        assert result["video_retrieval/num_videos"] == num_videos
        assert result["video_retrieval/num_captions"] == len(texts)
        assert rank["left"] == 0


def test_reversal_accuracy_counts_wins_and_half_ties(tmp_path):
    videos = torch.nn.functional.normalize(
        torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), dim=-1
    )
    texts = [
        torch.tensor([[1.0, 0.0], [0.0, 1.0]]),  # own clip 0: one win, one loss against clip 1
        torch.tensor([[0.0, 1.0]]),  # own clip 1: a win against clip 0
        torch.tensor([[1.0, 0.0]]),  # clip 2 has no twin here
    ]
    row = {"a": 0, "b": 1, "c": 2}
    acc, num = reversal_accuracy(videos, texts, [("a", "b")], row)
    assert num == 3 and acc == pytest.approx(100 * 2 / 3)
    same = videos[[0, 0, 2]]  # an order-blind model: twins embed the same -> ties
    assert reversal_accuracy(same, texts, [("a", "b")], row) == (50.0, 3)

    pairs = tmp_path / "pairs.json"
    pairs.write_text('[["a", "b"], ["x", "y"]]')
    metric = VideoTextRetrieval(reversal_pairs=str(pairs))
    metric.process(
        {},
        [
            {"video_id": v, "video_embeds": videos[i], "text_embeds": texts[i]}
            for v, i in row.items()
        ],
    )
    result = metric.compute_metrics(metric.results)
    assert result["reversal_acc"] == pytest.approx(100 * 2 / 3)
    assert result["num_reversal_captions"] == 3
    pairs.write_text('[["x", "y"]]')
    with pytest.raises(ValueError, match="reversal_pairs"):
        metric.compute_metrics(metric.results)

"""Retrieval metrics against a plain full-matrix argsort reference, the metric, dataset and model."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import DefaultSampler
from mmengine.runner import Runner
from PIL import Image

from clipx.data.captions import CsvImageCaptions
from clipx.evaluation import (
    ImageTextRetrieval,
    ImageTextRetrievalModel,
    retrieval_metrics,
    retrieval_ranks,
)
from clipx.testing import TEST_VIT, tiny_clip


def reference_ranks(images: torch.Tensor, texts: torch.Tensor, owner: torch.Tensor):
    """Full similarity matrix, stable argsort, loops written out plainly."""
    sim = images @ texts.T
    i2t = []
    for i in range(len(images)):
        mine = [t for t in range(len(texts)) if owner[t] == i]
        if mine:
            order = torch.argsort(-sim[i], stable=True).tolist()
            i2t.append(min(order.index(t) for t in mine))
    t2i = []
    for t in range(len(texts)):
        order = torch.argsort(-sim[:, t], stable=True).tolist()
        t2i.append(order.index(int(owner[t])))
    return np.array(i2t), np.array(t2i)


def reference_metrics(images, texts, owner, ks=(1, 5, 10)):
    out = {}
    for name, ranks in zip(("i2t", "t2i"), reference_ranks(images, texts, owner), strict=True):
        for k in ks:
            out[f"{name}_R@{k}"] = 100.0 * float(np.mean(ranks < k))
        out[f"{name}_MedR"] = float(np.floor(np.median(ranks)) + 1)
    return out


def gallery(n_img: int, seed: int, *, integer: bool):
    """Images with 0-4 captions each (image 1 has none: a distractor); integer values make exact ties."""
    g = torch.Generator().manual_seed(seed)
    counts = torch.randint(1, 5, (n_img,), generator=g)
    counts[1] = 0
    owner = torch.repeat_interleave(torch.arange(n_img), counts)
    owner = owner[torch.randperm(len(owner), generator=g)]  # captions in any order
    if integer:
        images = torch.randint(-1, 2, (n_img, 6), generator=g).float()
        texts = images[owner] + torch.randint(-1, 2, (len(owner), 6), generator=g).float()
    else:
        images = torch.nn.functional.normalize(torch.randn(n_img, 16, generator=g), dim=-1)
        texts = torch.nn.functional.normalize(images[owner] + torch.randn(len(owner), 16, generator=g), dim=-1)
    return images, texts, owner


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_reference_with_several_captions_and_ties(seed):
    images, texts, owner = gallery(25, seed, integer=True)
    sim = images @ texts.T
    assert len(torch.unique(sim)) < sim.numel() / 4  # plenty of exact ties
    assert retrieval_metrics(images, texts, owner) == pytest.approx(reference_metrics(images, texts, owner))


def test_ranks_match_reference_on_float_embeddings():
    images, texts, owner = gallery(30, 7, integer=False)
    i2t, t2i = retrieval_ranks(images, texts, owner)
    ref_i2t, ref_t2i = reference_ranks(images, texts, owner)
    assert i2t.tolist() == ref_i2t.tolist() and t2i.tolist() == ref_t2i.tolist()
    assert len(i2t) == 29  # the image without captions is only a distractor


@pytest.mark.parametrize("integer", [True, False])
def test_chunked_equals_unchunked(integer):
    images, texts, owner = gallery(40, 3, integer=integer)
    whole = retrieval_ranks(images, texts, owner, chunk_size=10_000)
    for chunk in (1, 3, 16):
        parts = retrieval_ranks(images, texts, owner, chunk_size=chunk)
        assert all(torch.equal(a, b) for a, b in zip(parts, whole, strict=True))


def test_perfect_and_collapsed_embeddings():
    eye = torch.eye(5)
    perfect = retrieval_metrics(eye, eye[[0, 0, 1, 2, 3, 4]], torch.tensor([0, 0, 1, 2, 3, 4]))
    assert perfect == {f"{d}_{m}": v for d in ("i2t", "t2i") for m, v in (("R@1", 100.0), ("R@5", 100.0), ("R@10", 100.0), ("MedR", 1.0))}
    same = torch.ones(4, 3)
    collapsed = retrieval_metrics(same, same, torch.arange(4), ks=(1,))
    assert collapsed["i2t_R@1"] == 25.0 and collapsed["t2i_R@1"] == 25.0  # chance, not 100


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="outside"):
        retrieval_metrics(torch.eye(3), torch.eye(3), torch.tensor([0, 1, 3]))
    with pytest.raises(ValueError, match="entries for"):
        retrieval_metrics(torch.eye(3), torch.eye(3), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="share D"):
        retrieval_metrics(torch.eye(3), torch.ones(3, 2), torch.tensor([0, 1, 2]))


def per_image_samples(images, texts, owner):
    return [
        {"img_id": i, "image_embeds": images[i], "text_embeds": texts[owner == i]} for i in range(len(images))
    ]


def test_metric_rebuilds_the_gallery_from_any_rank_order():
    images, texts, owner = gallery(20, 5, integer=True)
    # the metric sorts images by img_id and keeps each image's captions in order,
    # which is the gallery ordered by image with captions grouped
    order = torch.argsort(owner, stable=True)
    expected = retrieval_metrics(images, texts[order], owner[order])
    samples = per_image_samples(images, texts, owner)
    ranks = [ImageTextRetrieval(), ImageTextRetrieval()]
    for start in range(0, 20, 3):  # batches dealt to two "ranks" in turn
        ranks[(start // 3) % 2].process({}, samples[start : start + 3])
    gathered = ranks[1].results + ranks[0].results + ranks[0].results[:2]  # any order, padding repeats
    assert ranks[0].compute_metrics(gathered) == pytest.approx(expected)
    with pytest.raises(KeyError, match="img_id"):
        ranks[0].process({}, [{"image_embeds": images[0], "text_embeds": texts[:1]}])


def _evaluate_on_rank(rank, world_size, num_images):
    """What one rank of a distributed test run returns: its sampler's images, gathered, ranked."""
    images, texts, owner = gallery(num_images, 3, integer=False)
    samples = per_image_samples(images, texts, owner)
    mine = list(DefaultSampler(samples, shuffle=False))  # this rank's share, padded to equal length
    metric = ImageTextRetrieval()
    for start in range(0, len(mine), 2):
        metric.process({}, [samples[i] for i in mine[start : start + 2]])
    return {"indices": mine, "metrics": metric.evaluate(num_images)}


@pytest.mark.slow
def test_two_gloo_ranks_rank_the_whole_gallery(gloo_ranks):
    num_images = 11  # odd: the sampler pads rank 1 with a repeat
    ranks = gloo_ranks(_evaluate_on_rank, num_images)
    assert sorted(set(ranks[0]["indices"]) | set(ranks[1]["indices"])) == list(range(num_images))
    images, texts, owner = gallery(num_images, 3, integer=False)
    expected = reference_metrics(images, texts, owner)
    for rank in ranks:
        assert {k: rank["metrics"][f"retrieval/{k}"] for k in expected} == pytest.approx(expected)


def write_caption_set(root):
    colors = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    for i, color in enumerate(colors):
        (root / "img").mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (36, 30), color).save(root / "img" / f"{i}.png")
    (root / "img" / "bad.png").write_bytes(b"\x89PNG but not really")
    rows = [
        ["filepath", "title"],
        ["img/0.png", "a red picture"],
        ["img/1.png", "a green picture"],
        ["img/0.png", "something red"],
        ["img/bad.png", "lost with its image"],
        ["img/2.png", "a blue picture"],
        ["img/2.png", "blue"],
        ["img/2.png", "all blue"],
    ]
    with open(root / "captions.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return root / "captions.csv"


def test_caption_dataset_groups_rows_by_image(tmp_path):
    ds = CsvImageCaptions(csv_file=write_caption_set(tmp_path), transform=tiny_clip().image_transform())
    assert len(ds) == 4 and ds.metainfo == {"num_captions": 7}
    assert ds.captions[0] == ["a red picture", "something red"]
    item = ds[2]  # bad.png: the next image stands in, with its own id and captions
    assert item["data_samples"].img_id == 3 and len(item["data_samples"].captions) == 3
    assert ds.num_skipped == 1


def test_model_and_metric_through_runner(tmp_path):
    csv_file = write_caption_set(tmp_path)
    clip = dict(type="clipx.FrozenCLIP", model_name=TEST_VIT)
    cfg = Config(
        dict(
            model=dict(type="clipx.ImageTextRetrievalModel", clip=clip),
            work_dir=str(tmp_path / "work"),
            test_dataloader=dict(
                batch_size=3,
                num_workers=0,
                sampler=dict(type="DefaultSampler", shuffle=False),
                dataset=dict(
                    type="clipx.CsvImageCaptions",
                    csv_file=str(csv_file),
                    transform=dict(type="clipx.clip_eval_transform", clip=clip),
                ),
            ),
            test_evaluator=dict(type="clipx.ImageTextRetrieval", ks=(1, 2)),
            test_cfg=dict(type="TestLoop"),
            default_scope="clipx",
            log_level="WARNING",
        )
    )
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert set(metrics) == {f"retrieval/{d}_{m}" for d in ("i2t", "t2i") for m in ("R@1", "R@2", "MedR")}
    # by hand: the readable images and their captions (bad.png's caption is lost with it),
    # embedded by the runner's CLIP
    clip, dataset = runner.model.clip, runner.test_loop.dataloader.dataset
    kept = [i for i, p in enumerate(dataset.image_paths) if p.name != "bad.png"]
    images = torch.stack(
        [clip.image_transform()(Image.open(dataset.image_paths[i]).convert("RGB")) for i in kept]
    )
    captions = [c for i in kept for c in dataset.captions[i]]
    owner = torch.tensor([n for n, i in enumerate(kept) for _ in dataset.captions[i]])
    image_embeds, text_embeds = clip.encode_image(images), clip.encode_text(captions)
    expected = reference_metrics(image_embeds, text_embeds, owner, ks=(1, 2))
    assert {k: metrics[f"retrieval/{k}"] for k in expected} == pytest.approx(expected)


def test_model_outputs_follow_the_metric_contract():
    clip = tiny_clip()
    model = ImageTextRetrievalModel(clip=clip)
    samples = [{"img_id": 7, "captions": ["a", "b"]}, {"img_id": 8, "captions": []}]
    out = model.test_step({"inputs": [torch.randn(3, 32, 32), torch.randn(3, 32, 32)], "data_samples": samples})
    assert [o["img_id"] for o in out] == [7, 8]
    assert out[0]["text_embeds"].shape == (2, clip.embed_dim) and out[1]["text_embeds"].shape == (0, clip.embed_dim)
    torch.testing.assert_close(out[0]["text_embeds"], clip.encode_text(["a", "b"]))

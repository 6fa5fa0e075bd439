"""CLIP4Clip end to end: Runner.test() on generated clips, a short Runner.train() of seqTransf."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from clipx.apis import read_config
from clipx.evaluation.video_retrieval import video_retrieval_metrics
from clipx.testing import TEST_VIT, shrink_options, tiny_clip
from clipx.video import CLIP4Clip

MEANP = Path(__file__).parents[2] / "configs/clip4clip/clip4clip_meanp_rn-tiny-64_shapes-world-video.py"

# Runner.from_cfg prints plain-dict configs, so types are registry names here
# (the config files use the classes).

CLIP = dict(type="FrozenCLIP", model_name=TEST_VIT)


def loader(dataset: dict, batch_size: int = 2, shuffle: bool = False) -> dict:
    return dict(
        batch_size=batch_size,
        num_workers=0,
        sampler=dict(type="DefaultSampler", shuffle=shuffle),
        collate_fn=dict(type="pseudo_collate"),
        dataset=dataset,
    )


def eval_dataset(root, ann, **kwargs) -> dict:
    return dict(
        type="VideoTextDataset",
        ann_file=str(ann),
        video_root=str(root / "videos"),
        transform=dict(type="clip_eval_transform", clip=CLIP),
        num_frames=6,
        **kwargs,
    )


def meanp_on(root, ann, work_dir, **dataset) -> Config:
    """The shipped meanP config, shrunk to the tiny CLIP, on generated clips (6 frames, batches of 2)."""
    cfg = read_config(MEANP, cfg_options=shrink_options(MEANP))
    cfg.work_dir, cfg.log_level = str(work_dir), "WARNING"
    cfg.test_dataloader.update(batch_size=2, num_workers=0)
    cfg.test_dataloader.dataset.update(
        ann_file=str(ann), video_root=str(root / "videos"), num_frames=6, **dataset
    )
    return cfg


def test_runner_test_scores_generated_clips_and_draws_them(video_set, tmp_path):
    root, written = video_set
    torch.manual_seed(0)
    cfg = meanp_on(root, written["test"]["static_csv"], tmp_path / "work")
    cfg.custom_hooks[0].update(show_dir=str(tmp_path / "show"), num_queries=2, topk=3)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert (
        metrics["video_retrieval/num_videos"] == 4 and metrics["video_retrieval/num_captions"] == 8
    )
    assert len(list((tmp_path / "show").glob("*.png"))) == 2

    # the same numbers by hand: frames through encode_image, masked mean, captions through encode_text
    model: CLIP4Clip = runner.model
    dataset = runner.test_dataloader.dataset
    clips = torch.stack([dataset[i]["inputs"] for i in range(4)])
    mask = torch.stack([dataset[i]["data_samples"].frame_mask for i in range(4)])
    frames = model.clip.encode_image(clips.flatten(0, 1)).unflatten(0, (4, 6))
    videos = torch.nn.functional.normalize(
        (frames * mask[..., None]).sum(1) / mask.sum(1, keepdim=True), dim=-1
    )
    texts = model.clip.encode_text([c for caps in dataset.captions for c in caps])
    owner = torch.repeat_interleave(
        torch.arange(4), torch.tensor([len(c) for c in dataset.captions])
    )
    by_hand = video_retrieval_metrics(videos, texts, owner)
    assert {k: metrics[f"video_retrieval/{k}"] for k in by_hand} == pytest.approx(by_hand)
    dsl = video_retrieval_metrics(videos, texts, owner, dual_softmax=True)
    assert {k: metrics[f"video_retrieval/dsl_{k}"] for k in dsl} == pytest.approx(dsl)


def test_runner_test_counts_unreadable_videos(video_set, tmp_path):
    root, written = video_set
    shutil.copytree(root / "videos", tmp_path / "videos")
    (tmp_path / "videos" / "test_000000.mp4").unlink()
    (tmp_path / "videos" / "test_000003.mp4").write_bytes(b"not a video")
    for on_error, videos, skipped, empty in (("skip", 2, 2, 0), ("empty", 4, 0, 2)):
        ann = written["test"]["static_csv"]
        cfg = meanp_on(tmp_path, ann, tmp_path / on_error, on_error=on_error)
        cfg.custom_hooks = []
        metrics = Runner.from_cfg(cfg).test()
        assert metrics["video_retrieval/num_videos"] == videos, on_error
        assert metrics["video_retrieval/num_skipped_videos"] == skipped, on_error
        assert metrics["video_retrieval/num_empty_videos"] == empty, on_error


@pytest.mark.filterwarnings("ignore:.*context of 16 tokens")  # TEST_VIT's short context
def test_runner_trains_seqtransf_for_two_iterations(video_set, tmp_path):
    root, written = video_set
    train_set = dict(
        type="VideoTextPairs",
        ann_file=str(written["train"]["motion_json"]),
        video_root=str(root / "videos"),
        transform=dict(type="clip_eval_transform", clip=CLIP),
        num_frames=6,
    )
    cfg = dict(
        default_scope="clipx",
        work_dir=str(tmp_path / "work"),
        model=dict(
            type="CLIP4Clip",
            clip=CLIP,
            aggregator=dict(type="TemporalTransformer", num_layers=1, max_frames=6),
            learnable_logit_scale=True,
        ),
        train_dataloader=loader(train_set, batch_size=4, shuffle=True),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=2, val_interval=2),
        optim_wrapper=dict(optimizer=dict(type="AdamW", lr=1e-3)),
        val_dataloader=loader(eval_dataset(root, written["test"]["motion_csv"])),
        val_cfg=dict(type="ValLoop"),
        val_evaluator=dict(type="VideoTextRetrieval"),
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=1),
            checkpoint=dict(type="CheckpointHook", interval=2, by_epoch=False),
        ),
        log_level="WARNING",
    )
    runner = Runner.from_cfg(cfg)
    model: CLIP4Clip = runner.model
    before = copy.deepcopy(model.state_dict())
    runner.train()
    assert runner.iter == 2
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert (
        any(k.startswith("aggregator.blocks.0") for k in changed) and "log_logit_scale" in changed
    )
    assert not any(k.startswith("clip.") for k in changed)  # the backbone stayed frozen
    assert (tmp_path / "work" / "iter_2.pth").is_file()


def test_predict_contract_and_empty_batches_of_frames():
    model = CLIP4Clip(clip=tiny_clip(TEST_VIT))
    from mmengine.structures import BaseDataElement

    samples = [
        BaseDataElement(
            video_id="a", captions=["x", "y"], frame_mask=torch.tensor([True, True, False])
        ),
        BaseDataElement(video_id="b", captions=[], frame_mask=torch.zeros(3, dtype=torch.bool)),
    ]
    out = model(torch.randn(2, 3, 3, 32, 32), samples, mode="predict")
    assert [o["video_id"] for o in out] == ["a", "b"]
    assert out[0]["text_embeds"].shape == (2, 32) and out[1]["text_embeds"].shape == (0, 32)
    assert torch.count_nonzero(out[1]["video_embeds"]) == 0  # no frame, no embedding
    with pytest.raises(KeyError, match="VideoTextPairs"):
        model(torch.randn(2, 3, 3, 32, 32), samples, mode="loss")


def test_frozen_caption_embeddings_are_cached_and_follow_the_weights():
    model = CLIP4Clip(clip=tiny_clip(TEST_VIT), max_cached_captions=3)
    calls = []
    encode = model.clip.encode_text
    model.clip.encode_text = lambda texts: calls.append(list(texts)) or encode(texts)
    texts = ["a red circle", "a blue star", "a red circle"]
    first = model.encode_text(texts)
    assert calls == [["a red circle", "a blue star"]]  # each distinct caption encoded once
    torch.testing.assert_close(first, encode(texts))
    again = model.encode_text(["a blue star", "a red circle"])
    assert len(calls) == 1 and torch.equal(again, first[[1, 0]])
    # the bound: a fourth caption is encoded on every call, not stored
    model.encode_text(["a green cross", "a pink square"])
    model.encode_text(["a pink square"])
    assert calls[1:] == [["a green cross", "a pink square"], ["a pink square"]]
    # new text weights (a loaded checkpoint) start a new cache
    model.clip.load_state_dict(tiny_clip(TEST_VIT, seed=1).state_dict())
    new = model.encode_text(["a red circle"])
    assert calls[-1] == ["a red circle"] and not torch.allclose(new, first[:1])
    torch.testing.assert_close(new, encode(["a red circle"]))
    # a trainable text tower is never cached: gradients must reach it
    trainable = CLIP4Clip(clip=dict(type="FrozenCLIP", model_name=TEST_VIT, unfreeze=dict(last_text_blocks=1)))
    assert trainable.encode_text(["a red circle"]).requires_grad
    assert trainable._caption_cache == {}
    with pytest.raises(ValueError, match="max_cached_captions=-1"):
        CLIP4Clip(clip=tiny_clip(TEST_VIT), max_cached_captions=-1)

"""GLIP on the shared CLIP: the language model's token maps, the detector, shapes-world grounding data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from clipx.apis import init_model
from clipx.checkpoint import allow_mmengine_checkpoints
from clipx.det import CLIPLanguageModel, last_token_map, phrase_spans
from clipx.shapes_world import ShapesWorldConfig, write_grounding
from clipx.testing import TEST_RN, fake_step, shrink_config, shrink_options, tiny_clip

from .conftest import NOVEL

GLIP_CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "glip"
GLIP = "glip_rn-tiny-64"
GLIP_FUSION = "glip-fusion_rn-tiny-64"
GLIP_ORACLE = "glip-oracle_rn-tiny-64"


def glip_path(variant: str, kind: str = "1xb4-*it_shapes-world-grounding") -> Path:
    """A shipped config: the training one, or ``kind='shapes-world-phrase-grounding'`` / ``'shapes-world-refexp'``."""
    (path,) = GLIP_CONFIGS.glob(f"{variant}-fpn_{kind}-64.py")
    return path


def build_glip(variant: str = GLIP, options: dict | None = None):
    torch.manual_seed(0)
    path = glip_path(variant)
    model = init_model(path, cfg_options=shrink_options(path) | dict(options or {}))
    model.init_weights()
    return model


@pytest.fixture(scope="module")
def clip():
    return tiny_clip(TEST_RN)


# ------------------------------------------------------------------ the language model


def test_char_to_token_names_the_tokens_of_each_name(clip):
    lm = CLIPLanguageModel(clip=clip, max_tokens=48)
    names = ["circle", "square", "triangle", "star", "hexagon", "cross"] * 2
    prompt = ". ".join(names)
    tokens = lm.tokenizer([prompt])
    layout = lm.tokenizer.layout(prompt)
    assert len(layout.chunks) > 1, "twelve names do not fit the test CLIP's context: chunks"
    assert all(n <= clip.context_length for n in layout.lengths)
    ids = tokens.input_ids[0]
    start = 0
    for name in names:
        first, last = tokens.char_to_token(start), tokens.char_to_token(start + len(name) - 1)
        decoded = clip.tokenizer.decode(ids[first : last + 1].tolist()).replace(" ", "")
        assert decoded == name
        assert tokens.char_to_token(0, start) == first  # Hugging Face's (batch, char) form
        start += len(name) + 2
    assert tokens.char_to_token(len(names[0]) + 1) is None  # the space after a separator
    assert int(tokens.attention_mask.sum()) == layout.num_tokens


def test_features_are_the_chunks_own_token_features(clip):
    lm = CLIPLanguageModel(clip=clip, max_tokens=48)
    prompt = ". ".join(["circle", "square", "triangle", "star", "hexagon", "cross"] * 2)
    layout = lm.tokenizer.layout(prompt)
    out = lm([prompt, "a red circle"])
    assert out["embedded"].shape == (2, 48, clip.text_width)
    assert out["masks"].sum(1).tolist() == [layout.num_tokens, 5]
    offset = 0
    for (start, end), length in zip(layout.chunks, layout.lengths, strict=True):
        alone = clip.encode_text_tokens([prompt[start:end]]).features[0, :length]
        torch.testing.assert_close(out["embedded"][0, offset : offset + length], alone)
        offset += length
    assert not out["embedded"][0, offset:].any() and not out["embedded"][1, 5:].any()


def test_separate_phrases_reads_each_phrase_in_its_own_context(clip):
    lm = CLIPLanguageModel(clip=clip, max_tokens=48, separate_phrases=True)
    caption = "a red circle and a blue circle"
    layout = lm.tokenizer.layout(caption, cuts=[0, 17])
    assert [caption[s:e] for s, e in layout.chunks] == ["a red circle and ", "a blue circle"]
    out = lm([caption], cuts=[[0, 17]])
    tokens = lm.tokenizer([caption], cuts=[[0, 17]])
    last = tokens.char_to_token(len(caption) - 1)  # "circle" of "a blue circle"
    alone = clip.encode_text_tokens(["a blue circle"]).features[0, 3]  # [sot] a blue circle
    torch.testing.assert_close(out["embedded"][0, last], alone)
    # a category list: every name its own chunk, cuts or not
    names = "circle. square. star. "
    assert [names[s:e] for s, e in lm.tokenizer.layout(names).chunks] == [
        "circle.",
        "square.",
        "star.",
    ]
    # without the option, cuts change nothing
    shared = CLIPLanguageModel(clip=clip, max_tokens=48)
    assert len(shared.tokenizer.layout(caption, cuts=[17]).chunks) == 1


def test_too_long_a_prompt_names_max_tokens(clip):
    lm = CLIPLanguageModel(clip=clip, max_tokens=16)
    with pytest.raises(ValueError, match="max_tokens=16"):
        lm.tokenizer([". ".join(["circle", "square", "triangle", "star"] * 3)])
    with pytest.raises(ValueError, match="feature="):
        CLIPLanguageModel(clip=clip, feature="words")


def test_a_caption_longer_than_the_context_is_cut_between_words(clip):
    lm = CLIPLanguageModel(clip=clip, max_tokens=64)
    caption = "a small red circle left of a large blue star and a green cross on the right of it"
    with pytest.warns(UserWarning, match="cut between words"):
        layout = lm.tokenizer.layout(caption)
    assert len(layout.chunks) == 2 and caption[layout.chunks[1][0] - 1] == " "
    assert lm.tokenizer([caption]).char_to_token(caption.index("star")) is not None


def test_phrase_spans_find_phrases_in_order():
    caption = "a red circle left of a circle"
    assert phrase_spans(caption, ["a red circle", "a circle"]) == [[[0, 12]], [[21, 29]]]
    with pytest.raises(ValueError, match="not in the caption"):
        phrase_spans(caption, ["a star"])


# ------------------------------------------------------------------ the detector


@pytest.mark.parametrize("variant", [GLIP, GLIP_FUSION])
def test_loss_from_names_and_from_phrases(variant):
    model = build_glip(variant)
    losses = fake_step(model, training=True)
    assert set(losses) == {"loss_cls", "loss_bbox", "loss_centerness"}
    assert all(torch.isfinite(v).all() for v in losses.values())
    # the same boxes as phrases of a caption (what ODVG grounding lines give)
    from clipx.testing import fake_inputs

    data = fake_inputs(model, training=True)
    caption = "a red circle above a triangle"
    for sample in data["data_samples"]:
        sample.set_metainfo(dict(text=caption, tokens_positive={0: [[0, 12]], 2: [[19, 29]]}))
    model.train()
    processed = model.data_preprocessor(data, True)
    grounded = model(**processed, mode="loss")
    assert torch.isfinite(grounded["loss_cls"])
    maps = processed["data_samples"][0].gt_instances.positive_maps
    tokens = model.language_model.tokenizer([caption])
    assert maps.shape == (2, model.language_model.max_tokens)
    # CLIP's text tower is causal: each phrase is aligned to its last token, which read it all
    assert maps[0].nonzero().flatten().tolist() == [tokens.char_to_token(11)]  # "circle"
    assert maps[1].nonzero().flatten().tolist() == [tokens.char_to_token(21)]  # "triangle"


def test_phrase_token_all_spreads_a_phrase_over_its_tokens():
    model = build_glip(GLIP, {"model.phrase_token": "all"})
    caption = "a red circle above a triangle"
    tokens = model.language_model.tokenizer([caption])
    label_to_token, positive_map = model.get_positive_map(tokens, [[[0, 12]], [[19, 29]]])
    assert label_to_token == {1: [1, 2, 3], 2: [5, 6]}  # "a red circle", "a triangle"
    assert torch.allclose(positive_map[0, 1:4], torch.full((3,), 1 / 3), atol=1e-4)
    with pytest.raises(ValueError, match="phrase_token='first'"):
        build_glip(GLIP, {"model.phrase_token": "first"})


def test_last_token_map_keeps_each_rows_last_token():
    positive_map = torch.tensor([[0.0, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    expected = torch.tensor([[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    assert torch.equal(last_token_map(positive_map), expected)


def test_the_vocabulary_changes_at_inference():
    model = build_glip(GLIP, {"model.test_cfg.score_thr": 0.0})
    results = fake_step(model, training=False)
    names = ("circle", "square", "triangle", "star", "hexagon")
    assert all(r.pred_instances.labels.max() < len(names) for r in results)
    assert set(results[0].pred_instances.label_names) <= set(names)
    from clipx.testing import fake_inputs

    data = fake_inputs(model, training=False)
    for sample in data["data_samples"]:
        sample.set_metainfo(dict(text=("cross", "heart"), custom_entities=True))
    model.eval()
    with torch.no_grad():
        out = model.test_step(data)
    assert set(out[0].pred_instances.label_names) <= {"cross", "heart"}


def test_given_phrases_and_referring_expressions():
    model = build_glip(GLIP, {"model.test_cfg.score_thr": 0.0}).eval()
    from clipx.testing import fake_inputs

    data = fake_inputs(model, training=False)
    caption = "the red circle left of the star"
    data["data_samples"][0].set_metainfo(
        dict(text=caption, tokens_positive=phrase_spans(caption, ["the red circle", "the star"]))
    )
    data["data_samples"][1].set_metainfo(dict(text=caption, tokens_positive=-1))
    with torch.no_grad():
        out = model.test_step(data)
    assert set(out[0].pred_instances.labels.tolist()) <= {0, 1}
    assert set(out[0].pred_instances.label_names) <= {"the red circle", "the star"}
    assert set(out[1].pred_instances.labels.tolist()) <= {0} and len(out[1].pred_instances)
    data["data_samples"][0].set_metainfo(dict(text=caption, custom_entities=False))
    data["data_samples"][1].set_metainfo(dict(text=caption, custom_entities=False))
    for sample in data["data_samples"]:
        del sample.tokens_positive
    with pytest.raises(ValueError, match="without phrase spans"), torch.no_grad():
        model.test_step(data)


def test_max_tokens_must_match_the_head():
    with pytest.raises(ValueError, match="feat_channels=64 but language_model max_tokens=32"):
        build_glip(GLIP, {"model.language_model.max_tokens": 32})


# ------------------------------------------------------------------ shapes-world grounding data


@pytest.fixture(scope="module")
def grounding_set(det_set):
    root, _ = det_set
    from .conftest import IMAGE_SIZE

    cfg = ShapesWorldConfig(image_size=IMAGE_SIZE, max_objects=3, supersample=2)
    write_grounding(root, cfg, novel=NOVEL)
    return root


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_training_lines_hold_no_novel_shape(grounding_set):
    ann = grounding_set / "annotations"
    assert set(json.loads((ann / "label_map.json").read_text()).values()) == {
        "circle",
        "square",
        "triangle",
        "cross",
    }
    for line in _lines(ann / "train_od.odvg.jsonl"):
        assert all(i["category"] not in NOVEL for i in line["detection"]["instances"])
    for line in _lines(ann / "train_vg.odvg.jsonl"):
        caption = line["grounding"]["caption"]
        assert not any(n in caption for n in NOVEL)
        for region in line["grounding"]["regions"]:
            ((start, end),) = region["tokens_positive"]
            assert caption[start:end] == region["phrase"]
    oracle = [
        i["category"]
        for line in _lines(ann / "train_all_od.odvg.jsonl")
        for i in line["detection"]["instances"]
    ]
    assert set(oracle) & set(NOVEL)


def test_evaluation_splits_load_in_mmdets_datasets(grounding_set):
    from mmdet.datasets import MDETRStyleRefCocoDataset, ODVGDataset

    from clipx.det import GroundingPhraseDataset

    root = str(grounding_set)
    od = ODVGDataset(
        data_root=root,
        ann_file="annotations/train_od.odvg.jsonl",
        label_map_file="annotations/label_map.json",
        data_prefix=dict(img="images/train/"),
        return_classes=True,
        pipeline=[],
    )
    vg = ODVGDataset(
        data_root=root,
        ann_file="annotations/train_vg.odvg.jsonl",
        data_prefix=dict(img="images/train/"),
        return_classes=True,
        pipeline=[],
    )
    assert len(od) > 0 and len(vg) > 0 and "phrases" in vg[0]
    phrases = GroundingPhraseDataset(
        data_root=root,
        ann_file="annotations/val_grounding.json",
        data_prefix=dict(img="images/val/"),
        pipeline=[],
        test_mode=True,
    )
    for info in (phrases[i] for i in range(len(phrases))):
        assert len(info["phrase_types"]) == len(info["phrases"]) == len(set(info["phrase_ids"]))
        for phrase, kinds in zip(info["phrases"], info["phrase_types"], strict=True):
            assert ("shape_only" in kinds) == (len(phrase.split()) == 2)
            assert ("novel" in kinds) == any(n in phrase for n in NOVEL)
    refs = MDETRStyleRefCocoDataset(
        data_root=root,
        ann_file="annotations/val_refexp.json",
        data_prefix=dict(img="images/val/"),
        pipeline=[],
        test_mode=True,
    )
    assert len(refs) >= len(phrases) and all(
        len(refs[i]["instances"]) == 1 for i in range(len(refs))
    )


def test_same_shape_phrases_name_their_colour(grounding_set):
    record = json.loads((grounding_set / "annotations" / "val_grounding.json").read_text())
    for image in record["images"]:
        for (span,), kinds, chance in zip(
            image["tokens_positive_eval"], image["phrase_types"], image["chance"], strict=True
        ):
            phrase = image["caption"][span[0] : span[1]]
            if "same_shape" in kinds:
                assert "attribute" in kinds and chance <= 0.5, phrase
            else:
                assert chance == 1.0


# ------------------------------------------------------------------ the shipped configs, run


def on_grounding_data(cfg: Config, root: Path, work_dir: Path) -> Config:
    """A shrunk config on the tiny set: 2 iterations, small batches, no worker processes."""
    cfg.work_dir = str(work_dir)
    cfg.log_level = "WARNING"
    if "train_cfg" in cfg and "train_dataloader" in cfg:
        cfg.train_cfg.max_iters = 2
        for dataset in cfg.train_dataloader.dataset.datasets:
            dataset.data_root = str(root)
    if "ann_file" in cfg.test_evaluator:
        cfg.test_evaluator.ann_file = str(
            root / "annotations" / Path(cfg.test_evaluator.ann_file).name
        )
    for key in ("train_dataloader", "test_dataloader"):
        if key in cfg:
            cfg[key].update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.data_root = str(root)
    return cfg


@pytest.fixture(scope="module")
def trained(grounding_set, tmp_path_factory) -> dict[str, Path]:
    """Each shipped training config, shrunk, trained 2 iterations and tested: variant -> checkpoint."""
    allow_mmengine_checkpoints()  # as tools/train.py: the checkpoints load with weights_only=True
    checkpoints = {}
    for variant in (GLIP, GLIP_FUSION, GLIP_ORACLE):
        work_dir = tmp_path_factory.mktemp(variant)
        runner = Runner.from_cfg(
            on_grounding_data(shrink_config(glip_path(variant)), grounding_set, work_dir)
        )
        runner.train()
        metrics = runner.test()
        assert {"coco/base_bbox_mAP_50", "coco/novel_bbox_mAP_50"} <= set(metrics)
        checkpoints[variant] = work_dir / "iter_2.pth"
    return checkpoints


@pytest.mark.slow
@pytest.mark.parametrize("variant", [GLIP, GLIP_FUSION])
@pytest.mark.parametrize("kind", ["shapes-world-phrase-grounding", "shapes-world-refexp"])
def test_grounding_configs_evaluate_a_trained_checkpoint(
    variant, kind, trained, grounding_set, tmp_path
):
    cfg = on_grounding_data(shrink_config(glip_path(variant, kind)), grounding_set, tmp_path)
    assert "train_dataloader" not in cfg and "train_cfg" not in cfg
    cfg.load_from = str(trained[variant])
    cfg.model.test_cfg.score_thr = 0.0  # two iterations: let low scores through
    metrics = Runner.from_cfg(cfg).test()
    if kind == "shapes-world-refexp":
        assert "refexp/refcoco_precision@1" in metrics
        assert (
            0.0
            <= metrics["refexp/refcoco_precision@1"]
            <= metrics["refexp/refcoco_precision@10"]
            <= 1.0
        )
    else:
        assert {"grounding/R@1", "grounding/R@1_same_shape", "grounding/R@1_novel"} <= set(metrics)
        assert metrics["grounding/R@1"] <= metrics["grounding/R@any"]


def test_detect_takes_names_or_a_caption(tmp_path):
    import numpy as np

    from clipx.det import detect, draw_detections

    model = build_glip(GLIP, {"model.test_cfg.score_thr": 0.0}).eval()
    image = np.random.default_rng(0).integers(0, 256, (80, 96, 3), dtype=np.uint8)
    found = detect(model, image, ["circle", "star"], score_thr=0.0)
    assert len(found) and set(found.names) <= {"circle", "star"}
    caption = "a red circle left of a star"
    grounded = detect(
        model, image, caption=caption, phrases=["a red circle", "a star"], score_thr=0.0
    )
    assert set(grounded.names) <= {"a red circle", "a star"}
    whole = detect(model, image, caption="the red circle", score_thr=0.0)
    assert set(whole.names) == {"the red circle"}
    draw_detections(image, grounded, scale=2).save(tmp_path / "grounded.png")
    with pytest.raises(ValueError, match="either class_names or caption"):
        detect(model, image)

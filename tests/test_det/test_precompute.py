"""ViLD-image's precompute: crops, batching, resume after a stop, unreadable images skipped."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from clipx.backbone.regions import RegionEmbedder, expand_boxes
from clipx.det.data import INDEX_NAME, load_regions, region_file_name
from clipx.det.regions import FileProposals, RPNProposals, precompute_regions
from clipx.testing import TEST_RN, tiny_clip

from .conftest import VILD, VILD_TEXT, build_vild, config_path, vild_config, vild_options

pytestmark = pytest.mark.mm
REPO = Path(__file__).resolve().parents[2]


def _images(root: Path, ann: Path, folder: str = "train") -> list[tuple[int, str]]:
    data = json.loads(ann.read_text())
    return [(im["id"], str(root / "images" / folder / im["file_name"])) for im in data["images"]]


def _gt_proposals(ann: Path, path: Path) -> Path:
    data = json.loads(ann.read_text())
    rows = [
        {"image_id": a["image_id"], "bbox": a["bbox"], "score": 1.0 - 0.1 * i}
        for i, a in enumerate(data["annotations"])
    ]
    rows += [{"image_id": im["id"], "bbox": [2, 2, 20, 20], "score": 0.01} for im in data["images"]]
    path.write_text(json.dumps(rows))
    return path


def test_crops_at_each_context_are_encoded_and_ensembled():
    clip = tiny_clip(TEST_RN)
    embedder = RegionEmbedder(clip, scales=(1.0, 1.5))
    rgb = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    image = embedder.normalise(rgb)
    boxes = torch.tensor([[16.0, 16.0, 48.0, 48.0], [0.0, 0.0, 20.0, 30.0]])
    (embeds,) = embedder.embed([image], [boxes])
    assert embeds.shape == (2, clip.embed_dim)
    crops = embedder.crops(image, boxes)
    assert crops.shape == (4, 3, 64, 64)
    per_scale = F.normalize(clip.encode_image(crops), dim=-1).view(2, 2, -1)
    torch.testing.assert_close(embeds, F.normalize(per_scale.mean(0), dim=-1))
    # the 1x crop of the centre box is the image's centre upsampled
    centre = F.interpolate(
        image[None, :, 16:48, 16:48], size=64, mode="bilinear", align_corners=False
    )
    assert F.cosine_similarity(crops[0].flatten(), centre.flatten(), dim=0) > 0.98
    torch.testing.assert_close(expand_boxes(boxes[:1], 1.5), torch.tensor([[8.0, 8.0, 56.0, 56.0]]))


def test_mask_mode_keeps_the_box_in_place_and_blanks_the_rest():
    clip = tiny_clip(TEST_RN)
    embedder = RegionEmbedder(clip, scales=(1.0, 1.5), crop_mode="mask")
    rgb = np.random.default_rng(0).integers(0, 255, (128, 128, 3), dtype=np.uint8)
    image = embedder.normalise(rgb)
    crops = embedder.crops(image, torch.tensor([[32.0, 64.0, 96.0, 128.0]]))
    assert crops.shape == (2, 3, 64, 64)
    whole = F.interpolate(
        image[None], size=64, mode="bilinear", align_corners=False, antialias=True
    )[0]
    # 1x: the box is rows 32-63, columns 16-47 at 64 px; 1.5x: rows 24-63, columns 8-55
    torch.testing.assert_close(crops[0, :, 32:, 16:48], whole[:, 32:, 16:48])
    assert crops[0, :, :32].abs().sum() == 0 and crops[0, :, :, 48:].abs().sum() == 0
    torch.testing.assert_close(crops[1, :, 24:, 8:56], whole[:, 24:, 8:56])
    assert crops[1, :, :24].abs().sum() == 0 and crops[1, :, :, :8].abs().sum() == 0
    with pytest.raises(ValueError, match="crop_mode='crop'"):
        RegionEmbedder(clip, crop_mode="crop")


def test_resuming_with_other_crop_settings_is_refused(det_set, tmp_path):
    root, written = det_set
    images = _images(root, written["det_train"])[:2]
    proposals = FileProposals(
        _gt_proposals(written["det_train"], tmp_path / "props.json"), num_regions=2
    )
    clip = tiny_clip(TEST_RN)
    out = tmp_path / "regions"
    kwargs = dict(proposals=proposals, progress=False)
    precompute_regions(images, out, embedder=RegionEmbedder(clip), **kwargs)
    assert json.loads((out / INDEX_NAME).read_text())["crop_mode"] == "resize"
    with pytest.raises(ValueError, match="crop_mode.*Remove the folder"):
        precompute_regions(images, out, embedder=RegionEmbedder(clip, crop_mode="mask"), **kwargs)


def test_resuming_with_another_backbone_is_refused_unless_overwritten(det_set, tmp_path):
    root, written = det_set
    images = _images(root, written["det_train"])[:2]
    proposals = FileProposals(
        _gt_proposals(written["det_train"], tmp_path / "props.json"), num_regions=2
    )
    out = tmp_path / "regions"
    kwargs = dict(proposals=proposals, progress=False)
    first = precompute_regions(images, out, embedder=RegionEmbedder(tiny_clip(TEST_RN)), **kwargs)
    path = out / region_file_name(images[0][0])
    before = load_regions(path)["embeds"]
    other = RegionEmbedder(tiny_clip(TEST_RN, seed=1))
    with pytest.raises(ValueError, match=r"backbone\.image_tower: .*--overwrite"):
        precompute_regions(images, out, embedder=other, **kwargs)
    np.testing.assert_array_equal(load_regions(path)["embeds"], before)  # refused: nothing touched
    index = precompute_regions(images, out, embedder=other, overwrite=True, **kwargs)
    assert index["backbone"]["image_tower"] != first["backbone"]["image_tower"]
    assert len(index["images"]) == 2
    assert not np.array_equal(load_regions(path)["embeds"], before)


class _StopAfter:
    """Proposals that raise KeyboardInterrupt on the n-th call (a user stopping the run)."""

    def __init__(self, inner, calls: int) -> None:
        self.inner, self.calls, self.seen = inner, calls, 0

    def __call__(self, items):
        self.seen += 1
        if self.seen > self.calls:
            raise KeyboardInterrupt
        return self.inner(items)


def test_precompute_resumes_and_skips_unreadable_images(det_set, tmp_path):
    root, written = det_set
    data = tmp_path / "data"
    shutil.copytree(root / "images", data / "images")
    images = _images(data, written["det_train"])
    bad_id, bad_path = images[7]
    Path(bad_path).write_bytes(b"not an image")
    proposals = FileProposals(
        _gt_proposals(written["det_train"], tmp_path / "props.json"), num_regions=3
    )
    embedder = RegionEmbedder(tiny_clip(TEST_RN), crop_batch=5)
    out = tmp_path / "regions"

    with pytest.raises(KeyboardInterrupt):
        precompute_regions(
            images,
            out,
            embedder=embedder,
            proposals=_StopAfter(proposals, 2),
            batch_images=3,
            progress=False,
        )
    first = sorted((out / "regions").glob("*.npz"))
    assert len(first) == 6 and json.loads((out / INDEX_NAME).read_text())["images"]
    stamps = {p.name: p.stat().st_mtime_ns for p in first}

    calls = _StopAfter(proposals, 100)
    index = precompute_regions(
        images, out, embedder=embedder, proposals=calls, batch_images=3, progress=False
    )
    assert (
        calls.seen == 2
    )  # 12 images, 6 done: two batches of 3, the bad one read-skipped in one of them
    assert {p.name: p.stat().st_mtime_ns for p in first} == stamps
    assert len(index["images"]) == 11 and str(bad_id) not in index["images"]
    assert [s["img_id"] for s in index["skipped"]] == [bad_id] and bad_path in index["skipped"][0][
        "path"
    ]

    regions = load_regions(out / region_file_name(images[0][0]))
    assert regions["boxes"].shape[1] == 4 and 1 <= len(regions["boxes"]) <= 3
    norms = np.linalg.norm(regions["embeds"].astype(np.float32), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=2e-3)
    assert index["embed_dim"] == embedder.clip.embed_dim


def test_rpn_proposals_are_the_top_m(det_set):
    root, written = det_set
    model = build_vild(VILD_TEXT)  # RPNProposals reads the test pipeline of model.cfg
    import mmcv

    items = [(i, p, mmcv.imread(p)) for i, p in _images(root, written["det_train"])[:2]]
    found = RPNProposals(model, 5)(items)
    assert len(found) == 2
    for boxes, scores in found:
        assert 0 < len(boxes) <= 5 and torch.all(scores[:-1] >= scores[1:])


def test_precompute_tool_end_to_end(det_set, tmp_path):
    root, written = det_set
    spec = importlib.util.spec_from_file_location(
        "vild_precompute", REPO / "tools" / "vild_precompute.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    props = _gt_proposals(written["det_train"], tmp_path / "props.json")
    region_dir = tmp_path / "regions"
    data = {"train_dataloader.dataset.data_root": str(root), "region_dir": str(region_dir)}
    options = [f"{key}={value}" for key, value in (vild_options(VILD) | data).items()]
    argv = [str(config_path(VILD)), "--proposals", str(props), "--num-regions", "2"]
    torch.set_flush_denormal(False)
    try:
        assert tool.main([*argv, "--no-progress", "--device", "cpu", "--cfg-options", *options]) == 0
        assert torch.tensor(1e-40).item() == 0.0  # the config's flush_denormal=True was applied
    finally:
        torch.set_flush_denormal(False)
    index = json.loads((region_dir / INDEX_NAME).read_text())
    # the config's training set: the images with base boxes (filter_empty_gt)
    with_boxes = {a["image_id"] for a in json.loads(written["det_train"].read_text())["annotations"]}
    assert set(index["images"]) == {str(i) for i in with_boxes}
    assert index["meta"]["num_regions"] == 2
    # the tool embedded with the shrunk config's CLIP
    assert index["embed_dim"] == vild_config(VILD).model.roi_head.bbox_head.embed_dim

"""ShapesWorldSegDataset names its label values from the writer's split.json, not from defaults."""

from __future__ import annotations

import json

import numpy as np
import pytest

from clipx.shapes_world import ShapesWorldConfig, write_segmentation

pytest.importorskip("mmseg")

from mmseg.datasets.transforms import LoadAnnotations  # noqa: E402

from clipx.seg import ShapesWorldSegDataset  # noqa: E402

pytestmark = pytest.mark.mm

# Not the generator's default shapes: the class list must come from the folder.
CFG = ShapesWorldConfig(image_size=32, shapes=("heart", "circle", "diamond"), max_objects=2, seed=1)
PREFIX = dict(img_path="img_dir/val", seg_map_path="ann_dir/val")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    out = tmp_path_factory.mktemp("seg_custom")
    write_segmentation(out, CFG, num_train=2, num_val=4, novel=("diamond",), progress=False)
    return out


def test_classes_and_split_come_from_split_json(root):
    dataset = ShapesWorldSegDataset(data_root=str(root), data_prefix=PREFIX)
    assert dataset.metainfo["classes"] == ("background", "heart", "circle", "diamond")
    assert dataset.metainfo["base_classes"] == ("background", "heart", "circle")
    assert dataset.metainfo["novel_classes"] == ("diamond",)
    assert dataset.label_map is None and len(dataset) == 4
    assert len(dataset.metainfo["palette"]) == 4


def test_training_on_base_classes_maps_the_rest_to_ignore(root):
    base = ["background", "circle", "heart"]  # another order than the label values
    dataset = ShapesWorldSegDataset(
        data_root=str(root), data_prefix=PREFIX, metainfo=dict(classes=base)
    )
    assert dataset.label_map == {0: 0, 1: 2, 2: 1, 3: 255}
    assert list(dataset.metainfo["classes"]) == base and len(dataset.metainfo["palette"]) == 3
    with pytest.raises(ValueError, match=r"\['star'\] are not label classes"):
        ShapesWorldSegDataset(
            data_root=str(root), data_prefix=PREFIX, metainfo=dict(classes=["star"])
        )


def test_a_folder_without_split_json_needs_label_classes(root, tmp_path):
    for kind in ("img_dir", "ann_dir"):
        (tmp_path / kind).symlink_to(root / kind)
    with pytest.raises(ValueError, match="label_classes=") as err:
        ShapesWorldSegDataset(data_root=str(tmp_path), data_prefix=PREFIX)
    assert "split.json" in str(err.value)
    names = ["bg", "a", "b", "c"]
    dataset = ShapesWorldSegDataset(
        data_root=str(tmp_path), data_prefix=PREFIX, label_classes=names
    )
    assert dataset.metainfo["classes"] == tuple(names) and "base_classes" not in dataset.metainfo


def test_a_split_json_without_classes_is_refused(tmp_path):
    (tmp_path / "split.json").write_text(json.dumps({"counts": {}}))
    with pytest.raises(ValueError, match="lacks"):
        ShapesWorldSegDataset(data_root=str(tmp_path), data_prefix=PREFIX)


def test_label_values_follow_the_recorded_classes(root):
    dataset = ShapesWorldSegDataset(
        data_root=str(root),
        data_prefix=PREFIX,
        pipeline=[dict(type=LoadAnnotations)],
    )
    values = set()
    for i in range(len(dataset)):
        values |= set(np.unique(dataset[i]["gt_seg_map"]).tolist())
    assert values <= set(range(4)) and len(values) > 1

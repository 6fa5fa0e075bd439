import io
import json
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image

from clipx.data.image_text import ImageTextDataset, read_pairs
from clipx.data.webdataset import WebDatasetImageText, expand_shards
from clipx.testing import TEST_VIT


def _png(path, seed):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(path)


@pytest.fixture
def folder(tmp_path):
    for i in range(4):
        _png(tmp_path / f"{i}.png", i)
    return tmp_path


def test_csv_tsv_jsonl_and_coco_give_the_same_pairs(folder):
    pairs = [(f"{i}.png", f"caption {i}") for i in range(4)]
    (folder / "a.csv").write_text("filepath,title\n" + "\n".join(f"{p},{c}" for p, c in pairs))
    (folder / "a.tsv").write_text("filepath\ttitle\n" + "\n".join(f"{p}\t{c}" for p, c in pairs))
    (folder / "a.jsonl").write_text("\n".join(json.dumps({"filepath": p, "title": c}) for p, c in pairs))
    coco = {
        "images": [{"id": i, "file_name": p} for i, (p, _) in enumerate(pairs)],
        "annotations": [{"id": i, "image_id": i, "caption": c} for i, (_, c) in enumerate(pairs)],
    }
    (folder / "a.json").write_text(json.dumps(coco))
    for name in ("a.csv", "a.tsv", "a.jsonl", "a.json"):
        assert read_pairs(folder / name) == pairs, name


def test_custom_columns_and_a_clear_error_for_wrong_ones(folder):
    (folder / "b.csv").write_text("image,caption\n0.png,a cat\n")
    assert read_pairs(folder / "b.csv", image_key="image", caption_key="caption") == [("0.png", "a cat")]
    with pytest.raises(ValueError, match=r"columns \['caption', 'image'\]; expected image_key='filepath'"):
        read_pairs(folder / "b.csv")


def test_items_are_preprocessed_images_and_tokens(folder):
    (folder / "a.csv").write_text("filepath,title\n0.png,a red circle\n1.png,a blue square\n")
    ds = ImageTextDataset(ann_file=str(folder / "a.csv"), model_name=TEST_VIT)
    item = ds[0]
    assert item["inputs"].shape == (3, 32, 32)
    assert item["data_samples"]["text"].shape == (16,) and item["data_samples"]["text"].dtype == torch.long
    eval_ds = ImageTextDataset(ann_file=str(folder / "a.csv"), model_name=TEST_VIT, is_train=False)
    torch.testing.assert_close(eval_ds[1]["inputs"], eval_ds[1]["inputs"])  # deterministic


def test_missing_and_corrupt_images_are_skipped_and_counted(folder):
    (folder / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    (folder / "a.csv").write_text("filepath,title\n0.png,ok\nmissing.png,gone\nbad.jpg,corrupt\n1.png,ok\n")
    ds = ImageTextDataset(ann_file=str(folder / "a.csv"), model_name=TEST_VIT)
    items = [ds[i] for i in range(len(ds))]
    assert len(items) == 4 and ds.num_skipped == 2


def _shard(path, samples):
    with tarfile.open(path, "w") as tar:
        for key, parts in samples:
            for ext, data in parts.items():
                info = tarfile.TarInfo(f"{key}.{ext}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def _png_bytes(seed):
    buf = io.BytesIO()
    Image.fromarray(np.full((32, 32, 3), seed * 20, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_webdataset_streams_shards_and_skips_bad_samples(tmp_path):
    _shard(tmp_path / "000.tar", [(f"a{i}", {"png": _png_bytes(i), "txt": f"cap {i}".encode()}) for i in range(3)])
    _shard(
        tmp_path / "001.tar",
        [("b0", {"png": _png_bytes(5), "txt": b"cap"}), ("b1", {"png": b"garbage", "txt": b"x"}), ("b2", {"txt": b"no image"})],
    )
    assert expand_shards(str(tmp_path / "{000..001}.tar")) == [str(tmp_path / "000.tar"), str(tmp_path / "001.tar")]
    ds = WebDatasetImageText(shards=str(tmp_path / "*.tar"), model_name=TEST_VIT, num_samples=6, shuffle_buffer=2)
    items = list(ds)
    assert len(items) == 4 and ds.num_skipped == 2
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2)
    assert sum(b["inputs"].shape[0] for b in loader) == 4  # two workers split the shards, no duplicates

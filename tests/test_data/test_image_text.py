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
    (folder / "a.csv").write_text(
        "filepath,title\n0.png,first\nmissing.png,gone\nbad.jpg,corrupt\n1.png,second\n"
    )
    ds = ImageTextDataset(ann_file=str(folder / "a.csv"), model_name=TEST_VIT, is_train=False)
    items = [ds[i] for i in range(len(ds))]
    assert len(items) == 4 and ds.num_skipped == 2
    # the next readable pair, image and caption together, stands in for each bad one
    second = ds.transform(Image.open(folder / "1.png").convert("RGB"))
    for i in (1, 2):
        torch.testing.assert_close(items[i]["inputs"], second, rtol=0, atol=0)
        assert torch.equal(items[i]["data_samples"]["text"], ds.tokenizer(["second"])[0])
    assert torch.equal(items[0]["data_samples"]["text"], ds.tokenizer(["first"])[0])
    ds[1]
    assert ds.num_skipped == 2  # a known bad file is not read or counted again


def test_preloaded_items_match_the_file_path(folder):
    (folder / "a.csv").write_text("filepath,title\n0.png,a red circle\n1.png,a blue square\n")
    kw = dict(ann_file=str(folder / "a.csv"), model_name=TEST_VIT)
    files, held = ImageTextDataset(is_train=False, **kw), ImageTextDataset(is_train=False, preload=True, **kw)
    assert held.preloaded and not files.preloaded
    for i in range(2):  # evaluation: the same PIL preprocessing, so the same tensors
        torch.testing.assert_close(held[i]["inputs"], files[i]["inputs"], rtol=0, atol=0)
        assert torch.equal(held[i]["data_samples"]["text"], files[i]["data_samples"]["text"])
    # training: the crop runs on uint8 tensors; over the whole image it agrees with PIL's
    # bicubic resize to about a grey level (40x48 -> a centred 40x40 square -> 32x32)
    files = ImageTextDataset(crop_scale=(1.0, 1.0), **kw)
    held = ImageTextDataset(crop_scale=(1.0, 1.0), preload=True, **kw)
    a, b = held[0]["inputs"], files[0]["inputs"]
    assert a.shape == b.shape == (3, 32, 32) and a.dtype == torch.float32
    step = 1 / 255 / 0.26  # one grey level after normalisation
    assert (a - b).abs().mean() < step and (a - b).abs().max() < 6 * step
    held = ImageTextDataset(crop_scale=(0.3, 0.6), preload=True, **kw)
    crops = torch.stack([held[0]["inputs"] for _ in range(8)])
    assert crops.std(0).mean() > step  # smaller crops land anywhere


def test_preloading_skips_and_counts_unreadable_images(folder):
    (folder / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    (folder / "a.csv").write_text(
        "filepath,title\n0.png,first\nmissing.png,gone\nbad.jpg,corrupt\n1.png,second\n"
    )
    ds = ImageTextDataset(ann_file=str(folder / "a.csv"), model_name=TEST_VIT, preload=True)
    assert len(ds) == 2 and ds.num_skipped == 2
    assert [c for _, c in ds.pairs] == ["first", "second"]
    assert torch.equal(ds[1]["data_samples"]["text"], ds.tokenizer(["second"])[0])
    with pytest.raises(ValueError, match="preload='yes'; use True"):
        ImageTextDataset(ann_file=str(folder / "a.csv"), model_name=TEST_VIT, preload="yes")


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
    expected = sorted(_captions(items, ds))
    assert expected == ["cap", "cap 0", "cap 1", "cap 2"]
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2)
    batches = list(loader)
    # two workers split the shards: every good sample once, none twice
    assert sorted(_captions(batches, ds)) == expected


def _captions(items, ds):
    """The caption text of each item or batch of ``items``, decoded from its tokens."""
    from open_clip.tokenizer import decode

    width = ds.tokenizer.context_length
    tokens = torch.cat([i["data_samples"]["text"].reshape(-1, width) for i in items])
    texts = [decode(t).replace("<start_of_text>", "") for t in tokens]
    return [t.split("<end_of_text>")[0].strip() for t in texts]


def _caption(shard: int, sample: int) -> str:
    return f"shard {shard} sample {'abcdefghijkl'[sample]}"  # letters decode back unchanged


def _equal_shards(root, num_shards=4, per_shard=3):
    for s in range(num_shards):
        samples = [
            (f"{s}_{i}", {"png": _png_bytes(s + i), "txt": _caption(s, i).encode()})
            for i in range(per_shard)
        ]
        _shard(root / f"{s:03d}.tar", samples)
    return sorted(_caption(s, i) for s in range(num_shards) for i in range(per_shard))


def _webdataset_rank(rank, world_size, root, num_workers):
    ds = WebDatasetImageText(
        shards=str(root / "*.tar"), model_name=TEST_VIT, num_samples=12, shuffle_buffer=0
    )
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=num_workers)
    return _captions(list(loader), ds)


# one shard for each reader, or fewer shards than readers
@pytest.mark.parametrize("num_shards", [4, 1])
def test_webdataset_ranks_read_disjoint_parts_that_cover_the_data(num_shards, tmp_path, gloo_ranks):
    expected = _equal_shards(tmp_path, num_shards=num_shards, per_shard=12 // num_shards)
    per_rank = gloo_ranks(_webdataset_rank, tmp_path, 0)
    assert all(per_rank) and sorted(per_rank[0] + per_rank[1]) == expected
    assert not set(per_rank[0]) & set(per_rank[1])

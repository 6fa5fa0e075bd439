"""The frozen-embedding cache shared by video frames and ViLD regions: identity, resume, refusal."""

from __future__ import annotations

import json

import pytest
import torch

from clipx.backbone import FrozenCLIP
from clipx.backbone.feature_cache import (
    CacheMismatchError,
    FeatureCache,
    backbone_identity,
    settings_differences,
)
from clipx.testing import TEST_VIT, tiny_checkpoint, tiny_clip

SETTINGS = {
    "format": 1,
    "backbone": {"model_name": "a", "image_tower": "0123"},
    "scales": [1.0, 1.5],
}


def cache_at(folder) -> FeatureCache:
    return FeatureCache(
        folder, what="test embeddings", tool="python tools/x.py CONFIG", item_pattern="items/*.pt"
    )


def save(cache: FeatureCache, name: str, value: float) -> None:
    cache.save(name, lambda tmp: torch.save(torch.tensor([value]), tmp))


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny.pt")


def test_identity_hashes_the_image_tower_and_ignores_the_text_tower(ckpt, tmp_path):
    first = backbone_identity(FrozenCLIP(model_name=TEST_VIT, checkpoint=str(ckpt)))
    from_config = backbone_identity(
        dict(type="FrozenCLIP", model_name=TEST_VIT, checkpoint=str(ckpt))
    )
    assert first == from_config and first["checkpoint"] == str(ckpt.resolve())
    assert first["preprocess"]["size"] == [32, 32] and len(first["image_tower"]) == 16

    clip = FrozenCLIP(model_name=TEST_VIT, checkpoint=str(ckpt))
    before = clip.image_fingerprint()
    state = clip.state_dict()
    state["clip.token_embedding.weight"] = state["clip.token_embedding.weight"] + 1.0
    clip.load_state_dict(state)  # the text tower changed: image embeddings did not
    assert clip.image_fingerprint() == before
    state["clip.visual.conv1.weight"] = state["clip.visual.conv1.weight"] + 1e-3
    clip.load_state_dict(state)
    assert clip.image_fingerprint() != before

    other = tiny_checkpoint(tmp_path / "other.pt", seed=1)
    assert (
        backbone_identity(FrozenCLIP(model_name=TEST_VIT, checkpoint=str(other)))["image_tower"]
        != (first["image_tower"])
    )
    half = backbone_identity(
        FrozenCLIP(model_name=TEST_VIT, checkpoint=str(ckpt), precision="fp16")
    )
    assert half["precision"] == "fp16" and half["image_tower"] != first["image_tower"]


def test_random_weights_identify_an_instance_but_not_a_config():
    identity = backbone_identity(tiny_clip(TEST_VIT, seed=3))
    assert identity["random_init"] is True
    assert identity["image_tower"] == backbone_identity(tiny_clip(TEST_VIT, seed=3))["image_tower"]
    assert identity["image_tower"] != backbone_identity(tiny_clip(TEST_VIT, seed=4))["image_tower"]
    with pytest.raises(ValueError, match="random weights"):
        backbone_identity(dict(model_name=TEST_VIT))
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        backbone_identity(dict(model_name=TEST_VIT, checkpoint="missing.pt"))


def test_a_stopped_run_resumes_with_the_finished_items(tmp_path):
    cache = cache_at(tmp_path)
    cache.start(SETTINGS)
    save(cache, "items/0.pt", 0.0)
    with pytest.raises(RuntimeError):  # stopped while writing item 1
        cache.save("items/1.pt", lambda tmp: (_ for _ in ()).throw(RuntimeError("killed")))
    assert cache.done("items/0.pt") and not cache.done("items/1.pt")

    again = cache_at(tmp_path)
    again.start(SETTINGS)  # same settings: resume
    assert [n for n in ("items/0.pt", "items/1.pt") if not again.done(n)] == ["items/1.pt"]
    stamp = again.path("items/0.pt").stat().st_mtime_ns
    save(again, "items/1.pt", 1.0)
    meta = again.finish(attempted=["1"], count=2)
    assert again.path("items/0.pt").stat().st_mtime_ns == stamp
    assert meta == {**SETTINGS, "count": 2, "skipped": []}
    assert json.loads(again.meta_path.read_text()) == meta
    assert torch.load(again.path("items/1.pt")).item() == 1.0


def test_unreadable_items_are_kept_across_runs_until_retried(tmp_path, caplog_mm):
    cache = cache_at(tmp_path)
    cache.start(SETTINGS)
    cache.skip("a", "OSError: broken", path="a.jpg")
    cache.skip("b", "OSError: broken")
    first = cache.finish(attempted=["a", "b", "c"])
    assert [s["key"] for s in first["skipped"]] == ["a", "b"] and first["skipped"][0][
        "path"
    ] == "a.jpg"
    assert "2 item(s) could not be read" in caplog_mm.text

    rerun = cache_at(tmp_path)
    rerun.start(SETTINGS)
    rerun.skip("b", "OSError: still broken")
    meta = rerun.finish(attempted=["b"])  # "a" was not retried: its record stays
    assert [(s["key"], s["error"]) for s in meta["skipped"]] == [
        ("a", "OSError: broken"),
        ("b", "OSError: still broken"),
    ]
    assert rerun.skipped == [{"key": "b", "error": "OSError: still broken"}]


def test_resuming_with_other_settings_is_refused_and_names_them(tmp_path):
    cache = cache_at(tmp_path)
    cache.start(SETTINGS)
    save(cache, "items/0.pt", 0.0)
    changed = {**SETTINGS, "backbone": {"model_name": "a", "image_tower": "4567"}, "scales": [1.0]}
    with pytest.raises(CacheMismatchError, match="resuming would mix") as err:
        cache_at(tmp_path).start(changed)
    message = str(err.value)
    assert "backbone.image_tower: '0123' in the folder, '4567' now" in message
    assert "scales: [1.0, 1.5] in the folder, [1.0] now" in message
    assert "--overwrite" in message and "model_name" not in message
    assert cache.done("items/0.pt")  # nothing was deleted

    cache_at(tmp_path).start(changed, overwrite=True)
    assert not cache.done("items/0.pt")
    assert json.loads(cache.meta_path.read_text()) == changed


def test_other_settings_without_finished_items_just_start_afresh(tmp_path):
    cache_at(tmp_path).start({**SETTINGS, "format": 0})
    cache = cache_at(tmp_path)
    cache.start(SETTINGS)
    assert json.loads(cache.meta_path.read_text()) == SETTINGS


def test_a_reader_is_told_how_to_recompute(tmp_path):
    cache = cache_at(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"compute them with `python tools/x.py CONFIG`"):
        cache.read_meta()
    cache.start(SETTINGS)
    cache.check(cache.read_meta(), {"format": 1, "scales": (1.0, 1.5)})  # tuples read back as lists
    with pytest.raises(
        CacheMismatchError, match=r"format: 1 in the folder, 2 now.*x.py CONFIG --overwrite"
    ):
        cache.check(cache.read_meta(), {"format": 2})


def test_settings_differences_recurse_and_report_missing_keys():
    found = {"a": 1, "b": {"c": 2, "d": 3}}
    assert settings_differences(found, {"a": 1, "b": {"c": 2, "d": 4}, "e": 5}) == [
        "b.d: 3 in the folder, 4 now",
        "e: None in the folder, 5 now",
    ]
    assert settings_differences({"b": None}, {"b": {"c": 1}}) == [
        "b: None in the folder, {'c': 1} now"
    ]


def test_identity_of_a_config_leaves_the_random_stream_alone(ckpt):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    backbone_identity(dict(type="FrozenCLIP", model_name=TEST_VIT, checkpoint=str(ckpt)))
    assert torch.equal(torch.rand(3), expected)

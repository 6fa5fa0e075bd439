import open_clip
import pytest
import torch

from clipx.backbone import FrozenCLIP
from clipx.checkpoint import save_clipx_checkpoint
from clipx.testing import (
    FAKE_CAPTIONS,
    TEST_RN,
    TEST_VIT,
    fake_images,
    tiny_checkpoint,
    tiny_open_clip,
)


@pytest.mark.parametrize("name,size", [(TEST_VIT, 32), (TEST_RN, 64)])
def test_local_checkpoint_round_trip_gives_identical_embeddings(tmp_path, name, size):
    path = tiny_checkpoint(tmp_path / "clip.pt", name, seed=3)
    ref = tiny_open_clip(name, seed=3).eval()
    clip = FrozenCLIP(model_name=name, checkpoint=path)
    images = fake_images(2, size)
    tokens = open_clip.get_tokenizer(name)(list(FAKE_CAPTIONS))
    with torch.no_grad():  # FrozenCLIP runs under no_grad, which takes torch's fused attention path
        ref_image = torch.nn.functional.normalize(ref.encode_image(images), dim=-1)
        ref_text = torch.nn.functional.normalize(ref.encode_text(tokens), dim=-1)
    torch.testing.assert_close(clip.encode_image(images), ref_image, rtol=0, atol=0)
    torch.testing.assert_close(clip.encode_text(list(FAKE_CAPTIONS)), ref_text, rtol=0, atol=0)


def test_plain_state_dict_and_prefixed_mmengine_state_dict(tmp_path):
    model = tiny_open_clip(TEST_VIT, seed=4)
    torch.save(model.state_dict(), tmp_path / "plain.pt")
    torch.save({"state_dict": {f"clip.{k}": v for k, v in model.state_dict().items()}, "meta": {"epoch": 1}}, tmp_path / "runner.pth")
    images = fake_images(2, 32)
    a = FrozenCLIP(model_name=TEST_VIT, checkpoint=tmp_path / "plain.pt").encode_image(images)
    b = FrozenCLIP(model_name=TEST_VIT, checkpoint=tmp_path / "runner.pth").encode_image(images)
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_clipx_checkpoint_loads_in_plain_open_clip(tmp_path):
    path = tiny_checkpoint(tmp_path / "clip.pt", TEST_VIT, seed=5)
    model = open_clip.create_model(TEST_VIT, pretrained=str(path))
    ref = tiny_open_clip(TEST_VIT, seed=5)
    for a, b in zip(model.state_dict().values(), ref.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        FrozenCLIP(model_name=TEST_VIT, checkpoint=tmp_path / "nope.pt")


def test_checkpoint_of_another_architecture_names_what_did_not_fit(tmp_path):
    torch.save(tiny_open_clip(TEST_RN).state_dict(), tmp_path / "rn.pt")
    with pytest.raises(ValueError, match=r"rn.pt' does not fit architecture 'clipx-ViT-test-8-32'.*missing key"):
        FrozenCLIP(model_name=TEST_VIT, checkpoint=tmp_path / "rn.pt")


def test_shape_mismatch_is_reported(tmp_path):
    state = tiny_open_clip(TEST_VIT).state_dict()
    state["text_projection"] = torch.zeros(64, 16)
    torch.save(state, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match=r"text_projection: file \(64, 16\) vs model \(64, 32\)"):
        FrozenCLIP(model_name=TEST_VIT, checkpoint=tmp_path / "bad.pt")


def test_recorded_architecture_is_checked(tmp_path):
    path = save_clipx_checkpoint(tiny_open_clip(TEST_VIT), tmp_path / "c.pt", model_name=TEST_RN)
    with pytest.raises(ValueError, match="written for architecture 'clipx-RN-test-64'"):
        FrozenCLIP(model_name=TEST_VIT, checkpoint=path)


class NotAllowListed:
    pass


def test_unsafe_pickles_are_refused(tmp_path):
    torch.save({"state_dict": {}, "obj": NotAllowListed()}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="weights_only=True"):
        FrozenCLIP(model_name=TEST_VIT, checkpoint=tmp_path / "evil.pt")


def test_garbage_file_is_a_clear_error(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="junk.pt"):
        FrozenCLIP(model_name=TEST_VIT, checkpoint=tmp_path / "junk.pt")


def test_random_init_warning_only_without_weights(tmp_path, caplog):
    path = tiny_checkpoint(tmp_path / "clip.pt", TEST_VIT, seed=3)
    caplog.clear()  # writing the checkpoint built a random model
    with caplog.at_level("WARNING"):
        FrozenCLIP(model_name=TEST_VIT, checkpoint=path)
    assert "initialized randomly" not in caplog.text
    with caplog.at_level("WARNING"):
        FrozenCLIP(model_name=TEST_VIT)
    assert "initialized randomly" in caplog.text  # true here, so open_clip still says it

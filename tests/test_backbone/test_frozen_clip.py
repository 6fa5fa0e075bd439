import pytest
import torch

from clipx.backbone import FrozenCLIP, Unfreeze
from clipx.testing import FAKE_CAPTIONS, TEST_RN, TEST_VIT, fake_images, tiny_clip


@pytest.fixture(scope="module")
def vit():
    return tiny_clip(TEST_VIT)


def test_frozen_by_default_has_no_trainable_parameters_and_builds_no_graph(vit):
    assert not any(p.requires_grad for p in vit.parameters())
    images = fake_images(2, 32).requires_grad_(True)
    out = vit.encode_image(images)
    assert out.grad_fn is None and not out.requires_grad
    dense = vit.forward_dense(images)
    assert dense.embeds.grad_fn is None and all(m.grad_fn is None for m in dense.maps)
    assert vit.encode_text(list(FAKE_CAPTIONS)).grad_fn is None


def test_train_mode_is_refused(vit):
    vit.train()
    assert not vit.training and not any(m.training for m in vit.modules())


def test_global_embeddings_are_normalised_and_shaped(vit):
    img = vit.encode_image(fake_images(3, 32))
    txt = vit.encode_text(list(FAKE_CAPTIONS))
    assert img.shape == (3, vit.embed_dim) and txt.shape == (4, vit.embed_dim)
    torch.testing.assert_close(img.norm(dim=-1), torch.ones(3))
    torch.testing.assert_close(txt.norm(dim=-1), torch.ones(4))
    assert img.dtype == torch.float32


def test_encode_image_matches_open_clip(vit):
    images = fake_images(2, 32)
    ref = torch.nn.functional.normalize(vit.clip.encode_image(images), dim=-1)
    torch.testing.assert_close(vit.encode_image(images), ref)


def test_unfreeze_last_blocks_and_named_parts():
    clip = tiny_clip(TEST_VIT, unfreeze=dict(last_blocks=1, names=("visual.proj", "logit_scale")))
    trainable = {n for n, p in clip.clip.named_parameters() if p.requires_grad}
    assert "visual.proj" in trainable and "logit_scale" in trainable
    assert any(n.startswith("visual.transformer.resblocks.1.") for n in trainable)
    assert not any(n.startswith("visual.transformer.resblocks.0.") for n in trainable)
    assert not any(n.startswith("transformer.") for n in trainable)
    out = clip.encode_image(fake_images(2, 32))
    out.sum().backward()
    assert clip.clip.visual.proj.grad is not None
    assert clip.clip.visual.conv1.weight.grad is None


def test_unfreeze_text_blocks_on_resnet():
    clip = tiny_clip(TEST_RN, unfreeze=Unfreeze(last_blocks=1, last_text_blocks=1))
    trainable = {n for n, p in clip.clip.named_parameters() if p.requires_grad}
    assert any(n.startswith("visual.layer4.") for n in trainable)
    assert not any(n.startswith("visual.layer3.") for n in trainable)
    assert any(n.startswith("transformer.resblocks.1.") for n in trainable)


def test_unfreeze_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="'visual.nope' matches no parameter"):
        tiny_clip(TEST_VIT, unfreeze=dict(names=("visual.nope",)))
    with pytest.raises(ValueError, match="last_blocks=9"):
        tiny_clip(TEST_VIT, unfreeze=dict(last_blocks=9))


def test_unknown_architecture_names_close_matches():
    with pytest.raises(ValueError, match="Unknown open_clip architecture 'ViT-B-33'.*ViT-B-32"):
        FrozenCLIP(model_name="ViT-B-33")


def test_pretrained_must_be_a_published_tag(tmp_path):
    path = tmp_path / "w.pt"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="not a published open_clip tag.*checkpoint="):
        FrozenCLIP(model_name=TEST_VIT, pretrained=str(path))
    with pytest.raises(ValueError, match="not both"):
        FrozenCLIP(model_name=TEST_VIT, pretrained="openai", checkpoint=str(path))


def test_bad_inputs_are_explained(vit):
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        vit.encode_image(torch.zeros(3, 32, 32))
    with pytest.raises(ValueError, match="expects 32x32"):
        vit.encode_image(fake_images(1, 64))
    with pytest.raises(TypeError, match="list of strings"):
        vit.encode_text("a red circle")
    with pytest.raises(ValueError, match="precision='fp8'"):
        tiny_clip(TEST_VIT, precision="fp8")


def test_long_text_is_truncated_with_a_warning(vit):
    with pytest.warns(UserWarning, match="truncated"):
        out = vit.encode_text(["a red circle " * 20])
    assert out.shape == (1, vit.embed_dim)


def test_unicode_class_names(vit):
    names = ["红色圆形", "蓝色方块", "chat noir", "Straße"]
    embeds = vit.embed_classes(names, templates="name")
    assert embeds.shape == (4, vit.embed_dim)
    assert torch.isfinite(embeds).all()
    # different names give different embeddings
    sims = embeds @ embeds.T
    assert (sims - torch.eye(4)).abs().max() < 1 and not torch.allclose(embeds[0], embeds[1])


def test_bf16_precision_close_to_fp32():
    fp32 = tiny_clip(TEST_VIT)
    bf16 = tiny_clip(TEST_VIT, precision="bf16")
    assert bf16.clip.visual.conv1.weight.dtype == torch.bfloat16
    images = fake_images(4, 32)
    a, b = fp32.encode_image(images), bf16.encode_image(images)
    assert b.dtype == torch.float32
    assert torch.nn.functional.cosine_similarity(a, b).min() > 0.98


def test_low_precision_cannot_train():
    with pytest.raises(ValueError, match="cannot train"):
        tiny_clip(TEST_VIT, precision="bf16", unfreeze=dict(names=("logit_scale",)))


def test_builds_from_registry_config():
    from mmengine.registry import MODELS as ROOT

    from clipx.registry import MODELS

    cfg = dict(type="FrozenCLIP", model_name=TEST_VIT)
    assert isinstance(MODELS.build(cfg), FrozenCLIP)
    # scope prefix, from mmengine's root as an mmdet or mmseg config would
    assert isinstance(ROOT.build(dict(type="clipx.FrozenCLIP", model_name=TEST_VIT)), FrozenCLIP)


@pytest.mark.gpu
@pytest.mark.parametrize("model_name", [TEST_VIT, TEST_RN])
def test_cuda_gives_the_cpu_outputs(model_name, monkeypatch):
    # TF32 convolutions and matmuls would round differently from the CPU on purpose
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    cpu = tiny_clip(model_name)
    cuda = tiny_clip(model_name).cuda()
    assert cuda.device.type == "cuda"
    images = fake_images(3, cpu.image_size, seed=2)
    pairs = [
        (cpu.encode_image(images), cuda.encode_image(images.cuda())),
        (cpu.encode_text(list(FAKE_CAPTIONS)), cuda.encode_text(list(FAKE_CAPTIONS))),
        (cpu.forward_dense(images).embeds, cuda.forward_dense(images.cuda()).embeds),
    ]
    for on_cpu, on_cuda in pairs:
        assert on_cuda.device.type == "cuda"
        torch.testing.assert_close(on_cuda.cpu(), on_cpu, rtol=1e-3, atol=1e-4)

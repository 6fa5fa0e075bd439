import pytest
import torch

from clipx.testing import TEST_RN, TEST_VIT, fake_images, tiny_clip


@pytest.mark.parametrize("size", [(32, 32), (48, 64)])
def test_vit_dense_shapes_at_two_sizes(size):
    clip = tiny_clip(TEST_VIT, dense_indices=(0, 1))
    out = clip.forward_dense(fake_images(2, size))
    gh, gw = size[0] // 8, size[1] // 8
    assert [m.shape for m in out.maps] == [(2, 64, gh, gw)] * 2
    assert clip.dense_channels() == [64, 64]
    assert out.embeds.shape == (2, clip.embed_dim, gh, gw)
    torch.testing.assert_close(out.embeds.norm(dim=1), torch.ones(2, gh, gw))


@pytest.mark.parametrize("size", [64, 96])
def test_resnet_dense_shapes_at_two_sizes(size):
    clip = tiny_clip(TEST_RN, dense_indices=(2, 3, 4))
    out = clip.forward_dense(fake_images(2, size))
    assert [m.shape[1] for m in out.maps] == clip.dense_channels() == [64, 128, 256]
    assert [m.shape[-1] for m in out.maps] == [size // 8, size // 16, size // 32]
    assert out.embeds.shape == (2, clip.embed_dim, size // 32, size // 32)
    assert out.image_embeds.shape == (2, clip.embed_dim)


@pytest.mark.parametrize("name,size", [(TEST_VIT, 32), (TEST_RN, 64), ("clipx-ViT-test-gap-8-32", 32)])
def test_dense_global_embedding_equals_encode_image_at_native_size(name, size):
    clip = tiny_clip(name)
    images = fake_images(2, size)
    torch.testing.assert_close(clip.forward_dense(images).image_embeds, clip.encode_image(images))


def test_tokens_mode_projects_final_tokens():
    clip = tiny_clip(TEST_VIT, dense_mode="tokens")
    images = fake_images(1, 32)
    visual = clip.clip.visual
    tokens = visual.transformer(visual._embeds(images))[:, 1:]
    ref = torch.nn.functional.normalize(visual.ln_post(tokens) @ visual.proj, dim=-1)
    out = clip.forward_dense(images).embeds.flatten(2).transpose(1, 2)
    torch.testing.assert_close(out, ref)


def test_resnet_dense_embeds_are_the_value_path():
    clip = tiny_clip(TEST_RN)
    images = fake_images(1, 64)
    pool = clip.clip.visual.attnpool
    layer4 = clip.forward_dense(images, indices=(4,)).maps[0]
    ref = pool.c_proj(pool.v_proj(layer4.flatten(2).transpose(1, 2)))
    out = clip.forward_dense(images).embeds.flatten(2).transpose(1, 2)
    torch.testing.assert_close(out, torch.nn.functional.normalize(ref, dim=-1))


def test_dense_rejects_bad_sizes_and_indices():
    clip = tiny_clip(TEST_VIT)
    with pytest.raises(ValueError, match="multiple of the patch size"):
        clip.forward_dense(fake_images(1, 36))
    with pytest.raises(ValueError, match="dense index 5 is out of range"):
        clip.forward_dense(fake_images(1, 32), indices=(5,))

"""The conv-stem ViT: an open_clip architecture with a timm tower, trained and loaded like the others."""

import open_clip
import torch

from clipx.backbone import FrozenCLIP
from clipx.backbone.conv_stem_vit import ConvStem
from clipx.checkpoint import save_clipx_checkpoint
from clipx.pretrain import CLIPPretrainer
from clipx.testing import FAKE_CAPTIONS, fake_images

ARCH = "clipx-ViT-tiny-cs-64"


def test_stem_feeds_an_8x8_token_grid():
    model = open_clip.create_model(ARCH)
    trunk = model.visual.trunk
    assert isinstance(trunk.patch_embed.backbone, ConvStem)
    assert trunk.patch_embed.grid_size == (8, 8) and trunk.pos_embed.shape == (1, 65, 192)
    assert model.encode_image(fake_images(2, 64)).shape == (2, 128)


def test_trained_checkpoint_loads_in_frozen_clip_and_plain_open_clip(tmp_path):
    torch.manual_seed(0)
    pretrainer = CLIPPretrainer(model_name=ARCH)
    optimizer = torch.optim.AdamW(pretrainer.parameters(), lr=1e-3)
    images, texts = fake_images(4, 64, seed=1), list(FAKE_CAPTIONS)[:4]
    pretrainer.train()
    tokens = open_clip.get_tokenizer(ARCH)(texts)
    loss = pretrainer(images, dict(text=tokens), mode="loss")["loss"]
    loss.backward()
    optimizer.step()  # the stem's BatchNorm statistics moved too
    stem_bn = pretrainer.clip.visual.trunk.patch_embed.backbone[1]
    assert stem_bn.num_batches_tracked.item() == 1

    path = save_clipx_checkpoint(
        pretrainer.clip,
        tmp_path / "cs.pt",
        model_name=ARCH,
        preprocess_cfg=open_clip.get_model_preprocess_cfg(pretrainer.clip),
    )
    plain = open_clip.create_model(ARCH, pretrained=str(path)).eval()
    clip = FrozenCLIP(model_name=ARCH, checkpoint=path)
    probe = fake_images(3, 64, seed=2)
    with torch.no_grad():
        ref = torch.nn.functional.normalize(plain.encode_image(probe), dim=-1)
    torch.testing.assert_close(clip.encode_image(probe), ref, rtol=1e-5, atol=1e-6)
    assert not clip.has_trainable_parameters

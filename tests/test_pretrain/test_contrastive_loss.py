import os

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F
from open_clip.loss import ClipLoss

from clipx.pretrain import CLIPPretrainer, ContrastiveLoss
from clipx.testing import TEST_VIT, fake_images

BATCH = 8


def _batch():
    gen = torch.Generator().manual_seed(0)
    images = fake_images(BATCH, 32, seed=1)
    tokens = torch.randint(1, 400, (BATCH, 16), generator=gen)
    tokens[:, -1] = 49407  # end-of-text: open_clip pools at the argmax token
    return images, tokens


def _model(**kwargs):
    torch.manual_seed(0)
    return CLIPPretrainer(model_name=TEST_VIT, **kwargs).train()


def _step(model, images, tokens):
    out = model(images, {"text": tokens}, mode="loss")
    out["loss"].backward()
    return out["loss"].detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_loss_is_symmetric_cross_entropy_over_cosine_logits():
    gen = torch.Generator().manual_seed(0)
    img = F.normalize(torch.randn(5, 8, generator=gen), dim=-1)
    txt = F.normalize(torch.randn(5, 8, generator=gen), dim=-1)
    scale = torch.tensor(14.0)
    logits = scale * img @ txt.T
    ref = (F.cross_entropy(logits, torch.arange(5)) + F.cross_entropy(logits.T, torch.arange(5))) / 2
    torch.testing.assert_close(ContrastiveLoss()(img, txt, scale), ref)


def test_logit_scale_starts_at_one_over_007_and_is_clamped_at_100():
    model = _model()
    assert model.clip.logit_scale.exp().item() == pytest.approx(1 / 0.07, rel=1e-5)
    with torch.no_grad():
        model.clip.logit_scale.fill_(10.0)
    images, tokens = _batch()
    out = model(images, {"text": tokens}, mode="loss")
    assert out["logit_scale"].item() == pytest.approx(100.0, rel=1e-5)


def _half(rank, world_size):
    images, tokens = _batch()
    part = slice(rank * BATCH // world_size, (rank + 1) * BATCH // world_size)
    return images[part], tokens[part]


def _global_loss_rank(rank, world_size):
    loss, grads = _step(_model(), *_half(rank, world_size))
    for g in grads.values():  # what DDP does: average gradients over ranks
        dist.all_reduce(g)
        g /= world_size
    return {"loss": loss, "grads": grads}


@pytest.mark.slow
def test_two_gloo_ranks_equal_one_process_on_the_concatenated_batch(gloo_ranks):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    ranks = gloo_ranks(_global_loss_rank)
    loss, grads = _step(_model(gather=False), *_batch())
    for rank in ranks:  # every rank sees the global batch
        torch.testing.assert_close(rank["loss"], loss, rtol=1e-5, atol=1e-6)
        assert grads.keys() == rank["grads"].keys()
        for name, g in grads.items():
            torch.testing.assert_close(rank["grads"][name], g, rtol=1e-4, atol=1e-6, msg=name)


def _local_loss_rank(rank, world_size):
    """This rank's local loss and gradients from clipx and from open_clip's ClipLoss
    (its default gather, gather_with_grad=False: the gathered features are constants)."""
    images, tokens = _half(rank, world_size)
    ours, our_grads = _step(_model(local_loss=True), images, tokens)
    reference = _model(local_loss=True)
    image_embeds, text_embeds = reference.encode(images, tokens)
    clip_loss = ClipLoss(local_loss=True, rank=rank, world_size=world_size)
    theirs = clip_loss(image_embeds, text_embeds, reference.clip.logit_scale.exp())
    theirs.backward()
    their_grads = {n: p.grad.clone() for n, p in reference.named_parameters() if p.grad is not None}
    return dict(ours=ours, our_grads=our_grads, theirs=theirs.detach(), their_grads=their_grads)


@pytest.mark.slow
def test_local_loss_matches_open_clip_on_each_of_two_ranks(gloo_ranks):
    ranks = gloo_ranks(_local_loss_rank)
    for rank, result in enumerate(ranks):
        where = f"rank {rank}"
        ours, theirs = result["ours"], result["theirs"]
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6, msg=where)
        assert result["our_grads"].keys() == result["their_grads"].keys()
        for name, g in result["their_grads"].items():
            got = result["our_grads"][name]
            torch.testing.assert_close(got, g, rtol=1e-4, atol=1e-6, msg=f"{where} {name}")
    assert not torch.allclose(ranks[0]["ours"], ranks[1]["ours"])  # each rank its own rows

import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

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


def _worker(rank, world_size, init_file, out_file, local_loss):
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    torch.set_num_threads(1)
    images, tokens = _batch()
    part = slice(rank * BATCH // world_size, (rank + 1) * BATCH // world_size)
    model = _model(local_loss=local_loss)
    loss, grads = _step(model, images[part], tokens[part])
    for g in grads.values():  # what DDP does: average gradients over ranks
        dist.all_reduce(g)
        g /= world_size
    losses = [torch.zeros(()) for _ in range(world_size)]
    dist.all_gather(losses, loss)
    if rank == 0:
        torch.save({"losses": losses, "grads": grads}, out_file)
    dist.destroy_process_group()


def _run_two_ranks(tmp_path, local_loss):
    out = tmp_path / "out.pt"
    # fork: the worker lives in this test module, which spawn could not import
    mp.start_processes(_worker, args=(2, str(tmp_path / "init"), str(out), local_loss), nprocs=2, start_method="fork")
    return torch.load(out, weights_only=True)


@pytest.mark.slow
def test_two_gloo_ranks_equal_one_process_on_the_concatenated_batch(tmp_path):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    result = _run_two_ranks(tmp_path, local_loss=False)
    loss, grads = _step(_model(gather=False), *_batch())
    for rank_loss in result["losses"]:  # every rank sees the global batch
        torch.testing.assert_close(rank_loss, loss, rtol=1e-5, atol=1e-6)
    assert grads.keys() == result["grads"].keys()
    for name, g in grads.items():
        torch.testing.assert_close(result["grads"][name], g, rtol=1e-4, atol=1e-6, msg=name)


@pytest.mark.slow
def test_local_loss_variant_runs_on_two_ranks(tmp_path):
    result = _run_two_ranks(tmp_path, local_loss=True)
    assert all(torch.isfinite(x) for x in result["losses"])
    assert not torch.allclose(result["losses"][0], result["losses"][1])  # each rank its own rows

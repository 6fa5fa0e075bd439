import open_clip
import torch
from mmengine.runner import Runner

from clipx.backbone import FrozenCLIP
from clipx.checkpoint import allow_mmengine_checkpoints
from clipx.testing import FAKE_CAPTIONS, TEST_VIT, fake_images, write_fake_pairs


def _cfg(csv, work_dir, max_iters=4):
    return dict(
        default_scope="clipx",
        work_dir=str(work_dir),
        model=dict(type="CLIPPretrainer", model_name=TEST_VIT),
        train_dataloader=dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=True),
            collate_fn=dict(type="default_collate"),
            dataset=dict(type="ImageTextDataset", ann_file=str(csv), model_name=TEST_VIT),
        ),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=max_iters),
        optim_wrapper=dict(
            optimizer=dict(type="AdamW", lr=1e-3, weight_decay=0.1),
            paramwise_cfg=dict(flat_decay_mult=0.0, custom_keys={"logit_scale": dict(decay_mult=0.0)}),
        ),
        custom_hooks=[dict(type="ExportCLIPHook")],
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=1),
            checkpoint=dict(type="CheckpointHook", interval=2, by_epoch=False),
        ),
        log_level="WARNING",
    )


def test_missing_file_and_corrupt_jpeg_train_to_the_end_and_are_reported(tmp_path, capsys):
    csv = write_fake_pairs(tmp_path / "data", 8)
    (tmp_path / "data" / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    with csv.open("a") as f:
        f.write("missing.png,a lost picture\ncorrupt.jpg,a broken picture\n")
    runner = Runner.from_cfg(_cfg(csv, tmp_path / "work", max_iters=6))
    runner.train()
    assert runner.iter == 6
    dataset = runner.train_loop.dataloader.dataset
    assert dataset.num_skipped == 2
    log = capsys.readouterr().out
    assert "missing.png" in log and "corrupt.jpg" in log


def test_weight_decay_spares_gains_biases_and_temperature(tmp_path):
    runner = Runner.from_cfg(_cfg(write_fake_pairs(tmp_path / "d", 4), tmp_path / "w", 1))
    runner.train()
    names = dict(runner.model.named_parameters())
    decay = {}
    for group in runner.optim_wrapper.optimizer.param_groups:
        for p in group["params"]:
            decay[next(n for n, q in names.items() if q is p)] = group["weight_decay"]
    assert decay["clip.logit_scale"] == 0.0
    assert decay["clip.ln_final.weight"] == 0.0 and decay["clip.visual.conv1.weight"] == 0.1
    assert all(v == 0.0 for n, v in decay.items() if n.endswith(".bias"))


def test_exported_checkpoint_loads_in_frozen_clip_and_plain_open_clip(tmp_path):
    allow_mmengine_checkpoints()
    runner = Runner.from_cfg(_cfg(write_fake_pairs(tmp_path / "d", 8), tmp_path / "w", 2))
    runner.train()
    trained = runner.model.clip.eval()
    path = tmp_path / "w" / "clip_latest.pt"
    frozen = FrozenCLIP(model_name=TEST_VIT, checkpoint=path)
    plain = open_clip.create_model(TEST_VIT, pretrained=str(path)).eval()
    images, texts = fake_images(2, 32), list(FAKE_CAPTIONS)
    tokens = open_clip.get_tokenizer(TEST_VIT)(texts)
    with torch.no_grad():
        ref_img = torch.nn.functional.normalize(trained.encode_image(images), dim=-1)
        ref_txt = torch.nn.functional.normalize(trained.encode_text(tokens), dim=-1)
        plain_img = torch.nn.functional.normalize(plain.encode_image(images), dim=-1)
    torch.testing.assert_close(frozen.encode_image(images), ref_img, rtol=0, atol=0)
    torch.testing.assert_close(frozen.encode_text(texts), ref_txt, rtol=0, atol=0)
    torch.testing.assert_close(plain_img, ref_img, rtol=0, atol=0)
    # the runner's own checkpoint loads too (CLIP weights found under the model's prefix)
    runner_ckpt = FrozenCLIP(model_name=TEST_VIT, checkpoint=tmp_path / "w" / "iter_2.pth")
    torch.testing.assert_close(runner_ckpt.encode_image(images), ref_img, rtol=0, atol=0)


def test_export_hook_keeps_snapshots_for_a_learning_curve(tmp_path):
    cfg = _cfg(write_fake_pairs(tmp_path / "d", 8), tmp_path / "w", 4)
    cfg["custom_hooks"] = [dict(type="ExportCLIPHook", snapshot_interval=2)]
    Runner.from_cfg(cfg).train()
    written = sorted(p.name for p in (tmp_path / "w").glob("clip_*.pt"))
    assert written == ["clip_iter_2.pt", "clip_iter_4.pt", "clip_latest.pt"]
    FrozenCLIP(model_name=TEST_VIT, checkpoint=tmp_path / "w" / "clip_iter_2.pt")

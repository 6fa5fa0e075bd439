"""Zero-shot accuracy against a plain argsort reference, the classifier, datasets and a Runner run."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

from clipx.data.classification import CsvClassification, ImageFolderClassification
from clipx.evaluation import (
    ZeroShotAccuracy,
    ZeroShotClassifier,
    ZeroShotClassifierModel,
    class_logits,
    zero_shot_accuracy,
)
from clipx.testing import TEST_VIT, tiny_clip


def reference_accuracy(logits: torch.Tensor, labels: torch.Tensor, ks, num_classes):
    """Full argsort, ties in index order; loops written out plainly."""
    ranks = []
    for row, label in zip(logits, labels.tolist(), strict=True):
        order = torch.argsort(-row, stable=True).tolist()
        ranks.append(order.index(label))
    ranks = np.array(ranks)
    topk = {k: 100.0 * float(np.mean(ranks < k)) for k in ks}
    per_class = []
    for c in range(num_classes):
        members = ranks[labels.numpy() == c]
        per_class.append(100.0 * float(np.mean(members == 0)) if len(members) else float("nan"))
    present = [a for a in per_class if a == a]
    return topk, per_class, sum(present) / len(present)


def integer_logits(n: int, c: int, seed: int) -> torch.Tensor:
    # few distinct values, so many exact ties
    return torch.randint(0, 4, (n, c), generator=torch.Generator().manual_seed(seed)).float()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_accuracy_matches_argsort_reference_with_ties(seed):
    logits = integer_logits(120, 7, seed)
    labels = torch.randint(0, 6, (120,), generator=torch.Generator().manual_seed(seed + 10))  # class 6 absent
    result = zero_shot_accuracy(logits, labels, topk=(1, 2, 5))
    topk, per_class, mean_per_class = reference_accuracy(logits, labels, (1, 2, 5), 7)
    assert result.topk == pytest.approx(topk)
    assert result.per_class.tolist()[:6] == pytest.approx(per_class[:6])
    assert torch.isnan(result.per_class[6])
    assert result.mean_per_class == pytest.approx(mean_per_class)


def test_per_class_accuracy_on_a_hand_made_case():
    logits = torch.tensor([[3.0, 1, 0], [0, 2, 1], [0, 2, 1], [1, 0, 5]])
    labels = torch.tensor([0, 1, 2, 2])  # right, right, wrong, right
    result = zero_shot_accuracy(logits, labels, topk=(1, 2))
    assert result.per_class.tolist() == pytest.approx([100.0, 100.0, 50.0])
    assert result.mean_per_class == pytest.approx(250 / 3)
    assert result.as_dict() == pytest.approx({"top1": 75.0, "top2": 100.0, "mean_per_class": 250 / 3})


def test_equal_scores_give_chance_not_perfect_accuracy():
    labels = torch.tensor([0, 1, 2, 3])
    result = zero_shot_accuracy(torch.zeros(4, 4), labels, topk=(1, 5))
    assert result.topk[1] == 25.0  # only class 0 comes first in index order
    assert result.topk[5] == 100.0  # k at or above C counts every sample


def test_accuracy_from_embeddings_and_bad_labels():
    g = torch.Generator().manual_seed(0)
    classes = torch.nn.functional.normalize(torch.randn(5, 16, generator=g), dim=-1)
    labels = torch.tensor([0, 1, 2, 3, 4, 0])
    images = classes[labels] + 0.01 * torch.randn(6, 16, generator=g)
    logits = class_logits(images, classes, logit_scale=100.0)
    assert logits.shape == (6, 5)
    assert zero_shot_accuracy(logits, labels).topk[1] == 100.0
    with pytest.raises(ValueError, match="outside"):
        zero_shot_accuracy(logits, torch.tensor([0, 1, 2, 3, 4, 5]))
    with pytest.raises(ValueError, match="dimension"):
        class_logits(images, classes[:, :8])


def test_metric_accepts_logits_or_embeddings_and_counts_an_id_once():
    g = torch.Generator().manual_seed(1)
    classes = torch.nn.functional.normalize(torch.randn(4, 8, generator=g), dim=-1)
    images = torch.nn.functional.normalize(torch.randn(10, 8, generator=g), dim=-1)
    labels = torch.randint(0, 4, (10,), generator=g)
    expected = zero_shot_accuracy(class_logits(images, classes), labels, topk=(1, 2)).as_dict()

    by_logits, by_embeds = ZeroShotAccuracy(topk=(1, 2)), ZeroShotAccuracy(topk=(1, 2))
    logits = class_logits(images, classes, logit_scale=50.0)
    for i in range(10):
        by_logits.process({}, [{"pred_logits": logits[i], "gt_label": labels[i], "img_id": i}])
        by_embeds.process({}, [{"image_embeds": images[i], "class_embeds": classes, "gt_label": int(labels[i])}])
    repeat = dict(by_logits.results[0])  # a substituted item repeats its img_id
    assert by_logits.compute_metrics([*by_logits.results, repeat]) == pytest.approx(expected)
    assert by_embeds.compute_metrics(by_embeds.results) == pytest.approx(expected)
    with pytest.raises(KeyError, match="pred_logits"):
        by_logits.process({}, [{"gt_label": 0}])


def test_metric_reports_per_class_by_name():
    metric = ZeroShotAccuracy(topk=(1,), per_class=True)
    metric.dataset_meta = {"classes": ("cat", "dog", "fox")}
    metric.process({}, [{"pred_logits": torch.tensor([1.0, 0, 0]), "gt_label": 0}])
    metric.process({}, [{"pred_logits": torch.tensor([1.0, 0, 0]), "gt_label": 1}])
    metrics = metric.compute_metrics(metric.results)
    assert metrics["acc_cat"] == 100.0 and metrics["acc_dog"] == 0.0 and "acc_fox" not in metrics


def test_classifier_returns_scaled_cosines():
    clip = tiny_clip()
    classifier = ZeroShotClassifier(clip=clip, class_names=["red", "green", "blue"], templates="name")
    images = torch.randn(2, 3, 32, 32)
    logits = classifier(images)
    expected = clip.logit_scale * clip.encode_image(images) @ clip.encode_text(["red", "green", "blue"]).T
    torch.testing.assert_close(logits, expected, rtol=1e-4, atol=1e-4)
    assert classifier.predict(images).tolist() == logits.argmax(-1).tolist()


# ---------------------------------------------------------------- datasets and the Runner


def write_png(path, color, size=(40, 48)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)


def make_image_folder(root, *, corrupt: bool = True):
    colors = {"red": (220, 20, 20), "green": (20, 200, 20), "blue": (20, 20, 220)}
    for name, color in colors.items():
        for i in range(2):
            write_png(root / name / f"{i}.png", color)
    if corrupt:
        (root / "green" / "bad.png").write_bytes(b"this is not a png" * 8)
    return root


def test_image_folder_labels_order_and_prompt_names(tmp_path):
    root = make_image_folder(tmp_path / "images", corrupt=False)
    (root / "classes.txt").write_text("blue\nred\n# comment\npurple\n")
    ds = ImageFolderClassification(
        root=root,
        transform=tiny_clip().image_transform(),
        classes_file="classes.txt",
        class_name_map={"blue": "navy blue", "unused": "x"},
    )
    # green is not listed, so ignored; purple is listed without a folder and stays a class
    assert ds.metainfo == {"classes": ("navy blue", "red", "purple"), "label_names": ("blue", "red", "purple")}
    assert len(ds) == 4 and ds.labels == [0, 0, 1, 1]
    item = ds[2]
    assert item["inputs"].shape == (3, 32, 32)
    sample = item["data_samples"]
    assert sample.gt_label == 1 and sample.img_id == 2 and sample.metainfo["classes"][0] == "navy blue"


def test_corrupt_image_is_skipped_and_counted(tmp_path):
    root = make_image_folder(tmp_path / "images")
    ds = ImageFolderClassification(root=root, transform=tiny_clip().image_transform())
    bad = next(i for i, p in enumerate(ds.image_paths) if p.name == "bad.png")
    item = ds[bad]  # stands in with the next readable image, under that image's own id
    assert item["data_samples"].img_id == (bad + 1) % len(ds)
    assert ds.num_skipped == 1 and str(ds.image_paths[bad]) in ds.skipped
    ds[bad]
    assert ds.num_skipped == 1  # one bad file counts once

    only_bad = tmp_path / "only_bad"
    (only_bad / "x").mkdir(parents=True)
    (only_bad / "x" / "a.png").write_bytes(b"garbage")
    with pytest.raises(RuntimeError, match="cannot be read"):
        ImageFolderClassification(root=only_bad, transform=tiny_clip().image_transform())[0]


def test_csv_classification_with_names_or_indices(tmp_path):
    for i, color in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255)]):
        write_png(tmp_path / "img" / f"{i}.png", color)
    with open(tmp_path / "names.csv", "w", newline="") as f:
        csv.writer(f).writerows([["path", "cls"], ["img/0.png", "red"], ["img/1.png", "green"], ["img/2.png", "red"]])
    ds = CsvClassification(
        csv_file=tmp_path / "names.csv", transform=tiny_clip().image_transform(), path_column="path", label_column="cls"
    )
    assert ds.metainfo["classes"] == ("green", "red") and ds.labels == [1, 0, 1]
    assert ds[1]["data_samples"].gt_label == 0

    with open(tmp_path / "ids.csv", "w", newline="") as f:
        csv.writer(f).writerows([["filepath", "label"], ["img/0.png", "2"], ["img/1.png", "0"]])
    with pytest.raises(ValueError, match="integer labels"):
        CsvClassification(csv_file=tmp_path / "ids.csv", transform=lambda im: im)
    ds = CsvClassification(csv_file=tmp_path / "ids.csv", transform=lambda im: im, classes=["a", "b", "c"])
    assert ds.labels == [2, 0]
    with pytest.raises(ValueError, match="no column"):
        CsvClassification(csv_file=tmp_path / "ids.csv", transform=lambda im: im, label_column="cls")


def test_model_needs_a_vocabulary():
    model = ZeroShotClassifierModel(clip=tiny_clip())
    with pytest.raises(ValueError, match="no vocabulary"):
        model(torch.randn(1, 3, 32, 32), [{"gt_label": 0}])


def test_runner_test_end_to_end_with_a_corrupt_image(tmp_path):
    root = make_image_folder(tmp_path / "images")
    clip = dict(type="clipx.FrozenCLIP", model_name=TEST_VIT)
    cfg = Config(
        dict(
            model=dict(type="clipx.ZeroShotClassifierModel", clip=clip, templates="default"),
            work_dir=str(tmp_path / "work"),
            test_dataloader=dict(
                batch_size=4,
                num_workers=0,
                sampler=dict(type="DefaultSampler", shuffle=False),
                dataset=dict(
                    type="clipx.ImageFolderClassification",
                    root=str(root),
                    transform=dict(type="clipx.clip_eval_transform", clip=clip),
                ),
            ),
            test_evaluator=dict(type="clipx.ZeroShotAccuracy", topk=(1, 2), per_class=True),
            test_cfg=dict(type="TestLoop"),
            default_scope="clipx",
            log_level="WARNING",
        )
    )
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    per_class_keys = {f"zeroshot/acc_{c}" for c in ("blue", "green", "red")}
    summary_keys = {"zeroshot/top1", "zeroshot/top2", "zeroshot/mean_per_class"}
    assert set(metrics) == summary_keys | per_class_keys
    dataset = runner.test_loop.dataloader.dataset
    assert dataset.num_skipped == 1
    # the same numbers by hand: the readable images once each, scored by the runner's CLIP
    clip = runner.model.clip
    pairs = zip(dataset.image_paths, dataset.labels, strict=True)
    readable = [(p, y) for p, y in pairs if p.name != "bad.png"]
    transform = clip.image_transform()
    images = torch.stack([transform(Image.open(p).convert("RGB")) for p, _ in readable])
    class_embeds = clip.embed_classes(dataset.metainfo["classes"], templates="default")
    logits = clip.logit_scale * clip.encode_image(images) @ class_embeds.T
    labels = torch.tensor([y for _, y in readable])
    topk, per_class, mean_per_class = reference_accuracy(logits, labels, (1, 2), len(class_embeds))
    for name, acc in zip(dataset.metainfo["classes"], per_class, strict=True):
        assert metrics[f"zeroshot/acc_{name}"] == pytest.approx(acc), name
    assert metrics["zeroshot/top1"] == pytest.approx(topk[1])
    assert metrics["zeroshot/top2"] == pytest.approx(topk[2])
    assert metrics["zeroshot/mean_per_class"] == pytest.approx(mean_per_class)

"""The whole offline chain in one command, resumable.

    python tools/quickstart.py [--state work_dirs/quickstart] [--pictures DIR] [--bounds] [--list]

Generates shapes world (images and videos), pretrains the tiny CLIP from
scratch, evaluates zero-shot classification and image-text retrieval, trains
and evaluates LSeg (base / novel mIoU) and ViLD (ViLD-text, region
precompute, ViLD-ensemble; base / novel AP50), and evaluates CLIP4Clip (meanP
on static captions, seqTransf trained and evaluated on motion captions).
Every stage is a README command; each shows its progress in its log
(``<state>/logs/<stage>.log``) and a line here. Stop it at any point and run
it again: finished stages are skipped and trainings resume from their last
checkpoint.

At the end: ``<state>/results.json`` and ``results.md`` (the table, also
printed) and pictures under ``--pictures`` (loss curves, a segmentation with
free labels, detections with free names, a retrieval strip).

``--bounds`` adds what the open-vocabulary numbers are read against: the
training-free baselines (MaskCLIP: the frozen CLIP's own dense embeddings, no
head trained; CLIP on cropped regions: the ViLD-text RPN's proposals named by
the frozen CLIP) and the supervised oracles (the LSeg and ViLD-text configs
trained on the same images with the novel classes labelled), about seven
minutes more on a 2-core CPU (440 s measured).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from clipx.engine.quickstart import Stage, plot_losses, results_table, run_stages

CLIP = "configs/clip/clip_rn-tiny-64_1xb256-1000it_shapes-world.py"
LSEG = "configs/lseg/lseg_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py"
VILD_TEXT = "configs/vild/vild-text_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py"
VILD = "configs/vild/vild-ensemble_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py"
MEANP = "configs/clip4clip/clip4clip_meanp_rn-tiny-64_shapes-world-video.py"
LSEG_ORACLE = "configs/lseg/lseg-oracle_rn-tiny-64_1xb16-1000it_shapes-world-64x64.py"
MASKCLIP = "configs/lseg/maskclip_rn-tiny-64_shapes-world-64x64.py"
VILD_CROPS = "configs/vild/vild-clip-crops_rn-tiny-64-fpn_shapes-world-det-64.py"
VILD_ORACLE = "configs/vild/vild-text-oracle_rn-tiny-64-fpn_1xb4-1000it_shapes-world-det-64.py"
SEQ = "configs/clip4clip/clip4clip_seqtransf_rn-tiny-64_1xb32-4000it_shapes-world-video-motion.py"
DIRECTIONS = "data/shapes_world_video/annotations/test_directions"
SHAPES = ["circle", "square", "triangle", "star", "hexagon", "cross"]


def work_dir(config: str) -> str:
    return f"work_dirs/{Path(config).stem}"


def stages(state: Path, pictures: Path) -> list[Stage]:
    m = state / "metrics"
    lseg_ckpt = f"{work_dir(LSEG)}/iter_1000.pth"
    text_ckpt = f"{work_dir(VILD_TEXT)}/iter_1000.pth"
    vild_ckpt = f"{work_dir(VILD)}/iter_1000.pth"
    det_image = "data/shapes_world/detection/images/val/000064.png"
    seg_image = "data/shapes_world/segmentation/img_dir/val/000069.png"
    return [
        Stage(
            "data",
            "generate shapes world",
            ["tools/generate_shapes_world.py", "--out", "data/shapes_world"],
        ),
        Stage(
            "video-data",
            "generate shapes-world videos",
            ["tools/generate_shapes_world_video.py", "--out", "data/shapes_world_video"],
        ),
        Stage("pretrain", "pretrain the tiny CLIP", ["tools/train.py", CLIP, "--resume"]),
        Stage(
            "zeroshot",
            "zero-shot classification",
            [
                "tools/test.py",
                "configs/zeroshot/zeroshot_rn-tiny-64_shapes-world.py",
                "--out",
                f"{m}/zeroshot.json",
            ],
            metrics=f"{m}/zeroshot.json",
            keys=["zeroshot/top1", "zeroshot/top5"],
        ),
        Stage(
            "retrieval",
            "image-text retrieval",
            [
                "tools/test.py",
                "configs/zeroshot/retrieval_rn-tiny-64_shapes-world.py",
                "--out",
                f"{m}/retrieval.json",
            ],
            metrics=f"{m}/retrieval.json",
            keys=["retrieval/i2t_R@1", "retrieval/t2i_R@1"],
        ),
        Stage("lseg-train", "train LSeg", ["tools/train.py", LSEG, "--resume"]),
        Stage(
            "lseg-test",
            "evaluate LSeg",
            ["tools/test.py", LSEG, lseg_ckpt, "--out", f"{m}/lseg.json"],
            metrics=f"{m}/lseg.json",
            keys=["mIoU_base", "mIoU_novel", "chance_mIoU_base", "chance_mIoU_novel"],
        ),
        Stage(
            "lseg-picture",
            "segment with free labels",
            [
                "tools/segment.py",
                LSEG,
                lseg_ckpt,
                seg_image,
                "--labels",
                "background",
                *SHAPES,
                "--out-dir",
                str(pictures),
            ],
        ),
        Stage("vild-text-train", "train ViLD-text", ["tools/train.py", VILD_TEXT, "--resume"]),
        Stage(
            "vild-text-test",
            "evaluate ViLD-text",
            ["tools/test.py", VILD_TEXT, text_ckpt, "--out", f"{m}/vild_text.json"],
            metrics=f"{m}/vild_text.json",
            keys=["coco/base_bbox_mAP_50", "coco/novel_bbox_mAP_50"],
        ),
        Stage(
            "vild-regions",
            "CLIP embeddings of proposals (ViLD-image)",
            [
                "tools/vild_precompute.py",
                VILD_TEXT,
                "--checkpoint",
                text_ckpt,
                "--num-regions",
                "32",
            ],
        ),
        Stage("vild-train", "train ViLD-ensemble", ["tools/train.py", VILD, "--resume"]),
        Stage(
            "vild-test",
            "evaluate ViLD-ensemble",
            ["tools/test.py", VILD, vild_ckpt, "--out", f"{m}/vild_ensemble.json"],
            metrics=f"{m}/vild_ensemble.json",
            keys=["coco/base_bbox_mAP_50", "coco/novel_bbox_mAP_50"],
        ),
        Stage(
            "vild-picture",
            "detect free names",
            [
                "tools/detect.py",
                VILD,
                vild_ckpt,
                det_image,
                "--names",
                *SHAPES,
                "--scale",
                "2",
                "--out",
                str(pictures / "detection.png"),
            ],
        ),
        Stage(
            "clip4clip-meanp",
            "CLIP4Clip meanP, static captions",
            [
                "tools/test.py",
                MEANP,
                "--out",
                f"{m}/clip4clip_meanp.json",
                "--cfg-options",
                f"custom_hooks.0.show_dir={pictures / 'retrieval'}",
            ],
            metrics=f"{m}/clip4clip_meanp.json",
            keys=["video_retrieval/t2v_R@1", "video_retrieval/t2v_R@5", "video_retrieval/t2v_MdR"],
        ),
        Stage(
            "clip4clip-meanp-motion",
            "CLIP4Clip meanP, motion captions",
            [
                "tools/test.py",
                MEANP,
                "--out",
                f"{m}/clip4clip_meanp_motion.json",
                "--cfg-options",
                f"test_dataloader.dataset.ann_file={DIRECTIONS}_motion.csv",
                f"test_evaluator.reversal_pairs={DIRECTIONS}_reversal_pairs.json",
            ],
            metrics=f"{m}/clip4clip_meanp_motion.json",
            keys=["video_retrieval/t2v_R@1", "video_retrieval/reversal_acc"],
        ),
        Stage(
            "clip4clip-seq-frames",
            "encode the training clips once (frozen CLIP)",
            ["tools/video_precompute.py", SEQ],
        ),
        Stage(
            "clip4clip-seq-train",
            "train CLIP4Clip seqTransf (motion)",
            ["tools/train.py", SEQ, "--resume"],
        ),
        Stage(
            "clip4clip-seq-test",
            "CLIP4Clip seqTransf, motion captions",
            [
                "tools/test.py",
                SEQ,
                f"{work_dir(SEQ)}/iter_4000.pth",
                "--out",
                f"{m}/clip4clip_seqtransf.json",
            ],
            metrics=f"{m}/clip4clip_seqtransf.json",
            keys=["video_retrieval/t2v_R@1", "video_retrieval/reversal_acc"],
        ),
    ]


def bound_stages(state: Path) -> list[Stage]:
    """The training-free baselines and the supervised oracles (``--bounds``)."""
    m = state / "metrics"
    seg_keys = ["mIoU_base", "mIoU_novel"]
    det_keys = ["coco/base_bbox_mAP_50", "coco/novel_bbox_mAP_50"]
    return [
        Stage(
            "maskclip-test",
            "training-free baseline: MaskCLIP (no head trained)",
            ["tools/test.py", MASKCLIP, "--out", f"{m}/lseg_maskclip.json"],
            metrics=f"{m}/lseg_maskclip.json",
            keys=seg_keys,
        ),
        Stage(
            "vild-crops-test",
            "training-free baseline: CLIP on cropped regions (ViLD-text's RPN)",
            [
                "tools/test.py",
                VILD_CROPS,
                f"{work_dir(VILD_TEXT)}/iter_1000.pth",
                "--out",
                f"{m}/vild_clip_crops.json",
            ],
            metrics=f"{m}/vild_clip_crops.json",
            keys=det_keys,
        ),
        Stage(
            "lseg-oracle-train",
            "train the LSeg oracle (novel classes labelled)",
            ["tools/train.py", LSEG_ORACLE, "--resume"],
        ),
        Stage(
            "lseg-oracle-test",
            "evaluate the LSeg oracle",
            [
                "tools/test.py",
                LSEG_ORACLE,
                f"{work_dir(LSEG_ORACLE)}/iter_1000.pth",
                "--out",
                f"{m}/lseg_oracle.json",
            ],
            metrics=f"{m}/lseg_oracle.json",
            keys=seg_keys,
        ),
        Stage(
            "vild-oracle-train",
            "train the ViLD-text oracle (novel boxes included)",
            ["tools/train.py", VILD_ORACLE, "--resume"],
        ),
        Stage(
            "vild-oracle-test",
            "evaluate the ViLD-text oracle",
            [
                "tools/test.py",
                VILD_ORACLE,
                f"{work_dir(VILD_ORACLE)}/iter_1000.pth",
                "--out",
                f"{m}/vild_oracle.json",
            ],
            metrics=f"{m}/vild_oracle.json",
            keys=det_keys,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--state", default="work_dirs/quickstart", help="stage markers, logs, results"
    )
    parser.add_argument("--pictures", help="where the pictures go (default: <state>/pictures)")
    parser.add_argument(
        "--bounds",
        action="store_true",
        help="also the training-free baselines and the supervised oracles (about 7 min more)",
    )
    parser.add_argument("--list", action="store_true", help="print the stages and their commands")
    args = parser.parse_args(argv)
    state = Path(args.state)
    pictures = Path(args.pictures) if args.pictures else state / "pictures"
    chain = stages(state, pictures) + (bound_stages(state) if args.bounds else [])
    if args.list:
        for i, stage in enumerate(chain, 1):
            print(f"{i:2d}. {stage.title}: python {' '.join(stage.command)}")
        return 0
    (state / "metrics").mkdir(parents=True, exist_ok=True)
    pictures.mkdir(parents=True, exist_ok=True)
    try:
        results = run_stages(chain, state)
    except RuntimeError as err:
        print(err, file=sys.stderr)
        return 1
    data, table = results_table(chain, results)
    curves = plot_losses(
        {
            "CLIP pretraining": work_dir(CLIP),
            "LSeg head": work_dir(LSEG),
            "ViLD-ensemble": work_dir(VILD),
            "CLIP4Clip seqTransf": work_dir(SEQ),
        },
        pictures / "loss_curves.png",
    )
    strips = sorted((pictures / "retrieval").glob("*.png"))
    if strips:
        shutil.copyfile(strips[0], pictures / "retrieval_strip.png")
    data["pictures"] = sorted(str(p) for p in pictures.glob("*.png"))
    (state / "results.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    (state / "results.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"results: {state / 'results.json'}, {state / 'results.md'}; pictures: {pictures}")
    if curves is None:
        print("(no training logs found for the loss curves)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

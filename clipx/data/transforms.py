"""Image preprocessing that matches a CLIP model without building it."""

from __future__ import annotations

from dataclasses import asdict

import open_clip
from open_clip.transform import PreprocessCfg, image_transform_v2, merge_preprocess_dict
import torch
from torchvision import transforms as T
from torchvision.transforms import v2

from clipx.backbone.frozen_clip import check_model_name


def clip_preprocess_cfg(model_name: str, pretrained: str | None = None) -> dict:
    """The preprocessing open_clip would attach to ``model_name`` (and ``pretrained`` tag)."""
    model_name = check_model_name(model_name)
    cfg = asdict(PreprocessCfg())
    vision = (open_clip.get_model_config(model_name) or {}).get("vision_cfg", {})
    if "image_size" in vision:
        cfg["size"] = vision["image_size"]
    if pretrained:
        cfg = merge_preprocess_dict(cfg, open_clip.get_pretrained_cfg(model_name, pretrained))
    return cfg


def _to_rgb(image):
    return image.convert("RGB")


def clip_image_transform(
    preprocess_cfg: dict, *, is_train: bool, crop_scale: tuple[float, float] = (0.9, 1.0)
):
    """PIL image -> normalised tensor.

    Evaluation: exactly the model's own preprocessing. Training: CLIP's only
    augmentation, a random square crop (covering ``crop_scale`` of the image
    area) resized to the model's input size.
    """
    fields = PreprocessCfg.__dataclass_fields__
    cfg = PreprocessCfg(**{k: v for k, v in preprocess_cfg.items() if k in fields})
    if not is_train:
        return image_transform_v2(cfg, is_train=False)
    size = cfg.size if isinstance(cfg.size, int) else cfg.size[0]
    crop = T.RandomResizedCrop(
        size, scale=tuple(crop_scale), ratio=(1.0, 1.0), interpolation=T.InterpolationMode.BICUBIC
    )
    return T.Compose([T.Lambda(_to_rgb), crop, T.ToTensor(), T.Normalize(mean=cfg.mean, std=cfg.std)])


def clip_uint8_train_transform(preprocess_cfg: dict, *, crop_scale: tuple[float, float] = (0.9, 1.0)):
    """uint8 tensor (3, H, W) -> normalised float tensor: :func:`clip_image_transform`'s training
    crop done on the tensor (bicubic, antialiased), ~6x cheaper than decoding and cropping in PIL.
    Values agree with the PIL path to about one grey level."""
    fields = PreprocessCfg.__dataclass_fields__
    cfg = PreprocessCfg(**{k: v for k, v in preprocess_cfg.items() if k in fields})
    size = cfg.size if isinstance(cfg.size, int) else cfg.size[0]
    return v2.Compose(
        [
            v2.RandomResizedCrop(
                size,
                scale=tuple(crop_scale),
                ratio=(1.0, 1.0),
                interpolation=v2.InterpolationMode.BICUBIC,
                antialias=True,
            ),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(mean=list(cfg.mean), std=list(cfg.std)),
        ]
    )

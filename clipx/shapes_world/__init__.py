"""Shapes world: the generated offline world of coloured shapes, their captions, and its writers.

clipx's default data, so every head trains and evaluates on a laptop CPU
without a download. Everything flows from one scene description, so each
task's data is drawn from the same kind of scenes:

* :mod:`.vocabulary`: colour names with their RGB, shape outlines, sizes,
  backgrounds (:data:`COLOURS`, :data:`SHAPES`, ...).
* :mod:`.config`: :class:`ShapesWorldConfig`, what one world contains, and
  its classes (:func:`class_names`).
* :mod:`.scene`: :class:`Scene` and :func:`sample_scene`; :func:`image_rng`
  seeds every image by ``(seed, crc32(stream), index)``.
* :mod:`.render`: :class:`ShapesRenderer` (an RGB image and one visible mask
  per object) and :func:`mask_to_box`.
* :mod:`.captions`: captions of scenes and clips from a small grammar.
* :mod:`.motion`: clips (:class:`VideoWorldConfig`, :func:`sample_group`,
  :func:`render_clip`).
* One writer per task: :mod:`.image_text` (pretraining pairs, retrieval),
  :mod:`.classification` (zero-shot and few-shot class folders),
  :mod:`.segmentation` (mmseg layout with ``split.json``), :mod:`.detection`
  (COCO json with base/novel categories), :mod:`.video` (MSR-VTT layout).
  :mod:`.output` holds what they share.
* :mod:`.cli`: the command lines behind ``tools/generate_shapes_world.py``
  and ``tools/generate_shapes_world_video.py`` (``python -m clipx.shapes_world
  {images,video}``).

Every image is drawn from its own generator, seeded by the stream that names
the writer and the split (``'image_text/train'``, ``'zeroshot/val'``, ...).
Output is therefore byte-identical for the same seed and config, independent
of the number of worker processes, and different splits never share an image.
Writers record what a dataset needs to know (class lists, base/novel splits)
in the files they write; datasets read those records, not this package's
defaults.
"""

from .captions import (
    caption_clip,
    caption_scene,
    caption_variants,
    clip_caption_variants,
    object_phrase,
    place,
    relation,
)
from .classification import draw_class_image, write_class_folders
from .config import ShapesWorldConfig, check_novel_shapes, class_names, class_tuples
from .detection import write_detection, write_detection_split
from .grounding import write_grounding
from .image_text import read_caption_csv, write_image_text, write_retrieval
from .motion import DIRECTIONS, Motion, MovingScene, VideoWorldConfig, render_clip, sample_group
from .render import ShapesRenderer, mask_to_box, outline
from .scene import Background, Scene, ShapeObject, Style, image_rng, sample_scene
from .segmentation import read_split_record, write_segmentation
from .video import write_video_split
from .vocabulary import (
    BACKGROUNDS,
    COLOURS,
    DEFAULT_COLOURS,
    DEFAULT_NOVEL_SHAPES,
    DEFAULT_SHAPES,
    DEFAULT_SIZES,
    FILLS,
    PLAIN_BACKGROUNDS,
    PROPORTIONS,
    SHAPE_EXTENT,
    SHAPES,
    VARIED_SIZES,
    shape_outline,
)

__all__ = [
    "BACKGROUNDS",
    "COLOURS",
    "DEFAULT_COLOURS",
    "DEFAULT_NOVEL_SHAPES",
    "DEFAULT_SHAPES",
    "DEFAULT_SIZES",
    "DIRECTIONS",
    "FILLS",
    "PLAIN_BACKGROUNDS",
    "PROPORTIONS",
    "SHAPES",
    "SHAPE_EXTENT",
    "VARIED_SIZES",
    "Background",
    "Motion",
    "MovingScene",
    "Scene",
    "ShapeObject",
    "ShapesRenderer",
    "ShapesWorldConfig",
    "Style",
    "VideoWorldConfig",
    "caption_clip",
    "caption_scene",
    "caption_variants",
    "check_novel_shapes",
    "class_names",
    "class_tuples",
    "clip_caption_variants",
    "draw_class_image",
    "image_rng",
    "mask_to_box",
    "object_phrase",
    "outline",
    "place",
    "read_caption_csv",
    "read_split_record",
    "relation",
    "render_clip",
    "sample_group",
    "sample_scene",
    "shape_outline",
    "write_class_folders",
    "write_detection",
    "write_detection_split",
    "write_grounding",
    "write_image_text",
    "write_retrieval",
    "write_segmentation",
    "write_video_split",
]

"""Renderers written apart from clipx's generator, for the independent benchmarks only.

The shapes-world generator (``clipx.shapes_world``) trains the default models;
these renderers check them on drawings it did not make. They share no code,
outline or colour value with it (and nothing under ``clipx/`` may import this
package; ``tests/test_benchmarks/test_independent_renderers.py`` holds the rule).

* renderers (:data:`RENDERERS`): ``opencv``, ``pil`` and ``vector``, each with its
  own conventions (:mod:`.renderers`);
* background kinds (:data:`BACKGROUNDS`): flat, gradient, grey noise, mild and
  strong colour noise, textures and clutter (:mod:`.backgrounds`);
* single shapes (:func:`draw_single`), scenes of 1-3 shapes that do not
  overlap with exact masks and boxes (:func:`draw_scene`), moving shapes
  (:mod:`.motion`), all deterministic from a seeded generator;
* the benchmarks' shared selectors and tables (:mod:`.report`).

The words are the plain ones: six colours (red green blue yellow purple
orange) and six shapes (circle square triangle star hexagon cross).
"""

from .backgrounds import BACKGROUNDS, draw_background
from .motion import DIRECTIONS, Motion, draw_clip, sample_motions
from .placement import Placement, scene_placements, single_placement
from .renderers import (
    RENDERERS,
    OpenCVRenderer,
    PILRenderer,
    Renderer,
    VectorRenderer,
    make_renderer,
)
from .report import (
    add_cfg_options_argument,
    add_selection_arguments,
    cell_rng,
    cells,
    format_grid,
    grid,
    per_cell,
    write_json,
)
from .scenes import DrawnShape, Scene, compose, draw_scene, draw_single, mask_box
from .vocabulary import COLOURS, NOVEL_SHAPES, SHAPES, class_names, jittered_rgb

__all__ = [
    "BACKGROUNDS",
    "COLOURS",
    "DIRECTIONS",
    "NOVEL_SHAPES",
    "RENDERERS",
    "SHAPES",
    "DrawnShape",
    "Motion",
    "OpenCVRenderer",
    "PILRenderer",
    "Placement",
    "Renderer",
    "Scene",
    "VectorRenderer",
    "add_cfg_options_argument",
    "add_selection_arguments",
    "cell_rng",
    "cells",
    "class_names",
    "compose",
    "draw_background",
    "draw_clip",
    "draw_scene",
    "draw_single",
    "format_grid",
    "grid",
    "jittered_rgb",
    "make_renderer",
    "per_cell",
    "mask_box",
    "sample_motions",
    "scene_placements",
    "single_placement",
    "write_json",
]

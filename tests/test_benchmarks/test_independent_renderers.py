"""The independent renderers: sizes, exact masks, determinism, distinct shapes, the import rule."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from benchmarks.independent import (
    BACKGROUNDS,
    COLOURS,
    RENDERERS,
    SHAPES,
    OpenCVRenderer,
    PILRenderer,
    Placement,
    VectorRenderer,
    cell_rng,
    class_names,
    compose,
    draw_background,
    draw_clip,
    draw_scene,
    draw_single,
    format_grid,
    grid,
    make_renderer,
    sample_motions,
)

REPO = Path(__file__).resolve().parents[2]
SIZE = 64
CELLS = list(itertools.product(RENDERERS, BACKGROUNDS))
DRAWERS = [
    OpenCVRenderer(antialias=True),
    OpenCVRenderer(antialias=False),
    PILRenderer(),
    VectorRenderer(),
]
DRAWER_IDS = ["opencv-aa", "opencv-hard", "pil", "vector"]


def centred(shape: str, radius: float = 12.0, angle: float = 0.0, rgb=(230, 20, 20)) -> Placement:
    return Placement(shape, "red", rgb, SIZE / 2, SIZE / 2, radius, angle)


@pytest.mark.parametrize(("renderer", "background"), CELLS)
def test_every_cell_draws_single_shapes_and_scenes_of_the_right_kind(renderer, background):
    rng = np.random.default_rng(0)
    image = draw_single(renderer, background, "star", "blue", SIZE, rng)
    assert image.shape == (SIZE, SIZE, 3) and image.dtype == np.uint8
    scene = draw_scene(renderer, background, SIZE, rng)
    assert scene.image.shape == (SIZE, SIZE, 3) and scene.image.dtype == np.uint8
    assert 1 <= len(scene.objects) <= 3
    for obj in scene.objects:
        assert obj.mask.shape == (SIZE, SIZE) and obj.mask.dtype == bool and obj.mask.any()
        ys, xs = np.nonzero(obj.mask)
        assert obj.box == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        assert obj.shape in SHAPES and obj.colour in COLOURS
    for a, b in itertools.combinations(scene.objects, 2):
        assert not (a.mask & b.mask).any(), "scene shapes must not overlap"


@pytest.mark.parametrize(("renderer", "background"), CELLS)
def test_the_drawn_pixels_lie_in_the_mask_and_the_shape_stays_solid(renderer, background):
    rng = np.random.default_rng(1)
    ground = draw_background(background, SIZE, rng)
    placements = [centred(s, 10.0, angle=0.1).moved(cx, cy) for s, (cx, cy) in
                  (("hexagon", (16, 16)), ("cross", (46, 44)))]  # fmt: skip
    scene = compose(make_renderer(renderer, rng), ground, placements)
    changed = np.abs(scene.image.astype(np.float32) - ground).max(axis=2) > 0.5
    masks = [o.mask for o in scene.objects]
    near = ndimage.binary_dilation(masks[0] | masks[1])  # anti-aliased edges reach one pixel out
    assert not (changed & ~near).any(), "pixels changed outside every mask"
    for mask, placement in zip(masks, placements, strict=True):
        core = ndimage.binary_erosion(mask)
        inside = scene.image[core].astype(int)
        assert np.abs(inside - placement.rgb).max() <= 1, (
            "the shape's colour is solid inside its mask"
        )


@pytest.mark.parametrize("drawer", DRAWERS, ids=DRAWER_IDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_the_pixels_of_the_shapes_colour_are_its_mask(drawer, shape):
    ground = np.full((SIZE, SIZE, 3), 128.0, np.float32)
    placement = centred(shape, angle=0.3)
    scene = compose(drawer, ground, [placement])
    (obj,) = scene.objects
    coloured = np.abs(scene.image.astype(int) - placement.rgb).max(axis=2) <= 8
    assert coloured.any() and not (coloured & ~obj.mask).any()
    assert coloured[obj.mask].mean() > 0.6, "most of the mask is drawn in the shape's colour"


@pytest.mark.parametrize("drawer", DRAWERS, ids=DRAWER_IDS)
def test_a_circle_covers_its_area(drawer):
    area = (drawer.coverage(centred("circle"), SIZE) >= 0.5).sum()
    assert area == pytest.approx(np.pi * 12**2, rel=0.12)


def test_vector_coverage_is_exact_area():
    drawer = VectorRenderer(supersample=8)
    assert drawer.coverage(centred("circle"), SIZE).sum() == pytest.approx(np.pi * 144, rel=0.01)
    side = 2 * 0.76 * 12
    assert drawer.coverage(centred("square"), SIZE).sum() == pytest.approx(side**2, rel=0.01)


@pytest.mark.parametrize("drawer", DRAWERS, ids=DRAWER_IDS)
def test_the_six_shapes_of_one_radius_are_distinct(drawer):
    masks = {s: drawer.coverage(centred(s), SIZE) >= 0.5 for s in SHAPES}
    for a, b in itertools.combinations(SHAPES, 2):
        iou = (masks[a] & masks[b]).sum() / (masks[a] | masks[b]).sum()
        assert iou < 0.92, f"{a} and {b} nearly coincide (IoU {iou:.2f})"


@pytest.mark.parametrize("shape", ["star", "cross", "square"])
def test_the_renderers_keep_their_own_conventions(shape):
    masks = [d.coverage(centred(shape), SIZE) >= 0.5 for d in (DRAWERS[1], DRAWERS[2], DRAWERS[3])]
    for a, b in itertools.combinations(masks, 2):
        assert (a != b).sum() > 10


@pytest.mark.parametrize("renderer", RENDERERS)
def test_drawing_is_deterministic_from_the_seed(renderer):
    def draw(seed):
        rng = np.random.default_rng(seed)
        scene = draw_scene(renderer, "clutter", SIZE, rng)
        return draw_single(renderer, "texture", "cross", "green", SIZE, rng), scene

    (single, scene), (single_again, scene_again) = draw(5), draw(5)
    assert np.array_equal(single, single_again) and np.array_equal(scene.image, scene_again.image)
    assert all(
        np.array_equal(a.mask, b.mask)
        for a, b in zip(scene.objects, scene_again.objects, strict=True)
    )
    other, _ = draw(6)
    assert not np.array_equal(single, other)


def test_a_cells_generator_does_not_depend_on_the_others():
    first = cell_rng(3, ("gradient", "pil")).random(4)
    assert np.array_equal(first, cell_rng(3, ("gradient", "pil")).random(4))
    assert not np.array_equal(first, cell_rng(3, ("gradient", "vector")).random(4))
    assert not np.array_equal(first, cell_rng(4, ("gradient", "pil")).random(4))


def test_noise_backgrounds_are_noisy_and_the_others_smooth():
    rng = np.random.default_rng(2)
    roughness = {
        k: np.abs(np.diff(draw_background(k, SIZE, rng), axis=1)).mean() for k in BACKGROUNDS
    }
    assert roughness["flat"] == 0
    assert roughness["colour_noise_strong"] > 3 * roughness["colour_noise_mild"] > 0
    assert roughness["grey_noise"] > 5 and roughness["gradient"] < 2


def test_unknown_names_are_refused_with_the_known_ones():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="known: .*opencv"):
        draw_single("svg", "flat", "star", "red", SIZE, rng)
    with pytest.raises(ValueError, match="known: .*clutter"):
        draw_background("marble", SIZE, rng)
    with pytest.raises(ValueError, match="known: .*hexagon"):
        draw_single("pil", "flat", "heart", "red", SIZE, rng)
    with pytest.raises(ValueError, match="known: .*purple"):
        draw_single("pil", "flat", "star", "pink", SIZE, rng)


def test_class_names_are_the_plain_36():
    names = class_names()
    assert (
        len(names) == len(set(names)) == 36
        and names[0] == "red circle"
        and names[-1] == "orange cross"
    )


@pytest.mark.parametrize("renderer", RENDERERS)
def test_moving_shapes_stay_inside_and_reverse_exactly(renderer):
    rng = np.random.default_rng(9)
    motions = sample_motions(rng, SIZE, 2)
    back = [m.reversed() for m in motions]
    for m, b in zip(motions, back, strict=True):
        assert b.at(1.0) == m.at(0.0) and b.reversed().at(0.5) == m.at(0.5)
        for t in (0.0, 1.0):
            p = m.at(t)
            assert p.radius < p.cx < SIZE - p.radius and p.radius < p.cy < SIZE - p.radius
    ground = draw_background("grey_noise", SIZE, rng)
    frames = draw_clip(make_renderer(renderer, rng), ground, motions, 4)
    reverse = draw_clip(make_renderer(renderer, rng), ground, back, 4)
    assert len(frames) == 4 and frames[0].shape == (SIZE, SIZE, 3)
    assert not np.array_equal(frames[0], frames[-1])
    if renderer != "opencv":  # OpenCV may draw the twin with the other anti-aliasing
        assert np.array_equal(frames[0], reverse[-1])


def test_grid_pools_cells_rows_and_columns():
    results = {("flat", "opencv"): [1, 1], ("flat", "pil"): [0], ("gradient", "opencv"): [0, 0]}
    table = grid(results, lambda items: 100 * float(np.mean(items)) if items else float("nan"))
    assert table["cells"] == {"flat": {"opencv": 100.0, "pil": 0.0}, "gradient": {"opencv": 0.0}}
    assert table["backgrounds"] == pytest.approx({"flat": 200 / 3, "gradient": 0.0})
    assert table["renderers"] == {"opencv": 50.0, "pil": 0.0}
    assert table["overall"] == 40.0
    text = format_grid("acc", [table])
    assert text.splitlines()[0].split() == ["acc", "opencv", "pil", "all"]
    assert text.splitlines()[2].split() == ["gradient", "0.0", "-", "0.0"]  # no pil cell there
    assert text.splitlines()[-1].split() == ["overall", "50.0", "0.0", "40.0"]


# ---------------------------------------------------------------- the import rule


def imported_modules(source: str) -> list[str]:
    """Every module an ``import`` or ``from ... import`` of the source names (absolute ones)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def offenders(files, banned: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(REPO)}: import {name}"
        for path in files
        for name in imported_modules(path.read_text(encoding="utf-8"))
        if name.split(".")[0] in banned
    ]


def test_the_import_checker_finds_both_spellings():
    assert imported_modules(
        "import benchmarks.independent as b\nfrom independent import scenes"
    ) == [
        "benchmarks.independent",
        "independent",
    ]


def test_nothing_under_clipx_imports_the_benchmarks():
    found = offenders(sorted((REPO / "clipx").rglob("*.py")), ("benchmarks", "independent"))
    assert not found, (
        "the training code must not depend on the independent renderers:\n" + "\n".join(found)
    )


def test_the_independent_renderers_import_nothing_of_clipx():
    found = offenders(sorted((REPO / "benchmarks" / "independent").rglob("*.py")), ("clipx",))
    assert not found, "the independent renderers are written apart from clipx:\n" + "\n".join(found)

"""Shapes world: determinism, writers' layouts, captions, masks and config errors."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clipx.shapes_world import (
    BACKGROUNDS,
    COLOURS,
    FILLS,
    PLAIN_BACKGROUNDS,
    PROPORTIONS,
    SHAPE_EXTENT,
    SHAPES,
    Background,
    Scene,
    ShapeObject,
    ShapesRenderer,
    ShapesWorldConfig,
    Style,
    caption_scene,
    caption_variants,
    class_names,
    image_rng,
    mask_to_box,
    outline,
    place,
    read_caption_csv,
    relation,
    sample_scene,
    write_class_folders,
    write_image_text,
    write_retrieval,
)

REPO = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _obj(
    shape: str = "circle", colour: str = "red", center=(32.0, 32.0), radius: float = 10.0
) -> ShapeObject:
    return ShapeObject(
        shape=shape,
        colour=colour,
        size="large",
        center=center,
        radius=radius,
        rotation=0.0,
        rgb=(220, 30, 30),
    )


# ----------------------------------------------------------------------------
# Determinism
# ----------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(tmp_path):
    cfg = ShapesWorldConfig(seed=3)
    for name in ("a", "b"):
        write_image_text(tmp_path / name, 16, cfg, progress=False)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(first) == 17  # 16 images and the CSV
    assert first == second


def test_different_seed_gives_different_images(tmp_path):
    write_image_text(tmp_path / "a", 8, ShapesWorldConfig(seed=0), progress=False)
    write_image_text(tmp_path / "b", 8, ShapesWorldConfig(seed=1), progress=False)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert all(a[k] != b[k] for k in a if k.endswith(".png"))


def test_worker_pool_matches_serial(tmp_path):
    cfg = ShapesWorldConfig(image_size=32)
    write_image_text(tmp_path / "serial", 300, cfg, num_workers=1, progress=False)
    write_image_text(tmp_path / "pool", 300, cfg, num_workers=2, progress=False)
    assert _files(tmp_path / "serial") == _files(tmp_path / "pool")


def test_splits_and_writers_never_share_images(tmp_path):
    cfg = ShapesWorldConfig()
    write_image_text(tmp_path / "it", 10, cfg, split="train", progress=False)
    write_image_text(tmp_path / "it", 10, cfg, split="val", progress=False)
    write_retrieval(tmp_path / "rt", 10, cfg, split="test", progress=False)
    images = [
        b
        for folder in ("it", "rt")
        for k, b in _files(tmp_path / folder).items()
        if k.endswith(".png")
    ]
    assert len(images) == 30
    assert len(set(images)) == 30


# ----------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------


def test_image_text_csv_has_open_clip_columns_and_existing_files(tmp_path):
    csv_path = write_image_text(tmp_path, 12, ShapesWorldConfig(), split="train", progress=False)
    assert csv_path == tmp_path / "train.csv"
    with csv_path.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["filepath", "title"]
        rows = list(reader)
    assert len(rows) == 12
    assert all(not Path(r["filepath"]).is_absolute() for r in rows)
    for path, title in read_caption_csv(csv_path):
        assert path.is_file(), path
        assert title


def test_retrieval_csv_repeats_each_image_with_distinct_captions(tmp_path):
    csv_path = write_retrieval(
        tmp_path, 6, ShapesWorldConfig(), captions_per_image=3, progress=False
    )
    by_image: dict[Path, list[str]] = {}
    for path, title in read_caption_csv(csv_path):
        by_image.setdefault(path, []).append(title)
    assert len(by_image) == 6
    for path, captions in by_image.items():
        assert path.is_file()
        assert len(captions) == 3 and len(set(captions)) == 3


def test_class_folders_hold_one_shape_per_image(tmp_path):
    cfg = ShapesWorldConfig()
    folder = write_class_folders(tmp_path, 2, cfg, split="val", progress=False)
    names = (tmp_path / "classes.txt").read_text().splitlines()
    assert len(names) >= 36
    assert names == class_names(cfg) == sorted(p.name for p in folder.iterdir())
    renderer = ShapesRenderer(supersample=cfg.supersample)
    for label, name in enumerate(names):
        files = sorted((folder / name).iterdir())
        assert len(files) == 2
        # Redraw each file from its seed: it is a one-object scene of its class.
        for f in files:
            scene = sample_scene(
                cfg, image_rng(cfg.seed, "zeroshot/val", int(f.stem)), classes=[name.split()]
            )
            assert [o.name for o in scene.objects] == [name]
            assert int(f.stem) // 2 == label
            image, _ = renderer.render(scene)
            assert np.array_equal(np.asarray(Image.open(f)), image)


def test_jpeg_output(tmp_path):
    csv_path = write_image_text(tmp_path, 3, ShapesWorldConfig(image_format="jpg"), progress=False)
    paths = [p for p, _ in read_caption_csv(csv_path)]
    assert all(p.suffix == ".jpg" and p.read_bytes()[:2] == b"\xff\xd8" for p in paths)


# ----------------------------------------------------------------------------
# Scenes, captions, masks
# ----------------------------------------------------------------------------


def _scenes(cfg: ShapesWorldConfig, count: int):
    for i in range(count):
        rng = image_rng(cfg.seed, "test", i)
        yield sample_scene(cfg, rng), rng


def test_scenes_respect_config():
    cfg = ShapesWorldConfig(shapes=tuple(SHAPES), max_objects=3)
    counts = set()
    for scene, _ in _scenes(cfg, 200):
        counts.add(len(scene.objects))
        assert scene.background.kind in BACKGROUNDS
        assert len({o.name for o in scene.objects}) == len(scene.objects)
        for o in scene.objects:
            assert o.shape in cfg.shapes and o.colour in cfg.colours and o.size in cfg.sizes
            lo, hi = cfg.sizes[o.size]
            assert lo * 64 <= o.radius <= hi * 64
    assert counts == {1, 2, 3}


def test_captions_name_every_object():
    cfg = ShapesWorldConfig(shapes=tuple(SHAPES))
    for scene, rng in _scenes(cfg, 200):
        for caption in caption_variants(scene, rng, 3):
            for o in scene.objects:
                assert f"{o.colour} {o.shape}" in caption, (caption, o)


def test_caption_grammar_and_relations():
    left, right = _obj(center=(15.0, 32.0)), _obj("star", "blue", center=(50.0, 30.0))
    assert relation(left, right) == "left of" and relation(right, left) == "right of"
    top, bottom = _obj(center=(30.0, 10.0)), _obj("star", "blue", center=(32.0, 50.0))
    assert relation(top, bottom) == "above" and relation(bottom, top) == "below"
    assert relation(_obj(center=(10.0, 10.0)), _obj(center=(40.0, 40.0))) is None
    bg = Background(
        kind="noise", colour=(100, 100, 100), other=(120, 120, 120), angle=0.0, period=8.0, seed=0
    )
    scene = Scene(
        image_size=64, background=bg, objects=(_obj(colour="orange"),), noise_std=0.0, noise_seed=0
    )
    captions = {caption_scene(scene, np.random.default_rng(i)) for i in range(50)}
    assert "a large orange circle" in captions and "an orange circle" in captions
    assert "there is an orange circle" in captions
    assert {"an orange circle in the middle", "a large orange circle in the middle"} & captions


def test_place_words_by_thirds():
    spots = {
        (5.0, 5.0): "in the top left",
        (32.0, 4.0): "at the top",
        (60.0, 10.0): "in the top right",
        (3.0, 32.0): "on the left",
        (32.0, 32.0): "in the middle",
        (63.9, 30.0): "on the right",
        (10.0, 60.0): "in the bottom left",
        (30.0, 63.0): "at the bottom",
        (50.0, 50.0): "in the bottom right",
    }
    for center, words in spots.items():
        assert place(_obj(center=center), 64) == words, center
    assert place(_obj(center=(5.0, 5.0)), 64, vertical_word=True) == "up in the top left"
    assert place(_obj(center=(30.0, 63.0)), 64, vertical_word=True) == "down at the bottom"
    assert place(_obj(center=(3.0, 32.0)), 64, vertical_word=True) == "on the left"


def test_image_captions_teach_up_and_down():
    """Clip captions say "moving up"; image captions must use the word, where it is true."""
    bg = Background(
        kind="flat", colour=(100, 100, 100), other=(100, 100, 100), angle=0.0, period=8.0, seed=0
    )
    for center, word, wrong in (((32.0, 6.0), "up", "down"), ((32.0, 58.0), "down", "up")):
        scene = Scene(
            image_size=64, background=bg, objects=(_obj(center=center),), noise_std=0.0, noise_seed=0
        )
        captions = {caption_scene(scene, np.random.default_rng(i)) for i in range(200)}
        words = [set(c.split()) for c in captions]
        assert any(word in w for w in words), captions
        assert not any(wrong in w for w in words), captions
        assert any(word not in w and ("top" in w or "bottom" in w) for w in words), captions


def _erode(mask: np.ndarray) -> np.ndarray:
    core = mask.copy()
    core[1:] &= mask[:-1]
    core[:-1] &= mask[1:]
    core[:, 1:] &= mask[:, :-1]
    core[:, :-1] &= mask[:, 1:]
    return core if core.any() else mask


def _dilate(mask: np.ndarray) -> np.ndarray:
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return grown


def _ring(mask: np.ndarray) -> np.ndarray:
    """Pixels 2 to 3 steps outside the mask."""
    return _dilate(_dilate(_dilate(mask))) & ~_dilate(mask)


def test_masks_are_nonempty_and_match_the_drawn_colour():
    cfg = ShapesWorldConfig(shapes=tuple(SHAPES))
    renderer = ShapesRenderer()
    for scene, _ in _scenes(cfg, 100):
        image, masks = renderer.render(scene)
        assert image.shape == (64, 64, 3) and image.dtype == np.uint8
        assert len(masks) == len(scene.objects)
        for obj, mask in zip(scene.objects, masks, strict=True):
            assert mask.shape == (64, 64) and mask.dtype == bool
            assert mask.sum() > 0.3 * obj.radius**2, obj
            x0, y0, x1, y1 = mask_to_box(mask)
            reach = 1.1 * obj.radius + 1
            assert obj.center[0] - reach <= x0 < x1 <= obj.center[0] + reach + 1
            assert obj.center[1] - reach <= y0 < y1 <= obj.center[1] + reach + 1
            inside = image[_erode(mask)].astype(float).mean(axis=0)
            assert np.abs(inside - obj.rgb).max() < 10, (obj, inside)
            assert np.abs(image[_ring(mask)].astype(float).mean(axis=0) - obj.rgb).max() > 20
        assert (np.sum(masks, axis=0) <= 1).all()  # masks are disjoint


def test_rendering_variation_covers_every_kind_and_only_changes_pixels():
    cfg = ShapesWorldConfig.varied(shapes=tuple(SHAPES))
    kinds, fills, flags = set(), set(), {"aliased": 0, "blur": 0, "jpeg": 0, "clutter": 0}
    renderer = ShapesRenderer()
    for scene, _ in _scenes(cfg, 300):
        kinds.add(scene.background.kind)
        fills.update(o.fill for o in scene.objects)
        style = scene.style
        flags["aliased"] += not style.antialias
        flags["blur"] += style.blur > 0
        flags["jpeg"] += style.jpeg_quality > 0
        flags["clutter"] += style.clutter > 0
    assert kinds == set(BACKGROUNDS) and fills == set(FILLS)
    assert all(40 < n < 130 for n in flags.values()), flags  # about a quarter each
    # The style changes the picture, never the masks (with the same edges).
    scene = next(s for s, _ in _scenes(cfg, 300) if s.style.antialias and s.style.blur > 0)
    plain = Scene(**{**vars(scene), "style": Style()})
    image, masks = renderer.render(scene)
    plain_image, plain_masks = renderer.render(plain)
    assert all(np.array_equal(a, b) for a, b in zip(masks, plain_masks, strict=True))
    assert not np.array_equal(image, plain_image)


def _base_colour(rgb: np.ndarray) -> str:
    return min(COLOURS, key=lambda c: np.abs(np.asarray(COLOURS[c]) - rgb).sum())


def test_every_fill_keeps_the_colour_word_and_outlines_show_a_rim():
    cfg = ShapesWorldConfig.varied(backgrounds=("flat",), blur=0.0, jpeg=0.0, noise_std=(0.0, 0.0))
    renderer = ShapesRenderer()
    seen = set()
    for scene, _ in _scenes(cfg, 150):
        image, masks = renderer.render(scene)
        for obj, mask in zip(scene.objects, masks, strict=True):
            core = _erode(_erode(_erode(mask)))  # clear of a rim of up to 1.5 px
            if core.sum() < 4:
                continue
            seen.add(obj.fill)
            mean = image[core].astype(float).mean(axis=0)
            assert np.abs(mean - obj.rgb).max() < 25, (obj, mean)  # fills vary around the shade
            assert _base_colour(np.asarray(obj.rgb)) == obj.colour, obj
            if obj.fill == "outlined":
                rim = mask & ~_erode(mask)
                rim_level, core_level = image[rim].mean(), image[core].mean()
                darker = obj.fill_amount < 1.0
                assert (rim_level < core_level) == darker, (obj, rim_level, core_level)
    assert seen == set(FILLS)


def test_plain_world_is_the_narrow_default():
    plain = ShapesWorldConfig()
    assert plain.backgrounds == PLAIN_BACKGROUNDS and plain.fills == ("solid",)
    for scene, _ in _scenes(plain, 50):
        assert scene.style == Style()
        assert {o.fill for o in scene.objects} == {"solid"}


def _scene(objects: list[ShapeObject]) -> Scene:
    bg = Background(
        kind="flat", colour=(90, 90, 90), other=(90, 90, 90), angle=0.0, period=8.0, seed=0
    )
    return Scene(image_size=64, background=bg, objects=tuple(objects), noise_std=0.0, noise_seed=0)


def test_varied_stars_and_crosses_change_proportion_and_keep_their_extent():
    cfg = ShapesWorldConfig.varied(shapes=("star", "cross", "circle"), max_objects=3)
    seen: dict[str, list[float]] = {"star": [], "cross": [], "circle": []}
    for scene, _ in _scenes(cfg, 80):
        for obj in scene.objects:
            seen[obj.shape].append(obj.proportion)
    for shape in ("star", "cross"):
        lo, hi = PROPORTIONS[shape]
        values = np.asarray(seen[shape])
        assert values.min() >= lo and values.max() <= hi and values.std() > 0.05, (shape, values)
    assert set(seen["circle"]) == {0.0}  # shapes fixed by their name never vary
    # A thin and a fat star: same tips (extent), clearly different area.
    renderer = ShapesRenderer()
    areas = []
    for inner in PROPORTIONS["star"]:
        obj = ShapeObject(**{**vars(_obj("star", radius=14.0)), "proportion": inner})
        mask = renderer.render(_scene([obj]))[1][0]
        areas.append(mask.sum())
        assert np.abs(outline(obj) - obj.center).max() <= SHAPE_EXTENT * obj.radius
    assert areas[1] > 1.4 * areas[0], areas
    with pytest.raises(ValueError, match="circle has no variable proportion"):
        outline(ShapeObject(**{**vars(_obj("circle")), "proportion": 0.5}))


def test_mixed_world_draws_about_half_its_images_plain():
    cfg = ShapesWorldConfig.mixed()
    assert cfg.plain_share == 0.5 and cfg.proportions
    plain = cfg.plain_rendering()
    assert plain.backgrounds == PLAIN_BACKGROUNDS and plain.fills == ("solid",)
    assert not plain.proportions and plain.plain_share == 0.0
    assert plain.sizes == cfg.sizes and plain.seed == cfg.seed  # what images show stays
    looks_plain = 0
    for scene, _ in _scenes(cfg, 200):
        unvaried = scene.style == Style() and all(
            o.fill == "solid" and o.proportion == 0.0 for o in scene.objects
        )
        looks_plain += unvaried and scene.background.kind in PLAIN_BACKGROUNDS
    assert 75 < looks_plain < 135, looks_plain  # half plain, plus varied images that look plain
    with pytest.raises(ValueError, match="plain_share=1.5"):
        ShapesWorldConfig(plain_share=1.5)


def test_mask_to_box_of_empty_mask_is_none():
    assert mask_to_box(np.zeros((8, 8), bool)) is None
    mask = np.zeros((8, 8), bool)
    mask[2:5, 3:7] = True
    assert mask_to_box(mask) == (3, 2, 7, 5)


# ----------------------------------------------------------------------------
# Config
# ----------------------------------------------------------------------------


def test_unknown_shape_is_named_with_known_ones():
    with pytest.raises(ValueError, match="'hexagonn'") as err:
        ShapesWorldConfig(shapes=("circle", "hexagonn"))
    assert "circle" in str(err.value) and "triangle" in str(err.value)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"colours": ("red", "mauve")}, "'mauve'.*Known colours"),
        ({"shapes": ()}, "empty"),
        ({"shapes": "circle"}, "list of names"),
        ({"sizes": {"huge": (0.3, 0.6)}}, "huge"),
        ({"max_objects": 0}, "max_objects=0"),
        ({"image_size": 8}, "image_size=8"),
        ({"seed": -1}, "seed=-1"),
        ({"image_format": "gif"}, "'gif'"),
        ({"fills": ("solid", "striped")}, "'striped'.*Known fills"),
        ({"blur": 1.5}, "blur=1.5"),
        ({"contrast": (40, 20)}, "contrast"),
    ],
)
def test_config_errors_name_the_bad_value(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ShapesWorldConfig(**kwargs)


def test_config_round_trips_through_dict():
    cfg = ShapesWorldConfig(shapes=("star", "heart"), sizes={"tiny": (0.05, 0.07)}, seed=5)
    assert ShapesWorldConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="colour_count"):
        ShapesWorldConfig.from_dict({"colour_count": 3})


def test_writers_reject_bad_counts(tmp_path):
    with pytest.raises(ValueError, match="num_images=0"):
        write_image_text(tmp_path, 0, ShapesWorldConfig(), progress=False)


# ----------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "generate_shapes_world", REPO / "tools/generate_shapes_world.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_writes_then_skips_then_refuses_a_different_config(tmp_path, capsys):
    tool = _load_tool()
    out = tmp_path / "world"
    argv = ["--out", str(out), "--num-train", "4", "--num-val", "2", "--num-retrieval", "2"]
    argv += [
        "--num-zeroshot-per-class",
        "1",
        "--num-seg-train",
        "2",
        "--num-seg-val",
        "2",
        "--num-det-train",
        "2",
        "--num-det-val",
        "2",
        "--det-image-size",
        "64",
        "--image-size",
        "32",
        "--workers",
        "1",
        "--no-progress",
    ]
    assert tool.main(argv) == 0
    assert "Wrote" in capsys.readouterr().out
    assert (out / "meta.json").is_file() and (out / "image_text/train.csv").is_file()
    assert len((out / "zeroshot/classes.txt").read_text().splitlines()) == 36
    assert (out / "segmentation").is_dir() and (out / "detection/annotations/train.json").is_file()
    assert tool.main(argv) == 0
    assert "nothing to do" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="--force"):
        tool.main([*argv, "--seed", "1"])
    assert tool.main([*argv, "--seed", "1", "--force"]) == 0
    assert "Wrote" in capsys.readouterr().out


def test_module_cli_dispatches_to_the_tools_commands(tmp_path, capsys):
    from clipx.shapes_world.cli import main

    with pytest.raises(SystemExit, match=r"\{images, video\}.*'nope'"):
        main(["nope"])
    argv = ["--out", str(tmp_path / "a"), "--num-train", "2", "--num-val", "1"]
    argv += ["--num-retrieval", "1", "--num-zeroshot-per-class", "1", "--num-seg-train", "1"]
    argv += ["--num-seg-val", "1", "--num-det-train", "1", "--num-det-val", "1"]
    argv += ["--image-size", "32", "--det-image-size", "32", "--workers", "1", "--no-progress"]
    assert main(["images", *argv]) == 0
    assert _load_tool().main([*argv[:1], str(tmp_path / "b"), *argv[2:]]) == 0
    assert _files(tmp_path / "a" / "image_text") == _files(tmp_path / "b" / "image_text")
    assert _files(tmp_path / "a" / "detection") == _files(tmp_path / "b" / "detection")


def test_cli_that_dies_before_the_end_leaves_no_meta_and_reruns(tmp_path, monkeypatch, capsys):
    tool = _load_tool()
    out = tmp_path / "world"
    argv = ["--out", str(out), "--num-train", "2", "--num-val", "1", "--num-retrieval", "1"]
    argv += ["--num-zeroshot-per-class", "1", "--num-seg-train", "1", "--num-seg-val", "1"]
    argv += ["--num-det-train", "1", "--num-det-val", "1", "--det-image-size", "64"]
    argv += ["--image-size", "32", "--workers", "1", "--no-progress"]

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt  # stopped after the other parts were written

    import clipx.shapes_world.cli as cli  # what the tool runs

    monkeypatch.setattr(cli, "write_detection", stopped)
    with pytest.raises(KeyboardInterrupt):
        tool.main(argv)
    assert (out / "image_text/train.csv").is_file() and not (out / "meta.json").exists()
    monkeypatch.undo()
    assert tool.main(argv) == 0 and "Wrote" in capsys.readouterr().out
    meta_stamp = (out / "meta.json").stat().st_mtime_ns
    written = [p for p in out.rglob("*") if p.is_file() and p.name != "meta.json"]
    assert written and all(p.stat().st_mtime_ns <= meta_stamp for p in written)


def test_cli_rendering_flag_picks_the_world_mixed_by_default():
    from clipx.shapes_world.cli import (
        images_config,
        parse_images_args,
        parse_video_args,
        video_config,
    )

    varied = images_config(parse_images_args(["--rendering", "varied", "--seed", "3"]))
    assert varied == ShapesWorldConfig.varied(seed=3)
    assert images_config(parse_images_args(["--rendering", "mixed"])) == ShapesWorldConfig.mixed()
    assert images_config(parse_images_args([])) == ShapesWorldConfig.mixed()
    assert images_config(parse_images_args(["--rendering", "plain"])) == ShapesWorldConfig()
    assert video_config(parse_video_args(["--rendering", "varied"])).world.fills == FILLS
    assert video_config(parse_video_args([])).world.plain_share == 0.5
    assert video_config(parse_video_args(["--rendering", "plain"])).world.fills == ("solid",)
    with pytest.raises(SystemExit):
        parse_images_args(["--rendering", "fancy"])

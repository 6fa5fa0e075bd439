"""Pictures of text-to-video retrieval: a query and its top-k videos as frame strips.

:func:`draw_retrieval` writes one PNG per query with PIL.
:class:`VideoRetrievalVisHook` draws them at the end of ``runner.test()``
from the model's outputs; add it to a config with
``custom_hooks = [dict(type=VideoRetrievalVisHook, show_dir='work_dirs/show')]``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from mmengine.dist import collect_results, is_main_process
from mmengine.hooks import Hook
from PIL import Image, ImageDraw

from clipx.registry import HOOKS

from .data import DECODE_ERRORS, read_frames

_CORRECT, _WRONG, _TEXT = (40, 170, 60), (210, 50, 50), (20, 20, 20)


def frame_strip(
    path: str | os.PathLike | None, *, num_frames: int = 4, height: int = 64
) -> Image.Image:
    """``num_frames`` uniformly sampled frames side by side, each ``height`` px high.

    An unreadable video gives a grey strip, so a picture is always drawn.
    """
    try:
        frames = read_frames(path, num_frames=num_frames) if path else None
    except DECODE_ERRORS:
        frames = None
    if frames is None or len(frames) == 0:
        return Image.new("RGB", (height * num_frames, height), (128, 128, 128))
    tiles = [
        Image.fromarray(f).resize((round(height * f.shape[1] / f.shape[0]), height)) for f in frames
    ]
    strip = Image.new("RGB", (sum(t.width for t in tiles), height))
    x = 0
    for tile in tiles:
        strip.paste(tile, (x, 0))
        x += tile.width
    return strip


def draw_retrieval(
    query: str,
    results: Sequence[tuple[str | os.PathLike | None, float, bool]],
    out_file: str | os.PathLike,
    *,
    num_frames: int = 4,
    height: int = 64,
) -> Path:
    """Write a PNG: the query text, then one row per retrieved video.

    Args:
        query: the caption.
        results: ``(video_path, score, is_correct)`` in rank order.
        out_file: the PNG to write (folders are created).
        num_frames: frames per strip.
        height: frame height in pixels.

    Returns:
        The path written. Correct videos get a green frame, others red.
    """
    strips = [frame_strip(path, num_frames=num_frames, height=height) for path, _, _ in results]
    label_w, pad, title_h = 90, 4, 22
    width = label_w + max([s.width for s in strips] + [height * num_frames]) + 2 * pad
    canvas = Image.new("RGB", (width, title_h + len(strips) * (height + 2 * pad) + pad), "white")
    draw = ImageDraw.Draw(canvas)
    draw.text((pad, 5), query[:120], fill=_TEXT)
    for rank, (strip, (_, score, correct)) in enumerate(zip(strips, results, strict=True)):
        y = title_h + rank * (height + 2 * pad)
        colour = _CORRECT if correct else _WRONG
        draw.text((pad, y + height // 2 - 6), f"#{rank + 1}  {score:.3f}", fill=colour)
        draw.rectangle(
            [label_w - 2, y, label_w + strip.width + 1, y + height + 2 * pad - 1],
            outline=colour,
            width=3,
        )
        canvas.paste(strip, (label_w, y + pad))
    out = Path(out_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(out, format="PNG")
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "query"


@HOOKS.register_module()
class VideoRetrievalVisHook(Hook):
    """After ``runner.test()``, draw the top-k videos of some caption queries.

    It keeps what :class:`~clipx.video.CLIP4Clip` ``predict`` returns (video
    path and embedding, captions and their embeddings), gathers it from all
    ranks, and on the main process writes ``<show_dir>/<n>_<caption>.png`` for
    ``num_queries`` captions spread evenly over the test set.

    Args:
        show_dir: output folder; None draws nothing.
        num_queries: how many caption queries to draw.
        topk: videos per picture.
        num_frames: frames per video strip.
    """

    priority = "LOW"

    def __init__(
        self,
        *,
        show_dir: str | None = None,
        num_queries: int = 8,
        topk: int = 5,
        num_frames: int = 4,
    ) -> None:
        self.show_dir = show_dir
        self.num_queries = int(num_queries)
        self.topk = int(topk)
        self.num_frames = int(num_frames)
        self._rows: list[dict] = []

    def before_test_epoch(self, runner) -> None:
        self._rows = []

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.show_dir is None:
            return
        for out in outputs or []:
            self._rows.append(
                {
                    "video_id": out["video_id"],
                    "video_path": out.get("video_path"),
                    "video_embeds": out["video_embeds"].detach().float().cpu(),
                    "text_embeds": out["text_embeds"].detach().float().cpu(),
                    "captions": list(out.get("captions") or []),
                }
            )

    def after_test_epoch(self, runner, metrics=None) -> None:
        if self.show_dir is None:
            return
        rows = collect_results(self._rows, len(runner.test_dataloader.dataset))
        if not is_main_process() or not rows:
            return
        written = self.draw(rows, Path(self.show_dir))
        runner.logger.info(
            f"VideoRetrievalVisHook: wrote {len(written)} pictures to {self.show_dir}"
        )

    def draw(self, rows: list[dict], out_dir: Path) -> list[Path]:
        """Draw the pictures for gathered rows; returns the files written."""
        by_id: dict = {}
        for r in rows:
            by_id.setdefault(r["video_id"], r)
        videos = list(by_id.values())
        gallery = torch.stack([v["video_embeds"] for v in videos])
        queries = [
            (i, c, t)
            for i, v in enumerate(videos)
            for c, t in zip(v["captions"], v["text_embeds"], strict=False)
        ]
        if not queries:
            return []
        picks = np.unique(
            np.linspace(0, len(queries) - 1, min(self.num_queries, len(queries))).astype(int)
        )
        written = []
        for n, q in enumerate(picks):
            owner, caption, embed = queries[q]
            scores = gallery @ embed
            order = torch.argsort(-scores, stable=True)[: self.topk].tolist()
            results = [(videos[j]["video_path"], float(scores[j]), j == owner) for j in order]
            out = out_dir / f"{n:03d}_{_slug(caption)}.png"
            written.append(draw_retrieval(caption, results, out, num_frames=self.num_frames))
        return written

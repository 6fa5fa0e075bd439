"""Text-video retrieval: R@K, median and mean rank, chunked, optional dual softmax.

Definitions (CLIP4Clip's ``compute_metrics``):

* Text-to-video (t2v): every caption is a query over all videos; its rank is
  the position of its own video among the videos sorted by similarity,
  descending.
* Video-to-text (v2t): every video that has captions is a query over all
  captions; it counts its best-ranked caption.
* ``R@K`` = percentage of queries with 0-based rank < K; ``MdR`` =
  ``median(0-based ranks) + 1`` (``np.median``: the mean of the two middle
  ranks for an even count, so it can end in .5); ``MnR`` =
  ``mean(0-based ranks) + 1``.

Tie rule (clipx's, see :mod:`clipx.evaluation.zeroshot`): the rank of a target
is the number of candidates scoring strictly higher plus the number scoring
the same that come earlier in index order, i.e. its position in a stable
descending sort. CLIP4Clip's ``np.where(sorted - target == 0)`` is undefined
under ties (it yields one entry per tied candidate); with no ties both agree.

Memory: similarities are computed ``chunk_size`` queries at a time against
all candidates and only the count of better-scoring candidates is kept, so the
working set is O(chunk_size x max(N_video, N_text)) entries (the float32 scores
plus comparison masks, about 40 bytes each) plus the embeddings, never the
N x N matrix. Measured by ``benchmarks/video_ranking.py`` (D=512, chunk 256,
2 cores): 10k x 10k peaks 0.36 GB above the embeddings in 1.7 s; 100k x 100k
ran in 313 s with the process's resident set 10.3 GB above the embeddings
(more than the ~1 GB working set: the allocator keeps freed chunk buffers),
where the full float32 matrix alone is 40 GB.

Dual softmax (CAMoE / CLIP4Clip + DSL, Cheng et al. 2021, arXiv:2109.04290):
with the similarity matrix written query x candidate,
``S' = S * softmax(S * temperature, dim=0)``: each candidate's column is
re-weighted by a prior normalised over all queries, which demotes candidates
that score high for every query ("hubs"). For t2v this is exactly CAMoE's
``sim_matrix * softmax(sim_matrix * 100, dim=0)`` on the text x video matrix;
for v2t the same formula on the video x text matrix. It is transductive: a
query's scores depend on the other queries. Chunked, it takes one extra pass
for the per-candidate log-sum-exp over queries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from tqdm import tqdm

from clipx.registry import METRICS

from .retrieval import best_rank_of
from .zeroshot import rank_of


def dual_softmax(sim: torch.Tensor, temperature: float = 100.0) -> torch.Tensor:
    """``sim * softmax(sim * temperature, dim=0)`` of a full (queries, candidates) matrix.

    The plain definition, for small matrices and as the reference of the
    chunked path in :func:`video_retrieval_ranks`.
    """
    return sim * torch.softmax(sim * temperature, dim=0)


def _query_lse(
    queries: torch.Tensor, candidates: torch.Tensor, temperature: float, chunk_size: int
) -> torch.Tensor:
    """(N_cand,) ``logsumexp`` over all queries of ``temperature * sim``, chunked over candidates."""
    return torch.cat(
        [
            torch.logsumexp(temperature * (queries @ candidates[i : i + chunk_size].T), dim=0)
            for i in range(0, len(candidates), chunk_size)
        ]
    )


def _scores(
    queries: torch.Tensor, candidates: torch.Tensor, lse: torch.Tensor | None, temperature: float
) -> torch.Tensor:
    sim = queries @ candidates.T
    if lse is None:
        return sim
    return sim * torch.exp(temperature * sim - lse[None, :])


def video_retrieval_ranks(
    video_embeds: torch.Tensor,
    text_embeds: torch.Tensor,
    text_to_video: torch.Tensor | Sequence[int],
    *,
    chunk_size: int = 256,
    dual_softmax: bool = False,
    temperature: float = 100.0,
    progress: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """0-based ranks of text-to-video and video-to-text retrieval.

    Args:
        video_embeds: (V, D).
        text_embeds: (N, D).
        text_to_video: (N,) long, the video each caption describes.
        chunk_size: queries (and, for the dual-softmax prior, candidates)
            scored per matrix product; memory O(chunk_size x max(V, N)).
        dual_softmax: re-rank with :func:`dual_softmax` (see the module docstring).
        temperature: the dual-softmax temperature.
        progress: show a progress bar over the chunks.

    Returns:
        ``(t2v, v2t)``: (N,) long rank of each caption's video; (V',) long best
        rank among each video's captions, for the V' videos that have captions
        (in index order; the others are only distractors for t2v).
    """
    videos, texts, owner = _check(video_embeds, text_embeds, text_to_video)
    if chunk_size < 1:
        raise ValueError(f"chunk_size={chunk_size}; use a positive integer.")
    t2v_lse = _query_lse(texts, videos, temperature, chunk_size) if dual_softmax else None
    v2t_lse = _query_lse(videos, texts, temperature, chunk_size) if dual_softmax else None
    starts = range(0, len(texts), chunk_size)
    bar = tqdm(total=len(starts), desc="t2v ranks", unit="chunk", disable=not progress, leave=False)
    t2v = []
    for i in starts:
        scores = _scores(texts[i : i + chunk_size], videos, t2v_lse, temperature)
        t2v.append(rank_of(scores, owner[i : i + chunk_size]))
        bar.update()
    bar.close()
    captioned = torch.bincount(owner, minlength=len(videos)).nonzero().flatten()
    pieces = captioned.split(chunk_size)
    v2t = []
    for idx in tqdm(pieces, desc="v2t ranks", unit="chunk", disable=not progress, leave=False):
        scores = _scores(videos[idx], texts, v2t_lse, temperature)
        v2t.append(best_rank_of(scores, owner[None, :] == idx[:, None]))
    return torch.cat(t2v), torch.cat(v2t)


def rank_metrics(ranks: torch.Tensor, ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """``R@K`` (percent), ``MdR`` and ``MnR`` (1-based) of 0-based ranks."""
    values = ranks.cpu().numpy()
    out = {f"R@{k}": 100.0 * float(np.mean(values < k)) for k in ks}
    out["MdR"] = float(np.median(values) + 1)
    out["MnR"] = float(np.mean(values) + 1)
    return out


def video_retrieval_metrics(
    video_embeds: torch.Tensor,
    text_embeds: torch.Tensor,
    text_to_video: torch.Tensor | Sequence[int],
    *,
    ks: Sequence[int] = (1, 5, 10),
    chunk_size: int = 256,
    dual_softmax: bool = False,
    temperature: float = 100.0,
    progress: bool = False,
) -> dict[str, float]:
    """``{'t2v_R@1', ..., 't2v_MdR', 't2v_MnR', 'v2t_R@1', ..., 'v2t_MnR'}``.

    Arguments as in :func:`video_retrieval_ranks`; see the module docstring
    for the definitions and the tie rule.
    """
    t2v, v2t = video_retrieval_ranks(
        video_embeds,
        text_embeds,
        text_to_video,
        chunk_size=chunk_size,
        dual_softmax=dual_softmax,
        temperature=temperature,
        progress=progress,
    )
    metrics = {f"t2v_{k}": v for k, v in rank_metrics(t2v, ks).items()}
    metrics.update({f"v2t_{k}": v for k, v in rank_metrics(v2t, ks).items()})
    return metrics


def reversal_accuracy(
    video_embeds: torch.Tensor,
    text_embeds: Sequence[torch.Tensor],
    pairs: Sequence[tuple],
    row: dict,
    *,
    tie_tol: float = 1e-6,
) -> tuple[float, int]:
    """Percentage of captions that score their own clip above its time-reversed twin.

    Every caption of either clip of a pair is one trial; a difference within
    ``tie_tol`` (an order-blind model such as mean pooling gives the two clips
    the same embedding up to float rounding) counts one half. Chance is 50.

    Args:
        video_embeds: (V, D).
        text_embeds: per video, its (K, D) captions.
        pairs: ``(video_id_a, video_id_b)`` twins.
        row: video id -> row of ``video_embeds`` / index of ``text_embeds``.

    Returns:
        ``(accuracy_percent, num_trials)``.
    """
    wins = []
    for a, b in pairs:
        for own, twin in ((row[a], row[b]), (row[b], row[a])):
            texts = text_embeds[own]
            if len(texts) == 0:
                continue
            margin = texts @ video_embeds[own] - texts @ video_embeds[twin]
            wins.append(torch.where(margin.abs() <= tie_tol, 0.5, (margin > 0).float()))
    if not wins:
        return float("nan"), 0
    trials = torch.cat(wins)
    return 100.0 * float(trials.mean()), len(trials)


def format_table(metrics: dict[str, float], ks: Sequence[int] = (1, 5, 10)) -> str:
    """A plain-text table of :func:`video_retrieval_metrics` results, one row per direction."""
    columns = [f"R@{k}" for k in ks] + ["MdR", "MnR"]
    rows = [d for d in ("t2v", "v2t", "dsl_t2v", "dsl_v2t") if f"{d}_MnR" in metrics]
    lines = [f"{'':8s}" + "".join(f"{c:>8s}" for c in columns)]
    lines += [f"{d:8s}" + "".join(f"{metrics[f'{d}_{c}']:8.2f}" for c in columns) for d in rows]
    return "\n".join(lines)


def _check(
    video_embeds, text_embeds, text_to_video
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    if (
        video_embeds.ndim != 2
        or text_embeds.ndim != 2
        or video_embeds.shape[1] != text_embeds.shape[1]
    ):
        raise ValueError(
            f"video_embeds (V, D) and text_embeds (N, D) must share D; got shapes "
            f"{tuple(video_embeds.shape)} and {tuple(text_embeds.shape)}."
        )
    if len(video_embeds) == 0 or len(text_embeds) == 0:
        raise ValueError("Video retrieval needs at least one video and one caption.")
    owner = torch.as_tensor(text_to_video, dtype=torch.long).reshape(-1).to(video_embeds.device)
    if owner.numel() != len(text_embeds):
        raise ValueError(
            f"text_to_video has {owner.numel()} entries for {len(text_embeds)} captions; give the video "
            "index of every caption."
        )
    bad = owner[(owner < 0) | (owner >= len(video_embeds))]
    if bad.numel():
        raise ValueError(f"text_to_video holds {bad[0].item()}, outside [0, {len(video_embeds)}).")
    return video_embeds.float(), text_embeds.float().to(video_embeds.device), owner


def _sort_key(video_id):
    return (0, video_id, "") if isinstance(video_id, (int, np.integer)) else (1, 0, str(video_id))


@METRICS.register_module()
class VideoTextRetrieval(BaseMetric):
    """Text-to-video and video-to-text R@K (percent), MdR and MnR.

    Contract: each data sample the model returns describes one video and all
    its captions (:class:`~clipx.video.CLIP4Clip` ``predict``):

    * ``'video_id'``: a unique id (str or int);
    * ``'video_embeds'``: (D,), L2-normalised;
    * ``'text_embeds'``: (K, D), L2-normalised, its K >= 0 captions;
    * optional ``'read_error'`` (the video could not be read and was kept
      empty) and ``'skipped_ids'`` (videos dropped in its place).

    Videos the dataset dropped before reading (missing files, listed in its
    ``metainfo['dropped_video_ids']``) are counted as skipped too.

    ``process`` keeps the embeddings on the CPU, so mmengine's
    ``collect_results`` gathers every rank's videos (with their captions)
    before ranking; videos are sorted by id and a repeated id (sampler padding,
    a stand-in for a dropped video) counts once.

    Metrics (prefix ``video_retrieval/``): ``t2v_R@{k}``, ``t2v_MdR``,
    ``t2v_MnR``, ``v2t_...`` (see :func:`video_retrieval_metrics`); with
    ``dual_softmax=True`` also the re-ranked ``dsl_t2v_...``, ``dsl_v2t_...``;
    with ``reversal_pairs`` the ``reversal_acc`` of :func:`reversal_accuracy`
    (chance 50); and the counts ``num_videos``, ``num_captions``,
    ``num_skipped_videos``, ``num_empty_videos``.

    Args:
        ks: the K of each recall.
        chunk_size: queries scored per matrix product (memory bound).
        dual_softmax: also report dual-softmax re-ranked metrics.
        temperature: the dual-softmax temperature (CAMoE: 100).
        reversal_pairs: a json file ``[[video_a, video_b], ...]`` of clips that
            are each other's time reversal (the shapes-world generator writes
            ``annotations/<split>_reversal_pairs.json``); adds ``reversal_acc``.
        collect_device: ``'cpu'`` or ``'gpu'``, how results are gathered.
        prefix: metric-name prefix; default ``'video_retrieval'``.
    """

    default_prefix = "video_retrieval"

    def __init__(
        self,
        *,
        ks: Sequence[int] = (1, 5, 10),
        chunk_size: int = 256,
        dual_softmax: bool = False,
        temperature: float = 100.0,
        reversal_pairs: str | None = None,
        collect_device: str = "cpu",
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.reversal_pairs = reversal_pairs
        self.ks = tuple(int(k) for k in ks)
        self.chunk_size = int(chunk_size)
        self.dual_softmax = dual_softmax
        self.temperature = float(temperature)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            missing = [k for k in ("video_id", "video_embeds", "text_embeds") if k not in sample]
            if missing:
                raise KeyError(
                    f"A video retrieval data sample needs 'video_id', 'video_embeds' (D,) and 'text_embeds' "
                    f"(K, D); {missing} missing from keys {sorted(sample)}."
                )
            video = torch.as_tensor(sample["video_embeds"]).detach().float().cpu().reshape(-1)
            texts = (
                torch.as_tensor(sample["text_embeds"])
                .detach()
                .float()
                .cpu()
                .reshape(-1, video.numel())
            )
            self.results.append(
                {
                    "video_id": sample["video_id"],
                    "video_embeds": video,
                    "text_embeds": texts,
                    "empty": sample.get("read_error") is not None,
                    "skipped_ids": list(sample.get("skipped_ids") or []),
                }
            )

    def compute_metrics(self, results: list) -> dict[str, float]:
        by_id: dict = {}
        for r in results:
            by_id.setdefault(r["video_id"], r)
        ordered = [by_id[key] for key in sorted(by_id, key=_sort_key)]
        videos = torch.stack([r["video_embeds"] for r in ordered])
        texts = torch.cat([r["text_embeds"] for r in ordered])
        owners = torch.repeat_interleave(
            torch.arange(len(ordered)), torch.tensor([len(r["text_embeds"]) for r in ordered])
        )
        kw = dict(ks=self.ks, chunk_size=self.chunk_size, temperature=self.temperature)
        metrics = video_retrieval_metrics(videos, texts, owners, **kw)
        if self.dual_softmax:
            dsl = video_retrieval_metrics(videos, texts, owners, dual_softmax=True, **kw)
            metrics.update({f"dsl_{k}": v for k, v in dsl.items()})
        if self.reversal_pairs is not None:
            metrics.update(self._reversal_metrics(ordered))
        dropped = (self.dataset_meta or {}).get("dropped_video_ids", ())
        skipped = ({s for r in results for s in r["skipped_ids"]} | set(dropped)) - set(by_id)
        empty = sum(r["empty"] for r in ordered)
        metrics.update(
            num_videos=float(len(ordered)),
            num_captions=float(len(texts)),
            num_skipped_videos=float(len(skipped)),
            num_empty_videos=float(empty),
        )
        print_log(
            f"Text-video retrieval, {len(ordered)} videos, {len(texts)} captions:\n"
            + format_table(metrics, self.ks),
            logger="current",
        )
        if skipped or empty:
            print_log(
                f"VideoTextRetrieval: {len(skipped)} unreadable video(s) dropped with their captions "
                f"(e.g. {sorted(skipped)[:3]}), {empty} kept empty (counted as misses).",
                logger="current",
                level=logging.WARNING,
            )
        return metrics

    def _reversal_metrics(self, ordered: list[dict]) -> dict[str, float]:
        with open(self.reversal_pairs, encoding="utf-8") as f:
            pairs = json.load(f)
        row = {r["video_id"]: i for i, r in enumerate(ordered)}
        known = [(a, b) for a, b in pairs if a in row and b in row]
        if not known:
            raise ValueError(
                f"None of the {len(pairs)} pairs in reversal_pairs={self.reversal_pairs!r} name two "
                f"evaluated videos (e.g. {pairs[:1]}); point it at the pairs file of the split under test."
            )
        videos = torch.stack([r["video_embeds"] for r in ordered])
        acc, num = reversal_accuracy(videos, [r["text_embeds"] for r in ordered], known, row)
        print_log(
            f"Reversal accuracy (own clip above its time-reversed twin, chance 50%): {acc:.2f} "
            f"over {num} captions of {len(known)} pairs.",
            logger="current",
        )
        return {"reversal_acc": acc, "num_reversal_captions": float(num)}

"""Fill the Tip-Adapter cache from the few-shot set before a run evaluates."""

from __future__ import annotations

import torch
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from torch.utils.data import DataLoader

from clipx.data.batch import stack_images
from clipx.registry import DATASETS, HOOKS

from .model import CLIPAdapterClassifier


@torch.no_grad()
def embed_dataset(
    model: CLIPAdapterClassifier, loader
) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """Frozen embeddings, labels and the class list of a labelled image loader.

    Returns:
        (N, D) L2-normalised embeddings, (N,) long labels, and the class names
        of the data samples' ``metainfo['classes']``.
    """
    embeds, labels, names = [], [], None
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        samples = list(data["data_samples"])
        embeds.append(model.clip.encode_image(stack_images(data["inputs"])))
        labels.extend(int(s.gt_label) for s in samples)
        names = names or tuple(samples[0].metainfo["classes"])
    if not embeds:
        raise ValueError("The few-shot loader yielded no batch; check its dataset.")
    return torch.cat(embeds), torch.tensor(labels, dtype=torch.long), names


@HOOKS.register_module()
class TipAdapterCacheHook(Hook):
    """Before validation and testing, put the few-shot set into the model's cache.

    Every rank reads the whole set (a plain sequential loader, no distributed
    sampler), so every rank holds the same cache.

    Args:
        dataset: the few-shot dataset or its config (e.g. ``FewShotImageFolder``
            with ``shots=16`` and the backbone's eval transform).
        batch_size: images per forward pass.
        num_workers: loader processes.
    """

    priority = "NORMAL"

    def __init__(self, *, dataset, batch_size: int = 128, num_workers: int = 0) -> None:
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.num_workers = int(num_workers)

    def before_val(self, runner) -> None:
        self._fill(runner)

    def before_test(self, runner) -> None:
        self._fill(runner)

    def _fill(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not isinstance(model, CLIPAdapterClassifier) or model.cache is None:
            raise TypeError(
                "TipAdapterCacheHook fills a CLIPAdapterClassifier built with cache=dict(type="
                f"TipAdapterCache); the runner's model is {type(model).__name__}"
                f"{' without a cache' if isinstance(model, CLIPAdapterClassifier) else ''}."
            )
        dataset = DATASETS.build(self.dataset) if isinstance(self.dataset, dict) else self.dataset
        loader = DataLoader(
            dataset,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            shuffle=False,
            collate_fn=pseudo_collate,
        )
        embeds, labels, names = embed_dataset(model, loader)
        model.fill_cache_embeds(embeds, labels, names)
        print_log(
            f"TipAdapterCacheHook: cached {len(labels)} images of {len(set(labels.tolist()))} classes.",
            logger="current",
        )

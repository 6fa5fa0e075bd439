"""Mixed precision that also runs on CPUs: bf16 autocast where the hardware has bf16 matrix units.

mmengine's ``AmpOptimWrapper`` serves CUDA (and NPU/MLU) only. On a CPU with
AMX (``lscpu`` flag ``amx_bf16``) a bf16 matrix product runs several times
faster than fp32, so training there benefits from the same recipe: fp32
master weights and optimiser state, the forward pass under
``torch.autocast(dtype=torch.bfloat16)``. bf16 keeps fp32's exponent range,
so no loss scaling is needed.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from clipx.registry import OPTIM_WRAPPERS

DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16}


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU feature flags of ``/proc/cpuinfo`` (empty where that file does not exist)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def has_fast_bf16(device_type: str) -> bool:
    """Whether bf16 matrix products beat fp32 on this device kind.

    CUDA: ``torch.cuda.is_bf16_supported()``. CPU: the AMX tile unit
    (``amx_bf16``); without it bf16 products run on vector units and are not
    reliably faster than fp32 (``benchmarks/backbone_throughput.py`` measures it).
    """
    if device_type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device_type == "cpu":
        return "amx_bf16" in cpu_flags()
    return False


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """An ``OptimWrapper`` whose forward pass runs under ``torch.autocast`` on CPU or GPU.

    Args:
        *args: as for ``mmengine.optim.OptimWrapper``.
        dtype: ``'bfloat16'`` (the default; no loss scaling needed) or
            ``'float16'`` (CUDA only; use mmengine's ``AmpOptimWrapper`` for
            its loss scaler).
        enabled: ``True``, ``False``, or ``'auto'``: on where the device has
            fast bf16 matrix units (:func:`has_fast_bf16`), else plain fp32.
        **kwargs: as for ``mmengine.optim.OptimWrapper``.

    Weights, gradients and optimiser state stay fp32; checkpoints are those
    of a plain ``OptimWrapper``. :attr:`active` says, after the first step,
    whether autocast was used.
    """

    def __init__(
        self, *args, dtype: str = "bfloat16", enabled: bool | str = "auto", **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        if dtype not in DTYPES:
            raise ValueError(f"AutocastOptimWrapper dtype={dtype!r}; use one of {sorted(DTYPES)}.")
        if enabled not in (True, False, "auto"):
            raise ValueError(
                f"AutocastOptimWrapper enabled={enabled!r}; use True, False or 'auto'."
            )
        self.cast_dtype = DTYPES[dtype]
        self.enabled = enabled
        self.active: bool | None = None

    def _use_autocast(self, device_type: str) -> bool:
        if self.enabled == "auto":
            return self.cast_dtype == torch.bfloat16 and has_fast_bf16(device_type)
        if self.enabled and device_type == "cpu" and self.cast_dtype != torch.bfloat16:
            raise ValueError("float16 autocast on CPU is not supported; use dtype='bfloat16'.")
        return bool(self.enabled)

    @contextmanager
    def optim_context(self, model: nn.Module):
        """The parent's context (gradient accumulation) inside autocast, where enabled."""
        param = next(model.parameters(), None)
        device_type = param.device.type if param is not None else "cpu"
        self.active = self._use_autocast(device_type)
        with (
            super().optim_context(model),
            torch.autocast(device_type=device_type, dtype=self.cast_dtype, enabled=self.active),
        ):
            yield

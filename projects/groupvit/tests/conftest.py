"""CPU, offline, two threads (as the repository's tests); ``projects`` importable from the root."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

# `projects` is imported as a namespace package from the repository root, which
# `python -m pytest` puts on sys.path and the `pytest` script does not.
REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch.set_num_threads(2)

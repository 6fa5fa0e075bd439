"""Generate shapes-world videos for text-video retrieval (CLIP4Clip on clipx).

A thin wrapper of :func:`clipx.shapes_world.cli.video_main` (also
``python -m clipx.shapes_world video``); ``--help`` lists what it writes.

Example::

    python tools/generate_shapes_world_video.py --out data/shapes_world_video
"""

from __future__ import annotations

import sys

from clipx.shapes_world.cli import video_main as main

if __name__ == "__main__":
    sys.exit(main())

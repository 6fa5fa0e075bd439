"""Generate the shapes-world data set (clipx's offline default data).

A thin wrapper of :func:`clipx.shapes_world.cli.images_main` (also
``python -m clipx.shapes_world images``); ``--help`` lists what it writes.

Example::

    python tools/generate_shapes_world.py --out data/shapes_world --num-train 20000
"""

from __future__ import annotations

import sys

from clipx.shapes_world.cli import images_main as main

if __name__ == "__main__":
    sys.exit(main())

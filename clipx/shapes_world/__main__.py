"""``python -m clipx.shapes_world {images,video} [flags]`` (see :mod:`clipx.shapes_world.cli`)."""

import sys

from .cli import main

sys.exit(main())

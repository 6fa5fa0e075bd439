"""Write COCO-Object's semantic maps (80 things + background) from COCO's instance annotations.

    python projects/groupvit/tools/convert_coco_object.py data/coco/annotations/instances_val2017.json \
        data/coco/annotations/object_val2017
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from projects.groupvit.groupvit.coco_object import convert_coco_object  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("ann_file", help="COCO instances json")
    parser.add_argument("out_dir", help="where the label PNGs go")
    args = parser.parse_args()
    print(f"wrote {convert_coco_object(args.ann_file, args.out_dir)} maps to {args.out_dir}")


if __name__ == "__main__":
    main()

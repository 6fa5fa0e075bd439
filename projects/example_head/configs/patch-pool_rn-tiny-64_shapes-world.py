# The example head of projects/README.md: PatchPoolClassifier on the tiny shapes-world CLIP,
# evaluated zero-shot on the colour x shape classes (untrained: the mean of the dense embeddings).
# python tools/test.py projects/example_head/configs/patch-pool_rn-tiny-64_shapes-world.py
from mmengine.config import read_base

from projects.example_head.example_head import PatchPoolClassifier

with read_base():
    from ....configs._base_.datasets.shapes_world_zeroshot import *  # noqa: F401,F403
    from ....configs._base_.default_runtime import *  # noqa: F401,F403
    from ....configs._base_.models.frozen_clip_rn_tiny_64 import *  # noqa: F401,F403
    from ....configs._base_.schedules.test_only import *  # noqa: F401,F403

# mmengine honours custom_imports only in configs without class imports; the import above loads
# (and registers) the package here, this line names it for tools that read it.
custom_imports = dict(imports=["projects.example_head.example_head"], allow_failed_imports=False)

model = dict(type=PatchPoolClassifier, clip=dict(clip, dense_indices=(4,)), templates="name")  # noqa: F405

# The runtime of the mmseg configs: the default runtime plus mmseg's visualiser and its hook
# (drawing off; tools/segment.py draws pictures).
from mmengine.config import read_base
from mmengine.visualization import LocalVisBackend
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.visualization import SegLocalVisualizer

with read_base():
    from .default_runtime import *  # noqa: F401,F403

default_hooks.update(visualization=dict(type=SegVisualizationHook, draw=False))  # noqa: F405
visualizer = dict(
    type=SegLocalVisualizer, vis_backends=[dict(type=LocalVisBackend)], name="visualizer"
)

import subprocess
import sys

import pytest
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope

from clipx.registry import MODELS, explain_missing_types, find_defining_modules
from clipx.testing import TEST_VIT


def test_clipx_registries_are_children_of_mmengine_root():
    assert MODELS.scope == "clipx" and MODELS.parent is ROOT_MODELS
    assert "clipx" in ROOT_MODELS.children


def test_mm_types_build_from_a_clipx_config_by_scope_prefix():
    pytest.importorskip("mmdet")
    pytest.importorskip("mmseg")
    assert MODELS.get("mmdet.FPN").__name__ == "FPN"
    assert MODELS.get("mmseg.FCNHead").__name__ == "FCNHead"


def test_clipx_type_builds_inside_an_mmdet_config():
    pytest.importorskip("mmdet")
    from mmdet.registry import MODELS as DET_MODELS

    clip = DET_MODELS.build(dict(type="clipx.FrozenCLIP", model_name=TEST_VIT))
    assert type(clip).__name__ == "FrozenCLIP"


def test_unknown_type_names_the_custom_import_to_add():
    pytest.importorskip("mmseg")
    from mmseg.registry import MODELS as SEG_MODELS

    # an mmseg config asking for a clipx model without the scope prefix: mmseg's registry misses
    with DefaultScope.overwrite_default_scope("mmseg"):
        with pytest.raises(KeyError, match=r"custom_imports = dict\(imports=\['clipx.pretrain.model'\]"):
            with explain_missing_types():
                SEG_MODELS.build(dict(type="CLIPPretrainer", model_name=TEST_VIT))
    with pytest.raises(KeyError, match="No module in clipx/ or projects/ defines it"):
        MODELS.build(dict(type="NoSuchHead"))


def test_mmengine_misses_are_rewritten_by_entry_points():
    with pytest.raises(KeyError, match=r"'FrozenCLIP' is not registered.*custom_imports"):
        with explain_missing_types():
            raise KeyError("FrozenCLIP is not in the mmdet::model registry. Please check whether ...")


def test_source_scan_finds_defining_modules():
    assert find_defining_modules("FrozenCLIP") == ("clipx.backbone.frozen_clip",)
    assert find_defining_modules("CLIPPretrainer") == ("clipx.pretrain.model",)


def test_import_clipx_does_not_import_mm_task_packages():
    code = "import sys, clipx; bad=[m for m in sys.modules if m.split('.')[0] in ('mmdet','mmseg','mmcv')]; print(bad); assert not bad"
    subprocess.run([sys.executable, "-c", code], check=True)

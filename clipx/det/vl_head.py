"""mmdet's GLIP head (ATSSVLFusionHead) sized for CLIP's text tower instead of BERT-base.

mmdet's :class:`~mmdet.models.dense_heads.ATSSVLFusionHead` reads its language
width from ``BertConfig.from_pretrained('bert-base-uncased')`` (a download) and
builds its deep-fusion blocks (``VLFuse``) at BERT-base's 768 text channels and
256 visual ones. :class:`CLIPVLFusionHead` is the same head, the same
dynamic-head tower, fusion blocks, word-region alignment logits, ATSS
assignment and losses, with the language width given (CLIP's ``text_width``
or ``embed_dim``) and the fusion blocks built at the head's own widths. Its
text-side layers in the fused tower are BERT layers as in GLIP (Hugging Face
``transformers`` is needed for ``early_fuse=True`` only).
"""

from __future__ import annotations

from mmdet.models.dense_heads import ATSSHead, ATSSVLFusionHead
from mmdet.models.dense_heads.atss_vlfusion_head import VLFusionModule
from mmdet.models.utils.vlfuse_helper import VLFuse
from mmdet.registry import MODELS
from mmengine.model import BaseModel


def _bert_layer_config(width: int, heads: int):
    """A BERT layer configuration of the given width (GLIP's text branch in the fused tower)."""
    try:
        from transformers import BertConfig
    except ImportError as err:
        raise RuntimeError(
            "early_fuse=True builds GLIP's BERT layers with Hugging Face transformers: "
            "pip install 'transformers<4.50' (or use early_fuse=False)."
        ) from err
    if width % heads:
        raise ValueError(f"lang_dim={width} is not divisible by lang_heads={heads}.")
    return BertConfig(hidden_size=width, num_attention_heads=heads, intermediate_size=4 * width)


class CLIPVLFusionModule(VLFusionModule):
    """mmdet's VLFusionModule with the language width given rather than downloaded.

    Args:
        lang_dim: channels of each token feature from the language model.
        lang_heads: attention heads of the fused tower's BERT layers.
        fusion_embed_dim, fusion_heads: width and heads of the image-text
            cross-attention (GLIP: 2048 and 8 at 256 visual channels).
        The rest as mmdet's VLFusionModule.
    """

    def __init__(
        self,
        *,
        in_channels: int,
        feat_channels: int,
        num_base_priors: int,
        lang_dim: int,
        early_fuse: bool = False,
        num_dyhead_blocks: int = 6,
        lang_heads: int = 8,
        fusion_embed_dim: int = 2048,
        fusion_heads: int = 8,
        use_dyrelu: bool = True,
        use_dyfuse: bool = True,
        use_dcn: bool = True,
        use_checkpoint: bool = False,
    ) -> None:
        BaseModel.__init__(self)  # not VLFusionModule.__init__: it downloads BERT's config
        self.in_channels = in_channels
        self.feat_channels = feat_channels
        self.num_base_priors = num_base_priors
        self.early_fuse = early_fuse
        self.num_dyhead_blocks = num_dyhead_blocks
        self.use_dyrelu = use_dyrelu
        self.use_dyfuse = use_dyfuse
        self.use_dcn = use_dcn
        self.use_checkpoint = use_checkpoint
        self.lang_cfg = _bert_layer_config(lang_dim, lang_heads) if early_fuse else None
        self.lang_dim = lang_dim
        self._init_layers()
        if early_fuse:
            # mmdet builds VLFuse at BERT-base's widths; rebuild each at this head's
            for i, block in enumerate(self.dyhead_tower):
                if isinstance(block, VLFuse):
                    self.dyhead_tower[i] = VLFuse(
                        v_dim=feat_channels,
                        l_dim=lang_dim,
                        embed_dim=fusion_embed_dim,
                        num_heads=fusion_heads,
                        use_checkpoint=use_checkpoint,
                    )


@MODELS.register_module()
class CLIPVLFusionHead(ATSSVLFusionHead):
    """GLIP's ATSS head with deep vision-language fusion, for a CLIP language model.

    Args:
        lang_dim: the language model's token width (``CLIPLanguageModel.width``).
        early_fuse: deep fusion (GLIP's cross-attention between image levels and
            tokens, and BERT layers over the tokens, in every tower block); off: the
            tokens meet the image only in the final alignment logits.
        num_dyhead_blocks, use_checkpoint: as ATSSVLFusionHead.
        lang_heads, fusion_embed_dim, fusion_heads, use_dyrelu, use_dyfuse,
            use_dcn: see :class:`CLIPVLFusionModule` (mmdet fixes the last three on).
        The rest as :class:`~mmdet.models.dense_heads.ATSSHead`. ``feat_channels``
        must equal the language model's ``max_tokens`` (the width of ATSS's
        per-anchor token targets), as mmdet's GLIP ties both to 256.
    """

    def __init__(
        self,
        *args,
        lang_dim: int,
        early_fuse: bool = False,
        use_checkpoint: bool = False,
        num_dyhead_blocks: int = 6,
        lang_heads: int = 8,
        fusion_embed_dim: int = 2048,
        fusion_heads: int = 8,
        use_dyrelu: bool = True,
        use_dyfuse: bool = True,
        use_dcn: bool = True,
        init_cfg=None,
        **kwargs,
    ) -> None:
        ATSSHead.__init__(self, *args, init_cfg=init_cfg, **kwargs)
        self.head = CLIPVLFusionModule(
            in_channels=self.in_channels,
            feat_channels=self.feat_channels,
            num_base_priors=self.num_base_priors,
            lang_dim=lang_dim,
            early_fuse=early_fuse,
            num_dyhead_blocks=num_dyhead_blocks,
            lang_heads=lang_heads,
            fusion_embed_dim=fusion_embed_dim,
            fusion_heads=fusion_heads,
            use_dyrelu=use_dyrelu,
            use_dyfuse=use_dyfuse,
            use_dcn=use_dcn,
            use_checkpoint=use_checkpoint,
        )
        self.text_masks = None

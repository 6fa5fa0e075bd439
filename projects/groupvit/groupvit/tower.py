"""GroupViT's image tower: a ViT whose learnable group tokens merge patches into segments.

Xu et al., "GroupViT: Semantic Segmentation Emerges from Text Supervision" (CVPR 2022). Each
grouping stage runs transformer blocks over the image tokens concatenated with its learnable
group tokens; a :class:`GroupingBlock` then assigns every image token to one group (a softmax
over the groups, hard with a straight-through gradient while training) and the groups, averaged
over their tokens, become the image tokens of the next stage. The last stage's groups are the
segments; their mean, projected into CLIP's joint space, is the image embedding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class GroupingOutput:
    """What the image tower computes for a batch.

    Attributes:
        image_embeds: (B, D) the mean of the final groups, projected into the joint space
            (not normalised).
        group_embeds: (B, G, D) each final group projected into the joint space.
        assignments: per grouping stage, the soft assignment (B, G_s, N_s) of that stage's
            input tokens to its groups (a softmax over groups, without Gumbel noise: each
            column sums to 1); stage 0's tokens are the patches.
        grid: (h, w) of the patch grid.
        choices: per grouping stage, the assignment the forward pass used (B, G_s, N_s),
            detached: one-hot when hard (with the Gumbel noise while training), else soft.
    """

    image_embeds: torch.Tensor
    group_embeds: torch.Tensor
    assignments: list[torch.Tensor]
    grid: tuple[int, int]
    choices: list[torch.Tensor] = field(default_factory=list)

    def stage_memberships(self) -> list[torch.Tensor]:
        """Per grouping stage, (B, G_s, N_0) each patch's soft membership of its groups (the
        stages' soft assignments chained)."""
        return _chain(self.assignments)

    def patch_to_group(self) -> torch.Tensor:
        """(B, G, h, w) each patch's soft membership of every final group (stages chained)."""
        chained = self.stage_memberships()[-1]
        h, w = self.grid
        return chained.reshape(chained.shape[0], chained.shape[1], h, w)

    def group_sizes(self) -> torch.Tensor:
        """(B, G) how many patches the forward pass put in each final group (chained choices).

        A group with none holds only its group token: it names no pixel, so a loss that asks a
        segment to match a noun should not let it answer.
        """
        if not self.choices:
            raise ValueError(
                "This output carries no choices; it comes from a tower without grouping."
            )
        return _chain(self.choices)[-1].sum(dim=-1)


def _chain(assignments: list[torch.Tensor]) -> list[torch.Tensor]:
    """Stage assignments (B, G_s, N_s) -> each stage's (B, G_s, N_0) over the patches."""
    chained, out = None, []
    for assignment in assignments:
        chained = assignment if chained is None else assignment @ chained
        out.append(chained)
    return out


def hard_softmax(logits: torch.Tensor, dim: int) -> torch.Tensor:
    """One-hot argmax along ``dim`` in the forward pass, the softmax's gradient in the backward."""
    soft = logits.softmax(dim)
    index = soft.argmax(dim, keepdim=True)
    hard = torch.zeros_like(soft).scatter_(dim, index, 1.0)
    return hard - soft.detach() + soft


def gumbel_noise(like: torch.Tensor) -> torch.Tensor:
    """Standard Gumbel samples shaped like ``like``."""
    uniform = torch.rand_like(like).clamp_(1e-10, 1.0 - 1e-10)
    return -torch.log(-torch.log(uniform))


class AssignAttention(nn.Module):
    """Assign each image token to one group and average each group's tokens.

    Queries come from the groups, keys and values from the image tokens; the softmax runs over
    the groups (every token picks a group), with Gumbel noise and a hard straight-through
    choice while training when asked; each group then averages the values assigned to it.

    Args:
        dim: token width.
        hard: one-hot assignment (straight-through) instead of the soft one.
        gumbel: add Gumbel noise to the assignment logits while training.
        gumbel_tau: temperature of the noisy softmax.
        assign_eps: added to each group's assigned mass before averaging (an empty group
            stays near zero instead of dividing by zero).

    Attributes:
        noise_scale: multiplies the Gumbel noise (1: GroupViT's; :class:`GumbelAnnealHook`
            lowers it over training so the choice made while training becomes the one made at
            inference).
    """

    def __init__(
        self,
        dim: int,
        *,
        hard: bool = True,
        gumbel: bool = True,
        gumbel_tau: float = 1.0,
        assign_eps: float = 1.0,
    ) -> None:
        super().__init__()
        self.hard = hard
        self.gumbel = gumbel
        self.gumbel_tau = gumbel_tau
        self.assign_eps = assign_eps
        self.noise_scale = 1.0
        self.scale = dim**-0.5
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(
        self, groups: torch.Tensor, tokens: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, G, C) groups and (B, N, C) tokens -> new groups (B, G, C), the soft assignment
        (B, G, N) and the one used (detached)."""
        logits = self.q_proj(groups) @ self.k_proj(tokens).transpose(1, 2) * self.scale
        soft = logits.softmax(dim=1)
        noisy = logits
        if self.gumbel and self.training:
            noisy = (logits + self.noise_scale * gumbel_noise(logits)) / self.gumbel_tau
        assign = hard_softmax(noisy, dim=1) if self.hard else noisy.softmax(dim=1)
        weights = assign / (assign.sum(dim=-1, keepdim=True) + self.assign_eps)
        return self.proj(weights @ self.v_proj(tokens)), soft, assign.detach()


class MixerMLP(nn.Module):
    """An MLP across the token axis: ``in_tokens`` group tokens -> ``out_tokens`` of them."""

    def __init__(self, in_tokens: int, hidden: int, out_tokens: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_tokens, hidden)
        self.fc2 = nn.Linear(hidden, out_tokens)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, in_tokens, C) -> (B, out_tokens, C)."""
        return self.fc2(F.gelu(self.fc1(tokens.transpose(1, 2)))).transpose(1, 2)


class CrossAttentionBlock(nn.Module):
    """Queries attend to a context (pre-norm), then an MLP; both residual."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm_mlp = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, query: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        kv = self.norm_kv(context)
        query = query + self.attn(self.norm_q(query), kv, kv, need_weights=False)[0]
        return query + self.mlp(self.norm_mlp(query))


class GroupingBlock(nn.Module):
    """GroupViT's grouping block: group tokens gather context, then take the image tokens.

    The stage's group tokens are mixed into ``num_output_groups`` tokens (an MLP over the token
    axis, when the counts differ), attend to the image tokens, and each image token is assigned
    to one of them (:class:`AssignAttention`); the result, plus an MLP, is the next stage's
    tokens.

    Args:
        dim: token width.
        heads: attention heads of the pre-assignment cross-attention.
        num_group_tokens: group tokens the stage carries.
        num_output_groups: segments the block outputs.
        hard, gumbel: see :class:`AssignAttention`.
    """

    def __init__(
        self,
        dim: int,
        *,
        heads: int,
        num_group_tokens: int,
        num_output_groups: int,
        hard: bool = True,
        gumbel: bool = True,
    ) -> None:
        super().__init__()
        self.norm_groups = nn.LayerNorm(dim)
        self.norm_tokens = nn.LayerNorm(dim)
        self.mix = (
            MixerMLP(num_group_tokens, max(dim // 2, num_output_groups), num_output_groups)
            if num_group_tokens != num_output_groups
            else nn.Identity()
        )
        self.norm_mixed = nn.LayerNorm(dim)
        self.pre_assign = CrossAttentionBlock(dim, heads)
        self.assign = AssignAttention(dim, hard=hard, gumbel=gumbel)
        self.norm_out = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(
        self, tokens: torch.Tensor, groups: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, N, C) tokens and (B, G, C) group tokens -> (B, G_out, C) segments, (B, G_out, N)
        soft map, and the assignment used (detached)."""
        tokens = self.norm_tokens(tokens)
        groups = self.norm_mixed(self.mix(self.norm_groups(groups)))
        groups = self.pre_assign(groups, tokens)
        segments, soft, chosen = self.assign(groups, tokens)
        segments = segments + groups
        return segments + self.mlp(self.norm_out(segments)), soft, chosen


def _block(dim: int, heads: int) -> nn.TransformerEncoderLayer:
    return nn.TransformerEncoderLayer(
        dim, heads, 4 * dim, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    )


class GroupingStage(nn.Module):
    """Transformer blocks over [tokens; group tokens], then a grouping block (if any)."""

    def __init__(
        self,
        dim: int,
        *,
        depth: int,
        heads: int,
        num_group_tokens: int = 0,
        num_output_groups: int = 0,
        hard: bool = True,
        gumbel: bool = True,
    ) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(_block(dim, heads) for _ in range(depth))
        self.group_tokens = None
        self.grouping = None
        if num_group_tokens:
            self.group_tokens = nn.Parameter(torch.zeros(1, num_group_tokens, dim))
            nn.init.trunc_normal_(self.group_tokens, std=0.02)
            self.grouping = GroupingBlock(
                dim,
                heads=heads,
                num_group_tokens=num_group_tokens,
                num_output_groups=num_output_groups,
                hard=hard,
                gumbel=gumbel,
            )

    def forward(
        self, tokens: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """(B, N, C) -> the next stage's tokens, this stage's soft assignment and the one used
        (None, None: no grouping)."""
        if self.group_tokens is None:
            for block in self.blocks:
                tokens = block(tokens)
            return tokens, None, None
        n = tokens.shape[1]
        joint = torch.cat([tokens, self.group_tokens.expand(tokens.shape[0], -1, -1)], dim=1)
        for block in self.blocks:
            joint = block(joint)
        return self.grouping(joint[:, :n], joint[:, n:])


class ConvStem(nn.Module):
    """Stride-``2^k`` 3x3 convolutions (BN, GELU) to ``width`` channels: the patch embedding."""

    def __init__(self, width: int, stride: int) -> None:
        super().__init__()
        steps = stride.bit_length() - 1
        if stride < 2 or 2**steps != stride:
            raise ValueError(f"patch_stride={stride}; use a power of two of at least 2.")
        layers, channels = [], 3
        for i in range(steps):
            out = width // 2 ** (steps - 1 - i) if i < steps - 1 else width
            out = max(out, 16)
            layers += [
                nn.Conv2d(channels, out, 3, 2, 1, bias=False),
                nn.BatchNorm2d(out),
                nn.GELU(),
            ]
            channels = out
        layers.append(nn.Conv2d(channels, width, 1))
        self.layers = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.layers(images)


class GroupViTImageTower(nn.Module):
    """Patches -> grouping stages -> segments, each projected into the joint space.

    Args:
        embed_dim: the joint space's dimension (the text tower's: the backbone contract's
            ``embed_dim``).
        image_size: the training input side; the position table is interpolated for others.
        patch_stride: the conv stem's stride (a patch covers ``patch_stride`` pixels a side).
        width: token width.
        heads: attention heads.
        depths: transformer blocks per stage; one more entry than ``num_group_tokens`` (the
            last stage has no grouping).
        num_group_tokens: group tokens of each grouping stage (the paper's (64, 8)).
        num_output_groups: segments each grouping stage outputs (default: ``num_group_tokens``).
        hard: hard (straight-through) assignment; False: soft.
        gumbel: Gumbel noise on the assignment while training.
    """

    def __init__(
        self,
        *,
        embed_dim: int,
        image_size: int = 64,
        patch_stride: int = 8,
        width: int = 128,
        heads: int = 4,
        depths: Sequence[int] = (4, 2, 1),
        num_group_tokens: Sequence[int] = (16, 4),
        num_output_groups: Sequence[int] | None = None,
        hard: bool = True,
        gumbel: bool = True,
    ) -> None:
        super().__init__()
        outputs = tuple(num_output_groups or num_group_tokens)
        if len(depths) != len(num_group_tokens) + 1 or len(outputs) != len(num_group_tokens):
            raise ValueError(
                f"depths={tuple(depths)} needs one entry per grouping stage plus one for the last "
                f"stage, num_group_tokens={tuple(num_group_tokens)} and num_output_groups={outputs} "
                "one per grouping stage."
            )
        if image_size % patch_stride:
            raise ValueError(
                f"image_size={image_size} is not a multiple of patch_stride={patch_stride}."
            )
        self.patch_stride = patch_stride
        self.stem = ConvStem(width, patch_stride)
        side = image_size // patch_stride
        self.pos_embed = nn.Parameter(torch.zeros(1, width, side, side))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.stages = nn.ModuleList(
            GroupingStage(
                width,
                depth=depths[i],
                heads=heads,
                num_group_tokens=num_group_tokens[i] if i < len(num_group_tokens) else 0,
                num_output_groups=outputs[i] if i < len(outputs) else 0,
                hard=hard,
                gumbel=gumbel,
            )
            for i in range(len(depths))
        )
        self.norm = nn.LayerNorm(width)
        self.projector = nn.Sequential(
            nn.Linear(width, width), nn.GELU(), nn.Linear(width, embed_dim)
        )

    def _positions(self, h: int, w: int) -> torch.Tensor:
        table = self.pos_embed
        if table.shape[-2:] != (h, w):
            table = F.interpolate(table, size=(h, w), mode="bicubic", align_corners=False)
        return table

    def forward(self, images: torch.Tensor) -> GroupingOutput:
        """(B, 3, H, W) normalised images -> :class:`GroupingOutput`."""
        if images.shape[-1] % self.patch_stride or images.shape[-2] % self.patch_stride:
            raise ValueError(
                f"Input {tuple(images.shape[-2:])} is not a multiple of the patch stride "
                f"{self.patch_stride}; pad or resize it."
            )
        patches = self.stem(images)
        h, w = patches.shape[-2:]
        tokens = (patches + self._positions(h, w)).flatten(2).transpose(1, 2)
        assignments, choices = [], []
        for stage in self.stages:
            tokens, soft, chosen = stage(tokens)
            if soft is not None:
                assignments.append(soft)
                choices.append(chosen)
        tokens = self.norm(tokens)
        return GroupingOutput(
            image_embeds=self.projector(tokens.mean(dim=1)),
            group_embeds=self.projector(tokens),
            assignments=assignments,
            grid=(h, w),
            choices=choices,
        )

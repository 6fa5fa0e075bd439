import torch
from clipx.backbone import FrozenCLIP
from clipx.video import TemporalTransformer
m = FrozenCLIP(model_name="clipx-RN-tiny-64", checkpoint="work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt")
agg = TemporalTransformer(clip=m, num_layers=3, max_frames=12)
print("pos norm per row", agg.frame_position.norm(dim=-1)[:4])
f = torch.nn.functional.normalize(torch.randn(1, 12, 128), dim=-1)
f = f[:, :1] + 0.2 * torch.cumsum(torch.randn(1, 12, 128) * 0.05, 1)
f = torch.nn.functional.normalize(f, dim=-1)
mask = torch.ones(1, 12, dtype=torch.bool)
a = agg(f, mask); b = agg(f.flip(1), mask)
print("cos(out A, out reversed A)", float((a * b).sum()))
(a * torch.randn_like(a)).sum().backward()
print("grad norm pos", agg.frame_position.grad.norm().item())
for n, p in agg.named_parameters():
    if p.grad is None: print("no grad", n)
print(type(agg.blocks[0]).__name__, agg.blocks[0].attn.batch_first)

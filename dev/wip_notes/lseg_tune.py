"""Tune the LSeg head on cached frozen-backbone features (no flips)."""
import sys, time, glob, json
import numpy as np, torch, torch.nn.functional as F
from PIL import Image
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
import clipx.seg
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
torch.set_num_threads(2)
root = "data/shapes_world/segmentation"
cfg = Config.fromfile("configs/lseg/lseg_rn-tiny-64_1xb32-1500it_shapes-world-64x64.py")
init_default_scope("clipx")
classes = list(cfg.classes); base = list(cfg.base_classes)
full2base = np.full(256, 255, np.uint8)
for i, c in enumerate(classes):
    if c in base: full2base[i] = base.index(c)
mean = torch.tensor([122.771, 116.746, 104.094]).view(1,3,1,1); std = torch.tensor([68.501, 66.632, 70.323]).view(1,3,1,1)
def load(split, n):
    imgs = sorted(glob.glob(f"{root}/img_dir/{split}/*.png"))[:n]
    x = torch.from_numpy(np.stack([np.asarray(Image.open(p).convert("RGB")) for p in imgs])).permute(0,3,1,2).float()
    y = np.stack([np.asarray(Image.open(p.replace("img_dir","ann_dir"))) for p in imgs])
    return (x-mean)/std, torch.from_numpy(y.astype(np.int64))
def feats(model, x):
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 250):
            out.append(model.extract_feat(x[i:i+250]))
    return clipx.backbone.DenseFeatures(maps=[torch.cat([o.maps[j] for o in out]) for j in range(len(out[0].maps))], embeds=torch.cat([o.embeds for o in out]), image_embeds=torch.cat([o.image_embeds for o in out]))
def sub(f, idx):
    return clipx.backbone.DenseFeatures(maps=[m[idx] for m in f.maps], embeds=f.embeds[idx], image_embeds=f.image_embeds[idx])
if __name__ == "__main__":
    import pickle, os
    cache = "/tmp/lseg_feats.pt"
    model = MODELS.build(cfg.model)
    if not os.path.exists(cache):
        t=time.time()
        xt, yt = load("train", int(sys.argv[1]) if len(sys.argv)>1 else 2000); xv, yv = load("val", 500)
        ft, fv = feats(model, xt), feats(model, xv)
        torch.save(dict(ft=ft.__dict__, yt=yt, fv=fv.__dict__, yv=yv), cache)
        print("features", time.time()-t)

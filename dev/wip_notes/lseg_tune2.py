import sys, time, json
import numpy as np, torch, torch.nn.functional as F
sys.path.insert(0, "/tmp")
from lseg_tune import *
d = torch.load("/tmp/lseg_feats.pt", weights_only=False)
from clipx.backbone import DenseFeatures
ft, fv = DenseFeatures(**d["ft"]), DenseFeatures(**d["fv"])
yt = torch.from_numpy(full2base[d["yt"].numpy()].astype(np.int64)); yv = d["yv"]
def run(name, iters=300, batch=16, lr=1e-3, warm=30, **head):
    mcfg = cfg.model.copy(); mcfg["decode_head"] = dict(mcfg["decode_head"]) | head
    torch.manual_seed(0)
    model = MODELS.build(mcfg)
    h = model.decode_head
    te_train = model.text_embeds(model.train_vocabulary); te_all = model.text_embeds(model.vocabulary)
    opt = torch.optim.AdamW([p for p in h.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    sched = lambda it: lr * min(1, (it+1)/warm) * (0.5*(1+np.cos(np.pi*min(1, it/iters))) * 0.99 + 0.01)
    g = torch.Generator().manual_seed(0); n = len(yt); loss = torch.zeros(())
    t = time.time()
    for it in range(iters):
        for pg in opt.param_groups: pg["lr"] = sched(it)
        idx = torch.randint(0, n, (batch,), generator=g)
        logits = h.forward(sub(ft, idx), text_embeds=te_train)
        logits = F.interpolate(logits, size=(64,64), mode="bilinear")
        loss = F.cross_entropy(logits, yt[idx], ignore_index=255)
        opt.zero_grad(); loss.backward(); opt.step()
    tt = time.time()-t
    h.eval()
    inter = np.zeros(7); union = np.zeros(7)
    with torch.no_grad():
        for i in range(0, 500, 100):
            lg = F.interpolate(h.forward(sub(fv, slice(i, i+100)), text_embeds=te_all), size=(64,64), mode="bilinear")
            p = lg.argmax(1).numpy(); y = yv[i:i+100].numpy()
            for c in range(7):
                inter[c] += ((p==c)&(y==c)).sum(); union[c] += ((p==c)|(y==c)).sum()
    iou = inter/union*100
    novel = [classes.index(c) for c in cfg.novel_classes]; basei = [i for i in range(7) if i not in novel]
    print(f"{name}: it={iters} b={batch} loss={loss.item():.3f} base={iou[basei].mean():.1f} novel={iou[novel].mean():.1f} per-class={np.round(iou,1).tolist()} train {tt:.0f}s ({tt/max(iters,1)*1000:.0f} ms/it)", flush=True)
    return iou
if __name__ == "__main__":
    for spec in sys.argv[1:]:
        kw = eval(f"dict({spec})")
        run(spec, **kw)

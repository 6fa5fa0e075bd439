import json, torch
from clipx.backbone import FrozenCLIP
from clipx.data.video import read_frames
m = FrozenCLIP(model_name="clipx-RN-tiny-64", checkpoint="work_dirs/clip_rn-tiny-64_1xb256-800it_shapes-world/clip_latest.pt")
tf = m.image_transform()
clips = json.load(open("data/shapes_world_video/annotations/test_directions_clips.json"))
from PIL import Image
import numpy as np
ok = {"horizontal": [], "vertical": []}
for r in clips[:200]:
    if len(r["objects"]) != 1: continue
    d = r["objects"][0]["direction"]
    import decord
    vr = decord.VideoReader(f"data/shapes_world_video/videos/{r['video_id']}.mp4")
    fr = vr.get_batch([0, len(vr) - 1]).asnumpy()
    x = torch.stack([tf(Image.fromarray(f)) for f in fr])
    e = m.encode_image(x)
    obj = r["objects"][0]; name = f"a {obj['colour']} {obj['shape']}"
    axis = "horizontal" if d in ("left", "right") else "vertical"
    a, b = ("left", "right") if axis == "horizontal" else ("up", "down")
    pa, pb = ("on the left", "on the right") if axis == "horizontal" else ("at the top", "at the bottom")
    t = m.encode_text([f"{name} moving {a}", f"{name} moving {b}", f"{name} {pa}", f"{name} {pb}"])
    delta = e[1] - e[0]
    s_motion = float(delta @ (t[0] - t[1])); s_place = float(delta @ (t[2] - t[3]))
    sign = 1 if d == a else -1
    ok[axis].append((sign * s_motion > 0, sign * s_place > 0))
for k, v in ok.items():
    v = np.array(v); print(k, len(v), "motion-words acc", v[:, 0].mean(), "place-words acc", v[:, 1].mean())

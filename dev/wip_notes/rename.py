import sys, re, pathlib
it = int(sys.argv[1])
root = pathlib.Path("/work/main/configs")
base = root / "_base_/lseg_shapes_world.py"
s = base.read_text()
s = re.sub(r"^max_iters = \d+$", f"max_iters = {it}", s, flags=re.M)
base.write_text(s)
for old in sorted((root / "lseg").glob("*_shapes-world-64x64.py")):
    new_name = re.sub(r"1xb\d+-\d+it", f"1xb16-{it}it", old.name)
    text = re.sub(r"1xb\d+-\d+it", f"1xb16-{it}it", old.read_text())
    text = re.sub(r"iter_\d+\.pth", f"iter_{it}.pth", text)
    old.unlink()
    (root / "lseg" / new_name).write_text(text)
    print(new_name)

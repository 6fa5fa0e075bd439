#!/usr/bin/env bash
# One-command setup: creates .venv/ in the checkout and installs the pinned
# stack (constraints.txt), building mmcv 2.1.0's ops once and caching the wheel
# outside the work tree (CLIPX_WHEEL_CACHE, default ~/.cache/clipx/wheels).
# Idempotent: a second run only checks what is there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3.11}"
venv="$root/.venv"
constraints="$root/constraints.txt"
cache="${CLIPX_WHEEL_CACHE:-$HOME/.cache/clipx/wheels}"
step="start"

fail() {
  echo "setup: FAILED at step '$step' (exit $1). Fix the error above and run 'bash tools/setup.sh' again." >&2
}
trap 'fail $?' ERR

run_step() {
  step="$1"; shift
  local t0=$SECONDS
  echo "==> [$step]"
  "$@"
  echo "    [$step] done in $((SECONDS - t0)) s"
}

pip_quiet() {
  # the machine-wide pip config lists index folders that may be absent; drop that noise
  grep -v "is neither a file nor a directory" >&2 || true
}

pip_install() {
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -c "$constraints" "$@" 2> >(pip_quiet)
}

make_venv() {
  if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
  fi
  "$venv/bin/python" -c 'import sys; assert sys.version_info[:2] >= (3, 10), sys.version'
}

torch_cache_dir() {
  # keyed by the pinned torch/torchvision lines, the Python version and the machine
  local key
  key="$( (grep -E '^(torch|torchvision)==' "$constraints"; "$venv/bin/python" -V; uname -m) | sha1sum | cut -c1-12)"
  echo "$cache/site-torch-$key"
}

install_torch() {
  # torch's CUDA build unpacks ~5.5 GB; the first setup keeps the unpacked files in the cache
  # and later ones hard-link them (seconds instead of minutes). pip only ever removes such
  # files, never rewrites them, so sharing them between checkouts is safe.
  local site dir
  site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  dir="$(torch_cache_dir)"
  if "$venv/bin/python" -c 'import torch, torchvision' 2>/dev/null; then
    pip_install torch torchvision  # checks the pins; installs nothing when they hold
    return
  fi
  if [ -f "$dir/.complete" ]; then
    echo "    linking the cached torch install from $dir"
    cp -al "$dir/site/." "$site/" 2>/dev/null || cp -a "$dir/site/." "$site/"
    for script in "$dir"/bin/*; do
      [ -e "$script" ] || continue
      sed "1s|^#!.*python.*$|#!$venv/bin/python|" "$script" > "$venv/bin/$(basename "$script")"
      chmod +x "$venv/bin/$(basename "$script")"
    done
    pip_install torch torchvision
    return
  fi
  local bin_before site_before
  bin_before="$(ls "$venv/bin" | sort)"
  site_before="$(ls "$site" | sort)"
  pip_install torch torchvision
  rm -rf "$dir.partial" && mkdir -p "$dir.partial/bin" "$dir.partial/site"
  for entry in $(comm -13 <(echo "$site_before") <(ls "$site" | sort)); do
    cp -al "$site/$entry" "$dir.partial/site/" 2>/dev/null || cp -a "$site/$entry" "$dir.partial/site/"
  done
  for script in $(comm -13 <(echo "$bin_before") <(ls "$venv/bin" | sort)); do
    cp "$venv/bin/$script" "$dir.partial/bin/"
  done
  touch "$dir.partial/.complete"
  rm -rf "$dir" && mv "$dir.partial" "$dir"
}

install_build_tools() {
  pip_install "setuptools<81" wheel ninja
}

mmcv_wheel_dir() {
  local torch_ver py_tag
  torch_ver="$("$venv/bin/python" -c 'import torch; print(torch.__version__.split("+")[0])')"
  py_tag="$("$venv/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
  echo "$cache/mmcv-2.1.0_torch-${torch_ver}_${py_tag}_$(uname -m)"
}

build_mmcv() {
  # mmcv 2.1.0 has no wheel on the registry; build its ops from source once.
  local dir
  dir="$(mmcv_wheel_dir)"
  if ls "$dir"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    echo "    cached wheel: $(ls "$dir"/mmcv-2.1.0-*.whl)"
    return
  fi
  local tmp
  tmp="$(mktemp -d)"
  "$venv/bin/python" -m pip download --disable-pip-version-check -q --no-deps \
    --no-binary :all: "mmcv==2.1.0" -d "$tmp"
  tar -xzf "$tmp"/mmcv-2.1.0.tar.gz -C "$tmp"
  # torch >= 2.14's headers require C++20; mmcv 2.1.0 asks for C++17.
  sed -i 's/-std=c++17/-std=c++20/g' "$tmp/mmcv-2.1.0/setup.py"
  echo "    compiling mmcv ops (about 12 minutes on 2 cores, once per machine)"
  mkdir -p "$dir"
  (cd "$tmp/mmcv-2.1.0" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
    "$venv/bin/python" -m pip wheel --disable-pip-version-check -q --no-deps \
    --no-build-isolation -w "$dir.partial" .)
  mv "$dir.partial"/mmcv-2.1.0-*.whl "$dir"/
  rm -rf "$tmp" "$dir.partial"
}

install_mmcv() {
  local dir
  dir="$(mmcv_wheel_dir)"
  if "$venv/bin/python" -c 'import mmcv, mmcv.ops; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
    echo "    mmcv 2.1.0 with ops already installed"
    return
  fi
  pip_install --no-deps --force-reinstall "$dir"/mmcv-2.1.0-*.whl
}

install_clipx() {
  pip_install -e ".[det,seg,dev,bench]"
}

check_imports() {
  "$venv/bin/python" - <<'PY'
import torch, torchvision, open_clip, mmengine, mmcv, mmcv.ops, mmdet, mmseg, decord, pycocotools
import clipx
print("    torch", torch.__version__, "| open_clip", open_clip.__version__, "| mmengine", mmengine.__version__,
      "| mmcv", mmcv.__version__, "| mmdet", mmdet.__version__, "| mmseg", mmseg.__version__,
      "| clipx", clipx.__version__)
PY
}

t_start=$SECONDS
run_step "create .venv" make_venv
run_step "install torch + torchvision" install_torch
run_step "install build tools" install_build_tools
run_step "build mmcv 2.1.0 wheel (cached in $cache)" build_mmcv
run_step "install mmcv" install_mmcv
run_step "install clipx + stack (editable, dev tools)" install_clipx
run_step "check imports" check_imports
echo "setup: done in $((SECONDS - t_start)) s. Activate with 'source .venv/bin/activate'."

#!/usr/bin/env bash
# The GPU check, as a GPU owner runs it: `make gpu-check`, or `bash tools/gpu_check.sh`.
#
# A CUDA machine may carry its own PyTorch release and lack the notebook tools. This
# script keeps that PyTorch (whatever its release), installs only what is missing, from
# the wheels in .whl/ (made by tools/gpu_wheels.sh) and never from an index, then runs
# tools/gpu_check.py, which writes gpu-report.md. Arguments are passed on to it, e.g.
# `bash tools/gpu_check.sh --device cpu` to try it on a machine without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONHASHSEED=0 PYTHONUNBUFFERED=1

missing=$("$PYTHON" - <<'PY'
import importlib.util
needed = ["torch", "numpy", "matplotlib", "tqdm", "yaml", "pytest", "hypothesis", "nbformat",
          "nbclient", "nbval", "ipykernel", "gensim"]
print(" ".join(name for name in needed if importlib.util.find_spec(name) is None))
PY
)
if [[ " $missing " == *" torch "* ]]; then
  echo "gpu-check: $PYTHON has no torch; the check uses the machine's own PyTorch" >&2
  exit 2
fi
if [[ -n "$missing" ]]; then
  if ! compgen -G ".whl/*.whl" > /dev/null; then
    echo "gpu-check: missing $missing, and no wheels in .whl/ (run tools/gpu_wheels.sh)" >&2
    exit 2
  fi
  site=$(mktemp -d /tmp/gpu-check-site-XXXX)
  echo "gpu-check: installing from .whl/ into $site: $missing"
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$site" .whl/*.whl
  export PYTHONPATH="$PYTHONPATH:$site"
fi
exec "$PYTHON" -m tools.gpu_check "$@"

#!/usr/bin/env bash
# Download, into .whl/, the wheels the GPU check needs and a CUDA machine's image may lack:
# the notebook tools (nbclient, nbval, ipykernel and what they import) and gensim. The
# versions are constraints.txt's; the wheels are for Python 3.12 on x86-64 Linux (set
# WHEEL_PYTHON for another). torch is never among them: the GPU machine keeps its own.
set -euo pipefail
cd "$(dirname "$0")/.."
packages="nbclient nbformat nbval ipykernel ipython ipython_pygments_lexers jupyter_client
  jupyter_core traitlets pyzmq tornado comm debugpy matplotlib-inline nest-asyncio2
  fastjsonschema jsonschema jsonschema-specifications referencing rpds-py jedi parso pexpect
  ptyprocess prompt_toolkit wcwidth stack-data asttokens executing pure_eval platformdirs
  gensim smart_open"
platforms=""
for tag in manylinux_2_39 manylinux_2_35 manylinux_2_34 manylinux_2_31 manylinux_2_28 \
           manylinux_2_27 manylinux_2_24 manylinux_2_17 manylinux2014 manylinux1; do
  platforms+=" --platform ${tag}_x86_64"
done
mkdir -p .whl
for name in $packages; do
  pin=$(grep -i -E "^${name//[-_]/[-_]}==" constraints.txt) || { echo "no pin for $name in constraints.txt" >&2; exit 2; }
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version "${WHEEL_PYTHON:-3.12}" \
    --implementation cp $platforms -d .whl "$pin"
done
du -sh .whl

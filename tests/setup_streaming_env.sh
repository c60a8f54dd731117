#!/usr/bin/env bash
# Create a SEPARATE virtual environment with the real mosaicml-streaming reader and ftdata.
#
# Why a separate environment: mosaicml-streaming 0.13.0 pins `transformers<5` and an older
# `huggingface-hub`, which cannot be resolved together with the test extra (`datasets` 5.x), and
# it imports torchvision, whose build must match the torch build exactly (a torchvision beside
# another torch fails with "operator torchvision::nms does not exist"). The `streaming` extra in
# pyproject.toml pins a matching torch/torchvision pair per architecture.
#
# Usage: bash tests/setup_streaming_env.sh [VENV_DIR]      (default: .venv-streaming)
# Then:  VENV_DIR/bin/python -m pytest -m streaming tests/test_prepare_streaming.py
# Measured on 2 cores with the wheels on local disk: 1 min 53 s, 6.9 GB (torch pulls CUDA wheels).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv-streaming}"

case "$(uname -m)" in
  x86_64|aarch64|arm64) ;;
  *) echo "setup_env.sh: no tested torch/torchvision pair for $(uname -m)" >&2; exit 2 ;;
esac

python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# One resolver run, so pip never pairs the torch with another torchvision: ftdata (editable, so
# the tests see this checkout) with the reader and the vocabularies the tests use, and pytest.
"$venv/bin/python" -m pip install --quiet -e '.[streaming,dbrx,mistral,spark]' pytest hypothesis
"$venv/bin/python" -c "import streaming, torch, torchvision
print('streaming', streaming.__version__, 'torch', torch.__version__, 'torchvision', torchvision.__version__)"

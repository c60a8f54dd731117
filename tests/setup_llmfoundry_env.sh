#!/usr/bin/env bash
# Create a SEPARATE virtual environment with llm-foundry 0.22.0 and ftdata, for the opt-in
# `llmfoundry` test (llm-foundry's own dataloader over `ftdata prepare`'s MDS output).
#
# llm-foundry pins torch 2.7, transformers 4.51, mosaicml-streaming 0.12 and datasets<3.7, so it
# shares an environment neither with the test extra nor with the streaming one. It is a heavy
# install (7.4 GB; 28 minutes on a busy 2-core machine, mostly pip's resolver backtracking), so
# CI does not run it; run it by hand:
#
#   bash tests/setup_llmfoundry_env.sh [VENV_DIR]          (default: .venv-llmfoundry)
#   VENV_DIR/bin/python -m pytest -m llmfoundry tests/test_ecosystem.py
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv-llmfoundry}"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet llm-foundry==0.22.0
# ftdata on top, with the DBRX vocabulary the test prepares with; pytest.
"$venv/bin/python" -m pip install --quiet -e '.[dbrx]' pytest hypothesis
"$venv/bin/python" -c "import llmfoundry; print('llm-foundry', llmfoundry.__version__)"

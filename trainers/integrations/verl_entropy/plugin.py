"""The verl side of the entropy advantage: a patched actor forward and a registered policy loss."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import torch

from trainers.core import entropy_advantage

VERL_VERSION = "0.9.1"
LOSS_MODE = "entropy_adv"
_stash = threading.local()  # the entropy of the micro-batch whose loss is computed next, per thread


@dataclass(frozen=True)
class Shaping:
    alpha: float
    kappa: float

    def __call__(self, advantages: torch.Tensor, entropy: torch.Tensor) -> torch.Tensor:
        return entropy_advantage(advantages, entropy, self.alpha, self.kappa)


def shaping_from_env() -> Shaping:
    return Shaping(float(os.environ.get("PASSK_ENTROPY_ALPHA", "0.4")), float(os.environ.get("PASSK_ENTROPY_KAPPA", "2.0")))


def install() -> None:
    """Patch verl's DataParallelPPOActor and register the "entropy_adv" policy loss. Idempotent."""
    from verl.trainer.ppo import core_algos
    from verl.workers.actor import dp_actor

    actor = dp_actor.DataParallelPPOActor
    if getattr(actor, "_passk_entropy_patched", False):
        return
    original_forward = actor._forward_micro_batch

    def forward_keeping_entropy(self, micro_batch, temperature, calculate_entropy=False, **kwargs):
        entropy, log_prob, *rest = original_forward(self, micro_batch, temperature, calculate_entropy=True, **kwargs)
        _stash.entropy = entropy
        return (entropy if calculate_entropy else None, log_prob, *rest)

    actor._forward_micro_batch = forward_keeping_entropy
    actor._passk_entropy_patched = True
    vanilla = core_algos.get_policy_loss_fn("vanilla")
    shaping = shaping_from_env()

    @core_algos.register_policy_loss(LOSS_MODE)
    def entropy_adv_policy_loss(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="token-mean",
                                config=None, *args, **kwargs):
        entropy = getattr(_stash, "entropy", None)
        if entropy is None or entropy.shape != advantages.shape:
            raise RuntimeError("entropy_adv: no entropy from this micro-batch's forward pass; is the plugin loaded "
                               "through actor_rollout_ref.model.external_lib?")
        _stash.entropy = None
        shaped = shaping(advantages, entropy)
        return vanilla(old_log_prob, log_prob, shaped, response_mask, loss_agg_mode, config, *args, **kwargs)

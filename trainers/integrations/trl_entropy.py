"""TRL: a GRPOTrainer whose advantages get the entropy-based shaping of Cheng et al. (2025).

TRL's `_compute_loss` runs one forward pass that returns per-token log-probs and
entropies (on temperature-scaled logits), then reads `inputs["advantages"]`; it accepts
advantages of shape (B, T). This subclass keeps the entropies of that very forward pass
and hands `_compute_loss` an inputs mapping whose "advantages" are shaped with them by
trainers.core's "entropy" shaping (A + min(alpha * H.detach(), |A| / kappa)), so no extra forward
pass is needed and TRL's loss code is reused unchanged.

    trainer = EntropyAdvantageGRPOTrainer(model=..., reward_funcs=..., args=GRPOConfig(...),
                                          train_dataset=...)  # entropy_alpha, entropy_kappa: core's PAPER_*
"""

from __future__ import annotations

import torch
from trl import GRPOTrainer

from trainers import core


class _ShapedInputs(dict):
    """The batch dict, with "advantages" shaped by the entropies of the current forward pass."""

    def __init__(self, inputs: dict, trainer: EntropyAdvantageGRPOTrainer):
        super().__init__(inputs)
        self._trainer = trainer

    def __getitem__(self, key):
        value = super().__getitem__(key)
        if key != "advantages":
            return value
        return self._trainer._shape(value, super().__getitem__("completion_mask"))


class EntropyAdvantageGRPOTrainer(GRPOTrainer):
    def __init__(self, *args, entropy_alpha: float = core.PAPER_ALPHA["grpo"], entropy_kappa: float = core.PAPER_KAPPA,
                 **kwargs):
        core.check_entropy_hyperparameters(entropy_alpha, entropy_kappa)
        super().__init__(*args, **kwargs)
        self.entropy_alpha, self.entropy_kappa = entropy_alpha, entropy_kappa
        self._last_entropies: torch.Tensor | None = None

    def _get_per_token_logps_and_entropies(self, *args, **kwargs):
        logps, entropies, aux = super()._get_per_token_logps_and_entropies(*args, **kwargs)
        if kwargs.get("compute_entropy"):
            self._last_entropies = entropies
        return logps, entropies, aux

    def _compute_loss(self, model, inputs):
        self._last_entropies = None
        return super()._compute_loss(model, _ShapedInputs(inputs, self))

    def _shape(self, advantages: torch.Tensor, completion_mask: torch.Tensor) -> torch.Tensor:
        entropies = self._last_entropies
        if entropies is None:
            raise RuntimeError("TRL read the advantages before computing entropies; this TRL version is not supported")
        if advantages.dim() == 1:
            advantages = advantages[:, None].expand_as(entropies)
        shaped, stats = core.ADVANTAGE_SHAPINGS["entropy"](advantages, entropies, completion_mask, self.entropy_alpha,
                                                           self.entropy_kappa)
        mode = "train" if self.model.training else "eval"
        for key, value in stats.items():
            self._metrics[mode][f"entropy_adv/{key}"].append(value)
        return shaped

"""TRL: a GRPOTrainer whose advantages get the entropy-based shaping of Cheng et al. (2025).

TRL's `_compute_loss` runs one forward pass that returns per-token log-probs and
entropies (on temperature-scaled logits), then reads `inputs["advantages"]`; it accepts
advantages of shape (B, T). This subclass keeps the entropies of that very forward pass
and hands `_compute_loss` an inputs mapping whose "advantages" are shaped with them:

    A'_t = A + min(alpha * H_t.detach(), |A| / kappa)

so no extra forward pass is needed and TRL's loss code is reused unchanged.

    trainer = EntropyAdvantageGRPOTrainer(model=..., reward_funcs=..., args=GRPOConfig(...),
                                          train_dataset=..., entropy_alpha=0.4, entropy_kappa=2.0)
"""

from __future__ import annotations

import torch
from trl import GRPOTrainer

from trainers.core import entropy_advantage, masked_mean


class _ShapedInputs(dict):
    """The batch dict, with "advantages" shaped by the entropies of the current forward pass."""

    def __init__(self, inputs: dict, trainer: "EntropyAdvantageGRPOTrainer"):
        super().__init__(inputs)
        self._trainer = trainer

    def __getitem__(self, key):
        value = super().__getitem__(key)
        if key != "advantages":
            return value
        return self._trainer._shape(value, super().__getitem__("completion_mask"))


class EntropyAdvantageGRPOTrainer(GRPOTrainer):
    def __init__(self, *args, entropy_alpha: float = 0.4, entropy_kappa: float = 2.0, **kwargs):
        if entropy_alpha < 0 or entropy_kappa <= 1:
            raise ValueError(f"need entropy_alpha >= 0 and entropy_kappa > 1, got {entropy_alpha}, {entropy_kappa}")
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
        shaped = entropy_advantage(advantages, entropies, self.entropy_alpha, self.entropy_kappa)
        live = (advantages != 0) & (completion_mask > 0)
        mode = "train" if self.model.training else "eval"
        binding = (self.entropy_alpha * entropies.detach() > advantages.abs() / self.entropy_kappa).float()
        self._metrics[mode]["entropy_adv/cap_binding_share"].append(masked_mean(binding, live).item())
        self._metrics[mode]["entropy_adv/psi_over_abs_advantage"].append(
            masked_mean((shaped - advantages) / advantages.abs().clamp_min(1e-12), live).item())
        return shaped

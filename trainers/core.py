"""The trainers' math: pure PyTorch functions over tensors and masks, registered by name.

Shapes: B responses, T response tokens; `mask` (B, T) is 1 on response tokens, 0 on padding.
Loops (trainers/loop.py) only wire these together.

The entropy-based advantage of Cheng et al. (2025), "Reasoning with Exploration: An Entropy
Perspective", is one line (`entropy_bonus`, which `entropy_advantage` adds and the "entropy" shaping
reuses for its cap statistics):

    A'_t = A_t + min(alpha * H_t.detach(), |A_t| / kappa)

H_t the current policy's entropy over the full vocabulary. Because the bonus is at most
|A_t| / kappa with kappa > 1, it can never flip the sign of A_t, and a zero advantage stays zero.
The paper's hyperparameters are named once, here (PAPER_KAPPA, PAPER_ALPHA); every trainer reads them.

Conventions against verl's core_algos.py: `whiten` uses the unbiased variance (verl's masked_whiten);
k3 is clamped to [-10, 10] like verl's "low_var_kl"; "seq-mean-token-sum-norm" divides each sequence's
sum by the padded length T, where verl divides the batch's sum by T times a constant (the global
batch size), so the two differ by that constant factor, which the learning rate absorbs.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from passk.analysis.entropy import token_entropy
from passk.errors import ConfigError

__all__ = ["token_entropy", "grpo_advantages", "gae_advantages", "whiten", "entropy_bonus", "entropy_advantage",
           "entropy_cap_stats", "policy_loss", "value_loss", "kl_penalty", "aggregate", "ADVANTAGE_ESTIMATORS",
           "ADVANTAGE_SHAPINGS", "KL_ESTIMATORS", "LOSS_AGGREGATIONS", "PAPER_KAPPA", "PAPER_ALPHA"]

PAPER_KAPPA = 2.0  # Cheng et al. (2025): the bonus is at most |A| / 2
PAPER_ALPHA = {"grpo": 0.4, "ppo": 0.1}  # their alpha for GRPO and for PPO


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    mask = mask.to(x.dtype)
    if dim is None:
        return (x * mask).sum() / mask.sum().clamp_min(1)
    return (x * mask).sum(dim) / mask.sum(dim).clamp_min(1)


def whiten(x: torch.Tensor, mask: torch.Tensor, shift_mean: bool = True, eps: float = 1e-8) -> torch.Tensor:
    """Zero mean (optionally) and unit variance over the masked entries (unbiased variance, as verl)."""
    mean = masked_mean(x, mask)
    count = mask.sum()
    var = masked_mean((x - mean) ** 2, mask) * count / (count - 1).clamp_min(1)  # Bessel's correction
    out = (x - mean) * torch.rsqrt(var + eps)
    return (out if shift_mean else out + mean) * mask


def grpo_advantages(rewards: torch.Tensor, group_ids: torch.Tensor, mask: torch.Tensor, scale_by_std: bool = True,
                    eps: float = 1e-6) -> torch.Tensor:
    """GRPO: (r - group mean) / (group std + eps), the same on every response token.

    rewards (B,), group_ids (B,) the prompt each response answers, mask (B, T). With
    scale_by_std=False the std is skipped (Dr. GRPO). The std is the unbiased sample std.
    """
    rewards = rewards.float()
    advantages = torch.zeros_like(rewards)
    for group in group_ids.unique():
        members = group_ids == group
        r = rewards[members]
        centered = r - r.mean()
        if scale_by_std:
            std = r.std() if r.numel() > 1 else torch.zeros((), device=r.device)
            centered = centered / (std + eps)
        advantages[members] = centered
    return advantages[:, None] * mask


def gae_advantages(token_rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float = 1.0,
                   lam: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized advantage estimation over masked tokens: (advantages, returns), both (B, T).

    The value after the last response token is 0 (the episode ends); padding is skipped,
    so a response's last real token bootstraps from nothing.
    """
    mask = mask.float()
    values = values.float()
    advantages = torch.zeros_like(values)
    next_value = torch.zeros(values.shape[0], device=values.device)
    running = torch.zeros(values.shape[0], device=values.device)
    for t in reversed(range(values.shape[1])):
        real = mask[:, t] > 0
        delta = token_rewards[:, t] + gamma * next_value - values[:, t]
        # padding positions leave the running estimate and the next value untouched
        running = torch.where(real, delta + gamma * lam * running, running)
        next_value = torch.where(real, values[:, t], next_value)
        advantages[:, t] = running * mask[:, t]
    returns = (advantages + values) * mask
    return advantages, returns


def check_entropy_hyperparameters(alpha: float, kappa: float) -> None:
    if not alpha >= 0:
        raise ConfigError(f"alpha must be >= 0, got {alpha}")
    if not kappa > 1:
        raise ConfigError(f"kappa must be > 1 (so the bonus never flips the advantage's sign), got {kappa}")


def entropy_bonus(advantages: torch.Tensor, entropy: torch.Tensor, alpha: float, kappa: float) -> torch.Tensor:
    """min(alpha * H.detach(), |A| / kappa): the paper's bonus; no gradient flows through the entropy."""
    check_entropy_hyperparameters(alpha, kappa)
    return torch.minimum(alpha * entropy.detach(), advantages.abs() / kappa)


def entropy_advantage(advantages: torch.Tensor, entropy: torch.Tensor, alpha: float, kappa: float) -> torch.Tensor:
    """A + min(alpha * H.detach(), |A| / kappa): the paper's entropy-based advantage shaping."""
    return advantages + entropy_bonus(advantages, entropy, alpha, kappa)


def entropy_cap_stats(advantages: torch.Tensor, bonus: torch.Tensor, mask: torch.Tensor,
                      kappa: float) -> dict[str, float]:
    """Of a bonus from `entropy_bonus`, over tokens with a nonzero advantage: the share where the cap |A| / kappa
    binds (rather than alpha * H), and the mean bonus relative to |A| (at most 1 / kappa)."""
    live = (advantages != 0) & (mask > 0)
    abs_advantages = advantages.abs()
    # torch.minimum returns one of its inputs exactly, so the cap binds where the bonus equals it
    return {"cap_binding_share": masked_mean((bonus == abs_advantages / kappa).float(), live).item(),
            "psi_over_abs_advantage": masked_mean(bonus / abs_advantages.clamp_min(1e-12), live).item()}


def _no_shaping(advantages, entropy, mask, alpha, kappa):
    return advantages, {}


def _entropy_shaping(advantages, entropy, mask, alpha, kappa):
    bonus = entropy_bonus(advantages, entropy, alpha, kappa)
    return advantages + bonus, entropy_cap_stats(advantages, bonus, mask, kappa)


# name -> f(advantages, entropy, mask, alpha, kappa) -> (shaped advantages, statistics)
ADVANTAGE_SHAPINGS: dict[str, Callable] = {"baseline": _no_shaping, "entropy": _entropy_shaping}


def policy_loss(log_probs: torch.Tensor, old_log_probs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor,
                clip_low: float = 0.2, clip_high: float = 0.28, dual_clip: float | None = None,
                aggregation: str = "token-mean") -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """PPO clipped surrogate with clip-higher (1 - clip_low, 1 + clip_high) and optional dual clip.

    Dual clip (Ye et al. 2020) bounds the loss of negative-advantage tokens at -dual_clip * A.
    Returns the aggregated loss and per-batch statistics (clip fraction, approximate KL).
    """
    ratio = torch.exp(log_probs - old_log_probs)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1 - clip_low, 1 + clip_high)
    loss = torch.maximum(unclipped, clipped)
    if dual_clip is not None:
        if dual_clip <= 1:
            raise ConfigError(f"dual_clip must be > 1, got {dual_clip}")
        loss = torch.where(advantages < 0, torch.minimum(loss, -advantages * dual_clip), loss)
    stats = {"clip_fraction": masked_mean((clipped > unclipped).float(), mask),
             "approx_kl": masked_mean(old_log_probs - log_probs, mask).detach()}
    return aggregate(loss, mask, aggregation), stats


def value_loss(values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor,
               clip: float | None = 0.2, aggregation: str = "token-mean") -> torch.Tensor:
    """0.5 * max((V - R)^2, (clip(V, V_old +- clip) - R)^2): PPO's clipped value loss."""
    loss = (values - returns) ** 2
    if clip is not None:
        clipped = old_values + torch.clamp(values - old_values, -clip, clip)
        loss = torch.maximum(loss, (clipped - returns) ** 2)
    return 0.5 * aggregate(loss, mask, aggregation)


def _kl_k1(log_probs, ref_log_probs):
    return log_probs - ref_log_probs


def _kl_k2(log_probs, ref_log_probs):
    return 0.5 * (log_probs - ref_log_probs) ** 2


def _kl_k3(log_probs, ref_log_probs):
    # clamped as verl's "low_var_kl": one token far off the reference must not blow up the loss
    log_ratio = torch.clamp(ref_log_probs - log_probs, -20, 20)
    return torch.clamp(torch.exp(log_ratio) - 1 - log_ratio, -10, 10)


KL_ESTIMATORS: dict[str, Callable] = {"k1": _kl_k1, "k2": _kl_k2, "k3": _kl_k3}


def kl_penalty(log_probs: torch.Tensor, ref_log_probs: torch.Tensor, estimator: str = "k3") -> torch.Tensor:
    """Per-token KL(policy || reference) estimate from sampled tokens (Schulman's k1, k2, k3)."""
    if estimator not in KL_ESTIMATORS:
        raise ConfigError(f"unknown KL estimator {estimator!r}; choose from {sorted(KL_ESTIMATORS)}")
    return KL_ESTIMATORS[estimator](log_probs, ref_log_probs)


def _token_mean(loss, mask):
    return masked_mean(loss, mask)


def _seq_mean_token_mean(loss, mask):
    return masked_mean(loss, mask, dim=1).mean()


def _seq_mean_token_sum_norm(loss, mask):
    # sum over tokens divided by the longest possible length (Dr. GRPO): no length bias
    return ((loss * mask).sum(dim=1) / mask.shape[1]).mean()


LOSS_AGGREGATIONS: dict[str, Callable] = {"token-mean": _token_mean, "seq-mean-token-mean": _seq_mean_token_mean,
                                          "seq-mean-token-sum-norm": _seq_mean_token_sum_norm}


def aggregate(loss: torch.Tensor, mask: torch.Tensor, mode: str = "token-mean") -> torch.Tensor:
    if mode not in LOSS_AGGREGATIONS:
        raise ConfigError(f"unknown loss aggregation {mode!r}; choose from {sorted(LOSS_AGGREGATIONS)}")
    return LOSS_AGGREGATIONS[mode](loss, mask.to(loss.dtype))


def outcome_token_rewards(rewards: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B, T): each response's scalar reward on its last real token, zero elsewhere."""
    last = (mask.cumsum(dim=1) == mask.sum(dim=1, keepdim=True)) & (mask > 0)
    return last.to(torch.float32) * rewards[:, None].float()


def _grpo_estimator(rewards, mask, group_ids, values=None, *, scale_by_std=True, **_):
    return grpo_advantages(rewards, group_ids, mask, scale_by_std=scale_by_std), None


def _gae_estimator(rewards, mask, group_ids, values, *, gamma=1.0, lam=1.0, whiten_advantages=True, **_):
    advantages, returns = gae_advantages(outcome_token_rewards(rewards, mask), values, mask, gamma, lam)
    return (whiten(advantages, mask) if whiten_advantages else advantages), returns


_gae_estimator.needs_values = True

# name -> f(rewards (B,), mask (B, T), group_ids (B,), values (B, T) | None, **settings) -> (advantages, returns | None);
# an estimator with `needs_values` is trained with a critic (PPO), the others without (GRPO)
ADVANTAGE_ESTIMATORS: dict[str, Callable] = {"grpo": _grpo_estimator, "gae": _gae_estimator}


def needs_values(estimator: str) -> bool:
    return getattr(ADVANTAGE_ESTIMATORS[estimator], "needs_values", False)

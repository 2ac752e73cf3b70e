"""Golden values, computed by hand, for every function of trainers.core; properties of the entropy advantage."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from passk.errors import ConfigError
from trainers import core

ONES = torch.ones(1, 3)


def test_grpo_advantages_golden():
    rewards = torch.tensor([1.0, -1.0, -1.0, 1.0, 1.0, 1.0])
    groups = torch.tensor([0, 0, 0, 0, 1, 1])
    mask = torch.tensor([[1, 1, 0]] * 6).float()
    adv = core.grpo_advantages(rewards, groups, mask, eps=1e-6)
    std = math.sqrt(4 / 3) + 1e-6  # group 0: mean 0, sample variance (1+1+1+1)/3
    assert adv[0].tolist() == pytest.approx([1 / std, 1 / std, 0.0])
    assert adv[1, 0].item() == pytest.approx(-1 / std)
    assert adv[4].tolist() == [0.0, 0.0, 0.0]  # a group of equal rewards teaches nothing
    dr = core.grpo_advantages(rewards, groups, mask, scale_by_std=False)
    assert dr[:, 0].tolist() == [1.0, -1.0, -1.0, 1.0, 0.0, 0.0]


def test_gae_golden():
    rewards = torch.tensor([[0.0, 0.0, 1.0]])
    values = torch.tensor([[0.5, 0.25, 0.5]])
    adv, ret = core.gae_advantages(rewards, values, ONES, gamma=0.5, lam=0.5)
    d2 = 1.0 - 0.5
    d1 = 0.0 + 0.5 * 0.5 - 0.25
    d0 = 0.0 + 0.5 * 0.25 - 0.5
    a2, a1 = d2, d1 + 0.25 * d2
    a0 = d0 + 0.25 * a1
    assert adv[0].tolist() == pytest.approx([a0, a1, a2])
    assert ret[0].tolist() == pytest.approx([a0 + 0.5, a1 + 0.25, a2 + 0.5])


def test_gae_skips_padding():
    rewards = torch.tensor([[0.0, 1.0, 0.0]])
    values = torch.tensor([[0.2, 0.4, 9.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    adv, _ = core.gae_advantages(rewards, values, mask, gamma=1.0, lam=1.0)
    assert adv[0].tolist() == pytest.approx([1.0 - 0.2, 1.0 - 0.4, 0.0])  # the padded value 9 never enters


def test_whiten():
    x = torch.tensor([[1.0, 2.0, 3.0, 100.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0]])
    w = core.whiten(x, mask)
    # unbiased variance as verl's masked_whiten: ((1 + 0 + 1) / (3 - 1)) = 1
    assert w[0, :3].tolist() == pytest.approx([-1.0, 0.0, 1.0], rel=1e-4)
    assert w[0, 3].item() == 0.0


def test_token_entropy_golden_with_temperature_and_chunks():
    logits = torch.tensor([[0.0, 0.0, 0.0, 0.0], [math.log(3), 0.0, -1e9, -1e9]])
    h = core.token_entropy(logits, chunk_size=1)
    assert h.tolist() == pytest.approx([math.log(4), -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))], rel=1e-6)
    # temperature 2 flattens [log 3, 0] to probabilities proportional to [sqrt 3, 1]
    p = math.sqrt(3) / (math.sqrt(3) + 1)
    assert core.token_entropy(logits[1:], temperature=2.0)[0].item() == pytest.approx(
        -(p * math.log(p) + (1 - p) * math.log(1 - p)), rel=1e-5)
    big = torch.randn(3, 7, 50, dtype=torch.bfloat16)
    assert core.token_entropy(big, chunk_size=4).dtype == torch.float32
    assert torch.allclose(core.token_entropy(big, chunk_size=4), core.token_entropy(big, chunk_size=1000))
    with pytest.raises(ConfigError, match="temperature must be > 0"):
        core.token_entropy(logits, temperature=0.0)
    with pytest.raises(ConfigError, match="chunk_size must be >= 1"):
        core.token_entropy(logits, chunk_size=0)


def test_entropy_advantage_golden():
    adv = torch.tensor([1.0, -1.0, 0.0, 0.2])
    ent = torch.tensor([1.0, 1.0, 5.0, 5.0])
    out = core.entropy_advantage(adv, ent, alpha=0.4, kappa=2.0)
    # min(0.4*1, 1/2) = 0.4; for -1: min(0.4, 0.5) = 0.4 -> -0.6; zero stays zero; 0.2: min(2, 0.1)
    assert out.tolist() == pytest.approx([1.4, -0.6, 0.0, 0.3])


# advantages are float32 tensors: magnitudes below float32's normal range round away (not a case of interest)
@given(st.lists(st.floats(-5, 5).filter(lambda a: a == 0 or abs(a) > 1e-30), min_size=1, max_size=20),
       st.floats(0, 2), st.floats(1.01, 10), st.data())
@settings(max_examples=200, deadline=None)
def test_entropy_advantage_properties(adv, alpha, kappa, data):
    a = torch.tensor(adv)
    h = torch.tensor(data.draw(st.lists(st.floats(0, 12), min_size=len(adv), max_size=len(adv))))
    out = core.entropy_advantage(a, h, alpha, kappa)
    assert torch.all((out - a) <= a.abs() / kappa + 1e-6)  # the cap holds
    assert torch.all((out - a) >= 0)
    assert torch.all(torch.sign(out[a != 0]) == torch.sign(a[a != 0]))  # the sign never flips
    assert torch.all(out[a == 0] == 0)  # a zero advantage stays zero
    assert torch.equal(core.entropy_advantage(a, h, 0.0, kappa), a)  # alpha = 0: the baseline exactly


def test_no_gradient_reaches_the_entropy():
    logits = torch.randn(4, 10, requires_grad=True)
    entropy = core.token_entropy(logits)
    assert entropy.requires_grad
    shaped = core.entropy_advantage(torch.tensor([1.0, -1.0, 0.5, 2.0]), entropy, 0.4, 2.0)
    assert not shaped.requires_grad  # the advantage is a constant for the policy gradient


def test_entropy_advantage_refuses_bad_hyperparameters():
    with pytest.raises(ConfigError, match="alpha"):
        core.entropy_advantage(torch.ones(1), torch.ones(1), -0.1, 2.0)
    with pytest.raises(ConfigError, match="kappa"):
        core.entropy_advantage(torch.ones(1), torch.ones(1), 0.4, 1.0)


def test_policy_loss_clip_higher_golden():
    old = torch.zeros(1, 3)
    new = torch.log(torch.tensor([[1.5, 0.5, 1.1]]))
    adv = torch.tensor([[1.0, 1.0, -1.0]])
    loss, stats = core.policy_loss(new, old, adv, ONES, clip_low=0.2, clip_high=0.28)
    # token 0: ratio 1.5 clipped to 1.28 for A>0 -> -1.28; token 1: 0.5, A>0 -> max(-0.5, -0.8) = -0.5;
    # token 2: 1.1, A<0 -> max(1.1, 1.1) = 1.1
    assert loss.item() == pytest.approx((-1.28 - 0.5 + 1.1) / 3)
    assert stats["clip_fraction"].item() == pytest.approx(1 / 3)


def test_policy_loss_dual_clip_golden():
    old = torch.zeros(1, 1)
    new = torch.log(torch.tensor([[10.0]]))
    adv = torch.tensor([[-1.0]])
    loss, _ = core.policy_loss(new, old, adv, torch.ones(1, 1), dual_clip=3.0)
    assert loss.item() == pytest.approx(3.0)  # instead of 10


def test_value_loss_golden():
    values = torch.tensor([[1.0, 0.0]])
    old = torch.tensor([[0.0, 0.0]])
    returns = torch.tensor([[0.0, 1.0]])
    # token 0: max(1, (0.2-0)^2) = 1; token 1: max(1, 1) = 1 -> 0.5 * mean = 0.5
    assert core.value_loss(values, old, returns, torch.ones(1, 2), clip=0.2).item() == pytest.approx(0.5)
    values = torch.tensor([[0.5, 0.0]])
    returns = torch.tensor([[1.0, 0.0]])
    # clipped value 0.2 is further from 1: (0.8)^2 = 0.64 beats 0.25
    assert core.value_loss(values, old, returns, torch.ones(1, 2), clip=0.2).item() == pytest.approx(0.5 * 0.64 / 2)


def test_kl_estimators_golden():
    lp = torch.tensor([math.log(0.5)])
    ref = torch.tensor([math.log(0.25)])
    assert core.kl_penalty(lp, ref, "k1").item() == pytest.approx(math.log(2))
    assert core.kl_penalty(lp, ref, "k2").item() == pytest.approx(0.5 * math.log(2) ** 2)
    assert core.kl_penalty(lp, ref, "k3").item() == pytest.approx(0.5 - 1 + math.log(2))
    with pytest.raises(ConfigError, match="k4"):
        core.kl_penalty(lp, ref, "k4")
    # k3 is clamped at 10 like verl's low_var_kl: a token the reference finds 1e6 times likelier
    assert core.kl_penalty(torch.tensor([0.0]), torch.tensor([math.log(1e6)]), "k3").item() == 10.0


def test_loss_aggregations_golden():
    loss = torch.tensor([[1.0, 1.0, 1.0, 1.0], [4.0, 0.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.0, 0.0]])
    assert core.aggregate(loss, mask, "token-mean").item() == pytest.approx(8 / 5)
    assert core.aggregate(loss, mask, "seq-mean-token-mean").item() == pytest.approx((1 + 4) / 2)
    assert core.aggregate(loss, mask, "seq-mean-token-sum-norm").item() == pytest.approx((4 / 4 + 4 / 4) / 2)
    with pytest.raises(ConfigError, match="unknown loss aggregation"):
        core.aggregate(loss, mask, "sum")


def test_the_paper_defaults_are_named_once():
    assert core.PAPER_KAPPA == 2.0 and core.PAPER_ALPHA == {"grpo": 0.4, "ppo": 0.1}


def test_shaping_registry_and_cap_statistics():
    adv = torch.tensor([[1.0, 1.0, 0.0], [-0.2, -0.2, 0.0]])
    ent = torch.tensor([[0.5, 2.0, 9.0], [1.0, 0.1, 9.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    same, none = core.ADVANTAGE_SHAPINGS["baseline"](adv, ent, mask, 0.4, 2.0)
    assert torch.equal(same, adv) and none == {}
    shaped, stats = core.ADVANTAGE_SHAPINGS["entropy"](adv, ent, mask, 0.4, 2.0)
    assert torch.equal(shaped, core.entropy_advantage(adv, ent, 0.4, 2.0))
    assert stats == core.entropy_cap_stats(adv, core.entropy_bonus(adv, ent, 0.4, 2.0), mask, 2.0)
    # live tokens (A != 0, unmasked): bonuses 0.2 (of 1), 0.5 cap (of 1), 0.1 cap (of 0.2), 0.04 (of 0.2)
    assert stats["cap_binding_share"] == pytest.approx(2 / 4)
    assert stats["psi_over_abs_advantage"] == pytest.approx((0.2 + 0.5 + 0.5 + 0.2) / 4)


def test_advantage_estimator_registry():
    rewards = torch.tensor([1.0, -1.0, 1.0, 1.0])
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    groups = torch.tensor([0, 0, 1, 1])
    adv, returns = core.ADVANTAGE_ESTIMATORS["grpo"](rewards, mask, groups, None, scale_by_std=False)
    assert returns is None and adv[:, 0].tolist() == [1.0, -1.0, 0.0, 0.0]
    assert not core.needs_values("grpo") and core.needs_values("gae")
    values = torch.zeros(4, 2)
    adv, returns = core.ADVANTAGE_ESTIMATORS["gae"](rewards, mask, groups, values, whiten_advantages=False)
    # gamma = lambda = 1, zero values: every token's advantage is the outcome reward
    assert adv.tolist() == [[1.0, 1.0], [-1.0, 0.0], [1.0, 1.0], [1.0, 1.0]] and torch.equal(returns, adv)

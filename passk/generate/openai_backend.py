"""A model behind an OpenAI-compatible server (vLLM, SGLang, an API), through the `openai` client.

passk renders the prompt itself (template and chat template), so it sends text to the
completions endpoint: the server sees exactly the prompt the local backends see.
Sample j of a request has seed `seed + j`. A vLLM server is asked for all n samples in
one request (its children get seed + j, the same rule) with per-sample token ids; other
servers get n requests of one sample each, seeds seed + j, since an OpenAI response has
no token count per choice. At most `concurrency` requests are in flight; the client
retries connection errors, 408, 429 and 5xx with exponential backoff, and times out.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from passk.errors import ConfigError, PasskError
from passk.generate.requests import Completion, Finished, Request
from passk.generate.sampling import SamplingConfig

N_MODES = ("auto", "split")


@dataclass(frozen=True)
class ServerConfig:
    base_url: str = "http://127.0.0.1:8000/v1"
    api_key_env: str | None = None  # None: $OPENAI_API_KEY where set, else no key (a local server)
    concurrency: int = 64  # requests in flight
    timeout_s: float = 1800.0  # per request: a long-tailed sample of 32k tokens takes minutes
    max_retries: int = 6
    n_mode: str = "auto"  # auto: n samples per request where the server returns per-sample counts; split: always 1

    def __post_init__(self):
        if self.concurrency < 1:
            raise ConfigError(f"--concurrency must be >= 1, got {self.concurrency}")
        if self.timeout_s <= 0 or self.max_retries < 0:
            raise ConfigError("--request-timeout must be > 0 and --max-retries >= 0")
        if self.n_mode not in N_MODES:
            raise ConfigError(f"--n-mode must be one of {N_MODES}, got {self.n_mode!r}")
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"--base-url must start with http:// or https://, got {self.base_url!r}")

    def api_key(self) -> str:
        if self.api_key_env is None:
            return os.environ.get("OPENAI_API_KEY") or "EMPTY"
        key = os.environ.get(self.api_key_env)
        if not key:
            raise ConfigError(f"--api-key-env {self.api_key_env}: that environment variable is not set")
        return key


class OpenAIBackend:
    name = "openai"

    def __init__(self, model: str, server: ServerConfig):
        try:
            import openai
        except ImportError:
            raise ConfigError("the openai backend needs the `openai` package (pip install openai)") from None
        self.openai = openai
        self.model, self.server = model, server
        self.client = openai.OpenAI(base_url=server.base_url, api_key=server.api_key(), timeout=server.timeout_s,
                                    max_retries=server.max_retries)
        self.served = served_model(model, server, self.client)
        self.engine_version = self._vllm_version()
        self.n_per_request = server.n_mode == "auto" and self.engine_version is not None
        self._lock = threading.Lock()

    def _vllm_version(self) -> str | None:
        """vLLM answers GET /version beside /v1; then per-sample token ids can be asked for."""
        import httpx

        root = self.server.base_url.rstrip("/").removesuffix("/v1")
        try:
            answer = httpx.get(f"{root}/version", timeout=10,
                               headers={"Authorization": f"Bearer {self.client.api_key}"})
            return answer.json().get("version") if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def describe(self) -> dict[str, Any]:
        return {"base_url": self.server.base_url, "served_model": self.served, "vllm_server_version": self.engine_version,
                "samples_per_request": "n" if self.n_per_request else "1", "concurrency": self.server.concurrency,
                "timeout_s": self.server.timeout_s, "max_retries": self.server.max_retries}

    def _body(self, sampling: SamplingConfig) -> tuple[dict[str, Any], dict[str, Any]]:
        """Standard OpenAI fields, and the rest (vLLM and SGLang names) only where not left at the default."""
        standard: dict[str, Any] = {"temperature": sampling.temperature, "top_p": sampling.top_p,
                                    "max_tokens": sampling.max_tokens}
        if sampling.stop:
            standard["stop"] = list(sampling.stop)
        extra = {k: v for k, v, off in (("top_k", sampling.top_k, 0), ("min_p", sampling.min_p, 0.0),
                                         ("repetition_penalty", sampling.repetition_penalty, 1.0)) if v != off}
        return standard, {**extra, **sampling.options}

    def _call(self, prompt: str, n: int, seed: int, sampling: SamplingConfig) -> list[Completion]:
        standard, extra = self._body(sampling)
        if n > 1:
            extra = {**extra, "return_token_ids": True}
        try:
            answer = self.client.completions.create(model=self.model, prompt=prompt, n=n, seed=seed,
                                                    extra_body=extra or None, **standard)
        except (self.openai.BadRequestError, self.openai.AuthenticationError, self.openai.PermissionDeniedError,
                self.openai.NotFoundError, self.openai.UnprocessableEntityError) as exc:
            raise ConfigError(f"{self.server.base_url} refused the request: {_message(exc)}") from None
        choices = sorted(answer.choices, key=lambda c: c.index)
        if len(choices) != n:
            raise _WrongCount(f"asked {n} samples, got {len(choices)}")
        if n == 1:
            counts = [answer.usage.completion_tokens if answer.usage else None]
        else:
            counts = [len(ids) if (ids := getattr(c, "token_ids", None) or (c.model_extra or {}).get("token_ids"))
                      else None for c in choices]
        known = [count for count in counts if count is not None]
        if len(known) < len(counts):
            raise _WrongCount("the server returned no token count per sample")
        return [Completion(c.text, count, "length" if c.finish_reason == "length" else "stop")
                for c, count in zip(choices, known, strict=True)]

    def _request(self, request: Request) -> list[Completion]:
        sampling = request.sampling
        if self.n_per_request and request.n > 1:
            try:
                return self._call(request.prompt, request.n, request.seed, sampling)
            except _WrongCount:
                with self._lock:
                    self.n_per_request = False  # from now on: one sample per request, seeds seed + j
        return [c for j in range(request.n) for c in self._call(request.prompt, 1, request.seed + j, sampling)]

    def stream(self, requests: list[Request], more: Callable[[], list[Request]] | None = None
               ) -> Iterator[list[Finished]]:
        if more is not None:  # only a Ray actor passes `more`, and --ray is refused with --backend openai
            raise ConfigError("the openai backend takes no requests while it streams (no --ray)")
        # A work item is a request, or a single sample of one where the server takes one sample per request.
        items = [(i, 0, r) for i, r in enumerate(requests)] if self.n_per_request else \
            [(i, j, Request(r.prompt, 1, r.seed + j, r.sampling)) for i, r in enumerate(requests) for j in range(r.n)]
        failures: list[str] = []
        pool = ThreadPoolExecutor(max_workers=self.server.concurrency, thread_name_prefix="passk-openai")
        try:
            pending: dict[Future, tuple[int, int]] = {pool.submit(self._request, r): (i, j)
                                                      for i, j, r in items}
            while pending:
                done, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                finished: list[Finished] = []
                for future in done:
                    i, first = pending.pop(future)
                    error = future.exception()
                    if isinstance(error, ConfigError):
                        raise error  # every other request would be refused the same way
                    if error is not None:
                        failures.append(f"{type(error).__name__}: {_message(error)}")
                        continue
                    finished.extend((i, first + j, c) for j, c in enumerate(future.result()))
                yield finished
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        if failures:
            raise PasskError(f"{len(failures)} request(s) to {self.server.base_url} failed after "
                             f"{self.server.max_retries} retries (first: {failures[0]}); the samples that came back "
                             f"are written, run the same command again to generate the rest")

    def close(self) -> None:
        self.client.close()


class _WrongCount(Exception):
    """The server did not return one choice with a token count per sample asked for."""


def _message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    text = body.get("message") if isinstance(body, dict) and body.get("message") else str(exc)
    return " ".join(str(text).split())[:300]


def served_model(model: str, server: ServerConfig, client=None, model_flag: str = "--model",
                 url_flag: str = "--base-url") -> dict[str, Any]:
    """Reach the server and find the model there, before any tokenizer or prompt: a one-line error otherwise,
    naming the flags that gave them. Returns what the server says of the model (the manifest's `served_model`)."""
    try:
        import openai
    except ImportError:
        raise ConfigError("the openai backend needs the `openai` package (pip install openai)") from None
    client = client or openai.OpenAI(base_url=server.base_url, api_key=server.api_key())
    try:
        models = {m.id: m for m in client.with_options(max_retries=1, timeout=30).models.list()}
    except openai.AuthenticationError as exc:
        raise ConfigError(f"{server.base_url} refused the API key "
                          f"(from ${server.api_key_env or 'OPENAI_API_KEY'}): {_message(exc)}") from None
    except openai.APIError as exc:
        raise ConfigError(f"{url_flag} {server.base_url}: no OpenAI-compatible server answers "
                          f"({_message(exc)})") from None
    if model not in models:
        raise ConfigError(f"{model_flag} {model!r} is not served at {server.base_url}; it serves {sorted(models)}")
    served = models[model].model_dump() if hasattr(models[model], "model_dump") else {}
    return {k: served.get(k) for k in ("id", "root", "owned_by", "max_model_len") if served.get(k) is not None}

"""A judge model rates whether a rare success's reasoning supports its answer (`passk audit --judge MODEL`).

Wen et al. (arXiv 2506.14245) count a success only when the chain of thought is right (CoT-Pass@K); here a model
behind any OpenAI-compatible chat endpoint reads the problem, the gold and the completion and ends its reply with
`VERDICT: SUPPORTED` or `VERDICT: UNSUPPORTED`. A reply without that line is `unclear`, a failed request `error`:
both are data, and only `supported` successes count toward the CoT-checked Pass@K.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from passk.errors import ConfigError
from passk.generate.openai_backend import ServerConfig

JUDGE_PROMPT = """You check a solution to a math problem. The solution's final answer matches the reference \
answer; decide whether its reasoning actually leads to that answer (a correct derivation, not a guess, a copied \
number, or a derivation of something else followed by the right value).

Problem:
{problem}

Reference answer: {gold}

Solution:
{completion}

Explain briefly, then end with one line: VERDICT: SUPPORTED or VERDICT: UNSUPPORTED"""
VERDICTS = ("supported", "unsupported", "unclear", "error")
_VERDICT_RE = re.compile(r"VERDICT:\s*\**\s*(SUPPORTED|UNSUPPORTED)\b", re.IGNORECASE)


@dataclass(frozen=True)
class JudgeConfig:
    model: str
    server: ServerConfig = ServerConfig()
    max_tokens: int = 1024


def parse_verdict(reply: str) -> str:
    """The last VERDICT line of the reply, lower-cased; `unclear` where there is none."""
    found = _VERDICT_RE.findall(reply or "")
    return found[-1].lower() if found else "unclear"


def judge(items: list[tuple[str, str, str]], config: JudgeConfig) -> list[dict[str, str]]:
    """{"verdict", "reply"} for each (problem, gold, completion), in order; requests run `concurrency` at a time."""
    try:
        import openai
    except ImportError:
        raise ConfigError("--judge needs the `openai` package (pip install openai)") from None
    client = openai.OpenAI(base_url=config.server.base_url, api_key=config.server.api_key(),
                           timeout=config.server.timeout_s, max_retries=config.server.max_retries)
    try:  # reach the server and find the model before any request: a one-line error otherwise
        served = {m.id for m in client.with_options(max_retries=1, timeout=30).models.list()}
    except openai.APIError as exc:
        raise ConfigError(f"--base-url {config.server.base_url}: no OpenAI-compatible server answers ({exc})") from None
    if config.model not in served:
        raise ConfigError(f"--judge {config.model!r} is not served at {config.server.base_url}; it serves {sorted(served)}")

    def ask(item: tuple[str, str, str]) -> dict[str, str]:
        problem, gold, completion = item
        try:
            answer = client.chat.completions.create(
                model=config.model, temperature=0.0, max_tokens=config.max_tokens,
                messages=[{"role": "user", "content": JUDGE_PROMPT.format(problem=problem, gold=gold,
                                                                           completion=completion)}])
            reply = answer.choices[0].message.content or ""
        except openai.APIError as exc:  # a failed judgement is data: the sample is not counted as supported
            return {"verdict": "error", "reply": str(exc)[:300]}
        return {"verdict": parse_verdict(reply), "reply": reply.strip()[-600:]}

    with ThreadPoolExecutor(max_workers=config.server.concurrency) as pool:
        return list(pool.map(ask, items))

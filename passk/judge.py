"""A judge model behind any OpenAI-compatible chat endpoint, and the two things it is asked.

`passk audit --judge MODEL` has it rate whether a rare success's reasoning supports its answer: Wen et al. (arXiv
2506.14245) count a success only when the chain of thought is right (CoT-Pass@K). The model reads the problem,
the gold and the completion and ends its reply with `VERDICT: SUPPORTED` or `VERDICT: UNSUPPORTED`.

`passk grade --judge MODEL` (and `passk run --judge MODEL`) has it read the rows the rules are unsure of
(passk/grade/judged.py): the gold and the end of the completion, ending with `VERDICT: EQUIVALENT` or
`VERDICT: DIFFERENT`.

Both prompts are data, here and nowhere else. A reply without a verdict line is `unclear`, a failed request an
error: both are data, never a crash. A server that does not answer, or does not serve the model, is a one-line
ConfigError before anything is asked.
"""

from __future__ import annotations

import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tqdm.auto import tqdm

from passk.config import from_dict
from passk.errors import ConfigError
from passk.generate.openai_backend import ServerConfig, served_model

JUDGE_PROMPT = """You check a solution to a math problem. The solution's final answer matches the reference \
answer; decide whether its reasoning actually leads to that answer (a correct derivation, not a guess, a copied \
number, or a derivation of something else followed by the right value).

Problem:
{problem}

Reference answer: {gold}

Solution:
{completion}

Explain briefly, then end with one line: VERDICT: SUPPORTED or VERDICT: UNSUPPORTED"""
AUDIT_CHOICES = ("SUPPORTED", "UNSUPPORTED")
VERDICTS = ("supported", "unsupported", "unclear", "error")

# The grader's question. Only the end of the response is shown (the final answer is there; a long sample would
# not fit a judge's context), so the prompt says it is the end.
GRADE_PROMPT = """You compare a response's final answer with the reference answer of a math problem. They are \
equivalent when they state the same mathematical result, in any wording or notation. A response that gives no \
final answer, or offers several different ones, is different.

Reference answer: {gold}

End of the response:
{response}

Explain briefly, then end with one line: VERDICT: EQUIVALENT or VERDICT: DIFFERENT"""
GRADE_CHOICES = ("EQUIVALENT", "DIFFERENT")


@dataclass(frozen=True)
class JudgeConfig:
    model: str
    server: ServerConfig = ServerConfig()
    max_tokens: int = 1024
    options: dict = field(default_factory=dict)  # other fields of each chat request, the server's own (extra_body)


@dataclass(frozen=True)
class Reply:
    """One request's outcome: the model's reply, or why there is none (`failed`)."""
    text: str = ""
    failed: str = ""


def judge_config(model: str | None = None, url: str | None = None, options: dict | None = None
                 ) -> JudgeConfig | None:
    """`--judge MODEL [--judge-url URL] [--judge-options JSON]` of `passk grade` and `passk run`; None without
    --judge (the others alone are refused). Without a URL, the server's default (ServerConfig.base_url)."""
    if model is None:
        if url is not None or options is not None:
            raise ConfigError(f"--judge-{'url' if url is not None else 'options'} goes with --judge MODEL")
        return None
    return from_dict(JudgeConfig, {"model": model, "server": {} if url is None else {"base_url": url},
                                   "options": options or {}}, where="--judge")


def check_judge(config: JudgeConfig | None) -> None:
    """Reach the judge's server and find its model before any grading or generating: a one-line ConfigError."""
    if config is not None:
        JudgeClient(config, url_flag="--judge-url").close()


def fingerprint(text: str) -> str:
    """A short, stable name for a prompt template or a server's description of a model."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def parse_verdict(reply: str, choices: tuple[str, ...] = AUDIT_CHOICES) -> str:
    """The last `VERDICT: <choice>` line of the reply, lower-cased; `unclear` where there is none."""
    words = "|".join(sorted(choices, key=len, reverse=True))  # UNSUPPORTED before SUPPORTED
    found = re.findall(rf"VERDICT:\s*\**\s*({words})\b", reply or "", re.IGNORECASE)
    return found[-1].lower() if found else "unclear"


class JudgeClient:
    """The judge's server, reached and its model found once (a one-line ConfigError otherwise); then asked.
    `revision` names what the server reports of the model (its id, root, owner, context length)."""

    def __init__(self, config: JudgeConfig, url_flag: str = "--base-url"):
        try:
            import openai
        except ImportError:
            raise ConfigError("--judge needs the `openai` package (pip install openai)") from None
        self.config, self._openai = config, openai
        self._client = openai.OpenAI(base_url=config.server.base_url, api_key=config.server.api_key(),
                                     timeout=config.server.timeout_s, max_retries=config.server.max_retries)
        self.served: dict[str, Any] = served_model(config.model, config.server, self._client, "--judge", url_flag)
        self.revision = "served:" + fingerprint(json.dumps(self.served, sort_keys=True))

    def ask(self, prompts: list[str], progress: bool = False) -> list[Reply]:
        """One reply per prompt, in order, at temperature 0; `concurrency` requests in flight."""
        with ThreadPoolExecutor(max_workers=self.config.server.concurrency) as pool:
            return list(tqdm(pool.map(self._ask_one, prompts), total=len(prompts), desc="judge", unit="request",
                             disable=not progress))

    def _ask_one(self, prompt: str) -> Reply:
        try:
            answer = self._client.chat.completions.create(model=self.config.model, temperature=0.0,
                                                          max_tokens=self.config.max_tokens,
                                                          messages=[{"role": "user", "content": prompt}],
                                                          extra_body=self.config.options or None)
        except self._openai.APIError as exc:  # after the client's retries: a failed judgement is data
            return Reply(failed=" ".join(str(exc).split())[:300])
        return Reply(answer.choices[0].message.content or "")

    def close(self) -> None:
        self._client.close()


def judge(items: list[tuple[str, str, str]], config: JudgeConfig) -> list[dict[str, str]]:
    """The audit's judgements: {"verdict", "reply"} for each (problem, gold, completion), in order."""
    client = JudgeClient(config)
    try:
        replies = client.ask([JUDGE_PROMPT.format(problem=problem, gold=gold, completion=completion)
                              for problem, gold, completion in items])
    finally:
        client.close()
    # a failed judgement is data: the sample is not counted as supported
    return [{"verdict": "error", "reply": r.failed} if r.failed else
            {"verdict": parse_verdict(r.text), "reply": r.text.strip()[-600:]} for r in replies]

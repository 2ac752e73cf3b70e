"""A judge model for the rows the rules are unsure of (`--judge MODEL [--judge-url URL]`; off by default).

Rule-based grading tops out at sentence golds and prose answers (Omni-MATH, olympiad proofs of a value); peers
send those to a model (OpenCompass's cascade evaluator, NeMo-Skills, Omni-MATH's judge). Here only a row whose
rule verdict is unsure (`unsure_reason`, docs/grading.md) goes to the judge, which reads the gold and the end of
the completion (passk.judge.GRADE_PROMPT). Its verdict replaces the rules' (`method` "judge", the detail says
what the rules said); a failed request or a reply without a verdict leaves the rule verdict standing, its detail
saying so. Every row graded with a judge records it (`JUDGE_FIELDS`: the model, what the server reports of it,
the prompt's fingerprint). Judgements are memoized, and kept with `--cache` beside the grader's verdicts, keyed
by the judge and exactly what it read, so a rerun asks nothing twice.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence

from passk.grade.engine import Verdict, _canonical_gold, _Decision, _DiskCache
from passk.grade.extract import model_turn
from passk.grade.normalize import FORMS_SEP
from passk.grade.rows import JUDGE_FIELDS
from passk.judge import GRADE_CHOICES, GRADE_PROMPT, JudgeClient, JudgeConfig, fingerprint, parse_verdict

UNSURE_REASONS = ("timeout", "prose_gold", "wording", "prose_answer")
RESPONSE_CHARS = 2000  # the end of the model's turn that the judge reads: the final answer is there
PROSE_ANSWER_CHARS = 300  # a prose answer must stand this close to the end of the model's turn

_COMMAND_RE = re.compile(r"\\[a-zA-Z]+")
_PROSE_RE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}")  # two words in a row: "n is odd", "for all x"
_PROSE_ANSWER_RE = re.compile(r"\banswer\b[*\s]*(?::|\bis\b)[*\s]*(?P<text>[^\n]*\S)", re.IGNORECASE)


def is_prose(text: str | None) -> bool:
    """Words the rules cannot reduce to a value ("bob has a winning strategy", "y=x for all x"); LaTeX command
    names are not words."""
    return bool(text) and bool(_PROSE_RE.search(_COMMAND_RE.sub(" ", text or "")))


def prose_answer(completion: str) -> str | None:
    """The prose after the last answer marker ("Answer: Bob has a winning strategy.", "the final answer is that
    no such n exists") near the end of the model's turn, where it is prose; else None."""
    turn = model_turn(completion).rstrip()
    found = list(_PROSE_ANSWER_RE.finditer(turn, max(0, len(turn) - PROSE_ANSWER_CHARS)))
    text = found[-1].group("text") if found else None
    return text if is_prose(text) else None


def unsure_reason(completion: str, gold: str, verdict: Verdict) -> str | None:
    """Why the rules are unsure of this verdict (one of UNSURE_REASONS), or None: the rows a judge reads.

    - timeout: the symbolic comparison ran out of time, so the rules decided nothing;
    - prose_gold: a plain mismatch (no detail) against a gold that is still prose once canonical, every form of it;
    - wording: a plain mismatch of a prose answer against a gold of words without a digit ("n is odd" for "odd");
    - prose_answer: no answer found (no detail but the answer-form policy) where the model's turn ends in a prose
      answer after an answer marker.
    Never a correct verdict, a truncation, a retraction, a hedge or any other verdict with a reason (unit, false
    equation chain, policy), nor a mismatch of two values: a gold with a value is not prose, and a number is not."""
    if verdict.status == "timeout":
        return "timeout"
    if verdict.status == "incorrect" and not verdict.detail:
        gold_forms = _canonical_gold(gold).split(FORMS_SEP)
        if all(is_prose(form) for form in gold_forms):
            return "prose_gold"
        if is_prose(verdict.canonical) and not re.search(r"\d", "".join(gold_forms)) \
                and any(re.search(r"[^\W\d_]", _COMMAND_RE.sub("", form)) for form in gold_forms):
            return "wording"
    if verdict.status == "no_answer" and verdict.extract_rule == "none" \
            and (not verdict.detail or verdict.detail.startswith("policy:")) and prose_answer(completion):
        return "prose_answer"
    return None


class UnsureJudge:
    """Reviews a grader's verdicts: the unsure ones go to the judge (passk.grade.engine.Grader calls `review`)."""

    def __init__(self, config: JudgeConfig, cache_path: str | None = None):
        self._client = JudgeClient(config, url_flag="--judge-url")  # the server checked: a ConfigError otherwise
        self.name = f"{config.model} ({self._client.revision})"
        self.provenance = dict(zip(JUDGE_FIELDS, (config.model, self._client.revision, fingerprint(GRADE_PROMPT)),
                                   strict=True))
        # what makes a judgement: the judge as served, the prompt, how long it may answer and the request's options
        self._fingerprint = fingerprint(json.dumps([*self.provenance.values(), config.max_tokens, config.options],
                                                   sort_keys=True))
        self._memo: dict[tuple[str, str], str] = {}  # (the end of the response, the gold) -> the judge's verdict
        # the grader's cache file and table, under the judge's own fingerprint
        self._cache = _DiskCache(cache_path, "", f"judge-{self._fingerprint}") if cache_path else None

    def review(self, completions: Sequence[str], golds: Sequence[str], verdicts: list[Verdict],
               progress: bool = False) -> list[Verdict]:
        reasons = [unsure_reason(c, g, v) for c, g, v in zip(completions, golds, verdicts, strict=True)]
        keys = [(model_turn(c).rstrip()[-RESPONSE_CHARS:], g) if reason else None
                for c, g, reason in zip(completions, golds, reasons, strict=True)]
        failures = self._decide({key for key in keys if key is not None}, progress)
        return [v if key is None or reason is None else self._judged(v, reason, self._memo.get(key), failures.get(key))
                for v, key, reason in zip(verdicts, keys, reasons, strict=True)]

    def _decide(self, keys: set[tuple[str, str]], progress: bool) -> dict[tuple[str, str], str]:
        """Judge every key not yet judged; returns why a judgement failed, by key (failures are not kept)."""
        pending = [key for key in keys if key not in self._memo]
        if self._cache is not None and pending:
            cached = self._cache.get_many(pending)
            self._memo.update({key: decision.status for key, decision in cached.items()})
            pending = [key for key in pending if key not in cached]
        if not pending:
            return {}
        replies = self._client.ask([GRADE_PROMPT.format(gold=gold, response=response) for response, gold in pending],
                                   progress)
        failures: dict[tuple[str, str], str] = {}
        decided: dict[tuple[str, str], str] = {}
        for key, reply in zip(pending, replies, strict=True):
            verdict = "" if reply.failed else parse_verdict(reply.text, GRADE_CHOICES)
            if verdict in ("equivalent", "different"):
                decided[key] = verdict
            else:
                failures[key] = reply.failed or "its reply has no VERDICT line"
        self._memo.update(decided)
        if self._cache is not None:
            self._cache.put_many({key: _Decision(verdict, "judge") for key, verdict in decided.items()})
        return failures

    def _judged(self, rules: Verdict, reason: str, verdict: str | None, failure: str | None) -> Verdict:
        """The judge's verdict where it gave one; else the rules' verdict, its detail saying the judge failed."""
        if verdict is None:
            why = f"judge failed ({reason}): {failure}"
            return dataclasses.replace(rules, detail=f"{rules.detail}; {why}" if rules.detail else why)
        said = f"the rules said {rules.status}" + (f" by {rules.method}" if rules.method else "")
        return dataclasses.replace(rules, status="correct" if verdict == "equivalent" else "incorrect",
                                   method="judge", detail=f"judge {self.name}: {verdict} ({reason}; {said})")

    def close(self) -> None:
        self._client.close()
        if self._cache is not None:
            self._cache.close()


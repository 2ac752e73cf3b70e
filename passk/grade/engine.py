"""Grade many completions fast and safely.

Every input comes back as a `Verdict`, in order. Work is shared: verdicts are
memoized by (canonical answer, canonical gold), so 1024 samples with a handful of
distinct answers cost a handful of comparisons. Comparisons that quick checks cannot
settle run in a pool of worker processes (every core), each comparison under a limit
of CPU time (so a verdict does not depend on how busy the machine is), with a generous
wall-clock backstop enforced by killing the worker; a chunk whose worker died or hung
is re-run one comparison at a time, each with one retry, so one hostile answer never
blocks or poisons the others. An optional SQLite cache keeps verdicts between runs,
keyed by a fingerprint of the grader's own code, library versions and policy.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import os
import re
import signal
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from passk.errors import ConfigError, InputError
from passk.grade.equivalence import (
    CHOICE_WITH_VALUE,
    Refused,
    check_sane,
    quick_verdict,
    split_top_level,
    symbolic_verdict,
)
from passk.grade.extract import (
    BOXED_CONFIG,
    ExtractConfig,
    Extraction,
    choice_of_value,
    closing_line,
    extract_answer,
    extract_gold,
    is_phrase_gold,
    phrase_answers,
    says_no,
    settled,
)
from passk.grade.normalize import (
    DECIMAL_COMMA,
    FORMS_SEP,
    MAX_NORMALIZED_CHARS,
    POLICIES,
    UNWRAP_TEXT,
    choice_letter,
    converted_equal,
    normalize_answer,
    units_differ,
)

if TYPE_CHECKING:
    from pebble import ProcessPool

    from passk.grade.judged import UnsureJudge
    from passk.judge import JudgeConfig

STATUSES = ("correct", "incorrect", "no_answer", "truncated", "timeout", "error")
TRUNCATED_FINISH_REASONS = frozenset({"length"})
# the detail of a sample cut after a committed answer, in the check that followed it, and graded on that answer
CUT_AFTER_ANSWER = "cut after its answer"
CHUNK_SIZE = 8
CORRECT_CLASS = "<equivalent to gold>"


@dataclass(frozen=True)
class GradeConfig:
    timeout_s: float = 5.0  # CPU seconds per comparison
    workers: int = 0  # 0: every core
    cache_path: str | None = None
    extract: ExtractConfig = field(default_factory=lambda: BOXED_CONFIG)
    policy: str = "strict"  # "lenient" also credits correctly rounded decimals of exact answers
    judge: JudgeConfig | None = None  # a model for the rows the rules are unsure of (passk.grade.judged); off: None

    def __post_init__(self):
        if not self.timeout_s > 0:
            raise ConfigError(f"timeout_s must be > 0, got {self.timeout_s}")
        if self.workers < 0:
            raise ConfigError(f"workers must be >= 0, got {self.workers}")
        if self.policy not in POLICIES:
            raise ConfigError(f"unknown grading policy {self.policy!r}; choose from {list(POLICIES)}")


@dataclass(frozen=True)
class Verdict:
    status: str
    extracted: str | None
    extract_rule: str
    method: str = ""  # which check decided: quick, math_verify, sympy, refused, ...
    detail: str = ""  # why, where more than equality decided: hedge, retracted, false chain, policy
    canonical: str | None = None  # the canonical answer that was compared

    @property
    def answer_key(self) -> str | None:
        """The answer's equivalence class for majority voting; None casts no vote (nor does a hedge)."""
        if self.status == "correct":
            return CORRECT_CLASS
        if self.detail.startswith("hedge"):
            return None
        return self.canonical if self.status in ("incorrect", "timeout", "error") else None

    @property
    def correct(self) -> bool:
        return self.status == "correct"


@lru_cache(maxsize=1 << 14)
def _gold_letters(gold: str) -> frozenset[str] | None:
    return choice_set(extract_gold(gold))


def choice_set(text: str) -> frozenset[str] | None:
    """'AC', 'A, C', '(A) and (C)' -> {'A', 'C'}: two or more distinct option letters, nothing else; None otherwise."""
    plain = re.sub(r"[$()\s]|\band\b", "", UNWRAP_TEXT.sub(r"\1", text))
    letters = plain.split(",") if "," in plain else list(plain)
    if not 2 <= len(letters) <= 5 or not all(re.fullmatch(r"[A-E]", x) for x in letters) \
            or len(set(letters)) != len(letters):
        return None
    return frozenset(letters)


def _without_cut_sentence(extraction: Extraction, completion: str, reason: str | None,
                          config: ExtractConfig) -> Extraction:
    """A sample cut at its token limit ends in a broken sentence ("..., so 6 + 6 + 6 = 3"): that fragment states
    nothing, so a settled answer's second final is looked for in the text before it."""
    if reason not in TRUNCATED_FINISH_REASONS or not (extraction.conflict and settled(completion, extraction)):
        return extraction
    whole = completion[:max(completion.rfind("\n"), completion.rfind(". ") + 1)]
    again = extract_answer(whole, config)
    return again if again.answer == extraction.answer and not again.conflict else extraction


def _stopped(extraction: Extraction, reason: str | None) -> str:
    """Why the sample is cut ('' if it is not): its finish reason says so, or, where none is given, its text
    stops mid-sentence after the answer."""
    if reason in TRUNCATED_FINISH_REASONS:
        return f"finish_reason={reason}"
    return "truncated: the text stops mid-sentence after the answer" if reason is None and extraction.cut else ""


@dataclass(frozen=True)
class _Decision:  # what a comparison of two canonical answers concluded
    status: str  # correct, incorrect, timeout, error
    method: str
    detail: str = ""


def grader_fingerprint() -> str:
    """Changes whenever the grading code or the libraries it calls change (the policy is recorded beside it)."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"math-verify {version('math-verify')} sympy {version('sympy')}".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _unsure_judge(config: GradeConfig) -> UnsureJudge | None:
    """The judge of unsure rows where one is configured (its server checked now, before any grading), else None."""
    if config.judge is None:
        return None
    from passk.grade.judged import UnsureJudge

    return UnsureJudge(config.judge, config.cache_path)


class Grader:
    """Use as a context manager so the worker pool is shut down."""

    def __init__(self, config: GradeConfig = GradeConfig()):
        self.config = config
        self.judge = _unsure_judge(config)  # first: a judge server that does not answer stops here, nothing opened
        self._memo: dict[tuple[str, str], _Decision] = {}
        self._pool: ProcessPool | None = None
        self._cache = _DiskCache(config.cache_path, config.policy) if config.cache_path else None
        self.counters = {"comparisons": 0, "distinct": 0, "memo_hits": 0, "symbolic": 0, "cache_hits": 0}

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def provenance(self) -> dict[str, str]:
        """What made these verdicts: recorded with every grade, compared by score and compare."""
        return {"grader": grader_fingerprint(), "policy": self.config.policy,
                **(self.judge.provenance if self.judge else {})}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join()
            self._pool = None
        if self._cache is not None:
            self._cache.close()
        if self.judge is not None:
            self.judge.close()

    def grade(self, completions: Sequence[str], golds: Sequence[str],
              finish_reasons: Sequence[str | None] | None = None, progress: bool = False) -> list[Verdict]:
        """One Verdict per completion, in order."""
        if len(completions) != len(golds):
            raise InputError(f"{len(completions)} completions but {len(golds)} golds")
        finish_reasons = finish_reasons if finish_reasons is not None else [None] * len(completions)
        extractions = [_without_cut_sentence(extract_answer(c, self.config.extract), c, reason, self.config.extract)
                       for c, reason in zip(completions, finish_reasons, strict=True)]
        keys: list[tuple[str, str] | None] = []
        for i, (extraction, gold, reason) in enumerate(zip(extractions, golds, finish_reasons, strict=True)):
            if extraction.answer is not None and choice_letter(gold) and not choice_letter(extraction.answer):
                letter = choice_of_value(completions[i], extraction.answer)  # "(D) 9" listed, "9" answered
                if letter:
                    extraction = extractions[i] = dataclasses.replace(extraction, answer=letter)
            yes_no = _canonical_gold(gold) in ("yes", "no")
            worded = yes_no or is_phrase_gold(gold)  # most golds are neither: skipped
            if worded and self.config.extract.compete > 1 and not extraction.conflict and not extraction.retracted \
                    and not (extraction.answer and phrase_answers(extraction.answer, gold)):
                line = closing_line(completions[i])  # no prompt: "So the second player (Bob) wins." answers "Bob"
                if phrase_answers(line, gold):
                    extraction = extractions[i] = dataclasses.replace(extraction, answer=line, rule="last_statement")
                elif yes_no and normalize_answer(extraction.answer or "") not in ("yes", "no") \
                        and says_no(line):  # "Therefore, no such integer exists."
                    extraction = extractions[i] = dataclasses.replace(extraction, answer="no", rule="last_statement")
            if extraction.answer is not None and choice_letter(gold) and not extraction.conflict:
                mismatch = _letter_against_value(completions[i], extraction.answer)
                if mismatch:  # "\boxed{(B)\ 18}" where the options list (C) 18: two answers in one
                    extraction = extractions[i] = dataclasses.replace(extraction, conflict=mismatch)
            if extraction.answer is None or extraction.retracted or extraction.conflict \
                    or (_stopped(extraction, reason) and not settled(completions[i], extraction)):
                keys.append(None)
            else:
                keys.append(_key(extraction, gold))
        # an angle in degrees against one in radians: also compared with the degrees written in radians
        in_radians = [_in_radians(e.answer, gold) if k is not None else None
                      for e, k, gold in zip(extractions, keys, golds, strict=True)]
        self._decide({k for k in keys + in_radians if k is not None}, progress)
        verdicts = []
        for extraction, key, reason, gold, radians in zip(extractions, keys, finish_reasons, golds, in_radians,
                                                          strict=True):
            stopped = _stopped(extraction, reason)  # a settled answer is graded: the cut fell in its check
            if stopped and key is None:
                verdicts.append(Verdict("truncated", extraction.answer, extraction.rule, detail=stopped))
            elif extraction.retracted:
                verdicts.append(Verdict("no_answer", extraction.answer, extraction.rule,
                                        detail=f"retracted: {extraction.retracted!r} after the answer"))
            elif extraction.conflict:  # two different finals: no credit and no vote
                verdicts.append(Verdict("incorrect", extraction.answer, extraction.rule, "extract",
                                        f"hedge: {extraction.conflict}" if extraction.conflict.startswith("option ")
                                        else f"hedge: a later stated answer differs: {extraction.conflict[:80]!r}"))
            elif key is None:
                verdicts.append(Verdict("no_answer", None, extraction.rule, detail=extraction.note))
            else:
                d = self._memo[key]
                unit = units_differ(extraction.answer or "", gold)
                if unit and d.status == "correct":  # "60 mph" for "60 km/h": the same number of another quantity
                    d = _Decision("incorrect", d.method, f"unit: {unit}")
                elif unit and d.status == "incorrect" and converted_equal(extraction.answer or "", gold, *key):
                    d = _Decision("correct", "quick", f"unit: converted, {unit} but the same quantity")
                elif radians and d.status == "incorrect" and self._memo[radians].status == "correct":
                    d = _Decision("correct", self._memo[radians].method, "unit: degrees converted to radians")
                detail = d.detail or ("turn: text after the model's own turn was ignored"
                                      if extraction.turn_cut and d.status != "correct" else "")
                if stopped:
                    detail = f"{CUT_AFTER_ANSWER} ({stopped})" + (f"; {detail}" if detail else "")
                verdicts.append(Verdict(d.status, extraction.answer, extraction.rule, d.method, detail, key[0]))
        self.counters["comparisons"] += sum(k is not None for k in keys)
        return self.judge.review(completions, golds, verdicts, progress) if self.judge else verdicts

    def _decide(self, keys: set[tuple[str, str]], progress: bool) -> None:
        pending = []
        for key in keys:
            if key in self._memo:
                self.counters["memo_hits"] += 1
                continue
            self.counters["distinct"] += 1
            try:
                check_sane(key[0])  # before any parsing: a 1 MB number would stall even the quick checks
                check_sane(key[1])
            except Refused as exc:
                self._memo[key] = _Decision("error", "refused", str(exc))
                continue
            quick = quick_verdict(*key, self.config.policy)
            if quick is not None:
                self._memo[key] = _Decision("correct" if quick.equal else "incorrect", "quick", quick.detail)
            else:
                pending.append(key)
        if self._cache is not None and pending:
            cached = self._cache.get_many(pending)
            self.counters["cache_hits"] += len(cached)
            self._memo.update(cached)
            pending = [k for k in pending if k not in cached]
        if not pending:
            return
        self.counters["symbolic"] += len(pending)
        decided = self._run_symbolic(pending, progress)
        self._memo.update(decided)
        if self._cache is not None:
            self._cache.put_many({k: d for k, d in decided.items() if d.status != "timeout"})

    def _run_symbolic(self, keys: list[tuple[str, str]], progress: bool) -> dict[tuple[str, str], _Decision]:
        from concurrent.futures import TimeoutError as FutureTimeout

        from pebble import ProcessExpired

        pool = self._get_pool()
        cpu_limit, policy = self.config.timeout_s, self.config.policy
        chunks = [keys[i: i + CHUNK_SIZE] for i in range(0, len(keys), CHUNK_SIZE)]
        futures = {pool.schedule(_symbolic_chunk, args=(chunk, cpu_limit, policy),
                                 timeout=_wall_backstop(cpu_limit, len(chunk))): chunk for chunk in chunks}
        decided: dict[tuple[str, str], _Decision] = {}
        retry: list[tuple[str, str]] = []
        bar = tqdm(total=len(keys), desc="symbolic checks", unit="pair", disable=not progress)
        for future in concurrent.futures.as_completed(futures):
            chunk = futures[future]
            try:
                decided.update(zip(chunk, future.result(), strict=True))
            except (FutureTimeout, ProcessExpired, OSError):
                retry.extend(chunk)  # a hung or dead worker: settle each of its pairs alone
            bar.update(len(chunk))
        bar.close()
        for _attempt in range(2):  # each pair of a failed chunk alone, then one retry
            if not retry:
                break
            singles = {pool.schedule(_symbolic_chunk, args=([key], cpu_limit, policy),
                                     timeout=_wall_backstop(cpu_limit, 1)): key for key in retry}
            retry = []
            for future, key in singles.items():
                try:
                    decided[key] = future.result()[0]
                except FutureTimeout:
                    decided[key] = _Decision("timeout", "symbolic", "hung past the wall-clock backstop")
                    retry.append(key)
                except (ProcessExpired, OSError) as exc:
                    decided[key] = _Decision("error", "symbolic", f"worker died: {exc}")
                    retry.append(key)
        return decided

    def _get_pool(self):
        if self._pool is None:
            from pebble import ProcessPool

            self._pool = ProcessPool(max_workers=self.config.workers or os.cpu_count() or 1)
        return self._pool


_DEGREES_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:\^\s*\{?\s*\\circ\s*\}?|°|\\degree|\s*(?:\\text\{\s*)?degrees?\b\}?)")


def _in_radians(answer: str | None, gold: str) -> tuple[str, str] | None:
    """'30^\\circ, 150^\\circ' against '\\frac{\\pi}{6}, \\frac{5\\pi}{6}' (or the other way round): the side in
    degrees with each angle written in radians, as a memo key; None unless exactly one side is in degrees and the
    other uses pi."""
    if answer is None or max(len(answer), len(gold)) > MAX_NORMALIZED_CHARS:  # refused before any comparison
        return None
    answer_degrees, gold_degrees = bool(_DEGREES_RE.search(answer)), bool(_DEGREES_RE.search(gold))
    if answer_degrees == gold_degrees or "\\pi" not in (gold if answer_degrees else answer).replace("π", "\\pi"):
        return None
    def radians(text: str) -> str:
        return _DEGREES_RE.sub(lambda m: f"\\frac{{{m.group(1)}\\pi}}{{180}}", text)
    if answer_degrees:
        return normalize_answer(radians(answer)), _canonical_gold(gold)
    return normalize_answer(answer), _canonical_gold(radians(gold))


def _letter_against_value(completion: str, answer: str) -> str:
    """'(B) 18' where the completion lists 18 as option (C): the letter and the value name two options."""
    canonical = normalize_answer(answer)
    match = CHOICE_WITH_VALUE.match(canonical)
    if not match:
        return ""
    letter, listed = canonical[1], choice_of_value(completion, canonical[match.end():])
    return f"option {letter} answered with the value of option {listed}" if listed and listed != letter else ""


def _key(extraction: Extraction, raw_gold: str) -> tuple[str, str]:
    """The memo key; every verdict is a function of it alone."""
    gold = _canonical_gold(raw_gold)
    answer = extraction.answer
    assert answer is not None  # called only for a completion with an extracted answer
    parts = len(split_top_level(gold))
    if parts > 1 and len(extraction.boxes) >= parts > len(split_top_level(normalize_answer(answer))):
        answer = ", ".join(extraction.boxes[-parts:])  # "(a) \boxed{3} ... (b) \boxed{5}" answers "3, 5"
    elif parts == 1 and extraction.rule == "boxed" and len(extraction.finals) > 1:
        answer = ", ".join(extraction.finals)  # "if ordered \boxed{12}; if not \boxed{6}": alternatives
    if _ONE_NUMBER.fullmatch(gold):
        answer = DECIMAL_COMMA.sub(r"\1.\2\3", answer)  # "0,5" for 0.5: a decimal comma, where no list is asked
    pred = normalize_answer(answer)
    if _IMAGINARY_I.search(gold) and "i" not in pred and _ENGINEERING_J.search(pred):
        pred = _ENGINEERING_J.sub("i", pred)  # "2 + 3j": engineers write the imaginary unit j
    gold_letters = _gold_letters(raw_gold)
    if gold_letters:  # a multi-select gold "AC" answered "A, C", "(C) and (A)"
        letters = choice_set(answer)
        return ",".join(sorted(letters or ())) or pred, ",".join(sorted(gold_letters))
    if phrase_answers(answer, raw_gold):
        return gold, gold  # "\\text{an isosceles triangle}" answers "isosceles"
    named, gold_name = _LEADING_NAME.match(answer), _gold_name(raw_gold)
    if named and gold_name and named.group(1) != gold_name and "=" not in pred + gold:
        return f"{named.group(1)}={pred}", f"{gold_name}={gold}"  # "y = 3" does not answer "x = 3"
    return pred, gold


_IMAGINARY_I = re.compile(r"(?<![a-zA-Z\\])i(?![a-zA-Z])")
_ENGINEERING_J = re.compile(r"(?<![a-zA-Z\\])j(?![a-zA-Z])")
_ONE_NUMBER = re.compile(r"-?\d+(?:\.\d+)?|-?\\frac\{\d+\}\{\d+\}|-?\d+/\d+")
_LEADING_NAME = re.compile(r"^\s*\$?\s*([a-zA-Z](?:_\{?\w+\}?)?)\s*=(?!.*=)")


@lru_cache(maxsize=1 << 14)
def _gold_name(gold: str) -> str | None:
    """The variable a gold names ("x" of "x = 3"), where it is one named value."""
    answer = extract_gold(gold)
    named = _LEADING_NAME.match(answer) if FORMS_SEP not in answer else None
    return named.group(1) if named else None


@lru_cache(maxsize=1 << 14)
def _canonical_gold(gold: str) -> str:
    return FORMS_SEP.join(dict.fromkeys(normalize_answer(form) for form in extract_gold(gold).split(FORMS_SEP)))


def _wall_backstop(cpu_limit: float, pairs: int) -> float:
    """Wall-clock seconds after which a worker is killed: only for code that ignores the CPU-time
    signal (a long C call); generous, so that load never decides a verdict."""
    return 4 * cpu_limit * pairs + 30


class _CpuTimeExceeded(BaseException):
    """A BaseException, so that libraries that turn every Exception into "not equal" let it through."""


def _on_cpu_limit(signum, frame):
    raise _CpuTimeExceeded


def _symbolic_chunk(keys: list[tuple[str, str]], cpu_limit: float, policy: str) -> list[_Decision]:
    """Runs in a worker process: a Python exception is a deterministic error, not retried."""
    signal.signal(signal.SIGPROF, _on_cpu_limit)
    out = []
    for pred, gold in keys:
        signal.setitimer(signal.ITIMER_PROF, cpu_limit)  # CPU time of this process, not wall clock
        try:
            judgement, method = symbolic_verdict(pred, gold, policy)
            out.append(_Decision("correct" if judgement.equal else "incorrect", method, judgement.detail))
        except _CpuTimeExceeded:
            out.append(_Decision("timeout", "symbolic", f"over {cpu_limit:g} s of CPU time"))
        except Refused as exc:
            out.append(_Decision("error", "refused", str(exc)))
        except Exception as exc:  # noqa: BLE001 - a failed comparison is data, not a crash
            out.append(_Decision("error", "symbolic", f"{type(exc).__name__}: {exc}"[:300]))
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
    return out


class _DiskCache:
    def __init__(self, path: str, policy: str, fingerprint: str | None = None):
        """`fingerprint`: what made the verdicts, where not this grader (the judge of passk.grade.judged)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS verdicts (fingerprint TEXT, pred TEXT, gold TEXT, "
                         "status TEXT, method TEXT, detail TEXT, PRIMARY KEY (fingerprint, pred, gold))")
        self._fingerprint = fingerprint or f"{grader_fingerprint()}-{policy}"

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], _Decision]:
        found = {}
        for pred, gold in keys:
            row = self._db.execute("SELECT status, method, detail FROM verdicts WHERE fingerprint=? AND pred=? "
                                   "AND gold=?", (self._fingerprint, pred, gold)).fetchone()
            if row:
                found[(pred, gold)] = _Decision(*row)
        return found

    def put_many(self, decided: dict[tuple[str, str], _Decision]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?, ?, ?)",
                             [(self._fingerprint, p, g, d.status, d.method, d.detail) for (p, g), d in decided.items()])
        self._db.commit()

    def close(self) -> None:
        self._db.close()

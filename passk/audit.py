r"""`passk audit RUN`: the rare successes that carry Pass@K at large K, and the flags a reader checks first.

At K = 1024 a problem counts as solved when one sample in a thousand is graded correct; a lucky guess, a
grading false positive or a truncated sample with a stray box are hidden exactly there. The audit lists the
problems whose correct samples number at most `max_correct`, each correct sample with how it was graded, and
flags it where one of FLAGS fires. Every flag is a pure function of the sample and its problem, registered
by name; the summary states Pass@K at each K, and Pass@K with the flagged samples of those problems removed
(a problem left with no correct sample counts as unsolved).

    audit.json   {config, benchmarks: {NAME: {ks, pass_at_k, without_flagged, flag_counts, problems}}}
    audit.md     the summary table and one row per rare correct sample, flags with their reasons
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from passk import metrics
from passk.errors import ConfigError, InputError
from passk.grade.engine import CORRECT_CLASS
from passk.grade.extract import ExtractConfig, extract_answer, extract_config
from passk.grade.normalize import normalize_answer
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.rundir import RunDir, read_grades, read_sample_part

MAX_CORRECT = 3  # a problem whose Pass@K rests on at most this many correct samples is audited
SPREAD_MIN_CLASSES = 4  # the answer-spread flag needs at least this many distinct answers
TRIVIAL_VALUES = frozenset({Fraction(0), Fraction(1), Fraction(-1)})
TRIVIAL_WORDS = frozenset({"yes", "no", "true", "false"})
EXPLICIT_RULES = ("boxed", "answer_tag", "answer_line", "final_answer")  # "the answer is obvious" is no earlier answer
GRADE_FIELDS = ("status", "correct", "extracted", "extract_rule", "method", "answer_key", "detail")


# ---- reading a run: samples joined with their grades, grouped per problem --------------------------------------
def load_problems(run: RunDir) -> dict[tuple[str, str], dict[str, Any]]:
    """{(benchmark, problem_id): problem row + "samples" (sample rows with their grade's fields, by sample_idx)}.
    Samples without a grade yet are left out (they have no verdict to audit or show)."""
    run.require()
    grades = {(g["benchmark"], g["problem_id"], g["sample_idx"]): g for g in read_grades(run)}
    if not grades:
        raise InputError(f"{run.path}: no grades yet; run `passk grade {run.path}` first")
    problems = {key: {**row, "samples": []} for key, row in run.read_problems().items()}
    for part in run.sample_parts():
        for s in read_sample_part(part):
            grade = grades.get((s["benchmark"], s["problem_id"], s["sample_idx"]))
            problem = problems.get((s["benchmark"], s["problem_id"]))
            if grade is None or problem is None:
                continue
            problem["samples"].append({**s, **{f: grade.get(f) for f in GRADE_FIELDS}})
    for problem in problems.values():
        problem["samples"].sort(key=lambda s: s["sample_idx"])
    return {key: p for key, p in problems.items() if p["samples"]}


# ---- numbers and answer positions -------------------------------------------------------------------------------
_NUMBER_IN_TEXT = re.compile(r"\\[dt]?frac\{(-?\d+)\}\{(\d+)\}|(?<![\w.])(-?\d+(?:\.\d+)?(?:/\d+)?)(?![\w])")


def as_number(text: str | None) -> Fraction | None:
    """The exact value of a plain numeric answer ("12", "-0.5", "3/4", "\\frac{3}{4}"), else None."""
    if not text:
        return None
    t = text.strip().strip("$").replace(" ", "").replace("{,}", "").replace("\\!", "")
    m = re.fullmatch(r"(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}", t)
    if m:
        return Fraction(int(m.group(2)), int(m.group(3))) * (-1 if m.group(1) else 1) if int(m.group(3)) else None
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+", t):  # 1,000 is a thousand; "1,2" stays a list
        t = t.replace(",", "")
    if re.fullmatch(r"-?\d+(?:\.\d+)?(?:/\d+)?", t):
        try:
            return Fraction(t)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def numbers_in(text: str) -> set[Fraction | int]:
    """Every number written in the text, by value (an int hashes and compares equal to its Fraction)."""
    out: set[Fraction | int] = set()
    for m in _NUMBER_IN_TEXT.finditer(text or ""):
        plain = m.group(3)
        try:
            if plain and plain.lstrip("-").isdigit():
                out.add(int(plain))  # most numbers: a Fraction for each would cost ten times as much
            else:
                out.add(Fraction(int(m.group(1)), int(m.group(2))) if m.group(1) else Fraction(plain))
        except (ValueError, ZeroDivisionError):
            continue
    return out


def answer_span(completion: str, extracted: str | None) -> tuple[int, int] | None:
    """Where the extracted answer sits in the completion: its last occurrence, or None where it is not verbatim."""
    if not extracted:
        return None
    start = completion.rfind(extracted)
    if start < 0:
        return None
    return start, start + len(extracted)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---- the flags ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProblemContext:
    """What the flags know about the sample's problem."""
    problem: str
    gold: str
    classes: Counter  # answer_key -> samples (voting samples only)
    max_tokens: int | None
    extract: ExtractConfig
    problem_numbers: frozenset = frozenset()
    own_rules: frozenset = frozenset()  # the rules the prompt asked for: its form's first, and the template's own


def _flag_in_problem(s: dict, ctx: ProblemContext) -> str:
    value = as_number(s["extracted"])
    if value is not None:
        return f"{s['extracted']} is a number of the problem statement" if value in ctx.problem_numbers else ""
    answer = _squeeze(s["extracted"] or "")
    if len(answer) >= 3 and answer in _squeeze(ctx.problem):
        return f"{s['extracted']} appears verbatim in the problem statement"
    return ""


def _flag_trivial(s: dict, ctx: ProblemContext) -> str:
    value = as_number(s["extracted"])
    word = re.sub(r"\\(?:text|textbf|mathrm)\{([^{}]*)\}", r"\1", s["extracted"] or "").strip().lower()
    if value in TRIVIAL_VALUES or word in TRIVIAL_WORDS:
        return f"{s['extracted']} is a trivial value"
    return ""


def _flag_no_derivation(s: dict, ctx: ProblemContext) -> str:
    span = answer_span(s["completion"], s["extracted"])
    before = s["completion"][:span[0]] if span else s["completion"]
    if span and before.endswith("\\boxed{"):  # the value inside its box: look before the box
        before = before[:-len("\\boxed{")]
    final = (s["extracted"] or "").rsplit("=", 1)[-1].strip()  # "x = 4": the value is 4
    value = as_number(final)
    if value is not None:  # verbatim first (cheap), then any number of the same value
        verbatim = re.search(rf"(?<![\w.]){re.escape(final)}(?![\w])", before)
        found = bool(verbatim) or value in numbers_in(before)
    else:
        answer = _squeeze(final)
        found = bool(answer) and answer in _squeeze(before)
    return "" if found else f"{s['extracted']} appears nowhere before the final answer"


def _flag_spread(s: dict, ctx: ProblemContext) -> str:
    distinct = len(ctx.classes)
    votes = sum(ctx.classes.values())
    gold_class = ctx.classes.get(CORRECT_CLASS, 0)
    if distinct >= SPREAD_MIN_CLASSES and gold_class * distinct <= votes:  # the gold's class is no larger than average
        return (f"{distinct} distinct answers over {votes} votes, the gold's class holds {gold_class}: "
                f"a uniform guess among the model's answers hits it with p = {1 / distinct:.3f}")
    return ""


def _flag_truncated(s: dict, ctx: ProblemContext) -> str:
    if s["finish_reason"] == "length" or s["status"] == "truncated":
        return f"finish_reason={s['finish_reason']}"
    if ctx.max_tokens and (s.get("num_tokens") or 0) >= ctx.max_tokens:
        return f"{s['num_tokens']} tokens: the whole budget"
    return ""


def _flag_retracted(s: dict, ctx: ProblemContext) -> str:
    detail = s.get("detail") or ""
    if "retract" in detail or detail.startswith("hedge"):
        return detail
    full = extract_answer(s["completion"], ctx.extract)
    if full.retracted:
        return f"taken back after the answer: {full.retracted!r}"
    span = answer_span(s["completion"], s["extracted"])
    if span:  # an answer stated earlier and replaced: the model changed its mind on the way
        explicit = ExtractConfig(tuple(r for r in ctx.extract.rules if r in EXPLICIT_RULES) or ("boxed",))
        earlier = extract_answer(s["completion"][:span[0]].removesuffix("\\boxed{"), explicit)
        if earlier.answer and normalize_answer(earlier.answer) != normalize_answer(s["extracted"]):
            return f"an earlier answer {earlier.answer!r} was replaced"
    return ""


def _flag_think(s: dict, ctx: ProblemContext) -> str:
    text = s["completion"]
    if "<think>" not in text:
        return ""
    span = answer_span(text, s["extracted"])
    end = text.find("</think>")
    if end < 0:
        return "the answer sits in a <think> block that never closes"
    if span and text.find("<think>") < span[0] < end:
        return "the answer sits inside the <think> block"
    return ""


def _flag_lenient(s: dict, ctx: ProblemContext) -> str:
    why = []
    if s.get("method") not in ("quick", "", None):
        why.append(f"decided by {s['method']}, not an exact match")
    if s.get("detail"):
        why.append(s["detail"])
    if s.get("extract_rule") and s["extract_rule"] not in ctx.own_rules | {ctx.extract.rules[0]}:
        why.append(f"found by the fallback rule {s['extract_rule']}")
    return "; ".join(why)


FLAGS: dict[str, tuple[str, Callable[[dict, ProblemContext], str]]] = {
    "in_problem": ("the answer is a number (or expression) of the problem statement", _flag_in_problem),
    "trivial": ("the answer is a trivial value (0, 1, -1, yes/no)", _flag_trivial),
    "no_derivation": ("the final value appears nowhere earlier in the completion", _flag_no_derivation),
    "spread": ("answers spread over many values, the gold's class no larger than average", _flag_spread),
    "truncated": ("the sample hit the token limit", _flag_truncated),
    "retracted": ("an answer was taken back or replaced", _flag_retracted),
    "in_think": ("the box sits inside a <think> block", _flag_think),
    "lenient": ("the verdict needed the symbolic path, a convention or a fallback rule", _flag_lenient),
}


def context(problem: dict, max_tokens: int | None, extract: ExtractConfig,
            own_rules: frozenset = frozenset()) -> ProblemContext:
    classes = Counter(s["answer_key"] for s in problem["samples"] if s.get("answer_key") is not None)
    return ProblemContext(problem.get("problem") or "", str(problem.get("gold")), classes, max_tokens, extract,
                          frozenset(numbers_in(problem.get("problem") or "")), own_rules)


def flag_sample(sample: dict, ctx: ProblemContext) -> dict[str, str]:
    """{flag name: reason} for a correct sample; an incorrect one has no audit flags."""
    if not sample.get("correct"):
        return {}
    return {name: why for name, (_, check) in FLAGS.items() if (why := check(sample, ctx))}


def run_grading(run: RunDir) -> tuple[int | None, ExtractConfig, frozenset]:
    """The run's token budget, the extraction rules it was graded with, and the rules its template named (a
    `bare` answer is the plain template's own form, not a fallback), as its manifest records them."""
    manifest = run.read_manifest()
    max_tokens = manifest.settings.sampling.max_tokens if manifest.settings else None
    grading = manifest.grading
    return (max_tokens, extract_config(grading.answer_form, grading.extract_fallbacks),
            frozenset(grading.extract_fallbacks))


# ---- the audit ------------------------------------------------------------------------------------------------------
@dataclass
class AuditedSample:
    sample_idx: int
    extracted: str | None
    extract_rule: str
    method: str
    detail: str
    finish_reason: str
    num_tokens: int
    flags: dict[str, str]
    judge: dict[str, str] | None = None  # {"verdict", "reply"} where a judge model read it (`--judge`)


@dataclass
class AuditedProblem:
    benchmark: str
    problem_id: str
    problem: str
    gold: str
    n: int
    c: int
    distinct_answers: int
    p_guess: float  # a uniform guess among the model's distinct answers hits the gold
    samples: list[AuditedSample]


@dataclass
class BenchmarkAudit:
    ks: list[int]
    pass_at_k: dict[int, float]
    without_flagged: dict[int, float]  # the flagged correct samples of the audited problems removed
    without_flag: dict[str, float]  # at the largest K: each flag's samples alone removed
    flag_counts: dict[str, int]
    n_problems: int
    problems: list[AuditedProblem] = field(default_factory=list)
    cot_checked: dict[int, float] | None = None  # only the judge's `supported` successes of audited problems kept


@dataclass
class Audit:
    run: str
    max_correct: int
    benchmarks: dict[str, BenchmarkAudit]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def audit_run(run: RunDir, max_correct: int = MAX_CORRECT, ks: list[int] | None = None,
              problems: dict[tuple[str, str], dict[str, Any]] | None = None, judge=None) -> Audit:
    """The rare successes of every benchmark of the run, flagged, and Pass@K with and without them; with a
    `passk.judge.JudgeConfig`, each also read by the judge model, and a CoT-checked Pass@K."""
    if max_correct < 1:
        raise ConfigError(f"--max-correct must be >= 1, got {max_correct}")
    problems = load_problems(run) if problems is None else problems
    grading = run_grading(run)
    by_benchmark: dict[str, list[dict]] = {}
    for (benchmark, _), p in sorted(problems.items()):
        by_benchmark.setdefault(benchmark, []).append(p)
    out = {}
    for benchmark, rows in by_benchmark.items():
        n = [len(p["samples"]) for p in rows]
        c = [sum(bool(s["correct"]) for s in p["samples"]) for p in rows]
        wanted = ks or metrics.default_k_list(min(n))
        bench_ks = [k for k in wanted if k <= min(n)]
        if not bench_ks:
            raise ConfigError(f"--k {wanted}: every K exceeds the smallest number of samples per problem ({min(n)})")
        audited, removed, removed_by = [], [0] * len(rows), {name: [0] * len(rows) for name in FLAGS}
        to_judge: list[tuple[int, AuditedSample, tuple[str, str, str]]] = []
        for i, p in enumerate(rows):
            if not 1 <= c[i] <= max_correct:
                continue
            ctx = context(p, *grading)
            samples = []
            for s in p["samples"]:
                if not s["correct"]:
                    continue
                flags = flag_sample(s, ctx)
                removed[i] += bool(flags)
                for name in flags:
                    removed_by[name][i] += 1
                samples.append(AuditedSample(s["sample_idx"], s["extracted"], s["extract_rule"] or "", s["method"] or "",
                                             s["detail"] or "", s["finish_reason"], int(s.get("num_tokens") or 0), flags))
                to_judge.append((i, samples[-1], (p.get("problem") or "", str(p["gold"]), s["completion"])))
            distinct = len(ctx.classes)
            audited.append(AuditedProblem(benchmark, str(p["problem_id"]), p.get("problem") or "", str(p["gold"]),
                                          n[i], c[i], distinct, 1 / distinct if distinct else 0.0, samples))
        k_max = max(bench_ks)
        out[benchmark] = BenchmarkAudit(
            ks=bench_ks, pass_at_k=_mean_pass(n, c, bench_ks),
            without_flagged=_mean_pass(n, [ci - r for ci, r in zip(c, removed, strict=True)], bench_ks),
            without_flag={name: _mean_pass(n, [ci - r for ci, r in zip(c, rem, strict=True)], [k_max])[k_max]
                          for name, rem in removed_by.items()},
            flag_counts={name: sum(rem) for name, rem in removed_by.items()}, n_problems=len(rows), problems=audited)
        if judge is not None and to_judge:
            from passk.judge import judge as ask_judge

            unsupported = [0] * len(rows)
            verdicts = ask_judge([item for _, _, item in to_judge], judge)
            for (i, sample, _), verdict in zip(to_judge, verdicts, strict=True):
                sample.judge = verdict
                unsupported[i] += verdict["verdict"] != "supported"
            out[benchmark].cot_checked = _mean_pass(n, [ci - u for ci, u in zip(c, unsupported, strict=True)], bench_ks)
    return Audit(str(run.path), max_correct, out)


def _mean_pass(n: list[int], c: list[int], ks: list[int]) -> dict[int, float]:
    table = metrics.pass_at_k_all(n, c, max(ks))
    return {k: float(table[:, k - 1].mean()) for k in ks}


# ---- writing it -----------------------------------------------------------------------------------------------------
def _cell(text: Any, width: int = 0) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if not width or len(text) <= width else text[:width - 1] + "…"


def summary_lines(audit: Audit) -> list[str]:
    """Per benchmark: Pass@K, without the flagged samples, and the share resting on them; the flag counts."""
    lines = []
    for name, b in audit.benchmarks.items():
        k_max = max(b.ks)
        lines += [f"### {name}: rare successes (problems with 1 to {audit.max_correct} correct samples)", "",
                  f"{len(b.problems)} of {b.n_problems} problems rest on at most {audit.max_correct} correct samples, "
                  f"{sum(len(p.samples) for p in b.problems)} correct samples in all, "
                  f"{sum(bool(s.flags) for p in b.problems for s in p.samples)} of them flagged.", "",
                  "| k | pass@k | without flagged | resting on flagged |" + (" CoT-checked (judge) |" if b.cot_checked else ""),
                  "|---:|---:|---:|---:|" + ("---:|" if b.cot_checked else "")]
        for k in b.ks:
            plain, without = b.pass_at_k[k], b.without_flagged[k]
            share = (plain - without) / plain if plain else 0.0
            lines.append(f"| {k} | {plain:.3f} | {without:.3f} | {plain - without:.3f} ({share:.0%}) |"
                         + (f" {b.cot_checked[k]:.3f} |" if b.cot_checked else ""))
        if b.cot_checked:
            verdicts = Counter(s.judge["verdict"] for p in b.problems for s in p.samples if s.judge)
            lines += ["", "Judge verdicts on the audited successes: "
                      + ", ".join(f"{v} {verdicts[v]}" for v in ("supported", "unsupported", "unclear", "error")) + "."]
        counts = [f"{flag} {count} (pass@{k_max} without them {b.without_flag[flag]:.3f})"
                  for flag, count in b.flag_counts.items() if count]
        lines += ["", "Flags: " + ("; ".join(counts) if counts else "none") + ".", ""]
    return lines


def to_markdown(audit: Audit) -> str:
    lines = [f"# passk audit: {audit.run}", "",
             "Every correct sample of a problem solved by at most "
             f"{audit.max_correct} samples, with how it was graded and the flags a reader checks first. "
             "Pass@K without flagged removes the flagged correct samples of these problems.", ""]
    lines += summary_lines(audit)
    lines += ["Flags: " + "; ".join(f"`{name}` {desc}" for name, (desc, _) in FLAGS.items()) + ".", ""]
    for name, b in audit.benchmarks.items():
        if not b.problems:
            continue
        lines += [f"## {name}", "",
                  "| problem | correct | distinct answers (p guess) | sample | extracted | rule | method | flags |",
                  "|---|---:|---:|---:|---|---|---|---|"]
        for p in sorted(b.problems, key=lambda p: (p.c, p.problem_id)):
            for s in p.samples:
                flags = "; ".join(f"**{f}**: {why}" for f, why in s.flags.items()) or "none"
                if s.judge:
                    flags += f"; judge: **{s.judge['verdict']}**"
                lines.append(f"| {_cell(p.problem_id)}: {_cell(p.problem, 60)} (gold {_cell(p.gold, 30)}) | "
                             f"{p.c}/{p.n} | {p.distinct_answers} ({p.p_guess:.3f}) | {s.sample_idx} | "
                             f"`{_cell(s.extracted, 40)}` | {s.extract_rule} | {s.method or '-'} | {_cell(flags, 400)} |")
        lines.append("")
    return "\n".join(lines)


def write_audit(audit: Audit, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "audit.json", audit.to_json())
    write_text_atomic(out / "audit.md", to_markdown(audit) + "\n")
    return out / "audit.json", out / "audit.md"


def report_section(run: RunDir, ks: list[int] | None = None) -> list[str]:
    """report.md's lines on the audit (summary, flags) and links to audit.md and the sample browser; writes
    audit.json and audit.md beside report.md. A folder that is not a graded run (a preset's summary) has none."""
    if not run.problems.is_file():
        return []
    try:
        audit = audit_run(run, ks=ks)
    except InputError:  # no grades yet
        return []
    write_audit(audit, run.path)
    lines = ["## Audit of rare successes", "", *summary_lines(audit),
             "Every flagged sample, with the reason: [audit.md](audit.md) (`passk audit RUN`)."]
    view = run.path / "view" / "index.html"
    lines.append("Samples in the browser: [view/index.html](view/index.html)." if view.is_file()
                 else f"Samples in the browser: `passk view {run.path}` writes view/index.html.")
    return lines + [""]

"""Turn a run directory's grades into scores.json / scores.csv and a printed table."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from passk import metrics
from passk.errors import InputError
from passk.grade.engine import CUT_AFTER_ANSWER, STATUSES
from passk.grade.rows import grading_provenance
from passk.integrity import require_consistent_grades
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.results import BenchmarkResult, Diversity, Estimate, ProblemRow, RunScores, ScoreConfig
from passk.rundir import RunDir, read_grades, read_part_table


@dataclass
class ProblemTally:
    problem_id: str
    statuses: Counter
    votes: Counter  # answer class -> count, for maj@k
    abstain: int
    tokens: int
    judged: int = 0  # samples whose verdict a judge model gave (method "judge")
    cut_graded: int = 0  # samples cut at the token budget after a committed answer, graded on it (not `truncated`)

    @property
    def n(self) -> int:
        return sum(self.statuses.values())

    @property
    def c(self) -> int:
        return self.statuses["correct"]


def tally(grades: list[dict[str, Any]]) -> dict[str, dict[str, ProblemTally]]:
    """Per benchmark and problem: statuses and votes. Duplicate (problem, sample_idx) rows count once."""
    seen: set[tuple[str, str, int]] = set()
    out: dict[str, dict[str, ProblemTally]] = defaultdict(dict)
    for row in grades:
        key = (row["benchmark"], row["problem_id"], row["sample_idx"])
        if key in seen:
            continue
        seen.add(key)
        t = out[row["benchmark"]].setdefault(row["problem_id"], ProblemTally(row["problem_id"], Counter(), Counter(), 0, 0))
        t.statuses[row["status"]] += 1
        t.tokens += row.get("num_tokens") or 0
        t.judged += row.get("method") == "judge"
        t.cut_graded += (row.get("detail") or "").startswith(CUT_AFTER_ANSWER)
        if row.get("answer_key") is None:
            t.abstain += 1
        else:
            t.votes[row["answer_key"]] += 1
    return out


def counts_of(tallies: list[ProblemTally]) -> metrics.ProblemCounts:
    """What the metrics read of these problems: n, c and the votes of the answer classes."""
    from passk.grade.engine import CORRECT_CLASS

    return metrics.ProblemCounts(
        n=np.array([t.n for t in tallies]), c=np.array([t.c for t in tallies]),
        votes=[np.array(list(t.votes.values()), dtype=np.int64) for t in tallies],
        correct_class=[list(t.votes).index(CORRECT_CLASS) if CORRECT_CLASS in t.votes else None for t in tallies],
        abstain=[t.abstain for t in tallies])


def per_problem(tallies: list[ProblemTally], ks: list[int]) -> dict[str, np.ndarray]:
    """Per problem (rows) and k (columns): every metric of metrics.AT_K by name; mean@n as one column."""
    counts = counts_of(tallies)
    values = {name: fn(counts, ks) for name, fn in metrics.AT_K.items()}
    return {**values, "mean@n": (counts.c / counts.n)[:, None]}


def estimates(per_problem: np.ndarray, config: ScoreConfig) -> list[Estimate]:
    """Each column's mean over the problems (rows), with its percentile-bootstrap 95% interval."""
    ci = metrics.bootstrap_ci(per_problem, config.bootstrap_resamples, config.bootstrap_seed)
    return [Estimate(float(per_problem[:, i].mean()), float(ci[0, i]), float(ci[1, i]))
            for i in range(per_problem.shape[1])]


def estimates_by_metric(values: dict[str, np.ndarray], ks: list[int], config: ScoreConfig
                        ) -> tuple[dict[str, dict[int, Estimate]], Estimate]:
    """Every metric's estimates at each k, and mean@n's; one bootstrap over all columns at once (the same
    resampled problems for every metric)."""
    names = list(metrics.AT_K)
    table = estimates(np.concatenate([values[name] for name in names] + [values["mean@n"]], axis=1), config)
    width = len(ks)
    return ({name: dict(zip(ks, table[i * width:(i + 1) * width], strict=True)) for i, name in enumerate(names)},
            table[-1])


TRUNCATION_WARNING = 0.05  # above this share of samples cut at the token budget, every table says so


def truncation_note(rate: float) -> tuple[str, ...]:
    if rate <= TRUNCATION_WARNING:
        return ()
    return (f"warning: {rate:.1%} of samples hit the token budget (truncated), above {TRUNCATION_WARNING:.0%}: "
            f"the scores measure the budget as much as the model",)


JUDGED = "judge:"  # the note that says how many verdicts came from a judge model (`--judge`)


def judge_note(judged: int, total: int) -> tuple[str, ...]:
    if not judged:
        return ()
    return (f"{JUDGED} {judged} of {total} samples' verdicts came from a judge model (method judge), "
            f"the others' from the rules",)


def benchmark_result(tallies: list[ProblemTally], ks: list[int], config: ScoreConfig,
                     notes: tuple[str, ...] = ()) -> tuple[BenchmarkResult, dict[str, np.ndarray]]:
    """The scores of these problems at these K, for `passk score` and for each run of `passk compare`;
    with the per-problem values they come from (compare pairs them across runs)."""
    values = per_problem(tallies, ks)
    at_k, mean_at_n = estimates_by_metric(values, ks, config)
    status_counts: Counter[str] = Counter()
    for t in tallies:
        status_counts.update(t.statuses)
    n = [t.n for t in tallies]
    total = sum(n)
    truncation = (status_counts["truncated"] + sum(t.cut_graded for t in tallies)) / total
    judged = sum(t.judged for t in tallies)
    result = BenchmarkResult(
        n_problems=len(tallies), k=tuple(ks), metrics=at_k, mean_at_n=mean_at_n, n_min=min(n), n_max=max(n),
        mean_num_tokens=sum(t.tokens for t in tallies) / total, truncation_rate=truncation,
        n_samples=total, status_counts={s: int(status_counts[s]) for s in STATUSES}, judged_samples=judged,
        notes=truncation_note(truncation) + judge_note(judged, total) + tuple(notes),
        problems=tuple(ProblemRow(t.problem_id, t.n, t.c, dict(t.statuses), t.tokens / t.n) for t in tallies),
        diversity=diversity(tallies, values, ks, config))
    return result, values


def diversity(tallies: list[ProblemTally], values: dict[str, np.ndarray], ks: list[int], config: ScoreConfig
              ) -> Diversity:
    """Distinct answers and answer entropy per problem (means over problems), and maj@k - pass@k."""
    entropies = []
    for t in tallies:
        votes = np.array(list(t.votes.values()), dtype=float)
        share = votes / votes.sum() if votes.size else votes
        entropies.append(float(-(share * np.log2(share)).sum()) if votes.size else 0.0)
    gap = estimates(values["maj@k"] - values["pass@k"], config)
    return Diversity(float(np.mean([len(t.votes) for t in tallies])), float(np.mean(entropies)),
                     dict(zip(ks, gap, strict=True)))


def k_list(config: ScoreConfig, n_min: int, where: str = "") -> tuple[list[int], list[int]]:
    """(the K to report, the K asked for that exceed the smallest n): the default is powers of two up to n_min."""
    wanted = list(config.k) if config.k else metrics.default_k_list(n_min)
    ks, dropped = [k for k in wanted if k <= n_min], [k for k in wanted if k > n_min]
    if not ks:
        raise InputError(f"--k {','.join(map(str, wanted))}: every K exceeds the smallest number of samples "
                         f"per problem{where} ({n_min}); give K <= {n_min}")
    return ks, dropped


def score_benchmark(problems: dict[str, ProblemTally], config: ScoreConfig) -> BenchmarkResult:
    """Scores at the K of `config` that every problem has samples for; the others are left out, with a note."""
    tallies = sorted(problems.values(), key=lambda t: t.problem_id)
    n_min, n_max = min(t.n for t in tallies), max(t.n for t in tallies)
    ks, dropped = k_list(config, n_min)
    notes = []
    if n_min != n_max:
        notes.append(f"{INCOMPLETE} problems have between {n_min} and {n_max} samples; every metric at K is "
                     f"reported for K <= {n_min}")
    if dropped:
        notes.append(f"{INCOMPLETE} K {', '.join(map(str, dropped))} exceed the smallest number of samples per "
                     f"problem ({n_min}) and are left out")
    return benchmark_result(tallies, ks, config, tuple(notes))[0]


INCOMPLETE = "incomplete:"  # the notes that make a score partial: stderr always, an error under --strict


def warnings_of(scores: RunScores) -> list[str]:
    """The notes a user must see (incomplete runs, K left out, truncation above 5%), as `BENCHMARK: note`."""
    return [f"{name}: {note}" for name, b in scores.benchmarks.items() for note in b.notes
            if note.startswith((INCOMPLETE, "warning:"))]


def mean_token_entropy(run: RunDir) -> dict[str, float]:
    """Per benchmark, the mean entropy (nats) of every completion token, where `passk entropy` stored them."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for part in run.entropy_parts():
        for row in read_part_table(part, ["benchmark", "entropy"]):
            values = np.asarray(row["entropy"], dtype=np.float64)
            sums[row["benchmark"]][0] += float(values.sum())
            sums[row["benchmark"]][1] += values.size
    return {name: total / count for name, (total, count) in sums.items() if count}


def score_run(run: RunDir, config: ScoreConfig = ScoreConfig(), strict: bool = False) -> RunScores:
    """Scores of every graded sample; refuses a run whose grades do not match its samples one to one.
    A run still being generated or graded is scored as it stands, with notes saying what is missing;
    `strict` refuses it instead."""
    run.require()
    require_consistent_grades(run)
    grades = read_grades(run)
    if not grades:
        raise InputError(f"{run.path}: no grades yet; run `passk grade {run.path}` first")
    tallies = tally(grades)  # no duplicates: require_consistent_grades refused them
    graded_by = grading_provenance(grades)
    expected = Counter(b for b, _ in run.read_problems())
    settings = run.read_manifest().settings
    ungraded = sum(not run.grade_part_for(p).exists() for p in run.sample_parts())
    benchmarks = {}
    for benchmark, problems in sorted(tallies.items()):
        result = score_benchmark(problems, config)
        notes = []
        missing = expected[benchmark] - len(problems)
        if missing > 0:
            notes.append(f"{INCOMPLETE} {missing} of {expected[benchmark]} problems have no graded samples yet")
        if settings and result.n_min < settings.n:
            short = sum(p.n < settings.n for p in result.problems)
            notes.append(f"{INCOMPLETE} {short} problems have fewer than the run's n = {settings.n} graded samples")
        if ungraded:
            notes.append(f"{INCOMPLETE} {ungraded} sample parts are not graded yet (`passk grade {run.path}`)")
        if len(graded_by) > 1:
            notes.append(f"graded by {len(graded_by)} graders or policies ({', '.join(graded_by)}); "
                         f"`passk grade {run.path} --regrade` makes it one")
        benchmarks[benchmark] = replace(result, notes=result.notes + tuple(notes))
    for benchmark, entropy in mean_token_entropy(run).items():
        b = benchmarks.get(benchmark)
        if b is not None and b.diversity:
            benchmarks[benchmark] = replace(b, diversity=replace(b.diversity, mean_token_entropy=entropy))
    scores = RunScores(config, tuple(graded_by), benchmarks)
    partial = [w for w in warnings_of(scores) if INCOMPLETE in w]
    if strict and partial:
        raise InputError(f"{run.path}: the run is incomplete (--strict): " + "; ".join(partial))
    return scores


def write_scores(run: RunDir, scores: RunScores) -> None:
    write_json_atomic(run.scores_json, scores.to_json())
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["benchmark", "metric", "k", "value", "ci95_low", "ci95_high"])
    for name, b in scores.benchmarks.items():
        for metric, by_k in b.metrics.items():
            for k, e in by_k.items():
                writer.writerow([name, metric, k, e.value, e.low, e.high])
        writer.writerow([name, "mean@n", "", b.mean_at_n.value, b.mean_at_n.low, b.mean_at_n.high])
    write_text_atomic(run.scores_csv, buf.getvalue())


def cell(e: Estimate) -> str:
    """A value with its interval, compactly: 0.512 [.490,.531]."""
    def short(x: float) -> str:
        return f"{x:.3f}".replace("0.", ".", 1) if 0 <= x < 1 else f"{x:.2f}"
    return f"{e.value:.3f} [{short(e.low)},{short(e.high)}]"


def format_table(scores: RunScores) -> str:
    lines = []
    for name, b in scores.benchmarks.items():
        lines.append(f"{name}: {b.n_problems} problems, {b.n_samples} samples, mean@n {cell(b.mean_at_n)}, "
                     f"truncated {b.truncation_rate:.1%}")
        labels = [metrics.LABELS[m] for m in b.metrics]
        width = max(18, *(len(label) for label in labels))
        lines.append(f"  {'k':>5} " + " ".join(f"{label:>{width}}" for label in labels))
        for k in b.k:
            lines.append(f"  {k:>5} " + " ".join(f"{cell(by_k[k]):>{width}}" for by_k in b.metrics.values()))
        counts = ", ".join(f"{s} {v}" for s, v in b.status_counts.items() if v)
        lines.append(f"  statuses: {counts}")
        if b.diversity:
            d = b.diversity
            tokens = f"; mean token entropy {d.mean_token_entropy:.3f} nats" if d.mean_token_entropy is not None else ""
            lines.append(f"  answers per problem: {d.distinct_answers:.1f} distinct, entropy {d.answer_entropy_bits:.2f} "
                         f"bits{tokens}; maj@k - pass@k at k = {b.k[-1]}: {cell(d.maj_minus_pass[b.k[-1]])}")
        lines.extend(f"  note: {note}" for note in b.notes)
    lines.append("95% intervals: percentile bootstrap over problems (docs/metrics.md)")
    return "\n".join(lines)

"""Turn a run directory's grades into scores.json / scores.csv and a printed table."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from passk import metrics
from passk.check import require_consistent_grades
from passk.errors import ConfigError, InputError
from passk.grade.engine import STATUSES
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.grade.files import grading_provenance
from passk.rundir import RunDir, read_grades


@dataclass(frozen=True)
class ScoreConfig:
    k: tuple[int, ...] | None = None  # None: powers of two up to the smallest n
    bootstrap_resamples: int = metrics.BOOTSTRAP_RESAMPLES
    bootstrap_seed: int = metrics.BOOTSTRAP_SEED
    maj_resamples: int = 200

    def __post_init__(self):
        if self.k is not None:
            bad = [k for k in self.k if not isinstance(k, int) or isinstance(k, bool) or k < 1]
            if bad or not self.k:
                raise ConfigError(f"--k must be positive integers (for example 1,2,4), got {list(self.k)}")


@dataclass
class ProblemTally:
    problem_id: str
    statuses: Counter
    votes: Counter  # answer class -> count, for maj@k
    abstain: int
    tokens: int

    @property
    def n(self) -> int:
        return sum(self.statuses.values())

    @property
    def c(self) -> int:
        return self.statuses["correct"]


def tally(grades: list[dict[str, Any]]) -> tuple[dict[str, dict[str, ProblemTally]], int]:
    """Per benchmark and problem: statuses and votes. Duplicate (problem, sample_idx) rows count once."""
    seen: set[tuple[str, str, int]] = set()
    duplicates = 0
    out: dict[str, dict[str, ProblemTally]] = defaultdict(dict)
    for row in grades:
        key = (row["benchmark"], row["problem_id"], row["sample_idx"])
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        t = out[row["benchmark"]].setdefault(row["problem_id"], ProblemTally(row["problem_id"], Counter(), Counter(), 0, 0))
        t.statuses[row["status"]] += 1
        t.tokens += row.get("num_tokens") or 0
        if row.get("answer_key") is None:
            t.abstain += 1
        else:
            t.votes[row["answer_key"]] += 1
    return out, duplicates


def per_problem(tallies: list[ProblemTally], ks: list[int], maj_resamples: int = 200,
                seed: int = metrics.BOOTSTRAP_SEED) -> dict[str, np.ndarray]:
    """Per problem (rows) and k (columns): pass@k and maj@k; mean@n as one column."""
    from passk.grade.engine import CORRECT_CLASS

    n = np.array([t.n for t in tallies])
    c = np.array([t.c for t in tallies])
    pass_k = metrics.pass_at_k_all(n, c, max(ks))[:, [k - 1 for k in ks]]
    votes = [np.array(list(t.votes.values())) for t in tallies]
    good = [list(t.votes).index(CORRECT_CLASS) if CORRECT_CLASS in t.votes else None for t in tallies]
    abstain = [t.abstain for t in tallies]
    maj = np.stack([metrics.maj_at_k(votes, good, k, abstain, maj_resamples, seed) for k in ks], axis=1)
    return {"pass_at_k": pass_k, "maj_at_k": maj, "mean_at_n": (c / n)[:, None]}


def score_benchmark(problems: dict[str, ProblemTally], config: ScoreConfig) -> dict[str, Any]:
    tallies = sorted(problems.values(), key=lambda t: t.problem_id)
    n = np.array([t.n for t in tallies])
    n_min = int(n.min())
    wanted = list(config.k) if config.k else metrics.default_k_list(n_min)
    ks = [k for k in wanted if k <= n_min]
    dropped = [k for k in wanted if k > n_min]
    if not ks:
        raise InputError(f"--k {','.join(map(str, wanted))}: every K exceeds the smallest number of samples "
                         f"per problem ({n_min}); give K <= {n_min}")
    values = per_problem(tallies, ks, config.maj_resamples, config.bootstrap_seed)
    per_k, maj, acc = values["pass_at_k"], values["maj_at_k"], values["mean_at_n"][:, 0]
    ci = metrics.bootstrap_ci(per_k, config.bootstrap_resamples, config.bootstrap_seed)
    maj_ci = metrics.bootstrap_ci(maj, config.bootstrap_resamples, config.bootstrap_seed)
    acc_ci = metrics.bootstrap_ci(acc, config.bootstrap_resamples, config.bootstrap_seed)
    status_counts = Counter()
    for t in tallies:
        status_counts.update(t.statuses)
    total = int(n.sum())
    notes = []
    if len(set(n.tolist())) > 1:
        notes.append(f"problems have between {n_min} and {int(n.max())} samples; Pass@K is reported for k <= {n_min}")
    if dropped:
        notes.append(f"k {dropped} exceed the smallest number of samples per problem ({n_min}) and are left out")
    return {
        "n_problems": len(tallies),
        "n_samples": total,
        "k": ks,
        "pass_at_k": {str(k): float(per_k[:, i].mean()) for i, k in enumerate(ks)},
        "ci95": {str(k): [float(ci[0, i]), float(ci[1, i])] for i, k in enumerate(ks)},
        "maj_at_k": {str(k): float(maj[:, i].mean()) for i, k in enumerate(ks)},
        "maj_ci95": {str(k): [float(maj_ci[0, i]), float(maj_ci[1, i])] for i, k in enumerate(ks)},
        "mean_at_n": float(acc.mean()),
        "mean_at_n_ci95": [float(acc_ci[0, 0]), float(acc_ci[1, 0])],
        "status_counts": {s: int(status_counts[s]) for s in STATUSES},
        "truncation_rate": status_counts["truncated"] / total,
        "mean_num_tokens": sum(t.tokens for t in tallies) / total,
        "notes": notes,
        "problems": [{"id": t.problem_id, "n": t.n, "c": t.c, "statuses": dict(t.statuses),
                      "mean_num_tokens": t.tokens / t.n} for t in tallies],
    }


def score_run(run: RunDir, config: ScoreConfig = ScoreConfig()) -> dict[str, Any]:
    """Scores of every graded sample; refuses a run whose grades do not match its samples one to one."""
    run.require()
    require_consistent_grades(run)
    grades = read_grades(run)
    if not grades:
        raise InputError(f"{run.path}: no grades yet; run `passk grade {run.path}` first")
    tallies, _ = tally(grades)  # no duplicates: require_consistent_grades refused them
    graded_by = grading_provenance(grades)
    expected = Counter(b for b, _ in run.read_problems())
    ungraded = sum(not run.grade_part_for(p).exists() for p in run.sample_parts())
    scores: dict[str, Any] = {"config": {"k": list(config.k) if config.k else None,
                                         "bootstrap_resamples": config.bootstrap_resamples,
                                         "bootstrap_seed": config.bootstrap_seed,
                                         "maj_resamples": config.maj_resamples},
                              "graded_by": graded_by, "benchmarks": {}}  # the run's settings: its manifest.json
    for benchmark, problems in sorted(tallies.items()):
        result = score_benchmark(problems, config)
        missing = expected[benchmark] - len(problems)
        if missing > 0:
            result["notes"].append(f"{missing} of {expected[benchmark]} problems have no samples yet")
        if ungraded:
            result["notes"].append(f"{ungraded} sample parts are not graded yet (`passk grade {run.path}`)")
        if len(graded_by) > 1:
            result["notes"].append(f"graded by {len(graded_by)} graders or policies ({', '.join(graded_by)}); "
                                   f"`passk grade {run.path} --regrade` makes it one")
        scores["benchmarks"][benchmark] = result
    return scores


def write_scores(run: RunDir, scores: dict[str, Any]) -> None:
    write_json_atomic(run.scores_json, scores)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["benchmark", "metric", "k", "value", "ci95_low", "ci95_high"])
    for name, b in scores["benchmarks"].items():
        for k in b["k"]:
            writer.writerow([name, "pass@k", k, b["pass_at_k"][str(k)], *b["ci95"][str(k)]])
        for k in b["k"]:
            writer.writerow([name, "maj@k", k, b["maj_at_k"][str(k)], *b["maj_ci95"][str(k)]])
        writer.writerow([name, "mean@n", "", b["mean_at_n"], *b["mean_at_n_ci95"]])
    write_text_atomic(run.scores_csv, buf.getvalue())


def format_table(scores: dict[str, Any]) -> str:
    lines = []
    for name, b in scores["benchmarks"].items():
        lines.append(f"{name}: {b['n_problems']} problems, {b['n_samples']} samples, mean@n {b['mean_at_n']:.3f} "
                     f"[{b['mean_at_n_ci95'][0]:.3f}, {b['mean_at_n_ci95'][1]:.3f}]")
        lines.append(f"  {'k':>6} {'pass@k':>8} {'95% CI':>17} {'maj@k':>8}")
        for k in b["k"]:
            lo, hi = b["ci95"][str(k)]
            lines.append(f"  {k:>6} {b['pass_at_k'][str(k)]:>8.3f} {f'[{lo:.3f}, {hi:.3f}]':>17} "
                         f"{b['maj_at_k'][str(k)]:>8.3f}")
        counts = ", ".join(f"{s} {v}" for s, v in b["status_counts"].items() if v)
        lines.append(f"  statuses: {counts}")
        lines.extend(f"  note: {note}" for note in b["notes"])
    return "\n".join(lines)

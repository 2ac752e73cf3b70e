"""`passk compare`: runs side by side, with paired bootstrap intervals on their differences.

For each benchmark the runs share, on the problems they share: every metric at K (passk.metrics.AT_K)
and mean@n of every run, and of each later run against the first, the difference with a paired
bootstrap 95% interval (problems resampled together, so per-problem difficulty cancels). K stops at
the smallest n of any run. Also coverage (passk.coverage): the problems one run solves at the largest
K and the other does not, and where the first run's Pass@K overtakes the later one's; mean response
length and truncation rate. Settings that differ between runs are listed. Whatever makes the comparison
partial (problems or benchmarks not in every run, K above some run's n) is a warning, or with --strict
an error. compare_report.py writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from passk.compare_report import format_comparison, write_comparison  # noqa: F401  (the CLI's names)
from passk.coverage import crossing_point
from passk.errors import InputError
from passk.grade.rows import grading_provenance
from passk.results import BenchmarkComparison, BenchmarkResult, Comparison, PairedDifference, ScoreConfig, SolvedSets
from passk.rundir import RunDir, read_grades
from passk.score import JUDGED, ProblemTally, benchmark_result, estimates_by_metric, k_list, tally
from passk.settings import COMPARED_SETTINGS, settings_diff


@dataclass
class RunData:
    label: str
    run: RunDir
    tallies: dict[str, dict[str, ProblemTally]]
    settings: dict[str, Any]


def load_run(path: str, label: str | None = None) -> RunData:
    run = RunDir(path).require()
    grades = read_grades(run)
    if not grades:
        raise InputError(f"{run.path}: no grades; run `passk grade {run.path}` first")
    tallies = tally(grades)
    settings = run.read_manifest().settings
    # what graded the samples is compared like a setting: runs graded differently are not comparable as they are
    return RunData(label or run.path.name, run, tallies,
                   {**(settings.as_dict() if settings else {}), "graded_by": grading_provenance(grades)})


def compare_runs(runs: list[RunData], config: ScoreConfig = ScoreConfig(), strict: bool = False) -> Comparison:
    """Each run's scores on the problems all runs share, at the K of `config` that every run has samples for;
    each later run against the first with paired bootstrap intervals. What makes the comparison partial
    (benchmarks or problems not in every run, K above some run's n) is listed in its warnings; with
    `strict` it is refused instead."""
    if len(runs) < 2:
        raise InputError("compare needs at least two runs")
    labels = [r.label for r in runs]
    if len(set(labels)) != len(labels):
        raise InputError(f"run labels must differ, got {labels}; pass --labels")
    partial, noted = [], []
    every = set.intersection(*(set(r.tallies) for r in runs))
    for benchmark in sorted(set.union(*(set(r.tallies) for r in runs)) - every):
        having = [r.label for r in runs if benchmark in r.tallies]
        partial.append(f"{benchmark} is graded in {', '.join(having)} only: left out")
    benchmarks = {}
    for benchmark in sorted(every):
        shared = sorted(set.intersection(*(set(r.tallies[benchmark]) for r in runs)))
        if not shared:
            partial.append(f"{benchmark}: the runs share no problem: left out")
            continue
        for r in runs:
            if len(r.tallies[benchmark]) > len(shared):
                partial.append(f"{benchmark}: {r.label} has {len(r.tallies[benchmark]) - len(shared)} problems "
                               f"not in every run; compared on the {len(shared)} shared")
        per_run = [[r.tallies[benchmark][pid] for pid in shared] for r in runs]
        n_min = min(t.n for tallies in per_run for t in tallies)
        ks, dropped = k_list(config, n_min, f" in {benchmark}")
        if dropped:
            partial.append(f"{benchmark}: K {', '.join(map(str, dropped))} exceed the smallest number of samples "
                           f"per problem ({n_min}) and are left out")
        scored = [benchmark_result(tallies, ks, config) for tallies in per_run]
        for label, (result, _) in zip(labels, scored, strict=True):  # truncation, and verdicts of a judge model
            noted += [f"{benchmark}, {label}: {note.removeprefix('warning: ')}" for note in result.notes
                      if note.startswith(("warning:", JUDGED))]
        first = scored[0][1]
        differences = {f"{label} - {labels[0]}": _paired_difference(per_run[0], tallies, first, values, shared, ks,
                                                                    config, labels[0], label)
                       for label, tallies, (_, values) in zip(labels[1:], per_run[1:], scored[1:], strict=True)}
        benchmarks[benchmark] = BenchmarkComparison(
            n_problems=len(shared), k=tuple(ks),
            problems_only_in_some_runs=sum(len(r.tallies[benchmark]) for r in runs) - len(runs) * len(shared),
            runs={label: result for label, (result, _) in zip(labels, scored, strict=True)}, differences=differences,
            problem_ids=tuple(shared),
            pass_rates={label: tuple(t.c / t.n for t in tallies)
                        for label, tallies in zip(labels, per_run, strict=True)},
            diversity={label: _answer_diversity(r) for label, (r, _) in zip(labels, scored, strict=True)})
    if strict and partial:
        raise InputError("the comparison is partial (--strict): " + "; ".join(partial))
    if not benchmarks:
        raise InputError(f"the runs share no benchmark with graded problems: {labels}")
    return Comparison(tuple(labels), _differences(runs), benchmarks, tuple(partial + noted))


def _answer_diversity(result: BenchmarkResult) -> tuple[float, float]:
    assert result.diversity is not None  # benchmark_result computes it; only old scores.json files lack it
    return result.diversity.distinct_answers, result.diversity.answer_entropy_bits


def _paired_difference(first_tallies: list[ProblemTally], other_tallies: list[ProblemTally],
                       first: dict[str, np.ndarray], other: dict[str, np.ndarray], shared: list[str], ks: list[int],
                       config: ScoreConfig, first_label: str, other_label: str) -> PairedDifference:
    """other - first, problem by problem: the bootstrap resamples the problems of both runs together."""
    at_k, mean_at_n = estimates_by_metric({m: other[m] - first[m] for m in first}, ks, config)
    solved_first, solved_other = first["pass@k"][:, -1] >= 0.5, other["pass@k"][:, -1] >= 0.5
    solved = SolvedSets(k=ks[-1], first=first_label, other=other_label,
                        only_first=tuple(shared[i] for i in np.flatnonzero(solved_first & ~solved_other)),
                        only_other=tuple(shared[i] for i in np.flatnonzero(solved_other & ~solved_first)),
                        both=int((solved_first & solved_other).sum()), neither=int((~solved_first & ~solved_other).sum()))
    crossing = crossing_point([t.n for t in first_tallies], [t.c for t in first_tallies],
                              [t.n for t in other_tallies], [t.c for t in other_tallies],
                              config.bootstrap_resamples, config.bootstrap_seed)
    return PairedDifference(at_k, mean_at_n, solved, crossing)


def _differences(runs: list[RunData]) -> dict[str, dict[str, Any]]:
    return settings_diff({r.label: r.settings for r in runs}, COMPARED_SETTINGS)

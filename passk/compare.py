"""`passk compare`: runs side by side, with paired bootstrap intervals on their differences.

For each benchmark the runs share, on the problems they share: Pass@K, maj@K and mean@n
of every run, and of each later run against the first, the difference with a paired
bootstrap 95% interval (problems resampled together, so per-problem difficulty cancels)
and a mark where the interval excludes zero. K stops at the smallest n of any run. Also
the problems one run solves at the largest K and the other does not ("solved": the
unbiased Pass@K estimate is at least 1/2, which is "some sample correct" when K = n),
mean response length and truncation rate. Settings that differ between runs are listed;
runs of different n compare at the K both support.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from passk.errors import InputError
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.plot import interval_curve, plot_pass_at_k
from passk.results import BenchmarkComparison, Comparison, PairedDifference, ScoreConfig, SolvedSets
from passk.rundir import RunDir, read_grades
from passk.score import ProblemTally, benchmark_result, estimates_by_metric, k_list, tally
from passk.grade.rows import grading_provenance
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


def compare_runs(runs: list[RunData], config: ScoreConfig = ScoreConfig()) -> Comparison:
    """Each run's scores on the problems all runs share, at the K of `config` that every run has samples for;
    each later run against the first with paired bootstrap intervals."""
    if len(runs) < 2:
        raise InputError("compare needs at least two runs")
    labels = [r.label for r in runs]
    if len(set(labels)) != len(labels):
        raise InputError(f"run labels must differ, got {labels}; pass --labels")
    benchmarks = {}
    for benchmark in sorted(set.intersection(*(set(r.tallies) for r in runs))):
        shared = sorted(set.intersection(*(set(r.tallies[benchmark]) for r in runs)))
        if not shared:
            continue
        per_run = [[r.tallies[benchmark][pid] for pid in shared] for r in runs]
        n_min = min(t.n for tallies in per_run for t in tallies)
        ks, _ = k_list(config, n_min, f" in {benchmark}")  # K above some run's n are left out, as score does
        scored = [benchmark_result(tallies, ks, config) for tallies in per_run]
        first = scored[0][1]
        differences = {f"{label} - {labels[0]}": _paired_difference(first, values, shared, ks, config, labels[0], label)
                       for label, (_, values) in zip(labels[1:], scored[1:])}
        benchmarks[benchmark] = BenchmarkComparison(
            n_problems=len(shared), k=tuple(ks),
            problems_only_in_some_runs=sum(len(r.tallies[benchmark]) for r in runs) - len(runs) * len(shared),
            runs={label: result for label, (result, _) in zip(labels, scored)}, differences=differences)
    if not benchmarks:
        raise InputError(f"the runs share no benchmark with graded problems: {labels}")
    return Comparison(tuple(labels), _differences(runs), benchmarks)


def _paired_difference(first: dict[str, np.ndarray], other: dict[str, np.ndarray], shared: list[str], ks: list[int],
                       config: ScoreConfig, first_label: str, other_label: str) -> PairedDifference:
    """other - first, problem by problem: the bootstrap resamples the problems of both runs together."""
    at_k, mean_at_n = estimates_by_metric({m: other[m] - first[m] for m in first}, ks, config)
    solved_first, solved_other = first["pass@k"][:, -1] >= 0.5, other["pass@k"][:, -1] >= 0.5
    solved = SolvedSets(k=ks[-1], first=first_label, other=other_label,
                        only_first=tuple(shared[i] for i in np.flatnonzero(solved_first & ~solved_other)),
                        only_other=tuple(shared[i] for i in np.flatnonzero(solved_other & ~solved_first)),
                        both=int((solved_first & solved_other).sum()), neither=int((~solved_first & ~solved_other).sum()))
    return PairedDifference(at_k, mean_at_n, solved)


def _differences(runs: list[RunData]) -> dict[str, dict[str, Any]]:
    return settings_diff({r.label: r.settings for r in runs}, COMPARED_SETTINGS)


def format_comparison(result: Comparison) -> str:
    lines = []
    if result.settings_differ:
        lines.append("settings that differ: " + ", ".join(result.settings_differ))
    for name, b in result.benchmarks.items():
        labels = list(b.runs)
        lines.append(f"{name}: {b.n_problems} shared problems")
        header = f"  {'k':>5} " + " ".join(f"{label[:14]:>14}" for label in labels)
        header += " " + " ".join(f"{d[:30]:>30}" for d in b.differences)
        lines.append(header)
        for k in b.k:
            row = f"  {k:>5} " + " ".join(f"{b.runs[label].pass_at_k[k].value:>14.3f}" for label in labels)
            for difference in b.differences.values():
                x = difference.pass_at_k[k]
                cell = f"{x.value:+.3f} [{x.low:+.3f},{x.high:+.3f}]{'*' if x.excludes_zero else ' '}"
                row += f" {cell:>30}"
            lines.append(row)
        lines.append(f"  {'mean@n':>5} " + " ".join(f"{r.mean_at_n.value:>14.3f}" for r in b.runs.values()))
        lines.append(f"  {'tokens':>5} " + " ".join(f"{r.mean_num_tokens:>14.0f}" for r in b.runs.values()))
        lines.append(f"  {'trunc':>5} " + " ".join(f"{r.truncation_rate:>14.1%}" for r in b.runs.values()))
        for d in b.differences.values():
            s = d.solved_at_largest_k
            lines.append(f"  solved at k={s.k}: only_{s.first} {len(s.only_first)}, only_{s.other} {len(s.only_other)}, "
                         f"both {s.both}, neither {s.neither}")
    lines.append("* the paired bootstrap 95% interval of the difference excludes zero")
    return "\n".join(lines)


def write_comparison(result: Comparison, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "compare.json", result.to_json())
    md = ["# passk compare", "", "```", format_comparison(result), "```", "", "![Pass@K](compare.png)", ""]
    if result.settings_differ:
        md += ["## Settings that differ", ""] + [f"- `{k}`: {v}" for k, v in result.settings_differ.items()] + [""]
    write_text_atomic(out / "compare.md", "\n".join(md))
    plot_pass_at_k({f"{name} ({b.n_problems} problems)": [interval_curve(label, r) for label, r in b.runs.items()]
                    for name, b in result.benchmarks.items()}, out / "compare.png", band_alpha=0.15)

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

from passk import metrics
from passk.errors import InputError
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.rundir import RunDir, read_grades
from passk.score import ProblemTally, per_problem, tally
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
    tallies, _ = tally(grades)
    settings = run.read_manifest().settings
    # what graded the samples is compared like a setting: runs graded differently are not comparable as they are
    return RunData(label or run.path.name, run, tallies,
                   {**(settings.as_dict() if settings else {}), "graded_by": grading_provenance(grades)})


def compare_runs(runs: list[RunData], ks: list[int] | None = None, resamples: int = metrics.BOOTSTRAP_RESAMPLES,
                 seed: int = metrics.BOOTSTRAP_SEED, maj_resamples: int = 200) -> dict[str, Any]:
    if len(runs) < 2:
        raise InputError("compare needs at least two runs")
    labels = [r.label for r in runs]
    if len(set(labels)) != len(labels):
        raise InputError(f"run labels must differ, got {labels}; pass --labels")
    out: dict[str, Any] = {"runs": labels, "settings_differ": _differences(runs), "benchmarks": {}}
    for benchmark in sorted(set.intersection(*(set(r.tallies) for r in runs))):
        shared = sorted(set.intersection(*(set(r.tallies[benchmark]) for r in runs)))
        if not shared:
            continue
        per_run = [[r.tallies[benchmark][pid] for pid in shared] for r in runs]
        n_min = min(t.n for tallies in per_run for t in tallies)
        use_ks = [k for k in (ks or metrics.default_k_list(n_min)) if k <= n_min]
        values = [per_problem(t, use_ks, maj_resamples, seed) for t in per_run]
        entry: dict[str, Any] = {"n_problems": len(shared), "k": use_ks,
                                 "problems_only_in_some_runs": sum(len(r.tallies[benchmark]) for r in runs) - len(runs) * len(shared),
                                 "runs": {}, "differences": {}}
        for label, v, tallies in zip(labels, values, per_run):
            n_samples = sum(t.n for t in tallies)
            ci = {m: metrics.bootstrap_ci(v[m], resamples, seed) for m in v}
            entry["runs"][label] = {
                "pass_at_k": _by_k(use_ks, v["pass_at_k"].mean(axis=0)), "pass_ci95": _ci_by_k(use_ks, ci["pass_at_k"]),
                "maj_at_k": _by_k(use_ks, v["maj_at_k"].mean(axis=0)), "maj_ci95": _ci_by_k(use_ks, ci["maj_at_k"]),
                "mean_at_n": float(v["mean_at_n"].mean()), "mean_at_n_ci95": [float(x) for x in ci["mean_at_n"][:, 0]],
                "n_min": min(t.n for t in tallies), "n_max": max(t.n for t in tallies),
                "mean_num_tokens": sum(t.tokens for t in tallies) / n_samples,
                "truncation_rate": sum(t.statuses["truncated"] for t in tallies) / n_samples,
            }
        base = values[0]
        k_top = use_ks[-1]
        for label, v in zip(labels[1:], values[1:]):
            diff = {}
            for m in ("pass_at_k", "maj_at_k"):
                d = v[m] - base[m]
                ci = metrics.bootstrap_ci(d, resamples, seed)
                diff[m] = {str(k): {"diff": float(d[:, i].mean()), "ci95": [float(ci[0, i]), float(ci[1, i])],
                                    "excludes_zero": bool(ci[0, i] > 0 or ci[1, i] < 0)} for i, k in enumerate(use_ks)}
            d = v["mean_at_n"] - base["mean_at_n"]
            ci = metrics.bootstrap_ci(d, resamples, seed)
            diff["mean_at_n"] = {"diff": float(d.mean()), "ci95": [float(ci[0, 0]), float(ci[1, 0])],
                                 "excludes_zero": bool(ci[0, 0] > 0 or ci[1, 0] < 0)}
            solved_base, solved_other = base["pass_at_k"][:, -1] >= 0.5, v["pass_at_k"][:, -1] >= 0.5
            diff["solved_at_largest_k"] = {
                "k": k_top,
                f"only_{labels[0]}": [shared[i] for i in np.flatnonzero(solved_base & ~solved_other)],
                f"only_{label}": [shared[i] for i in np.flatnonzero(solved_other & ~solved_base)],
                "both": int((solved_base & solved_other).sum()), "neither": int((~solved_base & ~solved_other).sum())}
            entry["differences"][f"{label} - {labels[0]}"] = diff
        out["benchmarks"][benchmark] = entry
    if not out["benchmarks"]:
        raise InputError(f"the runs share no benchmark with graded problems: {labels}")
    return out


def _by_k(ks, values) -> dict[str, float]:
    return {str(k): float(v) for k, v in zip(ks, values)}


def _ci_by_k(ks, ci) -> dict[str, list[float]]:
    return {str(k): [float(ci[0, i]), float(ci[1, i])] for i, k in enumerate(ks)}


def _differences(runs: list[RunData]) -> dict[str, dict[str, Any]]:
    return settings_diff({r.label: r.settings for r in runs}, COMPARED_SETTINGS)


def format_comparison(result: dict[str, Any]) -> str:
    lines = []
    if result["settings_differ"]:
        lines.append("settings that differ: " + ", ".join(result["settings_differ"]))
    for name, b in result["benchmarks"].items():
        labels = list(b["runs"])
        lines.append(f"{name}: {b['n_problems']} shared problems")
        header = f"  {'k':>5} " + " ".join(f"{label[:14]:>14}" for label in labels)
        diffs = list(b["differences"])
        header += " " + " ".join(f"{d[:30]:>30}" for d in diffs)
        lines.append(header)
        for k in b["k"]:
            row = f"  {k:>5} " + " ".join(f"{b['runs'][label]['pass_at_k'][str(k)]:>14.3f}" for label in labels)
            for d in diffs:
                x = b["differences"][d]["pass_at_k"][str(k)]
                cell = f"{x['diff']:+.3f} [{x['ci95'][0]:+.3f},{x['ci95'][1]:+.3f}]{'*' if x['excludes_zero'] else ' '}"
                row += f" {cell:>30}"
            lines.append(row)
        lines.append(f"  {'mean@n':>5} " + " ".join(f"{b['runs'][label]['mean_at_n']:>14.3f}" for label in labels))
        lines.append(f"  {'tokens':>5} " + " ".join(f"{b['runs'][label]['mean_num_tokens']:>14.0f}" for label in labels))
        lines.append(f"  {'trunc':>5} " + " ".join(f"{b['runs'][label]['truncation_rate']:>14.1%}" for label in labels))
        for d in diffs:
            s = b["differences"][d]["solved_at_largest_k"]
            only = {k: v for k, v in s.items() if k.startswith("only_")}
            lines.append(f"  solved at k={s['k']}: " + ", ".join(f"{k} {len(v)}" for k, v in only.items())
                         + f", both {s['both']}, neither {s['neither']}")
    lines.append("* the paired bootstrap 95% interval of the difference excludes zero")
    return "\n".join(lines)


def write_comparison(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "compare.json", result)
    md = ["# passk compare", "", "```", format_comparison(result), "```", "", "![Pass@K](compare.png)", ""]
    if result["settings_differ"]:
        md += ["## Settings that differ", ""] + [f"- `{k}`: {v}" for k, v in result["settings_differ"].items()] + [""]
    write_text_atomic(out / "compare.md", "\n".join(md))
    _plot(result, out / "compare.png")


def _plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["benchmarks"])
    fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 4.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        b = result["benchmarks"][name]
        colours = plt.get_cmap("tab10" if len(b["runs"]) <= 10 else "tab20")
        for i, (label, r) in enumerate(b["runs"].items()):
            ks = b["k"]
            ax.plot(ks, [r["pass_at_k"][str(k)] for k in ks], marker="o", label=label, color=colours(i))
            ax.fill_between(ks, [r["pass_ci95"][str(k)][0] for k in ks], [r["pass_ci95"][str(k)][1] for k in ks], alpha=0.15,
                            color=colours(i))
        ax.set_xscale("log", base=2)
        ax.set(xlabel="K", ylabel="Pass@K", ylim=(0, 1), title=f"{name} ({b['n_problems']} problems)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

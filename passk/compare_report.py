"""What `passk compare` writes: the answer in a sentence, markdown tables, a LaTeX (booktabs) export,
the figures and the frontier.

compare.md states the answer first (for each later run against the first: problems it solves that the
first never does within n samples, problems it loses, where the first overtakes its Pass@K), then per
benchmark one table per metric (each run with its interval, each difference with its paired interval),
lengths and truncation, coverage (preserved / shrunk / expanded) with problem ids, and the settings that
differ. compare.tex holds the same tables for a paper; frontier.jsonl the problems on some run's frontier.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from passk import metrics
from passk.coverage import frontier_rows, plot_coverage
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.plot import interval_curve, plot_pass_at_k
from passk.results import BenchmarkComparison, Comparison, Estimate, PairedDifference

MARK = "†"  # a difference whose paired 95% interval excludes zero


def _estimate(e: Estimate) -> str:
    return f"{e.value:.3f} [{e.low:.3f}, {e.high:.3f}]"


def _difference(e: Estimate) -> str:
    return f"{e.value:+.3f} [{e.low:+.3f}, {e.high:+.3f}]" + (MARK if e.excludes_zero else "")


def answer(name: str, b: BenchmarkComparison, d: PairedDifference) -> str:
    """The comparison in one sentence, with its intervals."""
    s = d.solved_at_largest_k
    first, other, k = s.first, s.other, s.k
    budget = f"{k} samples" if k > 1 else "1 sample"
    pass_1, pass_k = d.pass_at_k[b.k[0]], d.pass_at_k[k]
    text = (f"on {b.n_problems} problems, {other} solves {len(s.only_other)} that {first} does not within {budget} "
            f"and loses {len(s.only_first)} ({s.both} solved by both, {s.neither} by neither); against {first}, "
            f"its Pass@{b.k[0]} differs by {_difference(pass_1)} and its Pass@{k} by {_difference(pass_k)}")
    if d.crossing is not None:
        text += f"; {d.crossing.describe(first)}"
    return text + "."


def metric_table(b: BenchmarkComparison, metric: str) -> list[list[str]]:
    """Rows of one metric's table: K, each run's estimate, each difference."""
    rows = [["K"] + list(b.runs) + [n.replace(" - ", " − ") for n in b.differences]]
    for k in b.k:
        rows.append([str(k)] + [_estimate(r.metrics[metric][k]) for r in b.runs.values()]
                    + [_difference(d.metrics[metric][k]) for d in b.differences.values()])
    return rows


def summary_table(b: BenchmarkComparison) -> list[list[str]]:
    rows = [["", *b.runs, *(n.replace(" - ", " − ") for n in b.differences)]]
    rows.append(["mean@n", *(_estimate(r.mean_at_n) for r in b.runs.values()),
                 *(_difference(d.mean_at_n) for d in b.differences.values())])
    rows.append(["samples per problem", *(f"{r.n_min}" if r.n_min == r.n_max else f"{r.n_min}-{r.n_max}"
                                          for r in b.runs.values()), *([""] * len(b.differences))])
    rows.append(["mean length (tokens)", *(f"{r.mean_num_tokens:.0f}" for r in b.runs.values()),
                 *([""] * len(b.differences))])
    rows.append(["truncated (hit the token budget)", *(f"{r.truncation_rate:.1%}" for r in b.runs.values()),
                 *([""] * len(b.differences))])
    if any(r.judged_samples for r in b.runs.values()):  # verdicts of a judge model mixed in (`--judge`)
        rows.append(["verdicts from the judge (samples)", *(str(r.judged_samples) for r in b.runs.values()),
                     *([""] * len(b.differences))])
    if b.diversity:
        rows.append(["distinct answers per problem", *(f"{b.diversity[label][0]:.1f}" for label in b.runs),
                     *([""] * len(b.differences))])
        rows.append(["answer entropy per problem (bits)", *(f"{b.diversity[label][1]:.2f}" for label in b.runs),
                     *([""] * len(b.differences))])
    return rows


def coverage_table(b: BenchmarkComparison) -> list[list[str]]:
    rows = [["pair", "K", "preserved (both)", "shrunk (first only)", "expanded (later only)", "neither", "crossing"]]
    for name, d in b.differences.items():
        s = d.solved_at_largest_k
        rows.append([name.replace(" - ", " − "), str(s.k), str(s.both), str(len(s.only_first)), str(len(s.only_other)),
                     str(s.neither), d.crossing.describe(s.first) if d.crossing else ""])
    return rows


def markdown_table(rows: list[list[str]]) -> list[str]:
    def line(cells):
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    return [line(rows[0]), "|" + "|".join(["---"] + ["---:"] * (len(rows[0]) - 1)) + "|"] + [line(r) for r in rows[1:]]


def _settings_rows(result: Comparison) -> list[list[str]]:
    rows = [["setting", *result.runs]]
    for key, values in result.settings_differ.items():
        rows.append([key, *(f"`{json.dumps(values.get(label), sort_keys=True, default=str)}`" for label in result.runs)])
    return rows


def markdown(result: Comparison, figures: dict[str, list[str]] | None = None) -> str:
    md = [f"# passk compare: {', '.join(result.runs)}", ""]
    md += ["## Answer", ""]
    for name, b in result.benchmarks.items():
        md += [f"- **{name}**: {answer(d_name, b, d)}" for d_name, d in b.differences.items()]
    md.append("")
    if result.warnings:
        md += ["## Warnings", ""] + [f"- {w}" for w in result.warnings] + [""]
    marked = False
    for name, b in result.benchmarks.items():
        md += [f"## {name} ({b.n_problems} shared problems)", ""]
        md += markdown_table(summary_table(b)) + [""]
        for metric in next(iter(b.runs.values())).metrics:
            rows = metric_table(b, metric)
            marked = marked or any(MARK in c for r in rows for c in r)
            md += [f"### {metrics.LABELS[metric]}", ""] + markdown_table(rows) + [""]
        md += ["### Coverage (a problem is solved within K when its Pass@K estimate is at least 1/2)", ""]
        md += markdown_table(coverage_table(b)) + [""]
        for d in b.differences.values():
            s = d.solved_at_largest_k
            for title, ids in ((f"shrunk: solved by {s.first} only", s.only_first),
                               (f"expanded: solved by {s.other} only", s.only_other)):
                if ids:
                    md += [f"<details><summary>{title} ({len(ids)})</summary>", "", ", ".join(ids), "", "</details>", ""]
        for figure in (figures or {}).get(name, []):
            md += [f"![{figure}]({figure})", ""]
    md += ["![Pass@K](compare.png)", ""]
    if result.settings_differ:
        md += ["## Settings that differ", ""] + markdown_table(_settings_rows(result)) + [""]
    md += ["Values are means over the shared problems with 95% percentile-bootstrap intervals over problems; "
           "differences are paired (both runs' problems resampled together)."
           + (f" {MARK}: the difference's interval excludes zero." if marked else ""),
           "Metrics: docs/metrics.md. Every table is also in compare.tex (booktabs).", ""]
    return "\n".join(md)


def _tex(text: str) -> str:
    for a, b in (("\\", "\\textbackslash{}"), ("&", "\\&"), ("%", "\\%"), ("_", "\\_"), ("#", "\\#"),
                 ("^", "\\^{}"), ("τ", "$\\tau$"), ("−", "$-$"), (MARK, "$^\\dagger$")):
        text = text.replace(a, b)
    return text


def latex(result: Comparison) -> str:
    """Every metric table of every benchmark as a booktabs table (\\usepackage{booktabs})."""
    out = [f"% passk compare: {', '.join(result.runs)}; 95% bootstrap intervals over problems; "
           f"$^\\dagger$: the paired interval excludes zero", ""]
    for name, b in result.benchmarks.items():
        for metric in next(iter(b.runs.values())).metrics:
            rows = metric_table(b, metric)
            out += ["\\begin{table}[t]", "\\centering", "\\small",
                    f"\\begin{{tabular}}{{r{'c' * (len(rows[0]) - 1)}}}", "\\toprule",
                    " & ".join(_tex(c) for c in rows[0]) + " \\\\", "\\midrule"]
            out += [" & ".join(_tex(c) for c in row) + " \\\\" for row in rows[1:]]
            out += ["\\bottomrule", "\\end{tabular}",
                    f"\\caption{{{_tex(metrics.LABELS[metric])} on {_tex(name)} ({b.n_problems} problems).}}",
                    "\\end{table}", ""]
    return "\n".join(out)


def format_comparison(result: Comparison) -> str:
    """What `passk compare` prints: the answers, then each benchmark's Pass@K table."""
    lines = []
    if result.settings_differ:
        lines.append("settings that differ: " + ", ".join(result.settings_differ))
    for name, b in result.benchmarks.items():
        lines.append(f"{name}: {b.n_problems} shared problems")
        lines += [f"  {answer(d_name, b, d)}" for d_name, d in b.differences.items()]
        lines += ["  " + line for line in markdown_table(metric_table(b, "pass@k"))]
        lines.append("  truncated: " + ", ".join(f"{label} {r.truncation_rate:.1%}" for label, r in b.runs.items()))
    return "\n".join(lines)


def frontier(result: Comparison) -> list[dict[str, Any]]:
    rows = []
    for name, b in result.benchmarks.items():
        if not b.pass_rates:
            continue
        rates = {label: np.asarray(r, dtype=float) for label, r in b.pass_rates.items()}
        solved = {label: r > 0 for label, r in rates.items()}  # within n samples: some sample correct
        rows += [{"benchmark": name, **row} for row in frontier_rows(list(b.problem_ids), rates, solved)]
    return rows


def write_comparison(result: Comparison, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "compare.json", result.to_json())
    figures: dict[str, list[str]] = {}
    for name, b in result.benchmarks.items():
        if not b.pass_rates:
            continue
        labels = list(b.runs)
        for other in labels[1:]:
            png = f"coverage-{name}-{other}.png".replace("/", "_")
            plot_coverage(name, labels[0], other, np.asarray(b.pass_rates[labels[0]]), np.asarray(b.pass_rates[other]),
                          out / png)
            figures.setdefault(name, []).append(png)
    write_text_atomic(out / "compare.md", markdown(result, figures))
    write_text_atomic(out / "compare.tex", latex(result))
    write_text_atomic(out / "frontier.jsonl", "".join(json.dumps(row) + "\n" for row in frontier(result)))
    plot_pass_at_k({f"{name} ({b.n_problems} problems)": [interval_curve(label, r) for label, r in b.runs.items()]
                    for name, b in result.benchmarks.items()}, out / "compare.png", band_alpha=0.15)


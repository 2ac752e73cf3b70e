"""`passk seeds`: arms of several runs each (training seeds), the mean over seeds with a 95% interval.

Each run is scored on the problems every run shares (as `passk compare` does), giving one value per run
for every metric at K. An arm's estimate is the mean over its runs; its interval is the t interval over
seeds (t quantile with runs - 1 degrees of freedom), which holds training randomness and evaluation noise
together. Each later arm against the first: the difference of means with a Welch t interval; an arm of one
run (a single start checkpoint) is taken as fixed. Intervals are clipped to the metric's range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from passk import metrics
from passk.compare import RunData, load_run
from passk.compare_report import markdown_table
from passk.errors import ConfigError, InputError
from passk.jsonl import write_json_atomic, write_text_atomic
from passk.plot import Curve, plot_pass_at_k
from passk.results import ScoreConfig
from passk.score import k_list, per_problem


@dataclass(frozen=True)
class SeedEstimate:
    mean: float
    low: float | None
    high: float | None
    values: tuple[float, ...]  # one per run

    def to_json(self) -> dict[str, Any]:
        return {"mean": self.mean, "ci95": [self.low, self.high], "per_run": list(self.values)}

    def cell(self, sign: bool = False) -> str:
        fmt = "+.3f" if sign else ".3f"
        if self.low is None:
            return f"{self.mean:{fmt}} (one run)"
        return f"{self.mean:{fmt}} [{self.low:{fmt}}, {self.high:{fmt}}]"


def over_seeds(values: list[float]) -> SeedEstimate:
    """The mean over runs, with a t interval clipped to the metric's range [0, 1]."""
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return SeedEstimate(float(x.mean()), None, None, tuple(x))
    half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return SeedEstimate(float(x.mean()), max(float(x.mean() - half), 0.0), min(float(x.mean() + half), 1.0), tuple(x))


def welch(a: SeedEstimate, b: SeedEstimate) -> SeedEstimate:
    """b - a, with Welch's t interval (clipped to [-1, 1]); an arm of one run counts as fixed, so the
    interval is the other arm's alone; two arms of one run have none."""
    x, y = np.asarray(a.values), np.asarray(b.values)
    diff = float(y.mean() - x.mean())
    if x.size < 2 and y.size < 2:
        return SeedEstimate(diff, None, None, ())
    vx = x.var(ddof=1) / x.size if x.size > 1 else 0.0
    vy = y.var(ddof=1) / y.size if y.size > 1 else 0.0
    se = math.sqrt(vx + vy)
    if se == 0:
        return SeedEstimate(diff, diff, diff, ())
    df = (vx + vy) ** 2 / ((vx ** 2 / (x.size - 1) if x.size > 1 else 0.0) + (vy ** 2 / (y.size - 1) if y.size > 1 else 0.0))
    half = stats.t.ppf(0.975, df) * se
    return SeedEstimate(diff, max(diff - half, -1.0), min(diff + half, 1.0), ())


def parse_arms(specs: list[str]) -> dict[str, list[str]]:
    """NAME=DIR[,DIR...] per --arm flag."""
    arms = {}
    for spec in specs:
        name, _, dirs = spec.partition("=")
        if not name or not dirs:
            raise ConfigError(f"--arm wants NAME=DIR[,DIR...], got {spec!r}")
        if name in arms:
            raise ConfigError(f"--arm {name} is given twice")
        arms[name] = [d for d in dirs.split(",") if d]
    if len(arms) < 1:
        raise ConfigError("give at least one --arm NAME=DIR[,DIR...]")
    return arms


def aggregate(arms: dict[str, list[RunData]], config: ScoreConfig = ScoreConfig()) -> dict[str, Any]:
    """Per benchmark every run shares: each arm's mean over runs of every metric at K, each later arm minus the first."""
    runs = [r for arm in arms.values() for r in arm]
    out: dict[str, Any] = {"arms": {name: [r.label for r in arm] for name, arm in arms.items()}, "benchmarks": {}}
    for benchmark in sorted(set.intersection(*(set(r.tallies) for r in runs))):
        shared = sorted(set.intersection(*(set(r.tallies[benchmark]) for r in runs)))
        if not shared:
            continue
        n_min = min(r.tallies[benchmark][pid].n for r in runs for pid in shared)
        ks, dropped = k_list(config, n_min, f" in {benchmark}")
        per_arm = {}
        for name, arm in arms.items():
            values = [per_problem([r.tallies[benchmark][pid] for pid in shared], ks) for r in arm]
            per_arm[name] = {metric: {k: over_seeds([float(v[metric][:, i].mean()) for v in values])
                                      for i, k in enumerate(ks)} for metric in metrics.AT_K}
            per_arm[name]["mean@n"] = {0: over_seeds([float(v["mean@n"].mean()) for v in values])}
        names = list(arms)
        differences = {f"{name} - {names[0]}": {metric: {k: welch(per_arm[names[0]][metric][k], e)
                                                         for k, e in by_k.items()}
                                                for metric, by_k in per_arm[name].items()} for name in names[1:]}
        unshared = sum(len(r.tallies[benchmark]) for r in runs) - len(runs) * len(shared)
        out["benchmarks"][benchmark] = {"n_problems": len(shared), "k": ks, "k_left_out": dropped,
                                        "problems_only_in_some_runs": unshared,
                                        "arms": per_arm, "differences": differences}
    if not out["benchmarks"]:
        raise InputError("the runs share no benchmark with graded problems")
    return out


def to_json(result: dict[str, Any]) -> dict[str, Any]:
    def block(by_metric):
        return {metric: {str(k): e.to_json() for k, e in by_k.items()} for metric, by_k in by_metric.items()}
    return {"arms": result["arms"], "interval": "t interval over runs (seeds); Welch for differences",
            "benchmarks": {name: {**{k: v for k, v in b.items() if k not in ("arms", "differences")},
                                  "arms": {a: block(m) for a, m in b["arms"].items()},
                                  "differences": {d: block(m) for d, m in b["differences"].items()}}
                           for name, b in result["benchmarks"].items()}}


def markdown(result: dict[str, Any]) -> str:
    md = ["# passk seeds", "", "Arms: " + "; ".join(f"**{a}** = {', '.join(runs)}" for a, runs in result["arms"].items()),
          "", "Each cell: the mean over the arm's runs and a 95% t interval over runs (seeds); differences "
          "(later arm minus the first) with Welch's t interval.", ""]
    for name, b in result["benchmarks"].items():
        md += [f"## {name} ({b['n_problems']} shared problems)", ""]
        if b["k_left_out"]:
            md += [f"K {b['k_left_out']} exceed the smallest n and are left out.", ""]
        for metric in [*metrics.AT_K, "mean@n"]:
            rows = [["K", *b["arms"], *(d.replace(" - ", " − ") for d in b["differences"])]]
            for k in b["arms"][next(iter(b["arms"]))][metric]:
                rows.append([str(k) if metric != "mean@n" else "n", *(a[metric][k].cell() for a in b["arms"].values()),
                             *(d[metric][k].cell(sign=True) for d in b["differences"].values())])
            md += [f"### {metrics.LABELS.get(metric, metric)}", ""] + markdown_table(rows) + [""]
    return "\n".join(md)


def write_seeds(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "seeds.json", to_json(result))
    write_text_atomic(out / "seeds.md", markdown(result))
    plot_pass_at_k(curves(result), out / "seeds.png")


def curves(result: dict[str, Any]) -> dict[str, list[Curve]]:
    """A panel per benchmark: each arm's Pass@K mean over seeds, its t interval as the band (none for one run)."""
    panels = {}
    for name, b in result["benchmarks"].items():
        panels[f"{name} ({b['n_problems']} shared problems)"] = [
            Curve(f"{arm} ({len(result['arms'][arm])} runs)", tuple(b["k"]),
                  tuple(by_k["pass@k"][k].mean for k in b["k"]),
                  None if any(by_k["pass@k"][k].low is None for k in b["k"]) else
                  (tuple(by_k["pass@k"][k].low for k in b["k"]), tuple(by_k["pass@k"][k].high for k in b["k"])))
            for arm, by_k in b["arms"].items()]
    return panels


def load_arms(specs: list[str]) -> dict[str, list[RunData]]:
    arms = parse_arms(specs)
    return {name: [load_run(d, f"{name}:{Path(d).name}") for d in dirs] for name, dirs in arms.items()}

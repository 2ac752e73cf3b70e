"""`passk budget`: how wide the Pass@K intervals of a run are, and how many samples per problem a target
width needs.

The variance of a benchmark's mean Pass@K over P problems is (B + W(n)) / P: B the spread of the problems'
true Pass@K (more samples never shrink it; more problems do), W(n) the mean over problems of the variance
of one problem's unbiased estimate from n samples. W(n) is exact under the binomial law at each problem's
pass rate, taken as (c + 1/2) / (n + 1) so that a problem never solved yet still counts as uncertain; B is
the observed spread of the per-problem estimates less W at the run's n (floored at 0). A 95% interval is
about 2 x 1.96 x sqrt(variance) wide. Two widths per n: for a fresh benchmark like this one (B + W, what
passk's bootstrap interval estimates) and for these problems only (W). The problems that contribute the
most within-problem variance (pass rates near 0 at large K) are named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from passk import metrics
from passk.errors import ConfigError

Z = 1.959963984540054


@dataclass(frozen=True)
class BudgetRow:
    k: int
    n: int  # the run's (smallest) samples per problem
    width_now: float  # for a fresh benchmark like this one
    width_now_fixed: float  # for these problems only
    floor: float  # the width with infinitely many samples: only more problems shrink it
    needed: int | None  # samples per problem for the target width (fresh benchmark); None: not reachable
    needed_fixed: int | None  # ... for these problems only
    hardest: tuple[tuple[str, float, float], ...]  # (problem id, pass rate, share of the within variance)


def within_variance(p: np.ndarray, n: int, k: int) -> np.ndarray:
    """Per problem, the variance of the unbiased Pass@k estimate from n samples at true pass rate p."""
    c = np.arange(n + 1)
    estimate = np.asarray(metrics.pass_at_k(np.full(n + 1, n), c, k), dtype=float)
    log_pmf = (metrics.log_factorials(n)[n] - metrics.log_factorials(n)[c] - metrics.log_factorials(n)[n - c])[None, :]
    with np.errstate(divide="ignore"):
        log_pmf = log_pmf + c[None, :] * np.log(p[:, None]) + (n - c)[None, :] * np.log1p(-p[:, None])
    second = np.exp(log_pmf) @ estimate ** 2
    truth = 1 - (1 - p) ** k
    return np.maximum(second - truth ** 2, 0.0)


def _width(variance: float, problems: int) -> float:
    return 2 * Z * math.sqrt(max(variance, 0.0) / problems)


def budget(problem_ids: list[str], n: np.ndarray, c: np.ndarray, ks: list[int], target: float,
           n_max: int = 1 << 16, hardest: int = 5) -> list[BudgetRow]:
    if not 0 < target < 1:
        raise ConfigError(f"--width must be between 0 and 1 (the full width of a 95% interval), got {target}")
    n_run = int(n.min())
    p = (c + 0.5) / (n + 1.0)
    problems = len(c)
    candidates = [m for m in (1 << i for i in range(1, 17)) if m <= n_max]
    rows = []
    for k in ks:
        estimates = np.asarray(metrics.pass_at_k(n, c, k), dtype=float).reshape(-1)
        w_now = within_variance(p, n_run, k)
        between = max(float(estimates.var(ddof=1)) - float(w_now.mean()), 0.0) if problems > 1 else 0.0
        needed = needed_fixed = None
        for m in (m for m in candidates if m >= k):
            w = float(within_variance(p, m, k).mean())
            if needed is None and _width(between + w, problems) <= target:
                needed = m
            if needed_fixed is None and _width(w, problems) <= target:
                needed_fixed = m
            if needed is not None and needed_fixed is not None:
                break
        order = np.argsort(-w_now)[:hardest]
        share = w_now / w_now.sum() if w_now.sum() > 0 else w_now
        rows.append(BudgetRow(k, n_run, _width(between + float(w_now.mean()), problems), _width(float(w_now.mean()), problems),
                              _width(between, problems), needed, needed_fixed,
                              tuple((problem_ids[i], float(c[i] / n[i]), float(share[i])) for i in order)))
    return rows


def format_budget(benchmark: str, rows: list[BudgetRow], target: float, problems: int) -> str:
    lines = [f"{benchmark}: {problems} problems; target: a 95% interval {target:.3f} wide",
             "| K | n now | width now (fresh benchmark) | width now (these problems) | floor (infinite n) | "
             "n for the target (fresh benchmark) | n for the target (these problems) | most uncertain problems |",
             "|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        fresh = str(r.needed) if r.needed else ("not reachable: the floor is wider, more problems are needed"
                                                 if r.floor > target else "> 65536")
        fixed = str(r.needed_fixed) if r.needed_fixed else "> 65536"
        hard = ", ".join(f"{pid} (rate {rate:.3f}, {share:.0%})" for pid, rate, share in r.hardest)
        lines.append(f"| {r.k} | {r.n} | {r.width_now:.3f} | {r.width_now_fixed:.3f} | {r.floor:.3f} | "
                     f"{fresh} | {fixed} | {hard} |")
    return "\n".join(lines)

"""Coverage between two runs on their shared problems: did training widen what the model solves?

- Support at a budget K ("The Invisible Leash", arXiv 2507.14843): a problem is in a run's support when
  the run solves it within K samples (the unbiased Pass@K estimate is at least 1/2, which at K = n is
  "some sample correct"). Against a base run, each problem is preserved (both), shrunk (the base only),
  expanded (the trained run only) or out of both.
- The crossing point: the smallest K (1..n) at which the base run's Pass@K is above the trained run's
  (ties, as when both reach 1, are no crossing), where the trained run leads at K = 1, with a 95% percentile-bootstrap interval over problems
  (the same resampled problems for both runs). "None": no crossing up to n.
- The frontier: problems some run solves sometimes (0 < pass rate < 1) or one run solves and the other
  never does, with their pass rates: the input Pass@k-style training needs (frontier.jsonl).
- Figures: per problem, the base pass rate against the trained one, and each run's histogram of rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from passk import metrics
from passk.jsonl import save_figure_atomic


@dataclass(frozen=True)
class Crossing:
    """The first K at which the base run's Pass@K is above the trained run's, and its bootstrap interval.
    k None: no crossing up to n_max; leads_at_1: whether the trained run leads at K = 1 at all."""
    k: int | None
    low: int | None  # None in `high`: some resamples never cross up to n_max
    high: int | None
    n_max: int
    leads_at_1: bool

    def to_json(self) -> dict[str, Any]:
        return {"k": self.k, "ci95": [self.low, self.high], "n_max": self.n_max, "trained_leads_at_1": self.leads_at_1}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Crossing:
        low, high = data["ci95"]
        return cls(data["k"], low, high, data["n_max"], data["trained_leads_at_1"])

    def describe(self, base: str) -> str:
        if not self.leads_at_1:
            return f"{base} is at or above it at K = 1"
        if self.k is None:
            return f"{base} does not overtake it up to K = {self.n_max}"
        high = f"{self.high}" if self.high is not None else f"> {self.n_max}"
        return f"{base} overtakes it from K = {self.k} [{self.low}, {high}]"


def _first_crossing(difference: np.ndarray) -> np.ndarray:
    """Per row (a curve of trained - base over k = 1..n): the first k with difference < 0, 0 where none."""
    below = difference < -1e-12
    first = np.argmax(below, axis=1) + 1
    return np.where(below.any(axis=1), first, 0)


def crossing_point(base_n, base_c, trained_n, trained_c, resamples: int = metrics.BOOTSTRAP_RESAMPLES,
                   seed: int = metrics.BOOTSTRAP_SEED) -> Crossing:
    """The crossing point of two runs' Pass@K curves over k = 1..(smallest n), problems paired by position."""
    n_max = int(min(np.min(base_n), np.min(trained_n)))
    difference = (metrics.pass_at_k_all(trained_n, trained_c, n_max)
                  - metrics.pass_at_k_all(base_n, base_c, n_max))  # problems x k
    problems = difference.shape[0]
    curve = difference.mean(axis=0, keepdims=True)
    leads = bool(curve[0, 0] > 1e-12)
    k = int(_first_crossing(curve)[0]) or None
    weights = np.random.default_rng(seed).multinomial(problems, np.full(problems, 1.0 / problems), size=resamples)
    firsts = _first_crossing(weights @ difference / problems).astype(float)
    firsts[firsts == 0] = np.inf  # never crosses: beyond n
    low, high = np.quantile(firsts, [0.025, 0.975], method="inverted_cdf")
    return Crossing(k if leads else None, int(low) if np.isfinite(low) else None,
                    int(high) if np.isfinite(high) else None, n_max, leads)


def frontier_rows(problem_ids: list[str], rates: dict[str, np.ndarray], solved: dict[str, np.ndarray]
                  ) -> list[dict[str, Any]]:
    """Problems on some run's frontier (0 < rate < 1) or solved by one run only, with every run's rate."""
    labels = list(rates)
    rows = []
    for i, pid in enumerate(problem_ids):
        partial = [label for label in labels if 0 < rates[label][i] < 1]
        solvers = [label for label in labels if solved[label][i]]
        only = solvers[0] if len(solvers) == 1 and len(labels) > 1 else None
        if partial or only:
            rows.append({"problem_id": pid, "pass_rate": {label: float(rates[label][i]) for label in labels},
                         "frontier_of": partial, "solved_only_by": only})
    return rows


def plot_coverage(title: str, base: str, trained: str, base_rate: np.ndarray, trained_rate: np.ndarray,
                  out: Path) -> Path:
    """Three panels: per-problem pass rate of the base against the trained run (a 2D histogram, so piles
    of problems at 0 and 1 show), then each run's histogram of per-problem pass rates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    bins = np.linspace(0, 1, 21)
    counts, _, _ = np.histogram2d(base_rate, trained_rate, bins=[bins, bins])
    image = axes[0].imshow(np.ma.masked_equal(counts.T, 0), origin="lower", extent=(0, 1, 0, 1), cmap="viridis",
                           aspect="equal")
    fig.colorbar(image, ax=axes[0], label="problems")
    axes[0].plot([0, 1], [0, 1], color="grey", linewidth=0.8)
    axes[0].set(xlabel=f"pass rate: {base}", ylabel=f"pass rate: {trained}", title=f"{title}: per problem")
    for ax, label, rate in ((axes[1], base, base_rate), (axes[2], trained, trained_rate)):
        ax.hist(rate, bins=bins, color="tab:blue" if ax is axes[1] else "tab:orange")
        ax.set(xlabel="pass rate (correct / n)", ylabel="problems", title=f"{label}: {len(rate)} problems")
    fig.tight_layout()
    return save_figure_atomic(fig, out, dpi=110)

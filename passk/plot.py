"""The Pass@K figure: Pass@K against K on a log2 axis, one panel per benchmark, curves overlaid with bands.

`plot_pass_at_k` draws every Pass@K figure: `passk plot` and `passk run`'s passk.png, compare.png,
and the experiment's per-arm figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from passk.jsonl import save_figure_atomic
from passk.results import ResultSummary, RunScores


@dataclass(frozen=True)
class Curve:
    """One line of a panel: Pass@K at each K, and a band around it (an interval, or a spread over seeds)."""
    label: str
    ks: tuple[int, ...]
    values: tuple[float, ...]
    band: tuple[tuple[float, ...], tuple[float, ...]] | None = None  # low, high at each K
    color: str | None = None  # None: the panel's next colour
    linestyle: str = "-"


def interval_curve(label: str, result: ResultSummary) -> Curve:
    """A run's Pass@K with its 95% bootstrap interval as the band."""
    estimates = [result.pass_at_k[k] for k in result.k]
    return Curve(label, result.k, tuple(e.value for e in estimates),
                 (tuple(e.low for e in estimates), tuple(e.high for e in estimates)))


def plot_pass_at_k(panels: dict[str, list[Curve]], out: Path, panel_size: tuple[float, float] = (5.5, 4.2),
                   band_alpha: float = 0.2, legend_fontsize: float = 8) -> Path:
    """One panel per title, side by side, each with its curves; written as a PNG to `out`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(panel_size[0] * len(panels), panel_size[1]), squeeze=False)
    for ax, (title, curves) in zip(axes[0], panels.items(), strict=True):
        colours = plt.get_cmap("tab10" if len(curves) <= 10 else "tab20")  # distinct colours for many runs
        for i, curve in enumerate(curves):
            colour = curve.color or colours(i)
            ax.plot(curve.ks, curve.values, marker="o", linestyle=curve.linestyle, color=colour, label=curve.label)
            if curve.band:
                ax.fill_between(curve.ks, *curve.band, alpha=band_alpha, color=colour)
        ax.set_xscale("log", base=2)
        ax.set(xlabel="K", ylabel="Pass@K", ylim=(0, 1), title=title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=legend_fontsize)
    fig.tight_layout()
    return save_figure_atomic(fig, out, dpi=120)



def plot_runs(score_files: list[Path], labels: list[str], out: Path) -> Path:
    """Runs' scores.json overlaid (`passk plot`)."""
    return plot_scores([RunScores.read(path) for path in score_files], labels, out)


def plot_scores(scores: list[RunScores], labels: list[str], out: Path) -> Path:
    """Runs' scores overlaid: a panel per benchmark, titled with its problem count when there is one run."""
    runs = [s.benchmarks for s in scores]
    panels = {}
    for benchmark in sorted({b for run in runs for b in run}):
        title = f"{benchmark} ({runs[0][benchmark].n_problems} problems)" if len(runs) == 1 else benchmark
        panels[title] = [interval_curve(label, run[benchmark])
                         for label, run in zip(labels, runs, strict=True) if benchmark in run]
    return plot_pass_at_k(panels, out)

"""Pass@K against K on a log2 axis, several runs overlaid, with 95% interval bands."""

from __future__ import annotations

from pathlib import Path

from passk.results import RunScores


def plot_runs(score_files: list[Path], labels: list[str], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [RunScores.read(path).benchmarks for path in score_files]
    benchmarks = sorted({b for run in runs for b in run})
    fig, axes = plt.subplots(1, len(benchmarks), figsize=(5.5 * len(benchmarks), 4.2), squeeze=False)
    for ax, benchmark in zip(axes[0], benchmarks):
        for label, run in zip(labels, runs):
            if benchmark not in run:
                continue
            b = run[benchmark]
            ks = b.k
            ax.plot(ks, [b.pass_at_k[k].value for k in ks], marker="o", label=label)
            ax.fill_between(ks, [b.pass_at_k[k].low for k in ks], [b.pass_at_k[k].high for k in ks], alpha=0.2)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("K")
        ax.set_ylabel("Pass@K")
        ax.set_ylim(0, 1)
        ax.set_title(f"{benchmark} ({runs[0][benchmark].n_problems} problems)" if len(runs) == 1 else benchmark)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out

"""Reanalyse committed runs with every metric: the demo run, and the entropy-vs-baseline evaluation runs.

    PYTHONPATH=. python experiments/reanalyse.py demo RUN_DIR [--out results/demo-reanalysis]
    PYTHONPATH=. python experiments/reanalyse.py experiment EVAL_DIR [--out results/entropy-vs-baseline-reanalysis]

The runs are read only: a run is copied to a scratch folder before `passk score` writes into it.
`experiment` expects EVAL_DIR/<problems>/<run> as experiments/entropy_vs_baseline/reproduce.py writes it
(`start`, `<algorithm>-<arm>-seed<N>`), and writes per problem set: the start against each run
(`passk compare`), entropy against baseline seed by seed, and the arms over seeds (`passk seeds`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from passk.cli import main as passk

RUN = re.compile(r"(?P<algorithm>\w+)-(?P<arm>baseline|entropy)-seed(?P<seed>\d+)$")


def demo(run_dir: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / run_dir.name
        shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("entropy", "*.html"))
        check(passk(["score", str(copy)]))
        from passk.report import write_report
        from passk.results import RunScores
        from passk.rundir import RunDir

        run = RunDir(copy)
        write_report(run, RunScores.read(run.scores_json).benchmarks)
        check(passk(["plot", str(copy)]))
        for name in ("scores.json", "scores.csv", "report.md", "passk.png"):
            shutil.copy(copy / name, out / name)


def experiment(eval_dir: Path, out: Path) -> None:
    for problems in sorted(p for p in eval_dir.iterdir() if p.is_dir()):
        runs = {p.name: p for p in sorted(problems.iterdir()) if (p / "grades").is_dir()}
        if "start" not in runs:
            print(f"{problems}: no start run; skipped", file=sys.stderr)
            continue
        trained = {name: RUN.match(name) for name in runs if RUN.match(name)}
        where = out / problems.name
        for name in trained:
            check(passk(["compare", str(runs["start"]), str(runs[name]), "--labels", f"start,{name}",
                         "--out", str(where / f"start-vs-{name}")]))
        pairs = {}
        for name, m in trained.items():
            pairs.setdefault((m["algorithm"], m["seed"]), {})[m["arm"]] = runs[name]
        for (algorithm, seed), arms in sorted(pairs.items()):
            if set(arms) == {"baseline", "entropy"}:
                check(passk(["compare", str(arms["baseline"]), str(arms["entropy"]),
                             "--labels", f"{algorithm}-baseline-seed{seed},{algorithm}-entropy-seed{seed}",
                             "--out", str(where / f"{algorithm}-entropy-vs-baseline-seed{seed}")]))
        for algorithm in sorted({m["algorithm"] for m in trained.values()}):
            arms = ["--arm", f"start={runs['start']}"]
            for arm in ("baseline", "entropy"):
                dirs = [str(runs[name]) for name, m in trained.items() if m["algorithm"] == algorithm and m["arm"] == arm]
                if dirs:
                    arms += ["--arm", f"{algorithm}-{arm}={','.join(dirs)}"]
            check(passk(["seeds", *arms, "--out", str(where / f"{algorithm}-seeds")]))


def check(code: int) -> None:
    if code:
        sys.exit(f"a passk command failed (exit {code})")


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["demo", "experiment"])
    parser.add_argument("source", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.what == "demo":
        demo(args.source, args.out or Path("results/demo-reanalysis"))
    else:
        experiment(args.source, args.out or Path("results/entropy-vs-baseline-reanalysis"))
    return 0


if __name__ == "__main__":
    sys.exit(cli())

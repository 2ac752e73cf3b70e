"""Scoring time: every metric with its interval for 500 problems x 1,024 samples (the issue's target: < 2 s).

    PYTHONPATH=. OMP_NUM_THREADS=1 python bench/bench_scoring.py [--problems 500] [--n 1024]

Synthetic tallies shaped like a math run: per-problem pass rates from a Beta mixture (a third of the problems
near 0), 5% of samples without an answer, wrong answers spread over a few popular classes and a long tail.
Prints the time of each metric over the default K list (powers of two up to n) and of the bootstrap.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from passk import metrics
from passk.grade.engine import CORRECT_CLASS
from passk.results import ScoreConfig
from passk.score import ProblemTally, benchmark_result, counts_of, estimates_by_metric


def synthetic_tallies(problems: int, n: int, seed: int = 0) -> list[ProblemTally]:
    rng = np.random.default_rng(seed)
    hard = rng.random(problems) < 0.35
    rates = np.where(hard, rng.beta(0.2, 6.0, problems), rng.beta(1.2, 1.0, problems))
    tallies = []
    for i, p in enumerate(rates):
        c = rng.binomial(n, p)
        abstain = rng.binomial(n - c, 0.05)
        wrong = n - c - abstain
        popular = rng.multinomial(int(wrong * 0.6), rng.dirichlet(np.ones(5)))
        tail = np.bincount(rng.integers(0, 200, wrong - popular.sum()), minlength=1)
        votes = Counter({CORRECT_CLASS: c} if c else {})
        votes.update({f"w{j}": int(v) for j, v in enumerate(np.concatenate([popular, tail])) if v})
        statuses = Counter({"correct": c, "incorrect": wrong, "no_answer": abstain})
        tallies.append(ProblemTally(f"p{i}", statuses, votes, abstain, 300 * n))
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--n", type=int, default=1024)
    args = parser.parse_args()
    tallies = synthetic_tallies(args.problems, args.n)
    ks = metrics.default_k_list(args.n)
    config = ScoreConfig()
    counts = counts_of(tallies)
    values = {}
    for name, fn in metrics.AT_K.items():
        start = time.perf_counter()
        values[name] = fn(counts, ks)
        print(f"{name:<16} {time.perf_counter() - start:7.3f} s")
    values["mean@n"] = (counts.c / counts.n)[:, None]
    start = time.perf_counter()
    estimates_by_metric(values, ks, config)
    print(f"{'bootstrap':<16} {time.perf_counter() - start:7.3f} s")
    start = time.perf_counter()
    benchmark_result(tallies, ks, config)
    total = time.perf_counter() - start
    print(f"all metrics with intervals, {args.problems} problems x {args.n} samples, K = {ks[0]}..{ks[-1]} "
          f"({len(ks)} values): {total:.2f} s")


if __name__ == "__main__":
    main()

"""Grading throughput on a realistic large run, against a naive math-verify loop.

For each MATH-500 problem, N completions (default 1024) whose answers repeat as a real
model's do: the gold in a few spellings, three frequent wrong answers, and a long tail
of one-off wrong answers, each after a paragraph of reasoning text. Completions are built
and graded one problem at a time (as `passk grade` does part by part), so memory stays flat.

    python bench/bench_grading.py                      # 500 problems x 1024 samples
    python bench/bench_grading.py --problems 50 --n 256  # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from passk import metrics
from passk.grade import GradeConfig, Grader

FILLER = ("We first rewrite the expression and collect the terms. Substituting the known values gives "
          "a simpler equation, which we solve step by step, checking each case. ") * 6


def wrong_answers(gold: str, rng: np.random.Generator) -> list[str]:
    try:
        value = float(gold)
        frequent = [str(int(value) + 1) if value.is_integer() else f"{value + 1:g}", f"{2 * value:g}", f"{-value:g}"]
    except ValueError:
        frequent = [f"{gold} + 1", f"2{gold}" if not gold.startswith("-") else gold[1:], f"\\frac{{{gold}}}{{2}}"]
    return frequent


def completions_for(gold: str, n: int, rng: np.random.Generator) -> list[str]:
    p_correct = rng.beta(0.6, 1.2)
    spellings = [gold, gold.replace("\\frac", "\\dfrac"), f"{gold}."]
    frequent = wrong_answers(gold, rng)
    out = []
    for i in range(n):
        u = rng.random()
        if u < p_correct:
            answer = spellings[rng.integers(len(spellings))]
        elif u < p_correct + (1 - p_correct) * 0.85:
            answer = frequent[rng.integers(len(frequent))]
        else:
            answer = str(rng.integers(0, 100_000))  # the long tail
        out.append(f"{FILLER}Sample {i}. Therefore the answer is $\\boxed{{{answer}}}$.")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--naive-samples", type=int, default=400, help="subsample timed with plain math-verify")
    parser.add_argument("--data-dir", default=os.environ.get("PASSK_DATA_DIR", "../shared/benchmarks"))
    args = parser.parse_args()

    rows = [json.loads(line) for line in (Path(args.data_dir) / "math500" / "test.jsonl").open()][: args.problems]
    golds = [r["answer"] for r in rows]
    rng = np.random.default_rng(0)

    start = time.perf_counter()
    n_correct = []
    with Grader(GradeConfig()) as grader:
        for gold in golds:
            verdicts = grader.grade(completions_for(gold, args.n, rng), [gold] * args.n)
            n_correct.append(sum(v.correct for v in verdicts))
        counters = dict(grader.counters)
    elapsed = time.perf_counter() - start
    total = len(golds) * args.n
    print(f"passk grader: {total} samples in {elapsed:.1f} s = {total / elapsed:,.0f} samples/s "
          f"({counters['distinct']:,} distinct (answer, gold) pairs, {counters['symbolic']:,} of them needed the "
          f"symbolic workers)")

    from math_verify import parse, verify

    naive_rng = np.random.default_rng(1)
    picks = naive_rng.integers(0, len(golds), args.naive_samples)
    start = time.perf_counter()
    for p in picks:
        completion = completions_for(golds[p], 1, naive_rng)[0]
        verify(parse(f"${golds[p]}$"), parse(completion))
    naive_rate = args.naive_samples / (time.perf_counter() - start)
    print(f"naive math-verify loop: {naive_rate:,.1f} samples/s on {args.naive_samples} samples "
          f"-> {total / naive_rate / 60:,.1f} min for the whole run; passk is {total / elapsed / naive_rate:,.0f}x faster")

    n = np.full(len(golds), args.n)
    c = np.array(n_correct)
    start = time.perf_counter()
    table = metrics.pass_at_k_all(n, c)
    aggregate = table.mean(axis=0)
    took = time.perf_counter() - start
    print(f"pass@k for every k = 1..{args.n} over {len(golds)} problems: {took * 1000:.1f} ms "
          f"(pass@1 {aggregate[0]:.3f}, pass@{args.n} {aggregate[-1]:.3f})")


if __name__ == "__main__":
    main()

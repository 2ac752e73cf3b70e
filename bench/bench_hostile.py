"""Hostile answers: every row gets a status, quickly, whatever the machine's load.

200 rows (20 kinds x 10) of answers built to hang or exhaust a symbolic grader: exponent towers, huge
factorials and sums, deep nesting, megabyte numbers, slow polynomial identities, NUL bytes, unclosed
boxes. Prints the wall time, the status counts and the slowest kind.

    python bench/bench_hostile.py [--timeout 5]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from passk.grade import STATUSES, GradeConfig, Grader

HOSTILE = {
    "tower": r"2^{2^{2^{2^{2}}}}", "numeric tower": "9^9^9", "huge exponent": r"10^{1000000}",
    "megabyte number": "9" * 1_000_000, "deep braces": "{" * 5000 + "1" + "}" * 5000,
    "division by zero": r"\frac{1}{0}", "nul byte": "1\x00 2", "open parens": "(" * 3000,
    "nested roots": r"\sqrt{" * 2000, "long word": "x" * 100_000, "unclosed box": r"\boxed{",
    "dollars": "$" * 1000, "factorial of power": "(10^6)!", "big factorial": "100000!",
    "huge sum": r"\sum_{n=1}^{10^{12}} n", "symbolic-bound sum": r"\sum_{n=1}^{k} n^2",
    "slow identity": r"(a+b+c+d+e)^{12}", "slow rational": r"\frac{(a+b+c)^{20}}{(a+b)^{10}}",
    "long chain": " = ".join(["1+1"] * 300), "many items": ", ".join(str(i) for i in range(400)),
}
GOLDS = {"slow identity": "(a+b+c+d+e)^{11}(a+b+c+d+f)", "slow rational": r"\frac{(a+b+c)^{19}(a+b+d)}{(a+b)^{10}}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="CPU seconds per comparison")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    kinds = [k for k in HOSTILE for _ in range(args.repeat)]
    # each repeat differs by a suffix so memoization cannot hide the cost
    completions = [rf"\boxed{{{HOSTILE[k]}}}" + " " * i for i, k in enumerate(kinds)]
    golds = [GOLDS.get(k, "1") for k in kinds]
    start = time.perf_counter()
    with Grader(GradeConfig(timeout_s=args.timeout)) as grader:
        verdicts = grader.grade(completions, golds)
    elapsed = time.perf_counter() - start
    assert len(verdicts) == len(kinds) and all(v.status in STATUSES for v in verdicts)
    print(f"{len(kinds)} hostile rows in {elapsed:.1f} s; statuses {dict(Counter(v.status for v in verdicts))}; "
          f"credited: {sum(v.correct for v in verdicts)}")
    for kind in HOSTILE:
        statuses = Counter(v.status for k, v in zip(kinds, verdicts, strict=True) if k == kind)
        detail = next(v.detail for k, v in zip(kinds, verdicts, strict=True) if k == kind)
        print(f"  {kind:<20} {dict(statuses)}  {detail[:70]}")


if __name__ == "__main__":
    main()

"""`passk budget`: the within-problem variance against exact enumeration, and the samples a width needs."""

from fractions import Fraction
from math import comb

import numpy as np
import pytest
from conftest import make_graded_run

from passk.budget import _width, budget, within_variance
from passk.cli import main


def exact_variance(p: Fraction, n: int, k: int) -> Fraction:
    """Var of 1 - C(n-c, k)/C(n, k) over c ~ Binomial(n, p), by summing over every c."""
    est = [1 - Fraction(comb(n - c, k), comb(n, k)) for c in range(n + 1)]
    pmf = [comb(n, c) * p ** c * (1 - p) ** (n - c) for c in range(n + 1)]
    mean = sum(q * e for q, e in zip(pmf, est, strict=True))
    return sum(q * e * e for q, e in zip(pmf, est, strict=True)) - mean * mean


@pytest.mark.parametrize("p,n,k", [(Fraction(1, 10), 8, 1), (Fraction(1, 10), 8, 4), (Fraction(1, 2), 12, 3),
                                   (Fraction(1, 50), 16, 16)])
def test_within_variance_is_exact(p, n, k):
    assert within_variance(np.array([float(p)]), n, k)[0] == pytest.approx(float(exact_variance(p, n, k)), abs=1e-12)


def test_needed_samples_reach_the_target_and_half_as_many_do_not():
    rng = np.random.default_rng(0)
    n = np.full(200, 16)
    c = rng.binomial(16, rng.uniform(0, 0.2, 200))
    rows = budget([f"p{i}" for i in range(200)], n, c, [1, 16], target=0.05)
    for row in rows:
        assert row.width_now >= row.width_now_fixed and row.floor <= row.width_now
        if row.needed_fixed:
            p = (c + 0.5) / 17
            assert _width(within_variance(p, row.needed_fixed, row.k).mean(), 200) <= 0.05
            if row.needed_fixed // 2 >= row.k:
                assert _width(within_variance(p, row.needed_fixed // 2, row.k).mean(), 200) > 0.05
    # at K = 16 the least solved problems carry the within-problem variance
    assert rows[1].hardest[0][1] <= np.median(c / 16)


def test_budget_cli_prints_a_table(tmp_path, capsys):
    run = make_graded_run(tmp_path / "a", [1, 0, 3, 8, 2], 8)
    assert main(["budget", str(run.path), "--width", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "| K | n now |" in out and "most uncertain problems" in out
    assert main(["budget", str(run.path), "--width", "2"]) == 2

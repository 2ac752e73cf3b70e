import itertools
from collections import Counter
from fractions import Fraction
from math import comb

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import hypergeom

from passk import metrics
from passk.errors import ConfigError
from passk.majority import maj_at_k, maj_at_k_exact, maj_at_k_table


def exact_pass_at_k(n, c, k):
    return 1 - Fraction(comb(n - c, k), comb(n, k))


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
@settings(max_examples=300, deadline=None)
def test_pass_at_k_equals_the_exact_rational_formula(nck):
    n, c, k = nck
    assert metrics.pass_at_k(n, c, k) == pytest.approx(float(exact_pass_at_k(n, c, k)), abs=1e-12)


@given(st.integers(1, 200).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
@settings(max_examples=200, deadline=None)
def test_pass_at_k_is_monotone_in_k_zero_without_correct_one_when_a_wrong_subset_is_impossible(nc):
    n, c = nc
    curve = metrics.pass_at_k_all([n], [c])[0]
    assert np.all(np.diff(curve) >= -1e-12)
    if c == 0:
        assert np.all(curve == 0)
    for k in range(1, n + 1):
        if n - c < k:
            assert curve[k - 1] == 1.0


def test_pass_at_1_is_the_fraction_correct_and_vectorizes_with_broadcasting():
    assert metrics.pass_at_k(10, 3, 1) == pytest.approx(0.3)
    out = metrics.pass_at_k(np.array([4, 8, 16]), np.array([1, 2, 0]), 2)
    assert out == pytest.approx([1 - 3 * 2 / (4 * 3), 1 - 6 * 5 / (8 * 7), 0.0])


def test_huge_n_is_stable():
    # C(4096, 2048) overflows a float; the product form does not
    value = metrics.pass_at_k(4096, 1, 2048)
    assert value == pytest.approx(0.5)


def test_k_greater_than_n_is_a_clear_error():
    with pytest.raises(ConfigError, match="k = 5 > n = 4"):
        metrics.pass_at_k(4, 1, 5)
    with pytest.raises(ConfigError, match="k >= 1"):
        metrics.pass_at_k(4, 1, 0)


def test_maj_at_k_majority_and_ties():
    # the correct class (index 0) holds 6 of 10 votes: at k = n it always wins
    assert maj_at_k([np.array([6, 4])], [0], 10)[0] == 1.0
    # two classes of equal size at k = n: a tie, credited one half
    assert maj_at_k([np.array([5, 5])], [0], 10)[0] == 0.5
    # no correct class: zero; a minority correct class at k = n: zero
    assert maj_at_k([np.array([3, 7])], [None], 10)[0] == 0.0
    assert maj_at_k([np.array([3, 7])], [0], 10)[0] == 0.0
    # maj@1 is the fraction correct, exactly
    assert maj_at_k([np.array([3, 7])], [0], 1)[0] == pytest.approx(0.3, abs=1e-14)


def test_maj_at_k_is_exact_where_the_resampled_estimate_was_off():
    # the example: 2 problems x 4 samples, half correct (the other half one wrong answer) read
    # maj@1 0.508 and maj@2 0.514 with 200 random draws; exactly, both are 1/2
    votes = [np.array([2, 2]), np.array([2, 2])]
    for k in (1, 2, 3, 4):
        assert maj_at_k(votes, [0, 0], k).mean() == pytest.approx(0.5, abs=1e-14)


def test_maj_at_k_abstentions_do_not_vote():
    # 2 correct answers and 8 samples with no answer: the correct class wins whenever drawn
    assert maj_at_k([np.array([2])], [0], 10, n_abstain=[8])[0] == 1.0
    # at k = 1 it wins when the one draw is correct (2/10); a draw of only abstentions credits 0
    assert maj_at_k([np.array([2])], [0], 1, n_abstain=[8])[0] == pytest.approx(0.2, abs=1e-14)
    assert maj_at_k([np.array([2])], [0], 3, n_abstain=[8])[0] == pytest.approx(
        float(1 - Fraction(comb(8, 3), comb(10, 3))), abs=1e-14)


def brute_force_maj(counts, good, abstain, k) -> Fraction:
    """maj@k by enumerating every k-subset of the samples (the rule of passk.majority)."""
    labels = [i for i, c in enumerate(counts) for _ in range(c)] + [-1] * abstain
    total, subsets = Fraction(0), 0
    for subset in itertools.combinations(labels, k):
        subsets += 1
        votes = Counter(label for label in subset if label >= 0)
        if not votes or good is None:
            continue
        top = max(votes.values())
        tied = [label for label, v in votes.items() if v == top]
        total += Fraction(1, len(tied)) if good in tied else 0
    return total / subsets


@given(st.lists(st.integers(0, 4), min_size=1, max_size=4), st.integers(0, 3), st.data())
@settings(max_examples=150, deadline=None)
def test_maj_at_k_equals_brute_force_over_all_subsets(counts, abstain, data):
    n = sum(counts) + abstain
    assume(1 <= n <= 11)
    good = data.draw(st.one_of(st.none(), st.integers(0, len(counts) - 1)))
    k = data.draw(st.integers(1, n))
    assert maj_at_k_exact(counts, good, abstain, k) == pytest.approx(float(brute_force_maj(counts, good, abstain, k)),
                                                                     abs=1e-12)


def test_maj_at_k_at_large_n_matches_a_large_simulation():
    # n = 400 is beyond enumeration: a multivariate-hypergeometric simulation of 200,000 draws agrees
    counts, k = np.array([90, 80, 80, 40, 10]), 25
    draws = np.random.default_rng(0).multivariate_hypergeometric(np.append(counts, 100), k, size=200_000)[:, :-1]
    top = draws.max(axis=1, keepdims=True)
    tied = (draws == top) & (top > 0)
    simulated = np.where(tied[:, 0], 1.0 / tied.sum(axis=1), 0.0).mean()
    assert maj_at_k_exact(counts, 0, 100, k) == pytest.approx(simulated, abs=0.004)


@given(st.lists(st.integers(0, 4), min_size=1, max_size=6), st.integers(0, 4), st.data())
@settings(max_examples=150, deadline=None)
def test_maj_at_k_equals_brute_force_with_more_classes_ties_and_abstentions(counts, abstain, data):
    n = sum(counts) + abstain
    assume(1 <= n <= 12)
    good = data.draw(st.one_of(st.none(), st.integers(0, len(counts) - 1)))
    k = data.draw(st.integers(1, n))
    assert maj_at_k_exact(counts, good, abstain, k) == pytest.approx(float(brute_force_maj(counts, good, abstain, k)),
                                                                     abs=1e-13)


def exact_maj(counts, good, abstain, k) -> Fraction:
    """maj@k in exact rationals, for n beyond enumeration: for each count x of the correct class's draws, the
    ways the other k - x draws keep every other class at or below x, by how many tie at x (such a subset
    earns 1/(ties + 1)). Polynomials in the number of draws with integer coefficients, multiplied by
    Kronecker substitution (their coefficients packed into one integer)."""
    n, a = sum(counts) + abstain, counts[good]
    others = [c for i, c in enumerate(counts) if i != good and c > 0]
    width = (2 * n + 64) // 8  # bytes: wider than any coefficient of a product

    def pack(p):
        return int.from_bytes(b"".join(c.to_bytes(width, "little") for c in p), "little")

    def times(p, q, rest):  # p * q up to degree rest
        packed = (pack(p) * pack(q)).to_bytes(width * (len(p) + len(q)), "little")
        return [int.from_bytes(packed[width * i:width * (i + 1)], "little") for i in range(rest + 1)]

    total, subsets = Fraction(0), comb(n, k)
    for x in range(1, min(a, k) + 1):
        rest = k - x
        if comb(a, x) * comb(n - a, rest) * 10**40 < subsets:  # a chance below 1e-40: these all add < 1e-37
            continue
        by_ties = [[comb(abstain, j) for j in range(rest + 1)]]  # by_ties[t]: ways with t classes at x
        for b in others:
            below, tie = [comb(b, y) for y in range(min(x, b + 1))], comb(b, x)
            grown = [times(p, below, rest) for p in by_ties] + [[0] * (rest + 1)]
            for t, p in enumerate(by_ties):
                for j in range(rest + 1 - x):
                    grown[t + 1][j + x] += p[j] * tie
            by_ties = grown[:rest // x + 1]
        total += comb(a, x) * sum(Fraction(p[rest], t + 1) for t, p in enumerate(by_ties))
    return total / subsets


@pytest.mark.parametrize("counts, abstain, k",
                         [([2, 2, 1], 1, 3), ([3, 1, 1, 1], 0, 4), ([1] * 6, 2, 5), ([2, 3], 3, 6)])
def test_the_exact_rational_reference_is_brute_force(counts, abstain, k):
    assert exact_maj(counts, 0, abstain, k) == brute_force_maj(counts, 0, abstain, k)


@pytest.mark.parametrize("counts, abstain, ks", [
    ([60, 57, 55, 8, 2, 1, 1], 16, None),  # a tight three-way race, n = 200
    ([3] + [1] * 60, 4, None),  # many singleton rivals: ties at 1 among dozens
    ([1] * 40, 0, None),  # every class a singleton
    ([2] * 30 + [1] * 20, 10, None),  # the correct class one of thirty alike
    ([25, 25, 25], 0, None),  # an exact three-way tie
    ([40], 20, None),  # a single class, and abstentions
])
def test_maj_at_k_equals_exact_rationals_beyond_enumeration(counts, abstain, ks):
    n = sum(counts) + abstain
    for k in ks or sorted({1, 2, 3, n // 7, n // 3, n // 2, n - 1, n}):
        exact = float(exact_maj(counts, 0, abstain, k))
        assert maj_at_k_exact(counts, 0, abstain, k) == pytest.approx(exact, abs=1e-13)


@pytest.mark.parametrize("k", [64, 512, 1000])
def test_maj_at_k_in_a_tight_race_at_n_1024_equals_exact_rationals(k):
    # two classes and abstentions: the correct class wins when it draws more, ties earn one half
    a, b, abstain = 300, 296, 428
    wins = sum(comb(a, x) * comb(b, y) * comb(abstain, k - x - y) * (2 if x > y else 1)
               for x in range(1, min(a, k) + 1) for y in range(min(b, k - x, x) + 1) if k - x - y <= abstain)
    exact = Fraction(wins, 2 * comb(a + b + abstain, k))
    assert maj_at_k_exact([a, b], 0, abstain, k) == pytest.approx(float(exact), abs=1e-13)


def test_maj_at_k_table_equals_one_problem_at_a_time():
    rng = np.random.default_rng(1)
    votes, correct, abstain = [], [], []
    for _ in range(40):
        counts = rng.integers(0, 30, rng.integers(1, 8))
        votes.append(counts)
        correct.append(None if rng.random() < 0.1 else int(rng.integers(0, counts.size)))
        abstain.append(int(rng.integers(0, 10)))
    n_min = min(int(v.sum()) + s for v, s in zip(votes, abstain, strict=True))
    ks = [k for k in (1, 2, 5, 9, 17, 40) if k <= n_min]
    table = maj_at_k_table(votes, correct, ks, abstain)
    for i, (v, g, s) in enumerate(zip(votes, correct, abstain, strict=True)):
        assert table[i] == pytest.approx([maj_at_k_exact(v, g, s, k) for k in ks], abs=1e-15)


def exact_tail(n, c, k, m) -> Fraction:
    """P(at least m of k draws without replacement are correct), as fractions."""
    return sum((Fraction(comb(c, j) * comb(n - c, k - j), comb(n, k)) for j in range(m, k + 1)), Fraction(0))


def test_g_pass_at_k_worked_numbers():
    # n = 8, c = 4, k = 4: P(j correct) = 1, 16, 36, 16, 1 (/70) for j = 0..4
    n, c, k = [8], [4], 4
    assert metrics.g_pass_at_k(n, c, k, 0.25)[0] == pytest.approx(69 / 70)   # m = 1: pass@4
    assert metrics.g_pass_at_k(n, c, k, 0.5)[0] == pytest.approx(53 / 70)    # m = 2
    assert metrics.g_pass_at_k(n, c, k, 0.75)[0] == pytest.approx(17 / 70)   # m = 3
    assert metrics.g_pass_at_k(n, c, k, 1.0)[0] == pytest.approx(1 / 70)     # m = 4: pass^4
    # mG-Pass@4 = (2/4) (G-Pass@4_{3/4} + G-Pass@4_{4/4}) = (17 + 1) / 140 = 9/70
    assert metrics.mg_pass_at_k(n, c, k)[0] == pytest.approx(9 / 70)
    assert metrics.mg_pass_at_k([8], [8], 1)[0] == 0.0  # OpenCompass's sum is empty at k = 1


# OpenCompass's definitions (opencompass/openicl/icl_evaluator/icl_base_evaluator.py), restated here:
# _compute_g_pass_at_k(n, c, k, m) is hypergeom.sf(m - 1, n, c, k), or 0 where m > min(c, k);
# G-Pass@k_tau takes m = max(ceil(k * tau), 1); mG-Pass@k = 2/k * sum_{i = ceil(k/2)+1}^{k} of it at m = i.
def opencompass_tail(n, c, k, m):
    if m > min(c, k) or k > n or c < 0 or n <= 0 or m < 0:
        return 0.0
    return hypergeom.sf(m - 1, n, c, k)


def opencompass_g_pass(n, c, k, tau):
    return opencompass_tail(n, c, k, max(int(np.ceil(k * tau)), 1))


def opencompass_mg_pass(n, c, k):
    low, high = int(np.ceil(k * 0.5)), k
    return 2 * sum(opencompass_tail(n, c, k, i) for i in range(low + 1, high + 1)) / k


@given(st.integers(1, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
@settings(max_examples=200, deadline=None)
def test_g_pass_mg_pass_and_pass_hat_agree_with_opencompass_and_exact_fractions(nck):
    n, c, k = nck
    for tau in metrics.G_PASS_TAUS:
        ours = metrics.g_pass_at_k([n], [c], k, tau)[0]
        assert ours == pytest.approx(opencompass_g_pass(n, c, k, tau), abs=1e-10)
        assert ours == pytest.approx(float(exact_tail(n, c, k, max(-(-k * int(tau * 4) // 4), 1))), abs=1e-10)
    assert metrics.mg_pass_at_k([n], [c], k)[0] == pytest.approx(opencompass_mg_pass(n, c, k), abs=1e-10)
    assert metrics.pass_hat_k([n], [c], k)[0] == pytest.approx(float(Fraction(comb(c, k), comb(n, k))), abs=1e-12)


def test_pass_hat_k_at_large_n_has_no_overflow():
    # C(1024, 512) overflows a float; log factorials do not
    assert metrics.pass_hat_k([1024], [1023], 512)[0] == pytest.approx(512 / 1024)
    assert metrics.pass_hat_k([1024], [1024], 1024)[0] == pytest.approx(1.0)


def test_bootstrap_ci_is_fixed_by_the_seed_and_brackets_the_mean():
    values = np.random.default_rng(0).random((50, 2))
    lo, hi = metrics.bootstrap_ci(values)
    assert np.all(lo <= values.mean(axis=0)) and np.all(values.mean(axis=0) <= hi)
    assert np.array_equal(metrics.bootstrap_ci(values), metrics.bootstrap_ci(values))


def test_default_k_list():
    assert metrics.default_k_list(16) == [1, 2, 4, 8, 16]
    assert metrics.default_k_list(12) == [1, 2, 4, 8, 12]


def test_pass_at_k_keeps_the_broadcast_shape():
    n = np.array([[8], [16], [32], [64], [1024]])
    k = np.arange(1, 9)[None, :]
    out = metrics.pass_at_k(n, np.array([[1], [2], [3], [4], [5]]), k)
    assert out.shape == (5, 8)
    assert out[2, 3] == pytest.approx(metrics.pass_at_k(32, 3, 4))
    assert metrics.pass_at_k(np.array([[10]]), 1, 1).shape == (1, 1)

from fractions import Fraction
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passk import metrics
from passk.errors import ConfigError


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
    assert metrics.maj_at_k([np.array([6, 4])], [0], 10)[0] == 1.0
    # two classes of equal size at k = n: a tie, credited one half
    assert metrics.maj_at_k([np.array([5, 5])], [0], 10)[0] == 0.5
    # no correct class: zero; a minority correct class at k = n: zero
    assert metrics.maj_at_k([np.array([3, 7])], [None], 10)[0] == 0.0
    assert metrics.maj_at_k([np.array([3, 7])], [0], 10)[0] == 0.0
    # maj@1 equals the fraction correct (estimated)
    assert metrics.maj_at_k([np.array([3, 7])], [0], 1, resamples=4000)[0] == pytest.approx(0.3, abs=0.03)


def test_maj_at_k_abstentions_do_not_vote():
    # 2 correct answers and 8 samples with no answer: the correct class wins whenever drawn
    value = metrics.maj_at_k([np.array([2])], [0], 10, n_abstain=[8])[0]
    assert value == 1.0


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

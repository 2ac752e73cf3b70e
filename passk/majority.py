"""Exact maj@k (cons@k): the expected majority-vote accuracy over every size-k subset of a problem's n samples.

Rule. The k drawn samples vote with their answer class (classes are answer-equivalence classes); a
sample without an answer is drawn like any other but casts no vote. The class with the most votes
wins. A tie at the top is broken uniformly at random, so a correct class tied with t others earns
1/(t+1). A subset in which no sample answered earns 0. maj@k is this credit averaged over all
C(n, k) subsets: an unbiased estimator of the majority-vote accuracy of k fresh samples, as the
estimator of Chen et al. is for pass@k. cons@k (DeepSeek-R1's name) is the same quantity.

Computation. Drawing k of n without replacement has the law of independent Binomial(a_i, p) draws
from each class of size a_i, conditioned on their sum being k, for any p (we take p = k/n, where
the condition is least rare). So, with the correct class of size a drawing x votes,

    maj@k = sum_x P(Bin(a, p) = x) * E_u[ [z^(k-x)] prod_{other i} (T_i(z) + u P(X_i = x) z^x) ] / P(Bin(n, p) = k)

where T_i(z) = sum_{y<x} P(X_i = y) z^y (the class stays below x), the u-term marks a tie, and
E_u over u uniform on [0, 1] turns u^t into 1/(t+1). The polynomial in u has degree at most the
number of classes that can reach x; Gauss-Legendre nodes integrate it exactly. Classes that
cannot reach x (and the abstentions) merge into one Binomial factor. Terms whose probability is
below 1e-18 are skipped, so the result is exact to about 1e-15 (tests compare it with brute
force over all subsets).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import gammaln

NEGLIGIBLE = 1e-18  # a term below this probability cannot move the result by more than about 1e-15


def _log_factorial(n: int) -> np.ndarray:
    return gammaln(np.arange(n + 1) + 1.0)


def _binomial_pmf(j: np.ndarray, m: int, p: float, log_factorial: np.ndarray) -> np.ndarray:
    """P(Bin(m, p) = j) for integer j in 0..m (0 < p < 1), through a log-factorial table (scipy's pmf
    costs tens of microseconds a call, and this is called for every x)."""
    return np.exp(log_factorial[m] - log_factorial[j] - log_factorial[m - j] + j * np.log(p) + (m - j) * np.log1p(-p))


@lru_cache(maxsize=64)
def _nodes(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1]: exact for polynomials of degree < 2 * count."""
    x, w = np.polynomial.legendre.leggauss(count)
    return (x + 1) / 2, w / 2


def maj_at_k_exact(counts, correct: int | None, abstain: int, k: int) -> float:
    """maj@k of one problem: `counts` are the answer classes' sizes, `correct` indexes the gold's class
    (None: no sample is correct), `abstain` samples gave no answer. Needs 1 <= k <= n."""
    counts = np.asarray(counts, dtype=np.int64)
    if correct is None or counts.size == 0 or counts[correct] == 0:
        return 0.0
    n = int(counts.sum()) + abstain
    a = int(counts[correct])
    others = np.delete(counts, correct)
    others = others[others > 0]
    if k == n:  # one subset: the whole vote
        top = max(a, int(others.max()) if others.size else 0)
        return 1.0 / (1 + int((others == top).sum())) if a == top else 0.0
    p = k / n
    lf = _log_factorial(n)
    norm = float(_binomial_pmf(np.array(k), n, p, lf))
    p_correct = _binomial_pmf(np.arange(a + 1), a, p, lf)
    pmf = {size: _binomial_pmf(np.arange(size + 1), int(size), p, lf) for size in np.unique(others)}
    reach = {size: np.cumsum(table[::-1])[::-1] for size, table in pmf.items()}  # reach[s][x] = P(X >= x)
    total = 0.0
    for x in range(1, min(a, k) + 1):
        if p_correct[x] < NEGLIGIBLE * norm:
            continue
        rest = k - x
        rivals = [int(s) for s in others if s >= x and reach[s][x] >= NEGLIGIBLE * norm] if rest >= x else []
        pool = n - a - sum(rivals)  # abstentions and classes that cannot reach x: no constraint
        if not rivals:
            total += p_correct[x] * float(_binomial_pmf(np.array(rest), pool, p, lf)) if rest <= pool else 0.0
            continue
        # the tie marker's degree in u is at most the number of rivals that can all reach x at once
        degree = min(len(rivals), rest // x)
        u, w = _nodes(degree // 2 + 1)
        sizes, copies = np.unique(rivals, return_counts=True)
        length = rest + 1 + x * len(rivals)  # the product's degree + 1: no wrap-around
        size = 1 << (length - 1).bit_length()
        # identical rivals share a factor: the product is taken as powers in the frequency domain
        spectrum = np.fft.rfft(_binomial_pmf(np.arange(min(rest, pool) + 1), pool, p, lf), size)[None, :]
        for s, m in zip(sizes, copies, strict=True):
            factor = np.zeros((u.size, x + 1))
            factor[:, :x] = pmf[s][:x]
            factor[:, x] = u * pmf[s][x]
            spectrum = spectrum * np.fft.rfft(factor, size, axis=1) ** int(m)
        total += p_correct[x] * float(w @ np.fft.irfft(spectrum, size, axis=1)[:, rest])
    return min(max(total / norm, 0.0), 1.0)


def maj_at_k(vote_counts: list[np.ndarray], correct_class: list[int | None], k: int,
             n_abstain: list[int] | None = None) -> np.ndarray:
    """Exact maj@k per problem (see the module docstring for the rule)."""
    abstain = n_abstain or [0] * len(vote_counts)
    return np.array([maj_at_k_exact(counts, good, skip, k)
                     for counts, good, skip in zip(vote_counts, correct_class, abstain, strict=True)])

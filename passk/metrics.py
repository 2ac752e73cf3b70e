"""Every metric at k, as pure functions over counts, and the bootstrap interval (maj@k: passk.majority).

With n samples of a problem of which c are correct, each metric is an unbiased estimate over all
C(n, k) subsets of k samples:

- pass@k (Chen et al. 2021): some sample of k correct, 1 - C(n-c, k) / C(n, k). We compute the ratio
  as a running product, prod_{j<k} (n-c-j) / (n-j), so every k from 1 to n comes out of one cumprod.
- pass^k (tau-bench): all k correct, C(c, k) / C(n, k).
- G-Pass@k_tau (Liu et al. 2024): at least m = max(ceil(tau k), 1) of k correct,
  sum_{j>=m} C(c, j) C(n-c, k-j) / C(n, k); tau = 1 is pass^k.
- mG-Pass@k (OpenCompass): (2/k) sum_{i=ceil(k/2)+1}^{k} of that tail at m = i.
- maj@k (= cons@k): the majority vote of k is correct (passk.majority).

`AT_K` registers them by the name scores.json uses; mean@n (c/n) is the same for every k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln

from passk.errors import ConfigError

BOOTSTRAP_SEED = 20210707  # fixed: the same scores give the same intervals on every machine
BOOTSTRAP_RESAMPLES = 1000


def pass_at_k(n, c, k) -> np.ndarray | float:
    """Unbiased pass@k for arrays (or scalars) n, c, k that broadcast together.

    Raises ConfigError (a ValueError) when any k > n, k < 1, c < 0 or c > n.
    """
    n, c, k = np.broadcast_arrays(np.asarray(n), np.asarray(c), np.asarray(k))
    shape = n.shape  # the result has the broadcast shape: n (5, 1) with k (1, 1024) gives (5, 1024)
    n, c, k = (a.reshape(-1).astype(np.int64) for a in (n, c, k))
    if n.size == 0:
        return np.zeros(shape)
    if np.any(k < 1):
        raise ConfigError(f"pass@k needs k >= 1, got k = {int(k.min())}")
    if np.any(k > n):
        bad = int(np.argmax(k > n))
        raise ConfigError(f"pass@k needs k <= n (the number of samples): k = {int(k[bad])} > n = {int(n[bad])}")
    if np.any((c < 0) | (c > n)):
        raise ConfigError("pass@k needs 0 <= c <= n")
    out = _pass_at_k_table(n, c, int(k.max()))[np.arange(n.size), k - 1]
    return float(out[0]) if not shape else out.reshape(shape)


def pass_at_k_all(n, c, k_max: int | None = None) -> np.ndarray:
    """pass@k for every k = 1..k_max (default: the smallest n): shape (problems, k_max)."""
    n = np.asarray(n, dtype=np.int64).reshape(-1)
    c = np.asarray(c, dtype=np.int64).reshape(-1)
    k_max = int(n.min()) if k_max is None else k_max
    if k_max > n.min():
        raise ConfigError(f"pass@k needs k <= n: k_max = {k_max} > smallest n = {int(n.min())}")
    return _pass_at_k_table(n, c, k_max)


def _pass_at_k_table(n: np.ndarray, c: np.ndarray, k_max: int) -> np.ndarray:
    j = np.arange(k_max)[None, :]
    # factor j is (n-c-j)/(n-j): the chance the (j+1)-th draw is wrong given j wrong draws so far.
    # Where k > n the denominator would reach 0; those cells are never read, so guard them.
    denom = np.maximum(n[:, None] - j, 1)
    factors = np.clip(n[:, None] - c[:, None] - j, 0, None) / denom
    return 1.0 - np.cumprod(factors, axis=1)


def correct_count_pmf(n, c, k: int, log_factorial: np.ndarray | None = None) -> np.ndarray:
    """P(j of k samples drawn without replacement are correct), j = 0..k, per problem: shape (problems, k + 1).

    The hypergeometric law C(c, j) C(n-c, k-j) / C(n, k), through log factorials so no binomial overflows."""
    n = np.asarray(n, dtype=np.int64).reshape(-1, 1)
    c = np.asarray(c, dtype=np.int64).reshape(-1, 1)
    _check(n, c, k)
    lf = log_factorial if log_factorial is not None else log_factorials(int(n.max()))
    j = np.arange(k + 1)[None, :]
    possible = (j <= c) & (k - j <= n - c)
    jc, rest = np.minimum(j, c), np.clip(k - j, 0, n - c)  # any valid index where impossible; masked below
    log_p = (lf[c] - lf[jc] - lf[c - jc] + lf[n - c] - lf[rest] - lf[n - c - rest]
             - (lf[n] - lf[k] - lf[n - k]))
    return np.where(possible, np.exp(np.where(possible, log_p, 0.0)), 0.0)


def log_factorials(n_max: int) -> np.ndarray:
    return gammaln(np.arange(n_max + 1) + 1.0)


def _check(n: np.ndarray, c: np.ndarray, k: int) -> None:
    if k < 1:
        raise ConfigError(f"a metric at k needs k >= 1, got k = {k}")
    if n.size and k > n.min():
        raise ConfigError(f"a metric at k needs k <= n (the number of samples): k = {k} > n = {int(n.min())}")
    if np.any((c < 0) | (c > n)):
        raise ConfigError("a metric at k needs 0 <= c <= n")


def g_pass_threshold(k: int, tau: float) -> int:
    """The correct samples G-Pass@k_tau asks of k: max(ceil(k * tau), 1), as OpenCompass computes it."""
    return max(math.ceil(k * tau), 1)


def g_pass_at_k(n, c, k: int, tau: float) -> np.ndarray:
    """G-Pass@k_tau (Liu et al. 2024, arXiv 2412.13147) per problem: the chance that at least
    m = max(ceil(tau * k), 1) of k samples drawn without replacement are correct,
    sum_{j >= m} C(c, j) C(n-c, k-j) / C(n, k). tau = 1 is pass^k; tau -> 0 is pass@k."""
    return _g_pass(correct_count_pmf(n, c, k), k, tau)


def _g_pass(pmf: np.ndarray, k: int, tau: float) -> np.ndarray:
    return pmf[:, g_pass_threshold(k, tau):].sum(axis=1)


def mg_pass_at_k(n, c, k: int) -> np.ndarray:
    """mG-Pass@k per problem, as OpenCompass computes it: (2/k) sum_{i = l+1}^{k} G-Pass@k with m = i, for
    l = ceil(k/2); that is (2/k) E[max(0, X - l)] for X the correct count of k draws. mG-Pass@1 is 0 (the
    sum is empty), as in OpenCompass."""
    return _mg_pass(correct_count_pmf(n, c, k), k)


def _mg_pass(pmf: np.ndarray, k: int) -> np.ndarray:
    return 2.0 / k * (pmf @ np.maximum(np.arange(k + 1) - math.ceil(k / 2), 0))


def pass_hat_k(n, c, k: int) -> np.ndarray:
    """pass^k (tau-bench, arXiv 2406.12045) per problem: all k samples correct, C(c, k) / C(n, k)."""
    return correct_count_pmf(n, c, k)[:, k]


def bootstrap_ci(per_problem: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED,
                 level: float = 0.95) -> np.ndarray:
    """Percentile bootstrap interval of the mean over problems (axis 0), per column.

    Problems are resampled with replacement; returns shape (2, columns): low, high.
    """
    per_problem = np.asarray(per_problem, dtype=float)
    if per_problem.ndim == 1:
        per_problem = per_problem[:, None]
    n_problems = per_problem.shape[0]
    weights = np.random.default_rng(seed).multinomial(n_problems, np.full(n_problems, 1.0 / n_problems), size=resamples)
    means = weights @ per_problem / n_problems
    alpha = (1.0 - level) / 2
    return np.quantile(means, [alpha, 1.0 - alpha], axis=0)


def default_k_list(n: int) -> list[int]:
    """Powers of two up to n, and n itself."""
    ks = [1 << i for i in range(n.bit_length()) if (1 << i) <= n]
    return ks + ([n] if ks[-1] != n else [])


@dataclass(frozen=True)
class ProblemCounts:
    """What every metric at k reads of a set of problems: samples n, correct c, and the answer-class votes
    (class sizes, the index of the gold's class or None, samples without an answer)."""
    n: np.ndarray
    c: np.ndarray
    votes: list[np.ndarray]
    correct_class: list[int | None]
    abstain: list[int]
    _pmf: dict = field(default_factory=dict, compare=False, repr=False)

    def correct_count_pmf(self, k: int) -> np.ndarray:
        """correct_count_pmf at k, computed once for the six metrics that read it."""
        if k not in self._pmf:
            self._pmf[k] = correct_count_pmf(self.n, self.c, k)
        return self._pmf[k]


def _from_pmf(fn):
    """A metric of the correct-count law at k, per problem, as a metric over counts and a K list."""
    return lambda counts, ks: np.stack([fn(counts.correct_count_pmf(k), k) for k in ks], axis=1)


def _maj(counts: ProblemCounts, ks: list[int]) -> np.ndarray:
    from passk.majority import maj_at_k_table

    return maj_at_k_table(counts.votes, counts.correct_class, ks, counts.abstain)


G_PASS_TAUS = (0.25, 0.5, 0.75, 1.0)

# Every metric at k, by the name scores.json uses: f(counts, ks) -> per-problem values, shape (problems, len(ks)).
AT_K = {
    "pass@k": lambda counts, ks: pass_at_k_all(counts.n, counts.c, max(ks))[:, [k - 1 for k in ks]],
    "maj@k": _maj,
    "pass^k": _from_pmf(lambda pmf, k: pmf[:, k]),
    **{f"g-pass@k_{tau}": _from_pmf(lambda pmf, k, tau=tau: _g_pass(pmf, k, tau)) for tau in G_PASS_TAUS},
    "mg-pass@k": _from_pmf(_mg_pass),
}

# How tables name them.
LABELS = {"pass@k": "pass@k", "maj@k": "maj@k (cons@k)", "pass^k": "pass^k",
          **{f"g-pass@k_{tau}": f"G-Pass@k τ={tau}" for tau in G_PASS_TAUS}, "mg-pass@k": "mG-Pass@k"}

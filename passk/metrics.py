"""Pass@K, maj@K, mean@n and bootstrap intervals: pure functions over counts.

pass@k is the unbiased estimator of Chen et al. (2021): with n samples of which c
are correct, the chance that a random k-subset holds at least one correct sample is
1 - C(n-c, k) / C(n, k). We compute the ratio as a running product,
prod_{j<k} (n-c-j) / (n-j), so no binomial is ever formed and every k from 1 to n
comes out of one cumulative product.
"""

from __future__ import annotations

import numpy as np

from passk.errors import ConfigError

BOOTSTRAP_SEED = 20210707  # fixed: the same scores give the same intervals on every machine
BOOTSTRAP_RESAMPLES = 1000


def pass_at_k(n, c, k) -> np.ndarray | float:
    """Unbiased pass@k for arrays (or scalars) n, c, k that broadcast together.

    Raises ValueError when any k > n, k < 1, c < 0 or c > n.
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


def mean_at_n(n, c) -> float:
    """Average accuracy over all samples of each problem, then over problems."""
    n, c = np.asarray(n, dtype=float), np.asarray(c, dtype=float)
    return float(np.mean(c / n))


def maj_at_k(vote_counts: list[np.ndarray], correct_class: list[int | None], k: int,
             n_abstain: list[int] | None = None, resamples: int = 200, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """Expected majority-vote accuracy over random k-subsets, per problem.

    vote_counts[p] holds how many samples of problem p fell in each answer class
    (classes are answer-equivalence classes); correct_class[p] indexes the class
    equivalent to the gold, or None. n_abstain[p] samples gave no answer: they are
    drawn like any sample but cast no vote. A tie is credited as 1/(number tied) when
    the correct class is among the tied. The expectation over k-subsets is estimated
    with `resamples` multivariate-hypergeometric draws from a local, seeded RNG.
    """
    rng = np.random.default_rng(seed)
    out = np.zeros(len(vote_counts))
    for p, (counts, good) in enumerate(zip(vote_counts, correct_class)):
        abstain = 0 if n_abstain is None else n_abstain[p]
        counts = np.asarray(counts, dtype=np.int64)
        total = int(counts.sum()) + abstain
        if k > total:
            raise ConfigError(f"maj@k needs k <= n: k = {k} > n = {total} (problem {p})")
        if good is None or counts.size == 0:
            continue
        draws = rng.multivariate_hypergeometric(np.append(counts, abstain), k, size=resamples)[:, :-1]
        top = draws.max(axis=1, keepdims=True)
        tied = (draws == top) & (top > 0)
        credit = np.where(tied[:, good], 1.0 / np.maximum(tied.sum(axis=1), 1), 0.0)
        out[p] = credit.mean()
    return out


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

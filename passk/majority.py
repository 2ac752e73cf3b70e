"""Exact maj@k (cons@k): the expected majority-vote accuracy over every size-k subset of a problem's n samples.

Rule. The k drawn samples vote with their answer class (classes are answer-equivalence classes); a
sample without an answer is drawn like any other but casts no vote. The class with the most votes
wins. A tie at the top is broken uniformly at random, so a correct class tied with t others earns
1/(t+1). A subset in which no sample answered earns 0. maj@k is this credit averaged over all
C(n, k) subsets: an unbiased estimator of the majority-vote accuracy of k fresh samples, as the
estimator of Chen et al. is for pass@k. cons@k (DeepSeek-R1's name) is the same quantity.

Computation. The correct class (size a) draws x of the k votes, hypergeometric with weights h(x),
so maj@k = sum_{x >= 1} h(x) c(x) with c(x) the expected credit given x. Drawing the other k - x
from the other n - a samples without replacement has the law of independent Binomial(b_i, p)
draws from each class (and from the abstentions) conditioned on their sum, for any p; we take
p = k/n. With P_i the pmf of class i's draw and B that of Binomial(n - a, p),

    c(x) B(k - x) = E_u [z^(k-x)] prod_i (T_i(z) + u P_i(x) z^x),   T_i(z) = sum_{y<x} P_i(y) z^y

(each class stays below x or ties at x; E_u over u uniform on [0, 1] turns u^t into 1/(t+1), and
Gauss-Legendre nodes integrate the polynomial in u exactly). Classes that cannot reach x are full
binomials and merge with the abstentions into one factor (1 - p + p z)^m. The coefficient is read
off the values at N roots of unity w^t (t <= N/2: the coefficients are real, so the other roots
give conjugates). All of it is vectorised at once over problems, their x, the nodes and the rivals:
T_i at every root is a cumulative sum over y; a rival of one class multiplies its factor in, while
classes of equal size (many copies of a small class, say) add copies * log(factor) in a sparse
product, the factor being shared across problems; the pooled factor is a power in polar form.
Binomial pmfs are Loader's saddle-point form, within about 1e-15 (exp of log-factorial
differences, about 7,000 at n = 1,024, would lose 1e-12).

Pruning. Every skipped term is bounded, and per problem and k the bounds total at most BUDGET
(a sixth each): values of x whose weight h(x) is negligible; x where some rival almost surely
outvotes the correct class (c(x) <= P(rival <= x)), taken as c = 0; a rival at an x it almost
surely stays below (a term of at most h(x) P(rival >= x)), pooled there, and where none is left
c(x) = 1; a rival's far lower tail; tie degrees beyond those with non-negligible mass (the numbers
of rivals reaching x are negatively associated, so P(d of them do) <= s^d / d! for s the sum of
their chances); and N below n - a + 1, where the value read at z^(k-x) also holds the coefficients
N, 2N, ... away, at most B's tails that far out. Tail bounds are the pmf at the cut times the
geometric series of the ratio to the next value (the pmfs are log-concave). So the result is exact
to 1e-14 plus rounding (within 3e-14 of exact rationals at n = 1,024; tests compare it with brute
force over all subsets and with exact rational arithmetic).
"""

from __future__ import annotations

from decimal import Decimal, getcontext
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix
from scipy.special import gammaln

BUDGET = 1e-14  # the total of all skipped terms' bounds, per problem and k: a sixth for each kind
SHARE = BUDGET / 6
LADDER = np.array(sorted({m << e for m in range(8, 16) for e in range(20)}))  # numbers of roots tried
VALUES = 1 << 19  # problems computed together: as many as keep (problems, k + 1) arrays this small
ROWS = 512  # rows multiplied together (arrays of about ROWS * N / 2 values: in cache)


# --- pmfs and tail bounds -------------------------------------------------------------------------------------

def _pmf(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """The pmf on 0..L (last axis) of a log-concave law given by its ratios pmf(j+1) / pmf(j) = num[j] / den[j]
    (0 and inf where the support ends), built outward from the mode as products of ratios at most 1, and
    normalised: each value is within a few ulps per step from the mode."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    mode = (num > den).sum(axis=-1, keepdims=True)
    j = np.arange(num.shape[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(j >= mode, num / den, 1.0)  # pmf(j + 1) / pmf(j), above the mode
        down = np.where(j < mode, den / num, 1.0)  # pmf(j) / pmf(j + 1), below it
    ones = np.ones(num.shape[:-1] + (1,))
    weights = (np.concatenate([ones, np.cumprod(up, axis=-1)], axis=-1)
               * np.concatenate([np.cumprod(down[..., ::-1], axis=-1)[..., ::-1], ones], axis=-1))
    return weights / weights.sum(axis=-1, keepdims=True)


def _stirling_errors() -> np.ndarray:
    """log(m!) - log(sqrt(2 pi m) (m/e)^m) for m = 0..15 (m = 0 unused), from 40-digit decimals."""
    getcontext().prec = 40
    pi, half = Decimal("3.141592653589793238462643383279502884197"), Decimal("0.5")
    factorial, errors = Decimal(1), [0.0]
    for m in range(1, 16):
        factorial *= m
        errors.append(float(factorial.ln() - (m + half) * Decimal(m).ln() + m - half * (2 * pi).ln()))
    return np.array(errors)


STIRLING_ERRORS = _stirling_errors()


def _stirling_error(m: np.ndarray) -> np.ndarray:
    """log(m!) - log(sqrt(2 pi m) (m/e)^m): the table below 16, the Stirling series above."""
    big = np.maximum(m, 16.0)
    square = big * big
    series = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * square)) / square) / square) / square) / big
    return np.where(m < 16, STIRLING_ERRORS[np.minimum(m, 15).astype(np.int64)], series)


def _deviance(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """x log(x / mean) + mean - x, by its series where x is near the mean (no cancellation)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = np.where(x > 0, x * np.log(x / mean), 0.0) + mean - x
        v = (x - mean) / (x + mean)
    series, term = (x - mean) * v, 2 * x * v
    for j in range(1, 14):  # |v| < 0.1 near the mean: 13 terms reach 1e-26
        term = term * v * v
        series = series + term / (2 * j + 1)
    return np.where(np.abs(x - mean) < 0.1 * (x + mean), series, direct)


def _binomial(x, m, p) -> np.ndarray:
    """P(Bin(m, p) = x) for integers x (0 outside 0..m), 0 < p < 1, arguments broadcast: Loader's saddle-point
    form, within about 1e-15 relatively."""
    x, m, p = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(m, dtype=float), np.asarray(p, dtype=float))
    inner = (x > 0) & (x < m)
    xi, mi = np.where(inner, x, 1.0), np.where(inner, m, 2.0)
    exponent = (_stirling_error(mi) - _stirling_error(xi) - _stirling_error(mi - xi)
                - _deviance(xi, mi * p) - _deviance(mi - xi, mi * (1 - p)))
    general = np.exp(exponent) / np.sqrt(2 * np.pi * xi * (1 - xi / mi))
    edge = np.where(x == 0, np.exp(m * np.log1p(-p)), np.exp(m * np.log(p)))
    return np.where(inner, general, np.where((x == 0) | (x == m), edge, 0.0))


@lru_cache(maxsize=8)
def _log_factorials(n: int) -> np.ndarray:
    return gammaln(np.arange(n + 1) + 1.0)


def _binomial_tails(x, m, p):
    """Bounds on P(Bin(m, p) >= x) and P(Bin(m, p) <= x), integers x and m broadcast with p: the pmf at x times
    the geometric series of the ratio to the next value outward (the ratios fall away from the mode); 1 where
    x is not in that tail. (The pmf from log-factorials, up to 1 + 1e-9 for their rounding: enough for bounds.)"""
    x, m, p = np.broadcast_arrays(x, m, p)
    lf = _log_factorials(int(m.max(initial=0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        at = np.clip(x, 0, m)
        pmf = (1 + 1e-9) * np.exp(lf[m] - lf[at] - lf[m - at] + at * np.log(p) + (m - at) * np.log1p(-p))
        up = (m - x) * p / ((x + 1) * (1 - p))  # pmf(x + 1) / pmf(x)
        down = x * (1 - p) / ((m - x + 1) * p)  # pmf(x - 1) / pmf(x)
        above = np.where(x > m, 0.0, np.where(up < 1, pmf / (1 - up), 1.0))
        below = np.where(x < 0, 0.0, np.where(down < 1, pmf / (1 - down), 1.0))
    return above, below


def _tail_bounds(x, sizes, draws, population):
    """Bounds on P(Y >= x) and P(Y <= x), Y the draws of a class of the size when `draws` are drawn from
    `population` without replacement (integers, broadcast), as _binomial_tails does for the binomial; 0 outside
    Y's support."""
    x, sizes, draws, population = np.broadcast_arrays(x, sizes, draws, population)
    others = population - sizes
    low, high = np.maximum(draws - others, 0), np.minimum(sizes, draws)
    at = np.clip(x, low, high)
    lf = _log_factorials(int(population.max(initial=0)))
    pmf = (1 + 1e-9) * np.exp(lf[sizes] - lf[at] - lf[sizes - at] + lf[others] - lf[draws - at]
                              - lf[others - draws + at] - lf[population] + lf[draws] + lf[population - draws])
    with np.errstate(divide="ignore", invalid="ignore"):
        up = (sizes - at) * (draws - at) / ((at + 1) * (others - draws + at + 1))  # pmf(x + 1) / pmf(x)
        down = at * (others - draws + at) / ((sizes - at + 1) * (draws - at + 1))  # pmf(x - 1) / pmf(x)
        above = np.where(x > high, 0.0, np.where((x >= low) & (up < 1), pmf / (1 - up), 1.0))
        below = np.where(x < low, 0.0, np.where((x <= high) & (down < 1), pmf / (1 - down), 1.0))
    return above, below


# --- array helpers --------------------------------------------------------------------------------------------

def _per_group(ufunc: np.ufunc, values: np.ndarray, group: np.ndarray, count: int, empty) -> np.ndarray:
    """The reduction by `ufunc` of the rows of `values` in each group (group: row -> 0..count - 1, sorted);
    `empty` for a group without rows."""
    result = np.full((count,) + values.shape[1:], empty, dtype=values.dtype)
    if group.size:
        starts = np.flatnonzero(np.diff(group, prepend=-1))
        result[group[starts]] = ufunc.reduceat(values, starts, axis=0)
    return result


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of arange(start, start + length) for each pair."""
    return np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())


@lru_cache(maxsize=32)
def _powers(size: int) -> np.ndarray:
    """w^(y t) for w = exp(2 pi i / size), rows y = 0..size - 1 and columns t = 0..size/2."""
    return np.exp(2j * np.pi / size * (np.outer(np.arange(size), np.arange(size // 2 + 1)) % size))


@lru_cache(maxsize=128)
def _nodes(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1]: exact for polynomials of degree < 2 * count."""
    x, w = np.polynomial.legendre.leggauss(count)
    return (x + 1) / 2, w / 2


# --- maj@k ----------------------------------------------------------------------------------------------------

def _classes(counts, correct: int | None, abstain: int):
    """(a, n, sizes, copies): the correct class's size, the sample count, and the other classes' distinct
    sizes (ascending) with how many classes have each; None when no sample is correct."""
    counts = np.asarray(counts, dtype=np.int64)
    if correct is None or counts.size == 0 or counts[correct] == 0:
        return None
    others = np.delete(counts, correct)
    sizes, copies = np.unique(others[others > 0], return_counts=True)
    return int(counts[correct]), int(counts.sum()) + abstain, sizes, copies


def _maj(a: np.ndarray, n: np.ndarray, owner: np.ndarray, sizes: np.ndarray, copies: np.ndarray,
         k: int) -> np.ndarray:
    """maj@k of problems whose correct classes have a samples of n (arrays) and whose other classes are
    (owner: the problem's index, sizes, copies), sorted by owner and size."""
    whole = n == k  # one subset: the whole vote
    top = np.zeros(a.size, dtype=np.int64)
    np.maximum.at(top, owner, sizes)
    tied = np.bincount(owner, copies * (sizes == top[owner]), minlength=a.size)
    result = np.where(whole & (a > top), 1.0, np.where(whole & (a == top), 1 / (1 + tied), 0.0))
    drawn = ~whole
    if drawn.any():
        index = np.cumsum(drawn) - 1  # problems with n > k, renumbered
        keep = drawn[owner]
        result[drawn] = _screened(a[drawn], n[drawn], index[owner[keep]], sizes[keep], copies[keep], k)
    return result


def _screened(a, n, owner, sizes, copies, k: int) -> np.ndarray:
    """_maj where every problem has n > k: the pruning, then _contested for what is left."""
    count, population = a.size, n - a
    # h[i, x]: the correct class's draws, hypergeometric; kept where not negligible and x >= 1 (x = 0 earns
    # nothing): a window lo..lo + width - 1 per problem
    x = np.arange(k)
    h = _pmf(np.maximum(a[:, None] - x, 0) * (k - x), (x + 1) * np.maximum(population[:, None] - k + x + 1, 0))
    kept = h > SHARE / (k + 1)
    kept[:, 0] = False
    lo = kept.argmax(axis=1)
    width = int((k + 1 - kept[:, ::-1].argmax(axis=1) - lo)[kept.any(axis=1)].max(initial=0))
    if not width:
        return np.zeros(count)
    x = lo[:, None] + np.arange(width)
    inside = x <= k
    x = np.where(inside, x, k)
    h = np.where(inside & np.take_along_axis(kept, x, axis=1), np.take_along_axis(h, x, axis=1), 0.0)
    # the classes that can reach x somewhere: bounds on their chances of reaching x and of staying at or below
    reach = sizes >= lo[owner]
    owner, sizes, copies = owner[reach], sizes[reach], copies[reach]
    above, below = _tail_bounds(x[owner], sizes[:, None], k - x[owner], population[owner][:, None])
    # c(x) <= P(any one rival <= x): where that is negligible, c(x) = 0
    h = np.where(h * _per_group(np.minimum, below, owner, count, 1.0) > SHARE / width, h, 0.0)
    # a rival left out at x costs at most h(x) P(it reaches x), per copy
    rivals = np.bincount(owner, minlength=count)[owner]
    needed = h[owner] * copies[:, None] * above > SHARE / (width * rivals[:, None])
    contested = _per_group(np.logical_or, needed, owner, count, False)
    result = (h * ~contested).sum(axis=1)  # no rival left: the correct class wins
    if contested.any():
        keep = needed.any(axis=1)
        result += _contested(contested, x, h, population, n, owner[keep], sizes[keep], copies[keep],
                             above[keep], needed[keep], k)
    return result


def _contested(contested, x, h, population, n, owner, sizes, copies, above, needed, k: int) -> np.ndarray:
    """sum_x h(x) c(x) per problem over its contested (problem, x) cells, against these rivals (owner, sizes,
    copies, ascending; `above` bounds their chances of reaching each x of the window, `needed` marks where
    they stay out of the pool)."""
    p = k / n
    cell_problem, cell_column = np.nonzero(contested)  # by problem, then x ascending
    cx, ch = x[cell_problem, cell_column], h[cell_problem, cell_column]
    rest = k - cx
    cells = np.bincount(cell_problem, minlength=contested.shape[0])
    # B: every other sample's draw; weight(x) = h(x) / B(rest), so that h(x) c(x) = weight E_u [z^rest] ...
    weight = ch / _binomial(rest, population[cell_problem], p[cell_problem])
    size = _roots_count(population, p, cell_problem, rest, weight)
    powers = _powers(size)
    # rival-cell pairs, by cell: the rivals needed at the cell's x (elsewhere a rival joins the pool: the
    # screening counted that in the budget)
    pair_cell = _ranges((np.cumsum(cells) - cells)[owner], cells[owner])
    pair_rival = np.repeat(np.arange(owner.size), cells[owner])
    keep = needed[pair_rival, cell_column[pair_cell]]
    order = np.argsort(pair_cell[keep], kind="stable")
    pair_cell, pair_rival = pair_cell[keep][order], pair_rival[keep][order]
    pairs = np.bincount(pair_cell, minlength=cx.size)
    reaching = np.bincount(pair_cell, copies[pair_rival], minlength=cx.size)
    chance = np.bincount(pair_cell, copies[pair_rival] * above[pair_rival, cell_column[pair_cell]], minlength=cx.size)
    pooled = population[cell_problem] - np.rint(np.bincount(pair_cell, (copies * sizes)[pair_rival],
                                                            minlength=cx.size)).astype(np.int64)
    row_cell, u, w = _rows(ch, rest, cx, reaching, chance, cells[cell_problem])
    # each row starts as its cell's pooled factor (1 - p + p w^t)^pooled (in polar form, once per problem and
    # exponent: numpy's complex power goes through log and exp, slowly) times w^(-rest t), which moves z^rest
    # to z^0
    span = int(population.max()) + 1
    distinct, which = np.unique(cell_problem * span + pooled, return_inverse=True)
    problem, exponent = np.divmod(distinct, span)
    base = 1 - p[problem][:, None] + p[problem][:, None] * powers[1]
    phase = exponent[:, None] * np.angle(base)
    pool = np.exp(exponent[:, None] * np.log(np.maximum(np.abs(base), 1e-300))) * (np.cos(phase) + 1j * np.sin(phase))
    product = (pool[which] * powers[-rest % size])[row_cell]  # (row, t)
    # rival kinds (one size and one n: one pmf), each with T at every root, and the rows' entries in the table
    kinds, kind = np.unique(n[owner] * (sizes.max() + 1) + sizes, return_inverse=True)
    kind_n, kind_size = np.divmod(kinds, sizes.max() + 1)
    stop, risk = np.zeros(kinds.size, dtype=np.int64), np.zeros(kinds.size)
    np.maximum.at(stop, kind[pair_rival], cx[pair_cell])
    np.maximum.at(risk, kind, copies * np.bincount(cell_problem, weight)[owner] * np.bincount(owner)[owner])
    below, terms, start, lead = _prefix_table(kind_size, k / kind_n, risk / SHARE, stop, powers)
    entries = pairs[row_cell]
    entry_row = np.repeat(np.arange(row_cell.size), entries)
    entry_rival = pair_rival[_ranges((np.cumsum(pairs) - pairs)[row_cell], entries)]
    entry_kind, entry_x = kind[entry_rival], cx[row_cell[entry_row]]
    offset = entry_x - start[entry_kind]  # x - start
    inside = (offset >= 0) & (offset <= stop[entry_kind] - start[entry_kind])
    at = lead[entry_kind] + np.clip(offset, 0, stop[entry_kind] + 1 - start[entry_kind])

    def factor(e, out):  # T(x) + u P(x) w^(x t) of entries e, in the buffers out
        low = np.take(below, at[e], axis=0, out=out[0][:e.size])
        high = np.take(terms, at[e] + 1, axis=0, out=out[1][:e.size])
        high *= (u[entry_row[e]] * inside[e])[:, None]
        low += high
        return low

    # a rival of one class: its factor multiplied in, the first such rival of every row, then the second, ...;
    # rows by their count of those, descending (the rows with a j-th are a prefix), ROWS rows at a time
    single = copies[entry_rival] == 1
    count = np.bincount(entry_row, single, minlength=row_cell.size).astype(np.int64)
    first_single = np.cumsum(count) - count
    single = np.flatnonzero(single)
    order = np.argsort(-count, kind="stable")
    buffers = np.empty((2, ROWS, powers.shape[1]), dtype=complex)
    for r0 in range(0, int(np.count_nonzero(count)), ROWS):
        rows = order[r0:r0 + ROWS]
        block = product[rows]
        for j in range(int(count[rows[0]])):
            active = int(np.count_nonzero(count[rows] > j))
            block[:active] *= factor(single[first_single[rows[:active]] + j], buffers)
        product[rows] = block
    # several classes of one size: their factor is one of few (kind, x, u) across the rows, each computed
    # once, in logarithms (modulus and phase); each row's sum of copies * logarithm is a sparse product
    many = np.flatnonzero(copies[entry_rival] > 1)
    if many.size:
        nodes = np.bincount(row_cell)  # per cell: a node is (its count, its index)
        node = np.arange(row_cell.size) - np.repeat(np.cumsum(nodes) - nodes, nodes)
        code = (entry_kind[many] * (k + 1) + entry_x[many]) * (nodes.max() + 1) + nodes[row_cell[entry_row[many]]]
        code = code * (nodes.max() + 1) + node[entry_row[many]]
        _, first, combo = np.unique(code, return_index=True, return_inverse=True)
        shared_rows, row = np.unique(entry_row[many], return_inverse=True)
        value = factor(many[first], np.empty((2, first.size, powers.shape[1]), dtype=complex))
        logs = np.concatenate([np.log(np.maximum(np.abs(value), 1e-300)), np.angle(value)], axis=1)
        sums = csr_matrix((copies[entry_rival[many]], (row, combo)), shape=(shared_rows.size, first.size)) @ logs
        modulus, phase = sums[:, :powers.shape[1]], sums[:, powers.shape[1]:]
        product[shared_rows] *= np.exp(modulus) * (np.cos(phase) + 1j * np.sin(phase))
    t = np.arange(powers.shape[1])
    fold = np.where((t == 0) | (2 * t == size), 1.0, 2.0) / size
    coefficient = np.bincount(row_cell, (product.real @ fold) * w, minlength=cx.size)
    return np.bincount(cell_problem, weight * coefficient, minlength=contested.shape[0])


def _roots_count(population, p, cell_problem, rest, weight) -> int:
    """The fewest roots of unity N (from LADDER) such that reading z^rest off the values at them errs by at
    most SHARE per problem in sum_x weight(x) [z^rest]: that value also holds the coefficients N, 2N, ...
    away, each at most B's, so at most B's tails beyond rest + N and below rest - N, with an equal part of
    SHARE for each cell of a problem (bisection over LADDER); N above both rest and n - a - rest is exact."""
    cells = np.bincount(cell_problem)[cell_problem]
    others, chance = population[cell_problem], p[cell_problem]
    exact = np.maximum(rest, others - rest) + 1
    ladder = np.append(LADDER[LADDER < exact.max()], exact.max())
    low, high = np.full(rest.size, -1), np.full(rest.size, ladder.size - 1)  # ladder[high] is enough
    while (high - low > 1).any():
        middle = (low + high + 1) // 2
        size = ladder[middle]
        above, _ = _binomial_tails(rest + size, others, chance)
        _, below = _binomial_tails(rest - size, others, chance)
        enough = (size >= exact) | (weight * (above + below) * cells <= SHARE)
        low, high = np.where(enough, low, middle), np.where(enough, middle, high)
    return int(ladder[high].max())


def _rows(h, rest, x, reaching, chance, cells):
    """The rows (cell, node u) of the cells: row_cell, u and the nodes' weights. A cell's nodes integrate its
    ties exactly up to the largest degree with mass above SHARE / cells: d rivals tying needs d x <= rest and
    d of the copies reaching x, at most chance^d / d! likely (negative association)."""
    cap = np.minimum(rest // x, reaching)
    d = np.arange(1, int(cap.max(initial=0)) + 1)
    with np.errstate(divide="ignore"):
        heavy = (np.log(h)[:, None] + d * np.log(chance)[:, None] - gammaln(d + 1)
                 > np.log(SHARE / cells)[:, None]) & (d <= cap[:, None])
    nodes = np.where(heavy, d, 0).max(axis=1, initial=0) // 2 + 1
    row_cell = np.repeat(np.arange(x.size), nodes)
    first_row = np.cumsum(nodes) - nodes
    u, w = np.zeros(row_cell.size), np.zeros(row_cell.size)
    for count in np.unique(nodes):
        rows = _ranges(first_row[nodes == count], np.full(np.count_nonzero(nodes == count), count))
        u[rows], w[rows] = (np.tile(v, rows.size // count) for v in _nodes(int(count)))
    return row_cell, u, w


def _prefix_table(sizes, p, risk, stop, powers):
    """T at every root for classes of these sizes (p per class): (below, terms, start, lead), below[lead + j]
    being sum_{start <= y < start + j} P(y) w^(y t) for j = 0..stop + 1 - start, and terms[lead + 1 + j] the
    term P(start + j) w^((start + j) t). start skips the far lower tail: the largest with P(Y < start) * risk
    <= 1 (bisection). All classes share one cumulative sum, a segment each, led by a row that cancels the
    running sum so far (no growth, no rounding carried from one class to the next); a row of zeros ends
    both."""
    low, high = np.full(sizes.size, -1), stop.copy()  # P(Y <= low) * risk <= 1
    while (high - low > 1).any():
        middle = (low + high) // 2
        fine = _binomial_tails(middle, sizes, p)[1] * risk <= 1
        low, high = np.where(fine, middle, low), np.where(fine, high, middle)
    start = low + 1
    length = stop + 1 - start
    lead = np.cumsum(length + 1) - length - 1
    y = _ranges(start, length)
    segment = np.repeat(np.arange(sizes.size), length)
    table = np.zeros((lead[-1] + length[-1] + 2, powers.shape[1]), dtype=complex)
    table[_ranges(lead + 1, length)] = _binomial(y, sizes[segment], p[segment])[:, None] * powers[y % powers.shape[0]]
    sums = np.add.reduceat(table[:-1], lead, axis=0)  # each segment's lead (0 so far) plus its terms
    table[lead[1:]] = -sums[:-1]
    below = np.cumsum(table, axis=0)
    below -= below[np.append(np.repeat(lead, length + 1), -1)]
    return below, table, start, lead


def maj_at_k_table(vote_counts: list[np.ndarray], correct_class: list[int | None], ks: list[int],
                   n_abstain: list[int] | None = None) -> np.ndarray:
    """Exact maj@k per problem (rows) and k (columns); see the module docstring for the rule."""
    abstain = [0] * len(vote_counts) if n_abstain is None else n_abstain
    table = np.zeros((len(vote_counts), len(ks)))
    problems = [(i, c) for i, c in enumerate(map(_classes, vote_counts, correct_class, abstain)) if c is not None]
    if not problems:
        return table
    problems.sort(key=lambda problem: problem[1][1] - problem[1][0])  # alike neighbours: n - a sets N
    rows = np.array([i for i, _ in problems])
    classes = [c for _, c in problems]
    a, n = np.array([c[0] for c in classes]), np.array([c[1] for c in classes])
    owner = np.repeat(np.arange(len(classes)), [c[2].size for c in classes])
    sizes, copies = np.concatenate([c[2] for c in classes]), np.concatenate([c[3] for c in classes])
    for j, k in enumerate(ks):
        step = max(1, VALUES // (k + 1))
        for first in range(0, len(classes), step):
            last = first + step
            begin, end = np.searchsorted(owner, [first, last])
            table[rows[first:last], j] = _maj(a[first:last], n[first:last], owner[begin:end] - first,
                                              sizes[begin:end], copies[begin:end], k)
    return table


def maj_at_k(vote_counts: list[np.ndarray], correct_class: list[int | None], k: int,
             n_abstain: list[int] | None = None) -> np.ndarray:
    """Exact maj@k per problem (see the module docstring for the rule)."""
    return maj_at_k_table(vote_counts, correct_class, [k], n_abstain)[:, 0]


def maj_at_k_exact(counts, correct: int | None, abstain: int, k: int) -> float:
    """maj@k of one problem: `counts` are the answer classes' sizes, `correct` indexes the gold's class
    (None: no sample is correct), `abstain` samples gave no answer. Needs 1 <= k <= n."""
    return float(maj_at_k_table([counts], [correct], [k], [abstain])[0, 0])

"""The fixed-horizon tests of shadowtest's second stage, kept as reference implementations.

They no longer decide a verdict: a test repeated at every look of a running experiment
multiplies its error rate, and "significant against zero and past the tolerance" is not
a non-inferiority test (``benchmarks/judge_calibration.py`` measures both against the
anytime-valid rule). They stay exact, and checked against ``scipy.stats``, for anyone who
wants a classical p-value of a fixed sample:

- :func:`wilcoxon_signed_rank`: as ``scipy.stats.wilcoxon(..., method="asymptotic")``
  with its defaults (zeros dropped, ties averaged, no continuity correction);
- :func:`mann_whitney_u`: as ``scipy.stats.mannwhitneyu(..., method="asymptotic")``;
- :func:`two_proportion_z`: the pooled two-proportion z-test.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import accumulate, chain, compress, repeat
from operator import mul
from typing import TYPE_CHECKING, Final

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["Significance", "mann_whitney_u", "two_proportion_z", "wilcoxon_signed_rank"]

_SQRT2: Final = math.sqrt(2.0)


@attrs.frozen
class Significance:
    """A test's statistic, its standard normal ``z`` and its two-sided ``p_value``."""

    statistic: float
    z: float
    p_value: float
    n: int  # the observations the test used (non-zero differences for Wilcoxon)


def _two_sided(z: float) -> float:
    # 2 * (1 - Phi(|z|)) through erfc, which keeps its precision far into the tail
    return min(1.0, math.erfc(abs(z) / _SQRT2))


def _ranks(counts: Counter[float]) -> tuple[list[float], list[float], list[int]]:
    """Distinct values ascending, their average ranks, and their multiplicities.

    Average rank of a value = the count of smaller values + (its multiplicity + 1) / 2;
    built from one sort of the distinct values and C-level maps, with no Python step per
    observation (this is what keeps a 43,200-period judgement fast)."""
    keys = sorted(counts)
    sizes = list(map(counts.__getitem__, keys))
    below = accumulate(sizes, initial=0)
    ranks = [b + (c + 1) / 2 for b, c in zip(below, sizes, strict=False)]
    return keys, ranks, sizes


def _tie_term(sizes: Iterable[int]) -> int:
    """The sum of t**3 - t over tie groups, counted by group size."""
    return sum(m * (t * t * t - t) for t, m in Counter(sizes).items() if t > 1)


def wilcoxon_signed_rank(differences: Iterable[float]) -> Significance:
    """The two-sided Wilcoxon signed-rank test of ``differences`` (normal approximation).

    As ``scipy.stats.wilcoxon(x, y, method="asymptotic")`` with its defaults: zero
    differences are dropped (``zero_method="wilcox"``), tied absolute differences share
    their average rank and the variance is corrected for them, no continuity correction.
    ``statistic`` is the smaller of the positive and negative rank sums. With no non-zero
    difference, ``p_value`` is 1 (nothing suggests a difference).
    """
    # One sort by absolute value, then C-level maps: an observation's average rank is
    # (first + last index of its value) / 2 + 1, read from two dicts (value -> last
    # index, value -> first index); with no ties the ranks are simply 1..n. No Python
    # step per observation, which keeps a 43,200-period judgement fast.
    ordered = sorted(filter(None, differences), key=abs)  # filter drops 0.0 and -0.0
    n = len(ordered)
    if n == 0:
        return Significance(0.0, 0.0, 1.0, 0)
    positive = list(map((0.0).__lt__, ordered))
    absolute = list(map(abs, ordered))
    last = dict(zip(absolute, range(n), strict=False))
    if len(last) == n:  # no ties
        r_plus = float(sum(compress(range(1, n + 1), positive)))
        tie_term = 0
    else:
        first = dict(zip(reversed(absolute), range(n - 1, -1, -1), strict=False))
        ups = list(compress(absolute, positive))
        r_plus = (sum(map(first.__getitem__, ups)) + sum(map(last.__getitem__, ups))) / 2 \
            + len(ups)
        tie_term = _tie_term(map(_run_size, map(first.__getitem__, last), last.values()))
    r_minus = n * (n + 1) / 2 - r_plus
    mean = n * (n + 1) / 4
    variance = (n * (n + 1) * (2 * n + 1) - tie_term / 2) / 24
    z = (r_plus - mean) / math.sqrt(variance) if variance > 0 else 0.0
    return Significance(min(r_plus, r_minus), z, _two_sided(z), n)


def _run_size(first: int, last: int) -> int:
    return last - first + 1


def mann_whitney_u(x: Sequence[float], y: Sequence[float]) -> Significance:
    """The two-sided Mann-Whitney U test of samples ``x`` and ``y`` (normal approximation).

    As ``scipy.stats.mannwhitneyu(x, y, method="asymptotic")`` with its defaults: ties
    share their average rank and the variance is corrected for them, with the continuity
    correction. ``statistic`` is U of ``x``.
    """
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        return Significance(0.0, 0.0, 1.0, n1 + n2)
    keys, ranks, sizes = _ranks(Counter(chain(x, y)))
    in_x = Counter(x)
    r1 = sum(map(mul, map(in_x.get, keys, repeat(0)), ranks))
    u1 = r1 - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    ties = _tie_term(sizes) / (n * (n - 1)) if n > 1 else 0.0
    variance = n1 * n2 / 12 * ((n + 1) - ties)
    if variance <= 0:  # every value equal: no evidence either way
        return Significance(u1, 0.0, 1.0, n)
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    # U is the larger of U1 and U2, so z < 0 only when the continuity correction passes
    # the mean: 2 * (1 - Phi(z)) then exceeds 1 and is capped, as scipy does (no abs here)
    return Significance(u1, z, min(1.0, math.erfc(z / _SQRT2)), n)


def two_proportion_z(errors_a: float, n_a: float, errors_b: float, n_b: float) -> Significance:
    """The two-sided pooled two-proportion z-test of ``errors_a / n_a`` against
    ``errors_b / n_b``; ``z`` is positive when b's rate is the higher. ``statistic`` is
    the difference of the rates (b - a). With a pooled rate of 0 or 1 nothing can differ
    and ``p_value`` is 1."""
    if n_a <= 0 or n_b <= 0:
        return Significance(0.0, 0.0, 1.0, 0)
    rate_a, rate_b = errors_a / n_a, errors_b / n_b
    pooled = (errors_a + errors_b) / (n_a + n_b)
    spread = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if spread <= 0:
        return Significance(rate_b - rate_a, 0.0, 1.0, round(n_a + n_b))
    z = (rate_b - rate_a) / math.sqrt(spread)
    return Significance(rate_b - rate_a, z, _two_sided(z), round(n_a + n_b))



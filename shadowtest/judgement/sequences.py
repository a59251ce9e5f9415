"""Confidence sequences on sufficient statistics: plain numbers in, intervals and p-values out.

A confidence sequence is an interval at every look whose chance of *ever* missing the true
value, however often it is looked at, is at most ``alpha`` (Howard, Ramdas, McAuliffe and
Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of
Statistics 2021). Each one here is the set of values a nonnegative (super)martingale does
not reject: by Ville's inequality it crosses ``1 / alpha`` with probability at most
``alpha``, over the whole experiment. The anytime-valid p-value of a value is ``1 / M``,
the same martingale's reciprocal, so an interval at level ``alpha`` excludes exactly the
values whose p-value is below ``alpha``.

Two families, each a few sums of the data, so a judgement (or a simulation calling these
functions at many looks) costs a handful of float operations per gate:

**Contrasts** (latency, utilisation, percentiles, paired prediction errors). The data are
pairs ``(a_i, b_i)``, one per period, and the unknown ``theta`` makes ``a_i - theta * b_i``
average zero: for a latency ratio ``a_i`` is the shadow's latency summed over its requests
in period ``i`` and ``b_i`` production's average that period times the shadow's requests
(so a shared load curve cancels and a period weighs as many requests as it carried). The
evidence against ``theta`` is Robbins' two-sided normal mixture

    M(theta) = sqrt(rho / (V + rho)) * exp(S**2 / (2 * (V + rho)))

with ``S = sum(a_i - theta b_i)`` and the self-normalising ``V = sum((a_i - theta
b_i)**2)`` (Howard et al. 2021, section 3; de la Pena's self-normalised bound). ``rho`` is
set so the boundary is tightest after ``n_opt`` units of information (requests or periods;
``rho = n_opt * (V / n) / L`` with ``L = 2 log(1/alpha) + log(1 + 2 log(1/alpha))``, the
tuning of Howard et al.'s ``confseq`` package), which makes the rule free of the data's
scale. With ``V / n`` estimated from the data this is an asymptotic confidence sequence
in the sense of Waudby-Smith, Arbour, Sinha, Kennedy and Ramdas, "Time-uniform central
limit theory and asymptotic confidence sequences" (Annals of Statistics 2024); the
calibration benchmark measures its coverage where the asymptotics are thinnest (a few
requests a minute). ``M(theta) < 1/alpha`` is a quadratic inequality in ``theta``, so
the interval has a closed form (:func:`contrast_interval`).

**Rates** (error rates, prediction disagreement). Counts of successes in trials, from zero
upwards, with no normal approximation: the beta-binomial mixture martingale

    M(p) = B(x + pK, n - x + (1 - p)K) / (B(pK, (1 - p)K) * p**x * (1 - p)**(n - x))

(Robbins 1970; Howard et al. 2021, the beta-binomial mixture of its Table 2), exact for
Bernoulli trials at any stopping time. The mixing prior is centred at the rate tested,
with ``K = 4 / resolution`` pseudo-trials (a prior standard deviation of about
``sqrt(p * resolution) / 2``: half the gate's ``resolution``, its tolerance, at ``p =
resolution``), mixed in equal parts with priors 10 and 100 times lighter that find a
large change in fewer trials (a mixture of martingales is one). Two variants' rates are
compared through one sequence each at ``alpha / 2`` (a union bound), so the difference's interval is
``[low_s - high_p, high_s - low_p]``.

Everything is standard-library floating point; ``tests/test_judge_statistics.py`` checks
each closed form against an independent computation with scipy.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "best_rho",
    "contrast_interval",
    "contrast_p_value",
    "mixture_log_evidence",
    "mixture_radius",
    "rate_difference_interval",
    "rate_difference_p_value",
    "rate_interval",
    "rate_log_evidence",
    "rate_p_value",
    "rate_ratio_interval",
]

_INF: Final = math.inf
_BISECTIONS: Final = 64  # halvings of a rate interval: far below any rate's precision
_PRIORS: Final = 3  # beta priors mixed for a rate: resolution-tuned, 10x and 100x wider
_LOGIT_SPAN: Final = 700.0  # rates from e**-700 (~1e-304) up to 1 - e**-700


# -- the normal mixture ------------------------------------------------------------------------


def _tuning(alpha: float) -> float:
    """``L = 2 log(1/alpha) + log(1 + 2 log(1/alpha))``: ``rho = v_opt / L`` makes the
    two-sided normal-mixture boundary tightest at intrinsic time ``v_opt``."""
    two_log = 2.0 * math.log(1.0 / alpha)
    return two_log + math.log1p(two_log)


def best_rho(v_opt: float, alpha: float) -> float:
    """The mixture variance ``rho`` whose two-sided boundary is tightest at ``v_opt`` for
    level ``alpha`` (``confseq``'s ``TwoSidedNormalMixture.best_rho``)."""
    return v_opt / _tuning(alpha)


def mixture_log_evidence(s: float, v: float, rho: float) -> float:
    """``log M`` of Robbins' two-sided normal mixture: ``exp(lambda s - lambda**2 v / 2)``
    averaged over ``lambda ~ Normal(0, 1 / rho)``, which is
    ``log(rho / (v + rho)) / 2 + s**2 / (2 (v + rho))``."""
    return 0.5 * math.log(rho / (v + rho)) + s * s / (2.0 * (v + rho))


def mixture_radius(v: float, rho: float, alpha: float) -> float:
    """The ``|s|`` at which :func:`mixture_log_evidence` reaches ``log(1/alpha)``:
    ``sqrt((v + rho) (log(1 + v / rho) + 2 log(1/alpha)))``."""
    return math.sqrt((v + rho) * (math.log1p(v / rho) + 2.0 * math.log(1.0 / alpha)))


def _contrast_factor(n: float, n_opt: float, alpha: float, alpha_opt: float) -> float:
    """``c`` with ``S**2 <= c V`` the boundary at level ``alpha`` when ``rho = n_opt (V /
    n) / L(alpha_opt)``: ``(1 + q) (log(1 + 1/q) + 2 log(1/alpha))`` with ``q = rho / V``."""
    q = n_opt / (n * _tuning(alpha_opt))
    return (1.0 + q) * (math.log1p(1.0 / q) + 2.0 * math.log(1.0 / alpha))


def contrast_interval(sa: float, sb: float, saa: float, sab: float, sbb: float, n: float, *,
                      alpha: float, n_opt: float,
                      alpha_opt: float | None = None) -> tuple[float, float]:
    """The confidence sequence for ``theta`` where ``a_i - theta b_i`` averages zero, from
    the sums ``sa = sum(a)``, ``sb = sum(b)``, ``saa = sum(a*a)``, ``sab = sum(a*b)``,
    ``sbb = sum(b*b)`` and ``n`` units of information (``n_opt`` tunes where it is
    tightest; ``alpha_opt`` defaults to ``alpha``).

    ``(-inf, inf)`` while the data cannot bound ``theta`` (too little of it, or ``b``
    summing to 0).

    >>> low, high = contrast_interval(110.0, 100.0, 1300.0, 1150.0, 1050.0, 100.0,
    ...                               alpha=0.05, n_opt=100.0)
    >>> round(low, 3), round(high, 3)
    (0.163, 2.319)
    """
    if n <= 0 or sb == 0:
        return -_INF, _INF
    theta = sa / sb
    e = sab - theta * sbb  # sum((a - theta b) b)
    v = max(saa - 2.0 * theta * sab + theta * theta * sbb, 0.0)
    c = _contrast_factor(n, n_opt, alpha, alpha if alpha_opt is None else alpha_opt)
    # (sa - t sb)**2 <= c V(t) with t = theta + u: u**2 (sb**2 - c sbb) + 2 c e u - c v <= 0
    qa = sb * sb - c * sbb
    if qa <= 0:  # the quadratic opens downwards: no finite interval yet
        return -_INF, _INF
    root = math.sqrt(c * c * e * e + qa * c * v)
    return theta + (-c * e - root) / qa, theta + (-c * e + root) / qa


def contrast_p_value(sa: float, sb: float, saa: float, sab: float, sbb: float, n: float,
                     theta0: float, *, n_opt: float, alpha_opt: float) -> float:
    """The anytime-valid p-value of ``theta = theta0`` for the sums of
    :func:`contrast_interval`: its interval at level ``alpha`` excludes ``theta0`` exactly
    when this is below ``alpha`` (same ``n_opt``, ``alpha_opt``)."""
    if n <= 0 or sb == 0:
        return 1.0
    theta = sa / sb
    u = theta0 - theta
    v_hat = max(saa - 2.0 * theta * sab + theta * theta * sbb, 0.0)
    v = v_hat - 2.0 * u * (sab - theta * sbb) + u * u * sbb
    s = -u * sb
    if v <= 0:
        return 1.0 if s == 0 else 0.0
    q = n_opt / (n * _tuning(alpha_opt))
    log_p = 0.5 * math.log1p(1.0 / q) - s * s / v / (2.0 * (1.0 + q))
    return min(1.0, math.exp(log_p)) if log_p < 700 else 1.0


# -- rates: the beta-binomial mixture ----------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _pseudo_trials(resolution: float) -> tuple[float, ...]:
    """The priors' weights ``K``, the first ``4 / resolution`` trials (about a rate ``p``
    its standard deviation is ``sqrt(p resolution) / 2``: half the resolution at ``p =
    resolution``), then wider ones, each ten times lighter, that find a large change in
    fewer trials; at least one trial."""
    return tuple(max(4.0 / resolution / 10.0 ** j, 1.0) for j in range(_PRIORS))


def _lbeta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _log_evidence(x: float, n: float, p: float, q: float, log_p: float, log_q: float,
                  resolution: float) -> float:
    base = x * log_p + (n - x) * log_q
    logs = [_lbeta(x + p * k, n - x + q * k) - _lbeta(p * k, q * k) - base
            for k in _pseudo_trials(resolution)]
    top = max(logs)
    return top + math.log(math.fsum(math.exp(v - top) for v in logs) / len(logs))


def rate_log_evidence(x: float, n: float, p: float, *, resolution: float) -> float:
    """``log M(p)`` of the beta-binomial mixture for ``x`` successes in ``n`` trials (see
    the module docstring); ``p`` strictly between 0 and 1."""
    return _log_evidence(x, n, p, 1.0 - p, math.log(p), math.log1p(-p), resolution)


def _from_logit(z: float) -> tuple[float, float, float, float]:
    """``p``, ``1 - p``, ``log p`` and ``log(1 - p)`` for ``z = logit(p)``, without
    underflow or cancellation."""
    t = math.exp(-abs(z))
    log_small = -abs(z) - math.log1p(t)  # the log of the smaller of p and 1 - p
    log_large = -math.log1p(t)
    small, large = t / (1.0 + t), 1.0 / (1.0 + t)
    if z >= 0:
        return large, small, log_large, log_small
    return small, large, log_small, log_large


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


def _narrow(f: Callable[[float], float], neg: float, f_neg: float, pos: float,
            f_pos: float, width: float) -> tuple[float, float]:
    """Narrow a bracket with ``f(neg) < 0 <= f(pos)`` to ``width`` by the Illinois
    method: regula falsi, halving the value kept at an end that stays put, with bisection
    wherever a value is not finite. Returns the bracket."""
    side = 0
    for _ in range(_BISECTIONS):
        if abs(pos - neg) <= width:
            break
        finite = math.isfinite(f_neg) and math.isfinite(f_pos)
        middle = (neg * f_pos - pos * f_neg) / (f_pos - f_neg) if finite else 0.5 * (neg + pos)
        if not min(neg, pos) < middle < max(neg, pos):
            middle = 0.5 * (neg + pos)
        f_middle = f(middle)
        if f_middle < 0:
            neg, f_neg = middle, f_middle
            if side == -1:
                f_pos *= 0.5
            side = -1
        else:
            pos, f_pos = middle, f_middle
            if side == 1:
                f_neg *= 0.5
            side = 1
    return neg, pos


def _crossing(f: Callable[[float], float], start: float, direction: float) -> float | None:
    """Where ``f`` (negative at ``start``) first reaches 0 walking from ``start`` in
    ``direction`` (+1 or -1) in logit space: steps doubling from 1/4 bracket it, then
    :func:`_narrow` to 1e-8 (a relative 1e-8 on the rate). ``None`` if it never does
    within the representable rates. Returns the bracket's far end, so the interval stays
    conservative."""
    inside, step = start, 0.25
    f_inside = f(inside)
    if f_inside >= 0:
        return inside
    while True:
        outside = inside + direction * step
        if abs(outside) >= _LOGIT_SPAN:
            outside = direction * _LOGIT_SPAN
            f_outside = f(outside)
            if f_outside < 0:
                return None
            break
        f_outside = f(outside)
        if f_outside >= 0:
            break
        inside, f_inside, step = outside, f_outside, 2.0 * step
    return _narrow(f, inside, f_inside, outside, f_outside, 1e-8)[1]


def rate_interval(x: float, n: float, *, alpha: float,
                  resolution: float) -> tuple[float, float]:
    """The confidence sequence ``(low, high)`` for a rate after ``x`` successes in ``n``
    trials (counts may be fractional; ``0 <= x <= n``), at level ``alpha``, tuned for
    departures of ``resolution``. ``(0, 1)`` with no trials.

    >>> low, high = rate_interval(0, 10_000, alpha=0.01, resolution=0.001)
    >>> low, round(high, 5)
    (0.0, 0.00053)
    """
    if n <= 0:
        return 0.0, 1.0
    threshold = math.log(1.0 / alpha)

    def excess(z: float) -> float:
        return _log_evidence(x, n, *_from_logit(z), resolution) - threshold

    # the estimate, kept off 0 and 1 by half a trial (the search walks out from it)
    centre = _logit(min(max(x, 0.5), n - 0.5) / n) if n > 1 else 0.0
    low = _crossing(excess, centre, -1.0) if x > 0 else None
    high = _crossing(excess, centre, 1.0) if x < n else None
    return (0.0 if low is None else _from_logit(low)[0],
            1.0 if high is None else _from_logit(high)[0])


def rate_p_value(x: float, n: float, p0: float, *, resolution: float) -> float:
    """The anytime-valid p-value of the rate being ``p0``, for ``x`` successes in ``n``."""
    if n <= 0:
        return 1.0
    if p0 <= 0:
        return 1.0 if x == 0 else 0.0
    if p0 >= 1:
        return 1.0 if x == n else 0.0
    return min(1.0, math.exp(-rate_log_evidence(x, n, p0, resolution=resolution)))


def rate_difference_interval(x_s: float, n_s: float, x_p: float, n_p: float, *,
                             alpha: float, resolution: float) -> tuple[float, float]:
    """The confidence sequence for ``rate_s - rate_p`` (one sequence per rate at
    ``alpha / 2``); ``(-1, 1)`` before either side has trials."""
    low_s, high_s = rate_interval(x_s, n_s, alpha=alpha / 2, resolution=resolution)
    low_p, high_p = rate_interval(x_p, n_p, alpha=alpha / 2, resolution=resolution)
    return low_s - high_p, high_s - low_p


def rate_ratio_interval(x_s: float, n_s: float, x_p: float, n_p: float, *,
                        alpha: float, resolution: float) -> tuple[float, float]:
    """The confidence sequence for ``rate_s / rate_p`` (one sequence per rate at
    ``alpha / 2``); the upper end is ``inf`` while production's rate may be 0."""
    low_s, high_s = rate_interval(x_s, n_s, alpha=alpha / 2, resolution=resolution)
    low_p, high_p = rate_interval(x_p, n_p, alpha=alpha / 2, resolution=resolution)
    return low_s / high_p, (high_s / low_p if low_p > 0 else _INF)


def rate_difference_p_value(x_s: float, n_s: float, x_p: float, n_p: float, delta: float, *,
                            resolution: float, ratio: bool = False) -> float:
    """The anytime-valid p-value of ``rate_s - rate_p = delta`` (or, with ``ratio``,
    ``rate_s / rate_p = 1 + delta``) against the side the estimate lies on, matching
    :func:`rate_difference_interval` / :func:`rate_ratio_interval`: their interval at
    level ``alpha`` excludes ``delta`` exactly when this is below ``alpha``.

    The union bound rejects when, for every production rate ``q``, the shadow's sequence
    excludes ``q + delta`` or production's excludes ``q``, each at ``alpha / 2``; so the
    p-value is ``2 / min_q max(M_s(q + delta), M_p(q))``. Between the two estimates one
    evidence grows as the other shrinks, so that minimum is where they meet (and equals
    ``max min`` there); the bracket's ends give a lower bound of it (a conservative
    p-value).
    """
    if n_s <= 0 or n_p <= 0:
        return 1.0
    share_s, share_p = x_s / n_s, x_p / n_p

    def shift(q: float) -> float:
        return q * (1.0 + delta) if ratio else q + delta

    if share_s == shift(share_p):
        return 1.0

    def evidence(x: float, n: float, p: float) -> float:
        if p <= 0:
            return 0.0 if x == 0 else _INF
        if p >= 1:
            return 0.0 if x == n else _INF
        return rate_log_evidence(x, n, p, resolution=resolution)

    # q runs from production's estimate towards where shift(q) meets the shadow's: along
    # it one evidence grows and the other shrinks, so min() peaks where they cross
    def gap(q: float) -> float:
        return evidence(x_s, n_s, shift(q)) - evidence(x_p, n_p, q)

    far = (share_s / (1.0 + delta) if delta > -1 else _INF) if ratio else share_s - delta
    near = share_p
    far = min(max(far, 0.0), 1.0)
    gap_near, gap_far = gap(near), gap(far)
    if gap_near <= 0:
        best = evidence(x_s, n_s, shift(near))
    elif gap_far >= 0:
        best = evidence(x_p, n_p, far)
    else:
        # any q gives a lower bound of the maximum (a conservative p-value): take the
        # better end of a narrow bracket around the crossing
        low, high = _narrow(lambda q: -gap(q), near, -gap_near, far, -gap_far,
                            1e-12 * max(abs(near), abs(far)))
        best = max(min(evidence(x_s, n_s, shift(q)), evidence(x_p, n_p, q))
                   for q in (low, high))
    if best <= 0:
        return 1.0
    return min(1.0, 2.0 * math.exp(-best)) if best < 700 else 0.0

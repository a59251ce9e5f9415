"""What a gate's data say: a few sums, turned into an anytime-valid interval and p-values.

An :class:`Evidence` is the whole interface between a gate's data and the decision rule:
its point ``estimate`` of the change, its ``interval(alpha)`` (a confidence sequence), the
``p_value(change)`` of any hypothesised change, and ``scaled(k)`` (the same data as if
``k`` times as much had been seen, for the time-to-decision estimate). The change is on
the scale of :attr:`Gate.threshold`: a fraction for relative gates (0.1 = +10 %) and for
rates (0.001 = +0.1 pp), the metric's unit otherwise. Three kinds cover every gate:

- :class:`ContrastEvidence`: ``a_i - theta b_i`` averages zero (latency, utilisation,
  percentiles, mean absolute prediction error);
- :class:`RateEvidence`: two variants' success counts (error rates, paired accuracy);
- :class:`SingleRateEvidence`: one rate against a bound (prediction disagreement).

:class:`GateData` carries a gate's evidence with the summaries a judgement shows. A new
kind of gate plugs in by building a ``GateData`` from its inputs (see
:mod:`shadowtest.judgement`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final, Literal, Protocol

import attrs

from shadowtest._numbers import quantile
from shadowtest.judgement.sequences import (
    contrast_interval,
    contrast_p_value,
    rate_difference_interval,
    rate_difference_p_value,
    rate_interval,
    rate_p_value,
    rate_ratio_interval,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import timedelta

__all__ = [
    "ContrastEvidence",
    "ContrastForm",
    "Evidence",
    "GateData",
    "RateEvidence",
    "SeriesSummary",
    "SingleRateEvidence",
]

ContrastForm = Literal["ratio", "difference", "log"]
_ALPHA_OPT: Final = 0.02  # the tuning level (the default confidence 0.98)


class Evidence(Protocol):
    """A gate's data as a confidence sequence for its change."""

    @property
    def estimate(self) -> float | None:
        """The point estimate of the change (``None`` when the data define none)."""
        ...

    def interval(self, alpha: float) -> tuple[float, float]:
        """``(low, high)``: misses the true change, at any look, with probability <=
        ``alpha``."""
        ...

    def p_value(self, change: float) -> float:
        """The anytime-valid p-value of the true change being ``change``."""
        ...

    def scaled(self, factor: float) -> Evidence:
        """The same data as if ``factor`` times as much had been seen (same estimates)."""
        ...


@attrs.frozen(kw_only=True)
class ContrastEvidence:
    """Sums of per-period (or per-block) pairs ``(a_i, b_i)``: ``sa = sum(a)``, ``sb``,
    ``saa = sum(a*a)``, ``sab``, ``sbb``, and ``n`` units of information (requests, periods
    or pairs), for the ``theta`` where ``a_i - theta b_i`` averages zero. ``form`` says
    what ``theta`` is: ``"ratio"`` (change ``theta - 1``), ``"difference"`` (change
    ``theta``) or ``"log"`` (a mean log ratio: change ``exp(theta) - 1``). ``n_opt`` is
    where the sequence is tuned to be tightest (in units of ``n``)."""

    sa: float
    sb: float
    saa: float
    sab: float
    sbb: float
    n: float
    form: ContrastForm
    n_opt: float
    alpha_opt: float = _ALPHA_OPT

    def _change(self, theta: float) -> float:
        if self.form == "ratio":
            return max(theta, 0.0) - 1.0
        if self.form == "log":
            return math.exp(min(theta, 700.0)) - 1.0
        return theta

    def _theta(self, change: float) -> float:
        if self.form == "ratio":
            return 1.0 + change
        if self.form == "log":
            return math.log1p(change) if change > -1 else -math.inf
        return change

    @property
    def estimate(self) -> float | None:
        """The point estimate of the change (see :class:`Evidence`)."""
        return self._change(self.sa / self.sb) if self.sb else None

    def interval(self, alpha: float) -> tuple[float, float]:
        """``(low, high)`` at level ``1 - alpha``, valid at every look (see :class:`Evidence`)."""
        low, high = contrast_interval(self.sa, self.sb, self.saa, self.sab, self.sbb, self.n,
                                      alpha=alpha, n_opt=self.n_opt, alpha_opt=self.alpha_opt)
        return self._change(low), self._change(high)

    def p_value(self, change: float) -> float:
        """The anytime-valid p-value of the true change being ``change``."""
        theta = self._theta(change)
        if math.isinf(theta):
            return 0.0
        return contrast_p_value(self.sa, self.sb, self.saa, self.sab, self.sbb, self.n, theta,
                                n_opt=self.n_opt, alpha_opt=self.alpha_opt)

    def scaled(self, factor: float) -> ContrastEvidence:
        """The same data as if ``factor`` times as much had been seen."""
        return attrs.evolve(self, sa=self.sa * factor, sb=self.sb * factor,
                            saa=self.saa * factor, sab=self.sab * factor,
                            sbb=self.sbb * factor, n=self.n * factor)


@attrs.frozen(kw_only=True)
class RateEvidence:
    """Two variants' counts: ``x_s`` successes (errors) in ``n_s`` trials (requests) for the
    shadow, ``x_p`` in ``n_p`` for production. ``form="difference"``: the change is
    ``rate_s - rate_p``; ``"ratio"``: ``rate_s / rate_p - 1``. ``resolution`` tunes the
    sequences (the gate's tolerance as a rate)."""

    x_s: float
    n_s: float
    x_p: float
    n_p: float
    resolution: float
    form: Literal["difference", "ratio"] = "difference"

    @property
    def estimate(self) -> float | None:
        """The point estimate of the change (see :class:`Evidence`)."""
        if self.n_s <= 0 or self.n_p <= 0:
            return None
        rate_s, rate_p = self.x_s / self.n_s, self.x_p / self.n_p
        if self.form == "difference":
            return rate_s - rate_p
        return rate_s / rate_p - 1 if rate_p else (math.inf if rate_s else 0.0)

    def interval(self, alpha: float) -> tuple[float, float]:
        """``(low, high)`` at level ``1 - alpha``, valid at every look (see :class:`Evidence`)."""
        if self.form == "difference":
            return rate_difference_interval(self.x_s, self.n_s, self.x_p, self.n_p,
                                            alpha=alpha, resolution=self.resolution)
        low, high = rate_ratio_interval(self.x_s, self.n_s, self.x_p, self.n_p, alpha=alpha,
                                        resolution=self.resolution)
        return low - 1.0, high - 1.0

    def p_value(self, change: float) -> float:
        """The anytime-valid p-value of the true change being ``change``."""
        return rate_difference_p_value(self.x_s, self.n_s, self.x_p, self.n_p, change,
                                       resolution=self.resolution,
                                       ratio=self.form == "ratio")

    def scaled(self, factor: float) -> RateEvidence:
        """The same data as if ``factor`` times as much had been seen."""
        return attrs.evolve(self, x_s=self.x_s * factor, n_s=self.n_s * factor,
                            x_p=self.x_p * factor, n_p=self.n_p * factor)


@attrs.frozen(kw_only=True)
class SingleRateEvidence:
    """One rate, ``x`` successes in ``n`` trials; the change is the rate itself (a gate on
    it passes while the rate is shown below the tolerance)."""

    x: float
    n: float
    resolution: float

    @property
    def estimate(self) -> float | None:
        """The point estimate of the change (see :class:`Evidence`)."""
        return self.x / self.n if self.n > 0 else None

    def interval(self, alpha: float) -> tuple[float, float]:
        """``(low, high)`` at level ``1 - alpha``, valid at every look (see :class:`Evidence`)."""
        return rate_interval(self.x, self.n, alpha=alpha, resolution=self.resolution)

    def p_value(self, change: float) -> float:
        """The anytime-valid p-value of the true change being ``change``."""
        return rate_p_value(self.x, self.n, change, resolution=self.resolution)

    def scaled(self, factor: float) -> SingleRateEvidence:
        """The same data as if ``factor`` times as much had been seen."""
        return attrs.evolve(self, x=self.x * factor, n=self.n * factor)


@attrs.frozen(kw_only=True)
class SeriesSummary:
    """One variant's values of one metric: how many periods, their mean and percentiles
    (``None`` without data). ``mean`` is the gate's measure where it differs from the plain
    mean of the per-period values: the request-weighted mean of a latency (what the
    average request saw), the pooled rate of an error metric (errors over requests)."""

    count: int
    mean: float | None
    p50: float | None
    p90: float | None
    p99: float | None
    unit: str

    @classmethod
    def of(cls, values: Iterable[float], unit: str, *, mean: float | None = None) -> SeriesSummary:
        """The summary of ``values``; ``mean`` replaces their plain mean when given."""
        ordered = sorted(values)
        if not ordered:
            return cls(count=0, mean=mean, p50=None, p90=None, p99=None, unit=unit)
        return cls(count=len(ordered),
                   mean=math.fsum(ordered) / len(ordered) if mean is None else mean,
                   p50=quantile(ordered, 0.5), p90=quantile(ordered, 0.9),
                   p99=quantile(ordered, 0.99), unit=unit)

    @classmethod
    def empty(cls, unit: str) -> SeriesSummary:
        """No data."""
        return cls(count=0, mean=None, p50=None, p90=None, p99=None, unit=unit)


@attrs.frozen(kw_only=True)
class GateData:
    """Everything a gate's inputs say, ready for the decision rule.

    ``evidence`` is ``None`` when there is nothing to decide on (``note`` says why);
    ``have`` is how many periods (or pairs) each side brought, for the ``min_periods``
    rule; ``periods`` how many the evidence used; ``relative`` the change as a fraction
    whatever the gate's unit (``None`` where undefined); ``elapsed`` the traffic time
    behind the evidence and ``requests_per_minute`` the shadow's rate over it (for the
    time-to-decision estimate); ``test`` names the method."""

    evidence: Evidence | None
    production: SeriesSummary
    shadow: SeriesSummary
    have: tuple[int, int]
    periods: int = 0
    relative: float | None = None
    test: str = ""
    note: str | None = None
    elapsed: timedelta | None = None
    requests_per_minute: float | None = None

"""From both variants' CloudWatch series to each gate's :class:`GateData`: the estimand of
each kind of gate, as sums (SPEC: the change the *average request* sees).

- **Latency** (``ModelLatency``, ``OverheadLatency``): request-weighted. Per period the
  shadow's latency summed over its requests, ``a = Average_s x requests_s``, against
  production's average that period scaled to the shadow's requests, ``b = requests_s x
  Average_p``: ``sum(a) / sum(b)`` is the shadow's request-weighted mean over
  production's, a shared load curve cancels, and a period with 10,000 requests weighs
  10,000 times one with 1. Periods are gathered into blocks of at least
  :data:`BLOCK_REQUESTS` shadow requests before the variance is taken (the block is
  closed by request counts only, never by latencies), so that a sum of a few skewed
  request latencies does not bias the self-normalised interval low.
- **Percentiles** (``ModelLatency:p99`` ...): only periods where *both* variants served at
  least ``10 / (1 - q)`` requests (1,000 for a p99, 100 for a p90) are compared, so a
  shadow sampling 25 % of the traffic is not judged on the near-maximum a p99 of 2
  requests is; the change is the request-weighted mean of the per-period log ratios. With
  too few such periods the gate has no data and says which period to fetch.
- **Utilisation**: time-weighted (every period counts once).
- **Error rates**: pooled, errors over requests, from the per-period counts.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from itertools import accumulate, compress, groupby
from operator import gt, itemgetter, mul, sub
from typing import TYPE_CHECKING, Final, Literal

import attrs

from shadowtest.judgement.evidence import (
    ContrastEvidence,
    ContrastForm,
    GateData,
    RateEvidence,
    SeriesSummary,
)
from shadowtest.metrics import METRICS, ExperimentMetrics, MetricSeries, series_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from shadowtest._checks import Checker
    from shadowtest.judgement.policy import Gate

__all__ = ["BLOCK_REQUESTS", "block_ids", "check_series", "gate_data", "percentile_requests",
           "series_readers", "series_used"]

BLOCK_REQUESTS: Final = 30
"""Shadow requests per block of a latency gate's contrast."""
LATENCY_N_OPT: Final = 1000.0  # the interval is tuned tightest at 1,000 shadow requests
PERCENTILE_N_OPT: Final = 5000.0  # ... at 5,000 requests in qualifying periods
UTILIZATION_N_OPT: Final = 60.0  # ... at 60 periods
RELATIVE_RATE_RESOLUTION: Final = 0.001  # relative error gates: tuned for 0.1 pp


def _empty(metric: str, statistic: str, unit: str) -> MetricSeries:
    return MetricSeries(metric=metric, statistic=statistic, unit=unit, timestamps=(),
                        values=())


def _series(side: Mapping[str, MetricSeries], key: str) -> MetricSeries:
    found = side.get(key)
    if found is not None:
        return found
    metric, _, statistic = key.partition(":")
    info = METRICS[metric]
    return _empty(metric, statistic or info.statistics[0], info.unit)


def _columns(*series: MetricSeries) -> tuple[Sequence[datetime], list[Sequence[float]]]:
    """The values of every series at the timestamps all of them have (in the first one's
    order): the usual case, one request for every series, needs no lookup."""
    first = series[0].timestamps
    if all(s.timestamps == first for s in series[1:]):
        return first, [s.values for s in series]
    common = set(first).intersection(*(s.timestamps for s in series[1:]))
    times = [t for t in first if t in common]
    columns: list[Sequence[float]] = []
    for s in series:
        at = dict(zip(s.timestamps, s.values, strict=False))
        columns.append(list(map(at.__getitem__, times)))
    return times, columns


def series_used(gate: Gate) -> tuple[str, ...]:
    """The series keys a gate on an endpoint metric reads (on each side)."""
    kind = gate.kind
    if kind == "error":
        return ("Invocations", gate.metric, series_key(gate.metric, "Sum"))
    if kind in ("latency", "percentile"):
        return ("Invocations", gate.metric)
    if kind == "utilization":
        return (gate.metric,)
    return ()


def check_series(c: Checker, role: str, key: str, series: MetricSeries,
                 gates: Sequence[str]) -> None:
    """Every value of ``series`` is a finite number >= 0 (a problem naming the series, the
    first bad value's time and the gates that read it, else)."""
    values = series.values
    try:
        total = sum(values)
        ok = math.isfinite(total) and (not values or min(values) >= 0)
    except TypeError:
        ok = False
    if ok:
        return
    for when, value in zip(series.timestamps, values, strict=False):
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value) or value < 0):
            at = when.isoformat() if isinstance(when, datetime) else repr(when)
            c.add(f"{role}[{key!r}]",
                  f"got {value!r} at {at}; every value must be a finite number >= 0 (read "
                  f"by gate{'s' if len(gates) > 1 else ''} {', '.join(gates)})")
            return
    # only the sum overflowed: every value is finite, the data are merely huge
    c.add(f"{role}[{key!r}]", f"its values sum beyond the range of a float (read by "
                              f"{', '.join(gates)}); the series cannot be judged")


def _weighted_mean(latency: MetricSeries, requests: MetricSeries) -> float | None:
    """Requests-weighted mean of a per-period average: what the average request saw."""
    _, (averages, counts) = _columns(latency, requests)
    total = math.fsum(counts)
    return math.fsum(map(mul, averages, counts)) / total if total > 0 else None


def _traffic_time(periods: int, period: int) -> timedelta:
    return timedelta(seconds=periods * period)


def _rate_per_minute(requests: float, periods: int, period: int) -> float | None:
    minutes = periods * period / 60
    return requests / minutes if minutes > 0 else None


def block_ids(weights: Iterable[float], size: float) -> list[int]:
    """The block of each period: ``floor(weight before it / size)``, so a block begins
    wherever the running total of ``weights`` (shadow requests) passes a multiple of
    ``size``; set by request counts alone, never by the values judged."""
    return [int(before // size) for before in accumulate(weights, initial=0.0)][:-1]


def _blocks(a: Sequence[float], b: Sequence[float], weights: Sequence[float],
            size: float) -> tuple[float, float, float, int]:
    """``sum(A*A)``, ``sum(A*B)``, ``sum(B*B)`` over the blocks of :func:`block_ids`
    (``A``, ``B`` the sums of ``a``, ``b`` within a block; the last block may hold fewer
    than ``size``), and the number of blocks. Periods that reach ``size`` alone are blocks
    of one: the common case of busy endpoints costs three C-level passes."""
    if min(weights, default=size) >= size:
        return (math.fsum(map(mul, a, a)), math.fsum(map(mul, a, b)),
                math.fsum(map(mul, b, b)), len(a))
    saa = sab = sbb = 0.0
    blocks = 0
    for _, rows in groupby(zip(block_ids(weights, size), a, b, strict=True),
                           key=itemgetter(0)):
        block_a = block_b = 0.0
        for _, x, y in rows:
            block_a += x
            block_b += y
        saa += block_a * block_a
        sab += block_a * block_b
        sbb += block_b * block_b
        blocks += 1
    return saa, sab, sbb, blocks


def _latency(gate: Gate, data: ExperimentMetrics) -> GateData:
    key = gate.metric
    p_lat, s_lat = _series(data.production, key), _series(data.shadow, key)
    p_req, s_req = _series(data.production, "Invocations"), _series(data.shadow, "Invocations")
    production = SeriesSummary.of(p_lat.values, p_lat.unit, mean=_weighted_mean(p_lat, p_req))
    shadow = SeriesSummary.of(s_lat.values, s_lat.unit, mean=_weighted_mean(s_lat, s_req))
    have = (len(p_lat), len(s_lat))
    _, (n_p, lat_p, n_s, lat_s) = _columns(p_req, p_lat, s_req, s_lat)
    served = list(map(bool, map(mul, n_p, n_s)))  # both variants had requests
    if not all(served):
        n_p, lat_p, n_s, lat_s = (list(compress(x, served)) for x in (n_p, lat_p, n_s, lat_s))
    periods = len(n_s)
    if periods == 0:
        note = (None if min(have) == 0 else "no period had both variants' requests and "
                f"{key} (timestamps differ)")
        return GateData(evidence=None, production=production, shadow=shadow, have=have,
                        note=note)
    shadow_sum = list(map(mul, lat_s, n_s))
    scaled_production = list(map(mul, lat_p, n_s))
    ratio_b = math.fsum(scaled_production)
    relative = math.fsum(shadow_sum) / ratio_b - 1 if ratio_b else None
    a: Sequence[float] = shadow_sum
    b: Sequence[float] = scaled_production
    if gate.change == "absolute":
        a, b = list(map(sub, shadow_sum, scaled_production)), n_s
    saa, sab, sbb, blocks = _blocks(a, b, n_s, BLOCK_REQUESTS)
    requests = math.fsum(n_s)
    evidence = ContrastEvidence(sa=math.fsum(a), sb=math.fsum(b), saa=saa, sab=sab, sbb=sbb,
                                n=requests, n_opt=LATENCY_N_OPT,
                                form="ratio" if gate.change == "relative" else "difference")
    return GateData(evidence=evidence, production=production, shadow=shadow, have=have,
                    periods=periods, relative=relative,
                    test=(f"request-weighted {'ratio' if a is shadow_sum else 'difference'}, "
                          f"paired periods in {blocks} blocks (normal-mixture confidence "
                          "sequence)"),
                    elapsed=_traffic_time(periods, data.period),
                    requests_per_minute=_rate_per_minute(requests, periods, data.period))


def percentile_requests(statistic: str) -> int:
    """Requests a period needs on both sides for its ``statistic`` (``"p99"``) to be
    compared: ``10 / (1 - q)``, ten requests beyond the percentile."""
    q = float(statistic[1:]) / 100
    return max(1, round(10 / (1 - q)))


def _percentile(gate: Gate, data: ExperimentMetrics, min_periods: int) -> GateData:
    key = gate.metric
    statistic = key.partition(":")[2]
    need = percentile_requests(statistic)
    p_q, s_q = _series(data.production, key), _series(data.shadow, key)
    p_req, s_req = _series(data.production, "Invocations"), _series(data.shadow, "Invocations")
    have = (len(p_q), len(s_q))
    _, (n_p, q_p, n_s, q_s) = _columns(p_req, p_q, s_req, s_q)
    keep = [min(x, y) >= need and u > 0 and v > 0
            for x, y, u, v in zip(n_p, n_s, q_p, q_s, strict=True)]
    n_p, q_p, n_s, q_s = (list(compress(x, keep)) for x in (n_p, q_p, n_s, q_s))
    periods = len(n_s)
    total = math.fsum(n_s)
    production = SeriesSummary.of(p_q.values, p_q.unit, mean=(
        math.fsum(map(mul, q_p, n_s)) / total if total else None))
    shadow = SeriesSummary.of(s_q.values, s_q.unit, mean=(
        math.fsum(map(mul, q_s, n_s)) / total if total else None))
    if periods < min_periods:
        busiest = max(map(min, zip(n_p or [0.0], n_s or [0.0], strict=False)), default=0.0)
        per_minute = _rate_per_minute(math.fsum(_series(data.shadow, "Invocations").values),
                                      len(s_req), data.period) or 0.0
        longer = (max(60, math.ceil(need / per_minute / 60) * 3600) if per_minute else None)
        hint = (f"; fetch a longer period (period={longer} gives the shadow about "
                f"{per_minute * longer / 60:,.0f} requests a period)" if longer else "")
        note = (f"{key}: a {statistic} is compared only in periods where both variants "
                f"served at least {need:,} requests, and {periods} did (the busiest "
                f"shadow period had {busiest:,.0f}){hint}")
        return GateData(evidence=None, production=production, shadow=shadow,
                        have=(periods, periods) if min(have) else have, note=note)
    if gate.change == "relative":
        d = [math.log(y / x) for x, y in zip(q_p, q_s, strict=True)]
        form: ContrastForm = "log"
    else:
        d = list(map(sub, q_s, q_p))
        form = "difference"
    a = list(map(mul, n_s, d))
    evidence = ContrastEvidence(sa=math.fsum(a), sb=total, saa=math.fsum(map(mul, a, a)),
                                sab=math.fsum(map(mul, a, n_s)),
                                sbb=math.fsum(map(mul, n_s, n_s)), n=total,
                                n_opt=PERCENTILE_N_OPT, form=form)
    relative = (math.exp(evidence.sa / evidence.sb) - 1 if form == "log" else
                (shadow.mean / production.mean - 1 if production.mean and shadow.mean is not None
                 else None))
    return GateData(evidence=evidence, production=production, shadow=shadow,
                    have=(periods, periods), periods=periods, relative=relative,
                    test=(f"request-weighted {statistic} "
                          f"{'log ratio' if form == 'log' else 'difference'} over {periods} "
                          f"periods with >= {need:,} requests on both sides (normal-mixture "
                          "confidence sequence)"),
                    elapsed=_traffic_time(periods, data.period),
                    requests_per_minute=_rate_per_minute(total, periods, data.period))


def _utilization(gate: Gate, data: ExperimentMetrics) -> GateData:
    key = gate.metric
    p_u, s_u = _series(data.production, key), _series(data.shadow, key)
    production = SeriesSummary.of(p_u.values, p_u.unit)
    shadow = SeriesSummary.of(s_u.values, s_u.unit)
    have = (len(p_u), len(s_u))
    _, (u_p, u_s) = _columns(p_u, s_u)
    periods = len(u_p)
    if periods == 0:
        return GateData(evidence=None, production=production, shadow=shadow, have=have,
                        note=None if min(have) == 0 else
                        f"no period had both variants' {key} (timestamps differ)")
    sp = math.fsum(u_p)
    relative = math.fsum(u_s) / sp - 1 if sp else None
    if gate.change == "relative":
        a, b = list(u_s), list(u_p)
        sbb, sab = math.fsum(map(mul, b, b)), math.fsum(map(mul, a, b))
    else:
        a, b = list(map(sub, u_s, u_p)), [1.0] * periods
        sbb, sab = float(periods), math.fsum(a)
    evidence = ContrastEvidence(sa=math.fsum(a), sb=math.fsum(b), saa=math.fsum(map(mul, a, a)),
                                sab=sab, sbb=sbb, n=float(periods), n_opt=UTILIZATION_N_OPT,
                                form="ratio" if gate.change == "relative" else "difference")
    return GateData(evidence=evidence, production=production, shadow=shadow, have=have,
                    periods=periods, relative=relative,
                    test=("time-weighted " + ("ratio" if gate.change == "relative" else
                                               "difference")
                          + ", paired periods (normal-mixture confidence sequence)"),
                    elapsed=_traffic_time(periods, data.period))


@attrs.frozen
class _Counts:
    """One variant's periods with requests and an error figure: when, requests, errors."""

    times: Sequence[datetime]
    requests: Sequence[float]
    failed: Sequence[float]

    @classmethod
    def read(cls, side: Mapping[str, MetricSeries], metric: str) -> _Counts:
        invocations = _series(side, "Invocations")
        counts = side.get(series_key(metric, "Sum"))
        if counts is None:  # only the rates: the count is rate x requests
            rates = _series(side, metric)
            times, (requests, rate) = _columns(invocations, rates)
            failed: Sequence[float] = list(map(mul, rate, requests))
        else:
            times, (requests, failed) = _columns(invocations, counts)
        served = list(map(bool, requests))
        if not all(served):
            times = list(compress(times, served))
            requests, failed = list(compress(requests, served)), list(compress(failed, served))
        return cls(times, requests, failed)

    def pooled(self, only: set[datetime] | None = None) -> tuple[float, float]:
        """(errors, requests) over every period, or over those in ``only``."""
        requests, failed = self.requests, self.failed
        if only is not None:
            keep = [t in only for t in self.times]
            requests, failed = list(compress(requests, keep)), list(compress(failed, keep))
        return math.fsum(failed), math.fsum(requests)


def _errors(gate: Gate, data: ExperimentMetrics, c: Checker, min_periods: int) -> GateData:
    metric = gate.metric
    prod, shadow = _Counts.read(data.production, metric), _Counts.read(data.shadow, metric)
    for role, counts in (("production", prod), ("shadow", shadow)):
        if any(map(gt, counts.failed, counts.requests)):
            at = next(t for t, e, n in zip(counts.times, counts.failed, counts.requests,
                                           strict=True) if e > n)
            c.add(f"{role}[{series_key(metric, 'Sum')!r}]",
                  f"more errors than requests at {at.isoformat()} (read by gate {metric}); "
                  "the error counts and Invocations must come from the same periods")
            return GateData(evidence=None, production=SeriesSummary.empty("Ratio"),
                            shadow=SeriesSummary.empty("Ratio"), have=(0, 0))
    whole_p, whole_s = prod.pooled(), shadow.pooled()

    def summary(counts: _Counts, pooled: tuple[float, float]) -> SeriesSummary:
        rates = [e / n for e, n in zip(counts.failed, counts.requests, strict=True)]
        return SeriesSummary.of(rates, "Ratio", mean=pooled[0] / pooled[1] if pooled[1]
                                else None)

    production, shadow_summary = summary(prod, whole_p), summary(shadow, whole_s)
    have = (len(prod.times), len(shadow.times))
    if prod.times == shadow.times:
        (x_p, n_p), (x_s, n_s), common = whole_p, whole_s, have[0]
    else:
        both = set(prod.times).intersection(shadow.times)
        (x_p, n_p), (x_s, n_s), common = prod.pooled(both), shadow.pooled(both), len(both)
    note = None
    if common < min_periods <= min(have):
        (x_p, n_p), (x_s, n_s) = whole_p, whole_s
        common = sum(have)
        note = (f"only {common} periods had both variants' traffic; rates pooled over "
                "each variant's own periods")
    if n_p <= 0 or n_s <= 0:
        return GateData(evidence=None, production=production, shadow=shadow_summary,
                        have=have)
    form: Literal["difference", "ratio"] = ("difference" if gate.change == "absolute"
                                             else "ratio")
    resolution = max(gate.threshold if form == "difference" else RELATIVE_RATE_RESOLUTION,
                     1e-6)
    evidence = RateEvidence(x_s=x_s, n_s=n_s, x_p=x_p, n_p=n_p, resolution=resolution,
                            form=form)
    rate_p, rate_s = x_p / n_p, x_s / n_s
    relative = rate_s / rate_p - 1 if rate_p else (math.inf if rate_s else 0.0)
    return GateData(
        evidence=evidence, production=attrs.evolve(production, mean=rate_p),
        shadow=attrs.evolve(shadow_summary, mean=rate_s), have=have, periods=common,
        relative=relative, note=note,
        test=("pooled rates, exact beta-binomial confidence sequence per variant "
              f"({x_s:,.0f}/{n_s:,.0f} vs {x_p:,.0f}/{n_p:,.0f})"),
        elapsed=_traffic_time(common, data.period),
        requests_per_minute=_rate_per_minute(n_s, common, data.period))


def gate_data(gate: Gate, data: ExperimentMetrics, c: Checker, min_periods: int) -> GateData:
    """What ``data`` say about ``gate`` (an endpoint-metric gate); a problem in ``c`` when
    the series contradict each other."""
    kind = gate.kind
    if kind == "error":
        return _errors(gate, data, c, min_periods)
    if kind == "latency":
        return _latency(gate, data)
    if kind == "percentile":
        return _percentile(gate, data, min_periods)
    return _utilization(gate, data)


def series_readers(gates: Iterable[Gate]) -> dict[str, list[str]]:
    """Series key -> the gates that read it (on each side)."""
    readers: dict[str, list[str]] = {}
    for gate in gates:
        for key in series_used(gate):
            readers.setdefault(key, []).append(gate.metric)
    return readers

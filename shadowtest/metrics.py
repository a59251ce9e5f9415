"""Both variants' CloudWatch metrics for a shadow test, in the fewest ``GetMetricData`` calls.

What is fetched (the SageMaker developer guide, "Monitor Amazon SageMaker with Amazon
CloudWatch"): the invocation metrics of namespace ``AWS/SageMaker`` and the instance
metrics of ``/aws/sagemaker/Endpoints``, each with dimensions ``EndpointName`` and
``VariantName``, for the production and the shadow variant.

How (the CloudWatch API reference for ``GetMetricData``): one request carries at most
500 queries and one response at most 100,800 data points (the rest follows through
``NextToken``); periods are multiples of 60 s, and data is kept at 60 s for 15 days, at
300 s for 63 days and at 3600 s for 455 days, so the default period is the finest the
window's start still has. Every metric of both variants goes into one request (or as few
as the 500-query limit allows), so the number of requests is the minimum the limits allow.

The planning here is pure (:func:`plan_queries`, :func:`plan_requests`,
:func:`choose_period`); :func:`fetch_metrics` is the one function that sends.
Latencies arrive in microseconds and are reported in milliseconds; an error metric
(1 per failing request, 0 otherwise) is reported as its rate (the Average, 0-1) and its
count (the Sum). A period with no data point is absent from a series, never a zero.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from itertools import islice, repeat
from operator import lt
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import attrs

from shadowtest._checks import Checker, FrozenMap
from shadowtest._displayed import Displayed
from shadowtest._json import iso, jsonable
from shadowtest.errors import InvalidStatusError, ServiceError
from shadowtest.status import ExperimentStatus

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

    from shadowtest._card import Card
    from shadowtest.experiment import InferenceExperiment

__all__ = [
    "DEFAULT_METRICS",
    "MAX_DATAPOINTS_PER_RESPONSE",
    "MAX_QUERIES_PER_REQUEST",
    "METRICS",
    "RETENTION",
    "ExperimentMetrics",
    "MetricInfo",
    "MetricSeries",
    "MetricsRequest",
    "ReadOnlyMap",
    "check_arguments",
    "check_metric_name",
    "check_metric_names",
    "check_period",
    "choose_period",
    "fetch_metrics",
    "floor_to_period",
    "minimum_requests",
    "plan_queries",
    "plan_requests",
    "resolve_request",
    "series_key",
]

MAX_QUERIES_PER_REQUEST: Final = 500
"""GetMetricData: "as many as 500 different metrics in a single request"."""
MAX_DATAPOINTS_PER_RESPONSE: Final = 100_800
"""GetMetricData: "a total of as many as 100,800 data points" per response."""
RETENTION: Final = ((60, timedelta(days=15)), (300, timedelta(days=63)),
                    (3600, timedelta(days=455)))
"""(period in seconds, how long CloudWatch keeps data at that period), finest first."""

INVOCATION_NAMESPACE: Final = "AWS/SageMaker"
INSTANCE_NAMESPACE: Final = "/aws/sagemaker/Endpoints"

Kind = Literal["count", "latency", "error", "utilization"]


@attrs.frozen
class MetricInfo:
    """What shadowtest knows about one endpoint metric: where it lives, which statistics
    are fetched (the first is the main one), and how its values are reported."""

    name: str
    namespace: str
    kind: Kind
    statistics: tuple[str, ...]
    unit: str  # the unit of the reported (converted) values
    scale: float = 1.0  # reported value = CloudWatch value * scale


def _info(name: str, namespace: str, kind: Kind, statistics: tuple[str, ...], unit: str,
          scale: float = 1.0) -> tuple[str, MetricInfo]:
    return name, MetricInfo(name, namespace, kind, statistics, unit, scale)


_LATENCY_STATS: Final = ("Average", "p50", "p90", "p99")
METRICS: Final[Mapping[str, MetricInfo]] = FrozenMap(dict([
    _info("Invocations", INVOCATION_NAMESPACE, "count", ("Sum",), "Count"),
    _info("InvocationsPerInstance", INVOCATION_NAMESPACE, "count", ("Sum",), "Count"),
    # microseconds in CloudWatch; milliseconds are what people read latencies in
    _info("ModelLatency", INVOCATION_NAMESPACE, "latency", _LATENCY_STATS, "Milliseconds",
          0.001),
    _info("OverheadLatency", INVOCATION_NAMESPACE, "latency", _LATENCY_STATS, "Milliseconds",
          0.001),
    # 1 per failing request and 0 otherwise: the Average is the rate, the Sum the count
    _info("Invocation4XXErrors", INVOCATION_NAMESPACE, "error", ("Average", "Sum"), "Ratio"),
    _info("Invocation5XXErrors", INVOCATION_NAMESPACE, "error", ("Average", "Sum"), "Ratio"),
    _info("InvocationModelErrors", INVOCATION_NAMESPACE, "error", ("Average", "Sum"), "Ratio"),
    # summed over cores: 0-100 % times the instance's vCPUs
    _info("CPUUtilization", INSTANCE_NAMESPACE, "utilization", ("Average",), "Percent"),
    _info("MemoryUtilization", INSTANCE_NAMESPACE, "utilization", ("Average",), "Percent"),
    _info("DiskUtilization", INSTANCE_NAMESPACE, "utilization", ("Average",), "Percent"),
    _info("GPUUtilization", INSTANCE_NAMESPACE, "utilization", ("Average",), "Percent"),
    _info("GPUMemoryUtilization", INSTANCE_NAMESPACE, "utilization", ("Average",), "Percent"),
]))
"""Every metric :func:`fetch_metrics` knows, by CloudWatch name."""
DEFAULT_METRICS: Final = tuple(METRICS)
"""What ``ExperimentClient.metrics`` fetches when ``metrics`` is not given: all of them."""


def series_key(metric: str, statistic: str) -> str:
    """The key of a series in :attr:`ExperimentMetrics.production` / ``.shadow``: the metric
    name for its main statistic (``"ModelLatency"`` is the Average, in ms;
    ``"Invocation5XXErrors"`` the error rate), ``"metric:statistic"`` for the others
    (``"ModelLatency:p99"``, ``"Invocation5XXErrors:Sum"`` the error count)."""
    info = METRICS.get(metric)
    if info is not None and statistic == info.statistics[0]:
        return metric
    return f"{metric}:{statistic}"


def _unit(info: MetricInfo, statistic: str) -> str:
    if info.kind == "error" and statistic == "Sum":
        return "Count"
    return info.unit


def _as_tuple(value: Any) -> Any:
    """An iterable (not a string) as a tuple; anything else as given, for MetricSeries'
    checks to report."""
    if isinstance(value, (tuple, str, bytes)) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def _timestamps(value: Iterable[datetime]) -> tuple[datetime, ...]:
    return _as_tuple(value)  # type: ignore[no-any-return]


def _values(value: Iterable[float]) -> tuple[float, ...]:
    return _as_tuple(value)  # type: ignore[no-any-return]


def _first_bad_value(values: tuple[object, ...]) -> tuple[int, object] | None:
    """The index and value of the first item of ``values`` that is not a finite real
    number (bool is not a number here), or ``None``."""
    if all(map(isinstance, values, repeat(float))) and all(
            map(math.isfinite, cast("tuple[float, ...]", values))):
        return None  # the usual case, at C speed: CloudWatch's values are floats
    for i, value in enumerate(values):
        if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                or not math.isfinite(value)):
            return i, value
    return None


def _check_timestamps(c: Checker, timestamps: tuple[object, ...]) -> None:
    """Every timestamp is an aware datetime, each after the one before (a problem for the
    first that is not, else none)."""
    if not all(map(isinstance, timestamps, repeat(datetime))):
        i, bad = next((i, t) for i, t in enumerate(timestamps) if not isinstance(t, datetime))
        c.add(f"timestamps[{i}]", f"got {type(bad).__name__} {bad!r}; must be a datetime")
        return
    times: tuple[datetime, ...] = timestamps  # type: ignore[assignment]
    if None in map(datetime.utcoffset, times):
        i, naive = next((i, t) for i, t in enumerate(times) if t.utcoffset() is None)
        c.add(f"timestamps[{i}]", f"got naive datetime {naive.isoformat()}; must be "
                                  "timezone-aware (e.g. datetime(..., tzinfo=timezone.utc)); "
                                  "shadowtest never guesses a time zone")
        return
    if all(map(lt, times, islice(times, 1, None))):
        return
    i = next(i for i in range(1, len(times)) if not times[i - 1] < times[i])
    before, at = times[i - 1], times[i]
    if at == before:
        c.add(f"timestamps[{i}]", f"got {at.isoformat()} again (also timestamps[{i - 1}]); a "
                                  "period has one value, so each timestamp must appear once")
    else:
        c.add(f"timestamps[{i}]", f"got {at.isoformat()}, before timestamps[{i - 1}] "
                                  f"{before.isoformat()}; timestamps must be in ascending "
                                  "order (CloudWatch answers newest first unless ScanBy is "
                                  "'TimestampAscending': sort the points by time)")


@attrs.frozen(kw_only=True)
class MetricSeries(Displayed):
    """One statistic of one metric of one variant: ``values[i]`` is the value of the period
    starting at ``timestamps[i]``. Periods with no data are absent, never zero (nor NaN).
    ``timestamps`` (timezone-aware datetimes, strictly ascending: each period once) and
    ``values`` (finite numbers, one per timestamp) are any iterables, stored as tuples;
    anything else is a :class:`~shadowtest.ConfigValidationError` naming the first bad item
    of each. Points are not sorted for you: CloudWatch answers newest first by default.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 11, 1, tzinfo=timezone.utc)
    >>> MetricSeries(metric="ModelLatency", statistic="Average", unit="Milliseconds",
    ...              timestamps=[t], values=[35.0]).values
    (35.0,)
    """

    metric: str
    statistic: str
    unit: str
    timestamps: tuple[datetime, ...] = attrs.field(converter=_timestamps)
    values: tuple[float, ...] = attrs.field(converter=_values)

    def __attrs_post_init__(self) -> None:
        c = Checker()
        for name in ("metric", "statistic", "unit"):
            value = getattr(self, name)
            if not isinstance(value, str):
                c.add(name, f"got {type(value).__name__} {value!r}; must be a string")
        times_ok = isinstance(self.timestamps, tuple)
        if not times_ok:
            c.add("timestamps", f"got {type(self.timestamps).__name__} {self.timestamps!r}; "
                                "must be a list of datetimes")
        else:
            _check_timestamps(c, self.timestamps)
        values_ok = isinstance(self.values, tuple)
        if not values_ok:
            c.add("values", f"got {type(self.values).__name__} {self.values!r}; must be a "
                            "list of numbers")
        else:
            bad = _first_bad_value(self.values)
            if bad is not None:
                c.add(f"values[{bad[0]}]", f"got {type(bad[1]).__name__} {bad[1]!r}; must be "
                                           "a finite number (leave a period with no data "
                                           "out, never NaN or inf)")
        if times_ok and values_ok and len(self.timestamps) != len(self.values):
            c.add("values", f"got {len(self.values)} values for {len(self.timestamps)} "
                            "timestamps; give one value per timestamp")
        c.raise_if_any("MetricSeries")

    def __len__(self) -> int:
        return len(self.values)

    def to_dict(self) -> dict[str, object]:
        """Strict JSON: ``metric``, ``statistic``, ``unit``, ``timestamps`` (ISO 8601 UTC
        strings) and ``values`` (a value that is not finite as ``null``)."""
        return {"metric": self.metric, "statistic": self.statistic, "unit": self.unit,
                "timestamps": [iso(when) for when in self.timestamps],
                "values": [jsonable(value) for value in self.values]}

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card

        values = self.values
        return Card(f"MetricSeries {self.metric} {self.statistic} ({self.unit})", [
            ("periods", len(values)),
            ("from", self.timestamps[0].isoformat() if values else None),
            ("to", self.timestamps[-1].isoformat() if values else None),
            ("mean", f"{math.fsum(values) / len(values):.4g}" if values else "no data"),
            ("min .. max", f"{min(values):.4g} .. {max(values):.4g}" if values else None)])

    def __repr__(self) -> str:
        span = (f", {self.timestamps[0].isoformat()} .. {self.timestamps[-1].isoformat()}"
                if self.timestamps else "")
        return (f"<MetricSeries {self.metric} {self.statistic} ({self.unit}): "
                f"{len(self.values)} periods{span}>")


ReadOnlyMap = FrozenMap
"""The read-only mapping of results (kept under this name too: it was metrics' own)."""


def _window(value: Iterable[datetime]) -> tuple[datetime, datetime]:
    """A pair as a tuple; anything else as given, for ExperimentMetrics' checks to report."""
    return _as_tuple(value)  # type: ignore[no-any-return]


def _frozen_series(value: Mapping[str, MetricSeries]) -> Mapping[str, MetricSeries]:
    return FrozenMap(value) if isinstance(value, Mapping) else value


@attrs.frozen(kw_only=True)
class ExperimentMetrics(Displayed):
    """What CloudWatch returned for both variants of experiment ``name`` over ``window``
    (``(start, end)``, aware datetimes) at ``period`` seconds.

    Every field is checked on construction (a :class:`~shadowtest.ConfigValidationError`
    listing every problem): the window's start before its end, both aware; the period a
    positive multiple of 60 s (what CloudWatch keeps endpoint metrics at); two different
    variant names; a sampling percentage from 0 to 100 when given.

    ``production`` and ``shadow`` map a series key (:func:`series_key`: ``"ModelLatency"``,
    ``"ModelLatency:p99"``, ``"Invocation5XXErrors"``, ...) to its :class:`MetricSeries`;
    a metric CloudWatch has no data for is there with no periods. ``sampling_percentage``
    and the instance types, when known, let :func:`shadowtest.judge` check the shadow's
    share of traffic and whether CPU utilisation is comparable.
    """

    name: str
    window: tuple[datetime, datetime] = attrs.field(converter=_window)
    period: int
    production_variant: str
    shadow_variant: str
    production: Mapping[str, MetricSeries] = attrs.field(converter=_frozen_series)
    shadow: Mapping[str, MetricSeries] = attrs.field(converter=_frozen_series)
    sampling_percentage: int | None = None
    production_instance_type: str | None = None
    shadow_instance_type: str | None = None

    def __attrs_post_init__(self) -> None:
        from shadowtest.config import EXPERIMENT_NAME, VARIANT_NAME

        c = Checker()
        c.check_string("name", self.name, EXPERIMENT_NAME)
        window = self.window
        if not (isinstance(window, tuple) and len(window) == 2):
            c.add("window", f"got {type(window).__name__} {window!r}; must be a (start, end) "
                            "pair of timezone-aware datetimes")
        elif (c.check_aware("window[0]", window[0]) & c.check_aware("window[1]", window[1])
              and not window[0] < window[1]):
            c.add("window", f"got {window[0].isoformat()} .. {window[1].isoformat()}; the "
                            "window must end after it starts")
        if (c.check_int("period", self.period, ge=60, why="seconds, a multiple of 60")
                and self.period % 60):
            c.add("period", f"got {self.period}; CloudWatch keeps endpoint metrics at "
                            "periods that are multiples of 60 seconds")
        production_ok = c.check_string("production_variant", self.production_variant,
                                       VARIANT_NAME)
        shadow_ok = c.check_string("shadow_variant", self.shadow_variant, VARIANT_NAME)
        if production_ok and shadow_ok and self.production_variant == self.shadow_variant:
            c.add("shadow_variant", f"got {self.shadow_variant!r}, the same as the production "
                                    "variant; the shadow must be a different variant")
        for role in ("production", "shadow"):
            side = getattr(self, role)
            if not isinstance(side, Mapping):
                c.add(role, f"got {type(side).__name__} {side!r}; must be a mapping of series "
                            "key to MetricSeries")
                continue
            for key, series in side.items():
                if not isinstance(key, str) or not isinstance(series, MetricSeries):
                    c.add(f"{role}[{key!r}]", f"got {type(series).__name__} for key "
                                              f"{type(key).__name__} {key!r}; must be a "
                                              "MetricSeries under a string key")
        if self.sampling_percentage is not None:
            c.check_int("sampling_percentage", self.sampling_percentage, ge=0, le=100,
                        why="a percentage of requests")
        for name in ("production_instance_type", "shadow_instance_type"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                c.add(name, f"got {type(value).__name__} {value!r}; must be a string or None")
        c.raise_if_any("ExperimentMetrics")

    @property
    def has_data(self) -> bool:
        """Whether any series of either variant has a data point."""
        return any(len(s) for side in (self.production, self.shadow) for s in side.values())

    def to_records(self) -> list[dict[str, str | datetime | float]]:
        """One plain dict per point of every series of both variants, ready for
        ``pandas.DataFrame(metrics.to_records())`` (shadowtest does not need pandas):
        ``experiment``, ``role`` (``"production"`` or ``"shadow"``), ``variant`` (its
        name), ``series`` (its key, e.g. ``"ModelLatency:p99"``), ``metric``,
        ``statistic``, ``unit``, ``timestamp`` (an aware datetime, the period's start) and
        ``value``; production's series first, each in time order.

        >>> frame = pd.DataFrame(metrics.to_records())  # doctest: +SKIP
        >>> frame.pivot_table("value", "timestamp", ["role", "series"])  # doctest: +SKIP
        """
        return [
            {"experiment": self.name, "role": role, "variant": variant, "series": key,
             "metric": series.metric, "statistic": series.statistic, "unit": series.unit,
             "timestamp": when, "value": value}
            for role, variant, side in (("production", self.production_variant, self.production),
                                        ("shadow", self.shadow_variant, self.shadow))
            for key, series in side.items()
            for when, value in zip(series.timestamps, series.values, strict=True)]

    def to_dict(self) -> dict[str, object]:
        """Strict JSON: every field (the window as two ISO 8601 UTC strings), and
        ``production`` / ``shadow`` as ``{series key: MetricSeries.to_dict()}``."""
        return {
            "name": self.name, "window": [iso(when) for when in self.window],
            "period": self.period, "production_variant": self.production_variant,
            "shadow_variant": self.shadow_variant,
            "sampling_percentage": self.sampling_percentage,
            "production_instance_type": self.production_instance_type,
            "shadow_instance_type": self.shadow_instance_type,
            "production": {key: series.to_dict() for key, series in self.production.items()},
            "shadow": {key: series.to_dict() for key, series in self.shadow.items()}}

    def _rows(self) -> list[tuple[str, str, str, str, int, str]]:
        rows = []
        for role, variant, side in (("production", self.production_variant, self.production),
                                    ("shadow", self.shadow_variant, self.shadow)):
            for key, series in side.items():
                mean = (f"{sum(series.values) / len(series):.4g}" if len(series) else
                        "no data")
                who = role if variant in ("", role) else f"{role} ({variant})"
                rows.append((who, key, series.statistic, series.unit, len(series), mean))
        return rows

    _HEADERS: Final = ("variant", "series", "statistic", "unit", "periods", "mean")

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card, Table

        start, end = self.window
        types = (self.production_instance_type, self.shadow_instance_type)
        return Card(f"Metrics of {self.name!r}: {start.isoformat()} .. {end.isoformat()}, "
                    f"period {self.period} s", [
                        ("sampling", None if self.sampling_percentage is None
                         else f"{self.sampling_percentage} %"),
                        ("instance types", None if types == (None, None)
                         else f"{types[0]} / {types[1]}")],
                    [Table(None, self._HEADERS, self._rows())])

    def __repr__(self) -> str:
        start, end = self.window
        return (f"<ExperimentMetrics {self.name!r} {start.isoformat()} .. {end.isoformat()} "
                f"period={self.period}s production={self.production_variant!r} "
                f"shadow={self.shadow_variant!r} series={len(self.production)}+"
                f"{len(self.shadow)}>")


# -- pure planning ---------------------------------------------------------------------------


def check_metric_names(c: Checker, path: str, metrics: object) -> tuple[str, ...] | None:
    """The metric names of ``metrics`` (an iterable of names known to :data:`METRICS`), or
    ``None`` with the problems in ``c``."""
    if isinstance(metrics, str) or not isinstance(metrics, Iterable):
        c.add(path, f"got {type(metrics).__name__} {metrics!r}; must be a list of metric "
                    "names such as ['ModelLatency', 'Invocation5XXErrors']")
        return None
    names = tuple(metrics)
    ok = True
    if not names:
        c.add(path, "got no metric; give at least one, or None for all")
        ok = False
    for i, name in enumerate(names):
        ok = check_metric_name(c, f"{path}[{i}]", name) and ok
    return tuple(dict.fromkeys(names)) if ok else None


def check_metric_name(c: Checker, path: str, name: object) -> bool:
    """``name`` is an endpoint metric of :data:`METRICS` (else a problem suggesting the
    closest names)."""
    if isinstance(name, str) and name in METRICS:
        return True
    close = difflib.get_close_matches(str(name), METRICS, n=2, cutoff=0.6)
    hint = (f"did you mean {' or '.join(map(repr, close))}?" if close
            else f"known metrics: {', '.join(METRICS)}")
    c.add(path, f"got {name!r}, which is not an endpoint metric; {hint}")
    return False


def choose_period(start: datetime, now: datetime) -> int:
    """The finest period (60, 300 or 3600 s) CloudWatch still keeps for data that began at
    ``start``; :class:`~shadowtest.ConfigValidationError` beyond the 455-day retention."""
    age = now - start
    for period, kept in RETENTION:
        if age <= kept:
            return period
    c = Checker()
    c.add("start", f"got {start.isoformat()}, {age.days} days before now; CloudWatch keeps "
                   "endpoint metrics for 455 days")
    return c.fail("metrics arguments")


def check_period(c: Checker, period: object, start: datetime, now: datetime) -> bool:
    """``period`` is a whole number of minutes that CloudWatch still has for ``start``."""
    if not c.check_int("period", period, ge=60, why="seconds, a multiple of 60"):
        return False
    assert isinstance(period, int)
    if period % 60:
        c.add("period", f"got {period}; CloudWatch periods are multiples of 60 seconds")
        return False
    finest = choose_period(start, now)
    if period % finest:
        c.add("period", f"got {period}; data that began {start.isoformat()} is kept only at "
                        f"{finest}-second resolution, so the period must be a multiple of "
                        f"{finest}")
        return False
    return True


def plan_queries(endpoint: str, variants: Sequence[str], metrics: Iterable[str],
                 period: int) -> list[dict[str, Any]]:
    """Every ``MetricDataQuery`` for ``metrics`` (names of :data:`METRICS`) of each variant
    of ``variants``, in that order; each Id is ``q<n>``."""
    queries: list[dict[str, Any]] = []
    for variant in variants:
        dimensions = [{"Name": "EndpointName", "Value": endpoint},
                      {"Name": "VariantName", "Value": variant}]
        for metric in metrics:
            info = METRICS[metric]
            for statistic in info.statistics:
                queries.append({
                    "Id": f"q{len(queries)}",
                    "MetricStat": {
                        "Metric": {"Namespace": info.namespace, "MetricName": metric,
                                   "Dimensions": dimensions},
                        "Period": period,
                        "Stat": statistic,
                    },
                    "ReturnData": True,
                })
    return queries


def plan_requests(queries: Sequence[dict[str, Any]], start: datetime,
                  end: datetime) -> list[dict[str, Any]]:
    """The ``GetMetricData`` requests (before any ``NextToken``) that carry ``queries``:
    as few as the 500-query limit allows, the queries shared out evenly."""
    n = len(queries)
    if n == 0:
        return []
    chunks = math.ceil(n / MAX_QUERIES_PER_REQUEST)
    size, extra = divmod(n, chunks)
    requests, at = [], 0
    for i in range(chunks):
        take = size + (1 if i < extra else 0)
        requests.append({"MetricDataQueries": list(queries[at:at + take]),
                         "StartTime": start, "EndTime": end,
                         "ScanBy": "TimestampAscending"})
        at += take
    return requests


def minimum_requests(queries: int, periods: int) -> int:
    """The fewest ``GetMetricData`` requests that can return ``queries`` series of
    ``periods`` points each: at most 500 queries per request and 100,800 points per response.
    """
    if queries == 0:
        return 0
    return max(math.ceil(queries / MAX_QUERIES_PER_REQUEST),
               math.ceil(queries * periods / MAX_DATAPOINTS_PER_RESPONSE))


def floor_to_period(when: datetime, period: int) -> datetime:
    """``when`` in UTC, rounded down to a multiple of ``period`` seconds since the epoch (as
    CloudWatch rounds a start time)."""
    seconds = int(when.timestamp())
    return datetime.fromtimestamp(seconds - seconds % period, timezone.utc)


_NOT_RUN: Final = frozenset((ExperimentStatus.CREATING, ExperimentStatus.CREATED,
                             ExperimentStatus.STARTING))


@attrs.frozen
class MetricsRequest:
    """What :func:`fetch_metrics` is asked for, once the arguments are checked."""

    start: datetime
    end: datetime
    period: int
    metrics: tuple[str, ...]
    production_variant: str
    shadow_variant: str


def check_arguments(start: object, end: object, period: object,
                    metrics: object) -> tuple[str, ...]:
    """The checks that need no experiment (before anything is sent); returns the metric
    names to fetch. :class:`~shadowtest.ConfigValidationError` naming each bad argument."""
    c = Checker()
    for path, value in (("start", start), ("end", end)):
        if value is not None:
            c.check_aware(path, value)
    if (period is not None and c.check_int("period", period, ge=60, why="seconds, a multiple "
                                           "of 60") and isinstance(period, int) and period % 60):
        c.add("period", f"got {period}; CloudWatch periods are multiples of 60 seconds")
    if (isinstance(start, datetime) and isinstance(end, datetime) and not c.problems
            and end <= start):
        c.add("end", f"got {end.isoformat()}, not after the start {start.isoformat()}; the "
                     "window must end after it starts")
    names = DEFAULT_METRICS if metrics is None else check_metric_names(c, "metrics", metrics)
    c.raise_if_any("metrics arguments")
    assert names is not None
    # Invocations are the requests behind every error rate and the shadow's share check
    return tuple(dict.fromkeys(("Invocations", *names)))


def resolve_request(experiment: InferenceExperiment, *, start: datetime | None,
                    end: datetime | None, period: int | None, metrics: tuple[str, ...],
                    now: datetime) -> MetricsRequest:
    """The window, period and variants for ``experiment``'s metrics (arguments already
    passed :func:`check_arguments`).

    The window defaults to the experiment's real running window: its schedule's start (or
    its creation) to its completion, or now while it runs. An experiment that never ran
    is an :class:`~shadowtest.InvalidStatusError`; a window that ends before it starts, or
    a period CloudWatch does not keep for the window's start, a ConfigValidationError.
    """
    name = experiment.name
    status = experiment.status
    schedule = experiment.schedule
    began = (schedule.start_time if schedule and schedule.start_time else None) \
        or experiment.creation_time
    if began is not None and began >= now and status not in _NOT_RUN:
        # it started this very second, or its start is ahead of this machine's clock: a
        # minute's window, with no data yet (a clear result, not a refusal)
        began = now - timedelta(seconds=60)
    if status in _NOT_RUN or began is None or (
            experiment.completion_time is not None and experiment.completion_time <= began):
        raise InvalidStatusError(
            f"inference experiment {name!r} has not run (status {status}), so CloudWatch has "
            "no metrics for it; wait until it is Running", name=name, status=str(status),
            operation="metrics")
    roles = experiment.shadow_mode_config
    if roles is None:
        raise InvalidStatusError(f"inference experiment {name!r} has no shadow mode config, "
                                 "so it has no shadow variant to judge", name=name,
                                 status=str(status), operation="metrics")
    window_start = start if start is not None else began
    window_end = end if end is not None else (experiment.completion_time or now)
    c = Checker()
    if window_end <= window_start:
        c.add("end", f"got {window_end.isoformat()}, not after the start "
                     f"{window_start.isoformat()}; the window must end after it starts")
    if window_start >= now:
        c.add("start", f"got {window_start.isoformat()}, which has not come yet (now "
                       f"{now.isoformat(timespec='seconds')})")
    c.raise_if_any("metrics arguments")
    if period is None:
        period = choose_period(window_start, now)
    elif not check_period(c, period, window_start, now):
        c.fail("metrics arguments")
    return MetricsRequest(floor_to_period(window_start, 60), window_end, period, metrics,
                          roles.source_model_variant_name, roles.shadow_model_variant_name)


# -- the one function that sends -------------------------------------------------------------


def fetch_metrics(
    cloudwatch: CloudWatchClient,
    *,
    name: str,
    endpoint: str,
    production_variant: str,
    shadow_variant: str,
    start: datetime,
    end: datetime,
    period: int,
    metrics: Sequence[str] = DEFAULT_METRICS,
    sampling_percentage: int | None = None,
    production_instance_type: str | None = None,
    shadow_instance_type: str | None = None,
) -> ExperimentMetrics:
    """Fetch ``metrics`` of both variants over ``[start, end)`` (already checked) and build
    the :class:`ExperimentMetrics`. Pages are gathered first and the result built only once
    every page has arrived: an error on any request raises and leaves no partial result.
    Requests go through ``shadowtest._aws`` (each page's shape checked, errors translated,
    a repeated token an error)."""
    from shadowtest._aws.cloudwatch import metric_data

    variants = (production_variant, shadow_variant)
    queries = plan_queries(endpoint, variants, metrics, period)
    points: dict[str, list[tuple[list[datetime], list[float]]]] = {q["Id"]: [] for q in queries}
    for request in plan_requests(queries, start, end):
        for page in metric_data(cloudwatch, request):
            for result in page["MetricDataResults"]:
                status = result.get("StatusCode", "Complete")
                if status in ("InternalError", "Forbidden"):
                    # the service's own failure of one query: an error of its code, so that
                    # InternalError is transient (retried) like a 5xx answer, never a gap
                    messages = "; ".join(m.get("Value", "") for m in result.get("Messages", ()))
                    raise ServiceError(
                        f"CloudWatch answered {status} for query {result['Id']}"
                        + (f": {messages}" if messages else ""), name=name,
                        operation="GetMetricData", code=status)
                if result["Id"] in points:
                    points[result["Id"]].append((result.get("Timestamps", []),
                                                 result.get("Values", [])))
    sides: tuple[dict[str, MetricSeries], dict[str, MetricSeries]] = ({}, {})
    per_variant = len(queries) // 2
    for i, query in enumerate(queries):
        stat = query["MetricStat"]
        metric, statistic = stat["Metric"]["MetricName"], stat["Stat"]
        info = METRICS[metric]
        chunks = points[query["Id"]]
        ordered = [t for timestamps, _ in chunks for t in timestamps]
        values = [v for _, chunk_values in chunks for v in chunk_values]
        if not all(map(lt, ordered, islice(ordered, 1, None))):
            # pages out of order or overlapping: one value per period, in time order
            merged = dict(zip(ordered, values, strict=True))
            ordered = sorted(merged)
            values = list(map(merged.__getitem__, ordered))
        if info.scale != 1.0:
            values = [v * info.scale for v in values]
        sides[i // per_variant][series_key(metric, statistic)] = MetricSeries(
            metric=metric, statistic=statistic, unit=_unit(info, statistic),
            timestamps=tuple(ordered), values=tuple(values))
    return ExperimentMetrics(
        name=name, window=(start, end), period=period,
        production_variant=production_variant, shadow_variant=shadow_variant,
        production=sides[0], shadow=sides[1], sampling_percentage=sampling_percentage,
        production_instance_type=production_instance_type,
        shadow_instance_type=shadow_instance_type)

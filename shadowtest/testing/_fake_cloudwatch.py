"""FakeCloudWatch: CloudWatch ``GetMetricData`` for the experiments of a FakeSageMaker.

Like the SageMaker fake, it plugs into a real boto3 CloudWatch client through botocore's
events (the fakes' base, :mod:`shadowtest.testing._base`), so botocore still validates
and serialises every request. Traffic
is fed per variant with :meth:`FakeCloudWatch.record_traffic` (usually through
``FakeSageMaker.record_traffic``), one record per minute on the fake's clock, and
``GetMetricData`` answers with it as the service would:

- the endpoint metrics of SageMaker's developer guide, with dimensions ``EndpointName``
  and ``VariantName``: invocation metrics in ``AWS/SageMaker`` (latencies in
  microseconds), instance metrics in ``/aws/sagemaker/Endpoints``;
- a period with no traffic has no data point;
- requests CloudWatch refuses are refused with its ``ValidationError``: more than 500
  queries, a period that is not a multiple of 60, a start not before the end, a start
  beyond the 455-day retention; a period finer than what is kept for the start's age
  gives no data points, as the service does;
- responses hold at most ``MaxDatapoints`` (default 100,800) points; the rest follows
  through ``NextToken``.

Percentiles of a period are the invocation-weighted mean of its minutes' percentiles,
which are fixed multiples of the minute's average (a right-skewed latency shape): close
enough for a test, not CloudWatch's exact sketch.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from datetime import datetime, timezone
from operator import mul
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

from shadowtest.metrics import (
    INSTANCE_NAMESPACE,
    INVOCATION_NAMESPACE,
    MAX_DATAPOINTS_PER_RESPONSE,
    MAX_QUERIES_PER_REQUEST,
    RETENTION,
)
from shadowtest.testing._base import FakeClock, FakeService, Refusal
from shadowtest.testing._clients import offline_client

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from mypy_boto3_cloudwatch import CloudWatchClient

__all__ = ["FakeCloudWatch"]

_UTC: Final = timezone.utc
_ID: Final = re.compile(r"[a-z][a-zA-Z0-9_]*")
# a minute's percentiles as multiples of its average latency (a right-skewed shape)
_PERCENTILES: Final = {"p50": 0.95, "p90": 1.3, "p99": 1.9}
# per-minute record: requests, model and overhead latency averages (microseconds),
# 4XX, 5XX and model error counts, CPU, memory and disk utilisation (percent)
_FIELDS: Final = ("Invocations", "ModelLatency", "OverheadLatency", "Invocation4XXErrors",
                  "Invocation5XXErrors", "InvocationModelErrors", "CPUUtilization",
                  "MemoryUtilization", "DiskUtilization")
_INDEX: Final = {name: i for i, name in enumerate(_FIELDS)}
_INSTANCE: Final = frozenset(("CPUUtilization", "MemoryUtilization", "DiskUtilization"))

Minute = tuple[float, float, float, float, float, float, float, float, float]


def _invalid(message: str) -> Refusal:
    return Refusal("ValidationError", message)


def _count(rng: random.Random, n: int, rate: float) -> int:
    """A binomial(n, rate) draw: Poisson for rare events, normal for common ones."""
    if rate <= 0 or n <= 0:
        return 0
    if rate >= 1:
        return n
    mean = n * rate
    if mean < 30:  # Knuth's product method: about mean + 1 uniform draws
        limit, k, product = math.exp(-mean), 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        return min(k, n)
    return max(0, min(n, round(rng.gauss(mean, math.sqrt(mean * (1 - rate))))))


def _column(metric: str, statistic: str, instances: float
            ) -> Callable[[tuple[float, ...]], float] | None:
    """How one statistic of one metric is read from a period's summary (see ``_summary``),
    or ``None`` for a statistic this fake does not compute."""
    if metric == "Invocations":
        return {"Sum": lambda b: b[1], "SampleCount": lambda b: b[0],
                "Average": lambda b: b[1] / b[0]}.get(statistic)
    if metric == "InvocationsPerInstance":
        return {"Sum": lambda b: b[1] / instances,
                "Average": lambda b: b[1] / instances / b[0]}.get(statistic)
    i = _INDEX.get(metric)
    if i is None:
        return None
    if metric in ("ModelLatency", "OverheadLatency"):
        factor = 1.0 if statistic == "Average" else _PERCENTILES.get(statistic)
        if factor is not None:
            return lambda b: b[i + 1] / b[1] * factor
        return (lambda b: b[1]) if statistic == "SampleCount" else None
    if metric in _INSTANCE:
        return (lambda b: b[i + 1] / b[0]) if statistic == "Average" else None
    # error metrics: 1 per failing request, 0 per other request
    return {"Sum": lambda b: b[i + 1], "Average": lambda b: b[i + 1] / b[1],
            "SampleCount": lambda b: b[1]}.get(statistic)


def _summary(minutes: list[Minute]) -> tuple[float, ...]:
    """A period's minutes as (minutes, requests, request-weighted latency sums, error sums,
    utilisation sums), from which every statistic is one division."""
    if len(minutes) == 1:  # 60 s periods: nothing to add up
        m = minutes[0]
        return (1.0, m[0], m[0] * m[1], m[0] * m[2], *m[3:])
    columns = list(zip(*minutes, strict=True))
    requests = columns[0]
    return (float(len(minutes)), sum(requests), sum(map(mul, requests, columns[1])),
            sum(map(mul, requests, columns[2])), *map(sum, columns[3:]))


class FakeCloudWatch(FakeService["CloudWatchClient"]):
    """CloudWatch ``GetMetricData`` over traffic recorded per endpoint variant, served
    through a real boto3 CloudWatch ``client`` (made offline if not given), on ``clock``
    (a FakeSageMaker's, whose time the retention rules read). Any other CloudWatch
    operation raises :class:`NotImplementedError`."""

    SERVICE = "cloudwatch"

    def __init__(self, client: CloudWatchClient | None = None, *,
                 clock: FakeClock | None = None) -> None:
        super().__init__(client if client is not None else offline_client("cloudwatch"),
                         clock=clock)
        self._traffic: dict[tuple[str, str], dict[int, Minute]] = {}
        self._instances: dict[tuple[str, str], float] = {}
        # period summaries by (endpoint, variant, first, period, end): a request repeated
        # with NextToken, and the queries of one variant, share them
        self._periods: dict[tuple[str, str, int, int, float],
                            tuple[list[datetime], list[tuple[float, ...]]]] = {}
        self._answers: dict[str, list[tuple[list[datetime], list[float]]]] = {}
        self.serve({"GetMetricData": self._get_metric_data})

    # -- feeding it ------------------------------------------------------------------------

    def record_traffic(
        self,
        endpoint: str,
        variant: str,
        *,
        start: datetime,
        minutes: int,
        invocations_per_minute: float | Callable[[int], float] = 100.0,
        latency_ms: float = 35.0,
        latency_jitter: float = 0.05,
        overhead_ms: float = 2.0,
        error_rate: float = 0.0,
        model_error_rate: float = 0.0,
        client_error_rate: float = 0.0,
        cpu_utilization: float = 40.0,
        memory_utilization: float = 30.0,
        disk_utilization: float = 10.0,
        instance_count: int = 1,
        seed: int = 0,
    ) -> None:
        """Record ``minutes`` minutes of traffic of ``variant`` of ``endpoint`` from
        ``start`` (rounded down to the minute), replacing what those minutes held.

        ``invocations_per_minute`` is a number or a function of the minute's index (a load
        curve both variants can share); each minute's average latency is ``latency_ms``
        times (1 + a normal draw of sd ``latency_jitter``); ``error_rate`` (5XX),
        ``model_error_rate`` and ``client_error_rate`` (4XX) are per-request
        probabilities; ``instance_count`` divides InvocationsPerInstance. The same
        arguments and ``seed`` give the same traffic.
        """
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"start must be a timezone-aware datetime, got {start!r}")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
            raise ValueError(f"minutes must be an integer >= 1, got {minutes!r}")
        for label, rate in (("error_rate", error_rate), ("model_error_rate", model_error_rate),
                            ("client_error_rate", client_error_rate)):
            if not 0 <= rate <= 1:
                raise ValueError(f"{label} must be a probability from 0 to 1, got {rate!r}")
        load = (invocations_per_minute if callable(invocations_per_minute)
                else (lambda _minute, n=float(invocations_per_minute): n))
        with self.lock:  # a request being served sees the traffic before or after
            rng = random.Random(f"{endpoint}/{variant}/{seed}")
            first = int(start.timestamp()) // 60 * 60
            store = self._traffic.setdefault((endpoint, variant), {})
            self._instances[(endpoint, variant)] = float(instance_count)
            self._periods.clear()
            self._answers = {}
            for k in range(minutes):
                when = first + 60 * k
                n = max(0, round(load(k)))
                if n == 0:
                    store.pop(when, None)
                    continue
                latency = max(0.0, latency_ms * (1 + rng.gauss(0, latency_jitter))) * 1000
                overhead = max(0.0, overhead_ms * (1 + rng.gauss(0, latency_jitter))) * 1000
                store[when] = (
                    float(n), latency, overhead,
                    float(_count(rng, n, client_error_rate)), float(_count(rng, n, error_rate)),
                    float(_count(rng, n, model_error_rate)),
                    max(0.0, cpu_utilization * (1 + rng.gauss(0, 0.05))),
                    max(0.0, memory_utilization * (1 + rng.gauss(0, 0.02))),
                    disk_utilization)

    def _check_response(self, operation: str, response: Mapping[str, Any]) -> None:
        # the shape is checked on a cut-down copy, one result of two points: every result
        # is built by the same code, every point is a float and a datetime by
        # construction; checking two points of every result cost 6.6 ms a 42-query
        # answer, this 0.16 ms (a week of metrics: 4 answers)
        results = response["MetricDataResults"][:1]
        sample = {**response, "MetricDataResults": [
            {**r, "Timestamps": r["Timestamps"][:2], "Values": r["Values"][:2]}
            for r in results]}
        shape = self.client.meta.service_model.operation_model(operation).output_shape
        try:
            validate_parameters(sample, shape)  # type: ignore[arg-type]
        except ParamValidationError as error:
            raise AssertionError(f"FakeCloudWatch built an invalid {operation} response "
                                 f"(a bug in the fake): {error}") from error

    # -- serving ---------------------------------------------------------------------------

    def _get_metric_data(self, p: dict[str, Any]) -> dict[str, Any]:
        queries: list[dict[str, Any]] = p["MetricDataQueries"]
        if len(queries) > MAX_QUERIES_PER_REQUEST:
            raise _invalid(f"The collection MetricDataQueries must not have a size greater "
                           f"than {MAX_QUERIES_PER_REQUEST}.")
        start, end = p["StartTime"], p["EndTime"]
        if start >= end:
            raise _invalid("The parameter StartTime must be less than the parameter EndTime.")
        now = self.clock.now
        if now - start > RETENTION[-1][1]:
            raise _invalid(f"The parameter StartTime must be within the last "
                           f"{RETENTION[-1][1].days} days (data is kept for 15 months).")
        seen: set[str] = set()
        for i, query in enumerate(queries, 1):
            qid = query["Id"]
            if not _ID.fullmatch(qid):
                raise _invalid(f"The parameter MetricDataQueries.member.{i}.Id must start with "
                               "a lowercase letter and hold only letters, digits and _.")
            if qid in seen:
                raise _invalid(f"The value {qid} for parameter MetricDataQueries.member.{i}.Id "
                               "is not unique.")
            seen.add(qid)
            stat = query.get("MetricStat")
            if stat is None:
                raise NotImplementedError("FakeCloudWatch answers MetricStat queries only "
                                          "(no metric math or Metrics Insights)")
            if stat["Period"] % 60:
                raise _invalid(f"The parameter MetricDataQueries.member.{i}.MetricStat.Period "
                               "must be a multiple of 60.")
        limit = p.get("MaxDatapoints", MAX_DATAPOINTS_PER_RESPONSE)
        if limit < 1:
            raise _invalid("The parameter MaxDatapoints must be greater than 0.")
        digest = hashlib.sha256(json.dumps(
            {k: v for k, v in p.items() if k != "NextToken"}, sort_keys=True,
            default=str).encode()).hexdigest()[:16]
        offset = self._page_offset(p["NextToken"], digest) if "NextToken" in p else 0
        series = self._answers.get(digest) if offset else None
        if series is None:  # the pages of one request share one answer
            series = [self._series(q["MetricStat"], start, end, now) for q in queries]
            if p.get("ScanBy", "TimestampDescending") == "TimestampDescending":
                series = [(ts[::-1], vs[::-1]) for ts, vs in series]
            self._answers = {digest: series}
        # the points in order, query by query; this page is [offset, offset + limit)
        results, at, stop = [], 0, offset + limit
        for query, (timestamps, values) in zip(queries, series, strict=True):
            low, high = max(offset - at, 0), max(min(stop - at, len(values)), 0)
            results.append({
                "Id": query["Id"],
                "Label": query.get("Label", query["MetricStat"]["Metric"]["MetricName"]),
                "Timestamps": timestamps[low:high] if low < high else [],
                "Values": values[low:high] if low < high else [],
                "StatusCode": "PartialData" if at + len(values) > stop else "Complete",
            })
            at += len(values)
        out: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
        if at > stop:
            out["NextToken"] = self._issue_token(digest, stop)
        return out

    def _page_offset(self, token: str, digest: str) -> int:
        data = self._read_token(token, 2)
        if data is not None and data[0] == digest and isinstance(data[1], int):
            return data[1]
        raise Refusal("InvalidNextToken", "The service found one or more invalid tokens: "
                                           "repeat the request that gave the token.")

    def _series(self, stat: dict[str, Any], start: datetime, end: datetime,
                now: datetime) -> tuple[list[datetime], list[float]]:
        metric = stat["Metric"]
        name = metric.get("MetricName", "")
        namespace = metric.get("Namespace", "")
        dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", ())}
        expected = INSTANCE_NAMESPACE if name in _INSTANCE else INVOCATION_NAMESPACE
        key = (dims.get("EndpointName", ""), dims.get("VariantName", ""))
        store = self._traffic.get(key)
        column = _column(name, stat["Stat"], self._instances.get(key, 1.0))
        if (store is None or column is None or namespace != expected
                or set(dims) != {"EndpointName", "VariantName"}):
            return [], []
        period = int(stat["Period"])
        age = now - start
        finest = next((p for p, kept in RETENTION if age <= kept), RETENTION[-1][0])
        if period % finest:
            return [], []  # "no data points in that time range is returned"
        # CloudWatch rounds the start down to the resolution kept for its age
        first = int(start.timestamp()) // finest * finest
        cache_key = (*key, first, period, end.timestamp())
        cached = self._periods.get(cache_key)
        if cached is None:
            timestamps: list[datetime] = []
            summaries: list[tuple[float, ...]] = []
            bucket, last = first, end.timestamp()
            while bucket < last:
                minutes = [m for k in range(bucket, bucket + period, 60)
                           if (m := store.get(k)) is not None]
                if minutes:
                    timestamps.append(datetime.fromtimestamp(bucket, _UTC))
                    summaries.append(_summary(minutes))
                bucket += period
            cached = self._periods[cache_key] = (timestamps, summaries)
        timestamps, summaries = cached
        return list(timestamps), list(map(column, summaries))

"""Retrieval: query planning (pure), ExperimentClient.metrics/evaluate/promote(require=)
against the fake CloudWatch, and the fake's own service rules."""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from shadowtest import (
    ConfigValidationError,
    ExperimentClient,
    InferenceExperimentSchedule,
    InvalidStatusError,
    Judgement,
    Policy,
    PromotionBlockedError,
    Verdict,
)
from shadowtest.metrics import (
    DEFAULT_METRICS,
    ExperimentMetrics,
    MetricSeries,
    choose_period,
    minimum_requests,
    plan_queries,
    plan_requests,
)
from shadowtest.testing import FakeSageMaker, sample_config

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

NAME = "churn-shadow"
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def running(hours: float = 4, **config: Any) -> tuple[FakeSageMaker, ExperimentClient]:
    """A fake whose experiment has been Running for ``hours``."""
    fake = FakeSageMaker(now=NOW)
    client = fake.experiment_client()
    client.create(sample_config(**config))
    fake.advance(timedelta(seconds=1))
    fake.advance(timedelta(hours=hours))
    return fake, client


def count_requests(cloudwatch: CloudWatchClient) -> list[dict[str, Any]]:
    """Every GetMetricData request the client sends, seen by a botocore event hook."""
    seen: list[dict[str, Any]] = []
    cloudwatch.meta.events.register(
        "before-parameter-build.cloudwatch.GetMetricData",
        lambda params, **_: seen.append(dict(params)))
    return seen


class TestPlanning:
    """The query plan is pure: metrics x both variants -> the fewest requests."""

    def test_default_plan_is_every_metric_of_both_variants(self) -> None:
        """21 statistics per variant (latency Average/p50/p90/p99, error Average/Sum...)."""
        queries = plan_queries("churn", ("production", "shadow"), DEFAULT_METRICS, 60)
        assert len(queries) == 42
        ids = [q["Id"] for q in queries]
        assert len(set(ids)) == 42
        assert all(re.fullmatch(r"[a-z][a-zA-Z0-9_]*", i) for i in ids)
        stats = {(q["MetricStat"]["Metric"]["MetricName"], q["MetricStat"]["Stat"])
                 for q in queries}
        assert ("ModelLatency", "p99") in stats
        assert ("Invocation5XXErrors", "Sum") in stats
        assert ("Invocation5XXErrors", "Average") in stats
        namespaces = {q["MetricStat"]["Metric"]["MetricName"]:
                      q["MetricStat"]["Metric"]["Namespace"] for q in queries}
        assert namespaces["CPUUtilization"] == "/aws/sagemaker/Endpoints"
        assert namespaces["ModelLatency"] == "AWS/SageMaker"

    @pytest.mark.parametrize(("queries", "sizes"), [
        (42, [42]), (500, [500]), (501, [251, 250]), (1200, [400, 400, 400]),
    ])
    def test_requests_carry_at_most_500_queries_shared_evenly(self, queries: int,
                                                              sizes: list[int]) -> None:
        """As few requests as the 500-query limit allows."""
        planned = [{"Id": f"q{i}"} for i in range(queries)]
        requests = plan_requests(planned, NOW, NOW + timedelta(days=1))
        assert [len(r["MetricDataQueries"]) for r in requests] == sizes

    @pytest.mark.parametrize(("queries", "periods", "expected"), [
        (42, 360, 1), (42, 8640, 4), (42, 2400, 1), (42, 2401, 2), (1200, 10, 3),
        (600, 300, 2), (0, 100, 0),
    ])
    def test_minimum_requests(self, queries: int, periods: int, expected: int) -> None:
        """max(queries / 500, points / 100,800), rounded up."""
        assert minimum_requests(queries, periods) == expected

    @pytest.mark.parametrize(("age", "period"), [
        (timedelta(hours=1), 60), (timedelta(days=15), 60),
        (timedelta(days=15, seconds=1), 300), (timedelta(days=63), 300),
        (timedelta(days=63, seconds=1), 3600), (timedelta(days=455), 3600),
    ])
    def test_period_is_the_finest_retention_keeps(self, age: timedelta, period: int) -> None:
        """60 s data is kept 15 days, 300 s 63 days, 3600 s 455 days."""
        assert choose_period(NOW - age, NOW) == period

    def test_beyond_retention_is_an_error(self) -> None:
        """Data older than 455 days is gone: a clear error naming the start."""
        with pytest.raises(ConfigValidationError, match=r"start: .*455 days"):
            choose_period(NOW - timedelta(days=456), NOW)


class TestRetrieval:
    """client.metrics against the fake CloudWatch."""

    def test_latencies_in_ms_errors_as_rates_and_counts(self) -> None:
        """CloudWatch's microseconds become milliseconds; the 5XX Average is the rate and
        the Sum the count; every series has its unit."""
        fake, client = running(hours=2)
        fake.record_traffic(NAME, "production", minutes=60, latency_ms=35.0,
                            error_rate=0.1, latency_jitter=0.0)
        fake.record_traffic(NAME, "shadow", minutes=60, invocations_per_minute=50)
        m = client.metrics(NAME)
        latency = m.production["ModelLatency"]
        assert (latency.unit, latency.statistic) == ("Milliseconds", "Average")
        assert latency.values == pytest.approx([35.0] * len(latency))
        raw = fake.cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "a", "MetricStat": {"Metric": {
                "Namespace": "AWS/SageMaker", "MetricName": "ModelLatency",
                "Dimensions": [{"Name": "EndpointName", "Value": "churn"},
                               {"Name": "VariantName", "Value": "production"}]},
                "Period": 60, "Stat": "Average"}}],
            StartTime=NOW, EndTime=fake.now)
        assert raw["MetricDataResults"][0]["Values"][0] == pytest.approx(35_000.0)
        rate, count = m.production["Invocation5XXErrors"], m.production["Invocation5XXErrors:Sum"]
        assert (rate.unit, count.unit) == ("Ratio", "Count")
        assert sum(count.values) / sum(m.production["Invocations"].values) == pytest.approx(
            0.1, abs=0.01)
        assert all(0 <= r <= 1 for r in rate.values)
        assert m.period == 60
        assert (m.production_variant, m.shadow_variant, m.sampling_percentage) == (
            "production", "shadow", 50)
        assert m.window[1] == fake.now

    def test_missing_periods_are_absent_not_zero(self) -> None:
        """Two hours with a silent hour between: 120 points, no zeros for the gap."""
        fake, client = running(hours=3)
        first = NOW + timedelta(minutes=1)
        for variant in ("production", "shadow"):
            fake.record_traffic(NAME, variant, minutes=60, start=first)
            fake.record_traffic(NAME, variant, minutes=60, start=first + timedelta(hours=2))
        series = client.metrics(NAME, metrics=["ModelLatency"]).shadow["ModelLatency"]
        assert len(series) == 120
        assert 0.0 not in series.values
        gap = [b - a for a, b in zip(series.timestamps, series.timestamps[1:], strict=False)]
        assert max(gap) == timedelta(hours=1, minutes=1)

    def test_no_data_at_all_is_a_result(self) -> None:
        """No traffic recorded: empty series, and judging them says NO_DATA."""
        _, client = running(hours=1)
        m = client.metrics(NAME)
        assert not m.has_data
        assert len(m.production["ModelLatency"]) == 0
        assert client.evaluate(NAME).verdict is Verdict.NO_DATA

    def test_thirty_days_take_the_minimum_number_of_requests(self) -> None:
        """A finished 30-day test: start 30 days back, so 300 s periods (8,640 per series);
        42 series x 8,640 points / 100,800 per response = 4 requests, NextToken followed."""
        fake = FakeSageMaker(now=NOW)
        client = fake.experiment_client()
        client.create(sample_config(schedule=InferenceExperimentSchedule.from_now(
            timedelta(days=30), now=NOW)))
        fake.advance(timedelta(days=30, seconds=1))
        every_fifth = 43_200  # one minute in five has traffic: every 5-minute period has data
        for variant, load in (("production", 100.0), ("shadow", 50.0)):

            def fifth(k: int, n: float = load) -> float:
                return n if k % 5 == 0 else 0.0

            fake.record_traffic(NAME, variant, minutes=every_fifth, start=NOW,
                                invocations_per_minute=fifth)
        requests = count_requests(fake.cloudwatch)
        m = client.metrics(NAME)
        assert m.period == 300
        assert len(m.shadow["ModelLatency"]) == 8640
        assert len(requests) == minimum_requests(42, 8640) == 4
        assert [("NextToken" in r) for r in requests] == [False, True, True, True]

    def test_injected_cloudwatch_client_is_used(self) -> None:
        """ExperimentClient(cloudwatch=...) takes a ready CloudWatch client."""
        fake, _ = running(hours=1)
        client = ExperimentClient(fake.client, cloudwatch=fake.cloudwatch, now=lambda: fake.now)
        requests = count_requests(fake.cloudwatch)
        client.metrics(NAME)
        assert len(requests) == 1

    def test_throttles_are_retried_and_never_leave_a_partial_result(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """CloudWatch throttles page 2 of 2 twice: botocore retries it (each attempt reaches
        the fake over HTTP) and the result equals an undisturbed one. When page 2 keeps
        failing, the call raises botocore's error (no half-filled result is returned) and
        the next call gives the whole result."""
        fake, client = running(hours=48)
        for variant in ("production", "shadow"):
            fake.record_traffic(NAME, variant, minutes=2880)  # 42 x 2,880 points: 2 pages
        clean = client.metrics(NAME)
        monkeypatch.setattr(time, "sleep", fake.sleep)  # botocore's pause between retries
        throttle_second_page(fake, times=2)
        cloudwatch = fake.cloudwatch_fake
        attempts = len(cloudwatch.attempts)
        again = client.metrics(NAME)
        assert cloudwatch.attempts[attempts:] == ["GetMetricData"] * 4  # page 1, page 2 thrice
        assert dict(again.production) == dict(clean.production)
        assert dict(again.shadow) == dict(clean.shadow)

        throttle_second_page(fake, times=20)
        with pytest.raises(ClientError, match="Throttling"):
            client.metrics(NAME)
        cloudwatch.clear_faults()
        assert dict(client.metrics(NAME).shadow) == dict(clean.shadow)


def throttle_second_page(fake: FakeSageMaker, *, times: int) -> None:
    """Queue ``times`` throttles the first time a request carries a NextToken (page 2)."""
    armed = [True]

    def on_params(params: dict[str, Any], **_: Any) -> None:
        if "NextToken" in params and armed[0]:
            armed[0] = False
            fake.fail_next("GetMetricData", "Throttling", "Rate exceeded", times=times)

    fake.cloudwatch.meta.events.register(
        "before-parameter-build.cloudwatch.GetMetricData", on_params)


class TestBadInput:
    """Each bad argument is a clear error naming it, raised before CloudWatch is asked."""

    @pytest.mark.parametrize(("kwargs", "path"), [
        ({"metrics": ["ModelLatncy"]}, "metrics[0]"),
        ({"metrics": "ModelLatency"}, "metrics"),
        ({"start": datetime(2026, 11, 1)}, "start"),  # naive
        ({"end": NOW - timedelta(hours=1)}, "end"),  # before the start
        ({"period": 90}, "period"),
        ({"period": 30}, "period"),
    ])
    def test_config_errors_name_the_argument(self, kwargs: dict[str, Any], path: str) -> None:
        """ConfigValidationError with the argument's path; no GetMetricData sent."""
        fake, client = running(hours=1)
        requests = count_requests(fake.cloudwatch)
        with pytest.raises(ConfigValidationError) as caught:
            client.metrics(NAME, **kwargs)
        assert path in [problem.path for problem in caught.value.errors]
        assert requests == []

    def test_unknown_metric_suggests(self) -> None:
        """A typo gets the close name."""
        _, client = running(hours=1)
        with pytest.raises(ConfigValidationError, match="did you mean 'ModelLatency'"):
            client.metrics(NAME, metrics=["ModelLatncy"])

    def test_period_finer_than_retention_keeps(self) -> None:
        """A window starting 20 days back is kept at 300 s: period=60 is refused."""
        fake, client = running(hours=1)
        fake.advance(timedelta(days=20))
        with pytest.raises(ConfigValidationError, match="multiple of 300"):
            client.metrics(NAME, period=60)

    def test_experiment_that_never_ran(self) -> None:
        """Created, waiting for a start a day ahead: InvalidStatusError, operation metrics."""
        fake = FakeSageMaker(now=NOW)
        client = fake.experiment_client()
        client.create(sample_config(schedule=InferenceExperimentSchedule.starting_at(
            NOW + timedelta(days=1))))
        fake.advance(timedelta(seconds=1))
        with pytest.raises(InvalidStatusError, match="has not run") as caught:
            client.metrics(NAME)
        assert caught.value.operation == "metrics"


class TestFakeCloudWatch:
    """The fake refuses what CloudWatch refuses."""

    @staticmethod
    def _call(fake: FakeSageMaker, **changes: Any) -> Any:
        query = {"Id": "a", "MetricStat": {"Metric": {
            "Namespace": "AWS/SageMaker", "MetricName": "Invocations",
            "Dimensions": [{"Name": "EndpointName", "Value": "churn"},
                           {"Name": "VariantName", "Value": "production"}]},
            "Period": 60, "Stat": "Sum"}}
        params: dict[str, Any] = {"MetricDataQueries": [query],
                                  "StartTime": fake.now - timedelta(hours=1),
                                  "EndTime": fake.now}
        params.update(changes)
        return fake.cloudwatch.get_metric_data(**params)

    @pytest.mark.parametrize(("changes", "message"), [
        ({"MetricDataQueries": [{"Id": f"q{i}", "MetricStat": {"Metric": {
            "Namespace": "AWS/SageMaker", "MetricName": "Invocations"}, "Period": 60,
            "Stat": "Sum"}} for i in range(501)]}, "must not have a size greater than 500"),
        ({"MetricDataQueries": [{"Id": "a", "MetricStat": {"Metric": {
            "Namespace": "AWS/SageMaker", "MetricName": "Invocations"}, "Period": 90,
            "Stat": "Sum"}}]}, "must be a multiple of 60"),
        ({"StartTime": NOW - timedelta(days=456)}, "within the last 455 days"),
        ({"StartTime": NOW, "EndTime": NOW}, "StartTime must be less than"),
    ])
    def test_refusals(self, changes: dict[str, Any], message: str) -> None:
        """ValidationError as CloudWatch sends it."""
        fake = FakeSageMaker(now=NOW)
        with pytest.raises(ClientError) as caught:
            self._call(fake, **changes)
        assert caught.value.response["Error"]["Code"] == "ValidationError"
        assert message in caught.value.response["Error"]["Message"]

    @pytest.mark.parametrize("scan", ["TimestampAscending", "TimestampDescending"])
    def test_pages_join_to_the_whole_answer(self, scan: str) -> None:
        """MaxDatapoints=7 over two series of 30 points: NextToken pages, each at most 7
        points, join to exactly the one-page answer, in the order ScanBy asks."""
        fake, _ = running(hours=1)
        fake.record_traffic(NAME, "production", minutes=30)
        queries = [{"Id": f"q{i}", "MetricStat": {"Metric": {
            "Namespace": "AWS/SageMaker", "MetricName": metric,
            "Dimensions": [{"Name": "EndpointName", "Value": "churn"},
                           {"Name": "VariantName", "Value": "production"}]},
            "Period": 60, "Stat": "Sum"}} for i, metric in enumerate(
                ["Invocations", "Invocation5XXErrors"])]
        params: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": NOW,
                                  "EndTime": fake.now, "ScanBy": scan}
        whole = fake.cloudwatch.get_metric_data(**params)["MetricDataResults"]
        joined: dict[str, list[Any]] = {"q0": [], "q1": []}
        token, pages = None, 0
        while True:
            paging: dict[str, Any] = {"MaxDatapoints": 7}
            if token:
                paging["NextToken"] = token
            page = fake.cloudwatch.get_metric_data(**params, **paging)
            pages += 1
            assert sum(len(r["Values"]) for r in page["MetricDataResults"]) <= 7
            for r in page["MetricDataResults"]:
                joined[r["Id"]] += list(zip(r["Timestamps"], r["Values"], strict=True))
            token = page.get("NextToken")
            if not token:
                break
        assert pages == 9  # 60 points, 7 a page
        for r in whole:
            assert joined[r["Id"]] == list(zip(r["Timestamps"], r["Values"], strict=True))
            assert len(r["Values"]) == 30
            assert (r["Timestamps"] == sorted(r["Timestamps"])) == (scan == "TimestampAscending")

    def test_bad_next_token(self) -> None:
        """A token it did not issue for this request is InvalidNextToken."""
        fake = FakeSageMaker(now=NOW)
        with pytest.raises(ClientError, match="InvalidNextToken"):
            self._call(fake, NextToken="bm9wZQ==")

    def test_period_finer_than_kept_returns_no_points(self) -> None:
        """Data 20 days old asked at 60 s: no data points, as the service answers."""
        fake, _ = running(hours=1)
        fake.record_traffic(NAME, "production", minutes=60)
        fake.advance(timedelta(days=20))
        result = self._call(fake, StartTime=NOW, EndTime=NOW + timedelta(hours=2))
        assert result["MetricDataResults"][0]["Values"] == []
        result = self._call(fake, StartTime=NOW, EndTime=NOW + timedelta(hours=2),
                            MetricDataQueries=[{"Id": "a", "MetricStat": {"Metric": {
                                "Namespace": "AWS/SageMaker", "MetricName": "Invocations",
                                "Dimensions": [{"Name": "EndpointName", "Value": "churn"},
                                               {"Name": "VariantName",
                                                "Value": "production"}]},
                                "Period": 300, "Stat": "Sum"}}])
        assert sum(result["MetricDataResults"][0]["Values"]) == 6000

    @pytest.mark.parametrize(("args", "kwargs", "message"), [
        (("other", "shadow"), {}, "no experiment 'other'"),
        ((NAME, "canary"), {}, "'canary' is not a variant of 'churn-shadow'"),
        ((NAME, "shadow"), {"error_rate": 1.5}, "error_rate must be a probability"),
        ((NAME, "shadow"), {"minutes": 0}, "minutes must be an integer >= 1"),
    ])
    def test_record_traffic_refuses_what_cannot_be(self, args: tuple[str, str],
                                                   kwargs: dict[str, Any],
                                                   message: str) -> None:
        """Feeding traffic to something that does not exist is a test bug: say so."""
        fake, _ = running(hours=1)
        with pytest.raises(ValueError, match=message):
            fake.record_traffic(*args, **{"minutes": 10, **kwargs})

    def test_same_arguments_same_traffic(self) -> None:
        """record_traffic is deterministic."""
        series = []
        for _ in range(2):
            fake, client = running(hours=1)
            fake.record_traffic(NAME, "production", minutes=30, error_rate=0.05)
            fake.record_traffic(NAME, "shadow", minutes=30, error_rate=0.05)
            series.append(client.metrics(NAME).shadow["Invocation5XXErrors:Sum"].values)
        assert series[0] == series[1]


class TestDecision:
    """promote(require=...) promotes only on the verdict asked for."""

    def _traffic(self, fake: FakeSageMaker, shadow_latency: float) -> None:
        fake.record_traffic(NAME, "production", minutes=120, latency_ms=35.0)
        fake.record_traffic(NAME, "shadow", minutes=120, latency_ms=shadow_latency,
                            invocations_per_minute=50)

    def test_pass_promotes(self) -> None:
        """A shadow as fast as production: PASS, and the stop request is sent."""
        fake, client = running(hours=2)
        self._traffic(fake, 35.0)
        judgement = client.evaluate(NAME)
        assert isinstance(judgement, Judgement)
        assert judgement.verdict is Verdict.PASS
        client.promote(NAME, require=Verdict.PASS)
        assert fake.describe(NAME)["Status"] == "Stopping"

    def test_fail_blocks_and_sends_no_stop(self) -> None:
        """A shadow 30 % slower: PromotionBlockedError with the judgement; nothing sent."""
        fake, client = running(hours=2)
        self._traffic(fake, 45.5)
        with pytest.raises(PromotionBlockedError, match="shadow ModelLatency mean") as caught:
            client.promote(NAME, require="PASS")
        assert caught.value.judgement.verdict is Verdict.FAIL
        assert caught.value.judgement.metrics["ModelLatency"].outcome == "high"
        assert "StopInferenceExperiment" not in [op for op, _ in fake.calls]
        assert fake.describe(NAME)["Status"] == "Running"

    @pytest.mark.parametrize("require", ["pass", "Pass"])
    def test_the_clis_spelling_is_the_verdicts_string(self, require: str) -> None:
        """require="pass" (as `--require pass` reads) is Verdict.PASS: a FAIL blocks."""
        fake, client = running(hours=2)
        self._traffic(fake, 45.5)
        with pytest.raises(PromotionBlockedError) as caught:
            client.promote(NAME, require=require)  # type: ignore[arg-type]
        assert caught.value.required == "PASS"
        assert "StopInferenceExperiment" not in [op for op, _ in fake.calls]

    def test_a_policy_as_requirement(self) -> None:
        """require=Policy(...) judges with that policy: a loose latency gate lets it pass."""
        fake, client = running(hours=2)
        self._traffic(fake, 45.5)
        loose = Policy.from_dict({"gates": [{"metric": "ModelLatency", "tolerance": 50}]})
        client.promote(NAME, require=loose)
        assert fake.describe(NAME)["Status"] == "Stopping"

    def test_bad_requirement_is_refused_before_any_call(self) -> None:
        """require="FAIL" makes no sense: ConfigValidationError naming require."""
        fake, client = running(hours=1)
        calls = len(fake.calls)
        with pytest.raises(ConfigValidationError, match="require: got 'FAIL'"):
            client.promote(NAME, require="FAIL")  # type: ignore[arg-type]
        assert len(fake.calls) == calls


def test_the_fakes_cbor_is_what_botocore_reads() -> None:
    """Where botocore speaks smithy-rpc-v2-cbor to CloudWatch, the fake's HTTP answers
    parse back to the same response."""
    from botocore.parsers import RpcV2CBORParser

    from shadowtest.testing._clients import offline_client
    from shadowtest.testing._wire import cbor_encode

    model = offline_client("cloudwatch").meta.service_model.operation_model("GetMetricData")
    response = {"MetricDataResults": [{
        "Id": "q0", "Label": "ModelLatency", "StatusCode": "PartialData",
        "Timestamps": [NOW, NOW + timedelta(minutes=1)], "Values": [35000.5, -1.0e300],
        "Messages": []}] * 30, "NextToken": "x" * 300, "Messages": []}
    parsed = RpcV2CBORParser().parse(
        {"body": cbor_encode(response), "headers": {}, "status_code": 200},
        model.output_shape)
    parsed.pop("ResponseMetadata", None)
    assert parsed == response


def test_metrics_show_themselves() -> None:
    """ExperimentMetrics prints a table of its series and renders escaped HTML; a blocked
    promotion renders its judgement."""
    fake, client = running(hours=1)
    fake.record_traffic(NAME, "production", minutes=30)
    m = client.metrics(NAME, metrics=["ModelLatency"])
    text = str(m).splitlines()
    assert text[0].startswith("Metrics of 'churn-shadow': ")
    assert ["variant", "series", "statistic", "unit", "periods", "mean"] in [
        line.split() for line in text]
    assert any(line.split()[:5] == ["production", "ModelLatency", "Average", "Milliseconds",
                                    "30"] for line in text)
    assert any(line.split()[:2] == ["shadow", "ModelLatency"] and "no data" in line
               for line in text)
    assert "<table>" in m._repr_html_()
    assert "&#x27;churn-shadow&#x27;" in m._repr_html_()
    with pytest.raises(PromotionBlockedError) as caught:
        client.promote(NAME, require="PASS")
    assert "NO_DATA" in caught.value._repr_html_()


class TestConstruction:
    """MetricSeries and ExperimentMetrics, built by hand to judge one's own data, refuse
    what judge() could only misread; every problem at once, each naming its field."""

    T = (NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=2))

    def series(self, timestamps: Any = T, values: Any = (1.0, 2.0, 3.0)) -> MetricSeries:
        return MetricSeries(metric="ModelLatency", statistic="Average", unit="Milliseconds",
                            timestamps=timestamps, values=values)

    @pytest.mark.parametrize(("timestamps", "values", "path", "says"), [
        (T, (1.0, "x", 3.0), "values[1]", "got str 'x'; must be a finite number"),
        (T, (1.0, math.nan, 3.0), "values[1]", "got float nan"),
        (T, (1.0, 2.0, -math.inf), "values[2]", "got float -inf"),
        (T, (True, 2.0, 3.0), "values[0]", "got bool True"),
        (T, (1.0, 2.0), "values", "got 2 values for 3 timestamps"),
        ((NOW, NOW.replace(tzinfo=None) + timedelta(minutes=1)), (1.0, 2.0), "timestamps[1]",
         "naive datetime"),
        ((T[1], T[0], T[2]), (1.0, 2.0, 3.0), "timestamps[1]", "ascending order"),
        ((T[0], T[1], T[1]), (1.0, 2.0, 3.0), "timestamps[2]", "again (also timestamps[1])"),
    ])
    def test_bad_series_is_refused(self, timestamps: Any, values: Any, path: str,
                                   says: str) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            self.series(list(timestamps), list(values))
        (problem,) = caught.value.errors
        assert (problem.path, says in problem.message) == (path, True), problem

    def test_good_series_keeps_its_points(self) -> None:
        """Aware timestamps in any zone, ints and numpy numbers: kept as given."""
        import numpy as np

        paris = timezone(timedelta(hours=1))
        series = self.series([t.astimezone(paris) for t in self.T], np.array([1, 2, 3]))
        assert series.values == (1, 2, 3)
        assert series.timestamps == self.T

    def metrics(self, **changes: Any) -> ExperimentMetrics:
        fields: dict[str, Any] = {
            "name": NAME, "window": (NOW, NOW + timedelta(hours=1)), "period": 60,
            "production_variant": "production", "shadow_variant": "shadow",
            "production": {"ModelLatency": self.series()},
            "shadow": {"ModelLatency": self.series()}, "sampling_percentage": 50}
        return ExperimentMetrics(**{**fields, **changes})

    @pytest.mark.parametrize(("changes", "paths"), [
        ({"window": (NOW, NOW)}, ["window"]),
        ({"window": (NOW + timedelta(hours=1), NOW)}, ["window"]),
        ({"window": (NOW.replace(tzinfo=None), NOW + timedelta(hours=1))}, ["window[0]"]),
        ({"window": (NOW,)}, ["window"]),
        ({"period": 0}, ["period"]), ({"period": -60}, ["period"]),
        ({"period": 90}, ["period"]), ({"period": 60.0}, ["period"]),
        ({"period": True}, ["period"]),
        ({"production_variant": ""}, ["production_variant"]),
        ({"shadow_variant": None}, ["shadow_variant"]),
        ({"shadow_variant": "production"}, ["shadow_variant"]),
        ({"sampling_percentage": 101}, ["sampling_percentage"]),
        ({"sampling_percentage": -1}, ["sampling_percentage"]),
        ({"sampling_percentage": 50.0}, ["sampling_percentage"]),
        ({"shadow": {"ModelLatency": [1.0]}}, ["shadow['ModelLatency']"]),
        # every problem at once
        ({"window": (NOW, NOW), "period": 30, "production_variant": "a b",
          "sampling_percentage": 150},
         ["window", "period", "production_variant", "sampling_percentage"]),
    ])
    def test_bad_metrics_are_refused(self, changes: dict[str, Any], paths: list[str]) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            self.metrics(**changes)
        assert [p.path for p in caught.value.errors] == paths

    @pytest.mark.parametrize("changes", [
        {"sampling_percentage": None}, {"sampling_percentage": 0},
        {"sampling_percentage": 100}, {"period": 300}, {"period": 3600}])
    def test_good_metrics_are_built(self, changes: dict[str, Any]) -> None:
        assert self.metrics(**changes).period == changes.get("period", 60)

    def test_the_reader_sorts_a_newest_first_answer(self) -> None:
        """CloudWatch asked for newest first still gives ascending series (the reader sorts
        before building them, which refuses any other order)."""
        fake, client = running(hours=1)
        fake.record_traffic(NAME, "production", minutes=30)
        fake.record_traffic(NAME, "shadow", minutes=30)
        events = fake.cloudwatch.meta.events

        def newest_first(params: dict[str, Any], **_: Any) -> None:
            params["ScanBy"] = "TimestampDescending"

        events.register("before-parameter-build.cloudwatch.GetMetricData", newest_first)
        series = client.metrics(NAME, metrics=["ModelLatency"]).shadow["ModelLatency"]
        assert len(series) == 30
        assert list(series.timestamps) == sorted(series.timestamps)

"""A whole watched run on FakeSageMaker: the scenario (how much slower the shadow is) says
what must happen; the fake's request log says what was sent."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from botocore.exceptions import ClientError

from shadowtest import InferenceExperimentSchedule, ServiceError, ShadowModeConfig
from shadowtest.testing import FakeSageMaker, sample_config

T0 = datetime(2026, 12, 1, 6, tzinfo=timezone.utc)
NAME = "churn-shadow"


def running_shadow(shadow_latency_ms: float, *, sampling: int = 100, days: int = 7,
                   rpm: float = 100.0) -> FakeSageMaker:
    """Experiment NAME Running from T0 for ``days``, serving ``rpm`` requests a minute
    (production 35 ms) as the fake clock moves; the shadow gets its sampled share."""
    fake = FakeSageMaker(now=T0)
    config = attrs.evolve(
        sample_config(name=NAME),
        schedule=InferenceExperimentSchedule(start_time=T0, end_time=T0 + timedelta(days=days)),
        shadow_mode_config=ShadowModeConfig(source_model_variant_name="production",
                                            shadow_model_variant_name="shadow",
                                            sampling_percentage=sampling))
    fake.seed(config)
    fake.serve_traffic(NAME, "production", invocations_per_minute=rpm, latency_ms=35.0, seed=1)
    fake.serve_traffic(NAME, "shadow", invocations_per_minute=rpm, latency_ms=shadow_latency_ms,
                       seed=2)
    return fake


def operations(fake: FakeSageMaker) -> list[str]:
    return [operation for operation, _ in fake.calls]


class TestActions:
    def test_a_slower_shadow_is_concluded_at_the_first_fail_and_nothing_is_sent_after(
            self) -> None:
        """+30 % latency: concluded at the first look whose verdict is FAIL (production
        kept, shadow removed), and no request of any kind follows the stop."""
        fake = running_shadow(35.0 * 1.3)
        result = fake.experiment_client().watch(NAME, every=timedelta(minutes=15))
        verdicts = [v.value for _, v in result.looks]
        assert result.action == "concluded"
        assert verdicts[-1] == "FAIL"
        assert "FAIL" not in verdicts[:-1]
        ops = operations(fake)
        assert ops[-1] == "StopInferenceExperiment"
        assert ops.count("DescribeInferenceExperiment") == len(result.looks)
        assert len(fake.cloudwatch_fake.calls) == len(result.looks)  # one fetch per look
        stop = fake.calls[-1][1]
        assert stop["ModelVariantActions"] == {"production": "Retain", "shadow": "Remove"}
        assert stop["DesiredState"] == "Completed"
        fake.advance(timedelta(minutes=1))
        assert fake.describe(NAME)["Status"] == "Completed"

    def test_a_good_shadow_is_promoted_after_min_duration_and_not_before(self) -> None:
        fake = running_shadow(35.0)
        result = fake.experiment_client().watch(NAME, every=timedelta(minutes=15),
                                                min_duration=timedelta(hours=2),
                                                on_pass="promote")
        assert result.action == "promoted"
        promoted_at = result.looks[-1][0]
        assert promoted_at >= T0 + timedelta(hours=2)
        assert result.looks[-1][1].value == "PASS"
        stops = [params for op, params in fake.calls if op == "StopInferenceExperiment"]
        assert [s["ModelVariantActions"] for s in stops] == [
            {"shadow": "Promote", "production": "Remove"}]

    def test_a_pass_looks_on_until_min_duration(self) -> None:
        """Looks at 0, 15, ... min: the first look at or after 2 h is the one that promotes;
        every earlier look left the experiment running."""
        fake = running_shadow(35.0)
        result = fake.experiment_client().watch(NAME, every=timedelta(minutes=15),
                                                min_duration=timedelta(hours=2),
                                                on_pass="promote")
        times = [t - T0 for t, _ in result.looks]
        assert times[-1] == timedelta(hours=2)
        assert times == [timedelta(minutes=15 * k) for k in range(9)]


class TestRestarts:
    """The watch keeps no state: killed and run again, it carries on, and never acts
    twice."""

    def test_killed_between_two_looks_the_next_run_carries_on(self) -> None:
        fake = running_shadow(35.0 * 1.3)
        first = fake.experiment_client().watch(NAME, every=timedelta(minutes=15),
                                               timeout=timedelta(0))
        assert first.action is None  # ended (as if killed) after its first look
        assert first.ended == "timeout"
        fake.advance(timedelta(minutes=7))
        fetched = len(fake.cloudwatch_fake.calls)
        second = fake.experiment_client().watch(NAME, every=timedelta(minutes=15))
        assert second.action == "concluded"
        # a restarted watch fetches the experiment's whole window once, then only what is new
        windows = [(params["StartTime"], params["EndTime"])
                   for _, params in fake.cloudwatch_fake.calls[fetched:]]
        assert windows[0] == (T0, T0 + timedelta(minutes=7))
        assert len(windows) > 1
        # each later look: what is new since the last (15 min) and a 10-minute overlap
        assert all(end - start <= timedelta(minutes=25) for start, end in windows[1:])

    def test_killed_after_an_action_the_next_run_does_not_act_again(self) -> None:
        fake = running_shadow(35.0 * 1.3)
        first = fake.experiment_client().watch(NAME, every=timedelta(minutes=15))
        assert first.action == "concluded"
        fake.advance(timedelta(minutes=3))
        second = fake.experiment_client().watch(NAME, every=timedelta(minutes=15))
        assert second.action is None
        assert second.ended == "left_running"
        assert operations(fake).count("StopInferenceExperiment") == 1
        assert second.judgement is not None  # its one look judged the ended run
        assert second.judgement.verdict.value == "FAIL"


class TestFaults:
    def test_a_throttled_cloudwatch_look_is_retried_not_judged(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """CloudWatch throttles past botocore's own retries: the look is retried with
        wait()'s backoff, and its verdict is the one the traffic gives (never NO_DATA for
        traffic that was not read)."""
        fake = running_shadow(35.0)
        monkeypatch.setattr(time, "sleep", fake.sleep)  # botocore's pause between retries
        fake.advance(timedelta(hours=1))
        fake.fail_next("GetMetricData", "Throttling", "Rate exceeded", times=12)
        result = fake.experiment_client().watch(NAME, every=timedelta(minutes=15),
                                                min_duration=timedelta(0),
                                                timeout=timedelta(hours=1))
        assert fake.cloudwatch_fake.faults == 0
        assert [v.value for _, v in result.looks] == ["PASS"]
        assert result.ended == "decided"

    def test_a_permanent_fault_ends_the_watch_with_nothing_sent(self) -> None:
        fake = running_shadow(35.0 * 1.3)
        fake.advance(timedelta(hours=1))
        fake.fail_next("GetMetricData", "AccessDenied", "not allowed", http_status=403)
        with pytest.raises(ServiceError, match="AccessDenied") as caught:
            fake.experiment_client().watch(NAME)
        assert isinstance(caught.value.__cause__, ClientError)
        assert "StopInferenceExperiment" not in operations(fake)


def test_ramp_raises_the_sampling_through_updates() -> None:
    """ramp=(10, 50, 100) from an experiment at 25 %: set to 10 first, then raised, each
    raise one UpdateInferenceExperiment, and promoted only at 100."""
    fake = running_shadow(35.0, sampling=25, rpm=1000)
    result = fake.experiment_client().watch(NAME, every=timedelta(minutes=30),
                                            on_pass="promote", ramp=(10, 50, 100))
    updates = [params["ShadowModeConfig"]["ShadowModelVariants"][0]["SamplingPercentage"]
               for op, params in fake.calls if op == "UpdateInferenceExperiment"]
    assert updates == [10, 50, 100]
    assert [(old, new) for _, old, new in result.raises] == [(25, 10), (10, 50), (50, 100)]
    assert result.action == "promoted"
    # no request beyond one describe per look: the raises and the stop reuse its describe
    assert operations(fake).count("DescribeInferenceExperiment") == len(result.looks)


class TestServeTraffic:
    """Traffic flows minute by minute as the clock moves, follows the sampling, and stops
    with the experiment."""

    def invocations(self, fake: FakeSageMaker, variant: str, start: datetime,
                    end: datetime) -> list[float]:
        client = fake.experiment_client()
        m = client.metrics(NAME, start=start, end=end, period=60, metrics=["Invocations"])
        side = m.production if variant == "production" else m.shadow
        return list(side["Invocations"].values)

    def test_minutes_appear_as_the_clock_passes_them(self) -> None:
        fake = running_shadow(35.0)
        fake.advance(timedelta(minutes=30, seconds=20))
        assert self.invocations(fake, "production", T0, fake.now) == [100.0] * 30
        fake.advance(timedelta(hours=2))
        assert len(self.invocations(fake, "production", T0, fake.now)) == 150

    def test_the_shadow_gets_the_sampled_share_from_the_minute_it_changes(self) -> None:
        fake = running_shadow(35.0, sampling=10)
        fake.advance(timedelta(minutes=20))
        client = fake.experiment_client()
        client.update(NAME, shadow_mode_config=ShadowModeConfig(
            source_model_variant_name="production", shadow_model_variant_name="shadow",
            sampling_percentage=50))
        fake.advance(timedelta(minutes=20))
        assert self.invocations(fake, "shadow", T0, fake.now) == [10.0] * 20 + [50.0] * 20
        assert self.invocations(fake, "production", T0, fake.now) == [100.0] * 40

    def test_traffic_stops_when_the_experiment_is_stopped(self) -> None:
        fake = running_shadow(35.0)
        fake.advance(timedelta(minutes=10))
        fake.experiment_client().conclude(NAME, remove_shadow=True)
        fake.advance(timedelta(hours=3))
        assert len(self.invocations(fake, "shadow", T0, fake.now)) == 10
        assert len(self.invocations(fake, "production", T0, fake.now)) == 10

    def test_traffic_stops_at_the_scheduled_end(self) -> None:
        fake = running_shadow(35.0, days=1)
        fake.advance(timedelta(days=2))
        assert len(self.invocations(fake, "production", T0, T0 + timedelta(days=1, hours=1))) \
            == 1440

    def test_a_load_curve_is_indexed_from_the_call(self) -> None:
        fake = running_shadow(35.0)
        fake.serve_traffic(NAME, "production", invocations_per_minute=lambda k: 10.0 + k)
        fake.advance(timedelta(minutes=5))
        assert self.invocations(fake, "production", T0, fake.now) == [10, 11, 12, 13, 14]

    @pytest.mark.parametrize(("args", "words"), [
        (("nope", "production"), "no experiment 'nope'"),
        ((NAME, "canary"), "'canary' is not a variant"),
    ])
    def test_bad_names(self, args: tuple[str, str], words: str) -> None:
        fake = running_shadow(35.0)
        with pytest.raises(ValueError, match=words):
            fake.serve_traffic(*args)


class TestNotifications:
    def test_an_sns_topic_gets_one_message_per_verdict_change_and_action(self) -> None:
        fake = running_shadow(35.0 * 1.3)
        topic = fake.sns.create_topic(Name="shadow-alerts")["TopicArn"]
        result = fake.experiment_client().watch(NAME, every=timedelta(minutes=15),
                                                notify=topic)
        sent = [n["Message"] for n in fake.notifications]
        assert sent == list(result.messages)
        changes = [v for i, (_, v) in enumerate(result.looks)
                   if i == 0 or v != result.looks[i - 1][1]]
        assert len(sent) == len(changes) + 1  # and the conclusion
        assert sent[-1].startswith(f"{NAME}: stopped (Completed): production 'production' kept")
        assert all(n["TopicArn"] == topic for n in fake.notifications)
        assert all(n["Subject"].startswith(f"shadowtest: {NAME}: ") for n in fake.notifications)

    def test_a_fifo_topic_gets_a_group_per_experiment(self) -> None:
        fake = running_shadow(35.0 * 1.3)
        topic = fake.sns.create_topic(Name="alerts.fifo",
                                      Attributes={"FifoTopic": "true"})["TopicArn"]
        fake.experiment_client().watch(NAME, every=timedelta(minutes=15), notify=topic)
        assert {n["MessageGroupId"] for n in fake.notifications} == {NAME}

    def test_a_missing_topic_never_ends_the_watch(self) -> None:
        fake = running_shadow(35.0 * 1.3)
        result = fake.experiment_client().watch(
            NAME, every=timedelta(minutes=15),
            notify="arn:aws:sns:us-east-1:123456789012:no-such-topic")
        assert result.action == "concluded"
        assert fake.notifications == ()


def test_a_query_cloudwatch_failed_inside_a_look_is_retried(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GetMetricData answers 200 but one query's StatusCode is InternalError: the look is
    retried (not judged on what came back), and the next answer is judged."""
    from botocore.stub import Stubber

    from shadowtest import ExperimentClient
    from shadowtest.metrics import DEFAULT_METRICS, plan_queries
    from shadowtest.testing._clients import offline_client

    fake = running_shadow(35.0)
    fake.advance(timedelta(minutes=30))
    cloudwatch = offline_client("cloudwatch")
    client = ExperimentClient(fake.client, clock=fake.monotonic, sleep=fake.sleep,
                              now=lambda: fake.now, cloudwatch=cloudwatch)
    with Stubber(cloudwatch) as stub:
        stub.add_response("get_metric_data", {"MetricDataResults": [
            {"Id": "q0", "StatusCode": "InternalError",
             "Messages": [{"Code": "InternalError", "Value": "try again"}]}]})
        # a result for every query, none with points
        queries = plan_queries("e", ("a", "b"), DEFAULT_METRICS, 60)
        stub.add_response("get_metric_data", {"MetricDataResults": [
            {"Id": q["Id"], "StatusCode": "Complete"} for q in queries]})
        result = client.watch(NAME, timeout=timedelta(minutes=1))
        stub.assert_no_pending_responses()
    assert [v.value for _, v in result.looks] == ["NO_DATA"]  # one look, judged once


def test_a_throttled_topic_is_retried_and_the_message_arrives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SNS throttles past botocore's retries: the publish is retried with the watch's
    backoff, and every message still arrives once."""
    fake = running_shadow(35.0 * 1.3)
    monkeypatch.setattr(time, "sleep", fake.sleep)  # botocore's pause between retries
    topic = fake.sns.create_topic(Name="alerts")["TopicArn"]
    fake.fail_next("Publish", "Throttling", "Rate exceeded", times=6)
    result = fake.experiment_client().watch(NAME, every=timedelta(minutes=15), notify=topic)
    assert [n["Message"] for n in fake.notifications] == list(result.messages)
    assert fake.sns_fake.faults == 0


def test_messages_never_carry_tag_values_or_the_description() -> None:
    """Plain text about the experiment and its verdict only: no tag value, no description
    (they may hold something private), no link."""
    fake = FakeSageMaker(now=T0)
    config = attrs.evolve(
        sample_config(name=NAME, tags={"owner": "s3cr3t-team"},
                      description="customer ids 4711 and 4712"),
        schedule=InferenceExperimentSchedule(start_time=T0, end_time=T0 + timedelta(days=7)))
    fake.seed(config)
    fake.serve_traffic(NAME, "production", latency_ms=35.0, seed=1)
    fake.serve_traffic(NAME, "shadow", latency_ms=35.0 * 1.3, seed=2)
    result = fake.experiment_client().watch(NAME, every=timedelta(minutes=15))
    text = "\n".join(result.messages)
    assert result.action == "concluded"
    for private in ("s3cr3t", "4711", "http://", "https://"):
        assert private not in text


def test_sigterm_between_looks_then_a_new_run_carries_on() -> None:
    """SIGTERM while the watch sleeps: it returns between actions, nothing stopped; run
    again, it concludes once."""
    import os
    import signal

    from shadowtest import ExperimentClient

    fake = running_shadow(35.0 * 1.3)

    def sleep_then_terminated(seconds: float) -> None:
        fake.sleep(seconds)
        os.kill(os.getpid(), signal.SIGTERM)

    killed = ExperimentClient(fake.client, clock=fake.monotonic, sleep=sleep_then_terminated,
                              now=lambda: fake.now, cloudwatch=fake.cloudwatch)
    first = killed.watch(NAME, every=timedelta(minutes=15))
    assert first.ended == "interrupted"
    assert "StopInferenceExperiment" not in operations(fake)
    second = fake.experiment_client().watch(NAME, every=timedelta(minutes=15))
    assert second.action == "concluded"
    assert operations(fake).count("StopInferenceExperiment") == 1

"""The watch policy as a pure core: hand-made judgements and experiments in, the next step
out; the argument checks; the incremental metrics window; the loop over scripted I/O.

Expected answers come from the rules of watching (conclude at a FAIL, promote a PASS
after min_duration, a ramp raises only on passing critical gates), spelled out here."""

from __future__ import annotations

import os
import signal
import warnings
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from botocore.exceptions import ClientError

from shadowtest import (
    ConfigValidationError,
    InferenceExperiment,
    InferenceExperimentSchedule,
    ShadowModeConfig,
)
from shadowtest.judgement import Gate, Judgement, MetricJudgement, Policy, SeriesSummary, Verdict
from shadowtest.metrics import ExperimentMetrics, MetricSeries
from shadowtest.testing import describe_response, sample_config
from shadowtest.watch import (
    OVERLAP,
    Decision,
    MetricsWindow,
    WatchIO,
    WatchOptions,
    check_watch_arguments,
    critical_gates_pass,
    decide,
    format_duration,
    parse_duration,
    ramp_position,
    run_watch,
    step_started_at,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

T0 = datetime(2026, 12, 1, 6, tzinfo=timezone.utc)
NO_VALUES = SeriesSummary(count=0, mean=None, p50=None, p90=None, p99=None, unit="ms")


def judgement(verdict: Verdict | str, *, critical: str = "pass", other: str = "pass",
              reasons: Sequence[str] = ()) -> Judgement:
    """A judgement with the default gates: the critical ones at outcome ``critical``, the
    others at ``other``."""
    policy = Policy.default()
    metrics = {g.metric: MetricJudgement(metric=g.metric, gate=g, production=NO_VALUES,
                                         shadow=NO_VALUES,
                                         outcome=critical if g.critical else other)  # type: ignore[arg-type]
               for g in policy.gates}
    return Judgement(verdict=verdict, score=100.0, metrics=metrics,  # type: ignore[arg-type]
                     window=(T0, T0 + timedelta(hours=1)), reasons=tuple(reasons),
                     policy=policy, name="churn-shadow")


def experiment(sampling: int = 100, *, status: str = "Running", start: datetime = T0,
               modified: datetime | None = None, days: int = 7) -> InferenceExperiment:
    config = attrs.evolve(
        sample_config(name="churn-shadow"),
        schedule=InferenceExperimentSchedule(start_time=start,
                                             end_time=start + timedelta(days=days)),
        shadow_mode_config=ShadowModeConfig(source_model_variant_name="production",
                                            shadow_model_variant_name="shadow",
                                            sampling_percentage=sampling))
    response: dict[str, Any] = dict(describe_response(config, status, now=start))
    if modified is not None:
        response["LastModifiedTime"] = modified
    return InferenceExperiment(response)


def options(**changes: Any) -> WatchOptions:
    return WatchOptions(name="churn-shadow", **changes)


class TestDecide:
    """decide(): the next step after one look."""

    @pytest.mark.parametrize("minutes", [0, 30, 59, 600])
    def test_a_fail_concludes_at_once_even_before_min_duration(self, minutes: int) -> None:
        """A FAIL concludes whatever the time run, with the reasons as the why."""
        d = decide(options(), experiment(), judgement(Verdict.FAIL, critical="high",
                                                      reasons=["latency +30 %"]),
                   None, T0 + timedelta(minutes=minutes))
        assert d == Decision("conclude", "latency +30 %")

    def test_on_fail_cancel_and_none(self) -> None:
        """on_fail='cancel' cancels; on_fail=None returns the FAIL without acting."""
        fail = judgement(Verdict.FAIL, critical="high")
        assert decide(options(on_fail="cancel"), experiment(), fail, None, T0).step == "cancel"
        assert decide(options(on_fail=None), experiment(), fail, None, T0).step == "return"

    @pytest.mark.parametrize(("verdict", "outcome"), [
        (Verdict.INCONCLUSIVE, "inconclusive"), (Verdict.MARGINAL, "pass"),
        (Verdict.NO_DATA, "no_data")])
    def test_undecided_verdicts_look_again(self, verdict: Verdict, outcome: str) -> None:
        """INCONCLUSIVE, MARGINAL and NO_DATA keep looking, even long after min_duration
        and with on_pass='promote'."""
        d = decide(options(on_pass="promote"), experiment(), judgement(verdict, critical=outcome),
                   None, T0 + timedelta(days=3))
        assert d.step == "look"

    @pytest.mark.parametrize(("ran", "step"), [
        (timedelta(minutes=59, seconds=59), "look"),
        (timedelta(hours=1), "promote"),
        (timedelta(hours=5), "promote"),
    ])
    def test_a_pass_promotes_only_after_min_duration(self, ran: timedelta, step: str) -> None:
        """min_duration counts from the experiment's start (not the watch's), so a
        restarted watch does not start it over."""
        d = decide(options(on_pass="promote"), experiment(), judgement(Verdict.PASS), None,
                   T0 + ran)
        assert d.step == step

    def test_a_pass_without_on_pass_returns(self) -> None:
        """on_pass=None returns the PASS once min_duration has passed."""
        assert decide(options(), experiment(), judgement(Verdict.PASS), None,
                      T0 + timedelta(hours=2)).step == "return"
        assert decide(options(), experiment(), judgement(Verdict.PASS), None,
                      T0 + timedelta(minutes=10)).step == "look"


class TestRamp:
    """decide() with a ramp: set the first step, raise only on passing critical gates of the
    current step, promote only at the last."""

    RAMP = (10, 50, 100)

    @pytest.mark.parametrize("sampling", [0, 5, 25, 99])
    def test_a_sampling_off_the_ramp_is_set_to_its_first_step(self, sampling: int) -> None:
        d = decide(options(ramp=self.RAMP), experiment(sampling), judgement(Verdict.NO_DATA),
                   None, T0)
        assert (d.step, d.sampling) == ("raise", 10)

    @pytest.mark.parametrize(("sampling", "after"), [(10, 50), (50, 100)])
    def test_passing_critical_gates_raise_to_the_next_step(self, sampling: int,
                                                           after: int) -> None:
        """The step's critical gates passing raises, whatever the non-critical ones say
        and whatever the whole window's verdict (not FAIL)."""
        step = judgement(Verdict.MARGINAL, critical="pass", other="high")
        d = decide(options(ramp=self.RAMP), experiment(sampling), judgement(Verdict.NO_DATA),
                   step, T0)
        assert (d.step, d.sampling) == ("raise", after)

    @pytest.mark.parametrize("outcome", ["no_data", "inconclusive", "high"])
    def test_no_raise_until_every_critical_gate_passes(self, outcome: str) -> None:
        step = judgement(Verdict.NO_DATA, critical=outcome)
        d = decide(options(ramp=self.RAMP), experiment(10), judgement(Verdict.PASS), step,
                   T0 + timedelta(hours=3))
        assert d.step == "look"

    def test_a_refused_raise_is_not_tried_again_from_that_step(self) -> None:
        step = judgement(Verdict.PASS)
        assert decide(options(ramp=self.RAMP), experiment(10), judgement(Verdict.PASS), step,
                      T0, held=10).step == "look"
        # from another step, the hold does not apply
        assert decide(options(ramp=self.RAMP), experiment(50), judgement(Verdict.PASS), step,
                      T0, held=10).sampling == 100

    def test_promotion_waits_for_the_last_step(self) -> None:
        """A PASS after min_duration promotes only at the last step, with its critical
        gates passing there."""
        opts = options(ramp=self.RAMP, on_pass="promote")
        late = T0 + timedelta(hours=5)
        whole = judgement(Verdict.PASS)
        assert decide(opts, experiment(50), whole, judgement(Verdict.NO_DATA, critical="no_data"),
                      late).step == "look"
        assert decide(opts, experiment(100), whole,
                      judgement(Verdict.NO_DATA, critical="no_data"), late).step == "look"
        assert decide(opts, experiment(100), whole, judgement(Verdict.PASS), late).step \
            == "promote"

    def test_a_fail_concludes_at_any_step(self) -> None:
        d = decide(options(ramp=self.RAMP), experiment(10), judgement(Verdict.FAIL,
                                                                      critical="high"),
                   judgement(Verdict.PASS), T0)
        assert d.step == "conclude"

    @pytest.mark.parametrize(("sampling", "at"), [(10, 0), (50, 1), (100, 2), (30, None),
                                                  (None, None)])
    def test_ramp_position(self, sampling: int | None, at: int | None) -> None:
        assert ramp_position(sampling, self.RAMP) == at

    def test_a_step_begins_at_the_last_modification(self) -> None:
        """The experiment's LastModifiedTime (a sampling change is one) starts the step; an
        experiment never modified since it started is at its first step from its start."""
        raised = T0 + timedelta(hours=3)
        assert step_started_at(experiment(50, modified=raised)) == raised
        assert step_started_at(experiment(10, modified=T0 - timedelta(hours=1))) == T0


def test_critical_gates_pass_needs_a_compared_critical_gate() -> None:
    assert critical_gates_pass(judgement(Verdict.PASS))
    assert not critical_gates_pass(judgement(Verdict.PASS, critical="no_data"))
    assert not critical_gates_pass(None)
    only_other = Policy(gates=(Gate(metric="CPUUtilization", tolerance=20),))
    j = attrs.evolve(judgement(Verdict.PASS), metrics={}, policy=only_other)
    assert not critical_gates_pass(j)


class TestArguments:
    """Bad input is a ConfigValidationError naming each argument, before anything is sent."""

    def check(self, **changes: Any) -> WatchOptions:
        args: dict[str, Any] = {"name": "churn-shadow", "policy": None,
                                    "every": timedelta(minutes=15),
                                    "min_duration": timedelta(hours=1), "on_fail": "conclude",
                                    "on_pass": None, "ramp": None, "notify": None, "timeout": None}
        args.update(changes)
        return check_watch_arguments(**args)

    @pytest.mark.parametrize(("changes", "path", "words"), [
        ({"every": timedelta(seconds=59)}, "every", "from 1m to 30d"),
        ({"every": 30}, "every", "CloudWatch period"),
        ({"every": "15m"}, "every", "must be a timedelta"),
        ({"min_duration": timedelta(days=31)}, "min_duration", "30 days"),
        ({"min_duration": timedelta(seconds=-1)}, "min_duration", "from 0s"),
        ({"ramp": (50, 10, 100)}, "ramp", "must increase"),
        ({"ramp": (10, 10)}, "ramp", "must increase"),
        ({"ramp": (10, 150)}, "ramp[1]", "from 1 to 100"),
        ({"ramp": (0, 50)}, "ramp[0]", "no traffic to judge"),
        ({"ramp": (10.5, 50)}, "ramp[0]", "integer"),
        ({"ramp": "10,50"}, "ramp", "increasing sampling percentages"),
        ({"ramp": ()}, "ramp", "no step"),
        ({"notify": "arn:aws:sqs:us-east-1:123456789012:queue"}, "notify", "SNS topic ARN"),
        ({"notify": "arn:aws:sns:us-east-1:12345:topic"}, "notify", "SNS topic ARN"),
        ({"notify": 42}, "notify", "callable"),
        ({"timeout": timedelta(days=-1)}, "timeout", "from 0s"),
        ({"on_fail": "stop"}, "on_fail", "'conclude', 'cancel'"),
        ({"on_pass": True}, "on_pass", "'promote'"),
        ({"policy": {"gates": []}}, "policy", "a Policy"),
        ({"name": "bad name!"}, "name", ""),
    ])
    def test_each_bad_argument_is_named(self, changes: dict[str, Any], path: str,
                                        words: str) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            self.check(**changes)
        assert [p.path for p in caught.value.errors] == [path]
        assert words in caught.value.errors[0].message

    def test_every_problem_at_once(self) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            self.check(every=1, ramp=(5, 1), notify="topic", timeout="7d")
        assert {p.path for p in caught.value.errors} == {"every", "ramp", "notify", "timeout"}

    def test_promoting_on_a_ramp_short_of_100_warns(self) -> None:
        with pytest.warns(UserWarning, match="stops at 50 %"):
            self.check(on_pass="promote", ramp=(10, 50))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            self.check(on_pass="promote", ramp=(10, 50, 100))
            self.check(ramp=(10, 50))

    @pytest.mark.parametrize("arn", [
        "arn:aws:sns:us-east-1:123456789012:shadow-alerts",
        "arn:aws:sns:eu-central-1:123456789012:a_b-C",
        "arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts.fifo",
        "arn:aws-cn:sns:cn-north-1:123456789012:" + "t" * 256,
    ])
    def test_topic_arns(self, arn: str) -> None:
        assert self.check(notify=arn).topic_arn == arn

    def test_durations_as_seconds(self) -> None:
        opts = self.check(every=3600, min_duration=0, timeout=86400.0)
        assert (opts.every, opts.min_duration, opts.timeout) == (
            timedelta(hours=1), timedelta(0), timedelta(days=1))


@pytest.mark.parametrize(("text", "delta"), [
    ("15m", timedelta(minutes=15)), ("1h", timedelta(hours=1)), ("7d", timedelta(days=7)),
    ("90s", timedelta(seconds=90)), ("1h30m", timedelta(minutes=90)), ("120", timedelta(minutes=2)),
    (" 2H ", timedelta(hours=2)), ("0.5h", timedelta(minutes=30)),
])
def test_parse_duration(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "15", "m", "1w", "1h 30m", "-1h", "1h-", "h1"][1:])
def test_parse_duration_refuses(text: str) -> None:
    if text == "15":
        return  # a plain number is seconds
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(days=6, hours=23, minutes=5), "6d 23h"), (timedelta(hours=2, minutes=5), "2h 5m"),
    (timedelta(seconds=40), "40s"), (timedelta(hours=1), "1h"), (timedelta(0), "0s"),
])
def test_format_duration(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


# -- the incremental window -----------------------------------------------------------------


def fetched(start: datetime, end: datetime, value: Callable[[datetime], float],
            period: int = 60) -> ExperimentMetrics:
    times = []
    t = start
    while t < end:
        times.append(t)
        t += timedelta(seconds=period)

    def side() -> dict[str, MetricSeries]:
        return {"ModelLatency": MetricSeries(metric="ModelLatency", statistic="Average",
                                             unit="Milliseconds", timestamps=times,
                                             values=[value(t) for t in times])}

    return ExperimentMetrics(name="churn-shadow", window=(start, end), period=period,
                             production_variant="production", shadow_variant="shadow",
                             production=side(), shadow=side(), sampling_percentage=100)


class TestMetricsWindow:
    """A look fetches what is new since the last one and an overlap; the merged window is
    what one fetch of the whole would have given."""

    def test_the_first_fetch_is_the_whole_window(self) -> None:
        w = MetricsWindow()
        start, end, period = w.next_fetch(T0, T0 + timedelta(days=2), T0 + timedelta(days=2))
        assert (start, end, period) == (T0, T0 + timedelta(days=2), 60)

    def test_later_fetches_start_one_overlap_before_the_last_end(self) -> None:
        w = MetricsWindow()
        w.add(fetched(T0, T0 + timedelta(hours=5), lambda t: 1.0))
        now = T0 + timedelta(hours=6)
        assert w.next_fetch(T0, now, now) == (T0 + timedelta(hours=5) - OVERLAP, now, 60)

    def test_the_merge_replaces_the_overlap_and_keeps_the_rest(self) -> None:
        """Points of the overlap change (late data): the new ones win, older ones stay,
        and the result equals one fetch of the whole window."""
        def late(t: datetime) -> float:
            return 2.0 if t >= T0 + timedelta(hours=4, minutes=55) else 1.0

        w = MetricsWindow()
        w.add(fetched(T0, T0 + timedelta(hours=5), lambda t: 1.0))
        start = T0 + timedelta(hours=4, minutes=50)
        w.add(fetched(start, T0 + timedelta(hours=6), late))
        whole = fetched(T0, T0 + timedelta(hours=6), late)
        merged = w.metrics()
        assert merged.window == whole.window
        for key in ("ModelLatency",):
            assert merged.production[key] == whole.production[key]
            assert merged.shadow[key] == whole.shadow[key]

    def test_since_cuts_the_window(self) -> None:
        w = MetricsWindow()
        w.add(fetched(T0, T0 + timedelta(hours=2), lambda t: 1.0))
        cut = w.metrics(since=T0 + timedelta(hours=1, seconds=30))
        assert cut.window[0] == T0 + timedelta(hours=1)
        assert len(cut.shadow["ModelLatency"]) == 60

    def test_a_new_period_fetches_the_whole_window_again(self) -> None:
        """At 15 days of age CloudWatch no longer keeps 60-second data: the window is
        fetched whole at 300 s."""
        w = MetricsWindow()
        w.add(fetched(T0, T0 + timedelta(days=15), lambda t: 1.0))
        now = T0 + timedelta(days=15, hours=1)
        assert w.next_fetch(T0, now, now) == (T0, now, 300)


# -- the loop over scripted I/O ----------------------------------------------------------------


class Script:
    """A world for run_watch: an experiment, a judgement per look, and a log of every call
    (describe, fetch, stop, sampling, publish) in order."""

    def __init__(self, verdicts: Sequence[Judgement | Exception], *, sampling: int = 100,
                 fetch_faults: Sequence[Exception] = (), status: str = "Running",
                 on_sleep: Callable[[Script], None] | None = None,
                 on_stop: Callable[[Script], None] | None = None) -> None:
        self.now = T0
        self.verdicts: Iterator[Judgement | Exception] = iter(verdicts)
        self.sampling = sampling
        self.status = status
        self.fetch_faults = list(fetch_faults)
        self.calls: list[str] = []
        self.sleeps: list[float] = []
        self.modified = T0
        self.on_sleep = on_sleep
        self.on_stop = on_stop

    def describe(self, name: str) -> InferenceExperiment:
        self.calls.append("describe")
        return experiment(self.sampling, status=self.status, modified=self.modified)

    def fetch(self, current: InferenceExperiment, start: datetime, end: datetime,
              period: int) -> ExperimentMetrics:
        self.calls.append("fetch")
        if self.fetch_faults:
            raise self.fetch_faults.pop(0)
        return fetched(start, end, lambda t: 1.0)

    def judge(self, data: ExperimentMetrics) -> Judgement:
        self.calls.append("judge")
        verdict = next(self.verdicts)
        if isinstance(verdict, Exception):
            raise verdict
        return verdict

    def stop(self, current: InferenceExperiment, step: str, reason: str) -> None:
        self.calls.append(f"stop {step}")
        self.reason = reason
        if self.on_stop is not None:
            self.on_stop(self)
        self.status = "Stopping"

    def set_sampling(self, current: InferenceExperiment, percentage: int) -> None:
        self.calls.append(f"sampling {percentage}")
        self.sampling = percentage
        self.modified = self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)
        if self.on_sleep is not None:
            self.on_sleep(self)

    def io(self, published: list[str] | None = None) -> WatchIO:
        return WatchIO(describe=self.describe, fetch=self.fetch, judge=self.judge,
                       stop=self.stop, set_sampling=self.set_sampling,
                       publish=None if published is None else published.append,
                       clock=lambda: (self.now - T0).total_seconds(), sleep=self.sleep,
                       now=lambda: self.now, random=lambda: 1.0)


PASS, FAIL = judgement(Verdict.PASS), judgement(Verdict.FAIL, critical="high",
                                                reasons=["latency +30 %"])
NO_DATA = judgement(Verdict.NO_DATA, critical="no_data")
MARGINAL = judgement(Verdict.MARGINAL)


class TestLoop:
    def test_concluded_at_the_first_fail_and_nothing_after(self) -> None:
        script = Script([NO_DATA, MARGINAL, FAIL, PASS])
        result = run_watch(options(), script.io())
        assert result.action == "concluded"
        assert result.ended == "acted"
        assert [v for _, v in result.looks] == ["NO_DATA", "MARGINAL", "FAIL"]
        assert script.calls[-1] == "stop conclude"  # no request after the stop
        assert script.calls.count("describe") == 3  # one describe per look, none added
        assert script.reason.startswith("shadowtest watch: latency +30 %")

    def test_promoted_after_min_duration_not_before(self) -> None:
        """Looks every 15 min: the PASS looks before 1 h look again, the one at 1 h
        promotes."""
        script = Script([PASS] * 10)
        result = run_watch(options(on_pass="promote", every=timedelta(minutes=15)),
                           script.io())
        assert result.action == "promoted"
        assert [t - T0 for t, _ in result.looks][-1] == timedelta(hours=1)
        assert len(result.looks) == 5
        assert script.calls.count("stop promote") == 1

    def test_a_ramp_raises_in_order_on_passing_gates_only(self) -> None:
        """10 -> 50 -> 100, each after a look whose step passes; a failing step holds."""
        step_no = judgement(Verdict.NO_DATA, critical="no_data")
        # whole, step for each look (a ramp judges both)
        looks = [NO_DATA, step_no,   # at 10: no data yet -> stay
                 PASS, PASS,         # at 10: passes -> 50
                 PASS, step_no,      # at 50: no data at 50 yet -> stay
                 PASS, PASS,         # at 50: passes -> 100
                 PASS, PASS]         # at 100, after min_duration: promote
        script = Script(looks, sampling=10)
        result = run_watch(options(on_pass="promote", ramp=(10, 50, 100),
                                   every=timedelta(minutes=20)), script.io())
        assert [c for c in script.calls if c.startswith(("sampling", "stop"))] == [
            "sampling 50", "sampling 100", "stop promote"]
        assert [(old, new) for _, old, new in result.raises] == [(10, 50), (50, 100)]
        assert result.action == "promoted"

    def test_a_throttled_look_is_retried_not_judged(self) -> None:
        throttled = ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}},
                                "GetMetricData")
        script = Script([FAIL], fetch_faults=[throttled, throttled])
        result = run_watch(options(), script.io())
        assert script.calls[:5] == ["describe", "fetch", "fetch", "fetch", "judge"]
        assert script.sleeps[:2] == [10.0, 20.0]  # wait()'s backoff (jitter fixed at 1)
        assert [v for _, v in result.looks] == ["FAIL"]
        assert result.action == "concluded"

    def test_a_permanent_fault_ends_the_watch_with_nothing_done(self) -> None:
        denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}},
                             "GetMetricData")
        script = Script([FAIL], fetch_faults=[denied])
        with pytest.raises(ClientError, match="AccessDenied"):
            run_watch(options(), script.io())
        assert not [c for c in script.calls if c.startswith(("stop", "sampling"))]

    def test_timeout(self) -> None:
        script = Script([NO_DATA] * 10)
        result = run_watch(options(every=timedelta(minutes=15), timeout=timedelta(hours=1)),
                           script.io())
        assert result.ended == "timeout"
        assert result.action is None
        assert [t - T0 for t, _ in result.looks] == [timedelta(minutes=15 * k) for k in range(5)]

    def test_an_experiment_stopped_by_someone_else(self) -> None:
        def stop_it(script: Script) -> None:
            script.status = "Completed"

        script = Script([NO_DATA, PASS], on_sleep=stop_it)
        result = run_watch(options(on_pass="promote"), script.io())
        assert result.ended == "left_running"
        assert result.action is None
        assert not [c for c in script.calls if c.startswith("stop")]

    def test_min_duration_longer_than_the_schedule_is_refused_before_any_look(self) -> None:
        script = Script([PASS])
        with pytest.raises(ConfigValidationError, match="min_duration: got 8d, longer than "
                                                        "the schedule"):
            run_watch(options(min_duration=timedelta(days=8)), script.io())
        assert script.calls == ["describe"]

    def test_notify_gets_the_verdict_changes_and_the_actions(self) -> None:
        published: list[str] = []
        script = Script([NO_DATA, NO_DATA, MARGINAL, MARGINAL, FAIL])
        result = run_watch(options(), script.io(published))
        assert [m.splitlines()[0] for m in published] == [
            "churn-shadow: verdict NO_DATA after 0s",
            "churn-shadow: verdict MARGINAL (was NO_DATA) after 30m",
            "churn-shadow: verdict FAIL (was MARGINAL) after 1h",
            "churn-shadow: stopped (Completed): production 'production' kept, shadow 'shadow' "
            "removed",
        ]
        assert list(result.messages) == published

    def test_a_failing_notification_does_not_end_the_watch(self) -> None:
        def broken(message: str) -> None:
            raise RuntimeError("chat is down")

        script = Script([FAIL])
        io = attrs.evolve(script.io(), publish=broken)
        assert run_watch(options(), io).action == "concluded"

    @pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
    def test_a_signal_between_looks_ends_it_with_a_clear_result(self, signum: int) -> None:
        def kill(script: Script) -> None:
            os.kill(os.getpid(), signum)

        script = Script([NO_DATA] * 5, on_sleep=kill)
        result = run_watch(options(), script.io())
        assert result.ended == "interrupted"
        assert result.action is None
        assert [v for _, v in result.looks] == ["NO_DATA"]
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers put back

    def test_a_signal_during_an_action_waits_for_it(self) -> None:
        """SIGTERM while the stop is being sent: the stop completes and is reported."""
        def kill(script: Script) -> None:
            os.kill(os.getpid(), signal.SIGTERM)

        script = Script([FAIL], on_stop=kill)
        result = run_watch(options(), script.io())
        assert result.action == "concluded"
        assert script.status == "Stopping"


def test_a_result_shows_what_it_did_its_looks_and_reasons() -> None:
    script = Script([NO_DATA] * 20 + [FAIL])
    result = run_watch(options(every=timedelta(minutes=15)), script.io())
    text = str(result)
    assert text.startswith("Watch of 'churn-shadow': concluded (production kept)")
    assert "and 9 earlier" in text  # 21 looks, the last 12 shown
    assert "latency +30 %" in text
    assert "latency +30 %" in result._repr_html_()
    assert repr(result) == ("<WatchResult 'churn-shadow' action='concluded' ended='acted' "
                            "verdict='FAIL' looks=21>")


def test_an_inconclusive_message_names_the_undecided_gates_and_the_time_left() -> None:
    from shadowtest.watch import verdict_message

    j = attrs.evolve(judgement(Verdict.INCONCLUSIVE, critical="inconclusive",
                               reasons=["ModelLatency undecided"]),
                     time_to_decision=timedelta(hours=3))
    text = verdict_message("churn-shadow", j, "NO_DATA", timedelta(minutes=45))
    assert text.splitlines() == [
        "churn-shadow: verdict INCONCLUSIVE (was NO_DATA) after 45m",
        "undecided: " + ", ".join(g.metric for g in Policy.default().gates if g.critical)
        + " (about 3h more at this traffic)",
        "- ModelLatency undecided",
    ]


class Refusing(Script):
    """A script whose every sampling update is refused, as when someone else is updating
    the experiment."""

    def set_sampling(self, current: InferenceExperiment, percentage: int) -> None:
        from shadowtest import ExperimentConflictError

        self.calls.append(f"sampling {percentage}")
        raise ExperimentConflictError("someone else is updating it", name="churn-shadow",
                                      operation="UpdateInferenceExperiment",
                                      code="ConflictException")


def test_a_refused_raise_is_reported_once_and_not_retried() -> None:
    """The update raising the sampling is refused: one message says so, the watch holds at
    that step (no second update), and goes on looking."""
    script = Refusing([PASS] * 20, sampling=10)  # a ramp judges twice a look
    result = run_watch(options(ramp=(10, 50, 100), every=timedelta(minutes=15),
                               timeout=timedelta(hours=1)), script.io())
    assert [c for c in script.calls if c.startswith("sampling")] == ["sampling 50"]
    refused = [m for m in result.messages if "refused" in m]
    assert len(refused) == 1
    assert refused[0].startswith("churn-shadow: raising the sampling 10 % -> 50 % was refused")
    assert result.raises == ()
    assert result.ended == "timeout"


def test_a_refused_first_ramp_step_is_reported_once_and_not_retried() -> None:
    """The update setting the ramp's first step (the sampling was off the ramp) is refused:
    one message, no second update at the next looks."""
    script = Refusing([NO_DATA] * 20, sampling=5)
    result = run_watch(options(ramp=(10, 50, 100), every=timedelta(minutes=15),
                               timeout=timedelta(hours=1)), script.io())
    assert [c for c in script.calls if c.startswith("sampling")] == ["sampling 10"]
    assert len([m for m in result.messages if "refused" in m]) == 1
    assert len(result.looks) == 5
    assert result.ended == "timeout"


class TestSignalsAroundActions:
    """A signal ends the watch between actions, and its result says what was done."""

    @staticmethod
    def kill() -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    def test_a_signal_after_the_stop_still_reports_the_action(self) -> None:
        """SIGTERM while on_look shows the look that concluded: the experiment was stopped,
        so the result is 'acted', 'concluded' (not 'interrupted' as if nothing was done)."""
        script = Script([FAIL])
        io = attrs.evolve(script.io(), on_look=lambda look: self.kill())
        result = run_watch(options(), io)
        assert script.calls[-1] == "stop conclude"
        assert (result.action, result.ended) == ("concluded", "acted")
        assert result.experiment is not None

    def test_the_actions_message_is_sent_whole_before_a_signal_ends_it(self) -> None:
        sent: list[str] = []

        def publish(message: str) -> None:
            if message.startswith("churn-shadow: stopped"):
                self.kill()  # lands while the action's report is being sent
            sent.append(message)

        script = Script([FAIL])
        result = run_watch(options(), attrs.evolve(script.io(), publish=publish))
        assert (result.action, result.ended) == ("concluded", "acted")
        assert sent[-1].startswith("churn-shadow: stopped (Completed)")

    def test_a_signal_during_a_verdict_message_ends_it_before_any_action(self) -> None:
        """SIGTERM while the FAIL's verdict message is being sent: not swallowed as a failed
        notification; the watch ends there, and starts no stop after it."""
        def publish(message: str) -> None:
            self.kill()

        script = Script([FAIL])
        result = run_watch(options(), attrs.evolve(script.io(), publish=publish))
        assert (result.action, result.ended) == (None, "interrupted")
        assert not [c for c in script.calls if c.startswith("stop")]


def test_a_look_while_updating_does_not_say_it_acts() -> None:
    """A FAIL seen while the experiment is Updating: nothing can be sent, so the look's
    decision is to look again (the line shows the next look, not "concluding"); the next
    look, Running, concludes."""
    from shadowtest.watch import Look, line_of_look

    def running(script: Script) -> None:
        script.status = "Running"

    seen: list[Look] = []
    script = Script([FAIL, FAIL], status="Updating", on_sleep=running)
    result = run_watch(options(), attrs.evolve(script.io(), on_look=seen.append))
    assert [look.decision.step for look in seen] == ["look", "conclude"]
    assert "Updating" in seen[0].decision.why
    assert "concluding" not in line_of_look(seen[0])
    assert seen[0].next_look == T0 + timedelta(minutes=15)
    assert result.action == "concluded"
    assert script.calls.count("stop conclude") == 1

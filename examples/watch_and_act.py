"""Watch running shadow tests and act on them — offline.

Two retrained churn models run as shadows of production (35 ms a request, 1,000 requests
a minute). The in-memory FakeSageMaker plays SageMaker, CloudWatch and SNS: both variants'
traffic flows minute by minute as its clock moves, and ``watch`` sleeps on that clock, so
days of watching take a moment. For each shadow, ``client.watch``:

1. looks every 15 minutes (each look judges the whole window so far, fetching only the
   minutes that are new since the last look);
2. concludes the first shadow, 30 % slower, at the first look whose verdict is FAIL —
   production kept, shadow removed, nothing sent after the stop;
3. ramps the second, as fast as production, from 10 % to 50 % to 100 % of the traffic as
   its critical gates pass at each step, and promotes it on a PASS once it has run two
   hours;
4. publishes one plain-text message per action and verdict change to an SNS topic.

    python examples/watch_and_act.py

Against a real experiment, the same call on ``ExperimentClient()`` does the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs

from shadowtest import InferenceExperimentSchedule, ShadowModeConfig, WatchResult
from shadowtest.testing import FakeSageMaker, sample_config

START = datetime(2026, 12, 1, 6, tzinfo=timezone.utc)


def shadow_test(name: str, shadow_latency_ms: float, sampling: int) -> FakeSageMaker:
    """A fake with experiment ``name`` Running for a week, its traffic flowing."""
    fake = FakeSageMaker(now=START)
    fake.seed(attrs.evolve(
        sample_config(name=name),
        schedule=InferenceExperimentSchedule(start_time=START,
                                             end_time=START + timedelta(days=7)),
        shadow_mode_config=ShadowModeConfig(source_model_variant_name="production",
                                            shadow_model_variant_name="shadow",
                                            sampling_percentage=sampling)))
    fake.serve_traffic(name, "production", invocations_per_minute=1000, latency_ms=35.0,
                       seed=1)
    fake.serve_traffic(name, "shadow", invocations_per_minute=1000,
                       latency_ms=shadow_latency_ms, seed=2)
    return fake


def report(fake: FakeSageMaker, result: WatchResult) -> None:
    took = result.looks[-1][0] - START
    print(f"{result.name}: {result.action} after {len(result.looks)} looks "
          f"({took}), last verdict {result.judgement.verdict.value if result.judgement else None}")
    for when, old, new in result.raises:
        print(f"  sampling {old} % -> {new} % at +{when - START}")
    print(f"  experiment {fake.describe(result.name)['Status']} (once the stop settles); "
          f"requests after the stop: {after_stop(fake)}")
    for notification in fake.notifications:
        print(f"  sns: {notification['Message'].splitlines()[0]}")


def after_stop(fake: FakeSageMaker) -> int:
    operations = [operation for operation, _ in fake.calls]
    return len(operations) - 1 - operations.index("StopInferenceExperiment")


def main() -> None:
    print("shadowtest: watch running shadow tests and act on them (offline)")

    slow = shadow_test("churn-shadow-v3", 35.0 * 1.3, sampling=100)
    topic = slow.sns.create_topic(Name="ml-alerts")["TopicArn"]
    result = slow.experiment_client().watch("churn-shadow-v3", every=timedelta(minutes=15),
                                            notify=topic)
    slow.advance(timedelta(minutes=1))
    report(slow, result)

    good = shadow_test("churn-shadow-v4", 35.0, sampling=10)
    topic = good.sns.create_topic(Name="ml-alerts")["TopicArn"]
    result = good.experiment_client().watch(
        "churn-shadow-v4", every=timedelta(minutes=15), min_duration=timedelta(hours=2),
        on_pass="promote", ramp=(10, 50, 100), notify=topic, timeout=timedelta(days=7))
    good.advance(timedelta(minutes=1))
    report(good, result)
    print(f"  production variant now: {good.production_variant('churn')}")


if __name__ == "__main__":
    main()

"""What watching costs: the requests a watch sends (counted with a botocore event hook on
each client) and the time of a look as the experiment ages — an incremental look (what is
new since the last one, plus the overlap) beside a restarted watch's first look (the
whole window) and a plain ``evaluate()`` (the whole window too), at day 1 and at day 7.

Everything runs on a FakeSageMaker whose traffic flows as its clock moves (100 requests a
minute on each variant, the shadow as fast as production, so the watch keeps looking),
so botocore still validates, serialises and parses every request; only the round trip is
gone. The bound (issue #19): one describe and the GetMetricData requests per look,
nothing else; each incremental look fetches about the same number of points whatever the
experiment's age.

    python benchmarks/watch.py            # a 7-day watched run with hourly looks; day 1 vs 7
    python benchmarks/watch.py --quick    # a 1-day run; day 1 vs 2 (CI: never rots)

Exit status 1 with ``--strict`` if a look sends more than the bound, or an incremental
look fetches more points at the late day than at the early one.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import platform
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs
import botocore

from shadowtest import InferenceExperimentSchedule, ShadowModeConfig
from shadowtest.testing import FakeSageMaker, sample_config

if TYPE_CHECKING:
    from shadowtest.watch import Look

T0 = datetime(2026, 12, 1, 6, tzinfo=timezone.utc)
NAME = "churn-shadow"


class Counted:
    """Requests by operation, and the data points GetMetricData returned, counted with
    botocore's ``before-call``/``after-call`` events on the fake's clients."""

    def __init__(self, fake: FakeSageMaker) -> None:
        self.requests: Counter[str] = Counter()
        self.points = 0
        self.fetch_seconds = 0.0
        self._started = 0.0
        for client in (fake.client, fake.cloudwatch):
            events = client.meta.events
            events.register("before-call.*.*", self._before)
            events.register("after-call.*.*", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        self.requests[model.name] += 1
        self._started = time.perf_counter()

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name == "GetMetricData":
            self.fetch_seconds += time.perf_counter() - self._started
            self.points += sum(len(r.get("Values", ())) for r in parsed["MetricDataResults"])

    def snapshot(self) -> tuple[Counter[str], int, float]:
        return Counter(self.requests), self.points, self.fetch_seconds


def running(days: int) -> FakeSageMaker:
    fake = FakeSageMaker(now=T0)
    fake.seed(attrs.evolve(
        sample_config(name=NAME),
        schedule=InferenceExperimentSchedule(start_time=T0, end_time=T0 + timedelta(days=days)),
        shadow_mode_config=ShadowModeConfig(source_model_variant_name="production",
                                            shadow_model_variant_name="shadow",
                                            sampling_percentage=100)))
    fake.serve_traffic(NAME, "production", latency_ms=35.0, seed=1)
    fake.serve_traffic(NAME, "shadow", latency_ms=35.0, seed=2)
    return fake


def whole_run(days: int) -> dict[str, Any]:
    """A watched run of ``days`` with hourly looks (min_duration = the whole run, so it looks
    until the schedule ends)."""
    fake = running(days)
    counted = Counted(fake)
    client = fake.experiment_client()
    started, cpu = time.perf_counter(), time.process_time()
    result = client.watch(NAME, every=timedelta(hours=1), min_duration=timedelta(days=days))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "looks": len(result.looks),
            "requests": counted.requests, "ended": result.ended}


def looks_at(day: int, days: int, rounds: int) -> dict[str, float]:
    """At ``day``: a restarted watch's first look (whole window), then ``rounds``
    incremental looks an hour apart (their median), and ``evaluate()`` (whole window; the
    median of ``rounds``) beside them."""
    fake = running(days)
    fake.advance(timedelta(days=day))
    counted = Counted(fake)
    client = fake.experiment_client()
    marks: list[tuple[float, Counter[str], int, float]] = []
    gc.collect()
    started = time.perf_counter()
    marks.append((started, *counted.snapshot()))

    def on_look(look: Look) -> None:
        marks.append((time.perf_counter(), *counted.snapshot()))

    client.watch(NAME, every=timedelta(hours=1), min_duration=timedelta(days=days),
                 timeout=timedelta(hours=rounds), on_look=on_look)
    steps = [(b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3])
             for a, b in itertools.pairwise(marks)]
    first, later = steps[0], steps[1:]
    evaluations = []
    for _ in range(rounds):
        before = counted.snapshot()
        evaluated = time.perf_counter()
        client.evaluate(NAME)
        evaluations.append((time.perf_counter() - evaluated, counted.snapshot()[1] - before[1]))
    return {
        "first_look": first[0], "first_points": first[2], "first_fetch": first[3],
        "next_look": statistics.median(s[0] for s in later),
        "next_points": statistics.median(s[2] for s in later),
        "next_fetch": statistics.median(s[3] for s in later),
        "next_requests": statistics.median(sum(s[1].values()) for s in later),
        "next_describes": statistics.median(s[1]["DescribeInferenceExperiment"] for s in later),
        "evaluate": statistics.median(e[0] for e in evaluations),
        "evaluate_points": evaluations[0][1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 1-day run; day 1 vs day 2")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a bound is broken")
    args = parser.parse_args()
    days, early, late = (2, 1, 2) if args.quick else (7, 1, 7)
    run_days = 1 if args.quick else 7
    print(f"python {platform.python_version()}, botocore {botocore.__version__}, "
          f"{platform.machine()}")

    run = whole_run(run_days)
    requests = run["requests"]
    print(f"\n{run_days}-day watched run, hourly looks, on FakeSageMaker: "
          f"{run['seconds']:.1f} s ({run['cpu']:.1f} s of CPU) for {run['looks']} looks "
          f"(ended {run['ended']})")
    print("requests: " + ", ".join(f"{op} {n}" for op, n in sorted(requests.items())))
    over = {op: n for op, n in requests.items()
            if op not in ("DescribeInferenceExperiment", "GetMetricData")}
    bound_ok = (requests["DescribeInferenceExperiment"] == run["looks"]
                and requests["GetMetricData"] == run["looks"] and not over)
    print(f"bound (one describe and one GetMetricData per look, nothing else): "
          f"{'kept' if bound_ok else 'BROKEN'}")

    rounds = 3 if args.quick else 7
    rows = {day: looks_at(day, days + 1, rounds) for day in (early, late)}
    print(f"\none look, at day {early} and day {late} (ms, median of {rounds}; points "
          "fetched):")
    print(f"{'':34}{'day ' + str(early):>18}{'day ' + str(late):>18}{'ratio':>8}")
    for label, key, points in (
            ("incremental look (watch)", "next_look", "next_points"),
            ("  of which GetMetricData", "next_fetch", "next_points"),
            ("restarted watch's first look", "first_look", "first_points"),
            ("  of which GetMetricData", "first_fetch", "first_points"),
            ("evaluate() (whole window)", "evaluate", "evaluate_points")):
        a, b = rows[early], rows[late]
        print(f"{label:34}{a[key] * 1000:>9.0f} ({a[points]:>6.0f}){b[key] * 1000:>9.0f} "
              f"({b[points]:>6.0f}){b[key] / a[key]:>7.1f}x")
    late_row, early_row = rows[late], rows[early]
    print(f"requests of an incremental look: {late_row['next_requests']:.0f} "
          f"({late_row['next_describes']:.0f} describe)")
    flat = late_row["next_points"] <= early_row["next_points"] * 1.05
    print(f"an incremental look's points do not grow with age: {'kept' if flat else 'BROKEN'}")
    print("(a look also judges the whole window: that part grows with the window's periods)")
    if args.strict and not (bound_ok and flat and late_row["next_describes"] == 1):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reliability: the faults a pipeline meets, injected on the wire, and what survives them.

Each scenario runs one ExperimentClient call against a fresh FakeSageMaker whose
faults are answered at botocore's HTTP layer (a ``before-send`` hook), so botocore's
own retry logic (standard mode, 3 attempts) sees them as it sees real ones; botocore's
pauses and wait()'s run on the fake clock, so nothing takes real time. For each
scenario it prints the faults injected, whether the call ended as a pipeline needs
(the result, or for a refusal the clear shadowtest error), how many requests were
resent (HTTP attempts beyond one per call), and whether the experiment was left
half-applied (its state differs from what the call's outcome says).

Then it times FakeSageMaker paging through n experiments for two sizes, to show the
cost grows linearly (it was quadratic: every page re-described every experiment).

    python benchmarks/reliability.py           # every scenario, lists of 1,000 and 10,000
    python benchmarks/reliability.py --quick   # the same scenarios, lists of 200 and 2,000
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import attrs

from shadowtest import ExperimentConflictError, UpdateNotAllowedError
from shadowtest.testing import FakeSageMaker, sample_config

if TYPE_CHECKING:
    from collections.abc import Callable

    from shadowtest import ExperimentClient, StatusName

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
NAME = "churn-shadow"
D, C, U = "DescribeInferenceExperiment", "CreateInferenceExperiment", \
    "UpdateInferenceExperiment"
CONFIG = sample_config()
WIDER = attrs.evolve(CONFIG.model_variants[1], instance_count=3)


class Scenario:
    """A seeded experiment, faults to inject, the call, and the state it must leave."""

    def __init__(self, label: str, faults: int, inject: Callable[[FakeSageMaker], None],
                 call: Callable[[ExperimentClient], object],
                 check: Callable[[FakeSageMaker], bool], *,
                 seed: StatusName | None = "Creating",
                 expect: type[Exception] | None = None, still: bool = False) -> None:
        self.label, self.faults, self.inject, self.call, self.check = (
            label, faults, inject, call, check)
        self.seed, self.expect, self.still = seed, expect, still


def _status(*statuses: str) -> Callable[[FakeSageMaker], bool]:
    return lambda fake: fake.describe(NAME)["Status"] in statuses


def _running(fake: FakeSageMaker) -> bool:
    return bool(fake.describe(NAME)["Status"] == "Running")


def _created_once(fake: FakeSageMaker) -> bool:
    return list(fake.experiments) == [NAME] and [op for op, _ in fake.calls].count(C) == 1


def _throttles(n: int) -> Callable[[FakeSageMaker], None]:
    def inject(fake: FakeSageMaker) -> None:
        fake.fail_next(D, "ThrottlingException", times=n)

    return inject


def _wait(client: ExperimentClient) -> object:
    return client.wait(NAME, "Running", timeout=900)


def scenarios() -> list[Scenario]:
    out = [Scenario(f"wait: {n} throttles", n, _throttles(n), _wait, _running)
           for n in (2, 5, 10)]
    out += [
        Scenario("wait: 5 x HTTP 500", 5,
                 lambda f: f.fail_next(D, "InternalFailure", http_status=500, times=5),
                 _wait, _running),
        Scenario("wait: 5 x HTTP 503", 5,
                 lambda f: f.fail_next(D, "ServiceUnavailable", http_status=503, times=5),
                 _wait, _running),
        Scenario("wait: 5 connection errors", 5, lambda f: f.disconnect_next(D, times=5),
                 _wait, _running),
        Scenario("wait: 5 read timeouts", 5, lambda f: f.time_out_next(D, times=5),
                 _wait, _running),
        Scenario("wait: 3 unparseable bodies", 3,
                 lambda f: f.respond_next(D, "<html>502 Bad Gateway</html>", times=3),
                 _wait, _running),
        Scenario("wait: 3 empty {} bodies", 3, lambda f: f.respond_next(D, "{}", times=3),
                 _wait, _running),
        Scenario("wait: 3 truncated bodies", 3,
                 lambda f: f.respond_next(D, '{"Arn": "arn:aws:sagem', times=3),
                 _wait, _running),
        Scenario("wait: 3 slow answers (20 s)", 3, lambda f: f.delay_next(D, 20, times=3),
                 _wait, _running),
        Scenario("create: 2 throttles", 2,
                 lambda f: f.fail_next(C, "ThrottlingException", times=2),
                 lambda c: c.create(CONFIG), _created_once, seed=None),
        Scenario("create: connection error", 1, lambda f: f.disconnect_next(C),
                 lambda c: c.create(CONFIG), _created_once, seed=None),
        Scenario("create: answer lost after applying", 1, lambda f: f.time_out_next(C),
                 lambda c: c.create(CONFIG), _created_once, seed=None),
        Scenario("create: answer lost twice", 2, lambda f: f.time_out_next(C, times=2),
                 lambda c: c.create(CONFIG), _created_once, seed=None),
        Scenario("update: answer lost after applying", 1, lambda f: f.time_out_next(U),
                 lambda c: c.update(NAME, description="new"),
                 lambda f: f.describe(NAME)["Description"] == "new", seed="Created",
                 still=True),
        Scenario("update: HTTP 500 then applied", 1,
                 lambda f: f.fail_next(U, "InternalFailure", http_status=500),
                 lambda c: c.update(NAME, description="new"),
                 lambda f: f.describe(NAME)["Description"] == "new", seed="Created"),
        Scenario("update: status changed meanwhile", 1, lambda f: f.delay_next(U, 2 * 86400),
                 lambda c: c.update(NAME, model_variants=[WIDER]),
                 lambda f: f.describe(NAME)["ModelVariants"][1]["InfrastructureConfig"][
                     "RealTimeInferenceConfig"]["InstanceCount"] == 1,
                 seed="Created", expect=UpdateNotAllowedError),
        Scenario("update: experiment ended meanwhile", 1, lambda f: f.delay_next(U, 8 * 86400),
                 lambda c: c.update(NAME, description="late"),
                 lambda f: "Description" not in f.describe(NAME), seed="Running",
                 expect=ExperimentConflictError),
        Scenario("start: answer lost after applying", 1,
                 lambda f: f.time_out_next("StartInferenceExperiment"),
                 lambda c: c.start(NAME), _status("Starting", "Running"), seed="Created",
                 still=True),
        Scenario("stop: answer lost after applying", 1,
                 lambda f: f.time_out_next("StopInferenceExperiment"),
                 lambda c: c.conclude(NAME), _status("Stopping", "Completed"), seed="Running",
                 still=True),
        Scenario("delete: answer lost after applying", 1,
                 lambda f: f.time_out_next("DeleteInferenceExperiment"),
                 lambda c: c.delete(NAME), lambda f: not f.experiments, seed="Completed",
                 still=True),
    ]
    return out


def run(scenario: Scenario) -> tuple[bool, int, bool]:
    """(ended as needed, requests resent, half-applied)."""
    from unittest import mock

    fake = FakeSageMaker(now=T0)
    # botocore pauses with time.sleep between its retries: on the fake clock (or, for
    # `still`, not at all, so a resent request meets the state the first one left)
    pause = (lambda seconds: None) if scenario.still else fake.sleep
    with mock.patch("time.sleep", pause):
        if scenario.seed is not None:
            fake.seed(CONFIG, status=scenario.seed)
        scenario.inject(fake)
        client = fake.experiment_client()
        try:
            scenario.call(client)
            ok = scenario.expect is None
        except Exception as error:
            ok = scenario.expect is not None and isinstance(error, scenario.expect)
    resent = len(fake.attempts) - len(fake.calls)
    return ok, resent, not scenario.check(fake)


def list_seconds(n: int) -> float:
    fake = FakeSageMaker(now=T0)
    for i in range(n):
        fake.seed(sample_config(name=f"exp-{i:05d}"))
    client = fake.experiment_client()
    start = time.perf_counter()
    count = sum(1 for _ in client.list(max_results=100))
    elapsed = time.perf_counter() - start
    assert count == n
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller lists (CI)")
    args = parser.parse_args()
    rows = [(s, *run(s)) for s in scenarios()]
    print("faults injected on the wire (botocore standard retries, 3 attempts), "
          "one ExperimentClient call each")
    print(f"  {'scenario':37} {'faults':>6}  {'ended as needed':30} {'resent':>6} "
          f"{'half-applied':>12}")
    for s, ok, resent, half in rows:
        outcome = ("yes" if ok else "NO") + (f": {s.expect.__name__}" if s.expect and ok
                                             else "")
        print(f"  {s.label:37} {s.faults:>6}  {outcome:30} {resent:>6} "
              f"{'YES' if half else 'no':>12}")
    faults = sum(s.faults for s, *_ in rows)
    survived = sum(1 for _, ok, _, _ in rows if ok)
    resent_total = sum(resent for _, _, resent, _ in rows)
    half_total = sum(1 for *_, half in rows if half)
    print(f"  total: {faults} faults in {len(rows)} scenarios; {survived} ended as needed; "
          f"{resent_total} requests resent; {half_total} half-applied")
    small, large = (200, 2_000) if args.quick else (1_000, 10_000)
    a, b = list_seconds(small), list_seconds(large)
    print(f"FakeSageMaker list, pages of 100: {small:,} experiments {a * 1e3:.0f} ms, "
          f"{large:,} experiments {b * 1e3:.0f} ms: {b / a:.1f}x the time for "
          f"{large // small}x the experiments")
    if survived != len(rows) or half_total:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

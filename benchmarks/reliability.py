"""Reliability: the faults a pipeline meets, injected on the wire, and what survives them.

Each scenario runs one ExperimentClient call against a fresh FakeSageMaker whose
faults are answered at botocore's HTTP layer (a ``before-send`` hook), so botocore's
own retry logic (standard mode, 3 attempts) sees them as it sees real ones; botocore's
pauses and wait()'s run on the fake clock, so nothing takes real time. For each
scenario it prints the faults injected, whether the call ended as a pipeline needs
(the result, or for a refusal the clear shadowtest error), how many requests were
resent (HTTP attempts beyond one per call), and whether the experiment was left
half-applied (its state differs from what the call's outcome says).

The probe's scenarios come after the faults: listings whose service repeats or cycles
its NextToken (each must end in a MalformedResponseError, not page for ever), garbled
answers of every service (never read as "no data"), and apply runs that fail half-way
(an ApplyIncompleteError saying what was done, then a re-run that finishes) or lose an
answer.

Then it times FakeSageMaker paging through n experiments for two sizes, to show the
cost grows linearly (it was quadratic: every page re-described every experiment).

    python benchmarks/reliability.py           # every scenario, lists of 1,000 and 10,000
    python benchmarks/reliability.py --quick   # the same scenarios, lists of 200 and 2,000
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import attrs

from shadowtest import (
    ApplyIncompleteError,
    DataStorageConfig,
    ExperimentConflictError,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    MalformedResponseError,
    ServiceError,
    UpdateNotAllowedError,
)
from shadowtest.testing import FakeSageMaker, describe_response, sample_config

if TYPE_CHECKING:
    from collections.abc import Callable

    from shadowtest import ExperimentClient, StatusName

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
NAME = "churn-shadow"
D, C, U = "DescribeInferenceExperiment", "CreateInferenceExperiment", \
    "UpdateInferenceExperiment"
CONFIG = sample_config(tags={"team": "ml"}, data_storage_config=DataStorageConfig(
    destination="s3://captures/churn"))
WIDER = attrs.evolve(CONFIG.model_variants[1], instance_count=3)
LT, GMD, LOV2 = "ListTags", "GetMetricData", "ListObjectsV2"


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
    return out + probe_scenarios()


def _pages(operation: str, page: Callable[[str], str],
           tokens: str) -> Callable[[FakeSageMaker], None]:
    """Queue 30 answers of ``operation`` whose tokens run through ``tokens`` again and
    again (one letter: the same token every time)."""
    def inject(fake: FakeSageMaker) -> None:
        for i in range(30):
            fake.respond_next(operation, page(tokens[i % len(tokens)]))

    return inject


def _list_page(token: str) -> str:
    return json.dumps({"InferenceExperiments": [], "NextToken": token})


def _tags_page(token: str) -> str:
    return json.dumps({"Tags": [], "NextToken": token})


def _metrics_page(token: str) -> str:
    return json.dumps({"MetricDataResults": [], "NextToken": token})


def _s3_page(token: str | None = None, contents: str = "") -> str:
    more = f"<NextContinuationToken>{token}</NextContinuationToken>" if token else ""
    return ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>captures</Name>'
            f"<Prefix>p</Prefix><KeyCount>{contents.count('<Key>')}</KeyCount>"
            f"<MaxKeys>1000</MaxKeys><IsTruncated>{'true' if token else 'false'}"
            f"</IsTruncated>{contents}{more}</ListBucketResult>")


def _describe_with(**changes: object) -> str:
    data = {**describe_response(CONFIG, "Running", now=T0), **changes}
    return json.dumps(data, default=lambda value: value.timestamp())


def _list(c: ExperimentClient) -> object:
    return list(c.list())


def _plan(c: ExperimentClient) -> object:
    return c.plan(CONFIG)


def _evaluate(c: ExperimentClient) -> object:
    return c.evaluate(NAME)


def _compare(c: ExperimentClient) -> object:
    return c.compare_predictions(NAME)


def _then_rerun(config: Callable[[ExperimentClient], InferenceExperimentConfig],
                **kwargs: object) -> Callable[[ExperimentClient], object]:
    """apply, which must fail half-way with ApplyIncompleteError, then apply again, which
    must finish the job."""
    def call(c: ExperimentClient) -> object:
        wanted = config(c)
        try:
            c.apply(wanted, **kwargs)  # type: ignore[arg-type]
        except ApplyIncompleteError:
            return c.apply(wanted, wait=True, **kwargs)  # type: ignore[arg-type]
        raise AssertionError("apply did not say it stopped half-way")

    return call


def _described_again(c: ExperimentClient) -> InferenceExperimentConfig:
    """CONFIG with a new description and the seeded schedule (so only that changes)."""
    live = c.describe(NAME).schedule
    return attrs.evolve(CONFIG, description="new", schedule=InferenceExperimentSchedule(
        start_time=live.start_time if live else None, end_time=live.end_time if live else None))


MOVED = attrs.evolve(CONFIG, endpoint_name="churn-2")


def probe_scenarios() -> list[Scenario]:
    """Pagination loops, malformed answers of every service, half-applied apply."""
    loops = [(label, op, page, call)
             for label, op, page, call in (
                 ("list", "ListInferenceExperiments", _list_page, _list),
                 ("plan's ListTags", LT, _tags_page, _plan),
                 ("evaluate's GetMetricData", GMD, _metrics_page, _evaluate),
                 ("compare_predictions' S3 listing", LOV2, _s3_page, _compare))]
    out = [Scenario(f"{label}: {how} token", 1, _pages(op, page, tokens), call,
                    lambda f: True, seed="Running", expect=MalformedResponseError)
           for label, op, page, call in loops
           for how, tokens in (("repeated", "a"), ("cycling", "abc"))]
    garbled: list[tuple[str, str, str | bytes, int, Callable[[ExperimentClient], object]]] = [
        ("describe: timestamp 1e20", D, _describe_with(CreationTime=1e20), 1,
         lambda c: c.describe(NAME)),
        ("plan: VariantName a number", D, _describe_with(ModelVariants=[
            {**v, "VariantName": 5} for v in describe_response(CONFIG)["ModelVariants"]]), 1,
         _plan),
        ("plan: ListTags body not UTF-8", LT, b"\xff\xfe{", 1, _plan),
        ("plan: a tag without a key", LT, json.dumps({"Tags": [{"Value": "x"}]}), 1, _plan),
        ("evaluate: CloudWatch HTML page", GMD, "<html><body>502 Bad Gateway</body></html>",
         1, _evaluate),
        ("evaluate: CloudWatch truncated JSON", GMD, '{"MetricDataResults": [{"Id": "q', 1,
         _evaluate),
        ("evaluate: CloudWatch error body", GMD,
         json.dumps({"__type": "InternalFailure", "message": "x"}), 1, _evaluate),
        ("evaluate: CloudWatch result without Id", GMD,
         json.dumps({"MetricDataResults": [{"Label": "x"}]}), 1, _evaluate),
        ("compare: S3 HTML page", LOV2, "<html><body>Service Unavailable</body></html>", 1,
         _compare),
        # botocore turns a 200 it cannot read into a 500 and retries it twice
        ("compare: S3 truncated XML (x3)", LOV2, _s3_page()[:90], 3, _compare),
        ("compare: S3 entry without a key", LOV2,
         _s3_page(contents="<Contents><Size>1</Size></Contents>"), 1, _compare),
    ]
    out += [Scenario(label, times, _answer(op, body, times), call, lambda f: True,
                     seed="Running", expect=MalformedResponseError)
            for label, op, body, times, call in garbled]
    out += [
        Scenario("compare: S3 error body in a 200 (x3)", 3,
                 _answer(LOV2, "<Error><Code>InternalError</Code><Message>x</Message></Error>",
                         3), _compare, lambda f: True, seed="Running", expect=ServiceError),
        Scenario("apply Running: updated, start refused; re-run", 1,
                 lambda f: f.fail_next("StartInferenceExperiment", "ValidationException"),
                 _then_rerun(_described_again, desired_state="Running"),
                 lambda f: (f.describe(NAME)["Status"], f.describe(NAME).get("Description"))
                 == ("Running", "new"), seed="Created"),
        Scenario("apply replace: deleted, create refused; re-run", 1,
                 lambda f: f.fail_next(C, "ResourceLimitExceeded"),
                 _then_rerun(lambda c: MOVED, replace=True),
                 lambda f: f.describe(NAME)["EndpointMetadata"]["EndpointName"] == "churn-2",
                 seed="Running"),
        Scenario("apply: create answer lost after applying", 1, lambda f: f.time_out_next(C),
                 lambda c: c.apply(CONFIG), _created_once, seed=None, still=True),
        Scenario("apply: update answer lost after applying", 1, lambda f: f.time_out_next(U),
                 lambda c: c.apply(_described_again(c)),
                 lambda f: f.describe(NAME).get("Description") == "new", seed="Created",
                 still=True),
    ]
    return out


def _answer(operation: str, body: str | bytes, times: int) -> Callable[[FakeSageMaker], None]:
    def inject(fake: FakeSageMaker) -> None:
        fake.respond_next(operation, body, times=times)

    return inject


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
    print(f"  {'scenario':48} {'faults':>6}  {'ended as needed':30} {'resent':>6} "
          f"{'half-applied':>12}")
    for s, ok, resent, half in rows:
        outcome = ("yes" if ok else "NO") + (f": {s.expect.__name__}" if s.expect and ok
                                             else "")
        print(f"  {s.label:48} {s.faults:>6}  {outcome:30} {resent:>6} "
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

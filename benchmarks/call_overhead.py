"""Per-call cost of ExperimentClient against raw boto3, on the same stubbed client.

One boto3 SageMaker client, answered by botocore's ``Stubber`` (no network), is
driven two ways in the same process: raw boto3 calls with ready-made request
dicts, and the same operations through ``shadowtest.ExperimentClient``. Batches
of the two alternate (raw, shadowtest, raw, ...) so machine noise falls on both
alike; the stubbed responses are queued before each batch's timer starts. Each
side does what a user needs from the call:

  create     raw: create_inference_experiment(**request)
             shadowtest: client.create(config)  (instance types, schedule vs now)
  describe   raw: describe_inference_experiment, then read Status and the sampling %
             shadowtest: client.describe(name) -> InferenceExperiment, the same two reads
  list 100   raw: the list_inference_experiments paginator over one page of 100,
             reading each Name and Status; shadowtest: client.list(), the same reads
  update     raw: describe + update_inference_experiment (a careful user looks first)
             shadowtest: client.update(name, shadow_mode_config=...) (describe, rules,
             update)

The bars (issue #10): where users feel it — botocore parsing the service's JSON, part B
— a shadowtest call costs at most 1.05x the raw call; on a stubbed client, where
botocore parses nothing and shadowtest's own work is all that differs (part A), at most
1.15x. The ratio printed is the median over rounds of each round's shadowtest/raw
ratio. Also
printed: building, validating and serialising a full InferenceExperimentConfig.

    python benchmarks/call_overhead.py            # 41 rounds of 100 calls per side
    python benchmarks/call_overhead.py --quick    # 3 rounds of 20 (CI: never rots)
    python benchmarks/call_overhead.py --strict   # exit 1 if any ratio misses the bar
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import boto3
import botocore
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

import shadowtest
from shadowtest import (
    DataStorageConfig,
    ExperimentClient,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest.testing import describe_response

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_sagemaker import SageMakerClient

BAR = 1.05  # part B: botocore parses the service's JSON, as in a real call
STUBBED_BAR = 1.15  # part A: a stubbed client, shadowtest's own work only
UTC = timezone.utc
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NAME = "churn-shadow"
ARN = f"arn:aws:sagemaker:us-east-1:123456789012:inference-experiment/{NAME}"


def build_config() -> InferenceExperimentConfig:
    """A full config: two variants, schedule, data capture, KMS key, description, tags."""
    return InferenceExperimentConfig(
        name=NAME,
        endpoint_name="churn",
        role_arn="arn:aws:iam::123456789012:role/SageMakerShadowTestRole",
        description="churn v2 against v1 on live traffic",
        schedule=InferenceExperimentSchedule(start_time=NOW + timedelta(hours=1),
                                             end_time=NOW + timedelta(days=7)),
        model_variants=[
            ModelVariantConfig(model_name="churn-v1", variant_name="production",
                               instance_type="ml.m5.xlarge", instance_count=2),
            ModelVariantConfig(model_name="churn-v2", variant_name="shadow",
                               instance_type="ml.m5.xlarge", instance_count=2),
        ],
        shadow_mode_config=ShadowModeConfig(source_model_variant_name="production",
                                            shadow_model_variant_name="shadow",
                                            sampling_percentage=50),
        data_storage_config=DataStorageConfig(destination="s3://ml-captures/churn-shadow",
                                              json_content_types=["application/json"]),
        kms_key="alias/shadow-tests",
        tags={"team": "churn", "stage": "shadow"},
    )


class Case:
    """One operation: how to queue its stubbed responses, and the two ways to call it."""

    def __init__(self, label: str, responses: list[tuple[str, dict[str, Any]]],
                 raw: Callable[[], object], ours: Callable[[], object]) -> None:
        self.label = label
        self.responses = responses
        self.raw = raw
        self.ours = ours


def cases(sagemaker: SageMakerClient, client: ExperimentClient,
          config: InferenceExperimentConfig) -> list[Case]:
    request = config.to_boto3()
    running: dict[str, Any] = dict(describe_response(config, "Running", now=NOW))
    created: dict[str, Any] = dict(describe_response(config, "Created", now=NOW))
    summaries = [{"Name": f"exp-{i:03d}", "Type": "ShadowMode",
                  "Status": "Running", "CreationTime": NOW, "LastModifiedTime": NOW}
                 for i in range(100)]
    sampling = ShadowModeConfig(source_model_variant_name="production",
                                shadow_model_variant_name="shadow", sampling_percentage=80)
    raw_sampling: Any = sampling.to_boto3()
    arn = {"InferenceExperimentArn": ARN}

    def raw_create() -> object:
        return sagemaker.create_inference_experiment(**request)

    def raw_describe() -> object:
        response = sagemaker.describe_inference_experiment(Name=NAME)
        return (response["Status"],
                response["ShadowModeConfig"]["ShadowModelVariants"][0]["SamplingPercentage"])

    def ours_describe() -> object:
        experiment = client.describe(NAME)
        shadow_mode = experiment.shadow_mode_config
        assert shadow_mode is not None
        return experiment.status, shadow_mode.sampling_percentage

    def raw_list() -> object:
        paginator = sagemaker.get_paginator("list_inference_experiments")
        return [(item["Name"], item["Status"]) for page in paginator.paginate()
                for item in page["InferenceExperiments"]]

    def ours_list() -> object:
        return [(item.name, item.status) for item in client.list()]

    def raw_update() -> object:
        current = sagemaker.describe_inference_experiment(Name=NAME)
        if current["Status"] not in ("Created", "Running"):
            raise RuntimeError(current["Status"])
        return sagemaker.update_inference_experiment(Name=NAME, ShadowModeConfig=raw_sampling)

    def ours_update() -> object:
        return client.update(NAME, shadow_mode_config=sampling)

    return [
        Case("create", [("create_inference_experiment", arn)], raw_create,
             lambda: client.create(config)),
        Case("describe + parse", [("describe_inference_experiment", running)], raw_describe,
             ours_describe),
        Case("list of 100", [("list_inference_experiments",
                              {"InferenceExperiments": summaries})], raw_list, ours_list),
        Case("update (with describe)", [("describe_inference_experiment", created),
                                        ("update_inference_experiment", arn)],
             raw_update, ours_update),
    ]


class Responder:
    """How the client gets its answers: queue ``n`` of a case's responses, then check
    they were all consumed."""

    def queue(self, case: Case, n: int) -> None:
        raise NotImplementedError

    def check(self) -> None:
        raise NotImplementedError


class StubberResponder(Responder):
    """botocore's Stubber: the queued dict is returned as it is, nothing is parsed."""

    def __init__(self, stubber: Stubber) -> None:
        self.stubber = stubber

    def queue(self, case: Case, n: int) -> None:
        for _ in range(n):
            for operation, response in case.responses:
                self.stubber.add_response(operation, response)

    def check(self) -> None:
        self.stubber.assert_no_pending_responses()


class _Body:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


class JsonResponder(Responder):
    """Answers at the HTTP layer (``before-send``) with the service's JSON, which botocore
    then parses as it would a real response: closer to a real call, minus the network."""

    def __init__(self, sagemaker: SageMakerClient) -> None:
        self.mapping = sagemaker.meta.method_to_api_mapping
        self.bodies: dict[str, deque[bytes]] = {}
        # a before-send handler returns the response (botocore-stubs types handlers as -> None)
        sagemaker.meta.events.register_first("before-send.sagemaker",
                                             self.answer)  # type: ignore[arg-type]

    def answer(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        body = self.bodies[event_name.rsplit(".", 1)[1]].popleft()
        headers: Any = {"x-amzn-requestid": "bench",
                        "content-type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, 200, headers, _Body(body))

    def queue(self, case: Case, n: int) -> None:
        for operation, response in case.responses:
            body = json.dumps(response, default=_epoch).encode()
            self.bodies.setdefault(self.mapping[operation], deque()).extend([body] * n)

    def check(self) -> None:
        left = {operation: len(bodies) for operation, bodies in self.bodies.items() if bodies}
        assert not left, f"responses not consumed: {left}"


def _epoch(value: object) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(value)


def timed_batch(responder: Responder, case: Case, call: Callable[[], object], n: int) -> float:
    """Microseconds per call for ``n`` calls, the responses queued beforehand."""
    responder.queue(case, n)
    gc.collect()
    start = time.perf_counter()
    for _ in range(n):
        call()
    elapsed = time.perf_counter() - start
    responder.check()
    return elapsed / n * 1e6


def compare(responder: Responder, all_cases: list[Case], rounds: int, calls: int) -> float:
    """Print one row per case; return the worst ratio."""
    print(f"  {'operation':<24}{'raw boto3':>12}{'shadowtest':>13}{'ratio':>8}")
    worst = 0.0
    for case in all_cases:
        for call in (case.raw, case.ours):  # warm-up: caches, paginator models
            timed_batch(responder, case, call, 3)
        raw: list[float] = []
        ours: list[float] = []
        for _ in range(rounds):
            raw.append(timed_batch(responder, case, case.raw, calls))
            ours.append(timed_batch(responder, case, case.ours, calls))
        raw_us, ours_us = statistics.median(raw), statistics.median(ours)
        # each round's two batches ran back to back: the median of their ratios is robust to
        # a burst of load from elsewhere that lands on a few batches
        ratio = statistics.median(o / r for r, o in zip(raw, ours, strict=True))
        worst = max(worst, ratio)
        print(f"  {case.label:<24}{raw_us:>9.1f} us{ours_us:>10.1f} us{ratio:>7.2f}x"
              f"   (+{ours_us - raw_us:.1f} us)")
    return worst


def check_same_requests(sagemaker: SageMakerClient, client: ExperimentClient,
                        config: InferenceExperimentConfig) -> None:
    """Before timing: shadowtest sends exactly the raw side's requests."""
    with Stubber(sagemaker) as stubber:
        stubber.add_response("create_inference_experiment", {"InferenceExperimentArn": ARN},
                             config.to_boto3())
        client.create(config)
        stubber.add_response("describe_inference_experiment",
                             describe_response(config, "Created", now=NOW), {"Name": NAME})
        stubber.add_response("update_inference_experiment", {"InferenceExperimentArn": ARN},
                             {"Name": NAME, "ShadowModeConfig": ShadowModeConfig(
                                 source_model_variant_name="production",
                                 shadow_model_variant_name="shadow",
                                 sampling_percentage=80).to_boto3()})
        client.update(NAME, shadow_mode_config=ShadowModeConfig(
            source_model_variant_name="production", shadow_model_variant_name="shadow",
            sampling_percentage=80))
        stubber.assert_no_pending_responses()


def config_build_us(n: int) -> tuple[float, float]:
    """Microseconds to build + validate + serialise a full config; and to serialise only."""
    build_config()
    start = time.perf_counter()
    for _ in range(n):
        build_config().to_boto3()
    build = (time.perf_counter() - start) / n * 1e6
    config = build_config()
    start = time.perf_counter()
    for _ in range(n):
        config.to_boto3()
    return build, (time.perf_counter() - start) / n * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="3 rounds of 20 calls")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--calls", type=int, default=None, help="calls per batch")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if a ratio is above the bar")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 41)
    calls = args.calls or (20 if args.quick else 100)

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_EC2_METADATA_DISABLED": "true"}.items():
        os.environ.setdefault(key, value)
    sagemaker = boto3.session.Session(region_name="us-east-1").client("sagemaker")
    config = build_config()
    client = ExperimentClient(sagemaker, now=lambda: NOW)
    check_same_requests(sagemaker, client, config)

    print(f"per-call cost, median of {rounds} alternating rounds of {calls} calls per side "
          f"(shadowtest {shadowtest.__version__}, boto3 {boto3.__version__}, botocore "
          f"{botocore.__version__}, Python {platform.python_version()}, {platform.machine()})")
    print(f"A. one Stubber-backed client (botocore parses nothing; bar <= {STUBBED_BAR:.2f}x)")
    with Stubber(sagemaker) as stubber:
        worst_stubbed = compare(StubberResponder(stubber), cases(sagemaker, client, config),
                        rounds, calls)
    print("B. one client answered with the service's JSON at the HTTP layer (botocore parses "
          f"it, as in a real call; no network; bar <= {BAR:.2f}x)")
    parsed = boto3.session.Session(region_name="us-east-1").client("sagemaker")
    responder = JsonResponder(parsed)
    worst = compare(responder, cases(parsed, ExperimentClient(parsed, now=lambda: NOW),
                                     config), rounds, calls)

    build, serialise = config_build_us(calls * 5)
    print(f"  full InferenceExperimentConfig: build + validate + to_boto3 {build:.1f} us "
          f"(to_boto3 alone {serialise:.1f} us)")
    ok = worst <= BAR and worst_stubbed <= STUBBED_BAR
    verdict = ("not judged (--quick: too few calls to tell 10% from noise)" if args.quick
               else "meets the bars" if ok else "MISSES a bar")
    print(f"worst ratio B {worst:.3f}x (bar: <= {BAR:.2f}x), A {worst_stubbed:.3f}x "
          f"(bar: <= {STUBBED_BAR:.2f}x): {verdict}")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())

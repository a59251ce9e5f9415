"""What a preflight costs: the requests it sends (counted with a botocore event hook) and
its time against stubbed clients, reading at once (the pool) versus one read at a time.

The stub answers at botocore's HTTP layer (botocore still serialises, signs and parses
every request) after a fixed delay standing for the round trip. The account: endpoint
"churn" (one production variant), its config, the config's two models, a capture bucket,
and ``--live`` live experiments in the account (each must be described: the list does not
say which endpoint an experiment is on) besides two ended ones. The bound (issue #21):
one request per resource checked, plus the list's pages, plus one describe per live
experiment.

    python benchmarks/preflight.py            # 25 rounds, 20 ms round trip
    python benchmarks/preflight.py --quick    # 5 rounds, 5 ms (CI: never rots)

Each round times both ways in alternation; the ratio is the median of per-round ratios.
Exit status 1 with ``--strict`` if the request count is over the bound or, with the round
trip, reading at once is not faster than one at a time. (With no round trip at all the
pool has nothing to overlap: the 0 ms rows show what the threads cost.)
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import boto3
import botocore
from botocore.awsrequest import AWSResponse, HTTPHeaders

from shadowtest import DataStorageConfig, ExperimentClient
from shadowtest.preflight import run
from shadowtest.testing import sample_config
from shadowtest.testing._clients import offline_client
from shadowtest.testing._wire import Body

if TYPE_CHECKING:
    from collections.abc import Callable

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc).timestamp()
ARN = "arn:aws:sagemaker:us-east-1:123456789012"
CONFIG = sample_config(data_storage_config=DataStorageConfig(
    destination="s3://captures/churn")).with_sampling(100)


def account(live: int) -> dict[tuple[str, str], tuple[int, dict[str, Any] | None]]:
    """Every answer, by operation and the name it is about."""
    summaries = [{"Name": f"exp-{i}", "Type": "ShadowMode", "Status": "Running",
                  "CreationTime": T0, "LastModifiedTime": T0} for i in range(live)]
    summaries += [{"Name": f"old-{i}", "Type": "ShadowMode", "Status": "Completed",
                   "CreationTime": T0, "LastModifiedTime": T0} for i in range(2)]
    answers: dict[tuple[str, str], tuple[int, dict[str, Any] | None]] = {
        ("DescribeEndpoint", "churn"): (200, {
            "EndpointName": "churn", "EndpointArn": f"{ARN}:endpoint/churn",
            "EndpointConfigName": "churn-config", "EndpointStatus": "InService",
            "ProductionVariants": [{"VariantName": "production", "CurrentInstanceCount": 1}],
            "CreationTime": T0, "LastModifiedTime": T0}),
        ("DescribeEndpointConfig", "churn-config"): (200, {
            "EndpointConfigName": "churn-config",
            "EndpointConfigArn": f"{ARN}:endpoint-config/churn-config",
            "ProductionVariants": [{"VariantName": "production", "ModelName": "churn-v1",
                                    "InitialInstanceCount": 1,
                                    "InstanceType": "ml.m5.xlarge"}],
            "CreationTime": T0}),
        ("ListInferenceExperiments", ""): (200, {"InferenceExperiments": summaries}),
        ("HeadBucket", "captures"): (200, None),
    }
    for name in ("churn-v1", "churn-v2"):
        answers["DescribeModel", name] = (200, {
            "ModelName": name, "ModelArn": f"{ARN}:model/{name}", "CreationTime": T0,
            "PrimaryContainer": {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/c:1"}})
    for i in range(live):
        answers["DescribeInferenceExperiment", f"exp-{i}"] = (200, {
            "Arn": f"{ARN}:inference-experiment/exp-{i}", "Name": f"exp-{i}",
            "Type": "ShadowMode", "Status": "Running", "ModelVariants": [],
            "EndpointMetadata": {"EndpointName": f"other-{i}"}})
    return answers


class Stub:
    """Answers both clients at the HTTP layer after ``delay`` seconds; counts API calls
    (``before-parameter-build``, once per call) by operation."""

    def __init__(self, answers: dict[tuple[str, str], tuple[int, dict[str, Any] | None]],
                 delay: float) -> None:
        self.answers, self.delay = answers, delay
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.sagemaker = offline_client("sagemaker")
        self.s3 = offline_client("s3")
        for client in (self.sagemaker, self.s3):
            client.meta.events.register("before-parameter-build", self.count)
            client.meta.events.register_first("before-send", self.answer)

    def count(self, model: Any, **_: Any) -> None:
        with self.lock:
            self.calls[model.name] += 1

    def answer(self, request: Any, **_: Any) -> AWSResponse:
        target = request.headers.get("X-Amz-Target", b"")
        if target:
            operation = (target.decode() if isinstance(target, bytes) else target).rpartition(
                ".")[2]
            body = json.loads(request.body or b"{}")
            key = next((str(body[f]) for f in ("EndpointName", "EndpointConfigName",
                                               "ModelName", "Name") if f in body), "")
        else:
            operation = "HeadBucket"
            key = str(request.url).split("//", 1)[1].split(".", 1)[0]
        time.sleep(self.delay)
        status, data = self.answers[operation, key]
        headers = HTTPHeaders()
        headers["content-type"] = "application/x-amz-json-1.1"
        return AWSResponse(request.url, status, headers,
                           Body(b"" if data is None else json.dumps(data).encode()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds, 5 ms round trip")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 over the request bound or if the pool is not faster")
    parser.add_argument("--live", type=int, default=3, help="live experiments (default 3)")
    args = parser.parse_args(argv)
    rounds, delay = (5, 0.005) if args.quick else (25, 0.020)

    stub = Stub(account(args.live), delay)
    client = ExperimentClient(stub.sagemaker, s3=stub.s3)
    result = client.preflight(CONFIG)  # warms every path; counted
    assert result.findings == (), result
    calls, stub.calls = stub.calls, Counter()
    # endpoint, its config, two models, the bucket; one list page; a describe per live one
    bound = 5 + 1 + args.live

    print(f"Python {platform.python_version()}, boto3 {boto3.__version__}, botocore "
          f"{botocore.__version__}; {rounds} alternating rounds, {args.live} live "
          "experiments")
    print(f"requests: {sum(calls.values())} (bound {bound}): "
          + ", ".join(f"{op} {n}" for op, n in sorted(calls.items())))
    reads = all(op.startswith(("Describe", "List", "Head")) for op in calls)
    print(f"only reads: {reads}")

    def describe_endpoint() -> None:
        stub.sagemaker.describe_endpoint(EndpointName="churn")

    ways: dict[str, Callable[[], object]] = {
        "at once (pool)": lambda: run(CONFIG, sagemaker=stub.sagemaker, s3=lambda: stub.s3),
        "one at a time": lambda: run(CONFIG, sagemaker=stub.sagemaker, s3=lambda: stub.s3,
                                     max_workers=1),
        "one DescribeEndpoint": describe_endpoint,
    }
    faster = True
    for stub.delay in (0.0, delay):
        samples: dict[str, list[float]] = {way: [] for way in ways}
        for _ in range(rounds):
            for way, call in ways.items():
                start = time.perf_counter()
                call()
                samples[way].append(time.perf_counter() - start)
        single = samples["one DescribeEndpoint"]
        print(f"\nround trip {stub.delay * 1e3:.0f} ms{'':6}{'median':>10}"
              f"{'vs one DescribeEndpoint':>26}")
        for way, times in samples.items():
            ratio = statistics.median(t / s for t, s in zip(times, single, strict=True))
            print(f"  {way:26}{statistics.median(times) * 1e3:8.1f} ms{ratio:20.2f}x")
        if stub.delay:  # with no round trip there is nothing to overlap
            faster = statistics.median(samples["at once (pool)"]) < statistics.median(
                samples["one at a time"])
    # reading at once waits for the longest chain of dependent reads: the endpoint, then
    # its config (then a model only the endpoint serves); the list, then the describes
    print(f"(with a {delay * 1e3:.0f} ms round trip the floor is 2 round trips at once, "
          f"{bound} one at a time)")
    ok = reads and sum(calls.values()) <= bound and faster
    if args.quick:
        print("(quick mode: few rounds)")
        return 0
    print("meets the bound and reading at once is faster" if ok else "MISSES")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())

"""The local server: how long ``python -m shadowtest.testing.server`` takes to print its
URL, and what a describe costs over HTTP next to the same describe on the in-process
fake.

Start-up: the server process is started ``n`` times; each time is from the spawn until
its first line (the URL) is read, then until a describe is answered. Describe: a boto3
SageMaker client against that server (in its own process, as a CI script would run it)
and a FakeSageMaker in this process, called in alternation (so machine noise falls on
both alike); the medians and their ratio are printed. The bars (issue #22): start-up <=
2 s, describe over HTTP <= 5 ms median.

    python benchmarks/server.py            # 10 start-ups, 2,000 describes each way
    python benchmarks/server.py --quick    # 3 start-ups, 200 describes (CI: never rots)

Exit status 1 if a bar is missed with ``--strict``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

import boto3
import botocore

from shadowtest.testing import FakeSageMaker, sample_config

if TYPE_CHECKING:
    from collections.abc import Callable

STARTUP_BAR = 2.0  # seconds until the URL is printed
DESCRIBE_BAR = 5.0  # milliseconds, median


def start() -> tuple[subprocess.Popen[str], str, float, float]:
    """A server process, its URL, and the seconds until it printed the URL and until it
    answered a describe."""
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "shadowtest.testing.server"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    printed = time.perf_counter() - began
    request = urllib.request.Request(
        url + "/", data=json.dumps({"Name": "absent"}).encode(), method="POST",
        headers={"X-Amz-Target": "SageMaker.DescribeInferenceExperiment",
                 "Content-Type": "application/x-amz-json-1.1"})
    with contextlib.suppress(urllib.error.HTTPError):  # ResourceNotFound: answered
        urllib.request.urlopen(request, timeout=10)
    return process, url, printed, time.perf_counter() - began


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


def timed(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds, no verdict")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a bar is missed")
    args = parser.parse_args(argv)
    startups, calls = (3, 200) if args.quick else (10, 2000)

    printed, answered = [], []
    for _ in range(startups):
        process, _, first_line, first_answer = start()
        printed.append(first_line)
        answered.append(first_answer)
        stop(process)

    process, url, _, _ = start()
    try:
        session = boto3.session.Session(aws_access_key_id="any", aws_secret_access_key="thing",
                                        region_name="us-east-1")
        over_http = session.client("sagemaker", endpoint_url=url)
        over_http.create_inference_experiment(**sample_config().to_boto3())
        fake = FakeSageMaker()
        fake.seed(sample_config())
        candidates: dict[str, Callable[[], object]] = {
            "in-process FakeSageMaker": lambda: fake.client.describe_inference_experiment(
                Name="churn-shadow"),
            "local server over HTTP": lambda: over_http.describe_inference_experiment(
                Name="churn-shadow"),
        }
        for call in candidates.values():  # warm both: models read, connections open
            for _ in range(20):
                call()
        samples: dict[str, list[float]] = {name: [] for name in candidates}
        for _ in range(calls):
            for name, call in candidates.items():
                samples[name].append(timed(call))
    finally:
        stop(process)

    print(f"Python {platform.python_version()}, boto3 {boto3.__version__}, "
          f"botocore {botocore.__version__}, {os.cpu_count()} CPUs")
    print(f"start-up, {startups} runs of python -m shadowtest.testing.server:")
    print(f"  URL printed        median {statistics.median(printed):.2f} s, "
          f"max {max(printed):.2f} s (bar: <= {STARTUP_BAR:.1f} s)")
    print(f"  first describe     median {statistics.median(answered):.2f} s")
    print(f"describe, {calls} alternating calls each:")
    http_ms = statistics.median(samples["local server over HTTP"]) * 1e3
    fake_ms = statistics.median(samples["in-process FakeSageMaker"]) * 1e3
    for name, times in samples.items():
        print(f"  {name:28} median {statistics.median(times) * 1e3:6.2f} ms")
    print(f"  HTTP / in-process: {http_ms / fake_ms:.1f}x")
    if args.quick:
        print("(quick mode: too few rounds for a verdict)")
        return 0
    startup_ok = statistics.median(printed) <= STARTUP_BAR
    describe_ok = http_ms <= DESCRIBE_BAR
    print(f"start-up {'meets' if startup_ok else 'MISSES'} its bar; describe "
          f"{'meets' if describe_ok else 'MISSES'} its bar")
    return 1 if args.strict and not (startup_ok and describe_ok) else 0


if __name__ == "__main__":
    sys.exit(main())

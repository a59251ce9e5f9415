"""What a test fixture costs: a FakeSageMaker or an ExperimentStubber, against a boto3
SageMaker client made from a warm session (the floor: any fake behind a real boto3
client costs at least that).

Each round makes one of each in alternation (so machine noise falls on all alike) and
the ratio is the median of the per-round ratios. The bar (issue #10): a fake or a
stubber costs at most 2x the warm ``session.client("sagemaker")``. Before shadowtest
shared one botocore session between its helpers, each re-read the SageMaker service
model: 75-180 ms a fixture.

    python benchmarks/fixtures.py            # 101 rounds
    python benchmarks/fixtures.py --quick    # 11 rounds, no verdict (CI: never rots)

Exit status 1 if the bar is missed with ``--strict``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from typing import TYPE_CHECKING

import boto3
import botocore

from shadowtest.testing import ExperimentStubber, FakeSageMaker

if TYPE_CHECKING:
    from collections.abc import Callable

BAR = 2.0


def timed(make: Callable[[], object]) -> float:
    start = time.perf_counter()
    make()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="11 rounds, no verdict")
    parser.add_argument("--strict", action="store_true", help="exit 1 if the bar is missed")
    args = parser.parse_args(argv)
    rounds = 11 if args.quick else 101

    session = boto3.session.Session(aws_access_key_id="testing",
                                    aws_secret_access_key="testing", region_name="us-east-1")
    candidates: dict[str, Callable[[], object]] = {
        "boto3 client, warm session": lambda: session.client("sagemaker"),
        "FakeSageMaker()": FakeSageMaker,
        "ExperimentStubber()": ExperimentStubber,
    }
    for make in candidates.values():  # warm every path once: the service model is read here
        make()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, make in candidates.items():
            samples[name].append(timed(make))

    floor = samples["boto3 client, warm session"]
    print(f"Python {platform.python_version()}, boto3 {boto3.__version__}, "
          f"botocore {botocore.__version__}, {rounds} alternating rounds")
    print(f"{'':34}{'median':>10}{'ratio':>9}")
    worst = 0.0
    for name, times in samples.items():
        ratio = statistics.median(t / f for t, f in zip(times, floor, strict=True))
        if name != "boto3 client, warm session":
            worst = max(worst, ratio)
        print(f"  {name:32}{statistics.median(times) * 1e3:8.2f} ms{ratio:8.2f}x")
    if args.quick:
        print("(quick mode: too few rounds for a verdict)")
        return 0
    verdict = "meets the bar" if worst <= BAR else "MISSES the bar"
    print(f"worst ratio {worst:.2f}x (bar: <= {BAR:.1f}x): {verdict}")
    return 1 if args.strict and worst > BAR else 0


if __name__ == "__main__":
    sys.exit(main())

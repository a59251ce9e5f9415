"""Cost of displaying an experiment, side by side with the describe call that fetched it.

A notebook user runs ``client.describe(name)`` and looks at the result; the display
must not be the slow part. In one process, batches alternate (describe, repr, HTML,
pretty text, describe, ...) so machine noise falls on all alike:

  describe   client.describe(name) on a Stubber-backed boto3 client (no network,
             no parsing: the cheapest a describe call gets), reading the status
  repr       repr() of a freshly read InferenceExperiment (nested objects not yet made)
  html       _repr_html_() of a fresh one (what Jupyter calls)
  pretty     _repr_pretty_() of a fresh one (what IPython calls)
  list html  _repr_html_() of a list result whose first page (100 experiments) is fetched

The bar (issue 13): repr and _repr_html_ of an InferenceExperiment take <= 1 ms.
Also printed: each as a multiple of the describe call, and, in a fresh interpreter,
the one-off cost of the first display (importing the rendering module).

    python benchmarks/display.py            # 41 rounds of 200 renders per side
    python benchmarks/display.py --quick    # 3 rounds of 20 (CI: never rots)
    python benchmarks/display.py --strict   # exit 1 if repr or HTML misses the bar
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import shadowtest
from shadowtest import DataStorageConfig, ExperimentList, InferenceExperiment
from shadowtest.experiment import InferenceExperimentSummary
from shadowtest.testing import ExperimentStubber, describe_response, sample_config

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

BAR_MS = 1.0
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


class NullPrinter:
    """Stands in for IPython's pretty printer."""

    def text(self, obj: str) -> None:
        """Drop the text."""


def cases(calls: int) -> tuple[dict[str, Callable[[], object]], Callable[[], None]]:
    """The timed callables, and what to run before each batch (queue stubbed responses)."""
    config = sample_config(
        description="churn v2 against v1 on live traffic",
        data_storage_config=DataStorageConfig(destination="s3://ml-captures/churn-shadow",
                                              json_content_types=["application/json"]))
    response = describe_response(config, "Running", now=NOW, status_reason="running well")
    stubber = ExperimentStubber()
    stubber.activate()
    client = stubber.experiment_client()
    printer = NullPrinter()
    summaries = [{"Name": f"exp-{i:03d}", "Type": "ShadowMode", "Status": "Running",
                  "CreationTime": NOW, "LastModifiedTime": NOW,
                  "Schedule": {"StartTime": NOW, "EndTime": NOW}} for i in range(100)]

    def one_page() -> Iterator[tuple[list[InferenceExperimentSummary], bool]]:
        yield [InferenceExperimentSummary(s) for s in summaries], True

    def describe() -> object:
        return client.describe(config.name).status

    def queue() -> None:
        for _ in range(calls):
            stubber.expect_describe(response)

    listed = ExperimentList(one_page())
    listed.first_page()
    return {
        "describe": describe,
        "repr": lambda: repr(InferenceExperiment(response)),
        "html": lambda: InferenceExperiment(response)._repr_html_(),
        "pretty": lambda: InferenceExperiment(response)._repr_pretty_(printer, False),
        "list html": listed._repr_html_,
    }, queue


def first_display_ms() -> float:
    """Milliseconds the first display adds in a fresh interpreter (importing the module)."""
    code = ("import time; from shadowtest.testing import sample_config; c = sample_config(); "
            "t = time.perf_counter(); c._repr_html_(); t1 = time.perf_counter(); "
            "c._repr_html_(); t2 = time.perf_counter(); print((t1 - t) - (t2 - t1))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return float(out) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="3 rounds of 20 renders")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--calls", type=int, default=None, help="renders per batch")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if repr or HTML takes more than 1 ms")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 41)
    calls = args.calls or (20 if args.quick else 200)
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(key, value)

    timed, queue = cases(calls)
    for name, run in timed.items():  # warm up: the rendering module, caches
        if name == "describe":
            queue()
            for _ in range(calls):
                run()
        else:
            run()
    samples: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(rounds):
        for name, run in timed.items():
            if name == "describe":
                queue()
            start = time.perf_counter()
            for _ in range(calls):
                run()
            samples[name].append((time.perf_counter() - start) / calls * 1e6)
    median = {name: statistics.median(values) for name, values in samples.items()}

    print(f"display cost, median of {rounds} alternating rounds of {calls} per side "
          f"(shadowtest {shadowtest.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()})")
    print(f"  {'what':<12}{'per call':>12}{'x describe':>12}")
    for name, us in median.items():
        print(f"  {name:<12}{us:>9.1f} us{us / median['describe']:>11.2f}x")
    print(f"  first display in a fresh interpreter adds {first_display_ms():.1f} ms "
          "(importing the rendering module, once)")
    worst_ms = max(median["repr"], median["html"]) / 1e3
    ok = worst_ms <= BAR_MS
    print(f"repr / HTML of an InferenceExperiment: {worst_ms:.3f} ms (bar: <= {BAR_MS} ms): "
          + ("not judged (--quick)" if args.quick and not args.strict
             else "meets the bar" if ok else "MISSES the bar"))
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())

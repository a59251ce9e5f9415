"""Throughput and memory of compare_captures against the least work any comparison must do.

Two variants' capture files are written to a temporary directory in SageMaker's layout
(``<variant>/yyyy/mm/dd/hh/MM-SS-mmm-<uuid>.jsonl``, 10,000 records a file): N records a
side, JSON outputs (a score), the shadow's record 1 ms after production's, so the
sides arrive interleaved in time order. Then, alternating in the same process:

  bare loop       for each line of each file of both sides: json.loads(line), then
                  json.loads of its endpointOutput data: parsing only, no pairing
  shadowtest      compare_captures(production_dir, shadow_dir): parse, decode, pair by
                  inferenceId, compare, summarise
  raw_decode loop the bare loop with JSONDecoder.raw_decode instead of json.loads (what
                  compare_captures parses with), for reference: the floor of this parser

Printed: records per second of each (median of the rounds), shadowtest's ratio to the bare
loop (the bar: >= 0.8) and to the raw_decode loop, and in a separate run the tracemalloc
peak of compare_captures (the bar: <= 150 MB).

    python benchmarks/capture.py            # 1,000,000 records (2 x 500,000), 3 rounds
    python benchmarks/capture.py --quick    # 2 x 10,000, 1 round (CI: never rots)
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from shadowtest.capture import compare_captures

PER_FILE = 10_000


def write_side(root: Path, variant: str, n: int, offset: timedelta, shift: float) -> Path:
    """``n`` records of ``variant`` under ``root``; returns the variant's directory."""
    start = datetime(2026, 12, 1, 9, tzinfo=timezone.utc) + offset
    step = timedelta(milliseconds=7)
    for first in range(0, n, PER_FILE):
        t0 = start + first * step
        folder = root / variant / t0.strftime("%Y/%m/%d/%H")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{t0:%M-%S}-{t0.microsecond // 1000:03d}-{uuid.UUID(int=first)}.jsonl"
        lines = []
        for i in range(first, min(first + PER_FILE, n)):
            when = start + i * step
            score = (i * 7919 % 10_000) / 10_000 + shift * (i % 3)
            lines.append(json.dumps({
                "captureData": {
                    "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                      "data": f"{i % 97},{i % 13}.5,{i % 7}",
                                      "encoding": "CSV"},
                    "endpointOutput": {"observedContentType": "application/json",
                                       "mode": "OUTPUT", "data": json.dumps(score),
                                       "encoding": "JSON"}},
                "eventMetadata": {"eventId": str(uuid.UUID(int=i + (1 << 64) * (shift > 0))),
                                  "inferenceId": f"req-{i:09d}",
                                  "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%S.")
                                  + f"{when.microsecond // 1000:03d}Z"},
                "eventVersion": "0"}))
        (folder / name).write_text("\n".join(lines) + "\n")
    return root / variant


def bare_loop(production: Path, shadow: Path) -> int:
    loads = json.loads
    n = 0
    for side in (production, shadow):
        for file in sorted(side.rglob("*.jsonl")):
            with file.open("rb") as lines:
                for line in lines:
                    d = loads(line)
                    loads(d["captureData"]["endpointOutput"]["data"])
                    n += 1
    return n


def raw_decode_loop(production: Path, shadow: Path) -> int:
    decode = json.JSONDecoder().raw_decode
    n = 0
    for side in (production, shadow):
        for file in sorted(side.rglob("*.jsonl")):
            with file.open("rb") as lines:
                for line in lines:
                    d, _ = decode(line.decode())
                    decode(d["captureData"]["endpointOutput"]["data"])
                    n += 1
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 x 10,000 records, 1 round")
    args = parser.parse_args()
    per_side = 10_000 if args.quick else 500_000
    rounds = 1 if args.quick else 3
    print(f"capture benchmark: 2 x {per_side:,} records, JSON outputs, interleaved in time; "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        production = write_side(root, "production", per_side, timedelta(0), 0.0)
        shadow = write_side(root, "shadow", per_side, timedelta(milliseconds=1), 0.01)
        bare: list[float] = []
        ours: list[float] = []
        floor: list[float] = []
        for _ in range(rounds):
            t = time.perf_counter()
            count = bare_loop(production, shadow)
            bare.append(count / (time.perf_counter() - t))
            t = time.perf_counter()
            result = compare_captures(production, shadow)
            ours.append(2 * per_side / (time.perf_counter() - t))
            t = time.perf_counter()
            assert raw_decode_loop(production, shadow) == count
            floor.append(count / (time.perf_counter() - t))
        assert count == 2 * per_side
        assert result.paired == per_side, result
        assert result.unpaired_production == result.unpaired_shadow == 0
        for name, rates in (("bare loop (json.loads line + output) ", bare),
                            ("compare_captures (parse+pair+compare)", ours),
                            ("raw_decode loop (reference)          ", floor)):
            print(f"  {name} {statistics.median(rates):>12,.0f} records/s")
        ratio = statistics.median(o / b for o, b in zip(ours, bare, strict=True))
        print(f"  ratio shadowtest / bare loop: {ratio:.2f}x (bar >= 0.80)")
        ratio = statistics.median(o / b for o, b in zip(ours, floor, strict=True))
        print(f"  ratio shadowtest / raw_decode loop: {ratio:.2f}x (for reference)")
        tracemalloc.start()
        compare_captures(production, shadow)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  tracemalloc peak of compare_captures: {peak / 1e6:.1f} MB (bar <= 150 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

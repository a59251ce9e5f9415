"""Throughput and memory of compare_captures against a fair hand-written loop.

Two variants' capture files are written to a temporary directory in SageMaker's layout
(``<variant>/yyyy/mm/dd/hh/MM-SS-mmm-<uuid>.jsonl``, 10,000 records a file): N records in
all (N/2 a side), JSON outputs (a score), the shadow's record 1 ms after production's, so
the sides arrive interleaved in time order. Then, alternating in the same process:

  fair loop        what any comparison must do, written by hand: for each file of both
                   sides (production's and shadow's in turn), each line read in text
                   mode, json.loads(line), json.loads of its endpointOutput data, pair by
                   inferenceId in a dict, sum |shadow - production|
  shadowtest       compare_captures(production_dir, shadow_dir): parse, decode, sort,
                   pair within the window, compare, summarise (exact percentiles too)
  shadowtest fast  the same with orjson installed (the ``fast`` extra), if it is

Printed: records per second of each (median of the rounds) and shadowtest's ratio to the
fair loop (bars: >= 0.9x with the json module, >= 1.5x with orjson). Then, each in a
fresh process, compare_captures' peak resident memory (``resource.getrusage``
``ru_maxrss``) at 100k, 1M and 5M records, and the bar: peak at 1M <= 1.2 x peak at
100k + the unpaired backlog (here at most one 10,000-record file a side) + 8 bytes for
each numeric difference kept for exact percentiles.

    python benchmarks/capture.py            # throughput at 1,000,000; memory at 100k, 1M, 5M
    python benchmarks/capture.py --quick    # 20,000 records, memory at 20k and 100k (CI)
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
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


def fair_loop(production: Path, shadow: Path) -> tuple[int, float]:
    """The least a comparison does, by hand: parse, pair by id, sum |difference|."""
    loads = json.loads
    waiting: tuple[dict[str, float], dict[str, float]] = ({}, {})
    total, n = 0.0, 0
    files = list(zip(sorted(production.rglob("*.jsonl")), sorted(shadow.rglob("*.jsonl")),
                     strict=True))
    for pair in files:
        for side, file in enumerate(pair):
            mine, other = waiting[side], waiting[1 - side]
            with file.open(encoding="utf-8") as lines:
                for line in lines:
                    d = loads(line)
                    value = loads(d["captureData"]["endpointOutput"]["data"])
                    key = d["eventMetadata"]["inferenceId"]
                    partner = other.pop(key, None)
                    if partner is None:
                        mine[key] = value
                    else:
                        total += abs(value - partner)
                    n += 1
    return n, total


def ours(production: Path, shadow: Path, *, fast: bool) -> tuple[int, float]:
    saved = sys.modules.get("orjson")
    if not fast:
        sys.modules["orjson"] = None  # type: ignore[assignment]  # the json module only
    try:
        result = compare_captures(production, shadow, keep_disagreements=0)
    finally:
        if not fast:
            if saved is None:
                del sys.modules["orjson"]
            else:
                sys.modules["orjson"] = saved
    assert result.differences is not None
    return 2 * result.paired, result.differences.mean * result.differences.count


def peak_rss(production: Path, shadow: Path, fast: bool) -> tuple[float, int]:
    """compare_captures' peak resident set (MB) in a fresh process, and its pairs."""
    code = (
        "import resource, sys\n"
        + ("" if fast else "sys.modules['orjson'] = None\n")
        + "from shadowtest.capture import compare_captures\n"
        f"r = compare_captures({str(production)!r}, {str(shadow)!r}, keep_disagreements=0)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, r.paired)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]) / 1024, int(out[1])  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="20,000 records, 1 round; memory at 20k and 100k")
    args = parser.parse_args()
    total = 20_000 if args.quick else 1_000_000
    rounds = 1 if args.quick else 3
    sizes = (20_000, 100_000) if args.quick else (100_000, 1_000_000, 5_000_000)
    try:
        import orjson  # noqa: F401
        has_fast = True
    except ImportError:
        has_fast = False
    print(f"capture benchmark: {total:,} records (two sides), JSON outputs, interleaved in "
          f"time; Python {platform.python_version()}; orjson "
          f"{'installed' if has_fast else 'not installed'}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        production = write_side(root / "t", "production", total // 2, timedelta(0), 0.0)
        shadow = write_side(root / "t", "shadow", total // 2, timedelta(milliseconds=1), 0.01)
        rates: dict[str, list[float]] = {"fair": [], "json": [], "orjson": []}
        for _ in range(rounds):
            t = time.perf_counter()
            n, expected = fair_loop(production, shadow)
            rates["fair"].append(n / (time.perf_counter() - t))
            for name in ("json", "orjson"):
                if name == "orjson" and not has_fast:
                    continue
                t = time.perf_counter()
                count, summed = ours(production, shadow, fast=name == "orjson")
                rates[name].append(count / (time.perf_counter() - t))
                assert count == n == total, (count, n)
                assert abs(summed - expected) <= 1e-9 * max(1.0, expected)
        fair = statistics.median(rates["fair"])
        print(f"  fair loop (json.loads text, pair, sum |d|)   {fair:>12,.0f} records/s")
        for name, bar in (("json", 0.9), ("orjson", 1.5)):
            if rates[name]:
                rate = statistics.median(rates[name])
                ratio = statistics.median(o / f for o, f in zip(rates[name], rates["fair"],
                                                                 strict=True))
                print(f"  compare_captures ({name:6})                   {rate:>12,.0f} "
                      f"records/s  {ratio:.2f}x the fair loop (bar >= {bar}x)")
        print("  peak RSS of compare_captures in a fresh process (resource.getrusage):")
        peaks: dict[int, float] = {}
        for size in sizes:
            folder = root / f"m{size}"
            p = write_side(folder, "production", size // 2, timedelta(0), 0.0)
            s = write_side(folder, "shadow", size // 2, timedelta(milliseconds=1), 0.01)
            mb, paired = peak_rss(p, s, fast=has_fast)
            assert paired == size // 2
            peaks[size] = mb
            print(f"    {size:>9,} records  {mb:8.1f} MB")
            for file in folder.rglob("*.jsonl"):  # the disk back before the next size
                file.unlink()
        small, large = sizes[0], sizes[1]
        # the unpaired backlog: at most a file's records a side wait (a file is sorted
        # whole), about 0.6 KB each measured; 8 bytes a numeric difference at `large`
        backlog = 2 * PER_FILE * 600 / 1e6
        kept = 8 * (large // 2) / 1e6
        bar = 1.2 * peaks[small] + backlog + kept
        print(f"  bar: peak at {large:,} <= 1.2 x {peaks[small]:.1f} MB + backlog "
              f"{backlog:.1f} MB + differences {kept:.1f} MB = {bar:.1f} MB: "
              f"{peaks[large]:.1f} MB ({'within' if peaks[large] <= bar else 'OVER'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

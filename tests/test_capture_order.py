"""Order-proof pairing: records out of time order within the window pair exactly; what the
streaming cannot follow is sorted first (each file, each list) or counted as out of order,
never silently unpaired.

The expected answers are counts of the records written: every one of ``N`` requests went
to both variants, so all ``N`` pair when the order is followed.
"""

from __future__ import annotations

import functools
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from shadowtest import compare_captures
from shadowtest.capture import CaptureFile, reading

from .test_capture import line

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

N = 600  # requests, one every 6 s: an hour of traffic, twelve 5-minute windows
EVERY = 6.0
START = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


def stamp(seconds: float) -> str:
    when = START + timedelta(seconds=seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@functools.cache
def _side(shift: float) -> tuple[tuple[float, str], ...]:
    return tuple((EVERY * i, line(f"r{i}", json.dumps(round(i % 10 / 10 + shift, 6)),
                                  when=stamp(EVERY * i)))
                 for i in range(N))


def side(shift: float) -> list[tuple[float, str]]:
    """(time, line) of each request on one variant, in time order; outputs differ by
    ``shift`` so the differences are known: |shift| for every pair."""
    return list(_side(shift))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream is read in chunks of 1,024; with 600 records, chunks of 40 (four minutes
    of traffic) make the streaming as it is on a day of traffic."""
    monkeypatch.setattr(reading, "CHUNK", 40)


def lines(rows: list[tuple[float, str]]) -> list[str]:
    return [text for _, text in rows]


def stream(rows: list[tuple[float, str]]) -> Iterator[str]:
    """A one-pass stream (not a list): the reader cannot sort it whole."""
    return iter(lines(rows))


def assert_all_pair(result: object, shift: float = 0.25) -> None:
    from shadowtest import PredictionComparison

    assert isinstance(result, PredictionComparison)
    assert (result.paired, result.unpaired_production, result.unpaired_shadow) == (N, 0, 0)
    assert result.skipped == 0
    assert result.differences is not None
    assert result.differences.count == N
    assert result.differences.max == pytest.approx(shift)


class TestWithinTheWindow:
    def test_a_stream_shuffled_within_two_minutes_pairs_exactly(self) -> None:
        """Each record displaced by up to two minutes (the window is five), in a stream
        that is never sorted whole: every record pairs."""
        rnd = random.Random(7)
        shadow = sorted(side(0.25), key=lambda row: row[0] + rnd.uniform(0, 120))
        production = sorted(side(0.0), key=lambda row: row[0] + rnd.uniform(0, 120))
        assert_all_pair(compare_captures(stream(production), stream(shadow)))

    def test_capture_files_overlapping_by_a_minute_pair_exactly(self) -> None:
        """S3 capture files hold a few minutes each and overlap at their edges: a record
        lands in the file of its time give or take 30 s."""
        rnd = random.Random(8)
        by_file: dict[int, list[str]] = {}
        for t, text in side(0.25):
            by_file.setdefault(int((t + rnd.uniform(-30, 30)) // 300), []).append(text)
        files = (CaptureFile(f"s3://b/shadow/{k}.jsonl", rows)
                 for k, rows in sorted(by_file.items()))
        assert_all_pair(compare_captures(lines(side(0.0)), files))


class TestBeyondTheWindow:
    def test_one_side_fully_shuffled_in_a_list_pairs_exactly(self) -> None:
        """Lines given in a list are all there: they are sorted before pairing."""
        shadow = lines(side(0.25))
        random.Random(3).shuffle(shadow)
        assert_all_pair(compare_captures(lines(side(0.0)), shadow))

    def test_one_side_fully_shuffled_in_a_file_pairs_exactly(self, tmp_path: Path) -> None:
        """A file is read whole and sorted before pairing (capture files hold minutes)."""
        shadow = lines(side(0.25))
        random.Random(4).shuffle(shadow)
        path = tmp_path / "shadow.jsonl"
        path.write_text("\n".join(shadow) + "\n")
        assert_all_pair(compare_captures(lines(side(0.0)), path))

    def test_files_in_reverse_order_pair_exactly(self, tmp_path: Path) -> None:
        """Files passed newest first (paths or CaptureFile) are read in the order of their
        first record's time."""
        shadow = lines(side(0.25))
        paths = []
        for k in range(0, N, 60):
            path = tmp_path / f"part-{k:05d}.jsonl"
            path.write_text("\n".join(shadow[k:k + 60]) + "\n")
            paths.append(path)
        assert_all_pair(compare_captures(lines(side(0.0)), paths[::-1]))
        files = [CaptureFile(str(p), p.read_text().splitlines()) for p in paths]
        assert_all_pair(compare_captures(lines(side(0.0)), files[::-1]))

    def test_a_directory_is_read_by_time_not_by_name(self, tmp_path: Path) -> None:
        """File names that do not sort in time order (not SageMaker's layout) still pair."""
        shadow = lines(side(0.25))
        for k in range(0, N, 60):
            (tmp_path / f"{(N - k):05d}.jsonl").write_text("\n".join(shadow[k:k + 60]))
        assert_all_pair(compare_captures(lines(side(0.0)), tmp_path))

    def test_a_fully_shuffled_stream_is_counted_out_of_order_never_silently_unpaired(
            self) -> None:
        """A one-pass stream shuffled over the whole hour cannot be followed: every record
        that does not pair is counted as out of order, saying so, and the partners it may
        have missed are the production records counted unpaired."""
        shadow = side(0.25)
        random.Random(5).shuffle(shadow)
        result = compare_captures(lines(side(0.0)), stream(shadow))
        assert result.out_of_order > 0
        assert result.paired + result.out_of_order == N  # every shadow record accounted
        assert result.unpaired_shadow == 0
        assert result.unpaired_production == result.out_of_order
        assert result.malformed == result.duplicates == 0
        first = result.problems[0]
        assert first.side == "shadow"
        assert first.message.startswith("out of order: this shadow record came after "
                                        "shadow records")
        assert "pass each side in time order, or a wider window=" in first.message
        assert "out of order" in str(result)
        # a window as long as the hour follows it
        assert_all_pair(compare_captures(lines(side(0.0)), stream(shadow),
                                         window=timedelta(hours=1)))


@pytest.mark.parametrize("parser", ["orjson", "json"])
def test_the_fast_parser_answers_as_the_json_module(parser: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With the fast extra (orjson) or without it, the same answer and the same messages,
    bad lines included (orjson refuses NaN, the json module reads it). (One difference:
    orjson reads an integer beyond 64 bits as a float.)"""
    pytest.importorskip("orjson")
    rows = side(0.25)
    shadow = [*lines(rows)[:200], "{bad", '{"captureData": 1}', line("nan", "NaN"),
              line("big", str(2**63))]
    production = [*lines(side(0.0))[:200], line("nan", "1.5"), line("big", "1")]
    expected = compare_captures(production, shadow)
    if parser == "json":
        monkeypatch.setitem(sys.modules, "orjson", None)
    from shadowtest.capture.pairing import fast_loads

    assert (fast_loads() is None) == (parser == "json")
    result = compare_captures(production, shadow)
    assert result.to_dict() == expected.to_dict()
    assert result.malformed == 2
    assert result.paired == 202

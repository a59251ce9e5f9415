"""Data capture: decoding, pairing and comparing, on hand-written capture lines.

Every expected answer is written out by hand or computed by numpy (percentiles); none
comes from shadowtest.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowtest import (
    CaptureFormatError,
    CaptureRecord,
    ConfigValidationError,
    PredictionComparison,
    compare_captures,
)
from shadowtest.capture import CaptureFile, CaptureProblem, DifferenceSummary, decode_payload

if TYPE_CHECKING:
    import random

    from matplotlib.axes import Axes

T0 = "2026-12-01T09:00:00Z"
ROOT = Path(__file__).resolve().parent


def part(data: str, encoding: str = "JSON", content_type: str = "application/json",
         mode: str = "OUTPUT") -> dict[str, str]:
    return {"observedContentType": content_type, "mode": mode, "data": data,
            "encoding": encoding}


def line(key: str | None, output: dict[str, str] | str = "0.5", *, event: str | None = None,
         when: str = T0, inp: dict[str, str] | None = None) -> str:
    """One capture line as SageMaker writes it; ``output`` is JSON data or a whole part."""
    out = part(output) if isinstance(output, str) else output
    meta = {"eventId": event or f"event-{key}", "inferenceTime": when}
    if key is not None:
        meta["inferenceId"] = key
    return json.dumps({
        "captureData": {"endpointInput": inp or part("1,2", "CSV", "text/csv", "INPUT"),
                        "endpointOutput": out},
        "eventMetadata": meta, "eventVersion": "0"})


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


class TestDecoding:
    @pytest.mark.parametrize(("payload", "expected"), [
        (part("0.83", "CSV", "text/csv"), 0.83),
        (part("1,2.5,a", "CSV", "text/csv"), (1, 2.5, "a")),
        (part("1,2\n3,4\n", "CSV", "text/csv"), ((1, 2), (3, 4))),
        (part('"a,b",7', "CSV", "text/csv"), ("a,b", 7)),
        (part('{"predictions": [0.1, 0.9]}'), {"predictions": [0.1, 0.9]}),
        (part('"cat"'), "cat"),
        (part('{"a": 1}\n{"a": 2}\n', "JSON", "application/jsonlines"), ({"a": 1}, {"a": 2})),
        (part(b64("0.83"), "BASE64", "text/csv"), 0.83),
        (part(b64("[0.2, 0.8]"), "BASE64", "application/json"), [0.2, 0.8]),
        (part(b64(b"\x00\xff\x10"), "BASE64", "application/octet-stream"), b"\x00\xff\x10"),
        (part(b64(b"\x89PNG"), "BASE64", "image/png"), b"\x89PNG"),
    ])
    def test_each_encoding_is_decoded_by_content_type(self, payload: dict[str, str],
                                                      expected: object) -> None:
        """CSV and JSON by content type; BASE64 decoded, then read as CSV or JSON when the
        observed content type says so, else kept as bytes."""
        assert decode_payload(payload) == expected
        record = CaptureRecord.from_line(line("r1", payload))
        assert record.output == expected
        assert record.output_content_type == payload["observedContentType"]

    def test_record_fields(self) -> None:
        """A record carries both ids, the time as an aware datetime, and the input."""
        record = CaptureRecord.from_line(line("r1", event="e1", when="2026-12-01T09:00:01.250Z"),
                                         variant="shadow")
        assert (record.inference_id, record.event_id, record.key) == ("r1", "e1", "r1")
        assert record.time == datetime(2026, 12, 1, 9, 0, 1, 250000, tzinfo=timezone.utc)
        assert record.variant == "shadow"
        assert record.input == (1, 2)
        assert record.input_content_type == "text/csv"
        without = CaptureRecord.from_dict(json.loads(line(None, event="e9")))
        assert (without.inference_id, without.key) == (None, "e9")

    @pytest.mark.parametrize(("text", "message"), [
        ("not json", "not valid JSON (Expecting value at line 1 column 1)"),
        ("[1, 2]", "not a JSON object"),
        ('{"eventMetadata": {"eventId": "e"}}', "captureData is missing or not an object"),
        ('{"captureData": {}}', "eventMetadata is missing or not an object"),
        (json.dumps({"captureData": {"endpointOutput": part("1")},
                     "eventMetadata": {"inferenceTime": T0}}),
         "eventMetadata has neither inferenceId nor eventId"),
        (line("r", part("AB$=", "BASE64", "text/csv")),
         "captureData.endpointOutput.data is not valid base64"),
        (line("r", part(b64(b"\xff\xfe"), "BASE64", "text/csv")),
         "captureData.endpointOutput.data is base64 of text/csv but not UTF-8 text (invalid "
         "start byte at byte 0)"),
        (line("r", part("{oops")),
         "captureData.endpointOutput.data is not valid JSON (Expecting property name enclosed "
         "in double quotes at line 1 column 2)"),
        (line("r", part("1", "XML")), "captureData.endpointOutput.encoding is not CSV, JSON or "
                                      "BASE64"),
        (line("r", part("1")).replace('"inferenceTime": "2026-12-01T09:00:00Z"',
                                      '"inferenceTime": "yesterday"'),
         "eventMetadata.inferenceTime is not an ISO 8601 time"),
    ])
    def test_a_malformed_line_says_what_is_wrong(self, text: str, message: str) -> None:
        with pytest.raises(CaptureFormatError) as caught:
            CaptureRecord.from_line(text)
        assert str(caught.value) == message
        assert isinstance(caught.value, ValueError)
        parsed = json.loads(text) if message != "not valid JSON (Expecting value at line 1 " \
                                                "column 1)" else None
        if parsed is not None:  # from_dict says the same of the parsed line
            with pytest.raises(CaptureFormatError, match=re.escape(message)):
                CaptureRecord.from_dict(parsed)


class TestPairing:
    def test_numeric_outputs_known_answers(self) -> None:
        """Scalars pair by inference id; differences are shadow minus production, relative
        to production; percentiles interpolate as numpy's default does."""
        prod = [0.5, 1.0, 2.0, 4.0, 0.0]
        shad = [0.75, 1.0, 1.5, 4.5, 0.25]
        result = compare_captures([line(f"r{i}", json.dumps(v)) for i, v in enumerate(prod)],
                                  [line(f"r{i}", json.dumps(v)) for i, v in enumerate(shad)])
        assert (result.paired, result.unpaired_production, result.unpaired_shadow) == (5, 0, 0)
        assert result.exact_matches == 1
        assert result.exact_match_rate == 0.2
        assert result.agreement_rate is None
        import numpy  # the oracle for percentiles

        absolute = [0.25, 0.0, 0.5, 0.5, 0.25]
        d = result.differences
        assert d is not None
        assert (d.count, d.mean, d.max) == (5, 0.3, 0.5)
        assert (d.p50, d.p90, d.p99) == pytest.approx(
            tuple(numpy.percentile(absolute, [50, 90, 99])))
        r = result.relative_differences  # production 0 is left out
        assert r is not None
        assert (r.count, r.max) == (4, 0.5)
        assert r.mean == pytest.approx((0.5 + 0 + 0.25 + 0.125) / 4)

    def test_label_outputs_and_probability_vectors(self) -> None:
        """Strings, integers and probability vectors (by argmax) are labels: agreement and
        a production x shadow confusion table."""
        prod = ['"cat"', '"cat"', '"dog"', "[0.2, 0.8]", "[0.7, 0.3]", "3"]
        shad = ['"cat"', '"dog"', '"dog"', "[0.1, 0.9]", "[0.4, 0.6]", "3"]
        result = compare_captures([line(f"r{i}", v) for i, v in enumerate(prod)],
                                  [line(f"r{i}", v) for i, v in enumerate(shad)])
        assert result.label_pairs == 6
        assert result.agreement_rate == pytest.approx(4 / 6)
        assert result.exact_matches == 3
        assert result.differences is None
        assert dict(result.confusion) == {("cat", "cat"): 1, ("cat", "dog"): 1,
                                          ("dog", "dog"): 1, (1, 1): 1, (0, 1): 1, (3, 3): 1}

    def test_numeric_vectors_compare_element_by_element(self) -> None:
        result = compare_captures([line("a", "[1.0, 2.0, 5.0]")], [line("a", "[1.5, 2.0, 3.0]")])
        d = result.differences
        assert d is not None
        assert (d.count, d.max) == (3, 2.0)
        assert d.mean == pytest.approx(2.5 / 3)

    def test_nan_outputs_are_problems_and_left_out_of_the_figures(self) -> None:
        """A model answering NaN (JSON ``NaN``, as Python's json writes it) or an infinity:
        counted per side and one problem each, while the differences, errors and the
        disagreement count are over the finite numbers (|0.5-0.75|, |2-2.5|; never NaN)."""
        prod = [line("a", "0.5"), line("b", "NaN"), line("c", "[1.0, 2.0]"),
                line("d", "0.25")]
        shad = [line("a", "0.75"), line("b", "0.5"), line("c", "[Infinity, 2.5]"),
                line("d", "NaN")]
        result = compare_captures(prod, shad, labels={"a": 1.0, "b": 1.0, "c": [1.0, 2.0],
                                                      "d": 0.0})
        assert dict(result.non_finite) == {"production": 1, "shadow": 2}
        d = result.differences
        assert d is not None
        assert (d.count, d.mean, d.max) == (2, 0.375, 0.5)
        assert result.mae == {"production": 0.5, "shadow": 0.25}  # pair a only
        assert result.disagreements_count == 4
        located = [(p.side, p.line) for p in result.problems if "NaN" in p.message]
        assert located == [("production", 2), ("shadow", 3)]
        data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
        assert data["non_finite"] == {"production": 1, "shadow": 2}
        assert {"figure": "non_finite", "side": "shadow", "production_label": None,
                "shadow_label": None, "value": 2} in result.to_records()

    def test_common_wrappers_are_unwrapped(self) -> None:
        """{"predictions": [x]} and a batch of one compare by what they hold."""
        result = compare_captures([line("a", '{"predictions": [0.5]}')],
                                  [line("a", "[0.75]")])
        assert result.differences is not None
        assert result.differences.max == 0.25

    def test_unpaired_records_on_both_sides_are_counted(self) -> None:
        result = compare_captures([line("a"), line("b"), line("c")],
                                  [line("b"), line("d")])
        assert (result.paired, result.unpaired_production, result.unpaired_shadow) == (1, 2, 1)

    def test_event_id_pairs_when_there_is_no_inference_id(self) -> None:
        result = compare_captures([line(None, event="e1"), line(None, event="e2")],
                                  [line(None, event="e2")])
        assert (result.paired, result.unpaired_production) == (1, 1)

    def test_duplicates_are_reported_with_where(self) -> None:
        """A second record with an id its side already has is counted and located, before
        and after its pair was made; the first one is the one paired."""
        prod = [line("a", "1.0"), line("a", "2.0"), line("b")]
        shad = [line("a", "1.0"), line("b"), line("b")]
        result = compare_captures(prod, shad)
        assert (result.paired, result.duplicates, result.malformed) == (2, 2, 0)
        assert result.exact_matches == 2
        assert [(p.side, p.source, p.line) for p in result.problems] == [
            ("production", "<production>", 2), ("shadow", "<shadow>", 3)]
        assert result.problems[0].message == (
            "duplicate id: another production record has it (first at <production>:1)")

    def test_malformed_lines_are_counted_located_and_skipped(self) -> None:
        prod = [line("a"), "{not json", "", line("b", part("%%", "BASE64", "text/csv"))]
        result = compare_captures(prod, [line("a"), line("b")])
        assert (result.paired, result.malformed, result.unpaired_shadow) == (1, 2, 1)
        assert [str(p) for p in result.problems] == [
            "production <production>:2: not valid JSON (Expecting property name enclosed in "
            "double quotes at line 1 column 2)",
            "production <production>:4: captureData.endpointOutput.data is not valid base64"]

    def test_labels_give_accuracy(self) -> None:
        prod = ['"cat"', '"dog"', '"dog"', "[0.9, 0.1]"]
        shad = ['"cat"', '"cat"', '"dog"', "[0.2, 0.8]"]
        truth = {"r0": "cat", "r1": "cat", "r2": "bird", "r3": 1, "unknown": "x"}
        result = compare_captures([line(f"r{i}", v) for i, v in enumerate(prod)],
                                  [line(f"r{i}", v) for i, v in enumerate(shad)], labels=truth)
        assert result.labelled == 4
        assert result.accuracy == {"production": 0.25, "shadow": 0.75}
        assert result.mae is None

    def test_labels_give_mae_and_rmse_for_numbers(self) -> None:
        result = compare_captures([line("a", "1.0"), line("b", "2.0")],
                                  [line("a", "1.5"), line("b", "4.0")],
                                  labels={"a": 1.0, "b": 3.0})
        assert result.mae == {"production": 0.5, "shadow": 0.75}
        assert result.rmse == pytest.approx({"production": (0.5) ** 0.5,
                                             "shadow": ((0.25 + 1) / 2) ** 0.5})
        assert result.accuracy is None

    def test_records_files_directories_and_capture_files(self, tmp_path: Path) -> None:
        """Each side can be records, lines, a file, a directory of .jsonl, or CaptureFile;
        problems name the file and line."""
        folder = tmp_path / "shadow" / "2026" / "12" / "01" / "09"
        folder.mkdir(parents=True)
        (folder / "00-00-000-a.jsonl").write_text(line("a", "1.0") + "\n" + line("b") + "\n")
        (folder / "30-00-000-b.jsonl").write_text("oops\n" + line("c") + "\n")
        records = [CaptureRecord.from_line(line(k)) for k in "ab"]
        result = compare_captures(
            [*records, CaptureFile("s3://bucket/x.jsonl", [line("c").encode()])],
            tmp_path / "shadow")
        assert (result.paired, result.malformed) == (3, 1)
        assert result.problems[0].source == str(folder / "30-00-000-b.jsonl")
        assert result.problems[0].line == 1
        single = compare_captures(str(folder / "00-00-000-a.jsonl"), [line("a", "1.0")])
        assert (single.paired, single.unpaired_production, single.exact_matches) == (1, 1, 1)

    def test_limit_and_since(self) -> None:
        times = [f"2026-12-01T09:0{i}:00Z" for i in range(5)]
        prod = [line(f"r{i}", when=t) for i, t in enumerate(times)]
        shad = [line(f"r{i}", when=t) for i, t in enumerate(times)]
        assert compare_captures(prod, shad, limit=2).paired == 2
        since = datetime(2026, 12, 1, 9, 2, tzinfo=timezone.utc)
        later = compare_captures(prod, shad, since=since)
        assert (later.paired, later.unpaired_production) == (3, 0)

    def test_a_record_waiting_longer_than_the_window_is_unpaired(self) -> None:
        """Memory is bounded: a record whose partner has not come when the other side has
        read two windows of inferenceTime past it (one for the pair's distance, one for
        the records' disorder) is let go, and counted unpaired, while reading goes on."""
        start = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
        stamp = [(start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
                 for i in range(1500)]
        prod = [line("late", when=stamp[0])] + [line(f"p{i}", when=stamp[i])
                                                  for i in range(1, 1500)]
        shad = [line(f"p{i}", when=stamp[i]) for i in range(1, 1500)] + [
            line("late", when=stamp[1499])]
        result = compare_captures(prod, shad, window=timedelta(minutes=5))
        assert (result.paired, result.unpaired_production, result.unpaired_shadow) == (
            1499, 1, 1)
        assert result.skipped == 0
        wide = compare_captures(prod, shad, window=timedelta(hours=2))
        assert (wide.paired, wide.unpaired_production) == (1500, 0)

    @pytest.mark.parametrize("bad", [{"limit": 0}, {"limit": True}, {"window": timedelta(0)},
                                     {"since": datetime(2026, 1, 1)}, {"labels": 5},
                                     {"labels": [1, 2]}, {"labels": "abc"},
                                     {"labels": {1: 1.0}}])
    def test_bad_arguments(self, bad: dict[str, object]) -> None:
        with pytest.raises(ValueError, match=next(iter(bad))):
            compare_captures([], [], **bad)  # type: ignore[arg-type]

    def test_items_of_an_unknown_type_are_refused(self) -> None:
        with pytest.raises(TypeError, match=r"shadow\[0\]: got int"):
            compare_captures([], [42])  # type: ignore[list-item]

    def test_a_line_given_as_a_path_is_refused_without_quoting_it(self) -> None:
        with pytest.raises(TypeError, match=r"production: got one JSON line") as caught:
            compare_captures(line("r", json.dumps(MARKER)), [])
        assert MARKER not in str(caught.value)


@settings(deadline=None)  # example count from the Hypothesis profile (tests/conftest.py)
@given(st.lists(st.tuples(st.sampled_from(["0.5", "1.25", "2.0", "3.5", '"a"', '"b"']),
                          st.sampled_from(["0.5", "1.0", "2.0", "3.5", '"a"', '"c"']),
                          st.integers(0, 240)),  # seconds after T0: within the 5-minute window
                min_size=1, max_size=20),
       st.integers(0, 2), st.integers(0, 2), st.randoms(use_true_random=False))
def test_shuffling_within_the_window_changes_nothing(
        outputs: list[tuple[str, str, int]], extra_p: int, extra_s: int,
        rnd: random.Random) -> None:
    """The order records arrive in, within the pairing window, does not change the result."""
    def at(seconds: int) -> str:
        return f"2026-12-01T09:{seconds // 60:02d}:{seconds % 60:02d}Z"

    prod = [line(f"r{i}", p, when=at(t)) for i, (p, _, t) in enumerate(outputs)]
    shad = [line(f"r{i}", s, when=at(t)) for i, (_, s, t) in enumerate(outputs)]
    prod += [line(f"p{i}", when=at(60 * i)) for i in range(extra_p)]
    shad += [line(f"s{i}", when=at(60 * i)) for i in range(extra_s)]
    labels = {f"r{i}": 1.0 for i in range(0, len(outputs), 2)}
    first = compare_captures(prod, shad, labels=labels)
    rnd.shuffle(prod)
    rnd.shuffle(shad)
    second = compare_captures(iter(prod), iter(shad), labels=labels)  # streams: not sorted
    for name in ("paired", "unpaired_production", "unpaired_shadow", "exact_matches",
                 "differences", "relative_differences", "agreement_rate", "confusion",
                 "labelled", "accuracy", "mae", "rmse"):
        assert getattr(first, name) == getattr(second, name), name
    assert first.paired == len(outputs)


class TestRendering:
    def result(self) -> PredictionComparison:
        prod = [line("a", "0.5"), line("b", '"<b>cat</b>"'), "bad"]
        shad = [line("a", "0.75"), line("b", '"dog"')]
        return compare_captures(prod, shad, labels={"a": 0.5})

    def test_text_summary(self) -> None:
        text = str(self.result())
        assert text.splitlines()[0] == "Prediction comparison (production vs shadow)"
        for expected in ("paired               2", "exact match          0.0%",
                         "label agreement      0.0% of 1 pairs", "MAE ",
                         "absolute    1      0.25", "<b>cat</b>",
                         "production  <production>  3     not valid JSON (Expecting value"):
            assert expected in text

    def test_html_is_escaped(self) -> None:
        html = self.result()._repr_html_()
        assert "&lt;b&gt;cat&lt;/b&gt;" in html
        assert "<b>cat" not in html

    def test_repr_is_short_and_pretty_prints_the_summary(self) -> None:
        result = self.result()
        assert repr(result) == ("PredictionComparison(paired=2, unpaired_production=0, "
                                "unpaired_shadow=0, exact_match_rate=0.0, problems=1)")
        printed: list[str] = []

        class Printer:
            def text(self, text: str) -> None:
                printed.append(text)

        result._repr_pretty_(Printer(), False)
        assert printed == [str(result)]

    def test_plot_histogram_and_heat_map(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        def axes() -> Axes:  # the Agg canvas, without pyplot's global state (and import time)
            return FigureCanvasAgg(Figure()).figure.subplots()

        numeric = compare_captures([line("a", "0.5")], [line("a", "0.75")])
        ax = axes()
        assert numeric.plot(ax) is ax
        assert ax.get_xlabel() == "|shadow - production|"
        assert sum(bar.get_height() for bar in ax.patches) == 1  # type: ignore[attr-defined]
        labels = compare_captures([line("a", '"x"')], [line("a", '"y"')])
        ax = labels.plot(axes())
        assert ax.get_ylabel() == "production"
        assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]

    def test_plot_without_matplotlib_names_the_extra(self,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        import sys

        monkeypatch.setitem(sys.modules, "matplotlib", None)
        monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
        with pytest.raises(ImportError, match=r"pip install 'shadowtest\[plot\]'"):
            self.result().plot()


MARKER = "PII-MARKER-7d41"


def test_payloads_appear_only_in_disagreements(caplog: pytest.LogCaptureFixture) -> None:
    """A payload holding a marker goes through every error path; the marker shows up in
    no message, problem, repr, summary or log line, only in .disagreements()."""
    caplog.set_level(logging.DEBUG)
    secret_input = part(f"{MARKER},1", "CSV", "text/csv", "INPUT")
    bad_lines = [
        f"{MARKER} not json",                                   # not JSON at all
        json.dumps([MARKER]),                                   # not an object
        json.dumps({"captureData": {"endpointOutput": part(MARKER)}}),  # no metadata
        line("m1", part("{" + MARKER)),                         # output not JSON
        line("m2", part(MARKER + "!!", "BASE64", "text/csv")),  # not base64
        line("m3", part(b64(b"\xff" + MARKER.encode()), "BASE64", "text/csv")),  # not UTF-8
        line("m4", part(MARKER, "ROT13")),                      # unknown encoding
        line("m5", part(json.dumps(MARKER)), when=MARKER),      # bad time in a record
    ]
    messages = []
    for bad in bad_lines:
        with pytest.raises(CaptureFormatError) as caught:
            CaptureRecord.from_line(bad)
        messages.append(str(caught.value))
        messages.append(repr(caught.value))
    # a response body (not a class label, which the confusion table would show)
    body = json.dumps({"text": MARKER, "score": 1})
    prod = [*bad_lines[:7], line("d", body, inp=secret_input), line("d", body),
            line("lonely", body, inp=secret_input)]
    shad = [line("d", json.dumps({"text": "other", "score": 1}), inp=secret_input),
            line("alone", body)]
    result = compare_captures(prod, shad, labels={"d": MARKER})
    assert (result.malformed, result.duplicates, result.paired) == (7, 1, 1)
    record = CaptureRecord.from_line(line("r", json.dumps(MARKER), inp=secret_input))
    seen = "\n".join([*messages, str(result), repr(result), result._repr_html_(),
                      *map(str, result.problems), *map(repr, result.problems), repr(record),
                      caplog.text])
    assert MARKER not in seen
    (shown,) = result.disagreements(5)
    assert shown.production_output == {"text": MARKER, "score": 1}
    assert shown.production_input == (MARKER, 1)


def test_athena_sql_matches_the_golden_file() -> None:
    """The Athena table and pairing query, compared with a reviewed copy."""
    sql = PredictionComparison.athena_sql(
        destination="s3://ml-captures/churn", endpoint_name="churn",
        production_variant="production", shadow_variant="shadow",
        output_json_path="$.predictions[0]",
        since=datetime(2026, 12, 1, 9, tzinfo=timezone.utc))
    assert sql == (ROOT / "golden" / "athena_compare.sql").read_text()


def test_athena_sql_quotes_and_refuses() -> None:
    sql = PredictionComparison.athena_sql(destination="s3://b/p/", endpoint_name="e",
                                          production_variant="it's", shadow_variant="s")
    assert "'it''s'" in sql
    assert "LOCATION 's3://b/p/e/'" in sql
    with pytest.raises(ValueError, match="s3://"):
        PredictionComparison.athena_sql(destination="b/p", endpoint_name="e",
                                        production_variant="p", shadow_variant="s")
    with pytest.raises(ValueError, match="table"):
        PredictionComparison.athena_sql(destination="s3://b", endpoint_name="e",
                                        production_variant="p", shadow_variant="s",
                                        table="x; DROP")


def test_difference_summary_of_nothing_is_none() -> None:
    from array import array

    assert DifferenceSummary.of(array("d")) is None
    assert str(CaptureProblem(side="shadow", source="f", line=3, message="m")) == "shadow f:3: m"


class TestBadInput:
    """Bad input is a problem or a documented error, never an exception from deep inside."""

    DEEP = "[" * 100_000 + "]" * 100_000

    def test_a_line_nested_100000_deep_is_one_problem_not_fatal(self) -> None:
        """As the README promises, a malformed line is counted and skipped: one nested
        beyond what the parser follows too, as a whole line or as the output's data."""
        deep_output = line("b", self.DEEP)
        result = compare_captures([line("a"), self.DEEP, deep_output, line("c")],
                                  [line("a"), line("b"), line("c")])
        assert (result.paired, result.malformed, result.unpaired_shadow) == (2, 2, 1)
        assert [p.message for p in result.problems] == [
            "not valid JSON (nested too deeply to read)",
            "captureData.endpointOutput.data is not valid JSON (nested too deeply to read)"]

    @pytest.mark.parametrize("text", [DEEP, line("r", DEEP)])
    def test_from_line_on_a_deep_line_is_a_capture_format_error(self, text: str) -> None:
        with pytest.raises(CaptureFormatError, match="nested too deeply to read"):
            CaptureRecord.from_line(text)

    def test_decode_payload_of_deep_json_is_a_capture_format_error(self) -> None:
        with pytest.raises(CaptureFormatError, match="nested too deeply"):
            decode_payload(part(self.DEEP))

    def test_outputs_nested_as_deep_as_the_parser_reads_still_compare(self) -> None:
        """Records holding the deepest output the parser reads (here, where the stack is
        shallow) compare without a RecursionError from comparing the two outputs."""
        def record(depth: int) -> CaptureRecord:
            return CaptureRecord.from_line(line("r", "[" * depth + "]" * depth))

        low, high = 2, 5_000  # record(low) reads, record(high) does not
        while high - low > 1:
            middle = (low + high) // 2
            try:
                record(middle)
                low = middle
            except CaptureFormatError:
                high = middle
        result = compare_captures([record(low)], [record(low)])
        assert (result.paired, result.malformed) == (1, 0)

    @pytest.mark.parametrize(("options", "path"), [
        ({"window": timedelta(0)}, "window"),
        ({"window": timedelta(seconds=-1)}, "window"),
        ({"window": timedelta.max}, "window"),
        ({"window": timedelta(days=30, seconds=1)}, "window"),
        ({"window": 300}, "window"),
        ({"limit": 0}, "limit"),
        ({"limit": 2.5}, "limit"),
        ({"keep_disagreements": -1}, "keep_disagreements"),
        ({"since": datetime.max.replace(tzinfo=timezone.utc)}, "since"),
    ])
    def test_options_out_of_range_are_a_config_validation_error(
            self, options: dict[str, object], path: str) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            compare_captures([line("a")], [line("a")], **options)  # type: ignore[arg-type]
        assert [p.path for p in caught.value.errors] == [path]

    def test_every_bad_option_is_reported_at_once(self) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            compare_captures([], [], limit=0, window=timedelta(0), labels=[1])  # type: ignore[arg-type]
        assert sorted(p.path for p in caught.value.errors) == ["labels", "limit", "window"]

    def test_a_window_of_30_days_is_allowed(self) -> None:
        assert compare_captures([line("a")], [line("a")], window=timedelta(days=30)).paired == 1

    @pytest.mark.parametrize(("text", "message"), [
        (b"\x00\x01", "not valid JSON (Expecting value at line 1 column 1, a control "
                      "character (U+0000))"),
        (b'{"a": 1}\xff', "not UTF-8 text (invalid start byte at byte 8)"),
        (b"\xe2\x82", "not UTF-8 text (unexpected end of data at byte 0)"),
        ('{"a": 1} x', "not valid JSON (Extra data at line 1 column 10)"),
    ])
    def test_what_is_wrong_with_the_bytes_is_said(self, text: str | bytes, message: str) -> None:
        """Valid UTF-8 that is not JSON is not called "not UTF-8"; bytes that are not UTF-8
        say where they stop being it."""
        with pytest.raises(CaptureFormatError) as caught:
            CaptureRecord.from_line(text)
        assert str(caught.value) == message

    def test_a_duplicate_after_pairing_says_where_the_pair_was_made(self) -> None:
        prod = [CaptureFile("f1", [line("a", when="2026-12-01T09:00:00Z")]),
                CaptureFile("f2", [line("a", when="2026-12-01T09:00:02Z")])]
        result = compare_captures(prod, [line("a", when="2026-12-01T09:00:01Z")])
        assert (result.paired, result.duplicates) == (1, 1)
        (problem,) = result.problems
        assert (problem.side, problem.source, problem.line) == ("production", "f2", 1)
        assert problem.message == ("duplicate id: a production record with it was paired "
                                   "already (the pair was made at <shadow>:1)")

    def test_a_gap_of_a_year_between_records_is_crossed(self) -> None:
        """Letting records go works by the seconds held, not by every second in between."""
        prod = [line("a", when="2026-01-01T00:00:00Z"), line("b", when="2027-01-01T00:00:00Z")]
        shad = [line("b", when="2027-01-01T00:00:01Z"), line("c", when="2027-01-01T00:00:02Z")]
        result = compare_captures(prod, shad)
        assert (result.paired, result.unpaired_production, result.unpaired_shadow) == (1, 1, 1)

"""Decoders: NumPy .npy read without NumPy, JSON Lines and multi-column CSV outputs,
``decoders={content_type: function}``, and payloads no decoder reads counted, never
silently compared as bytes.

NumPy writes the arrays (``numpy.save``), an implementation independent of the reader;
its own ``tolist()`` is the expected answer. Comparison answers are spelled out.
"""

from __future__ import annotations

import base64
import io
import json
import sys

import numpy
import pytest

from shadowtest import CaptureFormatError, CaptureRecord, ConfigValidationError, compare_captures
from shadowtest.capture import decode_payload

from .test_capture import MARKER, line, part

NPY = "application/x-npy"


def npy(array: numpy.ndarray) -> bytes:
    out = io.BytesIO()
    numpy.save(out, array, allow_pickle=False)
    return out.getvalue()


def npy_part(array: numpy.ndarray, mode: str = "OUTPUT") -> dict[str, str]:
    return part(base64.b64encode(npy(array)).decode(), "BASE64", NPY, mode)


def as_tuples(value: object) -> object:
    return tuple(as_tuples(v) for v in value) if isinstance(value, list) else value


class TestNpy:
    @pytest.mark.parametrize("array", [
        numpy.array([0.25, 1.5, -3.0], dtype="<f8"),
        numpy.array([0.25, 1.5, -3.0], dtype=">f8"),
        numpy.array([0.5, 2.0], dtype="<f4"),
        numpy.array([0.5, 2.0], dtype=">f2"),
        numpy.array([1, -2, 300], dtype=">i4"),
        numpy.array([1, -2, 2**40], dtype="<i8"),
        numpy.array([7, 255], dtype="|u1"),
        numpy.array([60000], dtype=">u2"),
        numpy.array([True, False], dtype="|b1"),
        numpy.array(["cat", "dog"], dtype="<U5"),
        numpy.array(["cat", "dog"], dtype=">U3"),
        numpy.array([b"ab", b"c"], dtype="|S2"),
        numpy.array([[0.1, 0.9], [0.7, 0.3]], dtype="<f8"),
        numpy.array([[1, 2, 3], [4, 5, 6]], dtype=">i2"),
        numpy.asfortranarray(numpy.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
        numpy.array(0.83),
        numpy.zeros((0,)),
        numpy.zeros((2, 0)),
    ], ids=lambda a: f"{a.dtype.str}{a.shape}{'F' if a.flags.f_contiguous and a.ndim > 1 else ''}")
    def test_arrays_read_as_numpy_wrote_them(self, array: numpy.ndarray,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
        """1-D as a tuple, 2-D as a tuple of rows (Fortran order too), 0-D as the value;
        either byte order; without NumPy importable."""
        expected = as_tuples(array.tolist())
        if isinstance(expected, tuple) and array.dtype.kind == "S":
            expected = tuple(b.decode() for b in expected)
        monkeypatch.setitem(sys.modules, "numpy", None)  # the reader must not need it
        assert decode_payload(npy_part(array)) == expected

    def test_version_2_header(self) -> None:
        header = b"{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }"
        header += b" " * (64 - (12 + len(header) + 1) % 64) + b"\n"
        raw = b"\x93NUMPY\x02\x00" + len(header).to_bytes(4, "little") + header
        raw += (5).to_bytes(4, "little", signed=True) + (-6).to_bytes(4, "little", signed=True)
        assert decode_payload(part(base64.b64encode(raw).decode(), "BASE64", NPY)) == (5, -6)

    @pytest.mark.parametrize(("raw", "message"), [
        (b"not an array", "not a .npy array (no \\x93NUMPY magic)"),
        (b"\x93NUMPY\x09\x00\x10\x00", ".npy format version 9 is not one this reads"),
        (b"\x93NUMPY\x01\x00\x05\x00{'a'}", "a .npy header without exactly descr"),
        (npy(numpy.zeros((2, 2, 2))), "a .npy array of 3 dimensions; 0-D, 1-D and 2-D"),
        (npy(numpy.array([1 + 2j])), "a .npy dtype of kind 'c' and 16 bytes"),
        (npy(numpy.zeros(4))[:-8], "a .npy array cut short: 24 of 32 data bytes"),
        (npy(numpy.zeros(2, dtype=[("a", "<f8")])), "a .npy array of a structured dtype"),
    ])
    def test_what_is_wrong_with_an_array_is_said(self, raw: bytes, message: str) -> None:
        with pytest.raises(CaptureFormatError) as caught:
            decode_payload(part(base64.b64encode(raw).decode(), "BASE64", NPY))
        assert str(caught.value).startswith(f"payload.data is {message}")

    def test_the_sample_notebooks_scikit_learn_endpoint_gets_accuracy(self) -> None:
        """AWS's shadow-test notebook serves scikit-learn: inputs and outputs are .npy as
        BASE64. With labels, each variant's accuracy (it was 'labelled 0', no problem)."""
        def record(key: str, predicted: int) -> str:
            return line(key, npy_part(numpy.array([predicted])),
                        inp=npy_part(numpy.array([[5.1, 3.5, 1.4]]), "INPUT"))

        production = [record(f"r{i}", p) for i, p in enumerate([0, 1, 1, 0])]
        shadow = [record(f"r{i}", p) for i, p in enumerate([0, 1, 0, 0])]
        result = compare_captures(production, shadow,
                                  labels={"r0": 0, "r1": 1, "r2": 0, "r3": 1})
        assert (result.labelled, result.label_pairs, result.label_agreements) == (4, 4, 3)
        assert result.accuracy == {"production": 0.5, "shadow": 0.75}
        assert result.undecoded == {}
        (shown,) = result.disagreements()
        assert shown.production_input == ((5.1, 3.5, 1.4),)


class TestRowsAndColumns:
    def test_json_lines_outputs_compare_row_by_row(self) -> None:
        """A JSON Lines answer (one object per input row, as SageMaker's built-in
        algorithms write) is compared row by row: scores as numbers, labels as labels."""
        def jl(*rows: dict[str, object]) -> dict[str, str]:
            return part("\n".join(json.dumps(r) for r in rows) + "\n", "JSON",
                        "application/jsonlines")

        result = compare_captures(
            [line("a", jl({"score": 0.1}, {"score": 0.3})),
             line("b", jl({"predicted_label": 1, "score": 0.9},
                          {"predicted_label": 0, "score": 0.2}))],
            [line("a", jl({"score": 0.2}, {"score": 0.3})),
             line("b", jl({"predicted_label": 1, "score": 0.8},
                          {"predicted_label": 1, "score": 0.6}))])
        d = result.differences
        assert d is not None
        assert d.count == 2
        assert d.max == pytest.approx(0.1)
        assert (result.numeric_pairs, result.label_pairs, result.label_agreements) == (1, 2, 1)
        assert dict(result.confusion) == {(1, 1): 1, (0, 1): 1}

    def test_multi_column_csv(self) -> None:
        """Rows of probabilities are labels by argmax, rows of other numbers are compared
        element by element, and a ``label,probability`` row is its label."""
        def csv(text: str) -> dict[str, str]:
            return part(text, "CSV", "text/csv")

        result = compare_captures(
            [line("p", csv("0.1,0.9\n0.8,0.2")), line("n", csv("1.5,2.5\n3.5,4.5")),
             line("l", csv("cat,0.93"))],
            [line("p", csv("0.3,0.7\n0.4,0.6")), line("n", csv("1.0,2.5\n3.5,5.0")),
             line("l", csv("dog,0.61"))])
        assert dict(result.confusion) == {(1, 1): 1, (0, 1): 1, ("cat", "dog"): 1}
        assert (result.label_pairs, result.label_agreements) == (3, 1)
        d = result.differences
        assert d is not None
        assert (d.count, d.max, d.mean) == (4, 0.5, 0.25)

    def test_labels_for_a_batch_score_each_row(self) -> None:
        result = compare_captures([line("a", part("1\n0\n1", "CSV", "text/csv"))],
                                  [line("a", part("1\n1\n1", "CSV", "text/csv"))],
                                  labels={"a": [1, 0, 0]})
        assert result.labelled == 3
        assert result.accuracy is not None
        assert dict(result.accuracy) == pytest.approx({"production": 2 / 3, "shadow": 1 / 3})


class TestDecoders:
    def test_a_decoder_for_a_content_type_reads_its_bytes(self) -> None:
        """The function gets the base64-decoded bytes; the content type matches without
        its parameters and in any case."""
        seen: list[bytes] = []

        def read(raw: bytes) -> object:
            seen.append(raw)
            return float(raw.decode().removeprefix("score="))

        def record(key: str, value: str) -> str:
            return line(key, part(base64.b64encode(f"score={value}".encode()).decode(),
                                  "BASE64", "Application/X-Score; version=2"))

        result = compare_captures([record("a", "0.5")], [record("a", "0.75")],
                                  decoders={"application/x-score": read})
        assert result.differences is not None
        assert result.differences.max == 0.25
        assert seen == [b"score=0.5", b"score=0.75"]
        record_ = CaptureRecord.from_line(record("a", "2"), decoders={"application/x-score": read})
        assert record_.output == 2.0

    def test_a_decoder_replaces_a_built_in_reader(self) -> None:
        """Given for application/json, it reads JSON outputs instead (the UTF-8 bytes)."""
        def probability(raw: bytes) -> object:
            return json.loads(raw)["probability"]

        body = json.dumps({"probability": 0.5, "model": "v1"})
        other = json.dumps({"probability": 0.625, "model": "v2"})
        result = compare_captures([line("a", body)], [line("a", other)],
                                  decoders={"application/json": probability})
        assert result.differences is not None
        assert result.differences.max == 0.125

    def test_a_decoder_that_raises_is_a_problem_for_that_record(self) -> None:
        """Its exception type, never its message or the payload."""
        def fails(raw: bytes) -> object:
            raise ValueError(f"cannot read {raw!r} {MARKER}")

        payload = part(base64.b64encode(MARKER.encode()).decode(), "BASE64", "x/y")
        result = compare_captures([line("a", payload), line("b")], [line("a"), line("b")],
                                  decoders={"x/y": fails})
        assert (result.paired, result.malformed) == (1, 1)
        (problem,) = result.problems
        assert problem.message == ("captureData.endpointOutput: the decoder for x/y raised "
                                   "ValueError")
        assert MARKER not in str(result)
        with pytest.raises(CaptureFormatError, match="raised ValueError") as caught:
            CaptureRecord.from_line(line("a", payload), decoders={"x/y": fails})
        assert MARKER not in str(caught.value)

    def test_a_payload_no_decoder_reads_is_counted_by_content_type(self) -> None:
        """Outputs no decoder reads are compared as bytes (exact match only), counted by
        content type, and one problem per content type says so, with labels or not."""
        def png(key: str, data: bytes) -> str:
            return line(key, part(base64.b64encode(data).decode(), "BASE64", "image/png"))

        production = [png(f"r{i}", b"\x89PNG-a") for i in range(3)] + [line("n", "0.5")]
        shadow = [png(f"r{i}", b"\x89PNG-a" if i else b"\x89PNG-b") for i in range(3)] + [
            line("n", "0.5")]
        result = compare_captures(production, shadow, labels={"r0": 1, "r1": 0})
        assert (result.paired, result.exact_matches, result.labelled) == (4, 3, 0)
        assert result.undecoded == {"image/png": 6}
        assert result.skipped == 0
        (problem,) = result.problems
        assert (problem.side, problem.line) == ("production", 1)
        assert problem.message == (
            "6 outputs of image/png that no decoder reads were compared as bytes (exact "
            "match only: no numbers, labels or accuracy); pass decoders={'image/png': "
            "function of the bytes}")
        assert "image/png" in str(result)

    @pytest.mark.parametrize(("decoders", "path"), [
        ([("x/y", len)], "decoders"),
        ({"png": len}, "decoders"),
        ({"image/png": "not callable"}, "decoders['image/png']"),
    ])
    def test_bad_decoders_are_a_config_validation_error(self, decoders: object,
                                                         path: str) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            compare_captures([], [], decoders=decoders)  # type: ignore[arg-type]
        assert [p.path for p in caught.value.errors] == [path]
        with pytest.raises(ConfigValidationError):
            decode_payload(part("1"), decoders=decoders)  # type: ignore[arg-type]


def test_integers_beside_floats_compare_as_numbers() -> None:
    """A vector written with integers on one side ("[1, 2]") and floats on the other
    compares element by element, as two numbers would."""
    result = compare_captures([line("a", "[1, 2]")], [line("a", "[1.5, 2.0]")])
    assert result.differences is not None
    assert (result.differences.count, result.differences.max) == (2, 0.5)

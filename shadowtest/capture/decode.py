"""Decoding a capture record's payloads: the ``data`` of its ``endpointInput`` and
``endpointOutput`` by ``encoding`` and ``observedContentType``. Messages say what is wrong
and never quote the data (captures can hold personal data)."""

from __future__ import annotations

import base64
import binascii
import csv
import json
from typing import TYPE_CHECKING, Final, Literal

from shadowtest.errors import CaptureFormatError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["decode_payload"]


class _Bad(Exception):
    """What is wrong with a line, in words that never quote its content."""


class _TooDeep(ValueError):
    """JSON nested more deeply than Python's recursion limit lets the parser follow."""


_JSON_SPACE: Final = " \t\n\r"
# The JSON scanner's own entry point, json.loads without its two wrappers (json.loads: a type
# check, a BOM check, two whitespace regex matches, for bytes an encoding sniff;
# JSONDecoder.raw_decode: a Python frame). Every line and every JSON output is parsed with
# it; benchmarks/capture.py (2 x 100,000 records): compare_captures at 0.64x the bare
# json.loads loop through json.loads, 0.89x through raw_decode, 0.97x through scan_once.
_scan: Final[Callable[[str, int], tuple[object, int]]] = (
    json.JSONDecoder().scan_once)  # type: ignore[attr-defined]


def loads(text: str) -> object:
    """``json.loads(text)`` for a ``str``, at less cost; the one JSON parse of this package.
    Raises ``json.JSONDecodeError`` as ``json.loads`` does, and :class:`_TooDeep` (a
    ``ValueError``) instead of ``RecursionError`` for a document nested too deeply."""
    if text[:1] in _JSON_SPACE:  # ("" is in it too: then it says "Expecting value")
        text = text.lstrip(_JSON_SPACE)
    try:
        value, end = _scan(text, 0)
    except StopIteration as stop:
        raise json.JSONDecodeError("Expecting value", text, stop.value) from None
    except RecursionError:
        raise _TooDeep("nested too deeply") from None
    if end != len(text):
        rest = text[end:].lstrip(_JSON_SPACE)
        if rest:  # where json.loads says it is: after the whitespace
            raise json.JSONDecodeError("Extra data", text, len(text) - len(rest))
    return value


def _format_of(content_type: str) -> Literal["json", "csv"] | None:
    kind = content_type.lower()
    if "json" in kind:
        return "json"
    if "csv" in kind:
        return "csv"
    return None


def _number(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _read_csv(text: str) -> object:
    """CSV text as a scalar (one value), a tuple (one row) or a tuple of rows; numbers are
    read as int or float, anything else stays a string."""
    if '"' in text:
        rows = [row for row in csv.reader(text.splitlines()) if row]
    else:
        rows = [line.split(",") for line in text.splitlines() if line.strip()]
    values = [tuple(_number(cell.strip()) for cell in row) for row in rows]
    if len(values) == 1:
        row = values[0]
        return row[0] if len(row) == 1 else row
    return tuple(row[0] if len(row) == 1 else row for row in values)


def _read_json(text: str, content_type: str, where: str) -> object:
    try:
        return loads(text)
    except ValueError as error:
        return _json_lines(text, content_type, where, error)


def _json_lines(text: str, content_type: str, where: str, error: ValueError) -> object:
    """``text`` that is not one JSON document: JSON Lines if its content type says so."""
    if "jsonlines" in content_type.lower() or "ndjson" in content_type.lower():
        try:
            return tuple(loads(line) for line in text.splitlines() if line.strip())
        except ValueError:
            pass
    raise _Bad(f"{where}.data is not valid JSON ({_json_problem(error)})") from None


def _json_problem(error: ValueError) -> str:
    # JSONDecodeError's own str() is safe (it never quotes the document), but spell it out
    if isinstance(error, json.JSONDecodeError):
        where = f"{error.msg} at line {error.lineno} column {error.colno}"
        found = error.doc[error.pos:error.pos + 1]
        if found and ord(found) < 0x20 and found not in _JSON_SPACE:
            # valid UTF-8, but no JSON: say what is there (a control character tells nothing)
            where += f", a control character (U+{ord(found):04X})"
        return where
    if isinstance(error, _TooDeep):
        return "nested too deeply to read"
    return "unreadable"


def _payload(part: object, where: str) -> object:
    """The decoded ``data`` of an ``endpointInput``/``endpointOutput`` mapping."""
    if not isinstance(part, dict):
        raise _Bad(f"{where} is missing or not an object")
    data, encoding = part.get("data"), part.get("encoding")
    content_type = part.get("observedContentType") or ""
    if not isinstance(data, str):
        raise _Bad(f"{where}.data is missing or not a string")
    if not isinstance(content_type, str):
        raise _Bad(f"{where}.observedContentType is not a string")
    if encoding == "JSON":  # the common case first, and without building a message
        try:
            return loads(data)
        except ValueError as error:
            return _json_lines(data, content_type, where, error)
    if encoding == "CSV":
        return _read_csv(data)
    if encoding != "BASE64":
        raise _Bad(f"{where}.encoding is not CSV, JSON or BASE64")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _Bad(f"{where}.data is not valid base64") from None
    kind = _format_of(content_type)
    if kind is None:
        return raw  # an image, a tensor, …: compared as bytes
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Bad(f"{where}.data is base64 of {content_type} but not UTF-8 text "
                   f"(byte {error.start})") from None
    return _read_json(text, content_type, where) if kind == "json" else _read_csv(text)


def decode_payload(part: Mapping[str, object]) -> object:
    """Decode one ``endpointInput`` or ``endpointOutput`` mapping of a capture record.

    ``JSON`` data is parsed as JSON (JSON Lines content types as a tuple of values);
    ``CSV`` data as CSV (one value, one row as a tuple, or a tuple of rows; numbers as
    int or float); ``BASE64`` data is decoded, then read as JSON or CSV when its
    ``observedContentType`` says so, else returned as ``bytes``. Raises
    :class:`~shadowtest.CaptureFormatError` saying what is wrong, never quoting the data.

    >>> decode_payload({"data": "1,2.5,a", "encoding": "CSV"})
    (1, 2.5, 'a')
    """
    try:
        return _payload(dict(part), "payload")
    except _Bad as bad:
        raise CaptureFormatError(str(bad)) from None

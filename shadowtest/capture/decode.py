"""Decoding a capture record's payloads: the ``data`` of its ``endpointInput`` and
``endpointOutput`` by ``encoding`` and ``observedContentType``. Messages say what is wrong
and never quote the data (captures can hold personal data)."""

from __future__ import annotations

import base64
import binascii
import csv
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

from shadowtest._checks import Checker
from shadowtest.capture.npy import read_npy
from shadowtest.errors import CaptureFormatError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Decoder", "Decoders", "decode_payload"]


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


def media_type(content_type: str) -> str:
    """``"Application/JSON; charset=utf-8"`` -> ``"application/json"``: what decoders are
    chosen by."""
    return content_type.partition(";")[0].strip().lower()


def _format_of(media: str) -> Literal["json", "jsonlines", "csv", "npy"] | None:
    if media in _JSON_LINES:
        return "jsonlines"
    if "json" in media:
        return "json"
    if "csv" in media:
        return "csv"
    if media in ("application/x-npy", "application/npy"):
        return "npy"
    return None


_JSON_LINES: Final = frozenset({"application/jsonlines", "application/x-jsonlines",
                                "application/jsonl", "application/x-ndjson",
                                "application/ndjson"})

# A decoder: the payload's bytes (base64 decoded, or the UTF-8 of CSV and JSON text) ->
# what it means.
Decoder: TypeAlias = "Callable[[bytes], object]"
Decoders: TypeAlias = "Mapping[str, Callable[[bytes], object]]"


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


def _read_json(text: str, lines: bool, where: str) -> object:
    """JSON text; with ``lines`` (a JSON Lines content type) one value per line when it is
    not one document: a tuple of them, or the one."""
    try:
        return loads(text)
    except ValueError as error:
        if lines:
            try:
                values = tuple(loads(line) for line in text.splitlines() if line.strip())
            except ValueError:
                pass
            else:
                return values[0] if len(values) == 1 else values
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


def _payload(part: object, where: str, decoders: Decoders | None = None) -> object:
    """The decoded ``data`` of an ``endpointInput``/``endpointOutput`` mapping: by a
    decoder given for its content type, else by the built-in readers; ``bytes`` when
    none reads it (counted by the comparison as undecoded)."""
    if not isinstance(part, dict):
        raise _Bad(f"{where} is missing or not an object")
    data, encoding = part.get("data"), part.get("encoding")
    content_type = part.get("observedContentType") or ""
    if not isinstance(data, str):
        raise _Bad(f"{where}.data is missing or not a string")
    if not isinstance(content_type, str):
        raise _Bad(f"{where}.observedContentType is not a string")
    media = media_type(content_type)
    decoder = decoders.get(media) if decoders else None
    if encoding == "JSON" and decoder is None:  # the common case first
        return _read_json(data, media in _JSON_LINES, where)
    if encoding == "CSV" and decoder is None:
        return _read_csv(data)
    if encoding == "BASE64":
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise _Bad(f"{where}.data is not valid base64") from None
    elif encoding in ("JSON", "CSV"):
        raw = data.encode()
    else:
        raise _Bad(f"{where}.encoding is not CSV, JSON or BASE64")
    if decoder is not None:
        try:
            return decoder(raw)
        except Exception as error:  # the user's code: say which, never what it read
            raise _Bad(f"{where}: the decoder for {media} raised "
                       f"{type(error).__name__}") from None
    kind = _format_of(media)
    if kind is None:
        return raw  # an image, a tensor, …: no decoder reads it; compared as bytes
    if kind == "npy":
        try:
            return read_npy(raw)
        except ValueError as error:
            raise _Bad(f"{where}.data is {error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Bad(f"{where}.data is base64 of {media} but not UTF-8 text "
                   f"({error.reason} at byte {error.start})") from None
    if kind == "csv":
        return _read_csv(text)
    return _read_json(text, kind == "jsonlines", where)


def decode_payload(part: Mapping[str, object], *, decoders: Decoders | None = None
                   ) -> object:
    """Decode one ``endpointInput`` or ``endpointOutput`` mapping of a capture record.

    A function in ``decoders`` for its content type (``{"image/png": f}``; the type
    without parameters, any case) gets the payload's bytes — base64 decoded, or the UTF-8
    of CSV and JSON text — and its answer is the payload. Otherwise ``JSON`` data is
    parsed as JSON (JSON Lines content types as a tuple of their values); ``CSV`` data as
    CSV (one value, one row as a tuple, or a tuple of rows; numbers as int or float);
    ``BASE64`` data is decoded, then read as JSON, JSON Lines or CSV when its
    ``observedContentType`` says so, as a NumPy array for ``application/x-npy`` (without
    NumPy: 0-, 1- and 2-D arrays of numbers, booleans and strings, either byte order, as
    a value, a tuple or a tuple of rows), else returned as ``bytes``. Raises
    :class:`~shadowtest.CaptureFormatError` saying what is wrong, never quoting the data
    (for a decoder that raises: its exception's type).

    >>> decode_payload({"data": "1,2.5,a", "encoding": "CSV"})
    (1, 2.5, 'a')
    """
    try:
        return _payload(dict(part), "payload", check_decoders(decoders))
    except _Bad as bad:
        raise CaptureFormatError(str(bad)) from None


def check_decoders(decoders: object, c: Checker | None = None) -> dict[str, Decoder] | None:
    """``decoders`` keyed by media type; what is wrong with it added to ``c`` (or raised
    as a :class:`~shadowtest.ConfigValidationError` without one)."""
    if decoders is None:
        return None
    own = c if c is not None else Checker()
    found: dict[str, Decoder] = {}
    if not isinstance(decoders, Mapping):
        own.add("decoders", f"got {type(decoders).__name__}; must be a mapping of content "
                            "type (such as 'image/png') to a function of the payload's bytes")
    else:
        for key, decoder in decoders.items():
            if not isinstance(key, str) or "/" not in key:
                own.add("decoders", f"got key {key!r}; keys are content types such as "
                                    "'image/png'")
            elif not callable(decoder):
                own.add(f"decoders[{key!r}]", f"got {type(decoder).__name__}; must be a "
                                              "function of the payload's bytes")
            else:
                found[media_type(key)] = decoder
    if c is None:
        own.raise_if_any("decoders")
    return found

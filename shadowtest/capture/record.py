"""One captured inference (:class:`CaptureRecord`), how a capture line is read into one,
and :class:`CaptureFile` (the lines of a capture file that is not on the local disk)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Final, NamedTuple, TypeAlias

import attrs

from shadowtest.capture.decode import (
    _JSON_SPACE,
    _Bad,
    _json_problem,
    _payload,
    _scan,
    check_decoders,
    loads,
)
from shadowtest.errors import CaptureFormatError

if TYPE_CHECKING:
    from collections.abc import Callable

    from shadowtest.capture.decode import Decoders

__all__ = ["CaptureFile", "CaptureRecord"]


class CaptureFile(NamedTuple):
    """Lines of one capture file that is not on the local disk (an S3 object, say):
    ``name`` is how problems locate it (``s3://bucket/key``), ``lines`` its JSON lines."""

    name: str
    lines: Iterable[str | bytes]


NO_TIME: Final = -(1 << 62)
"""The time (in seconds) of a record without ``inferenceTime``: before every other."""
_TIMES_CACHED: Final = 4096  # seconds whose epoch value is remembered (a capture hour has 3,600)


def _parse_time(text: str) -> datetime:
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    when = datetime.fromisoformat(text)
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def _bad_time() -> _Bad:
    return _Bad("eventMetadata.inferenceTime is not an ISO 8601 time")


def read_time(when: str) -> datetime | None:
    """The aware time of an ``inferenceTime`` text (``None`` for none)."""
    try:
        return _parse_time(when) if when else None
    except ValueError:
        raise _bad_time() from None


def seconds(when: str, cache: dict[str, int]) -> int:
    """An ``inferenceTime`` text as whole seconds since the epoch (:data:`NO_TIME` for
    none), the resolution pairing works at. ``cache`` remembers the seconds of texts in
    UTC (``…Z``, as SageMaker writes them) by their first 19 characters: parsing a time
    costs about a quarter of parsing the whole line."""
    if not when:
        return NO_TIME
    utc = when[-1:] == "Z"
    if utc:
        known = cache.get(when[:19])
        if known is not None:
            return known
    moment = read_time(when)
    assert moment is not None
    value = math.floor(moment.timestamp())
    if utc:
        if len(cache) >= _TIMES_CACHED:
            cache.clear()
        cache[when[:19]] = value
    return value


# a JSON parser of str or bytes (orjson.loads), raising ValueError on what it refuses
FastLoads: TypeAlias = "Callable[[str | bytes], object]"

# what one capture line holds, read once: (captureData, eventMetadata, key, inferenceTime
# text, the decoded output)
Fields = tuple[dict[str, object], dict[str, object], str, str, object]


def parse_line(line: str | bytes, decoders: Decoders | None = None,
               fast: FastLoads | None = None) -> Fields:
    """The one way a capture line is read (by :meth:`CaptureRecord.from_line` and by the
    pairing's readers alike); :class:`_Bad` saying what is wrong. ``fast`` is a quicker
    JSON parser to try first (orjson's, from the ``fast`` extra); on anything it refuses,
    the ``json`` module's reading decides, so the answer and its message are the same."""
    if fast is not None:
        try:
            return read_fields(fast(line), decoders, fast)
        except (ValueError, _Bad):  # (orjson's JSONDecodeError is a ValueError)
            pass
    try:
        text = line if type(line) is str else line.decode()  # type: ignore[union-attr]
        # the scanner straight away, and loads() (which says what is wrong, and skips
        # whitespace) only when that fails: a Python call less for each line
        try:
            d, end = _scan(text, 0)
        except (ValueError, StopIteration, RecursionError):
            end = -1
        if end != len(text) and (end < 0 or text[end:].strip(_JSON_SPACE)):  # (a "\n")
            d = loads(text)
    except UnicodeDecodeError as error:  # (a ValueError: first)
        raise _Bad(f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    except ValueError as error:
        raise _Bad(f"not valid JSON ({_json_problem(error)})") from None
    return read_fields(d, decoders)


def read_fields(d: object, decoders: Decoders | None = None,
                fast: FastLoads | None = None) -> Fields:
    """What a capture record already parsed from JSON holds, checked."""
    # (type() is dict first: the line parsed from JSON always is one, and asking the
    # Mapping ABC costs a tenth of parsing the line)
    if type(d) is not dict and not isinstance(d, Mapping):
        raise _Bad("not a JSON object")
    capture, meta = d.get("captureData"), d.get("eventMetadata")
    if type(capture) is not dict and not isinstance(capture, dict):
        raise _Bad("captureData is missing or not an object")
    if type(meta) is not dict and not isinstance(meta, dict):
        raise _Bad("eventMetadata is missing or not an object")
    inference_id, event_id = meta.get("inferenceId"), meta.get("eventId")
    when = meta.get("inferenceTime")
    if not ((inference_id is None or type(inference_id) is str)
            and (event_id is None or type(event_id) is str)
            and (when is None or type(when) is str)):
        for name, value in (("inferenceId", inference_id), ("eventId", event_id),
                            ("inferenceTime", when)):
            if value is not None and not isinstance(value, str):
                raise _Bad(f"eventMetadata.{name} is not a string")
    key = inference_id or event_id
    if not key:
        raise _Bad("eventMetadata has neither inferenceId nor eventId")
    out = capture.get("endpointOutput")
    # JSON output (most models' answer) read here, as _payload would read it, saving a
    # call; anything else, or anything wrong, goes to _payload
    if (decoders is None and type(out) is dict and out.get("encoding") == "JSON"
            and type(data := out.get("data")) is str
            and type(out.get("observedContentType", "")) is str):
        try:
            if fast is not None:
                output, end = fast(data), len(data)
            else:
                output, end = _scan(data, 0)
        except (ValueError, StopIteration, RecursionError):
            end = -1
        if end != len(data):
            output = _payload(out, "captureData.endpointOutput")
    else:
        output = _payload(out, "captureData.endpointOutput", decoders)
    return capture, meta, key, when or "", output


@attrs.frozen(kw_only=True)
class CaptureRecord:
    """One captured inference of one variant, decoded.

    ``input`` and ``output`` are the decoded payloads (see :func:`decode_payload`);
    they are left out of ``repr`` because captures can hold personal data.

    >>> line = ('{"captureData": {"endpointOutput": {"observedContentType": "text/csv", '
    ...         '"mode": "OUTPUT", "data": "0.83", "encoding": "CSV"}}, '
    ...         '"eventMetadata": {"eventId": "e-1", "inferenceTime": "2026-12-01T09:00:00Z"}, '
    ...         '"eventVersion": "0"}')
    >>> CaptureRecord.from_line(line).output
    0.83
    """

    inference_id: str | None
    event_id: str | None
    time: datetime | None
    variant: str | None = None
    input: object = attrs.field(default=None, repr=False)
    output: object = attrs.field(repr=False)
    input_content_type: str | None = None
    output_content_type: str | None = None

    @property
    def key(self) -> str:
        """What pairs this record with the other variant's: the inference id, else the
        event id."""
        return self.inference_id or self.event_id or ""

    @classmethod
    def from_line(cls, line: str | bytes, *, variant: str | None = None,
                  decoders: Decoders | None = None) -> CaptureRecord:
        """Parse one line of a capture file; :class:`~shadowtest.CaptureFormatError`
        (saying what is wrong, never quoting the line) if it is not a capture record.
        ``decoders`` as for :func:`~shadowtest.capture.decode_payload`."""
        known = check_decoders(decoders)
        try:
            return cls._from(parse_line(line, known), variant, known)
        except _Bad as bad:
            raise CaptureFormatError(str(bad)) from None

    @classmethod
    def from_dict(cls, d: Mapping[str, object], *, variant: str | None = None,
                  decoders: Decoders | None = None) -> CaptureRecord:
        """Read one capture record already parsed from JSON."""
        known = check_decoders(decoders)
        try:
            return cls._from(read_fields(d, known), variant, known)
        except _Bad as bad:
            raise CaptureFormatError(str(bad)) from None

    @classmethod
    def _from(cls, fields: Fields, variant: str | None, decoders: Decoders | None
              ) -> CaptureRecord:
        capture, meta, _, when, output = fields
        time = read_time(when)
        inp = capture.get("endpointInput")
        value = None if inp is None else _payload(inp, "captureData.endpointInput", decoders)
        return cls(inference_id=meta.get("inferenceId") or None,  # type: ignore[arg-type]
                   event_id=meta.get("eventId") or None,  # type: ignore[arg-type]
                   time=time, variant=variant, input=value, output=output,
                   input_content_type=_content_type(inp),
                   output_content_type=_content_type(capture.get("endpointOutput")))


def _content_type(part: object) -> str | None:
    value = part.get("observedContentType") if isinstance(part, dict) else None
    return value if isinstance(value, str) else None

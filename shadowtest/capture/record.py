"""One captured inference (:class:`CaptureRecord`), how a capture line is read into one,
and :class:`CaptureFile` (the lines of a capture file that is not on the local disk)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import NamedTuple

import attrs

from shadowtest.capture.decode import _Bad, _json_problem, _payload
from shadowtest.errors import CaptureFormatError

__all__ = ["CaptureFile", "CaptureRecord"]


class CaptureFile(NamedTuple):
    """Lines of one capture file that is not on the local disk (an S3 object, say):
    ``name`` is how problems locate it (``s3://bucket/key``), ``lines`` its JSON lines."""

    name: str
    lines: Iterable[str | bytes]


def _parse_time(text: str) -> datetime:
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    when = datetime.fromisoformat(text)
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def _line_object(line: str | bytes) -> dict[str, object]:
    try:
        d = json.loads(line)
    except ValueError as error:
        raise _Bad(f"not valid JSON ({_json_problem(error)})") from None
    if not isinstance(d, dict):
        raise _Bad("not a JSON object")
    return d


def _sections(d: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    capture, meta = d.get("captureData"), d.get("eventMetadata")
    if not isinstance(capture, dict):
        raise _Bad("captureData is missing or not an object")
    if not isinstance(meta, dict):
        raise _Bad("eventMetadata is missing or not an object")
    return capture, meta


def _ids(meta: Mapping[str, object]) -> tuple[str | None, str | None, str]:
    inference_id, event_id = meta.get("inferenceId"), meta.get("eventId")
    when = meta.get("inferenceTime", "")
    for name, value in (("inferenceId", inference_id), ("eventId", event_id),
                        ("inferenceTime", when)):
        if value is not None and not isinstance(value, str):
            raise _Bad(f"eventMetadata.{name} is not a string")
    if not inference_id and not event_id:
        raise _Bad("eventMetadata has neither inferenceId nor eventId")
    return inference_id or None, event_id or None, when or ""  # type: ignore[return-value]


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
    def from_line(cls, line: str | bytes, *, variant: str | None = None) -> CaptureRecord:
        """Parse one line of a capture file; :class:`~shadowtest.CaptureFormatError`
        (saying what is wrong, never quoting the line) if it is not a capture record."""
        try:
            return cls._from(_line_object(line), variant)
        except _Bad as bad:
            raise CaptureFormatError(str(bad)) from None

    @classmethod
    def from_dict(cls, d: Mapping[str, object], *, variant: str | None = None) -> CaptureRecord:
        """Read one capture record already parsed from JSON."""
        try:
            return cls._from(d, variant)
        except _Bad as bad:
            raise CaptureFormatError(str(bad)) from None

    @classmethod
    def _from(cls, d: Mapping[str, object], variant: str | None) -> CaptureRecord:
        if not isinstance(d, Mapping):
            raise _Bad("not a JSON object")
        capture, meta = _sections(d)
        inference_id, event_id, when = _ids(meta)
        try:
            time = _parse_time(when) if when else None
        except ValueError:
            raise _Bad("eventMetadata.inferenceTime is not an ISO 8601 time") from None
        out, inp = capture.get("endpointOutput"), capture.get("endpointInput")
        output = _payload(out, "captureData.endpointOutput")
        value = None if inp is None else _payload(inp, "captureData.endpointInput")
        return cls(inference_id=inference_id, event_id=event_id, time=time, variant=variant,
                   input=value, output=output,
                   input_content_type=_content_type(inp), output_content_type=_content_type(out))


def _content_type(part: object) -> str | None:
    value = part.get("observedContentType") if isinstance(part, dict) else None
    return value if isinstance(value, str) else None

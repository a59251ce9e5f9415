"""Data capture: read, decode, pair and compare what production and shadow predicted.

A shadow test with a ``DataStorageConfig`` writes every captured request and response to
S3 as JSON Lines, one file tree per variant::

    <Destination>/<EndpointName>/<VariantName>/<yyyy>/<mm>/<dd>/<hh>/<MM>-<SS>-<mmm>-<uuid>.jsonl

Each line is one inference::

    {"captureData": {"endpointInput":  {"observedContentType": "text/csv", "mode": "INPUT",
                                        "data": "5.1,3.5", "encoding": "CSV"},
                     "endpointOutput": {"observedContentType": "application/json",
                                        "mode": "OUTPUT", "data": "0.83", "encoding": "JSON"}},
     "eventMetadata": {"eventId": "…", "inferenceId": "…", "inferenceTime": "…Z"},
     "eventVersion": "0"}

:func:`compare_captures` pairs the two variants' records by ``inferenceId`` (else
``eventId``), streaming: memory grows with the records still waiting for their partner,
not with the total. It is pure: give it records, JSON lines or local files (the client's
:meth:`~shadowtest.ExperimentClient.compare_predictions` reads them from S3).

Captures can hold personal data, so no payload ever reaches a log line, an exception
message, a problem or a ``repr``: a bad line is reported by file, line number and what
was wrong. :meth:`PredictionComparison.disagreements` is the one place that returns
payloads, because the caller asked for them.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
import math
import os
from array import array
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, TypeAlias, Union

import attrs

from shadowtest._numbers import quantile
from shadowtest.errors import CaptureFormatError

if TYPE_CHECKING:
    from concurrent.futures import Future

    from matplotlib.axes import Axes
    from mypy_boto3_s3 import S3Client

    from shadowtest._display import Card, PrettyPrinter


__all__ = [
    "DEFAULT_WINDOW",
    "CaptureFile",
    "CaptureInput",
    "CaptureProblem",
    "CaptureRecord",
    "DifferenceSummary",
    "Disagreement",
    "PredictionComparison",
    "compare_captures",
    "decode_payload",
    "read_s3_captures",
    "variant_prefix",
]

Side = Literal["production", "shadow"]
SIDES: Final[tuple[Side, Side]] = ("production", "shadow")

DEFAULT_WINDOW: Final = timedelta(minutes=5)
"""How far apart in ``inferenceTime`` two records of one pair may arrive: a record still
waiting for its partner when the other side has moved this far past it is unpaired. The
shadow gets its copy of a request at once, so seconds apart is usual; what waits is
about (records per second) x window x (the share that never pairs)."""
KEPT_PROBLEMS: Final = 1000
"""How many problems a comparison keeps with their location (all are counted)."""
DUPLICATE_MEMORY: Final = timedelta(minutes=1)
"""How long after pairing an id is remembered, to catch a duplicate (a retried request)."""
_PROBABILITY_SLACK: Final = 1e-3  # softmax outputs written with 6 decimals sum to 1 within 1e-5


class CaptureFile(NamedTuple):
    """Lines of one capture file that is not on the local disk (an S3 object, say):
    ``name`` is how problems locate it (``s3://bucket/key``), ``lines`` its JSON lines."""

    name: str
    lines: Iterable[str | bytes]


class _Bad(Exception):
    """What is wrong with a line, in words that never quote its content."""


# -- decoding ----------------------------------------------------------------------------------


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


def _read_json(text: str | bytes, content_type: str, where: str) -> object:
    try:
        return json.loads(text)
    except ValueError as error:
        if "jsonlines" in content_type.lower() or "ndjson" in content_type.lower():
            try:
                return tuple(json.loads(line) for line in text.splitlines() if line.strip())
            except ValueError:
                pass
        raise _Bad(f"{where} is not valid JSON ({_json_problem(error)})") from None


def _json_problem(error: ValueError) -> str:
    # JSONDecodeError's own str() is safe (it never quotes the document), but spell it out
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    return "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else "unreadable"


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
    if encoding == "JSON":
        return _read_json(data, content_type, f"{where}.data")
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
    return _read_json(text, content_type, f"{where}.data") if kind == "json" else _read_csv(text)


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


# -- the record --------------------------------------------------------------------------------


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


# -- what a comparison reports -----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CaptureProblem:
    """A record that was skipped or set aside: which side, where (``source`` is the file,
    S3 object or ``<production>``/``<shadow>`` for lines given directly; ``line`` counts
    from 1) and what was wrong. Never holds the record's content."""

    side: Side
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.side} {self.source}:{self.line}: {self.message}"


@attrs.frozen(kw_only=True)
class DifferenceSummary:
    """Differences between paired numeric outputs (one value per scalar, or per element
    of equal-length vectors): ``count`` values, their mean, percentiles (linear
    interpolation between closest ranks, as numpy's default) and maximum."""

    count: int
    mean: float
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: array[float]) -> DifferenceSummary | None:
        """The summary of ``values``; ``None`` when there are none."""
        if not values:
            return None
        ordered = sorted(values)
        return cls(count=len(ordered), mean=math.fsum(ordered) / len(ordered),
                   p50=quantile(ordered, 0.50), p90=quantile(ordered, 0.90),
                   p99=quantile(ordered, 0.99), max=ordered[-1])


@attrs.frozen(kw_only=True)
class Disagreement:
    """One pair whose outputs differ, with both inputs: the only object shadowtest
    returns that holds payloads, because you asked for it."""

    key: str
    production_input: object
    production_output: object
    shadow_input: object
    shadow_output: object
    production_where: str
    shadow_where: str


class _Ready(NamedTuple):
    value: object  # an input already decoded (from a CaptureRecord)


def _input_of(raw: object) -> object:
    if type(raw) is _Ready:
        return raw.value
    if raw is None:
        return None
    try:
        return _payload(raw, "captureData.endpointInput")
    except _Bad:
        return None  # an unreadable input does not hide the pair's outputs


# the entry one record becomes on the hot path: (time, key, output, raw input, source, line)
_Entry = tuple[str, str, object, object, str, int]


@attrs.frozen(kw_only=True, eq=False)
class PredictionComparison:
    """How the shadow's predictions compare with production's, over paired records.

    Counts: ``paired``, ``unpaired_production``, ``unpaired_shadow`` (records whose
    partner never came, within the pairing window), ``malformed`` and ``duplicates``
    (records skipped; each listed in ``problems`` with where and what, the first
    :data:`KEPT_PROBLEMS`). ``exact_match_rate`` compares decoded outputs for equality.
    Numeric outputs give ``differences`` (absolute) and ``relative_differences``
    (relative to production; pairs where production is 0 are left out); label outputs
    (strings, integers, booleans, or probability vectors by argmax) give
    ``agreement_rate`` and ``confusion`` (``(production label, shadow label) -> count``).
    With ``labels``: ``accuracy`` for labels, ``mae``/``rmse`` for numbers, each a
    mapping ``{"production": …, "shadow": …}``, over the ``labelled`` pairs.
    """

    paired: int
    unpaired_production: int
    unpaired_shadow: int
    exact_matches: int
    numeric_pairs: int
    label_pairs: int
    label_agreements: int
    differences: DifferenceSummary | None
    relative_differences: DifferenceSummary | None
    confusion: Mapping[tuple[object, object], int]
    labelled: int
    accuracy: Mapping[str, float] | None
    mae: Mapping[str, float] | None
    rmse: Mapping[str, float] | None
    malformed: int
    duplicates: int
    problems: tuple[CaptureProblem, ...]
    _kept: tuple[Disagreement, ...] = attrs.field(alias="kept", repr=False)
    _absolute: array[float] = attrs.field(alias="absolute", repr=False)

    @property
    def exact_match_rate(self) -> float | None:
        """Share of pairs whose decoded outputs are equal; ``None`` with no pairs."""
        return self.exact_matches / self.paired if self.paired else None

    @property
    def agreement_rate(self) -> float | None:
        """Share of label pairs whose labels agree; ``None`` when no pair had labels."""
        return self.label_agreements / self.label_pairs if self.label_pairs else None

    def disagreements(self, n: int = 10) -> tuple[Disagreement, ...]:
        """The first ``n`` pairs (in reading order) whose outputs differ, with both inputs
        and outputs, so you can look at them. At most ``keep_disagreements`` (given to
        :func:`compare_captures`) were kept."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be an integer >= 0, got {n!r}")
        return self._kept[:n]

    def __repr__(self) -> str:
        return (f"PredictionComparison(paired={self.paired}, "
                f"unpaired_production={self.unpaired_production}, "
                f"unpaired_shadow={self.unpaired_shadow}, "
                f"exact_match_rate={self.exact_match_rate!r}, "
                f"problems={self.malformed + self.duplicates})")

    # -- rendering ------------------------------------------------------------------------------

    def _facts(self) -> list[tuple[str, object]]:
        facts: list[tuple[str, object]] = [
            ("paired", f"{self.paired:,}"),
            ("unpaired production", f"{self.unpaired_production:,}"),
            ("unpaired shadow", f"{self.unpaired_shadow:,}"),
            ("exact match", _percent(self.exact_match_rate)),
        ]
        if self.label_pairs:
            facts.append(("label agreement",
                          f"{_percent(self.agreement_rate)} of {self.label_pairs:,} pairs"))
        if self.labelled:
            facts.append(("labelled pairs", f"{self.labelled:,}"))
            for name, scores in (("accuracy", self.accuracy), ("MAE", self.mae),
                                 ("RMSE", self.rmse)):
                if scores is not None:
                    show = _percent if name == "accuracy" else _number_text
                    facts.append((name, f"production {show(scores['production'])}, "
                                        f"shadow {show(scores['shadow'])}"))
        if self.malformed or self.duplicates:
            facts.append(("skipped", f"{self.malformed:,} malformed, "
                                     f"{self.duplicates:,} duplicate"))
        return facts

    def _difference_rows(self) -> list[list[object]]:
        rows: list[list[object]] = []
        for name, summary in (("absolute", self.differences),
                              ("relative", self.relative_differences)):
            if summary is not None:
                rows.append([name, f"{summary.count:,}", *(
                    _number_text(v) for v in (summary.mean, summary.p50, summary.p90,
                                              summary.p99, summary.max))])
        return rows

    def _confusion_rows(self, limit: int = 12) -> tuple[list[str], list[list[object]]]:
        labels = _top_labels(self.confusion, limit)
        headers = ["production \\ shadow", *(str(label) for label in labels)]
        rows: list[list[object]] = [[str(p), *(self.confusion.get((p, s), 0) for s in labels)]
                                    for p in labels]
        return headers, rows

    def _card(self) -> Card:
        """What both the text and the HTML form show: one description for both."""
        from shadowtest._display import Card, Table

        tables = []
        diff = self._difference_rows()
        if diff:
            tables.append(Table("Differences (shadow - production)", _DIFF_HEADERS, diff))
        if self.confusion:
            headers, rows = self._confusion_rows()
            tables.append(Table("Labels (rows: production, columns: shadow)", headers, rows))
        if self.problems:
            shown = self.problems[:_PROBLEMS_SHOWN]
            total = self.malformed + self.duplicates
            tables.append(Table(
                "Problems (records skipped)", ("side", "where", "line", "what"),
                [[p.side, p.source, p.line, p.message] for p in shown],
                more=f"… and {total - len(shown):,} more" if total > len(shown) else None))
        return Card("Prediction comparison (production vs shadow)", self._facts(), tables)

    def __str__(self) -> str:
        from shadowtest._display import card_text

        return card_text(self._card())

    def _repr_pretty_(self, printer: PrettyPrinter, cycle: bool) -> None:
        printer.text(repr(self) if cycle else str(self))

    def _repr_html_(self) -> str:
        from shadowtest._display import card_html

        return card_html(self._card())

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the histogram of absolute differences (numeric outputs) or the confusion
        heat map (labels) on ``ax`` (a new figure's axes if none); returns the axes.
        Needs matplotlib: ``pip install 'shadowtest[plot]'``."""
        try:
            import matplotlib  # noqa: F401  (pyplot, slower to import, only without an ax)
        except ImportError as error:
            raise ImportError("PredictionComparison.plot() needs matplotlib: "
                              "pip install 'shadowtest[plot]'") from error
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots()
        if self._absolute:
            ax.hist(list(self._absolute), bins=min(50, max(5, len(self._absolute) // 20)))
            ax.set_xlabel("|shadow - production|")
            ax.set_ylabel("pairs")
            ax.set_title(f"Prediction differences ({len(self._absolute):,} values)")
        elif self.confusion:
            labels = _top_labels(self.confusion, 20)
            grid = [[self.confusion.get((p, s), 0) for s in labels] for p in labels]
            image = ax.imshow(grid, cmap="Blues")
            names = [str(label) for label in labels]
            ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
            ax.set_yticks(range(len(names)), names)
            ax.set_xlabel("shadow")
            ax.set_ylabel("production")
            ax.set_title("Label agreement")
            ax.figure.colorbar(image, ax=ax)
        else:
            ax.set_title("No numeric or label pairs to plot")
        return ax

    @staticmethod
    def athena_sql(
        *,
        destination: str,
        endpoint_name: str,
        production_variant: str,
        shadow_variant: str,
        table: str = "shadowtest_capture",
        output_json_path: str | None = None,
        since: datetime | None = None,
    ) -> str:
        """The same pairing, run by Amazon Athena over the whole capture prefix: a ``CREATE
        EXTERNAL TABLE`` (JSON SerDe, partition projection on variant and hour, so nothing
        needs ``MSCK REPAIR``) and a query reporting paired and unpaired counts, duplicates,
        the exact-match rate and, where outputs read as numbers, absolute-difference mean,
        p50/p90/p99 and max. Run the two statements one after the other.

        ``output_json_path`` (e.g. ``'$.predictions[0]'``) picks the number out of JSON
        outputs; ``since`` limits the query to hours from then on.
        """
        if not destination.startswith("s3://"):
            raise ValueError(f"destination must be an s3:// URI, got {destination!r}")
        if not table or set(table) - _SQL_NAME:
            raise ValueError(f"table must be lowercase letters, digits and _, got {table!r}")
        location = f"{destination.rstrip('/')}/{endpoint_name}/"
        value = "payload" if output_json_path is None else (
            f"json_extract_scalar(payload, {_sql_string(output_json_path)})")
        hour = "" if since is None else (
            "\n    AND hour >= "
            + _sql_string(since.astimezone(timezone.utc).strftime("%Y/%m/%d/%H")))
        variants = f"{production_variant},{shadow_variant}"
        part = "struct<observedcontenttype: string, mode: string, data: string, encoding: string>"
        production, shadow = _sql_string(production_variant), _sql_string(shadow_variant)
        return f"""CREATE EXTERNAL TABLE IF NOT EXISTS {table} (
  capturedata struct<
    endpointinput: {part},
    endpointoutput: {part}>,
  eventmetadata struct<eventid: string, inferenceid: string, inferencetime: string>,
  eventversion string)
PARTITIONED BY (variant string, hour string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION {_sql_string(location)}
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.variant.type' = 'enum',
  'projection.variant.values' = {_sql_string(variants)},
  'projection.hour.type' = 'date',
  'projection.hour.format' = 'yyyy/MM/dd/HH',
  'projection.hour.range' = '2020/01/01/00,NOW',
  'projection.hour.interval' = '1',
  'projection.hour.interval.unit' = 'HOURS',
  'storage.location.template' = {_sql_string(location + "${variant}/${hour}/")}
);

WITH records AS (
  SELECT variant,
         coalesce(nullif(eventmetadata.inferenceid, ''), eventmetadata.eventid) AS id,
         CASE capturedata.endpointoutput.encoding
           WHEN 'BASE64' THEN from_utf8(from_base64(capturedata.endpointoutput.data))
           ELSE capturedata.endpointoutput.data END AS payload
  FROM {table}
  WHERE variant IN ({production}, {shadow}){hour}
),
sides AS (
  SELECT id,
         count_if(variant = {production}) AS production_records,
         count_if(variant = {shadow}) AS shadow_records,
         arbitrary(payload) FILTER (WHERE variant = {production}) AS production,
         arbitrary(payload) FILTER (WHERE variant = {shadow}) AS shadow
  FROM records
  GROUP BY id
),
pairs AS (
  SELECT *,
         abs(try_cast({value.replace('payload', 'shadow')} AS double)
             - try_cast({value.replace('payload', 'production')} AS double)) AS difference
  FROM sides
)
SELECT count_if(production_records > 0 AND shadow_records > 0) AS paired,
       count_if(shadow_records = 0) AS unpaired_production,
       count_if(production_records = 0) AS unpaired_shadow,
       sum(greatest(production_records - 1, 0) + greatest(shadow_records - 1, 0)) AS duplicates,
       avg(IF(production = shadow, 1.0, 0.0))
         FILTER (WHERE production_records > 0 AND shadow_records > 0) AS exact_match_rate,
       count(difference) AS numeric_pairs,
       avg(difference) AS difference_mean,
       approx_percentile(difference, 0.5) AS difference_p50,
       approx_percentile(difference, 0.9) AS difference_p90,
       approx_percentile(difference, 0.99) AS difference_p99,
       max(difference) AS difference_max
FROM pairs;
"""


_DIFF_HEADERS: Final = ("difference", "count", "mean", "p50", "p90", "p99", "max")
_PROBLEMS_SHOWN: Final = 10


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def _number_text(value: float) -> str:
    return f"{value:.4g}"


def _top_labels(confusion: Mapping[tuple[object, object], int], limit: int) -> list[object]:
    totals: dict[object, int] = {}
    for (p, s), count in confusion.items():
        totals[p] = totals.get(p, 0) + count
        totals[s] = totals.get(s, 0) + count
    ranked = sorted(totals, key=lambda label: (-totals[label], str(label)))[:limit]
    return sorted(ranked, key=str)


# -- reading -----------------------------------------------------------------------------------

CaptureInput: TypeAlias = Union[  # a runtime alias: Python 3.10 cannot | a string
    str, "os.PathLike[str]",
    Iterable[Union[CaptureRecord, str, bytes, "os.PathLike[str]", CaptureFile]]]
"""What :func:`compare_captures` reads for one side: a path (a ``.jsonl`` file, or a
directory whose ``*.jsonl`` files are read in name order, which is time order), or an
iterable of :class:`CaptureRecord`, JSON lines (``str``/``bytes``), paths
(``os.PathLike``) and :class:`CaptureFile`."""


_CHUNK: Final = 1024  # entries a reader hands over at once; also how often waiting is swept
# JSONDecoder.raw_decode is json.loads without its wrapper (a type check, a BOM check, two
# whitespace regex matches, and for bytes an encoding sniff in Python): the fast path below
# parses each line and each JSON output with it. benchmarks/capture.py, 2 x 500,000
# records: with json.loads compare_captures ran at 0.70x the bare json.loads loop; with
# raw_decode, 1.3-1.4x (and 0.55x a bare loop that also uses raw_decode).
_decode: Final = json.JSONDecoder().raw_decode


class _Reader:
    """Turns one side's input into lists of entries, counting and locating bad lines."""

    def __init__(self, side: Side, since: str, problems: _Problems, inputs: list[bool]
                 ) -> None:
        self.side = side
        self.since = since
        self.problems = problems
        # inputs[0]: still keep each record's input? Only a disagreement shows one, so once
        # enough are kept, a waiting record holds no input (they can be large)
        self.inputs = inputs

    def chunks(self, items: object) -> Iterator[list[_Entry]]:
        if isinstance(items, str) and items.lstrip().startswith("{"):
            # a capture line where a path was expected: say so without quoting it
            raise TypeError(f"{self.side}: got one JSON line where a path or an iterable "
                            "was expected; pass lines in a list ([line])")
        if isinstance(items, (str, os.PathLike)):
            yield from self._path(Path(items))
            return
        if not isinstance(items, Iterable):
            raise TypeError(f"{self.side}: got {type(items).__name__}; give a path, or an "
                            "iterable of CaptureRecord, JSON lines, paths or CaptureFile")
        source = f"<{self.side}>"
        loose: list[tuple[int, str | bytes]] = []  # lines given directly, with their numbers
        for n, item in enumerate(items, 1):
            kind = type(item)
            if kind is str or kind is bytes:
                loose.append((n, item))
                if len(loose) >= _CHUNK:
                    yield from self._lines(source, loose)
                    loose = []
                continue
            if loose:
                yield from self._lines(source, loose)
                loose = []
            if kind is CaptureRecord:
                entry = self._record(item, source, n)
                if entry is not None:
                    yield [entry]
            elif kind is CaptureFile:
                yield from self._lines(item.name, enumerate(item.lines, 1))
            elif isinstance(item, os.PathLike):
                yield from self._path(Path(item))
            else:
                raise TypeError(f"{self.side}[{n - 1}]: got {kind.__name__}; items must be "
                                "CaptureRecord, JSON lines (str or bytes), paths or "
                                "CaptureFile")
        if loose:
            yield from self._lines(source, loose)

    def _path(self, path: Path) -> Iterator[list[_Entry]]:
        files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            with file.open("rb") as lines:
                yield from self._lines(str(file), enumerate(lines, 1))

    def _lines(self, source: str, lines: Iterable[tuple[int, str | bytes]]
               ) -> Iterator[list[_Entry]]:
        # The hot path: one parse of the line and one of a JSON output; everything else is
        # dictionary lookups. The careful route runs only when something here fails.
        decode, since, inputs = _decode, self.since, self.inputs
        chunk: list[_Entry] = []
        for n, line in lines:
            try:
                text = line.decode() if type(line) is bytes else line
                d, end = decode(text)  # type: ignore[arg-type]
                if end != len(text) and not text[end:].isspace():
                    raise ValueError
                meta = d["eventMetadata"]
                capture = d["captureData"]
                out = capture["endpointOutput"]
                key = meta.get("inferenceId") or meta["eventId"]
                when = meta.get("inferenceTime", "")
                data = out["data"]
                if out["encoding"] == "JSON":
                    output, end = decode(data)
                    if end != len(data):
                        raise ValueError
                else:
                    output = _payload(out, "captureData.endpointOutput")
                if type(key) is not str or type(when) is not str:
                    raise TypeError
                entry = (when, key, output,
                         capture.get("endpointInput") if inputs[0] else None, source, n)
            except Exception:  # anything odd: the careful route says what
                found = self._careful(line, source, n)
                if found is None:
                    continue
                entry = found
            if since and entry[0][:19] < since:
                continue
            chunk.append(entry)
            if len(chunk) >= _CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _careful(self, line: str | bytes, source: str, n: int) -> _Entry | None:
        """The entry for a line the fast path could not read, or ``None`` after recording
        what is wrong with it (a blank line is no problem, just nothing)."""
        if not line.strip():
            return None
        try:
            d = _line_object(line)
            capture, meta = _sections(d)
            inference_id, event_id, when = _ids(meta)
            output = _payload(capture.get("endpointOutput"), "captureData.endpointOutput")
        except _Bad as bad:
            self.problems.add(self.side, source, n, str(bad))
            return None
        key = inference_id or event_id or ""
        return (when, key, output, capture.get("endpointInput") if self.inputs[0] else None,
                source, n)

    def _record(self, record: CaptureRecord, source: str, n: int) -> _Entry | None:
        if not record.key:
            self.problems.add(self.side, source, n, "record has neither inference_id nor event_id")
            return None
        when = "" if record.time is None else _iso(record.time)
        if self.since and when[:19] < self.since:
            return None
        return (when, record.key, record.output,
                _Ready(record.input) if self.inputs[0] else None, source, n)


def _iso(when: datetime) -> str:
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"


class _Problems:
    def __init__(self) -> None:
        self.kept: list[CaptureProblem] = []
        self.malformed = 0
        self.duplicates = 0

    def add(self, side: Side, source: str, line: int, message: str, *,
            duplicate: bool = False) -> None:
        if duplicate:
            self.duplicates += 1
        else:
            self.malformed += 1
        if len(self.kept) < KEPT_PROBLEMS:
            self.kept.append(CaptureProblem(side=side, source=source, line=line,
                                            message=message))


# -- comparing ---------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    kind = type(value)
    return kind is float or kind is int


def _probabilities(value: object) -> bool:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        return False
    if not all(type(v) is float or type(v) is int for v in value):
        return False
    return all(0 <= v <= 1 for v in value) and abs(math.fsum(value) - 1) <= _PROBABILITY_SLACK


def _unwrap(value: object) -> object:
    """The prediction inside common response wrappers: a one-key object
    (``{"predictions": …}``) or a one-item list (a batch of one)."""
    while True:
        if isinstance(value, dict) and len(value) == 1:
            value = next(iter(value.values()))
        elif isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        else:
            return value


def _label(value: object) -> object | None:
    """The label an output stands for, or ``None`` if it is not a label."""
    if isinstance(value, (str, bool)) or type(value) is int:
        return value
    if _probabilities(value):
        items = list(value)  # type: ignore[call-overload]
        return max(range(len(items)), key=items.__getitem__)
    return None


def _vector(value: object) -> list[float] | None:
    if isinstance(value, (list, tuple)) and value and all(
            type(v) is float or type(v) is int for v in value):
        return [float(v) for v in value]
    return None


def _same_label(label: object, truth: object) -> bool:
    return label == truth or str(label) == str(truth)


class _Tally:
    """Everything a comparison counts, updated one pair at a time."""

    def __init__(self, labels: Mapping[str, object] | None, keep: int) -> None:
        self.labels = labels
        self.keep = keep
        self.inputs = [keep > 0]  # shared with the readers: are inputs still wanted?
        self.kept: list[Disagreement] = []
        self.paired = self.exact = self.numeric = self.label_pairs = self.agree = 0
        self.absolute: array[float] = array("d")
        self.relative: array[float] = array("d")
        self.confusion: dict[tuple[object, object], int] = {}
        self.labelled = 0
        self.correct = [0, 0]
        # |prediction - truth| per side, summed exactly at the end (math.fsum), so the
        # order pairs arrive in cannot change the last digit of MAE or RMSE
        self.errors: tuple[array[float], array[float]] = (array("d"), array("d"))

    def pair(self, production: _Entry, shadow: _Entry) -> None:
        self.paired += 1
        p, s = production[2], shadow[2]
        same = p == s
        if same:
            self.exact += 1
        elif len(self.kept) < self.keep:
            self.kept.append(Disagreement(
                key=production[1], production_input=_input_of(production[3]),
                production_output=p, shadow_input=_input_of(shadow[3]), shadow_output=s,
                production_where=f"{production[4]}:{production[5]}",
                shadow_where=f"{shadow[4]}:{shadow[5]}"))
            if len(self.kept) == self.keep:
                self.inputs[0] = False
        if type(p) is float and type(s) is float:  # the common case of a score, first
            self.numeric += 1
            gap = abs(s - p)
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))
        else:
            self._slow(p, s)
        if self.labels is not None and production[1] in self.labels:
            self._score(p, s, self.labels[production[1]])

    def _slow(self, p: object, s: object) -> None:
        p, s = _unwrap(p), _unwrap(s)
        if _is_number(p) and _is_number(s) and (type(p) is float or type(s) is float):
            self.numeric += 1
            gap = abs(s - p)  # type: ignore[operator]
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))  # type: ignore[arg-type]
            return
        lp, ls = _label(p), _label(s)
        if lp is not None and ls is not None:
            self.label_pairs += 1
            self.agree += lp == ls
            self.confusion[(lp, ls)] = self.confusion.get((lp, ls), 0) + 1
            return
        vp, vs = _vector(p), _vector(s)
        if vp is not None and vs is not None and len(vp) == len(vs):
            self.numeric += 1
            for a, b in zip(vp, vs, strict=True):
                gap = abs(b - a)
                self.absolute.append(gap)
                if a:
                    self.relative.append(gap / abs(a))
        # anything else (bytes, objects, vectors of different lengths): exact match only

    def _score(self, p: object, s: object, truth: object) -> None:
        p, s = _unwrap(p), _unwrap(s)
        if _is_number(truth) and _is_number(p) and _is_number(s) and (
                type(p) is float or type(s) is float or type(truth) is float):
            self.labelled += 1
            self.errors[0].append(abs(p - truth))  # type: ignore[operator]
            self.errors[1].append(abs(s - truth))  # type: ignore[operator]
            return
        lp, ls = _label(p), _label(s)
        if lp is not None and ls is not None:
            self.labelled += 1
            self.correct[0] += _same_label(lp, truth)
            self.correct[1] += _same_label(ls, truth)

    def result(self, unpaired: list[int], problems: _Problems) -> PredictionComparison:
        accuracy: MappingProxyType[str, float] | None = None
        mae: MappingProxyType[str, float] | None = None
        rmse: MappingProxyType[str, float] | None = None
        n_errors = len(self.errors[0])
        n_labels = self.labelled - n_errors
        if n_labels:
            accuracy = MappingProxyType({str(side): self.correct[i] / n_labels
                                         for i, side in enumerate(SIDES)})
        if n_errors:
            mae = MappingProxyType({str(side): math.fsum(self.errors[i]) / n_errors
                                    for i, side in enumerate(SIDES)})
            rmse = MappingProxyType({
                str(side): math.sqrt(math.fsum(e * e for e in self.errors[i]) / n_errors)
                for i, side in enumerate(SIDES)})
        return PredictionComparison(
            paired=self.paired, unpaired_production=unpaired[0], unpaired_shadow=unpaired[1],
            exact_matches=self.exact, numeric_pairs=self.numeric, label_pairs=self.label_pairs,
            label_agreements=self.agree,
            differences=DifferenceSummary.of(self.absolute),
            relative_differences=DifferenceSummary.of(self.relative),
            confusion=MappingProxyType(dict(self.confusion)), labelled=self.labelled,
            accuracy=accuracy, mae=mae, rmse=rmse,
            malformed=problems.malformed, duplicates=problems.duplicates,
            problems=tuple(problems.kept), kept=tuple(self.kept), absolute=self.absolute)


def _cutoff(when: str, window: timedelta) -> str:
    """The ``inferenceTime`` prefix (to the second) ``window`` before ``when``."""
    try:
        moment = datetime.strptime(when[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return ""
    return (moment - window).strftime("%Y-%m-%dT%H:%M:%S")


def compare_captures(
    production: CaptureInput,
    shadow: CaptureInput,
    *,
    labels: Mapping[str, object] | None = None,
    limit: int | None = None,
    since: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    keep_disagreements: int = 100,
) -> PredictionComparison:
    """Pair production's and shadow's captured records and compare their outputs.

    Each side is a path (a ``.jsonl`` file or a directory of them), or an iterable of
    :class:`CaptureRecord`, JSON lines, paths and :class:`CaptureFile` — each side in
    time order, as SageMaker writes them. Records pair by ``inferenceId``, else
    ``eventId``. The two sides are read merged by ``inferenceTime``, so only records
    still waiting for their partner are held: one that waits longer than ``window``
    (measured in ``inferenceTime``) is counted unpaired. (For exact percentiles each
    numeric difference is kept too, as an 8-byte float.) A malformed line is counted and
    listed in ``problems`` with its file and line number, then skipped; so is a second
    record with the id of one already seen on the same side (a duplicate), while the
    first is waiting or within :data:`DUPLICATE_MEMORY` of its pairing.

    ``labels`` maps inference id (else event id) to the true value, for each variant's
    accuracy (labels) or MAE and RMSE (numbers). ``limit`` stops after that many pairs;
    ``since`` skips records from before that (aware) time. ``keep_disagreements``
    bounds what :meth:`PredictionComparison.disagreements` can return.

    >>> line = ('{{"captureData": {{"endpointOutput": {{"data": "{out}", "encoding": "CSV", '
    ...         '"observedContentType": "text/csv", "mode": "OUTPUT"}}}}, '
    ...         '"eventMetadata": {{"eventId": "e1", "inferenceId": "r1"}}, "eventVersion": "0"}}')
    >>> compare_captures([line.format(out="0.5")], [line.format(out="0.75")]).differences.max
    0.25
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 1):
        raise ValueError(f"limit must be an integer >= 1 (pairs), got {limit!r}")
    if since is not None and (since.tzinfo is None or since.utcoffset() is None):
        raise ValueError(f"since must be a timezone-aware datetime, got {since!r}")
    if not isinstance(window, timedelta) or window <= timedelta(0):
        raise ValueError(f"window must be a positive timedelta, got {window!r}")
    if labels is not None and not (isinstance(labels, Mapping)
                                   and all(isinstance(key, str) for key in labels)):
        # the values are not shown: they are the user's ground truth
        raise ValueError(f"labels must be a mapping of inference id (a string) to the true "
                         f"value, got {type(labels).__name__}")
    problems = _Problems()
    after = _iso(since)[:19] if since is not None else ""
    tally = _Tally(labels, keep_disagreements)
    streams = (_Reader("production", after, problems, tally.inputs).chunks(production),
               _Reader("shadow", after, problems, tally.inputs).chunks(shadow))
    pair = tally.pair
    unpaired = [0, 0]
    waiting: tuple[dict[str, _Entry], dict[str, _Entry]] = ({}, {})
    recent: dict[str, str] = {}  # keys paired lately -> when, to catch late duplicates
    heads = [next(streams[0], None), next(streams[1], None)]
    stop = limit if limit is not None else -1
    while True:
        # the two sides merged by time, a chunk at a time: what waits for a partner is
        # about one chunk, however long the capture
        a, b = heads
        if a is None:
            if b is None:
                break
            side = 1
        elif b is None or a[0][0] <= b[0][0]:
            side = 0
        else:
            side = 1
        chunk: list[_Entry] = heads[side]  # type: ignore[assignment]
        heads[side] = next(streams[side], None)
        mine, other = waiting[side], waiting[1 - side]
        for entry in chunk:
            key = entry[1]
            partner = other.pop(key, None)
            if partner is None:
                if key in mine or key in recent:
                    _duplicate(problems, SIDES[side], entry, mine.get(key))
                else:
                    mine[key] = entry
                continue
            if side:
                pair(partner, entry)
            else:
                pair(entry, partner)
            recent[key] = entry[0]
            if tally.paired == stop:
                break
        if tally.paired == stop:
            break
        # this side has read up to its last time: a record of the other side older than
        # that by more than the window will not find its partner any more
        cutoff = _cutoff(chunk[-1][0], window)
        if cutoff:
            unpaired[1 - side] += _evict(other, cutoff)
            _forget(recent, _cutoff(chunk[-1][0], DUPLICATE_MEMORY))
    unpaired[0] += len(waiting[0])
    unpaired[1] += len(waiting[1])
    return tally.result(unpaired, problems)


def _duplicate(problems: _Problems, side: Side, entry: _Entry, first: _Entry | None) -> None:
    where = f" (first at {first[4]}:{first[5]})" if first is not None else ""
    problems.add(side, entry[4], entry[5], f"duplicate id: another {side} record has it{where}",
                 duplicate=True)


def _evict(waiting: dict[str, _Entry], cutoff: str) -> int:
    """Drop the records (oldest first) that waited past ``cutoff``; how many."""
    stale = []
    for key, entry in waiting.items():
        if not entry[0] or entry[0][:19] >= cutoff:
            break
        stale.append(key)
    for key in stale:
        del waiting[key]
    return len(stale)


def _forget(recent: dict[str, str], cutoff: str) -> None:
    stale = []
    for key, when in recent.items():
        if not when or when[:19] >= cutoff:
            break
        stale.append(key)
    for key in stale:
        del recent[key]


# -- reading from S3 (the client hands its boto3 S3 client in; nothing here imports boto3) --

READ_AHEAD: Final = 4
"""Capture files a side fetches ahead of the one being read (on as many threads)."""


def variant_prefix(destination: str, endpoint_name: str, variant: str) -> tuple[str, str]:
    """``(bucket, key prefix)`` of one variant's captures:
    ``<Destination>/<EndpointName>/<VariantName>/``.

    >>> variant_prefix("s3://ml-captures/churn", "churn", "shadow")
    ('ml-captures', 'churn/churn/shadow/')
    """
    if not destination.startswith("s3://"):
        raise ValueError(f"destination must be an s3:// URI, got {destination!r}")
    bucket, _, path = destination[len("s3://"):].partition("/")
    path = path.strip("/")
    return bucket, f"{path}/{endpoint_name}/{variant}/" if path else f"{endpoint_name}/{variant}/"


def read_s3_captures(s3: S3Client, bucket: str, prefix: str, *,
                     since: datetime | None = None) -> Generator[CaptureFile, None, None]:
    """Every capture file under ``prefix``, in time order (S3 lists keys in name order,
    and the ``yyyy/mm/dd/hh/MM-SS-mmm`` layout makes that time order), as
    :class:`CaptureFile`\\ s named ``s3://bucket/key``. Objects are listed page by page
    and fetched :data:`READ_AHEAD` at a time on a small thread pool, so reading overlaps
    parsing while memory holds only those few files. With ``since``, listing starts at
    that hour.
    """
    from concurrent.futures import ThreadPoolExecutor

    paginator = s3.get_paginator("list_objects_v2")
    if since is None:
        pages = paginator.paginate(Bucket=bucket, Prefix=prefix)
    else:  # keys of the hour of `since` sort after "<prefix>yyyy/mm/dd/hh"
        pages = paginator.paginate(Bucket=bucket, Prefix=prefix, StartAfter=(
            prefix + since.astimezone(timezone.utc).strftime("%Y/%m/%d/%H")))
    keys = (item["Key"] for page in pages for item in page.get("Contents", ())
            if item["Key"].endswith(".jsonl"))

    def fetch(key: str) -> CaptureFile:
        body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return CaptureFile(f"s3://{bucket}/{key}", body.splitlines())

    pool = ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="shadowtest-s3")
    pending: deque[Future[CaptureFile]] = deque()
    try:
        for key in keys:
            pending.append(pool.submit(fetch, key))
            if len(pending) > READ_AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # the comparison may stop early (a limit): drop what was fetched ahead
        for future in pending:
            future.cancel()
        pool.shutdown(wait=False)


# -- Amazon Athena -----------------------------------------------------------------------------

_SQL_NAME: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

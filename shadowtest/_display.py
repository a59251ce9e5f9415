"""Rendering shared by every public object: HTML for notebooks and aligned plain text.

Imported only when an object is displayed (``_repr_html_``, ``_repr_pretty_``,
``str()`` of a report), never by ``import shadowtest``. Everything that reaches HTML
goes through :func:`escape`, so a description holding ``<script>`` renders as text;
the only markup that passes through is :class:`Html`, built here from escaped parts.

The building blocks, for every module that renders:

- :func:`html_table` / :func:`text_table`: a table with headers and rows;
- :func:`html_card` / :func:`text_card`: a title, a list of ``(label, value)`` facts,
  then tables;
- :class:`Card` (facts and :class:`Table` items) rendered by :func:`card_html` and
  :func:`card_text`, for a report that wants both forms from one description;
- :func:`status_html`: a status word with its colour cue;
- :func:`escape`: any value as safe HTML text.

And the renderers of the objects of :mod:`shadowtest.config`,
:mod:`shadowtest.experiment` and :mod:`shadowtest.errors`: :func:`to_html`,
:func:`to_text` and :func:`pretty` take any of them. This module imports none of
those modules (it reads the objects' attributes), so it depends on nothing above it.

Rendering never sends a request: the only outside input is the wall clock, read
to say how long a running experiment has left.
"""

from __future__ import annotations

import html
import textwrap
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from shadowtest.config import (
        DataStorageConfig,
        InferenceExperimentConfig,
        InferenceExperimentSchedule,
        ModelVariantConfig,
        ShadowModeConfig,
    )
    from shadowtest.errors import ConfigValidationError, UpdateNotAllowedError
    from shadowtest.experiment import (
        EndpointMetadata,
        InferenceExperiment,
        InferenceExperimentSummary,
        ModelVariantSummary,
    )
    from shadowtest.listing import ExperimentList

__all__ = [
    "WIDTH",
    "Card",
    "Html",
    "PrettyPrinter",
    "Table",
    "card_html",
    "card_of",
    "card_text",
    "escape",
    "html_card",
    "html_table",
    "pretty",
    "status_html",
    "text_card",
    "text_table",
    "to_html",
    "to_text",
]

WIDTH = 88
"""Plain text is wrapped to this many columns."""

_UTC = timezone.utc


class Html(str):
    """Markup built from escaped parts: :func:`escape` passes it through unchanged."""

    __slots__ = ()


class PrettyPrinter(Protocol):
    """What ``_repr_pretty_`` receives from IPython (only ``text`` is used)."""

    def text(self, obj: str) -> None:
        """Append ``obj`` to the output."""


def escape(value: object) -> str:
    """``value`` as HTML text (``None`` shows as an em dash; :class:`Html` as it is)."""
    if value is None:
        return "—"
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=True)


def html_table(headers: Sequence[str], rows: Iterable[Sequence[object]], *,
               caption: str | None = None) -> str:
    """An HTML ``<table>`` with a header row and one row per item of ``rows``."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_card(title: str, facts: Iterable[tuple[str, object]], *tables: str) -> str:
    """A block with a bold ``title``, a two-column list of facts, then ready ``tables``."""
    rows = "".join(f"<tr><th style=\"text-align:left\">{escape(label)}</th>"
                   f"<td style=\"text-align:left\">{escape(value)}</td></tr>"
                   for label, value in facts)
    facts_table = f"<table>{rows}</table>" if rows else ""
    return f"<div><strong>{escape(title)}</strong>{facts_table}" + "".join(tables) + "</div>"


def text_table(headers: Sequence[str], rows: Iterable[Sequence[object]], *,
               width: int | None = None) -> str:
    """An aligned plain-text table: a header line, a rule, one line per row.

    With ``width``, a last column that would make lines longer is wrapped onto
    continuation lines (it keeps at least 24 columns)."""
    cells = [[str(h) for h in headers]]
    cells += [["—" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    last_width = widths[-1] if widths else 0
    if width is not None and widths:
        room = width - sum(w + 2 for w in widths[:-1])
        last_width = min(widths[-1], max(room, 24))
        widths[-1] = max(len(cells[0][-1]), min(widths[-1], last_width))
    lines: list[str] = []
    for row in cells:
        parts = [row[-1]] if len(row[-1]) <= last_width else (
            textwrap.wrap(row[-1], last_width) or [""])
        head = [cell.ljust(w) for cell, w in zip(row[:-1], widths[:-1], strict=True)]
        lines.append("  ".join([*head, parts[0]]).rstrip())
        blank = ["".ljust(w) for w in widths[:-1]]
        lines.extend("  ".join([*blank, part]).rstrip() for part in parts[1:])
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def text_card(title: str, facts: Iterable[tuple[str, object]], *tables: str,
              width: int = WIDTH) -> str:
    """``title``, then one ``label  value`` line per fact (long values wrapped under
    themselves), then each of ``tables`` after a blank line."""
    shown = [(label, "—" if value is None else str(value)) for label, value in facts]
    indent = max((len(label) for label, _ in shown), default=0) + 4
    lines = [title]
    room = max(width - indent, 20)
    for label, value in shown:
        # textwrap costs ~20 us a call: most values fit and skip it
        wrapped = [value] if len(value) <= room else textwrap.wrap(value, room) or [""]
        lines.append(f"  {label.ljust(indent - 4)}  {wrapped[0]}")
        lines.extend(" " * indent + part for part in wrapped[1:])
    for table in tables:
        lines += ["", table]
    return "\n".join(lines)


# -- a card: what both HTML and text show of one object ------------------------------------


class Table(NamedTuple):
    """A table of a card: a caption, the headers, the rows; ``more`` is a closing line."""

    caption: str | None
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    more: str | None = None


class Card(NamedTuple):
    """What one object shows: a title, ``(label, value)`` facts, then tables.

    Values may be :class:`Html` (a status with its colour): the text form shows the
    text inside the markup, kept apart in ``plain``."""

    title: str
    facts: Sequence[tuple[str, object]]
    tables: Sequence[Table] = ()


def _plain(value: object) -> object:
    return value.plain if isinstance(value, _Status) else value


def to_html(obj: object, *, now: datetime | None = None) -> str:
    """``obj`` (a config, an experiment, a list result, an error) as an HTML card."""
    return card_html(card_of(obj, now=now))


def to_text(obj: object, *, now: datetime | None = None, width: int = WIDTH) -> str:
    """``obj`` as multi-line plain text, wrapped to ``width`` columns."""
    return card_text(card_of(obj, now=now), width=width)


def card_html(card: Card) -> str:
    """A :class:`Card` as HTML: its facts, then each table with its closing line."""
    tables = []
    for t in card.tables:
        table = html_table(t.headers, t.rows, caption=t.caption)
        if t.more:
            table += f"<p><em>{escape(t.more)}</em></p>"
        tables.append(table)
    return html_card(card.title, card.facts, *tables)


def card_text(card: Card, *, width: int = WIDTH) -> str:
    """A :class:`Card` as plain text wrapped to ``width`` columns (statuses uncoloured)."""
    tables = []
    for t in card.tables:
        table = text_table(t.headers, [[_plain(c) for c in row] for row in t.rows],
                           width=width - 2)
        if t.caption:
            table = f"{t.caption}:\n{table}"
        if t.more:
            table += f"\n{t.more}"
        tables.append(textwrap.indent(table, "  "))
    return text_card(card.title, [(label, _plain(value)) for label, value in card.facts],
                     *tables, width=width)


def pretty(obj: object, p: PrettyPrinter, cycle: bool) -> None:
    """IPython's ``_repr_pretty_``: the text form (these objects hold no cycles, but
    IPython's contract asks for a short form when ``cycle`` is true)."""
    p.text(f"{type(obj).__name__}(...)" if cycle else to_text(obj))


def card_of(obj: object, *, now: datetime | None = None) -> Card:
    """The :class:`Card` of ``obj``, chosen by its class (or a base class) name."""
    from shadowtest.errors import MalformedResponseError

    for klass in type(obj).__mro__:
        build = _CARDS.get(klass.__name__)
        if build is not None:
            try:
                return build(obj, now)
            except MalformedResponseError as error:
                # a display must not fail: show what the response lacks, and the repr
                # (which leaves out what it cannot read)
                return Card(f"{type(obj).__name__} (malformed response)",
                            [("problem", str(error)), ("as read", repr(obj))])
    raise TypeError(f"shadowtest does not know how to render a {type(obj).__name__}")


# -- values -------------------------------------------------------------------------------------


class _Status(Html):
    """A coloured status: HTML markup, with its plain text kept for the text form
    (a ``str`` subclass cannot have slots of its own, so ``plain`` lives in a dict)."""

    plain: str


# The console's cues: green when serving, blue when ready, amber while moving, grey when
# done, red when cancelled; anything this version doesn't know is grey too.
_COLOURS = {
    "Running": "#1a7f37", "InService": "#1a7f37",
    "Created": "#0969da",
    "Creating": "#9a6700", "Updating": "#9a6700", "Starting": "#9a6700",
    "Stopping": "#9a6700", "SystemUpdating": "#9a6700", "RollingBack": "#9a6700",
    "Deleting": "#9a6700",
    "Completed": "#57606a", "Deleted": "#57606a", "OutOfService": "#57606a",
    "Cancelled": "#cf222e", "Failed": "#cf222e", "UpdateRollbackFailed": "#cf222e",
}


def status_html(status: object) -> Html:
    """``status`` as coloured HTML (a dot and the word); its text form is the word."""
    if status is None:
        return Html("—")
    word = str(status)
    colour = _COLOURS.get(word, "#57606a")
    out = _Status(f'<span style="color:{colour};font-weight:bold">'
                  f"&#9679; {escape(word)}</span>")
    out.plain = word
    return out


def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.astimezone(_UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _span(delta: timedelta) -> str:
    """A duration in its two largest units: ``6 d 23 h``, ``2 h 5 min``, ``40 s``."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


def _schedule(schedule: InferenceExperimentSchedule | None) -> str | None:
    if schedule is None:
        return None
    start, end = schedule.start_time, schedule.end_time
    if start is None and end is None:
        return "starts on creation, runs 7 days"
    text = f"{_when(start) or 'on creation'} → {_when(end) or '7 days later'}"
    if start is not None and end is not None:
        text += f" ({_span(end - start)})"
    return text


def _time_left(status: str, schedule: InferenceExperimentSchedule | None,
               completed: datetime | None, now: datetime | None) -> str | None:
    """How far the schedule has to go, for an experiment in ``status`` at ``now``."""
    if status in ("Completed", "Cancelled"):
        return f"ended {_when(completed)}" if completed else "ended"
    if schedule is None:
        return None
    start, end = schedule.start_time, schedule.end_time
    if now is None:
        now = datetime.now(_UTC)
    if start is not None and start.tzinfo is not None and now < start:
        return f"starts in {_span(start - now)}"
    if end is None or end.tzinfo is None:
        return None
    if now >= end:
        return "the scheduled end has passed"
    return f"{_span(end - now)} left"


def _instances(instance_type: str, count: int) -> str:
    return f"{instance_type} × {count}"


def _sampling(shadow_mode: ShadowModeConfig | None) -> str | None:
    if shadow_mode is None:
        return None
    return (f"{shadow_mode.sampling_percentage} % of requests to "
            f"{shadow_mode.source_model_variant_name!r} copied to "
            f"{shadow_mode.shadow_model_variant_name!r}")


def _capture(storage: DataStorageConfig | None) -> str:
    if storage is None:
        return "off"
    types = [*storage.csv_content_types, *storage.json_content_types]
    extra = f" ({', '.join(types)})" if types else ""
    kms = f", encrypted with {storage.kms_key}" if storage.kms_key else ""
    return f"{storage.destination}{extra}{kms}"


def _role(name: str, shadow_mode: ShadowModeConfig | None) -> str | None:
    if shadow_mode is None:
        return None
    if name == shadow_mode.source_model_variant_name:
        return "production"
    if name == shadow_mode.shadow_model_variant_name:
        return "shadow"
    return None


def _tags(tags: Mapping[str, str] | None) -> str | None:
    if not tags:
        return None
    return ", ".join(f"{key}={value}" for key, value in tags.items())


# -- the cards ----------------------------------------------------------------------------------


def _variant_card(v: ModelVariantConfig, now: datetime | None) -> Card:
    return Card(f"ModelVariantConfig {v.variant_name}", [
        ("variant", v.variant_name), ("model", v.model_name),
        ("instances", _instances(v.instance_type, v.instance_count))])


def _shadow_mode_card(s: ShadowModeConfig, now: datetime | None) -> Card:
    return Card("ShadowModeConfig", [
        ("production variant", s.source_model_variant_name),
        ("shadow variant", s.shadow_model_variant_name),
        ("sampling", f"{s.sampling_percentage} %")])


def _schedule_card(s: InferenceExperimentSchedule, now: datetime | None) -> Card:
    duration = s.duration
    return Card("InferenceExperimentSchedule", [
        ("start", _when(s.start_time) or "on creation"),
        ("end", _when(s.end_time) or "7 days after the start"),
        ("duration", None if duration is None else _span(duration))])


def _storage_card(d: DataStorageConfig, now: datetime | None) -> Card:
    return Card("DataStorageConfig", [
        ("destination", d.destination), ("KMS key", d.kms_key),
        ("CSV content types", ", ".join(d.csv_content_types) or None),
        ("JSON content types", ", ".join(d.json_content_types) or None)])


_VARIANT_HEADERS = ("variant", "role", "model", "instances")


def _config_card(c: InferenceExperimentConfig, now: datetime | None) -> Card:
    rows = [(v.variant_name, _role(v.variant_name, c.shadow_mode_config), v.model_name,
             _instances(v.instance_type, v.instance_count)) for v in c.model_variants]
    return Card(f"InferenceExperimentConfig {c.name}", [
        ("endpoint", c.endpoint_name),
        ("description", c.description),
        ("sampling", _sampling(c.shadow_mode_config)),
        ("schedule", _schedule(c.schedule) or "starts on creation, runs 7 days"),
        ("data capture", _capture(c.data_storage_config)),
        ("role", c.role_arn),
        ("KMS key", c.kms_key),
        ("tags", _tags(c.tags)),
    ], [Table("model variants", _VARIANT_HEADERS, rows)])


def _experiment_card(e: InferenceExperiment, now: datetime | None) -> Card:
    shadow_mode = e.shadow_mode_config
    status = str(e.status)
    rows = [(v.variant_name, _role(v.variant_name, shadow_mode), v.model_name,
             _instances(v.instance_type, v.instance_count), status_html(v.status))
            for v in e.model_variants]
    endpoint = e.endpoint
    facts: list[tuple[str, object]] = [("status", status_html(status))]
    if e.status_reason:
        facts.append(("status reason", e.status_reason))
    diagnosis = e.diagnosis  # a Cancelled experiment's reason, read back (pure)
    if diagnosis is not None:
        facts.append(("likely cause", diagnosis.message))
    if endpoint.failure_reason:
        facts.append(("endpoint failure", endpoint.failure_reason))
    facts += [
        ("endpoint", f"{endpoint.endpoint_name} ({endpoint.endpoint_status})"
         if endpoint.endpoint_status else endpoint.endpoint_name),
        ("description", e.description),
        ("schedule", _schedule(e.schedule)),
        ("time left", _time_left(status, e.schedule, e.completion_time, now)),
        ("sampling", _sampling(shadow_mode)),
        ("data capture", _capture(e.data_storage_config)),
        ("created", _when(e.creation_time)),
        ("last modified", _when(e.last_modified_time)),
    ]
    return Card(f"InferenceExperiment {e.name}", facts,
                [Table("model variants", (*_VARIANT_HEADERS, "status"), rows)])


def _variant_summary_card(v: ModelVariantSummary, now: datetime | None) -> Card:
    return Card(f"ModelVariantSummary {v.variant_name}", [
        ("status", status_html(v.status)), ("variant", v.variant_name),
        ("model", v.model_name), ("instances", _instances(v.instance_type, v.instance_count))])


def _endpoint_card(e: EndpointMetadata, now: datetime | None) -> Card:
    facts: list[tuple[str, object]] = [
        ("status", status_html(e.endpoint_status)), ("endpoint", e.endpoint_name),
        ("endpoint config", e.endpoint_config_name)]
    if e.failure_reason:
        facts.append(("failure reason", e.failure_reason))
    return Card(f"EndpointMetadata {e.endpoint_name}", facts)


def _summary_card(s: InferenceExperimentSummary, now: datetime | None) -> Card:
    status = str(s.status)
    facts: list[tuple[str, object]] = [("status", status_html(status))]
    if s.status_reason:
        facts.append(("status reason", s.status_reason))
    diagnosis = s.diagnosis
    if diagnosis is not None:
        facts.append(("likely cause", diagnosis.message))
    facts += [
        ("description", s.description),
        ("schedule", _schedule(s.schedule)),
        ("time left", _time_left(status, s.schedule, s.completion_time, now)),
        ("created", _when(s.creation_time)),
        ("last modified", _when(s.last_modified_time)),
    ]
    return Card(f"InferenceExperimentSummary {s.name}", facts)


_LIST_HEADERS = ("name", "status", "start", "end", "created", "description")


def _list_card(result: ExperimentList, now: datetime | None) -> Card:
    page, more = result.first_page()
    rows = [(s.name, status_html(s.status),
             _when(s.schedule.start_time) if s.schedule else None,
             _when(s.schedule.end_time) if s.schedule else None,
             _when(s.creation_time), s.description) for s in page]
    shown = f"{len(page)} experiment{'s' * (len(page) != 1)}"
    return Card("Inference experiments", [
        ("shown", f"the first page: {shown}" if more else shown)],
        [Table(None, _LIST_HEADERS, rows, "and more…" if more else None)])


def _config_error_card(error: ConfigValidationError, now: datetime | None) -> Card:
    n = len(error.errors)
    return Card(f"{error.subject} is invalid ({n} problem{'s' * (n != 1)})", [],
                [Table(None, ("path", "problem"),
                       [(p.path or "—", p.message) for p in error.errors])])


def _update_error_card(error: UpdateNotAllowedError, now: datetime | None) -> Card:
    rows: list[tuple[str, str]] = [(p.path, p.message) for p in error.problems]
    if not rows:  # made by hand, without problems: the message says why for each field
        rows = [(field, "not allowed in this status") for field in error.fields]
    return Card(f"cannot update inference experiment {error.name!r} ({error.status}); "
                "nothing was sent", [],
                [Table(None, ("path", "problem"), rows)])


# Any: each builder takes the one class it is keyed by
_CARDS: dict[str, Callable[[Any, datetime | None], Card]] = {
    "ModelVariantConfig": _variant_card,
    "ShadowModeConfig": _shadow_mode_card,
    "InferenceExperimentSchedule": _schedule_card,
    "DataStorageConfig": _storage_card,
    "InferenceExperimentConfig": _config_card,
    "InferenceExperiment": _experiment_card,
    "InferenceExperimentSummary": _summary_card,
    "ModelVariantSummary": _variant_summary_card,
    "EndpointMetadata": _endpoint_card,
    "ExperimentList": _list_card,
    "ConfigValidationError": _config_error_card,
    "UpdateNotAllowedError": _update_error_card,
}
"""Which card each class shows, by class name (this module imports none of them)."""

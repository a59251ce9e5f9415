"""The one renderer: draws a card (:mod:`shadowtest._card`) as plain text or as HTML.

Objects describe themselves (``_card``, see :mod:`shadowtest._displayed`); this module
draws whatever card it is given and knows no model class: it imports nothing of
shadowtest's but the card's data types. It is imported on the first display
(``_repr_html_``, ``_repr_pretty_``, ``str()`` of a displayed object), never by
``import shadowtest``.

Two rules hold for everything drawn:

- a display never raises: an object whose card cannot be built or drawn shows a card
  that says so, with a repr that cannot fail;
- everything that reaches HTML goes through :func:`escape`, so a description holding
  ``<script>`` renders as text; the only markup is what this module writes around it.

Text is wrapped to :data:`WIDTH` columns: a card's title, then its facts as aligned
``label  value`` lines, then its parts (:class:`~shadowtest._card.Lines` and
:class:`~shadowtest._card.Changes` right under the heading, tables, bullet lists and
nested cards after a blank line, indented by two).
"""

from __future__ import annotations

import html
import textwrap
from typing import TYPE_CHECKING, Final, Protocol

from shadowtest._card import Bullets, Card, Change, Changes, Lines, Status, Table

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

    from shadowtest._card import Fact, Part, Tone
    from shadowtest._displayed import PrettyPrinter

__all__ = [
    "WIDTH",
    "Describes",
    "card_html",
    "card_of",
    "card_text",
    "escape",
    "pretty",
    "text_table",
    "to_html",
    "to_text",
]

WIDTH: Final = 88
"""Plain text is wrapped to this many columns."""


class Describes(Protocol):
    """What the renderer draws: anything with a ``_card``."""

    def _card(self, now: datetime | None = None) -> Card: ...


# -- entry points: an object in, text or HTML out, never an exception ----------------------


def card_of(obj: Describes, *, now: datetime | None = None) -> Card:
    """``obj``'s card, or (when building it fails) a card saying so."""
    try:
        return obj._card(now)
    except Exception as error:  # a display never raises: it says what went wrong
        return _unshowable(obj, error)


def to_text(obj: Describes, *, now: datetime | None = None, width: int = WIDTH) -> str:
    """``obj`` as multi-line plain text, wrapped to ``width`` columns."""
    try:
        return card_text(card_of(obj, now=now), width=width)
    except Exception as error:  # a value whose str() fails, say
        return card_text(_unshowable(obj, error), width=width)


def to_html(obj: Describes, *, now: datetime | None = None) -> str:
    """``obj`` as an HTML card (a ``<div>``), everything in it escaped."""
    try:
        return card_html(card_of(obj, now=now))
    except Exception as error:
        return card_html(_unshowable(obj, error))


def pretty(obj: Describes, p: PrettyPrinter, cycle: bool) -> None:
    """IPython's ``_repr_pretty_``: the text form (cards hold no cycles, but IPython's
    contract asks for a short form when ``cycle`` is true)."""
    p.text(f"{type(obj).__name__}(...)" if cycle else to_text(obj))


def _unshowable(obj: object, error: Exception) -> Card:
    """The card of an object whose own card failed: built from strings that cannot fail."""
    return Card(f"{type(obj).__name__} (cannot be shown)",
                [("problem", _safe(lambda: f"{type(error).__name__}: {error}")),
                 ("as read", _safe(lambda: repr(obj)))])


def _safe(text: Callable[[], str]) -> str:
    try:
        return text()
    except Exception:  # the last resort: nothing here may raise
        return "(cannot be shown)"


# -- plain text ------------------------------------------------------------------------------


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


def card_text(card: Card, *, width: int = WIDTH) -> str:
    """A card as plain text wrapped to ``width`` columns (statuses uncoloured)."""
    lines = [card.title, *_facts_text(card.facts, width)]
    for part in card.parts:
        if isinstance(part, Lines):
            lines += [f"  {item}" for item in part.items]
        elif isinstance(part, Changes):
            lines += [f"    {change.symbol} {change.text()}" for change in part.items]
        else:
            lines += ["", textwrap.indent(_section_text(part, width - 2), "  ")]
    return "\n".join(lines)


def _facts_text(facts: Sequence[Fact], width: int) -> list[str]:
    """One ``label  value`` line per fact, values aligned; long values wrap under
    themselves."""
    shown = [(label, _cell(value)) for label, value in facts]
    indent = max((len(label) for label, _ in shown), default=0) + 4
    room = max(width - indent, 20)
    lines = []
    for label, value in shown:
        # textwrap costs ~20 us a call: most values fit and skip it; names hold hyphens
        # ('churn-shadow-v2'), so lines break at spaces only
        wrapped = [value] if len(value) <= room else textwrap.wrap(
            value, room, break_on_hyphens=False) or [""]
        lines.append(f"  {label.ljust(indent - 4)}  {wrapped[0]}")
        lines.extend(" " * indent + part for part in wrapped[1:])
    return lines


def _section_text(part: Table | Bullets | Card, width: int) -> str:
    if isinstance(part, Table):
        text = text_table(part.headers, part.rows, width=width)
        if part.caption:
            text = f"{part.caption}:\n{text}"
        return f"{text}\n{part.more}" if part.more else text
    if isinstance(part, Bullets):
        items = [f"- {item}" for item in part.items]
        return "\n".join([f"{part.caption}:", *items] if part.caption else items)
    return card_text(part, width=width)


def text_table(headers: Sequence[str], rows: Iterable[Sequence[object]], *,
               width: int | None = None) -> str:
    """An aligned plain-text table: a header line, a rule, one line per row.

    With ``width``, a last column that would make lines longer is wrapped onto
    continuation lines (it keeps at least 24 columns)."""
    cells = [[str(h) for h in headers]]
    cells += [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    last_width = widths[-1] if widths else 0
    if width is not None and widths:
        room = width - sum(w + 2 for w in widths[:-1])
        last_width = min(widths[-1], max(room, 24))
        widths[-1] = max(len(cells[0][-1]), min(widths[-1], last_width))
    lines: list[str] = []
    for row in cells:
        parts = [row[-1]] if len(row[-1]) <= last_width else (
            textwrap.wrap(row[-1], last_width, break_on_hyphens=False) or [""])
        head = [cell.ljust(w) for cell, w in zip(row[:-1], widths[:-1], strict=True)]
        lines.append("  ".join([*head, parts[0]]).rstrip())
        blank = ["".ljust(w) for w in widths[:-1]]
        lines.extend("  ".join([*blank, part]).rstrip() for part in parts[1:])
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# -- HTML ------------------------------------------------------------------------------------

# The console's cues: green when serving, blue when ready, amber while moving, grey when
# done (or unknown to this version), red when cancelled or failed
_COLOURS: Final[dict[Tone, str]] = {
    "serving": "#1a7f37", "ready": "#0969da", "moving": "#9a6700", "done": "#57606a",
    "bad": "#cf222e", "unknown": "#57606a",
}
_CHANGE_HEADERS: Final = ("", "path", "live", "desired", "note")


def escape(value: object) -> str:
    """``value`` as HTML: text escaped (``None`` an em dash), a :class:`Status` as its
    word with a coloured dot."""
    if value is None:
        return "—"
    if isinstance(value, Status):
        return (f'<span style="color:{_COLOURS[value.tone]};font-weight:bold">'
                f"&#9679; {html.escape(value.word, quote=True)}</span>")
    return html.escape(str(value), quote=True)


def card_html(card: Card) -> str:
    """A card as HTML: a ``<div>`` with the bold title, a table of the facts, then each
    part."""
    rows = "".join(f"<tr><th style=\"text-align:left\">{escape(label)}</th>"
                   f"<td style=\"text-align:left\">{escape(value)}</td></tr>"
                   for label, value in card.facts)
    facts = f"<table>{rows}</table>" if rows else ""
    parts = "".join(_part_html(part) for part in card.parts)
    return f"<div><strong>{escape(card.title)}</strong>{facts}{parts}</div>"


def _part_html(part: Part) -> str:
    if isinstance(part, Table):
        table = _html_table(part.headers, part.rows, part.caption)
        return table + (f"<p><em>{escape(part.more)}</em></p>" if part.more else "")
    if isinstance(part, Bullets):
        items = "".join(f"<li>{escape(item)}</li>" for item in part.items)
        caption = f"<p>{escape(part.caption)}:</p>" if part.caption else ""
        return f"{caption}<ul>{items}</ul>" if items else caption
    if isinstance(part, Lines):
        return "".join(f"<p>{escape(item)}</p>" for item in part.items)
    if isinstance(part, Changes):
        return _html_table(_CHANGE_HEADERS, [_change_row(c) for c in part.items]) \
            if part.items else ""
    return card_html(part)


def _change_row(change: Change) -> tuple[str, str, str, str, str]:
    return (change.symbol, change.path, change.old or "", change.new, change.note or "")


def _html_table(headers: Sequence[str], rows: Iterable[Sequence[object]],
                caption: str | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

"""What an object shows: a card, as plain data, for :mod:`shadowtest._display` to draw.

Every public object that displays itself describes itself here, once, in a ``_card``
method (see :class:`shadowtest._displayed.Displayed`); one renderer turns that card into
plain text (``str``, ``_repr_pretty_``) and HTML (``_repr_html_``). A card holds no
markup and no layout, only what to show::

    Card("InferenceExperiment churn-shadow",
         facts=[("status", status("Running")), ("endpoint", "churn (InService)")],
         parts=[Table("model variants", ("variant", "role"), [("production", "production")])])

- ``facts``: ``(label, value)`` pairs under the title;
- ``parts``, in order: :class:`Lines` and :class:`Changes` continue the heading (text:
  right under it, no blank line); :class:`Table`, :class:`Bullets` and a nested
  :class:`Card` are sections (text: after a blank line, indented).

A value (a fact's, a cell's) is shown as ``str(value)``; ``None`` as an em dash; a
:class:`Status` as its word, with its colour cue in HTML. Everything is escaped in HTML:
a value never carries markup.

This module imports nothing of shadowtest's and builds nothing at import time but these
few small classes, so every model module imports it at the top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal, NamedTuple, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "Bullets",
    "Card",
    "Change",
    "Changes",
    "Fact",
    "Lines",
    "Part",
    "Status",
    "Table",
    "Tone",
    "status",
]

Tone = Literal["serving", "ready", "moving", "done", "bad", "unknown"]
"""How a status is cued: green serving, blue ready, amber moving, grey done or unknown,
red bad."""


class Status(NamedTuple):
    """A status word (``"Running"``) and its tone; see :func:`status`."""

    word: str
    tone: Tone

    def __str__(self) -> str:
        return self.word


# The console's cues by status word (experiment, variant and endpoint statuses): a word
# this version does not know is "unknown" (grey)
_TONES: Final[dict[str, Tone]] = {
    "Running": "serving", "InService": "serving",
    "Created": "ready",
    "Creating": "moving", "Updating": "moving", "Starting": "moving", "Stopping": "moving",
    "SystemUpdating": "moving", "RollingBack": "moving", "Deleting": "moving",
    "Completed": "done", "Deleted": "done", "OutOfService": "done",
    "Cancelled": "bad", "Failed": "bad", "UpdateRollbackFailed": "bad",
}


def status(value: object) -> Status | None:
    """``value`` (a status enum member or its string) as a :class:`Status`; ``None`` stays
    ``None`` (shown as a dash)."""
    if value is None:
        return None
    word = str(value)
    return Status(word, _TONES.get(word, "unknown"))


Fact: TypeAlias = "tuple[str, object]"
"""A ``(label, value)`` pair of a card."""


class Table(NamedTuple):
    """A table: a caption (or ``None``), the headers, the rows (sequences of values) and
    ``more``, a closing line such as ``"and more…"``."""

    caption: str | None
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    more: str | None = None


class Bullets(NamedTuple):
    """A list of sentences under a caption (``reasons``: one per failing gate)."""

    caption: str | None
    items: Sequence[str]


class Lines(NamedTuple):
    """Short lines that continue the heading (a plan's notes: what apply will do)."""

    items: Sequence[str]


class Change(NamedTuple):
    """One difference, as a plan lists it: ``symbol`` (``+``, ``~``, ``-``, ``-/+``,
    ``!``), where (``path``), the shown old value (``None``: nothing to compare, as in a
    create), the shown new value and a note (why it is refused, or forces a replacement).
    """

    symbol: str
    path: str
    old: str | None
    new: str
    note: str | None = None

    def text(self) -> str:
        """``path: old -> new (note)``: how a change reads in text, here and in messages."""
        text = f"{self.path}: {self.new}" if self.old is None else (
            f"{self.path}: {self.old} -> {self.new}")
        return f"{text} ({self.note})" if self.note else text


class Changes(NamedTuple):
    """Differences, one line each in text (``~ path: old -> new``), a table in HTML."""

    items: Sequence[Change]


class Card(NamedTuple):
    """What one object shows: a title, ``(label, value)`` facts, then :data:`Part` items."""

    title: str
    facts: Sequence[Fact] = ()
    parts: Sequence[Part] = ()


Part: TypeAlias = "Table | Bullets | Lines | Changes | Card"
"""What a card holds after its facts."""

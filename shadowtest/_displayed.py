"""The one way a public object displays itself: it describes itself as a card, the
renderer draws it.

A class derives from :class:`Displayed` and implements ``_card(now)`` (building a
:class:`shadowtest._card.Card`); it then has ``str()`` (the card as plain text, unless
the class keeps a ``__str__`` of its own, as exceptions keep their message),
``_repr_pretty_`` (IPython) and ``_repr_html_`` (Jupyter). The renderer,
:mod:`shadowtest._display`, is imported on the first display only: ``import shadowtest``
never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from shadowtest._card import Card

__all__ = ["Displayed", "PrettyPrinter"]


class PrettyPrinter(Protocol):
    """What ``_repr_pretty_`` receives from IPython (only ``text`` is used)."""

    def text(self, obj: str) -> None:
        """Append ``obj`` to the output."""


class Displayed:
    """Display from ``_card``: text, HTML and IPython's pretty form, never raising."""

    __slots__ = ()

    def _card(self, now: datetime | None = None) -> Card:
        """What this object shows; ``now`` is the clock a "time left" is read against
        (``None``: the wall clock)."""
        raise NotImplementedError

    def __str__(self) -> str:
        """Readable multi-line text (``repr()`` stays the one-line repr)."""
        from shadowtest._display import to_text

        return to_text(self)

    def _repr_html_(self) -> str:
        from shadowtest._display import to_html

        return to_html(self)

    def _repr_pretty_(self, p: PrettyPrinter, cycle: bool) -> None:
        from shadowtest._display import pretty

        pretty(self, p, cycle)

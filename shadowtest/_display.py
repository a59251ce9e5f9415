"""Rendering shared by every public object: HTML for notebooks and aligned plain text.

Imported only when an object is displayed (``_repr_html_``, ``_repr_pretty_``,
``str()`` of a report), never by ``import shadowtest``. Everything that reaches HTML
goes through :func:`escape`, so a description holding ``<script>`` renders as text.

The building blocks, for every module that renders:

- :func:`html_table` / :func:`text_table`: a table with headers and rows;
- :func:`html_card`: a title, a list of ``(label, value)`` facts, then tables;
- :func:`escape`: any value as safe HTML text.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["escape", "html_card", "html_table", "text_table"]


def escape(value: object) -> str:
    """``value`` as HTML text (``None`` shows as an em dash)."""
    return "—" if value is None else html.escape(str(value), quote=True)


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
    return (f"<div><strong>{escape(title)}</strong><table>{rows}</table>"
            + "".join(tables) + "</div>")


def text_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """An aligned plain-text table: a header line, a rule, one line per row."""
    cells = [[str(h) for h in headers]]
    cells += [["—" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

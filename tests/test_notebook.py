"""examples/notebook.ipynb: valid nbformat 4, its code cells run in order against the fake,
and its saved outputs are the cards the objects render (parsed with ``html.parser``)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.notebook_runner import NOTEBOOK, code_cells, run_notebook


class Headers(HTMLParser):
    """The texts of every ``<th>`` inside a ``<thead>``, and every tag seen."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.tags: list[str] = []
        self._head = self._cell = False
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._head = self._head or tag == "thead"
        if tag == "th" and self._head:
            self._cell = True
            self.headers.append("")

    def handle_endtag(self, tag: str) -> None:
        self._head = self._head and tag != "thead"
        self._cell = self._cell and tag != "th"

    def handle_data(self, data: str) -> None:
        if self._cell:
            self.headers[-1] += data


@pytest.fixture(scope="module")
def saved() -> dict[str, Any]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def html_of(cell: dict[str, Any]) -> str:
    [result] = [o for o in cell["outputs"] if o["output_type"] == "execute_result"]
    return "".join(result["data"]["text/html"])


VARIANTS = ["variant", "role", "model", "instances"]
REPORT = ["(a report's own table)"]  # Plan, Judgement: their owners' tests pin the columns
PROBLEMS = ["path", "problem"]
# What each code cell's saved output shows: the headers of its HTML tables
# (None: a cell without HTML output).
EXPECTED = [
    None,                                              # imports, the fake
    VARIANTS,                                          # the config
    PROBLEMS,                                          # a ConfigValidationError
    [*VARIANTS, "status"],                             # describe
    [*VARIANTS, "status"],                             # wait for Running, with progress
    ["name", "status", "start", "end", "created", "description"],  # list
    None,                                              # to_records: a plain dict
    REPORT,                                            # a Plan
    [*VARIANTS, "status"],                             # apply: the updated experiment
    PROBLEMS,                                          # an UpdateNotAllowedError
    REPORT,                                            # a Judgement
    [*VARIANTS, "status"],                             # promoted, Completed
]


def test_is_nbformat_4(saved: dict[str, Any]) -> None:
    assert saved["nbformat"] == 4
    assert saved["metadata"]["kernelspec"]["language"] == "python"
    for cell in saved["cells"]:
        assert cell["cell_type"] in ("markdown", "code")
        assert isinstance(cell["source"], list)
        if cell["cell_type"] == "code":
            assert isinstance(cell["execution_count"], int)


def test_saved_outputs_are_the_rendered_cards(saved: dict[str, Any]) -> None:
    cells = code_cells(saved)
    assert len(cells) == len(EXPECTED)
    for cell, headers in zip(cells, EXPECTED, strict=True):
        kinds = {key for o in cell["outputs"] for key in o.get("data", {})}
        if headers is None:
            assert "text/html" not in kinds
            continue
        assert kinds == {"text/plain", "text/html"}
        page = Headers(html_of(cell))
        if headers is REPORT:
            assert page.headers
        else:
            assert page.headers == headers
        assert "script" not in page.tags


def test_code_cells_run_in_order_against_the_fake(saved: dict[str, Any]) -> None:
    """Every cell runs; each shows the same kinds of output as the saved notebook, and the
    story ends with the shadow promoted."""
    fresh = run_notebook(json.loads(json.dumps(saved)))
    for old, new in zip(code_cells(saved), code_cells(fresh), strict=True):
        assert [(o["output_type"], sorted(o.get("data", {}))) for o in new["outputs"]] == [
            (o["output_type"], sorted(o.get("data", {}))) for o in old["outputs"]]
    last = "".join(code_cells(fresh)[-1]["outputs"][-1]["data"]["text/plain"])
    assert last.splitlines()[1].split() == ["status", "Completed"]
    [waiting] = [cell for cell in code_cells(fresh) if "progress=True" in "".join(cell["source"])]
    [line] = [o for o in waiting["outputs"] if o["output_type"] == "stream"]
    assert "churn-shadow: Running" in "".join(line["text"])

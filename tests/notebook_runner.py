"""Execute ``examples/notebook.ipynb`` the way IPython would, without Jupyter.

Each code cell runs in one shared namespace; when a cell ends with an expression,
its value is displayed as IPython does: ``text/plain`` from ``_repr_pretty_``
(else ``repr``) and ``text/html`` from ``_repr_html_``. Printed text becomes a
stream output. ``--write`` saves the outputs into the notebook (nbformat 4)::

    python -m tests.notebook_runner            # run every cell, print what each shows
    python -m tests.notebook_runner --write    # run and save the outputs
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import pprint
import sys
from pathlib import Path
from typing import Any

__all__ = ["NOTEBOOK", "code_cells", "display_data", "run_notebook"]

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "notebook.ipynb"


class _Printer:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def text(self, obj: str) -> None:
        self.parts.append(obj)


def display_data(value: object) -> dict[str, str]:
    """The MIME bundle IPython would show for ``value``."""
    pretty = getattr(value, "_repr_pretty_", None)
    if pretty is not None:
        printer = _Printer()
        pretty(printer, False)
        plain = "".join(printer.parts)
    else:  # IPython's pretty printer lays out containers over lines, as pprint does
        plain = pprint.pformat(value, width=88, sort_dicts=False)
    data = {"text/plain": plain}
    to_html = getattr(value, "_repr_html_", None)
    if to_html is not None:
        data["text/html"] = to_html()
    return data


def code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    """The notebook's code cells, in order."""
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _lines(text: str) -> list[str]:
    """nbformat's multi-line string: split after each newline only (a progress line's
    carriage returns stay inside their line)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def run_cell(source: str, namespace: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Run one cell; its outputs in nbformat 4 form."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = tree.body[:-1] if last is not None else tree.body
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        exec(compile(ast.Module(body, []), f"<cell {count}>", "exec"), namespace)
        value = None
        if last is not None:
            value = eval(compile(ast.Expression(last.value), f"<cell {count}>", "eval"),
                         namespace)
    outputs: list[dict[str, Any]] = []
    for name, stream in (("stdout", out), ("stderr", err)):
        if stream.getvalue():
            outputs.append({"output_type": "stream", "name": name,
                            "text": _lines(stream.getvalue())})
    if value is not None:
        data = display_data(value)
        outputs.append({"output_type": "execute_result", "execution_count": count,
                        "metadata": {}, "data": {k: _lines(v) for k, v in data.items()}})
    return outputs


def run_notebook(notebook: dict[str, Any]) -> dict[str, Any]:
    """Run every code cell in order; the notebook with fresh outputs and counts."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for count, cell in enumerate(code_cells(notebook), start=1):
        cell["outputs"] = run_cell("".join(cell["source"]), namespace, count)
        cell["execution_count"] = count
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="save the outputs")
    args = parser.parse_args(argv)
    notebook = run_notebook(json.loads(NOTEBOOK.read_text(encoding="utf-8")))
    for cell in code_cells(notebook):
        for output in cell["outputs"]:
            text = output.get("text") or output.get("data", {}).get("text/plain", [])
            print(f"[{cell['execution_count']}] " + "".join(text).rstrip())
    if args.write:
        NOTEBOOK.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

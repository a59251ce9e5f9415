"""MkDocs hooks: pages generated at build time from the files they show.

- the home page and the guides are the README: its opening, then one page per ``## ``
  section, in the README's order (a section added to the README is a page, with no
  change here); links are rewritten for the site (``docs/testing.md`` -> its page,
  ``examples/notebook.ipynb`` -> the notebook page, other repository files -> the
  repository);
- the notebook page is ``examples/notebook.ipynb`` as saved, outputs included (the
  outputs ``python -m tests.notebook_runner --write`` refreshes, which CI checks). A
  plugin such as mkdocs-jupyter would render it too, but brings nbconvert, jupytext and
  a Jupyter kernel stack (ipykernel, pyzmq, tornado, ...) into the docs extra to draw
  cells that are Markdown, Python source and the HTML/text our own objects print;
- the changelog page is CHANGELOG.md;
- the API reference is every name in ``shadowtest.__all__`` and
  ``shadowtest.testing.__all__``, one page per module that defines them (a public
  name added to ``__all__`` appears with no change here).

The nav is built here too, from the same lists.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_TITLES = {
    "client": "ExperimentClient", "config": "Configs", "experiment": "Experiments (responses)",
    "errors": "Errors", "status": "Statuses", "plan": "Plans and update rules",
    "judgement": "Judging", "metrics": "Metrics", "capture": "Prediction comparison",
    "files": "Request files", "listing": "Listing", "preflight": "Preflight",
    "watch": "Watching", "testing": "shadowtest.testing",
}


def _slug(text: str) -> str:
    """A heading's anchor as GitHub (and the site's toc settings) make it."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def _readme() -> tuple[str, list[tuple[str, str]]]:
    """The README's opening (title line dropped) and its ``## `` sections (title, body)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    opening = parts[0].split("\n", 1)[1] if parts[0].startswith("# ") else parts[0]
    return opening, [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts), 2)]


def _guides() -> list[tuple[str, str, str]]:
    """(title, page path, Markdown) of each guide."""
    _, sections = _readme()
    return [(title, f"guides/{_slug(title)}.md", body) for title, body in sections]


def _link(target: str, page: str, anchors: dict[str, str], repo: str) -> str:
    """A README link as the page at ``page`` must write it."""
    up = "../" * page.count("/")
    if re.match(r"[a-z]+:", target):
        return target
    if target.startswith("#"):
        where = anchors.get(target[1:])
        return f"{up}{where}" if where is not None else target
    path, _, anchor = target.partition("#")
    anchor = f"#{anchor}" if anchor else ""
    if path.startswith("docs/") and path.endswith(".md"):
        return f"{up}{path.removeprefix('docs/')}{anchor}"
    if path == "examples/notebook.ipynb":
        return f"{up}notebook.md"
    if path == "CHANGELOG.md":
        return f"{up}changelog.md"
    return f"{repo}/blob/main/{path}{anchor}"


def _rewrite(markdown: str, page: str, repo: str) -> str:
    anchors = {_slug(title): path for title, path, _ in _guides()}
    return _LINK.sub(lambda m: f"]({_link(m.group(1), page, anchors, repo)})", markdown)


def _notebook() -> str:
    """The notebook as Markdown: its Markdown cells, each code cell as Python, each
    output as the notebook shows it (HTML as HTML, text as text, images inline)."""
    notebook = json.loads((ROOT / "examples" / "notebook.ipynb").read_text(encoding="utf-8"))
    out = ["<!-- made from examples/notebook.ipynb by docs/hooks.py: edit the notebook -->"]
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            out.append(source)
            continue
        out.append(f"```python\n{source}\n```")
        for output in cell.get("outputs", []):
            out.append(_output(output))
    return "\n\n".join(part for part in out if part)


def _output(output: dict[str, Any]) -> str:
    if output["output_type"] == "stream":
        return _text_block("".join(output["text"]))
    data = output.get("data", {})
    if "text/html" in data:
        html = "".join(data["text/html"])
        return f'<div class="notebook-output" markdown="0">\n{html}\n</div>'
    if "image/png" in data:
        png = "".join(data["image/png"]).replace("\n", "")
        base64.b64decode(png, validate=True)  # a broken image fails the build
        return f'<img alt="plot" src="data:image/png;base64,{png}">'
    if "text/plain" in data:
        return _text_block("".join(data["text/plain"]))
    return ""


def _text_block(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _reference() -> dict[str, list[str]]:
    """Reference page path -> the dotted paths of the public names it documents, each at
    the module that defines it (what the docs tool can find without running the lazy
    imports of ``shadowtest/__init__.py``)."""
    import shadowtest
    import shadowtest.testing

    pages: dict[str, list[str]] = {}
    for package in (shadowtest, shadowtest.testing):
        for name in package.__all__:
            obj = getattr(package, name)
            module = getattr(obj, "__module__", None)
            if not isinstance(module, str) or not module.startswith("shadowtest"):
                module = _defining_module(package.__name__, name)
            if package is shadowtest.testing:
                group = "testing"
            else:
                group = module.split(".")[1] if "." in module else "shadowtest"
            pages.setdefault(f"reference/{group}.md", []).append(f"{module}.{name}")
    return dict(sorted(pages.items()))


def _defining_module(package: str, name: str) -> str:
    """Where a name that is not a class or function (an alias, a constant) is assigned."""
    for candidate in sorted(p.stem for p in (ROOT / package.replace(".", "/")).glob("*.py")
                            if p.stem != "__init__"):
        module = importlib.import_module(f"{package}.{candidate}")
        if name in vars(module) and name in getattr(module, "__all__", ()):
            return module.__name__
    return package


def _reference_page(path: str, names: list[str]) -> str:
    """The module (or package) that defines ``names``, with every name of its ``__all__``:
    the ones ``shadowtest`` exports and those its docstrings refer to (``plan_apply``,
    ``series_key``, ...)."""
    group = Path(path).stem
    title = _TITLES.get(group, f"shadowtest.{group}")
    module = "shadowtest.testing" if group == "testing" else f"shadowtest.{group}"
    exported = ", ".join(f"`{name.rsplit('.', 1)[1]}`" for name in names)
    return (f"# {title}\n\nExported from `shadowtest`"
            f"{'.testing' if group == 'testing' else ''}: {exported}.\n\n"
            f"::: {module}\n    options:\n      show_root_heading: false\n"
            f"      show_submodules: true\n")


def on_config(config: Any) -> Any:
    guides = [{title: path} for title, path, _ in _guides()]
    reference = [{_TITLES.get(Path(p).stem, Path(p).stem): p} for p in _reference()]
    config["nav"] = [
        {"Home": "index.md"},
        {"Guides": guides},
        {"Testing API": "testing.md"},
        {"Notebook walk-through": "notebook.md"},
        {"API reference": reference},
        {"Changelog": "changelog.md"},
    ]
    return config


def on_files(files: Files, config: Any) -> Files:
    repo = str(config["repo_url"]).rstrip("/")
    opening, _ = _readme()
    pages = {"index.md": "# shadowtest\n" + _rewrite(opening, "index.md", repo)}
    for title, path, body in _guides():
        # the README's ### become the page's ##
        body = re.sub(r"^###", "##", body, flags=re.M)
        pages[path] = f"# {title}\n{_rewrite(body, path, repo)}"
    pages["notebook.md"] = _notebook()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    pages["changelog.md"] = _rewrite(changelog, "changelog.md", repo)
    for path, names in _reference().items():
        pages[path] = _reference_page(path, names)
    for path, content in pages.items():
        files.append(File.generated(config, path, content=content))
    return files

"""A griffe extension: shadowtest's docstrings (reST roles, doctest blocks, ``::``
literal blocks) as the Markdown mkdocstrings renders.

- ``:class:`~shadowtest.Plan``` and the other roles become cross-references when the
  name resolves to an object of shadowtest (a reference to one the site does not show
  fails ``mkdocs build --strict``), inline code otherwise (``ValueError``);
- ``>>>`` examples become fenced ``pycon`` blocks (Markdown would read ``>`` as a quote);
- a paragraph ending in ``::`` and the indented block after it become a fenced block.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|data|exc|mod|obj|const):`([^`]+)`")


class RestToMarkdown(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != "shadowtest":
            return
        for obj in _walk(pkg):
            if obj.docstring is not None:
                obj.docstring.value = _markdown(obj.docstring.value, obj, pkg)


def _walk(obj: griffe.Object) -> list[griffe.Object]:
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias:
            found += _walk(member)  # type: ignore[arg-type]
    return found


def _markdown(text: str, obj: griffe.Object, pkg: griffe.Module) -> str:
    return _roles(_blocks(text), obj, pkg)


def _roles(text: str, obj: griffe.Object, pkg: griffe.Module) -> str:
    def link(match: re.Match[str]) -> str:
        target = match.group(1).strip()
        shown = target.lstrip("~")
        if target.startswith("~"):
            shown = shown.rsplit(".", 1)[-1]
        path = _resolve(target.lstrip("~"), obj)
        if path is not None:
            path = _canonical(path, pkg)
        # private objects are not documented: named, not linked
        if path is None or any(part.startswith("_") for part in path.split(".")):
            return f"`{shown}`"
        return f"[`{shown}`][{path}]"

    parts = re.split(r"(```.*?```)", text, flags=re.S)  # leave code blocks alone
    return "".join(part if part.startswith("```") else _ROLE.sub(link, part)
                   for part in parts)


def _canonical(path: str, pkg: griffe.Module) -> str:
    """Where the object at ``path`` is defined (``shadowtest.ExperimentClient.plan`` ->
    ``shadowtest.client.ExperimentClient.plan``): the path the reference renders it at."""
    try:
        found: Any = pkg[path.removeprefix("shadowtest.")] if path != "shadowtest" else pkg
        return str(getattr(found, "final_target", found).path)
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return path


def _resolve(name: str, obj: griffe.Object) -> str | None:
    """The dotted path of ``name`` seen from ``obj``, if it is shadowtest's."""
    name = name.rstrip("()")
    head, _, rest = name.partition(".")
    scope: griffe.Object | None = obj
    while scope is not None:
        try:
            path = scope.resolve(head)
        except (griffe.NameResolutionError, ValueError):
            path = None
        if path is not None:
            full = f"{path}.{rest}" if rest else path
            return full if full.startswith("shadowtest") else None
        scope = scope.parent
    if name.startswith("shadowtest."):
        return name
    return None


def _blocks(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            indent = len(line) - len(stripped)
            block = []
            while i < len(lines) and lines[i].strip():
                # doctest directives are for the doctest runner, not for readers
                block.append(re.sub(r"\s*# doctest:.*$", "", lines[i][indent:]))
                i += 1
            out += ["```pycon", *block, "```"]
            continue
        if stripped.endswith("::") and not stripped.startswith(".."):
            out.append(line[:-1] if stripped != "::" else "")
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            base = len(line) - len(stripped)
            block = []
            while i < len(lines) and (not lines[i].strip()
                                      or len(lines[i]) - len(lines[i].lstrip()) > base):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            deeper = min((len(b) - len(b.lstrip()) for b in block if b.strip()), default=0)
            out += ["", "```text", *(b[deeper:] for b in block), "```", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)

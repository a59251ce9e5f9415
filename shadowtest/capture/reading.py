"""What one side of a comparison reads: paths, files, lines and records, turned into the
entries the pairing works on, with every bad line counted and located."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeAlias, Union

from shadowtest.capture.comparison import CaptureProblem
from shadowtest.capture.decode import _Bad
from shadowtest.capture.record import NO_TIME, CaptureFile, CaptureRecord, parse_line, seconds
from shadowtest.capture.tally import Ready

if TYPE_CHECKING:
    from shadowtest.capture.comparison import Side

__all__ = ["KEPT_PROBLEMS", "CaptureInput"]

KEPT_PROBLEMS: Final = 1000
"""How many problems a comparison keeps with their location (all are counted)."""

CaptureInput: TypeAlias = Union[  # a runtime alias: Python 3.10 cannot | a string
    str, "os.PathLike[str]",
    Iterable[Union[CaptureRecord, str, bytes, "os.PathLike[str]", CaptureFile]]]
"""What :func:`compare_captures` reads for one side: a path (a ``.jsonl`` file, or a
directory whose ``*.jsonl`` files are read in name order, which is time order), or an
iterable of :class:`CaptureRecord`, JSON lines (``str``/``bytes``), paths
(``os.PathLike``) and :class:`CaptureFile`."""

CHUNK: Final = 1024  # entries a reader hands over at once; also how often waiting is swept

# the entry one record becomes: (time in whole seconds, key, output, raw input, source, line)
Entry = tuple[int, str, object, object, str, int]


class Problems:
    """The problems of one comparison: all counted, the first :data:`KEPT_PROBLEMS` kept."""

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


class Reader:
    """Turns one side's input into lists of entries, counting and locating bad lines."""

    def __init__(self, side: Side, since: int, problems: Problems, inputs: list[bool]
                 ) -> None:
        self.side = side
        self.since = since  # seconds; records before it are skipped (NO_TIME: none are)
        self.problems = problems
        # inputs[0]: still keep each record's input? Only a disagreement shows one, so once
        # enough are kept, a waiting record holds no input (they can be large)
        self.inputs = inputs
        self.times: dict[str, int] = {}  # seconds of the inferenceTime texts seen lately

    def chunks(self, items: object) -> Iterator[list[Entry]]:
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
                if len(loose) >= CHUNK:
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

    def _path(self, path: Path) -> Iterator[list[Entry]]:
        files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            with file.open("rb") as lines:
                yield from self._lines(str(file), enumerate(lines, 1))

    def _lines(self, source: str, lines: Iterable[tuple[int, str | bytes]]
               ) -> Iterator[list[Entry]]:
        parse, since, inputs, times = parse_line, self.since, self.inputs, self.times
        chunk: list[Entry] = []
        for n, line in lines:
            try:
                capture, _, key, when, output = parse(line)
                t = times.get(when[:19]) if when[-1:] == "Z" else None  # seconds(), cached
                if t is None:
                    t = seconds(when, times)
            except _Bad as bad:
                if line.strip():  # a blank line is no problem, just nothing
                    self.problems.add(self.side, source, n, str(bad))
                continue
            if t < since:
                continue
            chunk.append((t, key, output, capture.get("endpointInput") if inputs[0] else None,
                          source, n))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _record(self, record: CaptureRecord, source: str, n: int) -> Entry | None:
        if not record.key:
            self.problems.add(self.side, source, n, "record has neither inference_id nor event_id")
            return None
        t = NO_TIME if record.time is None else math.floor(record.time.timestamp())
        if t < self.since:
            return None
        return (t, record.key, record.output,
                Ready(record.input) if self.inputs[0] else None, source, n)

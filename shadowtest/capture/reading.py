"""What one side of a comparison reads: paths, files, lines and records, turned into the
entries the pairing works on, with every bad line counted and located."""

from __future__ import annotations

import itertools
import math
import operator
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, Union

from shadowtest.capture.comparison import CaptureProblem
from shadowtest.capture.decode import _Bad, media_type
from shadowtest.capture.record import (
    NO_TIME,
    CaptureFile,
    CaptureRecord,
    parse_line,
    read_fields,
    seconds,
)
from shadowtest.capture.tally import Ready

if TYPE_CHECKING:
    from shadowtest.capture.comparison import Side
    from shadowtest.capture.decode import Decoders
    from shadowtest.capture.record import FastLoads

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
        self.out_of_order = 0
        self.undecoded: dict[str, int] = {}  # content type -> outputs no decoder read
        self._first: dict[str, tuple[Side, str, int]] = {}  # and where the first was

    def add(self, side: Side, source: str, line: int, message: str, *,
            kind: Literal["malformed", "duplicate", "out of order"] = "malformed") -> None:
        """One record skipped, and why."""
        if kind == "malformed":
            self.malformed += 1
        elif kind == "duplicate":
            self.duplicates += 1
        else:
            self.out_of_order += 1
        if len(self.kept) < KEPT_PROBLEMS:
            self.kept.append(CaptureProblem(side=side, source=source, line=line,
                                            message=message))

    def undecodable(self, side: Side, source: str, line: int, content_type: object) -> None:
        """An output no decoder reads (kept as bytes): counted by content type, one
        problem for each content type, located at its first record."""
        media = media_type(content_type) if isinstance(content_type, str) else ""
        count = self.undecoded.get(media, 0)
        if not count:
            self._first[media] = (side, source, line)
        self.undecoded[media] = count + 1

    def undecoded_problems(self) -> list[CaptureProblem]:
        problems = []
        for media, count in self.undecoded.items():
            side, source, line = self._first[media]
            what = f"of {media}" if media else "without a content type"
            problems.append(CaptureProblem(
                side=side, source=source, line=line,
                message=(f"{count:,} outputs {what} that no decoder reads were compared as "
                         "bytes (exact match only: no numbers, labels or accuracy); pass "
                         f"decoders={{{media or 'content type'!r}: function of the bytes}}")))
        return problems


class Reader:
    """Turns one side's input into lists of entries, counting and locating bad lines."""

    def __init__(self, side: Side, since: int, problems: Problems, inputs: list[bool],
                 decoders: Decoders | None = None, fast: FastLoads | None = None) -> None:
        self.side = side
        self.decoders = decoders
        self.fast = fast
        self.since = since  # seconds; records before it are skipped (NO_TIME: none are)
        self.problems = problems
        # inputs[0]: still keep each record's input? Only a disagreement shows one, so once
        # enough are kept, a waiting record holds no input (they can be large)
        self.inputs = inputs
        self.times: dict[str, int] = {}  # seconds of the inferenceTime texts seen lately

    def chunks(self, items: object) -> Iterator[list[Entry]]:
        """The side's entries in chunks, each unit (a file, a :class:`CaptureFile`, the
        lines and records given directly) in time order; the units of a directory, list
        or tuple in order of their first record's time."""
        if isinstance(items, str) and items.lstrip().startswith("{"):
            # a capture line where a path was expected: say so without quoting it
            raise TypeError(f"{self.side}: got one JSON line where a path or an iterable "
                            "was expected; pass lines in a list ([line])")
        if isinstance(items, (str, os.PathLike)):
            path = Path(items)
            units: Iterable[_Unit] = (
                self._ordered([(str(f), f) for f in sorted(path.rglob("*.jsonl"))])
                if path.is_dir() else [(str(path), path)])
        elif not isinstance(items, Iterable):
            raise TypeError(f"{self.side}: got {type(items).__name__}; give a path, or an "
                            "iterable of CaptureRecord, JSON lines, paths or CaptureFile")
        elif isinstance(items, (list, tuple)):
            # all known at once: each unit whole, in the order of its first record's time
            units = self._ordered(list(self._units(items, whole=True)))
        else:  # a stream: units in the order they come, lines given directly in chunks
            units = self._units(items, whole=False)
        for source, unit in units:
            entries = self._entries(source, unit)
            for i in range(0, len(entries), CHUNK):
                yield entries[i:i + CHUNK]

    def _units(self, items: Iterable[object], *, whole: bool) -> Iterator[_Unit]:
        """``(source, what to read)`` for each unit of ``items``: a path, the lines of a
        CaptureFile, or a run of lines and records given directly (numbered by position)."""
        source = f"<{self.side}>"
        loose: list[tuple[int, object]] = []
        for n, item in enumerate(items, 1):
            kind = type(item)
            if kind is str or kind is bytes or kind is CaptureRecord:
                loose.append((n, item))
                if not whole and len(loose) >= CHUNK:
                    yield source, loose
                    loose = []
                continue
            if loose:
                yield source, loose
                loose = []
            if kind is CaptureFile:
                yield item.name, item.lines  # type: ignore[attr-defined]
            elif isinstance(item, os.PathLike):
                path = Path(item)
                if path.is_dir():
                    yield from self._ordered([(str(f), f) for f in sorted(path.rglob("*.jsonl"))])
                else:
                    yield str(path), path
            else:
                raise TypeError(f"{self.side}[{n - 1}]: got {kind.__name__}; items must be "
                                "CaptureRecord, JSON lines (str or bytes), paths or "
                                "CaptureFile")
        if loose:
            yield source, loose

    def _ordered(self, units: list[_Unit]) -> list[_Unit]:
        """``units`` in the order of their first record's time (a file's records come
        roughly in time order, so files passed newest-first still pair); a unit whose
        first time cannot be read keeps its place after the one before it."""
        keys: list[int] = []
        last = NO_TIME
        for _, unit in units:
            first = self._first_time(unit)
            last = last if first is None else first
            keys.append(last)
        order = sorted(range(len(units)), key=keys.__getitem__)
        return [units[i] for i in order]

    def _first_time(self, unit: object) -> int | None:
        if isinstance(unit, Path):
            try:
                with unit.open("rb") as lines:
                    return _first_time(itertools.islice(lines, _PEEK))
            except OSError:
                return None  # reading it for real says what is wrong
        if isinstance(unit, (list, tuple)):
            return _first_time(item[1] if type(item) is tuple else item
                               for item in itertools.islice(unit, _PEEK))
        return None  # a stream of lines: not read twice

    def _entries(self, source: str, unit: object) -> list[Entry]:
        """Every entry of one unit, sorted by time."""
        if isinstance(unit, Path):
            with unit.open("rb") as lines:
                entries = self._read(source, enumerate(lines, 1))
        elif isinstance(unit, list) and unit and type(unit[0]) is tuple:
            entries = self._read(source, unit)  # lines and records given directly
        else:
            entries = self._read(source, enumerate(unit, 1))  # type: ignore[arg-type]
        # stable: records of one second keep their order; on entries already in order
        # (as capture files are) this costs 50 ns an entry, less than checking whether
        # they are in order in Python
        entries.sort(key=_time)
        return entries

    def _read(self, source: str, lines: Iterable[tuple[int, object]]) -> list[Entry]:
        parse, read, since, inputs = parse_line, read_fields, self.since, self.inputs
        times = self.times
        decoders, fast = self.decoders, self.fast
        entries: list[Entry] = []
        for n, line in lines:
            if type(line) is CaptureRecord:
                entry = self._record(line, source, n)
                if entry is not None:
                    entries.append(entry)
                continue
            try:
                if fast is not None:  # the fast parser, then the one check of a record
                    try:
                        fields = read(fast(line), decoders, fast)  # type: ignore[arg-type]
                    except (ValueError, _Bad):  # the json module's reading decides
                        fields = parse(line, decoders)  # type: ignore[arg-type]
                else:
                    fields = parse(line, decoders)  # type: ignore[arg-type]
                capture, _, key, when, output = fields
                t = times.get(when[:19]) if when[-1:] == "Z" else None  # seconds(), cached
                if t is None:
                    t = seconds(when, times)
            except _Bad as bad:
                if line.strip():  # type: ignore[attr-defined]  # a blank line is nothing
                    self.problems.add(self.side, source, n, str(bad))
                continue
            if t < since:
                continue
            if type(output) is bytes:  # no decoder read it
                out = capture["endpointOutput"]
                self.problems.undecodable(self.side, source, n,
                                          out.get("observedContentType"))  # type: ignore[attr-defined]
            entries.append((t, key, output,
                            capture.get("endpointInput") if inputs[0] else None, source, n))
        return entries

    def _record(self, record: CaptureRecord, source: str, n: int) -> Entry | None:
        if not record.key:
            self.problems.add(self.side, source, n, "record has neither inference_id nor event_id")
            return None
        t = NO_TIME if record.time is None else math.floor(record.time.timestamp())
        if t < self.since:
            return None
        if type(record.output) is bytes:
            self.problems.undecodable(self.side, source, n, record.output_content_type)
        return (t, record.key, record.output,
                Ready(record.input) if self.inputs[0] else None, source, n)


_PEEK: Final = 100  # lines read for a unit's first time before giving up on it
_time: Final = operator.itemgetter(0)
# one unit of a side: (its source for problems, a Path, the lines of a CaptureFile, or
# the (position, line or record) pairs given directly)
_Unit = tuple[str, object]


def _first_time(lines: Iterable[object]) -> int | None:
    """The time of the first line in ``lines`` that reads as a record with a time."""
    times: dict[str, int] = {}
    for line in lines:
        try:
            if type(line) is CaptureRecord:
                if line.time is not None:
                    return math.floor(line.time.timestamp())
                continue
            when = parse_line(line)[3]  # type: ignore[arg-type]
            if when:
                return seconds(when, times)
        except _Bad:
            continue
    return None

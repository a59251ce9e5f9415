"""The pairing engine: :func:`compare_captures` reads both sides, merges them by time,
pairs records by id within a window and tallies what the pairs show, streaming."""

from __future__ import annotations

import json
import math
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Final, NamedTuple, TypeAlias, Union

from shadowtest.capture.comparison import (
    SIDES,
    CaptureProblem,
    DifferenceSummary,
    Disagreement,
    PredictionComparison,
    Side,
)
from shadowtest.capture.decode import _Bad, _payload
from shadowtest.capture.record import CaptureFile, CaptureRecord, _ids, _line_object, _sections

__all__ = ["DEFAULT_WINDOW", "DUPLICATE_MEMORY", "KEPT_PROBLEMS", "CaptureInput",
           "compare_captures"]

DEFAULT_WINDOW: Final = timedelta(minutes=5)
"""How far apart in ``inferenceTime`` two records of one pair may arrive: a record still
waiting for its partner when the other side has moved this far past it is unpaired. The
shadow gets its copy of a request at once, so seconds apart is usual; what waits is
about (records per second) x window x (the share that never pairs)."""
KEPT_PROBLEMS: Final = 1000
"""How many problems a comparison keeps with their location (all are counted)."""
DUPLICATE_MEMORY: Final = timedelta(minutes=1)
"""How long after pairing an id is remembered, to catch a duplicate (a retried request)."""
_PROBABILITY_SLACK: Final = 1e-3  # softmax outputs written with 6 decimals sum to 1 within 1e-5


class _Ready(NamedTuple):
    value: object  # an input already decoded (from a CaptureRecord)


def _input_of(raw: object) -> object:
    if type(raw) is _Ready:
        return raw.value
    if raw is None:
        return None
    try:
        return _payload(raw, "captureData.endpointInput")
    except _Bad:
        return None  # an unreadable input does not hide the pair's outputs


# the entry one record becomes on the hot path: (time, key, output, raw input, source, line)
_Entry = tuple[str, str, object, object, str, int]


# -- reading -----------------------------------------------------------------------------------

CaptureInput: TypeAlias = Union[  # a runtime alias: Python 3.10 cannot | a string
    str, "os.PathLike[str]",
    Iterable[Union[CaptureRecord, str, bytes, "os.PathLike[str]", CaptureFile]]]
"""What :func:`compare_captures` reads for one side: a path (a ``.jsonl`` file, or a
directory whose ``*.jsonl`` files are read in name order, which is time order), or an
iterable of :class:`CaptureRecord`, JSON lines (``str``/``bytes``), paths
(``os.PathLike``) and :class:`CaptureFile`."""


_CHUNK: Final = 1024  # entries a reader hands over at once; also how often waiting is swept
# JSONDecoder.raw_decode is json.loads without its wrapper (a type check, a BOM check, two
# whitespace regex matches, and for bytes an encoding sniff in Python): the fast path below
# parses each line and each JSON output with it. benchmarks/capture.py, 2 x 500,000
# records: with json.loads compare_captures ran at 0.70x the bare json.loads loop; with
# raw_decode, 1.3-1.4x (and 0.55x a bare loop that also uses raw_decode).
_decode: Final = json.JSONDecoder().raw_decode


class _Reader:
    """Turns one side's input into lists of entries, counting and locating bad lines."""

    def __init__(self, side: Side, since: str, problems: _Problems, inputs: list[bool]
                 ) -> None:
        self.side = side
        self.since = since
        self.problems = problems
        # inputs[0]: still keep each record's input? Only a disagreement shows one, so once
        # enough are kept, a waiting record holds no input (they can be large)
        self.inputs = inputs

    def chunks(self, items: object) -> Iterator[list[_Entry]]:
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
                if len(loose) >= _CHUNK:
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

    def _path(self, path: Path) -> Iterator[list[_Entry]]:
        files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            with file.open("rb") as lines:
                yield from self._lines(str(file), enumerate(lines, 1))

    def _lines(self, source: str, lines: Iterable[tuple[int, str | bytes]]
               ) -> Iterator[list[_Entry]]:
        # The hot path: one parse of the line and one of a JSON output; everything else is
        # dictionary lookups. The careful route runs only when something here fails.
        decode, since, inputs = _decode, self.since, self.inputs
        chunk: list[_Entry] = []
        for n, line in lines:
            try:
                text = line.decode() if type(line) is bytes else line
                d, end = decode(text)  # type: ignore[arg-type]
                if end != len(text) and not text[end:].isspace():
                    raise ValueError
                meta = d["eventMetadata"]
                capture = d["captureData"]
                out = capture["endpointOutput"]
                key = meta.get("inferenceId") or meta["eventId"]
                when = meta.get("inferenceTime", "")
                data = out["data"]
                if out["encoding"] == "JSON":
                    output, end = decode(data)
                    if end != len(data):
                        raise ValueError
                else:
                    output = _payload(out, "captureData.endpointOutput")
                if type(key) is not str or type(when) is not str:
                    raise TypeError
                entry = (when, key, output,
                         capture.get("endpointInput") if inputs[0] else None, source, n)
            except Exception:  # anything odd: the careful route says what
                found = self._careful(line, source, n)
                if found is None:
                    continue
                entry = found
            if since and entry[0][:19] < since:
                continue
            chunk.append(entry)
            if len(chunk) >= _CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _careful(self, line: str | bytes, source: str, n: int) -> _Entry | None:
        """The entry for a line the fast path could not read, or ``None`` after recording
        what is wrong with it (a blank line is no problem, just nothing)."""
        if not line.strip():
            return None
        try:
            d = _line_object(line)
            capture, meta = _sections(d)
            inference_id, event_id, when = _ids(meta)
            output = _payload(capture.get("endpointOutput"), "captureData.endpointOutput")
        except _Bad as bad:
            self.problems.add(self.side, source, n, str(bad))
            return None
        key = inference_id or event_id or ""
        return (when, key, output, capture.get("endpointInput") if self.inputs[0] else None,
                source, n)

    def _record(self, record: CaptureRecord, source: str, n: int) -> _Entry | None:
        if not record.key:
            self.problems.add(self.side, source, n, "record has neither inference_id nor event_id")
            return None
        when = "" if record.time is None else _iso(record.time)
        if self.since and when[:19] < self.since:
            return None
        return (when, record.key, record.output,
                _Ready(record.input) if self.inputs[0] else None, source, n)


def _iso(when: datetime) -> str:
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"


class _Problems:
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


# -- comparing ---------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    kind = type(value)
    return kind is float or kind is int


def _probabilities(value: object) -> bool:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        return False
    if not all(type(v) is float or type(v) is int for v in value):
        return False
    return all(0 <= v <= 1 for v in value) and abs(math.fsum(value) - 1) <= _PROBABILITY_SLACK


def _unwrap(value: object) -> object:
    """The prediction inside common response wrappers: a one-key object
    (``{"predictions": …}``) or a one-item list (a batch of one)."""
    while True:
        if isinstance(value, dict) and len(value) == 1:
            value = next(iter(value.values()))
        elif isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        else:
            return value


def _label(value: object) -> object | None:
    """The label an output stands for, or ``None`` if it is not a label."""
    if isinstance(value, (str, bool)) or type(value) is int:
        return value
    if _probabilities(value):
        items = list(value)  # type: ignore[call-overload]
        return max(range(len(items)), key=items.__getitem__)
    return None


def _vector(value: object) -> list[float] | None:
    if isinstance(value, (list, tuple)) and value and all(
            type(v) is float or type(v) is int for v in value):
        return [float(v) for v in value]
    return None


def _same_label(label: object, truth: object) -> bool:
    return label == truth or str(label) == str(truth)


class _Tally:
    """Everything a comparison counts, updated one pair at a time."""

    def __init__(self, labels: Mapping[str, object] | None, keep: int) -> None:
        self.labels = labels
        self.keep = keep
        self.inputs = [keep > 0]  # shared with the readers: are inputs still wanted?
        self.kept: list[Disagreement] = []
        self.paired = self.exact = self.numeric = self.label_pairs = self.agree = 0
        self.absolute: array[float] = array("d")
        self.relative: array[float] = array("d")
        self.confusion: dict[tuple[object, object], int] = {}
        self.labelled = 0
        self.correct = [0, 0]
        # |prediction - truth| per side, summed exactly at the end (math.fsum), so the
        # order pairs arrive in cannot change the last digit of MAE or RMSE
        self.errors: tuple[array[float], array[float]] = (array("d"), array("d"))

    def pair(self, production: _Entry, shadow: _Entry) -> None:
        self.paired += 1
        p, s = production[2], shadow[2]
        same = p == s
        if same:
            self.exact += 1
        elif len(self.kept) < self.keep:
            self.kept.append(Disagreement(
                key=production[1], production_input=_input_of(production[3]),
                production_output=p, shadow_input=_input_of(shadow[3]), shadow_output=s,
                production_where=f"{production[4]}:{production[5]}",
                shadow_where=f"{shadow[4]}:{shadow[5]}"))
            if len(self.kept) == self.keep:
                self.inputs[0] = False
        if type(p) is float and type(s) is float:  # the common case of a score, first
            self.numeric += 1
            gap = abs(s - p)
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))
        else:
            self._slow(p, s)
        if self.labels is not None and production[1] in self.labels:
            self._score(p, s, self.labels[production[1]])

    def _slow(self, p: object, s: object) -> None:
        p, s = _unwrap(p), _unwrap(s)
        if _is_number(p) and _is_number(s) and (type(p) is float or type(s) is float):
            self.numeric += 1
            gap = abs(s - p)  # type: ignore[operator]
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))  # type: ignore[arg-type]
            return
        lp, ls = _label(p), _label(s)
        if lp is not None and ls is not None:
            self.label_pairs += 1
            self.agree += lp == ls
            self.confusion[(lp, ls)] = self.confusion.get((lp, ls), 0) + 1
            return
        vp, vs = _vector(p), _vector(s)
        if vp is not None and vs is not None and len(vp) == len(vs):
            self.numeric += 1
            for a, b in zip(vp, vs, strict=True):
                gap = abs(b - a)
                self.absolute.append(gap)
                if a:
                    self.relative.append(gap / abs(a))
        # anything else (bytes, objects, vectors of different lengths): exact match only

    def _score(self, p: object, s: object, truth: object) -> None:
        p, s = _unwrap(p), _unwrap(s)
        if _is_number(truth) and _is_number(p) and _is_number(s) and (
                type(p) is float or type(s) is float or type(truth) is float):
            self.labelled += 1
            self.errors[0].append(abs(p - truth))  # type: ignore[operator]
            self.errors[1].append(abs(s - truth))  # type: ignore[operator]
            return
        lp, ls = _label(p), _label(s)
        if lp is not None and ls is not None:
            self.labelled += 1
            self.correct[0] += _same_label(lp, truth)
            self.correct[1] += _same_label(ls, truth)

    def result(self, unpaired: list[int], problems: _Problems) -> PredictionComparison:
        accuracy: MappingProxyType[str, float] | None = None
        mae: MappingProxyType[str, float] | None = None
        rmse: MappingProxyType[str, float] | None = None
        n_errors = len(self.errors[0])
        n_labels = self.labelled - n_errors
        if n_labels:
            accuracy = MappingProxyType({str(side): self.correct[i] / n_labels
                                         for i, side in enumerate(SIDES)})
        if n_errors:
            mae = MappingProxyType({str(side): math.fsum(self.errors[i]) / n_errors
                                    for i, side in enumerate(SIDES)})
            rmse = MappingProxyType({
                str(side): math.sqrt(math.fsum(e * e for e in self.errors[i]) / n_errors)
                for i, side in enumerate(SIDES)})
        return PredictionComparison(
            paired=self.paired, unpaired_production=unpaired[0], unpaired_shadow=unpaired[1],
            exact_matches=self.exact, numeric_pairs=self.numeric, label_pairs=self.label_pairs,
            label_agreements=self.agree,
            differences=DifferenceSummary.of(self.absolute),
            relative_differences=DifferenceSummary.of(self.relative),
            confusion=MappingProxyType(dict(self.confusion)), labelled=self.labelled,
            accuracy=accuracy, mae=mae, rmse=rmse,
            malformed=problems.malformed, duplicates=problems.duplicates,
            problems=tuple(problems.kept), kept=tuple(self.kept), absolute=self.absolute)


def _cutoff(when: str, window: timedelta) -> str:
    """The ``inferenceTime`` prefix (to the second) ``window`` before ``when``."""
    try:
        moment = datetime.strptime(when[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return ""
    return (moment - window).strftime("%Y-%m-%dT%H:%M:%S")


def compare_captures(
    production: CaptureInput,
    shadow: CaptureInput,
    *,
    labels: Mapping[str, object] | None = None,
    limit: int | None = None,
    since: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    keep_disagreements: int = 100,
) -> PredictionComparison:
    """Pair production's and shadow's captured records and compare their outputs.

    Each side is a path (a ``.jsonl`` file or a directory of them), or an iterable of
    :class:`CaptureRecord`, JSON lines, paths and :class:`CaptureFile` — each side in
    time order, as SageMaker writes them. Records pair by ``inferenceId``, else
    ``eventId``. The two sides are read merged by ``inferenceTime``, so only records
    still waiting for their partner are held: one that waits longer than ``window``
    (measured in ``inferenceTime``) is counted unpaired. (For exact percentiles each
    numeric difference is kept too, as an 8-byte float.) A malformed line is counted and
    listed in ``problems`` with its file and line number, then skipped; so is a second
    record with the id of one already seen on the same side (a duplicate), while the
    first is waiting or within :data:`DUPLICATE_MEMORY` of its pairing.

    ``labels`` maps inference id (else event id) to the true value, for each variant's
    accuracy (labels) or MAE and RMSE (numbers). ``limit`` stops after that many pairs;
    ``since`` skips records from before that (aware) time. ``keep_disagreements``
    bounds what :meth:`PredictionComparison.disagreements` can return.

    >>> line = ('{{"captureData": {{"endpointOutput": {{"data": "{out}", "encoding": "CSV", '
    ...         '"observedContentType": "text/csv", "mode": "OUTPUT"}}}}, '
    ...         '"eventMetadata": {{"eventId": "e1", "inferenceId": "r1"}}, "eventVersion": "0"}}')
    >>> compare_captures([line.format(out="0.5")], [line.format(out="0.75")]).differences.max
    0.25
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 1):
        raise ValueError(f"limit must be an integer >= 1 (pairs), got {limit!r}")
    if since is not None and (since.tzinfo is None or since.utcoffset() is None):
        raise ValueError(f"since must be a timezone-aware datetime, got {since!r}")
    if not isinstance(window, timedelta) or window <= timedelta(0):
        raise ValueError(f"window must be a positive timedelta, got {window!r}")
    if labels is not None and not (isinstance(labels, Mapping)
                                   and all(isinstance(key, str) for key in labels)):
        # the values are not shown: they are the user's ground truth
        raise ValueError(f"labels must be a mapping of inference id (a string) to the true "
                         f"value, got {type(labels).__name__}")
    problems = _Problems()
    after = _iso(since)[:19] if since is not None else ""
    tally = _Tally(labels, keep_disagreements)
    streams = (_Reader("production", after, problems, tally.inputs).chunks(production),
               _Reader("shadow", after, problems, tally.inputs).chunks(shadow))
    pair = tally.pair
    unpaired = [0, 0]
    waiting: tuple[dict[str, _Entry], dict[str, _Entry]] = ({}, {})
    recent: dict[str, str] = {}  # keys paired lately -> when, to catch late duplicates
    heads = [next(streams[0], None), next(streams[1], None)]
    stop = limit if limit is not None else -1
    while True:
        # the two sides merged by time, a chunk at a time: what waits for a partner is
        # about one chunk, however long the capture
        a, b = heads
        if a is None:
            if b is None:
                break
            side = 1
        elif b is None or a[0][0] <= b[0][0]:
            side = 0
        else:
            side = 1
        chunk: list[_Entry] = heads[side]  # type: ignore[assignment]
        heads[side] = next(streams[side], None)
        mine, other = waiting[side], waiting[1 - side]
        for entry in chunk:
            key = entry[1]
            partner = other.pop(key, None)
            if partner is None:
                if key in mine or key in recent:
                    _duplicate(problems, SIDES[side], entry, mine.get(key))
                else:
                    mine[key] = entry
                continue
            if side:
                pair(partner, entry)
            else:
                pair(entry, partner)
            recent[key] = entry[0]
            if tally.paired == stop:
                break
        if tally.paired == stop:
            break
        # this side has read up to its last time: a record of the other side older than
        # that by more than the window will not find its partner any more
        cutoff = _cutoff(chunk[-1][0], window)
        if cutoff:
            unpaired[1 - side] += _evict(other, cutoff)
            _forget(recent, _cutoff(chunk[-1][0], DUPLICATE_MEMORY))
    unpaired[0] += len(waiting[0])
    unpaired[1] += len(waiting[1])
    return tally.result(unpaired, problems)


def _duplicate(problems: _Problems, side: Side, entry: _Entry, first: _Entry | None) -> None:
    where = f" (first at {first[4]}:{first[5]})" if first is not None else ""
    problems.add(side, entry[4], entry[5], f"duplicate id: another {side} record has it{where}",
                 duplicate=True)


def _evict(waiting: dict[str, _Entry], cutoff: str) -> int:
    """Drop the records (oldest first) that waited past ``cutoff``; how many."""
    stale = []
    for key, entry in waiting.items():
        if not entry[0] or entry[0][:19] >= cutoff:
            break
        stale.append(key)
    for key in stale:
        del waiting[key]
    return len(stale)


def _forget(recent: dict[str, str], cutoff: str) -> None:
    stale = []
    for key, when in recent.items():
        if not when or when[:19] >= cutoff:
            break
        stale.append(key)
    for key in stale:
        del recent[key]

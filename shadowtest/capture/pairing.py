"""The pairing engine: :func:`compare_captures` reads both sides merged by time, pairs
records by id within a window and hands each pair to the tally, streaming."""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from shadowtest._checks import Checker
from shadowtest.capture.comparison import SIDES
from shadowtest.capture.decode import check_decoders
from shadowtest.capture.reading import KEPT_PROBLEMS, CaptureInput, Problems, Reader
from shadowtest.capture.record import NO_TIME
from shadowtest.capture.tally import Tally

if TYPE_CHECKING:
    from shadowtest.capture.comparison import PredictionComparison, Side
    from shadowtest.capture.decode import Decoder, Decoders
    from shadowtest.capture.reading import Entry
    from shadowtest.capture.record import FastLoads

__all__ = ["DEFAULT_WINDOW", "DUPLICATE_MEMORY", "KEPT_PROBLEMS", "MAX_WINDOW", "CaptureInput",
           "check_options", "compare_captures"]

DEFAULT_WINDOW: Final = timedelta(minutes=5)
"""How far apart in ``inferenceTime`` the two records of one pair may be, and how far out
of time order a side's records may come: a record still waiting for its partner when the
other side has read two windows past it is unpaired. The shadow gets its copy of a
request at once, so seconds apart is usual; what waits is about (records per second) x
2 x window x (the share that never pairs)."""
MAX_WINDOW: Final = timedelta(days=30)
"""The longest pairing window: a shadow test runs at most 30 days, so a window that long
already keeps every record until its partner comes."""
DUPLICATE_MEMORY: Final = timedelta(minutes=1)
"""How long after pairing an id is remembered, to catch a duplicate (a retried request)."""
_time: Final = operator.itemgetter(0)


def check_options(
    c: Checker,
    *,
    labels: object = None,
    limit: object = None,
    since: object = None,
    window: object = DEFAULT_WINDOW,
    keep_disagreements: object = 0,
    decoders: object = None,
) -> dict[str, Decoder] | None:
    """Add to ``c`` what is wrong with the options of a comparison: the one check of them,
    for :func:`compare_captures` and the client's ``compare_predictions`` alike. Returns
    the decoders by media type."""
    if labels is not None and not (isinstance(labels, Mapping)
                                   and all(isinstance(key, str) for key in labels)):
        # the values are not shown: they are the user's ground truth
        c.add("labels", f"got {type(labels).__name__}; must be a mapping of inference id "
                        "(a string) to the true value, or None")
    if limit is not None:
        c.check_int("limit", limit, ge=1, why="pairs to compare")
    if since is not None:
        c.check_aware("since", since)
    if not isinstance(window, timedelta) or not timedelta(0) < window <= MAX_WINDOW:
        shown = repr(window) if isinstance(window, timedelta) else type(window).__name__
        c.add("window", f"got {shown}; must be a timedelta longer than 0 and at most 30 "
                        "days (a shadow test runs at most 30 days)")
    c.check_int("keep_disagreements", keep_disagreements, ge=0, why="pairs kept to show")
    return check_decoders(decoders, c)


def fast_loads() -> FastLoads | None:
    """orjson's parser when the ``fast`` extra is installed (``pip install
    'shadowtest[fast]'``), else ``None``: the ``json`` module reads every line.
    benchmarks/capture.py measures what it gains."""
    try:
        import orjson
    except ImportError:
        return None
    loads: FastLoads = orjson.loads
    return loads


class _Aging:
    """Entries by key that are let go once their time falls behind a cutoff: the records
    waiting for a partner, and the ids paired lately (to catch a late duplicate). Entries
    without a time (:data:`NO_TIME`) are kept to the end."""

    __slots__ = ("_by_second", "_oldest", "entries")

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        # the keys added at each second: only keys, so nothing of a paired record lingers
        self._by_second: dict[int, list[str]] = {}
        self._oldest = 1 << 62  # no second held before this

    def add(self, key: str, entry: Entry) -> None:
        self.entries[key] = entry
        t = entry[0]
        if t != NO_TIME:
            keys = self._by_second.get(t)
            if keys is None:
                keys = self._by_second[t] = []
                if t < self._oldest:
                    self._oldest = t
            keys.append(key)

    def register(self, added: list[Entry]) -> None:
        """Keep track of entries the caller put in :attr:`entries` itself (the pairing
        loop does, saving a call a record): after it, they age as the ones given to :meth:`add`."""
        by_second = self._by_second
        for entry in added:
            t = entry[0]
            if t != NO_TIME:
                keys = by_second.get(t)
                if keys is None:
                    keys = by_second[t] = []
                    if t < self._oldest:
                        self._oldest = t
                keys.append(entry[1])

    def expire(self, cutoff: int) -> int:
        """Let go of the entries from before ``cutoff`` (seconds); how many there were."""
        if cutoff <= self._oldest:
            return 0
        by_second, entries = self._by_second, self.entries
        seconds = (range(self._oldest, cutoff) if cutoff - self._oldest <= len(by_second)
                   else sorted(t for t in by_second if t < cutoff))  # sparse: skip the gaps
        dropped = 0
        for t in seconds:
            for key in by_second.pop(t, ()):
                entry = entries.get(key)
                if entry is not None and entry[0] == t:  # not paired, nor added again since
                    del entries[key]
                    dropped += 1
        self._oldest = cutoff  # every second before it is gone
        return dropped


def compare_captures(
    production: CaptureInput,
    shadow: CaptureInput,
    *,
    labels: Mapping[str, object] | None = None,
    limit: int | None = None,
    since: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    keep_disagreements: int = 100,
    decoders: Decoders | None = None,
) -> PredictionComparison:
    """Pair production's and shadow's captured records and compare their outputs.

    Each side is a path (a ``.jsonl`` file or a directory of them), or an iterable of
    :class:`CaptureRecord`, JSON lines, paths and :class:`CaptureFile`. Records pair by
    ``inferenceId``, else ``eventId``, whatever order they come in: each unit — a file,
    a ``CaptureFile``, the lines and records given directly in a list — is sorted by
    ``inferenceTime``, and the files of a directory, list or tuple are read in the order
    of their first record's time. The two sides are read merged by time, so only records
    still waiting for their partner are held: a record waits until the other side has
    read two ``window`` lengths past it (the two records of a pair may be a window
    apart, and out of order by up to a window), then it is counted unpaired. (For exact percentiles
    each numeric difference is kept too, as an 8-byte float.) A record of a one-pass
    stream (an iterator) that comes later than that may have missed its partner: it is
    counted in ``out_of_order`` and listed in ``problems``, never silently unpaired. A
    malformed line is counted and listed in ``problems`` with its file and line number,
    then skipped; so is a second record with the id of one already seen on the same side
    (a duplicate), while the first is waiting or within :data:`DUPLICATE_MEMORY` of its
    pairing.

    ``decoders`` maps a content type to a function of a payload's bytes (see
    :func:`~shadowtest.capture.decode_payload`): for anything the built-in readers do not
    read, or read differently from what you want. An output no decoder reads is compared
    as bytes and counted in ``undecoded``, by content type, with a problem for each.

    ``labels`` maps inference id (else event id) to the true value, for each variant's
    accuracy (labels) or MAE and RMSE (numbers). ``limit`` stops after that many pairs;
    ``since`` skips records from before that (aware) time. ``window`` is at most
    :data:`MAX_WINDOW`. ``keep_disagreements`` bounds what
    :meth:`PredictionComparison.disagreements` can return. Options that break these
    rules are a :class:`~shadowtest.ConfigValidationError` listing each.

    >>> line = ('{{"captureData": {{"endpointOutput": {{"data": "{out}", "encoding": "CSV", '
    ...         '"observedContentType": "text/csv", "mode": "OUTPUT"}}}}, '
    ...         '"eventMetadata": {{"eventId": "e1", "inferenceId": "r1"}}, "eventVersion": "0"}}')
    >>> compare_captures([line.format(out="0.5")], [line.format(out="0.75")]).differences.max
    0.25
    """
    c = Checker()
    known = check_options(c, labels=labels, limit=limit, since=since, window=window,
                          keep_disagreements=keep_disagreements, decoders=decoders)
    c.raise_if_any("compare_captures arguments")
    return pair_captures(production, shadow, labels=labels, limit=limit, since=since,
                         window=window, keep_disagreements=keep_disagreements, decoders=known)


def pair_captures(
    production: CaptureInput,
    shadow: CaptureInput,
    *,
    labels: Mapping[str, object] | None,
    limit: int | None,
    since: datetime | None,
    window: timedelta = DEFAULT_WINDOW,
    keep_disagreements: int = 100,
    decoders: dict[str, Decoder] | None = None,
) -> PredictionComparison:
    """:func:`compare_captures` for options that already passed :func:`check_options`
    (``decoders`` as it returned them; the client checks the options where they enter,
    before reading S3)."""
    known = decoders
    problems = Problems()
    after = NO_TIME if since is None else math.floor(since.timestamp())
    tally = Tally(labels, keep_disagreements, known)
    fast = fast_loads()
    streams = (Reader("production", after, problems, tally.inputs, known, fast).chunks(production),
               Reader("shadow", after, problems, tally.inputs, known, fast).chunks(shadow))
    pair = tally.pair
    unpaired = [0, 0]
    waiting = (_Aging(), _Aging())
    recent = _Aging()  # ids paired lately, to catch late duplicates
    span = math.ceil(window.total_seconds())
    memory = math.ceil(DUPLICATE_MEMORY.total_seconds())
    # Each side's records may come out of time order by up to the window, and the two
    # records of a pair be up to the window apart: so a record waits until the other
    # side has read two windows past it. cut[i]: side i's records from before it are let
    # go; a record of the other side that could have had its partner there arrived too
    # late for the streaming to follow: a problem, never silently unpaired.
    high = [NO_TIME, NO_TIME]  # the latest time each side has read
    cut = [NO_TIME, NO_TIME]
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
        chunk: list[Entry] = heads[side]  # type: ignore[assignment]
        heads[side] = next(streams[side], None)
        mine, other, seen = waiting[side].entries, waiting[1 - side].entries, recent.entries
        waits: list[Entry] = []  # put in `mine` here, registered to age after the chunk
        done: list[Entry] = []  # the same for `seen`
        lost = cut[1 - side] + span  # a record before this may have lost its partner
        for entry in chunk:
            key = entry[1]
            partner = other.pop(key, None)
            if partner is None:
                if key in mine or key in seen:
                    _duplicate(problems, SIDES[side], entry, mine.get(key), seen.get(key))
                elif entry[0] < lost and entry[0] != NO_TIME:
                    _late(problems, SIDES[side], entry, high[side], window)
                else:
                    mine[key] = entry
                    waits.append(entry)
                continue
            if side:
                pair(partner, entry)
            else:
                pair(entry, partner)
            # remembered without its payload: nothing of it is shown again
            seen[key] = remembered = (entry[0], key, None, None, entry[4], entry[5])
            done.append(remembered)
            if tally.paired == stop:
                break
        waiting[side].register(waits)
        recent.register(done)
        if tally.paired == stop:
            break
        top = max(map(_time, chunk))
        if top > high[side]:
            high[side] = top
            # what this side may still bring is at least a window before its latest
            # time, and pairs with records at most a window from it
            if top - 2 * span > cut[1 - side]:
                cut[1 - side] = top - 2 * span
                unpaired[1 - side] += waiting[1 - side].expire(cut[1 - side])
            recent.expire(max(high) - memory - span)
    unpaired[0] += len(waiting[0].entries)
    unpaired[1] += len(waiting[1].entries)
    return tally.result(unpaired, problems)


def _late(problems: Problems, side: Side, entry: Entry, high: int, window: timedelta) -> None:
    problems.add(side, entry[4], entry[5],
                 f"out of order: this {side} record came after {side} records "
                 f"{_span(high - entry[0])} later than it, more than the pairing window "
                 f"({_span(math.ceil(window.total_seconds()))}), so its partner may have been "
                 "counted unpaired already; pass each side in time order, or a wider window=",
                 kind="out of order")


def _span(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"


def _duplicate(problems: Problems, side: Side, entry: Entry, first: Entry | None,
               paired: Entry | None) -> None:
    if first is not None:
        message = (f"duplicate id: another {side} record has it "
                   f"(first at {first[4]}:{first[5]})")
    else:
        assert paired is not None
        message = (f"duplicate id: a {side} record with it was paired already "
                   f"(the pair was made at {paired[4]}:{paired[5]})")
    problems.add(side, entry[4], entry[5], message, kind="duplicate")

"""Waiting for a status: the polling loop behind ``ExperimentClient.wait``.

The loop outlives what a pipeline meets on the way: throttling, 5xx answers, dropped
connections, read timeouts and unreadable answers (``shadowtest._aws.faults``) are
retried with capped exponential backoff and full jitter until the deadline; anything
else (the experiment does not exist, access is denied) ends the wait at once. The
deadline is kept: no pause ever runs past it, so a wait overshoots it by at most one
describe call.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Final, TextIO

from shadowtest._aws.faults import describe_fault, is_transient
from shadowtest._checks import Checker, show
from shadowtest.config import EXPERIMENT_NAME
from shadowtest.errors import (
    MalformedResponseError,
    UnexpectedStatusError,
    WaitTimeoutError,
)
from shadowtest.status import TERMINAL, ExperimentStatus

if TYPE_CHECKING:
    from shadowtest.experiment import InferenceExperiment

__all__ = [
    "MAX_POLL_INTERVAL",
    "MIN_POLL_INTERVAL",
    "Progress",
    "WaitArguments",
    "backoff_pause",
    "check_wait_arguments",
    "poll",
]

MIN_POLL_INTERVAL: Final = 0.1
"""The shortest pause between polls, in seconds: below it a wait would flood the service
with describe calls (with no floor, ``poll_interval=0`` made over a thousand a second)."""
MAX_POLL_INTERVAL: Final = 3600.0
"""The longest pause between polls, in seconds (``time.sleep`` refuses huge values)."""
_MAX_UNTIL: Final = 16  # more statuses than exist, so a longer ``until`` is a mistake

_STATUSES: Final = ExperimentStatus._value2member_map_


class WaitArguments:
    """``wait()``'s arguments once checked."""

    __slots__ = ("max_interval", "on_poll", "poll_interval", "progress", "timeout", "wanted")

    def __init__(self, wanted: frozenset[ExperimentStatus], timeout: float,
                 poll_interval: float, max_interval: float, progress: bool | None,
                 on_poll: Callable[[InferenceExperiment], None] | None) -> None:
        self.wanted = wanted
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.max_interval = max(max_interval, poll_interval)
        self.progress = progress
        self.on_poll = on_poll


def _seconds(c: Checker, field: str, value: object, low: float, high: float) -> float:
    return float(value) if c.check_seconds(field, value, ge=low, le=high) else 0.0  # type: ignore[arg-type]


def check_wait_arguments(
    name: object, until: object, timeout: object, poll_interval: object,
    max_interval: object, progress: object, on_poll: object,
) -> WaitArguments:
    """Every argument of ``wait()`` checked at once, before any request: one
    :class:`ConfigValidationError` lists every problem."""
    c = Checker()
    c.check_string("name", name, EXPERIMENT_NAME)
    wanted: list[ExperimentStatus] = []
    if isinstance(until, str):
        given: tuple[object, ...] = (until,)
    elif isinstance(until, Iterable) and not isinstance(until, (bytes, Mapping)):
        # read at most one more than could make sense: ``until`` may be endless
        given = tuple(islice(until, _MAX_UNTIL + 1))
        if len(given) > _MAX_UNTIL:
            c.add("until", f"got more than {_MAX_UNTIL} statuses; give one status or a "
                           "collection of them")
        elif not given:
            c.add("until", "got no status; give one status or a collection of them")
    else:
        c.add("until", f"got {type(until).__name__} {show(until)}; give a status (e.g. "
                       "'Running') or a collection of them")
        given = ()
    for i, status in enumerate(given[:_MAX_UNTIL]):
        path = "until" if isinstance(until, str) else f"until[{i}]"
        if c.check_choice(path, status, _STATUSES):
            wanted.append(_STATUSES[status])  # type: ignore[arg-type]
    seconds = _seconds(c, "timeout", timeout, 0.0, math.inf)
    low, high = MIN_POLL_INTERVAL, MAX_POLL_INTERVAL
    first = _seconds(c, "poll_interval", poll_interval, low, high)
    cap = _seconds(c, "max_interval", max_interval, low, high)
    if progress is not None and not isinstance(progress, bool):
        c.add("progress", f"got {type(progress).__name__} {show(progress)}; must be True, "
                          "False or None (live status line only on a terminal or notebook)")
    if on_poll is not None and not callable(on_poll):
        c.add("on_poll", f"got {type(on_poll).__name__} {show(on_poll)}; must be a callable "
                         "taking an InferenceExperiment, or None")
    c.raise_if_any("wait arguments")
    return WaitArguments(frozenset(wanted), seconds, first, cap,
                         progress, on_poll)  # type: ignore[arg-type]


def backoff_pause(retry: int, first: float, cap: float, random: Callable[[], float]) -> float:
    """The pause before the ``retry``-th retry (1, 2, ...) of a transient fault: capped
    exponential backoff with full jitter (so that many callers throttled together do not
    come back together), never below :data:`MIN_POLL_INTERVAL`. ``wait()`` and
    ``watch()`` both retry with it."""
    ceiling = min(cap, first * 2.0 ** min(retry, 30))
    return max(MIN_POLL_INTERVAL, random() * ceiling)


def _clock_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours
            else f"{rest // 60}:{rest % 60:02d}")


class Progress:
    """One live status line: rewritten in place on a terminal (``\\r``), or updated in place
    in a notebook (through ``IPython.display``, used only if IPython is already imported)."""

    def __init__(self, stream: TextIO | None = None, *, notebook: bool = False) -> None:
        self._stream = stream
        self._notebook = notebook
        self._handle: object = None
        self._width = 0

    @classmethod
    def choose(cls, wanted: bool | None) -> Progress | None:
        """The display ``progress=wanted`` asks for: ``None`` shows one only in a notebook or
        on an interactive terminal, ``True`` always (on stderr outside a notebook)."""
        if wanted is False:
            return None
        if _in_notebook():
            return cls(notebook=True)
        stream = sys.stderr
        if wanted or _isatty(stream):
            return cls(stream)
        return None

    def show(self, line: str) -> None:
        try:
            if self._notebook:
                import importlib

                # only reached when IPython is imported already (see _in_notebook)
                display = importlib.import_module("IPython.display").display
                data = {"text/plain": line}
                if self._handle is None:
                    self._handle = display(data, raw=True, display_id=True)
                else:
                    self._handle.update(data, raw=True)  # type: ignore[attr-defined]
            elif self._stream is not None:
                pad = " " * max(0, self._width - len(line))
                self._stream.write(f"\r{line}{pad}")
                self._stream.flush()
                self._width = len(line)
        except (OSError, ValueError):  # a closed stream must not end the wait
            self._stream = None

    def close(self, line: str) -> None:
        self.show(line)
        if self._stream is not None and not self._notebook:
            try:
                self._stream.write("\n")
                self._stream.flush()
            except (OSError, ValueError):
                pass


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    get = getattr(ipython, "get_ipython", None)
    shell = get() if callable(get) else None
    # a kernel (Jupyter, Colab, VS Code) has one; a terminal IPython shell has not
    return getattr(shell, "kernel", None) is not None


def _status_line(name: str, experiment: InferenceExperiment | None, elapsed: float,
                 tail: str) -> str:
    parts = [f"{name}: {experiment.status if experiment is not None else '(not read yet)'}"]
    if experiment is not None:
        try:
            variants = ", ".join(f"{v.variant_name} {v.status}"
                                 for v in experiment.model_variants)
        except MalformedResponseError:
            variants = ""
        if variants:
            parts.append(f"variants: {variants}")
    parts.append(f"{_clock_text(elapsed)} elapsed")
    parts.append(tail)
    return " · ".join(parts)


def poll(
    name: str,
    args: WaitArguments,
    describe: Callable[[str], InferenceExperiment],
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    random: Callable[[], float],
) -> InferenceExperiment:
    """Describe ``name`` until its status is one of ``args.wanted``; see ``wait()``."""
    wanted = args.wanted
    started = clock()
    deadline = started + args.timeout
    interval = args.poll_interval
    progress = Progress.choose(args.progress)
    last: InferenceExperiment | None = None
    last_fault: BaseException | None = None
    faults = retrying = 0
    try:
        while True:
            try:
                current = describe(name)
                status = current.status
            except Exception as error:
                if not is_transient(error):
                    raise
                last_fault = error
                faults += 1
                retrying += 1
                pause = backoff_pause(retrying, args.poll_interval, args.max_interval, random)
                tail = f"{describe_fault(error)}; retrying in {pause:.1f} s"
            else:
                retrying = 0
                last = current
                if args.on_poll is not None:
                    args.on_poll(current)
                if status in wanted:
                    if progress is not None:
                        progress.close(_status_line(name, current, clock() - started, "done"))
                        progress = None
                    return current
                if status in TERMINAL:
                    reason = current.status_reason
                    raise UnexpectedStatusError(
                        f"inference experiment {name!r} ended {status} while waiting for "
                        f"{_listed(wanted)}" + (f": {reason}" if reason else ""),
                        name=name, status=str(status), reason=reason)
                pause = interval
                interval = min(interval * 2, args.max_interval)
                tail = f"next poll in {pause:.0f} s"
            now = clock()
            remaining = deadline - now
            if remaining <= 0:
                raise _timeout(name, args, wanted, last, now - started, faults,
                               last_fault) from last_fault
            pause = min(pause, remaining)  # never sleep past the deadline
            if progress is not None:
                progress.show(_status_line(name, last, now - started, tail))
            sleep(pause)
    finally:
        if progress is not None:
            progress.close(_status_line(name, last, clock() - started, "stopped"))


def _timeout(name: str, args: WaitArguments, wanted: frozenset[ExperimentStatus],
             last: InferenceExperiment | None, waited: float, faults: int,
             last_fault: BaseException | None) -> WaitTimeoutError:
    status = None if last is None else str(last.status)
    seen = (f"is still {status}" if status is not None
            else "could not be described once")
    message = (f"inference experiment {name!r} {seen} after {waited:.1f} s of waiting for "
               f"{_listed(wanted)} (timeout {args.timeout:g} s)")
    if faults:
        message += (f"; {faults} poll{'s' if faults != 1 else ''} met a transient fault, "
                    f"the last: {describe_fault(last_fault or Exception())}")
    return WaitTimeoutError(message, name=name, status=status, timeout=args.timeout,
                            waited=waited)


def _listed(statuses: Iterable[ExperimentStatus]) -> str:
    return " or ".join(sorted(str(status) for status in statuses))

"""Watching a running shadow test, and acting on its verdict while it runs.

``ExperimentClient.watch`` is a thin shell over this module:

- :func:`check_watch_arguments` checks every argument once, before anything is sent;
- :func:`decide` is the watch policy, pure: from one look's judgement(s), the
  experiment as described and the options, the next step (conclude, promote, raise the
  sampling, return, or look again);
- :class:`MetricsWindow` keeps the series fetched so far, so that a look fetches only
  what is new since the last one (with a short overlap: CloudWatch's latest minutes can
  still change) and its cost does not grow with the experiment's age;
- :func:`run_watch` is the loop: it describes, fetches, judges, decides, acts and
  sleeps through the callables it is given (:class:`WatchIO`), retrying a transient
  fault with ``wait()``'s backoff, and ending between actions on SIGTERM or Ctrl-C.

The watch keeps no state of its own that a restart would lose: the experiment's
start (for ``min_duration``), its sampling percentage (the ramp's step) and its last
modification (when that step began) come from the describe, the traffic from
CloudWatch. A watch that is killed and run again carries on where it was; an experiment
it already stopped is no longer Running, so it is never stopped twice.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import signal
import threading
import warnings
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Final, Literal, TypeVar

import attrs

from shadowtest._checks import Checker, show, type_name, unchecked
from shadowtest._displayed import Displayed
from shadowtest.config import EXPERIMENT_NAME
from shadowtest.status import TERMINAL, ExperimentStatus

if TYPE_CHECKING:
    from shadowtest._card import Card, Fact
    from shadowtest.experiment import InferenceExperiment
    from shadowtest.judgement import Judgement, Policy, Verdict
    from shadowtest.metrics import ExperimentMetrics, MetricSeries

__all__ = [
    "MAX_WATCH",
    "OVERLAP",
    "Decision",
    "Look",
    "MetricsWindow",
    "WatchIO",
    "WatchOptions",
    "WatchResult",
    "check_watch_arguments",
    "critical_gates_pass",
    "decide",
    "format_duration",
    "line_of_look",
    "look_dict",
    "parse_duration",
    "ramp_position",
    "run_watch",
    "started_at",
    "step_started_at",
]

log: Final = logging.getLogger("shadowtest")

Action = Literal["promoted", "concluded", "cancelled"]
Ended = Literal["acted", "decided", "left_running", "timeout", "interrupted"]
Step = Literal["conclude", "cancel", "promote", "raise", "return", "look"]
T = TypeVar("T")

MAX_WATCH: Final = timedelta(days=30)
"""The longest a shadow test runs (its schedule's maximum): no wait of the watch is longer."""
OVERLAP: Final = timedelta(minutes=10)
"""How much of what the last look fetched the next one fetches again: CloudWatch's latest
minutes can still change as late data points arrive."""
MIN_EVERY: Final = timedelta(seconds=60)
"""The shortest time between looks: one CloudWatch period (a look more often sees no new
data point)."""
# the pauses of a look retrying a transient fault: wait()'s defaults (poll_interval,
# max_interval), never longer than the time between looks
RETRY_FIRST: Final = 5.0
RETRY_CAP: Final = 60.0
NOTIFY_RETRIES: Final = 3  # a notification meeting a transient fault is retried this often
# an SNS topic ARN: arn:<partition>:sns:<region>:<account>:<topic name> (1-256 letters,
# digits, - and _, and .fifo at the end of a FIFO topic)
_TOPIC_ARN: Final = re.compile(r"arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:"
                                r"([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)")
_REASON_PREFIX: Final = "shadowtest watch"


# -- arguments -------------------------------------------------------------------------------


_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """``"90s"``, ``"15m"``, ``"1h"``, ``"7d"`` (or a combination such as ``"1h30m"``, or a
    plain number of seconds) as a :class:`timedelta`; :class:`ValueError` otherwise."""
    spoken = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", spoken):
        return timedelta(seconds=float(spoken))
    parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", spoken)
    if not parts or "".join(n + u for n, u in parts) != spoken:
        raise ValueError(f"{text!r} is not a duration; write it like 90s, 15m, 1h, 7d or 1h30m")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def format_duration(delta: timedelta) -> str:
    """A duration in its two largest units, as a person reads it: ``6d 23h``, ``2h 5m``,
    ``40s``."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    for big, big_unit, small, small_unit in ((days, "d", hours, "h"), (hours, "h", minutes, "m"),
                                             (minutes, "m", seconds, "s")):
        if big:
            return f"{big}{big_unit} {small}{small_unit}" if small else f"{big}{big_unit}"
    return f"{seconds}s"


def _duration(c: Checker, path: str, value: object, *, low: timedelta,
              why: str) -> timedelta | None:
    """``value`` (a timedelta, or a number of seconds) from ``low`` to :data:`MAX_WATCH`."""
    if isinstance(value, timedelta):
        delta = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        delta = timedelta(seconds=value)
    else:
        c.add(path, f"got {type_name(value)} {show(value)}; must be a timedelta (or a number "
                    "of seconds)")
        return None
    if not low <= delta <= MAX_WATCH:
        c.add(path, f"got {format_duration(delta) if delta >= timedelta(0) else delta}; "
                    f"must be from {format_duration(low)} to {MAX_WATCH.days}d ({why})")
        return None
    return delta


@attrs.frozen(kw_only=True)
class WatchOptions:
    """``watch()``'s arguments once checked (:func:`check_watch_arguments`)."""

    name: str
    policy: Policy | None = None
    every: timedelta = timedelta(minutes=15)
    min_duration: timedelta = timedelta(hours=1)
    on_fail: Literal["conclude", "cancel"] | None = "conclude"
    on_pass: Literal["promote"] | None = None
    ramp: tuple[int, ...] = ()
    notify: Callable[[str], object] | None = None
    topic_arn: str | None = None
    timeout: timedelta | None = None


def check_watch_arguments(
    name: object, policy: object, every: object, min_duration: object, on_fail: object,
    on_pass: object, ramp: object, notify: object, timeout: object,
) -> WatchOptions:
    """Every argument of ``watch()`` checked at once, before anything is sent: one
    :class:`~shadowtest.ConfigValidationError` names each bad one. ``on_pass="promote"``
    with a ramp that stops short of 100 % warns (:class:`UserWarning`): AWS recommends
    promoting a shadow only after it has served all of production's traffic."""
    from shadowtest.judgement.policy import check_policy

    c = Checker()
    c.check_string("name", name, EXPERIMENT_NAME)
    check_policy(c, policy)
    looks = _duration(c, "every", every, low=MIN_EVERY,
                      why="a look more often than one CloudWatch period sees no new data")
    least = _duration(c, "min_duration", min_duration, low=timedelta(0),
                      why="no shadow test runs longer than 30 days")
    if on_fail is not None:
        c.check_choice("on_fail", on_fail, ("conclude", "cancel"))
    if on_pass is not None:
        c.check_choice("on_pass", on_pass, ("promote",))
    steps = _ramp(c, ramp)
    callback: Callable[[str], object] | None = None
    topic: str | None = None
    if isinstance(notify, str):
        if _TOPIC_ARN.fullmatch(notify):
            topic = notify
        else:
            c.add("notify", f"got {show(notify)}; an SNS topic ARN looks like "
                            "arn:aws:sns:us-east-1:123456789012:my-topic")
    elif callable(notify):
        callback = notify
    elif notify is not None:
        c.add("notify", f"got {type_name(notify)} {show(notify)}; must be a callable taking "
                        "the message (a str), an SNS topic ARN, or None")
    limit = None if timeout is None else _duration(c, "timeout", timeout, low=timedelta(0),
                                                   why="no shadow test runs longer")
    c.raise_if_any("watch arguments")
    if on_pass == "promote" and steps and steps[-1] < 100:
        warnings.warn(
            f"watch(on_pass='promote', ramp={steps}): the ramp stops at {steps[-1]} %, so the "
            "shadow would be promoted having served only that share of production's "
            "traffic; AWS recommends 100 % before promoting (end the ramp at 100)",
            UserWarning, stacklevel=3)
    return WatchOptions(name=name, policy=policy, every=looks,  # type: ignore[arg-type]
                        min_duration=least, on_fail=on_fail,  # type: ignore[arg-type]
                        on_pass=on_pass, ramp=steps, notify=callback,  # type: ignore[arg-type]
                        topic_arn=topic, timeout=limit)


def _ramp(c: Checker, ramp: object) -> tuple[int, ...]:
    if ramp is None:
        return ()
    if isinstance(ramp, (str, bytes, Mapping)) or not isinstance(ramp, Iterable):
        c.add("ramp", f"got {type_name(ramp)} {show(ramp)}; must be increasing sampling "
                      "percentages such as (10, 50, 100), or None")
        return ()
    steps = tuple(ramp)
    ok = bool(steps)
    if not steps:
        c.add("ramp", "got no step; give increasing sampling percentages such as "
                      "(10, 50, 100), or None")
    for i, step in enumerate(steps):
        ok = c.check_int(f"ramp[{i}]", step, ge=1, le=100,
                         why="a sampling percentage; at 0 the shadow gets no traffic to "
                             "judge") and ok
    if ok and any(b <= a for a, b in itertools.pairwise(steps)):
        c.add("ramp", f"got {steps}; the steps must increase")
        ok = False
    return steps if ok else ()


def check_schedule(options: WatchOptions, experiment: InferenceExperiment) -> None:
    """The argument checks that need the experiment (described, nothing sent yet):
    ``min_duration`` no longer than its schedule."""
    schedule = experiment.schedule
    start = started_at(experiment)
    if schedule is None or schedule.end_time is None or start is None:
        return
    length = schedule.end_time - start
    if options.min_duration > length:
        c = Checker()
        c.add("min_duration", f"got {format_duration(options.min_duration)}, longer than the "
                              f"schedule of {options.name!r} ({format_duration(length)}): it "
                              "would end before a pass could count")
        c.fail("watch arguments")


# -- what the experiment says ------------------------------------------------------------------


def started_at(experiment: InferenceExperiment) -> datetime | None:
    """When the experiment began serving the shadow: its schedule's start, else its creation
    (as the metrics window begins)."""
    schedule = experiment.schedule
    return (schedule.start_time if schedule and schedule.start_time else None) \
        or experiment.creation_time


def _sampling(experiment: InferenceExperiment) -> int | None:
    roles = experiment.shadow_mode_config
    return roles.sampling_percentage if roles is not None else None


def ramp_position(sampling: int | None, ramp: Sequence[int]) -> int | None:
    """The index of the ramp step the experiment is at: its sampling percentage is that
    step. ``None`` when it is at none of them (then the first step is set)."""
    if sampling is None:
        return None
    try:
        return list(ramp).index(sampling)
    except ValueError:
        return None


def step_started_at(experiment: InferenceExperiment) -> datetime | None:
    """When the current sampling percentage began: the experiment's last modification (a
    sampling change is one), or its start if later. Any later update (a new description)
    restarts the step's window too: that only delays a raise, never hastens one."""
    start = started_at(experiment)
    modified = experiment.last_modified_time
    if start is None:
        return modified
    return start if modified is None else max(start, modified)


# -- the policy (pure) --------------------------------------------------------------------------


def critical_gates_pass(judgement: Judgement | None) -> bool:
    """Whether every critical gate that was compared passed (and there was one)."""
    if judgement is None:
        return False
    critical = [m for m in judgement.metrics.values() if m.gate.critical and m.compared]
    return bool(critical) and all(m.outcome == "pass" for m in critical)


@attrs.frozen
class Decision:
    """The next step after a look: ``conclude``/``cancel`` (stop keeping production,
    removing the shadow), ``promote``, ``raise`` (set the sampling to ``sampling``),
    ``return`` (a verdict is reached and nothing is to be done) or ``look`` (again)."""

    step: Step
    why: str
    sampling: int | None = None


def decide(
    options: WatchOptions,
    experiment: InferenceExperiment,
    judgement: Judgement,
    step_judgement: Judgement | None,
    now: datetime,
    *,
    held: int | None = None,
) -> Decision:
    """The watch policy: what to do after a look.

    ``judgement`` is over the experiment's whole window, ``step_judgement`` over the
    current ramp step's (``None`` without a ramp); ``held`` is a sampling percentage a
    refused raise left the ramp at (it is not tried again from there).

    - FAIL: conclude (``on_fail``), at once, even before ``min_duration``; with
      ``on_fail=None``, return the FAIL.
    - A ramp whose step the sampling is not at sets the first step; one whose every
      critical gate passes at the current step (``step_judgement``) raises to the next.
    - PASS once the experiment has run ``min_duration`` and any ramp is at its last step
      with its critical gates passing there: promote (``on_pass``), or return the PASS.
    - Anything else (INCONCLUSIVE, MARGINAL, NO_DATA, PASS too early): look again.
    """
    verdict = str(judgement.verdict)
    if verdict == "FAIL":
        why = "; ".join(judgement.reasons) or "a critical gate failed"
        if options.on_fail == "conclude":
            return Decision("conclude", why)
        if options.on_fail == "cancel":
            return Decision("cancel", why)
        return Decision("return", why)
    ramp = options.ramp
    if ramp:
        sampling = _sampling(experiment)
        at = ramp_position(sampling, ramp)
        if at is None:
            if held is not None and held == sampling:
                return Decision("look", f"the ramp's first step ({ramp[0]} %) was refused: "
                                        f"staying at {sampling} %")
            return Decision("raise", f"the ramp starts at {ramp[0]} % (the sampling was "
                                     f"{sampling} %)", ramp[0])
        passed_here = critical_gates_pass(step_judgement)
        if at < len(ramp) - 1:
            if passed_here and held != sampling:
                return Decision("raise", f"every critical gate passed at {sampling} %",
                                ramp[at + 1])
            return Decision("look", f"ramp at {sampling} %: waiting for every critical gate "
                                    "to pass" + (" (a raise was refused)" if held == sampling
                                                 else ""))
        if not passed_here:
            return Decision("look", f"ramp at its last step ({sampling} %): waiting for every "
                                    "critical gate to pass there")
    if verdict != "PASS":
        return Decision("look", f"verdict {verdict}")
    start = started_at(experiment)
    ran = now - start if start is not None else timedelta(0)
    if ran < options.min_duration:
        return Decision("look", f"PASS after {format_duration(ran)}, before min_duration "
                                f"{format_duration(options.min_duration)}")
    why = f"PASS after {format_duration(ran)}"
    return Decision("promote" if options.on_pass == "promote" else "return", why)


# -- the series fetched so far ------------------------------------------------------------------


class MetricsWindow:
    """Both variants' series as fetched so far, so that each look fetches only what is new
    (:meth:`next_fetch`) and judges the whole window (:meth:`metrics`).

    A look refetches the last :data:`OVERLAP` (whole periods) of what the previous one had,
    since CloudWatch's latest data points can still change; everything older is kept. The
    whole window is fetched again only when the period changes (at 15 days of age
    CloudWatch keeps 60-second data no longer) — and by a restarted watch, once.
    """

    def __init__(self) -> None:
        self.period: int | None = None
        self.start: datetime | None = None
        self.end: datetime | None = None  # where the last fetch ended
        self._sides: tuple[dict[str, tuple[MetricSeries, list[datetime], list[float]]],
                           dict[str, tuple[MetricSeries, list[datetime], list[float]]]] = ({}, {})
        self._last: ExperimentMetrics | None = None

    def next_fetch(self, began: datetime, end: datetime,
                   now: datetime) -> tuple[datetime, datetime, int]:
        """``(start, end, period)`` of the next ``GetMetricData`` window: what is new since
        the last fetch and the overlap, or the whole window from ``began``."""
        from shadowtest.metrics import choose_period, floor_to_period

        period = choose_period(began, now)
        if self.period != period or self.start is None or self.end is None:
            start = floor_to_period(began, period)
        else:
            overlap = max(period, math.ceil(OVERLAP.total_seconds() / period) * period)
            start = max(self.start, floor_to_period(self.end - timedelta(seconds=overlap),
                                                    period))
        return start, max(end, start + timedelta(seconds=60)), period

    def add(self, fetched: ExperimentMetrics) -> None:
        """Merge a fetch: its points replace those from its start on."""
        start, end = fetched.window
        if self.period != fetched.period or self.start is None:
            self.period, self.start = fetched.period, start
            self._sides = ({}, {})
        for side, series in zip(self._sides, (fetched.production, fetched.shadow),
                                strict=True):
            for key, new in series.items():
                kept = side.get(key)
                if kept is None:
                    side[key] = (new, list(new.timestamps), list(new.values))
                    continue
                _, times, values = kept
                cut = bisect_left(times, start)
                del times[cut:], values[cut:]
                times.extend(new.timestamps)
                values.extend(new.values)
        self.end = end
        self._last = fetched

    def metrics(self, since: datetime | None = None) -> ExperimentMetrics:
        """The whole window as one :class:`ExperimentMetrics` (or only the periods from
        ``since`` on)."""
        from shadowtest.metrics import ExperimentMetrics, MetricSeries, floor_to_period

        last = self._last
        assert last is not None
        assert self.start is not None
        assert self.period is not None
        start = self.start if since is None else max(self.start,
                                                     floor_to_period(since, self.period))

        def cut(side: Mapping[str, tuple[MetricSeries, list[datetime], list[float]]]
                ) -> dict[str, MetricSeries]:
            out = {}
            for key, (model, times, values) in side.items():
                at = bisect_left(times, start) if since is not None else 0
                # every point was checked when its fetch built a MetricSeries: checking
                # the whole window again at each look cost ~20 ms at day 7 for nothing
                out[key] = unchecked(MetricSeries, metric=model.metric,
                                     statistic=model.statistic, unit=model.unit,
                                     timestamps=tuple(times[at:]), values=tuple(values[at:]))
            return out

        return ExperimentMetrics(
            name=last.name, window=(start, last.window[1]), period=self.period,
            production_variant=last.production_variant, shadow_variant=last.shadow_variant,
            production=cut(self._sides[0]), shadow=cut(self._sides[1]),
            sampling_percentage=last.sampling_percentage,
            production_instance_type=last.production_instance_type,
            shadow_instance_type=last.shadow_instance_type)


# -- the result -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Look:
    """One look: when, the judgement over the whole window, the current ramp step's
    judgement (with a ramp), the experiment as described, what was decided, when the next
    look is due (``None`` when there is none), and the messages this look gave (a verdict
    change, the action taken)."""

    time: datetime
    judgement: Judgement
    experiment: InferenceExperiment
    decision: Decision
    step_judgement: Judgement | None = None
    next_look: datetime | None = None
    messages: tuple[str, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """The verdict of this look's judgement."""
        return self.judgement.verdict


@attrs.frozen(kw_only=True)
class WatchResult(Displayed):
    """What :meth:`ExperimentClient.watch` did and saw.

    ``action`` is ``"promoted"``, ``"concluded"`` (stopped, production kept, shadow
    removed), ``"cancelled"`` (the same, stopped as Cancelled) or ``None`` (nothing was
    stopped by this watch); ``judgement`` the last one; ``looks`` every look as ``(time,
    verdict)``; ``experiment`` the last describe. ``ended`` says why it returned:
    ``"acted"``, ``"decided"`` (a verdict was reached with nothing to do: a FAIL with
    ``on_fail=None``, a PASS with ``on_pass=None``), ``"left_running"`` (the experiment
    ended on schedule, or was stopped by someone else), ``"timeout"`` or
    ``"interrupted"`` (SIGTERM or Ctrl-C, between actions). ``raises`` holds every
    sampling change of the ramp as ``(time, old, new)``; ``messages`` every notification,
    in order (also when ``notify`` was not given).
    """

    name: str
    action: Action | None
    judgement: Judgement | None
    looks: tuple[tuple[datetime, Verdict], ...]
    experiment: InferenceExperiment | None
    ended: Ended
    raises: tuple[tuple[datetime, int, int], ...] = ()
    messages: tuple[str, ...] = ()

    @property
    def verdict(self) -> Verdict | None:
        """The last judgement's verdict (``None`` before any look)."""
        return self.judgement.verdict if self.judgement is not None else None

    def __repr__(self) -> str:
        verdict = self.verdict.value if self.verdict is not None else None
        return (f"<WatchResult {self.name!r} action={self.action!r} ended={self.ended!r} "
                f"verdict={verdict!r} looks={len(self.looks)}>")

    _SHOWN_LOOKS: Final = 12  # a week of hourly looks is 168: the card shows the last few

    def _card(self, now: datetime | None = None) -> Card:
        """What it did and why it ended, the verdict, the looks (the last few), the ramp's
        raises and the last judgement's reasons."""
        from shadowtest._card import Bullets, Card, Table

        did = {"promoted": "promoted the shadow", "concluded": "concluded (production kept)",
               "cancelled": "cancelled (production kept)"}.get(self.action or "", "no action")
        facts: list[Fact] = [
            ("verdict", self.verdict.value if self.verdict is not None else "no look yet"),
            ("ended", self.ended.replace("_", " "))]
        if self.experiment is not None and self.action is None:
            facts.append(("status", str(self.experiment.status)))  # (as described last)
        parts: list[Table | Bullets] = []
        if self.looks:
            shown = self.looks[-self._SHOWN_LOOKS:]
            more = len(self.looks) - len(shown)
            parts.append(Table("looks", ("time", "verdict"),
                               [(when.isoformat(), verdict.value) for when, verdict in shown],
                               f"and {more} earlier" if more else None))
        if self.raises:
            parts.append(Table("sampling", ("time", "from", "to"),
                               [(when.isoformat(), f"{old} %", f"{new} %")
                                for when, old, new in self.raises]))
        if self.judgement is not None and self.judgement.reasons:
            parts.append(Bullets("reasons", self.judgement.reasons))
        return Card(f"Watch of {self.name!r}: {did}", facts, parts)


# -- one look in a line (the command line's) ------------------------------------------------


def _when(time: datetime) -> str:
    return time.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def line_of_look(look: Look, *, live: bool = False) -> str:
    """A look in one line: when, the verdict, the undecided gates and the time to a
    decision, the sampling (with a ramp), and what comes next. ``live`` leaves out the
    date (the line is rewritten in place)."""
    name = look.experiment.name
    judgement = look.judgement
    parts = [f"{name}: {judgement.verdict.value}"]
    if not live:
        parts.insert(0, _when(look.time))
    undecided = judgement.undecided if judgement.verdict.value not in (
        "PASS", "FAIL", "NO_DATA") else ()
    if undecided:
        parts.append("undecided: " + ", ".join(undecided))
    wait = judgement.time_to_decision
    if wait is not None:
        parts.append(f"decision in about {format_duration(wait)}")
    sampling = _sampling(look.experiment)
    if look.step_judgement is not None and sampling is not None:
        parts.append(f"sampling {sampling} %")
    step = look.decision.step
    if step == "look" and look.next_look is not None:
        parts.append(f"next look {_when(look.next_look)[11:]}")
    elif step != "look":
        parts.append({"conclude": "concluding", "cancel": "cancelling",
                      "promote": "promoting", "raise": f"sampling -> {look.decision.sampling} %",
                      "return": "done"}[step])
    return " · ".join(parts) if live else "  ".join(parts[:1]) + "  " + " · ".join(parts[1:])


def look_dict(look: Look) -> dict[str, object]:
    """A look as JSON-safe data (the command line's ``--json``, one object per look)."""
    judgement = look.judgement
    wait = judgement.time_to_decision
    return {
        "time": look.time.isoformat(), "name": look.experiment.name,
        "status": str(look.experiment.status), "verdict": judgement.verdict.value,
        "score": judgement.score, "undecided": list(judgement.undecided),
        "time_to_decision": wait.total_seconds() if wait is not None else None,
        "sampling": _sampling(look.experiment),
        "step_critical_gates_pass": (critical_gates_pass(look.step_judgement)
                                     if look.step_judgement is not None else None),
        "decision": look.decision.step, "why": look.decision.why,
        "next_look": look.next_look.isoformat() if look.next_look is not None else None,
        "reasons": list(judgement.reasons), "messages": list(look.messages),
    }


# -- notifications (plain text: no payload, no tag, no link) -------------------------------------


def verdict_message(name: str, judgement: Judgement, previous: str | None,
                    ran: timedelta) -> str:
    """The message for a verdict change: experiment, verdict (and the one before), how long
    it has run, the undecided gates, and the reasons."""
    verdict = judgement.verdict.value
    head = f"{name}: verdict {verdict}" + (f" (was {previous})" if previous else "") + \
        f" after {format_duration(ran)}"
    lines = [head]
    undecided = judgement.undecided if verdict == "INCONCLUSIVE" else ()
    if undecided:
        wait = judgement.time_to_decision
        lines.append("undecided: " + ", ".join(undecided)
                     + (f" (about {format_duration(wait)} more at this traffic)" if wait
                        else ""))
    lines.extend(f"- {reason}" for reason in judgement.reasons)
    return "\n".join(lines)


def action_message(name: str, decision: Decision, done: str) -> str:
    """The message for an action taken (``done``: what was sent, in words)."""
    return f"{name}: {done}\nwhy: {decision.why}"


# -- the loop ------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class WatchIO:
    """What :func:`run_watch` does the world through (the client gives the real ones).

    ``fetch(experiment, start, end, period)`` returns both variants' metrics over that
    window; ``stop(experiment, step, reason)`` concludes, cancels or promotes (``step`` as
    in :class:`Decision`); ``set_sampling(experiment, percentage)`` raises the sampling;
    ``publish(message)`` notifies. ``clock``/``sleep`` tell and pass time (monotonic
    seconds), ``now`` the date; ``random`` draws the backoff's jitter."""

    describe: Callable[[str], InferenceExperiment]
    fetch: Callable[[InferenceExperiment, datetime, datetime, int], ExperimentMetrics]
    judge: Callable[[ExperimentMetrics], Judgement]
    stop: Callable[[InferenceExperiment, Step, str], object]
    set_sampling: Callable[[InferenceExperiment, int], object]
    publish: Callable[[str], object] | None
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    now: Callable[[], datetime]
    random: Callable[[], float]
    on_look: Callable[[Look], object] | None = None
    on_fault: Callable[[str], object] | None = None


class _Interrupted(BaseException):
    """SIGTERM or Ctrl-C, raised where it is safe to stop (never inside an action). A
    BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way (a
    notification's, the AWS layer's) takes it for a failure and carries on."""


class _OutOfTime(Exception):
    """The timeout came while a transient fault was being retried."""


class _Signals:
    """SIGINT and SIGTERM end the watch between actions: their handler raises
    :class:`_Interrupted` at once, except inside :meth:`action`, whose end it waits for.
    Installed only in the main thread (the only one signals reach); the handlers that were
    there are put back afterwards."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self._acting = False
        self._saved: list[tuple[int, object]] = []

    def _handle(self, signum: int, _frame: object) -> None:
        self.pending = signum
        if not self._acting:
            raise _Interrupted(signum)

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._saved.append((signum, signal.getsignal(signum)))
                signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for signum, handler in self._saved:
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._saved.clear()

    @contextmanager
    def action(self) -> Iterator[None]:
        self._acting = True
        try:
            yield
        finally:
            self._acting = False


def _stop_words(step: Step, experiment: InferenceExperiment) -> tuple[Action, str]:
    roles = experiment.shadow_mode_config
    shadow = roles.shadow_model_variant_name if roles else "shadow"
    source = roles.source_model_variant_name if roles else "production"
    if step == "promote":
        return "promoted", f"promoted the shadow {shadow!r} to production (replacing {source!r})"
    state = "Cancelled" if step == "cancel" else "Completed"
    return ("cancelled" if step == "cancel" else "concluded",
            f"stopped ({state}): production {source!r} kept, shadow {shadow!r} removed")


def run_watch(options: WatchOptions, io: WatchIO) -> WatchResult:
    """Watch ``options.name`` until it acts, a verdict is reached with nothing to do, the
    experiment leaves Running, the timeout passes or a signal ends it (see
    :meth:`ExperimentClient.watch`)."""
    from shadowtest._aws.faults import describe_fault, is_transient
    from shadowtest._waiting import backoff_pause

    name = options.name
    started = io.clock()
    deadline = math.inf if options.timeout is None else started + options.timeout.total_seconds()
    every = options.every.total_seconds()
    window = MetricsWindow()
    looks: list[tuple[datetime, Verdict]] = []
    raises: list[tuple[datetime, int, int]] = []
    messages: list[str] = []
    last_judgement: Judgement | None = None
    experiment: InferenceExperiment | None = None
    previous: str | None = None
    held: int | None = None
    checked = False
    # the stop this watch made, once made: a signal landing after it (during its report or
    # on_look) still ends the watch as "acted", never as if nothing had been done
    acted: tuple[InferenceExperiment, Action] | None = None

    def retrying(call: Callable[[], T], *, retries: float = math.inf) -> T:
        """``call()``, a transient fault retried with wait()'s capped, jittered backoff
        until the timeout (or ``retries`` times); a permanent fault is raised."""
        attempt = 0
        cap = min(RETRY_CAP, every)
        while True:
            try:
                return call()
            except Exception as error:
                if not is_transient(error) or attempt >= retries:
                    raise
                attempt += 1
                pause = backoff_pause(attempt, RETRY_FIRST, cap, io.random)
                if io.clock() + pause > deadline:
                    raise _OutOfTime from error
                text = f"{name}: {describe_fault(error)}; retrying in {pause:.0f} s"
                log.warning("%s", text)
                if io.on_fault is not None:
                    io.on_fault(text)
                io.sleep(pause)

    def tell(message: str) -> None:
        messages.append(message)
        log.info("%s", message)
        if io.publish is None:
            return
        publish = io.publish
        try:
            # a throttled topic is retried like a look, a few times: the watch's job is the
            # experiment, and a notification must not hold it up for long
            retrying(lambda: publish(message), retries=NOTIFY_RETRIES)
        except _OutOfTime:
            log.warning("watch %r: the notification could not be sent before the timeout",
                        name)
        except Exception as error:  # a failed notification must not end the watch
            log.warning("watch %r: the notification could not be sent (%s: %s)", name,
                        type(error).__name__, error)

    def result(ended: Ended, action: Action | None = None) -> WatchResult:
        return WatchResult(name=name, action=action, judgement=last_judgement,
                           looks=tuple(looks), experiment=experiment, ended=ended,
                           raises=tuple(raises), messages=tuple(messages))

    def look(current: InferenceExperiment, now: datetime) -> tuple[Judgement, Judgement | None]:
        nonlocal previous
        began = started_at(current)
        assert began is not None
        end = current.completion_time or now
        start, stop, period = window.next_fetch(began, end, now)
        window.add(retrying(lambda: io.fetch(current, start, stop, period)))
        whole = window.metrics()
        if options.ramp:  # the window mixes the ramp's steps: no one share to check
            whole = attrs.evolve(whole, sampling_percentage=None)
        judgement = io.judge(whole)
        step = None
        if options.ramp and current.status is ExperimentStatus.RUNNING:
            since = step_started_at(current)
            step = io.judge(window.metrics(since)) if since is not None else None
        looks.append((now, judgement.verdict))
        verdict = judgement.verdict.value
        if verdict != previous:
            tell(verdict_message(name, judgement, previous, end - began))
            previous = verdict
        return judgement, step

    with _Signals() as signals:
        next_look = started
        try:
            while True:
                experiment = current = retrying(lambda: io.describe(name))
                if not checked:
                    check_schedule(options, current)
                    checked = True
                now = io.now()
                status = current.status
                ran = started_at(current) is not None and (
                    status is not ExperimentStatus.CREATED and status not in (
                        ExperimentStatus.CREATING, ExperimentStatus.STARTING))
                if status in TERMINAL or status is ExperimentStatus.STOPPING:
                    # a last look over the whole run, so the result says how it ended
                    if ran and (current.completion_time is None
                                or current.completion_time > (started_at(current) or now)):
                        last_judgement, _ = look(current, now)
                    log.info("watch %r: the experiment is %s; nothing left to watch", name,
                             status)
                    return result("left_running")
                if status in (ExperimentStatus.RUNNING, ExperimentStatus.UPDATING):
                    mark = len(messages)
                    last_judgement, step_judgement = look(current, now)
                    decision = decide(options, current, last_judgement, step_judgement, now,
                                      held=held)
                    outcome: tuple[InferenceExperiment, Action] | Literal["held"] | None = None
                    acting = decision.step in ("conclude", "cancel", "promote", "raise")
                    if acting and status is not ExperimentStatus.RUNNING:
                        # nothing can be sent while it is Updating: the look says so, and
                        # the next one decides again (never "concluding" with nothing sent)
                        decision = Decision("look", f"{decision.why} (the experiment is "
                                                    f"{status}: the next look acts)")
                    elif acting:
                        outcome = _act(options, io, signals, current, decision, now, raises,
                                       tell)
                        if outcome == "held":
                            held = _sampling(current)
                        elif outcome is not None:
                            acted = outcome
                    if io.on_look is not None:
                        upcoming = None if decision.step in ("conclude", "cancel", "promote",
                                                             "return") else now + options.every
                        io.on_look(Look(time=now, judgement=last_judgement, experiment=current,
                                        decision=decision, step_judgement=step_judgement,
                                        next_look=upcoming, messages=tuple(messages[mark:])))
                    if decision.step == "return":
                        return result("decided")
                    if outcome is not None and outcome != "held":
                        experiment = outcome[0]
                        return result("acted", outcome[1])
                if signals.pending is not None:
                    return result("interrupted")
                now_clock = io.clock()
                while next_look <= now_clock:
                    next_look += every
                if next_look > deadline:
                    return result("timeout")
                io.sleep(next_look - now_clock)
        except (_Interrupted, KeyboardInterrupt):  # (KeyboardInterrupt: no handler set)
            if acted is not None:
                experiment = acted[0]
                return result("acted", acted[1])
            log.info("watch %r: interrupted between actions", name)
            return result("interrupted")
        except _OutOfTime as error:
            log.warning("watch %r: timed out retrying a transient fault (%s)", name,
                        describe_fault(error.__cause__ or error))
            return result("timeout")


def _act(options: WatchOptions, io: WatchIO, signals: _Signals,
         current: InferenceExperiment, decision: Decision, now: datetime,
         raises: list[tuple[datetime, int, int]], tell: Callable[[str], None],
         ) -> tuple[InferenceExperiment, Action] | Literal["held"] | None:
    """Carry out ``decision``: a stop (the watch then returns: the experiment and the
    action), a raise of the sampling (``None``; ``"held"`` when the update was refused)."""
    from shadowtest._aws.faults import is_transient
    from shadowtest.errors import ShadowTestError

    name = options.name
    if decision.step == "raise":
        old = _sampling(current)
        new = decision.sampling
        assert new is not None
        with signals.action():
            try:
                io.set_sampling(current, new)
            except Exception as error:
                if is_transient(error):
                    log.warning("watch %r: raising the sampling met a transient fault (%s); "
                                "the next look decides again", name, error)
                    return None
                if not isinstance(error, ShadowTestError) and not _is_refusal(error):
                    raise
                tell(f"{name}: raising the sampling {old} % -> {new} % was refused: "
                     f"{_plain(error)}; staying at {old} % (not retried)")
                return "held"
            # the report is part of the action: a signal now waits for it to be sent
            raises.append((now, old if old is not None else 0, new))
            tell(f"{name}: sampling {old} % -> {new} %\nwhy: {decision.why}")
        return None
    action, done = _stop_words(decision.step, current)
    with signals.action():
        io.stop(current, decision.step, f"{_REASON_PREFIX}: {decision.why}"[:1024])
        tell(action_message(name, decision, done))
    return current, action


def _is_refusal(error: BaseException) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    return code in ("ConflictException", "ValidationException")


def _plain(error: BaseException) -> str:
    """An error in one line for a notification."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:300]

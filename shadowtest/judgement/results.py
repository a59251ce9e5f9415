"""A judgement's results: one :class:`MetricJudgement` per gate and the :class:`Judgement`
over them, with their display, plain data (``to_dict``, ``to_records``) and plot."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final, Literal

import attrs

from shadowtest._checks import FrozenMap
from shadowtest._displayed import Displayed
from shadowtest.judgement.policy import Gate, Policy, Verdict

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime, timedelta

    from matplotlib.figure import Figure

    from shadowtest._card import Card, Fact
    from shadowtest.judgement.evidence import SeriesSummary
    from shadowtest.metrics import ExperimentMetrics

__all__ = ["Judgement", "MetricJudgement", "Outcome", "describe_duration"]

Outcome = Literal["pass", "high", "low", "inconclusive", "no_data"]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _interval_in_change_units(m: MetricJudgement) -> tuple[float, float] | None:
    """``m.interval`` in the units of ``m.change`` (percent for relative gates)."""
    if m.interval is None:
        return None
    scale = 100.0 if m.gate.change == "relative" else 1.0
    return m.interval[0] * scale, m.interval[1] * scale


@attrs.frozen(kw_only=True)
class MetricJudgement(Displayed):
    """The judgement of one gate.

    ``interval`` is the gate's anytime-valid confidence interval for the change (a fraction
    for relative gates, like ``relative_change``; the gate's unit otherwise, like
    ``change``: percentage points for rates, milliseconds for absolute latency gates), or
    ``None`` without data. ``outcome``: ``"pass"`` when the whole interval is on the good
    side of the tolerance (shown no worse than it), ``"high"``/``"low"`` when the shadow is
    shown worse than the tolerance in that direction (the interval wholly past it, held to
    the policy's confidence across all gates), ``"inconclusive"`` otherwise, ``"no_data"``
    when either side had fewer than ``min_periods`` periods with traffic (or the metric was
    not compared, see ``note``).

    ``change`` is the estimate in the gate's unit (percent or the metric's unit, rates in
    percentage points), ``relative_change`` as a fraction (0.177 = +17.7 %): the change the
    average request sees. ``p_value`` is the anytime-valid p-value of no change. ``test``
    names the method; ``periods`` is how many periods (or blocks, or pairs) it used.
    """

    metric: str
    gate: Gate
    outcome: Outcome
    production: SeriesSummary
    shadow: SeriesSummary
    relative_change: float | None = None
    change: float | None = None
    interval: tuple[float, float] | None = None
    p_value: float | None = None
    test: str | None = None
    periods: int = 0
    note: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The gate's judgement as strict JSON data (non-finite numbers become ``None``):
        ``interval`` as the attribute, ``interval_change`` in the unit of ``change``."""
        shown = _interval_in_change_units(self)
        return {
            "outcome": self.outcome, "critical": self.gate.critical,
            "change": _finite(self.change), "change_unit": self.gate.unit,
            "interval": (None if self.interval is None
                         else [_finite(self.interval[0]), _finite(self.interval[1])]),
            "interval_change": (None if shown is None
                                else [_finite(shown[0]), _finite(shown[1])]),
            "tolerance": self.gate.tolerance, "direction": self.gate.direction,
            "relative_change": _finite(self.relative_change),
            "p_value": _finite(self.p_value), "test": self.test, "periods": self.periods,
            "note": self.note, "reason": self.reason,
            "production": _summary_dict(self.production),
            "shadow": _summary_dict(self.shadow),
        }

    def _row(self) -> tuple[str, ...]:
        """The gate's row of a judgement's table."""
        return (self.metric, show_measure(self, self.production),
                show_measure(self, self.shadow), show_change(self), show_interval(self),
                self.gate.describe_tolerance(), show_p(self.p_value),
                self.outcome + (" (critical)" if self.gate.critical else ""))

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card

        metric, production, shadow, change, interval, tolerance, p, outcome = self._row()
        return Card(f"MetricJudgement {metric}: {outcome}", [
            ("production", production), ("shadow", shadow), ("change", change),
            ("interval", interval), ("tolerance", tolerance), ("p (no change)", p),
            ("test", self.test), ("periods", self.periods), ("note", self.note),
            ("reason", self.reason)])

    @property
    def failed(self) -> bool:
        """Whether the gate failed (outcome ``high`` or ``low``)."""
        return self.outcome in ("high", "low")

    @property
    def decided(self) -> bool:
        """Whether the gate has an answer (``pass``, ``high`` or ``low``)."""
        return self.outcome in ("pass", "high", "low")

    @property
    def compared(self) -> bool:
        """Whether the gate counts toward the verdict (not skipped as incomparable)."""
        return not (self.outcome == "no_data" and self.test == "skipped")


def _summary_dict(s: SeriesSummary) -> dict[str, object]:
    return {"count": s.count, "mean": _finite(s.mean), "p50": _finite(s.p50),
            "p90": _finite(s.p90), "p99": _finite(s.p99), "unit": s.unit}


def _frozen_judgements(value: Mapping[str, MetricJudgement]) -> Mapping[str, MetricJudgement]:
    return FrozenMap(value)


def describe_duration(span: timedelta) -> str:
    """``about 40 min``, ``about 5 h``, ``about 3 days``: a time-to-decision for people."""
    minutes = span.total_seconds() / 60
    if minutes < 90:
        return f"about {max(1, round(minutes))} min"
    if minutes < 48 * 60:
        return f"about {round(minutes / 60)} h"
    return f"about {round(minutes / 1440)} days"


@attrs.frozen(kw_only=True)
class Judgement(Displayed):
    """The verdict on a shadow test: ``verdict``, ``score`` (0-100, over the decided
    gates), ``metrics`` (gate metric -> :class:`MetricJudgement`), ``window`` and
    ``reasons`` (one plain line per failing, undecided or data-less gate, or check that
    did not hold). ``time_to_decision`` estimates, at the traffic seen so far, how much
    longer until every critical gate decides (``None`` once decided, or when no estimate
    can be made).

    ``print(judgement)`` gives an aligned table; in Jupyter it renders as HTML;
    :meth:`plot` draws each gate's interval against its tolerance (needs
    ``shadowtest[plot]``); :meth:`to_records` gives one row per gate for a DataFrame.
    """

    verdict: Verdict
    score: float
    metrics: Mapping[str, MetricJudgement] = attrs.field(converter=_frozen_judgements)
    window: tuple[datetime, datetime]
    reasons: tuple[str, ...]
    policy: Policy
    name: str = ""
    production_variant: str = ""
    shadow_variant: str = ""
    period: int = 0
    time_to_decision: timedelta | None = None
    data: ExperimentMetrics | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def undecided(self) -> tuple[str, ...]:
        """The critical gates without an answer yet (inconclusive, or without data); with
        no critical gate and no gate decided, the inconclusive ones."""
        found = tuple(m.metric for m in self.metrics.values()
                      if m.gate.critical and m.compared and not m.decided)
        if found or any(m.compared and m.decided for m in self.metrics.values()):
            return found
        return tuple(m.metric for m in self.metrics.values() if m.outcome == "inconclusive")

    def to_dict(self) -> dict[str, object]:
        """The judgement as strict JSON data (``json.dumps(..., allow_nan=False)`` takes
        it): verdict, score, window (ISO 8601), reasons, time to decision (seconds), each
        gate's outcome, change, interval, tolerance, p-value, test and both variants'
        summaries, and the policy."""
        start, end = self.window
        return {
            "name": self.name, "verdict": self.verdict.value, "score": self.score,
            "window": [start.isoformat(), end.isoformat()], "period": self.period,
            "production_variant": self.production_variant,
            "shadow_variant": self.shadow_variant, "reasons": list(self.reasons),
            "undecided": list(self.undecided),
            "time_to_decision": (None if self.time_to_decision is None
                                 else self.time_to_decision.total_seconds()),
            "metrics": {name: m.to_dict() for name, m in self.metrics.items()},
            "policy": self.policy.to_dict(),
        }

    def to_records(self) -> list[dict[str, object]]:
        """One plain dict per gate, ready for ``pandas.DataFrame(judgement.to_records())``:
        the experiment and its verdict, the gate, its outcome, the change with its interval
        (``low``/``high``) and tolerance in the gate's unit (``unit``), the p-value of no
        change, both variants' measures, and the method. Numbers are floats or ``None``."""
        rows: list[dict[str, object]] = []
        for m in self.metrics.values():
            shown = _interval_in_change_units(m)
            rows.append({
                "name": self.name, "verdict": self.verdict.value, "metric": m.metric,
                "critical": m.gate.critical, "weight": float(m.gate.weight),
                "outcome": m.outcome, "change": _finite(m.change),
                "low": None if shown is None else _finite(shown[0]),
                "high": None if shown is None else _finite(shown[1]),
                "tolerance": float(m.gate.tolerance), "direction": m.gate.direction,
                "unit": m.gate.unit, "relative_change": _finite(m.relative_change),
                "p_value": _finite(m.p_value), "production": _finite(m.production.mean),
                "shadow": _finite(m.shadow.mean), "measure_unit": m.production.unit,
                "periods": m.periods, "test": m.test, "note": m.note,
            })
        return rows

    @property
    def passed(self) -> bool:
        """Whether the verdict is ``PASS``."""
        return self.verdict is Verdict.PASS

    def allows(self, require: Verdict | str) -> bool:
        """Whether the verdict is at least ``require`` (``PASS`` > ``MARGINAL``; ``FAIL``,
        ``INCONCLUSIVE`` and ``NO_DATA`` allow nothing but themselves)."""
        wanted = Verdict(require)
        if wanted is Verdict.MARGINAL:
            return self.verdict in (Verdict.PASS, Verdict.MARGINAL)
        return self.verdict is wanted

    # -- display -----------------------------------------------------------------------------

    def _headers(self) -> tuple[str, ...]:
        return ("metric", "production", "shadow", "change",
                f"{self.policy.confidence * 100:g} % interval", "tolerance", "p", "outcome")

    def _card(self, now: datetime | None = None) -> Card:
        """The verdict and score, the window, variants, period, confidence and the time to
        a decision, a row per gate (with its interval and tolerance), then the reasons."""
        from shadowtest._card import Bullets, Card, Table

        start, end = self.window
        facts: list[Fact] = [("window", f"{start.isoformat()} .. {end.isoformat()}")]
        if self.production_variant:
            facts.append(("variants", f"production {self.production_variant!r}, shadow "
                                      f"{self.shadow_variant!r}"))
        if self.period:
            facts.append(("period", f"{self.period} s"))
        facts.append(("confidence", f"{self.policy.confidence:g} (intervals valid at every "
                                    "look)"))
        if self.time_to_decision is not None:
            facts.append(("time to decision", describe_duration(self.time_to_decision)
                          + " more at this traffic"))
        parts: list[Table | Bullets] = [
            Table(None, self._headers(), [m._row() for m in self.metrics.values()])]
        if self.reasons:
            parts.append(Bullets("reasons", self.reasons))
        return Card(self._title(), facts, parts)

    def _title(self) -> str:
        who = f" of {self.name!r}" if self.name else ""
        return f"Judgement{who}: {self.verdict.value} (score {self.score:.1f}/100)"

    def plot(self, metrics: Iterable[str] | None = None) -> Figure:
        """A matplotlib figure with one row per gate (or per name of ``metrics``): the
        interval of the change as a bar, the estimate as a dot, the tolerance as a dashed
        line and no change as a thin one, coloured by outcome. Needs the ``plot`` extra
        (``pip install 'shadowtest[plot]'``)."""
        figure_class = _figure_class()
        names = list(self.metrics) if metrics is None else list(metrics)
        figure = figure_class(figsize=(8, 0.9 + 0.75 * max(1, len(names))),
                              layout="constrained")
        axes = figure.subplots(max(1, len(names)), 1, squeeze=False)[:, 0]
        colours = {"pass": "tab:green", "high": "tab:red", "low": "tab:red",
                   "inconclusive": "tab:orange", "no_data": "tab:gray"}
        for ax, metric in zip(axes, names, strict=False):
            m = self.metrics[metric]
            shown = _interval_in_change_units(m)
            tolerance = float(m.gate.tolerance)
            lines = {"increase": [tolerance], "decrease": [-tolerance],
                     "both": [-tolerance, tolerance]}[m.gate.direction]
            for x in lines:
                ax.axvline(x, color="black", linestyle="--", linewidth=1)
            ax.axvline(0.0, color="gray", linewidth=0.5)
            # the axis shows the tolerance and the whole interval (an open end runs off it)
            seen = [abs(x) for x in (*(shown or ()), m.change or 0.0) if math.isfinite(x)]
            limit = 1.15 * max([2 * max(abs(x) for x in lines) or 1.0, *seen])
            if shown is not None:
                low, high = (max(-limit, shown[0]), min(limit, shown[1]))
                ax.barh([0], [high - low], left=[low], height=0.5,
                        color=colours[m.outcome], alpha=0.6)
                if m.change is not None and math.isfinite(m.change):
                    ax.plot([max(-limit, min(limit, m.change))], [0], "o", color="black")
            ax.set_xlim(-limit, limit)
            ax.set_yticks([])
            ax.set_title(f"{metric} — {m.outcome} (tolerance {m.gate.describe_tolerance()})",
                         loc="left", fontsize=9)
            ax.set_xlabel(f"change ({m.gate.unit})", fontsize=8)
        figure.suptitle(self._title())
        return figure

    def plot_series(self, metrics: Iterable[str] | None = None) -> Figure:
        """A matplotlib figure with, per gate metric (or per name of ``metrics``), both
        variants' series over time. Needs the ``plot`` extra; the judgement must come from
        :func:`judge` on fetched metrics (it keeps them)."""
        figure_class = _figure_class()
        if self.data is None:
            raise ValueError("this judgement holds no series to plot (it was not made by "
                             "judge() from ExperimentMetrics)")
        names = list(self.metrics) if metrics is None else list(metrics)
        figure = figure_class(figsize=(10, 2.4 * max(1, len(names))), layout="constrained")
        axes = figure.subplots(max(1, len(names)), 1, sharex=True, squeeze=False)[:, 0]
        for ax, metric in zip(axes, names, strict=False):
            judged = self.metrics.get(metric)
            for side, label, style in ((self.data.production, self.production_variant, "-"),
                                       (self.data.shadow, self.shadow_variant, "--")):
                series = side.get(metric)
                if series is not None and len(series):
                    role = "production" if style == "-" else "shadow"
                    ax.plot(series.timestamps, series.values, style, linewidth=1,
                            label=role if label in ("", role) else f"{label} ({role})")
            unit = (judged.production.unit if judged else
                    self.data.production[metric].unit if metric in self.data.production else "")
            outcome = f" — {judged.outcome}" if judged else ""
            ax.set_title(f"{metric}{outcome}", loc="left", fontsize=10)
            ax.set_ylabel(unit)
            if ax.has_data():
                ax.legend(loc="upper right", fontsize=8)
        figure.suptitle(self._title())
        return figure


def _figure_class() -> type[Figure]:
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("Judgement.plot() draws with matplotlib, which is not "
                          "installed: pip install 'shadowtest[plot]'") from error
    return Figure


# -- showing numbers ---------------------------------------------------------------------------

_UNIT_SUFFIX: Final = {"Milliseconds": " ms", "Percent": " %"}


def show_measure(m: MetricJudgement, s: SeriesSummary) -> str:
    """A variant's measure for the gate: the request-weighted mean latency, the pooled
    error rate, the mean utilisation."""
    if s.mean is None and s.count == 0:
        return "no data"
    if s.unit == "Ratio":
        return "—" if s.mean is None else f"{s.mean * 100:.2f} %"
    value = s.mean if s.mean is not None else s.p50
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.1f}{_UNIT_SUFFIX.get(s.unit, '')}"


def _signed(value: float, unit: str) -> str:
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    digits = 2 if unit == "pp" else 1
    shown = round(value, digits)
    return f"{shown if shown else 0.0:+.{digits}f}"  # no "-0.0"


def show_change(m: MetricJudgement) -> str:
    """The change in the gate's unit: ``+3.2 %``, ``-0.02 pp``."""
    if m.change is None:
        return "—"
    return f"{_signed(m.change, m.gate.unit)} {m.gate.unit}"


def show_interval(m: MetricJudgement) -> str:
    """The interval in the gate's unit: ``-1.0 .. +4.1 %``."""
    shown = _interval_in_change_units(m)
    if shown is None:
        return "—"
    unit = m.gate.unit
    return f"{_signed(shown[0], unit)} .. {_signed(shown[1], unit)} {unit}"


def show_p(p: float | None) -> str:
    """A p-value as a table shows it."""
    if p is None:
        return "—"
    return "p<0.0001" if p < 0.0001 else f"{p:.4f}"

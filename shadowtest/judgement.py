"""Judge a shadow test: both variants' series in, a verdict out. Pure: no boto3, no clock.

A shadow receives copies of the same requests in the same minutes as production, so load
and time of day hit both variants alike. The judge uses that, where Kayenta's canary
judge (whose scoring this follows: gates with tolerances, a weighted score, pass at 95 and
marginal at 75, a failing critical gate fails the run) cannot, since its canary and
baseline serve different traffic:

- latencies and utilisation are compared period by period: the two-sided Wilcoxon
  signed-rank test on the paired differences (normal approximation; zero differences
  dropped and ties averaged, as ``scipy.stats.wilcoxon`` does by default), and the change
  is the median of the per-period relative differences. Only where too few periods can
  be paired does it fall back to the Mann-Whitney U test and the change of the medians.
- error metrics are compared as pooled rates (errors summed over the common periods over
  requests summed over them) with a two-proportion z-test: errors are rare, and a median
  of per-minute rates is 0 even when the shadow fails 0.5 % of its requests.

A gate fails (outcome ``high`` or ``low``) only when the change is both significant
(p < 1 - confidence) and beyond its tolerance in its bad direction.

>>> from shadowtest import judge, Policy
>>> judgement = judge(metrics)                      # doctest: +SKIP
>>> judgement.verdict, judgement.reasons            # doctest: +SKIP
(<Verdict.FAIL: 'FAIL'>, ('shadow ModelLatency median 41.2 ms vs 35.0 ms (+17.7 %, ...

The statistics are written here with the standard library only; the tests compare them
with ``scipy.stats``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate, chain, compress, repeat
from operator import mul, sub, truediv
from statistics import median
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from shadowtest._checks import Checker, FrozenMap, to_tuple
from shadowtest._displayed import Displayed
from shadowtest._numbers import quantile
from shadowtest.errors import ConfigValidationError
from shadowtest.metrics import (
    METRICS,
    ExperimentMetrics,
    MetricSeries,
    check_metric_name,
    series_key,
)
from shadowtest.status import StrEnum

if TYPE_CHECKING:
    from datetime import datetime

    from matplotlib.figure import Figure

    from shadowtest._card import Card, Fact

__all__ = [
    "Gate",
    "Judgement",
    "MetricJudgement",
    "Policy",
    "SeriesSummary",
    "Significance",
    "Verdict",
    "judge",
    "mann_whitney_u",
    "two_proportion_z",
    "wilcoxon_signed_rank",
]

Outcome = Literal["pass", "high", "low", "no_data"]
Change = Literal["relative", "absolute"]
Direction = Literal["increase", "decrease", "both"]
_SQRT2: Final = math.sqrt(2.0)


class Verdict(StrEnum):
    """What a judgement says about promoting the shadow."""

    PASS = "PASS"
    MARGINAL = "MARGINAL"
    FAIL = "FAIL"
    NO_DATA = "NO_DATA"


# -- the statistics ----------------------------------------------------------------------------


@attrs.frozen
class Significance:
    """A test's statistic, its standard normal ``z`` and its two-sided ``p_value``."""

    statistic: float
    z: float
    p_value: float
    n: int  # the observations the test used (non-zero differences for Wilcoxon)


def _two_sided(z: float) -> float:
    # 2 * (1 - Phi(|z|)) through erfc, which keeps its precision far into the tail
    return min(1.0, math.erfc(abs(z) / _SQRT2))


def _ranks(counts: Counter[float]) -> tuple[list[float], list[float], list[int]]:
    """Distinct values ascending, their average ranks, and their multiplicities.

    Average rank of a value = the count of smaller values + (its multiplicity + 1) / 2;
    built from one sort of the distinct values and C-level maps, with no Python step per
    observation (this is what keeps a 43,200-period judgement fast)."""
    keys = sorted(counts)
    sizes = list(map(counts.__getitem__, keys))
    below = accumulate(sizes, initial=0)
    ranks = [b + (c + 1) / 2 for b, c in zip(below, sizes, strict=False)]
    return keys, ranks, sizes


def _tie_term(sizes: Iterable[int]) -> int:
    """The sum of t**3 - t over tie groups, counted by group size."""
    return sum(m * (t * t * t - t) for t, m in Counter(sizes).items() if t > 1)


def wilcoxon_signed_rank(differences: Iterable[float]) -> Significance:
    """The two-sided Wilcoxon signed-rank test of ``differences`` (normal approximation).

    As ``scipy.stats.wilcoxon(x, y, method="asymptotic")`` with its defaults: zero
    differences are dropped (``zero_method="wilcox"``), tied absolute differences share
    their average rank and the variance is corrected for them, no continuity correction.
    ``statistic`` is the smaller of the positive and negative rank sums. With no non-zero
    difference, ``p_value`` is 1 (nothing suggests a difference).
    """
    # One sort by absolute value, then C-level maps: an observation's average rank is
    # (first + last index of its value) / 2 + 1, read from two dicts (value -> last
    # index, value -> first index); with no ties the ranks are simply 1..n. No Python
    # step per observation, which keeps a 43,200-period judgement fast.
    ordered = sorted(filter(None, differences), key=abs)  # filter drops 0.0 and -0.0
    n = len(ordered)
    if n == 0:
        return Significance(0.0, 0.0, 1.0, 0)
    positive = list(map((0.0).__lt__, ordered))
    absolute = list(map(abs, ordered))
    last = dict(zip(absolute, range(n), strict=False))
    if len(last) == n:  # no ties
        r_plus = float(sum(compress(range(1, n + 1), positive)))
        tie_term = 0
    else:
        first = dict(zip(reversed(absolute), range(n - 1, -1, -1), strict=False))
        ups = list(compress(absolute, positive))
        r_plus = (sum(map(first.__getitem__, ups)) + sum(map(last.__getitem__, ups))) / 2 \
            + len(ups)
        tie_term = _tie_term(map(_run_size, map(first.__getitem__, last), last.values()))
    r_minus = n * (n + 1) / 2 - r_plus
    mean = n * (n + 1) / 4
    variance = (n * (n + 1) * (2 * n + 1) - tie_term / 2) / 24
    z = (r_plus - mean) / math.sqrt(variance) if variance > 0 else 0.0
    return Significance(min(r_plus, r_minus), z, _two_sided(z), n)


def _run_size(first: int, last: int) -> int:
    return last - first + 1


def mann_whitney_u(x: Sequence[float], y: Sequence[float]) -> Significance:
    """The two-sided Mann-Whitney U test of samples ``x`` and ``y`` (normal approximation).

    As ``scipy.stats.mannwhitneyu(x, y, method="asymptotic")`` with its defaults: ties
    share their average rank and the variance is corrected for them, with the continuity
    correction. ``statistic`` is U of ``x``.
    """
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        return Significance(0.0, 0.0, 1.0, n1 + n2)
    keys, ranks, sizes = _ranks(Counter(chain(x, y)))
    in_x = Counter(x)
    r1 = sum(map(mul, map(in_x.get, keys, repeat(0)), ranks))
    u1 = r1 - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    ties = _tie_term(sizes) / (n * (n - 1)) if n > 1 else 0.0
    variance = n1 * n2 / 12 * ((n + 1) - ties)
    if variance <= 0:  # every value equal: no evidence either way
        return Significance(u1, 0.0, 1.0, n)
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    # U is the larger of U1 and U2, so z < 0 only when the continuity correction passes
    # the mean: 2 * (1 - Phi(z)) then exceeds 1 and is capped, as scipy does (no abs here)
    return Significance(u1, z, min(1.0, math.erfc(z / _SQRT2)), n)


def two_proportion_z(errors_a: float, n_a: float, errors_b: float, n_b: float) -> Significance:
    """The two-sided pooled two-proportion z-test of ``errors_a / n_a`` against
    ``errors_b / n_b``; ``z`` is positive when b's rate is the higher. ``statistic`` is
    the difference of the rates (b - a). With a pooled rate of 0 or 1 nothing can differ
    and ``p_value`` is 1."""
    if n_a <= 0 or n_b <= 0:
        return Significance(0.0, 0.0, 1.0, 0)
    rate_a, rate_b = errors_a / n_a, errors_b / n_b
    pooled = (errors_a + errors_b) / (n_a + n_b)
    spread = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if spread <= 0:
        return Significance(rate_b - rate_a, 0.0, 1.0, round(n_a + n_b))
    z = (rate_b - rate_a) / math.sqrt(spread)
    return Significance(rate_b - rate_a, z, _two_sided(z), round(n_a + n_b))


# -- policy ------------------------------------------------------------------------------------

_GATE_KEYS: Final = ("metric", "tolerance", "critical", "weight", "change", "direction")
_POLICY_KEYS: Final = ("gates", "confidence", "min_periods", "pass_score", "marginal_score")


def _check_number(c: Checker, path: str, value: object, *, low: float, high: float = math.inf,
                  low_open: bool = False, high_open: bool = False, what: str) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        c.add(path, f"got {value!r}; must be a number ({what})")
        return False
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        c.add(path, f"got {value!r}; must be {what}")
        return False
    return True


@attrs.frozen(kw_only=True)
class Gate:
    """One metric the verdict depends on, and how much worse the shadow may be.

    ``change="relative"``: ``tolerance`` is in percent of production's value (10 = the
    shadow may be 10 % higher); ``change="absolute"``: in the metric's reported unit, with
    error rates in percentage points (0.1 = 0.1 pp). ``direction`` is the bad one.
    A failing ``critical`` gate fails the whole judgement; ``weight`` is its share of the
    score.

    >>> Gate(metric="ModelLatency", tolerance=10, critical=True)
    Gate(metric='ModelLatency', tolerance=10, critical=True, weight=1.0, \
change='relative', direction='increase')
    """

    metric: str
    tolerance: float
    critical: bool = False
    weight: float = 1.0
    change: Change = "relative"
    direction: Direction = "increase"

    def __attrs_post_init__(self) -> None:
        c = Checker()
        self._check(c)
        c.raise_if_any("Gate")

    def _check(self, c: Checker) -> None:
        check_metric_name(c, "metric", self.metric)
        _check_number(c, "tolerance", self.tolerance, low=0, high=1e9,
                      what="a tolerance >= 0 (percent, or the metric's unit for absolute "
                           "gates)")
        if not isinstance(self.critical, bool):
            c.add("critical", f"got {self.critical!r}; must be True or False")
        _check_number(c, "weight", self.weight, low=0, high=1e9, low_open=True,
                      what="a weight > 0")
        c.check_choice("change", self.change, ("relative", "absolute"))
        c.check_choice("direction", self.direction, ("increase", "decrease", "both"))

    def describe_tolerance(self) -> str:
        """The tolerance as a reason states it: ``+10 %``, ``+0.1 pp``, ``±5 ms``."""
        sign = {"increase": "+", "decrease": "-", "both": "±"}[self.direction]
        return f"{sign}{self.tolerance:g} {_change_unit(self)}"

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Gate:
        """A gate from its :meth:`to_dict` form (unknown keys are an error)."""
        c = Checker()
        gate = _gate_from_dict(c, "", data)
        c.raise_if_any("Gate")
        assert gate is not None
        return gate

    def to_dict(self) -> dict[str, object]:
        """The gate as JSON-safe data."""
        return {key: getattr(self, key) for key in _GATE_KEYS}


def _unknown_keys(c: Checker, path: str, data: Mapping[str, object],
                  known: Sequence[str]) -> None:
    for key in data:
        if key not in known:
            c.add(f"{path}.{key}" if path else str(key),
                  f"unknown key {key!r}; known keys: {', '.join(known)}")


def _gate_from_dict(c: Checker, path: str, data: object) -> Gate | None:
    if not isinstance(data, Mapping):
        c.add(path, f"got {type(data).__name__} {data!r}; must be a mapping with keys "
                    f"{', '.join(_GATE_KEYS)}")
        return None
    _unknown_keys(c, path, data, _GATE_KEYS)
    missing = [key for key in ("metric", "tolerance") if key not in data]
    for key in missing:
        c.add(f"{path}.{key}" if path else key, f"{key} is required")
    if missing:
        return None
    try:
        return Gate(**{key: data[key] for key in _GATE_KEYS if key in data})
    except ConfigValidationError as error:
        c.merge(error, path)
        return None


def _default_gates() -> tuple[Gate, ...]:
    return (
        Gate(metric="ModelLatency", tolerance=10, critical=True),
        Gate(metric="OverheadLatency", tolerance=20),
        Gate(metric="Invocation5XXErrors", tolerance=0.1, critical=True, change="absolute"),
        Gate(metric="InvocationModelErrors", tolerance=0.1, critical=True, change="absolute"),
        Gate(metric="Invocation4XXErrors", tolerance=0.5, change="absolute"),
        Gate(metric="CPUUtilization", tolerance=20),
        Gate(metric="MemoryUtilization", tolerance=20),
    )


def _gates(value: Iterable[Gate]) -> tuple[Gate, ...]:
    # typed for the constructor; anything else is kept for Policy's checks to report
    return to_tuple(value)  # type: ignore[no-any-return]


@attrs.frozen(kw_only=True)
class Policy:
    """The gates a judgement applies, and how it turns them into a verdict.

    ``confidence``: a change counts only when p < 1 - confidence. ``min_periods``: a gate
    with fewer periods with traffic on either side has no data. Verdict: ``FAIL`` if a
    critical gate fails; ``NO_DATA`` if half or more of the gates have no data; otherwise
    ``PASS`` at a score >= ``pass_score``, ``MARGINAL`` at >= ``marginal_score``, else
    ``FAIL``. :meth:`default` gives the documented gates; change one thing with
    ``attrs.evolve``.

    >>> Policy.default().confidence
    0.98
    """

    gates: tuple[Gate, ...] = attrs.field(factory=_default_gates, converter=_gates)
    confidence: float = 0.98
    min_periods: int = 10
    pass_score: float = 95.0
    marginal_score: float = 75.0

    def __attrs_post_init__(self) -> None:
        c = Checker()
        self._check(c)
        c.raise_if_any("Policy")

    def _check(self, c: Checker) -> None:
        if c.check_sequence("gates", self.gates, min_len=1, max_len=len(METRICS),
                            what="Gate"):
            seen: set[str] = set()
            for i, gate in enumerate(self.gates):
                if c.check_instance(f"gates[{i}]", gate, Gate, "a Gate"):
                    if gate.metric in seen:
                        c.add(f"gates[{i}].metric", f"{gate.metric!r} has a gate already; "
                                                    "give one gate per metric")
                    seen.add(gate.metric)
        _check_number(c, "confidence", self.confidence, low=0, high=1, low_open=True,
                      high_open=True, what="a probability between 0 and 1, e.g. 0.98")
        c.check_int("min_periods", self.min_periods, ge=2,
                    why="periods with traffic a gate needs on each side")
        pass_ok = _check_number(c, "pass_score", self.pass_score, low=0, high=100,
                                what="a score from 0 to 100")
        marginal_ok = _check_number(c, "marginal_score", self.marginal_score, low=0, high=100,
                                    what="a score from 0 to 100")
        if pass_ok and marginal_ok and self.marginal_score > self.pass_score:
            c.add("marginal_score", f"got {self.marginal_score!r}, above pass_score "
                                    f"{self.pass_score!r}; must be at most pass_score")

    @classmethod
    def default(cls) -> Policy:
        """The default gates: ModelLatency +10 % (critical), OverheadLatency +20 %, the 5XX
        and model error rates +0.1 pp (critical), the 4XX rate +0.5 pp, CPU and memory
        utilisation +20 %; confidence 0.98, 10 periods, pass at 95, marginal at 75."""
        return cls()

    def gate(self, metric: str) -> Gate | None:
        """The gate on ``metric``, if the policy has one."""
        return next((gate for gate in self.gates if gate.metric == metric), None)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Policy:
        """A policy from its :meth:`to_dict` form, e.g. a JSON file's contents. Keys left out
        take their defaults (``gates`` too); unknown keys are an error naming them."""
        c = Checker()
        if not isinstance(data, Mapping):
            c.add("", f"got {type(data).__name__}; a policy is a mapping with keys "
                      f"{', '.join(_POLICY_KEYS)}")
            c.fail("Policy")
        _unknown_keys(c, "", data, _POLICY_KEYS)
        values: dict[str, Any] = {key: data[key] for key in _POLICY_KEYS if key in data}
        if "gates" in data:
            gates = data["gates"]
            if isinstance(gates, (str, Mapping)) or not isinstance(gates, Sequence):
                c.add("gates", f"got {type(gates).__name__}; must be a list of gates")
            else:
                values["gates"] = [_gate_from_dict(c, f"gates[{i}]", g)
                                   for i, g in enumerate(gates)]
        c.raise_if_any("Policy")
        return cls(**values)

    def to_dict(self) -> dict[str, object]:
        """The policy as JSON-safe data (what :meth:`from_dict` reads)."""
        return {"gates": [gate.to_dict() for gate in self.gates],
                "confidence": self.confidence, "min_periods": self.min_periods,
                "pass_score": self.pass_score, "marginal_score": self.marginal_score}


# -- results -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SeriesSummary:
    """One variant's values of one metric: how many periods, their mean and percentiles
    (``None`` without data). For an error metric the values are per-period rates and
    ``mean`` is the pooled rate (errors over requests)."""

    count: int
    mean: float | None
    p50: float | None
    p90: float | None
    p99: float | None
    unit: str

    @classmethod
    def of(cls, values: Iterable[float], unit: str, *, mean: float | None = None) -> SeriesSummary:
        """The summary of ``values``; ``mean`` replaces their plain mean when given."""
        ordered = sorted(values)
        if not ordered:
            return cls(count=0, mean=mean, p50=None, p90=None, p99=None, unit=unit)
        return cls(count=len(ordered),
                   mean=sum(ordered) / len(ordered) if mean is None else mean,
                   p50=quantile(ordered, 0.5), p90=quantile(ordered, 0.9),
                   p99=quantile(ordered, 0.99), unit=unit)


@attrs.frozen(kw_only=True)
class MetricJudgement(Displayed):
    """The judgement of one gate.

    ``outcome`` is ``"high"``/``"low"`` when the shadow is significantly worse than the
    gate allows in that direction, ``"no_data"`` when either side had fewer than
    ``min_periods`` periods with traffic (or the metric was not compared, see ``note``),
    else ``"pass"``. ``change`` is in the gate's terms (percent or the metric's unit, error
    rates in percentage points); ``relative_change`` is a fraction (0.177 = +17.7 %).
    ``test`` names the test behind ``p_value``; ``periods`` is how many periods it used.
    """

    metric: str
    gate: Gate
    outcome: Outcome
    production: SeriesSummary
    shadow: SeriesSummary
    relative_change: float | None = None
    change: float | None = None
    p_value: float | None = None
    test: str | None = None
    periods: int = 0
    note: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The gate's judgement as JSON-safe data (non-finite numbers become ``None``)."""
        return {
            "outcome": self.outcome, "critical": self.gate.critical,
            "change": _finite(self.change), "change_unit": _change_unit(self.gate),
            "tolerance": self.gate.tolerance, "relative_change": _finite(self.relative_change),
            "p_value": self.p_value, "test": self.test, "periods": self.periods,
            "note": self.note, "reason": self.reason,
            "production": attrs.asdict(self.production), "shadow": attrs.asdict(self.shadow),
        }

    def _row(self) -> tuple[str, str, str, str, str, str]:
        """The gate's row of a judgement's table."""
        return (self.metric, _show_value(self, self.production),
                _show_value(self, self.shadow), _show_change(self), _show_p(self.p_value),
                self.outcome + (" (critical)" if self.gate.critical else ""))

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card

        metric, production, shadow, change, p, outcome = self._row()
        unit = _change_unit(self.gate)
        direction = {"increase": "+", "decrease": "-", "both": "±"}[self.gate.direction]
        return Card(f"MetricJudgement {metric}: {outcome}", [
            ("production", production), ("shadow", shadow), ("change", change),
            ("tolerance", f"{direction}{self.gate.tolerance:g} {unit}".rstrip()),
            ("p", p), ("test", self.test), ("periods", self.periods),
            ("note", self.note), ("reason", self.reason)])

    @property
    def failed(self) -> bool:
        """Whether the gate failed (outcome ``high`` or ``low``)."""
        return self.outcome in ("high", "low")

    @property
    def compared(self) -> bool:
        """Whether the gate counts toward the verdict (not skipped as incomparable)."""
        return not (self.outcome == "no_data" and self.test == "skipped")


def _frozen_judgements(value: Mapping[str, MetricJudgement]) -> Mapping[str, MetricJudgement]:
    return FrozenMap(value)


@attrs.frozen(kw_only=True)
class Judgement(Displayed):
    """The verdict on a shadow test: ``verdict``, ``score`` (0-100), ``metrics`` (gate
    metric -> :class:`MetricJudgement`), ``window`` and ``reasons`` (one plain line per
    failing gate, gate without data, or check that did not hold).

    ``print(judgement)`` gives an aligned table; in Jupyter it renders as HTML; and
    :meth:`plot` draws both variants' series (needs ``shadowtest[plot]``).
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
    data: ExperimentMetrics | None = attrs.field(default=None, repr=False, eq=False)

    def to_dict(self) -> dict[str, object]:
        """The judgement as JSON-safe data: verdict, score, window (ISO 8601), reasons,
        each gate's outcome, change, p-value, test and both variants' summaries, and the
        policy (non-finite numbers become ``None``)."""
        start, end = self.window
        return {
            "name": self.name, "verdict": self.verdict.value, "score": self.score,
            "window": [start.isoformat(), end.isoformat()], "period": self.period,
            "production_variant": self.production_variant,
            "shadow_variant": self.shadow_variant, "reasons": list(self.reasons),
            "metrics": {name: m.to_dict() for name, m in self.metrics.items()},
            "policy": self.policy.to_dict(),
        }

    @property
    def passed(self) -> bool:
        """Whether the verdict is ``PASS``."""
        return self.verdict is Verdict.PASS

    def allows(self, require: Verdict | str) -> bool:
        """Whether the verdict is at least ``require`` (``PASS`` > ``MARGINAL``; ``FAIL``
        and ``NO_DATA`` allow nothing but themselves)."""
        wanted = Verdict(require)
        if wanted is Verdict.MARGINAL:
            return self.verdict in (Verdict.PASS, Verdict.MARGINAL)
        return self.verdict is wanted

    # -- display -----------------------------------------------------------------------------

    _HEADERS: Final = ("metric", "production", "shadow", "change", "p", "outcome")

    def _card(self, now: datetime | None = None) -> Card:
        """The verdict and score, the window, variants, period and confidence, a row per
        gate, then the reasons."""
        from shadowtest._card import Bullets, Card, Table

        start, end = self.window
        facts: list[Fact] = [("window", f"{start.isoformat()} .. {end.isoformat()}")]
        if self.production_variant:
            facts.append(("variants", f"production {self.production_variant!r}, shadow "
                                      f"{self.shadow_variant!r}"))
        if self.period:
            facts.append(("period", f"{self.period} s"))
        facts.append(("confidence", f"{self.policy.confidence:g}"))
        parts: list[Table | Bullets] = [
            Table(None, self._HEADERS, [m._row() for m in self.metrics.values()])]
        if self.reasons:
            parts.append(Bullets("reasons", self.reasons))
        return Card(self._title(), facts, parts)

    def _title(self) -> str:
        who = f" of {self.name!r}" if self.name else ""
        return f"Judgement{who}: {self.verdict.value} (score {self.score:.1f}/100)"

    def plot(self, metrics: Iterable[str] | None = None) -> Figure:
        """A matplotlib figure with, per gate metric (or per name of ``metrics``), both
        variants' series over time. Needs the ``plot`` extra (``pip install
        'shadowtest[plot]'``); the judgement must come from :func:`judge` on fetched
        metrics (it keeps them)."""
        try:
            from matplotlib.figure import Figure
        except ImportError as error:
            raise ImportError("Judgement.plot() draws with matplotlib, which is not "
                              "installed: pip install 'shadowtest[plot]'") from error
        if self.data is None:
            raise ValueError("this judgement holds no series to plot (it was not made by "
                             "judge() from ExperimentMetrics)")
        names = list(self.metrics) if metrics is None else list(metrics)
        figure = Figure(figsize=(10, 2.4 * max(1, len(names))), layout="constrained")
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


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _change_unit(gate: Gate) -> str:
    if gate.change == "relative":
        return "%"
    kind = METRICS[gate.metric].kind
    return {"error": "pp", "latency": "ms", "utilization": "pp"}.get(kind, "")


def _show_value(m: MetricJudgement, s: SeriesSummary) -> str:
    if s.count == 0 and s.mean is None:
        return "no data"
    if METRICS[m.metric].kind == "error":
        return "—" if s.mean is None else f"{s.mean * 100:.2f} %"
    value = s.p50
    if value is None:
        return "no data"
    unit = {"Milliseconds": " ms", "Percent": " %"}.get(s.unit, "")
    return f"{value:.1f}{unit}"


def _show_change(m: MetricJudgement) -> str:
    if m.change is None:
        return "—"
    if math.isinf(m.change):
        return "+inf" if m.change > 0 else "-inf"
    unit = _change_unit(m.gate)
    digits = 2 if unit == "pp" else 1
    return f"{m.change:+.{digits}f} {unit}".rstrip()


def _show_p(p: float | None) -> str:
    if p is None:
        return "—"
    return "p<0.0001" if p < 0.0001 else f"{p:.4f}"


# -- the judge ---------------------------------------------------------------------------------


def _aligned(a: MetricSeries, b: MetricSeries) -> tuple[Sequence[float], Sequence[float]]:
    """The values of ``a`` and ``b`` at the timestamps both have, in ``b``'s order."""
    if a.timestamps == b.timestamps:  # the usual case: one request, the same periods
        return a.values, b.values
    in_a = dict(zip(a.timestamps, a.values, strict=False))
    common = [t for t in b.timestamps if t in in_a]
    in_b = dict(zip(b.timestamps, b.values, strict=False))
    return list(map(in_a.__getitem__, common)), list(map(in_b.__getitem__, common))


def _empty(metric: str, unit: str) -> MetricSeries:
    return MetricSeries(metric=metric, statistic="Average", unit=unit, timestamps=(), values=())


def _series(side: Mapping[str, MetricSeries], key: str, metric: str) -> MetricSeries:
    found = side.get(key)
    return found if found is not None else _empty(metric, METRICS[metric].unit)


def _significant_and_bad(gate: Gate, change: float | None, p: float | None,
                         alpha: float) -> Outcome:
    if change is None or p is None or p >= alpha:
        return "pass"
    tolerance = float(gate.tolerance)
    if gate.direction in ("increase", "both") and change > tolerance:
        return "high"
    if gate.direction in ("decrease", "both") and change < -tolerance:
        return "low"
    return "pass"


def _no_data(gate: Gate, production: SeriesSummary, shadow: SeriesSummary, have: tuple[int, int],
             need: int) -> MetricJudgement:
    reason = (f"{gate.metric}: no data (production {have[0]} periods with traffic, shadow "
              f"{have[1]}; {need} needed on each side)")
    return MetricJudgement(metric=gate.metric, gate=gate, outcome="no_data",
                           production=production, shadow=shadow, reason=reason)


def _judge_values(gate: Gate, data: ExperimentMetrics, policy: Policy) -> MetricJudgement:
    """A latency or utilisation gate: paired Wilcoxon, or Mann-Whitney where periods do not
    pair."""
    metric = gate.metric
    prod = _series(data.production, metric, metric)
    shadow = _series(data.shadow, metric, metric)
    prod_summary = SeriesSummary.of(prod.values, prod.unit)
    shadow_summary = SeriesSummary.of(shadow.values, shadow.unit)
    need = policy.min_periods
    if len(prod) < need or len(shadow) < need:
        return _no_data(gate, prod_summary, shadow_summary, (len(prod), len(shadow)), need)
    p_values, s_values = _aligned(prod, shadow)
    note = None
    relative: float | None
    if len(p_values) >= need:
        result = wilcoxon_signed_rank(map(sub, s_values, p_values))
        test, periods = "wilcoxon signed-rank (paired periods)", len(p_values)
        # production periods at 0 have no relative change; they still count in the test
        if gate.change == "relative":
            ratios = list(map(truediv, compress(s_values, p_values),
                              compress(p_values, p_values)))
            relative = median(ratios) - 1 if ratios else None
            absolute = None
        else:
            p50, s50 = prod_summary.p50, shadow_summary.p50
            relative = s50 / p50 - 1 if p50 and s50 is not None else None
            absolute = median(map(sub, s_values, p_values))
    else:
        result = mann_whitney_u(prod.values, shadow.values)
        test, periods = "mann-whitney u (unpaired)", len(prod) + len(shadow)
        note = (f"only {len(p_values)} periods had both variants' data ({need} needed to "
                "pair them); compared unpaired with the Mann-Whitney U test")
        p50, s50 = prod_summary.p50, shadow_summary.p50
        assert p50 is not None
        assert s50 is not None
        relative = s50 / p50 - 1 if p50 else None
        absolute = s50 - p50
    change = ((relative * 100 if relative is not None else None) if gate.change == "relative"
              else absolute)
    outcome = _significant_and_bad(gate, change, result.p_value, 1 - policy.confidence)
    judged = MetricJudgement(metric=metric, gate=gate, outcome=outcome,
                             production=prod_summary, shadow=shadow_summary,
                             relative_change=relative, change=change, p_value=result.p_value,
                             test=test, periods=periods, note=note)
    if judged.failed:
        judged = attrs.evolve(judged, reason=_failure_reason(judged))
    return judged


class _Traffic:
    """One variant's requests per period (its Invocations), read once per judgement."""

    def __init__(self, side: Mapping[str, MetricSeries]) -> None:
        self.side = side
        invocations = _series(side, "Invocations", "Invocations")
        self.invocations = invocations
        # the periods with traffic; compress keeps those whose request count is non-zero
        self.served = list(compress(invocations.timestamps, invocations.values))
        self.requests = list(compress(invocations.values, invocations.values))

    def errors(self, metric: str) -> _Errors:
        """The periods with traffic and an error figure, with their requests and errors."""
        counts = self.side.get(series_key(metric, "Sum"))
        invocations = self.invocations
        if counts is not None and counts.timestamps == invocations.timestamps:
            # the usual case, one request for every series: no lookups by timestamp
            return _Errors(self.served, self.requests,
                           list(compress(counts.values, invocations.values)))
        if counts is not None:
            errors = dict(zip(counts.timestamps, counts.values, strict=False))
        else:  # only the rates: the count is rate x requests
            rate = _series(self.side, metric, metric)
            errors = dict(zip(rate.timestamps, rate.values, strict=False))
        requests = dict(zip(self.served, self.requests, strict=False))
        times = [t for t in self.served if t in errors]
        failed = list(map(errors.__getitem__, times))
        if counts is None:
            failed = [r * requests[t] for t, r in zip(times, failed, strict=False)]
        return _Errors(times, list(map(requests.__getitem__, times)), failed)


@attrs.frozen
class _Errors:
    """Aligned per-period lists: when, how many requests, how many of them failed."""

    times: list[datetime]
    requests: list[float]
    failed: list[float]

    def pooled(self, only: set[datetime] | None = None) -> tuple[float, float, float | None]:
        """(errors, requests, errors / requests) over every period, or those in ``only``."""
        requests, failed = self.requests, self.failed
        if only is not None:
            keep = [t in only for t in self.times]
            requests, failed = list(compress(requests, keep)), list(compress(failed, keep))
        total, errors = sum(requests), sum(failed)
        return errors, total, (errors / total if total else None)


def _judge_errors(gate: Gate, data: ExperimentMetrics, policy: Policy,
                  traffic: tuple[_Traffic, _Traffic]) -> MetricJudgement:
    """An error gate: pooled rates over the common periods and a two-proportion z-test."""
    metric = gate.metric
    prod, shadow = traffic[0].errors(metric), traffic[1].errors(metric)
    whole_p, whole_s = prod.pooled(), shadow.pooled()
    prod_summary = SeriesSummary.of(_series(data.production, metric, metric).values, "Ratio",
                                    mean=whole_p[2])
    shadow_summary = SeriesSummary.of(_series(data.shadow, metric, metric).values, "Ratio",
                                      mean=whole_s[2])
    need = policy.min_periods
    have = (len(prod.times), len(shadow.times))
    if min(have) < need:
        return _no_data(gate, prod_summary, shadow_summary, have, need)
    if prod.times == shadow.times:
        paired_p, paired_s, common = whole_p, whole_s, have[0]
    else:
        both = set(prod.times).intersection(shadow.times)
        paired_p, paired_s, common = prod.pooled(both), shadow.pooled(both), len(both)
    note = None
    if common >= need:
        (x_p, n_p, rate_p), (x_s, n_s, rate_s), periods = paired_p, paired_s, common
    else:
        (x_p, n_p, rate_p), (x_s, n_s, rate_s) = whole_p, whole_s
        periods = sum(have)
        note = (f"only {common} periods had both variants' traffic; rates pooled over "
                "each variant's own periods")
    assert rate_p is not None
    assert rate_s is not None
    result = two_proportion_z(x_p, n_p, x_s, n_s)
    relative = (rate_s / rate_p - 1 if rate_p else (math.inf if rate_s else 0.0))
    change = relative * 100 if gate.change == "relative" else (rate_s - rate_p) * 100
    outcome = _significant_and_bad(gate, change, result.p_value, 1 - policy.confidence)
    judged = MetricJudgement(
        metric=metric, gate=gate, outcome=outcome,
        production=attrs.evolve(prod_summary, mean=rate_p),
        shadow=attrs.evolve(shadow_summary, mean=rate_s),
        relative_change=relative, change=change, p_value=result.p_value,
        test="two-proportion z (pooled rates)", periods=periods, note=note)
    if judged.failed:
        judged = attrs.evolve(judged, reason=_failure_reason(judged))
    return judged


def _failure_reason(m: MetricJudgement) -> str:
    """The issue's plain words: ``shadow ModelLatency median 41.2 ms vs 35.0 ms (+17.7 %,
    p=0.0003); tolerance +10 %``."""
    p = _show_p(m.p_value)
    p = p if p.startswith("p<") else f"p={p}"
    measure = "rate" if METRICS[m.metric].kind == "error" else "median"
    reason = (f"shadow {m.metric} {measure} {_show_value(m, m.shadow)} vs "
              f"{_show_value(m, m.production)} ({_show_change(m)}, {p}); tolerance "
              f"{m.gate.describe_tolerance()}")
    if m.gate.critical:
        reason += " (critical)"
    return reason + (f"; {m.note}" if m.note else "")


def _skipped(gate: Gate, reason: str) -> MetricJudgement:
    empty = SeriesSummary(count=0, mean=None, p50=None, p90=None, p99=None,
                          unit=METRICS[gate.metric].unit)
    return MetricJudgement(metric=gate.metric, gate=gate, outcome="no_data", production=empty,
                           shadow=empty, test="skipped", note=reason, reason=reason)


def _share_reason(data: ExperimentMetrics) -> str | None:
    """A reason when the shadow got under half the invocations its sampling implies."""
    sampling = data.sampling_percentage
    prod = data.production.get("Invocations")
    shadow = data.shadow.get("Invocations")
    if not sampling or prod is None or shadow is None:
        return None
    production_total = sum(prod.values)
    shadow_total = sum(shadow.values)
    expected = production_total * sampling / 100
    if production_total <= 0 or shadow_total >= expected / 2:
        return None
    return (f"shadow received {shadow_total:,.0f} invocations, "
            f"{shadow_total / production_total:.1%} of production's {production_total:,.0f}; "
            f"sampling {sampling} % implies about {expected:,.0f} (under half of that, so the "
            "comparison may not reflect production traffic)")


def judge(metrics: ExperimentMetrics, policy: Policy | None = None) -> Judgement:
    """Judge the shadow against production on ``metrics`` with ``policy`` (default
    :meth:`Policy.default`). Pure: the same input gives the same judgement.

    Per gate, the test and change described in this module's docstring; then the score
    (weighted share of passing gates among those with data, x 100) and the verdict. Also
    checked: the shadow got at least half the invocations its sampling percentage
    implies (else a reason, and the verdict is at best ``MARGINAL``), and CPU utilisation,
    summed over cores, is compared only when both variants run the same instance type.
    """
    c = Checker()
    c.check_instance("metrics", metrics, ExperimentMetrics, "an ExperimentMetrics "
                                                            "(ExperimentClient.metrics)")
    if policy is None:
        policy = Policy.default()
    else:
        c.check_instance("policy", policy, Policy, "a Policy (or None for the default)")
    c.raise_if_any("judge arguments")
    judged: dict[str, MetricJudgement] = {}
    traffic = (_Traffic(metrics.production), _Traffic(metrics.shadow))
    types = (metrics.production_instance_type, metrics.shadow_instance_type)
    for gate in policy.gates:
        if (gate.metric == "CPUUtilization" and None not in types and types[0] != types[1]):
            judged[gate.metric] = _skipped(gate, (
                f"CPUUtilization not compared: production runs {types[0]}, the shadow "
                f"{types[1]}, and CPU utilisation is summed over each instance's cores"))
        elif METRICS[gate.metric].kind == "error":
            judged[gate.metric] = _judge_errors(gate, metrics, policy, traffic)
        else:
            judged[gate.metric] = _judge_values(gate, metrics, policy)
    counted = [m for m in judged.values() if m.compared]
    with_data = [m for m in counted if m.outcome != "no_data"]
    weight = sum(m.gate.weight for m in with_data)
    passed = sum(m.gate.weight for m in with_data if m.outcome == "pass")
    score = 100.0 * passed / weight if weight else 0.0
    reasons = [m.reason for m in judged.values() if m.reason and m.failed]
    reasons += [m.reason for m in judged.values() if m.reason and not m.failed]
    share = _share_reason(metrics)
    if share:
        reasons.append(share)
    if any(m.failed and m.gate.critical for m in counted):
        verdict = Verdict.FAIL
    elif 2 * (len(counted) - len(with_data)) >= len(counted):
        verdict = Verdict.NO_DATA
    elif score >= policy.pass_score:
        verdict = Verdict.MARGINAL if share else Verdict.PASS
    elif score >= policy.marginal_score:
        verdict = Verdict.MARGINAL
    else:
        verdict = Verdict.FAIL
    return Judgement(verdict=verdict, score=score, metrics=judged, window=metrics.window,
                     reasons=tuple(reasons), policy=policy, name=metrics.name,
                     production_variant=metrics.production_variant,
                     shadow_variant=metrics.shadow_variant, period=metrics.period,
                     data=metrics)

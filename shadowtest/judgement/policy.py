"""What a judgement applies: the gates (a metric, a tolerance, how it is measured) and the
policy that turns their outcomes into a verdict. Pure data with validation; no statistics."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from shadowtest._checks import Checker, to_tuple
from shadowtest.errors import ConfigValidationError
from shadowtest.metrics import METRICS
from shadowtest.status import StrEnum

__all__ = [
    "PREDICTION_GATES",
    "Change",
    "Direction",
    "Gate",
    "GateKind",
    "Policy",
    "Verdict",
    "check_policy",
    "gate_kind",
]

Change = Literal["relative", "absolute"]
Direction = Literal["increase", "decrease", "both"]
GateKind = Literal["latency", "percentile", "utilization", "error", "agreement", "accuracy",
                   "prediction_error"]

PREDICTION_GATES: Final[Mapping[str, GateKind]] = {
    "PredictionAgreement": "agreement",   # share of pairs whose predictions differ (pp)
    "PredictionAccuracy": "accuracy",     # shadow's accuracy minus production's (pp)
    "PredictionError": "prediction_error",  # mean absolute error, relative change (%)
}
"""The gates decided from a :class:`~shadowtest.PredictionComparison` (``judge(...,
predictions=...)``), by the kind of evidence each one needs."""

_PERCENTILE: Final = re.compile(r"(?P<metric>[A-Za-z0-9]+):(?P<statistic>p[0-9.]+)")


class Verdict(StrEnum):
    """What a judgement says about promoting the shadow. ``INCONCLUSIVE``: there is traffic,
    but not yet enough evidence either way (a critical gate is undecided)."""

    PASS = "PASS"
    MARGINAL = "MARGINAL"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"
    NO_DATA = "NO_DATA"


def gate_kind(metric: str) -> GateKind | None:
    """How a gate on ``metric`` is measured, or ``None`` if nothing can gate it: latencies
    by the average request, percentile series (``"ModelLatency:p99"``) by the percentile,
    utilisation by time, error metrics as pooled rates, and the prediction gates."""
    if metric in PREDICTION_GATES:
        return PREDICTION_GATES[metric]
    match = _PERCENTILE.fullmatch(metric)
    if match is not None:
        info = METRICS.get(match["metric"])
        ok = info is not None and info.kind == "latency" and match["statistic"] in \
            info.statistics
        return "percentile" if ok else None
    info = METRICS.get(metric)
    if info is None or info.kind == "count":
        return None
    kind: GateKind = info.kind
    return kind


def _check_gate_metric(c: Checker, path: str, metric: object) -> GateKind | None:
    """The gate kind of ``metric``, or ``None`` with a problem saying what could be meant."""
    if not isinstance(metric, str):
        c.add(path, f"got {type(metric).__name__} {metric!r}; must be a metric name such as "
                    "'ModelLatency' or 'ModelLatency:p99'")
        return None
    kind = gate_kind(metric)
    if kind is not None:
        return kind
    match = _PERCENTILE.fullmatch(metric)
    base = match["metric"] if match else metric
    info = METRICS.get(base)
    if match is not None and info is not None:
        if info.kind != "latency":
            latency = " and ".join(n for n, i in METRICS.items() if i.kind == "latency")
            c.add(path, f"got {metric!r}: {base} has no {match['statistic']} statistic; "
                        f"percentile gates exist for {latency}")
        else:
            c.add(path, f"got {metric!r}: shadowtest fetches {', '.join(info.statistics[1:])} "
                        f"of {base} from CloudWatch, not {match['statistic']}")
        return None
    if info is not None and info.kind == "count":
        c.add(path, f"got {metric!r}, a request count, which says how much traffic a variant "
                    "had rather than how well it served it; gate a latency, an error rate "
                    "or a utilisation (the judgement already checks the shadow's share of "
                    "traffic)")
        return None
    names = [*METRICS, *PREDICTION_GATES]
    close = difflib.get_close_matches(base, names, n=2, cutoff=0.6)
    hint = (f"did you mean {' or '.join(map(repr, close))}?" if close
            else f"known metrics: {', '.join(names)}")
    c.add(path, f"got {metric!r}, which is not an endpoint metric; {hint}")
    return None


# tolerance units a gate accepts, by kind: (relative unit, absolute unit or None)
_UNITS: Final[Mapping[GateKind, tuple[str | None, str | None]]] = {
    "latency": ("%", "ms"),
    "percentile": ("%", "ms"),
    "utilization": ("%", "pp"),
    "error": ("%", "pp"),
    "agreement": (None, "pp"),
    "accuracy": (None, "pp"),
    "prediction_error": ("%", None),
}
_UNIT_WORDS: Final[Mapping[str, str]] = {
    "%": "%", "percent": "%", "pct": "%", "pp": "pp", "ms": "ms", "milliseconds": "ms",
}
_TOLERANCE_TEXT: Final = re.compile(r"\s*\+?\s*(?P<number>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
                                    r"\s*(?P<unit>[A-Za-z%]*)\s*")


class _Written(float):
    """A tolerance given as text (``"10 %"``): its number, with the text and the unit it
    named kept for the gate's checks (a converter cannot see the gate's metric)."""

    text: str
    unit: str | None


def _tolerance(value: float | str) -> float:
    if not isinstance(value, str):
        return value
    match = _TOLERANCE_TEXT.fullmatch(value)
    written = _Written(float(match["number"]) if match else math.nan)
    written.text = value
    written.unit = _UNIT_WORDS.get(match["unit"].lower()) if match else None
    return written


class _Defaulted(str):
    """A ``change`` the gate chose itself (so a tolerance naming its unit may override it,
    where a ``change`` given by the caller that contradicts it is an error)."""

    __slots__ = ()


def _default_change(gate: Gate) -> Change:
    kind = gate_kind(gate.metric) if isinstance(gate.metric, str) else None
    change = "absolute" if kind in ("error", "agreement", "accuracy") else "relative"
    return _Defaulted(change)  # type: ignore[return-value]


def _default_direction(gate: Gate) -> Direction:
    return "decrease" if gate.metric == "PredictionAccuracy" else "increase"


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


def _unit_phrase(kind: GateKind, change: Change) -> str:
    relative, absolute = _UNITS[kind]
    unit = relative if change == "relative" else absolute
    return {"%": "percent of production's value", "pp": "percentage points",
            "ms": "milliseconds"}.get(unit or "", "no unit")


@attrs.frozen(kw_only=True)
class Gate:
    """One metric the verdict depends on, and how much worse the shadow may be.

    ``tolerance`` is a number in the gate's unit, or a string that says its unit: ``"10 %"``
    (percent of production's value: a relative gate), ``"0.1 pp"`` (percentage points, for
    error rates and utilisation) or ``"5 ms"`` (for latencies). A number is read by
    ``change``: ``"relative"`` takes percent, ``"absolute"`` the metric's unit with rates
    in percentage points. ``change`` defaults to absolute for error rates and the
    prediction agreement/accuracy gates, relative otherwise. ``direction`` is the bad one
    (``"decrease"`` for ``PredictionAccuracy``, else ``"increase"`` by default). A
    failing ``critical`` gate fails the whole judgement, and PASS needs every critical gate
    passed; ``weight`` is the gate's share of the score.

    ``metric`` is an endpoint metric (``"ModelLatency"``), a percentile series
    (``"ModelLatency:p90"``, ``"ModelLatency:p99"``, ``"OverheadLatency:p99"``) or a
    prediction gate (``"PredictionAgreement"``, ``"PredictionAccuracy"``,
    ``"PredictionError"``).

    >>> Gate(metric="ModelLatency", tolerance=10, critical=True)
    Gate(metric='ModelLatency', tolerance=10.0, critical=True, weight=1.0, \
change='relative', direction='increase')
    >>> Gate(metric="Invocation5XXErrors", tolerance="0.1 pp").change
    'absolute'
    """

    metric: str
    tolerance: float = attrs.field(converter=_tolerance)
    critical: bool = False
    weight: float = 1.0
    change: Change = attrs.field(default=attrs.Factory(_default_change, takes_self=True))
    direction: Direction = attrs.field(
        default=attrs.Factory(_default_direction, takes_self=True))

    def __attrs_post_init__(self) -> None:
        c = Checker()
        self._check(c)
        c.raise_if_any("Gate")

    def _check(self, c: Checker) -> None:
        defaulted = isinstance(self.change, _Defaulted)
        if defaulted:
            object.__setattr__(self, "change", str(self.change))
        kind = _check_gate_metric(c, "metric", self.metric)
        if not isinstance(self.critical, bool):
            c.add("critical", f"got {self.critical!r}; must be True or False")
        _check_number(c, "weight", self.weight, low=0, high=1e9, low_open=True,
                      what="a weight > 0")
        change_ok = c.check_choice("change", self.change, ("relative", "absolute"))
        c.check_choice("direction", self.direction, ("increase", "decrease", "both"))
        if kind is not None and change_ok:
            self._read_tolerance(c, kind, defaulted=defaulted)

    def _read_tolerance(self, c: Checker, kind: GateKind, *, defaulted: bool) -> None:
        value = self.tolerance
        relative, absolute = _UNITS[kind]
        if isinstance(value, _Written):
            pairs: tuple[tuple[str | None, Change], ...] = ((relative, "relative"),
                                                            (absolute, "absolute"))
            units = [(u, ch) for u, ch in pairs if u]
            if value.unit is None:
                examples = " or ".join(repr(f"10 {u}") for u, _ in units)
                c.add("tolerance", f"got {value.text!r} for {self.metric}; write a number "
                                   f"and its unit, e.g. {examples}")
                return
            if value.unit not in (relative, absolute):
                allowed = " or ".join(f"{u!r} ({_unit_phrase(kind, ch)})" for u, ch in units)
                c.add("tolerance", f"got {value.text!r} for {self.metric}, whose tolerance is "
                                   f"in {allowed}, not {value.unit!r}")
                return
            change: Change = "relative" if value.unit == relative else "absolute"
            if self.change != change and not defaulted:
                c.add("change", f"got {self.change!r}, but the tolerance {value.text!r} is "
                                f"{change}; leave change out when the tolerance names its "
                                "unit")
                return
            object.__setattr__(self, "change", change)
        if (relative if self.change == "relative" else absolute) is None:
            other = "absolute" if self.change == "relative" else "relative"
            c.add("change", f"got {self.change!r}; a {self.metric} gate is {other}")
            return
        if not _check_number(c, "tolerance", value, low=0, high=1e9, what=(
                f"a tolerance >= 0 in {_unit_phrase(kind, self.change)}")):
            return
        number = float(value)
        object.__setattr__(self, "tolerance", number)
        bounded = self.change == "absolute" and kind in ("error", "utilization", "agreement",
                                                          "accuracy")
        if bounded and number >= 100:
            c.add("tolerance", f"got {number:g} percentage points for {self.metric}, a "
                               "rate from 0 to 100 %; no change can reach that")
        if (self.change == "relative" and number >= 100
                and self.direction in ("decrease", "both")):
            c.add("tolerance", f"got {number:g} % with direction {self.direction!r}: a "
                               "value cannot fall by 100 % or more, so that side never "
                               "decides")

    @property
    def kind(self) -> GateKind:
        """How the gate is measured (see :func:`gate_kind`)."""
        kind = gate_kind(self.metric)
        assert kind is not None
        return kind

    @property
    def unit(self) -> str:
        """The unit of the tolerance and of the change: ``%``, ``pp`` or ``ms``."""
        relative, absolute = _UNITS[self.kind]
        unit = relative if self.change == "relative" else absolute
        assert unit is not None
        return unit

    @property
    def scale(self) -> float:
        """The gate's unit per unit of the statistics' scale: 100 for relative gates and
        rates (a fraction 0.1 is 10 %, a rate 0.001 is 0.1 pp), else 1."""
        relative = self.change == "relative"
        return 100.0 if relative or self.kind in ("error", "agreement", "accuracy") else 1.0

    @property
    def threshold(self) -> float:
        """The tolerance on the scale of the statistics: a fraction for relative gates and
        for rates (10 % -> 0.1, 0.1 pp -> 0.001), else the metric's unit (milliseconds,
        utilisation points)."""
        return self.tolerance / self.scale

    def describe_tolerance(self) -> str:
        """The tolerance as a reason states it: ``+10 %``, ``+0.1 pp``, ``±5 ms``."""
        sign = {"increase": "+", "decrease": "-", "both": "±"}[self.direction]
        return f"{sign}{self.tolerance:g} {self.unit}"

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


_GATE_KEYS: Final = ("metric", "tolerance", "critical", "weight", "change", "direction")
_POLICY_KEYS: Final = ("gates", "confidence", "min_periods", "pass_score", "marginal_score")


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
        Gate(metric="Invocation5XXErrors", tolerance=0.1, critical=True),
        Gate(metric="InvocationModelErrors", tolerance=0.1, critical=True),
        Gate(metric="Invocation4XXErrors", tolerance=0.5),
        Gate(metric="CPUUtilization", tolerance=20),
        Gate(metric="MemoryUtilization", tolerance=20),
    )


def _gates(value: Iterable[Gate]) -> tuple[Gate, ...]:
    # typed for the constructor; anything else is kept for Policy's checks to report
    return to_tuple(value)  # type: ignore[no-any-return]


@attrs.frozen(kw_only=True)
class Policy:
    """The gates a judgement applies, and how it turns them into a verdict.

    ``confidence``: every gate's interval holds the true change with at least this
    probability at all looks at once, and the chance of any false failure over all gates
    and looks stays below ``1 - confidence``. ``min_periods``: a gate with fewer periods
    with traffic on either side has no data. Verdict: ``FAIL`` if a critical gate fails;
    ``NO_DATA`` if half or more of the gates have no data; ``INCONCLUSIVE`` if a critical
    gate is undecided; otherwise ``PASS`` at a score >= ``pass_score``, ``MARGINAL`` at >=
    ``marginal_score``, else ``FAIL`` (the score counts the decided gates).
    :meth:`default` gives the documented gates; change one thing with ``attrs.evolve``.

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
        if c.check_sequence("gates", self.gates, min_len=1,
                            max_len=2 * len(METRICS) + len(PREDICTION_GATES), what="Gate"):
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

    @property
    def alpha(self) -> float:
        """``1 - confidence``: the error the intervals and the failures are held to."""
        return 1.0 - self.confidence

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


def check_policy(c: Checker, policy: object) -> Policy:
    """A ``policy`` argument: a :class:`Policy`, or ``None`` for :meth:`Policy.default`
    (anything else is a problem in ``c``, and the default stands in). The one check of it,
    for ``judge`` and the client's ``evaluate``/``promote``/``watch`` alike."""
    if policy is None:
        return Policy.default()
    if c.check_instance("policy", policy, Policy, "a Policy (or None for the default)"):
        return policy  # type: ignore[return-value]  # checked just above
    return Policy.default()

"""The decision rule: each gate's interval against its tolerance, then the verdict.

- A gate **passes** when its whole interval lies on the good side of the tolerance (shown
  no worse than it: a non-inferiority test, Schuirmann's one-sided test read from the
  interval); it **fails** (``high``/``low``) when it is shown worse than the tolerance,
  with Holm's step-down over the gates with data, so the chance of any false failure over
  all gates and all looks stays at most ``1 - confidence`` (Holm 1979; each gate's
  anytime-valid p-value keeps that true at every look); otherwise it is
  **inconclusive**.
- PASS needs every critical gate passed (an intersection-union test, which needs no
  correction: a false PASS needs the one gate that is truly worse to pass).
- ``time_to_decision``: the undecided critical gates' evidence scaled up until each
  decides, as if the traffic went on as it has.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

import attrs

from shadowtest._checks import Checker
from shadowtest.judgement.evidence import Evidence, GateData, SeriesSummary
from shadowtest.judgement.policy import PREDICTION_GATES, Gate, Policy, Verdict, check_policy
from shadowtest.judgement.reading import check_series, gate_data, series_readers
from shadowtest.judgement.results import (
    Judgement,
    MetricJudgement,
    Outcome,
    describe_duration,
    show_change,
    show_interval,
    show_measure,
)
from shadowtest.metrics import METRICS, ExperimentMetrics

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["Decision", "PredictionEvidence", "decide", "decide_gate", "holm", "judge"]

_MAX_SCALE: Final = 10_000.0  # time to decision: "never at this traffic" past 10,000x


@runtime_checkable
class PredictionEvidence(Protocol):
    """What ``judge(..., predictions=...)`` needs from a prediction comparison: the data of
    a prediction gate (``PredictionAgreement``, ``PredictionAccuracy``,
    ``PredictionError``), or ``None`` when it has none for that gate."""

    def gate_evidence(self, gate: Gate) -> GateData | None:
        """The evidence for ``gate`` (see :class:`~shadowtest.judgement.GateData`)."""
        ...


@attrs.frozen
class _Decision:
    """One gate's interval at the policy's level, and the hypothesised change its
    failure would be tested at (with that test's p-value)."""

    interval: tuple[float, float]
    passed: bool
    beyond: float | None  # +/- the threshold the estimate lies past, if any
    p_fail: float  # anytime-valid p-value of the change being exactly ``beyond``
    past: bool  # the interval lies wholly past the tolerance


def decide_gate(gate: Gate, evidence: Evidence, alpha: float) -> _Decision:
    """Where ``evidence`` stands against ``gate``'s tolerance at level ``alpha``."""
    t = gate.threshold
    low, high = evidence.interval(alpha)
    estimate = evidence.estimate
    worse_up = gate.direction in ("increase", "both")
    worse_down = gate.direction in ("decrease", "both")
    passed = (not worse_up or high < t) and (not worse_down or low > -t)
    beyond = None
    if estimate is not None and worse_up and estimate > t:
        beyond = t
    elif estimate is not None and worse_down and estimate < -t:
        beyond = -t
    p_fail = 1.0 if beyond is None else evidence.p_value(beyond)
    past = (worse_up and low > t) or (worse_down and high < -t)
    return _Decision((low, high), passed, beyond, p_fail, past)


def holm(p_values: Sequence[float], alpha: float) -> list[bool]:
    """Holm's step-down: which hypotheses are rejected, controlling the chance of any
    false rejection at ``alpha``."""
    order = sorted(range(len(p_values)), key=p_values.__getitem__)
    rejected = [False] * len(p_values)
    m = len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (m - rank):
            break
        rejected[i] = True
    return rejected


# -- reasons -----------------------------------------------------------------------------------


def _level(policy: Policy) -> str:
    return f"{policy.confidence * 100:g} %"


def _measure_word(m: MetricJudgement) -> str:
    kind = m.gate.kind
    return {"error": "rate", "latency": "mean", "percentile": "mean",
            "utilization": "mean"}.get(kind, "value")


def _failure_reason(m: MetricJudgement, policy: Policy) -> str:
    """``shadow ModelLatency mean 41.2 ms vs 35.0 ms: +17.7 % (98 % interval +12.1 % ..
    +23.5 %), past the tolerance +10 % (critical)``."""
    reason = (f"shadow {m.metric} {_measure_word(m)} {show_measure(m, m.shadow)} vs "
              f"{show_measure(m, m.production)}: {show_change(m)} ({_level(policy)} interval "
              f"{show_interval(m)}), past the tolerance {m.gate.describe_tolerance()}")
    if m.gate.critical:
        reason += " (critical)"
    return reason + (f"; {m.note}" if m.note else "")


def _undecided_reason(m: MetricJudgement, policy: Policy) -> str:
    reason = (f"{m.metric} undecided: {show_change(m)} ({_level(policy)} interval "
              f"{show_interval(m)}), tolerance {m.gate.describe_tolerance()}")
    if m.gate.critical:
        reason += " (critical)"
    return reason + (f"; {m.note}" if m.note else "")


def _no_data_reason(gate: Gate, data: GateData, need: int) -> str:
    if data.note:
        return f"{gate.metric}: no data ({data.note})"
    return (f"{gate.metric}: no data (production {data.have[0]} periods with traffic, shadow "
            f"{data.have[1]}; {need} needed on each side)")


def _share_reason(data: ExperimentMetrics) -> str | None:
    """A reason when the shadow got under half the invocations its sampling implies."""
    sampling = data.sampling_percentage
    prod = data.production.get("Invocations")
    shadow = data.shadow.get("Invocations")
    if not sampling or prod is None or shadow is None:
        return None
    production_total = math.fsum(prod.values)
    shadow_total = math.fsum(shadow.values)
    expected = production_total * sampling / 100
    if production_total <= 0 or shadow_total >= expected / 2:
        return None
    return (f"shadow received {shadow_total:,.0f} invocations, "
            f"{shadow_total / production_total:.1%} of production's {production_total:,.0f}; "
            f"sampling {sampling} % implies about {expected:,.0f} (under half of that, so the "
            "comparison may not reflect production traffic)")


# -- the judge ---------------------------------------------------------------------------------


def _in_gate_units(gate: Gate, value: float) -> float:
    """A change on the statistics' scale in the gate's unit (percent, pp, ms)."""
    return value * gate.scale


def _interval_attribute(gate: Gate, interval: tuple[float, float]) -> tuple[float, float]:
    # a fraction for relative gates (like relative_change), the gate's unit otherwise
    if gate.change == "relative":
        return interval
    return _in_gate_units(gate, interval[0]), _in_gate_units(gate, interval[1])


def _skipped(gate: Gate, reason: str) -> MetricJudgement:
    unit = METRICS[gate.metric].unit if gate.metric in METRICS else ""
    empty = SeriesSummary.empty(unit)
    return MetricJudgement(metric=gate.metric, gate=gate, outcome="no_data", production=empty,
                           shadow=empty, test="skipped", note=reason, reason=reason)


def _check_inputs(metrics: ExperimentMetrics, policy: Policy) -> None:
    """Every series a gate reads holds finite numbers >= 0 (all problems at once)."""
    readers = series_readers(g for g in policy.gates if g.metric not in PREDICTION_GATES)
    readers.setdefault("Invocations", ["the shadow's share of traffic"])
    c = Checker()
    for role, side in (("production", metrics.production), ("shadow", metrics.shadow)):
        for key, gates in readers.items():
            series = side.get(key)
            if series is not None:
                check_series(c, role, key, series, gates)
    c.raise_if_any("ExperimentMetrics")


def _time_to_decide(gate: Gate, data: GateData, alpha: float, fail_level: float,
                    ) -> timedelta | None:
    """How much longer, at the same traffic, until ``gate`` decides; ``None`` if the
    evidence cannot say (its estimate sits at the tolerance, or no traffic time)."""
    evidence, elapsed = data.evidence, data.elapsed
    if evidence is None or elapsed is None or elapsed <= timedelta(0):
        return None

    def decides(k: float) -> bool:
        d = decide_gate(gate, evidence.scaled(k), alpha)
        return d.passed or d.p_fail <= fail_level

    if not decides(_MAX_SCALE):
        return None
    low, high = 0.0, math.log(_MAX_SCALE)
    for _ in range(30):
        middle = (low + high) / 2
        if decides(math.exp(middle)):
            high = middle
        else:
            low = middle
    return elapsed * (math.exp(high) - 1.0)


def judge(metrics: ExperimentMetrics, policy: Policy | None = None, *,
          predictions: PredictionEvidence | None = None) -> Judgement:
    """Judge the shadow against production on ``metrics`` with ``policy`` (default
    :meth:`Policy.default`); ``predictions`` (a prediction comparison) decides the
    prediction gates. Pure: the same input gives the same judgement.

    See :mod:`shadowtest.judgement` for the method. Also checked: the shadow got at least
    half the invocations its sampling percentage implies (else a reason, and the verdict
    is at best ``MARGINAL``), and CPU utilisation, summed over cores, is compared only
    when both variants run the same instance type. A series holding a value that is not a
    finite number >= 0 is a :class:`~shadowtest.ConfigValidationError` naming it and the
    gates that read it.
    """
    c = Checker()
    c.check_instance("metrics", metrics, ExperimentMetrics, "an ExperimentMetrics "
                                                            "(ExperimentClient.metrics)")
    checked = check_policy(c, policy)
    if predictions is not None and not isinstance(predictions, PredictionEvidence):
        c.add("predictions", f"got {type(predictions).__name__}; must be a prediction "
                             "comparison (ExperimentClient.compare_predictions) or None")
    c.raise_if_any("judge arguments")
    return judge_checked(metrics, checked, predictions=predictions)


def judge_checked(metrics: ExperimentMetrics, policy: Policy, *,
                  predictions: PredictionEvidence | None = None) -> Judgement:
    """:func:`judge` of arguments already checked where they entered (the client's
    ``evaluate`` checks its policy before anything is sent)."""
    _check_inputs(metrics, policy)
    need = policy.min_periods
    types = (metrics.production_instance_type, metrics.shadow_instance_type)
    inputs: dict[str, GateData] = {}
    skipped: dict[str, MetricJudgement] = {}
    problems = Checker()
    for gate in policy.gates:
        if gate.metric == "CPUUtilization" and None not in types and types[0] != types[1]:
            skipped[gate.metric] = _skipped(gate, (
                f"CPUUtilization not compared: production runs {types[0]}, the shadow "
                f"{types[1]}, and CPU utilisation is summed over each instance's cores"))
        elif gate.metric in PREDICTION_GATES:
            found = predictions.gate_evidence(gate) if predictions is not None else None
            inputs[gate.metric] = found if found is not None else GateData(
                evidence=None, production=SeriesSummary.empty(""),
                shadow=SeriesSummary.empty(""), have=(0, 0), note=(
                    "no predictions to judge it on; pass predictions="
                    "client.compare_predictions(name)" if predictions is None else
                    "the prediction comparison has no data for it"))
        else:
            inputs[gate.metric] = gate_data(gate, metrics, problems, need)
    problems.raise_if_any("ExperimentMetrics")
    decision = decide(policy, inputs, skipped=skipped, share=_share_reason(metrics))
    return Judgement(verdict=decision.verdict, score=decision.score, metrics=decision.metrics,
                     window=metrics.window, reasons=decision.reasons, policy=policy,
                     name=metrics.name, production_variant=metrics.production_variant,
                     shadow_variant=metrics.shadow_variant, period=metrics.period,
                     time_to_decision=decision.time_to_decision, data=metrics)


@attrs.frozen
class Decision:
    """What :func:`decide` concludes: the verdict, the score, every gate's judgement, the
    reasons and the time-to-decision estimate."""

    verdict: Verdict
    score: float
    metrics: dict[str, MetricJudgement]
    reasons: tuple[str, ...]
    time_to_decision: timedelta | None


def decide(policy: Policy, inputs: Mapping[str, GateData], *,
           skipped: Mapping[str, MetricJudgement] | None = None, share: str | None = None,
           estimate_time: bool = True) -> Decision:
    """The decision rule on each gate's data (``inputs``: gate metric -> :class:`GateData`;
    ``skipped``: gates not compared; ``share``: a reason the shadow's share of traffic is
    off, which caps the verdict at ``MARGINAL``). Pure and cheap: :func:`judge` calls it
    once, a simulation at every look (``estimate_time=False`` skips the time-to-decision
    search)."""
    skipped = skipped or {}
    alpha = policy.alpha
    need = policy.min_periods

    # every gate with data: its interval, and the p-value of its failure
    decisions: dict[str, _Decision] = {}
    for gate in policy.gates:
        data = inputs.get(gate.metric)
        if data is not None and data.evidence is not None and min(data.have) >= need:
            decisions[gate.metric] = decide_gate(gate, data.evidence, alpha)
    tested = list(decisions)
    rejected = dict(zip(tested, holm([decisions[m].p_fail for m in tested], alpha),
                        strict=True))

    judged: dict[str, MetricJudgement] = {}
    for gate in policy.gates:
        if gate.metric in skipped:
            judged[gate.metric] = skipped[gate.metric]
            continue
        data = inputs[gate.metric]
        decision = decisions.get(gate.metric)
        if decision is None:
            judged[gate.metric] = MetricJudgement(
                metric=gate.metric, gate=gate, outcome="no_data", production=data.production,
                shadow=data.shadow, test=data.test or None, periods=data.periods,
                note=data.note, reason=_no_data_reason(gate, data, need))
            continue
        evidence = data.evidence
        assert evidence is not None
        estimate = evidence.estimate
        note = data.note
        outcome: Outcome
        if decision.passed:
            outcome = "pass"
        elif rejected[gate.metric]:
            outcome = "high" if (decision.beyond or 0.0) > 0 else "low"
        else:
            outcome = "inconclusive"
            if decision.past:
                held = (f"past the tolerance at {_level(policy)}, but not yet after "
                        f"Holm's correction for {len(tested)} gates")
                note = f"{note}; {held}" if note else held
        relative = data.relative if gate.change == "absolute" else estimate
        m = MetricJudgement(
            metric=gate.metric, gate=gate, outcome=outcome, production=data.production,
            shadow=data.shadow, relative_change=relative,
            change=None if estimate is None else _in_gate_units(gate, estimate),
            interval=_interval_attribute(gate, decision.interval),
            p_value=evidence.p_value(0.0), test=data.test, periods=data.periods, note=note)
        if m.failed:
            m = attrs.evolve(m, reason=_failure_reason(m, policy))
        elif outcome == "inconclusive":
            m = attrs.evolve(m, reason=_undecided_reason(m, policy))
        judged[gate.metric] = m

    counted = [m for m in judged.values() if m.compared]
    with_data = [m for m in counted if m.outcome != "no_data"]
    decided = [m for m in with_data if m.decided]
    weight = sum(m.gate.weight for m in decided)
    passed = sum(m.gate.weight for m in decided if m.outcome == "pass")
    score = 100.0 * passed / weight if weight else 0.0
    undecided = [m for m in counted if m.gate.critical and not m.decided]
    if not undecided and not decided:
        # no gate decided yet (a policy without critical gates): no score to read, so not
        # a FAIL of 0/0 but undecided, on the gates that have data
        undecided = [m for m in with_data if m.outcome == "inconclusive"]
    time_to_decision = None
    if any(m.failed and m.gate.critical for m in counted):
        verdict = Verdict.FAIL
    elif 2 * (len(counted) - len(with_data)) >= len(counted):
        verdict = Verdict.NO_DATA
    elif undecided:
        verdict = Verdict.INCONCLUSIVE
        if estimate_time:
            fail_level = alpha / max(1, len(tested) - sum(rejected.values()))
            times = [_time_to_decide(m.gate, inputs[m.metric], alpha, fail_level)
                     for m in undecided if m.outcome == "inconclusive"]
            if len(times) == len(undecided) and None not in times:
                time_to_decision = max(t for t in times if t is not None)
    elif score >= policy.pass_score:
        verdict = Verdict.MARGINAL if share else Verdict.PASS
    elif score >= policy.marginal_score:
        verdict = Verdict.MARGINAL
    else:
        verdict = Verdict.FAIL

    reasons = [m.reason for m in judged.values() if m.reason and m.failed]
    if verdict is Verdict.INCONCLUSIVE:
        names = ", ".join(m.metric for m in undecided)
        rates = [inputs[m.metric].requests_per_minute for m in undecided
                 if m.metric in inputs]
        rate = min((r for r in rates if r), default=None)
        when = ("" if time_to_decision is None else
                f"; {describe_duration(time_to_decision)} more"
                + (f" at the shadow's {rate:,.0f} requests/minute" if rate else
                   " at this traffic"))
        reasons.append(f"undecided: {names}{when}")
    reasons += [m.reason for m in judged.values()
                if m.reason and not m.failed and m.outcome == "inconclusive"]
    reasons += [m.reason for m in judged.values()
                if m.reason and m.outcome == "no_data"]
    if share:
        reasons.append(share)
    return Decision(verdict, score, judged, tuple(reasons), time_to_decision)

"""The judge: its statistics against scipy, the known answers of the issue, the policy rules,
and how a judgement shows itself. Every expected p-value comes from scipy, never from the
code under test."""

from __future__ import annotations

import math
import random
import statistics
import sys
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import attrs
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shadowtest import ConfigValidationError
from shadowtest._checks import unchecked
from shadowtest.judgement import (
    Gate,
    Judgement,
    Policy,
    Verdict,
    judge,
    mann_whitney_u,
    two_proportion_z,
    wilcoxon_signed_rank,
)
from shadowtest.metrics import ExperimentMetrics, MetricSeries

# scipy is imported by the tests that use it: scipy.stats costs 1 s of CPU to import, paid
# at collection by every xdist worker (and by tests/test_capture_gates.py, which imports this
# module's helpers), while these tests run on one of them.

if TYPE_CHECKING:
    from collections.abc import Callable

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _samples(seed: int, n: int, *, zeros: int, decimals: int) -> tuple[list[float], list[float]]:
    """Paired samples with ties (rounded values) and ``zeros`` exactly equal pairs."""
    rng = random.Random(seed)
    x = [round(rng.gauss(40, 6), decimals) for _ in range(n)]
    y = [round(v + rng.gauss(0.8, 3), decimals) for v in x]
    for i in rng.sample(range(n), zeros):
        y[i] = x[i]
    return x, y


class TestStatistics:
    """The library's tests give scipy's statistics and p-values (scipy's default zero and
    tie handling, normal approximation)."""

    @pytest.mark.parametrize(("seed", "n", "zeros", "decimals"), [
        (1, 12, 0, 3), (2, 25, 3, 0), (3, 60, 10, 1), (4, 300, 40, 0), (5, 2000, 100, 1),
        (6, 40, 0, 6),
    ])
    def test_wilcoxon_matches_scipy(self, seed: int, n: int, zeros: int, decimals: int) -> None:
        """Signed-rank sums, z and two-sided p equal scipy.stats.wilcoxon(method=asymptotic)
        with zeros dropped and tied ranks averaged."""
        import scipy.stats  # type: ignore[import-untyped]
        x, y = _samples(seed, n, zeros=zeros, decimals=decimals)
        ours = wilcoxon_signed_rank([b - a for a, b in zip(x, y, strict=True)])
        theirs = scipy.stats.wilcoxon(y, x, method="asymptotic")
        assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
        assert abs(ours.z) == pytest.approx(abs(theirs.zstatistic), rel=1e-9)
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-300)
        assert ours.n == sum(1 for a, b in zip(x, y, strict=True) if a != b)

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.integers(-6, 6), min_size=10, max_size=80))
    def test_wilcoxon_matches_scipy_on_any_tied_integers(self, d: list[int]) -> None:
        """Any differences drawn from a few integers (zeros and ties everywhere)."""
        import scipy.stats
        assume(sum(1 for v in d if v) >= 10)
        floats = [float(v) for v in d]
        ours = wilcoxon_signed_rank(floats)
        theirs = scipy.stats.wilcoxon(floats, method="asymptotic")
        assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-300)

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.integers(0, 9), min_size=3, max_size=40),
           st.lists(st.integers(0, 9), min_size=3, max_size=40))
    def test_mann_whitney_matches_scipy_on_any_tied_integers(self, x: list[int],
                                                             y: list[int]) -> None:
        """Any two samples of a few integers."""
        import scipy.stats
        assume(len(set(x + y)) > 1)
        ours = mann_whitney_u([float(v) for v in x], [float(v) for v in y])
        theirs = scipy.stats.mannwhitneyu(x, y, method="asymptotic")
        assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-300)

    def test_wilcoxon_with_heavy_ties_matches_scipy(self) -> None:
        """Differences taking only a few values (rounded utilisation) still match."""
        import scipy.stats
        rng = random.Random(9)
        d = [rng.choice([-0.2, -0.1, 0.0, 0.1, 0.1, 0.2, 0.3]) for _ in range(500)]
        ours = wilcoxon_signed_rank(d)
        theirs = scipy.stats.wilcoxon(d, method="asymptotic")
        assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9)

    def test_wilcoxon_of_no_difference_is_p_one(self) -> None:
        """All differences zero: nothing to rank, p = 1 (scipy gives nan)."""
        assert wilcoxon_signed_rank([0.0, -0.0, 0.0]).p_value == 1.0

    @pytest.mark.parametrize(("seed", "n1", "n2", "decimals"), [
        (1, 8, 11, 2), (2, 30, 30, 0), (3, 200, 150, 1), (4, 1000, 900, 0),
    ])
    def test_mann_whitney_matches_scipy(self, seed: int, n1: int, n2: int,
                                        decimals: int) -> None:
        """U of x and the two-sided p equal scipy.stats.mannwhitneyu(method=asymptotic),
        ties and continuity correction included."""
        import scipy.stats
        rng = random.Random(seed)
        x = [round(rng.gauss(40, 6), decimals) for _ in range(n1)]
        y = [round(rng.gauss(41, 6), decimals) for _ in range(n2)]
        ours = mann_whitney_u(x, y)
        theirs = scipy.stats.mannwhitneyu(x, y, method="asymptotic")
        assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9)

    @pytest.mark.parametrize(("errors_a", "n_a", "errors_b", "n_b"), [
        (0, 10_000, 200, 10_000), (12, 5000, 15, 4800), (50, 100_000, 80, 90_000),
        (3, 40, 9, 35), (1, 1_000_000, 40, 1_000_000),
    ])
    def test_two_proportions_match_scipy(self, errors_a: int, n_a: int, errors_b: int,
                                         n_b: int) -> None:
        """The pooled z-test's p equals scipy's chi-square test of the 2x2 table without
        continuity correction (z squared is that chi-square), and z's sign says which rate
        is higher."""
        import scipy.stats
        ours = two_proportion_z(errors_a, n_a, errors_b, n_b)
        table = [[errors_a, n_a - errors_a], [errors_b, n_b - errors_b]]
        chi2, p, _, _ = scipy.stats.chi2_contingency(table, correction=False)
        assert ours.p_value == pytest.approx(p, rel=1e-8)
        assert ours.z ** 2 == pytest.approx(chi2, rel=1e-9)
        assert (ours.z > 0) == (errors_b / n_b > errors_a / n_a)
        assert ours.p_value == pytest.approx(2 * scipy.stats.norm.sf(abs(ours.z)), rel=1e-9)

    def test_two_proportions_with_no_errors_anywhere(self) -> None:
        """A pooled rate of 0 leaves nothing to compare: p = 1."""
        assert two_proportion_z(0, 100, 0, 100).p_value == 1.0


# -- known answers ------------------------------------------------------------------------------


def _load(minute: int, day: int) -> float:
    """A strong time-of-day curve over ``day`` periods: requests from ~20 to ~180."""
    return 100 + 80 * math.sin(2 * math.pi * minute / day)


def make_metrics(*, minutes: int = 360, latency_factor: float = 1.0,
                 shadow_5xx: float = 0.0, production_5xx: float = 0.0,
                 shadow_share: float = 1.0, shadow_offset: timedelta = timedelta(0),
                 sampling: int | None = 100, seed: int = 7,
                 instance_types: tuple[str, str] = ("ml.m5.xlarge", "ml.m5.xlarge"),
                 diurnal_latency: bool = False, day: int = 1440) -> ExperimentMetrics:
    """Both variants' one-minute series, as CloudWatch would give them: the shadow sees
    the same minutes' load; its latency is production's times ``latency_factor`` with its
    own noise; error counts are drawn at the given rates."""
    rng = random.Random(seed)
    times = [T0 + timedelta(minutes=i) for i in range(minutes)]
    sides: list[dict[str, MetricSeries]] = [{}, {}]
    loads = [_load(i, day) for i in range(minutes)]
    base = [(10 + 0.45 * load if diurnal_latency else 35.0) for load in loads]
    for k, (factor, rate5, share) in enumerate(((1.0, production_5xx, 1.0),
                                                (latency_factor, shadow_5xx, shadow_share))):
        ts = [t + shadow_offset for t in times] if k else times
        invocations = [float(round(load * share)) for load in loads]
        served = [(t, n) for t, n in zip(ts, invocations, strict=True) if n > 0]
        stamps = [t for t, _ in served]
        noise = 0.03 if diurnal_latency else 0.08
        latency = [b * factor * (1 + rng.gauss(0, noise))
                   for b, n in zip(base, invocations, strict=True) if n > 0]
        errors5 = [float(sum(rng.random() < rate5 for _ in range(int(n)))) for _, n in served]

        def series(metric: str, statistic: str, unit: str, values: list[float],
                   stamps: list[datetime] = stamps) -> MetricSeries:
            return MetricSeries(metric=metric, statistic=statistic, unit=unit,
                                timestamps=stamps, values=values)

        side = sides[k]
        side["Invocations"] = series("Invocations", "Sum", "Count", [n for _, n in served])
        side["ModelLatency"] = series("ModelLatency", "Average", "Milliseconds", latency)
        side["OverheadLatency"] = series("OverheadLatency", "Average", "Milliseconds",
                                         [2 + rng.random() for _ in served])
        side["Invocation5XXErrors"] = series("Invocation5XXErrors", "Average", "Ratio",
                                             [e / n for e, (_, n) in zip(errors5, served,
                                                                          strict=True)])
        side["Invocation5XXErrors:Sum"] = series("Invocation5XXErrors", "Sum", "Count",
                                                 errors5)
        for metric in ("Invocation4XXErrors", "InvocationModelErrors"):
            side[metric] = series(metric, "Average", "Ratio", [0.0] * len(served))
            side[f"{metric}:Sum"] = series(metric, "Sum", "Count", [0.0] * len(served))
        for metric in ("CPUUtilization", "MemoryUtilization"):
            side[metric] = series(metric, "Average", "Percent",
                                  [round(rng.uniform(30, 40), 1) for _ in served])
    return ExperimentMetrics(
        name="churn-shadow", window=(T0, T0 + timedelta(minutes=minutes)), period=60,
        production_variant="production", shadow_variant="shadow",
        production=sides[0], shadow=sides[1], sampling_percentage=sampling,
        production_instance_type=instance_types[0], shadow_instance_type=instance_types[1])


class TestKnownAnswers:
    """The cases the issue spells out, each with the answer a reviewer would give."""

    def test_identical_distributions_pass(self) -> None:
        """The same model on both variants: PASS, score 100, no reasons."""
        judgement = judge(make_metrics())
        assert judgement.verdict is Verdict.PASS
        assert judgement.score == 100.0
        assert judgement.reasons == ()
        assert {m.outcome for m in judgement.metrics.values()} == {"pass"}

    def test_latency_up_30_percent_fails_with_the_latency_reason(self) -> None:
        """+30 % ModelLatency breaks a critical gate: FAIL, one reason in plain words with
        the estimate, its interval and the tolerance."""
        judgement = judge(make_metrics(latency_factor=1.3))
        latency = judgement.metrics["ModelLatency"]
        assert judgement.verdict is Verdict.FAIL
        assert latency.outcome == "high"
        assert latency.relative_change == pytest.approx(0.30, abs=0.03)
        assert latency.interval is not None
        assert 0.10 < latency.interval[0] < 0.30 < latency.interval[1]
        assert latency.p_value is not None
        assert latency.p_value < 1e-10
        (reason,) = judgement.reasons
        assert reason.startswith("shadow ModelLatency mean ")
        assert " ms vs " in reason
        assert "(98 % interval +" in reason
        assert reason.endswith("past the tolerance +10 % (critical)")

    def test_latency_up_3_percent_passes_though_significant(self) -> None:
        """+3 % over a day of traffic is shown (its interval excludes 0) but shown within
        the +10 % tolerance too: PASS."""
        judgement = judge(make_metrics(latency_factor=1.03, minutes=1440))
        latency = judgement.metrics["ModelLatency"]
        assert latency.p_value is not None
        assert latency.p_value < 0.02
        assert latency.interval is not None
        assert 0 < latency.interval[0] < 0.03 < latency.interval[1] < 0.10
        assert latency.outcome == "pass"
        assert judgement.verdict is Verdict.PASS

    def test_5xx_rate_0_vs_2_percent_fails_as_critical(self) -> None:
        """The shadow fails 2 % of requests with 5XX where production fails none: FAIL."""
        judgement = judge(make_metrics(shadow_5xx=0.02))
        errors = judgement.metrics["Invocation5XXErrors"]
        assert judgement.verdict is Verdict.FAIL
        assert errors.outcome == "high"
        assert errors.production.mean == 0.0
        assert errors.shadow.mean == pytest.approx(0.02, abs=0.004)
        assert errors.change == pytest.approx(2.0, abs=0.4)  # percentage points
        assert any(r.startswith("shadow Invocation5XXErrors rate ") and "(critical)" in r
                   for r in judgement.reasons)

    def test_small_error_difference_within_tolerance_passes(self) -> None:
        """0.02 % vs 0.05 %: below the 0.1 pp tolerance, whatever its p-value."""
        judgement = judge(make_metrics(production_5xx=0.0002, shadow_5xx=0.0005))
        assert judgement.metrics["Invocation5XXErrors"].outcome == "pass"

    def test_shadow_with_no_traffic_is_no_data(self) -> None:
        """The shadow served nothing: NO_DATA, with the gates' no-data reasons."""
        judgement = judge(make_metrics(shadow_share=0.0))
        assert judgement.verdict is Verdict.NO_DATA
        assert judgement.metrics["ModelLatency"].outcome == "no_data"
        assert any("ModelLatency: no data (production 360 periods with traffic, shadow 0"
                   in r for r in judgement.reasons)

    def test_pairing_sees_5_percent_an_unpaired_test_misses(self) -> None:
        """Both variants follow one strong time-of-day curve: the paired, request-weighted
        contrast shows a +5 % latency shift past a 2 % tolerance that the Mann-Whitney
        test (Kayenta's) cannot see at all."""
        import scipy.stats
        data = make_metrics(minutes=300, day=300, latency_factor=1.05, diurnal_latency=True)
        policy = Policy(gates=[Gate(metric="ModelLatency", tolerance=2, critical=True)])
        latency = judge(data, policy).metrics["ModelLatency"]
        assert latency.outcome == "high"
        assert latency.p_value is not None
        assert latency.p_value < 1e-10
        assert latency.relative_change == pytest.approx(0.05, abs=0.01)
        production, shadow = data.production["ModelLatency"], data.shadow["ModelLatency"]
        unpaired = scipy.stats.mannwhitneyu(shadow.values, production.values,
                                            method="asymptotic")
        assert unpaired.pvalue > 0.02  # scipy as the oracle: the unpaired test misses it
        assert mann_whitney_u(shadow.values, production.values).p_value == pytest.approx(
            unpaired.pvalue, rel=1e-9)

    def test_periods_that_cannot_be_paired_have_no_data(self) -> None:
        """Shadow periods 30 s off production's: nothing pairs, so the latency gates have
        no data and say why (CloudWatch gives both variants the same periods)."""
        judgement = judge(make_metrics(latency_factor=1.3, shadow_offset=timedelta(seconds=30)))
        latency = judgement.metrics["ModelLatency"]
        assert latency.outcome == "no_data"
        assert latency.note is not None
        assert "timestamps differ" in latency.note
        assert any("ModelLatency: no data (no period had both" in r for r in judgement.reasons)

    def test_cpu_is_not_compared_across_instance_types(self) -> None:
        """CPU utilisation is summed over cores: different instance types are not compared,
        and a reason says so; the gate does not count toward the score."""
        judgement = judge(make_metrics(instance_types=("ml.m5.xlarge", "ml.c5.2xlarge")))
        cpu = judgement.metrics["CPUUtilization"]
        assert cpu.outcome == "no_data"
        assert not cpu.compared
        assert any(r.startswith("CPUUtilization not compared: production runs ml.m5.xlarge")
                   for r in judgement.reasons)
        assert judgement.verdict is Verdict.PASS

    def test_shadow_under_half_its_sampled_share_is_at_best_marginal(self) -> None:
        """Sampling 100 % but the shadow saw 30 % of production's requests: a reason, and
        the verdict cannot be PASS."""
        judgement = judge(make_metrics(shadow_share=0.3))
        assert judgement.verdict is Verdict.MARGINAL
        assert any(r.startswith("shadow received ") and "sampling 100 %" in r
                   for r in judgement.reasons)

    def test_a_failing_non_critical_gate_lowers_the_score(self) -> None:
        """One of two equally weighted gates fails, not critical: score 50, FAIL (< 75)."""
        data = make_metrics(latency_factor=1.3)
        policy = Policy(gates=[Gate(metric="ModelLatency", tolerance=10),
                               Gate(metric="MemoryUtilization", tolerance=20)])
        judgement = judge(data, policy)
        assert judgement.score == 50.0
        assert judgement.verdict is Verdict.FAIL
        marginal = judge(data, attrs.evolve(policy, marginal_score=50.0))
        assert marginal.verdict is Verdict.MARGINAL

    def test_judge_refuses_what_is_not_metrics(self) -> None:
        """A clear error for a wrong argument, naming it."""
        with pytest.raises(ConfigValidationError, match="metrics: got dict"):
            judge({})  # type: ignore[arg-type]


class TestPolicy:
    """Policy and Gate validate like the configs and read/write plain data."""

    def test_default_is_the_documented_table(self) -> None:
        """The documented default gates, spelled out."""
        table = {(g.metric, g.tolerance, g.change, g.direction, g.critical)
                 for g in Policy.default().gates}
        assert table == {
            ("ModelLatency", 10, "relative", "increase", True),
            ("OverheadLatency", 20, "relative", "increase", False),
            ("Invocation5XXErrors", 0.1, "absolute", "increase", True),
            ("InvocationModelErrors", 0.1, "absolute", "increase", True),
            ("Invocation4XXErrors", 0.5, "absolute", "increase", False),
            ("CPUUtilization", 20, "relative", "increase", False),
            ("MemoryUtilization", 20, "relative", "increase", False),
        }
        policy = Policy.default()
        assert (policy.confidence, policy.min_periods, policy.pass_score,
                policy.marginal_score) == (0.98, 10, 95.0, 75.0)

    @pytest.mark.parametrize(("make", "path"), [
        (lambda: Gate(metric="ModelLatency", tolerance=-5), "tolerance"),
        (lambda: Gate(metric="ModelLatncy", tolerance=5), "metric"),
        (lambda: Gate(metric="ModelLatency", tolerance=5, weight=0), "weight"),
        (lambda: Gate(metric="ModelLatency", tolerance=5, direction="up"),  # type: ignore[arg-type]
         "direction"),
        (lambda: Policy(confidence=2), "confidence"),
        (lambda: Policy(min_periods=1), "min_periods"),
        (lambda: Policy(pass_score=70), "marginal_score"),
        (lambda: Policy(gates=[]), "gates"),
        (lambda: Policy(gates=[Gate(metric="ModelLatency", tolerance=1)] * 2),
         "gates[1].metric"),
    ])
    def test_bad_values_are_config_errors_naming_the_field(self, make: Callable[[], object],
                                                           path: str) -> None:
        """A tolerance of -5, a confidence of 2, an unknown metric...: ConfigValidationError
        with the field's path."""
        with pytest.raises(ConfigValidationError) as caught:
            make()
        assert path in [problem.path for problem in caught.value.errors]

    def test_unknown_metric_suggests_the_close_name(self) -> None:
        """A typo gets a suggestion."""
        with pytest.raises(ConfigValidationError, match="did you mean 'ModelLatency'"):
            Gate(metric="ModelLatncy", tolerance=5)

    def test_dict_round_trip(self) -> None:
        """to_dict() is JSON-safe and from_dict() reads it back to an equal policy."""
        import json

        policy = attrs.evolve(Policy.default(), confidence=0.95, min_periods=20)
        assert Policy.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy

    def test_from_dict_defaults_and_unknown_keys(self) -> None:
        """Keys left out take defaults; unknown keys are errors naming them, gates too."""
        assert Policy.from_dict({}) == Policy.default()
        with pytest.raises(ConfigValidationError) as caught:
            Policy.from_dict({"confidense": 0.9,
                              "gates": [{"metric": "ModelLatency", "tolerance": -1,
                                         "critcal": True}, {"tolerance": 1}]})
        paths = {problem.path for problem in caught.value.errors}
        assert paths == {"confidense", "gates[0].critcal", "gates[0].tolerance",
                         "gates[1].metric"}


class TestShowing:
    """A judgement as text, HTML and a figure."""

    def test_text_table(self) -> None:
        """str() gives the verdict, an aligned table with each gate's interval and
        tolerance, and the reasons."""
        text = str(judge(make_metrics(latency_factor=1.3)))
        lines = text.splitlines()
        assert lines[0] == "Judgement of 'churn-shadow': FAIL (score 85.7/100)"
        header = next(line for line in lines if line.lstrip().startswith("metric"))
        assert header.split() == ["metric", "production", "shadow", "change", "98", "%",
                                  "interval", "tolerance", "p", "outcome"]
        row = next(line for line in lines if line.lstrip().startswith("ModelLatency"))
        assert row.index("ms") > 0
        assert " +10 % " in row
        assert row.endswith("high (critical)")
        error_row = next(line for line in lines
                         if line.lstrip().startswith("Invocation5XXErrors"))
        assert " pp " in error_row
        assert " +0.1 pp " in error_row
        assert lines[-1].startswith("  - shadow ModelLatency mean")
        widths = {len(line) for line in lines if line.lstrip().startswith("-----")}
        assert len(widths) == 1

    def test_html_escapes_and_has_a_table(self) -> None:
        """_repr_html_ renders a table, and text reaching HTML is escaped."""
        judgement = attrs.evolve(judge(make_metrics()), name="<b>x</b>")
        html = judgement._repr_html_()
        assert "<table>" in html
        assert "<th>outcome</th>" in html
        assert "&lt;b&gt;x&lt;/b&gt;" in html
        assert "<b>x</b>" not in html

    def test_repr_is_one_line_and_pretty_is_the_table(self) -> None:
        """repr() stays a repr; IPython's pretty printer shows the table."""
        judgement = judge(make_metrics())
        assert repr(judgement).startswith("Judgement(verdict=<Verdict.PASS: 'PASS'>")

        class Printer:
            text = ""

            def text_(self, value: str) -> None:
                self.text += value

        printer = Printer()
        printer.text = ""
        judgement._repr_pretty_(type("P", (), {"text": printer.text_})(), False)
        assert printer.text == str(judgement)

    def test_to_dict_is_strict_json(self) -> None:
        """to_dict() passes json.dumps(allow_nan=False), with every gate's figures."""
        import json

        judgement = judge(make_metrics(shadow_5xx=0.02))
        data = json.loads(json.dumps(judgement.to_dict(), allow_nan=False))
        assert data["verdict"] == "FAIL"
        errors = data["metrics"]["Invocation5XXErrors"]
        assert errors["outcome"] == "high"
        assert errors["change_unit"] == "pp"
        assert errors["relative_change"] is None  # production had no errors: infinite
        assert errors["production"]["mean"] == 0.0
        assert data["window"][0] == "2026-11-01T00:00:00+00:00"
        assert Policy.from_dict(data["policy"]) == Policy.default()

    def test_plot_draws_each_interval_against_its_tolerance(self) -> None:
        """One axes per gate: the interval as a bar, the estimate as a dot, the tolerance
        as a dashed line, no change as a thin one; the title names the outcome."""
        import matplotlib

        matplotlib.use("Agg")
        judgement = judge(make_metrics(minutes=120, latency_factor=1.3))
        figure = judgement.plot(["ModelLatency", "Invocation5XXErrors"])
        axes = figure.get_axes()
        assert len(axes) == 2
        latency = judgement.metrics["ModelLatency"]
        assert latency.interval is not None
        (bar,) = axes[0].patches
        x, _, width, _ = bar.get_window_extent().transformed(
            axes[0].transData.inverted()).bounds
        assert x == pytest.approx(100 * latency.interval[0])
        assert width == pytest.approx(100 * (latency.interval[1] - latency.interval[0]))
        tolerance, zero, dot = axes[0].get_lines()
        assert np.asarray(tolerance.get_xdata()).tolist() == [10.0, 10.0]
        assert tolerance.get_linestyle() == "--"
        assert np.asarray(zero.get_xdata()).tolist() == [0.0, 0.0]
        assert np.asarray(dot.get_xdata())[0] == pytest.approx(latency.change)
        assert axes[0].get_title(loc="left") == "ModelLatency — high (tolerance +10 %)"

    def test_plot_series_draws_both_variants_per_metric(self) -> None:
        """plot_series(): one axes per gate metric, each with the production and the shadow
        line."""
        import matplotlib

        matplotlib.use("Agg")
        judgement = judge(make_metrics(minutes=60))
        figure = judgement.plot_series(["ModelLatency", "Invocation5XXErrors"])
        axes = figure.get_axes()
        assert len(axes) == 2
        assert [len(ax.get_lines()) for ax in axes] == [2, 2]
        assert axes[0].get_title(loc="left") == "ModelLatency — pass"

    def test_plot_without_matplotlib_names_the_extra(self,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        """No matplotlib: an ImportError saying which extra to install."""
        monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
        with pytest.raises(ImportError, match=r"pip install 'shadowtest\[plot\]'"):
            judge(make_metrics(minutes=30)).plot()


def test_judgement_is_pure() -> None:
    """The same metrics give an equal judgement (no clock, no randomness)."""
    data = make_metrics(latency_factor=1.1)
    first, second = judge(data), judge(data)
    assert isinstance(first, Judgement)
    assert (first.verdict, first.score, first.reasons) == (second.verdict, second.score,
                                                           second.reasons)
    assert dict(first.metrics) == dict(second.metrics)


def test_the_judge_function_stays_a_function() -> None:
    """``shadowtest.judge`` is the function even after the module that defines it has
    been imported (a submodule of the same name would replace it on the package)."""
    import importlib

    import shadowtest

    importlib.import_module("shadowtest.judgement")
    assert shadowtest.judge is judge
    from shadowtest import judge as imported

    assert callable(imported)
    assert imported is judge


def test_a_judgement_survives_pickling() -> None:
    """A judgement (with the series it was made from) pickles, so PromotionBlockedError
    crosses process boundaries with it."""
    import pickle

    judgement = judge(make_metrics(minutes=30, latency_factor=1.3))
    copy = pickle.loads(pickle.dumps(judgement))
    assert copy == judgement
    assert copy.data is not None
    assert dict(copy.data.shadow) == dict(judgement.data.shadow)  # type: ignore[union-attr]


# -- the anytime-valid rule ---------------------------------------------------------------------


def request_metrics(*, seed: int, minutes: int, rate: float, sampling: float = 1.0,
                    factor: Callable[[int], float] | float = 1.0, sigma: float = 0.5,
                    load: Callable[[np.ndarray], np.ndarray] | None = None,
                    percentiles: bool = False) -> ExperimentMetrics:
    """One-minute series built from individual requests: production's requests are Poisson
    around ``rate`` (or ``load(minute)``), the shadow gets each with probability
    ``sampling``; each request's latency is lognormal (``sigma``) around 35 ms, times
    ``factor`` (or ``factor(minute)``) on the shadow. CloudWatch's Average (and, with
    ``percentiles``, numpy's p90/p99) of each minute; no errors."""
    rng = np.random.default_rng(seed)
    t = np.arange(minutes)
    expected = load(t) if load is not None else np.full(minutes, rate)
    n_p = rng.poisson(expected)
    n_s = rng.binomial(n_p, sampling)
    factors = (np.array([factor(int(m)) for m in t]) if callable(factor)
               else np.full(minutes, factor))
    times = [T0 + timedelta(minutes=int(m)) for m in t]
    sides: list[dict[str, MetricSeries]] = []
    for n, scale in ((n_p, np.ones(minutes)), (n_s, factors)):
        served = np.nonzero(n > 0)[0]
        stamps = [times[m] for m in served]
        draws = rng.lognormal(np.repeat(np.log(35.0 * scale), n), sigma)
        per_minute = np.split(draws, np.cumsum(n)[:-1])
        side = {"Invocations": MetricSeries(metric="Invocations", statistic="Sum", unit="Count",
                                            timestamps=stamps,
                                            values=[float(n[m]) for m in served]),
                "ModelLatency": MetricSeries(metric="ModelLatency", statistic="Average",
                                             unit="Milliseconds", timestamps=stamps,
                                             values=[float(per_minute[m].mean())
                                                     for m in served])}
        if percentiles:
            for q in (90, 99):
                side[f"ModelLatency:p{q}"] = MetricSeries(
                    metric="ModelLatency", statistic=f"p{q}", unit="Milliseconds",
                    timestamps=stamps,
                    values=[float(np.percentile(per_minute[m], q)) for m in served])
        for metric in ("Invocation5XXErrors", "InvocationModelErrors", "Invocation4XXErrors"):
            side[f"{metric}:Sum"] = MetricSeries(metric=metric, statistic="Sum", unit="Count",
                                                 timestamps=stamps, values=[0.0] * len(stamps))
        sides.append(side)
    return ExperimentMetrics(name="churn-shadow", window=(T0, T0 + timedelta(minutes=minutes)),
                             period=60, production_variant="production",
                             shadow_variant="shadow", production=sides[0], shadow=sides[1],
                             sampling_percentage=round(sampling * 100))


def first_minutes(data: ExperimentMetrics, minutes: int) -> ExperimentMetrics:
    """``data`` as a look after ``minutes`` minutes would have seen it."""
    end = T0 + timedelta(minutes=minutes)

    def cut(s: MetricSeries) -> MetricSeries:
        keep = [i for i, t in enumerate(s.timestamps) if t < end]
        return attrs.evolve(s, timestamps=[s.timestamps[i] for i in keep],
                            values=[s.values[i] for i in keep])

    return attrs.evolve(data, window=(T0, end),
                        production={k: cut(v) for k, v in data.production.items()},
                        shadow={k: cut(v) for k, v in data.shadow.items()})


LATENCY_ONLY = Policy(gates=[Gate(metric="ModelLatency", tolerance=10, critical=True)])


class TestAnytimeRule:
    """The decision rule of the third stage: PASS only when shown no worse than the
    tolerance, at every look."""

    def test_a_regression_at_peak_only_is_read_as_the_average_request_sees_it(self) -> None:
        """The shadow is 40 % slower only in peak minutes (150 requests, against 50 off
        peak; 9 of every 32 minutes), which carry 54 % of the requests: the average
        request sees +21.6 % (0.4 x 0.54), and so does the judge, within 3 pp, while the
        median per-minute ratio (today's measure) sees ~0."""
        def peak(minute: int) -> bool:
            return minute % 32 < 9

        data = request_metrics(seed=1, minutes=1440, rate=0.0,
                               load=lambda t: np.where(t % 32 < 9, 150.0, 50.0),
                               factor=lambda m: 1.4 if peak(m) else 1.0, sigma=0.3)
        latency = judge(data, LATENCY_ONLY).metrics["ModelLatency"]
        truth = 0.4 * (9 * 150) / (9 * 150 + 23 * 50)
        assert truth == pytest.approx(0.216)
        assert latency.change == pytest.approx(100 * truth, abs=3.0)
        assert latency.interval is not None
        assert latency.interval[0] < truth < latency.interval[1]
        assert latency.outcome == "high"
        ratios = [s / p for s, p in zip(data.shadow["ModelLatency"].values,
                                        data.production["ModelLatency"].values, strict=True)]
        assert abs(statistics.median(ratios) - 1) < 0.05  # what the median would say

    def test_0_vs_6_errors_in_600_requests_is_not_a_fail(self) -> None:
        """600 requests a side, 6 shadow 5XX errors and none in production (z-test p=0.014,
        exact 0.031): not a FAIL at confidence 0.98, and not a PASS either."""
        minutes = 60
        times = [T0 + timedelta(minutes=i) for i in range(minutes)]
        shadow_errors = [1.0 if i % 10 == 0 else 0.0 for i in range(minutes)]

        def side(errors: list[float]) -> dict[str, MetricSeries]:
            return {"Invocations": MetricSeries(metric="Invocations", statistic="Sum",
                                                unit="Count", timestamps=times,
                                                values=[10.0] * minutes),
                    "Invocation5XXErrors:Sum": MetricSeries(
                        metric="Invocation5XXErrors", statistic="Sum", unit="Count",
                        timestamps=times, values=errors)}

        data = ExperimentMetrics(name="e", window=(T0, times[-1]), period=60,
                                 production_variant="p", shadow_variant="s",
                                 production=side([0.0] * minutes), shadow=side(shadow_errors))
        policy = Policy(gates=[Gate(metric="Invocation5XXErrors", tolerance=0.1,
                                    critical=True)])
        errors = judge(data, policy).metrics["Invocation5XXErrors"]
        assert sum(shadow_errors) == 6
        assert errors.change == pytest.approx(1.0)  # 6/600 = 1 pp
        assert errors.outcome == "inconclusive"
        assert errors.p_value is not None
        assert errors.p_value > 0.02

    def test_plus_3_percent_with_a_huge_sample_passes(self) -> None:
        """+3 % at 1,000 requests a minute for a day: the interval sits inside the +10 %
        tolerance (and excludes 0): PASS."""
        data = request_metrics(seed=2, minutes=1440, rate=1000, factor=1.03)
        judgement = judge(data, LATENCY_ONLY)
        latency = judgement.metrics["ModelLatency"]
        assert latency.interval is not None
        assert 0 < latency.interval[0] < 0.03 < latency.interval[1] < 0.05
        assert judgement.verdict is Verdict.PASS

    def test_plus_15_percent_on_thin_traffic_never_passes(self) -> None:
        """A shadow 15 % slower (1.5x the tolerance) at 10 requests a minute sampled at 25 %:
        judged every 6 hours for two days in 3 experiments, never PASS (today's rule passed
        such a shadow at some look in 96 of 100 runs)."""
        verdicts = set()
        for seed in range(3):
            data = request_metrics(seed=seed, minutes=2880, rate=10, sampling=0.25,
                                   factor=1.15)
            for hours in range(6, 49, 6):
                verdicts.add(judge(first_minutes(data, 60 * hours), LATENCY_ONLY).verdict)
        assert Verdict.PASS not in verdicts
        assert Verdict.INCONCLUSIVE in verdicts

    def test_inconclusive_names_the_undecided_gates_and_the_time_left(self) -> None:
        """An hour at 20 requests a minute, nothing different: not enough to pass either
        way yet. INCONCLUSIVE, the gate named, and an estimate of how much longer."""
        data = request_metrics(seed=3, minutes=60, rate=20, sampling=0.25)
        judgement = judge(data, LATENCY_ONLY)
        assert judgement.verdict is Verdict.INCONCLUSIVE
        assert judgement.undecided == ("ModelLatency",)
        assert judgement.metrics["ModelLatency"].outcome == "inconclusive"
        assert judgement.time_to_decision is not None
        assert judgement.time_to_decision > timedelta(0)
        assert judgement.reasons[0].startswith("undecided: ModelLatency; about ")
        assert "more at the shadow's 5 requests/minute" in judgement.reasons[0]
        assert not judgement.allows(Verdict.PASS)
        assert not judgement.allows(Verdict.MARGINAL)
        later = judge(request_metrics(seed=3, minutes=60 * 24, rate=20, sampling=0.25),
                      LATENCY_ONLY)
        assert later.verdict is Verdict.PASS  # a day later it is decided...
        assert later.time_to_decision is None  # ...and nothing is left to estimate

    def test_sampling_alone_does_not_move_a_percentile(self) -> None:
        """The same model on both variants, the shadow sampling 25 % of 6,000 requests a
        minute: a per-minute p99 of 1,500 requests against one of 6,000, both large
        enough to be a p99; the change is ~0 and the p99 gate passes."""
        data = request_metrics(seed=4, minutes=45, rate=6000, sampling=0.25, percentiles=True)
        policy = Policy(gates=[Gate(metric="ModelLatency:p99", tolerance=10, critical=True)])
        p99 = judge(data, policy).metrics["ModelLatency:p99"]
        assert p99.outcome == "pass"
        assert p99.interval is not None
        assert p99.interval[0] < 0 < p99.interval[1]
        assert p99.change is not None
        assert abs(p99.change) < 2

    def test_a_percentile_of_a_few_requests_is_not_compared(self) -> None:
        """At 100 requests a minute sampled at 25 %, no minute has the 1,000 requests a side
        a p99 needs: no data, and the note says which period to fetch instead."""
        data = request_metrics(seed=5, minutes=60, rate=100, sampling=0.25, percentiles=True)
        policy = Policy(gates=[Gate(metric="ModelLatency:p99", tolerance=10, critical=True)])
        p99 = judge(data, policy).metrics["ModelLatency:p99"]
        assert p99.outcome == "no_data"
        assert p99.note is not None
        assert "at least 1,000 requests" in p99.note
        assert "fetch a longer period (period=3600" in p99.note


class _Fixed:
    """Evidence with a given interval and failure p-value, for the rule's own logic."""

    def __init__(self, low: float, high: float, p: float) -> None:
        self.low, self.high, self.p = low, high, p

    @property
    def estimate(self) -> float:
        return (self.low + self.high) / 2

    def interval(self, alpha: float) -> tuple[float, float]:
        return self.low, self.high

    def p_value(self, change: float) -> float:
        return self.p if change else 0.5

    def scaled(self, factor: float) -> _Fixed:
        return self


class TestAcrossGates:
    """PASS needs every critical gate; failures are held to the confidence across gates."""

    @staticmethod
    def decide(gates: list[Gate], evidence: list[_Fixed]) -> dict[str, str]:
        from shadowtest.judgement import GateData, SeriesSummary
        from shadowtest.judgement.rule import decide

        empty = SeriesSummary.empty("")
        inputs = {g.metric: GateData(evidence=e, production=empty, shadow=empty,
                                     have=(100, 100)) for g, e in zip(gates, evidence,
                                                                      strict=True)}
        result = decide(Policy(gates=gates), inputs, estimate_time=False)
        return {"verdict": result.verdict.value,
                **{m: j.outcome for m, j in result.metrics.items()}}

    def test_two_gates_past_their_tolerance_at_98_but_not_after_holm(self) -> None:
        """Two gates whose intervals lie past their tolerance, each with p = 0.015 against
        it: Holm needs 0.01 for the first of two, so neither fails yet."""
        gates = [Gate(metric="ModelLatency", tolerance=10, critical=True),
                 Gate(metric="OverheadLatency", tolerance=10, critical=True)]
        outcome = self.decide(gates, [_Fixed(0.12, 0.2, 0.015), _Fixed(0.12, 0.2, 0.015)])
        assert outcome == {"verdict": "INCONCLUSIVE", "ModelLatency": "inconclusive",
                           "OverheadLatency": "inconclusive"}

    def test_holm_steps_down(self) -> None:
        """p = 0.005 (<= 0.02/2) fails; then p = 0.015 (<= 0.02/1) fails too."""
        gates = [Gate(metric="ModelLatency", tolerance=10, critical=True),
                 Gate(metric="OverheadLatency", tolerance=10)]
        outcome = self.decide(gates, [_Fixed(0.12, 0.2, 0.005), _Fixed(0.12, 0.2, 0.015)])
        assert outcome == {"verdict": "FAIL", "ModelLatency": "high", "OverheadLatency": "high"}

    def test_pass_needs_every_critical_gate(self) -> None:
        """One critical gate passes, the other is undecided: INCONCLUSIVE; an undecided
        non-critical gate does not hold a PASS back (the score counts decided gates)."""
        gates = [Gate(metric="ModelLatency", tolerance=10, critical=True),
                 Gate(metric="OverheadLatency", tolerance=10, critical=True),
                 Gate(metric="MemoryUtilization", tolerance=10)]
        undecided = self.decide(gates, [_Fixed(-0.02, 0.05, 1), _Fixed(0.0, 0.15, 0.3),
                                        _Fixed(0.0, 0.15, 0.3)])
        assert undecided["verdict"] == "INCONCLUSIVE"
        decided = self.decide(gates, [_Fixed(-0.02, 0.05, 1), _Fixed(0.0, 0.09, 1),
                                      _Fixed(0.0, 0.15, 0.3)])
        assert decided == {"verdict": "PASS", "ModelLatency": "pass", "OverheadLatency": "pass",
                           "MemoryUtilization": "inconclusive"}

    def test_no_decided_gate_is_no_score_to_fail_on(self) -> None:
        """A policy without critical gates whose every gate is undecided: INCONCLUSIVE (no
        evidence either way), not a FAIL of a score over no decided gate."""
        gates = [Gate(metric="OverheadLatency", tolerance=10),
                 Gate(metric="MemoryUtilization", tolerance=10)]
        outcome = self.decide(gates, [_Fixed(0.0, 0.15, 0.3), _Fixed(0.05, 0.3, 0.5)])
        assert outcome == {"verdict": "INCONCLUSIVE", "OverheadLatency": "inconclusive",
                           "MemoryUtilization": "inconclusive"}
        one = self.decide(gates, [_Fixed(0.0, 0.05, 1), _Fixed(0.05, 0.3, 0.5)])
        assert one["verdict"] == "PASS"  # the decided gate scores 100

    def test_with_no_critical_gate_the_undecided_ones_are_named(self) -> None:
        from shadowtest.judgement import Judgement, MetricJudgement, SeriesSummary

        empty = SeriesSummary.empty("")
        gates = [Gate(metric="OverheadLatency", tolerance=10),
                 Gate(metric="MemoryUtilization", tolerance=10)]

        def judged(*outcomes: str) -> Judgement:
            metrics = {g.metric: MetricJudgement(metric=g.metric, gate=g, production=empty,
                                                 shadow=empty, outcome=o)  # type: ignore[arg-type]
                       for g, o in zip(gates, outcomes, strict=True)}
            return Judgement(verdict=Verdict.INCONCLUSIVE, score=0.0, metrics=metrics,
                             window=(T0, T0), reasons=(), policy=Policy(gates=gates),
                             name="x")

        assert judged("inconclusive", "inconclusive").undecided == (
            "OverheadLatency", "MemoryUtilization")
        assert judged("pass", "inconclusive").undecided == ()

    def test_a_decrease_gate_passes_above_minus_the_tolerance(self) -> None:
        """direction="decrease": the interval must lie above -tolerance; wholly below it
        (and significant) is "low"."""
        gates = [Gate(metric="ModelLatency", tolerance=10, critical=True, direction="decrease")]
        assert self.decide(gates, [_Fixed(-0.05, 0.3, 1)])["ModelLatency"] == "pass"
        assert self.decide(gates, [_Fixed(-0.3, -0.2, 0.001)])["ModelLatency"] == "low"


class _Predictions:
    """A stand-in prediction comparison: ``differ`` of ``pairs`` predictions differ."""

    def __init__(self, pairs: int, differ: int) -> None:
        self.pairs, self.differ = pairs, differ

    def gate_evidence(self, gate: Gate) -> object:
        from shadowtest.judgement import GateData, SeriesSummary, SingleRateEvidence

        if gate.metric != "PredictionAgreement":
            return None
        return GateData(evidence=SingleRateEvidence(x=self.differ, n=self.pairs,
                                                    resolution=gate.threshold),
                        production=SeriesSummary.empty("Ratio"),
                        shadow=SeriesSummary.empty("Ratio"), have=(self.pairs, self.pairs),
                        periods=self.pairs, test="disagreement rate")


class TestPredictionGates:
    """A prediction gate plugs into the same rule through judge(..., predictions=...)."""

    POLICY = Policy(gates=[Gate(metric="PredictionAgreement", tolerance=1, critical=True)])

    def test_a_shadow_disagreeing_on_10_percent_fails_a_1_pp_gate(self) -> None:
        judgement = judge(make_metrics(minutes=30), self.POLICY,
                          predictions=_Predictions(5000, 500))  # type: ignore[arg-type]
        assert judgement.metrics["PredictionAgreement"].outcome == "high"
        assert judgement.verdict is Verdict.FAIL

    def test_an_identical_shadow_passes(self) -> None:
        judgement = judge(make_metrics(minutes=30), self.POLICY,
                          predictions=_Predictions(5000, 0))  # type: ignore[arg-type]
        assert judgement.metrics["PredictionAgreement"].outcome == "pass"
        assert judgement.verdict is Verdict.PASS

    def test_without_predictions_the_gate_has_no_data(self) -> None:
        judgement = judge(make_metrics(minutes=30), self.POLICY)
        gate = judgement.metrics["PredictionAgreement"]
        assert gate.outcome == "no_data"
        assert gate.reason is not None
        assert "predictions=client.compare_predictions" in gate.reason


class TestBadInput:
    """Every bad input is a ConfigValidationError that names what is wrong."""

    @pytest.mark.parametrize(("key", "side", "value"), [
        ("Invocations", "shadow", math.inf), ("ModelLatency", "production", math.nan),
        ("Invocation5XXErrors:Sum", "shadow", -1.0), ("CPUUtilization", "shadow", math.inf)])
    def test_non_finite_or_negative_values_name_the_series_and_gates(
            self, key: str, side: str, value: float) -> None:
        """inf Invocations, a NaN latency, a negative count: refused before judging, with
        the series, the time and the gates that read it (MetricSeries refuses NaN and inf
        itself; judge still checks what reached it unchecked, as the watch's cut series)."""
        data = make_metrics(minutes=30)
        series = getattr(data, side)[key]
        bad = unchecked(MetricSeries, metric=series.metric, statistic=series.statistic,
                        unit=series.unit, timestamps=series.timestamps,
                        values=(*series.values[:5], value, *series.values[6:]))
        sides = {"production": data.production, "shadow": data.shadow}
        sides[side] = {**sides[side], key: bad}
        broken = attrs.evolve(data, production=sides["production"], shadow=sides["shadow"])
        with pytest.raises(ConfigValidationError) as caught:
            judge(broken)
        (problem,) = caught.value.errors
        assert problem.path == f"{side}[{key!r}]"
        assert f"got {value!r} at {series.timestamps[5].isoformat()}" in problem.message
        assert "read by gate" in problem.message

    def test_more_errors_than_requests_is_refused(self) -> None:
        data = make_metrics(minutes=30)
        series = data.shadow["Invocation5XXErrors:Sum"]
        bad = attrs.evolve(series, values=[1e6, *series.values[1:]])
        with pytest.raises(ConfigValidationError, match="more errors than requests"):
            judge(attrs.evolve(data, shadow={**data.shadow, "Invocation5XXErrors:Sum": bad}))

    def test_to_dict_is_strict_json_with_infinite_changes(self) -> None:
        """A relative error gate against a production rate of 0 has an infinite change:
        to_dict() and to_records() give None, never inf."""
        import json

        policy = Policy(gates=[Gate(metric="Invocation5XXErrors", tolerance="50 %",
                                    critical=True)])
        judgement = judge(make_metrics(shadow_5xx=0.02), policy)
        data = json.loads(json.dumps(judgement.to_dict(), allow_nan=False))
        assert data["metrics"]["Invocation5XXErrors"]["change"] is None
        json.dumps(judgement.to_records(), allow_nan=False)

    @pytest.mark.parametrize("timestamps", [None, 5, "2026-11-01"])
    def test_a_series_without_timestamps_is_refused(self, timestamps: object) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            MetricSeries(metric="ModelLatency", statistic="Average", unit="Milliseconds",
                         timestamps=timestamps, values=())  # type: ignore[arg-type]
        assert [p.path for p in caught.value.errors] == ["timestamps"]

    @pytest.mark.parametrize(("gate", "path", "words"), [
        (lambda: Gate(metric="Invocation5XXErrors", tolerance="5 ms"), "tolerance",
         "whose tolerance is in '%' (percent of production's value) or 'pp'"),
        (lambda: Gate(metric="ModelLatency", tolerance="0.1 pp"), "tolerance", "not 'pp'"),
        (lambda: Gate(metric="ModelLatency", tolerance="ten"), "tolerance",
         "write a number and its unit"),
        (lambda: Gate(metric="ModelLatency", tolerance="5 ms", change="relative"), "change",
         "the tolerance '5 ms' is absolute"),
        (lambda: Gate(metric="Invocation5XXErrors", tolerance=150), "tolerance",
         "a rate from 0 to 100 %"),
        (lambda: Gate(metric="Invocation5XXErrors:p99", tolerance=10), "metric",
         "Invocation5XXErrors has no p99 statistic"),
        (lambda: Gate(metric="ModelLatency:p95", tolerance=10), "metric",
         "fetches p50, p90, p99 of ModelLatency"),
        (lambda: Gate(metric="Invocations", tolerance=10), "metric", "a request count"),
        (lambda: Gate(metric="PredictionAgreement", tolerance="1 %"), "tolerance",
         "not '%'"),
    ])
    def test_a_tolerance_or_metric_the_gate_cannot_take(self, gate: Callable[[], Gate],
                                                        path: str, words: str) -> None:
        """A tolerance in the wrong unit, an impossible one, a percentile the metric does not
        have: an error on the gate's field saying what it takes."""
        with pytest.raises(ConfigValidationError) as caught:
            gate()
        (problem,) = caught.value.errors
        assert problem.path == path
        assert words in problem.message

    def test_a_tolerance_with_its_unit_sets_the_measure(self) -> None:
        """"10 %" is relative, "0.1 pp" and "5 ms" absolute; error gates default to pp."""
        assert Gate(metric="ModelLatency", tolerance="5 ms").change == "absolute"
        assert Gate(metric="ModelLatency", tolerance="10%").change == "relative"
        gate = Gate(metric="Invocation5XXErrors", tolerance="0.1 pp")
        assert (gate.change, gate.tolerance) == ("absolute", 0.1)
        assert Gate(metric="Invocation5XXErrors", tolerance=0.1) == gate


class TestRecords:
    """to_records(): a row per gate, plain values, for pandas.DataFrame."""

    def test_a_row_per_gate_with_plain_values(self) -> None:
        judgement = judge(make_metrics(latency_factor=1.3))
        rows = judgement.to_records()
        assert [row["metric"] for row in rows] == [g.metric for g in judgement.policy.gates]
        assert len({tuple(row) for row in rows}) == 1  # the same columns in every row
        for row in rows:
            assert all(isinstance(v, (str, int, float, bool, type(None)))
                       for v in row.values())
        latency = rows[0]
        assert (latency["outcome"], latency["unit"], latency["tolerance"]) == ("high", "%", 10.0)
        low, high, change = latency["low"], latency["high"], latency["change"]
        assert isinstance(low, float)
        assert isinstance(high, float)
        assert isinstance(change, float)
        assert low < change < high
        assert latency["verdict"] == "FAIL"

"""The judge: its statistics against scipy, the known answers of the issue, the policy rules,
and how a judgement shows itself. Every expected p-value comes from scipy, never from the
code under test."""

from __future__ import annotations

import math
import random
import sys
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import attrs
import pytest
import scipy.stats  # type: ignore[import-untyped]
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shadowtest import ConfigValidationError
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
        assume(len(set(x + y)) > 1)
        ours = mann_whitney_u([float(v) for v in x], [float(v) for v in y])
        theirs = scipy.stats.mannwhitneyu(x, y, method="asymptotic")
        assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-300)

    def test_wilcoxon_with_heavy_ties_matches_scipy(self) -> None:
        """Differences taking only a few values (rounded utilisation) still match."""
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
        """+30 % ModelLatency breaks a critical gate: FAIL, one reason in plain words."""
        judgement = judge(make_metrics(latency_factor=1.3))
        latency = judgement.metrics["ModelLatency"]
        assert judgement.verdict is Verdict.FAIL
        assert latency.outcome == "high"
        assert latency.test is not None
        assert latency.test.startswith("wilcoxon")
        assert latency.relative_change == pytest.approx(0.30, abs=0.03)
        assert latency.p_value is not None
        assert latency.p_value < 1e-10
        (reason,) = judgement.reasons
        assert reason.startswith("shadow ModelLatency median ")
        assert " ms vs " in reason
        assert "p<0.0001); tolerance +10 % (critical)" in reason

    def test_latency_up_3_percent_passes_though_significant(self) -> None:
        """+3 % is detected (p < 0.02) but within the +10 % tolerance: PASS."""
        judgement = judge(make_metrics(latency_factor=1.03, minutes=1440))
        latency = judgement.metrics["ModelLatency"]
        assert latency.p_value is not None
        assert latency.p_value < 0.02
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

    def test_paired_test_sees_5_percent_an_unpaired_test_misses(self) -> None:
        """Both variants follow one strong time-of-day curve: the per-period Wilcoxon test
        finds a +5 % latency shift that the Mann-Whitney test (Kayenta's) cannot."""
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

    def test_periods_that_cannot_be_paired_fall_back_to_mann_whitney(self) -> None:
        """Shadow periods 30 s off production's: nothing pairs, Mann-Whitney is used and
        the result says so."""
        judgement = judge(make_metrics(latency_factor=1.3, shadow_offset=timedelta(seconds=30)))
        latency = judgement.metrics["ModelLatency"]
        assert latency.test is not None
        assert latency.test.startswith("mann-whitney")
        assert latency.note is not None
        assert "Mann-Whitney" in latency.note
        assert latency.outcome == "high"
        assert "Mann-Whitney" in judgement.reasons[0]

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
        """str() gives the verdict, an aligned table and the reasons."""
        text = str(judge(make_metrics(latency_factor=1.3)))
        lines = text.splitlines()
        assert lines[0] == "Judgement of 'churn-shadow': FAIL (score 85.7/100)"
        header = next(line for line in lines if line.lstrip().startswith("metric"))
        assert header.split() == ["metric", "production", "shadow", "change", "p", "outcome"]
        row = next(line for line in lines if line.lstrip().startswith("ModelLatency"))
        assert row.index("ms") > 0
        assert row.endswith("high (critical)")
        assert lines[-1].startswith("  - shadow ModelLatency median")
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

    def test_plot_draws_both_variants_per_metric(self) -> None:
        """One axes per gate metric, each with the production and the shadow line."""
        import matplotlib

        matplotlib.use("Agg")
        judgement = judge(make_metrics(minutes=60))
        figure = judgement.plot(["ModelLatency", "Invocation5XXErrors"])
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

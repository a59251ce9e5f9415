"""What a prediction gate of the verdict reads from a comparison: per minute, pairs and
disagreements, the paired outcomes of labelled label pairs, and the sums of absolute
errors of labelled numbers. Expected answers are counted by hand from the inputs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from shadowtest import (
    ConfigValidationError,
    Gate,
    Policy,
    PredictionComparison,
    compare_captures,
    judge,
)

from .test_capture import line
from .test_judge import make_metrics

if TYPE_CHECKING:
    from shadowtest import MetricJudgement


def at(minute: int, second: int = 0) -> str:
    return f"2026-12-01T09:{minute:02d}:{second:02d}Z"


def test_a_shadow_disagreeing_on_one_request_in_ten() -> None:
    """300 requests over three minutes; the shadow answers another class on every tenth."""
    production = [line(f"r{i}", '"cat"', when=at(i // 100, i % 60)) for i in range(300)]
    shadow = [line(f"r{i}", '"dog"' if i % 10 == 0 else '"cat"', when=at(i // 100, i % 60))
              for i in range(300)]
    result = compare_captures(production, shadow)
    assert result.disagreements_count == 30
    assert [(p.start, p.pairs, p.disagreements) for p in result.periods] == [
        (datetime(2026, 12, 1, 9, m, tzinfo=timezone.utc), 100, 10) for m in range(3)]
    same = compare_captures(production, production)
    assert same.disagreements_count == 0


def test_numbers_agree_within_rounding() -> None:
    result = compare_captures([line("a", "0.5"), line("b", "0.5"), line("c", "[1.0, 2.0]")],
                              [line("a", "0.5000000001"), line("b", "0.501"),
                               line("c", "[1.0, 2.5]")])
    assert result.disagreements_count == 2  # b and c


def test_paired_outcomes_and_errors_for_labelled_pairs() -> None:
    truth = {"a": "cat", "b": "cat", "c": "dog", "d": "dog", "x": 1.0, "y": 2.0}
    production = [line("a", '"cat"'), line("b", '"dog"'), line("c", '"dog"'),
                  line("d", '"cat"'), line("x", "1.5"), line("y", "2.0")]
    shadow = [line("a", '"cat"'), line("b", '"cat"'), line("c", '"cat"'),
              line("d", '"cat"'), line("x", "1.0"), line("y", "3.0")]
    (period,) = compare_captures(production, shadow, labels=truth).periods
    assert (period.labelled, period.both_correct, period.production_only,
            period.shadow_only) == (4, 1, 1, 1)
    assert period.numeric_labelled == 2
    assert (period.error_production, period.error_shadow) == (0.5, 1.0)
    assert (period.error_production_squared, period.error_shadow_squared,
            period.error_cross) == pytest.approx((0.25, 1.0, 0.0))


class TestInTheVerdict:
    """A real comparison decides the prediction gates of judge(..., predictions=...)."""

    N = 5000

    def labels_comparison(self, *, wrong_every: int | None, labels: bool = False
                          ) -> PredictionComparison:
        """N label predictions over 50 minutes; the shadow answers the other class on
        every ``wrong_every``-th request; the truth is production's answer except on every
        fifth."""
        production, shadow, truth = [], [], {}
        for i in range(self.N):
            when = at(i // 100, i * 37 % 60)
            answer = "cat" if i % 3 else "dog"
            other = "dog" if answer == "cat" else "cat"
            production.append(line(f"r{i}", f'"{answer}"', when=when))
            flipped = wrong_every is not None and i % wrong_every == 0
            shadow.append(line(f"r{i}", f'"{other if flipped else answer}"', when=when))
            truth[f"r{i}"] = other if i % 5 == 1 else answer
        return compare_captures(production, shadow, labels=truth if labels else None)

    def judge(self, gate: Gate, comparison: PredictionComparison) -> MetricJudgement:
        judgement = judge(make_metrics(minutes=30), Policy(gates=[gate]),
                          predictions=comparison)
        return judgement.metrics[gate.metric]

    def test_agreement_10_percent_fails_a_1_pp_gate_and_identical_passes(self) -> None:
        gate = Gate(metric="PredictionAgreement", tolerance=1, critical=True)
        assert self.judge(gate, self.labels_comparison(wrong_every=10)).outcome == "high"
        assert self.judge(gate, self.labels_comparison(wrong_every=None)).outcome == "pass"

    def test_accuracy_is_paired_on_labelled_pairs(self) -> None:
        """Identical predictions: the paired difference is exactly 0, shown within 1 pp;
        a shadow wrong on one request in ten more is shown worse."""
        gate = Gate(metric="PredictionAccuracy", tolerance=1, critical=True)
        same = self.judge(gate, self.labels_comparison(wrong_every=None, labels=True))
        assert same.outcome == "pass"
        worse = self.judge(gate, self.labels_comparison(wrong_every=10, labels=True))
        assert worse.outcome == "low"

    def test_mean_absolute_error_relative_change(self) -> None:
        gate = Gate(metric="PredictionError", tolerance="10 %", critical=True)
        truth = {f"r{i}": float(i % 7) for i in range(2000)}

        def comparison(scale: float) -> PredictionComparison:
            production = [line(f"r{i}", json.dumps(i % 7 + 0.5), when=at(i // 100, i % 60))
                          for i in range(2000)]
            shadow = [line(f"r{i}", json.dumps(i % 7 + 0.5 * scale), when=at(i // 100, i % 60))
                      for i in range(2000)]
            return compare_captures(production, shadow, labels=truth)

        assert self.judge(gate, comparison(1.0)).outcome == "pass"
        assert self.judge(gate, comparison(2.0)).outcome == "high"

    def test_no_labelled_pairs_is_no_data(self) -> None:
        gate = Gate(metric="PredictionAccuracy", tolerance=1, critical=True)
        assert self.judge(gate, self.labels_comparison(wrong_every=None)).outcome == "no_data"


@pytest.mark.parametrize(("shadow_flips", "verdict"), [(True, "FAIL"), (False, "PASS")])
def test_evaluate_with_predictions_reads_the_captures(shadow_flips: bool, verdict: str) -> None:
    """client.evaluate(name, predictions=True) compares the captured predictions for the
    policy's prediction gates: a shadow answering another class on one request in ten
    fails a 1 pp agreement gate, an identical one passes."""
    import attrs

    from shadowtest import DataStorageConfig
    from shadowtest.testing import FakeSageMaker, sample_config

    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    fake = FakeSageMaker(now=start)
    fake.seed(attrs.evolve(sample_config(), data_storage_config=DataStorageConfig(
        destination="s3://captures/churn", json_content_types=["application/json"])))
    fake.advance(timedelta(hours=1))
    fake.capture_traffic("churn-shadow", [[i] for i in range(2000)],
                         production=lambda x: x[0] % 3,
                         shadow=lambda x: (x[0] + (x[0] % 10 == 0 and shadow_flips)) % 3,
                         start=start, sampling_percentage=100)
    policy = Policy(gates=[Gate(metric="PredictionAgreement", tolerance=1, critical=True)])
    judgement = fake.experiment_client().evaluate("churn-shadow", policy, predictions=True)
    assert judgement.verdict == verdict
    with pytest.raises(ConfigValidationError, match="predictions"):
        fake.experiment_client().evaluate("churn-shadow", policy, predictions="yes")  # type: ignore[arg-type]

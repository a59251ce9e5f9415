"""What a prediction gate of the verdict reads from a comparison: per minute, pairs and
disagreements, the paired outcomes of labelled label pairs, and the sums of absolute
errors of labelled numbers. Expected answers are counted by hand from the inputs."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shadowtest import compare_captures

from .test_capture import line


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

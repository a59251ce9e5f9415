"""Is the shadow good enough to promote? Judge it on CloudWatch metrics, then promote only
on a pass — offline.

A churn model's retrained successor runs as a shadow for twelve hours, with the full
share of production's traffic and the day's load curve. The in-memory FakeSageMaker plays
SageMaker and CloudWatch: it is fed both variants' traffic minute by minute, and
``GetMetricData`` answers from it as the service would. Then:

1. ``client.evaluate`` fetches both variants' metrics (one request) and judges them;
2. the judgement is printed as a table and drawn to a PNG (needs ``shadowtest[plot]``);
3. ``client.promote(require=Verdict.PASS)`` promotes the first shadow, which passes (its
   every critical gate is shown within tolerance, which a 0.1 % error rate takes hours of
   traffic to show), and refuses a second one, 25 % slower, raising
   ``PromotionBlockedError`` and sending nothing.

    python examples/judge_then_promote.py [--out judgement.png]

Against a real experiment, the same calls on ``ExperimentClient()`` do the same.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs

from shadowtest import (
    InferenceExperimentSchedule,
    PromotionBlockedError,
    ShadowModeConfig,
    Verdict,
)
from shadowtest.testing import FakeSageMaker, sample_config


def load(minute: int) -> float:
    """Requests per minute: from 60 at dawn to 180 at noon and back."""
    return 120 - 60 * math.cos(math.pi * minute / 360)


def run_shadow(name: str, shadow_latency_ms: float, start: datetime) -> FakeSageMaker:
    """A fake with experiment ``name`` Running for twelve hours of recorded traffic."""
    fake = FakeSageMaker(now=start)
    config = attrs.evolve(
        sample_config(name=name),
        schedule=InferenceExperimentSchedule.from_now(now=start),
        shadow_mode_config=ShadowModeConfig(source_model_variant_name="production",
                                            shadow_model_variant_name="shadow",
                                            sampling_percentage=100))
    fake.seed(config)
    fake.advance(timedelta(hours=12))
    fake.record_traffic(name, "production", minutes=720, invocations_per_minute=load,
                        latency_ms=35.0, error_rate=0.001, seed=1)
    fake.record_traffic(name, "shadow", minutes=720, invocations_per_minute=load,
                        latency_ms=shadow_latency_ms, error_rate=0.001, seed=2)
    return fake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="where to save the figure (default: a temporary directory)")
    args = parser.parse_args()
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="shadowtest-")) / "judgement.png"

    print("shadowtest: judge the shadow, then promote only on a pass (offline)")
    start = datetime(2026, 12, 1, 6, tzinfo=timezone.utc)

    fake = run_shadow("churn-shadow", 35.7, start)  # 2 % slower: within tolerance
    client = fake.experiment_client()
    judgement = client.evaluate("churn-shadow")
    print(judgement)
    try:
        import matplotlib

        matplotlib.use("Agg")
        judgement.plot(["ModelLatency", "Invocation5XXErrors", "CPUUtilization"]).savefig(
            out, dpi=80)
        print(f"figure saved to {out}")
    except ImportError as error:  # the plot extra is optional
        print(f"no figure: {error}")
    client.promote("churn-shadow", require=Verdict.PASS)
    print(f"promoted: experiment {fake.describe('churn-shadow')['Status']}")

    slow = run_shadow("churn-shadow-v3", 43.75, start)  # 25 % slower
    try:
        slow.experiment_client().promote("churn-shadow-v3", require=Verdict.PASS)
    except PromotionBlockedError as blocked:
        print(f"blocked: {blocked.judgement.verdict.value}; "
              f"{blocked.judgement.reasons[0]}")
        print(f"no stop request sent: experiment {slow.describe('churn-shadow-v3')['Status']}")


if __name__ == "__main__":
    main()

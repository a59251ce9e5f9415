"""Does the shadow predict like production? Compare two models from data capture, offline.

A churn classifier (production) and its retrained successor (shadow) answer the same
requests in a shadow test that captures data to S3. The in-memory FakeSageMaker plays
the endpoint: it runs each request through the two Python models and writes the capture
files exactly as SageMaker does. Then one call reads them back, pairs production's and
the shadow's answers by inference id, and scores both against the true labels:

    python examples/compare_models.py

Against a real experiment the last step is the same call on ``ExperimentClient()``.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timezone

import attrs

from shadowtest import DataStorageConfig, InferenceExperimentSchedule
from shadowtest.testing import FakeSageMaker, sample_config


def churn_v1(features: list[int]) -> list[float]:
    """Production: probabilities of [stays, churns] from tenure (months) and monthly spend."""
    tenure, spend = features
    p = 1 / (1 + math.exp(0.08 * tenure - 0.03 * spend))
    return [round(1 - p, 4), round(p, 4)]


def churn_v2(features: list[int]) -> list[float]:
    """Shadow: the retrained model weighs spend a little more."""
    tenure, spend = features
    p = 1 / (1 + math.exp(0.08 * tenure - 0.04 * spend + 0.5))
    return [round(1 - p, 4), round(p, 4)]


def main() -> None:
    print("shadowtest: compare two models' predictions from data capture (offline)")
    start = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    fake = FakeSageMaker(now=start)
    config = attrs.evolve(
        sample_config(),
        schedule=InferenceExperimentSchedule.from_now(now=start),
        data_storage_config=DataStorageConfig(destination="s3://ml-captures/churn",
                                              json_content_types=["application/json"]))
    fake.seed(config)

    rng = random.Random(7)
    customers = [[rng.randint(1, 72), rng.randint(20, 120)] for _ in range(600)]
    # what actually happened: churned (1) or stayed (0)
    truth = {f"churn-shadow-{i:06d}": int(rng.random() < churn_v2(c)[1] * 0.9 + 0.05)
             for i, c in enumerate(customers)}
    keys = fake.capture_traffic("churn-shadow", customers, production=churn_v1,
                                shadow=churn_v2, seed=7)
    print(f"captured {len(customers)} requests into {len(keys)} files under "
          f"s3://ml-captures/churn/churn/<variant>/yyyy/mm/dd/hh/ "
          f"(the shadow sees {config.shadow_mode_config.sampling_percentage}%)")

    client = fake.experiment_client()
    comparison = client.compare_predictions("churn-shadow", labels=truth)
    print()
    print(comparison)
    print()
    first = comparison.disagreements(1)[0]
    print(f"first disagreement: request {first.key} with features {first.production_input}: "
          f"production {first.production_output}, shadow {first.shadow_output}")


if __name__ == "__main__":
    main()

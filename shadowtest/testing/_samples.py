"""Ready-made valid objects for tests: change what a test is about, keep the rest valid."""

from __future__ import annotations

from typing import Any

import attrs

from shadowtest.config import (
    InferenceExperimentConfig,
    ModelVariantConfig,
    ShadowModeConfig,
)

__all__ = ["SAMPLE_ROLE_ARN", "sample_config"]

SAMPLE_ROLE_ARN = "arn:aws:iam::123456789012:role/SageMakerShadowTestRole"


def sample_config(**changes: Any) -> InferenceExperimentConfig:
    """A valid shadow test ("churn-shadow" on endpoint "churn": variants "production" and
    "shadow" on ml.m5.xlarge, 50 % sampling, no schedule), with ``changes`` applied through
    ``attrs.evolve`` (so they are validated too).

    >>> sample_config(name="other").name
    'other'
    """
    base = InferenceExperimentConfig(
        name="churn-shadow",
        endpoint_name="churn",
        role_arn=SAMPLE_ROLE_ARN,
        model_variants=[
            ModelVariantConfig(model_name="churn-v1", variant_name="production",
                               instance_type="ml.m5.xlarge"),
            ModelVariantConfig(model_name="churn-v2", variant_name="shadow",
                               instance_type="ml.m5.xlarge"),
        ],
        shadow_mode_config=ShadowModeConfig(source_model_variant_name="production",
                                            shadow_model_variant_name="shadow",
                                            sampling_percentage=50),
    )
    return attrs.evolve(base, **changes) if changes else base

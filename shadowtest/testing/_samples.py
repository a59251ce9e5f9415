"""Ready-made valid objects for tests: change what a test is about, keep the rest valid."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

import attrs

from shadowtest.config import (
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from typing_extensions import Unpack

__all__ = ["SAMPLE_ROLE_ARN", "ConfigChanges", "sample_config"]

SAMPLE_ROLE_ARN = "arn:aws:iam::123456789012:role/SageMakerShadowTestRole"


class ConfigChanges(TypedDict, total=False):
    """The fields of :class:`InferenceExperimentConfig` that :func:`sample_config` changes,
    typed as its constructor takes them (a misspelt field fails type checking)."""

    name: str
    endpoint_name: str
    role_arn: str
    model_variants: Iterable[ModelVariantConfig]
    shadow_mode_config: ShadowModeConfig
    schedule: InferenceExperimentSchedule | None
    description: str | None
    data_storage_config: DataStorageConfig | None
    kms_key: str | None
    tags: Mapping[str, str] | None


def sample_config(**changes: Unpack[ConfigChanges]) -> InferenceExperimentConfig:
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

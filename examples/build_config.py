"""Build a shadow-test config, see its boto3 request, and see every mistake at once.

    python examples/build_config.py

Needs nothing but shadowtest: no AWS account, no network, and boto3 is not even
imported.
"""

from __future__ import annotations

import pprint
from datetime import datetime, timedelta, timezone

from shadowtest import (
    ConfigValidationError,
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)

config = InferenceExperimentConfig(
    name="churn-shadow",
    endpoint_name="churn",
    role_arn="arn:aws:iam::123456789012:role/ShadowTestRole",
    model_variants=[
        ModelVariantConfig(model_name="churn-v1", variant_name="production",
                           instance_type="ml.m5.xlarge"),
        ModelVariantConfig(model_name="churn-v2", variant_name="shadow",
                           instance_type="ml.m5.xlarge"),
    ],
    shadow_mode_config=ShadowModeConfig(source_model_variant_name="production",
                                        shadow_model_variant_name="shadow",
                                        sampling_percentage=25),
    schedule=InferenceExperimentSchedule.starting_at(
        datetime(2026, 12, 1, 9, tzinfo=timezone.utc), timedelta(days=14)),
    data_storage_config=DataStorageConfig(destination="s3://ml-captures/churn",
                                          json_content_types=["application/json"]),
    tags={"team": "growth"},
)
print("create_inference_experiment(**config.to_boto3()) sends:")
pprint.pprint(config.to_boto3(), sort_dicts=False)

try:
    ShadowModeConfig(source_model_variant_name="production",
                     shadow_model_variant_name="production", sampling_percentage=150)
except ConfigValidationError as error:
    print(f"\n{error}")

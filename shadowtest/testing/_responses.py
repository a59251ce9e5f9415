"""The one builder of DescribeInferenceExperiment responses, for the Stubber helper
(:func:`~shadowtest.testing.describe_response`) and :class:`~shadowtest.testing.FakeSageMaker`
alike, so both answer in the same shape."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

__all__ = ["build_describe", "experiment_arn"]


def experiment_arn(name: str, region: str = "us-east-1", account_id: str = "123456789012") -> str:
    """The ARN SageMaker gives the inference experiment ``name``."""
    return f"arn:aws:sagemaker:{region}:{account_id}:inference-experiment/{name}"


def build_describe(
    request: Mapping[str, Any],
    *,
    arn: str,
    status: str,
    start: datetime,
    end: datetime,
    created: datetime,
    modified: datetime,
    variant_statuses: Mapping[str, str],
    completed: datetime | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """A describe response for the experiment created by ``request`` (the create call's
    parameters, as botocore sends them), now in ``status`` with the given schedule and
    times; each variant's status is ``variant_statuses[variant name]``. Values are copies:
    changing the response changes nothing else."""
    endpoint = request["EndpointName"]
    out: dict[str, Any] = {
        "Arn": arn, "Name": request["Name"], "Type": request.get("Type", "ShadowMode"),
        "Schedule": {"StartTime": start, "EndTime": end},
        "Status": status,
        "CreationTime": created, "LastModifiedTime": modified,
        "RoleArn": request["RoleArn"],
        "EndpointMetadata": {"EndpointName": endpoint,
                             "EndpointConfigName": f"{endpoint}-config",
                             "EndpointStatus": "InService"},
        "ModelVariants": [{**copy.deepcopy(variant),
                           "Status": variant_statuses[variant["VariantName"]]}
                          for variant in request["ModelVariants"]],
        "ShadowModeConfig": copy.deepcopy(request["ShadowModeConfig"]),
    }
    optional = {"StatusReason": reason, "Description": request.get("Description"),
                "CompletionTime": completed, "KmsKey": request.get("KmsKey"),
                "DataStorageConfig": copy.deepcopy(request.get("DataStorageConfig"))}
    out.update((key, value) for key, value in optional.items() if value is not None)
    return out

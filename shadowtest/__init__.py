"""shadowtest: a typed Python SDK for Amazon SageMaker shadow tests.

Build a shadow test from small immutable config objects that cannot hold an
invalid value; :class:`ExperimentClient` turns them into boto3 calls and refuses
anything the service would refuse before a request leaves the machine.

``import shadowtest`` does not import boto3: it is imported when a client is
first needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shadowtest.client import ExperimentClient
from shadowtest.config import (
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest.errors import (
    ConfigValidationError,
    ExperimentAlreadyExistsError,
    ExperimentConflictError,
    ExperimentNotFoundError,
    InvalidStatusError,
    Problem,
    ResourceLimitExceededError,
    ServiceError,
    ShadowTestError,
    UnexpectedStatusError,
    UpdateNotAllowedError,
    WaitTimeoutError,
)
from shadowtest.experiment import (
    EndpointMetadata,
    InferenceExperiment,
    InferenceExperimentSummary,
    ModelVariantSummary,
)
from shadowtest.status import (
    EndpointStatus,
    ExperimentStatus,
    ModelVariantStatus,
    UpdateField,
    UpdatePlan,
    VariantAction,
    plan_update,
)

__all__ = [
    "ConfigValidationError",
    "DataStorageConfig",
    "EndpointMetadata",
    "EndpointStatus",
    "ExperimentAlreadyExistsError",
    "ExperimentClient",
    "ExperimentConflictError",
    "ExperimentNotFoundError",
    "ExperimentStatus",
    "InferenceExperiment",
    "InferenceExperimentConfig",
    "InferenceExperimentSchedule",
    "InferenceExperimentSummary",
    "InvalidStatusError",
    "ModelVariantConfig",
    "ModelVariantStatus",
    "ModelVariantSummary",
    "Problem",
    "ResourceLimitExceededError",
    "ServiceError",
    "ShadowModeConfig",
    "ShadowTestError",
    "UnexpectedStatusError",
    "UpdateField",
    "UpdateNotAllowedError",
    "UpdatePlan",
    "VariantAction",
    "WaitTimeoutError",
    "plan_update",
]

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> str:
    # importlib.metadata costs more to import than the rest of shadowtest: only on demand
    if name == "__version__":
        from importlib.metadata import version

        return version("shadowtest")
    raise AttributeError(f"module 'shadowtest' has no attribute {name!r}")

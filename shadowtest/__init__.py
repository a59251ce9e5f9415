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
    ApplyIncompleteError,
    CaptureFormatError,
    ConfigValidationError,
    ExperimentAlreadyExistsError,
    ExperimentConflictError,
    ExperimentNotFoundError,
    InvalidStatusError,
    MalformedResponseError,
    PreflightError,
    Problem,
    PromotionBlockedError,
    ReplacementRequiredError,
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
    StatusName,
    StopState,
    VariantAction,
    VariantActionName,
)

__all__ = [
    "ApplyIncompleteError",
    "CaptureFormatError",
    "CaptureRecord",
    "ConfigValidationError",
    "DataStorageConfig",
    "EndpointMetadata",
    "EndpointStatus",
    "ExperimentAlreadyExistsError",
    "ExperimentClient",
    "ExperimentConflictError",
    "ExperimentList",
    "ExperimentMetrics",
    "ExperimentNotFoundError",
    "ExperimentStatus",
    "Finding",
    "Gate",
    "InferenceExperiment",
    "InferenceExperimentConfig",
    "InferenceExperimentSchedule",
    "InferenceExperimentSummary",
    "InvalidStatusError",
    "Judgement",
    "MalformedResponseError",
    "MetricJudgement",
    "MetricSeries",
    "ModelVariantConfig",
    "ModelVariantStatus",
    "ModelVariantSummary",
    "Plan",
    "PlannedChange",
    "Policy",
    "PredictionComparison",
    "Preflight",
    "PreflightError",
    "Problem",
    "PromotionBlockedError",
    "ReplacementRequiredError",
    "ResourceLimitExceededError",
    "SeriesSummary",
    "ServiceError",
    "ShadowModeConfig",
    "ShadowTestError",
    "StatusName",
    "StopState",
    "UnexpectedStatusError",
    "UpdateField",
    "UpdateNotAllowedError",
    "UpdatePlan",
    "VariantAction",
    "VariantActionName",
    "Verdict",
    "WaitTimeoutError",
    "WatchResult",
    "compare_captures",
    "judge",
    "load",
    "plan_update",
]

if TYPE_CHECKING:
    from shadowtest.capture import CaptureRecord, PredictionComparison, compare_captures
    from shadowtest.files import load
    from shadowtest.judgement import (
        Gate,
        Judgement,
        MetricJudgement,
        Policy,
        SeriesSummary,
        Verdict,
        judge,
    )
    from shadowtest.listing import ExperimentList
    from shadowtest.metrics import ExperimentMetrics, MetricSeries
    from shadowtest.plan import Plan, PlannedChange, UpdateField, UpdatePlan, plan_update
    from shadowtest.preflight import Finding, Preflight
    from shadowtest.watch import WatchResult

    __version__: str

# Public names whose modules are imported on first use, so that `import shadowtest`
# stays cheap (the planner, the judge, data capture, rendering and the CLI load when
# a program first reaches for them). Each is also imported above under TYPE_CHECKING.
_LAZY: dict[str, str] = {
    "ExperimentList": "shadowtest.listing",
    "ExperimentMetrics": "shadowtest.metrics",
    "MetricSeries": "shadowtest.metrics",
    "Gate": "shadowtest.judgement",
    "Judgement": "shadowtest.judgement",
    "MetricJudgement": "shadowtest.judgement",
    "Policy": "shadowtest.judgement",
    "SeriesSummary": "shadowtest.judgement",
    "Verdict": "shadowtest.judgement",
    "judge": "shadowtest.judgement",
    "CaptureRecord": "shadowtest.capture",
    "PredictionComparison": "shadowtest.capture",
    "compare_captures": "shadowtest.capture",
    "UpdateField": "shadowtest.plan",
    "UpdatePlan": "shadowtest.plan",
    "plan_update": "shadowtest.plan",
    "load": "shadowtest.files",
    "Plan": "shadowtest.plan",
    "PlannedChange": "shadowtest.plan",
    "Finding": "shadowtest.preflight",
    "Preflight": "shadowtest.preflight",
    "WatchResult": "shadowtest.watch",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # later lookups skip this function
        return value
    # importlib.metadata costs more to import than the rest of shadowtest: only on demand
    if name == "__version__":
        from importlib.metadata import version

        return version("shadowtest")
    raise AttributeError(f"module 'shadowtest' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, "__version__"})

"""Idempotent retries: telling a lost answer from a refusal.

botocore resends a request whose answer was lost (a read timeout, a dropped
connection). If the service had carried out the first attempt, the resent one is
refused — ``ResourceInUse`` for a create, ``ConflictException`` for an update, stop or
start made in the status the first attempt left behind — and the caller would see a
failure for a change that was applied. Here a refusal that came after a resend is
checked against the experiment as it now is: when it shows the change, the call
succeeded. A status that changed between describing and updating (the update was
refused, not lost) is said as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from shadowtest.config import DataStorageConfig, InferenceExperimentSchedule, ShadowModeConfig
from shadowtest.errors import ExperimentConflictError, ServiceError, UpdateNotAllowedError

if TYPE_CHECKING:
    from shadowtest.config import InferenceExperimentConfig
    from shadowtest.experiment import InferenceExperiment
    from shadowtest.plan import UpdatePlan

__all__ = [
    "botocore_error",
    "create_applied",
    "error_code",
    "status_changed",
    "update_applied",
    "was_resent",
]

_SECOND: Final = timedelta(seconds=1)


def botocore_error(error: BaseException) -> BaseException:
    """The botocore ``ClientError`` behind ``error`` (itself, or the one a
    :class:`ServiceError` was translated from)."""
    if isinstance(error, ServiceError) and error.__cause__ is not None:
        return error.__cause__
    return error


def error_code(error: BaseException) -> str:
    """The service's error code of ``error`` (``""`` when it has none)."""
    if isinstance(error, ServiceError):
        return error.code
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def was_resent(error: BaseException) -> bool:
    """Whether botocore had sent the request more than once when this answer came."""
    response = getattr(botocore_error(error), "response", None)
    if not isinstance(response, Mapping):
        return False
    attempts = response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
    return isinstance(attempts, int) and attempts > 0


def create_applied(config: InferenceExperimentConfig, live: InferenceExperiment,
                   now: datetime) -> bool:
    """Whether ``live`` is what creating ``config`` made: the plan to make it match the
    config (:func:`shadowtest.plan.plan_apply`, tags aside: describe does not return
    them) changes nothing."""
    from shadowtest.plan import plan_apply

    return not plan_apply(config, live, now=now).changes


def _same_time(a: datetime | None, b: object) -> bool:
    # the service keeps whole seconds
    return isinstance(b, datetime) and a is not None and abs(a - b) < _SECOND


def update_applied(request: Mapping[str, Any], live: InferenceExperiment) -> bool:
    """Whether ``live`` shows every value of the update ``request`` that was sent."""
    for key, sent in request.items():
        if key == "Name":
            continue
        if key == "Description":
            if live.description != sent:
                return False
        elif key == "Schedule":
            schedule = live.schedule or InferenceExperimentSchedule()
            if "StartTime" in sent and not _same_time(schedule.start_time, sent["StartTime"]):
                return False
            if "EndTime" in sent and not _same_time(schedule.end_time, sent["EndTime"]):
                return False
        elif key == "ShadowModeConfig":
            if live.shadow_mode_config != ShadowModeConfig.from_boto3(sent):
                return False
        elif key == "DataStorageConfig":
            if live.data_storage_config != DataStorageConfig.from_boto3(sent):
                return False
        elif key == "ModelVariants":
            for variant in sent:
                now = live.variant(variant["VariantName"])
                real_time = variant["InfrastructureConfig"]["RealTimeInferenceConfig"]
                if now is None or (now.model_name, now.instance_type, now.instance_count) != (
                        variant["ModelName"], real_time["InstanceType"],
                        real_time["InstanceCount"]):
                    return False
        else:  # a member this version does not compare: cannot tell
            return False
    return True


def status_changed(error: BaseException, name: str, before: InferenceExperiment,
                   after: InferenceExperiment, replan: UpdatePlan | None) -> Exception:
    """The error for an update refused because the status changed after ``before`` was
    described: :class:`UpdateNotAllowedError` when the new status forbids a requested
    field (``replan`` is the update planned against ``after``), else
    :class:`ExperimentConflictError`. The caller raises it from the botocore error."""
    code = error_code(error) or type(error).__name__
    said = str(error)
    lead = (f"the status of inference experiment {name!r} changed from {before.status} to "
            f"{after.status} after it was described, and the service refused the update "
            f"({code}: {said})")
    refused = replan.error() if replan is not None else None
    if refused is not None:
        return UpdateNotAllowedError(f"{lead}; in {after.status}: {refused}", name=name,
                                     status=str(after.status), fields=refused.fields,
                                     problems=refused.problems)
    return ExperimentConflictError(f"{lead}; describe it and update again", name=name,
                                   operation="update", code=code)

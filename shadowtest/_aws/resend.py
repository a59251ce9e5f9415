"""Idempotent retries: telling a lost answer from a refusal.

botocore resends a request whose answer was lost (a read timeout, a dropped
connection). If the service had carried out the first attempt, the resent one is
refused — ``ResourceInUse`` for a create, ``ConflictException`` for an update, stop or
start made in the status the first attempt left behind, ``ResourceNotFound`` for a
delete (each operation's ``resent_meets``) — and the caller would see a failure for a
change that was applied. :func:`send` checks such a refusal against the experiment as
it now is: when it shows the change, the call succeeded.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from shadowtest._aws._core import call
from shadowtest._aws.faults import botocore_error, was_resent
from shadowtest.config import DataStorageConfig, InferenceExperimentSchedule, ShadowModeConfig
from shadowtest.errors import error_code
from shadowtest.status import TERMINAL, ExperimentStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

    from shadowtest._aws._core import Operation
    from shadowtest.experiment import InferenceExperiment

__all__ = ["applied", "send", "update_applied"]

log: Final = logging.getLogger("shadowtest")
_SECOND: Final = timedelta(seconds=1)


def send(
    client: object,
    op: Operation,
    params: Mapping[str, Any],
    *,
    name: str,
    reread: Callable[[], InferenceExperiment | None],
    now: Callable[[], datetime],
    gone_arn: str | None = None,
    explain: Callable[[Exception, InferenceExperiment | None], Exception | None] | None = None,
    explain_codes: Collection[str] = (),
) -> Any:
    """:func:`~shadowtest._aws.call` ``op``, recovering a lost answer.

    When the service refuses a request botocore had resent with the refusal its own first
    attempt would cause (``op.resent_meets``), ``reread()`` (the experiment as it now is,
    ``None`` if there is none; if it cannot be read, the refusal stands) is checked for
    the change (:func:`applied`): if it is there, the call succeeded and its answer (the
    ARN; ``gone_arn`` for a delete) is returned. Otherwise, for a refusal whose code is in
    ``explain_codes``, ``explain(error, live)`` may say better what it means (that error is
    then raised from the botocore error); else the refusal is raised as it is."""
    try:
        return call(client, op, params, name=name)
    except Exception as error:
        code = error_code(error)
        resent = code == op.resent_meets and was_resent(error)
        explained = explain is not None and code in explain_codes
        if not (resent or explained):
            raise
        read = True
        try:
            live = reread()
        except Exception:  # the experiment cannot be read now: the refusal stands
            read = False
        if not read:
            raise
        if resent and applied(op.name, params, live, now()):
            log.info("%s of inference experiment %r: the answer was lost; the resent request "
                     "found it done", op.label, name)
            arn = live.arn if live is not None else gone_arn
            return {"InferenceExperimentArn": arn}
        better = explain(error, live) if explain is not None and explained else None
        if better is None:
            raise
        raise better from botocore_error(error)


def applied(operation: str, request: Mapping[str, Any], live: InferenceExperiment | None,
            now: datetime) -> bool:
    """Whether ``live`` (``None``: there is no experiment) shows what ``request`` of
    ``operation`` asked for."""
    if operation == "DeleteInferenceExperiment":
        return live is None
    if live is None:
        return False
    if operation == "CreateInferenceExperiment":
        return create_applied(request, live, now)
    if operation == "UpdateInferenceExperiment":
        return update_applied(request, live)
    if operation == "StartInferenceExperiment":
        return live.status in (ExperimentStatus.STARTING, ExperimentStatus.RUNNING)
    if operation == "StopInferenceExperiment":
        return live.status is ExperimentStatus.STOPPING or live.status in TERMINAL
    return False


def create_applied(request: Mapping[str, Any], live: InferenceExperiment,
                   now: datetime) -> bool:
    """Whether ``live`` is what the create ``request`` made: the plan to make it match
    the request's config (:func:`shadowtest.plan.plan_apply`, tags aside: describe does
    not return them) changes nothing."""
    from shadowtest.config import InferenceExperimentConfig
    from shadowtest.plan import plan_apply

    return not plan_apply(InferenceExperimentConfig.from_boto3(request), live, now=now).changes


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

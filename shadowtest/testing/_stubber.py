"""ExperimentStubber: botocore's ``Stubber`` with typed ``expect_*`` methods.

Each ``expect_*`` queues one response, and the exact request the code under test
must send, both derived from the config objects the code itself uses — a test never
spells a PascalCase dict by hand. Responses are checked against the service model's
output shape by botocore as they are queued.

>>> from shadowtest.testing import ExperimentStubber, sample_config
>>> config = sample_config()
>>> with ExperimentStubber() as stubber:
...     _ = stubber.expect_create(config)
...     _ = stubber.expect_describe(config, "Running")
...     client = stubber.experiment_client()
...     _ = client.create(config)
...     str(client.describe("churn-shadow").status)
'Running'
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, cast

from botocore.stub import Stubber

from shadowtest.client import ExperimentClient
from shadowtest.config import (
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest.experiment import InferenceExperiment
from shadowtest.plan import plan_update
from shadowtest.status import ExperimentStatus, VariantAction
from shadowtest.testing._clients import offline_sagemaker
from shadowtest.testing._responses import build_describe, experiment_arn

if TYPE_CHECKING:
    from collections import deque
    from collections.abc import Callable, Iterable, Mapping
    from types import TracebackType

    from mypy_boto3_sagemaker.client import SageMakerClient
    from mypy_boto3_sagemaker.type_defs import (
        DescribeInferenceExperimentResponseTypeDef,
        InferenceExperimentSummaryTypeDef,
        StopInferenceExperimentRequestTypeDef,
        UpdateInferenceExperimentRequestTypeDef,
    )

    from shadowtest.status import StopState, VariantActionName

__all__ = ["ExperimentStubber", "describe_response"]

_UTC = timezone.utc

#: short operation names (as in ExperimentClient) -> boto3 method names
OPERATIONS: Mapping[str, str] = {
    "create": "create_inference_experiment",
    "describe": "describe_inference_experiment",
    "list": "list_inference_experiments",
    "update": "update_inference_experiment",
    "start": "start_inference_experiment",
    "stop": "stop_inference_experiment",
    "delete": "delete_inference_experiment",
}

_SUMMARY_KEYS = ("Name", "Type", "Schedule", "Status", "StatusReason", "Description",
                 "CreationTime", "CompletionTime", "LastModifiedTime", "RoleArn")

_VARIANT_STATUS = {
    "Creating": "Creating", "Created": "InService", "Updating": "Updating",
    "Starting": "InService", "Running": "InService", "Stopping": "InService",
    "Completed": "InService", "Cancelled": "InService",
}


def describe_response(
    config: InferenceExperimentConfig,
    status: ExperimentStatus | str = ExperimentStatus.RUNNING,
    *,
    now: datetime | None = None,
    status_reason: str | None = None,
    variant_statuses: Mapping[str, str] | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
) -> DescribeInferenceExperimentResponseTypeDef:
    """A realistic ``describe_inference_experiment`` response for ``config`` in ``status``.

    The schedule is the config's, with the service's defaults filled in (start at
    ``now``, end 7 days after the start); ``CreationTime``/``LastModifiedTime`` are
    ``now`` (default: the current UTC time, whole seconds) and Completed/Cancelled
    experiments get a ``CompletionTime``. Each variant's status follows the
    experiment's unless ``variant_statuses`` names it. The result is valid against
    the service model's output shape.
    """
    if not isinstance(config, InferenceExperimentConfig):
        raise TypeError(f"config must be an InferenceExperimentConfig, got {config!r}")
    if now is None:
        now = datetime.now(_UTC).replace(microsecond=0)
    elif now.tzinfo is None or now.utcoffset() is None:
        # as FakeSageMaker: a naive time would be read as local time by botocore
        raise ValueError(f"now must be a timezone-aware datetime, got {now!r}")
    status_text = str(status)
    request = config.to_boto3()
    schedule = config.schedule or InferenceExperimentSchedule()
    start = schedule.start_time or now
    end = schedule.end_time or start + timedelta(days=7)
    statuses = dict(variant_statuses or {})
    default = _VARIANT_STATUS.get(status_text, "InService")
    return build_describe(  # type: ignore[return-value]  # a dict of that shape
        request, arn=experiment_arn(config.name, region, account_id), status=status_text,
        start=start, end=end, created=now, modified=now,
        variant_statuses={variant.variant_name: statuses.get(variant.variant_name, default)
                          for variant in config.model_variants},
        completed=now if status_text in ("Completed", "Cancelled") else None, reason=status_reason)


class ExperimentStubber:
    """botocore's ``Stubber`` on a SageMaker client, with an ``expect_*`` method per
    operation whose expected request is built from shadowtest's config objects.

    Use it as a context manager: on entering, the stubber is activated; on leaving
    without an exception, it asserts that every expected call was made. Calls must
    come in the order they were expected. ``client`` defaults to a new boto3
    SageMaker client with dummy credentials in ``us-east-1``.

    :class:`~shadowtest.ExperimentClient` describes an experiment before updating,
    starting, stopping or deleting it, so expect a describe before each of those;
    :meth:`expect_update`, :meth:`expect_promote` and :meth:`expect_conclude` use
    the experiment last described to work out the request the client will send.
    """

    def __init__(self, client: SageMakerClient | None = None) -> None:
        if client is None:
            client = offline_sagemaker()
        self.client: SageMakerClient = client
        """The stubbed boto3 SageMaker client."""
        self.stubber = Stubber(client)
        """The underlying ``botocore.stub.Stubber``, for anything not covered here."""
        self._described: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"ExperimentStubber(pending={self.pending()})"

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> ExperimentStubber:
        self.activate()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.deactivate()
        if exc_type is None:
            self.assert_no_pending_responses()

    def activate(self) -> None:
        """Start answering the client's calls from the queue."""
        self.stubber.activate()

    def deactivate(self) -> None:
        """Stop answering; the client's calls go to AWS again."""
        self.stubber.deactivate()

    def pending(self) -> list[str]:
        """The expected calls not made yet, in order, by their API operation names
        (``"DescribeInferenceExperiment"``, as botocore names them)."""
        return [item["operation_name"] for item in self._queue()]

    def clear(self) -> None:
        """Forget every expected call not made yet."""
        self._queue().clear()

    def assert_no_pending_responses(self) -> None:
        """Raise ``AssertionError`` naming the expected calls that were never made."""
        pending = self.pending()
        if pending:
            raise AssertionError(f"{len(pending)} expected call(s) were not made: "
                                 + ", ".join(pending))

    def experiment_client(
        self,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], datetime] | None = None,
        random: Callable[[], float] | None = None,
    ) -> ExperimentClient:
        """An :class:`~shadowtest.ExperimentClient` on the stubbed client, with ``clock``,
        ``sleep``, ``now`` and ``random`` (see :class:`~shadowtest.ExperimentClient`) if
        given."""
        given = (("clock", clock), ("sleep", sleep), ("now", now), ("random", random))
        kwargs: dict[str, Any] = {key: value for key, value in given if value is not None}
        return ExperimentClient(self.client, **kwargs)

    # -- expectations ------------------------------------------------------------------------

    def expect_create(self, config: InferenceExperimentConfig, *, arn: str | None = None) -> str:
        """Expect ``create_inference_experiment`` with ``config``'s request; returns the ARN
        the stub will answer with."""
        arn = arn or self._arn(config.name)
        self.stubber.add_response("create_inference_experiment",
                                  {"InferenceExperimentArn": arn}, config.to_boto3())
        return arn

    def expect_describe(
        self,
        config: InferenceExperimentConfig | Mapping[str, object],
        status: ExperimentStatus | str = ExperimentStatus.RUNNING,
        *,
        now: datetime | None = None,
        status_reason: str | None = None,
        variant_statuses: Mapping[str, str] | None = None,
    ) -> DescribeInferenceExperimentResponseTypeDef:
        """Expect ``describe_inference_experiment`` for ``config.name``, answering with
        :func:`describe_response` (``kwargs`` go to it). ``config`` may also be a ready
        response dict (e.g. one changed by hand), sent as it is. Returns the response."""
        if isinstance(config, InferenceExperimentConfig):
            response = describe_response(config, status, region=self._region, now=now,
                                         status_reason=status_reason,
                                         variant_statuses=variant_statuses)
        else:
            response = cast("DescribeInferenceExperimentResponseTypeDef", dict(config))
        name = str(response["Name"])
        self.stubber.add_response("describe_inference_experiment", response, {"Name": name})
        self._described[name] = dict(response)
        return response

    def expect_update(
        self,
        name: str,
        *,
        schedule: InferenceExperimentSchedule | None = None,
        description: str | None = None,
        model_variants: Iterable[ModelVariantConfig] | None = None,
        shadow_mode_config: ShadowModeConfig | None = None,
        data_storage_config: DataStorageConfig | None = None,
        arn: str | None = None,
    ) -> UpdateInferenceExperimentRequestTypeDef:
        """Expect ``update_inference_experiment`` with these changes; returns the request.

        If ``name`` was described (:meth:`expect_describe`), the request is what
        :func:`shadowtest.plan_update` makes of the changes against that description —
        exactly what :meth:`ExperimentClient.update` sends — and a change the client
        would refuse raises ``ValueError`` here; if every change is dropped (values equal to
        the current ones), no call is expected, as the client sends none. Otherwise every
        given field is expected.
        """
        changes: dict[str, Any] = {
            "schedule": schedule, "description": description,
            "model_variants": None if model_variants is None else tuple(model_variants),
            "shadow_mode_config": shadow_mode_config, "data_storage_config": data_storage_config,
        }
        described = self._described.get(name)
        if described is not None:
            plan = plan_update(InferenceExperiment(described), **changes)
            error = plan.error()
            if error is not None:
                raise ValueError(f"the client would refuse this update and send nothing: "
                                 f"{error}")
            request = dict(plan.request)
            if len(request) == 1:  # nothing left to change: the client sends no update
                return cast("UpdateInferenceExperimentRequestTypeDef", request)
        else:
            request = {"Name": name}
            serialised = {
                "Schedule": schedule, "Description": description,
                "ModelVariants": changes["model_variants"],
                "ShadowModeConfig": shadow_mode_config,
                "DataStorageConfig": data_storage_config,
            }
            for key, value in serialised.items():
                if isinstance(value, tuple):
                    request[key] = [variant.to_boto3() for variant in value]
                elif value is not None:
                    request[key] = value if isinstance(value, str) else value.to_boto3()
        self.stubber.add_response("update_inference_experiment",
                                  {"InferenceExperimentArn": arn or self._arn(name)}, request)
        return cast("UpdateInferenceExperimentRequestTypeDef", request)

    def expect_start(self, name: str, *, arn: str | None = None) -> None:
        """Expect ``start_inference_experiment`` for ``name``."""
        self.stubber.add_response("start_inference_experiment",
                                  {"InferenceExperimentArn": arn or self._arn(name)},
                                  {"Name": name})

    def expect_stop(
        self,
        name: str,
        model_variant_actions: Mapping[str, VariantAction | VariantActionName],
        *,
        desired_model_variants: Iterable[ModelVariantConfig] | None = None,
        desired_state: StopState = "Completed",
        reason: str | None = None,
        arn: str | None = None,
    ) -> StopInferenceExperimentRequestTypeDef:
        """Expect ``stop_inference_experiment`` with these actions; returns the request."""
        request: dict[str, Any] = {
            "Name": name,
            "ModelVariantActions": {variant: str(action)
                                    for variant, action in model_variant_actions.items()},
            "DesiredState": str(desired_state),
        }
        if desired_model_variants is not None:
            request["DesiredModelVariants"] = [v.to_boto3() for v in desired_model_variants]
        if reason is not None:
            request["Reason"] = reason
        self.stubber.add_response("stop_inference_experiment",
                                  {"InferenceExperimentArn": arn or self._arn(name)}, request)
        return cast("StopInferenceExperimentRequestTypeDef", request)

    def expect_promote(
        self,
        name: str,
        *,
        desired_model_variants: Iterable[ModelVariantConfig] | None = None,
        reason: str | None = None,
    ) -> StopInferenceExperimentRequestTypeDef:
        """Expect the stop that :meth:`ExperimentClient.promote` sends for the experiment
        last described as ``name``: shadow Promote, source Remove."""
        source, shadow = self._roles(name)
        return self.expect_stop(name, {shadow: VariantAction.PROMOTE,
                                       source: VariantAction.REMOVE},
                                desired_model_variants=desired_model_variants, reason=reason)

    def expect_conclude(
        self,
        name: str,
        *,
        remove_shadow: bool = False,
        desired_state: StopState = "Completed",
        reason: str | None = None,
    ) -> StopInferenceExperimentRequestTypeDef:
        """Expect the stop that :meth:`ExperimentClient.conclude` sends for the experiment
        last described as ``name``: source Retain, shadow Retain (or Remove)."""
        source, shadow = self._roles(name)
        shadow_action = VariantAction.REMOVE if remove_shadow else VariantAction.RETAIN
        return self.expect_stop(name, {source: VariantAction.RETAIN, shadow: shadow_action},
                                desired_state=desired_state, reason=reason)

    def expect_delete(self, name: str, *, arn: str | None = None) -> None:
        """Expect ``delete_inference_experiment`` for ``name``."""
        self.stubber.add_response("delete_inference_experiment",
                                  {"InferenceExperimentArn": arn or self._arn(name)},
                                  {"Name": name})

    def expect_list(
        self,
        experiments: Iterable[InferenceExperimentConfig | Mapping[str, object]] = (),
        *,
        status: ExperimentStatus | str = ExperimentStatus.RUNNING,
        next_token: str | None = None,
        returns_next_token: str | None = None,
        now: datetime | None = None,
        **filters: object,
    ) -> list[InferenceExperimentSummaryTypeDef]:
        """Expect one page of ``list_inference_experiments``; returns its summaries.

        ``experiments`` are configs (summarised in ``status``) or ready summary dicts.
        ``filters`` are the request's own keys (``NameContains=...``, ``MaxResults=...``,
        ``SortBy=...``; a datetime filter is compared as sent). ``next_token`` is the token
        the request must carry; ``returns_next_token`` makes this page say there is more.
        """
        summaries: list[dict[str, Any]] = []
        for experiment in experiments:
            if isinstance(experiment, InferenceExperimentConfig):
                full: Mapping[str, object] = describe_response(experiment, status, now=now,
                                                               region=self._region)
                summaries.append({key: full[key] for key in _SUMMARY_KEYS if key in full})
            else:
                summaries.append(dict(experiment))
        request = dict(filters)
        if next_token is not None:
            request["NextToken"] = next_token
        response: dict[str, Any] = {"InferenceExperiments": summaries}
        if returns_next_token is not None:
            response["NextToken"] = returns_next_token
        self.stubber.add_response("list_inference_experiments", response, request)
        return cast("list[InferenceExperimentSummaryTypeDef]", summaries)

    def expect_error(
        self,
        operation: str,
        code: str,
        message: str = "",
        *,
        http_status: int = 400,
        expected_params: Mapping[str, object] | None = None,
    ) -> None:
        """Expect a call of ``operation`` (``"create"`` … ``"delete"``, or the boto3 method
        name) and answer with a ``ClientError`` of ``code``."""
        method = OPERATIONS.get(operation, operation)
        if method not in OPERATIONS.values():
            raise ValueError(f"unknown operation {operation!r}; use one of "
                             + ", ".join(OPERATIONS))
        self.stubber.add_client_error(
            method, service_error_code=code, service_message=message or code,
            http_status_code=http_status,
            expected_params=None if expected_params is None else dict(expected_params))

    # -- internals ---------------------------------------------------------------------------

    def _queue(self) -> deque[dict[str, Any]]:
        queue: deque[dict[str, Any]] = vars(self.stubber)["_queue"]  # botocore keeps no API
        return queue

    @property
    def _region(self) -> str:
        return self.client.meta.region_name

    def _arn(self, name: str) -> str:
        return experiment_arn(name, self._region)

    def _roles(self, name: str) -> tuple[str, str]:
        described = self._described.get(name)
        if described is None or "ShadowModeConfig" not in described:
            raise ValueError(f"expect_describe({name!r}) first: the client describes the "
                             "experiment to find its source and shadow variants")
        shadow_mode = described["ShadowModeConfig"]
        return (shadow_mode["SourceModelVariantName"],
                shadow_mode["ShadowModelVariants"][0]["ShadowModelVariantName"])

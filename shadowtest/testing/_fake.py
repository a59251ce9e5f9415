"""FakeSageMaker: a stateful, in-memory SageMaker for the seven ``*InferenceExperiment`` calls
(and the tags on them).

It plugs into a real boto3 SageMaker client through botocore's event hooks, so every
request is still validated and serialised by botocore; only the HTTP round trip is
replaced. Nothing touches the network and no credentials are needed. Experiments move
through the service's statuses (Creating, Created, Starting, Running, Updating,
Stopping, Completed, Cancelled) on the fake's own clock, which moves only
when you move it, and each request is checked with shadowtest's own rules, so the
fake refuses what the service would refuse, with the service's error codes.

>>> from datetime import timedelta
>>> from shadowtest.testing import FakeSageMaker, sample_config
>>> fake = FakeSageMaker()
>>> _ = fake.client.create_inference_experiment(**sample_config().to_boto3())
>>> fake.describe("churn-shadow")["Status"]
'Creating'
>>> fake.advance(timedelta(seconds=1))
>>> fake.describe("churn-shadow")["Status"]
'Running'

Code under test can use ``fake.client`` directly (raw boto3) or
``fake.experiment_client()`` (an :class:`~shadowtest.ExperimentClient` whose waits
run on the fake clock, so they take no real time).
"""

from __future__ import annotations

import bisect
import copy
import operator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar, cast

from botocore import xform_name

from shadowtest._checks import Checker, FrozenMap
from shadowtest.client import ExperimentClient
from shadowtest.config import (
    DEFAULT_DURATION,
    EXPERIMENT_TYPE,
    MAX_DURATION,
    MAX_LIST_RESULTS,
    MAX_MODEL_VARIANTS,
    NAME_CONTAINS,
    SORT_BY,
    SORT_ORDER,
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest.errors import MAX_PROBLEMS_SHOWN, ConfigValidationError, Problem
from shadowtest.experiment import InferenceExperiment
from shadowtest.plan import plan_update
from shadowtest.rules import (
    check_stop_arguments,
    instance_type_problems,
    schedule_problems_at,
    stop_target_problems,
)
from shadowtest.status import (
    ALLOWED_STATUSES,
    TERMINAL,
    TRANSIENT,
    ExperimentStatus,
    VariantAction,
)
from shadowtest.testing._base import FakeClock, FakeService, Refusal, as_step
from shadowtest.testing._clients import lazy_client, offline_sagemaker
from shadowtest.testing._fake_endpoints import Endpoints
from shadowtest.testing._responses import build_describe, experiment_arn

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.type_defs import DescribeInferenceExperimentResponseTypeDef
    from mypy_boto3_sns import SNSClient

    from shadowtest.status import StatusName
    from shadowtest.testing._fake_athena import FakeAthena
    from shadowtest.testing._fake_cloudwatch import FakeCloudWatch
    from shadowtest.testing._fake_s3 import FakeS3
    from shadowtest.testing._fake_sns import FakeSNS
    from shadowtest.testing._traffic import Flows

__all__ = ["FakeSageMaker"]

S = ExperimentStatus
Input = TypeVar("Input")  # an input of the models given to capture_traffic
_UTC: Final = timezone.utc
_STATUS_VALUES: Final = tuple(status.value for status in ExperimentStatus)
DEFAULT_PAGE_SIZE: Final = 10
"""ListInferenceExperiments' page size when MaxResults is not given (see ``_list``)."""
SEEDED_START_DELAY: Final = timedelta(days=1)
"""How far ahead :meth:`FakeSageMaker.seed` moves the start of a Created experiment."""
_TIME_FILTERS: Final = (
    ("CreationTimeAfter", "CreationTime", operator.gt),
    ("CreationTimeBefore", "CreationTime", operator.lt),
    ("LastModifiedTimeAfter", "LastModifiedTime", operator.gt),
    ("LastModifiedTimeBefore", "LastModifiedTime", operator.lt),
)
# Operations of the other services a FakeSageMaker brings, and the property holding the
# fake that serves them: fault injection on the FakeSageMaker reaches it.
_ROUTED: Final = {"GetMetricData": "cloudwatch_fake", "ListObjectsV2": "fake_s3",
                  "GetObject": "fake_s3", "HeadBucket": "fake_s3", "Publish": "sns_fake",
                  "CreateTopic": "sns_fake", "StartQueryExecution": "athena_fake",
                  "GetQueryExecution": "athena_fake", "GetQueryResults": "athena_fake"}


def _invalid(problems: list[Problem]) -> Refusal:
    n = len(problems)
    more = f"; and {n - MAX_PROBLEMS_SHOWN} more" if n > MAX_PROBLEMS_SHOWN else ""
    return Refusal("ValidationException",
                   f"{n} validation error{'s' if n != 1 else ''} detected: "
                   + "; ".join(str(problem) for problem in problems[:MAX_PROBLEMS_SHOWN])
                   + more)


@dataclass
class _Experiment:
    """One experiment as the fake keeps it; ``params`` is the create request, kept up to date."""

    params: dict[str, Any]
    status: ExperimentStatus
    since: datetime  # when the current status began
    created: datetime
    modified: datetime
    start: datetime
    end: datetime
    previous: ExperimentStatus = S.RUNNING  # what Updating returns to
    stop: dict[str, Any] | None = None  # the pending stop request, while Stopping
    completed: datetime | None = None
    reason: str | None = None
    deleted: set[str] = field(default_factory=set)
    tags: dict[str, str] = field(default_factory=dict)  # AddTags/DeleteTags/ListTags

    @property
    def roles(self) -> tuple[str, str]:
        """The source and shadow variant names."""
        shadow_mode = self.params["ShadowModeConfig"]
        return (shadow_mode["SourceModelVariantName"],
                shadow_mode["ShadowModelVariants"][0]["ShadowModelVariantName"])

    def variant(self, name: str) -> dict[str, Any]:
        return next(v for v in self.params["ModelVariants"] if v["VariantName"] == name)


class FakeSageMaker(FakeService["SageMakerClient"]):
    """A stateful, in-memory SageMaker serving the seven ``*InferenceExperiment`` operations
    (and AddTags, DeleteTags, ListTags on their ARNs)
    through a real boto3 client (``client``, made with dummy credentials if not given).

    Experiments move through the service's statuses on the fake's clock (:attr:`now`,
    moved by :meth:`advance` or :meth:`sleep`): Creating, Starting, Updating and Stopping
    last until the clock moves; Created becomes Running at the schedule's StartTime and
    Running becomes Completed at its EndTime, however many of these one ``advance``
    crosses. Requests the service would refuse fail with its error codes
    (``ResourceInUse``, ``ResourceNotFound``, ``ConflictException``,
    ``ValidationException``) as real botocore ``ClientError``\\ s. Any other SageMaker
    operation raises :class:`NotImplementedError`.

    Fault injection (``fail_next``, ``disconnect_next``, ``time_out_next``,
    ``delay_next``, ``respond_next``, ``hold_next``) takes any operation the fake or its
    CloudWatch and S3 serve.
    """

    SERVICE = "sagemaker"

    def __init__(
        self,
        client: SageMakerClient | None = None,
        *,
        now: datetime | None = None,
        account_id: str = "123456789012",
        real_time: bool = False,
    ) -> None:
        super().__init__(client if client is not None else offline_sagemaker(),
                         clock=FakeClock(now, follows_real_time=real_time))
        self.account_id = account_id
        """The AWS account id in ARNs."""
        self._experiments: dict[str, _Experiment] = {}
        # per endpoint: (when it last changed, (variant, model) or None); stops settle
        # lazily, so a change never overwrites a later one
        self._production: dict[str, tuple[datetime, tuple[str, str] | None]] = {}
        self._version = 0  # bumped by every change, so the list cache knows when it is stale
        self._list_cache: tuple[tuple[Any, ...], list[tuple[str, str]], list[dict[str, Any]]] \
            | None = None
        model = self.client.meta.service_model
        self._instance_types = frozenset(
            model.shape_for("ProductionVariantInstanceType").enum)  # type: ignore[attr-defined]
        summary = model.shape_for("InferenceExperimentSummary")
        self._summary_keys = tuple(summary.members)  # type: ignore[attr-defined]
        self._cloudwatch: FakeCloudWatch | None = None  # made on first use (cloudwatch)
        self._fake_s3: FakeS3 | None = None  # made on first use: an S3 client costs ~20 ms
        self._sns: FakeSNS | None = None
        self._athena: FakeAthena | None = None
        self._flows: Flows | None = None  # serve_traffic's, made on first use
        self.serve({
            "CreateInferenceExperiment": self._create,
            "DescribeInferenceExperiment": self._describe,
            "ListInferenceExperiments": self._list,
            "UpdateInferenceExperiment": self._update,
            "StartInferenceExperiment": self._start,
            "StopInferenceExperiment": self._stop,
            "DeleteInferenceExperiment": self._delete,
            "AddTags": self._add_tags,
            "DeleteTags": self._delete_tags,
            "ListTags": self._list_tags,
        })
        # DescribeEndpoint, DescribeEndpointConfig, DescribeModel: the account preflight reads
        self._endpoints = Endpoints(self)

    def __repr__(self) -> str:
        return (f"FakeSageMaker(region={self.region!r}, now={self.now.isoformat()}, "
                f"experiments={len(self._experiments)})")

    @property
    def region(self) -> str:
        """The client's region, used in ARNs."""
        return self.client.meta.region_name

    def _queue(self, operation: str, fault: Any, times: int) -> None:
        # an operation of the CloudWatch or S3 this fake brings goes to the fake serving it
        for api, owner in _ROUTED.items():
            if operation in (api, xform_name(api)) and self._api_name(operation) is None:
                cast("FakeService[object]", getattr(self, owner))._queue(api, fault, times)
                return
        super()._queue(operation, fault, times)

    # -- the clock ---------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The fake's current time (aware, UTC)."""
        return self.clock.now

    def advance(self, delta: timedelta | float) -> None:
        """Move the clock forward by ``delta``, a ``timedelta`` or a number of seconds
        (>= 0); statuses follow when next read."""
        self.clock.advance(delta)

    def sleep(self, seconds: float) -> None:
        """:meth:`advance` by ``seconds``: a ``time.sleep`` that takes no real time."""
        self.clock.advance(seconds)

    def monotonic(self) -> float:
        """The fake clock in seconds: a ``time.monotonic`` for :class:`ExperimentClient`."""
        return self.clock.monotonic()

    def experiment_client(self) -> ExperimentClient:
        """An :class:`ExperimentClient` on this fake's client and clock (and its S3 and
        CloudWatch, made when the client first reads data capture or metrics)."""
        return ExperimentClient(self.client, clock=self.monotonic, sleep=self.sleep,
                                now=lambda: self.now, s3=lazy_client(lambda: self.s3),
                                cloudwatch=lazy_client(lambda: self.cloudwatch),
                                sns=lazy_client(lambda: self.sns),
                                athena=lazy_client(lambda: self.athena))

    # -- the account: endpoints, models, buckets ---------------------------------------------

    def add_endpoint(
        self,
        name: str,
        *,
        variants: Mapping[str, str] | None = None,
        instance_type: str = "ml.m5.xlarge",
        kind: Literal["realtime", "serverless", "async", "multi-model",
                      "multi-container"] = "realtime",
        status: str = "InService",
    ) -> None:
        """Tell the fake about an endpoint (on one instance of ``instance_type`` per
        variant); ``variants`` maps variant name to model name (default
        ``{"AllTraffic": f"{name}-model"}``). ``kind`` makes it serverless, asynchronous,
        multi-model or multi-container, as the service's describes show them; ``status``
        is its EndpointStatus. Its models exist for DescribeModel.

        Once told about any endpoint or model, the fake models the account: a describe of
        anything it was not told about answers "Could not find", as the service does, and
        a create on an endpoint it knows is refused (ValidationException) for what
        preflight finds wrong there. Until then those describes answer
        ``UnknownToFakeSageMaker``, so preflight reports its checks as not run.

        >>> fake.add_endpoint("churn", variants={"production": "churn-v1"})
        >>> fake.add_model("churn-v2")                          # the shadow's model
        """
        self._endpoints.add_endpoint(name, variants=variants, instance_type=instance_type,
                                     kind=kind, status=status)

    def add_model(self, name: str) -> None:
        """Tell the fake about a model (for DescribeModel); see :meth:`add_endpoint`."""
        self._endpoints.add_model(name)

    def add_bucket(self, name: str) -> None:
        """Make an empty bucket in :attr:`fake_s3` (so HeadBucket finds it)."""
        s3 = self.fake_s3
        with self.lock:
            s3.objects.setdefault(name, {})

    # -- S3 and data capture ------------------------------------------------------------------

    @property
    def fake_s3(self) -> FakeS3:
        """The in-memory S3 holding this fake's capture files (made on first use)."""
        with self.lock:  # two threads reading capture at once must share one
            if self._fake_s3 is None:
                from shadowtest.testing._fake_s3 import FakeS3

                self._fake_s3 = FakeS3(clock=self.clock)
                self._endpoints.watch(self._fake_s3)
            return self._fake_s3

    @property
    def s3(self) -> S3Client:
        """A boto3 S3 client served by :attr:`fake_s3` (``ListObjectsV2``, ``GetObject``)."""
        return self.fake_s3.client

    def capture_traffic(
        self,
        name: str,
        inputs: Iterable[Input],
        *,
        production: Callable[[Input], object],
        shadow: Callable[[Input], object],
        start: datetime | None = None,
        interval: timedelta = timedelta(seconds=1),
        content_type: str = "application/json",
        accept: str | None = None,
        sampling_percentage: int | None = None,
        inference_ids: bool = True,
        per_file: int = 1000,
        seed: int = 0,
    ) -> tuple[str, ...]:
        """Send ``inputs`` through the experiment ``name`` as an endpoint would, and write
        the data capture to :attr:`fake_s3` exactly as SageMaker does; returns the keys.

        ``production`` and ``shadow`` are the two models as Python functions (input ->
        output). Every input goes to production; the shadow gets the sampled share
        (``sampling_percentage``, by default the experiment's, drawn with ``seed``).
        Requests are ``interval`` apart from ``start`` (default: the fake's clock), carry
        an inference id unless ``inference_ids`` is false, and are serialised as
        ``content_type`` (outputs as ``accept``, default the same): captured as text for
        the DataStorageConfig's CSV/JSON content types, else base64. Files hold at most
        ``per_file`` records and one hour each, under
        ``<Destination>/<EndpointName>/<VariantName>/yyyy/mm/dd/hh/``.

        >>> fake.capture_traffic("churn-shadow", [[1, 2], [3, 4]],  # doctest: +SKIP
        ...                      production=old_model.predict, shadow=new_model.predict)
        """
        from shadowtest.testing._fake_s3 import write_capture_traffic

        if name not in self._experiments:
            raise KeyError(name)
        return write_capture_traffic(
            self.fake_s3, self._experiments[name].params, inputs, production=production,
            shadow=shadow, start=self.now if start is None else start, interval=interval,
            content_type=content_type, accept=accept, sampling_percentage=sampling_percentage,
            inference_ids=inference_ids, per_file=per_file, seed=seed)

    # -- CloudWatch ------------------------------------------------------------------------------

    @property
    def cloudwatch(self) -> CloudWatchClient:
        """A boto3 CloudWatch client serving ``GetMetricData`` for this fake's experiments
        from the traffic given to :meth:`record_traffic` (made on first use)."""
        return self._cloudwatch_fake().client

    @property
    def cloudwatch_fake(self) -> FakeCloudWatch:
        """The in-memory CloudWatch behind :attr:`cloudwatch` (its ``calls``, ``attempts``
        and ``record_traffic`` by endpoint), made on first use."""
        return self._cloudwatch_fake()

    def _cloudwatch_fake(self) -> FakeCloudWatch:
        with self.lock:  # two threads reading metrics at once must share one
            return self._make_cloudwatch()

    def _make_cloudwatch(self) -> FakeCloudWatch:
        if self._cloudwatch is None:
            from shadowtest.testing._fake_cloudwatch import FakeCloudWatch

            self._cloudwatch = FakeCloudWatch(clock=self.clock)
        return self._cloudwatch

    def record_traffic(
        self,
        name: str,
        variant: str,
        *,
        minutes: int,
        start: datetime | None = None,
        invocations_per_minute: float | Callable[[int], float] = 100.0,
        latency_ms: float = 35.0,
        error_rate: float = 0.0,
        latency_jitter: float = 0.05,
        overhead_ms: float = 2.0,
        model_error_rate: float = 0.0,
        client_error_rate: float = 0.0,
        cpu_utilization: float = 40.0,
        memory_utilization: float = 30.0,
        disk_utilization: float = 10.0,
        instance_count: int | None = None,
        seed: int = 0,
    ) -> None:
        """Feed CloudWatch ``minutes`` minutes of traffic of ``variant`` (a variant name of
        experiment ``name``), ending now on the fake clock unless ``start`` is given.

        ``invocations_per_minute`` is a number or a function of the minute's index (a
        load curve both variants can share); each minute's average ModelLatency is
        ``latency_ms`` times (1 + a normal draw of sd ``latency_jitter``), OverheadLatency
        likewise around ``overhead_ms``; ``error_rate`` (5XX), ``model_error_rate`` and
        ``client_error_rate`` (4XX) are per-request probabilities; utilisations are
        percentages; ``instance_count`` (default: the variant's) divides
        InvocationsPerInstance. Deterministic: the same arguments and ``seed`` give the
        same traffic.

        >>> fake.record_traffic("churn-shadow", "shadow", minutes=240, latency_ms=41.0)
        ... # doctest: +SKIP
        """
        exp = self._experiments.get(name)
        if exp is None:
            raise ValueError(f"FakeSageMaker has no experiment {name!r}")
        names = [v["VariantName"] for v in exp.params["ModelVariants"]]
        if variant not in names:
            raise ValueError(f"{variant!r} is not a variant of {name!r} (its variants: "
                             f"{', '.join(map(repr, names))})")
        if start is None:
            start = self.now - timedelta(minutes=minutes)
        if instance_count is None:
            instance_count = exp.variant(variant)["InfrastructureConfig"][
                "RealTimeInferenceConfig"]["InstanceCount"]
        self._cloudwatch_fake().record_traffic(
            exp.params["EndpointName"], variant, start=start, minutes=minutes,
            invocations_per_minute=invocations_per_minute, latency_ms=latency_ms,
            latency_jitter=latency_jitter, overhead_ms=overhead_ms, error_rate=error_rate,
            model_error_rate=model_error_rate, client_error_rate=client_error_rate,
            cpu_utilization=cpu_utilization, memory_utilization=memory_utilization,
            disk_utilization=disk_utilization, instance_count=instance_count, seed=seed)

    def serve_traffic(
        self,
        name: str,
        variant: str,
        *,
        invocations_per_minute: float | Callable[[int], float] = 100.0,
        latency_ms: float = 35.0,
        error_rate: float = 0.0,
        latency_jitter: float = 0.05,
        overhead_ms: float = 2.0,
        model_error_rate: float = 0.0,
        client_error_rate: float = 0.0,
        cpu_utilization: float = 40.0,
        memory_utilization: float = 30.0,
        disk_utilization: float = 10.0,
        instance_count: int | None = None,
        seed: int = 0,
    ) -> None:
        """Serve ``variant`` of experiment ``name`` traffic from now on, minute by minute as
        the fake clock moves, until the variant is removed or the experiment ends (on
        schedule, or stopped); calling it again for the variant changes the traffic from
        now on.

        The knobs are :meth:`record_traffic`'s, with one difference that makes a watched
        run behave as a real one: ``invocations_per_minute`` (a number, or a function of
        the minute since this call) is the endpoint's request rate; the production
        variant serves all of it and the shadow variant its sampled share, at the
        experiment's sampling percentage of each minute (a ramp's raise shows from the
        next minute). Traffic flows only while the experiment runs (from its start).
        The minutes are laid out when CloudWatch is read or the experiment is updated or
        stopped, so a long ``advance`` costs no more than the minutes it covers.

        >>> fake.serve_traffic("churn-shadow", "production", latency_ms=35.0)  # doctest: +SKIP
        >>> fake.serve_traffic("churn-shadow", "shadow", latency_ms=45.0)     # doctest: +SKIP
        >>> fake.advance(timedelta(hours=6))                                  # doctest: +SKIP
        """
        from shadowtest.testing._traffic import Flow, Flows

        exp = self._experiments.get(name)
        if exp is None:
            raise ValueError(f"FakeSageMaker has no experiment {name!r}")
        names = [v["VariantName"] for v in exp.params["ModelVariants"]]
        if variant not in names:
            raise ValueError(f"{variant!r} is not a variant of {name!r} (its variants: "
                             f"{', '.join(map(repr, names))})")
        load = (invocations_per_minute if callable(invocations_per_minute)
                else (lambda _minute, n=float(invocations_per_minute): n))
        knobs: dict[str, float | int] = {
            "latency_ms": latency_ms, "error_rate": error_rate,
            "latency_jitter": latency_jitter, "overhead_ms": overhead_ms,
            "model_error_rate": model_error_rate, "client_error_rate": client_error_rate,
            "cpu_utilization": cpu_utilization, "memory_utilization": memory_utilization,
            "disk_utilization": disk_utilization, "seed": seed}
        if instance_count is not None:
            knobs["instance_count"] = instance_count
        for label, rate in (("error_rate", error_rate), ("model_error_rate", model_error_rate),
                            ("client_error_rate", client_error_rate)):
            if not 0 <= rate <= 1:
                raise ValueError(f"{label} must be a probability from 0 to 1, got {rate!r}")
        with self.lock:
            if self._flows is None:
                self._flows = Flows(self)
            self._flows.add(Flow(name, variant, self.now, load, knobs))

    # -- SNS -------------------------------------------------------------------------------------

    @property
    def sns(self) -> SNSClient:
        """A boto3 SNS client served by :attr:`sns_fake` (``CreateTopic``, ``Publish``, ...),
        made on first use: ``fake.sns.create_topic(Name="alerts")["TopicArn"]`` is a topic
        ``watch(notify=...)`` can publish to."""
        return self.sns_fake.client

    @property
    def athena(self) -> object:
        """A boto3 Athena client served by :attr:`athena_fake`, which answers
        ``compare_predictions(engine="athena")`` from the capture files in :attr:`fake_s3`
        (made on first use)."""
        return self.athena_fake.client

    @property
    def athena_fake(self) -> FakeAthena:
        """The in-memory Athena behind :attr:`athena` (its tables and queries;
        ``fail_next_query(reason)``)."""
        with self.lock:
            if self._athena is None:
                from shadowtest.testing._fake_athena import FakeAthena

                self._athena = FakeAthena(self.fake_s3, clock=self.clock)
            return self._athena

    @property
    def sns_fake(self) -> FakeSNS:
        """The in-memory SNS behind :attr:`sns` (its topics and notifications)."""
        with self.lock:
            if self._sns is None:
                from shadowtest.testing._fake_sns import FakeSNS

                self._sns = FakeSNS(clock=self.clock, account_id=self.account_id)
            return self._sns

    @property
    def notifications(self) -> tuple[Mapping[str, str], ...]:
        """Every message published to this fake's SNS, in order: ``TopicArn``, ``Message``,
        ``Subject`` (when given), ``MessageId``, ``Timestamp``."""
        return tuple(self.sns_fake.notifications) if self._sns is not None else ()

    # -- for tests -----------------------------------------------------------------------------

    def describe(self, name: str) -> DescribeInferenceExperimentResponseTypeDef:
        """A copy of what DescribeInferenceExperiment would return for ``name`` now
        (``ResponseMetadata`` aside); :class:`KeyError` if there is none. Not recorded
        in :attr:`calls`."""
        with self.lock:
            if name not in self._experiments:
                raise KeyError(name)
            return cast("DescribeInferenceExperimentResponseTypeDef",
                        self._describe_dict(self._settled(name)))

    @property
    def experiments(self) -> Mapping[str, DescribeInferenceExperimentResponseTypeDef]:
        """A read-only snapshot: every experiment's :meth:`describe`, by name."""
        with self.lock:
            return FrozenMap({name: self.describe(name) for name in self._experiments})

    def production_variant(self, endpoint_name: str) -> tuple[str, str] | None:
        """``(variant name, model name)`` of the endpoint's production variant: the source
        variant of the latest experiment created on it, until a stop promotes the shadow
        (or removes the source without promoting: then ``None``). ``None`` for an endpoint
        no experiment named. Up to date with the clock: a stop that ended since is applied."""
        with self.lock:
            for name, exp in list(self._experiments.items()):
                if exp.params["EndpointName"] == endpoint_name:
                    self._settled(name)
            return self._production.get(endpoint_name, (self.now, None))[1]

    def _set_production(self, endpoint: str, at: datetime,
                        variant: tuple[str, str] | None) -> None:
        if endpoint not in self._production or self._production[endpoint][0] <= at:
            self._production[endpoint] = (at, variant)

    def backdate(self, name: str, delta: timedelta | float) -> None:
        """Move every time of experiment ``name`` back by ``delta`` (a ``timedelta`` or
        seconds), as if it had been created that long ago: its schedule, creation and
        status times. Statuses then follow the clock (an end now past completes it).
        For a clock that follows the real time (the local server's), this ages an
        experiment without moving the clock ahead of its clients'; :class:`KeyError` if
        there is none."""
        step = as_step(delta, "backdate")
        with self.lock:
            if name not in self._experiments:
                raise KeyError(name)
            exp = self._experiments[name]
            endpoint = exp.params["EndpointName"]
            moment, variant = self._production.get(endpoint, (None, None))
            if moment == exp.created:  # production as this experiment's creation set it
                self._production[endpoint] = (exp.created - step, variant)
            exp.created -= step
            exp.modified -= step
            exp.since -= step
            exp.start -= step
            exp.end -= step
            if exp.completed is not None:
                exp.completed -= step
            self._version += 1

    def seed(
        self,
        config: InferenceExperimentConfig | Mapping[str, object],
        *,
        status: ExperimentStatus | StatusName = S.RUNNING,
        status_reason: str | None = None,
    ) -> str:
        """Put an experiment straight into ``status`` (no call recorded); returns its ARN.

        ``config`` is an :class:`InferenceExperimentConfig` or create parameters;
        ``status_reason`` is the describe's ``StatusReason`` (how the service says why an
        experiment was Cancelled, for rehearsing what your code does with it).
        The schedule defaults as on create; a Created experiment whose start is not in
        the future is moved to start :data:`SEEDED_START_DELAY` from now, keeping its
        duration. A seeded Updating returns to Running; a seeded Stopping ends Completed
        with its variants as they are. Raises :class:`ConfigValidationError` for an
        invalid config and :class:`ValueError` for an unknown status or a taken name.
        """
        if not isinstance(config, InferenceExperimentConfig):
            config = InferenceExperimentConfig.from_boto3(config)
        wanted = S(status)
        if status_reason is not None and not isinstance(status_reason, str):
            raise TypeError(f"status_reason must be a string, got {status_reason!r}")
        with self.lock:
            return self._seed(config, wanted, status_reason)

    def _seed(self, config: InferenceExperimentConfig, wanted: ExperimentStatus,
              status_reason: str | None = None) -> str:
        if config.name in self._experiments:
            raise ValueError(f"an inference experiment called {config.name!r} exists already")
        params: dict[str, Any] = dict(config.to_boto3())
        start, end = self._window(params.get("Schedule", {}))
        if wanted is S.CREATED and start <= self.now:
            shift = self.now + SEEDED_START_DELAY - start
            start, end = start + shift, end + shift
        exp = self._add(params, wanted, start, end)
        if status_reason is not None:
            exp.reason = status_reason
        if wanted is S.STOPPING:
            exp.stop = {"ModelVariantActions": {}, "DesiredState": S.COMPLETED.value}
        if wanted in TERMINAL:
            exp.completed = self.now
        return self._arn(config.name)

    # -- the state machine ---------------------------------------------------------------------

    def _add(self, params: dict[str, Any], status: ExperimentStatus, start: datetime,
             end: datetime) -> _Experiment:
        now = self.now
        exp = _Experiment(params=params, status=status, since=now, created=now, modified=now,
                          start=start, end=end)
        exp.tags = {tag["Key"]: tag["Value"] for tag in params.get("Tags", ())}
        self._experiments[params["Name"]] = exp
        self._version += 1
        source = exp.roles[0]
        self._set_production(params["EndpointName"], now,
                             (source, exp.variant(source)["ModelName"]))
        return exp

    def _window(self, schedule: Mapping[str, datetime]) -> tuple[datetime, datetime]:
        """The schedule the service applies: start now unless given, end 7 days after start
        unless given (the API reference: with no schedule a test starts at once and runs
        7 days)."""
        start = schedule.get("StartTime") or self.now
        return start, schedule.get("EndTime") or start + DEFAULT_DURATION

    def _settled(self, name: str) -> _Experiment:
        """The experiment, with every transition up to now applied; ResourceNotFound if none."""
        exp = self._experiments.get(name)
        if exp is None:
            raise Refusal("ResourceNotFound", f"Inference experiment {name!r} does not exist "
                                               f"in account {self.account_id}.")
        while (step := self._next_step(exp)) is not None:
            if exp.status is S.STOPPING:
                self._finish_stop(exp, step[1])
            self._enter(exp, *step)
        return exp

    def _next_step(self, exp: _Experiment) -> tuple[ExperimentStatus, datetime] | None:
        """The next transition due by now and its moment. The work of a transient status is
        done as soon as the clock moves, and is dated when the request was accepted."""
        status, now = exp.status, self.now
        if status in TRANSIENT and now > exp.since:
            at = exp.since
            if status is S.CREATING:
                return (S.CREATED if exp.start > at else S.RUNNING), at
            if status is S.UPDATING:
                return exp.previous, at
            if status is S.STOPPING:
                return S((exp.stop or {}).get("DesiredState", S.COMPLETED.value)), at
            return S.RUNNING, at  # Starting
        if status is S.CREATED and now >= exp.start:
            return S.RUNNING, exp.start
        if status is S.RUNNING and now >= exp.end:
            return S.COMPLETED, exp.end
        return None

    def _enter(self, exp: _Experiment, status: ExperimentStatus, at: datetime) -> None:
        self._version += 1
        exp.status = status
        exp.since = exp.modified = max(at, exp.modified)
        if status in TERMINAL:
            exp.completed = exp.since

    def _finish_stop(self, exp: _Experiment, at: datetime) -> None:
        """Apply a stop's variant actions and desired variants: a promoted shadow replaces
        the production variant, a removed variant is deleted, a retained one stays."""
        stop, exp.stop = exp.stop or {}, None
        for desired in stop.get("DesiredModelVariants", ()):
            exp.variant(desired["VariantName"])["InfrastructureConfig"] = copy.deepcopy(
                desired["InfrastructureConfig"])
        actions: dict[str, str] = stop.get("ModelVariantActions", {})
        source, shadow = exp.roles
        endpoint = exp.params["EndpointName"]
        removed = {name for name, action in actions.items() if action == VariantAction.REMOVE}
        if actions.get(shadow) == VariantAction.PROMOTE:
            if source not in actions:  # the promoted shadow replaces it
                removed.add(source)
            self._set_production(endpoint, at, (shadow, exp.variant(shadow)["ModelName"]))
        elif source in removed and self._production.get(endpoint, (at, None))[1] == (
                source, exp.variant(source)["ModelName"]):
            self._set_production(endpoint, at, None)
        exp.deleted |= removed

    def _require(self, exp: _Experiment, operation: str) -> None:
        """ConflictException unless ``operation`` is allowed in the status (the table in
        :mod:`shadowtest.status`)."""
        allowed = ALLOWED_STATUSES[operation]
        if exp.status not in allowed:
            raise Refusal("ConflictException", (
                f"Cannot {operation} inference experiment {exp.params['Name']!r} while its "
                f"status is {exp.status.value}; it must be "
                f"{' or '.join(sorted(s.value for s in allowed))}."))

    # -- responses -------------------------------------------------------------------------------

    def _arn(self, name: str) -> str:
        return experiment_arn(name, self.region, self.account_id)

    def _describe_dict(self, exp: _Experiment) -> dict[str, Any]:
        creating = exp.status is S.CREATING
        return build_describe(
            exp.params, arn=self._arn(exp.params["Name"]), status=exp.status.value,
            start=exp.start, end=exp.end, created=exp.created, modified=exp.modified,
            variant_statuses={
                variant["VariantName"]: ("Creating" if creating else "Deleted"
                                         if variant["VariantName"] in exp.deleted
                                         else "InService")
                for variant in exp.params["ModelVariants"]},
            completed=exp.completed, reason=exp.reason)

    # -- the operations ---------------------------------------------------------------------------

    def _create(self, p: dict[str, Any]) -> dict[str, Any]:
        problems: list[Problem] = []
        try:
            config = InferenceExperimentConfig.from_boto3(p)
        except ConfigValidationError as error:
            problems.extend(error.errors)
        else:
            problems += instance_type_problems(config.model_variants, self._instance_types,
                                               "model_variants")
            if config.schedule is not None:
                problems += schedule_problems_at(config.schedule, self.now, "schedule")
        schedule = p.get("Schedule", {})
        if problems:
            raise _invalid(problems)
        if p["Name"] in self._experiments:
            raise Refusal("ResourceInUse", f"Inference experiment {p['Name']!r} already exists.")
        refusal = self._endpoints.create_refusal(config)  # an endpoint it was told about
        if refusal is not None:
            raise refusal
        self._add(p, S.CREATING, *self._window(schedule))
        return {"InferenceExperimentArn": self._arn(p["Name"])}

    def _describe(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._describe_dict(self._settled(p["Name"]))

    def _update(self, p: dict[str, Any]) -> dict[str, Any]:
        exp = self._settled(p["Name"])
        self._require(exp, "update")
        problems: list[Problem] = []
        args: dict[str, Any] = {}
        for key, name, cls in (("Schedule", "schedule", InferenceExperimentSchedule),
                               ("ShadowModeConfig", "shadow_mode_config", ShadowModeConfig),
                               ("DataStorageConfig", "data_storage_config", DataStorageConfig)):
            if key in p:
                try:
                    args[name] = cls.from_boto3(p[key])
                except ConfigValidationError as error:
                    problems.extend(problem.under(name) for problem in error.errors)
        if "ModelVariants" in p:
            args["model_variants"] = self._read_variants(p["ModelVariants"], "model_variants",
                                                         problems)
        if "Description" in p:
            args["description"] = p["Description"]
        if problems:
            raise _invalid(problems)
        try:
            plan = plan_update(InferenceExperiment(self._describe_dict(exp)),
                               instance_types=self._instance_types, **args)
        except ConfigValidationError as error:
            raise _invalid(list(error.errors)) from None
        if plan.refused:
            raise _invalid(list(plan.refused))
        request: dict[str, Any] = dict(plan.request)
        schedule = request.get("Schedule", {})
        exp.start, exp.end = schedule.get("StartTime", exp.start), schedule.get("EndTime", exp.end)
        for variant in request.get("ModelVariants", ()):
            exp.variant(variant["VariantName"]).update(variant)
        exp.params.update((key, request[key]) for key in
                          ("Description", "ShadowModeConfig", "DataStorageConfig")
                          if key in request)
        exp.previous = exp.status
        self._enter(exp, S.UPDATING, self.now)
        return {"InferenceExperimentArn": self._arn(p["Name"])}

    def _read_variants(self, variants: list[dict[str, Any]], path: str,
                       problems: list[Problem]) -> list[ModelVariantConfig]:
        """The variants as config objects; their problems, instance types included, go to
        ``problems``."""
        read: list[ModelVariantConfig] = []
        if len(variants) > MAX_MODEL_VARIANTS:
            problems.append(Problem(path, f"got {len(variants)} variants; at most 2"))
        for i, variant in enumerate(variants):
            try:
                read.append(ModelVariantConfig.from_boto3(variant))
            except ConfigValidationError as error:
                problems.extend(problem.under(f"{path}[{i}]") for problem in error.errors)
        problems += instance_type_problems(read, self._instance_types, path)
        return read

    def _start(self, p: dict[str, Any]) -> dict[str, Any]:
        exp = self._settled(p["Name"])
        self._require(exp, "start")
        exp.start = self.now  # starting early keeps the end, within the 30-day maximum
        exp.end = min(exp.end, self.now + MAX_DURATION)
        self._enter(exp, S.STARTING, self.now)
        return {"InferenceExperimentArn": self._arn(p["Name"])}

    def _stop(self, p: dict[str, Any]) -> dict[str, Any]:
        exp = self._settled(p["Name"])
        self._require(exp, "stop")
        c = Checker()
        actions, _ = check_stop_arguments(c, p["ModelVariantActions"], None,
                                          p.get("DesiredState", "Completed"), p.get("Reason"))
        desired = p.get("DesiredModelVariants", [])
        variants = self._read_variants(desired, "desired_model_variants", c.problems)
        if not c.problems:
            names = [variant["VariantName"] for variant in exp.params["ModelVariants"]]
            c.problems += stop_target_problems(p["Name"], names, exp.roles[1], actions, variants)
        if c.problems:
            raise _invalid(c.problems)
        exp.stop = {"ModelVariantActions": p["ModelVariantActions"],
                    "DesiredModelVariants": desired,
                    "DesiredState": p.get("DesiredState", S.COMPLETED.value)}
        exp.reason = p.get("Reason", exp.reason)
        self._enter(exp, S.STOPPING, self.now)
        return {"InferenceExperimentArn": self._arn(p["Name"])}

    def _delete(self, p: dict[str, Any]) -> dict[str, Any]:
        self._require(self._settled(p["Name"]), "delete")
        del self._experiments[p["Name"]]
        self._version += 1
        return {"InferenceExperimentArn": self._arn(p["Name"])}

    def _tagged(self, arn: str) -> _Experiment:
        """The experiment whose ARN is ``arn`` (only experiments are tagged here)."""
        name = arn.rpartition("/")[2]
        if name not in self._experiments or self._arn(name) != arn:
            raise Refusal("ResourceNotFound", f"Resource {arn!r} does not exist in account "
                                               f"{self.account_id}.")
        return self._settled(name)

    def _add_tags(self, p: dict[str, Any]) -> dict[str, Any]:
        exp = self._tagged(p["ResourceArn"])
        tags = {**exp.tags, **{tag["Key"]: tag["Value"] for tag in p["Tags"]}}
        try:  # the same tag rules as on create
            InferenceExperimentConfig.from_boto3({**exp.params, "Tags": [
                {"Key": k, "Value": v} for k, v in tags.items()]})
        except ConfigValidationError as error:
            raise _invalid(list(error.errors)) from None
        exp.tags = tags
        return {"Tags": p["Tags"]}

    def _delete_tags(self, p: dict[str, Any]) -> dict[str, Any]:
        exp = self._tagged(p["ResourceArn"])
        for key in p["TagKeys"]:
            exp.tags.pop(key, None)
        return {}

    def _list_tags(self, p: dict[str, Any]) -> dict[str, Any]:
        # at most 50 tags per resource and MaxResults >= 50: one page always holds them all
        exp = self._tagged(p["ResourceArn"])
        return {"Tags": [{"Key": key, "Value": value} for key, value in exp.tags.items()]}

    def _list(self, p: dict[str, Any]) -> dict[str, Any]:
        """ListInferenceExperiments. Where the model's documentation is silent, this follows
        its endpoint-family siblings (ListEndpoints, ListEndpointConfigs, ListModels,
        ListInferenceComponents): SortBy defaults to CreationTime ("The default is
        CreationTime."), SortOrder to Descending ("The default is Descending."), and
        MaxResults to 10 ("This value defaults to 10."). NameContains ("Selects inference
        experiments whose names contain this name.") ignores case, as SageMaker names
        are case-insensitive ("The name is case-insensitive", CreateEndpoint). The time
        filters are strict ("created after this timestamp"). Ties in the sort are broken
        by name, in the same direction. NextToken is opaque; it carries the sort and the
        last key returned, so experiments created or deleted between pages neither
        repeat nor shift the rest.
        """
        c = Checker()
        if "NameContains" in p:
            c.check_string("NameContains", p["NameContains"], NAME_CONTAINS)
        for key, choices in (("Type", (EXPERIMENT_TYPE,)), ("StatusEquals", _STATUS_VALUES),
                             ("SortBy", SORT_BY), ("SortOrder", SORT_ORDER)):
            if key in p:
                c.check_choice(key, p[key], choices)
        if "MaxResults" in p:
            c.check_int("MaxResults", p["MaxResults"], ge=1, le=MAX_LIST_RESULTS)
        sort_by, order = p.get("SortBy", "CreationTime"), p.get("SortOrder", "Descending")
        after = self._list_token(p["NextToken"], sort_by, order, c) if "NextToken" in p else None
        if c.problems:
            raise _invalid(c.problems)
        keys, rows = self._sorted_rows(p, sort_by, order)
        # The rows are sorted by key, ascending or descending: find where the page starts
        # by bisection, so paging through n experiments costs O(n log n) in all, not O(n²).
        start = 0
        if after is not None:
            if order == "Descending":
                start = _bisect_descending(keys, after)
            else:
                start = bisect.bisect_right(keys, after)
        size = p.get("MaxResults", DEFAULT_PAGE_SIZE)
        page = rows[start:start + size]
        out: dict[str, Any] = {"InferenceExperiments": [
            {**row, "Schedule": dict(row["Schedule"])} for row in page]}
        if start + size < len(rows):
            out["NextToken"] = self._issue_token(sort_by, order, *keys[start + size - 1])
        return out

    def _sorted_rows(self, p: dict[str, Any], sort_by: str, order: str
                     ) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
        """The summaries the list filters select, sorted, with their sort keys; kept until
        the state or the clock changes, so the pages of one listing share one sort."""
        filters = tuple((key, p[key]) for key in ("NameContains", "Type", "StatusEquals",
                                                  *(f[0] for f in _TIME_FILTERS)) if key in p)
        cache = self._list_cache
        if cache is not None and cache[0] == (self._version, self.now, sort_by, order, filters):
            return cache[1], cache[2]
        experiments = [self._settled(name) for name in list(self._experiments)]
        summaries = [self._summary(exp) for exp in experiments]
        needle = p.get("NameContains", "").lower()
        summaries = [row for row in summaries if needle in row["Name"].lower()
                     and p.get("Type", row["Type"]) == row["Type"]
                     and p.get("StatusEquals", row["Status"]) == row["Status"]
                     and all(compare(row[field], p[key]) for key, field, compare in
                             _TIME_FILTERS if key in p)]

        def sort_key(row: dict[str, Any]) -> tuple[str, str]:
            value = row[sort_by]
            return (value.isoformat() if isinstance(value, datetime) else value, row["Name"])

        summaries.sort(key=sort_key, reverse=order == "Descending")
        keys = [sort_key(row) for row in summaries]
        self._list_cache = ((self._version, self.now, sort_by, order, filters), keys, summaries)
        return keys, summaries

    def _summary(self, exp: _Experiment) -> dict[str, Any]:
        """The ListInferenceExperiments entry of ``exp`` (no deep copies: nothing in it is
        mutable but the Schedule, which is rebuilt)."""
        p = exp.params
        row: dict[str, Any] = {
            "Name": p["Name"], "Type": p["Type"],
            "Schedule": {"StartTime": exp.start, "EndTime": exp.end},
            "Status": exp.status.value, "CreationTime": exp.created,
            "LastModifiedTime": exp.modified, "RoleArn": p["RoleArn"]}
        optional = {"StatusReason": exp.reason, "Description": p.get("Description"),
                    "CompletionTime": exp.completed}
        row.update((key, value) for key, value in optional.items() if value is not None)
        return {key: row[key] for key in self._summary_keys if key in row}

    def _list_token(self, token: str, sort_by: str, order: str, c: Checker
                    ) -> tuple[str, str] | None:
        data = self._read_token(token, 4)
        if data is not None and all(isinstance(item, str) for item in data):
            if data[:2] == [sort_by, order]:
                return str(data[2]), str(data[3])
            c.add("NextToken", f"the token was issued for SortBy={data[0]}, SortOrder={data[1]}; "
                               "repeat the request that gave it")
        else:
            c.add("NextToken", f"got {token!r}; not a token this service issued")
        return None


def _bisect_descending(keys: list[tuple[str, str]], after: tuple[str, str]) -> int:
    """The index of the first key below ``after`` in ``keys``, sorted descending."""
    low, high = 0, len(keys)
    while low < high:
        middle = (low + high) // 2
        if keys[middle] < after:
            high = middle
        else:
            low = middle + 1
    return low

"""The response side: what ``describe`` and ``list`` return, as typed, frozen objects.

Responses are the service's word, so they are read, not judged: nothing here
raises because a value breaks a request-side rule, and a status, variant status
or endpoint status this version doesn't know is kept as a stand-in member carrying
its string, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, NoReturn, TypeVar, overload

import attrs
from typing_extensions import Self

from shadowtest._aws.sagemaker import DESCRIBE_RESPONSE, SUMMARY
from shadowtest._aws.shapes import Shape, fail, is_destination, is_name
from shadowtest._checks import unchecked
from shadowtest._displayed import Displayed
from shadowtest._json import jsonable
from shadowtest.config import (
    VARIANT_HEADERS,
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
    capture_text,
    instances_text,
    role_of,
    sampling_text,
    schedule_text,
    span_text,
    when_text,
)
from shadowtest.errors import MalformedResponseError
from shadowtest.status import (
    TERMINAL,
    EndpointStatus,
    ExperimentStatus,
    ModelVariantStatus,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from shadowtest._card import Card, Fact
    from shadowtest.preflight import Finding

__all__ = [
    "EndpointMetadata",
    "InferenceExperiment",
    "InferenceExperimentSummary",
    "ModelVariantSummary",
]

_STATUSES: Final[Mapping[str, ExperimentStatus]] = ExperimentStatus._value2member_map_  # type: ignore[assignment]
_VARIANT_STATUSES: Final[Mapping[str, ModelVariantStatus]] = (
    ModelVariantStatus._value2member_map_)  # type: ignore[assignment]

T = TypeVar("T")
# What reading a response of the wrong shape raises in Python; each becomes a
# MalformedResponseError naming the field
_READ_ERRORS: Final = (KeyError, IndexError, TypeError, AttributeError, ValueError)
_new: Final = object.__new__
_set: Final = object.__setattr__  # a frozen attrs instance's own __setattr__ refuses


class cached_property(Generic[T]):
    """A nested field read from the response once, then kept in the instance ``__dict__``
    (which answers later reads directly); a response of the wrong shape raises
    :class:`MalformedResponseError` naming the field, where it is read. (This is why it is
    not ``functools.cached_property``, which would need a ``try`` in every property.)"""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> cached_property[T]: ...
    @overload
    def __get__(self, obj: object, owner: type[Any]) -> T: ...
    def __get__(self, obj: object | None, owner: type[Any]) -> T | cached_property[T]:
        if obj is None:
            return self
        try:
            value = obj.__dict__[self.name] = self.func(obj)
        except _READ_ERRORS:
            obj._malformed(self.name)  # type: ignore[attr-defined]
        return value


@attrs.frozen(kw_only=True)
class EndpointMetadata(Displayed):
    """The endpoint a shadow test runs on, as ``describe`` reports it."""

    endpoint_name: str
    endpoint_config_name: str | None = None
    endpoint_status: EndpointStatus | None = None
    failure_reason: str | None = None

    @classmethod
    def from_boto3(cls, data: Mapping[str, object]) -> EndpointMetadata:
        """Read an ``EndpointMetadata`` dict."""
        d: Mapping[str, Any] = data  # its shape is checked where it is read
        status = d.get("EndpointStatus")
        return cls(
            endpoint_name=_name(d["EndpointName"]),
            endpoint_config_name=_optional_text(d.get("EndpointConfigName")),
            endpoint_status=None if status is None else EndpointStatus.parse(_text(status)),
            failure_reason=_optional_text(d.get("FailureReason")),
        )

    def to_dict(self) -> dict[str, object]:
        """The fields as strict JSON (the status as its string)."""
        return {field.name: jsonable(getattr(self, field.name))
                for field in attrs.fields(EndpointMetadata)}

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card, status

        facts: list[Fact] = [
            ("status", status(self.endpoint_status)), ("endpoint", self.endpoint_name),
            ("endpoint config", self.endpoint_config_name)]
        if self.failure_reason:
            facts.append(("failure reason", self.failure_reason))
        return Card(f"EndpointMetadata {self.endpoint_name}", facts)


@attrs.frozen(kw_only=True)
class ModelVariantSummary(Displayed):
    """One variant of a described experiment: its configuration and its status."""

    model_name: str
    variant_name: str
    instance_type: str
    instance_count: int
    status: ModelVariantStatus

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card, status

        return Card(f"ModelVariantSummary {self.variant_name}", [
            ("status", status(self.status)), ("variant", self.variant_name),
            ("model", self.model_name),
            ("instances", instances_text(self.instance_type, self.instance_count))])

    def to_dict(self) -> dict[str, object]:
        """The fields as strict JSON (the status as its string)."""
        return {field.name: jsonable(getattr(self, field.name))
                for field in attrs.fields(ModelVariantSummary)}

    def to_config(self) -> ModelVariantConfig:
        """The variant as a :class:`ModelVariantConfig` (validated), e.g. to change it in an
        update: ``attrs.evolve(exp.shadow_variant.to_config(), instance_count=2)``."""
        return ModelVariantConfig(model_name=self.model_name, variant_name=self.variant_name,
                                  instance_type=self.instance_type,
                                  instance_count=self.instance_count)

    @classmethod
    def from_boto3(cls, data: Mapping[str, object]) -> ModelVariantSummary:
        """Read a ``ModelVariantConfigSummary`` dict."""
        d: Mapping[str, Any] = data  # its shape is checked where it is read
        real_time = d["InfrastructureConfig"]["RealTimeInferenceConfig"]
        status = d["Status"]
        return cls(
            model_name=_name(d["ModelName"]),
            variant_name=_name(d["VariantName"]),
            instance_type=_text(real_time["InstanceType"]),
            instance_count=_count(real_time["InstanceCount"]),
            status=_VARIANT_STATUSES.get(status) or ModelVariantStatus.parse(_text(status)),
        )


def _text(value: object) -> str:
    """A string of a response; anything else is a TypeError (see :func:`_when`)."""
    if isinstance(value, str):
        return value
    raise TypeError(f"not a string: {type(value).__name__}")


def _name(value: object) -> str:
    """A name of a response: a string of one character or more (every name the service
    stores has one); anything else is a TypeError or ValueError (see :func:`_when`)."""
    if is_name(value):
        return value
    raise ValueError(f"not a name: {type(value).__name__}")


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _count(value: object) -> int:
    """An integer of a response (not a bool); anything else is a TypeError."""
    if type(value) is int:
        return value
    raise TypeError(f"not an integer: {type(value).__name__}")


def _texts(value: object) -> tuple[str, ...]:
    """A list of strings of a response; anything else is a TypeError."""
    if isinstance(value, (list, tuple)):
        return tuple(map(_text, value))
    raise TypeError(f"not a list: {type(value).__name__}")


def _when(value: object) -> datetime | None:
    """A timestamp of a response: a datetime or absent; anything else is a TypeError (which
    the reading property turns into MalformedResponseError)."""
    if value is None or isinstance(value, datetime):
        return value
    raise TypeError(f"not a timestamp: {type(value).__name__}")


def _schedule(data: Mapping[str, Any] | None) -> InferenceExperimentSchedule | None:
    if data is None:
        return None
    return unchecked(InferenceExperimentSchedule, start_time=_when(data.get("StartTime")),
                     end_time=_when(data.get("EndTime")))


def _shadow_mode(data: Mapping[str, Any] | None) -> ShadowModeConfig | None:
    if data is None:
        return None
    shadow = data["ShadowModelVariants"][0]
    source, name, sampling = (data["SourceModelVariantName"], shadow["ShadowModelVariantName"],
                              shadow["SamplingPercentage"])
    if not is_name(source) or not is_name(name) or type(sampling) is not int:
        raise TypeError("a variant name is not a name, or the sampling not an integer")
    # unchecked(ShadowModeConfig, ...) without its generic loop over defaults and
    # converters, which this class has none of: 0.3 us against 0.9 us, on every describe
    # that reads the sampling
    config = _new(ShadowModeConfig)
    _set(config, "source_model_variant_name", source)
    _set(config, "shadow_model_variant_name", name)
    _set(config, "sampling_percentage", sampling)
    return config


def _data_storage(data: Mapping[str, Any] | None) -> DataStorageConfig | None:
    if data is None:
        return None
    content = data.get("ContentType") or {}
    destination = data["Destination"]
    if not is_destination(destination):
        raise ValueError("the destination is not an s3:// or https:// URI")
    return unchecked(DataStorageConfig, destination=destination,
                     kms_key=_optional_text(data.get("KmsKey")),
                     csv_content_types=_texts(content.get("CsvContentTypes", ())),
                     json_content_types=_texts(content.get("JsonContentTypes", ())))


class _ResponseView(Displayed):
    """A read-only view of one response dict: fields are read when asked for (nested objects
    once, then cached), so a call costs little more than botocore's own work.

    Equal when the responses are equal (``ResponseMetadata`` aside); pickles as its dict.
    """

    __slots__ = ("__dict__", "_data")  # a slot for the data (cheaper to set per list entry);
    # the __dict__ holds the cached nested objects

    _FIELDS: ClassVar[tuple[str, ...]] = ()
    _OPERATION: ClassVar[str] = ""
    _SHAPE: ClassVar[Shape] = ()

    def __init__(self, data: Mapping[str, object]) -> None:
        if type(data) is not dict and not isinstance(data, Mapping):
            fail(self._OPERATION, data, self._SHAPE)  # not even a mapping: nothing to read
        _set_data(self, data)

    _data: Mapping[str, Any]

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError

    @classmethod
    def from_boto3(cls, data: Mapping[str, object]) -> Self:
        """Read the response dict (it is kept, not copied: don't change it afterwards)."""
        return cls(data)

    def to_boto3(self) -> dict[str, object]:
        """The response dict this was read from (a shallow copy, ``ResponseMetadata`` aside)."""
        return {key: value for key, value in self._data.items() if key != "ResponseMetadata"}

    def to_dict(self) -> dict[str, object]:
        """The fields as strict JSON, keyed by their snake_case names: timestamps as ISO 8601
        UTC strings, statuses as their strings, configs in their API shape (their own
        ``to_dict()``), variants and the endpoint as dicts of their fields."""
        return {field: jsonable(getattr(self, field)) for field in self._FIELDS}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.to_boto3() == other.to_boto3()

    def __hash__(self) -> int:
        data = self._data
        return hash((type(self), str(data.get("Name")), str(data.get("CreationTime"))))

    def __repr__(self) -> str:
        # never raises: a field that cannot be read is left out, and the repr says so
        shown, unreadable = [], []
        for field in self._FIELDS:
            try:
                value = getattr(self, field)
            except MalformedResponseError:
                unreadable.append(field)
                continue
            if value is not None:
                shown.append(f"{field}={value!r}")
        if unreadable:
            shown.append(f"malformed={unreadable!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def _malformed(self, field: str) -> NoReturn:
        """Raise the :class:`MalformedResponseError` for a field that could not be read."""
        fail(self._OPERATION, self._data, self._SHAPE, fallback=field)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.to_boto3(),))

    def _card(self, now: datetime | None = None) -> Card:
        """The card of the response; one that cannot be read shows what it lacks and the
        repr (which leaves out what it cannot read)."""
        from shadowtest._card import Card

        try:
            return self._read_card(now)
        except MalformedResponseError as error:
            return Card(f"{type(self).__name__} (malformed response)",
                        [("problem", str(error)), ("as read", repr(self))])

    def _read_card(self, now: datetime | None) -> Card:
        raise NotImplementedError

    def _heading_facts(self) -> list[Fact]:
        """The status (and why), shared by a described experiment and a list entry."""
        from shadowtest._card import status as shown_status

        status = str(self.status)
        facts: list[Fact] = [("status", shown_status(status))]
        if self.status_reason:
            facts.append(("status reason", self.status_reason))
        diagnosis = self.diagnosis  # a Cancelled experiment's reason, read back (pure)
        if diagnosis is not None:
            facts.append(("likely cause", diagnosis.message))
        return facts

    def _time_facts(self, now: datetime | None) -> list[Fact]:
        return [("schedule", schedule_text(self.schedule)),
                ("time left", _time_left(str(self.status), self.schedule,
                                         self.completion_time, now))]


    # -- fields shared by describe and list ----------------------------------------------

    @property
    def name(self) -> str:
        try:
            return self._data["Name"]  # type: ignore[no-any-return]
        except _READ_ERRORS:
            self._malformed("Name")

    @property
    def type(self) -> str:
        try:
            return self._data["Type"]  # type: ignore[no-any-return]
        except _READ_ERRORS:
            self._malformed("Type")

    @property
    def status(self) -> ExperimentStatus:
        """An :class:`ExperimentStatus`; a status this version does not know is a stand-in
        member carrying the service's string (``status.is_known`` is false)."""
        try:
            status = self._data["Status"]
            if type(status) is not str:
                raise TypeError("Status is not a string")
            # a dict lookup first: StrEnum.parse costs 0.57 us against 0.09 us here, +47 us
            # (20 %) on a stubbed list of 100 that reads each status
            return _STATUSES.get(status) or ExperimentStatus.parse(status)
        except _READ_ERRORS:
            self._malformed("Status")

    @property
    def status_reason(self) -> str | None:
        return self._text("StatusReason")

    @property
    def diagnosis(self) -> Finding | None:
        """For a Cancelled experiment whose ``status_reason`` matches one of preflight's
        checks, the likely cause and the fix (:func:`shadowtest.preflight.diagnose`);
        otherwise ``None``."""
        if self.status is not ExperimentStatus.CANCELLED:
            return None
        from shadowtest.preflight import diagnose

        return diagnose(self.status_reason)

    @property
    def description(self) -> str | None:
        return self._text("Description")

    @cached_property
    def schedule(self) -> InferenceExperimentSchedule | None:
        return _schedule(self._data.get("Schedule"))

    @property
    def creation_time(self) -> datetime | None:
        return self._time("CreationTime")

    @property
    def last_modified_time(self) -> datetime | None:
        return self._time("LastModifiedTime")

    @property
    def completion_time(self) -> datetime | None:
        return self._time("CompletionTime")

    def _text(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is not None and type(value) is not str:
            self._malformed(key)
        return value

    def _time(self, key: str) -> datetime | None:
        value = self._data.get(key)
        if value is not None and not isinstance(value, datetime):
            self._malformed(key)
        return value

    @property
    def role_arn(self) -> str | None:
        return self._text("RoleArn")

    @property
    def is_terminal(self) -> bool:
        """Completed or Cancelled."""
        return self.status in TERMINAL


_set_data = _ResponseView._data.__set__  # type: ignore[attr-defined]  # bypasses __setattr__


class InferenceExperiment(_ResponseView):
    """A described shadow test: ``ExperimentClient.describe`` returns one.

    ``status`` is an :class:`ExperimentStatus` (or the raw string for a status
    this version doesn't know); ``schedule``, ``shadow_mode_config`` and
    ``data_storage_config`` are the same config objects used to create it.
    """

    _FIELDS = ("arn", "name", "type", "status", "status_reason", "description", "endpoint",
               "model_variants", "shadow_mode_config", "schedule", "data_storage_config",
               "role_arn", "kms_key", "creation_time", "last_modified_time", "completion_time")
    _OPERATION = "DescribeInferenceExperiment"
    _SHAPE = DESCRIBE_RESPONSE

    @property
    def arn(self) -> str:
        """The experiment's ARN."""
        try:
            return self._data["Arn"]  # type: ignore[no-any-return]
        except _READ_ERRORS:
            self._malformed("Arn")

    @cached_property
    def endpoint(self) -> EndpointMetadata:
        """The endpoint it runs on, with its status (``EndpointMetadata``)."""
        return EndpointMetadata.from_boto3(self._data["EndpointMetadata"])

    @property
    def endpoint_name(self) -> str:
        """The endpoint's name (read without building :attr:`endpoint`)."""
        try:
            return _name(self._data["EndpointMetadata"]["EndpointName"])
        except _READ_ERRORS:
            self._malformed("EndpointMetadata.EndpointName")

    @cached_property
    def model_variants(self) -> tuple[ModelVariantSummary, ...]:
        """Both variants, each with its model, instances and status."""
        return tuple(ModelVariantSummary.from_boto3(variant)
                     for variant in self._data["ModelVariants"])

    @cached_property
    def shadow_mode_config(self) -> ShadowModeConfig | None:
        """Which variant is production, which the shadow, and the sampling percentage."""
        return _shadow_mode(self._data.get("ShadowModeConfig"))

    @cached_property
    def data_storage_config(self) -> DataStorageConfig | None:
        """Where the data capture goes, or ``None`` when nothing is captured."""
        return _data_storage(self._data.get("DataStorageConfig"))

    @property
    def kms_key(self) -> str | None:
        """The KMS key of the endpoint's storage volume, if one was given."""
        return self._text("KmsKey")

    @property
    def source_variant(self) -> ModelVariantSummary | None:
        """The production variant named by the shadow mode config."""
        if self.shadow_mode_config is None:
            return None
        return self.variant(self.shadow_mode_config.source_model_variant_name)

    @property
    def shadow_variant(self) -> ModelVariantSummary | None:
        """The shadow variant named by the shadow mode config."""
        if self.shadow_mode_config is None:
            return None
        return self.variant(self.shadow_mode_config.shadow_model_variant_name)

    @property
    def variant_names(self) -> tuple[str, ...]:
        """The variants' names, in the response's order (read without building
        :attr:`model_variants`)."""
        try:
            names = tuple([variant["VariantName"] for variant in self._data["ModelVariants"]])
            if not all(map(is_name, names)):
                raise TypeError("VariantName is not a name")
            return names
        except _READ_ERRORS:
            self._malformed("ModelVariants")

    @property
    def _roles(self) -> tuple[str, str] | None:
        """The (source, shadow) variant names, or ``None`` without a shadow mode config
        (read straight from the response: the update rules need only the names)."""
        try:
            data = self._data.get("ShadowModeConfig")
            if data is None:
                return None
            roles = (data["SourceModelVariantName"],
                     data["ShadowModelVariants"][0]["ShadowModelVariantName"])
            if not is_name(roles[0]) or not is_name(roles[1]):
                raise TypeError("a variant name is not a name")
            return roles
        except _READ_ERRORS:
            self._malformed("ShadowModeConfig")

    def variant(self, name: str) -> ModelVariantSummary | None:
        """The variant called ``name``, if the experiment has one."""
        for variant in self.model_variants:
            if variant.variant_name == name:
                return variant
        return None

    def _read_card(self, now: datetime | None) -> Card:
        from shadowtest._card import Card, Table, status

        shadow_mode = self.shadow_mode_config
        rows = [(v.variant_name, role_of(v.variant_name, shadow_mode), v.model_name,
                 instances_text(v.instance_type, v.instance_count), status(v.status))
                for v in self.model_variants]
        endpoint = self.endpoint
        facts = self._heading_facts()
        if endpoint.failure_reason:
            facts.append(("endpoint failure", endpoint.failure_reason))
        schedule, time_left = self._time_facts(now)
        facts += [
            ("endpoint", f"{endpoint.endpoint_name} ({endpoint.endpoint_status})"
             if endpoint.endpoint_status else endpoint.endpoint_name),
            ("description", self.description), schedule, time_left,
            ("sampling", sampling_text(shadow_mode)),
            ("data capture", capture_text(self.data_storage_config)),
            ("created", when_text(self.creation_time)),
            ("last modified", when_text(self.last_modified_time)),
        ]
        return Card(f"InferenceExperiment {self.name}", facts,
                    [Table("model variants", (*VARIANT_HEADERS, "status"), rows)])

    def to_config(
        self, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> InferenceExperimentConfig:
        """A validated config that would create this experiment again (as ``name``); the
        schedule is left out, since the old one has usually passed."""
        return InferenceExperimentConfig(
            name=self.name if name is None else name,
            endpoint_name=self.endpoint_name,
            role_arn=self.role_arn,  # type: ignore[arg-type]  # checked by the config
            model_variants=[variant.to_config() for variant in self.model_variants],
            shadow_mode_config=self.shadow_mode_config,  # type: ignore[arg-type]
            description=self.description,
            data_storage_config=self.data_storage_config,
            kms_key=self.kms_key,
            tags=tags,
        )


def summaries(items: Sequence[Mapping[str, Any]]) -> list[InferenceExperimentSummary]:
    """One :class:`InferenceExperimentSummary` per list entry."""
    return [InferenceExperimentSummary(item) for item in items]



class InferenceExperimentSummary(_ResponseView):
    """One experiment of ``ExperimentClient.list`` (a list entry has no ARN, variants or
    endpoint: ``describe`` the name for those)."""

    _FIELDS = ("name", "type", "status", "status_reason", "description", "schedule",
               "role_arn", "creation_time", "last_modified_time", "completion_time")
    _OPERATION = "ListInferenceExperiments"
    _SHAPE = SUMMARY

    def _read_card(self, now: datetime | None) -> Card:
        from shadowtest._card import Card

        return Card(f"InferenceExperimentSummary {self.name}", [
            *self._heading_facts(), ("description", self.description),
            *self._time_facts(now),
            ("created", when_text(self.creation_time)),
            ("last modified", when_text(self.last_modified_time)),
        ])


def _time_left(status: str, schedule: InferenceExperimentSchedule | None,
               completed: datetime | None, now: datetime | None) -> str | None:
    """How far the schedule has to go, for an experiment in ``status`` at ``now`` (the
    wall clock when ``None``: the only outside input of a display)."""
    if status in ("Completed", "Cancelled"):
        return f"ended {when_text(completed)}" if completed else "ended"
    if schedule is None:
        return None
    start, end = schedule.start_time, schedule.end_time
    if now is None:
        now = datetime.now(timezone.utc)
    if start is not None and start.tzinfo is not None and now < start:
        return f"starts in {span_text(start - now)}"
    if end is None or end.tzinfo is None:
        return None
    if now >= end:
        return "the scheduled end has passed"
    return f"{span_text(end - now)} left"

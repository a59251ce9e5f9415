"""The request side: immutable config objects that cannot hold an invalid shadow test.

Every class is a frozen, slotted, keyword-only ``attrs`` class. Building one
checks every rule of the API (field lengths, patterns, counts, the schedule) that
concerns its shape and raises one
:class:`~shadowtest.ConfigValidationError` listing every problem. ``to_boto3()``
gives exactly the dict the API takes; ``from_boto3()`` is its inverse and also
reads the shapes of a ``describe_inference_experiment`` response.

Rules that depend on the clock (an end time in the past, a schedule with only
an end time) or on the installed botocore (the instance-type list) are checked
when a request is sent, by :class:`~shadowtest.ExperimentClient`: a config
stays valid however long it is kept.

>>> from shadowtest import ModelVariantConfig
>>> ModelVariantConfig(model_name="churn-v2", variant_name="shadow",
...                    instance_type="ml.m5.xlarge").to_boto3()["VariantName"]
'shadow'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar, cast

import attrs

from shadowtest._checks import (
    FAILED,
    Checker,
    FrozenMap,
    Reader,
    StringRule,
    article,
    show,
    tag_text_matches,
    to_frozen_map,
    to_tuple,
    unchecked,
)
from shadowtest._displayed import Displayed
from shadowtest._json import jsonable
from shadowtest.errors import ConfigValidationError

if TYPE_CHECKING:
    # The boto3 stubs' request shapes (extra `shadowtest[types]`): to_boto3() results then
    # type-check as the arguments of the typed boto3 client they are made for.
    from mypy_boto3_sagemaker.literals import ProductionVariantInstanceTypeType
    from mypy_boto3_sagemaker.type_defs import (
        CaptureContentTypeHeaderTypeDef,
        CreateInferenceExperimentRequestTypeDef,
        InferenceExperimentDataStorageConfigTypeDef,
        InferenceExperimentScheduleTypeDef,
        ModelVariantConfigTypeDef,
        ShadowModeConfigTypeDef,
    )

    from shadowtest._card import Card

__all__ = [
    "DEFAULT_DURATION",
    "MAX_DURATION",
    "DataStorageConfig",
    "InferenceExperimentConfig",
    "InferenceExperimentSchedule",
    "ModelVariantConfig",
    "ShadowModeConfig",
]

# -- the service's constraints (botocore sagemaker model); tests/test_drift.py compares them ---

_NAME_HINT = "letters, digits and hyphens, starting and ending with a letter or digit"

EXPERIMENT_NAME: Final = StringRule.regex(
    "InferenceExperimentName", 1, 120, r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}",
    "1–120 " + _NAME_HINT)
ENDPOINT_NAME: Final = StringRule.regex(
    "EndpointName", 0, 63, r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", "1–63 " + _NAME_HINT)
ROLE_ARN: Final = StringRule.regex(
    "RoleArn", 20, 2048, r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+",
    "an IAM role ARN such as 'arn:aws:iam::123456789012:role/SageMakerRole'")
DESCRIPTION: Final = StringRule.regex(
    "InferenceExperimentDescription", 0, 1024, r".*",
    "at most 1024 characters on one line (no line breaks)")
KMS_KEY: Final = StringRule.regex(
    "KmsKeyId", 0, 2048, r"[a-zA-Z0-9:/_-]*",
    "a KMS key ID, key ARN, alias/Name or alias ARN (letters, digits and : / _ -)")
MODEL_NAME: Final = StringRule.regex(
    "ModelName", 0, 63, r"[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?", "1–63 " + _NAME_HINT)
VARIANT_NAME: Final = StringRule.regex(
    "ModelVariantName", 0, 63, r"[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?", "1–63 " + _NAME_HINT)
DESTINATION: Final = StringRule.regex(
    "DestinationS3Uri", 0, 512, r"(https|s3)://([^/])/?(.*)",
    "an s3:// or https:// URI such as 's3://bucket/prefix'")
CONTENT_TYPE: Final = StringRule.regex(
    "CsvContentType", 1, 256, r"[a-zA-Z0-9](-*[a-zA-Z0-9])*\/[a-zA-Z0-9](-*[a-zA-Z0-9.])*",
    "a media type such as 'text/csv' or 'application/json'")
TAG_KEY: Final = StringRule(
    "TagKey", 1, 128, r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)",
    "letters, digits, spaces and _ . : / = + - @", tag_text_matches)
TAG_VALUE: Final = StringRule(
    "TagValue", 0, 256, r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)",
    "letters, digits, spaces and _ . : / = + - @", tag_text_matches)
# Not a model pattern (the model has an enum, checked against the installed botocore's list when a
# request is sent): the form.
INSTANCE_TYPE: Final = StringRule.regex(
    "ProductionVariantInstanceType", 1, 64, r"ml\.[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+",
    "an instance type of the form ml.<family>.<size>, such as 'ml.m5.xlarge'")

# Arguments of list and stop (checked by the client, which has no config class for them)
NAME_CONTAINS: Final = StringRule.regex(
    "NameContains", 0, 63, r"[a-zA-Z0-9\-]+", "1–63 letters, digits and hyphens")
STATUS_REASON: Final = StringRule.regex(
    "InferenceExperimentStatusReason", 0, 1024, r".*",
    "at most 1024 characters on one line (no line breaks)")

STRING_RULES: Final = (
    EXPERIMENT_NAME, ENDPOINT_NAME, ROLE_ARN, DESCRIPTION, KMS_KEY, MODEL_NAME, VARIANT_NAME,
    DESTINATION, CONTENT_TYPE, TAG_KEY, TAG_VALUE, NAME_CONTAINS, STATUS_REASON,
)
"""Every string rule copied from the service model (INSTANCE_TYPE is ours)."""

# Percentage: max 100 (the model sets no minimum; a share below 0 means nothing)
MAX_SAMPLING_PERCENTAGE: Final = 100
MAX_CONTENT_TYPES: Final = 10  # CsvContentTypes / JsonContentTypes: 1–10 items
MAX_MODEL_VARIANTS: Final = 2  # ModelVariantConfigList: 1–2 items
MAX_TAGS: Final = 50  # TagList: 0–50 items
INFRASTRUCTURE_TYPE: Final = "RealTimeInference"  # ModelInfrastructureType's one value
EXPERIMENT_TYPE: Final = "ShadowMode"  # InferenceExperimentType's one value
SORT_BY: Final = ("Name", "CreationTime", "Status")  # SortInferenceExperimentsBy
SORT_ORDER: Final = ("Ascending", "Descending")  # SortOrder
STOP_DESIRED_STATES: Final = ("Completed", "Cancelled")  # InferenceExperimentStopDesiredState
MAX_LIST_RESULTS: Final = 100  # MaxResults: 1–100
MAX_VARIANT_ACTIONS: Final = 2  # ModelVariantActionMap: 1–2 entries

MAX_DURATION: Final = timedelta(days=30)
"""The longest schedule the service accepts."""
DEFAULT_DURATION: Final = timedelta(days=7)
"""How long a shadow test runs when no end is given (the service's default too)."""

_EXCLUDED_FAMILIES: Final = {"inf1": "Inf1 endpoints cannot run shadow tests"}
_UTC: Final = timezone.utc


# Converters typed for what a caller may pass (the attrs plugin makes each the type of its
# __init__ parameter, so `model_variants=[{"ModelName": ...}]` fails type checking); at run
# time anything else is kept and reported by the checks, never an exception from here.
def _tags(value: Mapping[str, str] | None) -> Mapping[str, str] | None:
    return to_frozen_map(value)  # type: ignore[no-any-return]


class _Validated(Displayed):
    """Runs ``_check`` after ``__init__`` (and so after ``attrs.evolve``); displays its card
    (``str()``, notebooks, IPython)."""

    __slots__ = ()

    def __attrs_post_init__(self) -> None:
        checker = Checker()
        self._check(checker)
        checker.raise_if_any(type(self).__name__)

    def _check(self, c: Checker) -> None:
        raise NotImplementedError

    @classmethod
    def _read(cls, data: object, c: Checker) -> dict[str, Any]:
        """The constructor's keyword arguments read from an API dict; problems go to ``c``."""
        raise NotImplementedError

    def to_boto3(self) -> Mapping[str, object]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, object]:
        """:meth:`to_boto3` as strict JSON: the same PascalCase keys, timestamps as ISO 8601
        UTC strings (``"2026-12-01T09:00:00Z"``) — the config's part of the
        ``--cli-input-json`` shape of ``aws sagemaker create-inference-experiment``."""
        return cast("dict[str, object]", jsonable(self.to_boto3()))


def _build(cls: type[Any], values: dict[str, Any], c: Checker) -> Any:
    """``cls(**values)`` for values read by ``_read``; on any problem, every problem of the
    object (reading and checking) is in ``c`` and the result is FAILED."""
    if not c.problems:
        try:
            return cls(**values)
        except ConfigValidationError as error:
            c.merge(error, "")
            return FAILED
    unchecked(cls, **values)._check(c)
    return FAILED


V = TypeVar("V", bound=_Validated)


def _from_boto3(cls: type[V], data: object) -> V:
    c = Checker()
    result = _build(cls, cls._read(data, c), c)
    c.raise_if_any(cls.__name__)
    return cast("V", result)  # not FAILED: any problem was raised just above


def _content_types(value: Iterable[str]) -> tuple[str, ...]:
    # an endless iterator is read only one item past the limit, then refused
    return to_tuple(value, MAX_CONTENT_TYPES)  # type: ignore[no-any-return]


def _variants(value: Iterable[ModelVariantConfig]) -> tuple[ModelVariantConfig, ...]:
    return to_tuple(value, MAX_MODEL_VARIANTS)  # type: ignore[no-any-return]


def _utc(value: datetime) -> datetime:
    return value.astimezone(_UTC)


# -- the classes -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ModelVariantConfig(_Validated):
    """One model variant of a shadow test: a model served on real-time instances.

    >>> ModelVariantConfig(model_name="churn-v1", variant_name="production",
    ...                    instance_type="ml.m5.xlarge", instance_count=2)
    ModelVariantConfig(model_name='churn-v1', variant_name='production', \
instance_type='ml.m5.xlarge', instance_count=2)
    """

    model_name: str
    variant_name: str
    instance_type: str
    instance_count: int = 1

    def _check(self, c: Checker) -> None:
        c.check_string("model_name", self.model_name, MODEL_NAME)
        c.check_string("variant_name", self.variant_name, VARIANT_NAME)
        if c.check_string("instance_type", self.instance_type, INSTANCE_TYPE):
            family = self.instance_type.split(".")[1]
            if family in _EXCLUDED_FAMILIES:
                c.add("instance_type", f"got {self.instance_type!r}; "
                                       f"{_EXCLUDED_FAMILIES[family]} (SageMaker excludes them)")
        c.check_int("instance_count", self.instance_count, ge=1,
                    why="a real-time variant with no instance cannot serve")

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card

        return Card(f"ModelVariantConfig {self.variant_name}", [
            ("variant", self.variant_name), ("model", self.model_name),
            ("instances", instances_text(self.instance_type, self.instance_count))])

    def to_boto3(self) -> ModelVariantConfigTypeDef:
        """The API's ``ModelVariantConfig`` dict."""
        return {
            "ModelName": self.model_name,
            "VariantName": self.variant_name,
            "InfrastructureConfig": {
                "InfrastructureType": INFRASTRUCTURE_TYPE,
                "RealTimeInferenceConfig": {
                    # checked against botocore's list when a request is sent
                    "InstanceType": cast("ProductionVariantInstanceTypeType",
                                         self.instance_type),
                    "InstanceCount": self.instance_count,
                },
            },
        }

    @classmethod
    def from_boto3(cls, data: Mapping[str, object]) -> ModelVariantConfig:
        """Read a ``ModelVariantConfig`` dict (a describe response's variant, with its
        ``Status``, is accepted too)."""
        return _from_boto3(cls, data)

    @classmethod
    def _read(cls, data: object, c: Checker) -> dict[str, Any]:
        r = Reader(data, c, "", ("ModelName", "VariantName", "InfrastructureConfig", "Status"))
        infra = Reader(r.required("InfrastructureConfig", "infrastructure_config"), c,
                       "infrastructure_config",
                       ("InfrastructureType", "RealTimeInferenceConfig"))
        kind = infra.required("InfrastructureType", "infrastructure_type")
        if kind is not FAILED and kind != INFRASTRUCTURE_TYPE:
            c.add("infrastructure_config.infrastructure_type",
                  f"got {kind!r}; must be {INFRASTRUCTURE_TYPE!r}")
        real_time = Reader(infra.required("RealTimeInferenceConfig", "real_time_inference_config"),
                           c, "infrastructure_config.real_time_inference_config",
                           ("InstanceType", "InstanceCount"))
        return {
            "model_name": r.required("ModelName", "model_name"),
            "variant_name": r.required("VariantName", "variant_name"),
            "instance_type": real_time.required("InstanceType", "instance_type"),
            "instance_count": real_time.required("InstanceCount", "instance_count"),
        }


@attrs.frozen(kw_only=True)
class ShadowModeConfig(_Validated):
    """Which variant is production (the source) and which is the shadow, and what share
    of requests (0–100 %) the shadow receives a copy of.

    >>> ShadowModeConfig(source_model_variant_name="production",
    ...                  shadow_model_variant_name="shadow", sampling_percentage=50)
    ShadowModeConfig(source_model_variant_name='production', \
shadow_model_variant_name='shadow', sampling_percentage=50)
    """

    source_model_variant_name: str
    shadow_model_variant_name: str
    sampling_percentage: int

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card

        return Card("ShadowModeConfig", [
            ("production variant", self.source_model_variant_name),
            ("shadow variant", self.shadow_model_variant_name),
            ("sampling", f"{self.sampling_percentage} %")])

    def _check(self, c: Checker) -> None:
        source_ok = c.check_string(
            "source_model_variant_name", self.source_model_variant_name, VARIANT_NAME)
        shadow_ok = c.check_string(
            "shadow_model_variant_name", self.shadow_model_variant_name, VARIANT_NAME)
        if source_ok and shadow_ok and self.source_model_variant_name == \
                self.shadow_model_variant_name:
            c.add("shadow_model_variant_name",
                  f"got {self.shadow_model_variant_name!r}, the same as the source variant; "
                  "the shadow must be a different variant")
        c.check_int("sampling_percentage", self.sampling_percentage,
                    ge=0, le=MAX_SAMPLING_PERCENTAGE, why="a percentage of requests")

    def to_boto3(self) -> ShadowModeConfigTypeDef:
        """The API's ``ShadowModeConfig`` dict, with its one-item ``ShadowModelVariants``."""
        return {
            "SourceModelVariantName": self.source_model_variant_name,
            "ShadowModelVariants": [{
                "ShadowModelVariantName": self.shadow_model_variant_name,
                "SamplingPercentage": self.sampling_percentage,
            }],
        }

    @classmethod
    def from_boto3(cls, data: Mapping[str, object]) -> ShadowModeConfig:
        """Read a ``ShadowModeConfig`` dict."""
        return _from_boto3(cls, data)

    @classmethod
    def _read(cls, data: object, c: Checker) -> dict[str, Any]:
        r = Reader(data, c, "", ("SourceModelVariantName", "ShadowModelVariants"))
        source = r.required("SourceModelVariantName", "source_model_variant_name")
        variants = r.required("ShadowModelVariants", "shadow_model_variants")
        shadow: Any = FAILED
        sampling: Any = FAILED
        if variants is not FAILED:
            if not isinstance(variants, (list, tuple)) or len(variants) != 1:
                c.add("shadow_model_variants",
                      f"got {show(variants)}; must be a list of exactly 1 shadow variant")
            else:
                item = Reader(variants[0], c, "shadow_model_variants[0]",
                              ("ShadowModelVariantName", "SamplingPercentage"))
                shadow = item.required("ShadowModelVariantName", "shadow_model_variant_name")
                sampling = item.required("SamplingPercentage", "sampling_percentage")
        return {"source_model_variant_name": source, "shadow_model_variant_name": shadow,
                "sampling_percentage": sampling}


@attrs.frozen(kw_only=True)
class InferenceExperimentSchedule(_Validated):
    """When the shadow test runs: timezone-aware datetimes, end after start, at most 30 days.

    With no start, the test starts on creation; with no end, it runs 7 days
    (the service's defaults). Use the named constructors for the common cases:

    >>> from datetime import datetime, timezone
    >>> InferenceExperimentSchedule.starting_at(
    ...     datetime(2026, 12, 1, tzinfo=timezone.utc)).duration
    datetime.timedelta(days=7)
    """

    start_time: datetime | None = None
    end_time: datetime | None = None

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card

        duration = self.duration
        return Card("InferenceExperimentSchedule", [
            ("start", when_text(self.start_time) or "on creation"),
            ("end", when_text(self.end_time) or "7 days after the start"),
            ("duration", None if duration is None else span_text(duration))])

    def _check(self, c: Checker) -> None:
        start_ok = self.start_time is None or c.check_aware("start_time", self.start_time)
        end_ok = self.end_time is None or c.check_aware("end_time", self.end_time)
        if not (start_ok and end_ok) or self.start_time is None or self.end_time is None:
            return
        if self.end_time <= self.start_time:
            c.add("end_time", f"got {self.end_time.isoformat()}, not after the start "
                              f"{self.start_time.isoformat()}; the end must be after the start")
        elif self.end_time - self.start_time > MAX_DURATION:
            c.add("end_time", f"got {self.end_time.isoformat()}, "
                              f"{_days(self.end_time - self.start_time)} after the start; "
                              "a shadow test runs at most 30 days")

    @property
    def duration(self) -> timedelta | None:
        """``end_time - start_time`` when both are set."""
        if self.start_time is None or self.end_time is None:
            return None
        return self.end_time - self.start_time

    @classmethod
    def from_now(
        cls, duration: timedelta = DEFAULT_DURATION, *, now: datetime | None = None
    ) -> InferenceExperimentSchedule:
        """Start now (or at ``now``) and run for ``duration`` (default 7 days, max 30)."""
        start = datetime.now(_UTC) if now is None else now
        return cls.starting_at(start, duration)

    @classmethod
    def starting_at(
        cls, start_time: datetime, duration: timedelta = DEFAULT_DURATION
    ) -> InferenceExperimentSchedule:
        """Start at ``start_time`` (timezone-aware) and run for ``duration`` (default 7 days)."""
        c = Checker()
        start_ok = c.check_aware("start_time", start_time)
        duration_ok = c.check_instance("duration", duration, timedelta, "a datetime.timedelta")
        if duration_ok and duration <= timedelta(0):
            c.add("duration", f"got {duration!r}; must be positive")
        if c.problems or not (start_ok and duration_ok):
            c.fail(cls.__name__)
        try:
            end_time = start_time + duration
        except OverflowError:
            c.add("duration", f"got {duration!r}; the end would be past the last datetime "
                              "(year 9999)")
            c.fail(cls.__name__)
        return cls(start_time=start_time, end_time=end_time)

    def to_boto3(self) -> InferenceExperimentScheduleTypeDef:
        """The API's ``Schedule`` dict, datetimes in UTC, unset ends omitted."""
        out: InferenceExperimentScheduleTypeDef = {}
        if self.start_time is not None:
            out["StartTime"] = _utc(self.start_time)
        if self.end_time is not None:
            out["EndTime"] = _utc(self.end_time)
        return out

    @classmethod
    def from_boto3(cls, data: Mapping[str, object]) -> InferenceExperimentSchedule:
        """Read a ``Schedule`` dict."""
        return _from_boto3(cls, data)

    @classmethod
    def _read(cls, data: object, c: Checker) -> dict[str, Any]:
        r = Reader(data, c, "", ("StartTime", "EndTime"))
        return {"start_time": r.optional("StartTime"), "end_time": r.optional("EndTime")}


def _days(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.4g} days"


@attrs.frozen(kw_only=True)
class DataStorageConfig(_Validated):
    """Where the shadow test captures request and response data (S3), and how.

    With no content types the service captures data base64-encoded.

    >>> DataStorageConfig(destination="s3://bucket/capture",
    ...                   json_content_types=["application/json"]).to_boto3()["ContentType"]
    {'JsonContentTypes': ['application/json']}
    """

    destination: str
    kms_key: str | None = None
    csv_content_types: tuple[str, ...] = attrs.field(default=(), converter=_content_types)
    json_content_types: tuple[str, ...] = attrs.field(default=(), converter=_content_types)

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card

        return Card("DataStorageConfig", [
            ("destination", self.destination), ("KMS key", self.kms_key),
            ("CSV content types", ", ".join(self.csv_content_types) or None),
            ("JSON content types", ", ".join(self.json_content_types) or None)])

    def _check(self, c: Checker) -> None:
        c.check_string("destination", self.destination, DESTINATION)
        if self.kms_key is not None:
            check_kms_key(c, "kms_key", self.kms_key)
        for field in ("csv_content_types", "json_content_types"):
            values = getattr(self, field)
            if c.check_sequence(field, values, min_len=0, max_len=MAX_CONTENT_TYPES,
                                what="content types (1–10, or none)"):
                for i, value in enumerate(values):
                    c.check_string(f"{field}[{i}]", value, CONTENT_TYPE)

    def to_boto3(self) -> InferenceExperimentDataStorageConfigTypeDef:
        """The API's ``DataStorageConfig`` dict."""
        out: InferenceExperimentDataStorageConfigTypeDef = {"Destination": self.destination}
        if self.kms_key is not None:
            out["KmsKey"] = self.kms_key
        content: CaptureContentTypeHeaderTypeDef = {}
        if self.csv_content_types:
            content["CsvContentTypes"] = list(self.csv_content_types)
        if self.json_content_types:
            content["JsonContentTypes"] = list(self.json_content_types)
        if content:
            out["ContentType"] = content
        return out

    @classmethod
    def from_boto3(cls, data: Mapping[str, object]) -> DataStorageConfig:
        """Read a ``DataStorageConfig`` dict."""
        return _from_boto3(cls, data)

    @classmethod
    def _read(cls, data: object, c: Checker) -> dict[str, Any]:
        r = Reader(data, c, "", ("Destination", "KmsKey", "ContentType"))
        values: dict[str, Any] = {"destination": r.required("Destination", "destination"),
                                  "kms_key": r.optional("KmsKey")}
        content = r.optional("ContentType")
        if content is not None:
            cr = Reader(content, c, "content_type",
                        ("CsvContentTypes", "JsonContentTypes"))
            for key, field in (("CsvContentTypes", "csv_content_types"),
                               ("JsonContentTypes", "json_content_types")):
                value = cr.optional(key, ())
                if isinstance(value, (list, tuple)) and len(value) == 0 and key in cr.data:
                    c.add(field, f"got an empty {key} list; give 1–10 content "
                                               "types or leave the key out")
                values[field] = value
        return values


@attrs.frozen(kw_only=True)
class InferenceExperimentConfig(_Validated):
    """A whole shadow test, as ``create_inference_experiment`` takes it.

    ``model_variants`` holds exactly two variants, production and shadow, and
    ``shadow_mode_config`` names them. ``tags`` is a mapping (keys are unique).

    >>> config = InferenceExperimentConfig(
    ...     name="churn-shadow",
    ...     endpoint_name="churn",
    ...     role_arn="arn:aws:iam::123456789012:role/SageMakerRole",
    ...     model_variants=[
    ...         ModelVariantConfig(model_name="churn-v1", variant_name="production",
    ...                            instance_type="ml.m5.xlarge"),
    ...         ModelVariantConfig(model_name="churn-v2", variant_name="shadow",
    ...                            instance_type="ml.m5.xlarge"),
    ...     ],
    ...     shadow_mode_config=ShadowModeConfig(source_model_variant_name="production",
    ...                                         shadow_model_variant_name="shadow",
    ...                                         sampling_percentage=20),
    ... )
    >>> config.to_boto3()["Type"]
    'ShadowMode'
    """

    name: str
    endpoint_name: str
    role_arn: str
    model_variants: tuple[ModelVariantConfig, ...] = attrs.field(converter=_variants)
    shadow_mode_config: ShadowModeConfig
    schedule: InferenceExperimentSchedule | None = None
    description: str | None = None
    data_storage_config: DataStorageConfig | None = None
    kms_key: str | None = None
    tags: Mapping[str, str] | None = attrs.field(default=None, converter=_tags)

    _DESCRIBE_ONLY_KEYS: ClassVar = (
        "Arn", "Status", "StatusReason", "CreationTime", "CompletionTime", "LastModifiedTime",
        "EndpointMetadata",
    )

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card, Table

        shadow_mode = self.shadow_mode_config
        rows = [(v.variant_name, role_of(v.variant_name, shadow_mode), v.model_name,
                 instances_text(v.instance_type, v.instance_count))
                for v in self.model_variants]
        return Card(f"InferenceExperimentConfig {self.name}", [
            ("endpoint", self.endpoint_name),
            ("description", self.description),
            ("sampling", sampling_text(shadow_mode)),
            ("schedule", schedule_text(self.schedule) or "starts on creation, runs 7 days"),
            ("data capture", capture_text(self.data_storage_config)),
            ("role", self.role_arn),
            ("KMS key", self.kms_key),
            ("tags", ", ".join(f"{key}={value}" for key, value in self.tags.items())
             if self.tags else None),
        ], [Table("model variants", VARIANT_HEADERS, rows)])

    def _check(self, c: Checker) -> None:
        c.check_string("name", self.name, EXPERIMENT_NAME)
        c.check_string("endpoint_name", self.endpoint_name, ENDPOINT_NAME)
        c.check_string("role_arn", self.role_arn, ROLE_ARN)
        if self.description is not None:
            c.check_string("description", self.description, DESCRIPTION)
        if self.kms_key is not None:
            check_kms_key(c, "kms_key", self.kms_key)
        for field, cls in (("schedule", InferenceExperimentSchedule),
                           ("data_storage_config", DataStorageConfig)):
            value = getattr(self, field)
            if value is not None:
                c.check_instance(field, value, cls, f"{article(cls.__name__)} or None")
        names = self._check_variants(c)
        shadow = self.shadow_mode_config
        if c.check_instance("shadow_mode_config", shadow, ShadowModeConfig, "a ShadowModeConfig") \
                and names is not None:
            for field in ("source_model_variant_name", "shadow_model_variant_name"):
                name = getattr(shadow, field)
                if name not in names:
                    listed = " and ".join(repr(n) for n in names)
                    c.add(f"shadow_mode_config.{field}",
                          f"got {name!r}; must name one of the model variants ({listed})")
        if self.tags is not None and not _failed(self.tags):
            _check_tags(c, self.tags)

    def _check_variants(self, c: Checker) -> list[str] | None:
        """Exactly two variants with distinct names; gives the names when every item is a
        ModelVariantConfig, so that the shadow mode config can be checked against them."""
        variants = self.model_variants
        if not c.check_sequence("model_variants", variants, min_len=0, max_len=1000,
                                what="ModelVariantConfig"):
            return None
        if len(variants) != MAX_MODEL_VARIANTS:
            count = (f"more than {MAX_MODEL_VARIANTS}" if len(variants) > MAX_MODEL_VARIANTS
                     else str(len(variants)))  # read at most one past the limit
            c.add("model_variants", f"got {count} variant{'s' * (len(variants) != 1)}; "
                                    "a shadow test is created with exactly 2: the production "
                                    "(source) variant and the shadow variant")
        sound = [c.check_instance(f"model_variants[{i}]", variant, ModelVariantConfig,
                                  "a ModelVariantConfig") for i, variant in enumerate(variants)]
        if not all(sound):
            return None
        names: list[str] = []
        for i, variant in enumerate(variants):
            if variant.variant_name in names:
                c.add(f"model_variants[{i}].variant_name",
                      f"got {variant.variant_name!r} twice; the variants need distinct names")
            names.append(variant.variant_name)
        return names

    def with_sampling(self, percentage: int) -> InferenceExperimentConfig:
        """A copy whose shadow variant receives ``percentage`` % (0–100) of requests,
        checked like any config (:class:`ConfigValidationError` otherwise).

        To raise the sampling of a running test:
        ``client.update(name, shadow_mode_config=config.with_sampling(100).shadow_mode_config)``.
        """
        return attrs.evolve(self, shadow_mode_config=attrs.evolve(
            self.shadow_mode_config, sampling_percentage=percentage))

    def to_boto3(self) -> CreateInferenceExperimentRequestTypeDef:
        """The keyword arguments of ``create_inference_experiment`` (``Type`` included)."""
        out: CreateInferenceExperimentRequestTypeDef = {
            "Name": self.name,
            "Type": EXPERIMENT_TYPE,
            "RoleArn": self.role_arn,
            "EndpointName": self.endpoint_name,
            "ModelVariants": [variant.to_boto3() for variant in self.model_variants],
            "ShadowModeConfig": self.shadow_mode_config.to_boto3(),
        }
        if self.schedule is not None:
            out["Schedule"] = self.schedule.to_boto3()
        if self.description is not None:
            out["Description"] = self.description
        if self.data_storage_config is not None:
            out["DataStorageConfig"] = self.data_storage_config.to_boto3()
        if self.kms_key is not None:
            out["KmsKey"] = self.kms_key
        if self.tags is not None:
            out["Tags"] = [{"Key": key, "Value": value} for key, value in self.tags.items()]
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        """The config as the JSON that ``aws sagemaker create-inference-experiment
        --cli-input-json`` and :meth:`from_json` read."""
        import json

        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> InferenceExperimentConfig:
        """Read ``--cli-input-json`` text of create-inference-experiment (PascalCase keys;
        timestamps as ISO 8601 strings with a zone, or epoch seconds). Stricter than
        :meth:`from_boto3`: an unknown key is an error naming it, and JSON syntax errors
        give their line and column — all in one :class:`ConfigValidationError`."""
        from shadowtest._request import parse_json, read_request

        return read_request(parse_json(text), "JSON", cls.from_boto3)

    @classmethod
    def from_boto3(cls, data: Mapping[str, object]) -> InferenceExperimentConfig:
        """Read ``create_inference_experiment`` keyword arguments, or a
        ``describe_inference_experiment`` response (which has no tags; its
        ``EndpointMetadata.EndpointName`` is used). Every problem is reported at once,
        with paths such as ``model_variants[1].instance_count``."""
        c = Checker()
        r = Reader(data, c, "", (
            "Name", "Type", "RoleArn", "EndpointName", "ModelVariants", "ShadowModeConfig",
            "Schedule", "Description", "DataStorageConfig", "KmsKey", "Tags",
            *cls._DESCRIBE_ONLY_KEYS))
        kind = r.required("Type", "type")
        if kind is not FAILED and kind != EXPERIMENT_TYPE:
            c.add("type", f"got {show(kind)}; must be {EXPERIMENT_TYPE!r}")
        if "EndpointName" not in r.data and isinstance(r.data.get("EndpointMetadata"), Mapping):
            endpoint = r.data["EndpointMetadata"].get("EndpointName", FAILED)
        else:
            endpoint = r.required("EndpointName", "endpoint_name")
        values: dict[str, Any] = {
            "name": r.required("Name", "name"),
            "endpoint_name": endpoint,
            "role_arn": r.required("RoleArn", "role_arn"),
            "description": r.optional("Description"),
            "kms_key": r.optional("KmsKey"),
            "model_variants": _read_list(r.required("ModelVariants", "model_variants"),
                                         c, "model_variants", ModelVariantConfig),
            "shadow_mode_config": _read_nested(r.required("ShadowModeConfig",
                                                          "shadow_mode_config"),
                                               c, "shadow_mode_config", ShadowModeConfig),
            "schedule": _read_nested(r.optional("Schedule"), c, "schedule",
                                     InferenceExperimentSchedule),
            "data_storage_config": _read_nested(r.optional("DataStorageConfig"), c,
                                                "data_storage_config", DataStorageConfig),
            "tags": _read_tags(r.optional("Tags"), c),
        }
        result = _build(cls, values, c)
        c.raise_if_any(cls.__name__)
        return result  # type: ignore[no-any-return]


def _failed(value: object) -> bool:
    return value is FAILED


def check_kms_key(c: Checker, path: str, value: object) -> None:
    """A KMS key ID, key ARN, alias name or alias ARN. The model allows an empty string,
    but an empty key names no key: leaving the field out (None) is how to say "none"."""
    if value == "":
        c.add(path, "got ''; give a KMS key ID, key ARN, alias name (alias/...) or alias ARN, "
                    "or leave it out (None) for no key")
    else:
        c.check_string(path, value, KMS_KEY)


def _check_tags(c: Checker, tags: object) -> None:
    if not isinstance(tags, Mapping):
        c.add("tags", f"got {type(tags).__name__} {show(tags)}; must be a mapping of tag keys "
                      "to values, e.g. {'team': 'ml'}")
        return
    if len(tags) > MAX_TAGS:
        c.add("tags", f"got {len(tags)} tags; at most {MAX_TAGS} are allowed")
    for key, value in tags.items():
        path = f"tags[{_key(key)}]"
        if c.check_string(path, key, TAG_KEY) and key[:4].lower() == "aws:":
            c.add(path, f"got key {show(key)}; keys starting with 'aws:' are reserved for AWS")
        c.check_string(path, value, TAG_VALUE, echo=False)  # a value may be private


def _key(key: object) -> str:
    """A tag key as a path shows it: exactly, unless it is far too long to be a key."""
    return repr(key) if isinstance(key, str) and len(key) <= 2 * TAG_KEY.max_len else show(key)


def _read_nested(data: object, c: Checker, path: str, cls: type[Any]) -> Any:
    """Read an optional nested object, recording its problems under ``path``."""
    if data is None or data is FAILED:
        return data
    sub = Checker()
    result = _build(cls, cls._read(data, sub), sub)
    c.problems.extend(p.under(path) for p in sub.problems)
    return result


def _read_list(data: object, c: Checker, path: str, cls: type[Any]) -> Any:
    if data is FAILED:
        return FAILED
    if not isinstance(data, (list, tuple)):
        c.add(path, f"got {type(data).__name__} {show(data)}; must be a list")
        return FAILED
    # read at most one item past the limit: a 100,000-item list is refused just as well
    items = [_read_nested(item, c, f"{path}[{i}]", cls)
             for i, item in enumerate(data[:MAX_MODEL_VARIANTS + 1])]
    if any(item is FAILED for item in items):
        # count and names are checked again once every item reads well; say the count now
        if len(items) != MAX_MODEL_VARIANTS:
            count = (f"more than {MAX_MODEL_VARIANTS}" if len(items) > MAX_MODEL_VARIANTS
                     else str(len(items)))
            c.add(path, f"got {count} variants; a shadow test is created with exactly 2")
        return FAILED
    return items


def _read_tags(data: object, c: Checker) -> Any:
    if data is None:
        return None
    if not isinstance(data, (list, tuple)):
        c.add("tags", f"got {type(data).__name__} {show(data)}; must be a list of "
                      "{'Key': ..., 'Value': ...} dicts")
        return FAILED
    tags: dict[Any, Any] = {}
    for i, item in enumerate(data):
        r = Reader(item, c, f"tags[{i}]", ("Key", "Value"))
        key, value = r.required("Key", "key"), r.required("Value", "value")
        if key is FAILED or value is FAILED:
            continue
        if not isinstance(key, str):
            c.add(f"tags[{i}].key", f"got {type(key).__name__} {show(key)}; must be a string")
        elif key in tags:
            c.add(f"tags[{_key(key)}]", f"key {show(key)} appears twice; tag keys must be unique")
        else:
            tags[key] = value
    return FrozenMap(tags)


# -- how the request side reads on a card (the response side's cards use these too) ----------

VARIANT_HEADERS: Final = ("variant", "role", "model", "instances")
"""The columns of a card's table of model variants."""


def when_text(value: datetime | None) -> str | None:
    """A time as a card shows it: ``2026-11-26 12:00:00 UTC`` (naive: without a zone)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.astimezone(_UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def span_text(delta: timedelta) -> str:
    """A duration in its two largest units: ``6 d 23 h``, ``2 h 5 min``, ``40 s``."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


def schedule_text(schedule: InferenceExperimentSchedule | None) -> str | None:
    """``start → end (duration)``, saying what the service does for a missing end."""
    if schedule is None:
        return None
    start, end = schedule.start_time, schedule.end_time
    if start is None and end is None:
        return "starts on creation, runs 7 days"
    text = f"{when_text(start) or 'on creation'} → {when_text(end) or '7 days later'}"
    if start is not None and end is not None:
        text += f" ({span_text(end - start)})"
    return text


def instances_text(instance_type: str, count: int) -> str:
    return f"{instance_type} × {count}"


def sampling_text(shadow_mode: ShadowModeConfig | None) -> str | None:
    if shadow_mode is None:
        return None
    return (f"{shadow_mode.sampling_percentage} % of requests to "
            f"{shadow_mode.source_model_variant_name!r} copied to "
            f"{shadow_mode.shadow_model_variant_name!r}")


def capture_text(storage: DataStorageConfig | None) -> str:
    """Where data capture goes, with its content types and key; ``off`` without one."""
    if storage is None:
        return "off"
    types = [*storage.csv_content_types, *storage.json_content_types]
    extra = f" ({', '.join(types)})" if types else ""
    kms = f", encrypted with {storage.kms_key}" if storage.kms_key else ""
    return f"{storage.destination}{extra}{kms}"


def role_of(name: str, shadow_mode: ShadowModeConfig | None) -> str | None:
    """``"production"`` or ``"shadow"`` for a variant the shadow mode config names."""
    if shadow_mode is None:
        return None
    if name == shadow_mode.source_model_variant_name:
        return "production"
    if name == shadow_mode.shadow_model_variant_name:
        return "shadow"
    return None

"""Reading the service's answers without crashing: the shapes shadowtest relies on.

A response is the service's word, so it is read, not judged (values that break a
request-side rule are kept); but a response that lacks a member the service model
marks as required, or has one of the wrong shape (a truncated answer, a proxy's
page, a service change), becomes one :class:`MalformedResponseError` naming the
operation and the field, raised where the response is read. Members this version
does not know are ignored, so a newer service or botocore never breaks parsing.

The shapes below are the service model's output shapes, reduced to what is read;
``tests/test_drift.py`` compares their required members with botocore's model.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, NoReturn, TypeAlias

from shadowtest._checks import show
from shadowtest.errors import MalformedResponseError

__all__ = [
    "ARN_RESPONSE",
    "DESCRIBE_RESPONSE",
    "LIST_RESPONSE",
    "SUMMARY",
    "Shape",
    "Struct",
    "arn_of",
    "check_describe",
    "check_summaries",
    "fail",
    "find_problem",
]

# A shape: a Python type for a scalar; a tuple of (key, required, shape) members for a
# structure; a one-item list [shape] for a list (at least one item when required).
Shape: TypeAlias = "type | tuple[tuple[str, bool, Shape], ...] | list[Shape]"
Struct: TypeAlias = "tuple[tuple[str, bool, Shape], ...]"

_OPTIONAL_TEXT: Final = ("StatusReason", "Description", "RoleArn", "KmsKey")
_TIMES: Final = ("CreationTime", "CompletionTime", "LastModifiedTime")
_SCHEDULE: Final[Struct] = (("StartTime", False, datetime), ("EndTime", False, datetime))

VARIANT: Final[Struct] = (
    ("ModelName", True, str),
    ("VariantName", True, str),
    ("InfrastructureConfig", True, (
        ("InfrastructureType", True, str),
        ("RealTimeInferenceConfig", True, (
            ("InstanceType", True, str),
            ("InstanceCount", True, int),
        )),
    )),
    ("Status", True, str),
)
DESCRIBE_RESPONSE: Final[Struct] = (
    ("Arn", True, str),
    ("Name", True, str),
    ("Type", True, str),
    ("Status", True, str),
    ("EndpointMetadata", True, (
        ("EndpointName", True, str),
        ("EndpointConfigName", False, str),
        ("EndpointStatus", False, str),
        ("FailureReason", False, str),
    )),
    ("ModelVariants", True, [VARIANT]),
    ("Schedule", False, _SCHEDULE),
    *((key, False, str) for key in _OPTIONAL_TEXT),
    *((key, False, datetime) for key in _TIMES),
    ("DataStorageConfig", False, (
        ("Destination", True, str),
        ("KmsKey", False, str),
        ("ContentType", False, (
            ("CsvContentTypes", False, [str]),
            ("JsonContentTypes", False, [str]),
        )),
    )),
    ("ShadowModeConfig", False, (
        ("SourceModelVariantName", True, str),
        # the model's list has exactly one item (min 1, max 1)
        ("ShadowModelVariants", True, [(
            ("ShadowModelVariantName", True, str),
            ("SamplingPercentage", True, int),
        )]),
    )),
)
SUMMARY: Final[Struct] = (
    ("Name", True, str),
    ("Type", True, str),
    ("Status", True, str),
    ("CreationTime", True, datetime),
    ("LastModifiedTime", True, datetime),
    ("Schedule", False, _SCHEDULE),
    ("StatusReason", False, str),
    ("Description", False, str),
    ("RoleArn", False, str),
    ("CompletionTime", False, datetime),
)
# the model does not require InferenceExperiments: a page without it has no entries
LIST_RESPONSE: Final[Struct] = (("InferenceExperiments", False, [SUMMARY]),)
ARN_RESPONSE: Final[Struct] = (("InferenceExperimentArn", True, str),)

_DESCRIBE_REQUIRED: Final = frozenset(key for key, required, _ in DESCRIBE_RESPONSE
                                      if required)
_TYPE_WORDS: Final = {str: "a string", int: "an integer", datetime: "a timestamp",
                      bool: "a boolean"}


def find_problem(value: object, shape: Shape, path: str = "") -> tuple[str, str] | None:
    """The first member of ``value`` that breaks ``shape``, as ``(path, what is wrong)``;
    ``None`` when it fits. Unknown members are ignored."""
    if isinstance(shape, type):
        if isinstance(value, shape) and not (shape is int and isinstance(value, bool)):
            return None
        return path, f"got {type(value).__name__} {show(value)}; must be {_TYPE_WORDS[shape]}"
    if isinstance(shape, list):
        if not isinstance(value, (list, tuple)):
            return path, f"got {type(value).__name__} {show(value)}; must be a list"
        for i, item in enumerate(value):
            found = find_problem(item, shape[0], f"{path}[{i}]")
            if found is not None:
                return found
        return None
    if not isinstance(value, Mapping):
        return path, f"got {type(value).__name__} {show(value)}; must be a structure (dict)"
    for key, required, member in shape:
        where = f"{path}.{key}" if path else key
        if key not in value:
            if required:
                return where, "is missing (the service model marks it required)"
            continue
        item = value[key]
        if isinstance(member, list) and required and isinstance(item, (list, tuple)) \
                and not item:
            return where, "is an empty list; the service model requires at least one item"
        found = find_problem(item, member, where)
        if found is not None:
            return found
    return None


def fail(operation: str, value: object, shape: Shape, fallback: str = "") -> NoReturn:
    """Raise the :class:`MalformedResponseError` for ``value``, naming the first member
    that breaks ``shape`` (or ``fallback`` if none is found)."""
    found = find_problem(value, shape) or (fallback, "could not be read")
    field, message = found
    raise MalformedResponseError(
        f"{operation} answered with a malformed response: {field or 'the response'} "
        f"{message}", operation=operation, field=field)


def check_describe(data: object) -> None:
    """Raise :class:`MalformedResponseError` unless ``data`` has what every describe
    response has (the members the model requires, the top-level shapes). It costs one
    set comparison and a few type checks; nested members are checked when first read
    (see ``InferenceExperiment``), and the full walk runs only to name what is wrong."""
    if (type(data) is dict and data.keys() >= _DESCRIBE_REQUIRED
            and type(data["Status"]) is str and type(data["Name"]) is str
            and type(data["Arn"]) is str and type(data["ModelVariants"]) is list
            and type(data["EndpointMetadata"]) is dict):
        shadow = data.get("ShadowModeConfig")
        if shadow is None or (type(shadow) is dict and shadow.get("ShadowModelVariants")):
            return
    fail("DescribeInferenceExperiment", data, DESCRIBE_RESPONSE)


def check_summaries(page: object) -> list[Any]:
    """The ``InferenceExperiments`` list of a list page; :class:`MalformedResponseError`
    unless it is one. Its entries are checked as they are read (a summary's fields raise
    the same error): checking a hundred entries up front costs as much as reading them."""
    items = page.get("InferenceExperiments", []) if isinstance(page, Mapping) else None
    if type(items) is list:
        return items
    fail("ListInferenceExperiments", page, LIST_RESPONSE)


def arn_of(operation: str, response: object) -> str:
    """The ``InferenceExperimentArn`` of a create/update/start/stop/delete response."""
    if type(response) is dict:  # botocore's answer always is; no ABC check on the way
        arn = response.get("InferenceExperimentArn")
        if type(arn) is str:
            return arn
    fail(operation, response, ARN_RESPONSE)

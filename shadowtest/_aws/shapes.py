"""Reading the services' answers without crashing: the shapes shadowtest relies on.

A response is the service's word, so it is read, not judged (values that break a
request-side rule are kept); but a response that lacks a member the service model marks
as required, or has one of the wrong shape (a truncated answer, a proxy's page, a
service change), becomes one :class:`MalformedResponseError` naming the operation and
the field, raised where the response is read. So does content the service never stores
and shadowtest cannot use: an empty name (:class:`Name`), which a request it is sent back
in refuses, or a capture destination that is no URI (:class:`DestinationUri`). Members
this version does not know are ignored, so a newer service or botocore never breaks
parsing.

Each service module holds its operations' output shapes, reduced to what is read;
``tests/test_faults.py`` compares their required members with botocore's model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Final, Literal, NoReturn, TypeAlias, TypeGuard

from shadowtest._checks import show
from shadowtest.errors import MalformedResponseError

__all__ = ["SENT", "DestinationUri", "Name", "Shape", "Struct", "fail", "find_problem",
           "is_destination", "is_name"]

SENT: Final = "sent"
"""A member's ``required`` for one the service model leaves optional but every answer of
the service carries (CloudWatch's ``MetricDataResults``): an answer without it is not the
service's (an HTML page or an error body botocore read as an empty answer)."""


class Name(str):
    """A shape (never made): a name the service stores, a string of one character or more.
    Every name's pattern in the model requires one, and a request an empty name is sent
    back in (a CloudWatch dimension, an update's variants) is refused."""

    __slots__ = ()


class DestinationUri(str):
    """A shape (never made): a ``DestinationS3Uri``, an s3:// or https:// URI with a
    bucket, as the model's pattern says."""

    __slots__ = ()


# the model's DestinationS3Uri pattern (anchored, as the service applies it)
_DESTINATION: Final = re.compile(r"(https|s3)://([^/])/?(.*)")


def is_name(value: object) -> TypeGuard[str]:
    """Whether ``value`` fits :class:`Name`."""
    return type(value) is str and value != ""


def is_destination(value: object) -> TypeGuard[str]:
    """Whether ``value`` fits :class:`DestinationUri`."""
    return type(value) is str and _DESTINATION.fullmatch(value) is not None


# A shape: a Python type for a scalar (``float``: any number; Name and DestinationUri: a
# string of that content); a tuple of (key, required, shape) members for a structure; a
# one-item list [shape] for a list (at least one item when required).
Shape: TypeAlias = "type | tuple[tuple[str, bool | Literal['sent'], Shape], ...] | list[Shape]"
Struct: TypeAlias = "tuple[tuple[str, bool | Literal['sent'], Shape], ...]"

_TYPE_WORDS: Final = {str: "a string", int: "an integer", datetime: "a timestamp",
                      bool: "a boolean", float: "a number", Name: "a non-empty string",
                      DestinationUri: "an s3:// or https:// URI with a bucket"}


def _fits(value: object, shape: type) -> bool:
    if shape is Name:
        return is_name(value)
    if shape is DestinationUri:
        return is_destination(value)
    if isinstance(value, bool):
        return shape is bool
    if shape is float:
        return isinstance(value, (int, float))
    return isinstance(value, shape)


def find_problem(value: object, shape: Shape, path: str = "") -> tuple[str, str] | None:
    """The first member of ``value`` that breaks ``shape``, as ``(path, what is wrong)``;
    ``None`` when it fits. Unknown members are ignored."""
    if isinstance(shape, type):
        if _fits(value, shape):
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
            if required == SENT:
                return where, "is missing (every answer of the service has it)"
            if required:
                return where, "is missing (the service model marks it required)"
            continue
        item = value[key]
        if isinstance(member, list) and required is True and isinstance(item, (list, tuple)) \
                and not item:
            return where, "is an empty list; the service model requires at least one item"
        found = find_problem(item, member, where)
        if found is not None:
            return found
    return None


def fail(operation: str, value: object, shape: Shape, fallback: str = "") -> NoReturn:
    """Raise the :class:`MalformedResponseError` for ``value``, naming the first member
    that breaks ``shape`` (or ``fallback`` if none is found)."""
    field, message = find_problem(value, shape) or (fallback, "could not be read")
    raise MalformedResponseError(
        f"{operation} answered with a malformed response: {field or 'the response'} "
        f"{message}", operation=operation, field=field)

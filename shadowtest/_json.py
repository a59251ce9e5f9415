"""Strict JSON from results: one conversion behind every ``to_dict()``.

What :func:`jsonable` returns goes through ``json.dumps(value, allow_nan=False)``: plain
dicts (string keys), lists, strings, finite numbers, booleans and ``None``. Timestamps
become ISO 8601 UTC strings (``"2026-12-01T09:00:00Z"``, as request files hold them),
enums their value, durations seconds, a NaN or infinite number ``None`` (JSON has none),
and an object with a ``to_dict()`` its own dict: one rule wherever it is nested.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

__all__ = ["iso", "jsonable"]


def iso(when: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a ``Z`` (naive ones are taken as UTC)."""
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.replace(tzinfo=None).isoformat() + "Z"


def jsonable(value: object) -> object:
    """``value`` as strict JSON (see the module docstring); anything else is a TypeError."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return jsonable(to_dict())
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no JSON form")

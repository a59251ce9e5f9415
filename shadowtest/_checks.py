"""The machinery behind validation: rules as data, and a collector of every problem.

Kept apart from ``config.py`` so the client can check call arguments the same
way; the rules themselves (the constants) live in ``config.py``.
"""

from __future__ import annotations

import math
import re
import reprlib
import unicodedata
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    ValuesView,
)
from datetime import datetime, timedelta, timezone
from itertools import islice
from typing import Any, Final, NoReturn, TypeVar

import attrs

from shadowtest.errors import ConfigValidationError, Problem

__all__ = [
    "FAILED",
    "Checker",
    "FrozenMap",
    "Reader",
    "StringRule",
    "article",
    "show",
    "tag_text_matches",
    "to_frozen_map",
    "to_tuple",
    "type_name",
    "unchecked",
]


class _Failed:
    """Stands in for a value that could not be read; checks skip it (its problem is recorded)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<failed>"


FAILED: Final = _Failed()


@attrs.frozen
class StringRule:
    """A string constraint copied from the service model (the drift test compares them)."""

    shape: str  # botocore shape name
    min_len: int
    max_len: int
    pattern: str  # the model's pattern text, verbatim
    hint: str  # the pattern in words, for messages
    matches: Callable[[str], bool] = attrs.field(eq=False, repr=False)

    @classmethod
    def regex(cls, shape: str, min_len: int, max_len: int, pattern: str, hint: str) -> StringRule:
        """A rule whose pattern Python's ``re`` can run: full match, ASCII classes (as Java's)."""
        compiled = re.compile(pattern, re.ASCII)
        return cls(shape, min_len, max_len, pattern, hint,
                   lambda s: compiled.fullmatch(s) is not None)


_TAG_PUNCTUATION: Final = frozenset("_.:/=+-@")


def tag_text_matches(text: str) -> bool:
    r"""``([\p{L}\p{Z}\p{N}_.:/=+\-@]*)`` as a full match; ``re`` has no ``\p{..}`` classes."""
    for ch in text:
        if ch in _TAG_PUNCTUATION:
            continue
        if unicodedata.category(ch)[0] not in "LZN":
            return False
    return True


class _Shown(reprlib.Repr):
    """repr() for messages: bounded in depth and length, so a huge or deeply nested value
    costs no more than a short one (a plain repr of a list nested 5,000 deep raises
    RecursionError; of a 100,000-item list, builds megabytes only to cut them)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = self.maxother = self.maxlong = 70
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = 6
        self.maxdict = 4


_SHOWN: Final = _Shown()


def show(value: object) -> str:
    """A value as it appears in a message: its repr, cut short when long."""
    # only the start of a long string is shown, so only the start is repr()'d
    text = repr(value[:100]) if isinstance(value, str) else _SHOWN.repr(value)
    if len(text) > 70:
        text = text[:60] + "...'" if isinstance(value, str) else text[:64] + "..."
    return text


def article(noun: str) -> str:
    """``noun`` with "a" or "an" before it, by its first letter ("an InferenceExperiment")."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def type_name(value: object) -> str:
    return type(value).__name__


T = TypeVar("T")


class Checker:
    """Collects problems; every ``check_*`` returns whether the value passed."""

    __slots__ = ("problems",)

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def merge(self, error: ConfigValidationError, prefix: str) -> None:
        self.problems.extend(p.under(prefix) if prefix else p for p in error.errors)

    def fail(self, subject: str) -> NoReturn:
        raise ConfigValidationError(self.problems, subject=subject)

    def raise_if_any(self, subject: str) -> None:
        if self.problems:
            self.fail(subject)

    # -- single values -------------------------------------------------------------------

    def check_string(self, path: str, value: object, rule: StringRule, *,
                     echo: bool = True) -> bool:
        """``echo=False`` keeps the value out of the message (e.g. a tag value, which may
        hold something private)."""
        if value is FAILED:
            return False
        shown = show(value) if echo else "a value"
        if not isinstance(value, str):
            self.add(path, f"got {type_name(value)} {shown if echo else ''}".rstrip()
                           + f"; must be a string ({rule.hint})")
            return False
        if not rule.min_len <= len(value) <= rule.max_len:
            span = f"at most {rule.max_len}" if rule.min_len == 0 else (
                f"{rule.min_len}–{rule.max_len}")
            self.add(path, f"got {shown} ({len(value)} characters); "
                           f"must be {span} characters ({rule.hint})")
            return False
        if not rule.matches(value):
            self.add(path, f"got {shown}; must be {rule.hint}")
            return False
        return True

    def check_int(
        self, path: str, value: object, *, ge: int | None = None, le: int | None = None,
        why: str = "",
    ) -> bool:
        if value is FAILED:
            return False
        allowed = _int_range(ge, le) + (f" ({why})" if why else "")
        # bool is an int subclass, but True as a count is a mistake, never intended
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"got {type_name(value)} {show(value)}; must be {allowed}")
            return False
        if (ge is not None and value < ge) or (le is not None and value > le):
            self.add(path, f"got {value}; must be {allowed}")
            return False
        return True

    def check_bool(self, path: str, value: object) -> bool:
        if isinstance(value, bool):
            return True
        self.add(path, f"got {type_name(value)} {show(value)}; must be True or False")
        return False

    def check_seconds(self, path: str, value: object, *, ge: float = 0.0,
                      le: float = math.inf) -> bool:
        """``value`` is a finite number of seconds from ``ge`` to ``le``."""
        if value is FAILED:
            return False
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(path, f"got {type_name(value)} {show(value)}; must be a number of seconds")
            return False
        if not (math.isfinite(value) and ge <= value <= le):
            allowed = f">= {ge:g}" if le == math.inf else f"from {ge:g} to {le:g}"
            self.add(path, f"got {value!r}; must be a finite number of seconds {allowed}")
            return False
        return True

    def check_aware(self, path: str, value: object) -> bool:
        if value is FAILED:
            return False
        if not isinstance(value, datetime):
            self.add(path, f"got {type_name(value)} {show(value)}; "
                           "must be a timezone-aware datetime")
            return False
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            self.add(path, f"got naive datetime {value.isoformat()}; must be timezone-aware "
                           "(e.g. datetime(..., tzinfo=timezone.utc)); shadowtest never guesses "
                           "a time zone")
            return False
        try:
            # it is sent in UTC, and schedules reach up to 30 days either side of it
            utc = value.astimezone(timezone.utc)
            utc + _MARGIN, utc - _MARGIN
        except OverflowError:
            self.add(path, f"got {value.isoformat()}, within 30 days of the limits of "
                           "datetime (years 1 and 9999); shadowtest sends times in UTC and "
                           "works 30 days either side of them, so it refuses those")
            return False
        return True

    def check_instance(self, path: str, value: object, cls: type[Any], what: str) -> bool:
        if value is FAILED:
            return False
        if not isinstance(value, cls):
            self.add(path, f"got {type_name(value)} {show(value)}; must be {what}")
            return False
        return True

    def check_choice(self, path: str, value: object, choices: Iterable[str]) -> bool:
        if value is FAILED:
            return False
        options = tuple(choices)
        if not isinstance(value, str) or value not in options:
            listed = ", ".join(repr(c) for c in options)
            self.add(path, f"got {show(value)}; must be one of {listed}")
            return False
        return True

    def check_sequence(
        self, path: str, value: object, *, min_len: int, max_len: int, what: str
    ) -> bool:
        """A tuple (our converters turn lists into tuples) of ``min_len``–``max_len`` items."""
        if value is FAILED:
            return False
        if not isinstance(value, tuple):
            self.add(path, f"got {type_name(value)} {show(value)}; must be a list of {what}")
            return False
        if not min_len <= len(value) <= max_len:
            span = str(min_len) if min_len == max_len else f"{min_len}–{max_len}"
            self.add(path, f"got {_count(len(value), max_len)} items; must be {span} {what}")
            return False
        return True


_MARGIN: Final = timedelta(days=31)


def _count(n: int, limit: int) -> str:
    # an iterable is read up to one item past its limit (to_tuple), so more is unknown
    return f"more than {limit}" if n > limit else str(n)


def _int_range(ge: int | None, le: int | None) -> str:
    if ge is not None and le is not None:
        return f"an integer from {ge} to {le}"
    if ge is not None:
        return f"an integer >= {ge}"
    if le is not None:
        return f"an integer <= {le}"
    return "an integer"


# -- converters: turn what a caller may pass into the stored form, or leave it for a check ----


def to_tuple(value: Any, limit: int | None = None) -> Any:
    """Lists and other non-string iterables become tuples; anything else is left to be reported.

    With ``limit``, at most ``limit + 1`` items are read: enough to tell the value is too
    long, without reading an endless iterator (``itertools.count()``) to the end.
    """
    if isinstance(value, tuple):
        return value if limit is None else value[:limit + 1]
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        return value
    if limit is None:
        return tuple(value)
    return tuple(islice(value, limit + 1))


K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """The one read-only mapping of shadowtest's results: a config's tags, a judgement's
    gates, both variants' series, a plan's request parameters, a comparison's scores.

    It keeps insertion order, equals any mapping with the same items (a dict too), pickles
    and deep-copies (``MappingProxyType`` does neither), and is hashable when its values
    are, as a tuple is. Built from a mapping, which it copies."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V]) -> None:
        self._data = dict(data)
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    # the dict's own views: read-only, and iterated in C (Mapping's mixins iterate in Python)
    def keys(self) -> KeysView[K]:
        """The keys, as a read-only view."""
        return self._data.keys()

    def values(self) -> ValuesView[V]:
        """The values, as a read-only view."""
        return self._data.values()

    def items(self) -> ItemsView[K, V]:
        """The ``(key, value)`` pairs, as a read-only view."""
        return self._data.items()

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[object, ...]:
        return (FrozenMap, (self._data,))


def to_frozen_map(value: Any) -> Any:
    if value is None or isinstance(value, FrozenMap) or not isinstance(value, Mapping):
        return value
    return FrozenMap(value)


# -- reading boto3 dicts --------------------------------------------------------------------


class Reader:
    """Reads keys of a boto3-shaped dict, recording a problem (and giving FAILED) when one is
    missing or the dict is not a dict at all; keys outside ``allowed`` are ignored."""

    __slots__ = ("checker", "data", "ok", "prefix")

    def __init__(self, data: object, checker: Checker, prefix: str, allowed: Iterable[str]) -> None:
        self.checker = checker
        self.prefix = prefix
        self.ok = isinstance(data, Mapping)
        if not isinstance(data, Mapping):
            if data is not FAILED:  # FAILED's problem (missing, not a dict) is reported already
                checker.add(prefix, f"got {type_name(data)} {show(data)}; must be a dict "
                                    "in the API's shape")
            self.data: Mapping[str, Any] = {}
            return
        self.data = data
        # Keys this version does not know are ignored: a newer service or botocore must
        # not break reading (a request file is checked for typos where it is read).
        for key in allowed:
            if key in data and data[key] is None:
                # boto3 never returns None for a member and refuses it in a request;
                # treating it as "absent" would hide a caller's bug.
                checker.add(prefix, f"{key} is None; omit the key instead")

    def required(self, key: str, path: str) -> Any:
        if key in self.data:
            value = self.data[key]
            return FAILED if value is None else value  # None was reported on reading
        if self.ok:  # a non-dict was reported once already
            self.checker.add(_join(self.prefix, path), f"{key} is required")
        return FAILED

    def optional(self, key: str, default: Any = None) -> Any:
        value = self.data.get(key)
        return default if value is None else value


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return f"{prefix}{'' if path.startswith('[') else '.'}{path}"


C = TypeVar("C")

_FIELD_PLANS: dict[type[Any], tuple[tuple[str, Any, Any], ...]] = {}


def _default_of(field: Any) -> Any:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return default.factory()
    return default


def _field_plan(cls: type[Any]) -> tuple[tuple[str, Any, Any], ...]:
    plan = _FIELD_PLANS.get(cls)
    if plan is None:
        plan = tuple((f.name, _default_of(f), f.converter) for f in attrs.fields(cls))
        _FIELD_PLANS[cls] = plan
    return plan


def unchecked(cls: type[C], **values: Any) -> C:
    """An instance of an attrs class built without its validation (converters still run).

    Used for values that are already known to be valid (responses from the service),
    and to run the checks over partially read input so that every problem is reported
    at once.
    """
    obj = object.__new__(cls)
    setattr_ = object.__setattr__
    for name, default, converter in _field_plan(cls):
        value = values.get(name, default)
        if converter is not None and value is not FAILED:
            value = converter(value)
        setattr_(obj, name, value)
    return obj

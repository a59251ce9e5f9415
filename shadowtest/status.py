"""Statuses, variant actions, and which operation is allowed in which status — as data.

The client, the planner (:mod:`shadowtest.plan`) and the fake read the tables here
through :func:`check_operation`; what an update may change in each status is in
:mod:`shadowtest.plan`.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Final, Literal, TypeVar

from shadowtest.errors import InvalidStatusError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from typing_extensions import Self

__all__ = [
    "ALLOWED_STATUSES",
    "TERMINAL",
    "TRANSIENT",
    "EndpointStatus",
    "ExperimentStatus",
    "ModelVariantStatus",
    "StatusName",
    "StopState",
    "StrEnum",
    "VariantAction",
    "VariantActionName",
    "check_operation",
    "parse_enum",
    "status_advice",
]



class StrEnum(str, Enum):
    """A ``str`` enum whose ``str()`` is its value (``enum.StrEnum`` needs Python 3.11).

    :meth:`parse` reads a value from a response: a value this version does not know (a
    newer service) becomes a stand-in member carrying it, so code typed against the enum
    keeps working and the value is never lost; the constructor stays strict.
    """

    def __str__(self) -> str:
        return str(self.value)

    __format__ = str.__format__  # type: ignore[assignment]

    @classmethod
    def parse(cls, value: str) -> Self:
        """The member for ``value``; for a value this version does not know, a stand-in
        member of this enum with that value (``is_known`` is false; it equals the string)."""
        member = cls._value2member_map_.get(value)
        if member is None:
            member = str.__new__(cls, value)
            member._name_ = member._value_ = value
        return member  # type: ignore[return-value]

    @property
    def is_known(self) -> bool:
        """Whether this version of shadowtest knows the value (see :meth:`parse`)."""
        return self._value_ in type(self)._value2member_map_

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        # by value through parse(), so a stand-in member pickles too
        return type(self).parse, (self._value_,)


class ExperimentStatus(StrEnum):
    """The status of an inference experiment; values are the API's strings."""

    CREATING = "Creating"
    CREATED = "Created"
    UPDATING = "Updating"
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"

    @property
    def is_terminal(self) -> bool:
        """Completed or Cancelled: nothing but tags can change any more."""
        return self in TERMINAL

    @property
    def is_transient(self) -> bool:
        """Creating, Updating, Starting or Stopping: wait for it to settle."""
        return self in TRANSIENT


class VariantAction(StrEnum):
    """What ``stop`` does with a variant; values are the API's strings."""

    PROMOTE = "Promote"  # make the shadow variant the production variant
    REMOVE = "Remove"  # delete the variant
    RETAIN = "Retain"  # keep the variant as it is


class ModelVariantStatus(StrEnum):
    """The status of one variant of an experiment (``ModelVariants[].Status``)."""

    CREATING = "Creating"
    UPDATING = "Updating"
    IN_SERVICE = "InService"
    DELETING = "Deleting"
    DELETED = "Deleted"


class EndpointStatus(StrEnum):
    """The status of the experiment's endpoint (``EndpointMetadata.EndpointStatus``)."""

    OUT_OF_SERVICE = "OutOfService"
    CREATING = "Creating"
    UPDATING = "Updating"
    SYSTEM_UPDATING = "SystemUpdating"
    ROLLING_BACK = "RollingBack"
    IN_SERVICE = "InService"
    DELETING = "Deleting"
    FAILED = "Failed"
    UPDATE_ROLLBACK_FAILED = "UpdateRollbackFailed"


E = TypeVar("E", bound=StrEnum)


def parse_enum(enum: type[E], value: str) -> E:
    """``enum.parse(value)``: the member, or a stand-in member for a value this version does
    not know — an unknown value in a response is kept, never a crash."""
    return enum.parse(value)


StatusName = Literal["Creating", "Created", "Updating", "Starting", "Running", "Stopping",
                     "Completed", "Cancelled"]
"""The statuses as the API spells them; signatures take ``ExperimentStatus | StatusName``,
so a type checker catches ``"Runing"``."""

VariantActionName = Literal["Promote", "Remove", "Retain"]
"""The variant actions of a stop, as the API spells them."""

StopState = Literal["Completed", "Cancelled", ExperimentStatus.COMPLETED,
                    ExperimentStatus.CANCELLED]
"""The states a stop can end in: Completed or Cancelled, as a string or a member."""


S = ExperimentStatus

TRANSIENT: Final = frozenset({S.CREATING, S.UPDATING, S.STARTING, S.STOPPING})
TERMINAL: Final = frozenset({S.COMPLETED, S.CANCELLED})

#: Which status each operation needs (update in Created or Running, start only before it
#: starts, stop while it runs, delete once it is not running). Anything else is refused
#: before sending.
ALLOWED_STATUSES: Final[Mapping[str, frozenset[ExperimentStatus]]] = {
    "update": frozenset({S.CREATED, S.RUNNING}),
    "start": frozenset({S.CREATED}),
    "stop": frozenset({S.RUNNING}),
    "delete": frozenset({S.CREATED, S.COMPLETED, S.CANCELLED}),
}

#: What to do instead, for (operation, status) pairs that are refused. Transient statuses
#: share one piece of advice, added by :func:`status_advice`.
_ADVICE: Final[Mapping[tuple[str, ExperimentStatus], str]] = {
    ("update", S.COMPLETED): "it has ended; create a new experiment instead",
    ("update", S.CANCELLED): "it has ended; create a new experiment instead",
    ("start", S.RUNNING): "it is running already",
    ("start", S.COMPLETED): "it has ended; create a new experiment instead",
    ("start", S.CANCELLED): "it has ended; create a new experiment instead",
    ("stop", S.CREATED): "it has not started: start it first, or delete it",
    ("stop", S.COMPLETED): "it has ended already",
    ("stop", S.CANCELLED): "it has ended already",
    ("delete", S.RUNNING): "stop it first (ExperimentClient.stop, .promote or .conclude), "
                           "then wait for Completed or Cancelled",
}


def status_advice(operation: str, status: ExperimentStatus | str) -> str:
    """One phrase saying what to do when ``operation`` is refused in ``status``."""
    if status in TRANSIENT:
        return f"wait for it to leave {status} (ExperimentClient.wait)"
    if isinstance(status, ExperimentStatus) and status.is_known:
        return _ADVICE.get((operation, status), "")
    return f"shadowtest does not know the status {status!r}; upgrade shadowtest or botocore"


def check_operation(operation: str, name: str, status: ExperimentStatus | str) -> None:
    """Raise :class:`InvalidStatusError` unless ``operation`` ("start", "stop", "delete",
    "update") is allowed in ``status`` (:data:`ALLOWED_STATUSES`)."""
    if status in ALLOWED_STATUSES[operation]:
        return
    allowed = " or ".join(sorted(str(s) for s in ALLOWED_STATUSES[operation]))
    advice = status_advice(operation, status)
    raise InvalidStatusError(
        f"cannot {operation} inference experiment {name!r} while it is {status} "
        f"(only when {allowed}){': ' + advice if advice else ''}; nothing was sent",
        name=name, status=str(status), operation=operation,
    )

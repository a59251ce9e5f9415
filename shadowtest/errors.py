"""Everything shadowtest raises, and the one place service errors are translated.

The tree::

    ShadowTestError                      root of every error shadowtest raises itself
    ├── ConfigValidationError            (also a ValueError) a config or argument breaks a rule;
    │                                    .errors lists every problem, each with .path and .message
    ├── InvalidStatusError               the experiment's status forbids the operation;
    │   │                                .name, .status, .operation; nothing was sent
    │   └── UpdateNotAllowedError        an update breaks the Created/Running rules; also .fields
    ├── ServiceError                     the service refused a request (translated ClientError);
    │   │                                .name, .operation, .code, .service_message, .subject;
    │   │                                the botocore ClientError is the __cause__. CloudWatch's
    │   │                                and S3's common codes are ServiceError itself
    │   ├── ExperimentNotFoundError      ResourceNotFound (also a LookupError)
    │   ├── ExperimentAlreadyExistsError ResourceInUse: the name is taken
    │   ├── ExperimentConflictError      ConflictException: the service's status check refused it
    │   └── ResourceLimitExceededError   ResourceLimitExceeded
    ├── ReplacementRequiredError         apply() would have to stop, delete and create the
    │                                    experiment again; .name, .fields; nothing was sent
    ├── ApplyIncompleteError             apply() carried out some steps and then one failed;
    │                                    says what was done and what was not; .name, .done,
    │                                    .failed; the failure is the __cause__; re-run apply
    ├── MalformedResponseError           a response lacks a field the service model requires,
    │                                    or has one of the wrong shape; .operation, .field
    ├── WaitTimeoutError                 (also a TimeoutError) wait() ran out of time;
    │                                    .name, .status (last seen), .waited; the last
    │                                    transient fault is the __cause__
    ├── UnexpectedStatusError            wait() saw a terminal status it was not waiting for;
    │                                    .name, .status, .reason
    ├── PromotionBlockedError            promote(require=...) judged the shadow short of what
    │                                    was required; nothing was sent; .name, .required,
    │                                    .judgement
    ├── PreflightError                   apply() ran preflight before a create and it found an
    │                                    error; nothing was sent; .preflight (every finding)
    └── CaptureFormatError               (also a ValueError) a data-capture line or payload is
                                         not what SageMaker writes; says what, never quotes it

Which service code becomes which class is one table per service, kept with the
service's operations in ``shadowtest._aws`` (SageMaker's is :data:`ERROR_CODES`, here
because it is public). Any other ``botocore`` error (throttling, access denied to
SageMaker, validation the service does itself, network failures) propagates exactly
as botocore raised it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs

from shadowtest._displayed import Displayed

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from botocore.exceptions import ClientError

    from shadowtest._card import Card
    from shadowtest.judgement import Judgement
    from shadowtest.preflight import Preflight

__all__ = [
    "ERROR_CODES",
    "MAX_PROBLEMS_SHOWN",
    "ApplyIncompleteError",
    "CaptureFormatError",
    "ConfigValidationError",
    "ExperimentAlreadyExistsError",
    "ExperimentConflictError",
    "ExperimentNotFoundError",
    "InvalidStatusError",
    "MalformedResponseError",
    "PreflightError",
    "Problem",
    "PromotionBlockedError",
    "ReplacementRequiredError",
    "ResourceLimitExceededError",
    "ServiceError",
    "ShadowTestError",
    "UnexpectedStatusError",
    "UpdateNotAllowedError",
    "WaitTimeoutError",
    "translate_client_error",
]


MAX_PROBLEMS_SHOWN: Final = 20
"""How many problems a :class:`ConfigValidationError` message lists before "and N more"."""


class ShadowTestError(Exception):
    """Root of every exception shadowtest raises itself."""


@attrs.frozen
class Problem:
    """One broken rule: where (``path``, e.g. ``model_variants[1].instance_count``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def to_dict(self) -> dict[str, str]:
        """``{"path": ..., "message": ...}`` (strict JSON)."""
        return {"path": self.path, "message": self.message}

    def under(self, prefix: str) -> Problem:
        """The same problem, seen from an enclosing object whose field is ``prefix``."""
        if not prefix:
            return self
        if not self.path:
            return Problem(prefix, self.message)
        joiner = "" if self.path.startswith("[") else "."
        return Problem(f"{prefix}{joiner}{self.path}", self.message)


class ConfigValidationError(ShadowTestError, ValueError, Displayed):
    """A config object or a call's arguments break one or more rules.

    ``errors`` holds **every** problem found, not just the first; ``str()``
    gives one line per problem::

        >>> ModelVariantConfig(model_name="m", variant_name="v",
        ...                    instance_type="ml.m5.large", instance_count=0)
        Traceback (most recent call last):
        ConfigValidationError: ModelVariantConfig is invalid (1 problem):
          instance_count: got 0; must be an integer >= 1 ...
    """

    errors: tuple[Problem, ...]
    subject: str

    def __init__(self, errors: Iterable[Problem], *, subject: str = "configuration") -> None:
        self.errors = tuple(errors)
        self.subject = subject
        super().__init__(self._render())

    def _heading(self) -> str:
        n = len(self.errors)
        verb = "are" if self.subject.endswith("arguments") else "is"
        return f"{self.subject} {verb} invalid ({n} problem{'s' if n != 1 else ''})"

    def _render(self) -> str:
        n = len(self.errors)
        lines = [f"{self._heading()}:"]
        # a message stays readable however many problems there are: .errors has them all
        lines.extend(f"  {problem}" for problem in self.errors[:MAX_PROBLEMS_SHOWN])
        if n > MAX_PROBLEMS_SHOWN:
            lines.append(f"  and {n - MAX_PROBLEMS_SHOWN} more (see .errors)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_config_error, (self.errors, self.subject))

    def _card(self, now: datetime | None = None) -> Card:
        """The problems as a table of path and message (every one: ``str()`` stops at
        :data:`MAX_PROBLEMS_SHOWN`)."""
        from shadowtest._card import Card, Table

        return Card(self._heading(), (), [Table(None, ("path", "problem"),
                                               [(p.path or "—", p.message) for p in self.errors])])


def _rebuild_config_error(errors: tuple[Problem, ...], subject: str) -> ConfigValidationError:
    return ConfigValidationError(errors, subject=subject)


class InvalidStatusError(ShadowTestError):
    """The experiment is in a status where ``operation`` is not allowed; nothing was sent."""

    def __init__(self, message: str, *, name: str, status: str, operation: str) -> None:
        super().__init__(message)
        self.name = name
        self.status = status
        self.operation = operation

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_kw, (type(self), self.args, self._kwargs()))

    def _kwargs(self) -> dict[str, object]:
        return {"name": self.name, "status": self.status, "operation": self.operation}


class UpdateNotAllowedError(InvalidStatusError, Displayed):
    """An update would change something its status does not allow; nothing was sent.

    ``fields`` names each offending field (``"schedule.start_time"``,
    ``"model_variants"``, ...), and the message says why for each; ``problems``
    holds the same as :class:`Problem` items (path and reason), when known.
    """

    def __init__(
        self, message: str, *, name: str, status: str, fields: Iterable[str],
        problems: Iterable[Problem] = (),
    ) -> None:
        super().__init__(message, name=name, status=status, operation="update")
        self.fields = tuple(fields)
        self.problems = tuple(problems)

    def _kwargs(self) -> dict[str, object]:
        return {"name": self.name, "status": self.status, "fields": self.fields,
                "problems": self.problems}

    def _card(self, now: datetime | None = None) -> Card:
        """The refused fields as a table of path and reason."""
        from shadowtest._card import Card, Table

        rows = [(p.path, p.message) for p in self.problems]
        if not rows:  # made by hand, without problems: the message says why for each field
            rows = [(field, "not allowed in this status") for field in self.fields]
        return Card(f"cannot update inference experiment {self.name!r} ({self.status}); "
                    "nothing was sent", (), [Table(None, ("path", "problem"), rows)])


def _rebuild_kw(cls: type[Exception], args: tuple[object, ...], kw: dict[str, object]) -> Exception:
    return cls(*args, **kw)


class ServiceError(ShadowTestError):
    """The service refused the request; the botocore ``ClientError`` is ``__cause__``.

    ``code`` is the service's error code, ``name`` the experiment the request was about
    (if any) and ``subject`` what else it was about (``"s3://bucket/prefix"``)."""

    def __init__(self, message: str, *, name: str | None, operation: str, code: str,
                 subject: str | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.operation = operation
        self.code = code
        self.service_message = message
        self.subject = subject

    def __str__(self) -> str:
        subject = (f"inference experiment {self.name!r}" if self.name
                   else self.subject or "request")
        return f"{self.operation} {subject}: {self.code}: {self.service_message}"

    def __reduce__(self) -> tuple[object, ...]:
        kw = {"name": self.name, "operation": self.operation, "code": self.code,
              "subject": self.subject}
        return (_rebuild_kw, (type(self), self.args, kw))


class ExperimentNotFoundError(ServiceError, LookupError):
    """No inference experiment has this name (service code ``ResourceNotFound``)."""


class ExperimentAlreadyExistsError(ServiceError):
    """An inference experiment with this name exists already (service code ``ResourceInUse``)."""


class ExperimentConflictError(ServiceError):
    """The service refused the operation in the experiment's current status
    (service code ``ConflictException``), e.g. because it changed since shadowtest looked."""


class ResourceLimitExceededError(ServiceError):
    """An account limit was reached (service code ``ResourceLimitExceeded``)."""


class ReplacementRequiredError(ShadowTestError):
    """Applying the config needs a new experiment of the same name — a create-only field
    changed, or the experiment has ended — and ``replace=True`` was not given; nothing
    was sent. ``fields`` names the paths that force the replacement."""

    def __init__(self, message: str, *, name: str, fields: Iterable[str]) -> None:
        super().__init__(message)
        self.name = name
        self.fields = tuple(fields)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_kw, (type(self), self.args, {"name": self.name, "fields": self.fields}))


class ApplyIncompleteError(ShadowTestError):
    """``apply()`` carried out some of its steps, then one failed (its error is
    ``__cause__``): the message says what was done and what was not. ``done`` names the
    steps carried out (``("stop", "delete")``), ``failed`` the one that failed
    (``"create"``). Re-running ``apply`` with the same config finishes the job: it plans
    again from the experiment as it now is."""

    def __init__(self, message: str, *, name: str, done: Iterable[str], failed: str) -> None:
        super().__init__(message)
        self.name = name
        self.done = tuple(done)
        self.failed = failed

    def __reduce__(self) -> tuple[object, ...]:
        kw = {"name": self.name, "done": self.done, "failed": self.failed}
        return (_rebuild_kw, (type(self), self.args, kw))


class MalformedResponseError(ShadowTestError):
    """A response lacks a field the service model marks as required, or has a field of the
    wrong shape (a truncated or garbled answer, or a service change this version cannot
    read). ``operation`` is the API operation (``"DescribeInferenceExperiment"``),
    ``field`` the path of the offending field (``"ModelVariants[0].Status"``)."""

    def __init__(self, message: str, *, operation: str, field: str) -> None:
        super().__init__(message)
        self.operation = operation
        self.field = field

    def __reduce__(self) -> tuple[object, ...]:
        kw = {"operation": self.operation, "field": self.field}
        return (_rebuild_kw, (type(self), self.args, kw))


class WaitTimeoutError(ShadowTestError, TimeoutError):
    """``wait()`` gave up: the experiment did not reach the wanted status in time.

    ``status`` is the last status seen (``None`` if no poll succeeded), ``waited`` the
    seconds waited; when polls met transient faults, the last one is ``__cause__``.
    """

    def __init__(self, message: str, *, name: str, status: str | None, timeout: float,
                 waited: float | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.status = status
        self.timeout = timeout
        self.waited = timeout if waited is None else waited

    def __reduce__(self) -> tuple[object, ...]:
        kw = {"name": self.name, "status": self.status, "timeout": self.timeout,
              "waited": self.waited}
        return (_rebuild_kw, (type(self), self.args, kw))


class UnexpectedStatusError(ShadowTestError):
    """``wait()`` saw a terminal status it was not waiting for; ``reason`` is the StatusReason."""

    def __init__(self, message: str, *, name: str, status: str, reason: str | None) -> None:
        super().__init__(message)
        self.name = name
        self.status = status
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:
        kw = {"name": self.name, "status": self.status, "reason": self.reason}
        return (_rebuild_kw, (type(self), self.args, kw))


class PromotionBlockedError(ShadowTestError, Displayed):
    """``promote(name, require=...)`` judged the shadow and the verdict fell short of
    ``required``; no stop request was sent. ``judgement`` says why (its ``reasons``)."""

    def __init__(self, message: str, *, name: str, required: str,
                 judgement: Judgement) -> None:
        super().__init__(message)
        self.name = name
        self.required = required
        self.judgement = judgement

    def __reduce__(self) -> tuple[object, ...]:
        kw = {"name": self.name, "required": self.required, "judgement": self.judgement}
        return (_rebuild_kw, (type(self), self.args, kw))

    def _card(self, now: datetime | None = None) -> Card:
        """The refusal, then the judgement's card (which says why: the message repeats its
        reasons on one line)."""
        from shadowtest._card import Card

        return Card(f"PromotionBlockedError: the shadow of {self.name!r} was not promoted", [
            ("required", self.required),
            ("judged", f"{self.judgement.verdict.value} "
                       f"(score {self.judgement.score:.1f}/100)"),
            ("sent", "nothing (no stop request)")], [self.judgement._card(now)])


class PreflightError(ShadowTestError, Displayed):
    """``apply()`` ran preflight before creating the experiment, and it found an error that
    would make the experiment fail after creation; nothing was sent. ``preflight`` is the
    :class:`~shadowtest.Preflight`, with every finding (warnings too)."""

    def __init__(self, message: str, *, preflight: Preflight) -> None:
        super().__init__(message)
        self.preflight = preflight

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_kw, (type(self), self.args, {"preflight": self.preflight}))

    def _card(self, now: datetime | None = None) -> Card:
        """The refusal, then the preflight's card with every finding."""
        from shadowtest._card import Card

        return Card(f"PreflightError: {self.preflight.name!r} was not created", [
            ("sent", "nothing (no create request)")], [self.preflight._card(now)])


class CaptureFormatError(ShadowTestError, ValueError):
    """A data-capture line or payload is not a capture record SageMaker would write.

    The message says what is wrong (``"captureData.endpointOutput.data is not valid
    base64"``) and never quotes the data: captures can hold personal data.
    """


#: SageMaker's translation table: service error code -> shadowtest class (the other
#: services' tables are in ``shadowtest._aws``).
ERROR_CODES: Mapping[str, type[ServiceError]] = {
    "ResourceNotFound": ExperimentNotFoundError,
    "ResourceInUse": ExperimentAlreadyExistsError,
    "ConflictException": ExperimentConflictError,
    "ResourceLimitExceeded": ResourceLimitExceededError,
}


def error_code(error: BaseException) -> str:
    """The service's error code of ``error``: a botocore ``ClientError`` or a
    :class:`ServiceError` translated from one (``""`` for anything else). The one place
    that reads a ``ClientError``'s code."""
    if isinstance(error, ServiceError):
        return error.code
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        details = response.get("Error")
        if isinstance(details, dict):
            return str(details.get("Code") or "")
    return ""


def translate_client_error(
    error: ClientError, *, name: str | None, operation: str,
    table: Mapping[str, type[ServiceError]] | None = None, subject: str | None = None,
) -> ServiceError | None:
    """The shadowtest error for a botocore ``ClientError``, or ``None`` if its code is not
    in ``table`` (default: SageMaker's, :data:`ERROR_CODES`).

    The caller raises the result ``from error``; ``None`` means "re-raise the original".
    """
    code = error_code(error)
    cls = (ERROR_CODES if table is None else table).get(code)
    if cls is None:
        return None
    message = error.response.get("Error", {}).get("Message", "")
    return cls(message or str(error), name=name, operation=operation, code=code,
               subject=subject)

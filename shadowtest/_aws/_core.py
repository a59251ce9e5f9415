"""The call, what its failures mean, and pages that end.

Every request shadowtest sends goes through :func:`call` (one page) or :func:`pages`
(every page): the service's refusals become the classes of its table, an answer
botocore could not read becomes a :class:`MalformedResponseError` naming the operation,
the answer is checked against the operation's shape, and a listing whose token repeats
ends in an error instead of running for ever.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Final

from shadowtest._checks import show
from shadowtest.errors import (
    MalformedResponseError,
    ServiceError,
    ShadowTestError,
    error_code,
    translate_client_error,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

__all__ = ["Operation", "Service", "call", "failure", "pages", "unreadable"]

# What botocore's parsers raise on a body of the wrong shape: AttributeError for a string
# where a structure belongs, ValueError (UnicodeDecodeError among them) for bytes or a
# timestamp it cannot read, RuntimeError for a timestamp past what the platform's time
# functions take (1e20), RecursionError for a body nested too deep. Only when botocore's
# parsing module raised it (a frame of it in the traceback) is it the answer's fault: the
# same error raised anywhere else is a bug (ours, or a wrong object passed as the
# client), and reading it as a malformed answer would have ``wait`` retry it as
# transient until its timeout.
_PARSE_ERRORS: Final = (AttributeError, TypeError, ValueError, KeyError, IndexError,
                        RuntimeError)
_PARSING_MODULES: Final = frozenset({"botocore.parsers"})


def _raised_parsing(error: BaseException) -> bool:
    """Whether ``error`` was raised while botocore parsed an answer."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") in _PARSING_MODULES:
            return True
        tb = tb.tb_next
    return False


class Service:
    """One AWS service: its name as messages say it, and its error table (service code
    -> the :class:`ServiceError` class it becomes; an unlisted code propagates as botocore
    raised it). ``unreadable_is_malformed``: botocore turns a 200 of this service whose
    body it cannot read into a 500 with no code of its own (S3), so that error (code
    ``"500"``) is a :class:`MalformedResponseError`."""

    __slots__ = ("errors", "name", "unreadable_is_malformed")

    def __init__(self, name: str, errors: Mapping[str, type[ServiceError]], *,
                 unreadable_is_malformed: bool = False) -> None:
        self.name = name
        self.errors = errors
        self.unreadable_is_malformed = unreadable_is_malformed

    def __repr__(self) -> str:
        return f"Service({self.name!r})"


class Operation:
    """One operation of a :class:`Service`.

    ``name`` is the API's (``"DescribeInferenceExperiment"``), ``method`` boto3's
    (``"describe_inference_experiment"``), ``label`` what a :class:`ServiceError` calls
    it (its ``.operation``). ``check`` raises :class:`MalformedResponseError` for an
    answer of the wrong shape. A paginated operation names the answer's ``token`` member
    and the request's ``token_param``; ``more`` names a member that says whether another
    page follows (S3's ``IsTruncated``). ``resent_meets`` is the refusal a resent request
    meets when its first attempt was carried out (see ``shadowtest._aws.resend``).
    """

    __slots__ = ("check", "label", "method", "more", "name", "resent_meets", "service",
                 "token", "token_param")

    def __init__(self, service: Service, name: str, method: str, label: str | None = None,
                 *, check: Callable[[Any], object] | None = None, token: str | None = None,
                 token_param: str | None = None, more: str | None = None,
                 resent_meets: str | None = None) -> None:
        self.service = service
        self.name = name
        self.method = method
        self.label = name if label is None else label
        self.check = check
        self.token = token
        self.token_param = token if token_param is None else token_param
        self.more = more
        self.resent_meets = resent_meets

    def __repr__(self) -> str:
        return f"Operation({self.service.name}.{self.name})"


def unreadable(operation: str, error: BaseException) -> MalformedResponseError:
    """The error for an answer to ``operation`` that botocore could not read."""
    return MalformedResponseError(
        f"{operation} answered with a response botocore could not parse: "
        f"{type(error).__name__}: {show(str(error))}", operation=operation, field="")


def failure(op: Operation, error: Exception, name: str | None,
            subject: str | None = None) -> ShadowTestError | None:
    """What ``error``, raised by calling ``op``, means: the shadowtest error to raise from
    it, or ``None`` when it propagates as botocore raised it."""
    if isinstance(error, ShadowTestError):
        return None
    if isinstance(error, _PARSE_ERRORS):
        if isinstance(error, NotImplementedError) or not _raised_parsing(error):
            return None  # a test double saying what it serves, or a bug: as raised
        return unreadable(op.name, error)
    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is None:  # no botocore error can have been raised
        return None
    if isinstance(error, exceptions.ClientError):
        if op.service.unreadable_is_malformed and error_code(error) == "500":
            return MalformedResponseError(
                f"{op.name} answered with a body that is not {op.service.name}'s "
                "(botocore could not read it, and its retries did not help)",
                operation=op.name, field="")
        return translate_client_error(error, name=name, operation=op.label,
                                      table=op.service.errors, subject=subject)
    parsers = sys.modules.get("botocore.parsers")
    if parsers is not None and isinstance(error, parsers.ResponseParserError):
        return unreadable(op.name, error)
    return None


def call(client: object, op: Operation, params: Mapping[str, Any], *,
         name: str | None = None, subject: str | None = None) -> Any:
    """``op`` sent once with ``params`` through the boto3 ``client``: its answer, checked.
    ``name`` (the experiment) and ``subject`` go into a translated error."""
    try:
        response = getattr(client, op.method)(**params)
    except Exception as error:
        translated = failure(op, error, name, subject)
        if translated is None:
            raise
        raise translated from error
    if op.check is not None:
        op.check(response)
    return response


def pages(client: object, op: Operation, params: Mapping[str, Any], *,
          name: str | None = None, subject: str | None = None) -> Iterator[Any]:
    """Every page of ``op``, each checked, fetched as iteration reaches it.

    A token the service gave before (repeated, or cycling through a few) is a
    :class:`MalformedResponseError` naming the operation: those pages would never end.
    So is a page that says more follow but gives no token."""
    seen: set[str] = set()
    while True:
        page = call(client, op, params, name=name, subject=subject)
        token = _next_token(op, page)
        yield page
        if token is None:
            return
        if token in seen:
            raise MalformedResponseError(
                f"{op.name} answered a {op.token} it had given before ({show(token)}, after "
                f"{len(seen)} pages): its pages would never end", operation=op.name,
                field=op.token or "")
        seen.add(token)
        params = {**params, op.token_param or "": token}


def _next_token(op: Operation, page: Any) -> str | None:
    token = page.get(op.token) if op.token is not None else None
    if op.more is not None:
        if page.get(op.more) is not True:
            return None
        if not token:
            raise MalformedResponseError(
                f"{op.name} answered {op.more}=true but no {op.token}: the pages after it "
                "cannot be asked for", operation=op.name, field=op.token or "")
    if not token:
        return None
    if type(token) is not str:
        raise MalformedResponseError(
            f"{op.name} answered with a malformed response: {op.token} got "
            f"{type(token).__name__} {show(token)}; must be a string", operation=op.name,
            field=op.token or "")
    return token


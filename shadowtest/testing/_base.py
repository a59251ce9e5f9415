"""The one base of the service fakes: botocore plumbing, refusals, tokens, faults, a clock.

A service fake (FakeSageMaker, FakeCloudWatch, FakeS3, and any new one) is a
:class:`FakeService` subclass that holds only the service's rules: its state and one
*handler* per operation. Everything else is here, once:

- **Plumbing.** The fake plugs into a real boto3 client through botocore's events:
  ``before-parameter-build`` keeps the request as the caller gave it (for
  :attr:`~FakeService.calls`), ``before-call`` answers before the HTTP layer when no
  fault is queued (fast: the parsed answer is handed back), ``before-send`` answers at
  the HTTP layer when one is (botocore then parses a real body in the service's wire
  protocol, :mod:`shadowtest.testing._wire`, and its retries see every attempt).
  :meth:`~FakeService.attach` / :meth:`~FakeService.detach` register and remove them.
  botocore has validated and serialised the request by then; a handler gets the
  parameters with every timestamp an aware UTC datetime in whole seconds.
- **Refusals.** A handler raises :class:`Refusal` with the service's error code and
  message (and HTTP status); the caller gets a real ``ClientError``, or the service's
  error body over HTTP. An operation the fake does not serve raises
  :class:`NotImplementedError` in process.
- **Tokens.** :meth:`~FakeService._issue_token` and :meth:`~FakeService._read_token`
  make and read opaque pagination tokens (``NextToken``, S3's continuation token); a token
  that is not one this fake issued reads as ``None`` and the handler refuses it with
  the service's own code.
- **Faults**, per operation: :meth:`~FakeService.fail_next` (the service's error),
  :meth:`~FakeService.disconnect_next`, :meth:`~FakeService.time_out_next`
  (``applied=`` says whether the service carried the request out before the answer was
  lost), :meth:`~FakeService.delay_next` (on the fake clock),
  :meth:`~FakeService.respond_next` (a body as it is) and
  :meth:`~FakeService.hold_next` (the request waits, being served, until released).
- **One clock** (:class:`FakeClock`) shared by the fakes of one FakeSageMaker, and one
  lock with it: each request is served whole, and the clock never moves mid-request.
- **Transport-neutral serving**: :meth:`~FakeService._serve_http` answers one HTTP
  attempt with a :class:`~shadowtest.testing._wire.Wire`; the in-process ``before-send``
  path and the local server (:mod:`shadowtest.testing.server`) both use it.

Users see the fault methods, ``calls``, ``attempts``, ``serve`` and ``lock``; the
methods with one underscore are the base's API for subclasses and the server.

Writing a new service fake (Athena, SNS, more SageMaker describes)::

    class FakeAthena(FakeService):
        SERVICE = "athena"                       # botocore's service name

        def __init__(self, client=None, *, clock=None):
            super().__init__(client or offline_client("athena"), clock=clock)
            self._queries = {}
            self.serve({"StartQueryExecution": self._start,
                        "GetQueryExecution": self._get, ...})

        def _get(self, p):                      # validated params -> the parsed answer
            query = self._queries.get(p["QueryExecutionId"])
            if query is None:
                raise Refusal("InvalidRequestException", "QueryExecution ... not found")
            return {"QueryExecution": {...}}     # checked against the output shape

Handlers run under :attr:`FakeService.lock`, read the time from ``self.clock.now`` and
return what botocore would return (blobs as ``bytes``; a streaming payload too). Rules
that are not the service's alone belong in shadowtest's own modules (``rules``,
``plan``, ``config``), so the fake refuses exactly what the client refuses.
Operations of an existing client (DescribeEndpoint on SageMaker) are added to its fake
with :meth:`~FakeService.serve` from a module of their own. To reach a new fake from
``FakeSageMaker``, add a lazy property made with ``clock=self.clock`` and route its
operations in ``FakeSageMaker._ROUTED``, so ``fake.fail_next("StartQueryExecution", ...)``
finds it. The local server needs one line for a new service
(``shadowtest/testing/server``'s table of services); the protocol comes from the model.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import io
import itertools
import json
import math
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeAlias, TypeVar

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import EndpointConnectionError, ParamValidationError, ReadTimeoutError
from botocore.model import ListShape, MapShape, StructureShape
from botocore.response import StreamingBody
from botocore.utils import parse_to_aware_datetime
from botocore.validate import validate_parameters

from shadowtest.testing._wire import (
    Body,
    Wire,
    encode_error,
    encode_response,
    parsed_error,
    protocol_of,
    raw_answer,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from botocore.model import OperationModel, Shape

__all__ = ["Dropped", "FakeClock", "FakeService", "Hold", "Refusal", "as_step", "normalise"]

ClientT = TypeVar("ClientT")  # the boto3 client type a fake serves
Handler: TypeAlias = "Callable[[dict[str, object]], Mapping[str, object]]"
"""An operation's rules: the validated request's params in, the parsed answer out."""
_UTC: Final = timezone.utc
_ids = itertools.count()  # each fake's own event-handler ids


class Refusal(Exception):
    """The service refuses the request: its error ``code`` and ``message``, the HTTP
    status it sends (400 unless said), and for REST-XML services extra error ``members``
    (S3 names the ``BucketName`` or ``Key``)."""

    def __init__(self, code: str, message: str, http_status: int = 400,
                 **members: str) -> None:
        super().__init__(message)
        self.code, self.message, self.http_status = code, message, http_status
        self.members = members


class Dropped(Exception):
    """No answer reaches the caller: the connection failed (``connected`` false: nothing
    reached the service), or the caller connected and waited in vain (a read timeout)."""

    def __init__(self, *, connected: bool) -> None:
        super().__init__("no answer came" if connected else "no connection")
        self.connected = connected


def as_step(delta: timedelta | float, what: str) -> timedelta:
    """``delta`` (a ``timedelta`` or a number of seconds) as a ``timedelta`` >= 0; the one
    check of the fakes' time steps."""
    if isinstance(delta, timedelta):
        step = delta
    elif isinstance(delta, (int, float)) and not isinstance(delta, bool):
        if not math.isfinite(delta):
            raise ValueError(f"{what} takes a finite number of seconds; got {delta!r}")
        step = timedelta(seconds=delta)
    else:
        raise TypeError(f"{what} takes a timedelta or a number of seconds, got "
                        f"{type(delta).__name__} {delta!r}")
    if step < timedelta(0):
        raise ValueError(f"{what} takes a step >= 0 (the clock only moves forward); got "
                         f"{delta!r}")
    return step


class FakeClock:
    """The fakes' clock (aware, UTC): it moves only when moved (:meth:`advance`,
    :meth:`sleep`), or, with ``follows_real_time``, with the real time as well, a tick
    a second (the local server's clock, so a waiting CLI sees experiments start).
    ``lock`` serialises the requests of every fake on this clock."""

    def __init__(self, now: datetime | None = None, *, follows_real_time: bool = False
                 ) -> None:
        if now is None:
            now = datetime.now(_UTC).replace(microsecond=0)
        elif now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"now must be a timezone-aware datetime, got {now!r}")
        self._start = now.astimezone(_UTC)
        self._offset = timedelta(0)
        self._real = time.monotonic() if follows_real_time else None
        self._pinned: datetime | None = None
        self.lock = threading.RLock()

    @property
    def now(self) -> datetime:
        """The current time on this clock."""
        if self._real is None:
            return self._start + self._offset
        if self._pinned is not None:
            return self._pinned
        # whole seconds: a transient status (Creating...) lasts until the next tick, as
        # it lasts a moment on the service
        ticks = int(time.monotonic() - self._real)
        return self._start + self._offset + timedelta(seconds=ticks)

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """Hold a clock that follows the real time still for the block (one request sees
        one time); a clock that moves only when moved is still anyway."""
        with self.lock:
            if self._real is None or self._pinned is not None:
                yield
                return
            self._pinned = self.now
            try:
                yield
            finally:
                self._pinned = None

    def advance(self, delta: timedelta | float) -> None:
        """Move the clock forward by ``delta``: a ``timedelta`` or a number of seconds,
        >= 0 and finite."""
        step = as_step(delta, "advance")
        with self.lock:
            self._offset += step
            if self._pinned is not None:
                self._pinned += step

    def sleep(self, seconds: float) -> None:
        """:meth:`advance` by ``seconds``: a ``time.sleep`` that takes no real time."""
        self.advance(seconds)

    def monotonic(self) -> float:
        """The clock in seconds: a ``time.monotonic``."""
        return self.now.timestamp()


class Hold:
    """A request held by :meth:`FakeService.hold_next`: :attr:`arrived` is set once it is
    being served; it waits there, the fake's state locked, until :meth:`release`."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        """Set when the held request is being served."""
        self._released = threading.Event()

    def release(self) -> None:
        """Let the held request finish."""
        self._released.set()

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


class _Fault:
    """One fault queued for an operation's next HTTP attempt (see the ``*_next`` methods)."""

    __slots__ = ("applied", "body", "code", "hold", "http_status", "kind", "message",
                 "seconds")

    def __init__(self, kind: str, *, code: str = "", message: str = "", http_status: int = 200,
                 applied: bool = False, seconds: float = 0.0, body: bytes = b"",
                 hold: Hold | None = None) -> None:
        self.kind, self.code, self.message, self.http_status = kind, code, message, http_status
        self.applied, self.seconds, self.body, self.hold = applied, seconds, body, hold


def normalise(value: Any, shape: Shape | None) -> Any:
    """A copy of validated request ``value`` with every timestamp as the JSON protocols
    carry it: an aware UTC datetime in whole seconds (naive is UTC)."""
    if isinstance(shape, StructureShape):
        return {key: normalise(item, shape.members.get(key)) for key, item in value.items()}
    if isinstance(shape, ListShape):
        return [normalise(item, shape.member) for item in value]
    if isinstance(shape, MapShape):
        return {key: normalise(item, shape.value) for key, item in value.items()}
    if shape is not None and shape.type_name == "timestamp":
        return parse_to_aware_datetime(value).astimezone(_UTC).replace(microsecond=0)
    return copy.deepcopy(value)


def _metadata(http_status: int) -> dict[str, Any]:
    return {"RequestId": str(uuid.uuid4()), "HTTPStatusCode": http_status,
            "HTTPHeaders": {}, "RetryAttempts": 0}


class FakeService(Generic[ClientT]):
    """An in-memory AWS service behind a real boto3 ``client`` (see the module's
    docstring for what a subclass adds: ``SERVICE`` and its handlers)."""

    SERVICE: ClassVar[str] = ""
    """botocore's name of the service (``"sagemaker"``, ``"cloudwatch"``, ``"s3"``)."""

    def __init__(self, client: ClientT, *, clock: FakeClock | None = None) -> None:
        self.client: ClientT = client
        """The boto3 client the fake serves."""
        self._meta: Any = client.meta  # type: ignore[attr-defined]  # every boto3 client has it
        self.clock = clock if clock is not None else FakeClock()
        """The clock the fake's rules read (shared by the fakes of one FakeSageMaker)."""
        self.calls: list[tuple[str, dict[str, Any]]] = []
        """``(operation name, params as given)`` for every call served, failed ones too."""
        self.attempts: list[str] = []
        """The operation name of every attempt answered, botocore's retries included
        (:attr:`calls` has one entry per call)."""
        # the wire protocol botocore speaks to the service: the HTTP-layer answers are in it
        self._protocol = protocol_of(self._meta.service_model)
        self._handlers: dict[str, Handler] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._local = threading.local()  # per thread: the call being served at the HTTP layer
        n = next(_ids)
        self._params_key = f"shadowtest_fake_{n}_params"
        self._ids = tuple(f"shadowtest-fake-{n}-{hook}" for hook in ("params", "call", "send"))
        self.attach()

    @property
    def lock(self) -> threading.RLock:
        """Held while a request is served (the clock's lock: one per family of fakes)."""
        return self.clock.lock

    @property
    def operations(self) -> tuple[str, ...]:
        """The operations this fake serves, by API name."""
        return tuple(self._handlers)

    def serve(self, handlers: Mapping[str, Handler]) -> None:
        """Answer these operations (API names) with these handlers."""
        model = self._meta.service_model
        unknown = [name for name in handlers if name not in model.operation_names]
        if unknown:
            raise ValueError(f"{self.SERVICE} has no operation {', '.join(unknown)}")
        self._handlers.update(handlers)

    # -- plumbing ---------------------------------------------------------------------------

    def attach(self) -> None:
        """Serve the client's calls (done on construction; repeating it is harmless)."""
        events, service = self._meta.events, self._event_name()
        events.register(f"before-parameter-build.{service}.*", self._on_params,
                        unique_id=self._ids[0])
        events.register(f"before-call.{service}.*", self._on_call, unique_id=self._ids[1])
        # a before-send handler answers at the HTTP layer
        events.register_first(f"before-send.{service}", self._on_send, unique_id=self._ids[2])

    def detach(self) -> None:
        """Stop serving: the client's calls go to AWS again."""
        events, service = self._meta.events, self._event_name()
        events.unregister(f"before-parameter-build.{service}.*", unique_id=self._ids[0])
        events.unregister(f"before-call.{service}.*", unique_id=self._ids[1])
        events.unregister(f"before-send.{service}", unique_id=self._ids[2])

    def _event_name(self) -> str:
        return str(self._meta.service_model.service_id.hyphenize())

    def _on_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # the same context dict reaches before-call, once botocore has validated the params
        context[self._params_key] = params

    def _on_call(self, model: OperationModel, params: Mapping[str, Any],
                 context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        operation = model.name
        handler = self._handlers.get(operation)
        if handler is None:
            raise NotImplementedError(
                f"{type(self).__name__} does not serve {operation}: it serves only "
                f"{', '.join(self._handlers)}. Stub other operations another way "
                "(e.g. botocore.stub.Stubber on a separate client).")
        raw = context.pop(self._params_key, {})
        url = str(params.get("url", ""))
        request = normalise(raw, model.input_shape)
        with self.lock:
            self.calls.append((operation, copy.deepcopy(raw)))
            if self._faults.get(operation):
                # through botocore's HTTP layer, where its retries see each attempt
                self._local.pending = (operation, request, model)
                return None
            self.attempts.append(operation)
            try:
                with self.clock.pinned():
                    response = handler(request)
            except Refusal as refusal:
                return AWSResponse(url, refusal.http_status, HTTPHeaders(), None), {
                    "Error": parsed_error(refusal.code, refusal.message, refusal.http_status,
                                          model),
                    "ResponseMetadata": _metadata(refusal.http_status)}
            self._check_response(operation, response)
        return AWSResponse(url, 200, HTTPHeaders(), None), {
            **self._parsed(response, model), "ResponseMetadata": _metadata(200)}

    @staticmethod
    def _parsed(response: Mapping[str, Any], model: OperationModel) -> Mapping[str, Any]:
        """``response`` as botocore's parser would hand it back: a streaming payload as a
        ``StreamingBody``."""
        if model.has_streaming_output:
            payload = model.output_shape.serialization["payload"]  # type: ignore[union-attr]
            data = response.get(payload, b"")
            return {**response, payload: StreamingBody(io.BytesIO(data), len(data))}
        return response

    def _on_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        """Answer one HTTP attempt of a call that has faults queued."""
        pending = getattr(self._local, "pending", None)
        operation = event_name.rsplit(".", 1)[-1]
        url = str(request.url)
        if pending is None or pending[0] != operation:  # never let a request through to AWS
            raise AssertionError(f"{type(self).__name__} got an HTTP request for {operation} "
                                 "it did not see being called")
        try:
            wire = self._serve_http(*pending)
        except Dropped as dropped:
            if dropped.connected:
                raise ReadTimeoutError(endpoint_url=url) from None
            raise EndpointConnectionError(endpoint_url=url) from None
        headers = HTTPHeaders()
        for name, value in wire.headers.items():
            headers[name] = value
        return AWSResponse(url, wire.status, headers, Body(wire.body))

    # -- serving, whatever the transport -------------------------------------------------------

    def _serve_request(self, operation: str, params: dict[str, Any], model: OperationModel,
                       protocol: str) -> Wire:
        """A whole call that came over HTTP (the local server): recorded in
        :attr:`calls`, then answered as :meth:`_serve_http` does. ``params`` were read
        and validated by the operation's input shape."""
        if operation not in self._handlers:
            raise NotImplementedError(f"{type(self).__name__} does not serve {operation}: it "
                                      f"serves only {', '.join(self._handlers)}")
        request = normalise(params, model.input_shape)
        with self.lock:
            self.calls.append((operation, copy.deepcopy(params)))
            return self._serve_http(operation, request, model, protocol)

    def _serve_http(self, operation: str, params: dict[str, Any], model: OperationModel,
                   protocol: str | None = None) -> Wire:
        """One HTTP attempt of ``operation`` with validated, normalised ``params``: the
        next queued fault, else the service's answer, in ``protocol`` (by default the
        one botocore speaks to the service). Raises :class:`Dropped` when no answer
        reaches the caller."""
        protocol = protocol or self._protocol
        with self.lock:
            self.attempts.append(operation)
            queued = self._faults.get(operation)
            fault = queued.popleft() if queued else None
            if fault is None:
                return self._answer_wire(operation, params, model, protocol)
            service = model.service_model
            if fault.kind == "error":
                return encode_error(protocol, service, fault.code, fault.message,
                                    fault.http_status, operation=model)
            if fault.kind == "body":
                return raw_answer(protocol, service, fault.http_status, fault.body)
            if fault.kind == "disconnect" or (fault.kind == "timeout" and not fault.applied):
                raise Dropped(connected=fault.kind == "timeout")
            if fault.kind == "slow":
                self.clock.advance(fault.seconds)
            if fault.hold is not None:
                fault.hold.arrived.set()
                fault.hold._released.wait()
            wire = self._answer_wire(operation, params, model, protocol)
            if fault.kind == "timeout":  # carried out, and the answer lost
                raise Dropped(connected=True)
            return wire

    def _answer_wire(self, operation: str, params: dict[str, Any], model: OperationModel,
                    protocol: str | None = None) -> Wire:
        """The service's answer to ``operation`` (no fault), in ``protocol``."""
        protocol = protocol or self._protocol
        try:
            with self.clock.pinned():
                response = self._handlers[operation](params)
        except Refusal as refusal:
            return encode_error(protocol, model.service_model, refusal.code,
                                refusal.message, refusal.http_status, operation=model,
                                members=refusal.members)
        self._check_response(operation, response)
        return encode_response(protocol, model, response)

    def _check_response(self, operation: str, response: Mapping[str, Any]) -> None:
        """Refuse (as a bug in the fake) an answer that does not fit the operation's output
        shape; a fake whose answers are large may check a sample instead."""
        shape = self._meta.service_model.operation_model(operation).output_shape
        if shape is None:
            return
        try:
            validate_parameters(response, shape)
        except ParamValidationError as error:
            raise AssertionError(f"{type(self).__name__} built an invalid {operation} "
                                 f"response (a bug in the fake): {error}") from error

    # -- tokens -------------------------------------------------------------------------------

    def _issue_token(self, *parts: str | int) -> str:
        """An opaque pagination token carrying ``parts`` (read back by :meth:`_read_token`)."""
        return base64.urlsafe_b64encode(json.dumps([self.SERVICE, *parts]).encode()).decode()

    def _read_token(self, token: str, arity: int) -> list[str | int] | None:
        """The ``arity`` parts of a token :meth:`_issue_token` made, or ``None`` for a token
        this fake did not issue (the handler refuses it with the service's code)."""
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()))
        except (ValueError, binascii.Error):
            return None
        if (isinstance(data, list) and len(data) == arity + 1 and data[0] == self.SERVICE
                and all(isinstance(part, (str, int)) for part in data[1:])):
            return data[1:]
        return None

    # -- faults -------------------------------------------------------------------------------

    def fail_next(self, operation: str, code: str,
                  message: str = "Injected by the fake's fail_next", *, times: int = 1,
                  http_status: int = 400) -> None:
        """Make the next ``times`` HTTP attempts of ``operation`` (API or boto3 method name)
        fail with the service's error ``code`` and ``message``, before anything else is
        done; botocore retries a throttle or a 5xx as the client's retry configuration
        says (each retry takes one fault)."""
        if isinstance(http_status, bool) or not isinstance(http_status, int) \
                or not 400 <= http_status <= 599:
            raise ValueError(f"http_status must be an error status (400-599), got {http_status}")
        self._queue(operation, _Fault("error", code=code, message=message,
                                      http_status=http_status), times)

    def disconnect_next(self, operation: str, *, times: int = 1) -> None:
        """Make the next ``times`` attempts of ``operation`` fail to connect (botocore's
        ``EndpointConnectionError``, which it retries): the request never arrives."""
        self._queue(operation, _Fault("disconnect"), times)

    def time_out_next(self, operation: str, *, applied: bool = True, times: int = 1) -> None:
        """Make the next ``times`` attempts of ``operation`` end in a read timeout
        (botocore's ``ReadTimeoutError``, which it retries). With ``applied`` (the default)
        the service carried the request out and only its answer was lost; otherwise the
        request was lost before it arrived."""
        self._queue(operation, _Fault("timeout", applied=bool(applied)), times)

    def delay_next(self, operation: str, seconds: float, *, times: int = 1) -> None:
        """Make the next ``times`` attempts of ``operation`` answer ``seconds`` later on the
        fake clock (a slow response), with the state as of then."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or \
                not 0 <= seconds < math.inf:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        self._queue(operation, _Fault("slow", seconds=float(seconds)), times)

    def respond_next(self, operation: str, body: bytes | str, *, http_status: int = 200,
                     times: int = 1) -> None:
        """Answer the next ``times`` attempts of ``operation`` with ``body`` as it is (e.g.
        ``"{}"``, truncated JSON or XML, or HTML from a proxy) and ``http_status``, with
        the service's headers; the request is not carried out."""
        if isinstance(http_status, bool) or not isinstance(http_status, int) \
                or not 100 <= http_status <= 599:
            raise ValueError(f"http_status must be an HTTP status (100-599), got {http_status}")
        raw = body.encode() if isinstance(body, str) else bytes(body)
        self._queue(operation, _Fault("body", http_status=http_status, body=raw), times)

    def hold_next(self, operation: str) -> Hold:
        """Hold the next attempt of ``operation`` while it is being served, until the
        returned :class:`Hold` is released (``with fake.hold_next(...) as hold:`` releases
        on exit). The fake serves one request at a time, so while it is held no other
        request of this fake (or of the fakes on its clock) is answered: use it to test
        what your code does while a call is in flight, or that calls do not interleave."""
        hold = Hold()
        self._queue(operation, _Fault("hold", hold=hold), 1)
        return hold

    @property
    def faults(self) -> int:
        """How many faults are still queued, over every operation."""
        with self.lock:
            return sum(len(queue) for queue in self._faults.values())

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        with self.lock:
            self._faults.clear()

    def _api_name(self, operation: str) -> str | None:
        api = self._meta.method_to_api_mapping.get(operation, operation)
        return api if api in self._handlers else None

    def _queue(self, operation: str, fault: _Fault, times: int) -> None:
        api = self._api_name(operation)
        if api is None:
            raise ValueError(f"{type(self).__name__} serves no operation {operation!r}; it "
                             f"serves {', '.join(self._handlers)} (or their boto3 method "
                             "names)")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be an integer >= 1, got {times!r}")
        with self.lock:
            self._faults.setdefault(api, deque()).extend([fault] * times)

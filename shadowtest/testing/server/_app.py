"""The local server: one HTTP endpoint in front of a FakeSageMaker and its CloudWatch and
S3, speaking each service's wire protocol (see the package's docstring)."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import traceback
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urlsplit

from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

from shadowtest.testing._base import Dropped
from shadowtest.testing._clients import shared_session
from shadowtest.testing._fake import FakeSageMaker
from shadowtest.testing._wire import Wire, encode_error
from shadowtest.testing.server._requests import (
    BadRequest,
    Request,
    read_params,
    rest_operation,
)
from shadowtest.testing.server._seed import SeedError, apply_seed

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from botocore.model import OperationModel, ServiceModel

    from shadowtest.testing._base import FakeService

__all__ = ["SERVICES", "LocalServer"]

SERVICES: Final[Mapping[str, Callable[[FakeSageMaker], FakeService[Any]]]] = {
    "sagemaker": lambda fake: fake,
    "cloudwatch": lambda fake: fake.cloudwatch_fake,
    "s3": lambda fake: fake.fake_s3,
    "sns": lambda fake: fake.sns_fake,
    "athena": lambda fake: fake.athena_fake,
}
"""Every AWS service the server speaks (botocore's name) and how its fake is reached from
the FakeSageMaker. A new service fake is served by adding it here: its protocols,
operations and shapes come from botocore's model."""

CONTROL: Final = "/_shadowtest/"  # no S3 bucket name starts with "_"
_CBOR_PATH: Final = re.compile(r"/service/([^/]+)/operation/([^/]+)")


class _Service:
    """One served service: its model (botocore's), the protocols it speaks, its fake."""

    def __init__(self, name: str, model: ServiceModel,
                 fake: Callable[[FakeSageMaker], FakeService[Any]]) -> None:
        self.name, self.model, self.fake = name, model, fake
        metadata = model.metadata
        self.protocols = tuple(metadata.get("protocols") or (model.protocol,))
        self.target = metadata.get("targetPrefix")
        self.version = metadata.get("apiVersion")


class _Answer(Exception):
    """Answer the request with this error (code, message, status, in ``protocol``)."""

    def __init__(self, protocol: str, service: ServiceModel, code: str, message: str,
                 status: int, operation: OperationModel | None = None) -> None:
        super().__init__(message)
        self.wire = encode_error(protocol, service, code, message, status, operation=operation)


class LocalServer:
    """A local HTTP server speaking the AWS protocols of a :class:`FakeSageMaker` (made
    with a clock that follows the real time if ``fake`` is not given), bound to ``host``
    (127.0.0.1) and ``port`` (0: any free one).

    ``url`` is where to point clients (``endpoint_url=``, ``--endpoint-url``,
    ``AWS_ENDPOINT_URL``); :meth:`start` serves from a background thread,
    :meth:`serve_forever` from this one; :meth:`stop` ends either. As a context manager
    it starts and stops.

    >>> with LocalServer() as server:  # doctest: +SKIP
    ...     client = boto3.client("sagemaker", endpoint_url=server.url)
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 fake: FakeSageMaker | None = None, log: bool = False) -> None:
        self.fake = fake if fake is not None else FakeSageMaker(real_time=True)
        """The fake every request is served by (seed it, read its ``calls``)."""
        session = shared_session()._session  # the loader the fakes' clients share
        self._services = [_Service(name, session.get_service_model(name), reach)
                          for name, reach in SERVICES.items()]
        self._by_target = {s.target: s for s in self._services if s.target}
        self._by_version = {s.version: s for s in self._services if "query" in s.protocols}
        self._rest = next(s for s in self._services if "rest-xml" in s.protocols)
        self._log = log
        self._http = _HTTPServer((host, port), _Handler)
        self._http.app = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://HOST:PORT``, the endpoint URL to give clients."""
        host, port = self._http.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def serve_forever(self) -> None:
        """Serve until :meth:`stop` (or an exception in this thread, such as a signal's)."""
        self._http.serve_forever(poll_interval=0.2)

    def start(self) -> LocalServer:
        """Serve from a background thread; returns the server."""
        self._thread = threading.Thread(target=self.serve_forever, name="shadowtest-server",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
            self._thread = None
        self._http.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def seed(self, document: Mapping[str, object]) -> dict[str, object]:
        """Apply a seed document (see :func:`shadowtest.testing.server.seed`) directly."""
        return apply_seed(self.fake, document)

    # -- answering ------------------------------------------------------------------------

    def answer(self, request: Request) -> Wire | None:
        """The answer to one request, or ``None`` to close the connection unanswered (a
        fault that drops it)."""
        if request.path.startswith(CONTROL):
            return self._control(request)
        try:
            service, operation, protocol, labels = self._route(request)
            params = read_params(protocol, operation, request, labels)
            self._validate(params, operation, protocol)
            fake = service.fake(self.fake)
            return fake._serve_request(operation.name, params, fake._meta.service_model
                                       .operation_model(operation.name), protocol)
        except _Answer as answer:
            return answer.wire
        except BadRequest as bad:
            service, protocol = self._guess(request)
            return encode_error(protocol, service.model, bad.code, bad.message, bad.status)
        except Dropped:
            return None
        except NotImplementedError as error:
            service, protocol = self._guess(request)
            return encode_error(protocol, service.model, "NotImplemented", str(error), 501)
        except Exception as error:  # a bug in a fake: the client gets a 500, never a traceback
            traceback.print_exc(file=sys.stderr)
            service, protocol = self._guess(request)
            return encode_error(protocol, service.model, "InternalFailure",
                                f"the fake failed to answer: {type(error).__name__}", 500)

    def _route(self, request: Request) -> tuple[_Service, OperationModel, str, dict[str, str]]:
        """Which service, operation and protocol a request is (and a REST request's path
        labels), from the headers and path each protocol uses."""
        headers = request.headers
        target = headers.get("x-amz-target")
        if target is not None:
            prefix, _, name = target.rpartition(".")
            return (*self._operation(self._by_target.get(prefix), name, "json", target), {})
        found = _CBOR_PATH.fullmatch(request.path)
        if found is not None and request.method == "POST":
            return (*self._operation(self._by_target.get(found.group(1)), found.group(2),
                                     "smithy-rpc-v2-cbor", request.path), {})
        fields = self._form(request)
        if "Action" in fields:
            return (*self._operation(self._by_version.get(fields.get("Version", "")),
                                     fields["Action"], "query", fields["Action"]), {})
        host = headers.get("host", "").rpartition(":")[0] or headers.get("host", "")
        if host.endswith(".localhost"):  # virtual-host style: bucket.localhost:PORT/key
            bucket = host[:-len(".localhost")]
            path = f"/{bucket}" + ("" if request.path == "/" else request.path)
            request = Request(request.method, path, request.query, request.headers,
                              request.body)
        operation, labels = rest_operation(self._rest.model, request)
        served = self._rest.fake(self.fake).operations
        if operation.name not in served:
            raise _Answer("rest-xml", self._rest.model, "NotImplemented",
                          f"{operation.name} is not served here: the fake serves "
                          f"{', '.join(served)}", 501, operation)
        return self._rest, operation, "rest-xml", labels

    def _operation(self, service: _Service | None, name: str, protocol: str, asked: str
                   ) -> tuple[_Service, OperationModel, str]:
        if service is None or protocol not in service.protocols \
                or name not in service.model.operation_names:
            model = service.model if service is not None else self._services[0].model
            if protocol == "query":
                raise _Answer(protocol, model, "InvalidAction",
                              f"The action {asked} is not valid for this web service.", 400)
            raise _Answer(protocol, model, "UnknownOperationException",
                          f"Unknown operation {asked}", 400)
        return service, service.model.operation_model(name), protocol

    @staticmethod
    def _form(request: Request) -> dict[str, str]:
        fields = dict(parse_qsl(request.query, keep_blank_values=True))
        if "x-www-form-urlencoded" in request.headers.get("content-type", ""):
            with contextlib.suppress(UnicodeDecodeError):  # read_params refuses it
                fields.update(parse_qsl(request.body.decode(), keep_blank_values=True))
        return fields

    def _guess(self, request: Request) -> tuple[_Service, str]:
        """The service and protocol to answer an unreadable request in."""
        headers = request.headers
        if "x-amz-target" in headers:
            prefix = headers["x-amz-target"].rpartition(".")[0]
            return self._by_target.get(prefix, self._services[0]), "json"
        found = _CBOR_PATH.fullmatch(request.path)
        if found is not None:
            return self._by_target.get(found.group(1), self._services[0]), "smithy-rpc-v2-cbor"
        if "x-www-form-urlencoded" in headers.get("content-type", ""):
            version = dict(self._form(request)).get("Version", "")
            return self._by_version.get(version, self._services[0]), "query"
        return self._rest, "rest-xml"

    @staticmethod
    def _validate(params: dict[str, Any], operation: OperationModel, protocol: str) -> None:
        """What the service checks of any request: required members, lengths, ranges
        (botocore's rules); the fake checks the rest."""
        if operation.input_shape is None:
            return
        try:
            validate_parameters(params, operation.input_shape)
        except ParamValidationError as error:
            lines = [line.strip() for line in str(error.kwargs.get("report", error))
                     .splitlines() if line.strip()]
            n = len(lines)
            raise _Answer(protocol, operation.service_model, "ValidationException",
                          f"{n} validation error{'s' if n != 1 else ''} detected: "
                          + "; ".join(lines), 400, operation) from None

    def _control(self, request: Request) -> Wire:
        """``/_shadowtest/health`` and ``/_shadowtest/seed``: the server's own API."""
        action = urlsplit(request.path).path[len(CONTROL):].strip("/")
        if action == "health" and request.method == "GET":
            return _json(200, {"ok": True, "now": self.fake.now.isoformat(),
                               "services": list(SERVICES)})
        if action == "seed" and request.method == "POST":
            try:
                document = json.loads(request.body or b"{}")
            except (ValueError, RecursionError):
                return _json(400, {"error": "the seed document is not JSON"})
            try:
                return _json(200, apply_seed(self.fake, document))
            except SeedError as error:
                return _json(400, {"error": str(error)})
        return _json(404, {"error": f"no such control action {request.method} "
                                    f"{request.path}; use GET {CONTROL}health or POST "
                                    f"{CONTROL}seed"})


def _json(status: int, data: object) -> Wire:
    body = json.dumps(data, default=_default).encode()
    return Wire(status, {"content-type": "application/json"}, body)


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"no JSON form for {value!r}")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # closing does not wait for the threads of idle keep-alive connections (a client's
    # pool keeps them open): stop means stop
    block_on_close = False
    allow_reuse_address = True
    app: LocalServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that went away mid-answer is not the server's error
        kind = sys.exc_info()[0]
        if kind is not None and issubclass(kind, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: botocore reuses its connections
    disable_nagle_algorithm = True  # one write per answer, sent at once
    server: _HTTPServer
    server_version = "shadowtest"

    def _handle(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        request = Request(self.command, split.path, split.query, dict(self.headers.items()),
                          body)
        app = self.server.app
        wire = app.answer(request)
        if wire is None:  # dropped: no answer, and the connection closes
            self.close_connection = True
            return
        if app._log:
            sys.stderr.write(f"{self.command} {self.path} -> {wire.status}\n")
        reason = self.responses.get(wire.status, ("",))[0]
        head = [f"{self.protocol_version} {wire.status} {reason}",
                f"Server: {self.server_version}", f"Date: {self.date_time_string()}"]
        head += [f"{name}: {value}" for name, value in wire.headers.items()]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(data if self.command == "HEAD" else data + wire.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: one line per request only with log=True (see _handle)

"""Answers at botocore's HTTP layer for any boto3 client: raw bodies, so botocore's real
parsing (and its retry rules) meets exactly what a service, a proxy or a broken network
would send. A ``limit`` on the requests answered turns an endless loop into an
``AssertionError`` naming it."""

from __future__ import annotations

import json
import uuid
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

JSON_TYPES = {"sagemaker": "application/x-amz-json-1.1",
              "cloudwatch": "application/x-amz-json-1.0", "s3": "application/xml"}

Answer = tuple[int, bytes]


class Body:
    """A raw body botocore can read whole (``stream``) or as a streaming one (``read``)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self._at = 0

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body

    def read(self, amt: int | None = None) -> bytes:
        end = len(self.body) if amt is None else self._at + amt
        chunk, self._at = self.body[self._at:end], min(end, len(self.body))
        return chunk


class Wire:
    """Answers every HTTP attempt of ``client``: the queued answers first, then
    ``default(request)`` (``None``: an error naming the unexpected request)."""

    def __init__(self, client: Any, *, limit: int = 50) -> None:
        self.client = client
        self.service = client.meta.service_model.service_name
        self.limit = limit
        self.queue: deque[Answer] = deque()
        self.default: Callable[[Any], Answer] | None = None
        self.requests: list[Any] = []
        service_id = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register_first(f"before-send.{service_id}", self._send,
                                          unique_id=f"tests-wire-{id(self)}")

    def reset(self) -> Wire:
        self.queue.clear()
        self.requests.clear()
        self.default = None
        return self

    def answer(self, body: object, *, status: int = 200, times: int = 1) -> Wire:
        """Queue ``body`` (bytes or text as it is; anything else as the service's JSON)."""
        self.queue.extend([(status, encode(body))] * times)
        return self

    def always(self, answer: Callable[[Any], object], *, status: int = 200) -> Wire:
        """Answer every request not queued for with ``answer(request)``."""
        self.default = lambda request: (status, encode(answer(request)))
        return self

    def _send(self, request: Any, **_: Any) -> AWSResponse:
        self.requests.append(request)
        if len(self.requests) > self.limit:
            raise AssertionError(f"{len(self.requests)} requests to {self.service}: a loop")
        if self.queue:
            status, body = self.queue.popleft()
        elif self.default is not None:
            status, body = self.default(request)
        else:
            raise AssertionError(f"no answer queued for {request.url}")
        headers = HTTPHeaders()
        headers["content-type"] = JSON_TYPES[self.service]
        headers["x-amzn-requestid"] = str(uuid.uuid4())
        return AWSResponse(str(request.url), status, headers, Body(body))


def json_default(value: object) -> float:
    """Timestamps as the JSON protocols carry them: epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"no JSON form for {value!r}")


def encode(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, default=json_default).encode()


def request_json(request: Any) -> dict[str, Any]:
    """The JSON body of a request to a JSON-protocol service."""
    data: dict[str, Any] = json.loads(request.body or b"{}")
    return data

"""The AWS wire protocols the fakes answer in: a response or an error of one operation as
the service sends it over HTTP (status, headers, body), for JSON 1.0/1.1,
smithy-rpc-v2-cbor, query (XML) and REST-XML.

Two users: an in-process fake answering at botocore's HTTP layer (so botocore parses a
real body and its retries see every attempt), and the local server
(:mod:`shadowtest.testing.server`). Each encoder is driven by the operation's output
shape from the service model, so a new operation or service needs no code here. The
tests check every encoder against botocore's own parsers.
"""

from __future__ import annotations

import base64
import email.utils
import io
import json
import math
import struct
import uuid
from datetime import datetime, timezone
from http.client import responses as reasons
from typing import TYPE_CHECKING, Any, Final
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from botocore.model import OperationModel, ServiceModel, Shape

__all__ = ["Body", "Wire", "cbor_encode", "content_type", "encode_error", "encode_response",
           "protocol_of"]

_UTC: Final = timezone.utc
_S3_NAMESPACE: Final = "http://s3.amazonaws.com/doc/2006-03-01/"
# The root element of a REST-XML answer whose output shape does not name one (botocore
# reads the root's children whatever its name; the AWS CLI is botocore too).
_XML_ROOTS: Final = {"ListObjectsV2": "ListBucketResult", "ListObjects": "ListBucketResult"}


class Body:
    """The raw body of a botocore ``AWSResponse``: botocore reads it through ``stream()``,
    or as a file (``read``) for a streaming output such as S3's GetObject."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self._file = io.BytesIO(body)

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body

    def read(self, amt: int | None = None) -> bytes:
        return self._file.read(amt)

    def close(self) -> None:
        self._file.close()


class Wire:
    """One HTTP answer: ``status``, ``headers`` (lower-case names) and ``body``."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body
        headers.setdefault("content-length", str(len(body)))  # a HEAD's says the object's

    def __repr__(self) -> str:
        return f"Wire({self.status}, {self.headers!r}, {self.body[:80]!r})"


def protocol_of(model: ServiceModel) -> str:
    """The protocol botocore speaks to the service: the first of the model's
    ``protocols`` it supports (newer botocore), else the model's ``protocol``."""
    return str(getattr(model, "resolved_protocol", model.protocol))


def content_type(protocol: str, model: ServiceModel) -> str:
    """The Content-Type of the service's answers in ``protocol``."""
    if protocol == "json":
        return f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"
    if protocol == "smithy-rpc-v2-cbor":
        return "application/cbor"
    if protocol == "query":
        return "text/xml"
    return "application/xml"


def _headers(protocol: str, model: ServiceModel, request_id: str) -> dict[str, str]:
    headers = {"content-type": content_type(protocol, model)}
    if protocol == "rest-xml":
        headers["x-amz-request-id"] = request_id
        headers["x-amz-id-2"] = base64.b64encode(request_id.encode()).decode()
    else:
        headers["x-amzn-requestid"] = request_id
    if protocol == "smithy-rpc-v2-cbor":
        headers["smithy-protocol"] = "rpc-v2-cbor"
    return headers


def raw_answer(protocol: str, model: ServiceModel, status: int, body: bytes) -> Wire:
    """``body`` as it is, with the headers the service sends in ``protocol``."""
    return Wire(status, _headers(protocol, model, str(uuid.uuid4())), body)


def encode_response(protocol: str, operation: OperationModel, data: Mapping[str, Any],
                    request_id: str | None = None) -> Wire:
    """The service's 200 answer to ``operation`` carrying ``data`` (the parsed form:
    what botocore returns, without ``ResponseMetadata``)."""
    service = operation.service_model
    request_id = request_id or str(uuid.uuid4())
    headers = _headers(protocol, service, request_id)
    shape = operation.output_shape
    status = int(operation.http.get("responseCode", 200))
    if protocol == "json":
        body = json.dumps(_plain(data, shape) if shape is not None else {}).encode()
    elif protocol == "smithy-rpc-v2-cbor":
        body = cbor_encode(_plain(data, shape, timestamps=False) if shape is not None else {})
    elif protocol == "query":
        name = operation.name
        inner = ""
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
            inner = f"<{wrapper}>{_xml_members(data, shape)}</{wrapper}>"
        namespace = service.metadata.get("xmlNamespace", "")
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{name}Response xmlns="{namespace}">'
                f"{inner}<ResponseMetadata><RequestId>{request_id}</RequestId>"
                f"</ResponseMetadata></{name}Response>").encode()
    elif protocol == "rest-xml":
        body, status = _rest_xml(operation, data, headers, status)
    else:
        raise NotImplementedError(f"no encoder for the {protocol} protocol")
    return Wire(status, headers, body)


def encode_error(protocol: str, service: ServiceModel, code: str, message: str,
                 status: int, *, operation: OperationModel | None = None,
                 members: Mapping[str, str] | None = None,
                 request_id: str | None = None) -> Wire:
    """The service's error answer: ``code`` and ``message`` (and, for REST-XML, extra
    ``members`` such as S3's ``BucketName``) with HTTP ``status``. A HEAD request's error
    has no body, as S3 sends it (botocore then reads the code from the status)."""
    request_id = request_id or str(uuid.uuid4())
    headers = _headers(protocol, service, request_id)
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
    elif protocol == "smithy-rpc-v2-cbor":
        body = cbor_encode({"__type": code, "message": message})
    elif protocol == "query":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="'
                f'{service.metadata.get("xmlNamespace", "")}"><Error><Type>'
                f"{'Sender' if status < 500 else 'Receiver'}</Type><Code>{escape(code)}</Code>"
                f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}"
                "</RequestId></ErrorResponse>").encode()
    elif protocol == "rest-xml":
        if operation is not None and operation.http.get("method") == "HEAD":
            body = b""
        else:
            extra = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in (members or {}).items())
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(code)}'
                    f"</Code><Message>{escape(message)}</Message>{extra}<RequestId>"
                    f"{request_id}</RequestId></Error>").encode()
    else:
        raise NotImplementedError(f"no encoder for the {protocol} protocol")
    return Wire(status, headers, body)


def parsed_error(code: str, message: str, status: int, operation: OperationModel
                 ) -> dict[str, str]:
    """The ``Error`` botocore makes of :func:`encode_error`'s answer (for a fake that
    answers before the HTTP layer, so both paths raise the same ``ClientError``)."""
    if operation.service_model.protocol == "rest-xml" and operation.http.get("method") == "HEAD":
        return {"Code": str(status), "Message": reasons.get(status, "")}
    return {"Code": code, "Message": message}


# -- JSON and CBOR: plain values by shape ---------------------------------------------------


def _plain(value: Any, shape: Shape, *, timestamps: bool = True) -> Any:
    """``value`` as JSON (``timestamps``: epoch seconds, blobs base64) or CBOR data (both
    kept as they are, for the CBOR encoder's tags) by ``shape``; members the shape does
    not have are left out."""
    kind = shape.type_name
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        return {name: _plain(item, members[name], timestamps=timestamps)
                for name, item in value.items() if name in members and item is not None}
    if kind == "list":
        return [_plain(item, shape.member, timestamps=timestamps)  # type: ignore[attr-defined]
                for item in value]
    if kind == "map":
        return {key: _plain(item, shape.value, timestamps=timestamps)  # type: ignore[attr-defined]
                for key, item in value.items()}
    if kind == "timestamp" and timestamps:
        return _epoch(value)
    if kind == "blob" and timestamps:
        return base64.b64encode(_bytes(value)).decode()
    if kind == "blob":
        return _bytes(value)
    return value


def _epoch(value: datetime) -> float | int:
    seconds = value.timestamp()
    return int(seconds) if seconds.is_integer() else seconds


def _bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def cbor_encode(value: object) -> bytes:
    """``value`` in CBOR (RFC 8949), as the smithy-rpc-v2-cbor protocol carries it:
    datetimes as tag 1 (epoch seconds), floats as doubles, bytes as byte strings."""
    out = bytearray()
    _cbor_into(out, value)
    return bytes(out)


def _cbor_head(out: bytearray, major: int, n: int) -> None:
    if n < 24:
        out.append(major << 5 | n)
    else:
        size = 0 if n < 256 else 1 if n < 65536 else 2 if n < 1 << 32 else 3
        out.append(major << 5 | (24 + size))
        out += n.to_bytes(1 << size, "big")


def _cbor_into(out: bytearray, value: object) -> None:
    if value is None:
        out.append(0xF6)
    elif isinstance(value, bool):
        out.append(0xF5 if value else 0xF4)
    elif isinstance(value, int) and value >= 0:
        _cbor_head(out, 0, value)
    elif isinstance(value, int):
        _cbor_head(out, 1, -1 - value)
    elif isinstance(value, float):
        out.append(0xFB)
        out += struct.pack(">d", value)
    elif isinstance(value, str):
        data = value.encode()
        _cbor_head(out, 3, len(data))
        out += data
    elif isinstance(value, (bytes, bytearray)):
        _cbor_head(out, 2, len(value))
        out += value
    elif isinstance(value, datetime):
        _cbor_head(out, 6, 1)
        _cbor_into(out, value.timestamp())
    elif isinstance(value, (list, tuple)):
        _cbor_head(out, 4, len(value))
        for item in value:
            _cbor_into(out, item)
    elif isinstance(value, dict):
        _cbor_head(out, 5, len(value))
        for key, item in value.items():
            _cbor_into(out, key)
            _cbor_into(out, item)
    else:
        raise TypeError(f"no CBOR form for {value!r}")


# -- XML: query and REST-XML ------------------------------------------------------------------


def _xml_text(value: Any, shape: Shape) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        when: datetime = value.astimezone(_UTC)
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    if kind == "blob":
        return base64.b64encode(_bytes(value)).decode()
    if kind in ("float", "double"):
        number = float(value)
        return repr(number) if math.isfinite(number) else {
            math.inf: "Infinity", -math.inf: "-Infinity"}.get(number, "NaN")
    return escape(str(value))


def _xml_members(value: Mapping[str, Any], shape: Shape) -> str:
    """The members of structure ``value`` as XML elements (those carried in headers or
    the status line are not in the body)."""
    parts = []
    for name, member in shape.members.items():  # type: ignore[attr-defined]
        item = value.get(name)
        if item is None or member.serialization.get("location"):
            continue
        parts.append(_xml_element(_member_name(member, name), item, member))
    return "".join(parts)


def _member_name(shape: Shape, name: str) -> str:
    # botocore's _member_key_name: a flattened list is named by its member's name
    if shape.type_name == "list" and shape.serialization.get("flattened"):
        inner = shape.member.serialization.get("name")  # type: ignore[attr-defined]
        if inner is not None:
            return str(inner)
    return str(shape.serialization.get("name", name))


def _xml_element(tag: str, value: Any, shape: Shape) -> str:
    kind = shape.type_name
    if kind == "structure":
        return f"<{tag}>{_xml_members(value, shape)}</{tag}>"
    if kind == "list":
        member = shape.member  # type: ignore[attr-defined]
        if shape.serialization.get("flattened"):
            return "".join(_xml_element(tag, item, member) for item in value)
        inner = member.serialization.get("name", "member")
        return f"<{tag}>{''.join(_xml_element(inner, item, member) for item in value)}</{tag}>"
    if kind == "map":
        key_shape, value_shape = shape.key, shape.value  # type: ignore[attr-defined]
        key_tag = key_shape.serialization.get("name") or "key"
        value_tag = value_shape.serialization.get("name") or "value"
        entries = [f"{_xml_element(key_tag, key, key_shape)}"
                   f"{_xml_element(value_tag, item, value_shape)}"
                   for key, item in value.items()]
        if shape.serialization.get("flattened"):
            return "".join(f"<{tag}>{entry}</{tag}>" for entry in entries)
        return f"<{tag}>{''.join(f'<entry>{entry}</entry>' for entry in entries)}</{tag}>"
    return f"<{tag}>{_xml_text(value, shape)}</{tag}>"


def _header_text(value: Any, shape: Shape) -> str:
    kind = shape.type_name
    if kind == "timestamp":
        form = shape.serialization.get("timestampFormat", "rfc822")
        if form == "iso8601":
            return _xml_text(value, shape)
        if form == "unixTimestamp":
            return str(_epoch(value))
        return email.utils.format_datetime(value.astimezone(_UTC), usegmt=True)
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("list",):
        return ",".join(str(item) for item in value)
    return str(value)


def _rest_xml(operation: OperationModel, data: Mapping[str, Any], headers: dict[str, str],
              status: int) -> tuple[bytes, int]:
    """A REST-XML answer: members located in headers go there, a blob payload is the
    body as it is, the other members an XML document."""
    shape = operation.output_shape
    if shape is None:
        return b"", status
    members = shape.members
    for name, member in members.items():
        item = data.get(name)
        if item is None:
            continue
        location = member.serialization.get("location")
        if location == "header":
            headers[member.serialization.get("name", name).lower()] = _header_text(item, member)
        elif location == "headers":  # a map under a prefix (S3's x-amz-meta-*)
            prefix = member.serialization.get("name", "")
            headers.update((f"{prefix}{key}".lower(), str(v)) for key, v in item.items())
        elif location == "statusCode":
            status = int(item)
    payload = shape.serialization.get("payload")
    if payload is not None:
        member = members[payload]
        item = data.get(payload)
        if item is None:
            return b"", status
        if member.type_name in ("blob", "string"):
            return _bytes(item.read() if hasattr(item, "read") else item), status
        tag = member.serialization.get("name", member.name)
        return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                + _xml_element(tag, item, member).encode()), status
    body = _xml_members(data, shape)
    if not body:
        return b"", status
    root = _XML_ROOTS.get(operation.name, f"{operation.name}Result")
    namespace = _S3_NAMESPACE if operation.service_model.service_name == "s3" else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{namespace}">{body}'
            f"</{root}>").encode(), status

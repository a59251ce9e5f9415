"""Requests off the wire: which service and operation an HTTP request is, and its
parameters read by the operation's input shape, for the four protocols the fakes speak.

- JSON 1.0/1.1: ``POST /``, ``X-Amz-Target: <targetPrefix>.<Operation>``, a JSON body;
- smithy-rpc-v2-cbor: ``POST /service/<targetPrefix>/operation/<Operation>``, a CBOR body;
- query: ``Action=<Operation>&Version=<apiVersion>&...`` form fields (POST body or query);
- REST-XML (S3): the method and path matched against each operation's ``requestUri``,
  members read from the path, the query string and the headers.

What the service would refuse before reading the request is a :class:`BadRequest`
with the service's error code: a body that is not JSON/CBOR/a form (a serialization
error), a value of the wrong type, an operation that does not exist. Signatures are
not checked: any credentials will do.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, unquote

from botocore.utils import parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Mapping

    from botocore.model import OperationModel, ServiceModel, Shape

__all__ = ["BadRequest", "Request", "cbor_decode", "read_params"]

_UTC: Final = timezone.utc


class BadRequest(Exception):
    """The request is refused before any service rule runs: ``code``, ``message`` and
    the HTTP ``status``, as the service sends them."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class Request:
    """An HTTP request as the server read it (header names in lower case)."""

    __slots__ = ("body", "headers", "method", "path", "query")

    def __init__(self, method: str, path: str, query: str, headers: Mapping[str, str],
                 body: bytes) -> None:
        self.method, self.path, self.query, self.body = method, path, query, body
        self.headers = {name.lower(): value for name, value in headers.items()}


def _serialization_error(message: str) -> BadRequest:
    return BadRequest("SerializationException", message)


# -- reading values by shape ----------------------------------------------------------------


def _timestamp(value: object, where: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, datetime)):
        raise _serialization_error(f"{where}: expected a timestamp, got {_kind(value)}")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=_UTC)
    if isinstance(value, (int, float)) and not math.isfinite(value):
        raise _serialization_error(f"{where}: {value} is not a timestamp")
    try:
        parsed: datetime = parse_timestamp(value)  # type: ignore[arg-type]  # numbers too
    except (ValueError, OverflowError, OSError, RuntimeError):
        raise _serialization_error(f"{where}: {value!r} is not a timestamp") from None
    return parsed.astimezone(_UTC)


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def from_plain(value: object, shape: Shape, where: str) -> Any:
    """A JSON or CBOR value read by ``shape``: timestamps and blobs converted, members the
    shape does not have left out (as the service ignores them); a value of the wrong
    type is a serialization error."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise _serialization_error(f"{where or 'the request'}: expected an object, got "
                                       f"{_kind(value)}")
        members = shape.members  # type: ignore[attr-defined]
        names = {member.serialization.get("name", name): name for name, member in
                 members.items()}
        return {names[key]: from_plain(item, members[names[key]], _join(where, names[key]))
                for key, item in value.items() if key in names and item is not None}
    if kind == "list":
        if not isinstance(value, list):
            raise _serialization_error(f"{where}: expected a list, got {_kind(value)}")
        member = shape.member  # type: ignore[attr-defined]
        return [from_plain(item, member, f"{where}[{i}]") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise _serialization_error(f"{where}: expected an object, got {_kind(value)}")
        return {str(key): from_plain(item, shape.value,  # type: ignore[attr-defined]
                                     f"{where}.{key}") for key, item in value.items()}
    if kind == "timestamp":
        return _timestamp(value, where)
    if kind == "blob":
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if not isinstance(value, str):
            raise _serialization_error(f"{where}: expected base64 text, got {_kind(value)}")
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            raise _serialization_error(f"{where}: not base64") from None
    return _scalar(value, kind, where)


def _scalar(value: object, kind: str, where: str) -> object:
    if kind == "string":
        ok = isinstance(value, str)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind in ("float", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = True
    if not ok:
        raise _serialization_error(f"{where}: expected {'an' if kind[0] in 'aeiou' else 'a'} "
                                   f"{kind}, got {_kind(value)}")
    return value


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _from_text(text: str, shape: Shape, where: str) -> Any:
    """A query, header or query-string value (always text) read by a scalar ``shape``."""
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
    except ValueError:
        article = "an" if kind[0] in "aeiou" else "a"
        raise _serialization_error(f"{where}: {text!r} is not {article} {kind}") from None
    if kind == "boolean":
        if text not in ("true", "false"):
            raise _serialization_error(f"{where}: {text!r} is not true or false")
        return text == "true"
    if kind == "timestamp":
        return _timestamp(text, where)
    if kind == "blob":
        return from_plain(text, shape, where)
    return text


# -- CBOR -----------------------------------------------------------------------------------


def cbor_decode(data: bytes) -> object:
    """One CBOR data item (RFC 8949), as botocore's smithy-rpc-v2-cbor serializer writes
    them: tag 1 becomes a datetime; indefinite lengths are read too."""
    reader = _Cbor(data)
    value = reader.item()
    if reader.at != len(data):
        raise _serialization_error("the CBOR body has bytes after its one data item")
    return value


class _Cbor:
    _BREAK: Final = object()

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def _take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise _serialization_error("the CBOR body ends in the middle of a data item")
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk

    def _length(self, info: int) -> int | None:
        if info < 24:
            return info
        if info <= 27:
            return int.from_bytes(self._take(1 << (info - 24)), "big")
        if info == 31:
            return None
        raise _serialization_error(f"CBOR additional information {info} is reserved")

    def item(self, depth: int = 0) -> Any:
        if depth > 200:
            raise _serialization_error("the CBOR body is nested too deeply")
        head = self._take(1)[0]
        major, info = head >> 5, head & 0x1F
        if major == 7:
            return self._simple(info)
        n = self._length(info)
        if major == 0:
            return self._definite(n)
        if major == 1:
            return -1 - self._definite(n)
        if major in (2, 3):
            raw = self._chunks(major, n, depth)
            if major == 2:
                return raw
            try:
                return raw.decode()
            except UnicodeDecodeError:
                raise _serialization_error("a CBOR text string is not UTF-8") from None
        if major == 4:
            out: list[Any] = []
            while n is None or len(out) < n:
                item = self.item(depth + 1)
                if item is self._BREAK:
                    if n is not None:
                        raise _serialization_error("an unexpected CBOR break")
                    break
                out.append(item)
            return out
        if major == 5:
            mapping: dict[Any, Any] = {}
            while n is None or len(mapping) < n:
                key = self.item(depth + 1)
                if key is self._BREAK:
                    if n is not None:
                        raise _serialization_error("an unexpected CBOR break")
                    break
                if not isinstance(key, (str, int, float, bytes)):
                    raise _serialization_error("a CBOR map key is not a string")
                mapping[key] = self.item(depth + 1)
            return mapping
        # major 6: a tag
        value = self.item(depth + 1)
        if n == 1:
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value):
                raise _serialization_error("CBOR tag 1 does not hold epoch seconds")
            try:
                return datetime.fromtimestamp(value, _UTC)
            except (OverflowError, OSError, ValueError):
                raise _serialization_error(f"{value} is not a timestamp") from None
        return value

    def _definite(self, n: int | None) -> int:
        if n is None:
            raise _serialization_error("a CBOR integer cannot have an indefinite length")
        return n

    def _chunks(self, major: int, n: int | None, depth: int) -> bytes:
        if n is not None:
            return self._take(n)
        parts: list[bytes] = []
        while True:
            head = self._take(1)[0]
            if head == 0xFF:
                return b"".join(parts)
            if head >> 5 != major:
                raise _serialization_error("a CBOR string chunk of another type")
            parts.append(self._take(self._definite(self._length(head & 0x1F))))

    def _simple(self, info: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return _half(int.from_bytes(self._take(2), "big"))
        if info == 26:
            return float(struct.unpack(">f", self._take(4))[0])
        if info == 27:
            return float(struct.unpack(">d", self._take(8))[0])
        if info == 31:
            return self._BREAK
        raise _serialization_error(f"CBOR simple value {info} is not supported")


def _half(bits: int) -> float:
    sign = -1.0 if bits & 0x8000 else 1.0
    exponent, fraction = (bits >> 10) & 0x1F, bits & 0x3FF
    if exponent == 0:
        return sign * fraction * 2.0 ** -24
    if exponent == 31:
        return sign * math.inf if fraction == 0 else math.nan
    return sign * (1 + fraction / 1024) * 2.0 ** (exponent - 15)


# -- query ------------------------------------------------------------------------------------


def read_query(fields: Mapping[str, str], shape: Shape | None) -> dict[str, Any]:
    """The parameters of a query-protocol request from its form ``fields`` (``Action``
    and ``Version`` aside): ``A.member.1.B=x`` read by ``shape``."""
    if shape is None:
        return {}
    tree: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ("Action", "Version"):
            continue
        node = tree
        *parents, last = key.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise _serialization_error(f"{key}: a value and a structure at once")
            node = child
        node[last] = value
    out = _query_value(tree, shape, "")
    return out if isinstance(out, dict) else {}


def _query_value(node: Any, shape: Shape, where: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(node, dict):
            raise _serialization_error(f"{where}: expected a structure")
        out = {}
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            key = member.serialization.get("name", name)
            if member.type_name == "list" and member.serialization.get("flattened"):
                key = member.member.serialization.get("name", key)
            if key in node:
                out[name] = _query_value(node[key], member, _join(where, name))
        return out
    if kind == "list":
        member = shape.member  # type: ignore[attr-defined]
        if not isinstance(node, dict):
            if node == "":  # an empty list is sent as "Name="
                return []
            raise _serialization_error(f"{where}: expected a list")
        items = node if shape.serialization.get("flattened") else node.get(
            member.serialization.get("name", "member"), {})
        return [_query_value(item, member, f"{where}[{i}]")
                for i, item in _numbered(items, where)]
    if kind == "map":
        if not isinstance(node, dict):
            raise _serialization_error(f"{where}: expected a map")
        entries = node if shape.serialization.get("flattened") else node.get("entry", {})
        key_name = shape.key.serialization.get("name", "key")  # type: ignore[attr-defined]
        value_name = shape.value.serialization.get("name", "value")  # type: ignore[attr-defined]
        out_map = {}
        for _, entry in _numbered(entries, where):
            if not isinstance(entry, dict) or key_name not in entry or value_name not in entry:
                raise _serialization_error(f"{where}: a map entry without its key or value")
            out_map[entry[key_name]] = _query_value(entry[value_name],
                                                    shape.value,  # type: ignore[attr-defined]
                                                    f"{where}.{entry[key_name]}")
        return out_map
    if isinstance(node, dict):
        raise _serialization_error(f"{where}: expected a value, got a structure")
    return _from_text(node, shape, where)


def _numbered(items: Any, where: str) -> list[tuple[int, Any]]:
    if not isinstance(items, dict):
        raise _serialization_error(f"{where}: expected numbered members")
    try:
        numbered = sorted((int(index), item) for index, item in items.items())
    except ValueError:
        raise _serialization_error(f"{where}: members are numbered 1, 2, ...") from None
    return [(index - 1, item) for index, item in numbered]


# -- REST-XML (S3) ----------------------------------------------------------------------------

_LABEL: Final = re.compile(r"\{([^}+]+)(\+?)\}")


class _Route:
    """One operation's ``requestUri`` as a matcher: literal path segments, labels
    (``{Bucket}``, greedy ``{Key+}``), the query keys it requires (``?list-type=2``) and
    its required headers (CopyObject's ``x-amz-copy-source`` tells it from PutObject)."""

    def __init__(self, operation: OperationModel) -> None:
        self.operation = operation
        self.method = operation.http["method"]
        path, _, query = operation.http["requestUri"].partition("?")
        # botocore strips "/{Bucket}" from an S3 client's model in place the first time an
        # operation is called, keeping the original path as "authPath"
        path = operation.http.get("authPath", path)
        self.required = dict(parse_qsl(query, keep_blank_values=True))
        shape = operation.input_shape
        self.headers = [] if shape is None else [
            shape.members[name].serialization.get("name", name).lower()
            for name in shape.required_members
            if shape.members[name].serialization.get("location") == "header"]
        pattern = "^"
        for part in re.split(r"(\{[^}]+\})", path):
            label = _LABEL.fullmatch(part)
            if label is None:
                pattern += re.escape(part)
            else:
                pattern += f"(?P<{label.group(1)}>{'.+' if label.group(2) else '[^/]+'})"
        self.pattern = re.compile(pattern.rstrip("/") + "/?$" if pattern != "^/" else "^/$")

    def match(self, method: str, path: str, query: Mapping[str, str],
              headers: Mapping[str, str]) -> dict[str, str] | None:
        if method != self.method or any(
                key not in query or (value and query[key] != value)
                for key, value in self.required.items()) or any(
                header not in headers for header in self.headers):
            return None
        found = self.pattern.match(path)
        return None if found is None else {k: unquote(v) for k, v in found.groupdict().items()}


_routes: dict[str, list[_Route]] = {}


def rest_operation(service: ServiceModel, request: Request) -> tuple[OperationModel,
                                                                    dict[str, str]]:
    """The operation a REST request is, and its path labels: of the operations whose
    method, path and required query keys match, the one requiring the most keys (``GET
    /b?list-type=2`` is ListObjectsV2, ``GET /b`` ListObjects)."""
    routes = _routes.get(service.service_name)
    if routes is None:
        routes = _routes[service.service_name] = [
            _Route(service.operation_model(name)) for name in service.operation_names]
    query = dict(parse_qsl(request.query, keep_blank_values=True))
    method = request.method
    best: tuple[int, int, _Route, dict[str, str]] | None = None
    for route in routes:
        labels = route.match(method, request.path, query, request.headers)
        if labels is not None:
            rank = (len(route.required) + len(route.headers), -len(labels))
            if best is None or rank > best[:2]:
                best = (*rank, route, labels)
    if best is None:
        raise BadRequest("MethodNotAllowed",
                         f"The specified method is not allowed against this resource: "
                         f"{request.method} {request.path}", 405)
    return best[2].operation, best[3]


def read_rest(operation: OperationModel, labels: Mapping[str, str], request: Request
              ) -> dict[str, Any]:
    """The parameters of a REST request: path labels, query-string and header members
    (a request body is read only for the blob payload of an upload)."""
    shape = operation.input_shape
    if shape is None:
        return {}
    query = dict(parse_qsl(request.query, keep_blank_values=True))
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        key = member.serialization.get("name", name)
        if location == "uri" and key in labels:
            out[name] = labels[key]
        elif location == "querystring" and key in query:
            out[name] = _from_text(query[key], member, name)
        elif location == "header" and key.lower() in request.headers:
            out[name] = _from_text(request.headers[key.lower()], member, name)
        elif location == "headers":
            prefix = key.lower()
            found = {h[len(prefix):]: v for h, v in request.headers.items()
                     if h.startswith(prefix)}
            if found:
                out[name] = found
    payload = shape.serialization.get("payload")
    if payload is not None and request.body and shape.members[payload].type_name == "blob":
        out[payload] = request.body
    return out


# -- the request's parameters ---------------------------------------------------------------


def read_params(protocol: str, operation: OperationModel, request: Request,
                labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The operation's parameters from ``request``, in ``protocol``."""
    shape = operation.input_shape
    if protocol == "json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):
            raise _serialization_error("the request body is not JSON") from None
        return from_plain(data, shape, "") if shape is not None else {}
    if protocol == "smithy-rpc-v2-cbor":
        data = cbor_decode(request.body) if request.body else {}
        return from_plain(data, shape, "") if shape is not None else {}
    if protocol == "query":
        fields = dict(parse_qsl(request.query, keep_blank_values=True))
        try:
            fields.update(parse_qsl(request.body.decode(), keep_blank_values=True,
                                    strict_parsing=bool(request.body)))
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("MalformedQueryString", "the request body is not a form") from None
        return read_query(fields, shape)
    return read_rest(operation, labels or {}, request)

"""FakeS3: the part of S3 that reading data capture needs, in memory, and a traffic writer
that fills it with capture files exactly as SageMaker writes them.

Like :class:`~shadowtest.testing.FakeSageMaker`, it plugs into a real boto3 S3 client
through botocore's events (the fakes' base, :mod:`shadowtest.testing._base`): botocore
still validates and serialises every request, only the HTTP round trip is replaced. It
serves ``ListObjectsV2`` (prefix, start-after, pages of ``MaxKeys`` with continuation
tokens), ``GetObject`` and ``HeadBucket``, with S3's errors (``NoSuchBucket``,
``NoSuchKey``, a HEAD's bare 404, ``InvalidArgument`` for a token it did not issue);
any other operation raises :class:`NotImplementedError`.

>>> fake = FakeS3()
>>> fake.put("bucket", "a/b.jsonl", b"{}")
>>> fake.client.get_object(Bucket="bucket", Key="a/b.jsonl")["Body"].read()
b'{}'
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, TypeVar

from shadowtest.capture import variant_prefix
from shadowtest.testing._base import FakeClock, FakeService, Refusal
from shadowtest.testing._clients import offline_client

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from mypy_boto3_s3 import S3Client

__all__ = ["FakeS3", "capture_lines", "write_capture_traffic"]

Input = TypeVar("Input")  # an input of the two models
_EPOCH: Final = datetime(2026, 1, 1, tzinfo=timezone.utc)


class FakeS3(FakeService["S3Client"]):
    """An in-memory S3 (``objects``: bucket -> key -> bytes) behind a real boto3 S3 client
    (``client``, made with dummy credentials if not given)."""

    SERVICE = "s3"

    def __init__(self, client: S3Client | None = None, *, clock: FakeClock | None = None
                 ) -> None:
        super().__init__(client if client is not None else offline_client("s3"), clock=clock)
        self.objects: dict[str, dict[str, bytes]] = {}
        """Every object, by bucket then key."""
        self.serve({"ListObjectsV2": self._list, "GetObject": self._get,
                    "HeadObject": self._head_object, "HeadBucket": self._head_bucket})

    def __repr__(self) -> str:
        return f"FakeS3(buckets={sorted(self.objects)!r})"

    def put(self, bucket: str, key: str, body: bytes | str) -> None:
        """Store an object (the bucket is made if it is new)."""
        data = body.encode() if isinstance(body, str) else bytes(body)
        with self.lock:
            self.objects.setdefault(bucket, {})[key] = data

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """The keys of ``bucket`` that start with ``prefix``, in S3's (name) order."""
        with self.lock:
            return sorted(key for key in self.objects.get(bucket, {}) if key.startswith(prefix))

    def _bucket(self, name: str) -> dict[str, bytes]:
        bucket = self.objects.get(name)
        if bucket is None:
            raise Refusal("NoSuchBucket", "The specified bucket does not exist", 404,
                          BucketName=name)
        return bucket

    def _head_bucket(self, p: dict[str, Any]) -> dict[str, Any]:
        self._bucket(p["Bucket"])
        return {"BucketRegion": self.client.meta.region_name}

    def _get(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"Body": self._object(p), **self._head_object(p)}

    def _object(self, p: Mapping[str, Any]) -> bytes:
        data = self._bucket(p["Bucket"]).get(p["Key"])
        if data is None:
            raise Refusal("NoSuchKey", "The specified key does not exist.", 404, Key=p["Key"])
        return data

    def _head_object(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ContentLength": len(self._object(p)), "ContentType": "application/jsonl",
                "ETag": f'"{uuid.uuid5(uuid.NAMESPACE_URL, p["Key"]).hex}"',
                "LastModified": _EPOCH, "Metadata": {}}

    def _list(self, p: Mapping[str, Any]) -> dict[str, Any]:
        name = p["Bucket"]
        bucket = self._bucket(name)
        prefix = p.get("Prefix", "")
        after = p.get("StartAfter", "")
        if "ContinuationToken" in p:
            token = self._read_token(p["ContinuationToken"], 2)
            if token is None or token[0] != name:
                raise Refusal("InvalidArgument", "The continuation token provided is incorrect",
                              ArgumentName="continuation-token")
            after = max(after, str(token[1]))
        size = min(p.get("MaxKeys", 1000), 1000)
        keys = sorted(k for k in bucket if k.startswith(prefix) and k > after)
        page, more = keys[:size], len(keys) > size
        out: dict[str, Any] = {
            "IsTruncated": more, "Name": name, "Prefix": prefix, "MaxKeys": size,
            "KeyCount": len(page),
            "Contents": [{"Key": k, "Size": len(bucket[k]), "LastModified": _EPOCH,
                          "ETag": f'"{uuid.uuid5(uuid.NAMESPACE_URL, k).hex}"',
                          "StorageClass": "STANDARD"} for k in page],
        }
        if not page:
            del out["Contents"]  # S3 leaves it out of an empty page
        for key in ("StartAfter", "ContinuationToken"):
            if key in p:
                out[key] = p[key]
        if more:
            out["NextContinuationToken"] = self._issue_token(name, page[-1])
        return out


# -- writing capture files ---------------------------------------------------------------------


def _serialise(value: object, content_type: str) -> bytes:
    kind = content_type.lower()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if "json" in kind:
        return json.dumps(value).encode()
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value).encode()
    return str(value).encode()


def _capture_part(value: object, content_type: str, mode: str, csv_types: Iterable[str],
                  json_types: Iterable[str]) -> dict[str, str]:
    """One ``endpointInput``/``endpointOutput`` as data capture writes it: text for the
    content types the DataStorageConfig names as CSV or JSON, else base64."""
    raw = _serialise(value, content_type)
    if content_type in json_types:
        encoding, data = "JSON", raw.decode()
    elif content_type in csv_types:
        encoding, data = "CSV", raw.decode()
    else:
        encoding, data = "BASE64", base64.b64encode(raw).decode()
    return {"observedContentType": content_type, "mode": mode, "data": data,
            "encoding": encoding}


def capture_lines(
    records: Iterable[tuple[datetime, str, str | None, object, object]],
    *,
    content_type: str,
    accept: str,
    csv_content_types: Iterable[str] = (),
    json_content_types: Iterable[str] = (),
) -> list[str]:
    """Capture JSON lines for ``(time, event id, inference id or None, input, output)``
    records, in SageMaker's format (``captureData``, ``eventMetadata``, ``eventVersion``)."""
    csv_types, json_types = tuple(csv_content_types), tuple(json_content_types)
    lines = []
    for when, event_id, inference_id, given, answer in records:
        meta = {"eventId": event_id, "inferenceTime": _capture_time(when)}
        if inference_id is not None:
            meta["inferenceId"] = inference_id
        lines.append(json.dumps({
            "captureData": {
                "endpointInput": _capture_part(given, content_type, "INPUT", csv_types,
                                               json_types),
                "endpointOutput": _capture_part(answer, accept, "OUTPUT", csv_types,
                                                json_types)},
            "eventMetadata": meta, "eventVersion": "0"}, separators=(",", ":")))
    return lines


def _capture_time(when: datetime) -> str:
    when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def write_capture_traffic(
    s3: FakeS3,
    experiment: Mapping[str, Any],
    inputs: Iterable[Input],
    *,
    production: Callable[[Input], object],
    shadow: Callable[[Input], object],
    start: datetime,
    interval: timedelta,
    content_type: str,
    accept: str | None,
    sampling_percentage: int | None,
    inference_ids: bool,
    per_file: int,
    seed: int,
) -> tuple[str, ...]:
    """Run each input through ``production`` and, for the sampled share, ``shadow``;
    write both variants' capture files under the experiment's DataStorageConfig. Returns
    the keys written. (The body of :meth:`FakeSageMaker.capture_traffic`.)"""
    storage = experiment.get("DataStorageConfig")
    if storage is None:
        raise ValueError(f"inference experiment {experiment['Name']!r} has no "
                         "DataStorageConfig: nothing would be captured")
    if per_file < 1:
        raise ValueError(f"per_file must be >= 1, got {per_file}")
    shadow_mode = experiment["ShadowModeConfig"]
    source = shadow_mode["SourceModelVariantName"]
    shadow_config = shadow_mode["ShadowModelVariants"][0]
    percentage = (shadow_config["SamplingPercentage"] if sampling_percentage is None
                  else sampling_percentage)
    types = storage.get("ContentType", {})
    csv_types, json_types = types.get("CsvContentTypes", ()), types.get("JsonContentTypes", ())
    rng = random.Random(seed)
    sides: dict[str, list[tuple[datetime, str, str | None, object, object]]] = {
        source: [], shadow_config["ShadowModelVariantName"]: []}
    names = list(sides)
    for i, given in enumerate(inputs):
        when = start + i * interval
        inference_id = f"{experiment['Name']}-{i:06d}" if inference_ids else None
        sides[names[0]].append((when, str(uuid.UUID(int=rng.getrandbits(128))), inference_id,
                                given, production(given)))
        if rng.random() * 100 < percentage:
            # the shadow answers the copied request a moment later, with its own event id
            sides[names[1]].append((when + timedelta(milliseconds=5),
                                    str(uuid.UUID(int=rng.getrandbits(128))), inference_id,
                                    given, shadow(given)))
    keys = []
    for variant, records in sides.items():
        bucket, base = variant_prefix(storage["Destination"], experiment["EndpointName"], variant)
        chunk: list[tuple[datetime, str, str | None, object, object]] = []
        for record in [*records, None]:
            if chunk and (record is None or len(chunk) >= per_file
                          or record[0].strftime("%Y%m%d%H") != chunk[0][0].strftime("%Y%m%d%H")):
                first = chunk[0][0]
                key = (f"{base}{first:%Y/%m/%d/%H}/{first:%M-%S}-{first.microsecond // 1000:03d}"
                       f"-{uuid.UUID(int=rng.getrandbits(128))}.jsonl")
                lines = capture_lines(chunk, content_type=content_type,
                                      accept=accept or content_type,
                                      csv_content_types=csv_types,
                                      json_content_types=json_types)
                s3.put(bucket, key, "\n".join(lines) + "\n")
                keys.append(key)
                chunk = []
            if record is not None:
                chunk.append(record)
    return tuple(keys)

"""S3: listing keys (``ListObjectsV2``) and reading objects (``GetObject``).

ListObjectsV2's output shape leaves every member optional, but every answer of the
service carries ``Name``, ``KeyCount`` and ``IsTruncated``, and every listed object its
``Key``: an answer without them is not S3's, and reading it as "no objects" would
compare no predictions where there were some. botocore turns a 200 whose body it
cannot read into a 500 and retries it; when its retries are spent, that error (its
code the bare ``500``) is a :class:`MalformedResponseError` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from shadowtest._aws._core import Operation, Service, call, pages
from shadowtest._aws.shapes import SENT, Struct, fail
from shadowtest.errors import MalformedResponseError, ServiceError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["ERRORS", "GET_OBJECT", "HEAD_BUCKET", "LIST_OBJECTS", "LIST_OBJECTS_RESPONSE",
           "S3", "body", "keys"]

ERRORS: Final[Mapping[str, type[ServiceError]]] = dict.fromkeys((
    "NoSuchBucket", "NoSuchKey", "InvalidObjectState",  # the two operations' modelled errors
    "AccessDenied", "AllAccessDisabled", "InvalidBucketName", "InvalidAccessKeyId",
    "InternalError", "ServiceUnavailable",
), ServiceError)
"""S3's common codes: each is a :class:`ServiceError` carrying the code."""

S3: Final = Service("S3", ERRORS, unreadable_is_malformed=True)

LIST_OBJECTS_RESPONSE: Final[Struct] = (
    ("Name", SENT, str),
    ("KeyCount", SENT, int),
    ("IsTruncated", SENT, bool),
    ("Contents", False, [(("Key", SENT, str),)]),
    ("NextContinuationToken", False, str),
)


def _check_list(page: object) -> None:
    if (type(page) is dict and type(page.get("Name")) is str
            and type(page.get("KeyCount")) is int and type(page.get("IsTruncated")) is bool):
        contents = page.get("Contents", [])
        if type(contents) is list and all(
                type(item) is dict and type(item.get("Key")) is str for item in contents):
            return
    fail("ListObjectsV2", page, LIST_OBJECTS_RESPONSE)


def _check_object(response: object) -> None:
    if type(response) is dict and callable(getattr(response.get("Body"), "read", None)):
        return
    raise MalformedResponseError("GetObject answered with a malformed response: Body is "
                                 "missing or cannot be read", operation="GetObject",
                                 field="Body")


LIST_OBJECTS: Final = Operation(S3, "ListObjectsV2", "list_objects_v2", check=_check_list,
                                token="NextContinuationToken", token_param="ContinuationToken",
                                more="IsTruncated")
GET_OBJECT: Final = Operation(S3, "GetObject", "get_object", check=_check_object)
# a HEAD answer has no body: a missing bucket is a bare 404, which stays the service's word
HEAD_BUCKET: Final = Operation(S3, "HeadBucket", "head_bucket")


def keys(client: object, bucket: str, prefix: str, *,
         start_after: str | None = None) -> Iterator[str]:
    """Every key under ``prefix`` of ``bucket`` (after ``start_after``), in S3's (name)
    order, listed a page at a time as iteration reaches it."""
    params: Mapping[str, str] = ({"Bucket": bucket, "Prefix": prefix} if start_after is None
                                 else {"Bucket": bucket, "Prefix": prefix,
                                       "StartAfter": start_after})
    subject = f"s3://{bucket}/{prefix}"
    for page in pages(client, LIST_OBJECTS, params, subject=subject):
        for item in page.get("Contents", ()):
            yield item["Key"]


def body(client: object, bucket: str, key: str) -> bytes:
    """The content of object ``key`` of ``bucket``."""
    response = call(client, GET_OBJECT, {"Bucket": bucket, "Key": key},
                    subject=f"s3://{bucket}/{key}")
    data: bytes = response["Body"].read()
    return data

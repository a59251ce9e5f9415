"""Reading capture files from S3 (the client hands its boto3 S3 client in; the requests go
through ``shadowtest._aws.s3``, which checks each answer and ends a listing whose token
repeats; nothing here imports boto3)."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Final

from shadowtest.capture.record import CaptureFile

if TYPE_CHECKING:
    from collections.abc import Generator
    from concurrent.futures import Future

    from mypy_boto3_s3 import S3Client

__all__ = ["READ_AHEAD", "read_s3_captures", "variant_prefix"]


READ_AHEAD: Final = 4
"""Capture files a side fetches ahead of the one being read (on as many threads)."""


def variant_prefix(destination: str, endpoint_name: str, variant: str) -> tuple[str, str]:
    """``(bucket, key prefix)`` of one variant's captures:
    ``<Destination>/<EndpointName>/<VariantName>/``.

    >>> variant_prefix("s3://ml-captures/churn", "churn", "shadow")
    ('ml-captures', 'churn/churn/shadow/')
    """
    if not destination.startswith("s3://"):
        raise ValueError(f"destination must be an s3:// URI, got {destination!r}")
    bucket, _, path = destination[len("s3://"):].partition("/")
    path = path.strip("/")
    return bucket, f"{path}/{endpoint_name}/{variant}/" if path else f"{endpoint_name}/{variant}/"


def read_s3_captures(s3: S3Client, bucket: str, prefix: str, *,
                     since: datetime | None = None) -> Generator[CaptureFile, None, None]:
    """Every capture file under ``prefix``, in time order (S3 lists keys in name order,
    and the ``yyyy/mm/dd/hh/MM-SS-mmm`` layout makes that time order), as
    :class:`CaptureFile`\\ s named ``s3://bucket/key``. Objects are listed page by page
    and fetched :data:`READ_AHEAD` at a time on a small thread pool, so reading overlaps
    parsing while memory holds only those few files. With ``since``, listing starts at
    that hour.
    """
    from concurrent.futures import ThreadPoolExecutor

    from shadowtest._aws import s3 as aws_s3

    # keys of the hour of `since` sort after "<prefix>yyyy/mm/dd/hh"
    after = (None if since is None
             else prefix + since.astimezone(timezone.utc).strftime("%Y/%m/%d/%H"))
    keys = (key for key in aws_s3.keys(s3, bucket, prefix, start_after=after)
            if key.endswith(".jsonl"))

    def fetch(key: str) -> CaptureFile:
        return CaptureFile(f"s3://{bucket}/{key}", aws_s3.body(s3, bucket, key).splitlines())

    pool = ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="shadowtest-s3")
    pending: deque[Future[CaptureFile]] = deque()
    try:
        for key in keys:
            pending.append(pool.submit(fetch, key))
            if len(pending) > READ_AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # the comparison may stop early (a limit): drop what was fetched ahead
        for future in pending:
            future.cancel()
        pool.shutdown(wait=False)

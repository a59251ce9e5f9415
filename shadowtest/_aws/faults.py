"""Which faults are transient, a fault in a few words, and whether botocore resent.

Used by whatever repeats a call on its own (``wait()``'s polls; a watch loop's looks):
throttling, a 5xx answer, a connection error or read timeout and an answer that could
not be read are worth repeating; anything else (not found, access denied) is not.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Final

from shadowtest.errors import MalformedResponseError, ServiceError, error_code

__all__ = ["THROTTLING_CODES", "TRANSIENT_CODES", "botocore_error", "describe_fault",
           "is_transient", "was_resent"]

# Error codes botocore's standard retry mode treats as throttling or transient
# (botocore/retries/standard.py); any service may answer them to any call.
THROTTLING_CODES: Final = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
})
TRANSIENT_CODES: Final = frozenset({
    "RequestTimeout", "RequestTimeoutException", "InternalFailure", "InternalError",
    "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException",
    "InternalServiceFault", "InternalServiceError",
})


def botocore_error(error: BaseException) -> BaseException:
    """The botocore ``ClientError`` behind ``error`` (itself, or the one a
    :class:`ServiceError` was translated from)."""
    if isinstance(error, ServiceError) and error.__cause__ is not None:
        return error.__cause__
    return error


def _metadata(error: BaseException) -> Mapping[str, object]:
    response = getattr(botocore_error(error), "response", None)
    metadata = response.get("ResponseMetadata") if isinstance(response, Mapping) else None
    return metadata if isinstance(metadata, Mapping) else {}


def was_resent(error: BaseException) -> bool:
    """Whether botocore had sent the request more than once when this answer came."""
    attempts = _metadata(error).get("RetryAttempts", 0)
    return isinstance(attempts, int) and attempts > 0


def is_transient(error: BaseException) -> bool:
    """Whether a failed call is worth repeating: throttling, a 5xx answer, a connection
    error or read timeout, or an answer that could not be read."""
    if isinstance(error, MalformedResponseError):
        return True
    code = error_code(error)
    metadata = _metadata(error)
    if code or metadata:  # the service answered
        status = metadata.get("HTTPStatusCode", 0)
        return code in THROTTLING_CODES or code in TRANSIENT_CODES or (
            isinstance(status, int) and 500 <= status <= 599)
    if "botocore" not in sys.modules:  # no botocore error can have been raised
        return False
    from botocore.exceptions import ConnectionError, HTTPClientError
    from botocore.parsers import ResponseParserError

    return isinstance(error, (ConnectionError, HTTPClientError, ResponseParserError))


def describe_fault(error: BaseException) -> str:
    """A fault in a few words: the service's error code, or the exception's class."""
    return error_code(error) or type(error).__name__

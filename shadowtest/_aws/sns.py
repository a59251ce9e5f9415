"""SNS: ``Publish`` (``watch(notify=topic_arn)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from shadowtest._aws._core import Operation, Service
from shadowtest._aws.shapes import Struct, fail
from shadowtest.errors import ServiceError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ERRORS", "PUBLISH", "PUBLISH_RESPONSE", "SNS"]

ERRORS: Final[Mapping[str, type[ServiceError]]] = dict.fromkeys((
    # Publish's modelled errors, by the codes its query protocol answers
    "InvalidParameter", "ParameterValueInvalid", "InternalError", "NotFound",
    "EndpointDisabled", "PlatformApplicationDisabled", "AuthorizationError", "KMSDisabled",
    "KMSInvalidState", "KMSNotFound", "KMSOptInRequired", "KMSThrottling", "KMSAccessDenied",
    "InvalidSecurity", "ValidationException",
), ServiceError)
"""SNS's codes: each is a :class:`ServiceError` carrying the code."""

SNS: Final = Service("SNS", ERRORS)

PUBLISH_RESPONSE: Final[Struct] = (("MessageId", False, str), ("SequenceNumber", False, str))


def _check_publish(response: object) -> None:
    if type(response) is not dict or not isinstance(response.get("MessageId", ""), str):
        fail("Publish", response, PUBLISH_RESPONSE)


PUBLISH: Final = Operation(SNS, "Publish", "publish", check=_check_publish)

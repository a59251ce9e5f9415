"""CloudWatch: ``GetMetricData``.

GetMetricData's output shape leaves every member optional, but every answer of the
service carries ``MetricDataResults`` and an ``Id`` on each result: an answer without
them is an HTML page, a truncated body or an error body that botocore's JSON parser
read as an empty answer, and reading it as "no data points" would judge a shadow on
traffic that was never seen. So such an answer is a :class:`MalformedResponseError`.
A result's values are checked in bulk (one ``array`` build and one sum), as a response
holds up to 100,800 of them; NaN and Infinity, which botocore's JSON parser reads but
CloudWatch never stores, make an answer malformed too. The pages of one request must
answer every query it asked (the service gives a result for each, an empty one when
there are no points): a query without one would read as a series without points.
"""

from __future__ import annotations

from array import array
from datetime import datetime
from math import isfinite
from typing import TYPE_CHECKING, Any, Final

from shadowtest._aws._core import Operation, Service, pages
from shadowtest._aws.shapes import SENT, Struct, fail, find_problem
from shadowtest._checks import show
from shadowtest.errors import MalformedResponseError, ServiceError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["CLOUDWATCH", "ERRORS", "GET_METRIC_DATA", "GET_METRIC_DATA_RESPONSE",
           "metric_data"]

ERRORS: Final[Mapping[str, type[ServiceError]]] = dict.fromkeys((
    "InvalidNextToken",  # GetMetricData's one modelled error
    "InvalidParameterValue", "InvalidParameterCombination", "MissingParameter",
    "LimitExceeded", "LimitExceededException", "AccessDenied", "AccessDeniedException",
    "InternalServiceFault", "InternalServiceError",
), ServiceError)
"""CloudWatch's common codes: each is a :class:`ServiceError` carrying the code (throttling,
as for every service, propagates as botocore raised it once its retries are spent)."""

CLOUDWATCH: Final = Service("CloudWatch", ERRORS)

_MESSAGE: Final[Struct] = (("Code", False, str), ("Value", False, str))
RESULT: Final[Struct] = (
    ("Id", SENT, str),
    ("Label", False, str),
    ("Timestamps", False, [datetime]),
    ("Values", False, [float]),
    ("StatusCode", False, str),
    ("Messages", False, [_MESSAGE]),
)
GET_METRIC_DATA_RESPONSE: Final[Struct] = (
    ("MetricDataResults", SENT, [RESULT]),
    ("NextToken", False, str),
    ("Messages", False, [_MESSAGE]),
)
_OPERATION: Final = "GetMetricData"


_is_time: Final = datetime.__instancecheck__


def _fits(result: object) -> bool:
    """Whether one result has the shape of :data:`RESULT`, its points checked in bulk."""
    if type(result) is not dict or type(result.get("Id")) is not str:
        return False
    timestamps, values = result.get("Timestamps", []), result.get("Values", [])
    if type(timestamps) is not list or type(values) is not list:
        return False
    try:
        array("d", values)  # every value a number, at C speed
    except (TypeError, OverflowError):  # OverflowError: an integer past the float range
        return False
    messages = result.get("Messages")
    return (all(map(_is_time, timestamps)) and type(result.get("StatusCode", "")) is str
            and (messages is None or find_problem(messages, [_MESSAGE]) is None))


def _check(page: object) -> None:
    """Raise :class:`MalformedResponseError` unless ``page`` is a GetMetricData answer."""
    if type(page) is not dict:
        fail(_OPERATION, page, GET_METRIC_DATA_RESPONSE)
    results = page.get("MetricDataResults")
    if type(results) is not list or not all(map(_fits, results)) or (
            find_problem(page.get("Messages", []), [_MESSAGE]) is not None):
        fail(_OPERATION, page, GET_METRIC_DATA_RESPONSE, fallback="MetricDataResults")
    for i, result in enumerate(results):
        values = result.get("Values", ())
        if len(result.get("Timestamps", ())) != len(values):
            raise MalformedResponseError(
                f"{_OPERATION} answered with a malformed response: MetricDataResults[{i}] "
                f"has {len(values)} values for {len(result.get('Timestamps', ()))} "
                "timestamps", operation=_OPERATION, field=f"MetricDataResults[{i}].Values")
        # a NaN or an infinity makes the sum one; a sum past the float range of finite
        # values is looked at value by value
        if not isfinite(sum(values, 0.0)) and not all(map(isfinite, values)):
            bad = next(v for v in values if not isfinite(v))
            raise MalformedResponseError(
                f"{_OPERATION} answered with a malformed response: MetricDataResults[{i}] "
                f"has the value {bad!r}, not a finite number (CloudWatch stores none)",
                operation=_OPERATION, field=f"MetricDataResults[{i}].Values")


GET_METRIC_DATA: Final = Operation(CLOUDWATCH, _OPERATION, "get_metric_data",
                                   check=_check, token="NextToken")


def metric_data(client: object, request: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every checked page of one ``GetMetricData`` request; once the last has come, a
    :class:`MalformedResponseError` if the pages answered some query of the request (one
    whose data is returned) with no result."""
    asked = [query["Id"] for query in request["MetricDataQueries"]
             if query.get("ReturnData", True)]
    answered: set[str] = set()
    for page in pages(client, GET_METRIC_DATA, request):
        answered.update([result["Id"] for result in page["MetricDataResults"]])
        yield page
    missing = [query for query in asked if query not in answered]
    if missing:
        raise MalformedResponseError(
            f"{_OPERATION} answered with a malformed response: no result for "
            f"{len(missing)} of the {len(asked)} queries asked ({show(missing[:5])}"
            f"{', ...' if len(missing) > 5 else ''}); the service answers each, an empty "
            "result when it has no points", operation=_OPERATION, field="MetricDataResults")

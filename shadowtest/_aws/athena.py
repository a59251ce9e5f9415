"""Athena: running the comparison query (``compare_predictions(engine="athena")``) with
``StartQueryExecution``, ``GetQueryExecution``, ``GetQueryResults`` (paginated) and
``StopQueryExecution``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from shadowtest._aws._core import Operation, Service, call, pages
from shadowtest._aws.shapes import Struct, fail
from shadowtest.errors import ServiceError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["ATHENA", "ERRORS", "GET_QUERY", "GET_RESULTS", "START_QUERY", "STOP_QUERY",
           "execution", "rows", "start", "stop"]

ERRORS: Final[Mapping[str, type[ServiceError]]] = dict.fromkeys((
    # the four operations' modelled errors
    "InvalidRequestException", "InternalServerException", "TooManyRequestsException",
    "ResourceNotFoundException",
), ServiceError)
"""Athena's codes: each is a :class:`ServiceError` carrying the code."""

ATHENA: Final = Service("Athena", ERRORS)

START_RESPONSE: Final[Struct] = (("QueryExecutionId", True, str),)
EXECUTION_RESPONSE: Final[Struct] = (("QueryExecution", True, (
    ("QueryExecutionId", False, str),
    ("Status", True, (("State", True, str), ("StateChangeReason", False, str))),
    ("Statistics", False, (("DataScannedInBytes", False, int),)),
)),)
RESULTS_RESPONSE: Final[Struct] = (("ResultSet", True, (
    ("Rows", True, [(("Data", True, [(("VarCharValue", False, str),)]),)]),
)), ("NextToken", False, str))


def _check_start(response: object) -> None:
    if type(response) is not dict or type(response.get("QueryExecutionId")) is not str:
        fail("StartQueryExecution", response, START_RESPONSE)


def _check_execution(response: object) -> None:
    execution = response.get("QueryExecution") if type(response) is dict else None
    status = execution.get("Status") if type(execution) is dict else None
    if type(status) is dict and type(status.get("State")) is str:
        scanned = (execution.get("Statistics") or {}).get("DataScannedInBytes", 0)  # type: ignore[union-attr]
        if type(scanned) is int:
            return
    fail("GetQueryExecution", response, EXECUTION_RESPONSE)


def _check_results(response: object) -> None:
    result = response.get("ResultSet") if type(response) is dict else None
    found = result.get("Rows") if type(result) is dict else None
    if type(found) is list and all(
            type(row) is dict and type(row.get("Data")) is list
            and all(type(cell) is dict for cell in row["Data"]) for row in found):
        return
    fail("GetQueryResults", response, RESULTS_RESPONSE)


START_QUERY: Final = Operation(ATHENA, "StartQueryExecution", "start_query_execution",
                               check=_check_start)
GET_QUERY: Final = Operation(ATHENA, "GetQueryExecution", "get_query_execution",
                             check=_check_execution)
GET_RESULTS: Final = Operation(ATHENA, "GetQueryResults", "get_query_results",
                               check=_check_results, token="NextToken")
STOP_QUERY: Final = Operation(ATHENA, "StopQueryExecution", "stop_query_execution")


def start(client: object, sql: str, *, workgroup: str | None, output_location: str | None,
          database: str | None) -> str:
    """Start ``sql``; its query execution id."""
    params: dict[str, object] = {"QueryString": sql}
    if workgroup is not None:
        params["WorkGroup"] = workgroup
    if output_location is not None:
        params["ResultConfiguration"] = {"OutputLocation": output_location}
    if database is not None:
        params["QueryExecutionContext"] = {"Database": database}
    query_id: str = call(client, START_QUERY, params, subject="athena query")[
        "QueryExecutionId"]
    return query_id


def execution(client: object, query_id: str) -> Mapping[str, object]:
    """The query's ``QueryExecution``: its ``Status`` and ``Statistics``."""
    found: Mapping[str, object] = call(client, GET_QUERY, {"QueryExecutionId": query_id},
                                       subject=f"athena query {query_id}")["QueryExecution"]
    return found


def rows(client: object, query_id: str) -> Iterator[list[str | None]]:
    """Every row of the query's results (the header row first), page by page."""
    for page in pages(client, GET_RESULTS, {"QueryExecutionId": query_id},
                      subject=f"athena query {query_id}"):
        for row in page["ResultSet"]["Rows"]:
            yield [cell.get("VarCharValue") for cell in row["Data"]]


def stop(client: object, query_id: str) -> None:
    call(client, STOP_QUERY, {"QueryExecutionId": query_id},
         subject=f"athena query {query_id}")

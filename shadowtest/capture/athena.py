"""The comparison run by Amazon Athena (``compare_predictions(engine="athena")``): the
table created if missing, the query of :func:`~shadowtest.capture.sql.query_sql` started,
polled with backoff, its pages of results read, stopped on an interrupt or past
``max_bytes``, and its one row turned into the same :class:`PredictionComparison` (its
percentiles marked approximate), with the bytes scanned and what they cost.

The requests go through :mod:`shadowtest._aws.athena`; the waiting and the reading of the
row are here, pure but for the ``sleep`` and ``clock`` given.
"""

from __future__ import annotations

import math
import re
import time
from typing import TYPE_CHECKING, Final

from shadowtest._aws import athena as api
from shadowtest._checks import FrozenMap
from shadowtest.capture.comparison import (
    SIDES,
    CaptureProblem,
    DifferenceSummary,
    PredictionComparison,
)
from shadowtest.capture.sql import QUERY_COLUMNS, query_sql, table_name, table_sql
from shadowtest.errors import ServiceError, ShadowTestError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime

    from shadowtest._checks import Checker

__all__ = ["PRICE_PER_TB", "check_athena_options", "comparison_from_row", "cost_of",
           "run_comparison"]

PRICE_PER_TB: Final = 5.00
"""Athena's public price, US dollars per TB (2**40 bytes) scanned, billed by the megabyte
with 10 MB at least a query (aws.amazon.com/athena/pricing, us-east-1)."""
_MIN_BILLED: Final = 10 * 2**20
_FIRST_POLL: Final = 0.25  # seconds before the first look; doubled up to _LAST_POLL
_LAST_POLL: Final = 5.0
_WORKGROUP: Final = re.compile(r"[a-zA-Z0-9._-]{1,128}")  # Athena's WorkGroupName pattern
# a Glue/Athena database name: lowercase letters, digits and underscores, 1-255
_DATABASE: Final = re.compile(r"[a-z0-9_]{1,255}")
_DONE: Final = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
_CATEGORY: Final = {1: "SYSTEM_ERROR", 2: "USER_ERROR", 3: "OTHER"}


def check_athena_options(c: Checker, *, workgroup: object, output_location: object,
                         database: object, max_bytes: object) -> None:
    """What Athena would refuse, said before anything is sent."""
    if workgroup is not None and not (isinstance(workgroup, str)
                                      and _WORKGROUP.fullmatch(workgroup)):
        c.add("workgroup", f"got {workgroup!r}; must be 1-128 letters, digits, '.', '_' or "
                           "'-' (an Athena workgroup name)")
    if output_location is not None and not (
            isinstance(output_location, str) and output_location.startswith("s3://")
            and len(output_location) > 5 and output_location[5:6] != "/"):
        c.add("output_location", f"got {output_location!r}; must be an s3://bucket/prefix/ "
                                 "URI where Athena writes the query's results")
    if database is not None and not (isinstance(database, str) and _DATABASE.fullmatch(database)):
        c.add("database", f"got {database!r}; must be 1-255 lowercase letters, digits and "
                          "underscores (a name Athena and Glue accept)")
    if max_bytes is not None:
        c.check_int("max_bytes", max_bytes, ge=1, why="bytes the query may scan")


def cost_of(scanned: int) -> float:
    """What Athena charges for a query that scanned ``scanned`` bytes (US dollars)."""
    billed = max(_MIN_BILLED, math.ceil(scanned / 2**20) * 2**20)
    return billed / 2**40 * PRICE_PER_TB


def run_comparison(
    athena: object,
    *,
    destination: str,
    endpoint_name: str,
    production_variant: str,
    shadow_variant: str,
    workgroup: str | None = None,
    output_location: str | None = None,
    database: str | None = None,
    table: str | None = None,
    output_json_path: str | None = None,
    since: datetime | None = None,
    max_bytes: int | None = None,
    sleep: Callable[[float], object] = time.sleep,
) -> PredictionComparison:
    """Create the table if missing, run the comparison query, and read its row. The
    table is :func:`~shadowtest.capture.sql.table_name` of the capture location and the
    variants unless ``table`` is given: one of its own for each experiment's captures."""
    if table is None:
        table = table_name(destination=destination, endpoint_name=endpoint_name,
                           production_variant=production_variant,
                           shadow_variant=shadow_variant)
    def run(sql: str) -> tuple[str, int]:
        query_id = api.start(athena, sql, workgroup=workgroup,
                             output_location=output_location, database=database)
        try:
            return query_id, _wait(athena, query_id, max_bytes, sleep)
        except BaseException:  # an interrupt, or past max_bytes: stop paying for it
            if not _finished(athena, query_id):
                api.stop(athena, query_id)
            raise

    _, created = run(table_sql(destination=destination, endpoint_name=endpoint_name,
                               production_variant=production_variant,
                               shadow_variant=shadow_variant, table=table))
    query_id, scanned = run(query_sql(production_variant=production_variant,
                                      shadow_variant=shadow_variant, table=table,
                                      output_json_path=output_json_path, since=since))
    found = list(api.rows(athena, query_id))
    if len(found) != 2 or tuple(found[0]) != QUERY_COLUMNS:
        raise ShadowTestError(f"Athena query {query_id} answered {len(found)} rows, not the "
                              "header and the one row of the comparison")
    return comparison_from_row(dict(zip(QUERY_COLUMNS, found[1], strict=True)),
                               bytes_scanned=scanned + created)


def _finished(athena: object, query_id: str) -> bool:
    try:
        state = api.execution(athena, query_id)["Status"]["State"]  # type: ignore[index]
    except Exception:
        return False
    return state in _DONE


def _wait(athena: object, query_id: str, max_bytes: int | None,
          sleep: Callable[[float], object]) -> int:
    """Poll until the query ends (backoff from 0.25 s to 5 s); the bytes it scanned."""
    pause = _FIRST_POLL
    while True:
        sleep(pause)
        found = api.execution(athena, query_id)
        status: Mapping[str, object] = found["Status"]  # type: ignore[assignment]
        statistics: Mapping[str, object] = found.get("Statistics") or {}  # type: ignore[assignment]
        scanned = int(statistics.get("DataScannedInBytes", 0))  # type: ignore[call-overload]
        state = status["State"]
        if max_bytes is not None and scanned > max_bytes and state != "SUCCEEDED":
            raise ShadowTestError(
                f"Athena query {query_id} scanned {scanned:,} bytes, more than max_bytes="
                f"{max_bytes:,}; it was stopped (narrow it with since=, or raise max_bytes)")
        if state == "SUCCEEDED":
            return int(scanned)
        if state in ("FAILED", "CANCELLED"):
            raise _failed(query_id, state, status)
        pause = min(_LAST_POLL, pause * 2)


def _failed(query_id: str, state: str, status: Mapping[str, object]) -> ServiceError:
    error = status.get("AthenaError") or {}
    category = error.get("ErrorCategory") if isinstance(error, dict) else None
    code = _CATEGORY.get(category, state) if isinstance(category, int) else state
    reason = status.get("StateChangeReason") or f"the query was {state.lower()}"
    return ServiceError(str(reason), name=None, operation="GetQueryExecution", code=code,
                        subject=f"athena query {query_id}")


def comparison_from_row(row: Mapping[str, str | None], *, bytes_scanned: int | None = None
                        ) -> PredictionComparison:
    """The :class:`PredictionComparison` of the query's one row (Athena answers text):
    counts, label agreement and both difference summaries, percentiles marked
    approximate; outputs the query compared as text only are one problem a side. No
    confusion table, accuracy or prediction periods: the query does not compute them."""
    def count(name: str) -> int:
        value = row.get(name)
        return 0 if value is None or value == "" else int(value)

    def number(name: str) -> float:
        value = row.get(name)
        return math.nan if value is None or value == "" else float(value)

    def summary(prefix: str, n: int) -> DifferenceSummary | None:
        if not n:
            return None
        return DifferenceSummary(count=n, mean=number(f"{prefix}_mean"),
                                 p50=number(f"{prefix}_p50"), p90=number(f"{prefix}_p90"),
                                 p99=number(f"{prefix}_p99"), max=number(f"{prefix}_max"))

    numeric = count("numeric_pairs")
    problems = tuple(
        CaptureProblem(side=side, source="athena", line=0, message=(
            f"{n:,} paired outputs are not a JSON or CSV scalar the Athena query reads "
            "(a vector, batch, object, probability vector, .npy or other content type; "
            "with JSON outputs, output_json_path= can point at the scalar): they were "
            "compared as captured text, exact match only, where compare_captures reads "
            "them; compare them with engine='local'"))
        for side in SIDES if (n := count(f"text_only_{side}")))
    return PredictionComparison(
        paired=count("paired"), unpaired_production=count("unpaired_production"),
        unpaired_shadow=count("unpaired_shadow"), exact_matches=count("exact_matches"),
        numeric_pairs=numeric, label_pairs=count("label_pairs"),
        label_agreements=count("label_agreements"),
        differences=summary("difference", numeric),
        relative_differences=summary("relative", count("relative_count")),
        confusion=FrozenMap({}), labelled=0, accuracy=None, mae=None, rmse=None,
        malformed=0, duplicates=count("duplicates"), out_of_order=0,
        undecoded=FrozenMap({}), problems=problems, engine="athena", approximate=True,
        bytes_scanned=bytes_scanned,
        cost=None if bytes_scanned is None else cost_of(bytes_scanned))

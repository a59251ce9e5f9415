"""FakeAthena: the part of Amazon Athena ``compare_predictions(engine="athena")`` needs,
in memory, answering shadowtest's own table and comparison query over the capture files
of a :class:`~shadowtest.testing._fake_s3.FakeS3`.

On the fakes' base, behind a real boto3 Athena client: ``StartQueryExecution``,
``GetQueryExecution`` (a query runs for ``polls`` looks, then succeeds, having read the
bytes under the table's location: ``DataScannedInBytes`` grows with each look),
``GetQueryResults`` (``page_size`` rows a page, with ``NextToken``) and
``StopQueryExecution``. It knows the ``CREATE EXTERNAL TABLE`` of
:func:`shadowtest.capture.sql.table_sql` (the table's location) and computes the query of
:func:`~shadowtest.capture.sql.query_sql` with :func:`~shadowtest.compare_captures` over
the files under it (exact percentiles, where Athena's are approximate); any other
statement fails as Athena fails a query it cannot run. Because it answers with
compare_captures, it reads every output as the local engine does, where the real query
reads JSON and CSV scalars only (tests/test_capture_sql.py runs that query on DuckDB).
``fail_next_query(reason)`` makes the next query FAILED with that reason.
``FakeSageMaker.athena_fake`` is one over the fake's S3, and its experiment client uses
it:

>>> from shadowtest.testing import FakeSageMaker  # doctest: +SKIP
>>> fake = FakeSageMaker(); fake.athena_fake.polls = 2  # doctest: +SKIP
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Final

from shadowtest.testing._base import FakeClock, FakeService, Refusal
from shadowtest.testing._clients import offline_client

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shadowtest.testing._fake_s3 import FakeS3

__all__ = ["FakeAthena"]

_TABLE: Final = re.compile(r"CREATE EXTERNAL TABLE IF NOT EXISTS (\w+) .*?LOCATION '([^']+)'",
                           re.DOTALL)
_QUERY: Final = re.compile(r"FROM (\w+)\s+WHERE variant IN \('((?:[^']|'')*)', "
                           r"'((?:[^']|'')*)'\)(?:\s+AND hour >= '([0-9/]{13})'\s+AND "
                           r"try\(from_iso8601_timestamp\(eventmetadata\.inferencetime\)\) >= "
                           r"from_iso8601_timestamp\('([0-9T:Z-]{20})'\))?")


class FakeAthena(FakeService["object"]):
    """An in-memory Athena reading capture files from ``s3`` (a FakeS3)."""

    SERVICE = "athena"

    def __init__(self, s3: FakeS3, client: object | None = None, *,
                 clock: FakeClock | None = None) -> None:
        super().__init__(client if client is not None else offline_client("athena"),
                         clock=clock)
        self.s3 = s3
        self.polls = 1
        """How many GetQueryExecution looks answer RUNNING before a query is done."""
        self.page_size = 1000
        """Rows a GetQueryResults page holds at most."""
        self.tables: dict[str, str] = {}
        """Every table created: name -> its s3:// location."""
        self.queries: dict[str, dict[str, object]] = {}
        """Every query started, by id: ``Query``, ``State``, ``Rows``, ``Scanned``, … ."""
        self._failing: list[str] = []
        self.serve({"StartQueryExecution": self._start, "GetQueryExecution": self._get,
                    "GetQueryResults": self._results, "StopQueryExecution": self._stop})

    def __repr__(self) -> str:
        return f"FakeAthena(tables={sorted(self.tables)!r}, queries={len(self.queries)})"

    def fail_next_query(self, reason: str) -> None:
        """The next query started ends FAILED, with ``reason`` as its StateChangeReason
        (a user error, ErrorCategory 2)."""
        with self.lock:
            self._failing.append(reason)

    # -- the operations ----------------------------------------------------------------------

    def _start(self, p: Mapping[str, object]) -> dict[str, object]:
        sql = str(p["QueryString"])
        query_id = str(uuid.uuid4())
        query: dict[str, object] = {"Query": sql, "State": "RUNNING", "Looks": 0,
                                    "Rows": [], "Scanned": 0}
        self.queries[query_id] = query
        if self._failing:
            query.update(State="FAILED", Reason=self._failing.pop(0))
            return {"QueryExecutionId": query_id}
        created = _TABLE.search(sql)
        asked = _QUERY.search(sql)
        if created is not None:
            self.tables.setdefault(created.group(1), created.group(2))
        elif asked is not None and asked.group(1) in self.tables:
            rows, scanned = self._compare(self.tables[asked.group(1)],
                                          asked.group(2).replace("''", "'"),
                                          asked.group(3).replace("''", "'"), asked.group(4),
                                          asked.group(5))
            query.update(Rows=rows, Scanned=scanned)
        elif asked is not None:
            query.update(State="FAILED", Reason=f"TABLE_NOT_FOUND: line 1:1: Table "
                                                f"'{asked.group(1)}' does not exist")
        else:
            query.update(State="FAILED", Reason="FakeAthena runs shadowtest's own table "
                                                "and comparison queries only")
        return {"QueryExecutionId": query_id}

    def _compare(self, location: str, production: str, shadow: str, hour: str | None,
                 since: str | None) -> tuple[list[list[str | None]], int]:
        from shadowtest.capture import CaptureFile, compare_captures
        from shadowtest.capture.pairing import MAX_WINDOW
        from shadowtest.capture.sql import QUERY_COLUMNS

        bucket, _, prefix = location[len("s3://"):].partition("/")
        scanned = 0
        sides = []
        for variant in (production, shadow):
            files = []
            base = f"{prefix}{variant}/"
            for key in self.s3.keys(bucket, base):
                if hour is not None and key[len(base):len(base) + 13] < hour:
                    continue  # partition projection: the hours before are not read
                body = self.s3.objects[bucket][key]
                scanned += len(body)
                files.append(CaptureFile(f"s3://{bucket}/{key}", body.splitlines()))
            sides.append(files)
        # Athena groups by id over every hour: no pairing window
        found = compare_captures(
            sides[0], sides[1], window=MAX_WINDOW, keep_disagreements=0,
            since=None if since is None else datetime.fromisoformat(since[:-1] + "+00:00"))
        d, r = found.differences, found.relative_differences
        values: dict[str, object] = {
            "paired": found.paired, "unpaired_production": found.unpaired_production,
            "unpaired_shadow": found.unpaired_shadow, "duplicates": found.duplicates,
            "exact_matches": found.exact_matches, "label_pairs": found.label_pairs,
            "label_agreements": found.label_agreements,
            # compare_captures reads every output; the query compares some as text only
            "text_only_production": 0, "text_only_shadow": 0,
            "numeric_pairs": 0 if d is None else d.count,
            "relative_count": 0 if r is None else r.count}
        for name, summary in (("difference", d), ("relative", r)):
            for field in ("mean", "p50", "p90", "p99", "max"):
                values[f"{name}_{field}"] = None if summary is None else getattr(summary, field)
        row = [None if values[c] is None else str(values[c]) for c in QUERY_COLUMNS]
        return [list(QUERY_COLUMNS), row], scanned

    def _query(self, p: Mapping[str, object]) -> dict[str, object]:
        query = self.queries.get(str(p["QueryExecutionId"]))
        if query is None:
            raise Refusal("InvalidRequestException",
                          f"QueryExecution {p['QueryExecutionId']} was not found")
        return query

    def _get(self, p: Mapping[str, object]) -> dict[str, object]:
        query = self._query(p)
        if query["State"] == "RUNNING":
            query["Looks"] = int(query["Looks"]) + 1  # type: ignore[call-overload]
            if int(query["Looks"]) > self.polls:  # type: ignore[call-overload]
                query["State"] = "SUCCEEDED"
        status: dict[str, object] = {"State": query["State"]}
        if query["State"] == "FAILED":
            status.update(StateChangeReason=query["Reason"],
                          AthenaError={"ErrorCategory": 2, "ErrorType": 1006})
        scanned = int(query["Scanned"])  # type: ignore[call-overload]
        if query["State"] == "RUNNING":  # read as the query goes: a share each look
            scanned = scanned * int(query["Looks"]) // (self.polls + 1)  # type: ignore[call-overload]
        return {"QueryExecution": {
            "QueryExecutionId": p["QueryExecutionId"], "Query": query["Query"],
            "Status": status, "Statistics": {"DataScannedInBytes": scanned}}}

    def _results(self, p: Mapping[str, object]) -> dict[str, object]:
        query = self._query(p)
        if query["State"] != "SUCCEEDED":
            raise Refusal("InvalidRequestException",
                          f"Query has not yet finished. Current state: {query['State']}")
        rows: list[list[str | None]] = query["Rows"]  # type: ignore[assignment]
        query_id = str(p["QueryExecutionId"])
        token = p.get("NextToken")
        start = 0 if token is None else self._row_offset(str(token), query_id, len(rows))
        page = rows[start:start + self.page_size]
        answer: dict[str, object] = {"ResultSet": {"Rows": [
            {"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in page]}}
        if start + self.page_size < len(rows):
            answer["NextToken"] = self._issue_token(query_id, start + self.page_size)
        return answer

    def _row_offset(self, token: str, query_id: str, rows: int) -> int:
        """The first row of the page a NextToken this fake issued for ``query_id`` asks
        for; any other token is refused as Athena refuses it."""
        data = self._read_token(token, 2)
        if (data is not None and data[0] == query_id and type(data[1]) is int
                and 0 < data[1] < rows):
            return data[1]
        raise Refusal("InvalidRequestException",
                      "The NextToken is not one issued for the results of this query: "
                      "repeat the request that gave it")

    def _stop(self, p: Mapping[str, object]) -> dict[str, object]:
        query = self._query(p)
        if query["State"] == "RUNNING":
            query["State"] = "CANCELLED"
        return {}


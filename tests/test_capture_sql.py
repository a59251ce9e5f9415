"""The Athena comparison query runs on a real SQL engine: DuckDB, over the same capture
files compare_captures reads, with the Trino (Athena) SQL translated by sqlglot; both
engines answer the same counts and rates, and percentiles within the engine's documented
approximation. The table's DDL and the query also parse as Athena and Trino SQL.

DuckDB stands in for Athena's table with a view of the same columns over the files
(``variant`` and ``hour`` read from the key, as partition projection does).
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import attrs
import numpy
import pytest

from shadowtest import DataStorageConfig, PredictionComparison, compare_captures
from shadowtest.capture.sql import QUERY_COLUMNS, query_sql, table_name, table_sql
from shadowtest.testing import FakeSageMaker, sample_config

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

# duckdb and sqlglot are imported by the tests that run them (0.3 s of CPU), not at
# collection in every xdist worker.

START = datetime(2026, 12, 1, 9, 40, tzinfo=timezone.utc)
N = 600  # requests, 4 s apart: 40 minutes over two hours
PART = ("STRUCT(observedContentType VARCHAR, mode VARCHAR, data VARCHAR, "
        "encoding VARCHAR)")
COLUMNS = {"captureData": f"STRUCT(endpointInput {PART}, endpointOutput {PART})",
           "eventMetadata": "STRUCT(eventId VARCHAR, inferenceId VARCHAR, "
                            "inferenceTime VARCHAR)",
           "eventVersion": "VARCHAR"}


def production_model(x: list[int]) -> object:
    if x[0] % 10 == 0:
        return x[0] % 3  # an integer class: a label pair, not a number, in both engines
    return round(x[0] * 0.37 % 5, 4)


def shadow_model(x: list[int]) -> object:
    if x[0] % 10 == 0:
        return (x[0] + x[1]) % 3
    return round(x[0] * 0.37 % 5 + (x[0] % 7) * 0.01 - 0.02, 4)


def captures(tmp_path: Path, *, content_type: str = "application/json",
             wrap: bool = False, n: int = N, endpoint: str = "churn",
             start: datetime = START, interval: timedelta = timedelta(seconds=4),
             production: Callable[[list[int]], object] = production_model,
             shadow: Callable[[list[int]], object] = shadow_model,
             duplicate: bool = True) -> Path:
    """Both variants' capture files, as SageMaker writes them to S3, copied to
    ``tmp_path`` under the same keys; returns the endpoint's folder."""
    fake = FakeSageMaker(now=start)
    json_types = ["application/json"] if content_type == "application/json" else []
    fake.seed(attrs.evolve(sample_config(), endpoint_name=endpoint,
                           data_storage_config=DataStorageConfig(
                               destination="s3://captures/churn",
                               json_content_types=json_types)))

    def wrapped(model: Callable[[list[int]], object]) -> Callable[[list[int]], object]:
        return (lambda x: {"predictions": [model(x)]}) if wrap else model

    keys = fake.capture_traffic("churn-shadow", [[i, i // 3] for i in range(n)],
                                production=wrapped(production), shadow=wrapped(shadow),
                                content_type=content_type, sampling_percentage=70,
                                per_file=200, interval=interval)
    for key in keys:
        body = fake.s3.get_object(Bucket="captures", Key=key)["Body"].read()
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    folder = tmp_path / "churn" / endpoint
    if duplicate:  # a retried request: a duplicate of one production record
        first = sorted((folder / "production").rglob("*.jsonl"))[0]
        first.write_bytes(first.read_bytes()
                          + first.read_bytes().splitlines(keepends=True)[3])
    return folder


@pytest.fixture(scope="module")
def con() -> object:
    """One DuckDB connection for the module (a connection costs more than a query)."""
    duckdb = pytest.importorskip("duckdb")
    return duckdb.connect()


def table_of(endpoint: Path) -> str:
    """The table compare_predictions(engine="athena") would create for these captures."""
    return table_name(destination="s3://captures/churn", endpoint_name=endpoint.name,
                      production_variant="production", shadow_variant="shadow")


@functools.cache
def to_duckdb(sql: str) -> str:
    """The Athena SQL in DuckDB's dialect (40 ms a translation: most tests ask the same)."""
    sqlglot = pytest.importorskip("sqlglot")
    (translated,) = sqlglot.transpile(sql, read="athena", write="duckdb")
    return str(translated)


def run_on_duckdb(con: object, endpoint: Path, **options: object) -> dict[str, object]:
    """The Athena query translated to DuckDB by sqlglot, over a view standing in for the
    endpoint's table: the files' columns, and variant/hour from each key."""
    table = table_of(endpoint)
    path = str(endpoint / "*" / "*" / "*" / "*" / "*" / "*.jsonl")
    con.execute(  # type: ignore[attr-defined]
        f"CREATE OR REPLACE VIEW {table} AS SELECT captureData AS capturedata, "
        "eventMetadata AS eventmetadata, eventVersion AS eventversion, "
        r"regexp_extract(filename, '/([^/]+)/(\d{4}/\d{2}/\d{2}/\d{2})/[^/]+$', 1) AS variant, "
        r"regexp_extract(filename, '/([^/]+)/(\d{4}/\d{2}/\d{2}/\d{2})/[^/]+$', 2) AS hour "
        f"FROM read_json('{path}', filename = true, format = 'newline_delimited', "
        f"columns = {COLUMNS!r})")
    sql = query_sql(production_variant="production", shadow_variant="shadow", table=table,
                    **options)  # type: ignore[arg-type]
    translated = to_duckdb(sql)
    cursor = con.execute(translated)  # type: ignore[attr-defined]
    names = [d[0] for d in cursor.description]
    (row,) = cursor.fetchall()
    return dict(zip(names, row, strict=True))


def assert_within_rank(values: list[float], q: float, answer: object, slack: float) -> None:
    """``answer`` is a ``q`` quantile of ``values`` to within ``slack`` of rank: between the
    exact quantiles at q - slack and q + slack."""
    assert isinstance(answer, float)
    low, high = numpy.quantile(values, [max(0.0, q - slack), min(1.0, q + slack)])
    assert low - 1e-12 <= answer <= high + 1e-12, (q, low, answer, high)


def assert_same_answers(local: PredictionComparison, row: dict[str, object],
                        absolute: list[float], relative: list[float]) -> None:
    assert list(row) == list(QUERY_COLUMNS)
    assert (row["paired"], row["unpaired_production"], row["unpaired_shadow"]) == (
        local.paired, local.unpaired_production, local.unpaired_shadow)
    assert (row["duplicates"], row["exact_matches"]) == (local.duplicates, local.exact_matches)
    assert (row["label_pairs"], row["label_agreements"]) == (
        local.label_pairs, local.label_agreements)
    assert (row["text_only_production"], row["text_only_shadow"]) == (0, 0)
    d, r = local.differences, local.relative_differences
    assert d is not None
    assert r is not None
    assert (row["numeric_pairs"], row["relative_count"]) == (d.count, r.count)
    assert row["difference_mean"] == pytest.approx(d.mean, rel=1e-12)
    assert row["relative_mean"] == pytest.approx(r.mean, rel=1e-12)
    assert (row["difference_max"], row["relative_max"]) == (d.max, pytest.approx(r.max))
    # DuckDB's approx_quantile is a T-Digest, Athena's approx_percentile a q-digest of
    # rank error 1 %: both answer within a percent of rank of the exact quantile
    for q, name in ((0.5, "p50"), (0.9, "p90"), (0.99, "p99")):
        assert_within_rank(absolute, q, row[f"difference_{name}"], 0.01)
        assert_within_rank(relative, q, row[f"relative_{name}"], 0.01)


@pytest.fixture(scope="module")
def json_captures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return captures(tmp_path_factory.mktemp("json"))


class TestOnARealEngine:
    def test_json_outputs_answer_as_compare_captures(self, con: object,
                                                     json_captures: Path) -> None:
        endpoint = json_captures
        local = compare_captures(endpoint / "production", endpoint / "shadow")
        assert local.unpaired_production > 0
        assert local.duplicates == 1
        assert local.label_pairs > 0  # integer classes: labels in both engines
        row = run_on_duckdb(con, endpoint)
        numbers = _pairs_numbers(endpoint)
        absolute = sorted(a for a, _ in numbers)
        relative = sorted(a / abs(p) for a, p in numbers if p)
        assert_same_answers(local, row, absolute, relative)

    def test_base64_csv_outputs_and_a_json_path(self, con: object, tmp_path: Path) -> None:
        """Outputs captured as BASE64 CSV are decoded by the query too; JSON outputs
        wrapped in {"predictions": [x]} are read through output_json_path."""
        csv = captures(tmp_path / "csv", content_type="text/csv", n=200)
        local = compare_captures(csv / "production", csv / "shadow")
        row = run_on_duckdb(con, csv)
        assert (row["paired"], row["numeric_pairs"], row["exact_matches"]) == (
            local.paired, local.differences.count, local.exact_matches)  # type: ignore[union-attr]
        wrapped = captures(tmp_path / "json", wrap=True, n=200)
        local = compare_captures(wrapped / "production", wrapped / "shadow")
        row = run_on_duckdb(con, wrapped, output_json_path="$.predictions[0]")
        assert (row["paired"], row["numeric_pairs"], row["difference_max"]) == (
            local.paired, local.differences.count, local.differences.max)  # type: ignore[union-attr]

    def test_since_limits_the_hours(self, con: object, json_captures: Path) -> None:
        endpoint = json_captures
        since = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
        local = compare_captures(endpoint / "production", endpoint / "shadow", since=since)
        row = run_on_duckdb(con, endpoint, since=since)
        assert (row["paired"], row["unpaired_production"]) == (
            local.paired, local.unpaired_production)
        assert 0 < local.paired < N

    def test_since_is_the_instant_not_its_hour(self, con: object, tmp_path: Path) -> None:
        """Records a minute apart from 09:55 to 10:10: since=10:03:30 keeps 10:04 on (7 of
        16), where the hour alone kept 10:00 on; a record in the same second as since is
        kept, as compare_captures keeps it."""
        endpoint = captures(tmp_path, n=16, start=datetime(2026, 12, 1, 9, 55, tzinfo=timezone.utc),
                            interval=timedelta(minutes=1), duplicate=False)
        for since, kept in ((datetime(2026, 12, 1, 10, 3, 30, tzinfo=timezone.utc), 7),
                            (datetime(2026, 12, 1, 10, 4, 0, 900, tzinfo=timezone.utc), 7),
                            (datetime(2026, 12, 1, 10, 4, 1, tzinfo=timezone.utc), 6)):
            local = compare_captures(endpoint / "production", endpoint / "shadow", since=since)
            row = run_on_duckdb(con, endpoint, since=since)
            assert local.paired + local.unpaired_production == kept
            assert (row["paired"], row["unpaired_production"], row["unpaired_shadow"]) == (
                local.paired, local.unpaired_production, local.unpaired_shadow)

    def test_each_experiment_reads_its_own_captures(self, con: object, tmp_path: Path
                                                    ) -> None:
        """Two endpoints' captures under one destination, both tables in one database:
        each query answers its own endpoint's records."""
        churn = captures(tmp_path, n=30, duplicate=False)
        fraud = captures(tmp_path, n=12, endpoint="fraud", production=production_model,
                         shadow=production_model, duplicate=False)
        assert table_of(churn) != table_of(fraud)
        answers = [run_on_duckdb(con, endpoint) for endpoint in (churn, fraud)]
        for endpoint, row in zip((churn, fraud), answers, strict=True):
            local = compare_captures(endpoint / "production", endpoint / "shadow")
            assert (row["paired"], row["unpaired_production"], row["exact_matches"]) == (
                local.paired, local.unpaired_production, local.exact_matches)
        assert answers[1]["paired"] == answers[1]["exact_matches"]
        assert answers[0]["paired"] != answers[1]["paired"]


def _whole(x: list[int]) -> object:
    return x[0] % 4


def _whole_float(x: list[int]) -> object:
    return float(x[0] % 4) + (0.5 if x[0] % 5 == 0 else 0.0)


def _animal(x: list[int]) -> object:
    return ["cat", "dog", "owl"][x[0] % 3]


def _animal_shifted(x: list[int]) -> object:
    return ["cat", "dog", "owl"][(x[0] + (x[0] % 4 == 0)) % 3]


def _flag(x: list[int]) -> object:
    return x[0] % 3 == 0


def _flag_as_integer(x: list[int]) -> object:
    return int(x[0] % 2 == 0)


def _vector(x: list[int]) -> object:
    return [x[0] * 0.1, 1.0]


def _vector_shifted(x: list[int]) -> object:
    return [x[0] * 0.1, 1.0 + (x[0] % 2) * 0.25]


CASES = {
    # JSON 1 and 1.0: equal decoded outputs and a numeric pair, not a text mismatch
    "formatting": ("application/json", _whole, _whole_float),
    "string labels": ("application/json", _animal, _animal_shifted),
    "booleans and integers": ("application/json", _flag, _flag_as_integer),
    "csv numbers": ("text/csv", _whole, _whole_float),
    "csv labels": ("text/csv", _animal, _animal_shifted),
    "base64 json": ("application/x-json-custom", _whole, _whole_float),
}


class TestAsTheLocalComparison:
    """Outputs beyond plain floats: the query decodes each scalar as compare_captures
    does, and agrees with it on exact matches, labels and numbers."""

    @pytest.mark.parametrize("case", sorted(CASES))
    def test_scalars(self, con: object, tmp_path: Path, case: str) -> None:
        content_type, production, shadow = CASES[case]
        endpoint = captures(tmp_path, n=40, content_type=content_type, production=production,
                            shadow=shadow, duplicate=False)
        local = compare_captures(endpoint / "production", endpoint / "shadow")
        row = run_on_duckdb(con, endpoint)
        assert local.paired > 0
        assert (row["paired"], row["exact_matches"], row["label_pairs"],
                row["label_agreements"], row["numeric_pairs"]) == (
            local.paired, local.exact_matches, local.label_pairs, local.label_agreements,
            local.numeric_pairs)
        assert 0 < local.exact_matches < local.paired  # both kinds of pair are there
        assert (row["text_only_production"], row["text_only_shadow"]) == (0, 0)
        if local.differences is not None:
            assert row["difference_max"] == local.differences.max

    def test_what_the_query_cannot_read_is_a_problem(self, con: object, tmp_path: Path
                                                     ) -> None:
        """Vectors: compare_captures compares them element by element; the query only
        as text, and the comparison says so, a problem for each side."""
        from shadowtest.capture.athena import comparison_from_row

        endpoint = captures(tmp_path, n=20, production=_vector, shadow=_vector_shifted,
                            duplicate=False)
        local = compare_captures(endpoint / "production", endpoint / "shadow")
        row = run_on_duckdb(con, endpoint)
        assert local.numeric_pairs > 0
        assert (row["numeric_pairs"], row["exact_matches"]) == (0, local.exact_matches)
        assert row["text_only_production"] == row["text_only_shadow"] == local.paired
        result = comparison_from_row({k: None if v is None else str(v)
                                      for k, v in row.items()})
        assert [p.side for p in result.problems] == ["production", "shadow"]
        assert all(f"{local.paired:,} paired outputs are not a JSON or CSV scalar" in p.message
                   and "engine='local'" in p.message for p in result.problems)


def test_a_bad_base64_output_does_not_fail_the_query(con: object, tmp_path: Path) -> None:
    """One shadow output that is not base64 (compare_captures skips it as malformed): the
    query still answers, counting it as an output it could not read."""
    endpoint = captures(tmp_path, n=10, content_type="text/csv", duplicate=False)
    (file,) = (endpoint / "shadow").rglob("*.jsonl")
    lines = file.read_text().splitlines()
    record = json.loads(lines[0])
    record["captureData"]["endpointOutput"]["data"] = "%%% not base64"
    file.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
    local = compare_captures(endpoint / "production", endpoint / "shadow")
    row = run_on_duckdb(con, endpoint)
    assert local.malformed == 1
    assert (row["paired"], row["text_only_production"], row["text_only_shadow"]) == (
        local.paired + 1, 0, 1)


def _pairs_numbers(endpoint: Path) -> list[tuple[float, float]]:
    """(|shadow - production|, production) of each numeric pair, read independently of
    shadowtest with json.loads."""
    sides: list[dict[str, object]] = []
    for variant in ("production", "shadow"):
        found: dict[str, object] = {}
        for file in sorted((endpoint / variant).rglob("*.jsonl")):
            for text in file.read_text().splitlines():
                record = json.loads(text)
                found.setdefault(record["eventMetadata"]["inferenceId"],
                                 json.loads(record["captureData"]["endpointOutput"]["data"]))
        sides.append(found)
    out = []
    for key, p in sides[0].items():
        s = sides[1].get(key)
        if s is None or (type(p) is int and type(s) is int):
            continue
        out.append((abs(float(s) - float(p)), float(p)))  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("dialect", ["athena", "trino"])
def test_the_sql_parses_as_athena_and_trino(dialect: str) -> None:
    """Both statements are valid SQL of Athena's engines (sqlglot's parser raises on
    anything it cannot read)."""
    sqlglot = pytest.importorskip("sqlglot")
    table = table_sql(destination="s3://ml-captures/churn", endpoint_name="churn",
                      production_variant="production", shadow_variant="shadow")
    query = query_sql(production_variant="production", shadow_variant="shadow",
                      table="shadowtest_capture_0123456789abcdef",
                      output_json_path="$.predictions[0]",
                      since=datetime(2026, 12, 1, 9, tzinfo=timezone.utc))
    if dialect == "athena":  # Hive DDL: Athena's dialect, not Trino's
        created = sqlglot.parse_one(table, read="athena")
        assert created.key == "create"
    parsed = sqlglot.parse_one(query, read=dialect)
    assert parsed.key == "select"
    assert sqlglot.parse_one(parsed.sql(dialect=dialect), read=dialect) == parsed

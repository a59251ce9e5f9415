"""compare_predictions(engine="athena"), offline: the fake Athena in shadowtest.testing
answers shadowtest's table and query from the fake's S3 capture files; the engine starts,
polls with backoff, pages results, stops on an interrupt or past max_bytes, and says what
a FAILED query's reason is. (The query itself runs on DuckDB in test_capture_sql.py.)"""

from __future__ import annotations

from datetime import datetime, timezone

import attrs
import pytest

from shadowtest import ConfigValidationError, DataStorageConfig, ShadowTestError
from shadowtest.capture.athena import PRICE_PER_TB, cost_of
from shadowtest.errors import ServiceError
from shadowtest.testing import FakeSageMaker, sample_config

START = datetime(2026, 12, 1, 9, 59, 58, tzinfo=timezone.utc)
RESULTS = "s3://athena-results/shadowtest/"


def production_model(x: list[int]) -> float:
    return round(sum(x) / 10, 2)


def shadow_model(x: list[int]) -> float:
    return round(sum(x) / 10 + (0.5 if x[0] % 4 == 3 else 0.0), 2)


@pytest.fixture
def fake() -> FakeSageMaker:
    fake = FakeSageMaker(now=START)
    fake.seed(attrs.evolve(sample_config(), data_storage_config=DataStorageConfig(
        destination="s3://captures/churn", json_content_types=["application/json"])))
    fake.capture_traffic("churn-shadow", [[i, i] for i in range(60)], production=production_model,
                         shadow=shadow_model, sampling_percentage=75, per_file=20)
    return fake


def test_athena_answers_what_the_local_engine_answers(fake: FakeSageMaker) -> None:
    client = fake.experiment_client()
    local = client.compare_predictions("churn-shadow")
    fake.athena_fake.polls = 3
    fake.athena_fake.page_size = 1  # the header and the row on two pages
    result = client.compare_predictions("churn-shadow", engine="athena",
                                        output_location=RESULTS)
    assert (result.paired, result.unpaired_production, result.unpaired_shadow) == (
        local.paired, local.unpaired_production, local.unpaired_shadow)
    assert result.exact_matches == local.exact_matches
    assert result.differences is not None
    assert local.differences is not None
    assert (result.differences.count, result.differences.max) == (
        local.differences.count, local.differences.max)
    assert (result.engine, result.approximate, local.engine, local.approximate) == (
        "athena", True, "local", False)
    scanned = sum(len(body) for body in fake.fake_s3.objects["captures"].values())
    assert result.bytes_scanned == scanned
    assert result.cost == 10 * 2**20 / 2**40 * 5.0  # the 10 MB a query is billed at least
    (location,) = fake.athena_fake.tables.values()
    assert location == "s3://captures/churn/churn/"
    states = [q["State"] for q in fake.athena_fake.queries.values()]
    assert states == ["SUCCEEDED", "SUCCEEDED"]  # the table, then the comparison
    assert result.to_dict()["engine"] == "athena"


def test_each_experiments_captures_have_their_own_table(fake: FakeSageMaker) -> None:
    """Two experiments compared in one database: another endpoint's captures, and the
    same endpoint's captured to another destination. CREATE TABLE IF NOT EXISTS keeps a
    table's first location, so a shared table name would answer the first one's data."""
    fake.seed(attrs.evolve(sample_config(), name="fraud-shadow", endpoint_name="fraud",
                           data_storage_config=DataStorageConfig(
                               destination="s3://captures/churn",
                               json_content_types=["application/json"])))
    fake.seed(attrs.evolve(sample_config(), name="moved-shadow", endpoint_name="churn",
                           data_storage_config=DataStorageConfig(
                               destination="s3://captures/moved",
                               json_content_types=["application/json"])))
    fake.capture_traffic("fraud-shadow", [[i, i] for i in range(8)], production=production_model,
                         shadow=production_model, sampling_percentage=100)
    fake.capture_traffic("moved-shadow", [[i, i] for i in range(5)], production=production_model,
                         shadow=shadow_model, sampling_percentage=100)
    client = fake.experiment_client()
    answers = {name: client.compare_predictions(name, engine="athena", output_location=RESULTS)
               for name in ("churn-shadow", "fraud-shadow", "moved-shadow")}
    assert (answers["fraud-shadow"].paired, answers["fraud-shadow"].exact_matches) == (8, 8)
    assert (answers["moved-shadow"].paired, answers["moved-shadow"].exact_matches) == (5, 4)
    assert answers["churn-shadow"].paired == client.compare_predictions("churn-shadow").paired
    assert sorted(fake.athena_fake.tables.values()) == [
        "s3://captures/churn/churn/", "s3://captures/churn/fraud/", "s3://captures/moved/churn/"]


def test_since_is_an_instant_not_its_hour(fake: FakeSageMaker) -> None:
    """The fixture's records are a second apart from 09:59:58; since=10:00:30 leaves
    out the half-minute of the 10:00 hour before it."""
    client = fake.experiment_client()
    since = datetime(2026, 12, 1, 10, 0, 30, tzinfo=timezone.utc)
    local = client.compare_predictions("churn-shadow", since=since)
    result = client.compare_predictions("churn-shadow", engine="athena",
                                        output_location=RESULTS, since=since)
    assert (result.paired, result.unpaired_production) == (
        local.paired, local.unpaired_production)
    assert local.paired + local.unpaired_production == 60 - 32  # 10:00:30 .. 10:00:57


def test_polls_back_off(fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []
    fake.athena_fake.polls = 6
    client = fake.experiment_client()
    monkeypatch.setattr(client, "_sleep", pauses.append)
    client.compare_predictions("churn-shadow", engine="athena", output_location=RESULTS)
    assert pauses[:7] == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_a_failed_querys_reason_is_said(fake: FakeSageMaker) -> None:
    fake.athena_fake.fail_next_query("Insufficient permissions to execute the query")
    with pytest.raises(ServiceError) as caught:
        fake.experiment_client().compare_predictions("churn-shadow", engine="athena",
                                                     output_location=RESULTS)
    assert caught.value.code == "USER_ERROR"
    assert "Insufficient permissions to execute the query" in str(caught.value)


def test_a_query_past_max_bytes_is_stopped(fake: FakeSageMaker) -> None:
    fake.athena_fake.polls = 3
    with pytest.raises(ShadowTestError, match="more than max_bytes=100; it was stopped"):
        fake.experiment_client().compare_predictions("churn-shadow", engine="athena",
                                                     output_location=RESULTS, max_bytes=100)
    *_, last = fake.athena_fake.queries.values()
    assert last["State"] == "CANCELLED"


def test_an_interrupt_stops_the_query(fake: FakeSageMaker,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    client = fake.experiment_client()
    looks: list[float] = []

    def interrupted(seconds: float) -> None:
        looks.append(seconds)
        if len(looks) == 3:  # while the comparison query runs
            raise KeyboardInterrupt

    fake.athena_fake.polls = 5
    monkeypatch.setattr(client, "_sleep", interrupted)
    with pytest.raises(KeyboardInterrupt):
        client.compare_predictions("churn-shadow", engine="athena", output_location=RESULTS,
                                   since=START)
    *_, last = fake.athena_fake.queries.values()
    assert last["State"] == "CANCELLED"


def test_bad_athena_options_are_refused_before_anything_is_sent(fake: FakeSageMaker) -> None:
    with pytest.raises(ConfigValidationError) as caught:
        fake.experiment_client().compare_predictions(
            "churn-shadow", engine="athena", workgroup="no spaces allowed",
            output_location="athena-results/x", database="Bad-Name", max_bytes=0,
            labels={"a": 1})
    assert sorted(p.path for p in caught.value.errors) == [
        "database", "labels", "max_bytes", "output_location", "workgroup"]
    assert fake.athena_fake.queries == {}
    with pytest.raises(ConfigValidationError, match="engine"):
        fake.experiment_client().compare_predictions("churn-shadow", engine="spark")  # type: ignore[arg-type]


@pytest.mark.parametrize(("scanned", "dollars"), [
    (0, 10 * 2**20 / 2**40 * 5.0),           # billed 10 MB at least
    (2**40, 5.0),                             # one TB
    (10 * 2**20 + 1, 11 * 2**20 / 2**40 * 5.0),  # rounded up to the next megabyte
])
def test_cost_at_the_public_price(scanned: int, dollars: float) -> None:
    assert PRICE_PER_TB == 5.0
    assert cost_of(scanned) == pytest.approx(dollars)


def _finished_query(fake: FakeSageMaker) -> tuple[object, str]:
    """The fake's Athena client and the id of a finished query with two one-row pages
    (put in place, not run: the comparison is tested above)."""
    fake.athena_fake.page_size = 1
    for query_id in ("other-query", "the-query"):
        fake.athena_fake.queries[query_id] = {
            "Query": "SELECT 1", "State": "SUCCEEDED", "Looks": 0, "Scanned": 0,
            "Rows": [["paired"], ["60"]]}
    return fake.athena, "the-query"


@pytest.mark.parametrize("token", ["x", "1", "-1", "eyJ4Ijog"],
                         ids=["text", "an offset", "negative", "base64 of junk"])
def test_a_results_token_athena_did_not_issue_is_refused_as_athena_refuses_it(
        fake: FakeSageMaker, token: str) -> None:
    """FakeAthena read NextToken as a row offset: "x" escaped as a raw ValueError and "1"
    was served. A token it did not issue is an InvalidRequestException, as Athena's."""
    from botocore.exceptions import ClientError

    athena, query_id = _finished_query(fake)
    with pytest.raises(ClientError) as caught:
        athena.get_query_results(  # type: ignore[attr-defined]
            QueryExecutionId=query_id, NextToken=token)
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"


def test_a_results_token_of_another_query_is_refused(fake: FakeSageMaker) -> None:
    """A token names the query whose results it pages."""
    from botocore.exceptions import ClientError

    athena, query_id = _finished_query(fake)
    token = athena.get_query_results(QueryExecutionId=query_id)[  # type: ignore[attr-defined]
        "NextToken"]
    with pytest.raises(ClientError) as caught:
        athena.get_query_results(  # type: ignore[attr-defined]
            QueryExecutionId="other-query", NextToken=token)
    assert caught.value.response["Error"]["Code"] == "InvalidRequestException"
    second = athena.get_query_results(  # type: ignore[attr-defined]
        QueryExecutionId=query_id, NextToken=token)
    assert "NextToken" not in second
    assert len(second["ResultSet"]["Rows"]) == 1

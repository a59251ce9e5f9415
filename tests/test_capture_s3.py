"""compare_predictions end to end, offline: FakeSageMaker writes capture files into its
fake S3 in SageMaker's layout, and the client reads them back through boto3."""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime, timezone

import attrs
import pytest
from botocore.exceptions import ClientError

from shadowtest import ConfigValidationError, DataStorageConfig, InvalidStatusError
from shadowtest.capture import CaptureRecord, read_s3_captures, variant_prefix
from shadowtest.testing import FakeSageMaker, sample_config
from shadowtest.testing._fake_s3 import FakeS3

START = datetime(2026, 12, 1, 9, 59, 58, tzinfo=timezone.utc)


def production_model(x: list[int]) -> float:
    return round(sum(x) / 10, 2)


def shadow_model(x: list[int]) -> float:
    return round(sum(x) / 10 + (0.5 if x[0] == 3 else 0.0), 2)


INPUTS = [[1, 2], [3, 4], [5, 6], [7, 8]]


@pytest.fixture
def fake() -> FakeSageMaker:
    fake = FakeSageMaker(now=START)
    config = attrs.evolve(sample_config(), data_storage_config=DataStorageConfig(
        destination="s3://captures/churn", json_content_types=["application/json"]))
    fake.seed(config)
    return fake


class TestCaptureTraffic:
    def test_files_have_sagemakers_layout_and_format(self, fake: FakeSageMaker) -> None:
        """Keys are <Destination>/<Endpoint>/<Variant>/yyyy/mm/dd/hh/MM-SS-mmm-<uuid>.jsonl,
        one hour per file; lines carry captureData, eventMetadata and eventVersion."""
        keys = fake.capture_traffic("churn-shadow", INPUTS, production=production_model,
                                    shadow=shadow_model, sampling_percentage=100)
        config = sample_config()
        assert config.shadow_mode_config.source_model_variant_name == "production"
        prefixes = sorted(key.rsplit("/", 1)[0] for key in keys)
        assert prefixes == ["churn/churn/production/2026/12/01/09",
                            "churn/churn/production/2026/12/01/10",
                            "churn/churn/shadow/2026/12/01/09",
                            "churn/churn/shadow/2026/12/01/10"]
        first = next(k for k in keys if k.startswith("churn/churn/production/2026/12/01/09/"))
        assert first.rsplit("/", 1)[1].startswith("59-58-000-")
        assert fake.fake_s3.keys("captures") == sorted(keys)
        body = fake.s3.get_object(Bucket="captures", Key=first)["Body"].read().decode()
        record = json.loads(body.splitlines()[0])
        assert record == {
            "captureData": {
                "endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                                  "data": "[1, 2]", "encoding": "JSON"},
                "endpointOutput": {"observedContentType": "application/json",
                                   "mode": "OUTPUT", "data": "0.3", "encoding": "JSON"}},
            "eventMetadata": {"eventId": record["eventMetadata"]["eventId"],
                              "inferenceTime": "2026-12-01T09:59:58.000Z",
                              "inferenceId": "churn-shadow-000000"},
            "eventVersion": "0"}

    def test_content_types_not_named_are_captured_base64(self, fake: FakeSageMaker) -> None:
        keys = fake.capture_traffic("churn-shadow", [[1, 2]], production=production_model,
                                    shadow=shadow_model, content_type="text/csv",
                                    sampling_percentage=100)
        body = fake.s3.get_object(Bucket="captures", Key=keys[0])["Body"].read()
        part = json.loads(body)["captureData"]["endpointInput"]
        assert (part["encoding"], base64.b64decode(part["data"])) == ("BASE64", b"1,2")
        assert CaptureRecord.from_line(body).input == (1, 2)

    def test_no_data_storage_config_is_refused(self) -> None:
        fake = FakeSageMaker()
        fake.seed(sample_config())
        with pytest.raises(ValueError, match="no DataStorageConfig"):
            fake.capture_traffic("churn-shadow", [1], production=str, shadow=str)
        with pytest.raises(KeyError):
            fake.capture_traffic("nope", [1], production=str, shadow=str)


class TestFakeS3:
    def test_list_pages_prefix_and_start_after(self) -> None:
        s3 = FakeS3()
        for i in range(5):
            s3.put("b", f"p/{i}.jsonl", b"x")
        s3.put("b", "q/0.jsonl", b"x")
        pages = list(s3.client.get_paginator("list_objects_v2").paginate(
            Bucket="b", Prefix="p/", StartAfter="p/0", PaginationConfig={"PageSize": 2}))
        assert [[c["Key"] for c in page["Contents"]] for page in pages] == [
            ["p/0.jsonl", "p/1.jsonl"], ["p/2.jsonl", "p/3.jsonl"], ["p/4.jsonl"]]

    def test_missing_objects_and_other_operations(self) -> None:
        s3 = FakeS3()
        s3.put("b", "k", "v")
        with pytest.raises(ClientError, match="NoSuchKey"):
            s3.client.get_object(Bucket="b", Key="nope")
        with pytest.raises(ClientError, match="NoSuchBucket"):
            s3.client.list_objects_v2(Bucket="other")
        with pytest.raises(NotImplementedError, match="ListObjectsV2, GetObject"):
            s3.client.delete_object(Bucket="b", Key="k")


class TestComparePredictions:
    def test_compares_what_the_fake_captured(self, fake: FakeSageMaker) -> None:
        """Four requests, all shadowed; the shadow differs by 0.5 on one of them."""
        fake.capture_traffic("churn-shadow", INPUTS, production=production_model,
                             shadow=shadow_model, sampling_percentage=100)
        result = fake.experiment_client().compare_predictions("churn-shadow")
        assert (result.paired, result.unpaired_production, result.unpaired_shadow) == (4, 0, 0)
        assert result.exact_match_rate == 0.75
        assert result.differences is not None
        assert result.differences.max == pytest.approx(0.5)
        (shown,) = result.disagreements()
        assert (shown.key, shown.production_input, shown.shadow_output) == (
            "churn-shadow-000001", [3, 4], 1.2)
        assert shown.production_where.startswith("s3://captures/churn/churn/production/")

    def test_decoders_reach_the_comparison(self, fake: FakeSageMaker) -> None:
        """An endpoint answering in its own format (base64 in the capture) is compared
        through the decoder given, checked with the other arguments before any request."""
        fake.capture_traffic("churn-shadow", INPUTS, accept="application/x-score",
                             production=lambda x: f"s={production_model(x)}".encode(),
                             shadow=lambda x: f"s={shadow_model(x)}".encode(),
                             sampling_percentage=100)
        client = fake.experiment_client()
        plain = client.compare_predictions("churn-shadow")
        assert (plain.differences, dict(plain.undecoded)) == (None, {"application/x-score": 8})
        result = client.compare_predictions(
            "churn-shadow", decoders={"application/x-score": lambda raw: float(raw[2:])})
        assert result.differences is not None
        assert result.differences.max == pytest.approx(0.5)
        with pytest.raises(ConfigValidationError) as caught:
            client.compare_predictions("churn-shadow", decoders={"x": len}, limit=0)
        assert sorted(p.path for p in caught.value.errors) == ["decoders", "limit"]

    def test_sampling_leaves_production_records_unpaired(self, fake: FakeSageMaker) -> None:
        fake.capture_traffic("churn-shadow", [[i, i] for i in range(40)],
                             production=production_model, shadow=production_model,
                             sampling_percentage=25, per_file=7)
        client = fake.experiment_client()
        result = client.compare_predictions("churn-shadow", labels={"churn-shadow-000000": 0.0})
        assert result.paired + result.unpaired_production == 40
        assert 0 < result.paired < 40
        assert (result.unpaired_shadow, result.exact_match_rate) == (0, 1.0)
        limited = client.compare_predictions("churn-shadow", limit=2)
        assert limited.paired == 2

    def test_since_skips_earlier_hours_and_records(self, fake: FakeSageMaker) -> None:
        fake.capture_traffic("churn-shadow", INPUTS, production=production_model,
                             shadow=production_model, sampling_percentage=100)
        since = datetime(2026, 12, 1, 10, 0, 0, tzinfo=timezone.utc)
        result = fake.experiment_client().compare_predictions("churn-shadow", since=since)
        assert result.paired == 2  # 10:00:00 and 10:00:01
        listed = [params for op, params in fake.fake_s3.calls if op == "ListObjectsV2"]
        assert listed[0]["StartAfter"] == "churn/churn/production/2026/12/01/10"

    def test_payloads_stay_out_of_logs_and_problems(self, fake: FakeSageMaker,
                                                    caplog: pytest.LogCaptureFixture) -> None:
        """Through S3 too: a bad line and a duplicate holding a marker are located by
        s3:// key and line, and nothing logged or reported quotes them."""
        caplog.set_level(logging.DEBUG)
        marker = "PII-MARKER-s3"
        keys = fake.capture_traffic("churn-shadow", [[1, 2]], production=lambda x: marker,
                                    shadow=lambda x: marker, sampling_percentage=100)
        good = fake.s3.get_object(Bucket="captures", Key=keys[0])["Body"].read().decode()
        fake.fake_s3.put("captures", keys[0], good + good + f"{{{marker}\n")
        result = fake.experiment_client().compare_predictions("churn-shadow")
        assert (result.paired, result.duplicates, result.malformed) == (1, 1, 1)
        assert sorted((p.source, p.line) for p in result.problems) == [
            (f"s3://captures/{keys[0]}", 2), (f"s3://captures/{keys[0]}", 3)]
        seen = "\n".join([caplog.text, repr(result), *map(str, result.problems)])
        assert marker not in seen
        assert "compared predictions of inference experiment 'churn-shadow'" in caplog.text

    def test_an_experiment_without_capture_is_refused(self) -> None:
        fake = FakeSageMaker()
        fake.seed(sample_config())
        with pytest.raises(InvalidStatusError, match="captures no data") as caught:
            fake.experiment_client().compare_predictions("churn-shadow")
        assert "data_storage_config=DataStorageConfig(" in str(caught.value)
        assert caught.value.operation == "compare_predictions"


def test_variant_prefix_and_reading_in_name_order() -> None:
    assert variant_prefix("s3://bucket", "ep", "v") == ("bucket", "ep/v/")
    assert variant_prefix("s3://bucket/a/b/", "ep", "v") == ("bucket", "a/b/ep/v/")
    with pytest.raises(ValueError, match="s3://"):
        variant_prefix("bucket", "ep", "v")
    s3 = FakeS3()
    for hour in (11, 9, 10):
        s3.put("b", f"ep/v/2026/12/01/{hour:02d}/00-00-000-x.jsonl", f"{hour}\n")
    s3.put("b", "ep/v/readme.txt", "not a capture file")
    files = list(read_s3_captures(s3.client, "b", "ep/v/",
                                  since=datetime(2026, 12, 1, 10, 30, tzinfo=timezone.utc)))
    assert [(f.name.rsplit("/", 2)[1], list(f.lines)) for f in files] == [
        ("10", [b"10"]), ("11", [b"11"])]


def test_the_fakes_s3_client_is_made_only_when_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain FakeSageMaker and its experiment_client() make no S3 client (~20 ms each)."""
    import shadowtest.testing._fake_s3 as module

    made: list[FakeS3] = []

    class Counted(FakeS3):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(**kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(module, "FakeS3", Counted)
    fake = FakeSageMaker()
    client = fake.experiment_client()
    assert made == []
    assert client.s3.meta.service_model.service_name == "s3"
    assert made == [fake.fake_s3]

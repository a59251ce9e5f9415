"""Results for people: ``to_dict()`` is strict JSON everywhere, ``to_records()`` rows are
plain dicts ready for a DataFrame, and the plan text shows every field as ``path: value``."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from shadowtest import (
    DataStorageConfig,
    ExperimentMetrics,
    ExperimentStatus,
    InferenceExperimentSchedule,
    MetricSeries,
    plan_update,
)
from shadowtest._json import jsonable
from shadowtest.testing import FakeSageMaker, sample_config
from tests.public_objects import one_of_each

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
NAME = "churn-shadow"
STORAGE = DataStorageConfig(destination="s3://ml-captures/churn",
                            json_content_types=["application/json"])


def strict(value: object) -> Any:
    """``value`` through strict JSON and back (json.dumps raises on NaN, a datetime, ...)."""
    return json.loads(json.dumps(value, allow_nan=False))


def metrics() -> ExperimentMetrics:
    def series(metric: str, statistic: str, unit: str,
               values: list[float]) -> MetricSeries:
        return MetricSeries(metric=metric, statistic=statistic, unit=unit,
                            timestamps=[T0 + timedelta(minutes=i) for i in range(len(values))],
                            values=values)

    return ExperimentMetrics(
        name=NAME, window=(T0, T0 + timedelta(hours=1)), period=60,
        production_variant="AllTraffic", shadow_variant="shadow",
        production={"ModelLatency": series("ModelLatency", "Average", "Milliseconds",
                                           [35.0, 36.5])},
        shadow={"ModelLatency:p99": series("ModelLatency", "p99", "Milliseconds", [80.25]),
                "Invocations": series("Invocations", "Sum", "Count", [])},
        sampling_percentage=50)


class TestExperimentMetrics:
    def test_to_records_is_a_row_per_point_of_every_series(self) -> None:
        assert metrics().to_records() == [
            {"experiment": NAME, "role": "production", "variant": "AllTraffic",
             "series": "ModelLatency", "metric": "ModelLatency", "statistic": "Average",
             "unit": "Milliseconds", "timestamp": T0, "value": 35.0},
            {"experiment": NAME, "role": "production", "variant": "AllTraffic",
             "series": "ModelLatency", "metric": "ModelLatency", "statistic": "Average",
             "unit": "Milliseconds", "timestamp": T0 + timedelta(minutes=1), "value": 36.5},
            {"experiment": NAME, "role": "shadow", "variant": "shadow",
             "series": "ModelLatency:p99", "metric": "ModelLatency", "statistic": "p99",
             "unit": "Milliseconds", "timestamp": T0, "value": 80.25},
        ]

    def test_to_dict_is_strict_json_of_every_field(self) -> None:
        data = strict(metrics().to_dict())
        assert data == {
            "name": NAME, "window": ["2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z"],
            "period": 60, "production_variant": "AllTraffic", "shadow_variant": "shadow",
            "sampling_percentage": 50, "production_instance_type": None,
            "shadow_instance_type": None,
            "production": {"ModelLatency": {
                "metric": "ModelLatency", "statistic": "Average", "unit": "Milliseconds",
                "timestamps": ["2026-12-01T09:00:00Z", "2026-12-01T09:01:00Z"],
                "values": [35.0, 36.5]}},
            "shadow": {
                "ModelLatency:p99": {"metric": "ModelLatency", "statistic": "p99",
                                     "unit": "Milliseconds",
                                     "timestamps": ["2026-12-01T09:00:00Z"], "values": [80.25]},
                "Invocations": {"metric": "Invocations", "statistic": "Sum", "unit": "Count",
                                "timestamps": [], "values": []}},
        }

    def test_fetched_metrics_make_a_dataframe_shape(self) -> None:
        """Through the fake CloudWatch: every row has the same keys, one per point."""
        fake = FakeSageMaker(now=T0)
        fake.seed(sample_config())
        fake.advance(timedelta(minutes=30))
        fake.record_traffic(NAME, "production", minutes=30, latency_ms=35.0)
        fetched = fake.experiment_client().metrics(NAME, metrics=["ModelLatency"])
        rows = fetched.to_records()
        points = sum(len(s) for side in (fetched.production, fetched.shadow)
                     for s in side.values())
        assert len(rows) == points > 0
        assert {tuple(row) for row in rows} == {(
            "experiment", "role", "variant", "series", "metric", "statistic", "unit",
            "timestamp", "value")}
        strict(fetched.to_dict())


# the results whose to_dict() this suite pins here; others pin theirs beside them
# (Judgement, PredictionComparison, Preflight, WatchResult, ...)
HAVE_TO_DICT = frozenset({
    "InferenceExperimentConfig", "ModelVariantConfig", "ShadowModeConfig",
    "InferenceExperimentSchedule", "DataStorageConfig", "InferenceExperiment",
    "InferenceExperimentSummary", "ModelVariantSummary", "EndpointMetadata", "Plan",
    "PlannedChange", "UpdatePlan", "ExperimentMetrics", "MetricSeries", "Problem"})


OBJECTS = one_of_each()


def test_the_results_of_this_module_have_to_dict() -> None:
    assert {name for name in HAVE_TO_DICT
            if not callable(getattr(OBJECTS[name], "to_dict", None))} == set()


@pytest.mark.parametrize("name", sorted(name for name, result in OBJECTS.items()
                                        if callable(getattr(result, "to_dict", None))))
def test_every_to_dict_is_strict_json(name: str) -> None:
    """Whatever has a to_dict() gives plain dicts, lists, strings, finite numbers, booleans
    and None: json.dumps(allow_nan=False) takes it and reads back the same."""
    data = OBJECTS[name].to_dict()
    assert isinstance(data, dict)
    assert strict(data) == data


class TestStrictJson:
    def test_jsonable_turns_what_json_refuses_into_json(self) -> None:
        assert jsonable({"t": T0 + timedelta(microseconds=5), "nan": math.nan,
                         "inf": -math.inf, "status": ExperimentStatus.RUNNING,
                         "wait": timedelta(minutes=2), "tuple": (1, "a"),
                         3: frozenset({"x"})}) == {
            "t": "2026-12-01T09:00:00.000005Z", "nan": None, "inf": None,
            "status": "Running", "wait": 120.0, "tuple": [1, "a"], "3": ["x"]}
        with pytest.raises(TypeError, match="object has no JSON form"):
            jsonable(object())

    def test_a_described_experiment_and_its_parts(self) -> None:
        fake = FakeSageMaker(now=T0)
        fake.seed(sample_config(data_storage_config=STORAGE))
        client = fake.experiment_client()
        experiment = client.describe(NAME)
        data = strict(experiment.to_dict())
        assert data["status"] == "Running"
        assert data["creation_time"] == "2026-12-01T09:00:00Z"
        assert data["schedule"] == {"StartTime": "2026-12-01T09:00:00Z",
                                    "EndTime": "2026-12-08T09:00:00Z"}
        assert data["data_storage_config"] == {
            "Destination": "s3://ml-captures/churn",
            "ContentType": {"JsonContentTypes": ["application/json"]}}
        assert data["model_variants"][1] == {
            "model_name": "churn-v2", "variant_name": "shadow",
            "instance_type": "ml.m5.xlarge", "instance_count": 1, "status": "InService"}
        assert data["endpoint"]["endpoint_name"] == "churn"
        (summary,) = client.list()
        assert strict(summary.to_dict())["last_modified_time"] == "2026-12-01T09:00:00Z"

    def test_every_config_class(self) -> None:
        config = sample_config(data_storage_config=STORAGE, schedule=InferenceExperimentSchedule(
            start_time=T0, end_time=T0 + timedelta(days=1)))
        assert strict(config.schedule.to_dict()) == {  # type: ignore[union-attr]
            "StartTime": "2026-12-01T09:00:00Z", "EndTime": "2026-12-02T09:00:00Z"}
        assert strict(config.model_variants[0].to_dict())["VariantName"] == "production"
        assert strict(config.shadow_mode_config.to_dict())["ShadowModelVariants"] == [
            {"ShadowModelVariantName": "shadow", "SamplingPercentage": 50}]
        assert strict(STORAGE.to_dict()) == STORAGE.to_boto3()
        assert strict(config.to_dict())["Schedule"] == config.schedule.to_dict()  # type: ignore[union-attr]

    def test_plans(self) -> None:
        fake = FakeSageMaker(now=T0)
        fake.seed(sample_config(), status=ExperimentStatus.CREATED)
        client = fake.experiment_client()
        plan = client.plan(sample_config(data_storage_config=STORAGE, description="v2"))
        data = strict(plan.to_dict())
        assert data["status"] == "Created"
        assert data["actions"] == ["update"]
        assert {change["path"] for change in data["changes"]} == {
            "description", "data_storage_config.destination",
            "data_storage_config.json_content_types"}
        update = plan_update(client.describe(NAME), schedule=InferenceExperimentSchedule(
            start_time=T0 + timedelta(days=2), end_time=T0 + timedelta(days=3)))
        assert strict(update.to_dict()) == {
            "name": NAME, "status": "Created", "allowed": True,
            "request": {"Name": NAME, "Schedule": {"StartTime": "2026-12-03T09:00:00Z",
                                                   "EndTime": "2026-12-04T09:00:00Z"}},
            "refused": [], "dropped": []}


class TestPlanText:
    def test_a_data_storage_config_shows_each_field_as_path_value(self) -> None:
        """Not `data_storage_config: DataStorageConfig(destination=..., kms_key=None, ...)`:
        one `path: value` line per field that is set, as for every other config."""
        fake = FakeSageMaker(now=T0)
        client = fake.experiment_client()
        created = str(client.plan(sample_config(data_storage_config=STORAGE))).splitlines()
        assert created[-2:] == [
            "    + data_storage_config.destination: 's3://ml-captures/churn'",
            "    + data_storage_config.json_content_types: ['application/json']"]
        fake.seed(sample_config(data_storage_config=STORAGE), status=ExperimentStatus.CREATED)
        moved = DataStorageConfig(destination="s3://ml-captures/churn-2",
                                  csv_content_types=["text/csv"])
        plan = client.plan(sample_config(data_storage_config=moved))
        assert str(plan).splitlines()[1:] == [
            "    ~ data_storage_config.destination: 's3://ml-captures/churn' -> "
            "'s3://ml-captures/churn-2'",
            "    + data_storage_config.csv_content_types: (none) -> ['text/csv']",
            "    - data_storage_config.json_content_types: ['application/json'] -> (none)"]
        assert plan.requests == (("update_inference_experiment", {
            "Name": NAME, "DataStorageConfig": moved.to_boto3()}),)
        assert "DataStorageConfig(" not in str(plan) + repr(plan.to_dict())

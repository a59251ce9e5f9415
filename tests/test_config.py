"""The request-side config objects: every rule, every path, immutability, serialisation."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from shadowtest import (
    ConfigValidationError,
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest.testing import sample_config

UTC = timezone.utc
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def variant(**changes: Any) -> ModelVariantConfig:
    values: dict[str, Any] = {"model_name": "churn-v1", "variant_name": "production",
                              "instance_type": "ml.m5.xlarge", "instance_count": 1}
    return ModelVariantConfig(**{**values, **changes})


def shadow_mode(**changes: Any) -> ShadowModeConfig:
    values: dict[str, Any] = {"source_model_variant_name": "production",
                              "shadow_model_variant_name": "shadow", "sampling_percentage": 50}
    return ShadowModeConfig(**{**values, **changes})


def schedule(**changes: Any) -> InferenceExperimentSchedule:
    values: dict[str, Any] = {"start_time": T0, "end_time": T0 + timedelta(days=7)}
    return InferenceExperimentSchedule(**{**values, **changes})


def storage(**changes: Any) -> DataStorageConfig:
    values: dict[str, Any] = {"destination": "s3://bucket/capture"}
    return DataStorageConfig(**{**values, **changes})


def experiment(**changes: Any) -> InferenceExperimentConfig:
    return sample_config(**changes)


def full_experiment() -> InferenceExperimentConfig:
    return sample_config(
        schedule=schedule(),
        description="churn v2 against v1",
        data_storage_config=storage(kms_key="alias/capture", csv_content_types=["text/csv"],
                                    json_content_types=["application/json"]),
        kms_key="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        tags={"team": "ml", "cost-center": "42"},
    )


Builder = Callable[..., Any]
SHADOW = variant(model_name="churn-v2", variant_name="shadow")
TWO = [variant(), SHADOW]
TAGS_50 = {f"key{i}": "v" for i in range(50)}
TAGS_51 = {f"key{i}": "v" for i in range(51)}

# (builder, field, a valid edge value, an invalid value, the path(s) of the problem(s))
RULES: list[tuple[Builder, str, Any, Any, str | list[str]]] = [
    # ModelVariantConfig
    (variant, "model_name", "m" * 63, "m" * 64, "model_name"),
    (variant, "model_name", "a-b--c", "-abc", "model_name"),
    (variant, "model_name", "a", "", "model_name"),
    (variant, "model_name", "churn1", 5, "model_name"),
    (variant, "variant_name", "v" * 63, "v" * 64, "variant_name"),
    (variant, "variant_name", "shadow-2", "shadow_2", "variant_name"),
    (variant, "variant_name", "v", "v-", "variant_name"),
    (variant, "instance_type", "ml.p6-b200.48xlarge", "ml.inf1.xlarge", "instance_type"),
    (variant, "instance_type", "ml.inf2.xlarge", "ml.inf1.24xlarge", "instance_type"),
    (variant, "instance_type", "ml.m5.large", "m5.large", "instance_type"),
    (variant, "instance_type", "ml.g5.2xlarge", None, "instance_type"),
    (variant, "instance_count", 1, 0, "instance_count"),
    (variant, "instance_count", 40, -1, "instance_count"),
    (variant, "instance_count", 2, True, "instance_count"),
    (variant, "instance_count", 3, 3.0, "instance_count"),
    (variant, "instance_count", 4, "4", "instance_count"),
    # ShadowModeConfig
    (shadow_mode, "sampling_percentage", 0, -1, "sampling_percentage"),
    (shadow_mode, "sampling_percentage", 100, 101, "sampling_percentage"),
    (shadow_mode, "sampling_percentage", 100, 150, "sampling_percentage"),
    (shadow_mode, "sampling_percentage", 50, 50.0, "sampling_percentage"),
    (shadow_mode, "sampling_percentage", 1, True, "sampling_percentage"),
    (shadow_mode, "source_model_variant_name", "p" * 63, "p" * 64, "source_model_variant_name"),
    (shadow_mode, "source_model_variant_name", "prod", "prod uction", "source_model_variant_name"),
    (shadow_mode, "shadow_model_variant_name", "s" * 63, "s" * 64, "shadow_model_variant_name"),
    (shadow_mode, "shadow_model_variant_name", "shadow2", "production",
     "shadow_model_variant_name"),
    # InferenceExperimentSchedule
    (schedule, "start_time", T0, T0.replace(tzinfo=None), "start_time"),
    (schedule, "end_time", T0 + timedelta(days=30), T0 + timedelta(days=30, seconds=1),
     "end_time"),
    (schedule, "end_time", T0 + timedelta(seconds=1), T0, "end_time"),
    (schedule, "end_time", T0 + timedelta(hours=1), T0 - timedelta(hours=1), "end_time"),
    (schedule, "end_time", T0 + timedelta(days=1), "2026-12-02T00:00:00Z", "end_time"),
    (schedule, "end_time", (T0 + timedelta(days=2)).astimezone(timezone(timedelta(hours=-8))),
     (T0 + timedelta(days=2)).replace(tzinfo=None), "end_time"),
    # DataStorageConfig
    (storage, "destination", "s3://b", "s3:///bucket", "destination"),
    (storage, "destination", "https://bucket.s3.amazonaws.com/x", "ftp://bucket/x",
     "destination"),
    (storage, "destination", "s3://" + "b" * 507, "s3://" + "b" * 508, "destination"),
    (storage, "kms_key", "alias/capture-key", "alias/capture key", "kms_key"),
    (storage, "kms_key", "k" * 2048, "k" * 2049, "kms_key"),
    (storage, "csv_content_types", ["text/csv"] * 10, ["text/csv"] * 11, "csv_content_types"),
    (storage, "csv_content_types", ["text/csv"], ["text csv"], "csv_content_types[0]"),
    (storage, "csv_content_types", ["text/x-csv.v2"], ["text/"], "csv_content_types[0]"),
    (storage, "json_content_types", ["application/json"], "application/json",
     "json_content_types"),
    (storage, "json_content_types", ["application/jsonlines", "application/json"],
     ["application/json", "/json"], "json_content_types[1]"),
    (storage, "json_content_types", ["a/" + "b" * 254], ["a/" + "b" * 255],
     "json_content_types[0]"),
    # InferenceExperimentConfig
    (experiment, "name", "n" * 120, "n" * 121, "name"),
    (experiment, "name", "churn-shadow-2", "churn_shadow", "name"),
    (experiment, "name", "c", "", "name"),
    (experiment, "endpoint_name", "e" * 63, "e" * 64, "endpoint_name"),
    (experiment, "endpoint_name", "churn-1", "churn.1", "endpoint_name"),
    (experiment, "role_arn", "arn:aws-cn:iam::123456789012:role/path/Role",
     "arn:aws:iam::12345:role/Role", "role_arn"),
    (experiment, "role_arn", "arn:aws:iam::123456789012:role/R",
     "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/R", "role_arn"),
    (experiment, "role_arn", "arn:aws:iam::123456789012:role/" + "r" * 2017,
     "arn:aws:iam::123456789012:role/" + "r" * 2018, "role_arn"),
    (experiment, "description", "d" * 1024, "d" * 1025, "description"),
    (experiment, "description", "", "two\nlines", "description"),
    (experiment, "kms_key", "k" * 2048, "k" * 2049, "kms_key"),
    (experiment, "kms_key", "alias/ml", "alias/ml key", "kms_key"),
    (experiment, "tags", TAGS_50, TAGS_51, "tags"),
    (experiment, "tags", {"k" * 128: "v" * 256}, {"k" * 129: "v"}, f"tags[{'k' * 129!r}]"),
    (experiment, "tags", {"k": "v" * 256}, {"k": "v" * 257}, "tags['k']"),
    (experiment, "tags", {"team": "ml"}, {"aws:team": "ml"}, "tags['aws:team']"),
    (experiment, "tags", {"awsteam": "ml"}, {"AWS:team": "ml"}, "tags['AWS:team']"),
    (experiment, "tags", {"ключ é 1": "värde 2"}, {"a#b": "v"}, "tags['a#b']"),
    (experiment, "tags", {"k:/=+-@._": ""}, {"k": "v\x00"}, "tags['k']"),
    (experiment, "tags", {"k": "v"}, {"": "v"}, "tags['']"),
    (experiment, "tags", {"k": "v"}, {"k": 1}, "tags['k']"),
    (experiment, "tags", {"k": "v"}, [("k", "v")], "tags"),
    (experiment, "model_variants", TWO, [variant()],
     ["model_variants", "shadow_mode_config.shadow_model_variant_name"]),
    (experiment, "model_variants", TWO, [*TWO, variant(variant_name="third")], "model_variants"),
    (experiment, "model_variants", TWO, [variant(), "shadow"], "model_variants[1]"),
    (experiment, "model_variants", TWO, [variant(), variant(model_name="churn-v2")],
     ["model_variants[1].variant_name", "shadow_mode_config.shadow_model_variant_name"]),
    (experiment, "model_variants", TWO, variant(), "model_variants"),
    (experiment, "shadow_mode_config", shadow_mode(), shadow_mode(shadow_model_variant_name="x"),
     "shadow_mode_config.shadow_model_variant_name"),
    (experiment, "shadow_mode_config", shadow_mode(), shadow_mode(source_model_variant_name="x"),
     "shadow_mode_config.source_model_variant_name"),
    (experiment, "shadow_mode_config", shadow_mode(), {"sampling_percentage": 5},
     "shadow_mode_config"),
    (experiment, "schedule", schedule(), "tomorrow", "schedule"),
    (experiment, "data_storage_config", storage(), "s3://bucket", "data_storage_config"),
]


RULE_PARAMS = [
    pytest.param(*rule, id=f"{rule[0].__name__}.{rule[1]}={rule[3]!r}"[:70]) for rule in RULES
]


class TestRules:
    @pytest.mark.parametrize(("builder", "field", "good", "bad", "path"), RULE_PARAMS)
    def test_valid_edge_passes(
        self, builder: Builder, field: str, good: Any, bad: Any, path: str | list[str]
    ) -> None:
        """The edge value of each rule is accepted and stored."""
        obj = builder(**{field: good})

        stored = getattr(obj, field)
        assert stored == (tuple(good) if isinstance(good, list) else good)

    @pytest.mark.parametrize(("builder", "field", "good", "bad", "path"), RULE_PARAMS)
    def test_invalid_value_fails_with_its_path(
        self, builder: Builder, field: str, good: Any, bad: Any, path: str | list[str]
    ) -> None:
        """Each broken rule raises ConfigValidationError naming the field's path, with a
        message showing the value given."""
        with pytest.raises(ConfigValidationError) as info:
            builder(**{field: bad})

        assert [problem.path for problem in info.value.errors] == (
            [path] if isinstance(path, str) else path)
        assert isinstance(info.value, ValueError)
        assert "got" in info.value.errors[0].message

    def test_every_problem_is_listed_at_once(self) -> None:
        """All problems of one object are reported together, in one error."""
        with pytest.raises(ConfigValidationError) as info:
            ModelVariantConfig(model_name=5, variant_name="a_b",  # type: ignore[arg-type]
                               instance_type="ml.inf1.xlarge", instance_count=True)

        assert [p.path for p in info.value.errors] == [
            "model_name", "variant_name", "instance_type", "instance_count"]

    def test_str_is_one_line_per_problem(self) -> None:
        """The message reads well in a notebook traceback: a header, then one line each."""
        with pytest.raises(ConfigValidationError) as info:
            ShadowModeConfig(source_model_variant_name="prod", shadow_model_variant_name="prod",
                             sampling_percentage=150)

        lines = str(info.value).splitlines()
        assert lines[0] == "ShadowModeConfig is invalid (2 problems):"
        assert lines[1].startswith("  shadow_model_variant_name: got 'prod'")
        assert lines[2] == ("  sampling_percentage: got 150; must be an integer from 0 to 100 "
                            "(a percentage of requests)")

    def test_long_values_are_shortened_in_messages(self) -> None:
        """A huge value does not flood the message: it is cut and its length given."""
        with pytest.raises(ConfigValidationError) as info:
            experiment(description="d" * 5000)

        message = info.value.errors[0].message
        assert len(message) < 300
        assert "5000 characters" in message

    def test_wrong_types_are_reported_not_raised(self) -> None:
        """Wrong types everywhere give ConfigValidationError, never AttributeError/TypeError."""
        with pytest.raises(ConfigValidationError) as info:
            InferenceExperimentConfig(
                name=1, endpoint_name=None,  # type: ignore[arg-type]
                role_arn=b"arn",  # type: ignore[arg-type]
                model_variants=None,  # type: ignore[arg-type]
                shadow_mode_config="production",  # type: ignore[arg-type]
                schedule=3, tags="team=ml",  # type: ignore[arg-type]
            )

        assert {p.path for p in info.value.errors} == {
            "name", "endpoint_name", "role_arn", "model_variants", "shadow_mode_config",
            "schedule", "tags"}



class TestMessages:
    def test_a_long_value_states_its_length_once(self) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            sample_config(description="x" * 1030)
        message = caught.value.errors[0].message
        assert message.count("1030 characters") == 1
        assert len(message) < 200

    def test_class_names_take_the_right_article(self) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            sample_config(schedule=5)  # type: ignore[arg-type]
        assert "must be an InferenceExperimentSchedule or None" in str(caught.value)
        with pytest.raises(ConfigValidationError) as caught:
            sample_config(data_storage_config=5)  # type: ignore[arg-type]
        assert "must be a DataStorageConfig or None" in str(caught.value)

    def test_arguments_are_invalid_a_config_is_invalid(self) -> None:
        assert str(ConfigValidationError([], subject="wait arguments")).startswith(
            "wait arguments are invalid")
        assert str(ConfigValidationError([], subject="ShadowModeConfig")).startswith(
            "ShadowModeConfig is invalid")

    @pytest.mark.parametrize("where", ["top", "data_storage_config"])
    def test_an_empty_kms_key_is_refused_not_sent(self, where: str) -> None:
        """KmsKey "" names no key: leaving it out is how to say none."""
        build: Callable[[], object] = (
            (lambda: sample_config(kms_key="")) if where == "top"
            else (lambda: DataStorageConfig(destination="s3://bucket/x", kms_key="")))
        with pytest.raises(ConfigValidationError) as caught:
            build()
        [problem] = caught.value.errors
        assert problem.path == "kms_key"
        assert "leave it out" in problem.message


class TestImmutability:
    def test_frozen(self) -> None:
        """Fields cannot be assigned."""
        config = experiment()

        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            config.name = "other"  # type: ignore[misc]

    def test_slotted_and_keyword_only(self) -> None:
        """No __dict__ to sneak values into, and no positional arguments."""
        assert not hasattr(variant(), "__dict__")
        with pytest.raises(TypeError):
            ModelVariantConfig("m", "v", "ml.m5.large")  # type: ignore[call-arg]

    def test_callers_list_is_copied(self) -> None:
        """Changing the list passed in afterwards changes nothing."""
        variants = list(TWO)
        types = ["text/csv"]
        config = experiment(model_variants=variants)
        store = storage(csv_content_types=types)

        variants.append(variant(variant_name="third"))
        types.clear()

        assert len(config.model_variants) == 2
        assert isinstance(config.model_variants, tuple)
        assert store.csv_content_types == ("text/csv",)

    def test_tags_are_read_only_and_copied(self) -> None:
        """Tags become a read-only mapping; the caller's dict stays theirs."""
        tags = {"team": "ml"}
        config = experiment(tags=tags)
        tags["team"] = "changed"

        assert config.tags == {"team": "ml"}
        with pytest.raises(TypeError):
            config.tags["team"] = "x"  # type: ignore[index]

    def test_hashable_and_picklable(self) -> None:
        """Configs can be dict keys and survive pickling (e.g. to worker processes)."""
        config = full_experiment()

        assert {config: 1}[pickle.loads(pickle.dumps(config))] == 1

    def test_evolve_revalidates(self) -> None:
        """attrs.evolve goes through validation again."""
        with pytest.raises(ConfigValidationError) as info:
            attrs.evolve(shadow_mode(), sampling_percentage=101)

        assert info.value.errors[0].path == "sampling_percentage"


class TestSerialisation:
    def test_model_variant_to_boto3(self) -> None:
        """A variant becomes the API's nested InfrastructureConfig form."""
        assert variant(instance_count=3).to_boto3() == {
            "ModelName": "churn-v1",
            "VariantName": "production",
            "InfrastructureConfig": {
                "InfrastructureType": "RealTimeInference",
                "RealTimeInferenceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 3},
            },
        }

    def test_shadow_mode_to_boto3(self) -> None:
        """The shadow becomes the one item of ShadowModelVariants."""
        assert shadow_mode(sampling_percentage=0).to_boto3() == {
            "SourceModelVariantName": "production",
            "ShadowModelVariants": [{"ShadowModelVariantName": "shadow",
                                     "SamplingPercentage": 0}],
        }

    def test_schedule_is_sent_in_utc(self) -> None:
        """Aware datetimes in any zone are sent as the same instant in UTC."""
        pacific = timezone(timedelta(hours=-8))
        sent = schedule(start_time=T0.astimezone(pacific)).to_boto3()

        assert sent["StartTime"] == T0
        assert isinstance(sent["StartTime"], datetime)
        assert sent["StartTime"].tzinfo == UTC
        assert InferenceExperimentSchedule(end_time=T0).to_boto3() == {"EndTime": T0}
        assert InferenceExperimentSchedule().to_boto3() == {}

    def test_data_storage_omits_unset(self) -> None:
        """Unset KMS key and empty content types are left out."""
        assert storage().to_boto3() == {"Destination": "s3://bucket/capture"}
        assert storage(csv_content_types=["text/csv"], kms_key="k").to_boto3() == {
            "Destination": "s3://bucket/capture", "KmsKey": "k",
            "ContentType": {"CsvContentTypes": ["text/csv"]}}

    def test_minimal_experiment_to_boto3(self) -> None:
        """The create call's keyword arguments, Type included, optionals omitted."""
        sent = experiment().to_boto3()

        assert sent == {
            "Name": "churn-shadow",
            "Type": "ShadowMode",
            "RoleArn": "arn:aws:iam::123456789012:role/SageMakerShadowTestRole",
            "EndpointName": "churn",
            "ModelVariants": [variant().to_boto3(), SHADOW.to_boto3()],
            "ShadowModeConfig": shadow_mode().to_boto3(),
        }

    def test_full_experiment_to_boto3(self) -> None:
        """Every optional field appears under its API name; tags as Key/Value pairs."""
        sent = full_experiment().to_boto3()

        assert sent["Schedule"] == {"StartTime": T0, "EndTime": T0 + timedelta(days=7)}
        assert sent["Description"] == "churn v2 against v1"
        assert sent["DataStorageConfig"]["KmsKey"] == "alias/capture"
        assert sent["KmsKey"].startswith("arn:aws:kms:")
        assert sent["Tags"] == [{"Key": "team", "Value": "ml"},
                                {"Key": "cost-center", "Value": "42"}]

    @pytest.mark.parametrize("config", [experiment(), full_experiment(), experiment(tags={})],
                             ids=["minimal", "full", "empty-tags"])
    def test_round_trip(self, config: InferenceExperimentConfig) -> None:
        """from_boto3 is the inverse of to_boto3."""
        assert InferenceExperimentConfig.from_boto3(config.to_boto3()) == config

    @pytest.mark.parametrize("obj", [variant(), shadow_mode(), schedule(), storage(),
                                     storage(json_content_types=["application/json"])])
    def test_round_trip_parts(self, obj: Any) -> None:
        """Every part round-trips on its own too."""
        assert type(obj).from_boto3(obj.to_boto3()) == obj

    def test_from_describe_response(self) -> None:
        """A describe response (endpoint under EndpointMetadata, variant Status, no tags)
        reads back to the config that created it."""
        config = full_experiment()
        response: dict[str, Any] = {k: v for k, v in config.to_boto3().items()
                                    if k not in ("Tags", "EndpointName")}
        response.update(
            Arn="arn:aws:sagemaker:us-east-1:123456789012:inference-experiment/churn-shadow",
            Status="Running", EndpointMetadata={"EndpointName": "churn"},
            CreationTime=T0, LastModifiedTime=T0,
            ModelVariants=[{**v, "Status": "InService"} for v in response["ModelVariants"]],
        )

        assert InferenceExperimentConfig.from_boto3(response) == attrs.evolve(config, tags=None)

    def test_from_boto3_nested_paths(self) -> None:
        """Problems deep inside the dict are reported with their full path, all at once."""
        sent = experiment().to_boto3()
        sent["Name"] = "bad_name"
        sent["ModelVariants"][1]["InfrastructureConfig"]["RealTimeInferenceConfig"][
            "InstanceCount"] = 0
        sent["Schedule"] = {"StartTime": T0, "EndTime": T0 - timedelta(days=1)}
        sent["Tags"] = [{"Key": "aws:x", "Value": "v"}, {"Key": "k", "Value": "v"},
                        {"Key": "k", "Value": "w"}]

        with pytest.raises(ConfigValidationError) as info:
            InferenceExperimentConfig.from_boto3(sent)

        assert sorted(p.path for p in info.value.errors) == sorted([
            "name", "model_variants[1].instance_count", "schedule.end_time",
            "tags['aws:x']", "tags['k']"])

    @pytest.mark.parametrize(("data", "path"), [
        ({}, "name"),
        ({"Type": "Canary"}, "type"),
        ("not a dict", ""),
    ])
    def test_from_boto3_reports_missing_keys(self, data: Any, path: str) -> None:
        """Missing required keys and a non-dict are reported, not KeyErrors. (Unknown keys
        are ignored: see tests/test_faults.py.)"""
        with pytest.raises(ConfigValidationError) as info:
            InferenceExperimentConfig.from_boto3(data)

        assert path in [p.path for p in info.value.errors]

    def test_from_boto3_shadow_variants_must_be_one(self) -> None:
        """ShadowModelVariants must hold exactly one item."""
        data: dict[str, Any] = dict(shadow_mode().to_boto3())
        data["ShadowModelVariants"] = [*data["ShadowModelVariants"]] * 2

        with pytest.raises(ConfigValidationError) as info:
            ShadowModeConfig.from_boto3(data)

        assert [p.path for p in info.value.errors] == ["shadow_model_variants"]

    def test_from_boto3_empty_content_types(self) -> None:
        """An empty content-type list is refused (the API wants 1–10 or none)."""
        with pytest.raises(ConfigValidationError) as info:
            DataStorageConfig.from_boto3({"Destination": "s3://b/x",
                                          "ContentType": {"CsvContentTypes": []}})

        assert [p.path for p in info.value.errors] == ["csv_content_types"]

    def test_from_boto3_wrong_infrastructure_type(self) -> None:
        """Only RealTimeInference infrastructure exists."""
        data: Any = variant().to_boto3()
        data["InfrastructureConfig"]["InfrastructureType"] = "Serverless"

        with pytest.raises(ConfigValidationError) as info:
            ModelVariantConfig.from_boto3(data)

        assert [p.path for p in info.value.errors] == [
            "infrastructure_config.infrastructure_type"]


class TestSchedule:
    def test_from_now_default_is_seven_days(self) -> None:
        """from_now starts now and lasts 7 days, the service's default."""
        before = datetime.now(UTC)
        made = InferenceExperimentSchedule.from_now()

        assert made.start_time is not None
        assert before <= made.start_time <= datetime.now(UTC)
        assert made.duration == timedelta(days=7)

    def test_from_now_with_given_now(self) -> None:
        """``now`` can be given, for reproducible schedules."""
        made = InferenceExperimentSchedule.from_now(timedelta(hours=6), now=T0)

        assert made == InferenceExperimentSchedule(start_time=T0,
                                                   end_time=T0 + timedelta(hours=6))

    def test_starting_at(self) -> None:
        """starting_at runs from the given start for the duration."""
        assert InferenceExperimentSchedule.starting_at(T0, timedelta(days=30)).end_time == (
            T0 + timedelta(days=30))

    @pytest.mark.parametrize(("args", "paths"), [
        ((T0, timedelta(days=31)), ["end_time"]),
        ((T0, timedelta(0)), ["duration"]),
        ((T0, -timedelta(hours=1)), ["duration"]),
        ((T0.replace(tzinfo=None), timedelta(days=1)), ["start_time"]),
        ((T0, 7), ["duration"]),
    ])
    def test_starting_at_refuses(self, args: tuple[Any, Any], paths: list[str]) -> None:
        """Durations over 30 days, non-positive or non-timedelta durations and naive
        starts are refused with a path."""
        with pytest.raises(ConfigValidationError) as info:
            InferenceExperimentSchedule.starting_at(*args)

        assert [p.path for p in info.value.errors] == paths

    def test_duration_needs_both_ends(self) -> None:
        """duration is None unless both ends are set."""
        assert InferenceExperimentSchedule(end_time=T0).duration is None


class TestRepr:
    def test_reprs_are_readable(self) -> None:
        """reprs show the class and the fields by name, tags as a plain dict."""
        text = repr(experiment(tags={"team": "ml"}))

        assert text.startswith("InferenceExperimentConfig(name='churn-shadow', ")
        assert "tags={'team': 'ml'}" in text
        assert repr(shadow_mode()) == (
            "ShadowModeConfig(source_model_variant_name='production', "
            "shadow_model_variant_name='shadow', sampling_percentage=50)")

"""Request files: the ``--cli-input-json`` / ``--cli-input-yaml`` shape of
create-inference-experiment, read strictly and written back exactly."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from shadowtest import (
    ConfigValidationError,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    load,
)
from shadowtest.files import REQUEST_KEYS
from shadowtest.testing import sample_config
from tests.strategies import configs

FIXTURES = Path(__file__).parent / "fixtures"
UTC = timezone.utc


def request(**changes: Any) -> dict[str, Any]:
    """A valid request as a file holds it, with top-level keys replaced or (None) removed."""
    data: dict[str, Any] = {
        "Name": "churn-shadow", "Type": "ShadowMode",
        "RoleArn": "arn:aws:iam::123456789012:role/ShadowTestRole", "EndpointName": "churn",
        "ModelVariants": [
            {"ModelName": name, "VariantName": variant, "InfrastructureConfig": {
                "InfrastructureType": "RealTimeInference",
                "RealTimeInferenceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}}}
            for name, variant in (("churn-v1", "production"), ("churn-v2", "shadow"))],
        "ShadowModeConfig": {"SourceModelVariantName": "production", "ShadowModelVariants": [
            {"ShadowModelVariantName": "shadow", "SamplingPercentage": 25}]},
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def problems(error: pytest.ExceptionInfo[ConfigValidationError]) -> list[str]:
    return [str(problem) for problem in error.value.errors]


class TestWrite:
    def test_to_dict_is_the_cli_input_json_shape_with_iso_utc_timestamps(self) -> None:
        """to_dict is to_boto3 with the schedule's datetimes as ISO 8601 UTC strings."""
        paris = timezone(timedelta(hours=1))
        config = attrs.evolve(sample_config(), schedule=InferenceExperimentSchedule(
            start_time=datetime(2026, 12, 1, 10, 0, tzinfo=paris),
            end_time=datetime(2026, 12, 8, 10, 0, 0, 500000, tzinfo=paris)))
        out = config.to_dict()
        assert out["Schedule"] == {"StartTime": "2026-12-01T09:00:00Z",
                                   "EndTime": "2026-12-08T09:00:00.500000Z"}
        assert {k: v for k, v in out.items() if k != "Schedule"} == {
            k: v for k, v in config.to_boto3().items() if k != "Schedule"}
        assert json.loads(config.to_json()) == out

    # a third of the profile's examples (tests/conftest.py): building configs is the slow part
    @settings(max_examples=max(5, settings().max_examples // 3), deadline=None)
    @given(configs())
    def test_every_config_round_trips_through_json(self, config: InferenceExperimentConfig,
                                                   ) -> None:
        """from_json(to_json(c)) == c for every config the strategy builds."""
        assert InferenceExperimentConfig.from_json(config.to_json()) == config


class TestRead:
    def test_reads_the_request(self) -> None:
        config = InferenceExperimentConfig.from_json(json.dumps(request()))
        assert config == sample_config_like()

    @pytest.mark.parametrize(("given", "expected"), [
        ("2026-12-01T09:00:00Z", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("2026-12-01T09:00:00z", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("2026-12-01T11:30:00+02:30", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("2026-12-01T09:00:00.250000+00:00", datetime(2026, 12, 1, 9, 0, 0, 250000, tzinfo=UTC)),
        (1796115600, datetime(2026, 12, 1, 9, tzinfo=UTC)),  # epoch seconds
        (1796115600.5, datetime(2026, 12, 1, 9, 0, 0, 500000, tzinfo=UTC)),
    ])
    def test_timestamps_as_iso_8601_or_epoch_seconds(self, given: object,
                                                     expected: datetime) -> None:
        config = InferenceExperimentConfig.from_json(json.dumps(request(
            Schedule={"StartTime": given})))
        assert config.schedule is not None
        assert config.schedule.start_time == expected

    @pytest.mark.parametrize(("given", "message"), [
        ("2026-12-01T09:00:00", "with no time zone; add one, such as 'Z' for UTC"),
        ("next tuesday", "a timestamp is an ISO 8601 string"),
        (True, "got bool True; a timestamp is an ISO 8601 string"),
    ])
    def test_bad_timestamps_are_named(self, given: object, message: str) -> None:
        with pytest.raises(ConfigValidationError) as error:
            InferenceExperimentConfig.from_json(json.dumps(request(
                Schedule={"StartTime": given})))
        (problem,) = problems(error)
        assert problem.startswith("schedule.start_time: ")
        assert message in problem

    def test_unknown_keys_are_errors_naming_them_at_every_level(self) -> None:
        data = request(Arn="arn:aws:sagemaker:x", Tagz=[])
        data["ModelVariants"][1]["InfrastructureConfig"]["RealTimeInferenceConfig"][
            "InstanceCuont"] = 2
        data["ShadowModeConfig"]["ShadowModelVariants"][0]["Sampling"] = 5
        with pytest.raises(ConfigValidationError) as error:
            InferenceExperimentConfig.from_json(json.dumps(data))
        found = problems(error)
        assert [p.split(";")[0] for p in found] == [
            "unknown key 'Arn'",
            "unknown key 'Tagz'",
            "model_variants[1].infrastructure_config.real_time_inference_config: "
            "unknown key 'InstanceCuont'",
            "shadow_mode_config.shadow_model_variants[0]: unknown key 'Sampling'",
        ]
        assert "the request has only InstanceType, InstanceCount" in found[2]

    def test_a_missing_nested_object_is_one_problem(self) -> None:
        """A missing InfrastructureConfig is reported once, not again as 'not a dict'."""
        data = request()
        del data["ModelVariants"][0]["InfrastructureConfig"]
        with pytest.raises(ConfigValidationError) as error:
            InferenceExperimentConfig.from_json(json.dumps(data))
        assert problems(error) == [
            "model_variants[0].infrastructure_config: InfrastructureConfig is required"]

    def test_a_json_syntax_error_gives_line_and_column(self) -> None:
        text = '{\n  "Name": "churn-shadow",\n  "Type": "ShadowMode"\n  "RoleArn": "x"\n}'
        with pytest.raises(ConfigValidationError) as error:
            InferenceExperimentConfig.from_json(text)
        assert problems(error) == [
            "not valid JSON: Expecting ',' delimiter at line 4, column 3"]

    @pytest.mark.parametrize(("text", "what"), [
        ("[]", "an array"), ('"churn"', "a string"), ("null", "empty"), ("3", "a int")])
    def test_a_document_that_is_not_an_object(self, text: str, what: str) -> None:
        with pytest.raises(ConfigValidationError) as error:
            InferenceExperimentConfig.from_json(text)
        (problem,) = problems(error)
        assert problem.startswith(f"the JSON document is {what}; it must be one object")

    @pytest.mark.parametrize("text", [
        "[" * 100_000 + "]" * 100_000,
        '{"Name": "churn-shadow", "Tags": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001,
        ("[" * 100_000 + "]" * 100_000).encode(),
    ], ids=["array", "value-in-an-object", "bytes"])
    def test_a_document_nested_100000_deep_is_a_validation_error(self, text: str) -> None:
        """json's parser recurses once per level; its RecursionError is not a crash here."""
        with pytest.raises(ConfigValidationError) as error:
            InferenceExperimentConfig.from_json(text)
        assert problems(error) == [
            "the JSON document is nested too deeply to read; a create-inference-experiment "
            "request nests at most 5 levels"]

    def test_the_cli_skeleton_lists_what_to_fill_in(self) -> None:
        """`aws sagemaker create-inference-experiment --generate-cli-skeleton input` (the
        fixture) loads into one error naming every placeholder, never a crash."""
        with pytest.raises(ConfigValidationError) as error:
            load(FIXTURES / "create-inference-experiment-skeleton.json")
        paths = {problem.path for problem in error.value.errors}
        assert paths == {
            "name", "role_arn", "endpoint_name", "schedule.start_time", "schedule.end_time",
            "model_variants", "model_variants[0].model_name", "model_variants[0].variant_name",
            "model_variants[0].instance_count",
            "shadow_mode_config.source_model_variant_name",
            "shadow_mode_config.shadow_model_variant_name",
            "data_storage_config.destination", "data_storage_config.csv_content_types[0]",
            "data_storage_config.json_content_types[0]", "tags['']",
            "kms_key", "data_storage_config.kms_key",
        }


def sample_config_like() -> InferenceExperimentConfig:
    config = sample_config()
    return attrs.evolve(
        config, role_arn="arn:aws:iam::123456789012:role/ShadowTestRole",
        shadow_mode_config=attrs.evolve(config.shadow_mode_config, sampling_percentage=25))


class TestLoad:
    def test_json_and_yaml_files(self, tmp_path: Path) -> None:
        import yaml

        (tmp_path / "a.json").write_text(json.dumps(request()))
        (tmp_path / "b.yml").write_text(yaml.safe_dump(request(
            Schedule={"StartTime": "2026-12-01T09:00:00Z"})))
        assert load(tmp_path / "a.json") == sample_config_like()
        from_yaml = load(str(tmp_path / "b.yml"))
        assert from_yaml.schedule == InferenceExperimentSchedule(
            start_time=datetime(2026, 12, 1, 9, tzinfo=UTC))

    def test_yaml_syntax_error_gives_line_and_column(self, tmp_path: Path) -> None:
        (tmp_path / "c.yaml").write_text("Name: churn\nType: [ShadowMode\n")
        with pytest.raises(ConfigValidationError) as error:
            load(tmp_path / "c.yaml")
        (problem,) = problems(error)
        assert problem.startswith("not valid YAML: ")
        assert "at line 3, column 1" in problem

    @pytest.mark.parametrize(("name", "text"), [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.yaml", "- " * 100_000 + "x"),  # a sequence in a sequence ... on one line
    ])
    def test_a_file_nested_too_deep_to_parse_is_a_validation_error(
            self, tmp_path: Path, name: str, text: str) -> None:
        """One problem, never json's or PyYAML's RecursionError. (A YAML flow sequence
        ``[[[...`` that deep is refused the same way, but PyYAML's scanner takes a second
        to get there.)"""
        (tmp_path / name).write_text(text)
        with pytest.raises(ConfigValidationError) as error:
            load(tmp_path / name)
        kind = "JSON" if name.endswith(".json") else "YAML"
        assert problems(error) == [
            f"the {kind} document is nested too deeply to read; a create-inference-experiment "
            "request nests at most 5 levels"]

    def test_yaml_without_the_extra_names_the_extra(self, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now fails
        (tmp_path / "d.yaml").write_text("Name: churn\n")
        with pytest.raises(ImportError, match=r"pip install 'shadowtest\[yaml\]'"):
            load(tmp_path / "d.yaml")

    @pytest.mark.parametrize(("name", "error"), [
        ("missing.json", FileNotFoundError), (".", IsADirectoryError)])
    def test_unreadable_paths_raise_os_errors(self, tmp_path: Path, name: str,
                                              error: type[OSError]) -> None:
        with pytest.raises(error):
            load(tmp_path / name)


def test_request_keys_match_the_service_model() -> None:
    """files.REQUEST_KEYS is spelled out so reading a file needs no botocore; it must be
    the CreateInferenceExperiment request shape of the installed model, member for member."""
    from shadowtest.testing._clients import offline_sagemaker

    model = offline_sagemaker().meta.service_model
    shape = model.operation_model("CreateInferenceExperiment").input_shape

    def tree(s: Any) -> object:
        if s.type_name == "structure":
            return {name: tree(member) for name, member in s.members.items()}
        if s.type_name == "list" and s.member.type_name == "structure":
            return [tree(s.member)]
        return None

    assert tree(shape) == REQUEST_KEYS

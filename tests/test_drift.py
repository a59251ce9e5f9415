"""Drift: every constraint shadowtest hard-codes equals the installed botocore model's.

A botocore upgrade that changes a length, pattern, enum or list size fails here,
in CI, instead of in a user's request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from shadowtest import config
from shadowtest.status import EndpointStatus, ExperimentStatus, ModelVariantStatus, VariantAction
from shadowtest.testing._clients import shared_session

if TYPE_CHECKING:
    from botocore.model import ServiceModel, Shape

    from shadowtest._checks import StringRule


@pytest.fixture(scope="module")
def model() -> ServiceModel:
    return shared_session()._session.get_service_model("sagemaker")


def member(model: ServiceModel, path: str) -> Shape:
    """The shape at ``Operation.Member.Member``; ``[]`` steps into a list, ``{}`` into a
    map's values, ``{key}`` into its keys."""
    operation, *steps = path.split(".")
    shape: Any = model.operation_model(operation).input_shape
    if operation.startswith("Describe") or operation.endswith("Output"):
        shape = model.operation_model(operation.removesuffix("Output")).output_shape
    for step in steps:
        name, _, rest = step.partition("[")
        if name:
            if name == "{key}":
                shape = shape.key
                continue
            shape = shape.members[name]
        if rest:
            shape = shape.member
    return shape  # type: ignore[no-any-return]


# each string rule and every request member that uses it
STRING_MEMBERS: list[tuple[StringRule, str]] = [
    (config.EXPERIMENT_NAME, "CreateInferenceExperiment.Name"),
    (config.EXPERIMENT_NAME, "UpdateInferenceExperiment.Name"),
    (config.EXPERIMENT_NAME, "StopInferenceExperiment.Name"),
    (config.ENDPOINT_NAME, "CreateInferenceExperiment.EndpointName"),
    (config.ROLE_ARN, "CreateInferenceExperiment.RoleArn"),
    (config.DESCRIPTION, "CreateInferenceExperiment.Description"),
    (config.DESCRIPTION, "UpdateInferenceExperiment.Description"),
    (config.KMS_KEY, "CreateInferenceExperiment.KmsKey"),
    (config.KMS_KEY, "CreateInferenceExperiment.DataStorageConfig.KmsKey"),
    (config.MODEL_NAME, "CreateInferenceExperiment.ModelVariants[].ModelName"),
    (config.VARIANT_NAME, "CreateInferenceExperiment.ModelVariants[].VariantName"),
    (config.VARIANT_NAME, "CreateInferenceExperiment.ShadowModeConfig.SourceModelVariantName"),
    (config.VARIANT_NAME,
     "CreateInferenceExperiment.ShadowModeConfig.ShadowModelVariants[].ShadowModelVariantName"),
    (config.VARIANT_NAME, "StopInferenceExperiment.ModelVariantActions.{key}"),
    (config.DESTINATION, "CreateInferenceExperiment.DataStorageConfig.Destination"),
    (config.CONTENT_TYPE,
     "CreateInferenceExperiment.DataStorageConfig.ContentType.CsvContentTypes[]"),
    (config.CONTENT_TYPE,
     "CreateInferenceExperiment.DataStorageConfig.ContentType.JsonContentTypes[]"),
    (config.TAG_KEY, "CreateInferenceExperiment.Tags[].Key"),
    (config.TAG_VALUE, "CreateInferenceExperiment.Tags[].Value"),
    (config.NAME_CONTAINS, "ListInferenceExperiments.NameContains"),
    (config.STATUS_REASON, "StopInferenceExperiment.Reason"),
]

# (our value, member path, the model's metadata key)
SIZES: list[tuple[int, str, str]] = [
    (config.MAX_MODEL_VARIANTS, "CreateInferenceExperiment.ModelVariants", "max"),
    (config.MAX_MODEL_VARIANTS, "UpdateInferenceExperiment.ModelVariants", "max"),
    (config.MAX_MODEL_VARIANTS, "StopInferenceExperiment.DesiredModelVariants", "max"),
    (1, "StopInferenceExperiment.DesiredModelVariants", "min"),
    (config.MAX_CONTENT_TYPES,
     "CreateInferenceExperiment.DataStorageConfig.ContentType.CsvContentTypes", "max"),
    (config.MAX_CONTENT_TYPES,
     "CreateInferenceExperiment.DataStorageConfig.ContentType.JsonContentTypes", "max"),
    (1, "CreateInferenceExperiment.DataStorageConfig.ContentType.CsvContentTypes", "min"),
    (config.MAX_TAGS, "CreateInferenceExperiment.Tags", "max"),
    (config.MAX_VARIANT_ACTIONS, "StopInferenceExperiment.ModelVariantActions", "max"),
    (1, "StopInferenceExperiment.ModelVariantActions", "min"),
    (config.MAX_LIST_RESULTS, "ListInferenceExperiments.MaxResults", "max"),
    (1, "ListInferenceExperiments.MaxResults", "min"),
    (1, "CreateInferenceExperiment.ShadowModeConfig.ShadowModelVariants", "min"),
    (1, "CreateInferenceExperiment.ShadowModeConfig.ShadowModelVariants", "max"),
    (config.MAX_SAMPLING_PERCENTAGE,
     "CreateInferenceExperiment.ShadowModeConfig.ShadowModelVariants[].SamplingPercentage",
     "max"),
]

ENUMS: list[tuple[list[str], str]] = [
    ([config.EXPERIMENT_TYPE], "CreateInferenceExperiment.Type"),
    ([config.INFRASTRUCTURE_TYPE],
     "CreateInferenceExperiment.ModelVariants[].InfrastructureConfig.InfrastructureType"),
    (list(config.SORT_BY), "ListInferenceExperiments.SortBy"),
    (list(config.SORT_ORDER), "ListInferenceExperiments.SortOrder"),
    (list(config.STOP_DESIRED_STATES), "StopInferenceExperiment.DesiredState"),
    ([s.value for s in ExperimentStatus], "ListInferenceExperiments.StatusEquals"),
    ([a.value for a in VariantAction], "StopInferenceExperiment.ModelVariantActions.{}"),
    ([s.value for s in ModelVariantStatus], "DescribeInferenceExperiment.ModelVariants[].Status"),
    ([s.value for s in EndpointStatus],
     "DescribeInferenceExperiment.EndpointMetadata.EndpointStatus"),
]


class TestDrift:
    @pytest.mark.parametrize(("rule", "path"), STRING_MEMBERS,
                             ids=[path for _, path in STRING_MEMBERS])
    def test_string_rules_match_the_model(
        self, model: ServiceModel, rule: StringRule, path: str
    ) -> None:
        """Length limits and the pattern text equal the model's, member by member."""
        shape = member(model, path)
        meta = shape.metadata

        assert (rule.min_len, rule.max_len, rule.pattern) == (
            meta.get("min", 0), meta["max"], meta["pattern"]), shape.name
        assert rule.shape in (shape.name, "CsvContentType")

    def test_every_string_rule_is_checked(self) -> None:
        """No rule of config.STRING_RULES escapes the comparison above."""
        assert {id(rule) for rule, _ in STRING_MEMBERS} == {id(r) for r in config.STRING_RULES}

    @pytest.mark.parametrize(("ours", "path", "key"), SIZES, ids=[f"{p}.{k}" for _, p, k in SIZES])
    def test_sizes_match_the_model(
        self, model: ServiceModel, ours: int, path: str, key: str
    ) -> None:
        """List sizes, map sizes and integer bounds equal the model's."""
        assert member(model, path).metadata[key] == ours

    @pytest.mark.parametrize(("ours", "path"), ENUMS, ids=[p for _, p in ENUMS])
    def test_enums_match_the_model(self, model: ServiceModel, ours: list[str], path: str) -> None:
        """Every enum shadowtest spells out has exactly the model's values."""
        if path.endswith(".{}"):
            shape: Any = member(model, path.removesuffix(".{}")).value  # type: ignore[attr-defined]
        else:
            shape = member(model, path)

        assert sorted(ours) == sorted(shape.enum)

    def test_minimums_we_raise_are_looser_in_the_model(self, model: ServiceModel) -> None:
        """Our stricter minimums (SPEC §7.4) sit above the model's: instance count >= 1
        (model: >= 0), sampling >= 0 (model: none)."""
        count = member(model, "CreateInferenceExperiment.ModelVariants[].InfrastructureConfig"
                              ".RealTimeInferenceConfig.InstanceCount")
        sampling = member(model, "CreateInferenceExperiment.ShadowModeConfig"
                                 ".ShadowModelVariants[].SamplingPercentage")

        assert count.metadata["min"] == 0
        assert "min" not in sampling.metadata

    def test_instance_type_form_accepts_every_model_type(self, model: ServiceModel) -> None:
        """The ml.<family>.<size> form check refuses none of the model's instance types
        except the excluded Inf1 family."""
        shape: Any = model.shape_for("ProductionVariantInstanceType")
        refused = [t for t in shape.enum if not config.INSTANCE_TYPE.matches(t)]
        inf1 = [t for t in shape.enum if t.startswith("ml.inf1.")]

        assert refused == []
        assert inf1, "the model no longer lists ml.inf1.*: drop the exclusion"

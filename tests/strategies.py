"""Hypothesis strategies for valid shadowtest configs, drawn from the service model's rules."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import botocore.session
from hypothesis import strategies as st

from shadowtest import (
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest import config as rules

if TYPE_CHECKING:
    from shadowtest._checks import StringRule

_MODEL = botocore.session.get_session().get_service_model("sagemaker")
INSTANCE_TYPES = sorted(t for t in _MODEL.shape_for("ProductionVariantInstanceType").enum  # type: ignore[attr-defined]
                        if not t.startswith("ml.inf1."))


def text_for(rule: StringRule, *, min_size: int = 0) -> st.SearchStrategy[str]:
    """Strings that fully match ``rule``'s pattern and fit its length limits."""
    low = max(rule.min_len, min_size)
    if "\\p{" in rule.pattern:
        alphabet = st.characters(categories=["L", "Z", "N"]) | st.sampled_from("_.:/=+-@")
        return st.text(alphabet, min_size=low, max_size=min(rule.max_len, 40))
    regex = re.compile(rule.pattern, re.ASCII)
    return st.from_regex(regex, fullmatch=True).filter(lambda s: low <= len(s) <= rule.max_len)


names = text_for(rules.EXPERIMENT_NAME)
variant_names = text_for(rules.VARIANT_NAME, min_size=1)
content_types = text_for(rules.CONTENT_TYPE)
tag_keys = text_for(rules.TAG_KEY).filter(lambda k: not k.lower().startswith("aws:"))


def variants(name: str) -> st.SearchStrategy[ModelVariantConfig]:
    return st.builds(ModelVariantConfig, model_name=text_for(rules.MODEL_NAME, min_size=1),
                     variant_name=st.just(name), instance_type=st.sampled_from(INSTANCE_TYPES),
                     instance_count=st.integers(1, 1000))


zones = st.builds(timezone, st.timedeltas(min_value=-timedelta(hours=14),
                                          max_value=timedelta(hours=14)))
aware = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                     timezones=zones)


@st.composite
def schedules(draw: st.DrawFn) -> InferenceExperimentSchedule:
    start = draw(st.none() | aware)
    if start is None:
        return InferenceExperimentSchedule(end_time=draw(st.none() | aware))
    duration = draw(st.none() | st.timedeltas(min_value=timedelta(microseconds=1),
                                              max_value=rules.MAX_DURATION))
    return InferenceExperimentSchedule(start_time=start,
                                       end_time=None if duration is None else start + duration)


storages = st.builds(
    DataStorageConfig,
    destination=text_for(rules.DESTINATION),
    kms_key=st.none() | text_for(rules.KMS_KEY, min_size=1),
    csv_content_types=st.lists(content_types, max_size=10),
    json_content_types=st.lists(content_types, max_size=10),
)


@st.composite
def configs(draw: st.DrawFn) -> InferenceExperimentConfig:
    source, shadow = draw(st.lists(variant_names, min_size=2, max_size=2, unique=True))
    optional: dict[str, Any] = {
        "schedule": st.none() | schedules(),
        "description": st.none() | text_for(rules.DESCRIPTION),
        "data_storage_config": st.none() | storages,
        "kms_key": st.none() | text_for(rules.KMS_KEY, min_size=1),
        "tags": st.none() | st.dictionaries(tag_keys, text_for(rules.TAG_VALUE), max_size=50),
    }
    return InferenceExperimentConfig(
        name=draw(names),
        endpoint_name=draw(text_for(rules.ENDPOINT_NAME, min_size=1)),
        role_arn=draw(text_for(rules.ROLE_ARN)),
        model_variants=draw(st.permutations([draw(variants(source)), draw(variants(shadow))])),
        shadow_mode_config=ShadowModeConfig(
            source_model_variant_name=source, shadow_model_variant_name=shadow,
            sampling_percentage=draw(st.integers(0, 100))),
        **{field: draw(strategy) for field, strategy in optional.items()},
    )

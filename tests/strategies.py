"""Hypothesis strategies for valid shadowtest configs, drawn from the service model's rules."""

from __future__ import annotations

import re
import string
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from shadowtest import (
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest import config as rules
from shadowtest.testing._clients import shared_session

if TYPE_CHECKING:
    from shadowtest._checks import StringRule

_MODEL = shared_session()._session.get_service_model("sagemaker")
INSTANCE_TYPES = sorted(t for t in _MODEL.shape_for("ProductionVariantInstanceType").enum  # type: ignore[attr-defined]
                        if not t.startswith("ml.inf1."))


_ALNUM = string.ascii_letters + string.digits
# Every code point but the surrogates: the alphabet st.text() and st.from_regex() draw from
# by default (characters(codec="utf-8")), named by category. Hypothesis builds the codec's
# table by encoding all 1.1 million code points, 2-3 s in each worker of a fresh clone (no
# .hypothesis cache yet); the categories cost nothing.
UTF8 = st.characters(exclude_categories=["Cs"])


def _hyphenated(rest: str, max_size: int) -> st.SearchStrategy[str]:
    """``[a-zA-Z0-9](-*[rest])*`` of at most ``max_size`` characters, built directly:
    ``from_regex`` plus a length filter took 2–8 ms an example, most of the config
    strategy's time (the length limits' edges are tested in test_config.py)."""
    return st.builds(lambda head, parts: head + "".join("-" * n + c for n, c in parts),
                     st.sampled_from(_ALNUM),
                     st.lists(st.tuples(st.integers(0, 2), st.sampled_from(rest)),
                              max_size=(max_size - 1) // 3))


# Patterns built directly (checked against the model's own by test_properties.py)
_BUILT: dict[str, st.SearchStrategy[str]] = {
    # [a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}, 1-120
    rules.EXPERIMENT_NAME.shape: _hyphenated(_ALNUM, 120),
    # [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}, 1-63
    rules.ENDPOINT_NAME.shape: _hyphenated(_ALNUM, 63),
    # [a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?, 1-63
    rules.MODEL_NAME.shape: _hyphenated(_ALNUM, 63),
    rules.VARIANT_NAME.shape: _hyphenated(_ALNUM, 63),
    # arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+
    rules.ROLE_ARN.shape: st.builds(
        lambda partition, account, path: f"arn:aws{partition}:iam::{account}:role/{path}",
        st.sampled_from(["", "-cn", "-us-gov"]), st.integers(0, 10**12 - 1).map("{:012d}".format),
        st.text(_ALNUM + "+=,.@-_/", min_size=1, max_size=60)),
}


def text_for(rule: StringRule, *, min_size: int = 0) -> st.SearchStrategy[str]:
    """Strings that fully match ``rule``'s pattern and fit its length limits."""
    low = max(rule.min_len, min_size)
    if rule.shape in _BUILT:
        return _BUILT[rule.shape]
    if "\\p{" in rule.pattern:
        alphabet = st.characters(categories=["L", "Z", "N"]) | st.sampled_from("_.:/=+-@")
        return st.text(alphabet, min_size=low, max_size=min(rule.max_len, 40))
    regex = re.compile(rule.pattern, re.ASCII)
    return st.from_regex(regex, fullmatch=True, alphabet=UTF8).filter(
        lambda s: low <= len(s) <= rule.max_len)


names = text_for(rules.EXPERIMENT_NAME)
variant_names = text_for(rules.VARIANT_NAME, min_size=1)
# the model's ``[a-zA-Z0-9](-*[a-zA-Z0-9])*\/[a-zA-Z0-9](-*[a-zA-Z0-9.])*``, at most 183 long
content_types = st.builds(lambda kind, sub: f"{kind}/{sub}", _hyphenated(_ALNUM, 91),
                          _hyphenated(_ALNUM + ".", 91))
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

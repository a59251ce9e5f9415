"""Properties over every config hypothesis can build, and over randomly broken input."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
import regex
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shadowtest import ConfigValidationError, InferenceExperimentConfig
from shadowtest.testing._clients import shared_session

from .strategies import UTF8, configs

if TYPE_CHECKING:
    from botocore.model import Shape

_OPERATION = shared_session()._session.get_service_model("sagemaker").operation_model(
    "CreateInferenceExperiment")


def _input_shape() -> Shape:
    shape = _OPERATION.input_shape
    assert shape is not None
    return shape


_INPUT = _input_shape()
# max_examples comes from the Hypothesis profile (tests/conftest.py): a few dozen in the
# everyday run, many more with HYPOTHESIS_PROFILE=thorough.
_SETTINGS = settings(deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def model_violations(value: Any, shape: Shape, path: str = "") -> list[str]:
    """Every max length and pattern of the model that ``value`` breaks (botocore's own
    validator checks neither)."""
    found: list[str] = []
    if shape.type_name == "structure":
        for name, sub in shape.members.items():  # type: ignore[attr-defined]
            if name in value:
                found += model_violations(value[name], sub, f"{path}.{name}")
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            found += model_violations(item, shape.member, f"{path}[{i}]")  # type: ignore[attr-defined]
        if "max" in shape.metadata and len(value) > shape.metadata["max"]:
            found.append(f"{path}: more than {shape.metadata['max']} items")
    elif shape.type_name == "string":
        meta = shape.metadata
        if len(value) > meta.get("max", len(value)):
            found.append(f"{path}: longer than {meta['max']}")
        pattern = meta.get("pattern")
        if pattern is not None:
            # an engine independent of the implementation's: the `regex` package reads the
            # model's \p{...} classes as they are written
            ok = (regex.fullmatch(pattern, value) is not None if "\\p{" in pattern
                  else re.fullmatch(pattern, value, re.ASCII) is not None)
            if not ok:
                found.append(f"{path}: does not match {pattern}")
        if shape.enum and value not in shape.enum:  # type: ignore[attr-defined]
            found.append(f"{path}: not in the enum")
    elif shape.type_name == "integer" and value > shape.metadata.get("max", value):
        found.append(f"{path}: above {shape.metadata['max']}")
    return found


class TestValidConfigs:
    @_SETTINGS
    @given(configs())
    def test_botocore_accepts_every_config(self, config: InferenceExperimentConfig) -> None:
        """botocore's ParamValidator finds nothing wrong with any config we accept."""
        report = ParamValidator().validate(config.to_boto3(), _INPUT)

        assert not report.has_errors(), report.generate_report()

    @_SETTINGS
    @given(configs())
    def test_every_config_meets_every_model_constraint(
        self, config: InferenceExperimentConfig
    ) -> None:
        """Every string fits the model's max length and pattern, every enum and list size
        holds — the checks botocore leaves to the service."""
        assert model_violations(config.to_boto3(), _INPUT) == []

    @_SETTINGS
    @given(configs())
    def test_round_trip(self, config: InferenceExperimentConfig) -> None:
        """from_boto3(to_boto3(c)) == c for every valid config."""
        assert InferenceExperimentConfig.from_boto3(config.to_boto3()) == config


# Replacements no leaf of its kind accepts
_BAD_STRINGS: st.SearchStrategy[object] = st.sampled_from([None, 7, 1.5, True, [], {}, "bad\n#"])
_BAD_INTS = {"InstanceCount": st.sampled_from([None, "5", 2.5, True, 0, -1]),
             "SamplingPercentage": st.sampled_from([None, "5", 2.5, False, -1, 101])}
_BAD_TIMES = st.sampled_from([None, "2026-01-01", datetime(2026, 1, 1), 0])
_OPTIONAL_LEAVES = {"StartTime", "EndTime", "KmsKey", "Description"}


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        return [leaf for key, sub in value.items() for leaf in _leaves(sub, (*path, key))]
    if isinstance(value, list):
        return [leaf for i, sub in enumerate(value) for leaf in _leaves(sub, (*path, i))]
    return [(path, value)]


@st.composite
def broken_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A valid request with one leaf replaced by a value invalid for it, or a required
    leaf removed."""
    request: dict[str, Any] = dict(draw(configs()).to_boto3())
    path, old = draw(st.sampled_from(_leaves(request)))
    *parents, last = path
    holder: Any = request
    for step in parents:
        holder = holder[step]
    if isinstance(last, str) and last not in _OPTIONAL_LEAVES and draw(st.booleans()):
        del holder[last]
    elif isinstance(old, datetime):
        holder[last] = draw(_BAD_TIMES)
    elif isinstance(old, int):
        holder[last] = draw(_BAD_INTS[last])
    else:
        holder[last] = draw(_BAD_STRINGS)
    return request


class TestBrokenInput:
    @_SETTINGS
    @given(broken_requests())
    def test_broken_requests_raise_config_validation_error(self, request: dict[str, Any]) -> None:
        """Any broken request gives ConfigValidationError, never another exception."""
        with pytest.raises(ConfigValidationError) as caught:
            InferenceExperimentConfig.from_boto3(request)
        assert caught.value.errors

    @_SETTINGS
    @given(st.dictionaries(st.sampled_from(["name", "endpoint_name", "role_arn",
                                            "model_variants", "shadow_mode_config", "schedule",
                                            "description", "data_storage_config", "kms_key",
                                            "tags"]),
                           st.none() | st.integers() | st.text(UTF8) | st.lists(st.integers())
                           | st.dictionaries(st.text(UTF8), st.text(UTF8)) | st.datetimes(),
                           min_size=5))
    def test_junk_arguments_raise_config_validation_error(self, kwargs: dict[str, Any]) -> None:
        """Junk of any type in any field gives ConfigValidationError, never another error."""
        # Only a missing required keyword may be a (Python's own) TypeError.
        with pytest.raises((ConfigValidationError, TypeError)) as caught:
            InferenceExperimentConfig(**kwargs)
        if isinstance(caught.value, ConfigValidationError):
            assert caught.value.errors
        else:
            assert "required" in str(caught.value)

"""Request files: the JSON (or YAML) that ``aws sagemaker create-inference-experiment
--cli-input-json`` takes, read into an :class:`~shadowtest.InferenceExperimentConfig`.

The file holds the request's PascalCase keys, exactly as the AWS CLI reads them;
timestamps are ISO 8601 strings with a UTC offset (``"2026-12-01T09:00:00Z"``) or
epoch seconds. Reading is strict where ``from_boto3`` is lenient: a key the request
does not have is an error naming it (a typo must not be dropped silently), and a
timestamp without a time zone is refused rather than guessed.

>>> from shadowtest import load
>>> config = load("shadow-test.json")  # doctest: +SKIP

Nothing here imports boto3 or botocore, so checking a file needs neither AWS
credentials nor the time it takes to import them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final

from shadowtest._checks import show
from shadowtest.errors import ConfigValidationError, Problem

if TYPE_CHECKING:
    from shadowtest.config import InferenceExperimentConfig

__all__ = ["REQUEST_KEYS", "YAML_SUFFIXES", "config_from_data", "config_from_json",
           "config_from_yaml", "load"]

#: The members of the CreateInferenceExperiment request, nested as in the request
#: (a one-item list stands for "a list of these"); ``None`` marks a value. Spelled out
#: so that reading a file needs no botocore; tests/test_drift.py compares it with the
#: service model.
REQUEST_KEYS: Final[Mapping[str, object]] = {
    "Name": None,
    "Type": None,
    "Schedule": {"StartTime": None, "EndTime": None},
    "Description": None,
    "RoleArn": None,
    "EndpointName": None,
    "ModelVariants": [{
        "ModelName": None,
        "VariantName": None,
        "InfrastructureConfig": {
            "InfrastructureType": None,
            "RealTimeInferenceConfig": {"InstanceType": None, "InstanceCount": None},
        },
    }],
    "DataStorageConfig": {
        "Destination": None,
        "KmsKey": None,
        "ContentType": {"CsvContentTypes": None, "JsonContentTypes": None},
    },
    "ShadowModeConfig": {
        "SourceModelVariantName": None,
        "ShadowModelVariants": [{"ShadowModelVariantName": None, "SamplingPercentage": None}],
    },
    "KmsKey": None,
    "Tags": [{"Key": None, "Value": None}],
}

YAML_SUFFIXES: Final = (".yaml", ".yml")
_SUBJECT: Final = "InferenceExperimentConfig"
_UTC: Final = timezone.utc


def config_from_json(text: str | bytes) -> InferenceExperimentConfig:
    """Read the ``--cli-input-json`` text of create-inference-experiment.

    Raises :class:`ConfigValidationError` listing every problem: a JSON syntax error
    (with its line and column), a document that is not one object, unknown keys,
    timestamps without a time zone, and every rule the config itself checks.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigValidationError(
            [Problem("", f"not valid JSON: {error.msg} at line {error.lineno}, "
                         f"column {error.colno}")], subject=_SUBJECT) from None
    except UnicodeDecodeError as error:
        raise ConfigValidationError(
            [Problem("", f"not valid JSON: not UTF-8 text ({error.reason} at byte "
                         f"{error.start})")], subject=_SUBJECT) from None
    except RecursionError:  # the parser recurses once per level of nesting
        raise _too_deep("JSON") from None
    return config_from_data(data, "JSON")


def config_from_yaml(text: str | bytes) -> InferenceExperimentConfig:
    """Read the ``--cli-input-yaml`` text of create-inference-experiment (needs the
    ``yaml`` extra: ``pip install 'shadowtest[yaml]'``)."""
    yaml = _yaml()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"
        what = getattr(error, "problem", None) or type(error).__name__
        raise ConfigValidationError([Problem("", f"not valid YAML: {what}{where}")],
                                    subject=_SUBJECT) from None
    except RecursionError:  # PyYAML composes and constructs nested nodes recursively
        raise _too_deep("YAML") from None
    return config_from_data(data, "YAML")


def _too_deep(kind: str) -> ConfigValidationError:
    """A document nested deeper than the parser can follow: far past any request, which
    nests objects and lists five levels deep (ModelVariants[0].InfrastructureConfig...)."""
    return ConfigValidationError(
        [Problem("", f"the {kind} document is nested too deeply to read; a "
                     "create-inference-experiment request nests at most 5 levels")],
        subject=_SUBJECT)


def load(path: str | os.PathLike[str]) -> InferenceExperimentConfig:
    """Read a create-inference-experiment request file into a validated config.

    ``.yaml`` / ``.yml`` files are read as YAML (the ``yaml`` extra), anything
    else as JSON. Raises :class:`ConfigValidationError` for a file whose content is
    wrong, :class:`OSError` (``FileNotFoundError``, ``IsADirectoryError``, ...) for a
    path that cannot be read, and :class:`ImportError` naming the extra for YAML
    without PyYAML.

    >>> config = load("shadow-test.json")  # doctest: +SKIP
    >>> client.apply(config)  # doctest: +SKIP
    """
    path = os.fspath(path)
    yaml = path.lower().endswith(YAML_SUFFIXES)
    if yaml:
        _yaml()  # without the extra, say so before reading the file
    with open(path, "rb") as file:
        text = file.read()
    return config_from_yaml(text) if yaml else config_from_json(text)


def _yaml() -> Any:
    """The ``yaml`` module of the optional extra, or an ImportError that names the extra."""
    try:
        import yaml
    except ImportError:
        raise ImportError("reading YAML needs PyYAML: pip install 'shadowtest[yaml]' "
                          "(or give the request as JSON)") from None
    return yaml


def config_from_data(data: object, kind: str = "JSON") -> InferenceExperimentConfig:
    """A config from a parsed request document (``kind`` names its format in messages)."""
    from shadowtest.config import InferenceExperimentConfig

    if not isinstance(data, Mapping):
        what = {list: "an array", str: "a string", type(None): "empty"}.get(
            type(data), f"a {type(data).__name__}")
        raise ConfigValidationError(
            [Problem("", f"the {kind} document is {what}; it must be one object holding the "
                         "create-inference-experiment request (Name, RoleArn, EndpointName, "
                         "ModelVariants, ShadowModeConfig, ...)")], subject=_SUBJECT)
    problems: list[Problem] = []
    request = _known(data, REQUEST_KEYS, "", problems)
    schedule = request.get("Schedule")
    if isinstance(schedule, Mapping):
        times = {key: _timestamp(value, f"schedule.{_snake(key)}", problems)
                 for key, value in schedule.items()}
        # a time that could not be read is reported once, here, and left out of the rest
        request["Schedule"] = {key: value for key, value in times.items() if value is not None}
    try:
        config = InferenceExperimentConfig.from_boto3(request)
    except ConfigValidationError as error:
        seen = set(problems)
        problems += [p for p in error.errors if p not in seen]
        raise ConfigValidationError(problems, subject=_SUBJECT) from None
    if problems:
        raise ConfigValidationError(problems, subject=_SUBJECT)
    return config


def _known(data: Mapping[Any, Any], keys: Mapping[str, object], path: str,
           problems: list[Problem]) -> dict[str, Any]:
    """``data`` without the keys the request does not have, each reported under ``path``;
    nested objects and lists of objects are pruned the same way."""
    out: dict[str, Any] = {}
    unknown = [key for key in data if key not in keys]
    if unknown:
        expected = ", ".join(keys)
        problems.extend(Problem(path, f"unknown key {show(key)}; the request has only "
                                      f"{expected}") for key in unknown)
    for key, value in data.items():
        if key not in keys:
            continue
        inner = keys[key]
        where = _join(path, _snake(key))
        if isinstance(inner, Mapping) and isinstance(value, Mapping):
            out[key] = _known(value, inner, where, problems)
        elif isinstance(inner, list) and isinstance(value, list):
            out[key] = [_known(item, inner[0], f"{where}[{i}]", problems)
                        if isinstance(item, Mapping) else item
                        for i, item in enumerate(value)]
        else:
            out[key] = value
    return out


def _timestamp(value: object, path: str, problems: list[Problem]) -> datetime | None:
    """An aware datetime from an ISO 8601 string or epoch seconds; else ``None``, with the
    problem recorded."""
    if isinstance(value, datetime):  # YAML reads timestamps itself
        parsed = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, _UTC)
        except (OverflowError, OSError, ValueError):
            problems.append(Problem(path, f"got {value!r}; not a time as epoch seconds"))
            return None
    elif isinstance(value, str):
        text = value.strip()
        try:
            # Python 3.10's fromisoformat does not read the "Z" suffix
            parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" and text
                                            else text)
        except ValueError:
            problems.append(Problem(path, f"got {show(value)}; a timestamp is an ISO 8601 "
                                          "string such as '2026-12-01T09:00:00Z', or epoch "
                                          "seconds"))
            return None
    else:
        problems.append(Problem(path, f"got {type(value).__name__} {show(value)}; a timestamp "
                                      "is an ISO 8601 string such as '2026-12-01T09:00:00Z', "
                                      "or epoch seconds"))
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        problems.append(Problem(path, f"got {show(value)} with no time zone; add one, such as "
                                      "'Z' for UTC (shadowtest never guesses a time zone)"))
        return None
    return parsed


def _snake(key: str) -> str:
    """``RealTimeInferenceConfig`` -> ``real_time_inference_config`` (the config's names)."""
    out = [key[0].lower()]
    for ch in key[1:]:
        out.append("_" + ch.lower() if ch.isupper() else ch)
    return "".join(out)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name

"""The create-inference-experiment request document, read without building anything.

A request file holds the request's PascalCase keys, exactly as the AWS CLI's
``--cli-input-json`` reads them; timestamps are ISO 8601 strings with a UTC offset
(``"2026-12-01T09:00:00Z"``) or epoch seconds. Reading is strict where ``from_boto3`` is
lenient: a key the request does not have is an error naming it (a typo must not be
dropped silently), and a timestamp without a time zone is refused rather than guessed.

This module parses the text (:func:`parse_json`, :func:`parse_yaml`) and prunes and reads
the document (:func:`read_request`), handing the request to a builder it is given
(``InferenceExperimentConfig.from_boto3``). It imports no config class, so
``InferenceExperimentConfig.from_json`` and :mod:`shadowtest.files` (``load``) both build
on it and imports run one way: files -> config -> here. Nothing here imports boto3 or
botocore.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final, TypeVar

from shadowtest._checks import show
from shadowtest.errors import ConfigValidationError, Problem

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["REQUEST_KEYS", "SUBJECT", "YAML_SUFFIXES", "parse_json", "parse_yaml",
           "read_request", "yaml_module"]

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
SUBJECT: Final = "InferenceExperimentConfig"
"""What the errors of reading a request document are about."""
_UTC: Final = timezone.utc


def parse_json(text: str | bytes) -> object:
    """The document of ``--cli-input-json`` text; a JSON syntax error (with its line and
    column), bytes that are not UTF-8 or nesting too deep to parse is a
    :class:`ConfigValidationError`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigValidationError(
            [Problem("", f"not valid JSON: {error.msg} at line {error.lineno}, "
                         f"column {error.colno}")], subject=SUBJECT) from None
    except UnicodeDecodeError as error:
        raise ConfigValidationError(
            [Problem("", f"not valid JSON: not UTF-8 text ({error.reason} at byte "
                         f"{error.start})")], subject=SUBJECT) from None
    except RecursionError:  # the parser recurses once per level of nesting
        raise _too_deep("JSON") from None
    return data


def parse_yaml(text: str | bytes) -> object:
    """The document of ``--cli-input-yaml`` text (needs the ``yaml`` extra: ``pip install
    'shadowtest[yaml]'``); a syntax error is a :class:`ConfigValidationError`."""
    yaml = yaml_module()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"
        what = getattr(error, "problem", None) or type(error).__name__
        raise ConfigValidationError([Problem("", f"not valid YAML: {what}{where}")],
                                    subject=SUBJECT) from None
    except RecursionError:  # PyYAML composes and constructs nested nodes recursively
        raise _too_deep("YAML") from None
    return data


def _too_deep(kind: str) -> ConfigValidationError:
    """A document nested deeper than the parser can follow: far past any request, which
    nests objects and lists five levels deep (ModelVariants[0].InfrastructureConfig...)."""
    return ConfigValidationError(
        [Problem("", f"the {kind} document is nested too deeply to read; a "
                     "create-inference-experiment request nests at most 5 levels")],
        subject=SUBJECT)


def yaml_module() -> Any:
    """The ``yaml`` module of the optional extra, or an ImportError that names the extra."""
    try:
        import yaml
    except ImportError:
        raise ImportError("reading YAML needs PyYAML: pip install 'shadowtest[yaml]' "
                          "(or give the request as JSON)") from None
    return yaml


C = TypeVar("C")


def read_request(data: object, kind: str, build: Callable[[Mapping[str, object]], C]) -> C:
    """``build(request)`` for a parsed request document (``kind`` names its format in
    messages): the document's unknown keys and unreadable timestamps, and every problem
    ``build`` raises, in one :class:`ConfigValidationError`."""
    if not isinstance(data, Mapping):
        what = {list: "an array", str: "a string", type(None): "empty"}.get(
            type(data), f"a {type(data).__name__}")
        raise ConfigValidationError(
            [Problem("", f"the {kind} document is {what}; it must be one object holding the "
                         "create-inference-experiment request (Name, RoleArn, EndpointName, "
                         "ModelVariants, ShadowModeConfig, ...)")], subject=SUBJECT)
    problems: list[Problem] = []
    request = _known(data, REQUEST_KEYS, "", problems)
    schedule = request.get("Schedule")
    if isinstance(schedule, Mapping):
        times = {key: _timestamp(value, f"schedule.{_snake(key)}", problems)
                 for key, value in schedule.items()}
        # a time that could not be read is reported once, here, and left out of the rest
        request["Schedule"] = {key: value for key, value in times.items() if value is not None}
    try:
        built = build(request)
    except ConfigValidationError as error:
        seen = set(problems)
        problems += [p for p in error.errors if p not in seen]
        raise ConfigValidationError(problems, subject=SUBJECT) from None
    if problems:
        raise ConfigValidationError(problems, subject=SUBJECT)
    return built


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

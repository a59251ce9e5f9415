"""Request files: the JSON (or YAML) that ``aws sagemaker create-inference-experiment
--cli-input-json`` takes, read into an :class:`~shadowtest.InferenceExperimentConfig`.

The file holds the request's PascalCase keys, exactly as the AWS CLI reads them;
timestamps are ISO 8601 strings with a UTC offset (``"2026-12-01T09:00:00Z"``) or
epoch seconds. Reading is strict where ``from_boto3`` is lenient: a key the request
does not have is an error naming it (a typo must not be dropped silently), and a
timestamp without a time zone is refused rather than guessed (the rules of reading
are in :mod:`shadowtest._request`, which ``InferenceExperimentConfig.from_json`` uses too).

>>> from shadowtest import load
>>> config = load("shadow-test.json")  # doctest: +SKIP

Nothing here imports boto3 or botocore, so checking a file needs neither AWS
credentials nor the time it takes to import them.
"""

from __future__ import annotations

import os

from shadowtest._request import (
    REQUEST_KEYS,
    YAML_SUFFIXES,
    parse_yaml,
    read_request,
    yaml_module,
)
from shadowtest.config import InferenceExperimentConfig

__all__ = ["REQUEST_KEYS", "YAML_SUFFIXES", "config_from_data", "config_from_json",
           "config_from_yaml", "load"]


def config_from_json(text: str | bytes) -> InferenceExperimentConfig:
    """Read the ``--cli-input-json`` text of create-inference-experiment.

    Raises :class:`ConfigValidationError` listing every problem: a JSON syntax error
    (with its line and column), a document that is not one object, unknown keys,
    timestamps without a time zone, and every rule the config itself checks.
    """
    return InferenceExperimentConfig.from_json(text)


def config_from_yaml(text: str | bytes) -> InferenceExperimentConfig:
    """Read the ``--cli-input-yaml`` text of create-inference-experiment (needs the
    ``yaml`` extra: ``pip install 'shadowtest[yaml]'``)."""
    return config_from_data(parse_yaml(text), "YAML")


def config_from_data(data: object, kind: str = "JSON") -> InferenceExperimentConfig:
    """A config from a parsed request document (``kind`` names its format in messages)."""
    return read_request(data, kind, InferenceExperimentConfig.from_boto3)


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
        yaml_module()  # without the extra, say so before reading the file
    with open(path, "rb") as file:
        text = file.read()
    return config_from_yaml(text) if yaml else config_from_json(text)

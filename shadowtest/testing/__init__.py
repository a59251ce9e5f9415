"""Test your own shadow-test code offline.

- :class:`FakeSageMaker`: a stateful, in-memory SageMaker for the seven
  ``*InferenceExperiment`` operations, plugged into a real boto3 client
  (botocore still validates and serialises every request), with a clock you
  move yourself and fault injection.
- :class:`ExperimentStubber`: botocore's ``Stubber`` with typed ``expect_*``
  methods whose expected requests come from your config objects.
- :func:`describe_response`: a realistic, service-model-valid describe response
  for a config in a status.
- :func:`sample_config`: a valid config to change one thing of.
- A pytest plugin (loaded automatically once shadowtest is installed) with the
  fixtures ``fake_sagemaker``, ``experiment_client``, ``experiment_stubber`` and
  ``aws_test_environment``.

Importing this module does not import boto3; the two classes are loaded on
first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shadowtest.testing._samples import SAMPLE_ROLE_ARN, sample_config

if TYPE_CHECKING:
    from shadowtest.testing._fake import FakeSageMaker
    from shadowtest.testing._stubber import ExperimentStubber, describe_response

__all__ = [
    "SAMPLE_ROLE_ARN",
    "ExperimentStubber",
    "FakeSageMaker",
    "describe_response",
    "sample_config",
]

_LAZY = {
    "FakeSageMaker": "shadowtest.testing._fake",
    "ExperimentStubber": "shadowtest.testing._stubber",
    "describe_response": "shadowtest.testing._stubber",
}


def __getattr__(name: str) -> Any:
    # botocore is imported only when a test double is first used
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'shadowtest.testing' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)

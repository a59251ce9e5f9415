"""pytest fixtures for testing shadow-test code offline (loaded automatically through the
``pytest11`` entry point once shadowtest is installed).

- ``aws_test_environment``: dummy credentials and region (``us-east-1``) in the
  environment, and no AWS config or credentials file, for the test's duration.
- ``fake_sagemaker``: a :class:`~shadowtest.testing.FakeSageMaker` (its ``.client`` is a
  real boto3 SageMaker client served in memory).
- ``experiment_client``: an :class:`~shadowtest.ExperimentClient` on ``fake_sagemaker``,
  waiting on the fake clock.
- ``experiment_stubber``: an active :class:`~shadowtest.testing.ExperimentStubber`; the
  test fails if an expected call was not made by the end of a passing test.

This module imports neither boto3 nor botocore: they load when a fixture is first used,
so the plugin costs nothing to test suites that don't use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator
    from pathlib import Path

    from shadowtest.client import ExperimentClient
    from shadowtest.testing._fake import FakeSageMaker
    from shadowtest.testing._stubber import ExperimentStubber

__all__ = ["aws_test_environment", "experiment_client", "experiment_stubber", "fake_sagemaker"]

_CALL_FAILED = pytest.StashKey[bool]()

_DUMMY_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")


@pytest.hookimpl(hookwrapper=True)  # old-style wrapper: works with every pytest >= 7
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[
        None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed


@pytest.fixture
def aws_test_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy AWS credentials and region, and no config/credentials file, for one test."""
    for key, value in _DUMMY_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    for key in _CLEARED:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config-absent"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials-absent"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def fake_sagemaker(aws_test_environment: None) -> FakeSageMaker:
    """A fresh in-memory SageMaker; ``fake_sagemaker.client`` is the boto3 client to use."""
    from shadowtest.testing._fake import FakeSageMaker

    return FakeSageMaker()


@pytest.fixture
def experiment_client(fake_sagemaker: FakeSageMaker) -> ExperimentClient:
    """An ExperimentClient served by ``fake_sagemaker``, on its clock."""
    return fake_sagemaker.experiment_client()


@pytest.fixture
def experiment_stubber(
    request: pytest.FixtureRequest, aws_test_environment: None
) -> Iterator[ExperimentStubber]:
    """An active ExperimentStubber; unmade expected calls fail a test that otherwise passed."""
    from shadowtest.testing._stubber import ExperimentStubber

    stubber = ExperimentStubber()
    stubber.activate()
    yield stubber
    stubber.deactivate()
    if not request.node.stash.get(_CALL_FAILED, True):
        stubber.assert_no_pending_responses()

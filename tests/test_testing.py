"""shadowtest.testing: ExperimentStubber and the pytest plugin, as a user's suite uses them."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError, StubAssertionError

from shadowtest import ExperimentNotFoundError
from shadowtest.testing import ExperimentStubber, sample_config

if TYPE_CHECKING:
    from shadowtest import ExperimentClient
    from shadowtest.testing import FakeSageMaker

pytest_plugins = ["pytester"]

NAME = "churn-shadow"


class TestExperimentStubber:
    def test_unmade_expected_call_fails_on_exit(self) -> None:
        with pytest.raises(AssertionError, match="1 expected call"), ExperimentStubber() as stub:
            stub.expect_start(NAME)

    def test_pending_calls_are_not_checked_when_the_block_raised(self) -> None:
        def failing_block() -> None:
            with ExperimentStubber() as stub:
                stub.expect_start(NAME)
                raise KeyError("the test's own failure must not be hidden")

        with pytest.raises(KeyError):
            failing_block()

    def test_wrong_request_is_reported_by_botocore(self) -> None:
        with ExperimentStubber() as stub:
            stub.expect_create(sample_config())
            with pytest.raises(StubAssertionError):
                stub.client.create_inference_experiment(**sample_config(name="other").to_boto3())
            stub.clear()

    def test_expect_error_by_short_or_boto3_name(self) -> None:
        with ExperimentStubber() as stub:
            stub.expect_error("describe", "ResourceNotFound", "no such experiment")
            stub.expect_error("start_inference_experiment", "ThrottlingException")
            client = stub.experiment_client()
            with pytest.raises(ExperimentNotFoundError, match="no such experiment"):
                client.describe(NAME)
            with pytest.raises(ClientError, match="ThrottlingException"):
                stub.client.start_inference_experiment(Name=NAME)

    def test_expect_error_refuses_unknown_operation(self) -> None:
        with pytest.raises(ValueError, match="unknown operation"):
            ExperimentStubber().expect_error("create_endpoint", "X")

    def test_promote_needs_a_described_experiment(self) -> None:
        with pytest.raises(ValueError, match="expect_describe"):
            ExperimentStubber().expect_promote(NAME)

    def test_promote_and_conclude_match_the_client(self) -> None:
        config = sample_config()
        with ExperimentStubber() as stub:
            stub.expect_describe(config, "Running")
            promote = stub.expect_promote(NAME, reason="v2 wins")
            stub.expect_describe(config, "Running")
            conclude = stub.expect_conclude(NAME, remove_shadow=True)
            client = stub.experiment_client()
            client.promote(NAME, reason="v2 wins")
            client.conclude(NAME, remove_shadow=True)
        assert promote["ModelVariantActions"] == {"shadow": "Promote", "production": "Remove"}
        assert conclude["ModelVariantActions"] == {"production": "Retain", "shadow": "Remove"}

    def test_responses_are_checked_against_the_output_shape(self) -> None:
        from botocore.exceptions import ParamValidationError

        with pytest.raises(ParamValidationError):
            ExperimentStubber().expect_describe({"Name": NAME, "Status": 3})


class TestPlugin:
    def test_registered_through_pytest11(self) -> None:
        found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
        assert found.get("shadowtest") == "shadowtest.testing.pytest_plugin"

    def test_fixtures_are_served(
        self, fake_sagemaker: FakeSageMaker, experiment_client: ExperimentClient
    ) -> None:
        experiment_client.create(sample_config())
        assert fake_sagemaker.describe(NAME)["Status"] == "Creating"

    def test_importing_the_plugin_does_not_import_boto3(self) -> None:
        code = ("import sys, shadowtest.testing.pytest_plugin, shadowtest.testing; "
                "print(sorted(m for m in sys.modules if m.split('.')[0] in "
                "('boto3', 'botocore')))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        assert out.stdout.strip() == "[]"

    def test_user_suite_with_fixtures(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(test_user="""
            import os
            from shadowtest.testing import sample_config

            def test_env(aws_test_environment):
                assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
                assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"

            def test_raw_boto3_code_against_the_fake(fake_sagemaker):
                fake_sagemaker.client.create_inference_experiment(**sample_config().to_boto3())
                assert fake_sagemaker.describe("churn-shadow")["Status"] == "Creating"

            def test_stubber_satisfied(experiment_stubber):
                experiment_stubber.expect_start("x")
                experiment_stubber.client.start_inference_experiment(Name="x")

            def test_stubber_unmade_call(experiment_stubber):
                experiment_stubber.expect_start("x")

            def test_failing_test_is_not_doubled(experiment_stubber):
                experiment_stubber.expect_start("x")
                assert False, "own failure"
        """)
        # in-process: pytest loads the plugin from its entry point as a user's run would
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-ra")
        result.assert_outcomes(passed=4, failed=1, errors=1)
        result.stdout.fnmatch_lines([
            "*ERROR at teardown of test_stubber_unmade_call*",
            "E * 1 expected call(s) were not made: StartInferenceExperiment",
        ])
        # the failing test reports its own failure only, no teardown error on top
        assert "teardown of test_failing_test_is_not_doubled" not in str(result.stdout)


def test_api_page_names_every_public_member() -> None:
    """docs/testing.md documents every public member and fixture, so it cannot fall behind."""
    from pathlib import Path

    from shadowtest.testing import FakeSageMaker
    from shadowtest.testing import pytest_plugin as plugin

    page = (Path(__file__).resolve().parent.parent / "docs" / "testing.md").read_text()
    from shadowtest.testing._base import FakeService

    names = [n for cls in (FakeSageMaker, FakeService, ExperimentStubber) for n in vars(cls)
             if not n.startswith("_")]
    names += ["describe_response", "sample_config"]
    # public instance attributes, set in __init__
    names += [n for cls, obj in ((FakeSageMaker, FakeSageMaker()), (ExperimentStubber,
                                                                     ExperimentStubber()))
              for n in vars(obj) if not n.startswith("_") and n not in vars(cls)]
    names += [n for n in vars(plugin) if hasattr(getattr(plugin, n), "_fixture_function")
              or n in ("aws_test_environment", "fake_sagemaker", "experiment_client",
                       "experiment_stubber")]
    missing = [n for n in names if f"`{n}" not in page]
    assert missing == []


def test_expect_update_that_changes_nothing_expects_no_call() -> None:
    """The client sends no update when every change equals the current value; the stubber
    must not expect one either (else the with block fails on a call never made)."""
    from shadowtest import InferenceExperimentSchedule

    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    config = sample_config(schedule=InferenceExperimentSchedule.starting_at(start))
    unchanged = InferenceExperimentSchedule(start_time=start)
    with ExperimentStubber() as stub:
        stub.expect_describe(config, "Running")
        request = stub.expect_update(config.name, schedule=unchanged)
        assert request == {"Name": config.name}
        assert stub.pending() == ["DescribeInferenceExperiment"]
        arn = stub.experiment_client().update(config.name, schedule=unchanged)
    assert arn.endswith(":inference-experiment/churn-shadow")


class TestOfflineClients:
    def test_offline_clients_share_one_class_and_nothing_else(self) -> None:
        """Offline clients of a service are built from one class, but each keeps its own
        event hooks, so a fake or stubber on one never answers another."""
        from shadowtest.testing._clients import offline_client

        a, b = offline_client("sagemaker"), offline_client("sagemaker")
        assert type(a) is type(b)
        assert a.meta.events is not b.meta.events
        seen: list[str] = []
        a.meta.events.register("before-call.sagemaker.*",
                               lambda model, **_: seen.append(model.name))
        from botocore.stub import Stubber

        with Stubber(b) as stubber:
            stubber.add_response("list_inference_experiments", {"InferenceExperiments": []})
            b.list_inference_experiments()
        assert seen == []

    def test_clients_made_from_the_shared_session_share_the_class_too(self) -> None:
        """``shared_session().client(...)`` (how a test makes one with its own config) is
        an offline client as well: one class with offline_client's, its own hooks."""
        from shadowtest.testing._clients import offline_client, shared_session

        made = shared_session().client("sagemaker", region_name="us-east-1",
                                       aws_access_key_id="t", aws_secret_access_key="t")
        assert type(made) is type(offline_client("sagemaker"))
        assert made.meta.events is not offline_client("sagemaker").meta.events

    def test_other_clients_are_built_as_botocore_builds_them(self) -> None:
        """A client made outside the offline helpers gets a class of its own."""
        import botocore.session

        from shadowtest.testing._clients import offline_client

        offline = offline_client("sagemaker")
        own = botocore.session.Session().create_client(
            "sagemaker", region_name="us-east-1", aws_access_key_id="x",
            aws_secret_access_key="y")
        assert type(own) is not type(offline)

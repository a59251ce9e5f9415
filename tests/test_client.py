"""ExperimentClient: exact requests (botocore Stubber), and the same lifecycle on FakeSageMaker."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs
import boto3
import pytest
from botocore.config import Config

from shadowtest import (
    ConfigValidationError,
    DataStorageConfig,
    ExperimentClient,
    ExperimentStatus,
    InferenceExperiment,
    InferenceExperimentSchedule,
    InferenceExperimentSummary,
    ModelVariantConfig,
    ShadowModeConfig,
    UnexpectedStatusError,
    UpdateNotAllowedError,
    VariantAction,
    WaitTimeoutError,
)
from shadowtest.testing import ExperimentStubber, FakeSageMaker, describe_response, sample_config
from shadowtest.testing._clients import shared_session
from tests.clocks import FakeClock

if TYPE_CHECKING:
    from collections.abc import Iterator

UTC = timezone.utc
NAME = "churn-shadow"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:inference-experiment/churn-shadow"



@pytest.fixture
def stubber() -> Iterator[ExperimentStubber]:
    with ExperimentStubber() as stub:
        yield stub


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(stubber: ExperimentStubber, clock: FakeClock) -> ExperimentClient:
    return stubber.experiment_client(clock=clock, sleep=clock.sleep)


# -- construction ------------------------------------------------------------------------------


class TestConstruction:
    def test_every_bad_argument_is_named_in_one_error(self) -> None:
        """A ready client and what to make one from, and a clock that is no function: one
        ConfigValidationError, a problem per argument (it was a TypeError naming one)."""
        sagemaker = FakeSageMaker().client
        with pytest.raises(ConfigValidationError, match="ExperimentClient arguments") as bad:
            ExperimentClient(sagemaker, region_name="eu-west-1",
                             endpoint_url="http://127.0.0.1:5000",
                             clock=3, sleep=None)  # type: ignore[arg-type]
        assert [(p.path, p.message) for p in bad.value.errors] == [
            ("region_name", "given with a ready SageMaker client, which has its own; give "
                            "either the client or what to make one from, not both"),
            ("endpoint_url", "given with a ready SageMaker client, which has its own; give "
                             "either the client or what to make one from, not both"),
            ("clock", "got int 3; must be a function taking nothing"),
            ("sleep", "got NoneType None; must be a function taking seconds")]
        with pytest.raises(ConfigValidationError) as both:
            ExperimentClient(object(), session=object())  # type: ignore[arg-type]
        assert [p.path for p in both.value.errors] == ["client", "session"]

    def test_no_client_is_made_until_first_use(self) -> None:
        client = ExperimentClient(region_name="eu-west-1")
        assert "not made yet" in repr(client)
        assert client.sagemaker.meta.region_name == "eu-west-1"
        assert client.sagemaker is client.sagemaker  # made once
        assert "eu-west-1" in repr(client)

    def test_session_and_config_are_used(self) -> None:
        session = boto3.Session(region_name="eu-central-1")
        client = ExperimentClient(session=session, config=Config(user_agent_extra="pipeline/7"))
        assert client.sagemaker.meta.region_name == "eu-central-1"
        assert client.sagemaker.meta.config.user_agent_extra == "pipeline/7"  # type: ignore[attr-defined]

    def test_given_client_is_used_as_is(self) -> None:
        sagemaker = boto3.client("sagemaker", region_name="ap-south-1")
        assert ExperimentClient(sagemaker).sagemaker is sagemaker

    @pytest.mark.parametrize("service", ["sagemaker", "cloudwatch", "s3"])
    def test_threads_racing_for_the_first_call_make_one_client(self, service: str) -> None:
        """Eight threads reading a lazily made client at once: exactly one is made."""
        made: list[str] = []
        barrier = threading.Barrier(8)

        class CountingSession:
            def client(self, name: str, **kwargs: object) -> object:
                made.append(name)
                time.sleep(0.01)  # widen the window a race would need
                return object()

        client = ExperimentClient(session=CountingSession())  # type: ignore[arg-type]

        def first_call() -> object:
            barrier.wait()
            return getattr(client, service)

        with ThreadPoolExecutor(8) as pool:
            seen = {id(c) for c in pool.map(lambda _: first_call(), range(8))}
        assert made == [service]
        assert len(seen) == 1

    def test_other_services_follow_the_given_clients_region(self) -> None:
        """cloudwatch and s3 are made in the region of a SageMaker client that was given."""
        client = ExperimentClient(boto3.client("sagemaker", region_name="ap-south-1"))
        assert client.cloudwatch.meta.region_name == "ap-south-1"
        assert client.s3.meta.region_name == "ap-south-1"

    def test_endpoint_url_reaches_every_service_and_aws_endpoint_url_is_honoured(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """endpoint_url= sends every service's requests to one place (a local server);
        without it, boto3's AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> apply as they
        would to boto3.client()."""
        session = shared_session()  # the service models read once, not once per client
        here = ExperimentClient(session=session, endpoint_url="http://127.0.0.1:4567")
        assert {made.meta.endpoint_url for made in (here.sagemaker, here.cloudwatch, here.s3)
                } == {"http://127.0.0.1:4567"}
        monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4000")
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4001")
        configured = ExperimentClient(session=session)
        assert [made.meta.endpoint_url for made in (
            configured.sagemaker, configured.cloudwatch, configured.s3)] == [
            "http://127.0.0.1:4000", "http://127.0.0.1:4000", "http://127.0.0.1:4001"]

    @pytest.mark.parametrize("url", ["127.0.0.1:4567", "", 4567, "ftp://x"])
    def test_an_endpoint_url_that_is_not_http_is_refused_where_it_is_given(
            self, url: object) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            ExperimentClient(endpoint_url=url)  # type: ignore[arg-type]
        assert [p.path for p in caught.value.errors] == ["endpoint_url"]

    def test_given_cloudwatch_and_s3_are_used_as_is(self) -> None:
        cloudwatch, s3 = boto3.client("cloudwatch"), boto3.client("s3")
        client = ExperimentClient(cloudwatch=cloudwatch, s3=s3)
        assert client.cloudwatch is cloudwatch
        assert client.s3 is s3


# -- exact requests, through the Stubber ------------------------------------------------------


class TestCreate:
    def test_sends_the_configs_request_and_returns_the_arn(
        self, stubber: ExperimentStubber, client: ExperimentClient
    ) -> None:
        config = sample_config(description="churn v2 vs v1")
        stubber.stubber.add_response(
            "create_inference_experiment", {"InferenceExperimentArn": ARN},
            {
                "Name": NAME, "Type": "ShadowMode", "Description": "churn v2 vs v1",
                "RoleArn": config.role_arn, "EndpointName": "churn",
                "ModelVariants": [
                    {"ModelName": "churn-v1", "VariantName": "production",
                     "InfrastructureConfig": {"InfrastructureType": "RealTimeInference",
                                              "RealTimeInferenceConfig": {
                                                  "InstanceType": "ml.m5.xlarge",
                                                  "InstanceCount": 1}}},
                    {"ModelName": "churn-v2", "VariantName": "shadow",
                     "InfrastructureConfig": {"InfrastructureType": "RealTimeInference",
                                              "RealTimeInferenceConfig": {
                                                  "InstanceType": "ml.m5.xlarge",
                                                  "InstanceCount": 1}}},
                ],
                "ShadowModeConfig": {"SourceModelVariantName": "production",
                                     "ShadowModelVariants": [
                                         {"ShadowModelVariantName": "shadow",
                                          "SamplingPercentage": 50}]},
            })
        assert client.create(config) == ARN

    def test_expect_create_matches_what_the_client_sends(
        self, stubber: ExperimentStubber, client: ExperimentClient
    ) -> None:
        config = sample_config(tags={"team": "ml"})
        arn = stubber.expect_create(config)
        assert client.create(config) == arn

    def test_unknown_instance_type_is_refused_with_suggestions(
        self, client: ExperimentClient
    ) -> None:
        variant = ModelVariantConfig(model_name="m", variant_name="shadow",
                                     instance_type="ml.m5.xlarg")
        config = sample_config(model_variants=[sample_config().model_variants[0], variant])
        with pytest.raises(ConfigValidationError) as caught:
            client.create(config)
        [problem] = caught.value.errors
        assert problem.path == "config.model_variants[1].instance_type"
        assert "'ml.m5.xlarge'" in problem.message

    def test_end_time_in_the_past_is_refused(self) -> None:
        now = datetime(2026, 6, 1, tzinfo=UTC)
        schedule = InferenceExperimentSchedule(end_time=now - timedelta(hours=1))
        client = ExperimentClient(boto3.client("sagemaker"), now=lambda: now)
        with pytest.raises(ConfigValidationError, match="has passed") as caught:
            client.create(sample_config(schedule=schedule))
        assert caught.value.errors[0].path == "config.schedule.end_time"

    def test_end_only_more_than_30_days_ahead_is_refused(self) -> None:
        now = datetime(2026, 6, 1, tzinfo=UTC)
        schedule = InferenceExperimentSchedule(end_time=now + timedelta(days=31))
        client = ExperimentClient(boto3.client("sagemaker"), now=lambda: now)
        with pytest.raises(ConfigValidationError, match="30 days"):
            client.create(sample_config(schedule=schedule))

    def test_not_a_config_is_reported(self, client: ExperimentClient) -> None:
        with pytest.raises(ConfigValidationError, match="InferenceExperimentConfig"):
            client.create({"Name": NAME})  # type: ignore[arg-type]


class TestDescribe:
    def test_returns_typed_frozen_experiment(
        self, stubber: ExperimentStubber, client: ExperimentClient
    ) -> None:
        config = sample_config(data_storage_config=DataStorageConfig(
            destination="s3://bucket/capture", json_content_types=["application/json"]))
        stubber.expect_describe(config, "Running", status_reason="on schedule")
        experiment = client.describe(NAME)

        assert isinstance(experiment, InferenceExperiment)
        assert experiment.status is ExperimentStatus.RUNNING
        assert experiment.status_reason == "on schedule"
        assert experiment.arn == ARN
        assert experiment.endpoint_name == "churn"
        assert experiment.variant_names == ("production", "shadow")
        assert experiment.shadow_mode_config == config.shadow_mode_config
        assert experiment.data_storage_config == config.data_storage_config
        assert experiment.source_variant is not None
        assert experiment.source_variant.variant_name == "production"
        assert experiment.to_config() == config
        with pytest.raises(AttributeError):
            experiment.name = "other"  # type: ignore[misc]

    def test_bad_name_is_refused_before_sending(self, client: ExperimentClient) -> None:
        with pytest.raises(ConfigValidationError, match="name"):
            client.describe("not a valid name!")


class TestUpdate:
    def test_running_sampling_change_sends_only_that(
        self, stubber: ExperimentStubber, client: ExperimentClient
    ) -> None:
        config = sample_config()
        stubber.expect_describe(config, "Running")
        stubber.stubber.add_response(
            "update_inference_experiment", {"InferenceExperimentArn": ARN},
            {"Name": NAME, "ShadowModeConfig": {
                "SourceModelVariantName": "production",
                "ShadowModelVariants": [{"ShadowModelVariantName": "shadow",
                                         "SamplingPercentage": 100}]}})
        shadow = attrs.evolve(config.shadow_mode_config, sampling_percentage=100)
        assert client.update(NAME, shadow_mode_config=shadow) == ARN

    def test_running_model_variants_change_is_refused_without_sending(
        self, stubber: ExperimentStubber, client: ExperimentClient
    ) -> None:
        config = sample_config()
        stubber.expect_describe(config, "Running")
        bigger = [attrs.evolve(v, instance_count=2) for v in config.model_variants]
        with pytest.raises(UpdateNotAllowedError, match="Running"):
            client.update(NAME, model_variants=bigger)

    def test_nothing_given_is_refused(self, client: ExperimentClient) -> None:
        with pytest.raises(ConfigValidationError, match="nothing to update"):
            client.update(NAME)

    def test_unchanged_restricted_field_sends_nothing(
        self, stubber: ExperimentStubber, client: ExperimentClient
    ) -> None:
        config = sample_config()
        stubber.expect_describe(config, "Running")
        # model variants may not change while Running; passing the current ones is a no-op
        assert client.update(NAME, model_variants=config.model_variants) == ARN

    def test_expect_update_knows_the_unchanged_start_is_dropped(
        self, stubber: ExperimentStubber, client: ExperimentClient
    ) -> None:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        config = sample_config(schedule=InferenceExperimentSchedule.starting_at(start))
        stubber.expect_describe(config, "Running")
        longer = InferenceExperimentSchedule.starting_at(start, timedelta(days=10))
        request = stubber.expect_update(NAME, schedule=longer)
        assert request == {"Name": NAME, "Schedule": {"EndTime": start + timedelta(days=10)}}
        client.update(NAME, schedule=longer)

    def test_expect_update_refuses_what_the_client_would_refuse(
        self, stubber: ExperimentStubber
    ) -> None:
        stubber.expect_describe(sample_config(), "Completed")
        with pytest.raises(ValueError, match="refuse"):
            stubber.expect_update(NAME, description="late")
        stubber.clear()  # the describe was for this check only


class TestList:
    def test_follows_next_token_and_sends_every_filter(
        self, stubber: ExperimentStubber, client: ExperimentClient
    ) -> None:
        after = datetime(2026, 1, 1, tzinfo=UTC)
        filters: dict[str, Any] = {
            "NameContains": "churn", "Type": "ShadowMode", "StatusEquals": "Running",
            "CreationTimeAfter": after, "CreationTimeBefore": after + timedelta(days=1),
            "LastModifiedTimeAfter": after, "LastModifiedTimeBefore": after + timedelta(days=2),
            "SortBy": "Name", "SortOrder": "Ascending", "MaxResults": 2,
        }
        configs = [sample_config(name=f"churn-{i}") for i in range(3)]
        stubber.expect_list(configs[:2], returns_next_token="t1", **filters)
        stubber.expect_list(configs[2:], next_token="t1", **filters)

        found = client.list(
            name_contains="churn", type="ShadowMode", status_equals=ExperimentStatus.RUNNING,
            creation_time_after=after, creation_time_before=after + timedelta(days=1),
            last_modified_time_after=after,
            last_modified_time_before=after + timedelta(days=2),
            sort_by="Name", sort_order="Ascending", max_results=2)

        summaries = list(found)
        assert [s.name for s in summaries] == ["churn-0", "churn-1", "churn-2"]
        assert all(isinstance(s, InferenceExperimentSummary) for s in summaries)
        assert summaries[0].status is ExperimentStatus.RUNNING

    def test_is_lazy(self, stubber: ExperimentStubber, client: ExperimentClient) -> None:
        iterator = client.list()
        stubber.expect_list([sample_config()])  # queued after list() returned
        assert [s.name for s in iterator] == [NAME]

    def test_bad_arguments_are_refused_at_once(self, client: ExperimentClient) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            client.list(max_results=101, sort_by="Size",  # type: ignore[arg-type]
                        creation_time_after=datetime(2026, 1, 1))
        assert {p.path for p in caught.value.errors} == {
            "max_results", "sort_by", "creation_time_after"}

    def test_unknown_status_in_a_response_is_kept_as_a_string(
        self, stubber: ExperimentStubber, client: ExperimentClient
    ) -> None:
        summary = {"Name": NAME, "Type": "ShadowMode", "Status": "Paused",
                   "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
                   "LastModifiedTime": datetime(2026, 1, 1, tzinfo=UTC)}
        stubber.expect_list([summary])
        [found] = client.list()
        assert found.status == "Paused"
        assert not found.status.is_known


class TestWait:
    def test_returns_as_soon_as_the_status_is_reached(
        self, stubber: ExperimentStubber, client: ExperimentClient, clock: FakeClock
    ) -> None:
        config = sample_config()
        for status in ("Creating", "Creating", "Creating", "Running"):
            stubber.expect_describe(config, status)
        experiment = client.wait(NAME, "Running", poll_interval=5, max_interval=12)
        assert experiment.status is ExperimentStatus.RUNNING
        assert clock.sleeps == [5, 10, 12]  # doubling, capped

    def test_terminal_status_outside_until_raises_at_once(
        self, stubber: ExperimentStubber, client: ExperimentClient, clock: FakeClock
    ) -> None:
        stubber.expect_describe(sample_config(), "Cancelled", status_reason="capacity")
        with pytest.raises(UnexpectedStatusError, match="capacity") as caught:
            client.wait(NAME, {"Created", "Running"})
        assert caught.value.status == "Cancelled"
        assert caught.value.reason == "capacity"
        assert clock.sleeps == []

    def test_timeout(
        self, stubber: ExperimentStubber, client: ExperimentClient, clock: FakeClock
    ) -> None:
        for _ in range(4):
            stubber.expect_describe(sample_config(), "Creating")
        with pytest.raises(WaitTimeoutError) as caught:
            client.wait(NAME, "Running", timeout=30, poll_interval=10, max_interval=10)
        assert caught.value.status == "Creating"
        assert caught.value.timeout == 30
        assert clock.now == 30
        assert isinstance(caught.value, TimeoutError)

    def test_bad_arguments(self, client: ExperimentClient) -> None:
        with pytest.raises(ConfigValidationError):
            client.wait(NAME, "Running", timeout=-1)
        with pytest.raises(ConfigValidationError):
            client.wait(NAME, "Finished")  # type: ignore[arg-type]


class TestLogging:
    def test_one_info_line_per_mutating_call(
        self, stubber: ExperimentStubber, client: ExperimentClient,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        config = sample_config()
        stubber.expect_create(config)
        stubber.expect_describe(config, "Created")
        stubber.expect_start(NAME)
        stubber.expect_describe(config, "Running")  # describe logs nothing
        with caplog.at_level(logging.DEBUG, logger="shadowtest"):
            client.create(config)
            client.start(NAME)
            client.describe(NAME)
        records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
        assert records == [
            ("shadowtest", logging.INFO, f"created inference experiment {NAME!r}"),
            ("shadowtest", logging.INFO, f"started inference experiment {NAME!r}"),
        ]

    def test_library_configures_no_handler(self) -> None:
        assert logging.getLogger("shadowtest").handlers == []


# -- the same lifecycle against the fake -------------------------------------------------------


class TestAgainstFake:
    def test_full_lifecycle(self) -> None:
        fake = FakeSageMaker(now=datetime(2026, 6, 1, 12, tzinfo=UTC))
        client = fake.experiment_client()
        config = sample_config(
            schedule=InferenceExperimentSchedule.from_now(timedelta(days=2), now=fake.now))

        client.create(config)
        running = client.wait(NAME, "Running")
        assert running.status is ExperimentStatus.RUNNING

        shadow = attrs.evolve(config.shadow_mode_config, sampling_percentage=100)
        client.update(NAME, shadow_mode_config=shadow)
        updated = client.wait(NAME, "Running")
        assert updated.shadow_mode_config == shadow

        with pytest.raises(UpdateNotAllowedError, match="model_variants"):
            client.update(NAME, model_variants=[
                attrs.evolve(v, instance_count=3) for v in config.model_variants])

        client.promote(NAME)
        done = client.wait(NAME, "Completed")
        assert fake.production_variant("churn") == ("shadow", "churn-v2")
        assert done.variant("production") is not None
        client.delete(NAME)
        assert list(client.list()) == []

    def test_conclude_keeps_production(self) -> None:
        fake = FakeSageMaker()
        client = fake.experiment_client()
        client.create(sample_config())
        client.wait(NAME, "Running")
        client.conclude(NAME, remove_shadow=True, desired_state="Cancelled")
        done = client.wait(NAME, "Cancelled")
        assert fake.production_variant("churn") == ("production", "churn-v1")
        shadow = done.variant("shadow")
        assert shadow is not None
        assert str(shadow.status) == "Deleted"

    def test_scheduled_end_completes_while_waiting(self) -> None:
        fake = FakeSageMaker()
        client = fake.experiment_client()
        schedule = InferenceExperimentSchedule.from_now(timedelta(hours=2), now=fake.now)
        client.create(sample_config(schedule=schedule))
        done = client.wait(NAME, "Completed", timeout=3 * 3600, max_interval=600)
        assert done.completion_time is not None

    def test_list_through_the_fake_paginates(self) -> None:
        fake = FakeSageMaker()
        client = fake.experiment_client()
        for i in range(12):
            fake.seed(sample_config(name=f"exp-{i:02d}"))
        names = [s.name for s in client.list(sort_by="Name", sort_order="Ascending",
                                             max_results=5)]
        assert names == [f"exp-{i:02d}" for i in range(12)]
        assert sum(op == "ListInferenceExperiments" for op, _ in fake.calls) == 3

    def test_fake_clock_drives_end_in_past_check(self) -> None:
        fake = FakeSageMaker(now=datetime(2030, 1, 1, tzinfo=UTC))
        client = fake.experiment_client()
        # in the past for the fake, in the future for the wall clock
        schedule = InferenceExperimentSchedule(
            start_time=datetime(2029, 12, 1, tzinfo=UTC),
            end_time=datetime(2029, 12, 2, tzinfo=UTC))
        with pytest.raises(ConfigValidationError, match="has passed"):
            client.create(sample_config(schedule=schedule))


def test_describe_response_is_model_valid_for_every_status() -> None:
    from botocore.validate import validate_parameters

    model = boto3.client("sagemaker").meta.service_model
    shape = model.operation_model("DescribeInferenceExperiment").output_shape
    assert shape is not None
    config = sample_config(kms_key="alias/k", description="d",
                           data_storage_config=DataStorageConfig(destination="s3://b/p"))
    for status in ExperimentStatus:
        response = describe_response(config, status, status_reason="why")
        validate_parameters(response, shape)
        assert InferenceExperiment(response).to_config() == config
    completed = describe_response(config, "Completed")
    assert "CompletionTime" in completed
    assert "CompletionTime" not in describe_response(config, "Running")


def test_shadow_mode_round_trip_through_describe() -> None:
    shadow = ShadowModeConfig(source_model_variant_name="production",
                              shadow_model_variant_name="shadow", sampling_percentage=0)
    response = describe_response(sample_config(shadow_mode_config=shadow))
    assert InferenceExperiment(response).shadow_mode_config == shadow


def test_described_shadow_mode_is_a_full_config() -> None:
    # built without its constructor (the service's word is not judged): every field set,
    # equal, hashable and shown like a constructed one
    shadow = ShadowModeConfig(source_model_variant_name="production",
                              shadow_model_variant_name="shadow", sampling_percentage=35)
    read = InferenceExperiment(describe_response(sample_config(shadow_mode_config=shadow)))
    assert read.shadow_mode_config is not None
    assert attrs.asdict(read.shadow_mode_config) == attrs.asdict(shadow)
    assert hash(read.shadow_mode_config) == hash(shadow)
    assert repr(read.shadow_mode_config) == repr(shadow)
    assert read.shadow_mode_config.to_boto3() == shadow.to_boto3()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        read.shadow_mode_config.sampling_percentage = 1  # type: ignore[misc]


@pytest.mark.parametrize(("name", "good"), [
    ("churn-shadow", True), ("a", True), ("a" * 120, True), ("a--b", True),
    ("a" * 121, False), ("", False), ("-a", False), ("a-", False), ("a_b", False),
    ("é", False), ("a\n", False), (3, False), (None, False), (["a"], False),
])
def test_experiment_name_check_gives_the_same_answer_every_time(name: object,
                                                                good: bool) -> None:
    from shadowtest.client import _good_name

    assert [_good_name(name) for _ in range(3)] == [good] * 3


def test_names_known_good_are_bounded() -> None:
    from shadowtest.client import _GOOD_NAMES, _GOOD_NAMES_MAX, _good_name

    for i in range(_GOOD_NAMES_MAX + 10):
        assert _good_name(f"exp-{i}")
    assert len(_GOOD_NAMES) <= _GOOD_NAMES_MAX
    assert not _good_name("exp-1_")


# -- the facade hands its work to pure cores ----------------------------------------------------


def _described(status: ExperimentStatus = ExperimentStatus.RUNNING) -> InferenceExperiment:
    return InferenceExperiment(describe_response(sample_config(), status,
                                                 now=datetime(2030, 1, 1, tzinfo=UTC)))


class TestStopRequest:
    """``rules.stop_request``: the stop request for a described experiment, built without a
    client (it was inline in ``ExperimentClient._stop``)."""

    def test_promoting_the_shadow_removes_the_source(self) -> None:
        from shadowtest.rules import stop_request

        request = stop_request(_described(), {"shadow": VariantAction.PROMOTE}, None,
                               "Completed", None)
        assert request == {"Name": NAME, "DesiredState": "Completed",
                           "ModelVariantActions": {"shadow": "Promote", "production": "Remove"}}

    def test_an_action_for_the_source_is_kept_and_extras_are_sent(self) -> None:
        from shadowtest.rules import stop_request

        variant = sample_config().model_variants[1]
        request = stop_request(_described(), {"shadow": VariantAction.PROMOTE,
                                              "production": VariantAction.RETAIN},
                               (variant,), "Cancelled", "done")
        assert request["ModelVariantActions"] == {"shadow": "Promote", "production": "Retain"}
        assert request["DesiredModelVariants"] == [variant.to_boto3()]
        assert (request["DesiredState"], request["Reason"]) == ("Cancelled", "done")

    def test_actions_on_variants_it_does_not_have_are_refused(self) -> None:
        from shadowtest.rules import stop_request

        with pytest.raises(ConfigValidationError, match="'other' is not a variant") as caught:
            stop_request(_described(), {"other": VariantAction.REMOVE,
                                        "production": VariantAction.PROMOTE}, None,
                         "Completed", None)
        assert [p.path for p in caught.value.errors] == [
            "model_variant_actions['other']", "model_variant_actions['production']"]


class TestPromotionGate:
    """``judgement.promotion``: promote's requirement and gate over a Judgement, without a
    client."""

    def test_a_judgement_short_of_the_requirement_is_the_error_to_raise(self) -> None:
        from shadowtest.judgement import Judgement, Policy, Verdict
        from shadowtest.judgement.promotion import blocked

        window = (datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC))
        judged = Judgement(verdict=Verdict.MARGINAL, score=70.0, metrics={},
                           reasons=("ModelLatency +9%",), window=window,
                           policy=Policy.default())
        error = blocked(NAME, judged, Verdict.PASS)
        assert error is not None
        assert str(error) == ("not promoting the shadow of 'churn-shadow': the judgement is "
                              "MARGINAL (score 70.0), PASS was required: ModelLatency +9%")
        assert (error.required, error.judgement) == ("PASS", judged)
        assert blocked(NAME, judged, Verdict.MARGINAL) is None

    @pytest.mark.parametrize("wanted", ["PASS", "MARGINAL"])
    def test_an_inconclusive_judgement_is_refused(self, wanted: str) -> None:
        """Not yet shown within tolerance meets neither requirement."""
        from shadowtest.judgement import Judgement, Policy, Verdict
        from shadowtest.judgement.promotion import blocked

        window = (datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC))
        judged = Judgement(verdict=Verdict.INCONCLUSIVE, score=100.0, metrics={},
                           reasons=("undecided: ModelLatency",), window=window,
                           policy=Policy.default())
        error = blocked(NAME, judged, Verdict(wanted))
        assert error is not None
        assert "the judgement is INCONCLUSIVE" in str(error)

    @pytest.mark.parametrize(("require", "wanted"), [
        (None, None), ("PASS", "PASS"), ("MARGINAL", "MARGINAL"),
        ("pass", "PASS"), ("marginal", "MARGINAL")])  # the CLI's spelling too (#22.3)
    def test_requirements(self, require: Any, wanted: str | None) -> None:
        from shadowtest.judgement.promotion import requirement

        verdict, policy = requirement(require)
        assert (verdict, policy) == (wanted, None)

    @pytest.mark.parametrize("require", ["FAIL", "no_data", "", 1, object()])
    def test_other_requirements_are_refused(self, require: object) -> None:
        from shadowtest.judgement.promotion import requirement

        with pytest.raises(ConfigValidationError, match="require: got"):
            requirement(require)


class TestComparePredictionsArguments:
    def test_each_option_is_checked_once_by_the_comparisons_own_rule(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """compare_predictions checks labels/limit/since with compare_captures' one rule,
        once (it checked them itself, then the pairing checked them again with another
        error type); a bad one is refused before anything is sent."""
        from shadowtest import compare_captures
        from shadowtest.capture import pairing

        calls: list[dict[str, object]] = []
        check = pairing.check_options

        def counted(c: Any, **options: object) -> None:
            calls.append(options)
            check(c, **options)

        monkeypatch.setattr(pairing, "check_options", counted)
        naive = datetime(2030, 1, 1)
        with pytest.raises(ConfigValidationError) as caught:
            ExperimentClient().compare_predictions(
                NAME, labels=[1], limit=0, since=naive)  # type: ignore[arg-type]
        assert len(calls) == 1
        with pytest.raises(ConfigValidationError) as direct:
            compare_captures([], [], labels=[1], limit=0, since=naive)  # type: ignore[arg-type]
        assert caught.value.errors == direct.value.errors

        fake = FakeSageMaker(now=datetime(2030, 1, 1, tzinfo=UTC))
        fake.seed(sample_config(data_storage_config=DataStorageConfig(
            destination="s3://captures/churn")))
        fake.fake_s3.put("captures", "elsewhere", b"")
        calls.clear()
        fake.experiment_client().compare_predictions(NAME, limit=5)
        assert len(calls) == 1


def test_evaluates_policy_is_checked_once_by_the_judges_own_rule(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """evaluate() checked its policy, then judge() checked it again (the same rule written
    twice, with watch() a third); it is checked once, by judgement.check_policy, before
    anything is sent, with judge's error."""
    from shadowtest import Policy, judge
    from shadowtest.judgement import policy as policies

    calls: list[object] = []
    check = policies.check_policy

    def counted(c: Any, policy: object) -> Any:
        calls.append(policy)
        return check(c, policy)

    monkeypatch.setattr(policies, "check_policy", counted)
    with pytest.raises(ConfigValidationError) as caught:
        ExperimentClient().evaluate(NAME, policy="strict")  # type: ignore[arg-type]
    assert calls == ["strict"]
    with pytest.raises(ConfigValidationError) as direct:
        judge(None, "strict")  # type: ignore[arg-type]
    assert caught.value.errors[0] == direct.value.errors[1]

    fake = FakeSageMaker(now=datetime(2030, 1, 1, tzinfo=UTC))
    fake.seed(sample_config())
    fake.advance(timedelta(hours=1))
    calls.clear()
    fake.experiment_client().evaluate(NAME, Policy.default())
    assert len(calls) == 1


@pytest.mark.parametrize(("kwargs", "problems"), [
    ({"wait": "yes", "replace": 1, "timeout": float("nan")}, [
        "wait: got str 'yes'; must be True or False",
        "replace: got int 1; must be True or False",
        "timeout: got nan; must be a finite number of seconds >= 0"]),
    ({"timeout": "600"}, ["timeout: got str '600'; must be a number of seconds"]),
])
def test_apply_flags_and_timeout_are_checked_the_checkers_way(
        kwargs: dict[str, Any], problems: list[str]) -> None:
    """One argument-checking style: apply's flags and timeout go through the Checker's
    check_bool and check_seconds (wait() uses the same), every problem reported together
    before a client is made."""
    with pytest.raises(ConfigValidationError) as caught:
        ExperimentClient().apply(sample_config(), **kwargs)
    assert [str(problem) for problem in caught.value.errors] == problems


class TestArgumentsAllAtOnce:
    """Each method checks every argument before anything is sent, and reports all the
    problems in one ConfigValidationError, as config validation does."""

    @staticmethod
    def problems(call: Any, subject: str) -> list[str]:
        fake = FakeSageMaker()
        with pytest.raises(ConfigValidationError, match=subject) as bad:
            call(fake.experiment_client())
        assert fake.calls == []
        return [problem.path for problem in bad.value.errors]

    def test_apply(self) -> None:
        assert self.problems(lambda client: client.apply(
            sample_config(), timeout=-1, on_preflight="print"), "apply arguments") == [
            "timeout", "on_preflight"]

    def test_watch(self) -> None:
        assert self.problems(lambda client: client.watch(
            "churn shadow", on_fail="shrug", on_look=42), "watch arguments") == [
            "name", "on_fail", "on_look"]

    def test_watch_on_look_alone(self) -> None:
        assert self.problems(lambda client: client.watch("churn-shadow", on_look=42),
                             "watch arguments") == ["on_look"]

    def test_stop(self) -> None:
        assert self.problems(lambda client: client.stop(
            "churn shadow", model_variant_actions={"shadow": "Keep"}, desired_state="Done"),
            "stop arguments") == ["name", "model_variant_actions['shadow']", "desired_state"]

    def test_promote(self) -> None:
        assert self.problems(lambda client: client.promote(
            "", reason=7, require="excellent"), "promote arguments") == [
            "name", "reason", "require"]

    def test_conclude(self) -> None:
        assert self.problems(lambda client: client.conclude(
            "churn_shadow", remove_shadow="yes", desired_state="Running"),
            "conclude arguments") == ["name", "desired_state", "remove_shadow"]

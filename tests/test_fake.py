"""FakeSageMaker: plugging into boto3, its clock, the state machine, the service's errors,
listing, promotion, fault injection, response shapes, and ExperimentClient end to end."""

from __future__ import annotations

import copy
import math
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import validate_parameters

from shadowtest import (
    ConfigValidationError,
    DataStorageConfig,
    ExperimentAlreadyExistsError,
    ExperimentConflictError,
    ExperimentNotFoundError,
    ExperimentStatus,
    InferenceExperimentSchedule,
    ShadowModeConfig,
    WaitTimeoutError,
)
from shadowtest.testing import FakeSageMaker, sample_config
from shadowtest.testing._clients import offline_sagemaker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_sagemaker import SageMakerClient

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
NAME = "churn-shadow"
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
VALIDATION = r"^\d+ validation errors? detected: "
# Which status each operation needs, spelled out (the service's rule, not the fake's table):
# update in Created or Running, start in Created, stop in Running, delete once not running.
_ALLOWED = {
    "update": {"Created", "Running"},
    "start": {"Created"},
    "stop": {"Running"},
    "delete": {"Created", "Completed", "Cancelled"},
}
_ALL_STATUSES = ("Creating", "Created", "Updating", "Starting", "Running", "Stopping",
                 "Completed", "Cancelled")
RETAIN_BOTH: dict[str, Any] = {"production": "Retain", "shadow": "Retain"}


@pytest.fixture(scope="module")
def session() -> Iterator[boto3.session.Session]:
    """One boto3 session per module (clients from it load the service model only once)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_CONFIG_FILE", "/nonexistent")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        yield boto3.session.Session(aws_access_key_id="testing",
                                    aws_secret_access_key="testing", region_name="us-east-1")


@pytest.fixture
def fake() -> FakeSageMaker:
    return FakeSageMaker(offline_sagemaker(), now=T0)


@pytest.fixture
def sm(fake: FakeSageMaker) -> SageMakerClient:
    return fake.client


def params(**changes: Any) -> dict[str, Any]:
    """Create parameters of a valid experiment, with config ``changes``."""
    return dict(sample_config(**changes).to_boto3())


def create(fake: FakeSageMaker, name: str = NAME, settle: bool = True, **changes: Any) -> None:
    fake.client.create_inference_experiment(**params(name=name, **changes))
    if settle:
        fake.advance(SECOND)


def status(fake: FakeSageMaker, name: str = NAME) -> str:
    return str(fake.describe(name)["Status"])


def variant_statuses(fake: FakeSageMaker, name: str = NAME) -> dict[str, str]:
    return {v["VariantName"]: v["Status"] for v in fake.describe(name)["ModelVariants"]}


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def message(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Message"])


def assert_validation(error: pytest.ExceptionInfo[ClientError]) -> None:
    """The service's ValidationException, its message as the service words it."""
    assert code(error) == "ValidationException"
    assert re.match(VALIDATION, message(error)), message(error)


def validate(sm: SageMakerClient, operation: str, response: dict[str, Any]) -> None:
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    shape = sm.meta.service_model.operation_model(operation).output_shape
    assert shape is not None
    validate_parameters(body, shape)


class TestPluggingIn:
    def test_serves_calls_of_a_real_client(self, fake: FakeSageMaker, sm: SageMakerClient) -> None:
        """A create through boto3 is answered by the fake with the experiment's ARN."""
        response = sm.create_inference_experiment(**params())
        assert response["InferenceExperimentArn"] == (
            "arn:aws:sagemaker:us-east-1:123456789012:inference-experiment/churn-shadow")
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert [op for op, _ in fake.calls] == ["CreateInferenceExperiment"]

    @pytest.mark.parametrize(("region", "account"), [("eu-west-1", "111122223333"),
                                                     ("ap-southeast-2", "999988887777")])
    def test_arn_uses_the_clients_region_and_the_account(
        self, session: boto3.session.Session, region: str, account: str
    ) -> None:
        """ARNs carry the given client's region and the fake's account id."""
        fake = FakeSageMaker(session.client("sagemaker", region_name=region), account_id=account)
        arn = fake.client.create_inference_experiment(**params())["InferenceExperimentArn"]
        assert arn == f"arn:aws:sagemaker:{region}:{account}:inference-experiment/{NAME}"
        assert fake.region == region

    def test_makes_its_own_client_without_credentials(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With no client, the fake makes one that needs no credentials or region from the
        environment."""
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "AWS_DEFAULT_REGION"):
            monkeypatch.delenv(key, raising=False)
        fake = FakeSageMaker()
        assert fake.region == "us-east-1"
        fake.client.create_inference_experiment(**params())
        assert fake.describe(NAME)["Status"] == "Creating"

    def test_users_client_without_credentials_is_served(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A user's client with no credentials at all works: nothing is signed or sent."""
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(key, raising=False)
        session = boto3.session.Session(region_name="eu-central-1")
        assert session.get_credentials() is None
        fake = FakeSageMaker(session.client("sagemaker"))
        client = fake.client
        assert client.list_inference_experiments()["InferenceExperiments"] == []
        assert fake.calls == [("ListInferenceExperiments", {})]

    @pytest.mark.parametrize("broken", [
        {"Name": NAME},  # required members missing
        {**params(), "ModelVariants": "not-a-list"},
        {**params(), "Unknown": 1},
    ])
    def test_botocore_still_validates_requests(
        self, fake: FakeSageMaker, sm: SageMakerClient, broken: dict[str, Any]
    ) -> None:
        """botocore's own parameter validation runs first; the fake never sees such calls."""
        with pytest.raises(ParamValidationError):
            sm.create_inference_experiment(**broken)
        assert fake.calls == []

    @pytest.mark.parametrize(("method", "kwargs", "operation"), [
        ("list_models", {}, "ListModels"),
        ("list_endpoints", {}, "ListEndpoints"),
        ("delete_model", {"ModelName": "churn-v1"}, "DeleteModel"),
    ])
    def test_other_operations_fail_loudly(
        self, sm: SageMakerClient, method: str, kwargs: dict[str, Any], operation: str
    ) -> None:
        """An operation the fake doesn't serve raises NotImplementedError naming it."""
        with pytest.raises(NotImplementedError, match=f"does not serve {operation}"):
            getattr(sm, method)(**kwargs)

    def test_attaching_twice_is_harmless(self, fake: FakeSageMaker, sm: SageMakerClient) -> None:
        """attach() again registers nothing twice: each call is served once."""
        fake.attach()
        fake.attach()
        sm.create_inference_experiment(**params())
        assert len(fake.calls) == 1

    def test_detach_hands_calls_back_to_botocore(
        self, fake: FakeSageMaker, sm: SageMakerClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """After detach() requests reach botocore's HTTP layer; attach() serves them again."""
        sent: list[str] = []

        def make_request(model: Any, request: Any) -> tuple[AWSResponse, dict[str, Any]]:
            sent.append(model.name)
            return AWSResponse("", 200, HTTPHeaders(), None), {"InferenceExperiments": []}

        monkeypatch.setattr(sm._endpoint, "make_request", make_request)  # type: ignore[attr-defined]
        create(fake)
        fake.detach()
        assert sm.list_inference_experiments()["InferenceExperiments"] == []
        assert sent == ["ListInferenceExperiments"]
        fake.attach()
        assert [e["Name"] for e in sm.list_inference_experiments()["InferenceExperiments"]] == [
            NAME]
        assert sent == ["ListInferenceExperiments"]

    def test_errors_are_botocores_modeled_exceptions(self, sm: SageMakerClient) -> None:
        """A modeled error code raises the client's own exception class, with HTTP 400."""
        with pytest.raises(sm.exceptions.ResourceNotFound) as error:
            sm.describe_inference_experiment(Name="missing")
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert error.value.operation_name == "DescribeInferenceExperiment"

    @pytest.mark.parametrize("start", [
        datetime(2030, 1, 2, tzinfo=timezone.utc),
        datetime(2030, 1, 2, 0, 0, 0, 999_000, tzinfo=timezone.utc),  # sent as whole seconds
        datetime(2030, 1, 2, 3, tzinfo=timezone(timedelta(hours=3))),
        datetime(2030, 1, 2),  # naive: botocore sends it as UTC
        "2030-01-02T00:00:00Z",
        1893542400,  # epoch seconds
    ])
    def test_timestamps_arrive_as_botocore_sends_them(
        self, fake: FakeSageMaker, sm: SageMakerClient, start: Any
    ) -> None:
        """Any timestamp form botocore accepts is stored as the aware UTC instant it sends."""
        sm.create_inference_experiment(**{**params(), "Schedule": {"StartTime": start}})
        schedule = fake.describe(NAME)["Schedule"]
        assert schedule["StartTime"] == datetime(2030, 1, 2, tzinfo=timezone.utc)
        assert schedule["StartTime"].tzinfo == timezone.utc


class TestClock:
    def test_default_now_is_the_real_time_in_whole_seconds(self) -> None:
        """Without ``now`` the clock starts at the real UTC time, truncated to seconds."""
        before = datetime.now(timezone.utc).replace(microsecond=0)
        fake = FakeSageMaker()
        assert before <= fake.now <= datetime.now(timezone.utc)
        assert fake.now.microsecond == 0
        assert fake.now.tzinfo == timezone.utc

    def test_now_is_kept_in_utc(self, session: boto3.session.Session) -> None:
        """A ``now`` in another zone is the same instant, in UTC."""
        fake = FakeSageMaker(session.client("sagemaker"),
                             now=datetime(2030, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))))
        assert fake.now == T0
        assert fake.now.tzinfo == timezone.utc

    def test_naive_now_is_refused(self, session: boto3.session.Session) -> None:
        """A naive ``now`` is a ValueError: the fake never guesses a time zone."""
        with pytest.raises(ValueError, match="timezone-aware"):
            FakeSageMaker(session.client("sagemaker"), now=datetime(2030, 1, 1))

    @pytest.mark.parametrize("seconds", [0, 0.25, 5, 86400 * 8])
    def test_advance_sleep_and_monotonic_agree(self, fake: FakeSageMaker, seconds: float) -> None:
        """sleep(s) and advance(timedelta(seconds=s)) move now and monotonic() by s."""
        start = fake.monotonic()
        fake.sleep(seconds)
        assert fake.now == T0 + timedelta(seconds=seconds)
        assert fake.monotonic() - start == pytest.approx(seconds)
        fake.advance(timedelta(seconds=seconds))
        assert fake.now == T0 + 2 * timedelta(seconds=seconds)

    def test_clock_never_goes_back(self, fake: FakeSageMaker) -> None:
        """A negative advance is a ValueError and leaves the clock alone."""
        with pytest.raises(ValueError, match="forward"):
            fake.advance(-SECOND)
        assert fake.now == T0

    @pytest.mark.parametrize("seconds", [5, 5.0])
    def test_advance_takes_seconds_too(self, fake: FakeSageMaker, seconds: float) -> None:
        """advance(5) moves the clock 5 seconds, as advance(timedelta(seconds=5)) does (it
        was a raw TypeError from comparing an int with a timedelta)."""
        create(fake, settle=False)
        fake.advance(seconds)
        assert fake.now == T0 + timedelta(seconds=5)
        assert status(fake) == "Running"

    @pytest.mark.parametrize("step", ["5", None, True, [1]])
    def test_advance_says_what_it_takes(self, fake: FakeSageMaker, step: Any) -> None:
        with pytest.raises(TypeError, match="advance takes a timedelta or a number of seconds"):
            fake.advance(step)
        assert fake.now == T0

    def test_real_time_clock_follows_the_real_time(self, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
        """real_time=True: experiments move with the real time too (the local server's
        clock, a tick a second), and advance() still jumps ahead."""
        real = [0.0]
        monkeypatch.setattr(time, "monotonic", lambda: real[0])
        fake = FakeSageMaker(now=T0, real_time=True)
        fake.client.create_inference_experiment(**params())
        assert status(fake) == "Creating"
        real[0] += 1  # a second of real time
        assert status(fake) == "Running"
        fake.advance(timedelta(days=8))
        assert status(fake) == "Completed"

    def test_experiment_client_runs_on_the_fake_clock(
        self, fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """experiment_client() waits in fake time: a week-long wait takes no real time."""
        monkeypatch.setattr(time, "sleep", _no_real_sleep)
        client = fake.experiment_client()
        client.create(sample_config())
        done = client.wait(NAME, "Completed", timeout=30 * 86400, max_interval=3600)
        assert done.status is ExperimentStatus.COMPLETED
        assert fake.now >= T0 + timedelta(days=7)


def _no_real_sleep(seconds: float) -> None:
    raise AssertionError(f"time.sleep({seconds}) was called: real time would pass")


class TestStateMachine:
    def test_creating_lasts_until_the_clock_moves(self, fake: FakeSageMaker) -> None:
        """Creating (variants Creating too) holds until the clock moves at all."""
        create(fake, settle=False)
        fake.advance(timedelta(0))
        assert status(fake) == "Creating"
        assert variant_statuses(fake) == {"production": "Creating", "shadow": "Creating"}
        fake.sleep(0.001)
        assert status(fake) == "Running"
        assert variant_statuses(fake) == {"production": "InService", "shadow": "InService"}

    @pytest.mark.parametrize(("schedule", "start", "end"), [
        (None, T0, T0 + 7 * DAY),
        (InferenceExperimentSchedule(end_time=T0 + 3 * DAY), T0, T0 + 3 * DAY),
        (InferenceExperimentSchedule(start_time=T0 + DAY), T0 + DAY, T0 + 8 * DAY),
        (InferenceExperimentSchedule(start_time=T0 + DAY, end_time=T0 + 2 * DAY),
         T0 + DAY, T0 + 2 * DAY),
    ])
    def test_schedule_defaults(
        self, fake: FakeSageMaker, schedule: InferenceExperimentSchedule | None,
        start: datetime, end: datetime,
    ) -> None:
        """No start means now; no end means 7 days after the start."""
        create(fake, schedule=schedule)
        assert fake.describe(NAME)["Schedule"] == {"StartTime": start, "EndTime": end}
        assert fake.describe(NAME)["CreationTime"] == T0

    def test_future_start_is_created_then_running_at_start(self, fake: FakeSageMaker) -> None:
        """With a future StartTime: Created, then Running exactly at StartTime."""
        start = T0 + timedelta(hours=2)
        create(fake, schedule=InferenceExperimentSchedule.starting_at(start))
        assert status(fake) == "Created"
        fake.advance(start - fake.now - SECOND)
        assert status(fake) == "Created"
        fake.advance(SECOND)
        assert status(fake) == "Running"
        assert fake.describe(NAME)["LastModifiedTime"] == start

    def test_running_completes_at_end_time(self, fake: FakeSageMaker) -> None:
        """Running becomes Completed at EndTime, which becomes CompletionTime."""
        create(fake)
        end = T0 + 7 * DAY
        fake.advance(end - fake.now - SECOND)
        assert status(fake) == "Running"
        fake.advance(SECOND)
        described = fake.describe(NAME)
        assert described["Status"] == "Completed"
        assert described["CompletionTime"] == described["LastModifiedTime"] == end
        assert variant_statuses(fake) == {"production": "InService", "shadow": "InService"}

    @pytest.mark.parametrize(("schedule", "advance", "end"), [
        (None, 8 * DAY, T0 + 7 * DAY),
        (InferenceExperimentSchedule.starting_at(T0 + DAY, timedelta(days=2)), 9 * DAY,
         T0 + 3 * DAY),
    ])
    def test_one_big_advance_crosses_several_transitions(
        self, fake: FakeSageMaker, schedule: InferenceExperimentSchedule | None,
        advance: timedelta, end: datetime,
    ) -> None:
        """Creating → (Created →) Running → Completed in a single advance, dated correctly."""
        create(fake, settle=False, schedule=schedule)
        fake.advance(advance)
        described = fake.describe(NAME)
        assert described["Status"] == "Completed"
        assert described["CompletionTime"] == end

    @pytest.mark.parametrize(("start_in", "length", "end"), [
        (5 * DAY, 7 * DAY, T0 + 12 * DAY),  # the end stays
        (29 * DAY, 7 * DAY, T0 + SECOND + 30 * DAY),  # at most 30 days from the start (now)
    ])
    def test_start_goes_through_starting(
        self, fake: FakeSageMaker, start_in: timedelta, length: timedelta, end: datetime
    ) -> None:
        """Start: Starting until the clock moves, then Running; StartTime becomes now and
        the end stays within 30 days."""
        create(fake, schedule=InferenceExperimentSchedule.starting_at(T0 + start_in, length))
        now = fake.now
        fake.client.start_inference_experiment(Name=NAME)
        fake.advance(timedelta(0))
        assert status(fake) == "Starting"
        fake.advance(SECOND)
        described = fake.describe(NAME)
        assert described["Status"] == "Running"
        assert described["Schedule"] == {"StartTime": now, "EndTime": end}

    @pytest.mark.parametrize("schedule", [None, InferenceExperimentSchedule.starting_at(
        T0 + DAY)], ids=["Running", "Created"])
    def test_update_goes_through_updating_and_back(
        self, fake: FakeSageMaker, schedule: InferenceExperimentSchedule | None
    ) -> None:
        """Update: Updating until the clock moves, then the status before, with the change."""
        create(fake, schedule=schedule)
        before = status(fake)
        fake.advance(timedelta(minutes=5))
        fake.client.update_inference_experiment(Name=NAME, Description="now at 80%")
        assert status(fake) == "Updating"
        fake.advance(SECOND)
        described = fake.describe(NAME)
        assert (described["Status"], described["Description"]) == (before, "now at 80%")
        assert described["LastModifiedTime"] == T0 + SECOND + timedelta(minutes=5)

    def test_update_of_end_time_ends_the_test_then(self, fake: FakeSageMaker) -> None:
        """A new EndTime is applied: the test completes at it."""
        create(fake)
        fake.client.update_inference_experiment(Name=NAME, Schedule={"EndTime": T0 + 2 * DAY})
        fake.advance(2 * DAY)
        assert fake.describe(NAME)["CompletionTime"] == T0 + 2 * DAY

    @pytest.mark.parametrize(("desired", "final"), [
        ({}, "Completed"),
        ({"DesiredState": "Completed"}, "Completed"),
        ({"DesiredState": "Cancelled"}, "Cancelled"),
    ])
    def test_stop_goes_through_stopping(
        self, fake: FakeSageMaker, desired: dict[str, Any], final: str
    ) -> None:
        """Stop: Stopping until the clock moves, then the DesiredState (Completed by
        default), with the Reason as StatusReason and a CompletionTime."""
        create(fake)
        stopped_at = fake.now
        fake.client.stop_inference_experiment(
            Name=NAME, ModelVariantActions=RETAIN_BOTH, Reason="good enough", **desired)
        assert status(fake) == "Stopping"
        assert fake.describe(NAME)["StatusReason"] == "good enough"
        fake.advance(SECOND)
        described = fake.describe(NAME)
        assert described["Status"] == final
        assert described["CompletionTime"] == stopped_at

    def test_endpoint_metadata(self, fake: FakeSageMaker) -> None:
        """EndpointMetadata names the endpoint, a config, and InService."""
        create(fake, endpoint_name="fraud")
        assert fake.describe(NAME)["EndpointMetadata"] == {
            "EndpointName": "fraud", "EndpointConfigName": "fraud-config",
            "EndpointStatus": "InService"}


def _seeded(fake: FakeSageMaker, wanted: str) -> None:
    fake.seed(sample_config(), status=ExperimentStatus(wanted))


_CONFLICT_CALLS: dict[str, Callable[[SageMakerClient], object]] = {
    "update": lambda sm: sm.update_inference_experiment(Name=NAME, Description="x"),
    "start": lambda sm: sm.start_inference_experiment(Name=NAME),
    "stop": lambda sm: sm.stop_inference_experiment(Name=NAME, ModelVariantActions=RETAIN_BOTH),
    "delete": lambda sm: sm.delete_inference_experiment(Name=NAME),
}


def _bad_create(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    request = params()
    change(request)
    return request


def _sampling(value: int) -> Callable[[dict[str, Any]], None]:
    def change(request: dict[str, Any]) -> None:
        request["ShadowModeConfig"]["ShadowModelVariants"][0]["SamplingPercentage"] = value
    return change


def _instance_type(value: str) -> Callable[[dict[str, Any]], None]:
    def change(request: dict[str, Any]) -> None:
        config = request["ModelVariants"][1]["InfrastructureConfig"]["RealTimeInferenceConfig"]
        config["InstanceType"] = value
    return change


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda request: request.__setitem__(key, value)


def _shadow_name(request: dict[str, Any]) -> None:
    request["ShadowModeConfig"]["ShadowModelVariants"][0]["ShadowModelVariantName"] = "shadw"


def _three_variants(request: dict[str, Any]) -> None:
    request["ModelVariants"].append({**request["ModelVariants"][1], "VariantName": "third"})


def _variant(name: str = "shadow", model: str = "churn-v2", kind: str = "ml.m5.xlarge",
             count: int = 1) -> dict[str, Any]:
    return {"ModelName": model, "VariantName": name, "InfrastructureConfig": {
        "InfrastructureType": "RealTimeInference",
        "RealTimeInferenceConfig": {"InstanceType": kind, "InstanceCount": count}}}


def _shadow_mode(sampling: int = 50, shadow: str = "shadow") -> dict[str, Any]:
    return {"SourceModelVariantName": "production", "ShadowModelVariants": [
        {"ShadowModelVariantName": shadow, "SamplingPercentage": sampling}]}


class TestServiceErrors:
    def test_duplicate_name_is_resource_in_use(self, fake: FakeSageMaker) -> None:
        """Creating a name that exists is ResourceInUse; after delete the name is free."""
        create(fake, schedule=InferenceExperimentSchedule.starting_at(T0 + DAY))
        with pytest.raises(fake.client.exceptions.ResourceInUse):
            create(fake)
        fake.client.delete_inference_experiment(Name=NAME)
        create(fake)
        assert status(fake) == "Running"

    @pytest.mark.parametrize(("method", "kwargs"), [
        ("describe_inference_experiment", {}),
        ("update_inference_experiment", {"Description": "x"}),
        ("start_inference_experiment", {}),
        ("stop_inference_experiment", {"ModelVariantActions": RETAIN_BOTH}),
        ("delete_inference_experiment", {}),
    ])
    def test_unknown_name_is_resource_not_found(
        self, fake: FakeSageMaker, method: str, kwargs: dict[str, Any]
    ) -> None:
        """Every operation on a name that doesn't exist is ResourceNotFound."""
        create(fake, name="other")
        with pytest.raises(fake.client.exceptions.ResourceNotFound) as error:
            getattr(fake.client, method)(Name=NAME, **kwargs)
        assert NAME in message(error)

    @pytest.mark.parametrize(("operation", "wanted"), [
        (operation, wanted)
        for operation, allowed in sorted(_ALLOWED.items())
        for wanted in _ALL_STATUSES if wanted not in allowed
    ])
    def test_wrong_status_is_conflict(self, fake: FakeSageMaker, operation: str,
                                      wanted: str) -> None:
        """update/start/stop/delete outside their statuses (SPEC §7.6) are
        ConflictException, and change nothing."""
        _seeded(fake, wanted)
        before = fake.describe(NAME)
        with pytest.raises(fake.client.exceptions.ConflictException) as error:
            _CONFLICT_CALLS[operation](fake.client)
        assert wanted in message(error)
        assert fake.describe(NAME) == before

    # The config rules themselves are tested in test_config.py; here, one of them shows the
    # fake applies them, beside the rules only a request can break (the installed botocore's
    # instance types, the clock).
    @pytest.mark.parametrize("change", [
        _sampling(150),
        _instance_type("ml.m5.huge"),
        _set("Schedule", {"EndTime": T0 - SECOND}),
        _set("Schedule", {"EndTime": T0 + timedelta(days=31)}),
    ], ids=["sampling-150", "instance-type", "end-passed", "end-31-days-from-now"])
    def test_bad_create_is_validation_exception(
        self, fake: FakeSageMaker, change: Callable[[dict[str, Any]], None]
    ) -> None:
        """Creates raw boto3 would send but the service refuses are ValidationException,
        and create nothing."""
        with pytest.raises(ClientError) as error:
            fake.client.create_inference_experiment(**_bad_create(change))
        assert_validation(error)
        assert fake.calls[-1][0] == "CreateInferenceExperiment"  # botocore let it through
        assert fake.experiments == {}

    def test_every_problem_is_counted(self, fake: FakeSageMaker) -> None:
        """The message counts and lists each problem."""
        request = _bad_create(_sampling(150))
        request["Name"] = "bad_name"
        with pytest.raises(ClientError, match="2 validation errors detected: ") as error:
            fake.client.create_inference_experiment(**request)
        assert "shadow_mode_config.sampling_percentage: got 150" in message(error)
        assert "name: got 'bad_name'" in message(error)

    @pytest.mark.parametrize(("wanted", "update"), [
        ("Running", {"ShadowModeConfig": _shadow_mode(150)}),
        ("Running", {"ModelVariants": [_variant(count=2)]}),
        ("Running", {"Schedule": {"StartTime": T0 + DAY}}),
        ("Running", {"DataStorageConfig": {"Destination": "s3://bucket/capture"}}),
        ("Running", {"Schedule": {"EndTime": T0 + timedelta(days=40)}}),
        ("Created", {"ModelVariants": [_variant(name="other")]}),
        ("Created", {"ModelVariants": [_variant(model="churn-v3")]}),
        ("Created", {"ModelVariants": [_variant(kind="ml.m5.huge")]}),
        ("Created", {"ShadowModeConfig": _shadow_mode(shadow="unknown")}),
        ("Created", {"Schedule": {"EndTime": T0}}),
    ])
    def test_bad_update_is_validation_exception(
        self, fake: FakeSageMaker, wanted: str, update: dict[str, Any]
    ) -> None:
        """Updates breaking SPEC §7.7 or a field rule are ValidationException; nothing
        changes."""
        _seeded(fake, wanted)
        before = fake.describe(NAME)
        with pytest.raises(ClientError) as error:
            fake.client.update_inference_experiment(Name=NAME, **update)
        assert_validation(error)
        assert fake.describe(NAME) == before

    @pytest.mark.parametrize("stop", [
        {"ModelVariantActions": {}},
        {"ModelVariantActions": {"production": "Retain", "shadow": "Retain", "x": "Remove"}},
        {"ModelVariantActions": {"canary": "Remove"}},
        {"ModelVariantActions": {"production": "Keep"}},
        {"ModelVariantActions": {"production": "Promote"}},
        {"ModelVariantActions": {"production": "Promote", "shadow": "Promote"}},
        {"ModelVariantActions": RETAIN_BOTH, "DesiredModelVariants": [_variant(name="x")]},
        {"ModelVariantActions": RETAIN_BOTH, "DesiredModelVariants": [_variant(kind="ml.x")]},
        {"ModelVariantActions": RETAIN_BOTH, "DesiredState": "Running"},
        {"ModelVariantActions": RETAIN_BOTH, "Reason": "x" * 1025},
    ])
    def test_bad_stop_is_validation_exception(
        self, fake: FakeSageMaker, stop: dict[str, Any]
    ) -> None:
        """Stops breaking SPEC §7.8 are ValidationException; the test keeps running."""
        create(fake)
        with pytest.raises(ClientError) as error:
            fake.client.stop_inference_experiment(Name=NAME, **stop)
        assert_validation(error)
        assert status(fake) == "Running"


class TestList:
    COUNT = 230

    @pytest.fixture
    def many(self, fake: FakeSageMaker) -> FakeSageMaker:
        """230 experiments a minute apart (every 10th stopped, alternately Cancelled)."""
        for i in range(self.COUNT):  # seeded, not created: 230 calls would cost 0.3 s a test
            fake.seed(sample_config(name=f"exp-{i:03d}", description=f"experiment {i}"),
                      status=ExperimentStatus.RUNNING)
            fake.advance(timedelta(minutes=1))
        for i in range(0, self.COUNT, 10):
            fake.client.stop_inference_experiment(
                Name=f"exp-{i:03d}", ModelVariantActions=RETAIN_BOTH,
                DesiredState="Cancelled" if i % 20 else "Completed")
            fake.advance(timedelta(minutes=1))
        fake.advance(SECOND)
        return fake

    def pages(self, fake: FakeSageMaker, **kwargs: Any) -> list[list[Any]]:
        """Every page of a listing, following NextToken (from ``kwargs`` at first)."""
        pages = []
        while True:
            response = fake.client.list_inference_experiments(**kwargs)
            pages.append(response["InferenceExperiments"])
            if "NextToken" not in response:
                return pages
            kwargs["NextToken"] = response["NextToken"]

    @pytest.mark.parametrize(("size", "expected"), [(100, 100), (7, 7), (None, 10)])
    def test_pages_hold_every_item_exactly_once(
        self, many: FakeSageMaker, size: int | None, expected: int
    ) -> None:
        """Following NextToken gives all 230 items once, in pages of MaxResults (10 by
        default); the last page has no NextToken."""
        pages = self.pages(many, **({"MaxResults": size} if size else {}))
        names = [item["Name"] for page in pages for item in page]
        assert sorted(names) == [f"exp-{i:03d}" for i in range(self.COUNT)]
        assert len(pages) == math.ceil(self.COUNT / expected)
        assert all(len(page) == expected for page in pages[:-1])

    def test_boto3_paginator_and_experiment_client(self, many: FakeSageMaker) -> None:
        """boto3's paginator and ExperimentClient.list both see all 230."""
        paginator = many.client.get_paginator("list_inference_experiments")
        pages = list(paginator.paginate(PaginationConfig={"PageSize": 100}))
        assert [len(page["InferenceExperiments"]) for page in pages] == [100, 100, 30]
        listed = list(many.experiment_client().list(max_results=7))
        assert len({item.name for item in listed}) == self.COUNT

    def test_default_order_is_newest_first(self, many: FakeSageMaker) -> None:
        """Without SortBy/SortOrder the list is by CreationTime, newest first."""
        names = [item["Name"] for page in self.pages(many, MaxResults=100) for item in page]
        assert names == [f"exp-{i:03d}" for i in reversed(range(self.COUNT))]

    @pytest.mark.parametrize("sort_by", ["Name", "CreationTime", "Status"])
    @pytest.mark.parametrize("order", ["Ascending", "Descending"])
    def test_sort(self, many: FakeSageMaker, sort_by: str, order: str) -> None:
        """SortBy and SortOrder order the whole list, across pages (ties by name)."""
        items = [item for page in self.pages(many, SortBy=sort_by, SortOrder=order,
                                             MaxResults=7) for item in page]
        keys = [(item[sort_by], item["Name"]) for item in items]
        assert keys == sorted(keys, reverse=order == "Descending")
        assert len(keys) == self.COUNT

    @pytest.mark.parametrize(("filters", "keep"), [
        ({"NameContains": "EXP-01"}, lambda d: d["Name"].startswith("exp-01")),
        ({"NameContains": "9"}, lambda d: "9" in d["Name"]),
        ({"Type": "ShadowMode"}, lambda d: True),
        ({"StatusEquals": "Cancelled"}, lambda d: d["Status"] == "Cancelled"),
        ({"StatusEquals": "Running"}, lambda d: d["Status"] == "Running"),
        ({"CreationTimeAfter": T0 + timedelta(minutes=200)},
         lambda d: d["CreationTime"] > T0 + timedelta(minutes=200)),
        ({"CreationTimeBefore": T0 + timedelta(minutes=5)},
         lambda d: d["CreationTime"] < T0 + timedelta(minutes=5)),
        ({"LastModifiedTimeAfter": T0 + timedelta(minutes=230)},
         lambda d: d["LastModifiedTime"] > T0 + timedelta(minutes=230)),
        ({"LastModifiedTimeBefore": T0 + timedelta(minutes=100)},
         lambda d: d["LastModifiedTime"] < T0 + timedelta(minutes=100)),
        ({"StatusEquals": "Completed", "NameContains": "exp-1"},
         lambda d: d["Status"] == "Completed" and d["Name"].startswith("exp-1")),
    ])
    def test_filters(self, many: FakeSageMaker, filters: dict[str, Any],
                     keep: Callable[[dict[str, Any]], bool]) -> None:
        """Each filter keeps exactly the matching experiments (NameContains ignores case,
        the time filters are strict)."""
        expected = {name for name, d in many.experiments.items() if keep(dict(d))}
        listed = [item["Name"] for page in self.pages(many, MaxResults=100, **filters)
                  for item in page]
        assert sorted(listed) == sorted(expected)
        assert expected
        assert len(expected) < self.COUNT or filters == {"Type": "ShadowMode"}

    @pytest.mark.parametrize("needle", ["shadow", "SHADOW", "Shadow-A", "n-sH"])
    def test_name_contains_ignores_case(self, fake: FakeSageMaker, needle: str) -> None:
        """NameContains matches whatever the case of the name or of the filter."""
        create(fake, name="Churn-Shadow-A")
        create(fake, name="other")
        listed = fake.client.list_inference_experiments(NameContains=needle)
        assert [item["Name"] for item in listed["InferenceExperiments"]] == ["Churn-Shadow-A"]

    def test_summaries_have_the_summary_shapes_members(self, fake: FakeSageMaker) -> None:
        """A summary has exactly the InferenceExperimentSummary members (no Arn, variants)."""
        create(fake, description="d")
        fake.client.stop_inference_experiment(Name=NAME, ModelVariantActions=RETAIN_BOTH,
                                              Reason="done")
        fake.advance(SECOND)
        (summary,) = fake.client.list_inference_experiments()["InferenceExperiments"]
        shape = fake.client.meta.service_model.shape_for("InferenceExperimentSummary")
        assert set(summary) == set(shape.members)  # type: ignore[attr-defined]

    def test_pages_survive_changes_between_them(self, many: FakeSageMaker) -> None:
        """Deleting listed experiments and adding new ones between pages neither repeats
        nor skips the rest."""
        first = many.client.list_inference_experiments(MaxResults=7, SortBy="Name",
                                                       SortOrder="Ascending")
        seen = [item["Name"] for item in first["InferenceExperiments"]]
        many.client.stop_inference_experiment(Name=seen[-1], ModelVariantActions=RETAIN_BOTH)
        many.advance(SECOND)
        many.client.delete_inference_experiment(Name=seen[-1])  # exp-006: the token's key
        create(many, name="aaa-new")  # sorts before the token
        rest = self.pages(many, MaxResults=50, SortBy="Name", SortOrder="Ascending",
                          NextToken=first["NextToken"])
        later = [item["Name"] for page in rest for item in page]
        assert later == [f"exp-{i:03d}" for i in range(7, self.COUNT)]

    @pytest.mark.parametrize("request_", [
        {"MaxResults": 101},
        {"NameContains": "bad name!"},
        {"StatusEquals": "Paused"},
        {"SortBy": "Owner"},
        {"SortOrder": "Up"},
        {"Type": "ABTest"},
        {"NextToken": "not-a-token"},
        {"NextToken": "WyJhIiwgMV0="},  # base64 JSON, but not ours
    ])
    def test_bad_list_is_validation_exception(self, fake: FakeSageMaker,
                                              request_: dict[str, Any]) -> None:
        """Values botocore lets through but the service refuses are ValidationException."""
        with pytest.raises(ClientError) as error:
            fake.client.list_inference_experiments(**request_)
        assert_validation(error)

    def test_token_is_bound_to_its_sort(self, many: FakeSageMaker) -> None:
        """A NextToken used with another sort is refused, not misread."""
        token = many.client.list_inference_experiments(SortBy="Name")["NextToken"]
        with pytest.raises(ClientError, match="SortBy=Name"):
            many.client.list_inference_experiments(SortBy="Status", NextToken=token)


class TestPromotion:
    def stop(self, fake: FakeSageMaker, actions: dict[str, Any], **extra: Any) -> None:
        create(fake)
        fake.client.stop_inference_experiment(Name=NAME, ModelVariantActions=actions, **extra)
        fake.advance(SECOND)

    def test_production_variant_is_the_source_before_promotion(
        self, fake: FakeSageMaker
    ) -> None:
        """Until a promotion, the endpoint's production variant is the experiment's source;
        an endpoint no experiment named has none."""
        create(fake)
        assert fake.production_variant("churn") == ("production", "churn-v1")
        assert fake.production_variant("other") is None

    @pytest.mark.parametrize(("actions", "variants", "production"), [
        ({"production": "Remove", "shadow": "Promote"}, ("Deleted", "InService"),
         ("shadow", "churn-v2")),
        ({"shadow": "Promote"}, ("Deleted", "InService"), ("shadow", "churn-v2")),
        ({"production": "Retain", "shadow": "Promote"}, ("InService", "InService"),
         ("shadow", "churn-v2")),
        (RETAIN_BOTH, ("InService", "InService"), ("production", "churn-v1")),
        ({"production": "Retain", "shadow": "Remove"}, ("InService", "Deleted"),
         ("production", "churn-v1")),
        ({"shadow": "Retain"}, ("InService", "InService"), ("production", "churn-v1")),
        ({"production": "Remove"}, ("Deleted", "InService"), None),
    ])
    @pytest.mark.parametrize("state", ["Completed", "Cancelled"])
    def test_variant_actions(
        self, fake: FakeSageMaker, actions: dict[str, Any], variants: tuple[str, str],
        production: tuple[str, str] | None, state: str,
    ) -> None:
        """Promote makes the shadow production and removes the source unless retained;
        Remove deletes a variant; Retain keeps it (SPEC §4)."""
        self.stop(fake, actions, DesiredState=state)
        assert status(fake) == state
        assert variant_statuses(fake) == dict(zip(("production", "shadow"), variants,
                                                  strict=True))
        assert fake.production_variant("churn") == production

    def test_production_variant_follows_the_clock(self, fake: FakeSageMaker) -> None:
        """A promoted shadow is production as soon as the stop has ended on the clock, with
        nothing having described the experiment (it read as the old production until a
        describe settled the stop)."""
        create(fake)
        fake.client.stop_inference_experiment(Name=NAME,
                                              ModelVariantActions={"shadow": "Promote"})
        assert fake.production_variant("churn") == ("production", "churn-v1")  # Stopping
        fake.advance(SECOND)
        assert fake.production_variant("churn") == ("shadow", "churn-v2")

    def test_a_later_experiment_outranks_an_earlier_stop(self, fake: FakeSageMaker) -> None:
        """Stops settle lazily, in any order: a stop that ended before a newer experiment
        was created on the endpoint does not overwrite what that create set."""
        create(fake)
        fake.client.stop_inference_experiment(Name=NAME,
                                              ModelVariantActions={"shadow": "Promote"})
        fake.advance(SECOND)  # the promotion ends now, unread
        create(fake, name="next", settle=False)  # its source: production, churn-v1
        assert fake.production_variant("churn") == ("production", "churn-v1")

    def test_actions_take_effect_when_stopping_ends(self, fake: FakeSageMaker) -> None:
        """While Stopping nothing has changed yet."""
        create(fake)
        fake.client.stop_inference_experiment(Name=NAME,
                                              ModelVariantActions={"shadow": "Promote"})
        assert variant_statuses(fake) == {"production": "InService", "shadow": "InService"}
        assert fake.production_variant("churn") == ("production", "churn-v1")

    def test_desired_variants_replace_instance_settings(self, fake: FakeSageMaker) -> None:
        """DesiredModelVariants set the instance type and count of the named variants."""
        self.stop(fake, {"shadow": "Promote"},
                  DesiredModelVariants=[_variant(kind="ml.c5.2xlarge", count=3)])
        shadow = fake.describe(NAME)["ModelVariants"][1]
        assert shadow["InfrastructureConfig"]["RealTimeInferenceConfig"] == {
            "InstanceType": "ml.c5.2xlarge", "InstanceCount": 3}
        production = fake.describe(NAME)["ModelVariants"][0]
        assert production["InfrastructureConfig"]["RealTimeInferenceConfig"] == {
            "InstanceType": "ml.m5.xlarge", "InstanceCount": 1}


class TestFaultInjection:
    @pytest.mark.parametrize("operation", ["DescribeInferenceExperiment",
                                           "describe_inference_experiment"])
    @pytest.mark.parametrize("times", [1, 3])
    def test_next_calls_fail_then_succeed(
        self, fake: FakeSageMaker, operation: str, times: int
    ) -> None:
        """The next ``times`` calls fail with the code and message; then calls succeed.
        Failed calls are recorded too. (A code botocore does not retry: one fault per call.)"""
        create(fake)
        fake.fail_next(operation, "AccessDeniedException", "Not yours", times=times)
        for _ in range(times):
            with pytest.raises(ClientError) as error:
                fake.client.describe_inference_experiment(Name=NAME)
            assert (code(error), message(error)) == ("AccessDeniedException", "Not yours")
        assert fake.client.describe_inference_experiment(Name=NAME)["Status"] == "Running"
        assert [op for op, _ in fake.calls].count("DescribeInferenceExperiment") == times + 1

    def test_fault_comes_before_anything_else(
        self, fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An injected fault wins over the real outcome, and a failed create creates nothing
        (a 500 is retried by botocore: three faults for its three attempts)."""
        monkeypatch.setattr(time, "sleep", fake.sleep)  # botocore's pauses between retries
        fake.fail_next("describe_inference_experiment", "AccessDeniedException")
        with pytest.raises(ClientError, match="AccessDeniedException"):
            fake.client.describe_inference_experiment(Name="missing")
        fake.fail_next("CreateInferenceExperiment", "InternalFailure", http_status=500, times=3)
        with pytest.raises(ClientError) as error:
            create(fake)
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert fake.experiments == {}

    def test_only_that_operation_fails(self, fake: FakeSageMaker) -> None:
        """Other operations are not affected by a fault queued for one."""
        create(fake)
        fake.fail_next("StopInferenceExperiment", "ValidationException")
        assert fake.client.list_inference_experiments()["InferenceExperiments"]
        with pytest.raises(ClientError, match="ValidationException"):
            fake.client.stop_inference_experiment(Name=NAME, ModelVariantActions=RETAIN_BOTH)

    @pytest.mark.parametrize("operation", ["ListEndpoints", "list_endpoints", "nope", ""])
    def test_unknown_operation_is_value_error(self, fake: FakeSageMaker, operation: str) -> None:
        """Only operations the fake serves can be made to fail."""
        with pytest.raises(ValueError, match="serves no operation"):
            fake.fail_next(operation, "ThrottlingException")

    @pytest.mark.parametrize(("kwargs", "match"), [
        ({"times": 0}, "times"), ({"times": True}, "times"), ({"http_status": 200}, "status"),
    ])
    def test_bad_arguments_are_value_errors(
        self, fake: FakeSageMaker, kwargs: dict[str, Any], match: str
    ) -> None:
        """times must be >= 1 and http_status an error status."""
        with pytest.raises(ValueError, match=match):
            fake.fail_next("ListInferenceExperiments", "ThrottlingException", **kwargs)

    @pytest.mark.parametrize(("code_", "expected"), [
        ("ConflictException", ExperimentConflictError),
        ("ResourceNotFound", ExperimentNotFoundError),
        ("AccessDeniedException", ClientError),
    ])
    def test_experiment_client_sees_injected_errors(
        self, fake: FakeSageMaker, code_: str, expected: type[Exception]
    ) -> None:
        """ExperimentClient translates injected service codes as it would real ones."""
        create(fake)
        fake.fail_next("DeleteInferenceExperiment", code_)
        fake.client.stop_inference_experiment(Name=NAME, ModelVariantActions=RETAIN_BOTH)
        fake.advance(SECOND)
        with pytest.raises(expected):
            fake.experiment_client().delete(NAME)


FULL_CONFIG = sample_config(
    description="full", kms_key="alias/shadow",
    data_storage_config=DataStorageConfig(destination="s3://bucket/capture",
                                          json_content_types=["application/json"]))


class TestResponseShapes:
    @pytest.mark.parametrize("wanted", [s.value for s in ExperimentStatus])
    def test_describe_and_list_match_the_model(self, fake: FakeSageMaker, wanted: str) -> None:
        """In every status, describe and list responses fit their output shapes."""
        fake.seed(FULL_CONFIG, status=ExperimentStatus(wanted))
        described = fake.client.describe_inference_experiment(Name=NAME)
        assert described["Status"] == wanted
        validate(fake.client, "DescribeInferenceExperiment", dict(described))
        listed = fake.client.list_inference_experiments()
        validate(fake.client, "ListInferenceExperiments", dict(listed))

    @pytest.mark.parametrize(("operation", "wanted", "call"), [
        ("CreateInferenceExperiment", None,
         lambda sm: sm.create_inference_experiment(**FULL_CONFIG.to_boto3())),
        ("UpdateInferenceExperiment", "Running",
         lambda sm: sm.update_inference_experiment(Name=NAME, Description="x")),
        ("StartInferenceExperiment", "Created", lambda sm: sm.start_inference_experiment(
            Name=NAME)),
        ("StopInferenceExperiment", "Running", lambda sm: sm.stop_inference_experiment(
            Name=NAME, ModelVariantActions=RETAIN_BOTH)),
        ("DeleteInferenceExperiment", "Completed", lambda sm: sm.delete_inference_experiment(
            Name=NAME)),
    ])
    def test_other_responses_match_the_model(
        self, fake: FakeSageMaker, operation: str, wanted: str | None,
        call: Callable[[SageMakerClient], Any],
    ) -> None:
        """Create, update, start, stop and delete return just the ARN, fitting their shapes."""
        if wanted:
            fake.seed(FULL_CONFIG, status=ExperimentStatus(wanted))
        response = call(fake.client)
        assert set(response) == {"InferenceExperimentArn", "ResponseMetadata"}
        validate(fake.client, operation, response)

    @pytest.mark.parametrize("wired", [False, True])
    def test_an_invalid_response_is_an_assertion_error(
        self, fake: FakeSageMaker, wired: bool
    ) -> None:
        """Every response is checked against the model before it is returned, before the
        HTTP layer and through it (a handler given with serve() too)."""
        fake.serve({"DescribeInferenceExperiment": lambda p: {"Name": p["Name"]}})
        if wired:
            fake.delay_next("DescribeInferenceExperiment", 0)
        with pytest.raises(AssertionError, match="invalid DescribeInferenceExperiment"):
            fake.client.describe_inference_experiment(Name=NAME)


class TestInspection:
    def test_calls_record_params_as_given(self, fake: FakeSageMaker) -> None:
        """calls holds each served call's operation and params, failed calls included."""
        start = datetime(2030, 1, 2, 0, 0, 0, 500_000, tzinfo=timezone.utc)
        request = {**params(), "Schedule": {"StartTime": start}}
        fake.client.create_inference_experiment(**request)
        with pytest.raises(ClientError):
            fake.client.describe_inference_experiment(Name="missing")
        assert fake.calls == [("CreateInferenceExperiment", request),
                              ("DescribeInferenceExperiment", {"Name": "missing"})]

    def test_describe_and_experiments_are_copies(self, fake: FakeSageMaker) -> None:
        """Changing what describe()/experiments return changes nothing in the fake."""
        create(fake)
        described = fake.describe(NAME)
        described["Status"] = "Cancelled"
        described["ModelVariants"][0]["VariantName"] = "changed"
        assert fake.describe(NAME)["Status"] == "Running"
        assert fake.describe(NAME)["ModelVariants"][0]["VariantName"] == "production"
        with pytest.raises(TypeError):
            fake.experiments[NAME] = {}  # type: ignore[index]
        with pytest.raises(KeyError):
            fake.describe("missing")

    def test_requests_are_copied_too(self, fake: FakeSageMaker) -> None:
        """Changing a request dict after the call changes nothing in the fake."""
        request = params()
        fake.client.create_inference_experiment(**request)
        request["ModelVariants"][0]["VariantName"] = "changed"
        assert fake.describe(NAME)["ModelVariants"][0]["VariantName"] == "production"

    @pytest.mark.parametrize("wanted", [s.value for s in ExperimentStatus])
    def test_seed_puts_an_experiment_in_any_status(
        self, fake: FakeSageMaker, wanted: str
    ) -> None:
        """seed() creates an experiment directly in the status, recording no call."""
        arn = fake.seed(sample_config(), status=ExperimentStatus(wanted))
        assert arn.endswith(f":inference-experiment/{NAME}")
        assert status(fake) == wanted
        assert ("CompletionTime" in fake.describe(NAME)) == (wanted in {"Completed",
                                                                        "Cancelled"})
        assert fake.calls == []

    def test_backdate_ages_an_experiment(self, fake: FakeSageMaker) -> None:
        """backdate moves the experiment's times back, not the clock; its end passing
        completes it; an unknown name is a KeyError, a step back in time a ValueError."""
        fake.seed(sample_config())
        fake.backdate(NAME, timedelta(days=6))
        described = fake.describe(NAME)
        assert described["CreationTime"] == T0 - timedelta(days=6)
        assert described["Schedule"]["StartTime"] == T0 - timedelta(days=6)
        assert (fake.now, described["Status"]) == (T0, "Running")
        fake.backdate(NAME, 86400)
        assert status(fake) == "Completed"
        assert fake.describe(NAME)["CompletionTime"] == T0
        with pytest.raises(KeyError):
            fake.backdate("absent", 1)
        with pytest.raises(ValueError, match="backdate"):
            fake.backdate(NAME, -1)

    @pytest.mark.parametrize(("wanted", "after"), [
        ("Creating", "Running"), ("Starting", "Running"), ("Updating", "Running"),
        ("Stopping", "Completed"), ("Created", "Created"),
    ])
    def test_seeded_transient_statuses_settle(
        self, fake: FakeSageMaker, wanted: str, after: str
    ) -> None:
        """Seeded transient statuses end when the clock moves; a seeded Created waits for
        its start, a day ahead when none was given."""
        fake.seed(sample_config(), status=ExperimentStatus(wanted))
        fake.advance(SECOND)
        assert status(fake) == after
        if wanted == "Created":
            assert fake.describe(NAME)["Schedule"]["StartTime"] == T0 + DAY

    def test_seed_takes_create_params_and_refuses_bad_ones(self, fake: FakeSageMaker) -> None:
        """seed() reads create parameters; an invalid config, a taken name or an unknown
        status is refused."""
        fake.seed(params(), status="Running")
        with pytest.raises(ValueError, match="exists already"):
            fake.seed(sample_config())
        with pytest.raises(ConfigValidationError):
            fake.seed(_bad_create(_sampling(150)))
        with pytest.raises(ValueError, match="Paused"):
            fake.seed(sample_config(name="other"), status="Paused")  # type: ignore[arg-type]

    def test_seed_sets_the_status_reason_of_a_cancelled_experiment(
        self, fake: FakeSageMaker
    ) -> None:
        """A Cancelled experiment seeded with the service's reason describes with it, as
        the service would say why it cancelled one; a reason that is not text is refused."""
        reason = "Endpoint churn uses a serverless config, not supported for shadow tests."
        fake.seed(sample_config(), status="Cancelled", status_reason=reason)
        described = fake.client.describe_inference_experiment(Name="churn-shadow")
        assert described["Status"] == "Cancelled"
        assert described["StatusReason"] == reason
        with pytest.raises(TypeError, match="status_reason"):
            fake.seed(sample_config(name="other"), status_reason=3)  # type: ignore[arg-type]

    def test_repr_says_where_the_fake_is(self, fake: FakeSageMaker) -> None:
        """repr shows region, clock and experiment count."""
        create(fake)
        assert repr(fake) == (
            "FakeSageMaker(region='us-east-1', now=2030-01-01T00:00:01+00:00, experiments=1)")


class TestConcurrency:
    def test_a_list_is_served_whole_while_another_thread_deletes(
        self, fake: FakeSageMaker
    ) -> None:
        """A list held while it is being served, and a delete sent meanwhile from another
        thread: the delete waits for the list (one lock serves each request whole), so
        the list never meets an experiment half gone (it was ResourceNotFound)."""
        for i in range(5):
            fake.seed(sample_config(name=f"exp-{i}"), status="Completed")
        listed: list[Any] = []
        lister = threading.Thread(target=lambda: listed.append(
            fake.client.list_inference_experiments(MaxResults=100)))
        deleter = threading.Thread(
            target=lambda: fake.client.delete_inference_experiment(Name="exp-3"))
        with fake.hold_next("ListInferenceExperiments") as hold:
            lister.start()
            assert hold.arrived.wait(5)
            deleter.start()
            deleter.join(0.05)
            assert deleter.is_alive()  # waiting for the list
        lister.join(5)
        deleter.join(5)
        assert len(listed[0]["InferenceExperiments"]) == 5
        assert sorted(fake.experiments) == ["exp-0", "exp-1", "exp-2", "exp-4"]

    def test_pages_of_a_long_listing_are_one_sorted_listing(self, fake: FakeSageMaker) -> None:
        """Paging through 250 experiments ten at a time, both ways, gives each once in
        order (each page is found by bisection in one sort; the cost of paging, linear
        in the experiments, is measured by benchmarks/reliability.py)."""
        for i in range(250):
            fake.seed(sample_config(name=f"exp-{i:03d}"))
        client = fake.experiment_client()
        names = [s.name for s in client.list(sort_by="Name", sort_order="Ascending")]
        assert names == [f"exp-{i:03d}" for i in range(250)]
        assert [s.name for s in client.list(sort_by="Name")] == names[::-1]


class TestExperimentClientEndToEnd:
    def test_create_wait_update_promote(
        self, fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The whole shadowtest flow against the fake, with no real time passing."""
        monkeypatch.setattr(time, "sleep", _no_real_sleep)
        client = fake.experiment_client()
        client.create(sample_config(shadow_mode_config=ShadowModeConfig(
            source_model_variant_name="production", shadow_model_variant_name="shadow",
            sampling_percentage=20)))
        assert client.wait(NAME, "Running").status is ExperimentStatus.RUNNING
        client.update(NAME, shadow_mode_config=ShadowModeConfig(
            source_model_variant_name="production", shadow_model_variant_name="shadow",
            sampling_percentage=100))
        running = client.wait(NAME, "Running")
        assert running.shadow_mode_config is not None
        assert running.shadow_mode_config.sampling_percentage == 100
        client.promote(NAME, reason="v2 wins")
        done = client.wait(NAME, {"Completed", "Cancelled"})
        assert (done.status, done.status_reason) == (ExperimentStatus.COMPLETED, "v2 wins")
        assert done.source_variant is not None
        assert done.source_variant.status == "Deleted"
        assert fake.production_variant("churn") == ("shadow", "churn-v2")
        assert fake.now - T0 < timedelta(minutes=5)
        operations = [op for op, _ in fake.calls if not op.startswith("Describe")]
        assert operations == ["CreateInferenceExperiment", "UpdateInferenceExperiment",
                              "StopInferenceExperiment"]

    def test_wait_times_out_in_fake_time(
        self, fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A wait that cannot succeed runs out of fake time, not real time."""
        monkeypatch.setattr(time, "sleep", _no_real_sleep)
        fake.seed(sample_config(), status="Created")
        with pytest.raises(WaitTimeoutError):
            fake.experiment_client().wait(NAME, "Running", timeout=600)
        assert fake.now >= T0 + timedelta(seconds=600)
        assert status(fake) == "Created"

    def test_service_errors_are_translated(self, fake: FakeSageMaker) -> None:
        """The fake's error codes become shadowtest's typed errors."""
        client = fake.experiment_client()
        client.create(sample_config())
        with pytest.raises(ExperimentAlreadyExistsError):
            client.create(sample_config())
        with pytest.raises(ExperimentNotFoundError):
            client.describe("missing")

    def test_raw_update_equals_what_experiment_client_sends(self, fake: FakeSageMaker) -> None:
        """The update ExperimentClient sends is the raw request the fake records."""
        create(fake, schedule=InferenceExperimentSchedule.starting_at(T0 + DAY))
        fake.experiment_client().update(NAME, description="new")
        assert fake.calls[-1] == ("UpdateInferenceExperiment",
                                  {"Name": NAME, "Description": "new"})
        assert copy.deepcopy(fake.describe(NAME))["Description"] == "new"

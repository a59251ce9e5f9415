"""Reliability on the wire: faults injected at botocore's HTTP layer (FakeSageMaker's
``before-send`` answers), so botocore's own retry logic sees them as it sees real ones.

Each fault is what a pipeline meets: throttling, 5xx, dropped connections, read timeouts
(with the change applied and only the answer lost), slow and malformed responses.
botocore pauses between its retries with ``time.sleep``; every test here puts that on
the fake clock, so nothing takes real time.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import re
import sys
import time
import types
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from shadowtest import (
    ConfigValidationError,
    DataStorageConfig,
    ExperimentAlreadyExistsError,
    ExperimentClient,
    ExperimentConflictError,
    ExperimentNotFoundError,
    ExperimentStatus,
    InferenceExperiment,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    InferenceExperimentSummary,
    MalformedResponseError,
    Problem,
    ShadowTestError,
    UpdateNotAllowedError,
    WaitTimeoutError,
)
from shadowtest._aws import cloudwatch as cloudwatch_shapes
from shadowtest._aws import s3 as s3_shapes
from shadowtest._aws import sagemaker as responses
from shadowtest._aws import sns as sns_shapes
from shadowtest._aws.shapes import DestinationUri, Name
from shadowtest.testing import ExperimentStubber, FakeSageMaker, describe_response, sample_config
from tests.clocks import FakeClock

if TYPE_CHECKING:
    from collections.abc import Callable

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
NAME = "churn-shadow"
DESCRIBE = "DescribeInferenceExperiment"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeSageMaker:
    fake = FakeSageMaker(now=T0)
    monkeypatch.setattr(time, "sleep", fake.sleep)  # botocore's pauses between its retries
    return fake


def elapsed(fake: FakeSageMaker) -> float:
    return (fake.now - T0).total_seconds()


def body(data: dict[str, Any]) -> str:
    """``data`` as the service's JSON (timestamps as epoch seconds)."""
    return json.dumps(data, default=lambda value: value.timestamp())


class Recorder:
    """A ``sleep`` for ExperimentClient that moves the fake clock and records each pause
    with the time that was left before the deadline."""

    def __init__(self, fake: FakeSageMaker, deadline: float) -> None:
        self.fake = fake
        self.deadline = deadline
        self.pauses: list[tuple[float, float]] = []  # (pause, remaining)

    def __call__(self, seconds: float) -> None:
        self.pauses.append((seconds, self.deadline - self.fake.monotonic()))
        self.fake.sleep(seconds)


# -- 1. wait() outlives transient faults -----------------------------------------------------

TRANSIENT: dict[str, tuple[Callable[[FakeSageMaker], None], int]] = {
    # more throttles than botocore's 3 attempts absorb, so wait() itself must retry
    "7 throttles": (lambda f: f.fail_next(DESCRIBE, "ThrottlingException", "Rate exceeded",
                                          times=7), 7),
    "5 x 500": (lambda f: f.fail_next(DESCRIBE, "InternalFailure", http_status=500,
                                      times=5), 5),
    "4 x 503": (lambda f: f.fail_next(DESCRIBE, "ServiceUnavailable", http_status=503,
                                      times=4), 4),
    "4 connection errors": (lambda f: f.disconnect_next(DESCRIBE, times=4), 4),
    "4 read timeouts": (lambda f: f.time_out_next(DESCRIBE, times=4), 4),
    "unparseable body": (lambda f: f.respond_next(DESCRIBE, "<html>Bad gateway</html>",
                                                  times=2), 2),
    "empty {}": (lambda f: f.respond_next(DESCRIBE, "{}", times=2), 2),
    "truncated JSON": (lambda f: f.respond_next(DESCRIBE, '{"Name": "churn-sh', times=2), 2),
}


@pytest.mark.parametrize(("inject", "faults"), TRANSIENT.values(), ids=TRANSIENT.keys())
def test_wait_outlives_transient_faults(
    fake: FakeSageMaker, inject: Callable[[FakeSageMaker], None], faults: int
) -> None:
    fake.seed(sample_config(), status="Creating")
    inject(fake)
    done = fake.experiment_client().wait(NAME, "Running", timeout=600)
    assert done.status is ExperimentStatus.RUNNING
    assert fake.attempts == [DESCRIBE] * (faults + 1)  # every fault met, then one answer
    assert elapsed(fake) < 600


def test_wait_gives_up_at_the_deadline_naming_everything(fake: FakeSageMaker) -> None:
    """Throttled for good: WaitTimeoutError names the experiment, the time waited and that
    no status was seen; the last throttle is the cause. botocore's own retries inside the
    last describe are the only overshoot (its backoff: at most 1 + 2 s)."""
    fake.seed(sample_config(), status="Creating")
    fake.fail_next(DESCRIBE, "ThrottlingException", "Rate exceeded", times=100_000)
    with pytest.raises(WaitTimeoutError) as caught:
        fake.experiment_client().wait(NAME, "Running", timeout=120)
    error = caught.value
    assert isinstance(error.__cause__, ClientError)
    assert error.__cause__.response["Error"]["Code"] == "ThrottlingException"
    assert error.name == NAME
    assert error.status is None
    assert 120 <= error.waited <= 123
    assert 120 <= elapsed(fake) <= 123
    message = str(error)
    for part in (repr(NAME), "could not be described", "ThrottlingException", "Running",
                 f"{error.waited:.1f} s"):
        assert part in message


def test_wait_timeout_names_the_last_status_seen(fake: FakeSageMaker) -> None:
    fake.seed(sample_config(), status="Created")
    fake.fail_next(DESCRIBE, "ThrottlingException", times=9)  # then Created, Created...
    with pytest.raises(WaitTimeoutError) as caught:
        fake.experiment_client().wait(NAME, "Running", timeout=300)
    assert caught.value.status == "Created"
    assert "is still Created" in str(caught.value)
    assert isinstance(caught.value.__cause__, ClientError)


def test_no_pause_runs_past_the_deadline_with_slow_describes(fake: FakeSageMaker) -> None:
    """Each describe takes 7 s: the wait ends within one describe of the deadline, and no
    pause is longer than the time left."""
    fake.seed(sample_config(), status="Created")
    fake.delay_next(DESCRIBE, 7, times=100)
    sleep = Recorder(fake, fake.monotonic() + 30)
    client = ExperimentClient(fake.client, clock=fake.monotonic, sleep=sleep)
    with pytest.raises(WaitTimeoutError):
        client.wait(NAME, "Running", timeout=30, poll_interval=5, max_interval=5)
    assert all(pause <= remaining for pause, remaining in sleep.pauses)
    assert 30 <= elapsed(fake) <= 30 + 7


def test_throttled_at_the_deadline_never_sleeps_past_it() -> None:
    """With full jitter at its widest (random() == 1), pauses are 2, 4, then cut to the
    4 s left; the describe at the deadline fails and ends the wait at exactly 10 s."""
    clock = FakeClock()
    with ExperimentStubber() as stubber:
        for _ in range(4):
            stubber.expect_error("describe", "ThrottlingException")
        client = stubber.experiment_client(clock=clock, sleep=clock.sleep, random=lambda: 1.0)
        with pytest.raises(WaitTimeoutError) as caught:
            client.wait(NAME, "Running", timeout=10, poll_interval=1)
    assert clock.sleeps == [2.0, 4.0, 4.0]
    assert caught.value.waited == 10



@pytest.mark.parametrize(("draw", "pauses"), [
    (0.5, [1.0, 2.0, 4.0]),  # half of 2, 4, 8 (poll_interval 1 doubled per fault)
    (0.0, [0.1, 0.1, 0.1]),  # full jitter may draw 0: the floor holds
    (1.0, [2.0, 4.0, 8.0]),
])
def test_backoff_is_capped_exponential_with_full_jitter(
    draw: float, pauses: list[float]
) -> None:
    clock = FakeClock()
    with ExperimentStubber() as stubber:
        for _ in range(3):
            stubber.expect_error("describe", "ThrottlingException", http_status=400)
        stubber.expect_describe(sample_config(), "Running")
        client = stubber.experiment_client(clock=clock, sleep=clock.sleep, random=lambda: draw)
        client.wait(NAME, "Running", poll_interval=1, max_interval=60)
    assert clock.sleeps == pauses


def test_backoff_is_capped_at_max_interval() -> None:
    clock = FakeClock()
    with ExperimentStubber() as stubber:
        for _ in range(5):
            stubber.expect_error("describe", "InternalFailure", http_status=500)
        stubber.expect_describe(sample_config(), "Running")
        client = stubber.experiment_client(clock=clock, sleep=clock.sleep, random=lambda: 1.0)
        client.wait(NAME, "Running", poll_interval=5, max_interval=30)
    assert clock.sleeps == [10.0, 20.0, 30.0, 30.0, 30.0]


@pytest.mark.parametrize(("inject", "expected"), [
    (lambda f: f.fail_next(DESCRIBE, "AccessDeniedException", "no"), ClientError),
    (lambda f: f.fail_next(DESCRIBE, "ResourceNotFound", "gone"), ExperimentNotFoundError),
    (lambda f: f.fail_next(DESCRIBE, "ValidationException", "bad"), ClientError),
], ids=["access denied", "not found", "validation"])
def test_non_transient_errors_end_the_wait_at_once(
    fake: FakeSageMaker, inject: Callable[[FakeSageMaker], None], expected: type[Exception]
) -> None:
    fake.seed(sample_config(), status="Creating")
    inject(fake)
    with pytest.raises(expected):
        fake.experiment_client().wait(NAME, "Running")
    assert fake.now == T0  # no pause at all
    assert fake.attempts == [DESCRIBE]  # and botocore did not retry either


# -- 2. wait() arguments ---------------------------------------------------------------------

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(("kwargs", "path"), [
    ({"until": None}, "until"),
    ({"until": 5}, "until"),
    ({"until": []}, "until"),
    ({"until": itertools.count()}, "until"),  # endless: read at most 17 items
    ({"until": ["Running", "Finished"]}, "until[1]"),
    ({"timeout": NAN}, "timeout"),
    ({"timeout": INF}, "timeout"),
    ({"timeout": -1}, "timeout"),
    ({"timeout": "60"}, "timeout"),
    ({"poll_interval": 0}, "poll_interval"),
    ({"poll_interval": 0.05}, "poll_interval"),  # under the 0.1 s floor
    ({"poll_interval": NAN}, "poll_interval"),
    ({"poll_interval": INF}, "poll_interval"),
    ({"poll_interval": 1e10}, "poll_interval"),
    ({"max_interval": NAN}, "max_interval"),
    ({"max_interval": 1e10}, "max_interval"),
    ({"max_interval": True}, "max_interval"),
    ({"progress": "yes"}, "progress"),
    ({"on_poll": 3}, "on_poll"),
], ids=lambda v: repr(v) if not isinstance(v, dict) else ",".join(map(str, v)))
def test_bad_wait_arguments_are_refused_before_any_call(kwargs: dict[str, Any],
                                                        path: str) -> None:
    with ExperimentStubber() as stubber:  # nothing expected: any call would fail
        client = stubber.experiment_client()
        args: dict[str, Any] = {"until": "Running", **kwargs}
        with pytest.raises(ConfigValidationError) as caught:
            client.wait(NAME, **args)
    assert path in [problem.path for problem in caught.value.errors]


def test_every_wait_argument_problem_is_reported_together() -> None:
    client = ExperimentClient(FakeSageMaker().client)
    with pytest.raises(ConfigValidationError) as caught:
        client.wait("bad name!", None, timeout=NAN, poll_interval=0,  # type: ignore[arg-type]
                    max_interval=INF)
    assert [p.path for p in caught.value.errors] == [
        "name", "until", "timeout", "poll_interval", "max_interval"]


def test_the_interval_floor_is_accepted() -> None:
    clock = FakeClock()
    with ExperimentStubber() as stubber:
        stubber.expect_describe(sample_config(), "Creating")
        stubber.expect_describe(sample_config(), "Running")
        client = stubber.experiment_client(clock=clock, sleep=clock.sleep)
        client.wait(NAME, "Running", poll_interval=0.1, max_interval=0.1)
    assert clock.sleeps == [0.1]


# -- issue 13.3: progress while waiting ------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def wait_through(statuses: list[str], **kwargs: Any) -> InferenceExperiment:
    clock = FakeClock()
    with ExperimentStubber() as stubber:
        for status in statuses:
            stubber.expect_describe(sample_config(), status)
        client = stubber.experiment_client(clock=clock, sleep=clock.sleep)
        return client.wait(NAME, "Running", **kwargs)


def test_on_poll_receives_every_polled_experiment() -> None:
    seen: list[InferenceExperiment] = []
    wait_through(["Creating", "Creating", "Running"], on_poll=seen.append, progress=False)
    assert [type(e) for e in seen] == [InferenceExperiment] * 3
    assert [str(e.status) for e in seen] == ["Creating", "Creating", "Running"]


def test_progress_is_a_live_line_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    wait_through(["Creating", "Creating", "Running"])
    out = stderr.getvalue()
    lines = out.split("\r")[1:]
    assert lines[0].startswith("churn-shadow: Creating · variants: production Creating, "
                               "shadow Creating · 0:00 elapsed · next poll in 5 s")
    assert lines[1].startswith("churn-shadow: Creating · variants: production Creating, "
                               "shadow Creating · 0:05 elapsed · next poll in 10 s")
    assert lines[2].startswith("churn-shadow: Running · variants: production InService, "
                               "shadow InService · 0:15 elapsed · done")
    assert out.endswith("\n")
    assert out.count("\n") == 1


@pytest.mark.parametrize(("terminal", "progress", "shown"), [
    (False, None, False),  # a log file or CI: silent by default
    (True, False, False),
    (False, True, True),
])
def test_progress_only_where_wanted(monkeypatch: pytest.MonkeyPatch, terminal: bool,
                                   progress: bool | None, shown: bool) -> None:
    stderr = Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    wait_through(["Creating", "Running"], progress=progress)
    assert bool(stderr.getvalue()) is shown


def test_progress_in_a_notebook_updates_one_display(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a kernel, IPython.display shows one output that each poll updates (IPython is
    used only because it is imported already; here a stand-in)."""
    shown: list[tuple[str, str]] = []

    class Handle:
        def update(self, data: dict[str, str], raw: bool) -> None:
            assert raw
            shown.append(("update", data["text/plain"]))

    def display(data: dict[str, str], raw: bool, display_id: bool) -> Handle:
        assert raw
        assert display_id
        shown.append(("display", data["text/plain"]))
        return Handle()

    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    monkeypatch.setitem(sys.modules, "IPython.display",
                        types.SimpleNamespace(display=display))
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    wait_through(["Creating", "Running"])
    assert [kind for kind, _ in shown] == ["display", "update"]
    assert shown[0][1].startswith("churn-shadow: Creating")
    assert shown[1][1].startswith("churn-shadow: Running")
    assert stderr.getvalue() == ""


def test_progress_line_names_the_fault_being_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    clock = FakeClock()
    with ExperimentStubber() as stubber:
        stubber.expect_error("describe", "ThrottlingException")
        stubber.expect_describe(sample_config(), "Running")
        client = stubber.experiment_client(clock=clock, sleep=clock.sleep, random=lambda: 0.5)
        client.wait(NAME, "Running")
    assert "churn-shadow: (not read yet) · 0:00 elapsed · ThrottlingException; retrying " \
           "in 5.0 s" in stderr.getvalue()


# -- 3. responses never crash ----------------------------------------------------------------


def described(fake: FakeSageMaker, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = dict(fake.describe(NAME))
    data.update(changes)
    return data


@pytest.mark.parametrize(("answer", "field"), [
    ("{}", "Arn"),
    ('{"Arn": "a", "Name": "churn-shadow", "Type": "ShadowMode"}', "Status"),
], ids=["empty", "partial"])
def test_describe_of_a_partial_response_names_the_operation_and_field(
    fake: FakeSageMaker, answer: str, field: str
) -> None:
    fake.seed(sample_config())
    fake.respond_next(DESCRIBE, answer)
    with pytest.raises(MalformedResponseError) as caught:
        fake.experiment_client().describe(NAME)
    assert (caught.value.operation, caught.value.field) == (DESCRIBE, field)
    assert DESCRIBE in str(caught.value)
    assert field in str(caught.value)


def test_promote_with_no_shadow_variant_in_the_response(fake: FakeSageMaker) -> None:
    """``ShadowModelVariants: []`` was an IndexError inside promote()."""
    fake.seed(sample_config())
    shadow_mode = {"SourceModelVariantName": "production", "ShadowModelVariants": []}
    fake.respond_next(DESCRIBE, body(described(fake, ShadowModeConfig=shadow_mode)))
    with pytest.raises(MalformedResponseError) as caught:
        fake.experiment_client().promote(NAME)
    assert caught.value.field == "ShadowModeConfig.ShadowModelVariants"
    assert [op for op, _ in fake.calls] == [DESCRIBE]  # nothing was stopped


@pytest.mark.parametrize(("changes", "field"), [
    ({"Schedule": "soon"}, ""),  # botocore's parser itself cannot read it
    ({"CreationTime": "yesterday"}, ""),
    ({"ModelVariants": [{"ModelName": "m"}]}, "ModelVariants[0].VariantName"),
    ({"EndpointMetadata": {}}, "EndpointMetadata.EndpointName"),
], ids=["schedule not a structure", "bad timestamp", "variant lacks fields",
        "endpoint lacks its name"])
def test_wrong_shapes_on_the_wire_are_malformed_responses(
    fake: FakeSageMaker, changes: dict[str, Any], field: str
) -> None:
    fake.seed(sample_config())
    fake.respond_next(DESCRIBE, body(described(fake, **changes)))
    client = fake.experiment_client()
    def describe_and_read() -> None:
        experiment = client.describe(NAME)
        experiment.model_variants, experiment.endpoint  # noqa: B018  (read them)

    with pytest.raises(MalformedResponseError) as caught:
        describe_and_read()
    assert caught.value.operation == DESCRIBE
    assert caught.value.field == field


@pytest.mark.parametrize("data", [
    {},
    {"Name": NAME, "Status": ["not", "a", "string"]},
    {"Name": NAME, "Status": "Running", "Schedule": "soon", "ModelVariants": 3,
     "ShadowModeConfig": {"ShadowModelVariants": []}},
])
def test_repr_of_a_malformed_experiment_never_raises(data: dict[str, Any]) -> None:
    experiment = InferenceExperiment.from_boto3(data)
    text = repr(experiment)
    assert text.startswith("InferenceExperiment(")
    assert "malformed=" in text
    with pytest.raises(MalformedResponseError):
        experiment.arn  # noqa: B018
    hash(experiment)
    assert "malformed response" in experiment._repr_html_()
    printed: list[str] = []
    experiment._repr_pretty_(types.SimpleNamespace(text=printed.append),
                             False)
    assert "malformed response" in printed[0]
    summary = InferenceExperimentSummary.from_boto3(data)
    assert "malformed response" in summary._repr_html_()


def _described_with(**changes: object) -> dict[str, Any]:
    data: dict[str, Any] = dict(describe_response(sample_config(), "Running"))
    data.update(changes)
    return data


@pytest.mark.parametrize(("changes", "field"), [
    ({"Status": 5}, "Status"),
    ({"Status": None}, "Status"),
    ({"CreationTime": "yesterday"}, "CreationTime"),
    ({"Schedule": {"StartTime": "x"}}, "Schedule.StartTime"),
    ({"EndpointMetadata": {"EndpointName": "e", "EndpointStatus": 7}},
     "EndpointMetadata.EndpointStatus"),
], ids=["int-status", "none-status", "str-time", "str-schedule", "int-endpoint-status"])
def test_a_wrong_type_in_a_response_given_by_hand_is_malformed(
    changes: dict[str, object], field: str
) -> None:
    """A response given to from_boto3 by hand, with a value of the wrong type: reading the
    field raises MalformedResponseError naming it; repr, str and HTML never raise."""
    experiment = InferenceExperiment.from_boto3(_described_with(**changes))
    for shown in (repr(experiment), str(experiment), experiment._repr_html_()):
        assert shown
    with pytest.raises(MalformedResponseError) as caught:
        (experiment.status, experiment.creation_time, experiment.schedule,  # noqa: B018
         experiment.endpoint)
    assert caught.value.field == field


@pytest.mark.parametrize("data", [None, [1], "text"])
def test_a_response_that_is_not_a_mapping_is_malformed(data: object) -> None:
    with pytest.raises(MalformedResponseError):
        InferenceExperiment.from_boto3(data)  # type: ignore[arg-type]


def test_a_read_field_of_the_wrong_shape_is_a_malformed_response() -> None:
    with pytest.raises(MalformedResponseError) as caught:
        InferenceExperiment.from_boto3({"Schedule": "soon"}).schedule  # noqa: B018
    assert caught.value.field == "Arn"  # the first problem in the shape's order
    summary = InferenceExperimentSummary.from_boto3({"Name": NAME})
    with pytest.raises(MalformedResponseError) as caught:
        summary.status  # noqa: B018
    assert (caught.value.operation, caught.value.field) == ("ListInferenceExperiments", "Type")
    assert "malformed=" in repr(summary)


def test_a_list_entry_lacking_a_required_field_fails_when_read(fake: FakeSageMaker) -> None:
    fake.seed(sample_config())
    fake.respond_next("ListInferenceExperiments",
                      body({"InferenceExperiments": [{"Name": NAME, "Type": "ShadowMode"}]}))
    [summary] = fake.experiment_client().list()
    assert summary.name == NAME
    with pytest.raises(MalformedResponseError, match="Status"):
        summary.status  # noqa: B018


def test_a_list_page_of_the_wrong_shape_is_malformed(fake: FakeSageMaker) -> None:
    fake.respond_next("ListInferenceExperiments", '{"InferenceExperiments": {"a": 1}}')
    with pytest.raises(MalformedResponseError) as caught:
        list(fake.experiment_client().list())
    assert caught.value.operation == "ListInferenceExperiments"


def test_a_list_page_without_its_list_is_malformed(fake: FakeSageMaker) -> None:
    """The model does not require InferenceExperiments, but every answer of the service
    has it: ``{}`` is not a page without entries."""
    fake.seed(sample_config())
    fake.respond_next("ListInferenceExperiments", "{}")
    with pytest.raises(MalformedResponseError) as caught:
        list(fake.experiment_client().list())
    assert (caught.value.operation, caught.value.field) == ("ListInferenceExperiments",
                                                           "InferenceExperiments")


def test_a_mutating_answer_without_its_arn_is_malformed(fake: FakeSageMaker) -> None:
    fake.respond_next("CreateInferenceExperiment", "{}")
    with pytest.raises(MalformedResponseError) as caught:
        fake.experiment_client().create(sample_config())
    assert (caught.value.operation, caught.value.field) == (
        "CreateInferenceExperiment", "InferenceExperimentArn")


def test_unknown_keys_anywhere_in_a_response_are_ignored(fake: FakeSageMaker) -> None:
    """A newer service adds members: describe, the experiment and from_boto3 read on."""
    fake.seed(sample_config())
    data = described(fake, NewTopLevel={"x": 1})
    data["ModelVariants"][0]["Accelerator"] = "ml.eia1.medium"
    data["ModelVariants"][0]["InfrastructureConfig"]["RealTimeInferenceConfig"]["Spot"] = True
    data["ShadowModeConfig"]["ShadowModelVariants"][0]["Weight"] = 1
    data["Schedule"]["Timezone"] = "UTC"
    data["DataStorageConfig"] = {"Destination": "s3://b/c", "Compression": "gzip",
                                 "ContentType": {"CsvContentTypes": ["text/csv"],
                                                 "ParquetContentTypes": ["a/b"]}}
    experiment = InferenceExperiment.from_boto3(data)
    assert experiment.shadow_variant is not None
    config = InferenceExperimentConfig.from_boto3(data)
    assert attrs.evolve(config, schedule=None) == experiment.to_config()
    assert config.data_storage_config is not None
    assert config.data_storage_config.csv_content_types == ("text/csv",)


def test_malformed_response_is_a_shadowtest_error() -> None:
    assert issubclass(MalformedResponseError, ShadowTestError)


# -- 4. thread safety and a linear list in the fake: tests/test_fake.py (TestConcurrency)
# and benchmarks/reliability.py (paging cost) --------------------------------------------


# -- 8. faults go through botocore's retry logic ---------------------------------------------


def test_a_throttle_is_retried_by_botocore(fake: FakeSageMaker) -> None:
    """Two throttles fit in botocore's default 3 attempts: the call succeeds, having been
    sent three times."""
    fake.seed(sample_config())
    fake.fail_next(DESCRIBE, "ThrottlingException", times=2)
    response = fake.client.describe_inference_experiment(Name=NAME)
    assert response["Status"] == "Running"
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert fake.attempts == [DESCRIBE] * 3


def test_the_users_retry_configuration_is_honoured(fake: FakeSageMaker) -> None:
    from botocore.config import Config

    from shadowtest.testing._clients import shared_session

    client: Any = shared_session().client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b",
        config=Config(retries={"max_attempts": 5, "mode": "standard"}))
    five = FakeSageMaker(client, now=T0)
    five.seed(sample_config())
    five.fail_next(DESCRIBE, "ThrottlingException", times=4)
    assert client.describe_inference_experiment(Name=NAME)["ResponseMetadata"][
        "RetryAttempts"] == 4
    fake.seed(sample_config())
    fake.fail_next(DESCRIBE, "ThrottlingException", times=4)  # default: 3 attempts
    with pytest.raises(ClientError, match="ThrottlingException"):
        fake.client.describe_inference_experiment(Name=NAME)


@pytest.mark.parametrize(("inject", "expected"), [
    (lambda f: f.disconnect_next(DESCRIBE, times=3), EndpointConnectionError),
    (lambda f: f.time_out_next(DESCRIBE, times=3), ReadTimeoutError),
])
def test_connection_faults_are_retried_then_raised(
    fake: FakeSageMaker, inject: Callable[[FakeSageMaker], None], expected: type[Exception]
) -> None:
    fake.seed(sample_config())
    inject(fake)
    with pytest.raises(expected):
        fake.client.describe_inference_experiment(Name=NAME)
    assert fake.attempts == [DESCRIBE] * 3


def test_a_slow_response_takes_fake_time(fake: FakeSageMaker) -> None:
    fake.seed(sample_config())
    fake.delay_next(DESCRIBE, 42)
    fake.client.describe_inference_experiment(Name=NAME)
    assert elapsed(fake) == 42


def test_a_lost_answer_leaves_the_change_applied(fake: FakeSageMaker) -> None:
    """A read timeout after the service applied the stop: botocore retries, and the retry
    meets ConflictException (the experiment is Stopping already)."""
    fake.seed(sample_config())
    fake.time_out_next("StopInferenceExperiment")
    with pytest.raises(ClientError, match="ConflictException"):
        fake.client.stop_inference_experiment(
            Name=NAME, ModelVariantActions={"production": "Retain", "shadow": "Retain"})
    assert fake.describe(NAME)["Status"] in ("Stopping", "Completed")
    assert fake.attempts == ["StopInferenceExperiment"] * 2


def test_fault_arguments_are_checked() -> None:
    fake = FakeSageMaker()
    with pytest.raises(ValueError, match="seconds"):
        fake.delay_next(DESCRIBE, -1)
    with pytest.raises(ValueError, match="seconds"):
        fake.delay_next(DESCRIBE, NAN)
    with pytest.raises(ValueError, match="http_status"):
        fake.respond_next(DESCRIBE, "{}", http_status=99)
    with pytest.raises(ValueError, match="serves no operation"):
        fake.disconnect_next("nope")
    with pytest.raises(ValueError, match="times"):
        fake.time_out_next(DESCRIBE, times=0)




# -- 5. idempotent retries: a lost answer is not a failure -----------------------------------


@pytest.fixture
def still(monkeypatch: pytest.MonkeyPatch) -> FakeSageMaker:
    """A fake whose clock botocore's pauses do not move: the experiment is still in the
    status the lost first attempt left it in when the resent request arrives."""
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    return FakeSageMaker(now=T0)


def test_a_create_whose_answer_was_lost_returns_the_arn(still: FakeSageMaker) -> None:
    still.time_out_next("CreateInferenceExperiment")  # applied, then the answer lost
    arn = still.experiment_client().create(sample_config())
    assert arn.endswith(f"/{NAME}")
    assert still.attempts == ["CreateInferenceExperiment"] * 2 + [DESCRIBE]
    assert list(still.experiments) == [NAME]


def test_a_resent_create_meeting_another_experiment_still_fails(still: FakeSageMaker) -> None:
    still.seed(sample_config(description="someone else's"))
    still.time_out_next("CreateInferenceExperiment", applied=False)
    with pytest.raises(ExperimentAlreadyExistsError):
        still.experiment_client().create(sample_config(description="mine"))
    assert still.describe(NAME)["Description"] == "someone else's"


def test_a_create_of_an_existing_name_sent_once_still_fails(still: FakeSageMaker) -> None:
    """Without a resend, ResourceInUse means the name was taken before: not our create."""
    still.seed(sample_config())
    with pytest.raises(ExperimentAlreadyExistsError):
        still.experiment_client().create(sample_config())
    assert still.attempts == ["CreateInferenceExperiment"]


def test_an_update_whose_answer_was_lost_returns_the_arn(still: FakeSageMaker) -> None:
    """The resent update meets ConflictException (the experiment is Updating): the
    description shows the update was applied."""
    still.seed(sample_config(), status="Created")
    still.time_out_next("UpdateInferenceExperiment")
    arn = still.experiment_client().update(NAME, description="new")
    assert arn.endswith(f"/{NAME}")
    assert still.describe(NAME)["Status"] == "Updating"
    assert still.describe(NAME)["Description"] == "new"


@pytest.mark.parametrize(("seeded", "call", "operation"), [
    ("Created", lambda c: c.start(NAME), "StartInferenceExperiment"),
    ("Running", lambda c: c.conclude(NAME), "StopInferenceExperiment"),
    ("Completed", lambda c: c.delete(NAME), "DeleteInferenceExperiment"),
], ids=["start", "stop", "delete"])
def test_start_stop_delete_whose_answer_was_lost_succeed(
    still: FakeSageMaker, seeded: str, call: Callable[[ExperimentClient], str], operation: str
) -> None:
    still.seed(sample_config(), status=ExperimentStatus(seeded))
    still.time_out_next(operation)
    assert call(still.experiment_client()).endswith(f"/{NAME}")
    assert still.attempts.count(operation) == 2


def test_an_update_refused_because_the_status_changed_says_so(fake: FakeSageMaker) -> None:
    """Described Created; by the time the update arrives the experiment is Running, where
    model variants cannot change: the service's ValidationException becomes
    UpdateNotAllowedError saying the status changed, the ClientError its cause."""
    fake.seed(sample_config(), status="Created")  # starts a day from now
    fake.delay_next("UpdateInferenceExperiment", 2 * 86400)
    variant = attrs.evolve(sample_config().model_variants[1], instance_count=3)
    with pytest.raises(UpdateNotAllowedError) as caught:
        fake.experiment_client().update(NAME, model_variants=[variant])
    error = caught.value
    assert "changed from Created to Running" in str(error)
    assert error.status == "Running"
    assert error.fields == ("model_variants",)
    assert isinstance(error.__cause__, ClientError)
    assert error.__cause__.response["Error"]["Code"] == "ValidationException"


def test_an_update_refused_because_the_experiment_ended_is_a_conflict(
    fake: FakeSageMaker
) -> None:
    fake.seed(sample_config())  # Running, ends in 7 days
    fake.delay_next("UpdateInferenceExperiment", 8 * 86400)
    with pytest.raises(ExperimentConflictError) as caught:
        fake.experiment_client().update(NAME, description="new")
    assert "changed from Running to Completed" in str(caught.value)
    assert isinstance(caught.value.__cause__, ClientError)


def _live(status: str, **changes: object) -> InferenceExperiment:
    return InferenceExperiment({**describe_response(sample_config(), status, now=T0),
                                **changes})


@pytest.mark.parametrize(("operation", "request_", "live", "applied"), [
    ("CreateInferenceExperiment", sample_config().to_boto3(), _live("Creating"), True),
    ("CreateInferenceExperiment", sample_config(endpoint_name="other").to_boto3(),
     _live("Creating"), False),
    ("CreateInferenceExperiment", sample_config().to_boto3(), None, False),
    ("UpdateInferenceExperiment", {"Name": NAME, "Description": "new"},
     _live("Updating", Description="new"), True),
    ("UpdateInferenceExperiment", {"Name": NAME, "Description": "new"}, _live("Updating"),
     False),
    ("StartInferenceExperiment", {"Name": NAME}, _live("Starting"), True),
    ("StartInferenceExperiment", {"Name": NAME}, _live("Created"), False),
    ("StopInferenceExperiment", {"Name": NAME}, _live("Stopping"), True),
    ("StopInferenceExperiment", {"Name": NAME}, _live("Cancelled"), True),
    ("StopInferenceExperiment", {"Name": NAME}, _live("Running"), False),
    ("DeleteInferenceExperiment", {"Name": NAME}, None, True),
    ("DeleteInferenceExperiment", {"Name": NAME}, _live("Completed"), False),
    ("AddTags", {"ResourceArn": "arn"}, _live("Running"), False),
])
def test_whether_the_experiment_now_shows_a_change_whose_answer_was_lost(
        operation: str, request_: dict[str, Any], live: InferenceExperiment | None,
        applied: bool) -> None:
    """The one table of what each operation's change looks like once made (the client had
    a rule inline in each of create, update, start, stop and delete)."""
    from shadowtest._aws.resend import applied as shows

    assert shows(operation, request_, live, T0) is applied


# -- 6. bounded inputs -----------------------------------------------------------------------

LATEST = datetime.max.replace(tzinfo=timezone.utc)


@pytest.mark.parametrize(("build", "path", "message"), [
    (lambda: DataStorageConfig(destination="s3://b/c",
                               csv_content_types=itertools.count()),  # type: ignore[arg-type]
     "csv_content_types", "got more than 10 items"),
    (lambda: sample_config(model_variants=itertools.repeat(sample_config().model_variants[0])),
     "model_variants", "got more than 2 variants"),
], ids=["endless content types", "endless variants"])
def test_endless_iterables_are_read_one_past_their_limit(
    build: Callable[[], object], path: str, message: str
) -> None:
    with pytest.raises(ConfigValidationError) as caught:
        build()
    first = caught.value.errors[0]
    assert first.path == path
    assert message in first.message


def test_endless_update_and_stop_arguments_are_refused() -> None:
    client = ExperimentClient(FakeSageMaker().client)
    variant = sample_config().model_variants[1]
    with pytest.raises(ConfigValidationError, match="more than 2"):
        client.update(NAME, model_variants=itertools.repeat(variant))
    with pytest.raises(ConfigValidationError, match="more than 2"):
        client.stop(NAME, model_variant_actions={"shadow": "Retain"},
                    desired_model_variants=itertools.repeat(variant))


@pytest.mark.parametrize("when", [
    LATEST,
    LATEST - timedelta(days=20),
    datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),  # past 9999 in UTC
    datetime.min.replace(tzinfo=timezone(timedelta(hours=5))),  # before year 1 in UTC
], ids=["max", "max - 20 days", "max at UTC-5", "min at UTC+5"])
def test_datetimes_at_the_ends_of_the_range_are_refused(when: datetime) -> None:
    with pytest.raises(ConfigValidationError):
        InferenceExperimentSchedule.starting_at(when)
    with pytest.raises(ConfigValidationError):
        InferenceExperimentSchedule(end_time=when)
    with pytest.raises(ConfigValidationError):
        ExperimentClient(FakeSageMaker().client).list(creation_time_after=when)


def test_a_duration_past_the_last_datetime_is_refused() -> None:
    with pytest.raises(ConfigValidationError, match="duration"):
        InferenceExperimentSchedule.starting_at(T0, timedelta(days=3_000_000))


def test_a_deeply_nested_value_is_shown_briefly() -> None:
    nested: list[Any] = []
    for _ in range(5_000):
        nested = [nested]
    with pytest.raises(ConfigValidationError) as caught:
        sample_config(description=nested)  # type: ignore[arg-type]
    assert "[[[[...]]]]" in str(caught.value)
    assert len(str(caught.value)) < 500


def test_messages_are_capped() -> None:
    """A response with 100,000 variants: at most 20 problems listed, then "and N more";
    each value cut short."""
    data: dict[str, Any] = dict(sample_config().to_boto3())
    data["ModelVariants"] = [{"ModelName": "x" * 10_000}] * 100_000
    with pytest.raises(ConfigValidationError) as caught:
        InferenceExperimentConfig.from_boto3(data)
    message = str(caught.value)
    assert len(message) < 5_000
    many = ConfigValidationError([Problem(f"p{i}", "bad") for i in range(100)])
    assert str(many).splitlines()[-1] == "  and 80 more (see .errors)"
    assert len(str(many).splitlines()) == 22
    assert len(many.errors) == 100


def test_tag_values_are_not_echoed() -> None:
    secret = "password=hunter2!"  # '!' breaks the tag pattern
    with pytest.raises(ConfigValidationError) as caught:
        sample_config(tags={"team": secret})
    assert "hunter2" not in str(caught.value)
    assert caught.value.errors[0].path == "tags['team']"


# -- 7. check order --------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda c: c.update("bad name!", model_variants=[sample_config().model_variants[0]]),
    lambda c: c.describe("bad name!"),
    lambda c: c.start("bad name!"),
    lambda c: c.delete("bad name!"),
    lambda c: c.promote("bad name!"),
    lambda c: c.conclude("bad name!"),
    lambda c: c.stop("bad name!", model_variant_actions={"shadow": "Retain"}),
    lambda c: c.wait("bad name!", "Running"),
    lambda c: c.list(max_results=0),
    lambda c: c.create(sample_config(model_variants=[
        attrs.evolve(v, instance_type="ml.m5.notreal") for v in sample_config().model_variants])),
    lambda c: c.metrics(NAME, start=datetime(2030, 1, 1)),
    lambda c: c.evaluate(NAME, period=61),
    lambda c: c.evaluate(NAME, start=datetime(2030, 1, 2, tzinfo=timezone.utc),
                         end=datetime(2030, 1, 1, tzinfo=timezone.utc)),
    lambda c: c.plan(sample_config(), desired_state="Bogus"),
    lambda c: c.apply(sample_config(), wait="yes"),
    lambda c: c.apply(sample_config(), replace=2),
    lambda c: c.apply(sample_config(), timeout=math.nan),
    lambda c: c.compare_predictions(NAME, limit=0),
    lambda c: c.compare_predictions(NAME, since=datetime(2030, 1, 1)),
    lambda c: c.compare_predictions(NAME, labels=5),
    lambda c: c.compare_predictions(NAME, labels={1: 1.0}),
], ids=["update", "describe", "start", "delete", "promote", "conclude", "stop", "wait", "list",
        "create", "metrics-naive-start", "evaluate-period", "evaluate-end-before-start",
        "plan-desired-state", "apply-wait", "apply-replace", "apply-timeout",
        "compare-limit", "compare-naive-since", "compare-labels", "compare-label-keys"])
def test_arguments_are_checked_before_a_client_is_made(
    monkeypatch: pytest.MonkeyPatch, call: Callable[[ExperimentClient], object]
) -> None:
    """With no region configured, a bad argument is a ConfigValidationError, not botocore's
    NoRegionError: nothing needs a client to check arguments."""
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    client = ExperimentClient()
    with pytest.raises(ConfigValidationError):
        call(client)
    assert "not made yet" in repr(client)


def test_every_metrics_argument_problem_is_reported_together() -> None:
    with pytest.raises(ConfigValidationError) as caught:
        ExperimentClient().metrics("bad name!", period=61)
    assert sorted(problem.path for problem in caught.value.errors) == ["name", "period"]


def test_metrics_of_an_experiment_that_started_this_second_is_no_data() -> None:
    """Running, but started at this very second (or ahead of this machine's clock): an
    empty result and a NO_DATA verdict, not a refusal to 'wait until it is Running'."""
    fake = FakeSageMaker(now=datetime(2030, 1, 1, tzinfo=timezone.utc))
    fake.seed(sample_config())
    client = fake.experiment_client()
    found = client.metrics(NAME)
    assert all(not series.values for series in found.production.values())
    assert client.evaluate(NAME).verdict == "NO_DATA"


def test_describe_response_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        describe_response(sample_config(), now=datetime(2030, 1, 1))


# -- 3 (drift). the response shapes are the service model's ----------------------------------

_PY_TYPES = {"string": str, "integer": int, "timestamp": datetime, "boolean": bool,
             "double": float}


def _compare(shape: Any, model: Any, path: str) -> list[str]:
    """Differences between one of shadowtest's response shapes and botocore's. A Name is a
    string whose pattern refuses an empty one; a DestinationUri one with the pattern the
    shapes apply."""
    if shape is Name or shape is DestinationUri:
        pattern = model.metadata.get("pattern")
        if model.type_name != "string" or pattern is None:
            return [f"{path}: {model.type_name} without a pattern"]
        if shape is Name and re.fullmatch(pattern, "") is not None:
            return [f"{path}: the model's pattern allows an empty name"]
        if shape is DestinationUri and pattern != r"(https|s3)://([^/])/?(.*)":
            return [f"{path}: the model's pattern is {pattern}"]
        return []
    if isinstance(shape, type):
        return [] if _PY_TYPES.get(model.type_name) is shape else [f"{path}: {model.type_name}"]
    if isinstance(shape, list):
        if model.type_name != "list":
            return [f"{path}: not a list"]
        return _compare(shape[0], model.member, f"{path}[]")
    if model.type_name != "structure":
        return [f"{path}: not a structure"]
    problems = []
    ours = {key: (required, member) for key, required, member in shape}
    for key, (required, member) in ours.items():
        if key not in model.members:
            problems.append(f"{path}.{key}: not in the model")
            continue
        # SENT: optional in the model, but in every real answer (shadowtest requires it)
        if (required is True) != (key in model.required_members):
            problems.append(f"{path}.{key}: required={required}, the model says otherwise")
        problems += _compare(member, model.members[key], f"{path}.{key}")
    problems += [f"{path}.{key}: required by the model, not read"
                 for key in model.required_members if key not in ours]
    return problems


@pytest.mark.parametrize(("shape", "operation"), [
    (responses.DESCRIBE_RESPONSE, "DescribeInferenceExperiment"),
    (responses.LIST_RESPONSE, "ListInferenceExperiments"),
    (responses.ARN_RESPONSE, "CreateInferenceExperiment"),
    (responses.ARN_RESPONSE, "UpdateInferenceExperiment"),
    (responses.ARN_RESPONSE, "StartInferenceExperiment"),
    (responses.ARN_RESPONSE, "StopInferenceExperiment"),
    (responses.ARN_RESPONSE, "DeleteInferenceExperiment"),
    (responses.ENDPOINT_RESPONSE, "DescribeEndpoint"),  # preflight's reads
    (responses.ENDPOINT_CONFIG_RESPONSE, "DescribeEndpointConfig"),
    (responses.MODEL_RESPONSE, "DescribeModel"),
])
def test_response_shapes_match_the_service_model(shape: Any, operation: str) -> None:
    model = FakeSageMaker().client.meta.service_model.operation_model(operation).output_shape
    assert _compare(shape, model, operation) == []


@pytest.mark.parametrize(("service", "shape", "operation"), [
    ("sagemaker", responses.LIST_TAGS_RESPONSE, "ListTags"),
    ("cloudwatch", cloudwatch_shapes.GET_METRIC_DATA_RESPONSE, "GetMetricData"),
    ("s3", s3_shapes.LIST_OBJECTS_RESPONSE, "ListObjectsV2"),
    ("sns", sns_shapes.PUBLISH_RESPONSE, "Publish"),
])
def test_other_services_shapes_match_their_models(service: str, shape: Any,
                                                  operation: str) -> None:
    """The shapes of the other services' answers (what the AWS layer checks) are their
    models', reduced to what is read; a member marked SENT is optional in the model."""
    from shadowtest.testing._clients import offline_client

    model = offline_client(service).meta.service_model.operation_model(operation).output_shape
    assert _compare(shape, model, operation) == []

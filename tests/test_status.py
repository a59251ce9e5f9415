"""Status rules (SPEC §7.6–7.8): which operation and which update field is allowed when.

The expected answers are spelled out literally here, never read from
``shadowtest.status``; separate tests check that its tables agree with them.
"""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from shadowtest import (
    ConfigValidationError,
    DataStorageConfig,
    ExperimentClient,
    ExperimentStatus,
    InferenceExperiment,
    InferenceExperimentSchedule,
    InvalidStatusError,
    ModelVariantConfig,
    ShadowModeConfig,
    UpdateField,
    UpdateNotAllowedError,
    VariantAction,
    plan_update,
)
from shadowtest.plan import UPDATABLE_FIELDS
from shadowtest.status import (
    ALLOWED_STATUSES,
    ModelVariantStatus,
    VariantActionName,
    parse_enum,
    status_advice,
)
from shadowtest.testing import ExperimentStubber, describe_response, sample_config

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

UTC = timezone.utc
NAME = "churn-shadow"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:inference-experiment/churn-shadow"
NOW = datetime(2026, 11, 20, tzinfo=UTC)
START = NOW + timedelta(hours=1)
END = NOW + timedelta(days=3)
SCHEDULE = InferenceExperimentSchedule(start_time=START, end_time=END)
CONFIG = sample_config(schedule=SCHEDULE)

S = ExperimentStatus
F = UpdateField
ALL_STATUSES = (S.CREATING, S.CREATED, S.UPDATING, S.STARTING, S.RUNNING, S.STOPPING,
                S.COMPLETED, S.CANCELLED)
ALL_FIELDS = (F.START_TIME, F.END_TIME, F.DESCRIPTION, F.MODEL_VARIANTS,
              F.SAMPLING_PERCENTAGE, F.VARIANT_NAMES, F.DATA_STORAGE_CONFIG)

#: SPEC §7.7, spelled out: what an update may change in each status.
EXPECTED_UPDATABLE: dict[ExperimentStatus, frozenset[UpdateField]] = {
    S.CREATING: frozenset(),
    S.CREATED: frozenset({F.START_TIME, F.END_TIME, F.DESCRIPTION, F.MODEL_VARIANTS,
                          F.SAMPLING_PERCENTAGE, F.DATA_STORAGE_CONFIG}),
    S.UPDATING: frozenset(),
    S.STARTING: frozenset(),
    S.RUNNING: frozenset({F.END_TIME, F.DESCRIPTION, F.SAMPLING_PERCENTAGE}),
    S.STOPPING: frozenset(),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

#: The paths UpdateNotAllowedError.fields uses for each field.
FIELD_PATHS: dict[UpdateField, str] = {
    F.START_TIME: "schedule.start_time",
    F.END_TIME: "schedule.end_time",
    F.DESCRIPTION: "description",
    F.MODEL_VARIANTS: "model_variants",
    F.SAMPLING_PERCENTAGE: "shadow_mode_config.sampling_percentage",
    F.VARIANT_NAMES: "shadow_mode_config.variant_names",
    F.DATA_STORAGE_CONFIG: "data_storage_config",
}

#: What an allowed change of each field sends, spelled out (``changing_request`` below).
EXPECTED_REQUEST: dict[UpdateField, dict[str, Any]] = {
    F.START_TIME: {"Schedule": {"StartTime": datetime(2026, 11, 20, 2, tzinfo=UTC),
                                "EndTime": datetime(2026, 11, 23, tzinfo=UTC)}},
    F.END_TIME: {"Schedule": {"EndTime": datetime(2026, 11, 24, tzinfo=UTC)}},
    F.DESCRIPTION: {"Description": "now sampling more"},
    F.MODEL_VARIANTS: {"ModelVariants": [
        {"ModelName": "churn-v1", "VariantName": "production",
         "InfrastructureConfig": {"InfrastructureType": "RealTimeInference",
                                  "RealTimeInferenceConfig": {"InstanceType": "ml.m5.xlarge",
                                                              "InstanceCount": 2}}},
        {"ModelName": "churn-v2", "VariantName": "shadow",
         "InfrastructureConfig": {"InfrastructureType": "RealTimeInference",
                                  "RealTimeInferenceConfig": {"InstanceType": "ml.m5.xlarge",
                                                              "InstanceCount": 2}}}]},
    F.SAMPLING_PERCENTAGE: {"ShadowModeConfig": {
        "SourceModelVariantName": "production",
        "ShadowModelVariants": [{"ShadowModelVariantName": "shadow", "SamplingPercentage": 80}]}},
    F.DATA_STORAGE_CONFIG: {"DataStorageConfig": {"Destination": "s3://bucket/prefix"}},
}

#: SPEC §7.6, spelled out: the statuses each operation needs.
EXPECTED_ALLOWED: dict[str, frozenset[ExperimentStatus]] = {
    "update": frozenset({S.CREATED, S.RUNNING}),
    "start": frozenset({S.CREATED}),
    "stop": frozenset({S.RUNNING}),
    "delete": frozenset({S.CREATED, S.COMPLETED, S.CANCELLED}),
}

_ENDED = "it has ended; create a new experiment instead"

#: What the error says to do instead, for each refused (operation, status).
EXPECTED_ADVICE: dict[tuple[str, ExperimentStatus], str] = {
    **{(op, s): f"wait for it to leave {s.value}"
       for op in ("start", "stop", "delete")
       for s in (S.CREATING, S.UPDATING, S.STARTING, S.STOPPING)},
    ("start", S.RUNNING): "it is running already",
    ("start", S.COMPLETED): _ENDED,
    ("start", S.CANCELLED): _ENDED,
    ("stop", S.CREATED): "it has not started: start it first, or delete it",
    ("stop", S.COMPLETED): "it has ended already",
    ("stop", S.CANCELLED): "it has ended already",
    ("delete", S.RUNNING): "stop it first",
}

MODEL_VARIANTS_2 = [attrs.evolve(variant, instance_count=2) for variant in CONFIG.model_variants]
DATA_STORAGE = DataStorageConfig(destination="s3://bucket/prefix")
SAMPLING_80 = ShadowModeConfig(source_model_variant_name="production",
                               shadow_model_variant_name="shadow", sampling_percentage=80)


def changing_request(field: UpdateField) -> dict[str, Any]:
    """Keyword arguments of ``update`` that change ``field`` (and only it) of CONFIG."""
    if field is F.START_TIME:
        return {"schedule": InferenceExperimentSchedule(start_time=START + timedelta(hours=1),
                                                        end_time=END)}
    if field is F.END_TIME:
        return {"schedule": InferenceExperimentSchedule(end_time=END + timedelta(days=1))}
    if field is F.DESCRIPTION:
        return {"description": "now sampling more"}
    if field is F.MODEL_VARIANTS:
        return {"model_variants": MODEL_VARIANTS_2}
    if field is F.SAMPLING_PERCENTAGE:
        return {"shadow_mode_config": SAMPLING_80}
    if field is F.VARIANT_NAMES:
        return {"shadow_mode_config": ShadowModeConfig(
            source_model_variant_name="production", shadow_model_variant_name="canary",
            sampling_percentage=50)}
    assert field is F.DATA_STORAGE_CONFIG
    return {"data_storage_config": DATA_STORAGE}


def expected_refused_fields(status: ExperimentStatus, field: UpdateField) -> tuple[str, ...]:
    if field is F.START_TIME and not EXPECTED_UPDATABLE[status]:
        # The schedule given also carries the (unchanged) end; where nothing may change at
        # all, both of its ends are refused. In Running the end may change, so only the start.
        return ("schedule.start_time", "schedule.end_time")
    return (FIELD_PATHS[field],)


def _table_case(status: ExperimentStatus, field: UpdateField) -> Any:
    return pytest.param(status, field, id=f"{status.value}-{field.name.lower()}")


TABLE = [_table_case(status, field) for status in ALL_STATUSES for field in ALL_FIELDS]
STATUS_IDS = [status.value for status in ALL_STATUSES]


@pytest.fixture
def stub() -> Iterator[ExperimentStubber]:
    """A stubber in a ``with`` block: leaving it asserts no expected call was left unmade."""
    with ExperimentStubber() as stubber:
        yield stubber


@pytest.fixture
def client(stub: ExperimentStubber) -> ExperimentClient:
    return stub.experiment_client(now=lambda: NOW)


def experiment(status: ExperimentStatus | str, config: Any = CONFIG) -> InferenceExperiment:
    return InferenceExperiment(describe_response(config, status, now=NOW))


def capture(stub: ExperimentStubber, operation: str) -> list[dict[str, Any]]:
    """Every request of ``operation`` (e.g. "UpdateInferenceExperiment") as the client
    passed it to botocore, before serialisation (so datetimes and types are as sent)."""
    sent: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(copy.deepcopy(params))

    stub.client.meta.events.register(f"before-parameter-build.sagemaker.{operation}", record)
    return sent


def variant_dict(model: str, variant: str, count: int) -> dict[str, Any]:
    return {"ModelName": model, "VariantName": variant,
            "InfrastructureConfig": {"InfrastructureType": "RealTimeInference",
                                     "RealTimeInferenceConfig": {"InstanceType": "ml.m5.xlarge",
                                                                 "InstanceCount": count}}}


# -- 1. the table: 8 statuses x 7 update fields ------------------------------------------------


class TestUpdateTable:
    def test_literal_table_equals_updatable_fields(self) -> None:
        assert {s: UPDATABLE_FIELDS.get(s, frozenset()) for s in ALL_STATUSES} == \
            EXPECTED_UPDATABLE
        assert set(UPDATABLE_FIELDS) <= set(ALL_STATUSES)
        assert all(F.VARIANT_NAMES not in fields for fields in UPDATABLE_FIELDS.values())

    def test_field_paths(self) -> None:
        assert {field: str(field) for field in UpdateField} == FIELD_PATHS

    @pytest.mark.parametrize(("status", "field"), TABLE)
    def test_update(self, status: ExperimentStatus, field: UpdateField) -> None:
        changes = changing_request(field)
        with ExperimentStubber() as stub:
            client = stub.experiment_client(now=lambda: NOW)
            stub.expect_describe(CONFIG, status, now=NOW)
            if field in EXPECTED_UPDATABLE[status]:
                # the exact request, spelled out (not derived from the planner under test)
                stub.stubber.add_response("update_inference_experiment",
                                          {"InferenceExperimentArn": ARN},
                                          {"Name": NAME, **EXPECTED_REQUEST[field]})
                assert client.update(NAME, **changes) == ARN
                assert stub.pending() == []
                return
            with pytest.raises(UpdateNotAllowedError) as info:
                client.update(NAME, **changes)
            assert stub.pending() == []  # only the describe was queued, and it was used
        error = info.value
        assert error.fields == expected_refused_fields(status, field)
        assert error.status == status.value
        assert error.name == NAME
        assert error.operation == "update"
        assert status.value in str(error)
        assert "nothing was sent" in str(error)


# -- 2. allowed updates, the exact request spelled out ----------------------------------------


class TestUpdateExactRequest:
    def test_running_sampling_80(self, stub: ExperimentStubber, client: ExperimentClient) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        stub.stubber.add_response(
            "update_inference_experiment", {"InferenceExperimentArn": ARN},
            {"Name": NAME,
             "ShadowModeConfig": {"SourceModelVariantName": "production",
                                  "ShadowModelVariants": [{"ShadowModelVariantName": "shadow",
                                                           "SamplingPercentage": 80}]}})
        assert client.update(NAME, shadow_mode_config=SAMPLING_80) == ARN

    def test_created_new_start_is_sent_in_utc(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        plus_two = timezone(timedelta(hours=2))
        new_start = datetime(2026, 11, 20, 4, 30, tzinfo=plus_two)  # 02:30 UTC
        sent = capture(stub, "UpdateInferenceExperiment")
        stub.expect_describe(CONFIG, S.CREATED, now=NOW)
        stub.stubber.add_response(
            "update_inference_experiment", {"InferenceExperimentArn": ARN},
            {"Name": NAME,
             "Schedule": {"StartTime": datetime(2026, 11, 20, 2, 30, tzinfo=UTC),
                          "EndTime": datetime(2026, 11, 23, tzinfo=UTC)}})
        schedule = InferenceExperimentSchedule(start_time=new_start, end_time=END)
        assert client.update(NAME, schedule=schedule) == ARN
        [request] = sent
        for key in ("StartTime", "EndTime"):
            assert request["Schedule"][key].utcoffset() == timedelta(0)

    def test_created_new_end_only_sends_only_the_end(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.CREATED, now=NOW)
        stub.stubber.add_response(
            "update_inference_experiment", {"InferenceExperimentArn": ARN},
            {"Name": NAME, "Schedule": {"EndTime": datetime(2026, 11, 25, tzinfo=UTC)}})
        schedule = InferenceExperimentSchedule(end_time=datetime(2026, 11, 25, tzinfo=UTC))
        assert client.update(NAME, schedule=schedule) == ARN

    def test_created_model_variants_instance_count_2(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.CREATED, now=NOW)
        stub.stubber.add_response(
            "update_inference_experiment", {"InferenceExperimentArn": ARN},
            {"Name": NAME,
             "ModelVariants": [variant_dict("churn-v1", "production", 2),
                               variant_dict("churn-v2", "shadow", 2)]})
        assert client.update(NAME, model_variants=MODEL_VARIANTS_2) == ARN

    def test_created_data_storage_config(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.CREATED, now=NOW)
        stub.stubber.add_response(
            "update_inference_experiment", {"InferenceExperimentArn": ARN},
            {"Name": NAME, "DataStorageConfig": {"Destination": "s3://bucket/prefix"}})
        assert client.update(NAME, data_storage_config=DATA_STORAGE) == ARN

    def test_running_description_and_end_together(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        stub.stubber.add_response(
            "update_inference_experiment", {"InferenceExperimentArn": ARN},
            {"Name": NAME, "Description": "ends later",
             "Schedule": {"EndTime": datetime(2026, 11, 30, tzinfo=UTC)}})
        schedule = InferenceExperimentSchedule(end_time=datetime(2026, 11, 30, tzinfo=UTC))
        assert client.update(NAME, description="ends later", schedule=schedule) == ARN


# -- 3. plan_update directly ------------------------------------------------------------------


class TestPlanUpdate:
    def test_unknown_instance_type_refused_by_plan_update_as_by_update(self) -> None:
        """plan_update and ExperimentClient.update agree: an instance type botocore does not
        know is a ConfigValidationError from both, with the same path and a suggestion."""
        variant = ModelVariantConfig(model_name="m", variant_name="shadow",
                                     instance_type="ml.m5.xlargee")
        with pytest.raises(ConfigValidationError) as planned:
            plan_update(experiment(S.CREATED), model_variants=[variant])
        with pytest.raises(ConfigValidationError) as sent:
            ExperimentClient(region_name="us-east-1").update(NAME, model_variants=[variant])
        for error in (planned.value, sent.value):
            assert [p.path for p in error.errors] == ["model_variants[0].instance_type"]
            assert "'ml.m5.xlarge'" in error.errors[0].message  # the closest real type

    def test_update_reports_every_argument_problem_before_making_a_client(self) -> None:
        """A bad name, a bad instance type and a bad description are reported together, and
        no boto3 client is made (no region needed) while checking them."""
        client = ExperimentClient()
        bad_variant = ModelVariantConfig(model_name="m", variant_name="shadow",
                                         instance_type="ml.m5.xlargee")
        with pytest.raises(ConfigValidationError) as caught:
            client.update("bad name!", model_variants=[bad_variant],
                          description=123)  # type: ignore[arg-type]
        assert sorted(p.path for p in caught.value.errors) == [
            "description", "model_variants[0].instance_type", "name"]
        assert "not made yet" in repr(client)

    def test_unchanged_start_on_running_is_dropped_not_refused(self) -> None:
        plan = plan_update(experiment(S.RUNNING),
                           schedule=InferenceExperimentSchedule(start_time=START))
        assert plan.dropped == ("schedule.start_time",)
        assert plan.refused == ()
        assert plan.allowed
        assert plan.error() is None
        assert plan.request == {"Name": NAME}
        assert not plan.sends_anything

    def test_unchanged_start_with_new_end_on_running_sends_only_the_end(self) -> None:
        new_end = END + timedelta(days=1)
        plan = plan_update(experiment(S.RUNNING),
                           schedule=InferenceExperimentSchedule(start_time=START, end_time=new_end))
        assert plan.dropped == ("schedule.start_time",)
        assert plan.refused == ()
        assert plan.request == {"Name": NAME, "Schedule": {"EndTime": new_end}}
        assert plan.sends_anything

    def test_all_unchanged_sends_nothing(self) -> None:
        config = sample_config(schedule=SCHEDULE, data_storage_config=DATA_STORAGE)
        plan = plan_update(experiment(S.RUNNING, config),
                           schedule=InferenceExperimentSchedule(start_time=START),
                           model_variants=config.model_variants,
                           data_storage_config=DATA_STORAGE)
        assert plan.allowed
        assert plan.request == {"Name": NAME}
        assert set(plan.dropped) == {"schedule.start_time", "model_variants",
                                     "data_storage_config"}
        assert not plan.sends_anything

    def test_allowed_change_sends_something(self) -> None:
        plan = plan_update(experiment(S.RUNNING), description="x")
        assert plan.allowed
        assert plan.sends_anything
        assert plan.request == {"Name": NAME, "Description": "x"}

    def test_same_start_in_another_time_zone_is_unchanged(self) -> None:
        same_start = datetime(2026, 11, 19, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
        plan = plan_update(experiment(S.RUNNING),
                           schedule=InferenceExperimentSchedule(start_time=same_start))
        assert plan.dropped == ("schedule.start_time",)
        assert plan.refused == ()

    def test_new_start_is_converted_to_utc(self) -> None:
        new_start = datetime(2026, 11, 19, 21, 0, tzinfo=timezone(timedelta(hours=-5)))
        plan = plan_update(experiment(S.CREATED),
                           schedule=InferenceExperimentSchedule(start_time=new_start))
        sent = plan.request["Schedule"]["StartTime"]
        assert isinstance(sent, datetime)
        assert sent == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
        assert sent.utcoffset() == timedelta(0)
        assert "EndTime" not in plan.request["Schedule"]

    @pytest.mark.parametrize(
        ("end", "why"),
        [
            pytest.param(START, "before it starts", id="end-equals-start"),
            pytest.param(START - timedelta(minutes=1), "before it starts", id="end-before-start"),
            pytest.param(START + timedelta(days=30, seconds=1), "at most 30 days",
                         id="longer-than-30-days"),
        ],
    )
    def test_running_end_time_that_breaks_the_schedule_is_refused(
        self, end: datetime, why: str
    ) -> None:
        plan = plan_update(experiment(S.RUNNING),
                           schedule=InferenceExperimentSchedule(end_time=end))
        assert not plan.allowed
        assert [problem.path for problem in plan.refused] == ["schedule.end_time"]
        assert why in plan.refused[0].message
        error = plan.error()
        assert error is not None
        assert error.fields == ("schedule.end_time",)

    def test_running_end_exactly_30_days_after_start_is_allowed(self) -> None:
        end = START + timedelta(days=30)
        plan = plan_update(experiment(S.RUNNING),
                           schedule=InferenceExperimentSchedule(end_time=end))
        assert plan.refused == ()
        assert plan.request == {"Name": NAME, "Schedule": {"EndTime": end}}

    def test_created_start_after_current_end_is_refused(self) -> None:
        plan = plan_update(experiment(S.CREATED), schedule=InferenceExperimentSchedule(
            start_time=END + timedelta(hours=1)))
        assert [problem.path for problem in plan.refused] == ["schedule.start_time"]
        assert "before it starts" in plan.refused[0].message

    def test_created_update_of_start_past_30_days_is_refused(self) -> None:
        """SPEC §2's "don't reject Start on duration" is about starting early (the Start
        operation, after which the service moves the end); an update that asks for a
        schedule longer than 30 days breaks §7.3 and is refused before sending."""
        plan = plan_update(experiment(S.CREATED), schedule=InferenceExperimentSchedule(
            start_time=END - timedelta(days=31)))
        assert [problem.path for problem in plan.refused] == ["schedule.start_time"]
        assert "at most 30 days" in plan.refused[0].message

    def test_several_refused_fields_are_all_listed(self) -> None:
        plan = plan_update(
            experiment(S.RUNNING),
            schedule=InferenceExperimentSchedule(start_time=START + timedelta(hours=1)),
            description="allowed on its own",
            model_variants=MODEL_VARIANTS_2,
            shadow_mode_config=ShadowModeConfig(source_model_variant_name="shadow",
                                                shadow_model_variant_name="production",
                                                sampling_percentage=50),
            data_storage_config=DATA_STORAGE,
        )
        expected = ("schedule.start_time", "model_variants", "shadow_mode_config.variant_names",
                    "data_storage_config")
        assert tuple(problem.path for problem in plan.refused) == expected
        assert not plan.allowed
        assert not plan.sends_anything
        error = plan.error()
        assert error is not None
        assert error.fields == expected
        assert error.status == "Running"
        assert error.name == NAME
        for path in expected:
            assert f"\n  {path}: " in str(error)

    def test_model_name_change_is_refused_even_when_created(self) -> None:
        other_model = ModelVariantConfig(model_name="churn-v3", variant_name="shadow",
                                         instance_type="ml.m5.xlarge")
        plan = plan_update(experiment(S.CREATED), model_variants=[other_model])
        assert [problem.path for problem in plan.refused] == ["model_variants"]
        assert "churn-v3" in plan.refused[0].message

    def test_unknown_variant_in_model_variants_is_refused(self) -> None:
        canary = ModelVariantConfig(model_name="churn-v2", variant_name="canary",
                                    instance_type="ml.m5.xlarge")
        plan = plan_update(experiment(S.CREATED), model_variants=[canary])
        assert [problem.path for problem in plan.refused] == ["model_variants"]

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            pytest.param({"schedule": "tomorrow"}, "schedule", id="schedule-str"),
            pytest.param({"description": 5}, "description", id="description-int"),
            pytest.param({"description": "two\nlines"}, "description", id="description-newline"),
            pytest.param({"model_variants": []}, "model_variants", id="model-variants-empty"),
            pytest.param({"model_variants": MODEL_VARIANTS_2 * 2}, "model_variants",
                         id="model-variants-four"),
            pytest.param({"model_variants": ["production"]}, "model_variants[0]",
                         id="model-variants-str-item"),
            pytest.param({"shadow_mode_config": {"SamplingPercentage": 80}},
                         "shadow_mode_config", id="shadow-mode-dict"),
            pytest.param({"data_storage_config": "s3://bucket/prefix"},
                         "data_storage_config", id="data-storage-str"),
        ],
    )
    def test_wrong_argument_types_raise_config_validation_error(
        self, kwargs: dict[str, Any], path: str
    ) -> None:
        with pytest.raises(ConfigValidationError) as info:
            plan_update(experiment(S.CREATED), **kwargs)
        assert [problem.path for problem in info.value.errors] == [path]

    @pytest.mark.parametrize("current", [None, "churn-shadow", {"Status": "Created"}])
    def test_current_that_is_not_an_experiment_is_a_config_validation_error(
            self, current: object) -> None:
        """Not an AttributeError on ``.name``: the documented error, with every other
        problem of the call beside it."""
        with pytest.raises(ConfigValidationError) as info:
            plan_update(current, description=3)  # type: ignore[arg-type]
        assert str(info.value.errors[0]) == (
            f"current: got {type(current).__name__} {current!r}; must be an "
            "InferenceExperiment (what client.describe(name) returns)")
        assert [problem.path for problem in info.value.errors] == ["current", "description"]

    def test_wrong_argument_type_through_the_client_sends_no_update(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.CREATED, now=NOW)
        bad: Any = "tomorrow"
        with pytest.raises(ConfigValidationError) as info:
            client.update(NAME, schedule=bad)
        assert [problem.path for problem in info.value.errors] == ["schedule"]
        assert stub.pending() == ["DescribeInferenceExperiment"]  # checked before describing
        stub.clear()

    def test_client_refuses_an_empty_update_before_describing(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.CREATED, now=NOW)
        with pytest.raises(ConfigValidationError, match="nothing to update"):
            client.update(NAME)
        assert stub.pending() == ["DescribeInferenceExperiment"]
        stub.clear()

    def test_client_sends_nothing_and_returns_the_arn_when_nothing_changes(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        result = client.update(NAME, schedule=InferenceExperimentSchedule(start_time=START),
                               model_variants=CONFIG.model_variants)
        assert result == ARN
        assert stub.pending() == []  # the describe was the only call (no update was queued)

    def test_unknown_status_refuses_every_field(self) -> None:
        plan = plan_update(experiment("Paused"), description="x", model_variants=MODEL_VARIANTS_2)
        assert tuple(problem.path for problem in plan.refused) == ("description", "model_variants")
        error = plan.error()
        assert error is not None
        assert error.status == "Paused"
        assert "upgrade shadowtest" in str(error)


# -- 4. start / stop / delete over every status -----------------------------------------------


STOP_ACTIONS: dict[str, VariantActionName] = {"production": "Retain", "shadow": "Remove"}
OPERATION_CASES = [
    pytest.param(operation, status, id=f"{operation}-{status.value}")
    for operation in ("start", "stop", "delete") for status in ALL_STATUSES
]


def _call(client: ExperimentClient, operation: str) -> str:
    if operation == "start":
        return client.start(NAME)
    if operation == "stop":
        return client.stop(NAME, model_variant_actions=STOP_ACTIONS)
    assert operation == "delete"
    return client.delete(NAME)


class TestOperations:
    def test_literal_table_equals_allowed_statuses(self) -> None:
        assert dict(ALLOWED_STATUSES) == EXPECTED_ALLOWED

    def test_starting_early_is_not_refused_on_duration(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        """SPEC §2: starting early past 30 days moves the end (the service's business); the
        client must not refuse start() because now → end is longer than 30 days."""
        late = InferenceExperimentSchedule(start_time=NOW + timedelta(days=20),
                                           end_time=NOW + timedelta(days=45))
        stub.expect_describe(sample_config(schedule=late), S.CREATED, now=NOW)
        stub.expect_start(NAME)
        assert client.start(NAME) == ARN

    @pytest.mark.parametrize(("operation", "status"), OPERATION_CASES)
    def test_operation(
        self, stub: ExperimentStubber, client: ExperimentClient, operation: str,
        status: ExperimentStatus,
    ) -> None:
        stub.expect_describe(CONFIG, status, now=NOW)
        if status in EXPECTED_ALLOWED[operation]:
            request: dict[str, Any] = {"Name": NAME}
            if operation == "stop":
                request.update(ModelVariantActions=STOP_ACTIONS, DesiredState="Completed")
            stub.stubber.add_response(f"{operation}_inference_experiment",
                                      {"InferenceExperimentArn": ARN}, request)
            assert _call(client, operation) == ARN
            assert stub.pending() == []
            return
        with pytest.raises(InvalidStatusError) as info:
            _call(client, operation)
        assert stub.pending() == []  # only the describe was queued
        error = info.value
        assert type(error) is InvalidStatusError
        assert (error.name, error.status, error.operation) == (NAME, status.value, operation)
        message = str(error)
        assert f"cannot {operation} inference experiment {NAME!r} while it is {status.value}" \
            in message
        assert "nothing was sent" in message
        assert EXPECTED_ADVICE[operation, status] in message

    @pytest.mark.parametrize("status", [s for s in ALL_STATUSES if s is not S.RUNNING],
                             ids=lambda s: s.value)
    @pytest.mark.parametrize("method", ["promote", "conclude"])
    def test_promote_and_conclude_need_running(
        self, stub: ExperimentStubber, client: ExperimentClient, method: str,
        status: ExperimentStatus,
    ) -> None:
        stub.expect_describe(CONFIG, status, now=NOW)
        with pytest.raises(InvalidStatusError) as info:
            getattr(client, method)(NAME)
        assert stub.pending() == []
        assert (info.value.status, info.value.operation) == (status.value, "stop")
        assert "nothing was sent" in str(info.value)

    def test_advice_for_unknown_status(self) -> None:
        assert "upgrade shadowtest" in status_advice("start", "Paused")

    def test_unknown_status_is_refused(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, "Paused", now=NOW)
        with pytest.raises(InvalidStatusError) as info:
            client.delete(NAME)
        assert info.value.status == "Paused"
        assert "upgrade shadowtest" in str(info.value)


# -- 5. promote / conclude, exact requests ----------------------------------------------------


def _stop_request(actions: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"Name": NAME, "ModelVariantActions": actions, "DesiredState": "Completed", **extra}


class TestPromoteConclude:
    @pytest.mark.parametrize(("call", "actions"), [
        pytest.param(lambda c: c.promote(NAME), {"shadow": "Promote", "production": "Remove"},
                     id="promote"),
        pytest.param(lambda c: c.conclude(NAME), {"production": "Retain", "shadow": "Retain"},
                     id="conclude"),
        pytest.param(lambda c: c.conclude(NAME, remove_shadow=True),
                     {"production": "Retain", "shadow": "Remove"}, id="conclude-remove-shadow"),
    ])
    def test_exact_stop_request(
        self, stub: ExperimentStubber, client: ExperimentClient,
        call: Callable[[ExperimentClient], str], actions: dict[str, str],
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        stub.stubber.add_response("stop_inference_experiment", {"InferenceExperimentArn": ARN},
                                  _stop_request(actions))
        assert call(client) == ARN

    def test_promote_with_desired_variants_and_reason(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        stub.stubber.add_response(
            "stop_inference_experiment", {"InferenceExperimentArn": ARN},
            _stop_request({"shadow": "Promote", "production": "Remove"},
                          DesiredModelVariants=[variant_dict("churn-v2", "shadow", 2)],
                          Reason="v2 wins"))
        desired = [MODEL_VARIANTS_2[1]]
        assert client.promote(NAME, desired_model_variants=desired, reason="v2 wins") == ARN

    @pytest.mark.parametrize("state", ["Cancelled", S.CANCELLED], ids=["str", "enum"])
    def test_conclude_cancelled_with_reason(
        self, stub: ExperimentStubber, client: ExperimentClient, state: Any
    ) -> None:
        sent = capture(stub, "StopInferenceExperiment")
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        stub.stubber.add_response(
            "stop_inference_experiment", {"InferenceExperimentArn": ARN},
            {"Name": NAME, "ModelVariantActions": {"production": "Retain", "shadow": "Retain"},
             "DesiredState": "Cancelled", "Reason": "no longer needed"})
        assert client.conclude(NAME, desired_state=state, reason="no longer needed") == ARN
        assert type(sent[0]["DesiredState"]) is str

    def test_conclude_bad_state_is_refused_before_describing(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        bad: Any = "Running"
        with pytest.raises(ConfigValidationError) as info:
            client.conclude(NAME, desired_state=bad)
        assert [problem.path for problem in info.value.errors] == ["desired_state"]
        assert stub.pending() == ["DescribeInferenceExperiment"]
        stub.clear()


# -- 6. stop argument checks ------------------------------------------------------------------


OTHER_VARIANT = ModelVariantConfig(model_name="churn-v2", variant_name="canary",
                                   instance_type="ml.m5.xlarge")


class TestStopArguments:
    @pytest.mark.parametrize(
        ("kwargs", "paths", "describes"),
        [
            pytest.param({"model_variant_actions": {"canary": "Remove"}},
                         ["model_variant_actions['canary']"], True, id="unknown-variant"),
            pytest.param({"model_variant_actions": {"production": "Promote",
                                                    "shadow": "Promote"}},
                         ["model_variant_actions"], False, id="two-promotes"),
            pytest.param({"model_variant_actions": {"production": "Promote"}},
                         ["model_variant_actions['production']"], True, id="promote-source"),
            pytest.param({"model_variant_actions": {"production": "Promote",
                                                    "shadow": "Remove"}},
                         ["model_variant_actions['production']"], True,
                         id="promote-source-remove-shadow"),
            pytest.param({"model_variant_actions": {"shadow": "Keep"}},
                         ["model_variant_actions['shadow']"], False, id="bad-action"),
            pytest.param({"model_variant_actions": {"shadow": "promote"}},
                         ["model_variant_actions['shadow']"], False, id="lowercase-action"),
            pytest.param({"model_variant_actions": ["production", "shadow"]},
                         ["model_variant_actions"], False, id="not-a-mapping"),
            pytest.param({"model_variant_actions": {}},
                         ["model_variant_actions"], False, id="no-actions"),
            pytest.param({"model_variant_actions": STOP_ACTIONS,
                          "desired_model_variants": [OTHER_VARIANT]},
                         ["desired_model_variants[0].variant_name"], True,
                         id="desired-unknown-variant"),
            pytest.param({"model_variant_actions": STOP_ACTIONS, "desired_state": "Running"},
                         ["desired_state"], False, id="bad-desired-state"),
            pytest.param({"model_variant_actions": STOP_ACTIONS, "desired_state": "completed"},
                         ["desired_state"], False, id="lowercase-desired-state"),
            pytest.param({"model_variant_actions": STOP_ACTIONS, "reason": "a\nb"},
                         ["reason"], False, id="reason-newline"),
        ],
    )
    def test_refused_and_nothing_stopped(
        self, stub: ExperimentStubber, client: ExperimentClient, kwargs: dict[str, Any],
        paths: list[str], describes: bool,
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        with pytest.raises(ConfigValidationError) as info:
            client.stop(NAME, **kwargs)
        assert [problem.path for problem in info.value.errors] == paths
        # a stop was never queued: the stubber would have failed on one anyway
        assert stub.pending() == ([] if describes else ["DescribeInferenceExperiment"])
        stub.clear()

    @pytest.mark.parametrize(
        "actions",
        [
            pytest.param({"production": "Retain", "shadow": "Remove"}, id="strings"),
            pytest.param({"production": VariantAction.RETAIN, "shadow": VariantAction.REMOVE},
                         id="enum-members"),
            pytest.param({"production": VariantAction.RETAIN, "shadow": "Remove"}, id="mixed"),
        ],
    )
    def test_enum_members_and_strings_are_accepted(
        self, stub: ExperimentStubber, client: ExperimentClient,
        actions: dict[str, VariantAction | VariantActionName],
    ) -> None:
        sent = capture(stub, "StopInferenceExperiment")
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        stub.stubber.add_response("stop_inference_experiment", {"InferenceExperimentArn": ARN},
                                  _stop_request({"production": "Retain", "shadow": "Remove"}))
        assert client.stop(NAME, model_variant_actions=actions) == ARN
        assert all(type(action) is str for action in sent[0]["ModelVariantActions"].values())

    def test_promoting_the_shadow_alone_removes_the_source(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        stub.stubber.add_response("stop_inference_experiment", {"InferenceExperimentArn": ARN},
                                  _stop_request({"shadow": "Promote", "production": "Remove"}))
        assert client.stop(NAME, model_variant_actions={"shadow": "Promote"}) == ARN

    def test_promote_with_an_explicit_source_action_keeps_it(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        stub.stubber.add_response("stop_inference_experiment", {"InferenceExperimentArn": ARN},
                                  _stop_request({"shadow": "Promote", "production": "Retain"}))
        actions = {"shadow": VariantAction.PROMOTE, "production": VariantAction.RETAIN}
        assert client.stop(NAME, model_variant_actions=actions) == ARN

    def test_one_action_without_promote_is_sent_as_given(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        stub.stubber.add_response("stop_inference_experiment", {"InferenceExperimentArn": ARN},
                                  _stop_request({"shadow": "Remove"}))
        assert client.stop(NAME, model_variant_actions={"shadow": "Remove"}) == ARN

    def test_several_problems_at_once(
        self, stub: ExperimentStubber, client: ExperimentClient
    ) -> None:
        stub.expect_describe(CONFIG, S.RUNNING, now=NOW)
        bad_state: Any = "Paused"
        with pytest.raises(ConfigValidationError) as info:
            client.stop(NAME, model_variant_actions={"shadow": "Keep"},  # type: ignore[dict-item]
                        desired_state=bad_state,
                        reason="x" * 1025)
        assert [problem.path for problem in info.value.errors] == [
            "model_variant_actions['shadow']", "desired_state", "reason"]
        assert stub.pending() == ["DescribeInferenceExperiment"]
        stub.clear()


# -- 7. enums ---------------------------------------------------------------------------------


class TestEnums:
    def test_experiment_status_values(self) -> None:
        assert [status.value for status in ExperimentStatus] == [
            "Creating", "Created", "Updating", "Starting", "Running", "Stopping", "Completed",
            "Cancelled"]
        assert tuple(ExperimentStatus) == ALL_STATUSES

    def test_variant_action_values(self) -> None:
        assert {action.value for action in VariantAction} == {"Promote", "Remove", "Retain"}
        assert len(VariantAction) == 3

    @pytest.mark.parametrize("member", [*ExperimentStatus, *VariantAction], ids=str)
    def test_str_and_format_give_the_value(self, member: ExperimentStatus | VariantAction) -> None:
        assert str(member) == member.value
        assert f"{member}" == member.value
        assert f"{member:>12}" == f"{member.value:>12}"
        assert member == member.value
        assert hash(member) == hash(member.value)

    def test_lookup_by_value_gives_the_member(self) -> None:
        assert ExperimentStatus("Running") is ExperimentStatus.RUNNING
        assert VariantAction("Promote") is VariantAction.PROMOTE
        with pytest.raises(ValueError, match="running"):
            ExperimentStatus("running")

    def test_terminal_and_transient(self) -> None:
        assert {s for s in ExperimentStatus if s.is_terminal} == {S.COMPLETED, S.CANCELLED}
        assert {s for s in ExperimentStatus if s.is_transient} == {
            S.CREATING, S.UPDATING, S.STARTING, S.STOPPING}
        assert not S.CREATED.is_terminal
        assert not S.CREATED.is_transient
        assert not S.RUNNING.is_terminal
        assert not S.RUNNING.is_transient

    def test_parse_enum_keeps_an_unknown_string(self) -> None:
        """A value this version does not know becomes a stand-in member: still the enum's
        type (what a type checker sees), equal to the service's string, marked unknown."""
        assert parse_enum(ExperimentStatus, "Running") is ExperimentStatus.RUNNING
        paused = parse_enum(ExperimentStatus, "Paused")
        assert paused == "Paused"
        assert str(paused) == "Paused"
        assert isinstance(paused, ExperimentStatus)
        assert not paused.is_known
        assert ExperimentStatus.RUNNING.is_known
        assert not paused.is_terminal
        assert not paused.is_transient
        assert parse_enum(ModelVariantStatus, "InService") is ModelVariantStatus.IN_SERVICE
        assert list(ExperimentStatus) == list(ALL_STATUSES)  # not added to the members

    def test_the_constructor_stays_strict(self) -> None:
        with pytest.raises(ValueError, match="Paused"):
            ExperimentStatus("Paused")

    def test_a_stand_in_member_pickles(self) -> None:
        paused = ExperimentStatus.parse("Paused")
        assert pickle.loads(pickle.dumps(paused)) == "Paused"
        assert pickle.loads(pickle.dumps(S.RUNNING)) is S.RUNNING

    def test_described_unknown_status_is_kept(self) -> None:
        status = experiment("Paused").status
        assert status == "Paused"
        assert not status.is_known
        assert experiment(S.RUNNING).status is S.RUNNING

"""plan/apply: a desired config against the live experiment, as a pure diff (plan_apply)
and carried out by ExperimentClient.apply against the fake."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from botocore.exceptions import ClientError

from shadowtest import (
    ApplyIncompleteError,
    ConfigValidationError,
    ExperimentStatus,
    InferenceExperiment,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    Plan,
    PlannedChange,
    ReplacementRequiredError,
    ResourceLimitExceededError,
    UpdateNotAllowedError,
    WaitTimeoutError,
)
from shadowtest.plan import plan_apply
from shadowtest.testing import FakeSageMaker, describe_response, sample_config

UTC = timezone.utc
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
S = ExperimentStatus
NAME = "churn-shadow"
READS = {"DescribeInferenceExperiment", "ListInferenceExperiments", "ListTags",
         "DescribeEndpoint", "DescribeEndpointConfig", "DescribeModel"}  # + preflight's


def live(config: InferenceExperimentConfig, status: S = S.RUNNING, **kw: Any,
         ) -> InferenceExperiment:
    return InferenceExperiment(describe_response(config, status, now=T0, **kw))


def scheduled(config: InferenceExperimentConfig, start: datetime,
              days: int = 7) -> InferenceExperimentConfig:
    return attrs.evolve(config, schedule=InferenceExperimentSchedule.starting_at(
        start, timedelta(days=days)))


def sampling(config: InferenceExperimentConfig, percent: int) -> InferenceExperimentConfig:
    return attrs.evolve(config, shadow_mode_config=attrs.evolve(
        config.shadow_mode_config, sampling_percentage=percent))


def count(config: InferenceExperimentConfig, variant: int, n: int) -> InferenceExperimentConfig:
    variants = list(config.model_variants)
    variants[variant] = attrs.evolve(variants[variant], instance_count=n)
    return attrs.evolve(config, model_variants=variants)


BASE = scheduled(sample_config(), T0)


class TestPlanApply:
    def test_no_experiment_plans_a_create_of_exactly_the_config(self) -> None:
        plan = plan_apply(BASE, None, now=T0)
        assert plan.actions == ("create",)
        assert plan.requests == (("create_inference_experiment", BASE.to_boto3()),)
        assert plan.status is None
        assert PlannedChange(path="shadow_mode_config.sampling_percentage", old=None, new=50,
                             action="create") in plan.changes
        assert str(plan).splitlines()[0] == (
            "+ create inference experiment 'churn-shadow' (does not exist)")

    def test_create_then_start_when_running_is_wanted_but_the_start_is_later(self) -> None:
        config = scheduled(BASE, T0 + timedelta(days=1))
        assert plan_apply(config, None, now=T0).actions == ("create",)
        plan = plan_apply(config, None, now=T0, desired_state="Running")
        assert plan.actions == ("create", "start")
        assert plan.requests[1] == ("start_inference_experiment", {"Name": NAME})

    @pytest.mark.parametrize("status", [S.CREATED, S.RUNNING, S.COMPLETED, S.CANCELLED])
    def test_a_matching_experiment_plans_nothing(self, status: S) -> None:
        plan = plan_apply(BASE, live(BASE, status), now=T0 + timedelta(hours=1))
        assert not plan
        assert (plan.actions, plan.changes, plan.requests) == ((), (), ())
        assert str(plan) == ("No changes: inference experiment 'churn-shadow' "
                             f"({status}) matches the config.")

    def test_a_running_update_sends_only_the_changed_fields(self) -> None:
        plan = plan_apply(sampling(BASE, 100), live(BASE), now=T0)
        assert plan.actions == ("update",)
        assert plan.changes == (PlannedChange(
            path="shadow_mode_config.sampling_percentage", old=50, new=100),)
        assert plan.requests == (("update_inference_experiment", {
            "Name": NAME, "ShadowModeConfig": {
                "SourceModelVariantName": "production",
                "ShadowModelVariants": [{"ShadowModelVariantName": "shadow",
                                         "SamplingPercentage": 100}]}}),)
        assert str(plan) == (
            "~ update inference experiment 'churn-shadow' (Running)\n"
            "    ~ shadow_mode_config.sampling_percentage: 50 -> 100")

    def test_a_change_the_status_forbids_is_refused_with_the_rule(self) -> None:
        plan = plan_apply(count(sampling(BASE, 100), 1, 3), live(BASE), now=T0)
        refused = plan.refused
        assert [(c.path, c.old, c.new) for c in refused] == [
            ("model_variants['shadow'].instance_count", 1, 3)]
        assert refused[0].reason is not None
        assert "cannot change while the experiment is Running" in refused[0].reason
        error = plan.error()
        assert isinstance(error, UpdateNotAllowedError)
        assert error.fields == ("model_variants['shadow'].instance_count",)
        assert "! model_variants['shadow'].instance_count: 1 -> 3 (refused: " in str(plan)

    def test_a_created_experiment_updates_its_variants(self) -> None:
        plan = plan_apply(count(BASE, 1, 3), live(BASE, S.CREATED), now=T0 - timedelta(days=1))
        assert plan.refused == ()
        (request,) = plan.requests
        assert request[0] == "update_inference_experiment"
        sent: Any = request[1]["ModelVariants"]
        assert [v["VariantName"] for v in sent] == ["shadow"]

    @pytest.mark.parametrize(("changes", "path"), [
        ({"endpoint_name": "churn-2"}, "endpoint_name"),
        ({"role_arn": "arn:aws:iam::123456789012:role/Other"}, "role_arn"),
        ({"kms_key": "alias/other"}, "kms_key"),
    ])
    def test_create_only_fields_force_a_replacement(self, changes: dict[str, Any],
                                                    path: str) -> None:
        plan = plan_apply(attrs.evolve(BASE, **changes), live(BASE), now=T0)
        assert plan.actions == ("replace",)
        assert [c.path for c in plan.changes] == [path]
        assert plan.changes[0].reason == "set only on create: forces a replacement"
        assert plan.requests == (
            ("stop_inference_experiment", {
                "Name": NAME, "ModelVariantActions": {"production": "Retain",
                                                      "shadow": "Remove"},
                "DesiredState": "Cancelled", "Reason": "replaced by shadowtest apply"}),
            ("delete_inference_experiment", {"Name": NAME}),
            ("create_inference_experiment", attrs.evolve(BASE, **changes).to_boto3()),
        )

    def test_a_new_model_or_swapped_roles_force_a_replacement(self) -> None:
        variants = list(BASE.model_variants)
        variants[1] = attrs.evolve(variants[1], model_name="churn-v3")
        plan = plan_apply(attrs.evolve(BASE, model_variants=variants), live(BASE), now=T0)
        assert [(c.path, c.action) for c in plan.changes] == [
            ("model_variants['shadow'].model_name", "replace")]
        swapped = attrs.evolve(BASE, shadow_mode_config=attrs.evolve(
            BASE.shadow_mode_config, source_model_variant_name="shadow",
            shadow_model_variant_name="production"))
        plan = plan_apply(swapped, live(BASE, S.CREATED), now=T0 - timedelta(days=1))
        assert plan.actions == ("replace",)
        assert [op for op, _ in plan.requests] == [  # nothing to stop when Created
            "delete_inference_experiment", "create_inference_experiment"]

    def test_an_ended_experiment_is_replaced_only_when_something_changes(self) -> None:
        ended = live(BASE, S.COMPLETED)
        later = T0 + timedelta(days=8)
        assert not plan_apply(BASE, ended, now=later)
        plan = plan_apply(sampling(BASE, 100), ended, now=later)
        assert plan.actions == ("replace",)
        assert plan.changes[0].reason is not None
        assert "it has ended" in plan.changes[0].reason
        again = plan_apply(BASE, ended, now=later, desired_state="Running")
        assert again.actions == ("replace",)
        assert [c.path for c in again.changes] == ["status"]

    def test_desired_running_starts_a_created_experiment(self) -> None:
        created = live(scheduled(BASE, T0 + timedelta(days=1)), S.CREATED)
        config = scheduled(BASE, T0 + timedelta(days=1))
        assert not plan_apply(config, created, now=T0)
        plan = plan_apply(config, created, now=T0, desired_state="Running")
        assert plan.actions == ("start",)
        assert plan.requests == (("start_inference_experiment", {"Name": NAME}),)
        assert str(plan).startswith("> start inference experiment 'churn-shadow' (Created)")

    def test_from_now_re_runs_plan_nothing_when_only_the_clock_moved(self) -> None:
        """A from_now() schedule means 'as soon as possible, for this long': once started,
        the start is satisfied and the end is the actual start plus the duration."""
        first = attrs.evolve(BASE, schedule=InferenceExperimentSchedule.from_now(
            timedelta(days=7), now=T0 + timedelta(microseconds=400_000)))
        running = live(first)  # the service keeps whole seconds
        for hours in (0, 1, 50):
            now = T0 + timedelta(hours=hours, seconds=0.7)
            rerun = attrs.evolve(BASE, schedule=InferenceExperimentSchedule.from_now(
                timedelta(days=7), now=now))
            assert not plan_apply(rerun, running, now=now), hours
        longer = attrs.evolve(BASE, schedule=InferenceExperimentSchedule.from_now(
            timedelta(days=10), now=T0 + timedelta(hours=5)))
        plan = plan_apply(longer, running, now=T0 + timedelta(hours=5))
        assert [(c.path, c.new) for c in plan.changes] == [
            ("schedule.end_time", T0 + timedelta(days=10, microseconds=400_000))]

    def test_a_past_start_starts_a_created_experiment_now(self) -> None:
        created = live(scheduled(BASE, T0 + timedelta(days=1)), S.CREATED)
        config = attrs.evolve(BASE, schedule=InferenceExperimentSchedule.from_now(
            timedelta(days=1), now=T0))
        plan = plan_apply(config, created, now=T0)
        assert "start" in plan.actions
        assert "schedule.start_time" not in [c.path for c in plan.changes]

    def test_tags_are_added_changed_and_deleted_but_never_aws_ones(self) -> None:
        config = attrs.evolve(BASE, tags={"team": "ds", "new": "1"})
        tags = {"team": "ml", "old": "x", "aws:cloudformation:stack-name": "s"}
        plan = plan_apply(config, live(BASE), now=T0, tags=tags)
        arn = live(BASE).arn
        assert plan.requests == (
            ("add_tags", {"ResourceArn": arn, "Tags": [{"Key": "team", "Value": "ds"},
                                                       {"Key": "new", "Value": "1"}]}),
            ("delete_tags", {"ResourceArn": arn, "TagKeys": ["old"]}),
        )
        assert [(c.symbol, str(c)) for c in plan.changes] == [
            ("~", "tags['team']: 'ml' -> 'ds'"), ("+", "tags['new']: (none) -> '1'"),
            ("-", "tags['old']: 'x' -> (none)")]
        assert not plan_apply(attrs.evolve(BASE, tags=None), live(BASE), now=T0, tags=tags)

    def test_unset_fields_are_not_managed(self) -> None:
        current = live(attrs.evolve(BASE, description="from the console"))
        assert not plan_apply(BASE, current, now=T0)
        assert not plan_apply(attrs.evolve(BASE, schedule=None), current, now=T0)

    def test_only_running_is_a_desired_state(self) -> None:
        with pytest.raises(ConfigValidationError, match="desired_state: got 'Stopped'"):
            plan_apply(BASE, None, now=T0, desired_state="Stopped")

    def test_plans_are_frozen_and_render_escaped_html(self) -> None:
        plan = plan_apply(attrs.evolve(BASE, description="<b>x</b>"), live(BASE), now=T0)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            plan.actions = ()  # type: ignore[misc]
        params: Any = plan.requests[0][1]
        with pytest.raises(TypeError):
            params["Name"] = "other"
        html = plan._repr_html_()
        assert "&lt;b&gt;x&lt;/b&gt;" in html
        assert "<b>x</b>" not in html
        assert isinstance(plan, Plan)
        printed: list[str] = []

        class Printer:
            def text(self, obj: str) -> None:
                printed.append(obj)

        plan._repr_pretty_(Printer(), False)
        assert printed == [str(plan)]
        assert str(plan).splitlines()[1] == (
            "    + description: (none) -> '<b>x</b>'")


def mutating(fake: FakeSageMaker, since: int = 0) -> list[str]:
    return [operation for operation, _ in fake.calls[since:] if operation not in READS]


class TestApply:
    @pytest.fixture
    def fake(self) -> FakeSageMaker:
        return FakeSageMaker(now=T0)

    def test_a_second_identical_apply_sends_no_mutating_request(self,
                                                                fake: FakeSageMaker) -> None:
        client = fake.experiment_client()
        config = attrs.evolve(sample_config(), tags={"team": "ml"})
        assert client.apply(config, wait=True).status is S.RUNNING
        assert mutating(fake) == ["CreateInferenceExperiment"]
        n = len(fake.calls)
        fake.advance(timedelta(hours=2))
        assert client.apply(config).status is S.RUNNING
        assert mutating(fake, n) == []

    def test_from_now_config_re_applied_later_sends_nothing(self, fake: FakeSageMaker) -> None:
        client = fake.experiment_client()

        def config() -> InferenceExperimentConfig:
            return attrs.evolve(sample_config(), schedule=InferenceExperimentSchedule.from_now(
                timedelta(days=3), now=fake.now))

        client.apply(config(), wait=True)
        n = len(fake.calls)
        for _ in range(3):
            fake.advance(timedelta(hours=7, seconds=13))
            client.apply(config())
        assert mutating(fake, n) == []

    def test_waits_out_a_transitional_status_then_updates(self, fake: FakeSageMaker) -> None:
        client = fake.experiment_client()
        fake.seed(sample_config(), status=S.UPDATING)
        result = client.apply(sampling(sample_config(), 100))
        assert mutating(fake) == ["UpdateInferenceExperiment"]
        assert result.shadow_mode_config is not None
        assert result.shadow_mode_config.sampling_percentage == 100

    def test_a_forbidden_change_raises_and_sends_nothing(self, fake: FakeSageMaker) -> None:
        fake.seed(sample_config())
        with pytest.raises(UpdateNotAllowedError, match="instance_count: 1 -> 2"):
            fake.experiment_client().apply(count(sampling(sample_config(), 90), 0, 2))
        assert mutating(fake) == []

    def test_a_replacement_needs_replace_true_then_stops_deletes_creates(
            self, fake: FakeSageMaker, caplog: pytest.LogCaptureFixture) -> None:
        client = fake.experiment_client()
        fake.seed(sample_config())
        moved = sample_config(endpoint_name="churn-2")
        with pytest.raises(ReplacementRequiredError) as error:
            client.apply(moved)
        assert error.value.fields == ("endpoint_name",)
        assert mutating(fake) == []
        with caplog.at_level(logging.INFO, logger="shadowtest"):
            result = client.apply(moved, replace=True, wait=True)
        assert mutating(fake) == ["StopInferenceExperiment", "DeleteInferenceExperiment",
                                  "CreateInferenceExperiment"]
        assert (result.endpoint_name, result.status) == ("churn-2", S.RUNNING)
        logged = [r.getMessage() for r in caplog.records]
        assert [m.split(": ")[1].split(" ")[0] for m in logged if m.startswith("apply")] == [
            "stop", "waiting", "delete", "create"]

    def test_desired_running_starts_a_created_experiment(self, fake: FakeSageMaker) -> None:
        fake.seed(sample_config(), status=S.CREATED)
        client = fake.experiment_client()
        start = fake.describe(NAME)["Schedule"]["StartTime"]
        config = attrs.evolve(sample_config(), schedule=InferenceExperimentSchedule(
            start_time=start, end_time=fake.describe(NAME)["Schedule"]["EndTime"]))
        assert client.apply(config).status is S.CREATED
        assert mutating(fake) == []
        result = client.apply(config, desired_state="Running", wait=True)
        assert mutating(fake) == ["StartInferenceExperiment"]
        assert result.status is S.RUNNING

    def test_a_from_now_config_starts_a_created_experiment_after_updating_its_end(
            self, fake: FakeSageMaker) -> None:
        """Created with a start tomorrow; the config says 'from now, for 2 days': the end
        is updated (allowed in Created), the update is waited out, then it starts."""
        fake.seed(sample_config(), status=S.CREATED)
        config = sample_config(schedule=InferenceExperimentSchedule.from_now(
            timedelta(days=2), now=fake.now))
        plan = fake.experiment_client().plan(config)
        assert plan.actions == ("update", "start")
        result = fake.experiment_client().apply(config, wait=True)
        assert mutating(fake) == ["UpdateInferenceExperiment", "StartInferenceExperiment"]
        assert result.status is S.RUNNING
        assert result.schedule is not None
        assert result.schedule.end_time == T0 + timedelta(days=2)

    def test_an_ended_unchanged_experiment_is_left_alone_even_with_wait(
            self, fake: FakeSageMaker) -> None:
        fake.seed(sample_config(), status=S.COMPLETED)
        assert fake.experiment_client().apply(sample_config(), wait=True).status is S.COMPLETED
        assert mutating(fake) == []

    def test_tags_are_brought_in_line(self, fake: FakeSageMaker) -> None:
        fake.seed(sample_config(tags={"team": "ml", "old": "x"}))
        client = fake.experiment_client()
        client.apply(sample_config(tags={"team": "ds", "cost": "42"}))
        assert mutating(fake) == ["AddTags", "DeleteTags"]
        arn = fake.describe(NAME)["Arn"]
        assert fake.client.list_tags(ResourceArn=arn)["Tags"] == [
            {"Key": "team", "Value": "ds"}, {"Key": "cost", "Value": "42"}]
        n = len(fake.calls)
        client.apply(sample_config(tags={"team": "ds", "cost": "42"}))
        assert mutating(fake, n) == []

    def test_plan_sends_nothing(self, fake: FakeSageMaker) -> None:
        fake.seed(sample_config())
        plan = fake.experiment_client().plan(sampling(sample_config(tags={"a": "b"}), 10))
        assert plan.actions == ("update",)
        assert [op for op, _ in fake.calls] == ["DescribeInferenceExperiment", "ListTags"]


class TestNothingHalfApplied:
    """A step of apply that fails after others were carried out says what was done and
    what was not; a re-run finishes the job; a lost answer is recovered as the single
    calls recover it."""

    @pytest.fixture
    def fake(self, monkeypatch: pytest.MonkeyPatch) -> FakeSageMaker:
        # botocore resends at once, so a resent request meets what its first attempt left
        monkeypatch.setattr(time, "sleep", lambda seconds: None)
        return FakeSageMaker(now=T0)

    def test_an_update_then_a_failed_start_says_it_was_updated(self,
                                                              fake: FakeSageMaker) -> None:
        """apply(desired_state="Running") updated, then its start was refused: a raw
        ClientError before; now an ApplyIncompleteError naming both steps, the refusal
        as its cause. Re-running apply sends only the start."""
        fake.seed(sample_config(), status=S.CREATED)
        schedule = fake.describe(NAME)["Schedule"]
        config = sample_config(description="new", schedule=InferenceExperimentSchedule(
            start_time=schedule["StartTime"], end_time=schedule["EndTime"]))
        fake.fail_next("StartInferenceExperiment", "ValidationException",
                       "The endpoint is being updated")
        client = fake.experiment_client()
        with pytest.raises(ApplyIncompleteError) as caught:
            client.apply(config, desired_state="Running")
        error = caught.value
        assert str(error) == (
            "apply 'churn-shadow': inference experiment 'churn-shadow' was updated; "
            "starting it failed: ClientError: An error occurred (ValidationException) when "
            "calling the StartInferenceExperiment operation: The endpoint is being updated "
            "— re-run apply to finish (it plans again from the experiment as it now is)")
        assert (error.name, error.done, error.failed) == (NAME, ("update",), "start")
        assert isinstance(error.__cause__, ClientError)
        assert mutating(fake) == ["UpdateInferenceExperiment", "StartInferenceExperiment"]
        n = len(fake.calls)
        result = client.apply(config, desired_state="Running", wait=True)
        assert (result.status, result.description) == (S.RUNNING, "new")
        assert mutating(fake, n) == ["StartInferenceExperiment"]

    def test_a_replacement_whose_create_failed_says_the_old_one_is_gone(
            self, fake: FakeSageMaker) -> None:
        """apply(replace=True) stopped and deleted the old experiment, then the create was
        refused: the error says the old one is gone and to re-run, which creates it."""
        fake.seed(sample_config())
        moved = sample_config(endpoint_name="churn-2")
        fake.fail_next("CreateInferenceExperiment", "ResourceLimitExceeded",
                       "too many inference experiments")
        client = fake.experiment_client()
        with pytest.raises(ApplyIncompleteError) as caught:
            client.apply(moved, replace=True)
        error = caught.value
        assert str(error).startswith(
            "apply 'churn-shadow': the old experiment was stopped and deleted; creating it "
            "again failed: ResourceLimitExceededError: create inference experiment "
            "'churn-shadow': ResourceLimitExceeded: too many inference experiments — re-run "
            "apply to finish")
        assert (error.done, error.failed) == (("stop", "delete"), "create")
        assert isinstance(error.__cause__, ResourceLimitExceededError)
        assert not fake.experiments
        result = client.apply(moved, replace=True, wait=True)
        assert (result.endpoint_name, result.status) == ("churn-2", S.RUNNING)

    def test_a_wait_between_steps_that_fails_says_what_was_done(self,
                                                               fake: FakeSageMaker) -> None:
        """The stop of a replacement is sent, and waiting for it to end runs out of time:
        the error says it was stopped and what it was waiting for."""
        fake.seed(sample_config())
        with pytest.raises(ApplyIncompleteError, match=(
                "the old experiment was stopped; waiting for it to be Cancelled or Completed "
                "before deleting it failed: WaitTimeoutError")) as caught:
            fake.experiment_client().apply(sample_config(endpoint_name="churn-2"),
                                           replace=True, timeout=0)
        assert isinstance(caught.value.__cause__, WaitTimeoutError)
        assert mutating(fake) == ["StopInferenceExperiment"]

    def test_a_first_step_that_fails_raises_its_own_error(self, fake: FakeSageMaker) -> None:
        """Nothing was done, so there is nothing to say beyond the refusal itself."""
        fake.fail_next("CreateInferenceExperiment", "ResourceLimitExceeded", "full")
        with pytest.raises(ResourceLimitExceededError):
            fake.experiment_client().apply(sample_config())

    def test_a_lost_create_answer_is_recovered(self, fake: FakeSageMaker) -> None:
        """The create was carried out and its answer lost; botocore's resend met
        ResourceInUse, which apply raised as ExperimentAlreadyExistsError although create()
        recovered. It recovers the same way: one create, the experiment returned."""
        fake.time_out_next("CreateInferenceExperiment", applied=True)
        result = fake.experiment_client().apply(sample_config())
        assert result.name == NAME
        assert mutating(fake) == ["CreateInferenceExperiment"]
        assert fake.attempts.count("CreateInferenceExperiment") == 2

    @pytest.mark.parametrize(("seed", "config", "operation"), [
        (S.CREATED, sample_config(description="new"), "UpdateInferenceExperiment"),
        (S.RUNNING, sample_config(endpoint_name="churn-2"), "StopInferenceExperiment"),
    ])
    def test_lost_answers_of_every_step_are_recovered(
            self, fake: FakeSageMaker, seed: S, config: InferenceExperimentConfig,
            operation: str) -> None:
        """An update or a replacement's stop whose answer was lost is not a failure."""
        fake.seed(sample_config(), status=seed)
        fake.time_out_next(operation, applied=True)
        fake.experiment_client().apply(config, replace=True, wait=True)
        assert mutating(fake).count(operation) == 1


class TestCarryingOutIsPure:
    """What apply decides around sending, as plain functions of the plan (they were inline
    in ``ExperimentClient.apply``)."""

    def test_a_replacement_without_replace_is_refused_naming_the_forcing_changes(self) -> None:
        from shadowtest.plan import apply_refusal

        plan = plan_apply(sample_config(endpoint_name="churn-2", description="also"),
                          live(sample_config()), now=T0)
        error = apply_refusal(plan, replace=False)
        assert isinstance(error, ReplacementRequiredError)
        assert error.fields == ("endpoint_name",)
        assert str(error).startswith("applying the config would replace inference "
                                     "experiment 'churn-shadow' (Running)")
        assert apply_refusal(plan, replace=True) is None

    def test_a_refused_change_is_refused_replace_or_not(self) -> None:
        from shadowtest.plan import apply_refusal

        plan = plan_apply(count(sample_config(), 0, 2), live(sample_config()), now=T0)
        for replace in (False, True):
            assert isinstance(apply_refusal(plan, replace=replace), UpdateNotAllowedError)

    @pytest.mark.parametrize(("operation", "sent", "wanted"), [
        ("delete_inference_experiment", ["stop_inference_experiment"], {"Completed",
                                                                        "Cancelled"}),
        ("delete_inference_experiment", [], None),
        ("start_inference_experiment", ["create_inference_experiment"], {"Created",
                                                                         "Running"}),
        ("start_inference_experiment", ["update_inference_experiment", "add_tags"],
         {"Created", "Running"}),
        ("start_inference_experiment", ["add_tags"], None),
        ("create_inference_experiment", ["stop_inference_experiment",
                                         "delete_inference_experiment"], None),
    ])
    def test_what_a_step_waits_for(self, operation: str, sent: list[str],
                                   wanted: set[str] | None) -> None:
        from shadowtest.plan import wait_before

        assert wait_before(operation, sent) == (None if wanted is None else wanted)

    def test_a_start_is_dropped_once_the_experiment_started_by_itself(self) -> None:
        from shadowtest.plan import still_needed

        assert not still_needed("start_inference_experiment", live(BASE, S.RUNNING))
        assert still_needed("start_inference_experiment", live(BASE, S.CREATED))
        assert still_needed("delete_inference_experiment", live(BASE, S.RUNNING))

    @pytest.mark.parametrize(("done", "failed", "said"), [
        (["update_inference_experiment"], "start_inference_experiment",
         "inference experiment 'churn-shadow' was updated; starting it failed"),
        (["update_inference_experiment", "add_tags"], "delete_tags",
         "inference experiment 'churn-shadow' was updated and tagged; deleting its tags "
         "failed"),
        (["stop_inference_experiment", "delete_inference_experiment"],
         "create_inference_experiment",
         "the old experiment was stopped and deleted; creating it again failed"),
        (["delete_inference_experiment", "create_inference_experiment"],
         "start_inference_experiment",
         "inference experiment 'churn-shadow' was replaced (deleted and created again); "
         "starting it failed"),
    ])
    def test_what_an_incomplete_apply_says(self, done: list[str], failed: str,
                                           said: str) -> None:
        from shadowtest.plan import incomplete

        replacing = "delete_inference_experiment" in done
        plan = plan_apply(sample_config(endpoint_name="churn-2") if replacing
                          else sample_config(description="x"), live(sample_config()), now=T0)
        error = incomplete(plan, done, failed, RuntimeError("boom"))
        assert str(error) == (f"apply 'churn-shadow': {said}: RuntimeError: boom — re-run "
                              "apply to finish (it plans again from the experiment as it now "
                              "is)")
        assert error.failed == failed.removesuffix("_inference_experiment")
        assert error.done == tuple(step.removesuffix("_inference_experiment") for step in done)

    def test_an_update_refused_after_the_status_changed_is_explained(self) -> None:
        from shadowtest.plan import explain_refused_update, plan_checked

        created, running = live(BASE, S.CREATED), live(BASE, S.RUNNING)
        variants = count(BASE, 1, 3).model_variants

        def replan(after: InferenceExperiment) -> Any:
            return plan_checked(after, None, None, variants, None, None)

        refusal = ClientError({"Error": {"Code": "ValidationException", "Message": "no"}},
                              "UpdateInferenceExperiment")
        error = explain_refused_update(refusal, created, running, replan)
        assert isinstance(error, UpdateNotAllowedError)
        assert str(error).startswith("the status of inference experiment 'churn-shadow' "
                                     "changed from Created to Running after it was described")
        assert error.fields == ("model_variants",)
        assert explain_refused_update(refusal, created, created, replan) is None
        assert explain_refused_update(refusal, created, None, replan) is None
        other = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}},
                            "UpdateInferenceExperiment")
        assert explain_refused_update(other, created, running, replan) is None


class TestFakeTags:
    def test_tag_calls_and_their_errors(self) -> None:
        fake = FakeSageMaker(now=T0)
        arn = fake.seed(sample_config(tags={"a": "1"}))
        sm = fake.client
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}])
        sm.delete_tags(ResourceArn=arn, TagKeys=["a", "never-there"])
        assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
        with pytest.raises(ClientError, match="ValidationException"):
            sm.add_tags(ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "2"}])
        with pytest.raises(ClientError, match="ResourceNotFound"):
            sm.list_tags(ResourceArn=arn.replace(NAME, "other"))

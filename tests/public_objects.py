"""One instance of every public result class, built directly (no client, no fake calls),
for the tests that must hold for all of them: display, pickling, deep copies."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs

import shadowtest
from shadowtest import (
    DataStorageConfig,
    ExperimentList,
    ExperimentMetrics,
    InferenceExperiment,
    InferenceExperimentSchedule,
    InferenceExperimentSummary,
    MetricSeries,
    Policy,
    compare_captures,
    judge,
    plan_update,
)
from shadowtest.capture import CaptureRecord
from shadowtest.plan import plan_apply
from shadowtest.preflight import Finding, Preflight
from shadowtest.testing import describe_response, sample_config
from shadowtest.watch import WatchResult

if TYPE_CHECKING:
    from collections.abc import Iterator

UTC = timezone.utc
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

# Public names that are not results: the client, enums (values, not objects built from a
# response), type aliases and functions
NOT_RESULTS = frozenset({
    "ExperimentClient", "EndpointStatus", "ExperimentStatus", "ModelVariantStatus",
    "StatusName", "StopState", "VariantAction", "VariantActionName", "UpdateField", "Verdict",
    "compare_captures", "judge", "load", "plan_update",
})


def _capture_line(key: str, output: str) -> str:
    return json.dumps({
        "captureData": {"endpointOutput": {"observedContentType": "application/json",
                                           "mode": "OUTPUT", "data": output,
                                           "encoding": "JSON"}},
        "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key,
                          "inferenceTime": "2026-11-26T12:00:00Z"},
        "eventVersion": "0"})


def _metrics() -> ExperimentMetrics:
    times = [NOW + timedelta(minutes=i) for i in range(12)]

    def side(latency: float) -> dict[str, MetricSeries]:
        return {
            "Invocations": MetricSeries(metric="Invocations", statistic="Sum", unit="Count",
                                        timestamps=times, values=[100.0] * 12),
            "ModelLatency": MetricSeries(
                metric="ModelLatency", statistic="Average", unit="Milliseconds",
                timestamps=times, values=[latency + i % 3 for i in range(12)]),
        }

    return ExperimentMetrics(name="churn-shadow", window=(NOW, NOW + timedelta(hours=1)),
                             period=60, production_variant="production",
                             shadow_variant="shadow", production=side(30.0),
                             shadow=side(45.0), sampling_percentage=50,
                             production_instance_type="ml.m5.xlarge",
                             shadow_instance_type="ml.m5.xlarge")


def one_of_each() -> dict[str, Any]:
    """Class name -> an instance holding what its kind holds (tags, series, labels...)."""
    config = sample_config(
        description="<b>churn</b> v2", tags={"team": "ml"},
        schedule=InferenceExperimentSchedule(start_time=NOW, end_time=NOW + timedelta(days=7)),
        data_storage_config=DataStorageConfig(destination="s3://captures/churn",
                                              json_content_types=["application/json"]))
    response = describe_response(config, "Running", now=NOW)
    experiment = InferenceExperiment(response)
    summary = InferenceExperimentSummary({key: response[key] for key in (
        "Name", "Type", "Status", "Description", "Schedule", "CreationTime",
        "LastModifiedTime")})
    listed = ExperimentList(pages([summary], [summary]))
    plan = plan_apply(config.with_sampling(100), experiment, now=NOW)
    refused = plan_update(experiment, model_variants=[  # Running: variants cannot change
        attrs.evolve(v, instance_count=2) for v in config.model_variants])
    metrics = _metrics()
    judgement = judge(metrics, Policy.default())
    comparison = compare_captures(
        [_capture_line(k, '"cat"') for k in "abc"], [_capture_line(k, '"dog"') for k in "abd"],
        labels={"a": "cat"})
    config_error = shadowtest.ConfigValidationError(
        [shadowtest.Problem("instance_count", "got 0")], subject="ModelVariantConfig")
    objects: dict[str, Any] = {
        "InferenceExperimentConfig": config,
        "ModelVariantConfig": config.model_variants[0],
        "ShadowModeConfig": config.shadow_mode_config,
        "InferenceExperimentSchedule": config.schedule,
        "DataStorageConfig": config.data_storage_config,
        "InferenceExperiment": experiment,
        "InferenceExperimentSummary": summary,
        "ModelVariantSummary": experiment.model_variants[1],
        "EndpointMetadata": experiment.endpoint,
        "ExperimentList": listed,
        "Plan": plan,
        "PlannedChange": plan.changes[0],
        "UpdatePlan": refused,
        "ExperimentMetrics": metrics,
        "MetricSeries": metrics.production["ModelLatency"],
        "Judgement": judgement,
        "MetricJudgement": judgement.metrics["ModelLatency"],
        "SeriesSummary": judgement.metrics["ModelLatency"].production,
        "Policy": judgement.policy,
        "Gate": judgement.policy.gates[0],
        "PredictionComparison": comparison,
        "CaptureRecord": CaptureRecord.from_line(_capture_line("a", '"cat"')),
        "Problem": config_error.errors[0],
        # every error shadowtest raises
        "ShadowTestError": shadowtest.ShadowTestError("something"),
        "ConfigValidationError": config_error,
        "InvalidStatusError": shadowtest.InvalidStatusError(
            "cannot start", name="churn-shadow", status="Running", operation="start"),
        "UpdateNotAllowedError": refused.error(),
        "ServiceError": shadowtest.ServiceError("no", name="x", operation="Describe",
                                                code="Other"),
        "ExperimentNotFoundError": shadowtest.ExperimentNotFoundError(
            "not found", name="x", operation="DescribeInferenceExperiment",
            code="ResourceNotFound"),
        "ExperimentAlreadyExistsError": shadowtest.ExperimentAlreadyExistsError(
            "taken", name="x", operation="CreateInferenceExperiment", code="ResourceInUse"),
        "ExperimentConflictError": shadowtest.ExperimentConflictError(
            "conflict", name="x", operation="StopInferenceExperiment",
            code="ConflictException"),
        "ResourceLimitExceededError": shadowtest.ResourceLimitExceededError(
            "limit", name=None, operation="CreateInferenceExperiment",
            code="ResourceLimitExceeded"),
        "ApplyIncompleteError": shadowtest.ApplyIncompleteError(
            "updated; starting it failed", name="x", done=["update"], failed="start"),
        "ReplacementRequiredError": shadowtest.ReplacementRequiredError(
            "replace", name="x", fields=["endpoint_name"]),
        "MalformedResponseError": shadowtest.MalformedResponseError(
            "missing", operation="DescribeInferenceExperiment", field="Status"),
        "WaitTimeoutError": shadowtest.WaitTimeoutError(
            "slow", name="x", status="Creating", timeout=5.0, waited=5.5),
        "UnexpectedStatusError": shadowtest.UnexpectedStatusError(
            "ended", name="x", status="Cancelled", reason="by hand"),
        "PromotionBlockedError": shadowtest.PromotionBlockedError(
            "not promoting", name="churn-shadow", required="PASS", judgement=judgement),
        "CaptureFormatError": shadowtest.CaptureFormatError("not base64"),
    }
    findings = (Finding(severity="error", check="endpoint", message="<b>no</b> such endpoint"),
                Finding(severity="warning", check="sampling", message="sampling is low"))
    preflight = Preflight(name="churn-shadow", endpoint_name="churn", findings=findings)
    objects["Preflight"] = preflight
    objects["Finding"] = findings[0]
    objects["PreflightError"] = shadowtest.PreflightError("preflight found 1 error",
                                                          preflight=preflight)
    objects["CaptureProblem"] = _first(comparison.problems) or _problem()
    objects["DifferenceSummary"] = compare_captures(
        [_capture_line("a", "0.5")], [_capture_line("a", "0.75")]).differences
    objects["Disagreement"] = comparison.disagreements(1)[0]
    objects["WatchResult"] = WatchResult(
        name="churn-shadow", action="concluded", judgement=judgement,
        looks=((NOW, judgement.verdict),), experiment=experiment, ended="acted",
        raises=((NOW, 10, 50),), messages=(f"churn-shadow: verdict {judgement.verdict.value}",))
    return objects


def pages(*each: list[InferenceExperimentSummary],
          ) -> Iterator[tuple[list[InferenceExperimentSummary], bool]]:
    """Pages as the client yields them: from a generator (which cannot be pickled)."""
    for i, page in enumerate(each):
        yield page, i < len(each) - 1


def _first(items: tuple[Any, ...]) -> Any:
    return items[0] if items else None


def _problem() -> Any:
    comparison = compare_captures(["not json"], [])
    return comparison.problems[0]

"""The public API as a user's type checker sees it (as stamina's tests/typing does).

Never executed: CI checks it with ``mypy --strict`` (which warns on unused ignores), so
each ``assert_type`` pins a type a user gets, and each ``# type: ignore[...]`` marks a
mistake the checker must catch — if shadowtest's types stopped catching it, the ignore
would be unused and CI would fail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from typing_extensions import assert_type

from shadowtest import (
    DataStorageConfig,
    EndpointStatus,
    ExperimentClient,
    ExperimentStatus,
    InferenceExperiment,
    InferenceExperimentConfig,
    ModelVariantConfig,
    ModelVariantStatus,
    ShadowModeConfig,
    VariantAction,
)
from shadowtest.testing import FakeSageMaker, sample_config


def statuses(client: ExperimentClient, experiment: InferenceExperiment) -> None:
    # a status read from a response is the enum, even one this version does not know
    assert_type(experiment.status, ExperimentStatus)
    assert_type(experiment.model_variants[0].status, ModelVariantStatus)
    assert_type(experiment.endpoint.endpoint_status, EndpointStatus | None)
    assert_type(client.wait("x", "Running"), InferenceExperiment)
    client.wait("x", {"Created", ExperimentStatus.RUNNING})
    client.wait("x", "Runing")  # type: ignore[arg-type]
    client.list(status_equals="Completed")
    client.list(status_equals="Runnin")  # type: ignore[arg-type]


def stopping(client: ExperimentClient) -> None:
    client.stop("x", model_variant_actions={"shadow": "Promote", "production": "Remove"})
    client.stop("x", model_variant_actions={"shadow": VariantAction.RETAIN})
    client.stop("x", model_variant_actions={"shadow": "Promot"})  # type: ignore[dict-item]
    client.stop("x", model_variant_actions={"shadow": "Retain"}, desired_state="Cancelled")
    client.conclude("x", desired_state=ExperimentStatus.CANCELLED)
    client.conclude("x", desired_state=ExperimentStatus.RUNNING)  # type: ignore[arg-type]
    client.promote("x", require="pass")  # the CLI's spelling, as well as "PASS"
    client.promote("x", require="MARGINAL")
    client.promote("x", require="fail")  # type: ignore[arg-type]


def building(variant: ModelVariantConfig, shadow_mode: ShadowModeConfig) -> None:
    config = InferenceExperimentConfig(
        name="x", endpoint_name="e", role_arn="arn:aws:iam::123456789012:role/r",
        model_variants=[variant, variant], shadow_mode_config=shadow_mode,
        tags={"team": "ml"})
    assert_type(config.model_variants, tuple[ModelVariantConfig, ...])
    InferenceExperimentConfig(
        name="x", endpoint_name="e", role_arn="r",
        model_variants=[{"ModelName": "m"}],  # type: ignore[list-item]
        shadow_mode_config=shadow_mode)
    DataStorageConfig(destination="s3://b/p", json_content_types=("application/json",))
    DataStorageConfig(destination="s3://b/p", json_content_types=[1])  # type: ignore[list-item]
    sample_config(description="changed")
    sample_config(descripton="typo")  # type: ignore[call-arg]


def requests(config: InferenceExperimentConfig, fake: FakeSageMaker) -> None:
    # to_boto3() is the typed boto3 client's own request shape
    fake.client.create_inference_experiment(**config.to_boto3())
    schedule = config.to_boto3()["Schedule"]
    assert_type(schedule.get("StartTime"), datetime | str | None)
    assert_type(config.shadow_mode_config.to_boto3()["ShadowModelVariants"][0]
                ["SamplingPercentage"], int)


def preflight(client: ExperimentClient, config: InferenceExperimentConfig) -> None:
    from shadowtest import Finding, Preflight, PreflightError

    result = client.preflight(config)
    assert_type(result, Preflight)
    assert_type(result.ok, bool)
    assert_type(result.findings, tuple[Finding, ...])
    finding = result.findings[0]
    assert_type(finding.severity, Literal["error", "warning"])
    assert_type(finding.check, str)
    if finding.severity == "info":  # type: ignore[comparison-overlap]
        pass
    try:
        client.apply(config)
    except PreflightError as error:
        assert_type(error.preflight, Preflight)
    assert_type(experiment_of(client).diagnosis, Finding | None)


def experiment_of(client: ExperimentClient) -> InferenceExperiment:
    return client.describe("x")


def watch(client: ExperimentClient, fake: FakeSageMaker) -> None:
    from shadowtest import Verdict, WatchResult

    result = client.watch("x", every=timedelta(minutes=15), on_pass="promote",
                          ramp=(10, 50, 100), notify=print, timeout=3600)
    assert_type(result, WatchResult)
    assert_type(result.action, Literal["promoted", "concluded", "cancelled"] | None)
    assert_type(result.looks, tuple[tuple[datetime, Verdict], ...])
    assert_type(result.experiment, InferenceExperiment | None)
    client.watch("x", on_pass="promot")  # type: ignore[arg-type]
    client.watch("x", on_fail="stop")  # type: ignore[arg-type]
    fake.serve_traffic("x", "shadow", latency_ms=40.0)
    fake.serve_traffic("x", "shadow", latency=40.0)  # type: ignore[call-arg]
    assert_type(fake.notifications[0]["Message"], str)

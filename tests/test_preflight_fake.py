"""FakeSageMaker's endpoints and models: the describes in the service's shapes, the create
refusing what preflight finds on an endpoint the fake knows, experiments on endpoints it
was never told about working as before — and apply running preflight before a create."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from botocore.exceptions import ClientError

from shadowtest import (
    ConfigValidationError,
    DataStorageConfig,
    ExperimentStatus,
    ModelVariantConfig,
    Preflight,
    PreflightError,
)
from shadowtest.testing import FakeSageMaker, sample_config

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
# churn-shadow on endpoint "churn": production "production" (churn-v1), shadow "shadow"
# (churn-v2), both ml.m5.xlarge x1; sampling 100 and capture, so a healthy fake finds nothing
CAPTURED = sample_config(data_storage_config=DataStorageConfig(
    destination="s3://captures/churn")).with_sampling(100)
# the same without capture (a data-capture warning): no S3 client to make, ~20 ms a test
GOOD = attrs.evolve(CAPTURED, data_storage_config=None)
NO_CAPTURE = ("warning", "data-capture")


@pytest.fixture
def fake() -> FakeSageMaker:
    return FakeSageMaker(now=T0)


def healthy(fake: FakeSageMaker, *, bucket: bool = False) -> FakeSageMaker:
    fake.add_endpoint("churn", variants={"production": "churn-v1"})
    fake.add_model("churn-v2")
    if bucket:
        fake.add_bucket("captures")
    return fake


def checks(fake: FakeSageMaker, config: Any = GOOD) -> list[tuple[str, str]]:
    result = fake.experiment_client().preflight(config)
    return [(f.severity, f.check) for f in result.findings]


class TestDescribes:
    def test_an_endpoint_as_the_service_describes_it(self, fake: FakeSageMaker) -> None:
        """The defaults: variant AllTraffic serving "<name>-model" on one ml.m5.xlarge,
        InService; the three describes agree (each response is checked against the
        service model's output shape by the fake's base)."""
        fake.add_endpoint("fraud")
        sm = fake.client
        endpoint = sm.describe_endpoint(EndpointName="fraud")
        assert endpoint["EndpointStatus"] == "InService"
        assert endpoint["EndpointArn"] == ("arn:aws:sagemaker:us-east-1:123456789012:"
                                           "endpoint/fraud")
        (variant,) = endpoint["ProductionVariants"]
        assert (variant["VariantName"], variant["CurrentInstanceCount"]) == ("AllTraffic", 1)
        settings = sm.describe_endpoint_config(EndpointConfigName=endpoint[
            "EndpointConfigName"])
        (configured,) = settings["ProductionVariants"]
        assert (configured["ModelName"], configured["InstanceType"]) == (
            "fraud-model", "ml.m5.xlarge")
        model = sm.describe_model(ModelName="fraud-model")
        assert model["PrimaryContainer"]["Mode"] == "SingleModel"

    @pytest.mark.parametrize(("kind", "shows"), [
        ("serverless", lambda e, c, m: "ServerlessConfig" in c["ProductionVariants"][0]
         and "CurrentServerlessConfig" in e["ProductionVariants"][0]),
        ("async", lambda e, c, m: "AsyncInferenceConfig" in e and "AsyncInferenceConfig" in c),
        ("multi-model", lambda e, c, m: m["PrimaryContainer"]["Mode"] == "MultiModel"),
        ("multi-container", lambda e, c, m: len(m["Containers"]) == 2),
    ])
    def test_each_kind_shows_as_the_service_shows_it(self, fake: FakeSageMaker, kind: Any,
                                                    shows: Any) -> None:
        fake.add_endpoint("churn", variants={"production": "churn-v1"}, kind=kind)
        sm = fake.client
        assert shows(sm.describe_endpoint(EndpointName="churn"),
                     sm.describe_endpoint_config(EndpointConfigName="churn-config"),
                     sm.describe_model(ModelName="churn-v1"))

    def test_once_told_what_it_was_not_told_about_does_not_exist(
            self, fake: FakeSageMaker) -> None:
        fake.add_model("churn-v2")
        for call, message in (
                (lambda: fake.client.describe_endpoint(EndpointName="churn"),
                 'Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:'
                 'endpoint/churn".'),
                (lambda: fake.client.describe_model(ModelName="churn-v9"),
                 'Could not find model "arn:aws:sagemaker:us-east-1:123456789012:'
                 'model/churn-v9".')):
            with pytest.raises(ClientError) as refused:
                call()
            assert refused.value.response["Error"] == {"Code": "ValidationException",
                                                       "Message": message}

    def test_until_told_it_cannot_say(self, fake: FakeSageMaker) -> None:
        with pytest.raises(ClientError, match="UnknownToFakeSageMaker"):
            fake.client.describe_endpoint(EndpointName="churn")

    @pytest.mark.parametrize(("kwargs", "path"), [
        ({"name": "churn_1"}, "name"),
        ({"variants": {}}, "variants"),
        ({"variants": ["production"]}, "variants"),
        ({"variants": {"prod uction": "m"}}, "variants['prod uction']"),
        ({"instance_type": "ml.m5.huge"}, "instance_type"),
        ({"kind": "batch"}, "kind"),
        ({"status": "Sleeping"}, "status"),
    ])
    def test_add_endpoint_checks_its_arguments(self, fake: FakeSageMaker,
                                               kwargs: dict[str, Any], path: str) -> None:
        arguments: dict[str, Any] = {"name": "churn", **kwargs}
        with pytest.raises(ConfigValidationError, match="add_endpoint arguments") as bad:
            fake.add_endpoint(**arguments)
        assert [p.path for p in bad.value.errors] == [path]
        assert not fake._endpoints.told  # nothing was added

    def test_an_endpoint_is_told_once(self, fake: FakeSageMaker) -> None:
        fake.add_endpoint("churn")
        with pytest.raises(ConfigValidationError, match="already"):
            fake.add_endpoint("churn")


class TestPreflightAgainstTheFake:
    def test_a_healthy_fake_finds_nothing_with_only_reads(self, fake: FakeSageMaker) -> None:
        """A preflight of a good config sends only reads: counted with a botocore event
        hook on both clients."""
        healthy(fake, bucket=True)
        seen: Counter[str] = Counter()

        def count(model: Any, **_: Any) -> None:
            seen[model.name] += 1

        fake.client.meta.events.register("before-parameter-build", count)
        fake.s3.meta.events.register("before-parameter-build", count)
        assert checks(fake, CAPTURED) == []
        assert seen == Counter({"DescribeEndpoint": 1, "DescribeEndpointConfig": 1,
                                "DescribeModel": 2, "ListInferenceExperiments": 1,
                                "HeadBucket": 1})

    @pytest.mark.parametrize(("setup", "found"), [
        ({"kind": "serverless"}, ("error", "endpoint-kind")),
        ({"kind": "async"}, ("error", "endpoint-kind")),
        ({"instance_type": "ml.inf1.xlarge"}, ("error", "endpoint-kind")),
        ({"kind": "multi-model"}, ("error", "model-kind")),
        ({"kind": "multi-container"}, ("error", "model-kind")),
        ({"status": "Updating"}, ("error", "endpoint-status")),
        ({"variants": {"AllTraffic": "churn-v1"}}, ("error", "production-variant")),
        ({"variants": {"production": "churn-v0"}}, ("error", "production-variant")),
        ({"variants": {"production": "churn-v1", "canary": "churn-v1"}},
         ("error", "endpoint-variants")),
        ({"instance_type": "ml.c5.xlarge"}, ("warning", "instance-type")),
    ])
    def test_each_check_on_the_fake(self, fake: FakeSageMaker, setup: dict[str, Any],
                                    found: tuple[str, str]) -> None:
        fake.add_endpoint("churn", **{"variants": {"production": "churn-v1"}, **setup})
        fake.add_model("churn-v1")
        fake.add_model("churn-v2")
        assert found in checks(fake)

    def test_missing_endpoint_model_and_bucket(self, fake: FakeSageMaker) -> None:
        fake.add_model("churn-v1")
        assert checks(fake, CAPTURED) == [("error", "endpoint"), ("error", "model"),
                                          ("error", "capture-bucket")]

    def test_another_experiment_on_the_endpoint(self, fake: FakeSageMaker) -> None:
        healthy(fake)
        fake.seed(attrs.evolve(GOOD, name="older-shadow"))
        assert checks(fake) == [("error", "other-experiment"), NO_CAPTURE]

    def test_until_told_every_account_check_is_a_warning(self, fake: FakeSageMaker) -> None:
        assert checks(fake, CAPTURED) == [("warning", "endpoint"), ("warning", "model"),
                                          ("warning", "model"), ("warning", "capture-bucket")]

    def test_a_throttled_describe_retried_by_botocore(self, fake: FakeSageMaker,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
        """Throttled on every attempt botocore makes: a warning that the check did not run;
        throttled once: retried, read, no finding."""
        monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)
        healthy(fake)
        fake.fail_next("DescribeEndpoint", "ThrottlingException", "Rate exceeded", times=3)
        assert checks(fake) == [("warning", "endpoint"), NO_CAPTURE]  # 3 attempts (standard)
        assert fake.attempts.count("DescribeEndpoint") == 3
        again = healthy(FakeSageMaker(now=T0))
        again.fail_next("DescribeEndpoint", "ThrottlingException", "Rate exceeded", times=1)
        assert checks(again) == [NO_CAPTURE]
        assert again.attempts.count("DescribeEndpoint") == 2


class TestCreate:
    def test_a_create_the_service_would_refuse(self, fake: FakeSageMaker) -> None:
        fake.add_endpoint("churn", variants={"production": "churn-v1"}, kind="serverless")
        fake.add_model("churn-v2")
        with pytest.raises(ClientError) as refused:
            fake.client.create_inference_experiment(**GOOD.to_boto3())
        error = refused.value.response["Error"]
        assert error["Code"] == "ValidationException"
        assert error["Message"].startswith("1 validation error detected: endpoint 'churn' is "
                                           "serverless")
        assert fake.experiments == {}

    def test_a_good_create_on_a_known_endpoint(self, fake: FakeSageMaker) -> None:
        healthy(fake)
        fake.client.create_inference_experiment(**GOOD.to_boto3())
        assert fake.describe("churn-shadow")["Status"] == "Creating"

    def test_an_endpoint_never_told_about_works_as_before(self, fake: FakeSageMaker) -> None:
        """Even once the fake knows other endpoints and models."""
        fake.add_endpoint("fraud")
        config = attrs.evolve(GOOD, endpoint_name="churn-untold")
        fake.client.create_inference_experiment(**config.to_boto3())
        fake.advance(timedelta(seconds=1))
        assert fake.describe("churn-shadow")["Status"] == "Running"

    def test_the_endpoint_shows_the_shadow_then_the_promotion(self,
                                                               fake: FakeSageMaker) -> None:
        healthy(fake)
        production, shadow = GOOD.model_variants
        config = attrs.evolve(GOOD, model_variants=[production, attrs.evolve(
            shadow, instance_type="ml.c5.xlarge", instance_count=2)])
        client = fake.experiment_client()
        client.create(config)
        fake.advance(timedelta(seconds=1))
        endpoint = fake.client.describe_endpoint(EndpointName="churn")
        assert [v["VariantName"] for v in endpoint["ShadowProductionVariants"]] == ["shadow"]
        client.promote("churn-shadow")
        fake.advance(timedelta(seconds=1))
        endpoint = fake.client.describe_endpoint(EndpointName="churn")
        assert "ShadowProductionVariants" not in endpoint
        assert [(v["VariantName"], v["CurrentInstanceCount"])
                for v in endpoint["ProductionVariants"]] == [("shadow", 2)]
        settings = fake.client.describe_endpoint_config(EndpointConfigName="churn-config")
        assert [(v["ModelName"], v["InstanceType"]) for v in settings["ProductionVariants"]] \
            == [("churn-v2", "ml.c5.xlarge")]


class TestApply:
    def test_apply_refuses_a_create_that_would_fail_sending_nothing(
            self, fake: FakeSageMaker) -> None:
        fake.add_endpoint("churn", variants={"AllTraffic": "churn-v1"})
        fake.add_model("churn-v2")
        with pytest.raises(PreflightError) as refused:
            fake.experiment_client().apply(CAPTURED)
        assert [f.check for f in refused.value.preflight.errors] == ["production-variant",
                                                                     "capture-bucket"]
        assert "production-variant: production variant 'production' is not a variant" in \
            str(refused.value)
        assert "CreateInferenceExperiment" not in [op for op, _ in fake.calls]

    def test_preflight_false_skips_it(self, fake: FakeSageMaker) -> None:
        """Skipped, the create is sent — and this fake, which knows the endpoint, refuses
        it as the service would."""
        fake.add_endpoint("churn", variants={"AllTraffic": "churn-v1"})
        with pytest.raises(ClientError, match="ValidationException"):
            fake.experiment_client().apply(GOOD, preflight=False)
        assert [op for op, _ in fake.calls if op.startswith(("DescribeE", "DescribeM"))] == []

    def test_warnings_are_logged_and_handed_over(self, fake: FakeSageMaker,
                                                 caplog: pytest.LogCaptureFixture) -> None:
        healthy(fake)
        seen: list[Any] = []
        experiment = fake.experiment_client().apply(GOOD.with_sampling(10), wait=True,
                                                    on_preflight=seen.append)
        assert experiment.status is ExperimentStatus.RUNNING
        (result,) = seen
        assert [f.check for f in result.warnings] == ["sampling", "data-capture"]
        assert "preflight of inference experiment 'churn-shadow': sampling:" in caplog.text

    def test_a_preflight_that_checked_nothing_does_not_refuse_the_create(
            self, fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch,
            caplog: pytest.LogCaptureFixture) -> None:
        """Every read refused is no error (SPEC: AccessDenied never is): the create goes
        ahead, and the log says it went unchecked."""
        import shadowtest.preflight

        healthy(fake)
        unchecked = Preflight(name="churn-shadow", endpoint_name="churn", findings=(),
                              checked=False)
        monkeypatch.setattr(shadowtest.preflight, "run", lambda *a, **k: unchecked)
        experiment = fake.experiment_client().apply(GOOD, wait=True)
        assert experiment.status is ExperimentStatus.RUNNING
        assert ("preflight of inference experiment 'churn-shadow' checked nothing: no read "
                "of the account answered; creating it unchecked") in caplog.text

    def test_no_preflight_for_an_update(self, fake: FakeSageMaker) -> None:
        healthy(fake)
        client = fake.experiment_client()
        client.apply(GOOD, wait=True)
        n = len(fake.calls)
        client.apply(GOOD.with_sampling(60))
        assert "DescribeEndpoint" not in [op for op, _ in fake.calls[n:]]

    def test_a_replacement_is_preflighted(self, fake: FakeSageMaker) -> None:
        """The experiment being replaced is not "another experiment on the endpoint"."""
        healthy(fake)
        fake.add_model("churn-v3")
        client = fake.experiment_client()
        client.apply(GOOD, wait=True)
        production, _shadow = GOOD.model_variants
        moved = attrs.evolve(GOOD, model_variants=[production, ModelVariantConfig(
            model_name="churn-v3", variant_name="shadow-v3", instance_type="ml.m5.xlarge")],
            shadow_mode_config=attrs.evolve(GOOD.shadow_mode_config,
                                            shadow_model_variant_name="shadow-v3"))
        experiment = client.apply(moved, replace=True, wait=True)
        assert experiment.shadow_mode_config is not None
        assert experiment.shadow_mode_config.shadow_model_variant_name == "shadow-v3"

    @pytest.mark.parametrize("bad", [{"preflight": "yes"}, {"on_preflight": 3}])
    def test_its_arguments_are_checked(self, fake: FakeSageMaker, bad: dict[str, Any]) -> None:
        with pytest.raises(ConfigValidationError, match="apply arguments"):
            fake.experiment_client().apply(GOOD, **bad)
        assert fake.calls == []


def test_readme_before_you_create_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    """README's "Before you create" block, with the config of its "Build a config" block,
    against a fake on which an older test runs: it prints the output the README shows."""
    import re
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Before you create", 1)[1].split("\n## ", 1)[0]
    (code,), (shown,) = (re.findall(r"```python\n(.*?)```", section, re.S),
                         re.findall(r"```text\n(.*?)```", section, re.S))
    build = re.findall(r"```python\n(.*?)```", readme, re.S)[0]
    fake = FakeSageMaker(now=datetime(2026, 11, 20, 9, tzinfo=timezone.utc))
    fake.add_endpoint("churn", variants={"production": "churn-v1"})
    fake.add_model("churn-v2")
    fake.add_bucket("ml-captures")
    namespace: dict[str, Any] = {}
    exec(compile(build, "README.md", "exec"), namespace)
    fake.seed(attrs.evolve(namespace["config"], name="churn-shadow-v0", schedule=None))
    namespace["client"] = fake.experiment_client()
    capsys.readouterr()
    exec(compile(code, "README.md", "exec"), namespace)
    assert capsys.readouterr().out == shown
    assert not namespace["result"].ok

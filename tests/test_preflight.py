"""Preflight's checks, pure: each finding from a scenario written out here in the service's
response shapes (DescribeEndpoint, DescribeEndpointConfig, DescribeModel,
DescribeInferenceExperiment), with no client and no request."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timezone

import attrs
import pytest

from shadowtest import DataStorageConfig, Finding, Preflight, PreflightError
from shadowtest.preflight import (
    CHECKS,
    NOT_FOUND,
    Account,
    Unread,
    capture_bucket,
    diagnose,
    findings,
    preflight_error,
    unread,
)
from shadowtest.testing import sample_config

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ACCOUNT_ID = "123456789012"
ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT_ID}"

# The config under test: "churn-shadow" on endpoint "churn", production "production"
# (model churn-v1) and shadow "shadow" (model churn-v2), both ml.m5.xlarge x1; sampling 100
# and data capture, so that a healthy account gives no finding at all.
GOOD = sample_config(data_storage_config=DataStorageConfig(destination="s3://captures/churn"))
GOOD = GOOD.with_sampling(100)


def endpoint(status: str = "InService", **extra: object) -> dict[str, object]:
    """DescribeEndpoint of "churn": one production variant "production" on one instance."""
    return {
        "EndpointName": "churn",
        "EndpointArn": f"{ARN}:endpoint/churn",
        "EndpointConfigName": "churn-config",
        "ProductionVariants": [{
            "VariantName": "production",
            "CurrentWeight": 1.0, "DesiredWeight": 1.0,
            "CurrentInstanceCount": 1, "DesiredInstanceCount": 1,
        }],
        "EndpointStatus": status,
        "CreationTime": T0, "LastModifiedTime": T0,
        **extra,
    }


def endpoint_config(*variants: dict[str, object], **extra: object) -> dict[str, object]:
    """DescribeEndpointConfig "churn-config"; by default "production" serves churn-v1 on
    one ml.m5.xlarge."""
    return {
        "EndpointConfigName": "churn-config",
        "EndpointConfigArn": f"{ARN}:endpoint-config/churn-config",
        "ProductionVariants": list(variants) or [{
            "VariantName": "production", "ModelName": "churn-v1",
            "InitialInstanceCount": 1, "InstanceType": "ml.m5.xlarge",
            "InitialVariantWeight": 1.0,
        }],
        "CreationTime": T0,
        **extra,
    }


def model(name: str, **extra: object) -> dict[str, object]:
    """DescribeModel: one container, single-model mode, an image of the account's own."""
    return {
        "ModelName": name,
        "PrimaryContainer": {
            "Image": f"{ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/churn:1",
            "Mode": "SingleModel", "ModelDataUrl": f"s3://models/{name}/model.tar.gz"},
        "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/SageMakerRole",
        "CreationTime": T0,
        "ModelArn": f"{ARN}:model/{name}",
        **extra,
    }


def experiment(name: str, status: str, endpoint_name: str = "churn") -> dict[str, object]:
    """DescribeInferenceExperiment of another experiment (what the checks read of it)."""
    return {
        "Arn": f"{ARN}:inference-experiment/{name}", "Name": name, "Type": "ShadowMode",
        "Status": status,
        "EndpointMetadata": {"EndpointName": endpoint_name, "EndpointStatus": "InService"},
        "ModelVariants": [],
    }


def healthy(**changes: object) -> Account:
    """The account in which GOOD would run as asked; ``changes`` replace its parts."""
    base = Account(
        endpoint=endpoint(), endpoint_config=endpoint_config(),
        models={"churn-v1": model("churn-v1"), "churn-v2": model("churn-v2")},
        experiments=[experiment("old-shadow", "Completed")],
        bucket=True,
    )
    return attrs.evolve(base, **changes)  # type: ignore[arg-type]


def only(found: tuple[Finding, ...]) -> Finding:
    assert len(found) == 1, found
    return found[0]


class TestHealthyAccount:
    def test_a_good_config_on_a_healthy_account_has_no_finding(self) -> None:
        """Nothing to say: the endpoint, its variant, both models, the bucket are as they
        must be, and the only other experiment has ended."""
        assert findings(GOOD, healthy()) == ()

    def test_the_result_is_ok_with_warnings_only(self) -> None:
        """Warnings alone leave the preflight ok; any error makes it not ok."""
        found = findings(sample_config(), healthy())  # 50 % sampling, no capture
        result = Preflight(name="churn-shadow", endpoint_name="churn", findings=found)
        assert result.ok
        assert bool(result)
        assert [f.check for f in result.warnings] == ["sampling", "data-capture"]
        assert not Preflight(name="x", endpoint_name="churn", findings=[
            Finding(severity="error", check="endpoint", message="m")]).ok


class TestEndpoint:
    def test_missing_endpoint_is_one_error_and_nothing_else_about_it(self) -> None:
        """A missing endpoint: one error saying to create it or fix endpoint_name; the
        checks that need the endpoint say nothing more."""
        found = only(findings(GOOD, healthy(endpoint=NOT_FOUND, endpoint_config=None)))
        assert (found.severity, found.check) == ("error", "endpoint")
        assert "'churn' does not exist" in found.message
        assert "CreateEndpoint" in found.message
        assert "endpoint_name" in found.message

    @pytest.mark.parametrize(("status", "advice"), [
        ("Creating", "wait until it is InService"),
        ("Updating", "wait until it is InService"),
        ("Deleting", "being deleted"),
        ("OutOfService", "bring it back InService"),
    ])
    def test_an_endpoint_not_in_service_is_an_error(self, status: str, advice: str) -> None:
        found = only(findings(GOOD, healthy(endpoint=endpoint(status))))
        assert (found.severity, found.check) == ("error", "endpoint-status")
        assert f"'churn' is {status}" in found.message
        assert advice in found.message

    def test_a_failed_endpoint_says_why_it_failed(self) -> None:
        failed = endpoint("Failed", FailureReason="Image not found: 1234.dkr.ecr/churn:1")
        found = only(findings(GOOD, healthy(endpoint=failed)))
        assert found.check == "endpoint-status"
        assert "Image not found" in found.message
        assert "fix the cause" in found.message


class TestExcludedKinds:
    """The developer guide's "Shadow test exclusions", one scenario each."""

    def test_serverless_endpoint(self) -> None:
        serverless = endpoint_config({
            "VariantName": "production", "ModelName": "churn-v1",
            "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}})
        live = endpoint(ProductionVariants=[{
            "VariantName": "production",
            "CurrentServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}])
        found = [f for f in findings(GOOD, healthy(endpoint=live, endpoint_config=serverless))
                 if f.severity == "error"]
        assert [f.check for f in found] == ["endpoint-kind"]
        assert "is serverless (variant 'production'" in found[0].message
        assert "real-time endpoint with instances" in found[0].message

    def test_asynchronous_endpoint(self) -> None:
        async_config = endpoint_config(AsyncInferenceConfig={
            "OutputConfig": {"S3OutputPath": "s3://async-out/churn"}})
        found = only(findings(GOOD, healthy(endpoint_config=async_config)))
        assert found.check == "endpoint-kind"
        assert "asynchronous" in found.message

    def test_inf1_endpoint(self) -> None:
        inf1 = endpoint_config({"VariantName": "production", "ModelName": "churn-v1",
                                "InitialInstanceCount": 1, "InstanceType": "ml.inf1.xlarge"})
        errors = [f for f in findings(GOOD, healthy(endpoint_config=inf1))
                  if f.severity == "error"]
        assert [f.check for f in errors] == ["endpoint-kind"]
        assert "Inf1 (Inferentia) instances ('ml.inf1.xlarge')" in errors[0].message

    def test_elastic_inference_endpoint(self) -> None:
        eia = endpoint_config({"VariantName": "production", "ModelName": "churn-v1",
                               "InitialInstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                               "AcceleratorType": "ml.eia2.medium"})
        found = only(findings(GOOD, healthy(endpoint_config=eia)))
        assert found.check == "endpoint-kind"
        assert "Elastic Inference (accelerator 'ml.eia2.medium')" in found.message

    def test_multi_model_endpoint(self) -> None:
        multi = model("churn-v1", PrimaryContainer={
            "Image": "1234.dkr.ecr.us-east-1.amazonaws.com/mme:1", "Mode": "MultiModel",
            "ModelDataUrl": "s3://models/"})
        found = only(findings(GOOD, healthy(models={"churn-v1": multi,
                                                    "churn-v2": model("churn-v2")})))
        assert found.check == "model-kind"
        assert "MultiModel mode" in found.message

    def test_multi_container_endpoint(self) -> None:
        pipeline = model("churn-v2", PrimaryContainer=None, Containers=[
            {"ContainerHostname": "pre", "Image": "1234.dkr.ecr/pre:1"},
            {"ContainerHostname": "xgb", "Image": "1234.dkr.ecr/xgb:1"}],
            InferenceExecutionConfig={"Mode": "Serial"})
        del pipeline["PrimaryContainer"]
        found = only(findings(GOOD, healthy(models={"churn-v1": model("churn-v1"),
                                                    "churn-v2": pipeline})))
        assert found.check == "model-kind"
        assert "has 2 containers" in found.message

    def test_marketplace_model(self) -> None:
        """A container made from another account's model package, as a Marketplace
        subscription is."""
        market = model("churn-v2", PrimaryContainer={
            "ModelPackageName": "arn:aws:sagemaker:us-east-1:865070037744:model-package/"
                                "churn-predictor-v3"},
            EnableNetworkIsolation=True)
        found = only(findings(GOOD, healthy(models={"churn-v1": model("churn-v1"),
                                                    "churn-v2": market})))
        assert found.check == "model-kind"
        assert "model package" in found.message
        assert "Marketplace" in found.message

    def test_a_model_package_of_the_own_account_is_fine(self) -> None:
        own = model("churn-v2", PrimaryContainer={
            "ModelPackageName": f"{ARN}:model-package/churn/3"})
        assert findings(GOOD, healthy(models={"churn-v1": model("churn-v1"),
                                              "churn-v2": own})) == ()


class TestVariants:
    def test_an_endpoint_with_two_production_variants(self) -> None:
        two = endpoint(ProductionVariants=[
            {"VariantName": "production", "CurrentInstanceCount": 1},
            {"VariantName": "canary", "CurrentInstanceCount": 1}])
        found = only(findings(GOOD, healthy(endpoint=two)))
        assert found.check == "endpoint-variants"
        assert "2 production variants ('production', 'canary')" in found.message

    def test_an_endpoint_with_a_shadow_variant_already(self) -> None:
        shadowed = endpoint(ShadowProductionVariants=[
            {"VariantName": "old-shadow", "CurrentInstanceCount": 1}])
        found = only(findings(GOOD, healthy(endpoint=shadowed)))
        assert found.check == "endpoint-variants"
        assert "already has a shadow variant ('old-shadow')" in found.message

    def test_the_shadow_of_a_live_experiment_is_that_experiments_finding(self) -> None:
        """While a test runs, its shadow variant is on the endpoint: that is "another
        experiment on the endpoint" (or, under the config's own name, the one apply
        replaces), not a second finding."""
        shadowed = endpoint(ShadowProductionVariants=[
            {"VariantName": "old-shadow-variant", "CurrentInstanceCount": 1}])
        running = {**experiment("old-shadow", "Running"), "ShadowModeConfig": {
            "SourceModelVariantName": "production", "ShadowModelVariants": [{
                "ShadowModelVariantName": "old-shadow-variant", "SamplingPercentage": 50}]}}
        found = findings(GOOD, healthy(endpoint=shadowed, experiments=[running]))
        assert [f.check for f in found] == ["other-experiment"]
        replaced = {**running, "Name": "churn-shadow"}
        assert findings(GOOD, healthy(endpoint=shadowed, experiments=[replaced])) == ()

    def test_a_production_variant_the_endpoint_does_not_have(self) -> None:
        """The endpoint's one variant is AllTraffic (the console's default name): the fix
        names it."""
        all_traffic = endpoint(ProductionVariants=[
            {"VariantName": "AllTraffic", "CurrentInstanceCount": 1}])
        found = [f for f in findings(GOOD, healthy(endpoint=all_traffic))
                 if f.severity == "error"]
        assert [f.check for f in found] == ["production-variant"]
        assert "'production' is not a variant of endpoint 'churn'" in found[0].message
        assert ("set model_variants[0].variant_name and shadow_mode_config."
                "source_model_variant_name to 'AllTraffic'") in found[0].message

    def test_a_production_variant_that_serves_another_model(self) -> None:
        served = endpoint_config({"VariantName": "production", "ModelName": "churn-v0",
                                  "InitialInstanceCount": 1, "InstanceType": "ml.m5.xlarge"})
        models = {"churn-v0": model("churn-v0"), "churn-v1": model("churn-v1"),
                  "churn-v2": model("churn-v2")}
        found = only(findings(GOOD, healthy(endpoint_config=served, models=models)))
        assert found.check == "production-variant"
        assert "serves model 'churn-v0', not 'churn-v1'" in found.message
        assert "model_variants[0].model_name to 'churn-v0'" in found.message


class TestModels:
    def test_a_missing_model_names_its_variant_and_path(self) -> None:
        found = only(findings(GOOD, healthy(models={"churn-v1": model("churn-v1"),
                                                    "churn-v2": NOT_FOUND})))
        assert (found.severity, found.check) == ("error", "model")
        assert "model 'churn-v2' (variant 'shadow') does not exist" in found.message
        assert "CreateModel" in found.message
        assert "model_variants[1].model_name" in \
            found.message


class TestOtherExperiments:
    @pytest.mark.parametrize(("status", "advice"), [
        ("Running", "client.conclude('old-shadow')"),
        ("Created", "client.delete('old-shadow')"),
        ("Creating", "wait until it settles"),
        ("Updating", "wait until it settles"),
        ("Starting", "wait until it settles"),
        ("Stopping", "wait until it settles"),
    ])
    def test_a_live_experiment_on_the_endpoint_is_an_error(self, status: str,
                                                           advice: str) -> None:
        found = only(findings(GOOD, healthy(experiments=[experiment("old-shadow", status)])))
        assert found.check == "other-experiment"
        assert f"'old-shadow' is {status} on endpoint 'churn'" in found.message
        assert advice in found.message

    def test_what_does_not_hold_the_endpoint_is_no_finding(self) -> None:
        """Ended experiments, live ones on other endpoints, the experiment of the config's
        own name (apply updates it), and one deleted between list and describe."""
        experiments = [experiment("done", "Completed"), experiment("gone", "Cancelled"),
                       experiment("elsewhere", "Running", endpoint_name="fraud"),
                       experiment("churn-shadow", "Running"), NOT_FOUND]
        assert findings(GOOD, healthy(experiments=experiments)) == ()

    def test_every_live_one_is_reported(self) -> None:
        found = findings(GOOD, healthy(experiments=[experiment("a", "Running"),
                                                    experiment("b", "Created")]))
        assert [f.check for f in found] == ["other-experiment"] * 2


class TestCapture:
    def test_a_missing_bucket_is_an_error(self) -> None:
        found = only(findings(GOOD, healthy(bucket=NOT_FOUND)))
        assert (found.severity, found.check) == ("error", "capture-bucket")
        assert "bucket 'captures' does not exist" in found.message
        assert "aws s3 mb s3://captures" in found.message

    def test_no_capture_is_a_warning(self) -> None:
        config = attrs.evolve(GOOD, data_storage_config=None)
        found = only(findings(config, healthy(bucket=None)))
        assert (found.severity, found.check) == ("warning", "data-capture")
        assert "compare_predictions" in found.message
        assert "DataStorageConfig(" in \
            found.message

    @pytest.mark.parametrize(("destination", "bucket"), [
        ("s3://captures", "captures"),
        ("s3://captures/churn/2026", "captures"),
        ("https://captures.s3.amazonaws.com/churn", "captures"),
        ("https://captures.s3.eu-west-1.amazonaws.com/churn", "captures"),
        ("https://captures.s3-eu-west-1.amazonaws.com/churn", "captures"),
        ("https://my.dotted.bucket.s3.us-east-2.amazonaws.com", "my.dotted.bucket"),
        ("https://s3.amazonaws.com/captures/churn", "captures"),
        ("https://s3.eu-west-1.amazonaws.com/captures", "captures"),
        ("https://s3.cn-north-1.amazonaws.com.cn/captures/x", "captures"),
        ("https://s3.amazonaws.com/", None),
        ("https://example.com/captures", None),
    ])
    def test_the_bucket_of_a_destination(self, destination: str, bucket: str | None) -> None:
        assert capture_bucket(destination) == bucket

    def test_a_destination_without_a_bucket_is_a_warning(self) -> None:
        config = attrs.evolve(GOOD, data_storage_config=DataStorageConfig(
            destination="https://captures.example.com/churn"))
        found = only(findings(config, healthy(bucket=None)))
        assert (found.severity, found.check) == ("warning", "capture-bucket")
        assert "could not tell the S3 bucket" in found.message


class TestBestPractices:
    def test_a_shadow_on_another_instance_type_than_production_runs(self) -> None:
        """Production is what the endpoint runs (ml.c5.2xlarge on 3 instances), not what
        the config's production variant says."""
        config = endpoint_config({"VariantName": "production", "ModelName": "churn-v1",
                                  "InitialInstanceCount": 2, "InstanceType": "ml.c5.2xlarge"})
        live = endpoint(ProductionVariants=[{"VariantName": "production",
                                             "CurrentInstanceCount": 3}])
        found = findings(GOOD, healthy(endpoint=live, endpoint_config=config))
        assert [(f.severity, f.check) for f in found] == [
            ("warning", "instance-type"), ("warning", "instance-count")]
        assert "the shadow runs on ml.m5.xlarge, production ('production' on endpoint " \
               "'churn') on ml.c5.2xlarge" in found[0].message
        assert "model_variants[1].instance_type='ml.c5.2xlarge'" in found[0].message
        assert "on 1 instance, production" in found[1].message
        assert "model_variants[1].instance_count=3" in found[1].message

    def test_without_the_endpoint_production_is_the_configs(self) -> None:
        """When the endpoint could not be read, the shadow is compared with the config's
        production variant."""
        production, shadow = GOOD.model_variants
        config = attrs.evolve(GOOD, model_variants=[
            production, attrs.evolve(shadow, instance_type="ml.g5.xlarge", instance_count=2)])
        denied = Unread(action="sagemaker:DescribeEndpoint", code="AccessDeniedException",
                        denied=True)
        checks = [f.check for f in findings(config, healthy(endpoint=denied,
                                                            endpoint_config=None))]
        assert checks == ["endpoint", "instance-type", "instance-count"]

    def test_sampling_under_100_is_a_warning(self) -> None:
        found = only(findings(GOOD.with_sampling(20), healthy()))
        assert (found.severity, found.check) == ("warning", "sampling")
        assert "receives 20 %" in found.message
        assert "with_sampling(100)" in found.message


class TestChecksThatCouldNotRun:
    def test_access_denied_is_a_warning_naming_the_action(self) -> None:
        """AccessDenied is never an error: each read the caller may not make is a warning
        that its check did not run, naming the IAM action to grant."""
        def denied(action: str) -> Unread:
            return Unread(action=action, code="AccessDeniedException", denied=True,
                          message="User: arn:aws:sts::1:assumed-role/ci is not authorized")
        account = Account(
            endpoint=denied("sagemaker:DescribeEndpoint"),
            models={"churn-v1": denied("sagemaker:DescribeModel"),
                    "churn-v2": model("churn-v2")},
            experiments=denied("sagemaker:ListInferenceExperiments"),
            bucket=Unread(action="s3:ListBucket", code="403", denied=True))
        found = findings(GOOD, account)
        assert {f.severity for f in found} == {"warning"}
        assert [f.check for f in found] == ["endpoint", "model", "other-experiment",
                                            "capture-bucket"]
        for f, action in zip(found, ("sagemaker:DescribeEndpoint", "sagemaker:DescribeModel",
                                     "sagemaker:ListInferenceExperiments", "s3:ListBucket"),
                             strict=True):
            assert f.message.startswith("could not check that ")
            assert f"may not call {action}; grant it" in f.message

    @pytest.mark.parametrize(("bucket", "answered"), [
        (Unread(action="s3:ListBucket", code="403", denied=True), False),
        (None, False),  # no capture: no bucket read
        (True, True), (NOT_FOUND, True)])
    def test_an_account_that_answered_no_read(self, bucket: object, answered: bool) -> None:
        """Every read refused: nothing about the account was checked. One answer, "no such
        bucket" too, is something checked."""
        def denied(action: str) -> Unread:
            return Unread(action=action, code="AccessDeniedException", denied=True)
        account = Account(
            endpoint=denied("sagemaker:DescribeEndpoint"),
            models={"churn-v1": denied("sagemaker:DescribeModel"),
                    "churn-v2": denied("sagemaker:DescribeModel")},
            experiments=denied("sagemaker:ListInferenceExperiments"),
            bucket=bucket)  # type: ignore[arg-type]
        assert account.answered is answered
        assert attrs.evolve(account, experiments=[]).answered  # the list answered
        assert attrs.evolve(account, models={"churn-v1": model("churn-v1")}).answered

    def test_a_preflight_that_checked_nothing_says_so(self) -> None:
        """Its warnings are all it has; it says so and does not claim "ok to create",
        while ``ok`` keeps SPEC §13's meaning (no error: a check that could not run is a
        warning, never an error)."""
        warning = Finding(severity="warning", check="endpoint", message="could not check")
        result = Preflight(name="churn-shadow", endpoint_name="churn", findings=(warning,),
                           checked=False)
        assert result.ok
        assert result.errors == ()
        text = str(result)
        assert "nothing checked: no read of the account answered (0 errors, 1 warning)" in text
        assert "ok to create" not in text
        assert result.to_dict()["ok"] is True
        assert result.to_dict()["checked"] is False
        assert pickle.loads(pickle.dumps(result)) == result
        checked = attrs.evolve(result, checked=True)
        assert checked.ok
        assert "ok to create (0 errors, 1 warning)" in str(checked)

    def test_a_throttled_read_is_a_warning_never_a_pass(self) -> None:
        throttled = Unread(action="sagemaker:DescribeEndpointConfig",
                           code="ThrottlingException", message="Rate exceeded", transient=True)
        found = only(findings(GOOD, healthy(endpoint_config=throttled)))
        assert (found.severity, found.check) == ("warning", "endpoint-kind")
        assert ("sagemaker:DescribeEndpointConfig failed with ThrottlingException (Rate "
                "exceeded) after botocore's retries; run preflight again") in found.message

    def test_a_live_experiment_that_could_not_be_described(self) -> None:
        found = only(findings(GOOD, healthy(experiments=[Unread(
            action="sagemaker:DescribeInferenceExperiment", code="InternalFailure")])))
        assert (found.severity, found.check) == ("warning", "other-experiment")

    def test_any_other_failure_says_what_failed(self) -> None:
        """Neither denied nor passing: the code and message, and no "run again"."""
        odd = Unread(action="sagemaker:DescribeModel", code="UnknownToFakeSageMaker",
                     message="FakeSageMaker was told of no endpoint or model")
        found = only(findings(GOOD, healthy(models={"churn-v1": model("churn-v1"),
                                                    "churn-v2": odd})))
        assert found.message == (
            "could not check that model 'churn-v2' exists: sagemaker:DescribeModel failed "
            "with UnknownToFakeSageMaker (FakeSageMaker was told of no endpoint or model)")


class TestErrorAnswers:
    """What each error answer of a read means (the codes are the services')."""

    @pytest.mark.parametrize(("service", "operation", "code", "message", "status"), [
        ("sagemaker", "DescribeEndpoint", "ValidationException",
         'Could not find endpoint "arn:aws:sagemaker:us-east-1:1:endpoint/churn".', 400),
        ("sagemaker", "DescribeModel", "ValidationException",
         'Could not find model "arn:aws:sagemaker:us-east-1:1:model/churn-v2".', 400),
        ("sagemaker", "DescribeInferenceExperiment", "ResourceNotFound", "", 400),
        ("s3", "HeadBucket", "404", "Not Found", 404),
        ("s3", "HeadBucket", "NoSuchBucket", "The specified bucket does not exist", 404),
    ])
    def test_not_found(self, service: str, operation: str, code: str, message: str,
                       status: int) -> None:
        assert unread(service, operation, code, message, status) is NOT_FOUND

    @pytest.mark.parametrize(("service", "operation", "code", "status", "action"), [
        ("sagemaker", "DescribeEndpoint", "AccessDeniedException", 400,
         "sagemaker:DescribeEndpoint"),
        ("s3", "HeadBucket", "403", 403, "s3:ListBucket"),
        ("s3", "HeadBucket", "AccessDenied", 403, "s3:ListBucket"),
    ])
    def test_denied(self, service: str, operation: str, code: str, status: int,
                    action: str) -> None:
        assert unread(service, operation, code, "", status) == Unread(
            action=action, code=code, denied=True)

    def test_anything_else_is_a_read_that_did_not_run(self) -> None:
        """A validation error that does not say "not found" is not taken for one."""
        assert unread("sagemaker", "DescribeModel", "ValidationException",
                      "1 validation error detected", 400) == Unread(
            action="sagemaker:DescribeModel", code="ValidationException",
            message="1 validation error detected")
        assert unread("sagemaker", "DescribeEndpoint", "ThrottlingException", "Rate exceeded",
                      400) == Unread(action="sagemaker:DescribeEndpoint",
                                     code="ThrottlingException", message="Rate exceeded",
                                     transient=True)
        assert unread("sagemaker", "DescribeModel", "ServiceUnavailable", "", 503) == Unread(
            action="sagemaker:DescribeModel", code="ServiceUnavailable", transient=True)


class TestResult:
    def test_findings_are_sorted_errors_first_then_by_check(self) -> None:
        made = [Finding(severity="warning", check="sampling", message="s"),
                Finding(severity="error", check="capture-bucket", message="b"),
                Finding(severity="warning", check="endpoint", message="e"),
                Finding(severity="error", check="endpoint", message="x")]
        result = Preflight(name="n", endpoint_name="churn", findings=made)
        assert [(f.severity, f.check) for f in result.findings] == [
            ("error", "endpoint"), ("error", "capture-bucket"), ("warning", "endpoint"),
            ("warning", "sampling")]

    def test_a_finding_names_a_known_check_and_severity(self) -> None:
        with pytest.raises(ValueError, match="severity"):
            Finding(severity="info", check="endpoint", message="m")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="check"):
            Finding(severity="error", check="endpoints", message="m")

    def test_every_check_has_words(self) -> None:
        assert all(CHECKS.values())
        assert len(CHECKS) == 13

    def test_text_html_and_json(self) -> None:
        result = Preflight(name="churn-shadow", endpoint_name="churn", findings=findings(
            sample_config(), healthy(bucket=None, experiments=[experiment("a", "Running")])))
        text = str(result)
        assert text.splitlines()[0] == "Preflight of churn-shadow"
        assert "1 error, 2 warnings" in text
        assert "other-experiment" in text
        html = result._repr_html_()
        assert "<table>" in html
        assert "other-experiment" in html
        data = json.loads(json.dumps(result.to_dict()))
        assert data["ok"] is False
        assert data["endpoint_name"] == "churn"
        assert [f["check"] for f in data["findings"]] == ["other-experiment", "sampling",
                                                          "data-capture"]
        assert "nothing found" in str(Preflight(name="n", endpoint_name="e", findings=()))

    def test_preflight_and_its_error_pickle(self) -> None:
        result = Preflight(name="churn-shadow", endpoint_name="churn",
                           findings=findings(GOOD, healthy(endpoint=NOT_FOUND)))
        error = preflight_error(result)
        again = pickle.loads(pickle.dumps(error))
        assert isinstance(again, PreflightError)
        assert again.preflight == result
        assert str(again) == str(error)
        assert "preflight found 1 error" in str(error)
        assert "preflight=False" in str(error)
        assert "  endpoint: endpoint 'churn' does not exist" in str(error)
        assert pickle.loads(pickle.dumps(NOT_FOUND)) is NOT_FOUND


class TestDiagnosis:
    """A Cancelled experiment's StatusReason read back as the check it matches. No source
    records the service's texts; these are reasons worded as a service would word them,
    and reasons that use a check's words in another sense, which match no check."""

    @pytest.mark.parametrize(("reason", "check"), [
        ("Shadow testing is not supported for serverless endpoints.", "endpoint-kind"),
        ("Endpoint churn uses AsyncInferenceConfig, which is not supported", "endpoint-kind"),
        ("Instance type ml.inf1.xlarge is not supported for shadow variants", "endpoint-kind"),
        ("Elastic Inference accelerators are not supported", "endpoint-kind"),
        ("Multi-model endpoints cannot be used for inference experiments", "model-kind"),
        ("Endpoints with multiple containers are not supported", "model-kind"),
        ("Models from AWS Marketplace are not supported", "model-kind"),
        ("Endpoint churn already has an active inference experiment", "other-experiment"),
        ("Unable to write data capture to s3://captures/churn: Access Denied",
         "capture-bucket"),
        ('Could not find model "arn:aws:sagemaker:us-east-1:1:model/churn-v2".', "model"),
        ("Variant production was not found on endpoint churn", "production-variant"),
        ("Endpoint churn does not exist", "endpoint"),
        ("Endpoint churn is not InService", "endpoint-status"),
    ])
    def test_a_reason_that_matches_a_check(self, reason: str, check: str) -> None:
        found = diagnose(reason)
        assert found is not None
        assert found.check == check
        assert found.message.startswith("likely cause: ")
        assert "preflight" in found.message

    @pytest.mark.parametrize("reason", [
        None, "", "Stopped by the release pipeline", "Concluded: shadow slower than production",
        # the words of a check in another sense: a stop's own Reason, a person's note
        "Stopped: variant B regressed p99 latency by 20 %",
        "Shadow variant promoted after review",
        "Results exported to s3://reports/churn for review",
        "Concluded early; the S3 capture report is attached",
        "Moved to async batch scoring instead",
        "Superseded: a newer shadow is already running elsewhere",
        "The shadow has been in service for a week; concluding",
        "Stopped: GPU accelerator cost too high",
        "Comparing against Inferentia2 (inf2) next",
        "Serverless migration planned; not needed any more",
    ])
    def test_a_reason_that_matches_none(self, reason: str | None) -> None:
        assert diagnose(reason) is None

    @pytest.mark.parametrize(("reason", "check"), [
        ("Endpoint churn uses ServerlessConfig", "endpoint-kind"),
        ("Asynchronous inference endpoints cannot run shadow tests", "endpoint-kind"),
        ("Model churn-v1 uses Mode MultiModel", "model-kind"),
        ("Bucket captures does not exist", "capture-bucket"),
        ("NoSuchBucket: the data capture destination s3://captures/churn is missing",
         "capture-bucket"),
        ("Could not find production variant 'production' on the endpoint",
         "production-variant"),
        ("Endpoint churn status is Updating", "endpoint-status"),
    ])
    def test_the_service_s_own_names_for_a_cause(self, reason: str, check: str) -> None:
        """The API's field and value names (ServerlessConfig, MultiModel, NoSuchBucket) say
        the cause as plainly as the words do."""
        found = diagnose(reason)
        assert found is not None
        assert found.check == check


class TestDiagnosisOfAnExperiment:
    """describe's result and its display read a Cancelled experiment's reason back."""

    REASON = "Shadow testing is not supported for serverless endpoints."

    def test_describe_gives_the_likely_cause_of_a_cancelled_experiment(self) -> None:
        from shadowtest.testing import ExperimentStubber

        with ExperimentStubber() as stub:
            stub.expect_describe(sample_config(), "Cancelled", now=T0,
                                 status_reason=self.REASON)
            described = stub.experiment_client().describe("churn-shadow")
        diagnosis = described.diagnosis
        assert diagnosis is not None
        assert diagnosis.check == "endpoint-kind"
        text = str(described)
        assert "likely cause" in text
        assert "serverless" in described._repr_html_()

    @pytest.mark.parametrize(("status", "reason"), [
        ("Running", REASON), ("Completed", REASON), ("Cancelled", None),
        ("Cancelled", "Stopped by the release pipeline")])
    def test_no_cause_otherwise(self, status: str, reason: str | None) -> None:
        from shadowtest import InferenceExperiment
        from shadowtest.testing import describe_response

        described = InferenceExperiment(describe_response(
            sample_config(), status, now=T0, status_reason=reason))
        assert described.diagnosis is None
        assert "likely cause" not in str(described)

    def test_a_listed_cancelled_experiment_shows_it_too(self) -> None:
        from shadowtest import InferenceExperimentSummary

        summary = InferenceExperimentSummary({
            "Name": "churn-shadow", "Type": "ShadowMode", "Status": "Cancelled",
            "StatusReason": "Endpoint churn already has an active inference experiment",
            "CreationTime": T0, "LastModifiedTime": T0})
        assert summary.diagnosis is not None
        assert summary.diagnosis.check == "other-experiment"
        assert "likely cause" in str(summary)

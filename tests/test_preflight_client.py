"""ExperimentClient.preflight on real boto3 clients answered at botocore's HTTP layer: the
requests it sends (only reads, at most one per resource, the independent ones at once),
and what each error answer becomes. The account is written out here, as the service's
JSON (SageMaker) and HTTP statuses (S3 HeadBucket)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import attrs
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from shadowtest import (
    ConfigValidationError,
    ExperimentClient,
    InferenceExperimentSchedule,
    ModelVariantConfig,
)
from tests.preflight_wire import ARN, GOOD, HEALTHY, T0, Wire, error, ok, wire

READS = ("Describe", "List", "Head")


class TestRequests:
    def test_a_good_config_sends_only_reads_one_per_resource(self) -> None:
        """The requests, counted with a botocore event hook: only reads; one per resource
        (the endpoint, its config, each model, the bucket), the list, and one describe of
        the live experiment; none of the ended one."""
        account = wire()
        result = account.client().preflight(GOOD)
        assert result.findings == ()
        assert all(name.startswith(READS) for name in account.calls)
        assert account.calls == Counter({
            "DescribeEndpoint": 1, "DescribeEndpointConfig": 1, "DescribeModel": 2,
            "ListInferenceExperiments": 1, "DescribeInferenceExperiment": 1,
            "HeadBucket": 1})

    def test_a_model_only_the_endpoint_serves_is_read_once_too(self) -> None:
        """The production variant serves churn-v0: it is described (its kind matters) and
        the mismatch is an error."""
        answers = dict(HEALTHY)
        status, body = answers["DescribeEndpointConfig", "churn-config"]
        assert body is not None
        body = {**body, "ProductionVariants": [{**body["ProductionVariants"][0],
                                                "ModelName": "churn-v0"}]}
        answers["DescribeEndpointConfig", "churn-config"] = (status, body)
        answers["DescribeModel", "churn-v0"] = answers["DescribeModel", "churn-v1"]
        account = Wire(answers)
        result = account.client().preflight(GOOD)
        assert [f.check for f in result.findings] == ["production-variant"]
        assert account.calls["DescribeModel"] == 3

    def test_independent_reads_run_at_once(self) -> None:
        """DescribeEndpoint is answered only once HeadBucket, sent after it, has arrived:
        sent one after the other, the endpoint's read would wait out its timeout."""
        bucket_seen = threading.Event()
        waited: list[bool] = []

        def on_request(operation: str) -> None:
            if operation == "HeadBucket":
                bucket_seen.set()
            elif operation == "DescribeEndpoint":
                waited.append(bucket_seen.wait(timeout=5))
            return

        account = wire()
        account.on_request = on_request
        assert account.client().preflight(GOOD).findings == ()
        assert waited == [True]

    def test_the_list_is_read_page_by_page_and_only_live_ones_are_described(self) -> None:
        page_one = ok({"InferenceExperiments": [
            {"Name": "a", "Type": "ShadowMode", "Status": "Completed",
             "CreationTime": T0.timestamp(), "LastModifiedTime": T0.timestamp()}],
            "NextToken": "page-2"})
        account = wire(ListInferenceExperiments=page_one)
        account.answers["ListInferenceExperiments", "page-2"] = HEALTHY[
            "ListInferenceExperiments", ""]
        assert account.client().preflight(GOOD).findings == ()
        assert account.calls["ListInferenceExperiments"] == 2  # a request a page
        assert account.calls["DescribeInferenceExperiment"] == 1


class TestBadInput:
    """Refused before any request, as create refuses."""

    @pytest.mark.parametrize("config", [
        "churn-shadow",
        attrs.evolve(GOOD, schedule=InferenceExperimentSchedule(
            end_time=T0 - timedelta(hours=1))),
        attrs.evolve(GOOD, model_variants=[GOOD.model_variants[0], ModelVariantConfig(
            model_name="churn-v2", variant_name="shadow", instance_type="ml.m5.huge")]),
    ], ids=["not-a-config", "ended-schedule", "unknown-instance-type"])
    def test_a_config_that_breaks_its_rules(self, config: Any) -> None:
        account = wire()
        with pytest.raises(ConfigValidationError, match="preflight arguments"):
            account.client().preflight(config)
        assert account.calls == Counter()

    def test_an_endpoint_name_of_the_wrong_shape(self) -> None:
        """It cannot get into a config: the file or the constructor refuses it."""
        with pytest.raises(ConfigValidationError, match="endpoint_name"):
            attrs.evolve(GOOD, endpoint_name="churn_endpoint!")


class TestErrorAnswers:
    def test_access_denied_is_a_warning_naming_the_action(self) -> None:
        denied = error("AccessDeniedException", "User: arn:aws:sts::123456789012:"
                       "assumed-role/ci/x is not authorized to perform: "
                       "sagemaker:DescribeEndpoint")
        result = wire(DescribeEndpoint__churn=denied).client().preflight(GOOD)
        assert result.ok
        (found,) = result.findings
        assert (found.severity, found.check) == ("warning", "endpoint")
        assert "may not call sagemaker:DescribeEndpoint" in found.message

    def test_every_read_denied_checks_nothing(self) -> None:
        """A caller that may read nothing gets a warning per check and no clean bill."""
        denied = error("AccessDeniedException", "not authorized")
        account = wire(DescribeEndpoint__churn=denied, DescribeModel__churn_v1=denied,
                       DescribeModel__churn_v2=denied, ListInferenceExperiments__=denied,
                       HeadBucket__captures=(403, None))
        result = account.client().preflight(GOOD)
        assert (result.checked, result.ok, result.errors) == (False, True, ())
        assert [f.check for f in result.findings] == [
            "endpoint", "model", "model", "other-experiment", "capture-bucket"]
        assert result.to_dict()["checked"] is False
        one = wire(DescribeEndpoint__churn=denied).client().preflight(GOOD)
        assert (one.checked, one.ok) == (True, True)

    def test_a_missing_endpoint_and_model_are_errors(self) -> None:
        account = wire(
            DescribeEndpoint__churn=error(
                "ValidationException",
                f'Could not find endpoint "{ARN}:endpoint/churn".'),
            DescribeModel__churn_v2=error(
                "ValidationException", f'Could not find model "{ARN}:model/churn-v2".'))
        result = account.client().preflight(GOOD)
        assert [(f.severity, f.check) for f in result.findings] == [
            ("error", "endpoint"), ("error", "model")]
        assert "DescribeEndpointConfig" not in account.calls  # nothing to read it from

    @pytest.mark.parametrize(("status", "severity", "words"), [
        (404, "error", "bucket 'captures' does not exist"),
        (403, "warning", "may not call s3:ListBucket"),
    ])
    def test_head_bucket(self, status: int, severity: str, words: str) -> None:
        (found,) = wire(HeadBucket__captures=(status, None)).client().preflight(
            GOOD).findings
        assert (found.severity, found.check) == (severity, "capture-bucket")
        assert words in found.message

    def test_a_describe_throttled_through_botocores_retries_is_a_warning(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """botocore retries the throttled describe (three attempts here); when every
        attempt is throttled, the check did not run: a warning, never a pass."""
        monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)
        account = Wire(dict(HEALTHY), config=Config(retries={"mode": "standard",
                                                             "total_max_attempts": 3}))
        account.answers["DescribeModel", "churn-v2"] = error("ThrottlingException",
                                                             "Rate exceeded")
        (found,) = account.client().preflight(GOOD).findings
        assert (found.severity, found.check) == ("warning", "model")
        assert "ThrottlingException (Rate exceeded) after botocore's retries" in found.message
        assert account.attempts["DescribeModel"] == 4  # churn-v1 once, churn-v2 three times

    def test_a_throttled_describe_that_recovers_is_read(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)
        throttled = [error("ThrottlingException", "Rate exceeded")]

        def on_request(operation: str) -> tuple[int, dict[str, Any] | None] | None:
            return throttled.pop() if operation == "DescribeEndpoint" and throttled else None

        account = wire()
        account.on_request = on_request
        assert account.client().preflight(GOOD).findings == ()
        assert account.attempts["DescribeEndpoint"] == 2

    def test_no_connection_is_a_warning(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)

        def on_request(operation: str) -> None:
            if operation == "ListInferenceExperiments":
                raise EndpointConnectionError(endpoint_url="https://sagemaker")
            return

        account = Wire(dict(HEALTHY), on_request=on_request,
                       config=Config(retries={"mode": "standard", "total_max_attempts": 2}))
        (found,) = account.client().preflight(GOOD).findings
        assert (found.severity, found.check) == ("warning", "other-experiment")
        assert "EndpointConnectionError" in found.message
        assert account.attempts["ListInferenceExperiments"] == 2

    def test_without_capture_s3_is_not_asked(self) -> None:
        account = wire()
        client = ExperimentClient(account.sagemaker, now=lambda: T0)  # no S3 client at all
        result = client.preflight(attrs.evolve(GOOD, data_storage_config=None))
        assert [f.check for f in result.findings] == ["data-capture"]
        assert "HeadBucket" not in account.calls


class TestMalformedAnswers:
    """Through the AWS layer: an answer of the wrong shape is a check that did not run,
    never a crash and never a pass."""

    def test_a_describe_lacking_a_required_member(self) -> None:
        account = wire(DescribeEndpoint__churn=ok({"EndpointName": "churn"}))
        (found,) = account.client().preflight(GOOD).findings
        assert (found.severity, found.check) == ("warning", "endpoint")
        assert "MalformedResponseError" in found.message
        assert "EndpointArn is missing" in found.message

    def test_a_member_of_the_wrong_type(self) -> None:
        status, body = HEALTHY["DescribeModel", "churn-v2"]
        assert body is not None
        account = wire(DescribeModel__churn_v2=(status, {**body, "Containers": "two"}))
        (found,) = account.client().preflight(GOOD).findings
        assert (found.severity, found.check) == ("warning", "model")
        assert "botocore could not parse" in found.message

    def test_a_listing_whose_token_repeats_ends(self) -> None:
        looping = ok({"InferenceExperiments": [], "NextToken": "again"})
        account = wire(ListInferenceExperiments=looping)
        account.answers["ListInferenceExperiments", "again"] = looping
        (found,) = account.client().preflight(GOOD).findings
        assert (found.severity, found.check) == ("warning", "other-experiment")
        assert "would never end" in found.message
        assert account.calls["ListInferenceExperiments"] == 2

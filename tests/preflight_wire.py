"""A SageMaker and an S3 client answered at botocore's HTTP layer from an account written
out as the service's JSON (SageMaker) and HTTP statuses (S3 HeadBucket): the preflight
tests' stand-in for AWS."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs
from botocore.awsrequest import AWSResponse, HTTPHeaders

from shadowtest import DataStorageConfig, ExperimentClient
from shadowtest.testing import sample_config
from shadowtest.testing._clients import offline_client, shared_session
from shadowtest.testing._wire import Body

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.config import Config

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ARN = "arn:aws:sagemaker:us-east-1:123456789012"
GOOD = sample_config(data_storage_config=DataStorageConfig(
    destination="s3://captures/churn")).with_sampling(100)

def ok(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 200, body


def error(code: str, message: str, status: int = 400) -> tuple[int, dict[str, Any]]:
    return status, {"__type": code, "message": message}


# The account: what each read answers, by operation and the name it asks about.
HEALTHY: dict[tuple[str, str], tuple[int, dict[str, Any] | None]] = {
    ("DescribeEndpoint", "churn"): ok({
        "EndpointName": "churn", "EndpointArn": f"{ARN}:endpoint/churn",
        "EndpointConfigName": "churn-config",
        "ProductionVariants": [{"VariantName": "production", "CurrentInstanceCount": 1,
                                "DesiredInstanceCount": 1, "CurrentWeight": 1.0}],
        "EndpointStatus": "InService", "CreationTime": T0.timestamp(),
        "LastModifiedTime": T0.timestamp()}),
    ("DescribeEndpointConfig", "churn-config"): ok({
        "EndpointConfigName": "churn-config",
        "EndpointConfigArn": f"{ARN}:endpoint-config/churn-config",
        "ProductionVariants": [{"VariantName": "production", "ModelName": "churn-v1",
                                "InitialInstanceCount": 1, "InstanceType": "ml.m5.xlarge"}],
        "CreationTime": T0.timestamp()}),
    **{("DescribeModel", name): ok({
        "ModelName": name, "ModelArn": f"{ARN}:model/{name}",
        "PrimaryContainer": {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/c:1",
                             "Mode": "SingleModel"},
        "CreationTime": T0.timestamp()}) for name in ("churn-v1", "churn-v2")},
    ("ListInferenceExperiments", ""): ok({"InferenceExperiments": [
        {"Name": n, "Type": "ShadowMode", "Status": s, "CreationTime": T0.timestamp(),
         "LastModifiedTime": T0.timestamp()}
        for n, s in (("fraud-shadow", "Running"), ("old-shadow", "Completed"))]}),
    ("DescribeInferenceExperiment", "fraud-shadow"): ok({
        "Arn": f"{ARN}:inference-experiment/fraud-shadow", "Name": "fraud-shadow",
        "Type": "ShadowMode", "Status": "Running",
        "EndpointMetadata": {"EndpointName": "fraud", "EndpointStatus": "InService"},
        "ModelVariants": []}),
    ("HeadBucket", "captures"): (200, None),
}


@attrs.define
class Wire:
    """Answers a SageMaker and an S3 client at the HTTP layer from ``answers``, so botocore
    parses every answer and retries as it would the service's. ``calls`` counts API calls
    (a botocore event hook, once per call), ``attempts`` HTTP attempts (retries too)."""

    answers: dict[tuple[str, str], tuple[int, dict[str, Any] | None]]
    sagemaker: Any = attrs.field(init=False)
    s3: Any = attrs.field(init=False)
    calls: Counter[str] = attrs.field(init=False, factory=Counter)
    attempts: Counter[str] = attrs.field(init=False, factory=Counter)
    on_request: Callable[[str], tuple[int, dict[str, Any] | None] | None] | None = None
    config: Config | None = None
    lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)

    def __attrs_post_init__(self) -> None:
        session = shared_session()
        self.sagemaker = session.client("sagemaker", region_name="us-east-1",
                                        aws_access_key_id="t", aws_secret_access_key="t",
                                        config=self.config)
        self.s3 = offline_client("s3")
        for client in (self.sagemaker, self.s3):
            events = client.meta.events
            events.register("before-parameter-build", self._count)
            events.register_first("before-send", self._answer)

    def _count(self, model: Any, **_: Any) -> None:
        with self.lock:
            self.calls[model.name] += 1

    def _answer(self, request: Any, **_: Any) -> AWSResponse:
        operation = self._operation(request)
        key = self._key(operation, request)
        with self.lock:
            self.attempts[operation] += 1
        instead = self.on_request(operation) if self.on_request is not None else None
        status, body = instead or self.answers.get((operation, key), error(
            "ValidationException", f"Could not find {key!r}"))
        headers = HTTPHeaders()
        headers["x-amzn-requestid"] = "1"
        headers["content-type"] = "application/x-amz-json-1.1"
        raw = b"" if body is None else json.dumps(body).encode()
        return AWSResponse(request.url, status, headers, Body(raw))

    @staticmethod
    def _operation(request: Any) -> str:
        target = request.headers.get("X-Amz-Target", b"")
        if target:
            return str((target.decode() if isinstance(target, bytes) else target)
                       .rpartition(".")[2])
        return "HeadBucket"  # the only S3 request preflight makes

    @staticmethod
    def _key(operation: str, request: Any) -> str:
        if operation == "HeadBucket":
            return str(request.url).split("//", 1)[1].split(".", 1)[0]
        body = json.loads(request.body or b"{}")
        for field in ("EndpointName", "EndpointConfigName", "ModelName", "Name", "NextToken"):
            if field in body:
                return str(body[field])
        return ""

    def client(self) -> ExperimentClient:
        return ExperimentClient(self.sagemaker, s3=self.s3, now=lambda: T0)


def wire(**changes: tuple[int, dict[str, Any] | None]) -> Wire:
    """The healthy account with ``changes`` (``DescribeModel__churn_v2=...``) made."""
    answers = dict(HEALTHY)
    for key, answer in changes.items():
        operation, _, name = key.partition("__")
        answers[operation, name.replace("_", "-")] = answer
    return Wire(answers)

"""The endpoints and models of a :class:`~shadowtest.testing.FakeSageMaker`: what
``DescribeEndpoint``, ``DescribeEndpointConfig`` and ``DescribeModel`` answer, in the
service's shapes, and what its create refuses on an endpoint it knows.

A fake is told about an endpoint with ``fake.add_endpoint(name, variants=..., kind=...)``
and about a model with ``fake.add_model(name)``; the models an endpoint serves exist
too. Until it is told about any, the fake models no account: those describes answer
``UnknownToFakeSageMaker`` (so preflight reports each check as not run, and code written
before endpoints existed in the fake keeps working). Once told, anything it was not told
about does not exist, as in an account: the describes answer the service's
``ValidationException`` "Could not find ...".

An experiment created on an endpoint the fake knows is checked as the service checks
it at create time, with preflight's own checks (:func:`shadowtest.preflight.findings`,
so the fake and preflight cannot disagree); one created on an endpoint the fake was never
told about is created as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from shadowtest._checks import Checker
from shadowtest.config import ENDPOINT_NAME, INSTANCE_TYPE, MODEL_NAME, VARIANT_NAME
from shadowtest.preflight import LIVE, NOT_FOUND, Account, findings
from shadowtest.status import EndpointStatus
from shadowtest.testing._base import Refusal

if TYPE_CHECKING:
    from datetime import datetime

    from shadowtest.config import InferenceExperimentConfig
    from shadowtest.preflight import Read
    from shadowtest.testing._fake import FakeSageMaker
    from shadowtest.testing._fake_s3 import FakeS3

__all__ = ["CREATE_CHECKS", "KINDS", "NOT_TOLD", "Endpoints"]

KINDS: Final = ("realtime", "serverless", "async", "multi-model", "multi-container")
"""The kinds of endpoint :meth:`FakeSageMaker.add_endpoint` makes."""

NOT_TOLD: Final = "UnknownToFakeSageMaker"
"""The error code of a describe the fake cannot answer: it was told of no endpoint or model."""

CREATE_CHECKS: Final = frozenset({
    "endpoint", "endpoint-status", "endpoint-kind", "endpoint-variants",
    "production-variant", "model", "model-kind", "other-experiment"})
"""The preflight checks whose errors the fake's create refuses on an endpoint it knows
(the developer guide: the excluded kinds "lead to validation errors"; the rest the fake
refuses likewise). A missing capture bucket is not among them: the fake's SageMaker does
not look into its S3."""

_SERVERLESS: Final = {"MemorySizeInMB": 2048, "MaxConcurrency": 20}


@dataclass
class _Endpoint:
    name: str
    variants: dict[str, str]  # variant name -> model name
    instance_type: str
    kind: str
    status: str
    created: datetime


class Endpoints:
    """The endpoints and models one FakeSageMaker was told about, and the handlers of the
    three describes (registered on the fake by the constructor)."""

    def __init__(self, fake: FakeSageMaker) -> None:
        self._fake = fake
        self._endpoints: dict[str, _Endpoint] = {}
        self._models: dict[str, datetime] = {}  # those added, and when
        fake.serve({"DescribeEndpoint": self._describe_endpoint,
                    "DescribeEndpointConfig": self._describe_endpoint_config,
                    "DescribeModel": self._describe_model})

    @property
    def told(self) -> bool:
        """Whether the fake was told about any endpoint or model (it then models the
        account: what it was not told about does not exist)."""
        return bool(self._endpoints or self._models)

    def knows(self, endpoint_name: str) -> bool:
        return endpoint_name in self._endpoints

    # -- telling the fake ------------------------------------------------------------------

    def add_endpoint(self, name: str, *, variants: Mapping[str, str] | None = None,
                     instance_type: str = "ml.m5.xlarge", kind: str = "realtime",
                     status: str = "InService") -> None:
        c = Checker()
        named = c.check_string("name", name, ENDPOINT_NAME)
        served: dict[str, str] = {}
        if variants is None:
            if named:
                served = {"AllTraffic": f"{name}-model"}
        elif not isinstance(variants, Mapping):
            c.add("variants", f"got {type(variants).__name__}; must be a mapping of variant "
                              "name to model name, such as {'AllTraffic': 'churn-v1'}")
        elif not variants:
            c.add("variants", "got no variant; an endpoint has at least one")
        else:
            for variant, model in variants.items():
                if c.check_string(f"variants[{variant!r}]", variant, VARIANT_NAME) and \
                        c.check_string(f"variants[{variant!r}]", model, MODEL_NAME):
                    served[variant] = model
        if (kind != "serverless" and c.check_string("instance_type", instance_type,
                                                    INSTANCE_TYPE)
                and instance_type not in self._fake._instance_types):
            c.add("instance_type", f"got {instance_type!r}; not an instance type of "
                                       "SageMaker's model (e.g. 'ml.m5.xlarge')")
        c.check_choice("kind", kind, KINDS)
        c.check_choice("status", status, tuple(s.value for s in EndpointStatus))
        with self._fake.lock:
            if isinstance(name, str) and name in self._endpoints:
                c.add("name", f"the fake has an endpoint called {name!r} already")
            c.raise_if_any("add_endpoint arguments")
            self._endpoints[name] = _Endpoint(name, served, instance_type, kind, status,
                                              self._fake.now)

    def add_model(self, name: str) -> None:
        c = Checker()
        c.check_string("name", name, MODEL_NAME)
        c.raise_if_any("add_model arguments")
        with self._fake.lock:
            self._models.setdefault(name, self._fake.now)

    def watch(self, s3: FakeS3) -> None:
        """Answer HeadBucket of the fake's S3 as the account does: while the fake was told
        of no endpoint or model and its S3 holds no bucket, a bucket is unknown to it (a
        check not run), not missing."""
        served = s3._handlers["HeadBucket"]

        def head_bucket(p: dict[str, Any]) -> Mapping[str, object]:
            if not self.told and not s3.objects:
                raise Refusal(NOT_TOLD, (
                    f"FakeSageMaker was told of no endpoint or model, so it cannot say "
                    f"whether bucket {p['Bucket']!r} exists: tell it with "
                    "fake.add_bucket(...) and fake.add_endpoint(...)"))
            return served(p)

        s3.serve({"HeadBucket": head_bucket})

    # -- the create-time checks ----------------------------------------------------------------

    def create_refusal(self, config: InferenceExperimentConfig) -> Refusal | None:
        """The ValidationException the service answers a create of ``config`` with, when its
        endpoint is one the fake knows and preflight finds an error it would refuse."""
        if config.endpoint_name not in self._endpoints:
            return None  # an endpoint never told about: created as before
        errors = [f for f in findings(config, self.account(config))
                  if f.severity == "error" and f.check in CREATE_CHECKS]
        if not errors:
            return None
        n = len(errors)
        return Refusal("ValidationException", f"{n} validation error{'s' * (n != 1)} "
                       "detected: " + "; ".join(f.message for f in errors))

    def account(self, config: InferenceExperimentConfig) -> Account:
        """What preflight would read of the fake for ``config`` (no call recorded)."""
        endpoint = self._endpoint_read(config.endpoint_name)
        endpoint_config = self._config_read(f"{config.endpoint_name}-config") \
            if endpoint is not NOT_FOUND else None
        models = {v.model_name: self._model_read(v.model_name) for v in config.model_variants}
        record = self._endpoints.get(config.endpoint_name)
        for model in (record.variants.values() if record else ()):
            models.setdefault(model, self._model_read(model))
        live = [dict(e) for e in self._fake.experiments.values() if e["Status"] in LIVE]
        return Account(endpoint=endpoint, endpoint_config=endpoint_config, models=models,
                       experiments=live, bucket=None)

    def _endpoint_read(self, name: str) -> Read:
        try:
            return self._describe_endpoint({"EndpointName": name})
        except Refusal:
            return NOT_FOUND

    def _config_read(self, name: str) -> Read:
        try:
            return self._describe_endpoint_config({"EndpointConfigName": name})
        except Refusal:
            return NOT_FOUND

    def _model_read(self, name: str) -> Read:
        try:
            return self._describe_model({"ModelName": name})
        except Refusal:
            return NOT_FOUND

    # -- the describes ----------------------------------------------------------------------------

    def _unknown(self, what: str, name: str) -> Refusal:
        if not self.told:
            return Refusal(NOT_TOLD, (
                f"FakeSageMaker was told of no endpoint or model, so it cannot say whether "
                f"{what} {name!r} exists: tell it with fake.add_endpoint(...) and "
                "fake.add_model(...) to have this checked"))
        arn = f"arn:aws:sagemaker:{self._fake.region}:{self._fake.account_id}:" \
              f"{what.replace(' ', '-')}/{name.lower()}"
        return Refusal("ValidationException", f'Could not find {what} "{arn}".')

    def _production(self, record: _Endpoint) -> tuple[dict[str, str], str, int]:
        """The endpoint's production variants, instance type and count now: as told, until
        an experiment on it promoted its shadow."""
        promoted = self._fake.production_variant(record.name)
        told = next(iter(record.variants.items()), None)
        if promoted is None or promoted == told or len(record.variants) != 1:
            return record.variants, record.instance_type, 1
        for experiment in self._fake.experiments.values():
            if experiment["EndpointMetadata"]["EndpointName"] != record.name:
                continue
            for variant in experiment["ModelVariants"]:
                if (variant["VariantName"], variant["ModelName"]) == promoted:
                    real_time = variant["InfrastructureConfig"]["RealTimeInferenceConfig"]
                    return ({promoted[0]: promoted[1]}, real_time["InstanceType"],
                            real_time["InstanceCount"])
        return {promoted[0]: promoted[1]}, record.instance_type, 1

    def _shadow(self, record: _Endpoint) -> list[tuple[str, str, str, int]]:
        """The shadow variant a live experiment has put on the endpoint, if any."""
        for experiment in self._fake.experiments.values():
            if (experiment["EndpointMetadata"]["EndpointName"] == record.name
                    and experiment["Status"] in ("Running", "Stopping")):
                roles = experiment.get("ShadowModeConfig")
                if roles is None:
                    continue
                shadow = roles["ShadowModelVariants"][0]["ShadowModelVariantName"]
                for variant in experiment["ModelVariants"]:
                    if variant["VariantName"] == shadow:
                        real_time = variant["InfrastructureConfig"]["RealTimeInferenceConfig"]
                        return [(shadow, variant["ModelName"], real_time["InstanceType"],
                                 real_time["InstanceCount"])]
        return []

    def _describe_endpoint(self, p: dict[str, Any]) -> dict[str, Any]:
        record = self._endpoints.get(p["EndpointName"])
        if record is None:
            raise self._unknown("endpoint", p["EndpointName"])
        variants, _, count = self._production(record)
        weight = 1.0 / len(variants)
        live: list[dict[str, Any]] = []
        for variant, model in variants.items():
            entry: dict[str, Any] = {"VariantName": variant,
                                     "DeployedImages": [self._image(model, record.created)],
                                     "CurrentWeight": weight, "DesiredWeight": weight}
            if record.kind == "serverless":
                entry["CurrentServerlessConfig"] = dict(_SERVERLESS)
                entry["DesiredServerlessConfig"] = dict(_SERVERLESS)
            else:
                entry["CurrentInstanceCount"] = entry["DesiredInstanceCount"] = count
            live.append(entry)
        out: dict[str, Any] = {
            "EndpointName": record.name,
            "EndpointArn": f"arn:aws:sagemaker:{self._fake.region}:{self._fake.account_id}:"
                           f"endpoint/{record.name.lower()}",
            "EndpointConfigName": f"{record.name}-config",
            "ProductionVariants": live,
            "EndpointStatus": record.status,
            "CreationTime": record.created, "LastModifiedTime": record.created,
        }
        if record.status == "Failed":
            out["FailureReason"] = "The primary container for production variant " \
                                   f"{next(iter(variants))} did not pass the ping health check."
        if record.kind == "async":
            out["AsyncInferenceConfig"] = self._async(record)
        shadows = self._shadow(record)
        if shadows:
            out["ShadowProductionVariants"] = [
                {"VariantName": name, "DeployedImages": [self._image(model, record.created)],
                 "CurrentWeight": 1.0, "DesiredWeight": 1.0, "CurrentInstanceCount": n,
                 "DesiredInstanceCount": n} for name, model, _, n in shadows]
        return out

    def _describe_endpoint_config(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["EndpointConfigName"]
        record = self._endpoints.get(name.removesuffix("-config")) \
            if name.endswith("-config") else None
        if record is None:
            raise self._unknown("endpoint configuration", name)
        variants, instance_type, count = self._production(record)
        configured: list[dict[str, Any]] = []
        for variant, model in variants.items():
            entry: dict[str, Any] = {"VariantName": variant, "ModelName": model,
                                     "InitialVariantWeight": 1.0}
            if record.kind == "serverless":
                entry["ServerlessConfig"] = dict(_SERVERLESS)
            else:
                entry.update(InitialInstanceCount=count, InstanceType=instance_type)
            configured.append(entry)
        out: dict[str, Any] = {
            "EndpointConfigName": name,
            "EndpointConfigArn": f"arn:aws:sagemaker:{self._fake.region}:"
                                 f"{self._fake.account_id}:endpoint-config/{name.lower()}",
            "ProductionVariants": configured,
            "CreationTime": record.created,
        }
        if record.kind == "async":
            out["AsyncInferenceConfig"] = self._async(record)
        shadows = self._shadow(record)
        if shadows:
            out["ShadowProductionVariants"] = [
                {"VariantName": name, "ModelName": model, "InitialInstanceCount": n,
                 "InstanceType": kind, "InitialVariantWeight": 1.0}
                for name, model, kind, n in shadows]
        return out

    def _describe_model(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["ModelName"]
        kinds = [record.kind for record in self._endpoints.values()
                 if name in record.variants.values()]
        if not kinds and name not in self._models:
            raise self._unknown("model", name)
        created = self._models.get(name) or min(
            r.created for r in self._endpoints.values() if name in r.variants.values())
        fake = self._fake
        image = f"{fake.account_id}.dkr.ecr.{fake.region}.amazonaws.com/{name}:latest"
        data = f"s3://sagemaker-{fake.region}-{fake.account_id}/models/{name}"
        out: dict[str, Any] = {
            "ModelName": name,
            "ExecutionRoleArn": f"arn:aws:iam::{fake.account_id}:role/SageMakerRole",
            "CreationTime": created,
            "ModelArn": f"arn:aws:sagemaker:{fake.region}:{fake.account_id}:model/"
                        f"{name.lower()}",
        }
        if "multi-container" in kinds:
            out["Containers"] = [
                {"ContainerHostname": "preprocess", "Image": f"{image}-preprocess",
                 "Mode": "SingleModel"},
                {"ContainerHostname": "predict", "Image": image, "Mode": "SingleModel",
                 "ModelDataUrl": f"{data}/model.tar.gz"}]
            out["InferenceExecutionConfig"] = {"Mode": "Direct"}
        elif "multi-model" in kinds:
            out["PrimaryContainer"] = {"Image": image, "Mode": "MultiModel",
                                       "ModelDataUrl": f"{data}/"}
        else:
            out["PrimaryContainer"] = {"Image": image, "Mode": "SingleModel",
                                       "ModelDataUrl": f"{data}/model.tar.gz"}
        return out

    def _image(self, model: str, created: datetime) -> dict[str, Any]:
        fake = self._fake
        image = f"{fake.account_id}.dkr.ecr.{fake.region}.amazonaws.com/{model}:latest"
        digest = hashlib.sha256(image.encode()).hexdigest()
        return {"SpecifiedImage": image, "ResolvedImage": f"{image.rpartition(':')[0]}"
                f"@sha256:{digest}", "ResolutionTime": created}

    def _async(self, record: _Endpoint) -> dict[str, Any]:
        fake = self._fake
        return {"OutputConfig": {
            "S3OutputPath": f"s3://sagemaker-{fake.region}-{fake.account_id}/async/"
                            f"{record.name}"}}


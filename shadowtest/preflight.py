"""Preflight: what would make a shadow test fail after it was created, found before.

``CreateInferenceExperiment`` accepts an experiment that breaks one of the service's
restrictions and lets it fail minutes later, Cancelled, with a free-text
``StatusReason``. The config's own rules cannot see these: they depend on the account
(the endpoint, its variants and models, other experiments on it, the capture bucket).
The checks come from the developer guide's "Shadow test exclusions" (serverless,
asynchronous, Marketplace-container, multi-container, multi-model, Inf1 and Elastic
Inference endpoints cannot be shadow-tested), "Create a shadow test" (one production and
one shadow variant per endpoint) and "Best practices" (the same instance type and count
as production; sampling at 100 % before promoting).

The module has a pure core and a thin reading shell:

- :func:`findings` takes a config and an :class:`Account` — what the reads returned, in
  the service's response shapes (``DescribeEndpoint``, ``DescribeEndpointConfig``,
  ``DescribeModel``, ``DescribeInferenceExperiment``, ``HeadBucket``) — and returns every
  :class:`Finding`, each saying what to do. No I/O, no clock.
- :func:`read_account` makes those reads, the independent ones at once on a small thread
  pool, at most one request per resource (plus the list's pages and one describe per
  live experiment), through a ``call`` function the client gives it.
- :func:`diagnose` reads a Cancelled experiment's ``StatusReason`` back as the check it
  most likely failed, with the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final, Literal

import attrs

from shadowtest._aws.faults import THROTTLING_CODES, TRANSIENT_CODES
from shadowtest._displayed import Displayed
from shadowtest.errors import MalformedResponseError, PreflightError, error_code

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient

    from shadowtest._card import Card
    from shadowtest.config import InferenceExperimentConfig, ModelVariantConfig

__all__ = [
    "CHECKS",
    "NOT_FOUND",
    "Account",
    "Finding",
    "Preflight",
    "Unread",
    "capture_bucket",
    "diagnose",
    "findings",
    "preflight_error",
    "read_account",
    "run",
    "unread",
]

Severity = Literal["error", "warning"]

CHECKS: Final[Mapping[str, str]] = {
    "endpoint": "the endpoint exists",
    "endpoint-status": "the endpoint is InService",
    "endpoint-kind": "the endpoint is a real-time, instance-backed one (not serverless, "
                     "asynchronous, Inf1 or Elastic Inference)",
    "endpoint-variants": "the endpoint has one production variant and no shadow variant",
    "production-variant": "the config's production variant is the endpoint's and serves "
                          "the same model",
    "model": "both models exist",
    "model-kind": "each model is a single container in single-model mode, not from AWS "
                  "Marketplace",
    "other-experiment": "no other experiment is Created, Running or changing on the "
                        "endpoint",
    "capture-bucket": "the data-capture bucket exists",
    "instance-type": "the shadow runs on production's instance type",
    "instance-count": "the shadow runs on as many instances as production",
    "sampling": "the shadow receives 100 % of the requests",
    "data-capture": "data capture is on",
}
"""Every check preflight makes, by the name a :class:`Finding` carries in ``.check``, with
what it verifies (in the order findings are listed)."""

_ORDER: Final = {check: i for i, check in enumerate(CHECKS)}

#: Statuses in which an experiment holds its endpoint: it runs, will run, or is changing.
LIVE: Final = frozenset({"Creating", "Created", "Updating", "Starting", "Running", "Stopping"})


# -- the result ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Finding:
    """One thing preflight found: ``severity`` (``"error"``: the experiment would fail;
    ``"warning"``: it would run, but not as well as it could, or a check could not run),
    ``check`` (a name in :data:`CHECKS`) and ``message`` (what is wrong and what to do)."""

    severity: Severity = attrs.field(validator=attrs.validators.in_(("error", "warning")))
    check: str = attrs.field(validator=attrs.validators.in_(tuple(CHECKS)))
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.check}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        """``{"severity", "check", "message"}`` (strict JSON)."""
        return {"severity": self.severity, "check": self.check, "message": self.message}


def _sorted(found: Iterable[Finding]) -> tuple[Finding, ...]:
    # errors first, then in the order of CHECKS; equal ones keep the order they came in
    return tuple(sorted(found, key=lambda f: (f.severity != "error", _ORDER[f.check])))


@attrs.frozen(kw_only=True)
class Preflight(Displayed):
    """What :meth:`ExperimentClient.preflight` found for a config: ``findings`` (errors
    first) and ``ok`` (no error: creating it would not fail for any reason preflight
    checks; warnings may remain). ``name`` and ``endpoint_name`` are the config's.
    ``checked`` is false when no read of the account answered (each was refused or
    failed): then nothing about the account was checked, a warning says so for each
    check and the summary says "nothing checked" instead of "ok to create"; ``ok``
    still means only "no error" (SPEC §13: a check that could not run is a warning).

    >>> result = client.preflight(config)      # doctest: +SKIP
    >>> result.ok, [f.check for f in result.findings]   # doctest: +SKIP
    (False, ['other-experiment', 'sampling'])
    """

    name: str
    endpoint_name: str
    findings: tuple[Finding, ...] = attrs.field(converter=_sorted)
    checked: bool = True

    @property
    def ok(self) -> bool:
        """No finding of severity ``"error"`` (see ``checked`` for whether the account
        could be read at all)."""
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings of severity ``"error"``."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings of severity ``"warning"``."""
        return tuple(f for f in self.findings if f.severity == "warning")

    def __bool__(self) -> bool:
        return self.ok

    def to_dict(self) -> dict[str, object]:
        """``{"name", "endpoint_name", "ok", "checked", "findings": [...]}`` (strict
        JSON)."""
        return {"name": self.name, "endpoint_name": self.endpoint_name, "ok": self.ok,
                "checked": self.checked, "findings": [f.to_dict() for f in self.findings]}

    def _card(self, now: datetime | None = None) -> Card:
        """The result and the findings, errors first (``str()`` is this as text)."""
        from shadowtest._card import Card, Table

        n_errors, n_warnings = len(self.errors), len(self.warnings)
        verdict = ("ok" if not self.findings else
                   f"{n_errors} error{'s' * (n_errors != 1)}, "
                   f"{n_warnings} warning{'s' * (n_warnings != 1)}")
        if not self.checked:
            result = (f"nothing checked: no read of the account answered ({verdict}); grant "
                      "the IAM actions the warnings name, or run preflight again")
        elif n_errors:
            result = verdict
        else:
            result = f"ok to create ({verdict})" if self.findings else \
                "ok to create: nothing found"
        facts: list[tuple[str, object]] = [("result", result), ("endpoint", self.endpoint_name)]
        tables = [Table(None, ("severity", "check", "what to do"),
                        [(f.severity, f.check, f.message) for f in self.findings])
                  ] if self.findings else []
        return Card(f"Preflight of {self.name}", facts, tables)


def preflight_error(preflight: Preflight) -> PreflightError:
    """The error :meth:`ExperimentClient.apply` raises for a preflight that found errors:
    its message lists them."""
    lines = "\n".join(f"  {f.check}: {f.message}" for f in preflight.errors)
    n = len(preflight.errors)
    return PreflightError(
        f"not creating inference experiment {preflight.name!r}: preflight found {n} "
        f"error{'s' * (n != 1)}, each of which would make it fail after creation; nothing "
        f"was sent (apply(..., preflight=False) skips the checks):\n{lines}",
        preflight=preflight)


# -- what the reads returned -------------------------------------------------------------------


class _NotFound:
    """The service said the resource does not exist."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_FOUND"

    def __reduce__(self) -> str:
        return "NOT_FOUND"


NOT_FOUND: Final = _NotFound()
"""A read whose answer was: no such resource."""


@attrs.frozen(kw_only=True)
class Unread:
    """A read that gave no answer: ``action`` (the IAM action, ``"sagemaker:DescribeModel"``),
    the error ``code`` and ``message``, and whether the caller lacks the permission
    (``denied``), or it failed in a way that passes (``transient``: throttled after
    botocore's retries, a 5xx answer, no connection)."""

    action: str
    code: str
    message: str = ""
    denied: bool = False
    transient: bool = False

    def why(self) -> str:
        """The reason in words, for a finding's message."""
        said = f" ({_short(self.message)})" if self.message else ""
        if self.denied:
            return (f"{self.code}{said}: the caller may not call {self.action}; grant it "
                    "(e.g. in the role's IAM policy) to have this checked")
        if self.transient:
            return (f"{self.action} failed with {self.code}{said} after botocore's "
                    "retries; run preflight again")
        return f"{self.action} failed with {self.code}{said}"


#: One read's answer: the response, NOT_FOUND, or Unread.
Read = Mapping[str, object] | _NotFound | Unread


@attrs.frozen(kw_only=True)
class Account:
    """What preflight read of the account, in the service's response shapes.

    ``endpoint``: the ``DescribeEndpoint`` response; ``endpoint_config``: the
    ``DescribeEndpointConfig`` response of the endpoint's config (``None`` when it was not
    read because the endpoint could not be); ``models``: ``DescribeModel`` by model name;
    ``experiments``: the ``DescribeInferenceExperiment`` responses of the live experiments
    (each may be :class:`Unread`), or one :class:`Unread` when listing failed;
    ``bucket``: ``True`` when ``HeadBucket`` found the capture bucket, or NOT_FOUND /
    :class:`Unread` (``None`` when the config captures no data).
    """

    endpoint: Read
    endpoint_config: Read | None = None
    models: Mapping[str, Read] = attrs.field(factory=dict)
    experiments: Sequence[Read] | Unread = ()
    bucket: bool | _NotFound | Unread | None = None

    @property
    def answered(self) -> bool:
        """Whether any read answered (a response, or "no such resource"); false when each
        was refused or failed, and nothing about the account could be checked."""
        reads: list[object] = [self.endpoint, *self.models.values()]
        reads += [read for read in (self.endpoint_config, self.bucket) if read is not None]
        return not isinstance(self.experiments, Unread) or any(
            not isinstance(read, Unread) for read in reads)


# -- reading response shapes (the responses are the service's; read, never trusted blindly) ---


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _maps(value: object) -> list[Mapping[str, object]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _names(items: Iterable[str]) -> str:
    shown = [repr(item) for item in items]
    return ", ".join(shown) if shown else "none"


def _account_of(arn: object) -> str | None:
    """The account id of an ARN (``arn:partition:service:region:account:...``)."""
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 5 and parts[4] else None


# -- the checks (pure: config and account in, findings out) --------------------------------------


def _variants(config: InferenceExperimentConfig) -> tuple[
        int, ModelVariantConfig, int, ModelVariantConfig]:
    """``(index, variant)`` of the production (source) and of the shadow variant."""
    roles = config.shadow_mode_config
    by_name = {v.variant_name: (i, v) for i, v in enumerate(config.model_variants)}
    source = by_name[roles.source_model_variant_name]
    shadow = by_name[roles.shadow_model_variant_name]
    return (*source, *shadow)


def _not_checked(check: str, what: str, unread: Unread) -> Finding:
    return Finding(severity="warning", check=check,
                   message=f"could not check that {what}: {unread.why()}")


def check_endpoint(config: InferenceExperimentConfig, endpoint: Read) -> list[Finding]:
    """The endpoint exists and is InService."""
    name = config.endpoint_name
    if isinstance(endpoint, Unread):
        return [_not_checked("endpoint", f"endpoint {name!r} exists, is InService and can "
                             "run a shadow test", endpoint)]
    if endpoint is NOT_FOUND:
        return [Finding(severity="error", check="endpoint", message=(
            f"endpoint {name!r} does not exist in this account and region: create it "
            "(CreateEndpoint) with the production variant first, or set endpoint_name to "
            "the endpoint that serves production"))]
    data = _map(endpoint)
    status = _str(data.get("EndpointStatus"))
    if status == "InService":
        return []
    if status == "Failed":
        reason = _str(data.get("FailureReason"))
        todo = (f"it failed{f' ({_short(reason)})' if reason else ''}: fix the cause and "
                "update or re-create the endpoint")
    elif status in ("Creating", "Updating", "SystemUpdating", "RollingBack"):
        todo = "wait until it is InService (the EndpointInService waiter), then create"
    elif status == "Deleting":
        todo = "it is being deleted: create the endpoint again, or use another one"
    else:
        todo = "bring it back InService (UpdateEndpoint), or use another endpoint"
    return [Finding(severity="error", check="endpoint-status", message=(
        f"endpoint {name!r} is {status or 'of no known status'}; a shadow test needs it "
        f"InService: {todo}"))]


def check_endpoint_kind(config: InferenceExperimentConfig, endpoint: Read,
                        endpoint_config: Read | None) -> list[Finding]:
    """The endpoint is of a kind shadow tests run on: not serverless, asynchronous, Inf1 or
    Elastic Inference (the developer guide's "Shadow test exclusions")."""
    if not isinstance(endpoint, Mapping):
        return []  # check_endpoint reported it
    name = config.endpoint_name
    if isinstance(endpoint_config, Unread):
        return [_not_checked("endpoint-kind", f"endpoint {name!r} is not serverless, "
                             "asynchronous, Inf1 or Elastic Inference, and which model and "
                             "instance type its production variant has", endpoint_config)]
    settings = _map(endpoint_config)
    found: list[Finding] = []

    def excluded(what: str) -> None:
        found.append(Finding(severity="error", check="endpoint-kind", message=(
            f"endpoint {name!r} {what}, and shadow tests exclude such endpoints (the "
            "service refuses or cancels the test): run the test on a real-time endpoint "
            "with instances, e.g. a copy of production on an ml.m5/ml.c5/ml.g5 instance "
            "type")))

    live = _maps(endpoint.get("ProductionVariants"))
    configured = _maps(settings.get("ProductionVariants"))
    serverless = [v.get("VariantName") for v in configured if "ServerlessConfig" in v] + [
        v.get("VariantName") for v in live
        if "CurrentServerlessConfig" in v or "DesiredServerlessConfig" in v]
    if serverless:
        excluded(f"is serverless (variant {_names(dict.fromkeys(map(str, serverless)))} has a "
                 "ServerlessConfig)")
    if "AsyncInferenceConfig" in endpoint or "AsyncInferenceConfig" in settings:
        excluded("is asynchronous (it has an AsyncInferenceConfig)")
    inf1 = sorted({t for v in configured for t in _instance_types(v) if _is_inf1(t)})
    if inf1:
        excluded(f"runs on Inf1 (Inferentia) instances ({_names(inf1)})")
    accelerators = sorted({a for v in configured
                           if (a := _str(v.get("AcceleratorType"))) is not None})
    if accelerators:
        excluded(f"uses Amazon Elastic Inference (accelerator {_names(accelerators)})")
    return found


def _instance_types(variant: Mapping[str, object]) -> list[str]:
    types = [_str(variant.get("InstanceType"))] + [
        _str(pool.get("InstanceType")) for pool in _maps(variant.get("InstancePools"))]
    return [t for t in types if t]


def _is_inf1(instance_type: str) -> bool:
    return instance_type.startswith("ml.inf1.")


def check_endpoint_variants(config: InferenceExperimentConfig, endpoint: Read,
                            endpoint_config: Read | None,
                            experiments: Sequence[Read] | Unread = ()) -> list[Finding]:
    """The endpoint has one production variant and no shadow variant ("For an endpoint with
    a shadow variant, there can be a maximum of one production variant"), and the config's
    production variant is it, serving the config's model. A shadow variant that a live
    experiment on the endpoint put there is that experiment's finding, not this one."""
    if not isinstance(endpoint, Mapping):
        return []
    name = config.endpoint_name
    i, source, _, _ = _variants(config)
    live = [v for v in (_str(v.get("VariantName")) for v in
                        _maps(endpoint.get("ProductionVariants"))) if v]
    settings = endpoint_config if isinstance(endpoint_config, Mapping) else {}
    configured = {v: variant for variant in _maps(settings.get("ProductionVariants"))
                  if (v := _str(variant.get("VariantName")))}
    names = live or list(configured)
    tested = _live_shadows(name, experiments)
    shadows = [v for v in (_str(v.get("VariantName")) for v in
                           _maps(endpoint.get("ShadowProductionVariants")))
               if v and v not in tested]
    found: list[Finding] = []
    if len(names) > 1:
        found.append(Finding(severity="error", check="endpoint-variants", message=(
            f"endpoint {name!r} has {len(names)} production variants ({_names(names)}), and "
            "an endpoint with a shadow variant may have only one: route all traffic to one "
            "variant and remove the others (UpdateEndpoint), or test on another endpoint")))
    if shadows:
        found.append(Finding(severity="error", check="endpoint-variants", message=(
            f"endpoint {name!r} already has a shadow variant ({_names(shadows)}), and an "
            "endpoint takes one: remove it (UpdateEndpoint with an endpoint config without "
            "ShadowProductionVariants) before creating the test")))
    if not names:
        return found
    if source.variant_name not in names:
        only = names[0] if len(names) == 1 else None
        todo = (f"set model_variants[{i}].variant_name and shadow_mode_config."
                f"source_model_variant_name to {only!r}" if only else
                "name one of them as the production (source) variant")
        found.append(Finding(severity="error", check="production-variant", message=(
            f"production variant {source.variant_name!r} is not a variant of endpoint "
            f"{name!r} (its variants: {_names(names)}): {todo}")))
        return found
    if isinstance(endpoint_config, Unread):
        return found  # check_endpoint_kind said the config could not be read
    served = _str(configured.get(source.variant_name, {}).get("ModelName"))
    if served is not None and served != source.model_name:
        found.append(Finding(severity="error", check="production-variant", message=(
            f"variant {source.variant_name!r} of endpoint {name!r} serves model {served!r}, "
            f"not {source.model_name!r}: set model_variants[{i}].model_name to {served!r} "
            "(the production side is what the endpoint serves; to try "
            f"{source.model_name!r}, make it the shadow)")))
    return found


def _live_shadows(endpoint_name: str, experiments: Sequence[Read] | Unread) -> set[str]:
    """The shadow variant names of the live experiments on the endpoint (the config's own
    name included: apply replaces it)."""
    if isinstance(experiments, Unread):
        return set()
    found = set()
    for read in experiments:
        data = _map(read)
        if (_str(_map(data.get("EndpointMetadata")).get("EndpointName")) == endpoint_name
                and data.get("Status") in LIVE):
            for shadow in _maps(_map(data.get("ShadowModeConfig")).get("ShadowModelVariants")):
                name = _str(shadow.get("ShadowModelVariantName"))
                if name:
                    found.add(name)
    return found


def check_models(config: InferenceExperimentConfig,
                 models: Mapping[str, Read]) -> list[Finding]:
    """Both models exist, and each one's containers are of a kind shadow tests run (one
    container, single-model mode, not an AWS Marketplace model package)."""
    found: list[Finding] = []
    roles = {v.model_name: (i, v.variant_name) for i, v in
             enumerate(config.model_variants)}
    for model, (i, variant) in roles.items():
        read = models.get(model)
        if read is None:
            continue  # not read: nothing to say
        if isinstance(read, Unread):
            found.append(_not_checked("model", f"model {model!r} exists", read))
        elif read is NOT_FOUND:
            found.append(Finding(severity="error", check="model", message=(
                f"model {model!r} (variant {variant!r}) does not exist in this account and "
                f"region: create it (CreateModel) first, or fix model_variants[{i}]."
                "model_name")))
    # the kinds of every model read: the config's and those the endpoint serves
    for model, read in models.items():
        if isinstance(read, Mapping):
            found += _model_kind(model, read)
    return found


def _model_kind(model: str, data: Mapping[str, object]) -> list[Finding]:
    containers = _maps(data.get("Containers"))
    primary = data.get("PrimaryContainer")
    if isinstance(primary, Mapping):
        containers = [primary, *containers]
    found: list[Finding] = []

    def excluded(what: str, todo: str) -> None:
        found.append(Finding(severity="error", check="model-kind", message=(
            f"model {model!r} {what}, and shadow tests exclude such endpoints: {todo}")))

    if len(containers) > 1:
        excluded(f"has {len(containers)} containers (a multi-container endpoint or inference "
                 "pipeline)", "test a model with one container")
    if any(c.get("Mode") == "MultiModel" for c in containers):
        excluded("serves in MultiModel mode (a multi-model endpoint)",
                 "test a model in SingleModel mode (the Mode of its container)")
    own = _account_of(data.get("ModelArn"))
    foreign = sorted({package for c in containers
                      if (package := _str(c.get("ModelPackageName")))
                      and _account_of(package) not in (None, own)})
    if foreign:
        excluded(f"is made from model package {_names(foreign)} of another account, as AWS "
                 "Marketplace models are", "test a model whose container image is yours "
                 "(if the package is your own, from another of your accounts, the service "
                 "may accept it: apply(..., preflight=False) skips the checks)")
    return found


def check_experiments(config: InferenceExperimentConfig,
                      experiments: Sequence[Read] | Unread) -> list[Finding]:
    """No other experiment is Created, Running or changing on the endpoint: an endpoint
    takes one shadow test at a time."""
    name = config.endpoint_name
    if isinstance(experiments, Unread):
        return [_not_checked("other-experiment", "no other experiment uses endpoint "
                             f"{name!r}", experiments)]
    found: list[Finding] = []
    for read in experiments:
        if isinstance(read, Unread):
            found.append(_not_checked("other-experiment",
                                      f"a live experiment is not on endpoint {name!r}", read))
            continue
        if not isinstance(read, Mapping):
            continue  # deleted between the list and the describe
        other = _str(read.get("Name"))
        status = _str(read.get("Status"))
        endpoint = _str(_map(read.get("EndpointMetadata")).get("EndpointName"))
        if endpoint != name or other == config.name or status not in LIVE:
            continue
        if status == "Running":
            todo = (f"conclude it first (client.conclude({other!r})) or wait for its end, "
                    "then create this one")
        elif status == "Created":
            todo = (f"delete it (client.delete({other!r})) if it is not wanted, or wait "
                    "until it has run")
        else:
            todo = "wait until it settles, then see which it is"
        found.append(Finding(severity="error", check="other-experiment", message=(
            f"inference experiment {other!r} is {status} on endpoint {name!r}, and an "
            f"endpoint takes one shadow test at a time: {todo}")))
    return found


def capture_bucket(destination: str) -> str | None:
    """The S3 bucket of a data-capture destination: ``s3://bucket/prefix``, or an
    ``https://`` URL in virtual-hosted (``bucket.s3[.region].amazonaws.com``) or path
    style (``s3[.region].amazonaws.com/bucket``); ``None`` when it names no bucket.

    >>> capture_bucket("s3://ml-captures/churn"), capture_bucket(
    ...     "https://ml-captures.s3.eu-west-1.amazonaws.com/churn")
    ('ml-captures', 'ml-captures')
    """
    scheme, _, rest = destination.partition("://")
    host, _, path = rest.partition("/")
    if scheme == "s3":
        return host or None
    if scheme != "https":
        return None
    host = host.lower()
    match = _VIRTUAL_HOSTED.fullmatch(host)
    if match:
        return match.group(1)
    if _PATH_STYLE.fullmatch(host):
        return path.partition("/")[0] or None
    return None


_VIRTUAL_HOSTED: Final = re.compile(r"(.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?")
_PATH_STYLE: Final = re.compile(r"s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?")


def check_capture(config: InferenceExperimentConfig,
                  bucket: bool | _NotFound | Unread | None) -> list[Finding]:
    """Data capture is on (else predictions cannot be compared), and its bucket exists."""
    storage = config.data_storage_config
    if storage is None:
        return [Finding(severity="warning", check="data-capture", message=(
            "no data capture: the two models' predictions cannot be compared "
            "(compare_predictions) and a failure cannot be replayed; add data_storage_config="
            "DataStorageConfig(destination='s3://bucket/prefix')"))]
    name = capture_bucket(storage.destination)
    if name is None:
        return [Finding(severity="warning", check="capture-bucket", message=(
            f"could not tell the S3 bucket of destination {storage.destination!r}: use "
            "s3://bucket/prefix to have it checked"))]
    if isinstance(bucket, Unread):
        return [_not_checked("capture-bucket", f"bucket {name!r} exists", bucket)]
    if bucket is NOT_FOUND:
        return [Finding(severity="error", check="capture-bucket", message=(
            f"the capture destination's bucket {name!r} does not exist: create it in the "
            "endpoint's region (aws s3 mb s3://" f"{name}), or fix data_storage_config."
            "destination"))]
    return []


def check_instances(config: InferenceExperimentConfig, endpoint: Read,
                    endpoint_config: Read | None) -> list[Finding]:
    """The shadow runs on production's instance type and count ("Best practices": so that
    it is known to handle the traffic after promotion). Production is what the endpoint
    runs when it could be read, else the config's production variant."""
    _, source, j, shadow = _variants(config)
    kind, count = source.instance_type, source.instance_count
    where = "production"
    if isinstance(endpoint, Mapping):
        live = {_str(v.get("VariantName")): v for v in _maps(endpoint.get("ProductionVariants"))}
        running = _int(live.get(source.variant_name, {}).get("CurrentInstanceCount"))
        settings = endpoint_config if isinstance(endpoint_config, Mapping) else {}
        configured = {_str(v.get("VariantName")): v
                      for v in _maps(settings.get("ProductionVariants"))}
        variant = configured.get(source.variant_name)
        if running is not None or variant is not None:
            where = f"production ({source.variant_name!r} on endpoint {config.endpoint_name!r})"
        if variant is not None:
            kind = _str(variant.get("InstanceType")) or kind
            count = running or _int(variant.get("InitialInstanceCount")) or count
        elif running is not None:
            count = running
    found: list[Finding] = []
    if shadow.instance_type != kind:
        found.append(Finding(severity="warning", check="instance-type", message=(
            f"the shadow runs on {shadow.instance_type}, {where} on {kind}: unless the test "
            "is about the instance type, use the same one, so the shadow is measured as it "
            f"would serve after promotion (model_variants[{j}].instance_type={kind!r})")))
    if shadow.instance_count != count:
        found.append(Finding(severity="warning", check="instance-count", message=(
            f"the shadow runs on {shadow.instance_count} instance"
            f"{'s' * (shadow.instance_count != 1)}, {where} on {count}: use as many, so the "
            "shadow is known to handle production's load after promotion "
            f"(model_variants[{j}].instance_count={count})")))
    return found


def check_sampling(config: InferenceExperimentConfig) -> list[Finding]:
    """The shadow receives 100 % of the requests before it is promoted."""
    percentage = config.shadow_mode_config.sampling_percentage
    if percentage >= 100:
        return []
    return [Finding(severity="warning", check="sampling", message=(
        f"the shadow receives {percentage} % of the requests, so a promotion is judged on "
        "less traffic than it will serve: start lower if you like, but raise it to 100 "
        "before promoting (update the experiment's shadow_mode_config to "
        "config.with_sampling(100).shadow_mode_config)"))]


def findings(config: InferenceExperimentConfig, account: Account) -> tuple[Finding, ...]:
    """Every finding for ``config`` on ``account``, errors first (pure: no I/O, no clock)."""
    return _sorted([
        *check_endpoint(config, account.endpoint),
        *check_endpoint_kind(config, account.endpoint, account.endpoint_config),
        *check_endpoint_variants(config, account.endpoint, account.endpoint_config,
                                 account.experiments),
        *check_models(config, account.models),
        *check_experiments(config, account.experiments),
        *check_capture(config, account.bucket),
        *check_instances(config, account.endpoint, account.endpoint_config),
        *check_sampling(config),
    ])


# -- reading the account -----------------------------------------------------------------------

#: How many reads run at once: a preflight has at most five independent ones, plus one
#: describe per live experiment.
MAX_WORKERS: Final = 8

def read_account(
    config: InferenceExperimentConfig,
    read: Callable[[str, str, Mapping[str, object]], Read],
    *,
    list_live: Callable[[], Sequence[str] | Unread],
    max_workers: int = MAX_WORKERS,
) -> Account:
    """Read what the checks need, the independent reads at once on a small thread pool.

    ``read(service, operation, params)`` makes one request (``"sagemaker"``,
    ``"DescribeEndpoint"``, ``{"EndpointName": ...}``) and returns its :data:`Read`;
    ``list_live()`` returns the names of the account's live experiments (listing every
    page), or :class:`Unread`. Requests: DescribeEndpoint, then DescribeEndpointConfig of
    its config; DescribeModel once per model (the config's two, and any other model the
    endpoint's production variant serves); the list, then one DescribeInferenceExperiment
    per live experiment (the list does not say which endpoint an experiment is on);
    HeadBucket of the capture bucket. ``max_workers=1`` reads one at a time (the
    benchmark's comparison).
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    models: dict[str, Future[Read]] = {}
    with ThreadPoolExecutor(max_workers=max_workers,
                            thread_name_prefix="shadowtest-preflight") as pool:

        def model(name: str) -> None:
            if name not in models:
                models[name] = pool.submit(read, "sagemaker", "DescribeModel",
                                           {"ModelName": name})

        endpoint_f = pool.submit(read, "sagemaker", "DescribeEndpoint",
                                 {"EndpointName": config.endpoint_name})
        for variant in config.model_variants:
            model(variant.model_name)
        live_f = pool.submit(list_live)
        bucket_f: Future[Read] | None = None
        storage = config.data_storage_config
        bucket = capture_bucket(storage.destination) if storage is not None else None
        if bucket is not None:
            bucket_f = pool.submit(read, "s3", "HeadBucket", {"Bucket": bucket})

        endpoint = endpoint_f.result()
        config_f: Future[Read] | None = None
        if isinstance(endpoint, Mapping):
            name = _str(endpoint.get("EndpointConfigName"))
            if name:
                config_f = pool.submit(read, "sagemaker", "DescribeEndpointConfig",
                                       {"EndpointConfigName": name})
        live = live_f.result()
        describes = [] if isinstance(live, Unread) else [
            pool.submit(read, "sagemaker", "DescribeInferenceExperiment", {"Name": other})
            for other in live]
        endpoint_config = config_f.result() if config_f is not None else None
        if isinstance(endpoint_config, Mapping):
            for entry in _maps(endpoint_config.get("ProductionVariants")):
                served = _str(entry.get("ModelName"))
                if served:
                    model(served)
        experiments: Sequence[Read] | Unread = (
            live if isinstance(live, Unread) else [f.result() for f in describes])
        bucket_read = bucket_f.result() if bucket_f is not None else None
        return Account(
            endpoint=endpoint, endpoint_config=endpoint_config,
            models={name: f.result() for name, f in models.items()},
            experiments=experiments,
            bucket=True if isinstance(bucket_read, Mapping) else bucket_read)


def unread(service: str, operation: str, code: str, message: str,
           http_status: int | None = None) -> _NotFound | Unread:
    """What an error answer to one read means: NOT_FOUND when it says the resource does not
    exist, else :class:`Unread` (``denied`` for AccessDenied and HTTP 403)."""
    if code in _NOT_FOUND_CODES.get(service, ()) or (
            service == "sagemaker" and code == "ValidationException"
            and _COULD_NOT_FIND.search(message)):
        return NOT_FOUND
    return Unread(action=_ACTIONS.get(operation, f"{service}:{operation}"),
                  code=code or f"HTTP {http_status}", message=message,
                  denied=code in _DENIED_CODES or http_status == 403,
                  transient=code in THROTTLING_CODES or code in TRANSIENT_CODES
                  or (http_status or 0) >= 500)


# SageMaker answers a describe of a missing endpoint, endpoint config or model with a
# ValidationException "Could not find endpoint ..." (those operations model no error), and
# of a missing experiment with ResourceNotFound; S3's HeadBucket answers 404 with no body.
_COULD_NOT_FIND: Final = re.compile(r"could not find|does not exist", re.IGNORECASE)
_NOT_FOUND_CODES: Final[Mapping[str, tuple[str, ...]]] = {
    "sagemaker": ("ResourceNotFound",),
    "s3": ("404", "NoSuchBucket", "NotFound"),
}
_DENIED_CODES: Final = frozenset({"AccessDenied", "AccessDeniedException", "403",
                                  "UnauthorizedOperation", "Forbidden"})
# the IAM action each read needs (HeadBucket is allowed by s3:ListBucket)
_ACTIONS: Final = {"HeadBucket": "s3:ListBucket"}
def run(config: InferenceExperimentConfig, *, sagemaker: SageMakerClient,
        s3: Callable[[], S3Client], max_workers: int = MAX_WORKERS) -> Preflight:
    """Read the account with these boto3 clients (``s3`` is asked for only when the config
    captures data) and return every finding. Each error answer becomes NOT_FOUND or
    :class:`Unread`; an error that no read can get past (no credentials, no region)
    propagates."""

    from shadowtest._aws import call, pages
    from shadowtest._aws import s3 as aws_s3
    from shadowtest._aws import sagemaker as aws_sm

    operations = {op.name: op for op in (
        aws_sm.DESCRIBE_ENDPOINT, aws_sm.DESCRIBE_ENDPOINT_CONFIG, aws_sm.DESCRIBE_MODEL,
        aws_sm.DESCRIBE, aws_s3.HEAD_BUCKET)}

    def read(service: str, operation: str, params: Mapping[str, object]) -> Read:
        client: object = sagemaker if service == "sagemaker" else s3()
        try:
            response: Mapping[str, object] = call(client, operations[operation], params)
        except Exception as error:
            return _read_failed(service, operation, error)
        return response

    def list_live() -> Sequence[str] | Unread:
        names: list[str] = []
        try:
            for page in pages(sagemaker, aws_sm.LIST, {"MaxResults": MAX_LIST_PAGE}):
                names += [item["Name"] for item in page["InferenceExperiments"]
                          if item.get("Status") in LIVE]
        except Exception as error:
            failed = _read_failed("sagemaker", "ListInferenceExperiments", error)
            if isinstance(failed, Unread):
                return failed
            raise error from None  # a list answers no "not found"
        return names

    account = read_account(config, read, list_live=list_live, max_workers=max_workers)
    return Preflight(name=config.name, endpoint_name=config.endpoint_name,
                     findings=findings(config, account), checked=account.answered)


#: The page size of the listing (the most ListInferenceExperiments allows).
MAX_LIST_PAGE: Final = 100


def _read_failed(service: str, operation: str, error: Exception) -> _NotFound | Unread:
    from botocore.exceptions import ConnectionError, HTTPClientError

    from shadowtest._aws.faults import botocore_error

    cause = botocore_error(error)  # a translated refusal: the ClientError it came from
    response = getattr(cause, "response", None)
    if isinstance(response, Mapping):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return unread(service, operation, error_code(cause),
                      str(response.get("Error", {}).get("Message", "")),
                      status if isinstance(status, int) else None)
    if isinstance(error, (ConnectionError, HTTPClientError, MalformedResponseError)):
        # no answer (no connection, a read timeout), or one that could not be read
        return Unread(action=_ACTIONS.get(operation, f"{service}:{operation}"),
                      code=type(error).__name__, message=str(error), transient=True)
    raise error  # no credentials, no region: nothing can be read


# -- reading a StatusReason back ----------------------------------------------------------------


@attrs.frozen
class _Cause:
    pattern: re.Pattern[str]
    check: str
    cause: str


def _cause(pattern: str, check: str, cause: str) -> _Cause:
    return _Cause(re.compile(pattern, re.IGNORECASE), check, cause)


# No source records the service's StatusReason texts. Each pattern asks for the phrase the
# developer guide's exclusions, the API's field names or a service error would use for
# its check (SPEC §13), in that sense: a lone word ("variant", "S3", "async", "in
# service") is in a stop's own Reason as often as in a failure's, and says nothing about
# the cause. Most specific first; the first match wins.
_MISSING: Final = r"(?:not (?:be )?found|does ?n[o']t exist|could not find|no such)"
DIAGNOSES: Final = (
    _cause(r"\bserverless (?:endpoints?|inference|config)|\bServerlessConfig\b",
           "endpoint-kind", "the endpoint is serverless, and shadow tests exclude "
           "serverless endpoints"),
    _cause(r"\basynchronous (?:endpoints?|inference)|\basync inference|"
           r"\bAsyncInferenceConfig\b", "endpoint-kind", "the endpoint is asynchronous, and "
           "shadow tests exclude asynchronous endpoints"),
    _cause(r"\binf1\b", "endpoint-kind", "the endpoint runs on Inf1 instances, which shadow "
           "tests exclude"),
    _cause(r"\belastic inference\b|\bAcceleratorType\b|\bml\.eia\d", "endpoint-kind",
           "the endpoint uses Elastic Inference, which shadow tests exclude"),
    _cause(r"\bmulti-?model (?:endpoints?|mode)|\bMultiModel\b", "model-kind",
           "a model is served in multi-model mode, which shadow tests exclude"),
    _cause(r"\bmulti-?container|\bmultiple containers|\bmore than one container|"
           r"\binference pipeline", "model-kind", "a model has several containers, which "
           "shadow tests exclude"),
    _cause(r"\bmarketplace\b", "model-kind", "a model comes from AWS Marketplace, "
           "which shadow tests exclude"),
    _cause(r"\b(?:another|existing|other|active) (?:inference experiment|shadow test)|"
           r"\balready has an? (?:active |running )?(?:inference experiment|shadow test)",
           "other-experiment", "another experiment was on the endpoint"),
    _cause(rf"\bno ?such ?bucket\b|\bbucket\b[^.]*\b(?:{_MISSING}|access denied)|"
           rf"(?:{_MISSING}|access denied)[^.]*\bbucket\b|"
           r"\b(?:data capture|capture destination|DataStorageConfig)\b[^.]*(?:\bs3://|"
           r"\bbucket\b|access denied)", "capture-bucket", "the data-capture destination "
           "could not be written"),
    _cause(rf"\bmodel\b[^.]*\b{_MISSING}|\b{_MISSING}[^.]*\bmodel\b", "model",
           "a model did not exist"),
    _cause(rf"\bvariant\b[^.]*\b(?:{_MISSING}|is not (?:one|part) of|not (?:on|in) "
           r"(?:the )?endpoint)|\b(?:could not find|no such|unknown) (?:production |source )?"
           r"variant", "production-variant", "the production variant was not the "
           "endpoint's, or served another model"),
    _cause(rf"\bendpoint\b[^.]*\b{_MISSING}|\b{_MISSING}[^.]*\bendpoint\b", "endpoint",
           "the endpoint did not exist"),
    _cause(r"\bnot (?:in ?service)\b|\bOutOfService\b|\bendpoint\b[^.]*\b(?:status|is) "
           r"(?:Updating|Creating|Failed|Deleting|RollingBack|SystemUpdating)\b",
           "endpoint-status", "the endpoint was not InService"),
)


def diagnose(status_reason: str | None) -> Finding | None:
    """The likely cause of a Cancelled experiment, read from its ``StatusReason``, as the
    :class:`Finding` of the check it matches — or ``None`` when the reason matches none
    (a stop's own Reason, for instance). The fix is always the same: run preflight on
    the experiment's config to see which check fails now."""
    if not status_reason:
        return None
    for cause in DIAGNOSES:
        if cause.pattern.search(status_reason):
            return Finding(severity="error", check=cause.check, message=(
                f"likely cause: {cause.cause} ({CHECKS[cause.check]} is what preflight "
                "checks). Run client.preflight(experiment.to_config(name=...)) or `shadowtest "
                "preflight FILE` to see which check fails now, fix it, and create the "
                "experiment again"))
    return None

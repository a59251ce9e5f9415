"""ExperimentClient: the shadow-test lifecycle; outside ``shadowtest.testing``, the only
module that calls boto3.

Every method refuses, before anything is sent, what the service would refuse
or no user could mean, and turns the service's errors into the
classes of :mod:`shadowtest.errors`.

>>> from shadowtest import ExperimentClient
>>> client = ExperimentClient()  # a SageMaker client from the default boto3 session, on first use
"""

from __future__ import annotations

import builtins
import logging
import random as _random
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, Literal

from shadowtest._checks import Checker, show
from shadowtest._responses import arn_of, check_describe, check_summaries
from shadowtest.config import (
    EXPERIMENT_NAME,
    MAX_LIST_RESULTS,
    NAME_CONTAINS,
    SORT_BY,
    SORT_ORDER,
    DataStorageConfig,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest.errors import (
    ExperimentAlreadyExistsError,
    ExperimentConflictError,
    ExperimentNotFoundError,
    InvalidStatusError,
    MalformedResponseError,
    ShadowTestError,
    translate_client_error,
)
from shadowtest.experiment import InferenceExperiment, InferenceExperimentSummary, summaries
from shadowtest.listing import ExperimentList
from shadowtest.rules import (
    botocore_instance_types,
    check_stop_arguments,
    instance_type_problems,
    schedule_problems_at,
    stop_target_problems,
)
from shadowtest.status import TERMINAL, ExperimentStatus, VariantAction, check_operation

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.paginator import ListInferenceExperimentsPaginator
    from mypy_boto3_sns import SNSClient

    from shadowtest.capture import PredictionComparison
    from shadowtest.capture.decode import Decoders
    from shadowtest.judgement import Judgement, Policy, Verdict
    from shadowtest.metrics import ExperimentMetrics
    from shadowtest.plan import Plan
    from shadowtest.preflight import Preflight
    from shadowtest.status import StatusName, StopState, VariantActionName
    from shadowtest.watch import Look, WatchResult

__all__ = ["ExperimentClient"]

log: Final = logging.getLogger("shadowtest")

_STATUSES: Final = ExperimentStatus._value2member_map_
# what apply waits for: the statuses that are not on their way to another
_SETTLED: Final = frozenset({ExperimentStatus.CREATED, ExperimentStatus.RUNNING, *TERMINAL})
_SETTLED_LIVE: Final = frozenset({ExperimentStatus.CREATED, ExperimentStatus.RUNNING})
_ACTIONS: Final = VariantAction._value2member_map_


def _client_error() -> type[ClientError]:
    # Evaluated only when an exception is being handled, so the happy path never pays for it
    from botocore.exceptions import ClientError

    return ClientError


# botocore's parser meets a body of the wrong shape with these (e.g. AttributeError for a
# string where a structure belongs, ValueError for a timestamp it cannot read)
_PARSE_ERRORS: Final = (AttributeError, TypeError, ValueError, KeyError, IndexError)
_API_NAMES: Final = {
    "create": "CreateInferenceExperiment", "describe": "DescribeInferenceExperiment",
    "update": "UpdateInferenceExperiment", "start": "StartInferenceExperiment",
    "stop": "StopInferenceExperiment", "delete": "DeleteInferenceExperiment",
    "list": "ListInferenceExperiments", "publish": "Publish",
}


def _unparsed(operation: str, error: Exception) -> MalformedResponseError:
    return MalformedResponseError(
        f"{operation} answered with a response botocore could not parse: "
        f"{type(error).__name__}: {show(str(error))}", operation=operation, field="")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ExperimentClient:
    """Create, watch, update, start, stop and delete SageMaker shadow tests.

    ``client`` is a boto3 SageMaker client (inject a stubbed or faked one in
    tests). Without one, a client is made on first use from ``session`` (a
    ``boto3.Session``) or the default session, with ``config`` (a
    ``botocore.config.Config``) and ``region_name`` if given.

    ``endpoint_url`` sends every service's requests there instead of to AWS (a local
    AWS-compatible server, such as ``python -m shadowtest.testing.server``); without
    it, boto3's own configuration applies, ``AWS_ENDPOINT_URL`` and
    ``AWS_ENDPOINT_URL_<SERVICE>`` included.

    ``clock`` and ``sleep`` are what :meth:`wait` uses to tell time and to pause
    (``time.monotonic`` and ``time.sleep``); tests pass fakes so waiting takes no
    real time; ``random`` (``random.random``) draws the jitter of :meth:`wait`'s
    backoff, so a test can fix it. ``now`` gives the current aware datetime for the
    rules that depend on the date (an end time must not have passed); it defaults to
    the UTC wall clock.
    """

    def __init__(
        self,
        client: SageMakerClient | None = None,
        *,
        session: boto3.Session | None = None,
        config: Config | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = _utc_now,
        random: Callable[[], float] = _random.random,
        cloudwatch: CloudWatchClient | None = None,
        s3: S3Client | None = None,
        sns: SNSClient | None = None,
    ) -> None:
        if client is not None and (session, config, region_name, endpoint_url) != (
                None, None, None, None):
            raise TypeError("give either a ready SageMaker client, or what to make one from "
                            "(session, config, region_name, endpoint_url), not both")
        if endpoint_url is not None:
            c = Checker()
            if not isinstance(endpoint_url, str) or not endpoint_url.startswith(
                    ("http://", "https://")):
                c.add("endpoint_url", f"got {show(endpoint_url)}; must be an http:// or "
                                      "https:// URL, such as 'http://127.0.0.1:5000'")
            c.raise_if_any("ExperimentClient arguments")
        self._endpoint_url = endpoint_url
        self._client = client
        self._cloudwatch = cloudwatch
        self._s3 = s3
        self._sns = sns
        # One lock for making the boto3 clients: eight threads making their first call at
        # once must make one client each, not eight.
        self._make_lock = threading.Lock()
        self._session = session
        self._config = config
        self._region_name = region_name
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._random = random
        self._instance_types: frozenset[str] | None = None
        self._paginator: ListInferenceExperimentsPaginator | None = None

    def __repr__(self) -> str:
        if self._client is None:
            return "ExperimentClient(<SageMaker client not made yet>)"
        return f"ExperimentClient(region={self._client.meta.region_name!r})"

    @property
    def sagemaker(self) -> SageMakerClient:
        """The boto3 SageMaker client, made on first use if none was given."""
        client = self._client
        if client is None:
            with self._make_lock:
                if self._client is None:
                    self._client = self._new_client("sagemaker")
                client = self._client
        return client

    @property
    def cloudwatch(self) -> CloudWatchClient:
        """The boto3 CloudWatch client (for :meth:`metrics`), made on first use if none was
        given: from the same session, config and region as the SageMaker client."""
        client = self._cloudwatch
        if client is None:
            with self._make_lock:
                if self._cloudwatch is None:
                    self._cloudwatch = self._new_client("cloudwatch")
                client = self._cloudwatch
        return client

    @property
    def s3(self) -> S3Client:
        """The boto3 S3 client (for reading data capture), made on first use if none was
        given: from the same session, config and region as the SageMaker client."""
        client = self._s3
        if client is None:
            with self._make_lock:
                if self._s3 is None:
                    self._s3 = self._new_client("s3")
                client = self._s3
        return client

    @property
    def sns(self) -> SNSClient:
        """The boto3 SNS client (for :meth:`watch`'s notifications to a topic), made on first
        use if none was given: from the same session, config and region as the SageMaker
        client."""
        client = self._sns
        if client is None:
            with self._make_lock:
                if self._sns is None:
                    self._sns = self._new_client("sns")
                client = self._sns
        return client

    def _new_client(self, service: Literal["sagemaker", "cloudwatch", "s3", "sns"]) -> Any:
        """A boto3 client for ``service``; called with ``_make_lock`` held."""
        region_name = self._region_name
        if self._client is not None and service != "sagemaker":
            # a ready SageMaker client was given: the other services follow its region
            region_name = self._client.meta.region_name
        if self._session is None:
            import boto3

            self._session = boto3.Session()
        session: Any = self._session  # the stubs type client() per literal service name only
        return session.client(service, config=self._config, region_name=region_name,
                              endpoint_url=self._endpoint_url)

    # -- the operations ---------------------------------------------------------------------

    def create(self, config: InferenceExperimentConfig) -> str:
        """Create the shadow test ``config`` describes; returns its ARN.

        Besides the config's own rules, checks what depends on the moment and on
        botocore: the instance types are in this client's service model, the end
        time is not in the past, and a schedule with only an end time lasts at
        most 30 days from now.
        """
        self._check_create(config, "create request")
        try:
            arn = self._call("create", config.name, self.sagemaker.create_inference_experiment,
                             config.to_boto3())
        except ExperimentAlreadyExistsError as error:
            # A resent create meets the experiment its lost first attempt made: that is
            # success when the experiment is the one asked for.
            live = self._after_resend(error, config.name)
            from shadowtest._retries import create_applied

            if live is None or not create_applied(config, live, self._now()):
                raise
            log.info("created inference experiment %r (the answer was lost; the resent "
                     "request found it created as asked)", config.name)
            return live.arn
        log.info("created inference experiment %r", config.name)
        return arn_of("CreateInferenceExperiment", arn)

    def _check_create(self, config: InferenceExperimentConfig, subject: str) -> None:
        """Raise :class:`ConfigValidationError` unless ``config`` can be created now."""
        c = Checker()
        if c.check_instance("config", config, InferenceExperimentConfig,
                            "an InferenceExperimentConfig"):
            c.problems += instance_type_problems(config.model_variants, self._known_types(),
                                                 "config.model_variants")
            if config.schedule is not None:
                c.problems += schedule_problems_at(config.schedule, self._now(),
                                                   "config.schedule")
        c.raise_if_any(subject)

    def preflight(self, config: InferenceExperimentConfig) -> Preflight:
        """Check ``config`` against the account before it is created: what would make the
        experiment fail after ``create`` accepted it (SPEC §13 of the project; the checks
        are :data:`shadowtest.preflight.CHECKS`). Only reads: DescribeEndpoint,
        DescribeEndpointConfig, DescribeModel, ListInferenceExperiments and a describe of
        each live experiment, and S3 HeadBucket of the capture bucket — the independent
        ones at once. A read refused for lack of a permission, or still throttled after
        botocore's retries, is a warning that its check could not run, never a pass.
        The config's own rules are checked first, as :meth:`create` checks them, and a
        config that breaks one is refused with nothing sent.

        >>> result = client.preflight(config)      # doctest: +SKIP
        >>> print(result)                          # doctest: +SKIP
        """
        from shadowtest.preflight import run

        self._check_create(config, "preflight arguments")
        result = run(config, sagemaker=self.sagemaker, s3=lambda: self.s3)
        log.info("preflight of inference experiment %r: %d errors, %d warnings", config.name,
                 len(result.errors), len(result.warnings))
        return result

    def plan(
        self, config: InferenceExperimentConfig, *,
        desired_state: Literal["Running", ExperimentStatus.RUNNING] | None = None,
    ) -> Plan:
        """What :meth:`apply` would send to make the experiment match ``config``, sending
        nothing: describes the experiment (and lists its tags when the config has tags)
        and hands both to :func:`shadowtest.plan.plan_apply`.

        >>> print(client.plan(config))  # doctest: +SKIP
        """
        from shadowtest.plan import plan_apply

        self._check_apply_arguments(config, desired_state)
        live = self._find(config.name)
        tags = self._tags(live.arn) if live is not None and config.tags is not None else None
        return plan_apply(config, live, now=self._now(), desired_state=desired_state,
                          tags=tags)

    def apply(
        self,
        config: InferenceExperimentConfig,
        *,
        desired_state: Literal["Running", ExperimentStatus.RUNNING] | None = None,
        wait: bool = False,
        replace: bool = False,
        timeout: float = 1800.0,
        preflight: bool = True,
        on_preflight: Callable[[Preflight], None] | None = None,
    ) -> InferenceExperiment:
        """Create or update the experiment so that it matches ``config``; idempotent.

        Waits out Creating/Updating/Starting/Stopping first (within ``timeout``
        seconds), then plans (:meth:`plan`) and sends exactly ``plan.requests``:
        nothing at all when the experiment matches already. Raises, sending nothing,
        :class:`UpdateNotAllowedError` for a change the status forbids and
        :class:`ReplacementRequiredError` for a change that needs a new experiment
        unless ``replace=True`` (then: stop if running, wait, delete, create — each
        step logged). ``desired_state="Running"`` starts a Created experiment. With
        ``wait=True``, returns once the experiment is Created or Running (Running
        when so desired) — or at once if it has ended and nothing changed. Returns the
        experiment as described last.

        A schedule built with ``from_now()`` does not cause an update on re-runs: see
        :func:`shadowtest.plan.plan_apply`.

        Before a create (a new experiment, or a replacement), :meth:`preflight` checks
        the config against the account and :class:`PreflightError` (carrying
        ``.preflight``) is raised, nothing sent, if it finds an error; its warnings are
        logged, and ``on_preflight`` is called with the result. ``preflight=False``
        skips it.
        """
        from shadowtest.errors import ReplacementRequiredError
        from shadowtest.plan import plan_apply
        from shadowtest.status import TRANSIENT

        self._check_apply_arguments(config, desired_state, wait=wait, replace=replace,
                                    timeout=timeout, preflight=preflight)
        if on_preflight is not None and not callable(on_preflight):
            from shadowtest.errors import ConfigValidationError, Problem

            raise ConfigValidationError([Problem("on_preflight", (
                f"got {builtins.type(on_preflight).__name__}; must be a function taking the "
                "Preflight, or None"))], subject="apply arguments")
        name = config.name
        deadline = self._clock() + timeout
        live = self._find(name)
        if live is not None and live.status in TRANSIENT:
            log.info("inference experiment %r is %s; waiting for it to settle", name, live.status)
            live = self.wait(name, _SETTLED, timeout=timeout)
        tags = self._tags(live.arn) if live is not None and config.tags is not None else None
        plan = plan_apply(config, live, now=self._now(), desired_state=desired_state, tags=tags)
        error = plan.error()
        if error is not None:
            raise error
        if plan.replaces and not replace:
            # the changes that force it (others ride along with the new experiment)
            forcing = [change for change in plan.changes
                       if change.action == "replace" and change.reason]
            lines = "\n".join(f"  {change}" for change in forcing)
            raise ReplacementRequiredError(
                f"applying the config would replace inference experiment {name!r} "
                f"({plan.status}): stop it if running, delete it and create it again; pass "
                f"replace=True (shadowtest apply --replace) to do so. Nothing was sent:\n{lines}",
                name=name, fields=dict.fromkeys(change.path for change in forcing))
        if "create" in plan.actions or plan.replaces:
            self._check_create(config, "create request")  # before the first request is sent
            if preflight:
                self._preflight_create(config, on_preflight)
        if not plan:
            log.info("inference experiment %r matches the config; nothing to do", name)
        self._carry_out(name, plan.requests, deadline)
        current = self.describe(name)
        if wait and current.status not in TERMINAL:  # an ended, unchanged one stays ended
            until = {ExperimentStatus.RUNNING} if desired_state == "Running" else _SETTLED_LIVE
            return self.wait(name, until, timeout=max(deadline - self._clock(), 0.0))
        return current

    def _preflight_create(self, config: InferenceExperimentConfig,
                          on_preflight: Callable[[Preflight], None] | None) -> None:
        """apply's preflight before a create: warnings logged, an error raised."""
        from shadowtest.preflight import preflight_error, run

        result = run(config, sagemaker=self.sagemaker, s3=lambda: self.s3)
        if on_preflight is not None:
            on_preflight(result)
        for finding in result.warnings:
            log.warning("preflight of inference experiment %r: %s: %s", config.name,
                        finding.check, finding.message)
        if not result.ok:
            raise preflight_error(result)

    def _carry_out(self, name: str, requests: Iterable[tuple[str, Mapping[str, object]]],
                   deadline: float) -> None:
        """Send a plan's requests in order, waiting where the service needs it: a stopped
        experiment must end before it is deleted, a new or updated one be Created again
        before it starts."""
        sagemaker = self.sagemaker
        sent: builtins.list[str] = []
        for operation, params in requests:
            remaining = max(deadline - self._clock(), 0.0)
            if operation == "delete_inference_experiment" and "stop_inference_experiment" in sent:
                log.info("apply %r: waiting for the stop to finish", name)
                self.wait(name, TERMINAL, timeout=remaining)
            if (operation == "start_inference_experiment"
                    and {"create_inference_experiment", "update_inference_experiment"} & {*sent}
                    and self.wait(name, _SETTLED_LIVE, timeout=remaining).status
                    is ExperimentStatus.RUNNING):
                continue  # its start time came while it was being created or updated
            short = operation.replace("_inference_experiment", "")
            self._call(short, name, getattr(sagemaker, operation), params)
            sent.append(operation)
            if log.isEnabledFor(logging.INFO):
                keys = [key for key in params if key not in ("Name", "ResourceArn")]
                log.info("apply %r: %s%s", name, short, f" ({', '.join(keys)})" if keys else "")

    def _check_apply_arguments(self, config: InferenceExperimentConfig,
                               desired_state: object, **flags: object) -> None:
        """Every argument of plan/apply, before anything is sent."""
        c = Checker()
        if c.check_instance("config", config, InferenceExperimentConfig,
                            "an InferenceExperimentConfig"):
            c.problems += instance_type_problems(config.model_variants, self._known_types(),
                                                 "config.model_variants")
        if desired_state is not None:
            c.check_choice("desired_state", desired_state, ("Running",))
        for flag, value in flags.items():
            if flag == "timeout":
                if (isinstance(value, bool) or not isinstance(value, (int, float))
                        or not 0 <= value < float("inf")):
                    c.add("timeout", f"got {value!r}; must be a finite number of seconds >= 0")
            elif not isinstance(value, bool):
                c.add(flag, f"got {builtins.type(value).__name__} {value!r}; must be True or "
                            "False")
        c.raise_if_any("apply arguments")

    def _find(self, name: str) -> InferenceExperiment | None:
        """The described experiment, or ``None`` if there is none of that name."""
        from shadowtest.errors import ExperimentNotFoundError

        try:
            return self.describe(name)
        except ExperimentNotFoundError:
            return None

    def _tags(self, arn: str) -> dict[str, str]:
        """Every tag on ``arn`` (``ListTags``, page by page)."""
        tags: dict[str, str] = {}
        params: dict[str, Any] = {"ResourceArn": arn}
        while True:
            page = self._call("list tags", None, self.sagemaker.list_tags, params)
            tags.update((tag["Key"], tag.get("Value", "")) for tag in page.get("Tags", ()))
            token = page.get("NextToken")
            if not token:
                return tags
            params = {"ResourceArn": arn, "NextToken": token}

    def describe(self, name: str) -> InferenceExperiment:
        """The experiment called ``name``: status, variants, schedule, configs."""
        _check_name(name)
        response = self._call("describe", name, self.sagemaker.describe_inference_experiment,
                              {"Name": name})
        check_describe(response)
        return InferenceExperiment(response)

    def update(
        self,
        name: str,
        *,
        schedule: InferenceExperimentSchedule | None = None,
        description: str | None = None,
        model_variants: Iterable[ModelVariantConfig] | None = None,
        shadow_mode_config: ShadowModeConfig | None = None,
        data_storage_config: DataStorageConfig | None = None,
    ) -> str:
        """Change a Created or Running experiment; returns its ARN.

        Describes the experiment first and applies :func:`shadowtest.plan.plan_update`:
        raises :class:`UpdateNotAllowedError` (sending nothing) when the status or a
        field breaks the update rules. Only the arguments given are sent; an unchanged
        start time, and in Running unchanged model variants or data storage config, are
        dropped; if nothing is left to send, nothing is sent and the ARN is returned.
        """
        from shadowtest.plan import check_update_arguments, plan_checked

        # every argument is checked, and every problem reported together, before a client
        # is made or anything is sent
        c = Checker()
        if not _good_name(name):
            c.check_string("name", name, EXPERIMENT_NAME)
        variants = None
        if (model_variants is None and schedule is None and description is None
                and shadow_mode_config is None and data_storage_config is None):
            c.add("", "nothing to update: give at least one of schedule, description, "
                      "model_variants, shadow_mode_config, data_storage_config")
        else:
            variants = check_update_arguments(
                c, schedule, description, model_variants, shadow_mode_config,
                data_storage_config, instance_types=self._known_types())
        c.raise_if_any("update arguments")
        sagemaker = self.sagemaker
        response = self._call("describe", name, sagemaker.describe_inference_experiment,
                              {"Name": name})
        check_describe(response)
        current = InferenceExperiment(response)
        plan = plan_checked(current, schedule, description, variants, shadow_mode_config,
                             data_storage_config)
        if plan.refused:
            raise plan.error()  # type: ignore[misc]  # not None when refused
        if len(plan.request) == 1:  # only the name: every value is the current one
            log.info("inference experiment %r already has the requested values; "
                     "nothing to update", name)
            return current.arn
        try:
            arn = self._call("update", name, sagemaker.update_inference_experiment,
                             plan.request)
        except (ExperimentConflictError, _client_error()) as error:
            from shadowtest._retries import (
                botocore_error,
                error_code,
                status_changed,
                update_applied,
                was_resent,
            )

            if error_code(error) not in ("ConflictException", "ValidationException"):
                raise
            after = self._after_resend(error, name, resent_only=False)
            if after is None:
                raise
            if was_resent(error) and update_applied(plan.request, after):
                log.info("updated inference experiment %r (the answer was lost; the resent "
                         "request found it updated)", name)
                return after.arn
            if after.status == current.status:
                raise
            replan = None
            if after.status in ("Created", "Running"):
                replan = plan_checked(after, schedule, description, variants,
                                      shadow_mode_config, data_storage_config)
            raise status_changed(error, name, current, after, replan) from botocore_error(
                error)
        if log.isEnabledFor(logging.INFO):
            log.info("updated inference experiment %r (%s)", name,
                     ", ".join(key for key in plan.request if key != "Name"))
        return arn_of("UpdateInferenceExperiment", arn)

    def start(self, name: str) -> str:
        """Start a Created experiment now, before its scheduled start; returns its ARN."""
        current = self.describe(name)
        check_operation("start", name, current.status)
        try:
            arn = self._call("start", name, self.sagemaker.start_inference_experiment,
                             {"Name": name})
        except ExperimentConflictError as error:
            live = self._after_resend(error, name)
            if live is None or live.status not in (ExperimentStatus.STARTING,
                                                   ExperimentStatus.RUNNING):
                raise
            return live.arn
        log.info("started inference experiment %r", name)
        return arn_of("StartInferenceExperiment", arn)

    def stop(
        self,
        name: str,
        *,
        model_variant_actions: Mapping[str, VariantAction | VariantActionName],
        desired_model_variants: Iterable[ModelVariantConfig] | None = None,
        desired_state: StopState = "Completed",
        reason: str | None = None,
    ) -> str:
        """Stop a Running experiment, doing ``model_variant_actions`` to its variants.

        Keys are variant names of the experiment; values are :class:`VariantAction`
        members or their strings. At most one ``Promote``, only on the shadow
        variant; promoting removes the source variant unless an action for it is
        given. For the common cases, see :meth:`promote` and :meth:`conclude`.
        """
        actions, desired = self._check_stop_arguments(
            model_variant_actions, desired_model_variants, desired_state, reason)
        return self._stop(self.describe(name), actions, desired, str(desired_state), reason)

    def promote(
        self,
        name: str,
        *,
        desired_model_variants: Iterable[ModelVariantConfig] | None = None,
        reason: str | None = None,
        require: Verdict | Literal["PASS", "MARGINAL"] | Policy | None = None,
    ) -> str:
        """Stop the experiment by promoting the shadow variant to production (and removing
        the old production variant); returns the ARN. Raise the sampling percentage to 100
        and watch it before promoting.

        With ``require`` (``Verdict.PASS``, ``Verdict.MARGINAL``, or a :class:`Policy`,
        which means PASS under that policy), the shadow is judged first over the
        experiment's window (:meth:`evaluate`); if the verdict falls short,
        :class:`PromotionBlockedError` is raised, carrying the judgement, and no stop
        request is sent.

        >>> client.promote("churn-shadow", require=Verdict.PASS)  # doctest: +SKIP
        """
        _, desired = self._check_stop_arguments({}, desired_model_variants, "Completed", reason,
                                                actions_required=False)
        wanted, policy = _required(require)
        current = self.describe(name)
        if wanted is not None:
            from shadowtest.errors import PromotionBlockedError
            from shadowtest.judgement import judge
            from shadowtest.metrics import check_arguments

            # the experiment's whole window, every default metric (as evaluate(name) does)
            names = check_arguments(None, None, None, None)
            judgement = judge(self._metrics(current, None, None, None, names), policy)
            if not judgement.allows(wanted):
                why = "; ".join(judgement.reasons) or "no reason given"
                raise PromotionBlockedError(
                    f"not promoting the shadow of {name!r}: the judgement is "
                    f"{judgement.verdict.value} (score {judgement.score:.1f}), "
                    f"{wanted.value} was required: {why}", name=name, required=wanted.value,
                    judgement=judgement)
            log.info("inference experiment %r judged %s; promoting", name,
                     judgement.verdict.value)
        source, shadow = _roles(current)
        actions = {shadow: VariantAction.PROMOTE, source: VariantAction.REMOVE}
        return self._stop(current, actions, desired, "Completed", reason)

    def metrics(
        self,
        name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        period: int | None = None,
        metrics: Iterable[str] | None = None,
    ) -> ExperimentMetrics:
        """Both variants' CloudWatch metrics for experiment ``name``.

        The window defaults to the experiment's real running window (its start to its
        completion, or now while it runs); ``period`` (seconds, a multiple of 60) to the
        finest CloudWatch keeps for the window's start (60 s up to 15 days back, 300 s up
        to 63 days, 3600 s up to 455 days); ``metrics`` to every endpoint metric
        (``shadowtest.metrics.METRICS``). Everything is fetched in the fewest
        ``GetMetricData`` requests the service's limits allow. A window without data gives
        empty series, not an error.

        >>> m = client.metrics("churn-shadow")                      # doctest: +SKIP
        >>> m.shadow["ModelLatency"].values[:3]                      # doctest: +SKIP
        (41.2, 40.8, 39.9)
        """
        names = _check_metrics_call("metrics", name, start, end, period, metrics)
        return self._metrics(self.describe(name), start, end, period, names)

    def evaluate(
        self,
        name: str,
        policy: Policy | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        period: int | None = None,
        metrics: Iterable[str] | None = None,
    ) -> Judgement:
        """Judge the shadow of experiment ``name``: :func:`shadowtest.judge` of
        :meth:`metrics` (same arguments) with ``policy`` (default ``Policy.default()``)."""
        from shadowtest.judgement import judge

        names = _check_metrics_call("evaluate", name, start, end, period, metrics,
                                    policy=policy)
        return judge(self._metrics(self.describe(name), start, end, period, names), policy)

    def _metrics(self, current: InferenceExperiment, start: datetime | None,
                 end: datetime | None, period: int | None,
                 names: tuple[str, ...]) -> ExperimentMetrics:
        from shadowtest.metrics import fetch_metrics, resolve_request

        request = resolve_request(current, start=start, end=end, period=period,
                                  metrics=names, now=self._now())
        production = current.variant(request.production_variant)
        shadow = current.variant(request.shadow_variant)
        roles = current.shadow_mode_config
        return fetch_metrics(
            self.cloudwatch, name=current.name, endpoint=current.endpoint_name,
            production_variant=request.production_variant,
            shadow_variant=request.shadow_variant, start=request.start, end=request.end,
            period=request.period, metrics=request.metrics,
            sampling_percentage=roles.sampling_percentage if roles else None,
            production_instance_type=production.instance_type if production else None,
            shadow_instance_type=shadow.instance_type if shadow else None)

    def watch(
        self,
        name: str,
        policy: Policy | None = None,
        *,
        every: timedelta | float = timedelta(minutes=15),
        min_duration: timedelta | float = timedelta(hours=1),
        on_fail: Literal["conclude", "cancel"] | None = "conclude",
        on_pass: Literal["promote"] | None = None,
        ramp: Iterable[int] | None = None,
        notify: Callable[[str], object] | str | None = None,
        timeout: timedelta | float | None = None,
        on_look: Callable[[Look], object] | None = None,
    ) -> WatchResult:
        """Judge the shadow every ``every`` while the experiment runs, and act on the verdict.

        Each look is one :meth:`evaluate` of the whole window so far (the verdict is valid at
        every look, so looking often costs nothing in errors), fetching from CloudWatch only
        what is new since the last look. On a ``FAIL`` the experiment is concluded at once
        (``on_fail="conclude"``: stopped keeping production and removing the shadow;
        ``"cancel"`` does the same as Cancelled; ``None`` only returns the FAIL), even before
        ``min_duration``. On a ``PASS`` once the experiment has run ``min_duration``,
        ``on_pass="promote"`` promotes the shadow (``None`` returns the PASS).
        ``INCONCLUSIVE``, ``MARGINAL`` and ``NO_DATA`` look again.

        ``ramp`` (e.g. ``(10, 50, 100)``) sets the sampling percentage to its first step
        (unless the experiment is at one of its steps already) and raises it to the next
        once every critical gate passes over the current step's traffic; a promotion waits
        for the last step. Each raise is one update; a refused one is reported and not
        retried. ``notify`` (a callable taking the message, or an SNS topic ARN) gets one
        plain-text message per action and per verdict change: the experiment, the verdict,
        the reasons; never a payload or a tag value.

        Returns a :class:`~shadowtest.WatchResult` when it acted, when a verdict needs
        nothing more, when the experiment leaves Running (its schedule ended, or someone
        stopped it), at ``timeout``, or on SIGTERM/Ctrl-C (between actions). A transient
        fault is retried as :meth:`wait` does, never read as missing traffic; a permanent one
        raises, with nothing half-done. The watch keeps no state: run again after being
        killed, it carries on from the experiment and CloudWatch, and never stops an
        experiment twice. ``on_look`` is called with every look (a
        :class:`shadowtest.watch.Look`), e.g. to show progress. Durations are
        timedeltas or seconds.

        >>> result = client.watch("churn-shadow", on_pass="promote",   # doctest: +SKIP
        ...                       ramp=(10, 50, 100), timeout=timedelta(days=7))
        >>> result.action                                               # doctest: +SKIP
        'promoted'
        """
        import attrs

        from shadowtest.judgement import judge
        from shadowtest.metrics import check_arguments, fetch_metrics
        from shadowtest.watch import WatchIO, check_watch_arguments, run_watch

        options = check_watch_arguments(name, policy, every, min_duration, on_fail, on_pass,
                                        ramp, notify, timeout)
        if on_look is not None and not callable(on_look):
            c = Checker()
            c.add("on_look", f"got {builtins.type(on_look).__name__}; must be a callable "
                             "taking a Look, or None")
            c.fail("watch arguments")
        names = check_arguments(None, None, None, None)  # every metric, as evaluate() does

        def fetch(current: InferenceExperiment, start: datetime, end: datetime,
                  period: int) -> ExperimentMetrics:
            source, shadow = _roles(current)
            roles = current.shadow_mode_config
            production, candidate = current.variant(source), current.variant(shadow)
            return fetch_metrics(
                self.cloudwatch, name=current.name, endpoint=current.endpoint_name,
                production_variant=source, shadow_variant=shadow, start=start, end=end,
                period=period, metrics=names,
                sampling_percentage=roles.sampling_percentage if roles else None,
                production_instance_type=production.instance_type if production else None,
                shadow_instance_type=candidate.instance_type if candidate else None)

        def stop(current: InferenceExperiment, step: str, reason: str) -> None:
            source, shadow = _roles(current)
            if step == "promote":
                actions = {shadow: VariantAction.PROMOTE, source: VariantAction.REMOVE}
            else:
                actions = {source: VariantAction.RETAIN, shadow: VariantAction.REMOVE}
            self._stop(current, actions, None, "Cancelled" if step == "cancel" else "Completed",
                       reason)

        def set_sampling(current: InferenceExperiment, percentage: int) -> None:
            roles = current.shadow_mode_config
            assert roles is not None  # _roles() passed when fetching
            self.update(current.name, shadow_mode_config=attrs.evolve(
                roles, sampling_percentage=percentage))

        publish: Callable[[str], object] | None = options.notify
        if options.topic_arn is not None:
            topic = options.topic_arn

            def publish(message: str) -> None:
                self._publish(topic, name, message)

        return run_watch(options, WatchIO(
            describe=self.describe, fetch=fetch, judge=lambda data: judge(data, policy),
            stop=stop, set_sampling=set_sampling, publish=publish, clock=self._clock,
            sleep=self._sleep, now=self._now, random=self._random, on_look=on_look))

    def _publish(self, topic: str, name: str, message: str) -> None:
        """One notification to an SNS topic: the message as it is, its first line as the
        subject (e-mail subscribers see it), grouped by experiment on a FIFO topic."""
        subject = message.splitlines()[0].encode("ascii", "replace").decode()
        params: dict[str, Any] = {"TopicArn": topic, "Message": message,
                                  "Subject": f"shadowtest: {subject}"[:100]}
        if topic.endswith(".fifo"):
            import hashlib

            params["MessageGroupId"] = name
            params["MessageDeduplicationId"] = hashlib.sha256(
                f"{self._now().isoformat()} {message}".encode()).hexdigest()
        self._call("publish", None, self.sns.publish, params)

    def conclude(
        self,
        name: str,
        *,
        remove_shadow: bool = False,
        desired_state: StopState = "Completed",
        reason: str | None = None,
    ) -> str:
        """Stop the experiment keeping production as it is: retain the source variant, and
        retain the shadow variant too unless ``remove_shadow``; returns the ARN."""
        self._check_stop_arguments({}, None, desired_state, reason, actions_required=False)
        current = self.describe(name)
        source, shadow = _roles(current)
        actions = {source: VariantAction.RETAIN,
                   shadow: VariantAction.REMOVE if remove_shadow else VariantAction.RETAIN}
        return self._stop(current, actions, None, str(desired_state), reason)

    def delete(self, name: str) -> str:
        """Delete a Created, Completed or Cancelled experiment's record; returns its ARN.

        The endpoint, its variants and the captured data stay: delete removes only the
        experiment's record (the API reference for DeleteInferenceExperiment).
        """
        current = self.describe(name)
        check_operation("delete", name, current.status)
        try:
            arn = self._call("delete", name, self.sagemaker.delete_inference_experiment,
                             {"Name": name})
        except ExperimentNotFoundError as error:
            from shadowtest._retries import was_resent

            if not was_resent(error):  # else the lost first attempt deleted it
                raise
            return current.arn
        log.info("deleted inference experiment %r", name)
        return arn_of("DeleteInferenceExperiment", arn)

    def wait(
        self,
        name: str,
        until: ExperimentStatus | StatusName | Collection[ExperimentStatus | StatusName],
        *,
        timeout: float = 1800.0,
        poll_interval: float = 5.0,
        max_interval: float = 60.0,
        progress: bool | None = None,
        on_poll: Callable[[InferenceExperiment], None] | None = None,
    ) -> InferenceExperiment:
        """Poll ``describe`` until the status is in ``until``; return that description.

        The pause between polls starts at ``poll_interval`` seconds and doubles up to
        ``max_interval`` (both 0.1–3600 s). A poll that meets a transient fault
        (throttling, a 5xx answer, a connection error or read timeout, an unreadable
        answer) is repeated after a capped exponential backoff with full jitter; any
        other error (the experiment does not exist, access is denied) is raised at
        once. No pause runs past the deadline. Raises :class:`UnexpectedStatusError` as
        soon as a terminal status (Completed, Cancelled) outside ``until`` is seen, and
        :class:`WaitTimeoutError` (naming the last status seen and the time waited, the
        last fault as ``__cause__``) once ``timeout`` seconds have passed.

        ``progress``: ``None`` shows a live status line only on an interactive terminal
        (stderr) or in a notebook, ``False`` never, ``True`` always. ``on_poll`` is
        called with every :class:`InferenceExperiment` polled, e.g. to log it.

        >>> client.wait("churn-shadow", {"Created", "Running"})  # doctest: +SKIP
        """
        from shadowtest._waiting import check_wait_arguments, poll

        args = check_wait_arguments(name, until, timeout, poll_interval, max_interval,
                                    progress, on_poll)
        return poll(name, args, self.describe, clock=self._clock, sleep=self._sleep,
                    random=self._random)

    def list(
        self,
        *,
        name_contains: str | None = None,
        type: Literal["ShadowMode"] | None = None,
        status_equals: ExperimentStatus | StatusName | None = None,
        creation_time_after: datetime | None = None,
        creation_time_before: datetime | None = None,
        last_modified_time_after: datetime | None = None,
        last_modified_time_before: datetime | None = None,
        sort_by: Literal["Name", "CreationTime", "Status"] | None = None,
        sort_order: Literal["Ascending", "Descending"] | None = None,
        max_results: int | None = None,
    ) -> ExperimentList:
        """Every experiment matching the filters, fetched a page at a time as you iterate
        (``max_results`` is the page size, 1–100). Arguments are checked at once.

        The result is an :class:`~shadowtest.ExperimentList`: iterate it, or call
        ``.to_list()`` / ``.to_records()``; a notebook shows its first page as a table."""
        params: dict[str, Any] = {}
        c = Checker()
        if name_contains is not None and c.check_string("name_contains", name_contains,
                                                        NAME_CONTAINS):
            params["NameContains"] = name_contains
        for field, key, value, choices in (
            ("type", "Type", type, ("ShadowMode",)),
            ("status_equals", "StatusEquals", status_equals, tuple(_STATUSES)),
            ("sort_by", "SortBy", sort_by, SORT_BY),
            ("sort_order", "SortOrder", sort_order, SORT_ORDER),
        ):
            if value is not None and c.check_choice(field, value, choices):
                params[key] = str(value)
        for field, key, when in (
            ("creation_time_after", "CreationTimeAfter", creation_time_after),
            ("creation_time_before", "CreationTimeBefore", creation_time_before),
            ("last_modified_time_after", "LastModifiedTimeAfter", last_modified_time_after),
            ("last_modified_time_before", "LastModifiedTimeBefore", last_modified_time_before),
        ):
            if when is not None and c.check_aware(field, when):
                params[key] = when.astimezone(timezone.utc)
        if max_results is not None and c.check_int("max_results", max_results, ge=1,
                                                   le=MAX_LIST_RESULTS, why="the page size"):
            params["PaginationConfig"] = {"PageSize": max_results}
        c.raise_if_any("list arguments")
        return ExperimentList(self._pages(params))

    def compare_predictions(
        self,
        name: str,
        *,
        labels: Mapping[str, object] | None = None,
        limit: int | None = None,
        since: datetime | None = None,
        decoders: Decoders | None = None,
    ) -> PredictionComparison:
        """Compare what the shadow predicted with what production predicted, from the data
        the experiment captured to S3 (its ``DataStorageConfig``).

        Reads both variants' capture files (``<Destination>/<EndpointName>/<VariantName>/
        yyyy/mm/dd/hh/``) in time order, a few at a time on a small thread pool, and
        streams them into :func:`shadowtest.compare_captures` (see it for ``labels`` and
        ``decoders``; ``limit`` stops after that many pairs, ``since`` skips what was
        captured before that aware datetime). Raises :class:`InvalidStatusError` if the
        experiment captures no data.
        """
        from shadowtest.capture import compare_captures, read_s3_captures, variant_prefix
        from shadowtest.capture.pairing import check_options

        c = Checker()  # every argument, before anything is sent
        if not _good_name(name):
            c.check_string("name", name, EXPERIMENT_NAME)
        check_options(c, labels=labels, limit=limit, since=since, decoders=decoders)
        c.raise_if_any("compare_predictions arguments")
        current = self.describe(name)
        storage = current.data_storage_config
        if storage is None:
            raise InvalidStatusError(
                f"inference experiment {name!r} captures no data (it has no "
                "DataStorageConfig), so there are no predictions to compare. Capture is set "
                "when creating an experiment, or by update(name, data_storage_config="
                "DataStorageConfig(destination='s3://bucket/prefix')) while it is Created.",
                name=name, status=str(current.status), operation="compare_predictions")
        source, shadow = _roles(current)
        s3 = self.s3
        sides = [read_s3_captures(s3, *variant_prefix(storage.destination, current.endpoint_name,
                                                      variant), since=since)
                 for variant in (source, shadow)]
        result = compare_captures(sides[0], sides[1], labels=labels, limit=limit, since=since,
                                  decoders=decoders)
        for side in sides:
            side.close()  # a limit can stop reading early: stop fetching too
        log.info("compared predictions of inference experiment %r: %d pairs", name,
                 result.paired)
        return result

    # -- internals --------------------------------------------------------------------------

    def _pages(self, params: dict[str, Any]) -> Iterator[
            tuple[builtins.list[InferenceExperimentSummary], bool]]:
        """Each page's summaries, and whether the service has another page (its NextToken),
        fetched as iteration reaches it (the caller chains them, so there is no
        Python-level step per experiment)."""
        if self._paginator is None:
            self._paginator = self.sagemaker.get_paginator("list_inference_experiments")
        pages = self._paginator.paginate(**params)
        try:
            for page in pages:
                yield summaries(check_summaries(page)), "NextToken" in page
        except Exception as error:
            # not `except _client_error()`: a result dropped before its last page closes
            # this generator, possibly at interpreter exit, when importing fails
            if isinstance(error, _PARSE_ERRORS):
                raise _unparsed("ListInferenceExperiments", error) from error
            if not isinstance(error, _client_error()):
                raise
            translated = translate_client_error(error, name=None, operation="list")
            if translated is None:
                raise
            raise translated from error

    def _after_resend(self, error: Exception, name: str, *,
                      resent_only: bool = True) -> InferenceExperiment | None:
        """The experiment as it is after ``error`` refused a request, to tell a lost answer
        from a refusal; ``None`` when the request was sent once (with ``resent_only``) or
        the experiment cannot be described."""
        from shadowtest._retries import was_resent

        if resent_only and not was_resent(error):
            return None
        try:
            return self.describe(name)
        except (ShadowTestError, _client_error()):
            return None

    def _call(self, operation: str, name: str | None, method: Callable[..., Any],
              params: Mapping[str, Any]) -> Any:
        try:
            return method(**params)
        except _client_error() as error:
            translated = translate_client_error(error, name=name, operation=operation)
            if translated is None:
                raise
            raise translated from error
        except _PARSE_ERRORS as error:
            raise _unparsed(_API_NAMES[operation], error) from error

    def _stop(
        self,
        current: InferenceExperiment,
        actions: dict[str, VariantAction],
        desired: tuple[ModelVariantConfig, ...] | None,
        desired_state: str,
        reason: str | None,
    ) -> str:
        name = current.name
        check_operation("stop", name, current.status)
        roles = current.shadow_mode_config
        source = roles.source_model_variant_name if roles else None
        shadow = roles.shadow_model_variant_name if roles else None
        c = Checker()
        c.problems += stop_target_problems(name, current.variant_names, shadow, actions,
                                           desired or ())
        if VariantAction.PROMOTE in actions.values() and source and source not in actions:
            actions = {**actions, source: VariantAction.REMOVE}  # the promoted shadow replaces it
        c.raise_if_any("stop arguments")
        params: dict[str, Any] = {
            "Name": name,
            "ModelVariantActions": {variant: str(action) for variant, action in actions.items()},
            "DesiredState": desired_state,
        }
        if desired is not None:
            params["DesiredModelVariants"] = [variant.to_boto3() for variant in desired]
        if reason is not None:
            params["Reason"] = reason
        try:
            arn = self._call("stop", name, self.sagemaker.stop_inference_experiment, params)
        except ExperimentConflictError as error:
            live = self._after_resend(error, name)
            if live is None or live.status not in (ExperimentStatus.STOPPING, *TERMINAL):
                raise
            return live.arn
        if log.isEnabledFor(logging.INFO):
            log.info("stopped inference experiment %r (%s, %s)", name,
                     ", ".join(f"{v}: {a}" for v, a in actions.items()), desired_state)
        return arn_of("StopInferenceExperiment", arn)

    def _check_stop_arguments(
        self,
        actions: object,
        desired: object,
        desired_state: object,
        reason: object,
        *,
        actions_required: bool = True,
    ) -> tuple[dict[str, VariantAction], tuple[ModelVariantConfig, ...] | None]:
        c = Checker()
        parsed, variants = check_stop_arguments(c, actions, desired, desired_state, reason,
                                                actions_required=actions_required)
        if variants is not None and not c.problems:
            c.problems += instance_type_problems(variants, self._known_types(),
                                                 "desired_model_variants")
        c.raise_if_any("stop arguments")
        return parsed, variants

    def _known_types(self) -> frozenset[str]:
        """The instance types SageMaker knows: those of this client's own service model once
        a client exists, else the installed botocore's (so checking arguments never needs a
        client, a region or credentials)."""
        known = self._instance_types
        if known is None:
            if self._client is None:
                return botocore_instance_types()
            shape = self._client.meta.service_model.shape_for("ProductionVariantInstanceType")
            known = self._instance_types = frozenset(shape.enum)  # type: ignore[attr-defined]
        return known


def _good_name(name: object) -> bool:
    rule = EXPERIMENT_NAME
    return (isinstance(name, str) and rule.min_len <= len(name) <= rule.max_len
            and rule.matches(name))


def _check_metrics_call(operation: str, name: object, start: object, end: object,
                        period: object, metrics: object, *, policy: object = None,
                        ) -> tuple[str, ...]:
    """The checks of metrics()/evaluate() that need no experiment, all reported together
    before anything is sent; returns the metric names to fetch."""
    from shadowtest.errors import ConfigValidationError
    from shadowtest.judgement import Policy
    from shadowtest.metrics import check_arguments

    c = Checker()
    if not _good_name(name):
        c.check_string("name", name, EXPERIMENT_NAME)
    if policy is not None:
        c.check_instance("policy", policy, Policy, "a Policy (or None for the default)")
    names: tuple[str, ...] = ()
    try:
        names = check_arguments(start, end, period, metrics)
    except ConfigValidationError as error:
        c.merge(error, "")
    c.raise_if_any(f"{operation} arguments")
    return names


def _check_name(name: object) -> None:
    if _good_name(name):
        return  # the common case, without a Checker
    c = Checker()
    if not c.check_string("name", name, EXPERIMENT_NAME):
        c.fail("experiment name")


def _roles(current: InferenceExperiment) -> tuple[str, str]:
    """The source and shadow variant names of a described experiment."""
    roles = current._roles
    if roles is None:
        raise ShadowTestError(f"inference experiment {current.name!r} has no shadow mode "
                              "config; give model_variant_actions to stop() explicitly")
    return roles




def _required(require: object) -> tuple[Verdict | None, Policy | None]:
    """``promote``'s ``require``: the verdict wanted and the policy to judge with."""
    if require is None:
        return None, None
    from shadowtest.judgement import Policy, Verdict

    if isinstance(require, Policy):
        return Verdict.PASS, require
    if isinstance(require, str) and require in (Verdict.PASS.value, Verdict.MARGINAL.value):
        return Verdict(require), None
    c = Checker()
    c.add("require", f"got {require!r}; must be Verdict.PASS, Verdict.MARGINAL (or their "
                     "strings), a Policy (PASS under it), or None")
    return c.fail("promote arguments")

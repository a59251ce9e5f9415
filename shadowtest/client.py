"""ExperimentClient: the shadow-test lifecycle, a facade over the package's pure cores.

Every method checks its arguments once, before anything is sent (refusing what the
service would refuse or no user could mean), fetches what it needs, hands the work to
the core that owns it (the planner, the rules, the judge, the pairing) and sends what
that decided. Every request goes through :mod:`shadowtest._aws`, which translates the
services' errors into the classes of :mod:`shadowtest.errors`, ends pagination that
would not end and recovers a change whose answer was lost.

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

from shadowtest._aws import call, pages
from shadowtest._aws import sagemaker as sm
from shadowtest._aws.resend import send
from shadowtest._checks import Checker, show
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
from shadowtest.errors import ExperimentNotFoundError, InvalidStatusError, ShadowTestError
from shadowtest.experiment import InferenceExperiment, InferenceExperimentSummary, summaries
from shadowtest.listing import ExperimentList
from shadowtest.rules import (
    botocore_instance_types,
    check_stop_arguments,
    instance_type_problems,
    schedule_problems_at,
    stop_request,
)
from shadowtest.status import TERMINAL, ExperimentStatus, VariantAction, check_operation

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
    from types import ModuleType

    import boto3
    from botocore.config import Config
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sns import SNSClient

    from shadowtest._aws import Operation
    from shadowtest.capture import PredictionComparison
    from shadowtest.capture.decode import Decoders
    from shadowtest.judgement import Judgement, Policy, Verdict
    from shadowtest.metrics import ExperimentMetrics
    from shadowtest.plan import Plan, UpdatePlan
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


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _check_sagemaker_client(c: Checker, client: object) -> None:
    """A problem unless ``client`` is a boto3 SageMaker client (one of the test fakes' and
    stubbers' included: they are real ones). Duck-typed on what botocore gives every
    client, so the check imports nothing: any other object fails at its first call, and
    as a programming error it is not one a wait would retry."""
    meta = getattr(client, "meta", None)
    service = getattr(getattr(meta, "service_model", None), "service_name", None)
    if service == "sagemaker":
        return
    if not isinstance(service, str) and callable(
            getattr(client, "describe_inference_experiment", None)):
        return  # not botocore's, but answers the calls (a unittest.mock double, say)
    got = (f"a boto3 {service!r} client" if isinstance(service, str)
           else f"{type(client).__name__} {show(client)}")
    c.add("client", f"got {got}; ExperimentClient takes a boto3 SageMaker client, such as "
                    "boto3.client('sagemaker') or FakeSageMaker().client")


def _check_callable(c: Checker, path: str, value: object, takes: str, *,
                    optional: bool = True) -> None:
    """A problem unless ``value`` is a callable (``takes``: what it is called with), or
    None when ``optional``."""
    if not callable(value) and not (optional and value is None):
        c.add(path, f"got {builtins.type(value).__name__} {show(value)}; must be a function "
                    f"taking {takes}{', or None' if optional else ''}")


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

    Arguments that do not fit (another object than a SageMaker client, a client together
    with what to make one from, an ``endpoint_url`` that is no URL, a clock that is no
    function) raise one :class:`ConfigValidationError` naming each.
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
        athena: object | None = None,
    ) -> None:
        c = Checker()
        if client is not None:
            _check_sagemaker_client(c, client)
            for option, value in (("session", session), ("config", config),
                                  ("region_name", region_name),
                                  ("endpoint_url", endpoint_url)):
                if value is not None:
                    c.add(option, "given with a ready SageMaker client, which has its own; "
                                  "give either the client or what to make one from, not "
                                  "both")
        elif endpoint_url is not None and (not isinstance(endpoint_url, str) or
                                           not endpoint_url.startswith(("http://", "https://"))):
            c.add("endpoint_url", f"got {show(endpoint_url)}; must be an http:// or "
                                  "https:// URL, such as 'http://127.0.0.1:5000'")
        for option, function, takes in (("clock", clock, "nothing"),
                                        ("sleep", sleep, "seconds"),
                                        ("now", now, "nothing"),
                                        ("random", random, "nothing")):
            _check_callable(c, option, function, takes, optional=False)
        c.raise_if_any("ExperimentClient arguments")
        self._endpoint_url = endpoint_url
        self._client = client
        self._cloudwatch = cloudwatch
        self._s3 = s3
        self._sns = sns
        self._athena = athena
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

    @property
    def athena(self) -> object:
        """The boto3 Athena client (for ``compare_predictions(engine="athena")``), made on
        first use if none was given: from the same session, config and region as the
        SageMaker client."""
        client = self._athena
        if client is None:
            with self._make_lock:
                if self._athena is None:
                    self._athena = self._new_client("athena")
                client = self._athena
        return client

    def _new_client(self, service: Literal["sagemaker", "cloudwatch", "s3", "sns",
                                           "athena"]) -> Any:
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
        arn = self._send(sm.CREATE, config.to_boto3(), config.name)
        log.info("created inference experiment %r", config.name)
        return arn

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
        return plan_apply(config, live, now=self._now(), desired_state=desired_state,
                          tags=self._tags(config, live))

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

        A step that fails after others were carried out raises
        :class:`ApplyIncompleteError`, saying what was done and what was not (the
        failure is its ``__cause__``); re-running ``apply`` finishes the job.

        A schedule built with ``from_now()`` does not cause an update on re-runs: see
        :func:`shadowtest.plan.plan_apply`.

        Before a create (a new experiment, or a replacement), :meth:`preflight` checks
        the config against the account and :class:`PreflightError` (carrying
        ``.preflight``) is raised, nothing sent, if it finds an error; its warnings are
        logged, and ``on_preflight`` is called with the result. ``preflight=False``
        skips it.
        """
        from shadowtest.plan import apply_refusal, plan_apply
        from shadowtest.status import TRANSIENT

        self._check_apply_arguments(config, desired_state, wait=wait, replace=replace,
                                    timeout=timeout, preflight=preflight,
                                    on_preflight=on_preflight)
        name = config.name
        deadline = self._clock() + timeout
        live = self._find(name)
        if live is not None and live.status in TRANSIENT:
            log.info("inference experiment %r is %s; waiting for it to settle", name, live.status)
            live = self.wait(name, _SETTLED, timeout=timeout)
        plan = plan_apply(config, live, now=self._now(), desired_state=desired_state,
                          tags=self._tags(config, live))
        refusal = apply_refusal(plan, replace=replace)
        if refusal is not None:
            raise refusal
        if "create" in plan.actions or plan.replaces:
            self._check_create(config, "create request")  # before the first request is sent
            if preflight:
                self._preflight_create(config, on_preflight)
        if not plan:
            log.info("inference experiment %r matches the config; nothing to do", name)
        self._carry_out(plan, deadline)
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
            # the finding rides along, so a handler that showed on_preflight's findings
            # (the CLI) can tell this record from other warnings
            log.warning("preflight of inference experiment %r: %s: %s", config.name,
                        finding.check, finding.message, extra={"shadowtest_finding": finding})
        if result.errors:
            raise preflight_error(result)
        if not result.checked:  # AccessDenied never refuses a create (SPEC §13)
            log.warning("preflight of inference experiment %r checked nothing: no read of "
                        "the account answered; creating it unchecked", config.name)

    def _carry_out(self, plan: Plan, deadline: float) -> None:
        """Send a plan's requests in order, waiting where :func:`~shadowtest.plan.wait_before`
        says the service needs it; a failure after a step was carried out is an
        :class:`ApplyIncompleteError` saying what was done and what was not."""
        from shadowtest.plan import incomplete, still_needed, wait_before

        name = plan.name
        sent: builtins.list[str] = []
        for method, params in plan.requests:
            statuses = wait_before(method, sent)
            try:
                if statuses is not None:
                    log.info("apply %r: waiting for it to be %s", name,
                             " or ".join(sorted(statuses)))
                    settled = self.wait(name, statuses,
                                        timeout=max(deadline - self._clock(), 0.0))
                    if not still_needed(method, settled):
                        continue
            except Exception as error:
                if not sent:
                    raise
                raise incomplete(plan, sent, method, error, waited_for=statuses or ()) \
                    from error
            try:
                self._change(sm.BY_METHOD[method], params, name)
            except Exception as error:
                if not sent:
                    raise
                raise incomplete(plan, sent, method, error) from error
            sent.append(method)
            if log.isEnabledFor(logging.INFO):
                keys = [key for key in params if key not in ("Name", "ResourceArn")]
                log.info("apply %r: %s%s", name, sm.BY_METHOD[method].label,
                         f" ({', '.join(keys)})" if keys else "")

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
                c.check_seconds("timeout", value)
            elif flag == "on_preflight":
                _check_callable(c, flag, value, "the Preflight")
            else:
                c.check_bool(flag, value)
        c.raise_if_any("apply arguments")

    def _find(self, name: str) -> InferenceExperiment | None:
        """The described experiment, or ``None`` if there is none of that name."""
        try:
            return self.describe(name)
        except ExperimentNotFoundError:
            return None

    def _tags(self, config: InferenceExperimentConfig,
              live: InferenceExperiment | None) -> dict[str, str] | None:
        """The live experiment's tags when the config manages tags (else ``None``: not
        compared)."""
        if live is None or config.tags is None:
            return None
        return sm.tags(self.sagemaker, live.arn)

    def describe(self, name: str) -> InferenceExperiment:
        """The experiment called ``name``: status, variants, schedule, configs."""
        _check_name(name)
        return self._describe(name)

    def _describe(self, name: str) -> InferenceExperiment:
        """:meth:`describe` of a name already checked."""
        return InferenceExperiment(call(self.sagemaker, sm.DESCRIBE, {"Name": name}, name=name))

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
        An update refused because the status changed after describing says so.
        """
        planner = _planner()
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
            variants = planner.check_update_arguments(
                c, schedule, description, model_variants, shadow_mode_config,
                data_storage_config, instance_types=self._known_types())
        c.raise_if_any("update arguments")
        return self._update_from(self._describe(name), schedule, description, variants,
                                 shadow_mode_config, data_storage_config)

    def _update_from(
        self, current: InferenceExperiment, schedule: InferenceExperimentSchedule | None,
        description: str | None, variants: tuple[ModelVariantConfig, ...] | None,
        shadow_mode_config: ShadowModeConfig | None,
        data_storage_config: DataStorageConfig | None,
    ) -> str:
        """:meth:`update` of the experiment as ``current`` describes it (arguments checked):
        ``watch`` raises the sampling from its look's describe, sending no other."""
        planner = _planner()
        name = current.name

        def planned(live: InferenceExperiment) -> UpdatePlan:
            plan: UpdatePlan = planner.plan_checked(live, schedule, description, variants,
                                                    shadow_mode_config, data_storage_config)
            return plan

        plan = planned(current)
        if plan.refused:
            raise plan.error()  # type: ignore[misc]  # not None when refused
        if len(plan.request) == 1:  # only the name: every value is the current one
            log.info("inference experiment %r already has the requested values; "
                     "nothing to update", name)
            return current.arn
        arn = self._send(sm.UPDATE, plan.request, name, explain=lambda error, after: (
            planner.explain_refused_update(error, current, after, planned)),
            explain_codes=("ConflictException", "ValidationException"))
        if log.isEnabledFor(logging.INFO):
            log.info("updated inference experiment %r (%s)", name,
                     ", ".join(key for key in plan.request if key != "Name"))
        return arn

    def start(self, name: str) -> str:
        """Start a Created experiment now, before its scheduled start; returns its ARN."""
        current = self.describe(name)
        check_operation("start", name, current.status)
        arn = self._send(sm.START, {"Name": name}, name)
        log.info("started inference experiment %r", name)
        return arn

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
            "stop arguments", name, model_variant_actions, desired_model_variants,
            desired_state, reason)
        return self._stop(self._describe(name), actions, desired, str(desired_state), reason)

    def promote(
        self,
        name: str,
        *,
        desired_model_variants: Iterable[ModelVariantConfig] | None = None,
        reason: str | None = None,
        require: Verdict | Literal["PASS", "MARGINAL", "pass", "marginal"] | Policy | None = None,
    ) -> str:
        """Stop the experiment by promoting the shadow variant to production (and removing
        the old production variant); returns the ARN. Raise the sampling percentage to 100
        and watch it before promoting.

        With ``require`` (``Verdict.PASS``, ``Verdict.MARGINAL`` or their strings, in
        either case as the CLI's ``--require pass`` takes them, or a :class:`Policy`,
        which means PASS under that policy), the shadow is judged first over the
        experiment's window (:meth:`evaluate`); if the verdict falls short,
        :class:`PromotionBlockedError` is raised, carrying the judgement, and no stop
        request is sent.

        >>> client.promote("churn-shadow", require=Verdict.PASS)  # doctest: +SKIP
        """
        wanted: Verdict | None = None
        policy: Policy | None = None

        def check_require(c: Checker) -> None:
            nonlocal wanted, policy
            if require is None:
                return
            from shadowtest.errors import ConfigValidationError
            from shadowtest.judgement.promotion import requirement

            try:
                wanted, policy = requirement(require)
            except ConfigValidationError as error:
                c.merge(error, "")

        _, desired = self._check_stop_arguments(
            "promote arguments", name, {}, desired_model_variants, "Completed", reason,
            actions_required=False, also=check_require)
        current = self._describe(name)
        if wanted is not None:
            from shadowtest.judgement import Policy
            from shadowtest.judgement.promotion import blocked
            from shadowtest.judgement.rule import judge_checked
            from shadowtest.metrics import check_arguments

            # the experiment's whole window, every default metric (as evaluate(name) does)
            names = check_arguments(None, None, None, None)
            judgement = judge_checked(self._metrics(current, None, None, None, names),
                                      policy or Policy.default())
            refusal = blocked(name, judgement, wanted)
            if refusal is not None:
                raise refusal
            log.info("inference experiment %r judged %s; promoting", name,
                     judgement.verdict.value)
        return self._stop(current, _promotion(current), desired, "Completed", reason)

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
        predictions: bool = False,
    ) -> Judgement:
        """Judge the shadow of experiment ``name``: :func:`shadowtest.judge` of
        :meth:`metrics` (same arguments) with ``policy`` (default ``Policy.default()``).
        ``predictions=True`` also compares the variants' captured predictions
        (:meth:`compare_predictions`, from ``start`` on) for the policy's prediction gates
        (``PredictionAgreement``, ``PredictionAccuracy``, ``PredictionError``)."""
        from shadowtest.judgement.policy import Policy, check_policy
        from shadowtest.judgement.rule import judge_checked

        checked = Policy.default()

        def check(c: Checker) -> None:
            nonlocal checked
            checked = check_policy(c, policy)  # once, before anything is sent
            c.check_bool("predictions", predictions)

        names = _check_metrics_call("evaluate", name, start, end, period, metrics, also=check)
        data = self._metrics(self.describe(name), start, end, period, names)
        comparison = self.compare_predictions(name, since=start) if predictions else None
        return judge_checked(data, checked, predictions=comparison)

    def _metrics(self, current: InferenceExperiment, start: datetime | None,
                 end: datetime | None, period: int | None,
                 names: tuple[str, ...]) -> ExperimentMetrics:
        from shadowtest.metrics import resolve_request

        request = resolve_request(current, start=start, end=end, period=period,
                                  metrics=names, now=self._now())
        return self._fetch_metrics(current, request.production_variant,
                                   request.shadow_variant, request.start, request.end,
                                   request.period, request.metrics)

    def _fetch_metrics(self, current: InferenceExperiment, production_variant: str,
                       shadow_variant: str, start: datetime, end: datetime, period: int,
                       names: tuple[str, ...]) -> ExperimentMetrics:
        """Both variants' series over a resolved window (evaluate's whole one, or what a
        watch's look has not fetched yet), with what the judge needs to know of them."""
        from shadowtest.metrics import fetch_metrics

        production = current.variant(production_variant)
        shadow = current.variant(shadow_variant)
        roles = current.shadow_mode_config
        return fetch_metrics(
            self.cloudwatch, name=current.name, endpoint=current.endpoint_name,
            production_variant=production_variant, shadow_variant=shadow_variant,
            start=start, end=end, period=period, metrics=names,
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

        from shadowtest.errors import ConfigValidationError
        from shadowtest.judgement import judge
        from shadowtest.metrics import check_arguments
        from shadowtest.watch import WatchIO, check_watch_arguments, run_watch

        c = Checker()  # every argument, on_look's too, in one error
        try:
            options = check_watch_arguments(name, policy, every, min_duration, on_fail,
                                            on_pass, ramp, notify, timeout)
        except ConfigValidationError as error:
            c.merge(error, "")
        _check_callable(c, "on_look", on_look, "a Look")
        c.raise_if_any("watch arguments")
        names = check_arguments(None, None, None, None)  # every metric, as evaluate() does

        def fetch(current: InferenceExperiment, start: datetime, end: datetime,
                  period: int) -> ExperimentMetrics:
            return self._fetch_metrics(current, *_roles(current), start, end, period, names)

        def stop(current: InferenceExperiment, step: str, reason: str) -> None:
            actions = (_promotion(current) if step == "promote"
                       else _conclusion(current, remove_shadow=True))
            self._stop(current, actions, None, "Cancelled" if step == "cancel" else "Completed",
                       reason)

        def set_sampling(current: InferenceExperiment, percentage: int) -> None:
            roles = current.shadow_mode_config
            assert roles is not None  # _roles() passed when fetching
            self._update_from(current, None, None, None,
                              attrs.evolve(roles, sampling_percentage=percentage), None)

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
        from shadowtest._aws import sns

        call(self.sns, sns.PUBLISH, params, subject=topic)

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
        self._check_stop_arguments(
            "conclude arguments", name, {}, None, desired_state, reason,
            actions_required=False, also=lambda c: c.check_bool("remove_shadow", remove_shadow))
        current = self._describe(name)
        return self._stop(current, _conclusion(current, remove_shadow=remove_shadow), None,
                          str(desired_state), reason)

    def delete(self, name: str) -> str:
        """Delete a Created, Completed or Cancelled experiment's record; returns its ARN.

        The endpoint, its variants and the captured data stay: delete removes only the
        experiment's record (the API reference for DeleteInferenceExperiment).
        """
        current = self.describe(name)
        check_operation("delete", name, current.status)
        arn = self._send(sm.DELETE, {"Name": name}, name, gone_arn=current.arn)
        log.info("deleted inference experiment %r", name)
        return arn

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
            params["MaxResults"] = max_results
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
        engine: Literal["local", "athena"] = "local",
        workgroup: str | None = None,
        output_location: str | None = None,
        database: str | None = None,
        max_bytes: int | None = None,
        output_json_path: str | None = None,
    ) -> PredictionComparison:
        """Compare what the shadow predicted with what production predicted, from the data
        the experiment captured to S3 (its ``DataStorageConfig``).

        Reads both variants' capture files (``<Destination>/<EndpointName>/<VariantName>/
        yyyy/mm/dd/hh/``) in time order, a few at a time on a small thread pool, and
        streams them into :func:`shadowtest.compare_captures` (see it for ``labels`` and
        ``decoders``; ``limit`` stops after that many pairs, ``since`` skips what was
        captured before that aware datetime). Raises :class:`InvalidStatusError` if the
        experiment captures no data.

        ``engine="athena"`` runs the comparison in Amazon Athena over the whole capture
        prefix instead (:mod:`shadowtest.capture.athena`): the table is created if
        missing (in ``database``, default Athena's), the query runs in ``workgroup``
        writing its results to ``output_location`` (needed unless the workgroup sets
        one), is stopped on an interrupt or once it has scanned more than ``max_bytes``,
        and the answer is the same :class:`PredictionComparison` with ``approximate``
        percentiles, ``bytes_scanned`` and ``cost``. ``output_json_path``
        (``'$.predictions[0]'``) says where the number is in JSON outputs; labels,
        decoders and limit are for the local engine.
        """
        from shadowtest.capture import read_s3_captures, variant_prefix
        from shadowtest.capture.pairing import check_options, pair_captures

        c = Checker()  # every argument, once, before anything is sent
        if not _good_name(name):
            c.check_string("name", name, EXPERIMENT_NAME)
        known = check_options(c, labels=labels, limit=limit, since=since, decoders=decoders)
        if engine == "athena":
            from shadowtest.capture.athena import check_athena_options

            check_athena_options(c, workgroup=workgroup, output_location=output_location,
                                 database=database, max_bytes=max_bytes)
            for option, value in (("labels", labels), ("decoders", decoders),
                                  ("limit", limit)):
                if value is not None:
                    c.add(option, "is for engine='local': the Athena query reads JSON and "
                                  "CSV scalar outputs itself, over every record")
        elif engine != "local":
            c.add("engine", f"got {show(engine)}; must be 'local' or 'athena'")
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
        if not storage.destination.startswith("s3://"):  # the service stores https:// too
            c.add("data_storage_config.destination",
                  f"got {show(storage.destination)}; compare_predictions reads capture files "
                  "from an s3:// destination only (the experiment's DataStorageConfig)")
            c.fail(f"inference experiment {name!r}")
        source, shadow = _roles(current)
        if engine == "athena":
            from shadowtest.capture.athena import run_comparison

            result = run_comparison(
                self.athena, destination=storage.destination,
                endpoint_name=current.endpoint_name, production_variant=source,
                shadow_variant=shadow, workgroup=workgroup, output_location=output_location,
                database=database, output_json_path=output_json_path, since=since,
                max_bytes=max_bytes, sleep=self._sleep)
            log.info("compared predictions of inference experiment %r in Athena: %d pairs, "
                     "%d bytes scanned", name, result.paired, result.bytes_scanned or 0)
            return result
        s3 = self.s3
        sides = [read_s3_captures(s3, *variant_prefix(storage.destination, current.endpoint_name,
                                                      variant), since=since)
                 for variant in (source, shadow)]
        result = pair_captures(sides[0], sides[1], labels=labels, limit=limit, since=since,
                               decoders=known)
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
        for page in pages(self.sagemaker, sm.LIST, params):
            yield summaries(page["InferenceExperiments"]), bool(page.get("NextToken"))

    def _send(self, op: Operation, params: Mapping[str, Any], name: str, *,
              gone_arn: str | None = None,
              explain: Callable[[Exception, InferenceExperiment | None],
                                Exception | None] | None = None,
              explain_codes: Collection[str] = ()) -> str:
        """Send a change to experiment ``name``; its ARN. A lost answer is recovered by
        describing the experiment again (:func:`shadowtest._aws.resend.send`)."""
        return sm.arn_of(send(self.sagemaker, op, params, name=name,
                              reread=lambda: self._find(name), now=self._now,
                              gone_arn=gone_arn, explain=explain,
                              explain_codes=explain_codes))

    def _change(self, op: Operation, params: Mapping[str, Any], name: str) -> Any:
        """Send a step of a plan to experiment ``name``; the answer (a lost one recovered,
        as :meth:`_send` does)."""
        return send(self.sagemaker, op, params, name=name, reread=lambda: self._find(name),
                    now=self._now)

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
        request = stop_request(current, actions, desired, desired_state, reason)
        arn = self._send(sm.STOP, request, name)
        if log.isEnabledFor(logging.INFO):
            log.info("stopped inference experiment %r (%s, %s)", name,
                     ", ".join(f"{v}: {a}" for v, a in request["ModelVariantActions"].items()),
                     desired_state)
        return arn

    def _check_stop_arguments(
        self,
        subject: str,
        name: object,
        actions: object,
        desired: object,
        desired_state: object,
        reason: object,
        *,
        actions_required: bool = True,
        also: Callable[[Checker], object] | None = None,
    ) -> tuple[dict[str, VariantAction], tuple[ModelVariantConfig, ...] | None]:
        """Every argument of stop/promote/conclude (``also`` checks the method's own), all
        reported in one :class:`ConfigValidationError` before anything is sent."""
        c = Checker()
        if not _good_name(name):
            c.check_string("name", name, EXPERIMENT_NAME)
        parsed, variants = check_stop_arguments(c, actions, desired, desired_state, reason,
                                                actions_required=actions_required)
        if variants is not None and not c.problems:
            c.problems += instance_type_problems(variants, self._known_types(),
                                                 "desired_model_variants")
        if also is not None:
            also(c)
        c.raise_if_any(subject)
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


_IMPORTED: Final[dict[str, ModuleType]] = {}


def _planner() -> ModuleType:
    """:mod:`shadowtest.plan`, imported on first use (``import shadowtest`` stays cheap),
    then kept: a ``from ... import`` in the method costs 0.5 us a call, and update ran
    two. (Kept once its import has finished: ``sys.modules`` holds a module being
    imported by another thread before it is complete.)"""
    planner = _IMPORTED.get("plan")
    if planner is None:
        import shadowtest.plan

        planner = _IMPORTED["plan"] = shadowtest.plan
    return planner


# names that passed: a program asks about the same few experiments again and again, and a
# set lookup costs 0.05 us against the pattern's 0.4 us (bounded: cleared when full)
_GOOD_NAMES: Final[set[str]] = set()
_GOOD_NAMES_MAX: Final = 1024


def _good_name(name: object) -> bool:
    if type(name) is str and name in _GOOD_NAMES:
        return True
    rule = EXPERIMENT_NAME
    good = (isinstance(name, str) and rule.min_len <= len(name) <= rule.max_len
            and rule.matches(name))
    if good and type(name) is str:
        if len(_GOOD_NAMES) >= _GOOD_NAMES_MAX:
            _GOOD_NAMES.clear()
        _GOOD_NAMES.add(name)
    return good


def _check_metrics_call(operation: str, name: object, start: object, end: object,
                        period: object, metrics: object, *,
                        also: Callable[[Checker], object] | None = None) -> tuple[str, ...]:
    """The checks of metrics()/evaluate() that need no experiment (and ``also``'s, after
    the name's), all reported together before anything is sent; returns the metric names
    to fetch."""
    from shadowtest.errors import ConfigValidationError
    from shadowtest.metrics import check_arguments

    c = Checker()
    if not _good_name(name):
        c.check_string("name", name, EXPERIMENT_NAME)
    if also is not None:
        also(c)
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


def _promotion(current: InferenceExperiment) -> dict[str, VariantAction]:
    """The actions that promote the shadow: it replaces production, which is removed."""
    source, shadow = _roles(current)
    return {shadow: VariantAction.PROMOTE, source: VariantAction.REMOVE}


def _conclusion(current: InferenceExperiment, *, remove_shadow: bool) -> dict[str, VariantAction]:
    """The actions that end a test keeping production: the shadow retained or removed."""
    source, shadow = _roles(current)
    return {source: VariantAction.RETAIN,
            shadow: VariantAction.REMOVE if remove_shadow else VariantAction.RETAIN}


def _roles(current: InferenceExperiment) -> tuple[str, str]:
    """The source and shadow variant names of a described experiment."""
    roles = current._roles
    if roles is None:
        raise ShadowTestError(f"inference experiment {current.name!r} has no shadow mode "
                              "config; give model_variant_actions to stop() explicitly")
    return roles

"""What an update would send, as a pure function: :func:`plan_update`.

"Would this update be allowed for this described experiment, and why not?" — answered
without sending anything, from the tables of what each status lets an update change.
The client, the Stubber helper and the fake all use it, so they cannot disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from shadowtest._checks import Checker, FrozenMap, to_tuple, unchecked
from shadowtest._displayed import Displayed
from shadowtest._json import jsonable
from shadowtest.config import (
    DESCRIPTION,
    MAX_DURATION,
    MAX_MODEL_VARIANTS,
    DataStorageConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest.errors import (
    ApplyIncompleteError,
    Problem,
    ReplacementRequiredError,
    ShadowTestError,
    UpdateNotAllowedError,
)
from shadowtest.experiment import InferenceExperiment
from shadowtest.rules import botocore_instance_types, instance_type_problems
from shadowtest.status import TRANSIENT, ExperimentStatus, StrEnum, status_advice

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

    from mypy_boto3_sagemaker.type_defs import UpdateInferenceExperimentRequestTypeDef

    from shadowtest._card import Card, Change, Fact
    from shadowtest.config import InferenceExperimentConfig

__all__ = ["ACTION_SYMBOLS", "UPDATABLE_FIELDS", "Plan", "PlannedChange", "UpdateField",
           "UpdatePlan", "check_update_arguments", "plan_apply", "plan_checked", "plan_update"]

S = ExperimentStatus


class UpdateField(StrEnum):
    """The parts of an experiment an update can touch; values are the paths used in
    :attr:`UpdateNotAllowedError.fields`."""

    START_TIME = "schedule.start_time"
    END_TIME = "schedule.end_time"
    DESCRIPTION = "description"
    MODEL_VARIANTS = "model_variants"
    SAMPLING_PERCENTAGE = "shadow_mode_config.sampling_percentage"
    VARIANT_NAMES = "shadow_mode_config.variant_names"
    DATA_STORAGE_CONFIG = "data_storage_config"


F = UpdateField

#: What an update may change in each status (the developer guide's "View, monitor, and
#: edit shadow tests": in Created the schedule, description, shadow variant and data capture;
#: in Running only the description, sampling and end date); in any other status, nothing.
#: The variant names of the shadow mode config never change: that is a new experiment.
UPDATABLE_FIELDS: Final[Mapping[ExperimentStatus, frozenset[UpdateField]]] = {
    S.CREATED: frozenset({F.START_TIME, F.END_TIME, F.DESCRIPTION, F.MODEL_VARIANTS,
                          F.SAMPLING_PERCENTAGE, F.DATA_STORAGE_CONFIG}),
    S.RUNNING: frozenset({F.END_TIME, F.DESCRIPTION, F.SAMPLING_PERCENTAGE}),
}


@attrs.frozen
class UpdatePlan(Displayed):
    """What :func:`plan_update` decided: the request to send, or why it is refused.

    ``request`` holds the keyword arguments of ``update_inference_experiment``
    (``Name`` included) for the changes that are allowed; ``dropped`` names the
    requested fields left out because they equal the current values (an unchanged
    start time; in Running, unchanged model variants or data storage config);
    ``refused`` lists each offending field with the reason.
    """

    name: str
    status: ExperimentStatus
    request: UpdateInferenceExperimentRequestTypeDef
    refused: tuple[Problem, ...] = ()
    dropped: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """Whether the update is allowed: nothing was refused."""
        return not self.refused

    @property
    def sends_anything(self) -> bool:
        """False when the plan is refused, or when nothing is left to send because every
        requested change was a current value that is dropped (an unchanged start time, or
        in Running unchanged model variants or data storage config)."""
        return self.allowed and len(self.request) > 1

    def to_dict(self) -> dict[str, object]:
        """Strict JSON: ``name``, ``status``, ``allowed``, ``request`` (what update would
        send, timestamps as ISO 8601 UTC strings), ``refused`` (``path`` and ``message``
        each) and ``dropped``."""
        return {"name": self.name, "status": jsonable(self.status), "allowed": self.allowed,
                "request": jsonable(self.request),
                "refused": [{"path": p.path, "message": p.message} for p in self.refused],
                "dropped": list(self.dropped)}

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card, Table

        sent = [key for key in self.request if key != "Name"]
        facts: list[Fact] = [
            ("allowed", "yes" if self.allowed else "no: nothing is sent"),
            ("sends", ", ".join(sent) if self.sends_anything else "nothing"),
            ("dropped (unchanged)", ", ".join(self.dropped) or None)]
        parts = [Table("refused", ("path", "problem"),
                       [(p.path, p.message) for p in self.refused])] if self.refused else []
        return Card(f"UpdatePlan for {self.name!r} ({self.status})", facts, parts)

    def error(self) -> UpdateNotAllowedError | None:
        """The :class:`UpdateNotAllowedError` to raise, or ``None`` if allowed."""
        if not self.refused:
            return None
        lines = "\n".join(f"  {problem}" for problem in self.refused)
        return UpdateNotAllowedError(
            f"cannot update inference experiment {self.name!r} ({self.status}); "
            f"nothing was sent:\n{lines}",
            name=self.name, status=str(self.status),
            fields=dict.fromkeys(problem.path for problem in self.refused),
            problems=self.refused,
        )


def plan_update(
    current: InferenceExperiment,
    *,
    schedule: InferenceExperimentSchedule | None = None,
    description: str | None = None,
    model_variants: Iterable[ModelVariantConfig] | None = None,
    shadow_mode_config: ShadowModeConfig | None = None,
    data_storage_config: DataStorageConfig | None = None,
    instance_types: Collection[str] | None = None,
) -> UpdatePlan:
    """Would this update be allowed for ``current`` (a described experiment), and why not?

    A pure function: it sends nothing. Arguments left as ``None`` are not part of
    the update. Raises :class:`ConfigValidationError` for arguments that are wrong
    whatever the status (``current`` not an :class:`InferenceExperiment`, a wrong type,
    three variants, an instance type not in ``instance_types``, by default the installed
    botocore's list); returns an
    :class:`UpdatePlan` whose ``error()`` is the :class:`UpdateNotAllowedError` the
    client would raise.

    >>> plan = plan_update(experiment, description="now at 100%")  # doctest: +SKIP
    >>> plan.allowed, plan.request  # doctest: +SKIP
    (True, {'Name': 'churn-shadow', 'Description': 'now at 100%'})
    """
    c = Checker()
    # the experiment first: its status and fields decide everything after
    c.check_instance("current", current, InferenceExperiment,
                     "an InferenceExperiment (what client.describe(name) returns)")
    variants = check_update_arguments(c, schedule, description, model_variants,
                                      shadow_mode_config, data_storage_config,
                                      instance_types=instance_types)
    c.raise_if_any("update arguments")
    return plan_checked(current, schedule, description, variants, shadow_mode_config,
                         data_storage_config)


def plan_checked(
    current: InferenceExperiment,
    schedule: InferenceExperimentSchedule | None,
    description: str | None,
    variants: tuple[ModelVariantConfig, ...] | None,
    shadow_mode_config: ShadowModeConfig | None,
    data_storage_config: DataStorageConfig | None,
) -> UpdatePlan:
    """:func:`plan_update` for arguments already checked by ``check_update_arguments``."""
    name, status = current.name, current.status
    updatable = UPDATABLE_FIELDS.get(status)
    if updatable is None:
        requested: list[UpdateField] = []
        if schedule is not None:
            requested += [f for f, v in ((F.START_TIME, schedule.start_time),
                                         (F.END_TIME, schedule.end_time)) if v is not None]
        requested += [f for f, v in ((F.DESCRIPTION, description),
                                     (F.MODEL_VARIANTS, variants),
                                     (_shadow_mode_field(current, shadow_mode_config),
                                      shadow_mode_config),
                                     (F.DATA_STORAGE_CONFIG, data_storage_config))
                      if v is not None]
        advice = status_advice("update", status)
        reason = (f"an experiment can be updated only when Created or Running, and this one is "
                  f"{status}{': ' + advice if advice else ''}")
        return UpdatePlan(name, status, {"Name": name},
                          refused=tuple(Problem(str(f), reason) for f in requested))

    refused: list[Problem] = []
    dropped: list[str] = []
    request: dict[str, Any] = {"Name": name}

    if schedule is not None:
        sent = _plan_schedule(current, schedule, updatable, *_refusers(refused, status, updatable),
                              dropped)
        if sent:
            request["Schedule"] = sent
    if description is not None:
        if F.DESCRIPTION in updatable:
            request["Description"] = description
        else:
            _not_in_status(refused, status, updatable, F.DESCRIPTION, "the description")
    if variants is not None:
        _plan_variants(current, variants, updatable, *_refusers(refused, status, updatable),
                       dropped, request)
    if shadow_mode_config is not None:
        if F.SAMPLING_PERCENTAGE in updatable:
            _plan_shadow_mode(current, shadow_mode_config, refused, request)
        else:
            _not_in_status(refused, status, updatable, F.SAMPLING_PERCENTAGE,
                           "the sampling percentage")
    if data_storage_config is not None:
        if F.DATA_STORAGE_CONFIG in updatable:
            request["DataStorageConfig"] = data_storage_config.to_boto3()
        elif data_storage_config == current.data_storage_config:
            dropped.append(str(F.DATA_STORAGE_CONFIG))
        else:
            _not_in_status(refused, status, updatable, F.DATA_STORAGE_CONFIG,
                           "the data storage config")
    # positional: matching keywords to an attrs __init__ costs 0.3 us, a fifth of the plan
    return UpdatePlan(name, status, cast("UpdateInferenceExperimentRequestTypeDef", request),
                      tuple(refused), tuple(dropped))


def _refusers(
    refused: list[Problem], status: ExperimentStatus | str, updatable: frozenset[UpdateField],
) -> tuple[Callable[[UpdateField, str], None], Callable[[UpdateField, str], None]]:
    """``refuse(field, reason)`` and ``not_in_status(field, what)``, appending to ``refused``."""

    def refuse(field: UpdateField, reason: str) -> None:
        refused.append(Problem(str(field), reason))

    def not_in_status(field: UpdateField, what: str) -> None:
        _not_in_status(refused, status, updatable, field, what)

    return refuse, not_in_status


def _not_in_status(refused: list[Problem], status: ExperimentStatus | str,
                   updatable: frozenset[UpdateField], field: UpdateField, what: str) -> None:
    can = ", ".join(sorted(str(f) for f in updatable))
    refused.append(Problem(str(field), f"{what} cannot change while the experiment is {status} "
                                       f"(it can change: {can})"))


def _shadow_mode_field(current: InferenceExperiment,
                       shadow: ShadowModeConfig | None) -> UpdateField:
    """The field a shadow mode config changes: its variant names if they differ from the
    experiment's, else the sampling percentage."""
    if shadow is not None and current._roles is not None and (
            shadow.source_model_variant_name, shadow.shadow_model_variant_name
    ) != current._roles:
        return F.VARIANT_NAMES
    return F.SAMPLING_PERCENTAGE


def check_update_arguments(
    c: Checker, schedule: object, description: object, model_variants: object,
    shadow_mode_config: object, data_storage_config: object, *,
    instance_types: Collection[str] | None = None,
) -> tuple[ModelVariantConfig, ...] | None:
    """Check an update's arguments on their own, whatever the experiment's status: types,
    the description's length, one or two variants whose instance types are in
    ``instance_types`` (default: botocore's list). Problems go to ``c``; returns the
    variants as a tuple."""
    if schedule is not None:
        c.check_instance("schedule", schedule, InferenceExperimentSchedule,
                         "an InferenceExperimentSchedule")
    if description is not None:
        c.check_string("description", description, DESCRIPTION)
    if shadow_mode_config is not None:
        c.check_instance("shadow_mode_config", shadow_mode_config, ShadowModeConfig,
                         "a ShadowModeConfig")
    if data_storage_config is not None:
        c.check_instance("data_storage_config", data_storage_config, DataStorageConfig,
                         "a DataStorageConfig")
    variants = None
    if model_variants is not None:
        variants = to_tuple(model_variants, MAX_MODEL_VARIANTS)  # an endless one too
        if c.check_sequence("model_variants", variants, min_len=1, max_len=MAX_MODEL_VARIANTS,
                            what="ModelVariantConfig (one or both variants)"):
            for i, variant in enumerate(variants):
                c.check_instance(f"model_variants[{i}]", variant, ModelVariantConfig,
                                 "a ModelVariantConfig")
            if instance_types is None:
                instance_types = botocore_instance_types()
            c.problems += instance_type_problems(variants, instance_types, "model_variants")
    return variants


def _plan_schedule(
    current: InferenceExperiment, schedule: InferenceExperimentSchedule,
    updatable: frozenset[UpdateField], refuse: Callable[[UpdateField, str], None],
    not_in_status: Callable[[UpdateField, str], None], dropped: list[str],
) -> dict[str, datetime]:
    now = current.schedule or InferenceExperimentSchedule()
    sent: dict[str, datetime] = {}
    start, end = schedule.start_time, schedule.end_time
    if start is not None:
        if now.start_time is not None and start == now.start_time:
            dropped.append(str(F.START_TIME))  # not a change, so never refused
        elif F.START_TIME in updatable:
            sent["StartTime"] = start.astimezone(timezone.utc)
        else:
            not_in_status(F.START_TIME, "the start time")
    if end is not None:
        if F.END_TIME in updatable:
            sent["EndTime"] = end.astimezone(timezone.utc)
        else:
            not_in_status(F.END_TIME, "the end time")
    # the schedule as it would be afterwards must still make sense
    after_start = start if start is not None else now.start_time
    after_end = end if end is not None else now.end_time
    if after_start is not None and after_end is not None and sent:
        field = F.END_TIME if end is not None else F.START_TIME
        if after_end <= after_start:
            refuse(field, f"the schedule would end ({after_end.isoformat()}) before it starts "
                          f"({after_start.isoformat()})")
        elif after_end - after_start > MAX_DURATION:
            refuse(field, f"the schedule would run {after_end - after_start} from "
                          f"{after_start.isoformat()}; a shadow test runs at most 30 days")
    return sent


def _plan_variants(
    current: InferenceExperiment, variants: tuple[ModelVariantConfig, ...],
    updatable: frozenset[UpdateField], refuse: Callable[[UpdateField, str], None],
    not_in_status: Callable[[UpdateField, str], None], dropped: list[str],
    request: dict[str, Any],
) -> None:
    names = current.variant_names
    seen: set[str] = set()
    sound = True
    for variant in variants:
        existing = current.variant(variant.variant_name)
        if existing is None:
            refuse(F.MODEL_VARIANTS, f"names the variant {variant.variant_name!r}, which is "
                                     f"not in the experiment (its variants: "
                                     f"{', '.join(map(repr, names))})")
            sound = False
        elif variant.variant_name in seen:
            refuse(F.MODEL_VARIANTS, f"names the variant {variant.variant_name!r} twice")
            sound = False
        elif existing.model_name != variant.model_name:
            refuse(F.MODEL_VARIANTS, f"changes the model of {variant.variant_name!r} from "
                                     f"{existing.model_name!r} to {variant.model_name!r}; "
                                     "a variant's model cannot change: start a new experiment")
            sound = False
        seen.add(variant.variant_name)
    if not sound:
        return
    if F.MODEL_VARIANTS in updatable:
        request["ModelVariants"] = [variant.to_boto3() for variant in variants]
    elif all(_same_variant(current, variant) for variant in variants):
        dropped.append(str(F.MODEL_VARIANTS))
    else:
        not_in_status(F.MODEL_VARIANTS, "the model variants")


def _same_variant(current: InferenceExperiment, variant: ModelVariantConfig) -> bool:
    existing = current.variant(variant.variant_name)
    return existing is not None and (existing.instance_type, existing.instance_count) == (
        variant.instance_type, variant.instance_count)


def _plan_shadow_mode(
    current: InferenceExperiment, shadow: ShadowModeConfig,
    refused: list[Problem], request: dict[str, Any],
) -> None:
    source, shadow_name = shadow.source_model_variant_name, shadow.shadow_model_variant_name
    if current._roles == (source, shadow_name):  # the usual case: the roles are the same
        request["ShadowModeConfig"] = shadow.to_boto3()
        return
    names = current.variant_names
    if source in names and shadow_name in names:
        roles = current._roles  # the same roles returned above
        if roles is None:
            request["ShadowModeConfig"] = shadow.to_boto3()
            return
        problems = [f"the source and shadow are {roles[0]!r} and {roles[1]!r}; an update "
                    "cannot change which variant is which (only the sampling percentage)"]
    else:
        problems = [
            f"{role} variant {value!r} is not in the experiment (its variants: "
            f"{', '.join(map(repr, names))})"
            for role, value in (("the source", source), ("the shadow", shadow_name))
            if value not in names
        ]
    refused.append(Problem(str(F.VARIANT_NAMES), "; ".join(problems)))


# -- a desired config against the live experiment: what apply would send ---------------------

#: The steps of a :class:`Plan`, in the order they run, with their Terraform-like symbols.
ACTION_SYMBOLS: Final[Mapping[str, str]] = {
    "replace": "-/+", "create": "+", "update": "~", "start": ">",
}
_SETTLED_START: Final = timedelta(seconds=1)  # the service keeps timestamps in whole seconds


@attrs.frozen(kw_only=True)
class PlannedChange(Displayed):
    """One difference between the desired config and the live experiment.

    ``path`` is where (``shadow_mode_config.sampling_percentage``,
    ``model_variants['shadow'].instance_count``, ``tags['team']``); ``old`` is the live
    value (``None`` when there is none) and ``new`` the desired one (``None`` for a tag
    to delete). ``action`` is the step that carries it out (``"create"``, ``"update"``,
    ``"replace"``, ``"start"``). ``allowed`` is false for a change the experiment's status
    forbids; ``reason`` says why it is refused, or why it forces a replacement.
    """

    path: str
    old: object
    new: object
    action: str = "update"
    allowed: bool = True
    reason: str | None = None

    def __str__(self) -> str:
        """``path: old -> new (reason)``: the one line a plan and an error message show (its
        card, in a notebook, spells each part out)."""
        return self._change().text()

    def _change(self) -> Change:
        from shadowtest._card import Change

        return Change(self.symbol, self.path,
                      None if self.action == "create" else _shown(self.old), _shown(self.new),
                      f"refused: {self.reason}" if not self.allowed else self.reason)

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card

        return Card(f"PlannedChange {self.symbol} {self.path}", [
            ("live", None if self.action == "create" else _shown(self.old)),
            ("desired", _shown(self.new)), ("step", self.action),
            ("allowed", "yes" if self.allowed else "no"), ("reason", self.reason)])

    def to_dict(self) -> dict[str, object]:
        """Strict JSON: ``path``, ``old``, ``new`` (timestamps as ISO 8601 UTC strings),
        ``action``, ``allowed`` and ``reason``."""
        return {"path": self.path, "old": jsonable(self.old), "new": jsonable(self.new),
                "action": self.action, "allowed": self.allowed, "reason": self.reason}

    @property
    def symbol(self) -> str:
        """``+``, ``~``, ``-`` (a tag removed), ``-/+`` or ``!`` (refused)."""
        if not self.allowed:
            return "!"
        if self.action == "update" and self.new is None:
            return "-"
        if self.action == "update" and self.old is None:
            return "+"
        return ACTION_SYMBOLS.get(self.action, "~")


# typed converters: the attrs plugin makes each the type of its __init__ parameter
def _actions(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _changes(value: Iterable[PlannedChange]) -> tuple[PlannedChange, ...]:
    return tuple(value)


def _requests(
    value: Iterable[tuple[str, Mapping[str, object]]],
) -> tuple[tuple[str, Mapping[str, object]], ...]:
    """``(operation, read-only params)`` pairs: a plan is frozen."""
    return tuple((operation, FrozenMap(params)) for operation, params in value)


@attrs.frozen(kw_only=True)
class Plan(Displayed):
    """What ``ExperimentClient.apply`` would do to make the experiment match a config.

    ``actions`` lists the steps in order (``"create"``, ``"replace"``, ``"update"``,
    ``"start"``); empty — and ``bool(plan)`` false — when the experiment matches
    already. ``changes`` holds every difference as a :class:`PlannedChange`;
    ``requests`` the exact boto3 calls, ``(operation_name, params)`` in snake_case
    names, that apply would send (a replacement also waits for the stop to finish).
    ``str(plan)`` reads like a Terraform plan.

    >>> print(client.plan(config))  # doctest: +SKIP
    ~ update inference experiment 'churn-shadow' (Running)
        ~ shadow_mode_config.sampling_percentage: 20 -> 100
    """

    name: str
    status: ExperimentStatus | str | None
    actions: tuple[str, ...] = attrs.field(default=(), converter=_actions)
    changes: tuple[PlannedChange, ...] = attrs.field(default=(), converter=_changes)
    requests: tuple[tuple[str, Mapping[str, object]], ...] = attrs.field(
        default=(), converter=_requests)

    def __bool__(self) -> bool:
        return bool(self.actions)

    @property
    def refused(self) -> tuple[PlannedChange, ...]:
        """The changes the experiment's status forbids (apply raises for these)."""
        return tuple(change for change in self.changes if not change.allowed)

    @property
    def replaces(self) -> bool:
        """Whether the experiment would be stopped (if running), deleted and created again."""
        return "replace" in self.actions

    def error(self) -> UpdateNotAllowedError | None:
        """The :class:`UpdateNotAllowedError` apply raises for the refused changes, or
        ``None`` when nothing is refused."""
        refused = self.refused
        if not refused:
            return None
        lines = "\n".join(f"  {change}" for change in refused)
        return UpdateNotAllowedError(
            f"cannot apply the config to inference experiment {self.name!r} ({self.status}); "
            f"nothing was sent:\n{lines}",
            name=self.name, status=str(self.status),
            fields=dict.fromkeys(change.path for change in refused))

    def to_dict(self) -> dict[str, object]:
        """Strict JSON: ``name``, ``status`` (``null`` when the experiment does not exist),
        ``actions``, ``changes`` (:meth:`PlannedChange.to_dict` each) and ``requests``
        (``operation`` and ``params`` each, timestamps as ISO 8601 UTC strings) — what
        ``shadowtest plan --json`` prints."""
        return {"name": self.name, "status": jsonable(self.status),
                "actions": list(self.actions),
                "changes": [change.to_dict() for change in self.changes],
                "requests": [{"operation": operation, "params": jsonable(params)}
                             for operation, params in self.requests]}

    def _heading(self) -> str:
        where = f"inference experiment {self.name!r}" + (
            f" ({self.status})" if self.status is not None else " (does not exist)")
        if not self.actions and not self.refused:
            return f"No changes: {where} matches the config."
        steps = ", ".join(f"{ACTION_SYMBOLS[a]} {a}" for a in self.actions) or "! refused"
        return f"{steps} {where}"

    def _card(self, now: datetime | None = None) -> Card:
        """Like a Terraform plan: the steps and the experiment, each change under them,
        then what apply will do besides."""
        from shadowtest._card import Card, Changes, Lines

        notes = []
        if "replace" in self.actions:
            steps = [operation.split("_")[0] for operation, _ in self.requests
                     if operation.endswith("_inference_experiment")]
            notes.append(f"replacement: {' -> '.join(steps)}")
        if self.status in TRANSIENT:
            notes.append(f"apply waits for it to leave {self.status}, then plans again")
        if self.refused:
            n = len(self.refused)
            notes.append(f"{n} change{'s' * (n != 1)} refused: apply raises "
                         "UpdateNotAllowedError and sends nothing")
        return Card(self._heading(), (), [
            Changes([change._change() for change in self.changes]), Lines(notes)])


def _shown(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, tuple):
        return "[" + ", ".join(map(_shown, value)) + "]"
    return repr(value)


def _same_time(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < _SETTLED_START


def plan_apply(
    config: InferenceExperimentConfig,
    live: InferenceExperiment | None,
    *,
    now: datetime,
    desired_state: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Plan:
    """What apply would send to make ``live`` (``None``: no experiment of that name) match
    ``config``: a pure function of its arguments, sending nothing.

    ``tags`` are the live experiment's tags (``ListTags``); with ``None`` they are not
    compared. The rules:

    - a field the config leaves unset (``None``) is not managed: the live value stays;
    - a change to a field set only on create (endpoint, role, KMS key, the variants'
      names or models, which variant is production), or any change to a Completed or
      Cancelled experiment, is a **replacement**: stop (if running), delete, create;
    - other changes are an **update** of only the changed fields, each checked against
      what the status allows (:func:`plan_update`, the same rules as ``update``);
      forbidden ones are listed with ``allowed=False``;
    - tags are added and deleted to match (``aws:`` tags are the service's, never deleted);
    - ``desired_state="Running"`` **starts** a Created experiment.

    A schedule whose start is not in the future (one built by ``from_now()``) means
    "start as soon as possible, for ``duration``": once the experiment has started, its
    start is satisfied and the end compared is the *actual* start plus that duration.
    So re-running a config built by ``from_now()`` when only the clock moved plans
    nothing. Times are compared to the second, as the service keeps them.
    """
    from shadowtest.status import TERMINAL

    if desired_state not in (None, "Running"):
        c = Checker()
        c.add("desired_state", f"got {desired_state!r}; must be None or 'Running'")
        c.fail("apply arguments")
    name = config.name
    if live is None:
        return _plan_create(config, now, desired_state)
    status = live.status
    forcing = _create_only_changes(config, live)
    updates, schedule, start_now = _update_changes(config, live, now)
    tag_changes, added, removed = _tag_changes(config, tags)
    ended = status in TERMINAL
    if forcing or (ended and (updates or desired_state == "Running")):
        return _plan_replace(config, live, now, desired_state, forcing, updates, tag_changes)

    actions: list[str] = []
    requests: list[tuple[str, Mapping[str, object]]] = []
    changes = list(updates)
    if updates:
        field_args = _update_arguments(config, live, updates, schedule)
        update = plan_checked(live, **field_args)
        for i, change in enumerate(changes):
            reason = _refusal_for(change.path, update.refused)
            if reason is not None:
                changes[i] = attrs.evolve(change, allowed=False, reason=reason)
        if update.sends_anything:
            actions.append("update")
            requests.append(("update_inference_experiment", dict(update.request)))
    if tag_changes:
        changes += tag_changes
        if "update" not in actions:
            actions.append("update")
        if added:
            requests.append(("add_tags", {"ResourceArn": live.arn, "Tags": added}))
        if removed:
            requests.append(("delete_tags", {"ResourceArn": live.arn, "TagKeys": removed}))
    if status is ExperimentStatus.CREATED and (start_now or desired_state == "Running"):
        actions.append("start")
        requests.append(("start_inference_experiment", {"Name": name}))
        changes.append(PlannedChange(path="status", old=str(status), new="Running",
                                     action="start", reason="start now" if start_now else None))
    return Plan(name=name, status=status, actions=actions, changes=changes, requests=requests)


def _facts(config: InferenceExperimentConfig) -> list[tuple[str, object]]:
    """The config as ``(path, value)`` pairs, for listing what a create sets."""
    facts: list[tuple[str, object]] = [
        ("endpoint_name", config.endpoint_name), ("role_arn", config.role_arn)]
    for variant in config.model_variants:
        where = f"model_variants[{variant.variant_name!r}]"
        facts += [(f"{where}.model_name", variant.model_name),
                  (f"{where}.instance_type", variant.instance_type),
                  (f"{where}.instance_count", variant.instance_count)]
    shadow = config.shadow_mode_config
    facts += [("shadow_mode_config.source_model_variant_name", shadow.source_model_variant_name),
              ("shadow_mode_config.shadow_model_variant_name", shadow.shadow_model_variant_name),
              ("shadow_mode_config.sampling_percentage", shadow.sampling_percentage)]
    if config.schedule is not None:
        facts += [("schedule.start_time", config.schedule.start_time),
                  ("schedule.end_time", config.schedule.end_time)]
    facts += [("description", config.description), ("kms_key", config.kms_key)]
    facts += [(change.path, change.new)
              for change in _storage_changes(None, config.data_storage_config)]
    facts += [(f"tags[{key!r}]", value) for key, value in (config.tags or {}).items()]
    return [(path, value) for path, value in facts if value is not None]


def _starts_later(config: InferenceExperimentConfig, now: datetime) -> bool:
    """Whether a new experiment of this config would wait in Created for its start."""
    start = config.schedule.start_time if config.schedule is not None else None
    return start is not None and start > now


def _plan_create(config: InferenceExperimentConfig, now: datetime,
                 desired_state: str | None) -> Plan:
    changes = [PlannedChange(path=path, old=None, new=value, action="create")
               for path, value in _facts(config)]
    actions = ["create"]
    requests: list[tuple[str, Mapping[str, object]]] = [
        ("create_inference_experiment", config.to_boto3())]
    if desired_state == "Running" and _starts_later(config, now):
        actions.append("start")
        requests.append(("start_inference_experiment", {"Name": config.name}))
    return Plan(name=config.name, status=None, actions=actions, changes=changes,
                requests=requests)


def _plan_replace(
    config: InferenceExperimentConfig, live: InferenceExperiment, now: datetime,
    desired_state: str | None, forcing: list[PlannedChange], updates: list[PlannedChange],
    tag_changes: list[PlannedChange],
) -> Plan:
    name, status = config.name, live.status
    ended = f"the experiment is {status}: it has ended, so any change needs a new one"
    changes = forcing + [attrs.evolve(change, action="replace", allowed=True,
                                      reason=None if forcing else ended)
                         for change in updates + tag_changes]
    if not changes:  # ended, unchanged, but wanted Running
        changes = [PlannedChange(path="status", old=str(status), new="Running",
                                 action="replace", reason=ended)]
    requests: list[tuple[str, Mapping[str, object]]] = []
    if status is ExperimentStatus.RUNNING and live._roles is not None:
        # production keeps serving; the shadow goes, its replacement brings its own
        source, shadow = live._roles
        requests.append(("stop_inference_experiment", {
            "Name": name, "ModelVariantActions": {source: "Retain", shadow: "Remove"},
            "DesiredState": "Cancelled", "Reason": "replaced by shadowtest apply"}))
    requests += [("delete_inference_experiment", {"Name": name}),
                 ("create_inference_experiment", config.to_boto3())]
    actions = ["replace"]
    if desired_state == "Running" and _starts_later(config, now):
        actions.append("start")
        requests.append(("start_inference_experiment", {"Name": name}))
    return Plan(name=name, status=status, actions=actions, changes=changes, requests=requests)


def _create_only_changes(config: InferenceExperimentConfig,
                         live: InferenceExperiment) -> list[PlannedChange]:
    """Differences that no update can make: each forces a replacement."""
    only = "set only on create: forces a replacement"
    out: list[PlannedChange] = []

    def differs(path: str, old: object, new: object, reason: str = only) -> None:
        if old != new:
            out.append(PlannedChange(path=path, old=old, new=new, action="replace",
                                     reason=reason))

    differs("endpoint_name", live.endpoint_name, config.endpoint_name)
    differs("role_arn", live.role_arn, config.role_arn)
    if config.kms_key is not None:
        differs("kms_key", live.kms_key, config.kms_key)
    names = tuple(sorted(v.variant_name for v in config.model_variants))
    live_names = tuple(sorted(live.variant_names))
    differs("model_variants", live_names, names,
            "the variants of an experiment are fixed on create: forces a replacement")
    if names == live_names:
        for variant in config.model_variants:
            existing = live.variant(variant.variant_name)
            if existing is not None:
                differs(f"model_variants[{variant.variant_name!r}].model_name",
                        existing.model_name, variant.model_name,
                        "a variant's model is fixed on create: forces a replacement")
    shadow = config.shadow_mode_config
    roles = (shadow.source_model_variant_name, shadow.shadow_model_variant_name)
    if live._roles is not None and names == live_names:
        for i, field in enumerate(("source_model_variant_name", "shadow_model_variant_name")):
            differs(f"shadow_mode_config.{field}", live._roles[i], roles[i],
                    "which variant is production is fixed on create: forces a replacement")
    return out


def _update_changes(
    config: InferenceExperimentConfig, live: InferenceExperiment, now: datetime,
) -> tuple[list[PlannedChange], InferenceExperimentSchedule | None, bool]:
    """Differences an update can make (if the status allows): the changes, the schedule
    to send, and whether the config asks a Created experiment to start now."""
    out: list[PlannedChange] = []
    schedule, start_now = _schedule_changes(config.schedule, live, now, out)
    if config.description is not None and config.description != live.description:
        out.append(PlannedChange(path="description", old=live.description,
                                 new=config.description))
    for variant in config.model_variants:
        existing = live.variant(variant.variant_name)
        if existing is None or existing.model_name != variant.model_name:
            continue  # a replacement
        where = f"model_variants[{variant.variant_name!r}]"
        for field in ("instance_type", "instance_count"):
            old, new = getattr(existing, field), getattr(variant, field)
            if old != new:
                out.append(PlannedChange(path=f"{where}.{field}", old=old, new=new))
    live_shadow = live.shadow_mode_config
    wanted = config.shadow_mode_config.sampling_percentage
    if live_shadow is not None and live_shadow.sampling_percentage != wanted:
        out.append(PlannedChange(path=str(F.SAMPLING_PERCENTAGE),
                                 old=live_shadow.sampling_percentage, new=wanted))
    if config.data_storage_config is not None:
        out += _storage_changes(live.data_storage_config, config.data_storage_config)
    return out, schedule, start_now


def _storage_changes(old: DataStorageConfig | None,
                     new: DataStorageConfig | None) -> list[PlannedChange]:
    """A data storage config's differences field by field (``data_storage_config.destination:
    old -> new``), as every other change reads; an empty list of content types is none."""
    out = []
    for field in attrs.fields(DataStorageConfig):
        was, wanted = (None if side is None else getattr(side, field.name) or None
                       for side in (old, new))
        if was != wanted:
            out.append(PlannedChange(path=f"{F.DATA_STORAGE_CONFIG}.{field.name}", old=was,
                                     new=wanted))
    return out


def _schedule_changes(
    desired: InferenceExperimentSchedule | None, live: InferenceExperiment, now: datetime,
    out: list[PlannedChange],
) -> tuple[InferenceExperimentSchedule | None, bool]:
    if desired is None:
        return None, False
    current = live.schedule or InferenceExperimentSchedule()
    live_start, live_end = current.start_time, current.end_time
    start, end = desired.start_time, desired.end_time
    started = live.status not in (ExperimentStatus.CREATED, ExperimentStatus.CREATING) or (
        live_start is not None and live_start <= now)
    start_now = False
    send_start = None
    if start is not None and start <= now:
        # "as soon as possible": satisfied once started; the end keeps the duration asked
        base = live_start if started and live_start is not None else now
        start_now = not started
        if end is not None:
            end = base + (end - start)
    elif start is not None and not _same_time(start, live_start):
        send_start = start
        out.append(PlannedChange(path=str(F.START_TIME), old=live_start, new=start))
    send_end = None
    if end is not None and not _same_time(end, live_end):
        send_end = end
        out.append(PlannedChange(path=str(F.END_TIME), old=live_end, new=end))
    if send_start is None and send_end is None:
        return None, start_now
    return unchecked(InferenceExperimentSchedule, start_time=send_start,
                     end_time=send_end), start_now


def _update_arguments(
    config: InferenceExperimentConfig, live: InferenceExperiment,
    changes: list[PlannedChange], schedule: InferenceExperimentSchedule | None,
) -> dict[str, Any]:
    """The arguments of :func:`plan_checked` for ``changes``: only what differs."""
    paths = {change.path for change in changes}
    changed_variants = tuple(
        variant for variant in config.model_variants
        if any(path.startswith(f"model_variants[{variant.variant_name!r}]") for path in paths))
    return {
        "schedule": schedule,
        "description": config.description if "description" in paths else None,
        "variants": changed_variants or None,
        "shadow_mode_config": (config.shadow_mode_config
                               if str(F.SAMPLING_PERCENTAGE) in paths else None),
        "data_storage_config": (config.data_storage_config
                                if any(path.startswith(f"{F.DATA_STORAGE_CONFIG}.")
                                       for path in paths) else None),
    }


def _refusal_for(path: str, refused: tuple[Problem, ...]) -> str | None:
    """The reason :func:`plan_update` refused the field ``path`` belongs to, if it did."""
    for problem in refused:
        field = problem.path
        if path == field or path.startswith((field + "[", field + ".")):
            return problem.message
    return None


def _tag_changes(
    config: InferenceExperimentConfig, live: Mapping[str, str] | None,
) -> tuple[list[PlannedChange], list[dict[str, str]], list[str]]:
    """The tag changes, the tags to add (``AddTags``) and the keys to delete."""
    if config.tags is None or live is None:
        return [], [], []
    added = {key: value for key, value in config.tags.items() if live.get(key) != value}
    # tags starting with aws: belong to AWS (CloudFormation's, say): never deleted here
    removed = [key for key in live
               if key not in config.tags and not key.lower().startswith("aws:")]
    changes = [PlannedChange(path=f"tags[{key!r}]", old=live.get(key), new=value)
               for key, value in added.items()]
    changes += [PlannedChange(path=f"tags[{key!r}]", old=live[key], new=None) for key in removed]
    return changes, [{"Key": key, "Value": value} for key, value in added.items()], removed


# -- carrying a plan out (apply): refusals, waits, and what a failure leaves --------------

#: What each step of a plan is called in messages: (what was done, what doing it is).
_STEP_WORDS: Final[Mapping[str, tuple[str, str]]] = {
    "create_inference_experiment": ("created", "creating it"),
    "update_inference_experiment": ("updated", "updating it"),
    "start_inference_experiment": ("started", "starting it"),
    "stop_inference_experiment": ("stopped", "stopping it"),
    "delete_inference_experiment": ("deleted", "deleting it"),
    "add_tags": ("tagged", "adding its tags"),
    "delete_tags": ("untagged", "deleting its tags"),
}


def apply_refusal(plan: Plan, *, replace: bool) -> ShadowTestError | None:
    """What ``apply`` raises before sending anything for ``plan``: the
    :class:`UpdateNotAllowedError` of its refused changes, or, without ``replace``, the
    :class:`ReplacementRequiredError` naming the changes that force a new experiment;
    ``None`` when it may go ahead."""
    error = plan.error()
    if error is not None or not plan.replaces or replace:
        return error
    # the changes that force it (others ride along with the new experiment)
    forcing = [change for change in plan.changes if change.action == "replace" and change.reason]
    lines = "\n".join(f"  {change}" for change in forcing)
    return ReplacementRequiredError(
        f"applying the config would replace inference experiment {plan.name!r} "
        f"({plan.status}): stop it if running, delete it and create it again; pass "
        f"replace=True (shadowtest apply --replace) to do so. Nothing was sent:\n{lines}",
        name=plan.name, fields=dict.fromkeys(change.path for change in forcing))


def wait_before(operation: str, sent: Collection[str]) -> frozenset[ExperimentStatus] | None:
    """The statuses the experiment must reach before ``operation`` is sent, after the
    operations ``sent`` (``None``: none): a stopped experiment must end before it is
    deleted, a created or updated one be Created (or Running) before it is started."""
    from shadowtest.status import TERMINAL

    if operation == "delete_inference_experiment" and "stop_inference_experiment" in sent:
        return TERMINAL
    if operation == "start_inference_experiment" and (
            "create_inference_experiment" in sent or "update_inference_experiment" in sent):
        return frozenset({ExperimentStatus.CREATED, ExperimentStatus.RUNNING})
    return None


def still_needed(operation: str, live: InferenceExperiment) -> bool:
    """Whether ``operation`` is still to be sent once the experiment has settled as
    ``live``: a start is not when its start time came while it was being created or
    updated."""
    return not (operation == "start_inference_experiment"
                and live.status is ExperimentStatus.RUNNING)


def _words(step: str) -> tuple[str, str]:
    return _STEP_WORDS.get(step, (step, step))


def incomplete(plan: Plan, done: Sequence[str], failed: str, error: BaseException, *,
               waited_for: Collection[str] = ()) -> ApplyIncompleteError:
    """The error for a plan whose steps ``done`` (boto3 method names) were carried out
    before ``failed`` failed with ``error`` — or, with ``waited_for`` (statuses), before
    the wait ahead of it did: what was done, what was not, and that re-running apply
    finishes the job."""
    did = " and ".join(_words(step)[0] for step in done)
    doing = _words(failed)[1]
    if plan.replaces and "create_inference_experiment" not in done:
        did = f"the old experiment was {did}"
        if failed == "create_inference_experiment":
            doing = "creating it again"
    elif plan.replaces:
        did = f"inference experiment {plan.name!r} was replaced ({did} again)"
    else:
        did = f"inference experiment {plan.name!r} was {did}"
    if waited_for:
        doing = f"waiting for it to be {' or '.join(sorted(waited_for))} before {doing}"
    return ApplyIncompleteError(
        f"apply {plan.name!r}: {did}; {doing} failed: {type(error).__name__}: {error} — "
        "re-run apply to finish (it plans again from the experiment as it now is)",
        name=plan.name, done=[_step(step) for step in done], failed=_step(failed))


def _step(method: str) -> str:
    """A step as :class:`ApplyIncompleteError` names it: ``"create"``, ``"add_tags"``."""
    return method.removesuffix("_inference_experiment")


def explain_refused_update(
    error: BaseException, before: InferenceExperiment, after: InferenceExperiment | None,
    replan: Callable[[InferenceExperiment], UpdatePlan],
) -> ShadowTestError | None:
    """What an update refused with ``ConflictException`` or ``ValidationException`` means
    when the status changed from ``before`` (described to plan it) to ``after``:
    :class:`UpdateNotAllowedError` when the new status forbids a requested field
    (``replan(after)`` is the same update planned against ``after``), else
    :class:`ExperimentConflictError`. ``None`` when the status did not change (the
    refusal stands as the service said it)."""
    from shadowtest.errors import ExperimentConflictError, error_code

    code = error_code(error)
    if code not in ("ConflictException", "ValidationException") or after is None \
            or after.status == before.status:
        return None
    name = before.name
    said = str(error)
    lead = (f"the status of inference experiment {name!r} changed from {before.status} to "
            f"{after.status} after it was described, and the service refused the update "
            f"({code}: {said})")
    refused = replan(after).error() if after.status in UPDATABLE_FIELDS else None
    if refused is not None:
        return UpdateNotAllowedError(f"{lead}; in {after.status}: {refused}", name=name,
                                     status=str(after.status), fields=refused.fields,
                                     problems=refused.problems)
    return ExperimentConflictError(f"{lead}; describe it and update again", name=name,
                                   operation="update", code=code)

"""What an update would send, as a pure function: :func:`plan_update`.

"Would this update be allowed for this described experiment, and why not?" — answered
without sending anything, from the tables of what each status lets an update change.
The client, the Stubber helper and the fake all use it, so they cannot disagree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final

import attrs

from shadowtest._checks import Checker, to_tuple
from shadowtest.config import (
    DESCRIPTION,
    MAX_DURATION,
    MAX_MODEL_VARIANTS,
    DataStorageConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
)
from shadowtest.errors import Problem, UpdateNotAllowedError
from shadowtest.rules import botocore_instance_types, instance_type_problems
from shadowtest.status import ExperimentStatus, StrEnum, status_advice

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping

    from shadowtest.experiment import InferenceExperiment

__all__ = ["UPDATABLE_FIELDS", "UpdateField", "UpdatePlan", "check_update_arguments",
           "plan_checked", "plan_update"]

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

#: What an update may change in each status (SPEC §7.7); in any other status, nothing.
#: The variant names of the shadow mode config never change: that is a new experiment.
UPDATABLE_FIELDS: Final[Mapping[ExperimentStatus, frozenset[UpdateField]]] = {
    S.CREATED: frozenset({F.START_TIME, F.END_TIME, F.DESCRIPTION, F.MODEL_VARIANTS,
                          F.SAMPLING_PERCENTAGE, F.DATA_STORAGE_CONFIG}),
    S.RUNNING: frozenset({F.END_TIME, F.DESCRIPTION, F.SAMPLING_PERCENTAGE}),
}


@attrs.frozen
class UpdatePlan:
    """What :func:`plan_update` decided: the request to send, or why it is refused.

    ``request`` holds the keyword arguments of ``update_inference_experiment``
    (``Name`` included) for the changes that are allowed; ``dropped`` names the
    requested fields left out because they equal the current values (an unchanged
    start time; in Running, unchanged model variants or data storage config);
    ``refused`` lists each offending field with the reason.
    """

    name: str
    status: ExperimentStatus | str
    request: Mapping[str, Any]
    refused: tuple[Problem, ...] = ()
    dropped: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.refused

    @property
    def sends_anything(self) -> bool:
        """False when the plan is refused, or when nothing is left to send because every
        requested change was a current value that is dropped (an unchanged start time, or
        in Running unchanged model variants or data storage config)."""
        return self.allowed and len(self.request) > 1

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
    whatever the status (a wrong type, three variants, an instance type not in
    ``instance_types``, by default the installed botocore's list); returns an
    :class:`UpdatePlan` whose ``error()`` is the :class:`UpdateNotAllowedError` the
    client would raise.

    >>> plan = plan_update(experiment, description="now at 100%")  # doctest: +SKIP
    >>> plan.allowed, plan.request  # doctest: +SKIP
    (True, {'Name': 'churn-shadow', 'Description': 'now at 100%'})
    """
    c = Checker()
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
    updatable = UPDATABLE_FIELDS.get(status)  # type: ignore[call-overload]
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
    return UpdatePlan(name, status, request, refused=tuple(refused), dropped=tuple(dropped))


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
        variants = to_tuple(model_variants)
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

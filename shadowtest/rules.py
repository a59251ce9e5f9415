"""Rules that depend on more than one config object: the moment, the installed botocore,
or the experiment a request is about. Each is one function returning problems, used by
:class:`~shadowtest.ExperimentClient`, the update planner and
:class:`~shadowtest.testing.FakeSageMaker` alike, so the three cannot disagree.
"""

from __future__ import annotations

import builtins
import difflib
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shadowtest._checks import Checker, to_tuple
from shadowtest.config import (
    MAX_DURATION,
    MAX_MODEL_VARIANTS,
    MAX_VARIANT_ACTIONS,
    STATUS_REASON,
    STOP_DESIRED_STATES,
    ModelVariantConfig,
)
from shadowtest.errors import Problem
from shadowtest.status import VariantAction

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence
    from datetime import datetime

    from shadowtest.config import InferenceExperimentSchedule
    from shadowtest.experiment import InferenceExperiment

__all__ = [
    "botocore_instance_types",
    "check_stop_arguments",
    "instance_type_problems",
    "instance_types_from_model_file",
    "schedule_problems_at",
    "stop_request",
    "stop_target_problems",
]

_ACTIONS = VariantAction._value2member_map_


@functools.cache
def botocore_instance_types() -> frozenset[str]:
    """The real-time instance types (``ProductionVariantInstanceType``) of the installed
    botocore's SageMaker model, read once per process — so a newer botocore brings newer
    types with no release of shadowtest."""
    fast = instance_types_from_model_file()
    if fast is not None:
        return fast
    from botocore.loaders import create_loader

    model = create_loader().load_service_model("sagemaker", "service-2")
    return frozenset(model["shapes"]["ProductionVariantInstanceType"]["enum"])


def instance_types_from_model_file() -> frozenset[str] | None:
    """The same list read straight from the model file botocore's loader would pick (its
    search paths: ~/.aws/models, then botocore/data; the latest API version), without
    importing botocore — which costs `shadowtest validate FILE` 120 of its 350 ms — nor
    parsing the other 2,000 shapes. ``None`` when anything is unexpected: the caller
    then asks botocore's loader. tests/test_cli.py compares the two."""
    import gzip
    import importlib.util
    import json
    import os
    import re

    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    roots = [os.path.join(os.path.expanduser("~"), ".aws", "models"),
             os.path.join(next(iter(spec.submodule_search_locations)), "data")]
    found: dict[str, str] = {}  # API version -> file, the first search path winning
    for root in roots:
        service = os.path.join(root, "sagemaker")
        for version in sorted(os.listdir(service)) if os.path.isdir(service) else ():
            for name in ("service-2.json", "service-2.json.gz"):
                path = os.path.join(service, version, name)
                if version not in found and os.path.isfile(path):
                    found[version] = path
    if not found:
        return None
    path = found[max(found)]
    try:
        with (gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz")
              else open(path, encoding="utf-8")) as file:
            text = file.read()
        match = re.search(r'"ProductionVariantInstanceType"\s*:\s*\{', text)
        if match is None:
            return None
        shape, _ = json.JSONDecoder().raw_decode(text, match.end() - 1)
    except (OSError, ValueError):
        return None
    enum = shape.get("enum") if isinstance(shape, dict) else None
    if not isinstance(enum, list) or not all(isinstance(item, str) for item in enum):
        return None
    return frozenset(enum)


def instance_type_problems(variants: Iterable[object], known: Collection[str],
                           path: str) -> list[Problem]:
    """A problem for each :class:`ModelVariantConfig` in ``variants`` whose instance type is
    not in ``known`` (the service model's list), with the closest names suggested.
    Anything that is not a ModelVariantConfig is left to the type checks."""
    problems = []
    for i, variant in enumerate(variants):
        if isinstance(variant, ModelVariantConfig) and variant.instance_type not in known:
            close = difflib.get_close_matches(variant.instance_type, known, n=3, cutoff=0.6)
            hint = (f"; did you mean {' or '.join(map(repr, close))}?" if close
                    else "; see the SageMaker instance types for real-time endpoints")
            problems.append(Problem(
                f"{path}[{i}].instance_type",
                f"got {variant.instance_type!r}, which is not a real-time instance type "
                f"SageMaker knows (botocore's list){hint}"))
    return problems


def schedule_problems_at(schedule: InferenceExperimentSchedule, now: datetime,
                         path: str) -> list[Problem]:
    """What a create request's schedule breaks at the moment ``now``: an end time that has
    passed, or — with no start time, so the test starts now — an end more than the
    service's 30-day maximum away."""
    end = schedule.end_time
    if end is None:
        return []
    if end <= now:
        return [Problem(f"{path}.end_time", f"got {end.isoformat()}, which has passed "
                                            f"(now {now.isoformat(timespec='seconds')})")]
    if schedule.start_time is None and end - now > MAX_DURATION:
        return [Problem(f"{path}.end_time", f"got {end.isoformat()}, more than 30 days from "
                                            "now; with no start time the test starts now and "
                                            "runs at most 30 days")]
    return []


def check_stop_arguments(
    c: Checker,
    actions: object,
    desired: object,
    desired_state: object,
    reason: object,
    *,
    actions_required: bool = True,
) -> tuple[dict[str, VariantAction], tuple[ModelVariantConfig, ...] | None]:
    """Check a stop request's arguments on their own (before knowing the experiment): the
    actions are a mapping of variant name to a :class:`VariantAction` (1 or 2 of them, at
    most one ``Promote``), the desired variants 1 or 2 ModelVariantConfigs, the desired
    state ``Completed`` or ``Cancelled``, the reason at most 1,024 characters. Problems go
    to ``c``; returns the parsed actions and variants."""
    parsed: dict[str, VariantAction] = {}
    if not isinstance(actions, Mapping):
        c.add("model_variant_actions", f"got {builtins.type(actions).__name__} {actions!r}; "
                                       "must be a mapping of variant name to VariantAction")
    else:
        if actions_required and not 1 <= len(actions) <= MAX_VARIANT_ACTIONS:
            c.add("model_variant_actions", f"got {len(actions)} actions; give 1 or 2 (one "
                                           "per variant)")
        for variant, action in actions.items():
            path = f"model_variant_actions[{variant!r}]"
            if not isinstance(variant, str):
                c.add(path, f"got key {variant!r}; keys must be variant names (strings)")
            elif c.check_choice(path, action, _ACTIONS):
                parsed[variant] = _ACTIONS[action]  # type: ignore[assignment]
        if builtins.list(parsed.values()).count(VariantAction.PROMOTE) > 1:
            c.add("model_variant_actions", "at most one variant can be promoted")
    c.check_choice("desired_state", desired_state, STOP_DESIRED_STATES)
    if reason is not None:
        c.check_string("reason", reason, STATUS_REASON)
    variants = None
    if desired is not None:
        variants = to_tuple(desired, MAX_MODEL_VARIANTS)  # an endless one too
        if c.check_sequence("desired_model_variants", variants, min_len=1,
                            max_len=MAX_MODEL_VARIANTS, what="ModelVariantConfig"):
            for i, v in enumerate(variants):
                c.check_instance(f"desired_model_variants[{i}]", v, ModelVariantConfig,
                                 "a ModelVariantConfig")
    return parsed, variants


def stop_target_problems(
    name: str,
    variant_names: Sequence[str],
    shadow: str | None,
    actions: Mapping[str, VariantAction],
    desired: Iterable[ModelVariantConfig],
) -> list[Problem]:
    """What a stop breaks against the experiment ``name`` it stops: every action and
    desired variant must name one of its variants, and only the shadow can be promoted."""
    listed = ", ".join(map(repr, variant_names))
    problems = []
    for variant, action in actions.items():
        path = f"model_variant_actions[{variant!r}]"
        if variant not in variant_names:
            problems.append(Problem(path, f"{variant!r} is not a variant of {name!r} "
                                          f"(its variants: {listed})"))
        elif action is VariantAction.PROMOTE and variant != shadow:
            problems.append(Problem(path, f"only the shadow variant ({shadow!r}) can be "
                                          "promoted"))
    for i, variant_config in enumerate(desired):
        if variant_config.variant_name not in variant_names:
            problems.append(Problem(
                f"desired_model_variants[{i}].variant_name",
                f"{variant_config.variant_name!r} is not a variant of {name!r} "
                f"(its variants: {listed})"))
    return problems


def stop_request(
    current: InferenceExperiment,
    actions: Mapping[str, VariantAction],
    desired: tuple[ModelVariantConfig, ...] | None,
    desired_state: str,
    reason: str | None,
) -> dict[str, Any]:
    """The ``StopInferenceExperiment`` request for ``current`` (arguments already passed
    :func:`check_stop_arguments`); :class:`ConfigValidationError` if an action or desired
    variant names no variant of it, or promotes another than the shadow. Promoting the
    shadow removes the source variant unless an action for it is given: the promoted
    shadow replaces it."""
    name = current.name
    roles = current._roles
    source, shadow = roles if roles is not None else (None, None)
    c = Checker()
    c.problems += stop_target_problems(name, current.variant_names, shadow, actions,
                                       desired or ())
    c.raise_if_any("stop arguments")
    if VariantAction.PROMOTE in actions.values() and source and source not in actions:
        actions = {**actions, source: VariantAction.REMOVE}
    request: dict[str, Any] = {
        "Name": name,
        "ModelVariantActions": {variant: str(action) for variant, action in actions.items()},
        "DesiredState": desired_state,
    }
    if desired is not None:
        request["DesiredModelVariants"] = [variant.to_boto3() for variant in desired]
    if reason is not None:
        request["Reason"] = reason
    return request

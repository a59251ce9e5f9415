"""Seed documents: what a CI script gives the local server (a ``--seed`` file, or a POST
to ``/_shadowtest/seed``) to rehearse a pipeline offline — the account's endpoints,
models and buckets (for preflight), experiments, their age, the clock, traffic,
captures, S3 objects and faults — applied to its FakeSageMaker in that order.

The server's clock follows the real time, as its clients' do (the shadowtest CLI reads
metrics up to its own now): to give an experiment hours of history, age it
(``"age"``, or ``"running_for"`` on a seeded one) rather than ``"advance"`` the clock,
which moves the experiments ahead of every client's time.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from shadowtest.config import InferenceExperimentConfig
from shadowtest.errors import ConfigValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from shadowtest.testing._fake import FakeSageMaker

__all__ = ["SEED_KEYS", "SeedError", "apply_seed"]

SEED_KEYS: Final = ("endpoints", "models", "buckets", "experiments", "age", "advance",
                    "traffic", "captures", "objects", "faults")
"""The parts of a seed document, in the order they are applied."""

_TRAFFIC: Final = {"minutes": int, "start": datetime, "invocations_per_minute": float,
                   "latency_ms": float, "error_rate": float, "latency_jitter": float,
                   "overhead_ms": float, "model_error_rate": float,
                   "client_error_rate": float, "cpu_utilization": float,
                   "memory_utilization": float, "disk_utilization": float,
                   "instance_count": int, "seed": int}
_CAPTURES: Final = {"start": datetime, "interval_seconds": float, "content_type": str,
                    "accept": str, "sampling_percentage": int, "inference_ids": bool,
                    "per_file": int, "seed": int}
_FAULTS: Final[dict[str, tuple[str, dict[str, type]]]] = {
    "fail": ("fail_next", {"code": str, "message": str, "times": int, "http_status": int}),
    "disconnect": ("disconnect_next", {"times": int}),
    "time_out": ("time_out_next", {"applied": bool, "times": int}),
    "delay": ("delay_next", {"seconds": float, "times": int}),
    "respond": ("respond_next", {"body": str, "http_status": int, "times": int}),
}


class SeedError(ValueError):
    """A seed document the server cannot apply; the message names the part."""


def apply_seed(fake: FakeSageMaker, document: object) -> dict[str, object]:
    """Apply ``document`` to ``fake``; returns what was made (experiment ARNs, capture
    keys) and the clock's time after it. Parts are applied in :data:`SEED_KEYS` order; a
    part that fails stops there, with the parts before it applied."""
    if not isinstance(document, dict):
        raise SeedError("a seed document is a JSON object")
    unknown = sorted(set(document) - set(SEED_KEYS))
    if unknown:
        raise SeedError(f"unknown part(s) {', '.join(unknown)}; a seed document has "
                        f"{', '.join(SEED_KEYS)}")
    made: dict[str, Any] = {"experiments": [], "captures": []}
    for i, entry in _entries(document, "endpoints"):
        where = f"endpoints[{i}]"
        options = _options(entry, {"variants": dict, "instance_type": str, "kind": str,
                                   "status": str}, where, required=("name",))
        _run(where, fake.add_endpoint, _text(entry, "name", where), **options)
    for i, entry in _entries(document, "models"):
        where = f"models[{i}]"
        _options(entry, {}, where, required=("name",))
        _run(where, fake.add_model, _text(entry, "name", where))
    for i, entry in _entries(document, "buckets"):
        where = f"buckets[{i}]"
        _options(entry, {}, where, required=("name",))
        _run(where, fake.add_bucket, _text(entry, "name", where))
    for i, entry in _entries(document, "experiments"):
        made["experiments"].append(_experiment(fake, entry, f"experiments[{i}]"))
    for i, entry in _entries(document, "age"):
        where = f"age[{i}]"
        options = _options(entry, {"seconds": float}, where, required=("experiment", "seconds"))
        _run(where, fake.backdate, str(entry["experiment"]), options["seconds"])
    if "advance" in document:
        _run("advance", fake.advance, _seconds(document["advance"], "advance"))
    for i, entry in _entries(document, "traffic"):
        where = f"traffic[{i}]"
        knobs = _options(entry, _TRAFFIC, where, required=("experiment", "variant", "minutes"))
        _run(where, fake.record_traffic, str(entry["experiment"]), str(entry["variant"]),
             **knobs)
    for i, entry in _entries(document, "captures"):
        made["captures"].extend(_captures(fake, entry, f"captures[{i}]"))
    for i, entry in _entries(document, "objects"):
        where = f"objects[{i}]"
        _options(entry, {}, where, required=("bucket", "key", "body"))
        if not all(isinstance(entry[k], str) for k in ("bucket", "key", "body")):
            raise SeedError(f"{where}: bucket, key and body are strings")
        fake.fake_s3.put(entry["bucket"], entry["key"], entry["body"])
    for i, entry in _entries(document, "faults"):
        _fault(fake, entry, f"faults[{i}]")
    return {**made, "now": fake.now.isoformat()}


def _entries(document: Mapping[str, object], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    entries = document.get(key, [])
    if not isinstance(entries, list):
        raise SeedError(f"{key}: a list of objects")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise SeedError(f"{key}[{i}]: an object")
        yield i, entry


def _options(entry: Mapping[str, Any], types: Mapping[str, type], where: str, *,
             required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The entry's options as keyword arguments, each of its type; a missing required
    key or an unknown one is an error."""
    missing = [key for key in required if key not in entry]
    if missing:
        raise SeedError(f"{where}: missing {', '.join(missing)}")
    allowed = set(types) | set(required) | {"experiment", "variant", "operation", "kind",
                                            "inputs", "production", "shadow", "name"}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise SeedError(f"{where}: unknown key(s) {', '.join(unknown)}; it takes "
                        f"{', '.join(sorted(set(types) | set(required)))}")
    return {key: _typed(entry[key], kind, f"{where}.{key}") for key, kind in types.items()
            if key in entry}


def _typed(value: object, kind: type, where: str) -> object:
    if kind is datetime:
        if not isinstance(value, str):
            raise SeedError(f"{where}: an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z")
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise SeedError(f"{where}: {value!r} is not an ISO 8601 time") from None
        if when.tzinfo is None:
            raise SeedError(f"{where}: {value!r} has no time zone (add Z for UTC)")
        return when
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SeedError(f"{where}: expected {kind.__name__}, got {value!r}")
    return value


def _run(where: str, step: Callable[..., object], *args: object, **kwargs: object) -> object:
    """``step(*args, **kwargs)``; the errors the fake raises for bad input name ``where``."""
    try:
        return step(*args, **kwargs)
    except (ValueError, KeyError, TypeError) as error:
        raise SeedError(f"{where}: {error}") from None


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry[key]
    if not isinstance(value, str):
        raise SeedError(f"{where}.{key}: a string, got {value!r}")
    return value


def _seconds(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < 0:
        raise SeedError(f"{where}: a number of seconds >= 0, got {value!r}")
    return float(value)


def _experiment(fake: FakeSageMaker, entry: Mapping[str, Any], where: str) -> str:
    """A seeded experiment: ``config`` (the create-inference-experiment JSON), ``status``
    (default Running), ``status_reason`` (the describe's StatusReason) and ``running_for``
    (seconds since it started; Running only)."""
    options = _options(entry, {"status": str, "status_reason": str, "running_for": float},
                       where, required=("config",))
    try:
        config = InferenceExperimentConfig.from_json(json.dumps(entry["config"]))
    except ConfigValidationError as error:
        raise SeedError(f"{where}.config: " + "; ".join(str(p) for p in error.errors)) from None
    status = options.get("status", "Running")
    arn = str(_run(where, fake.seed, config, status=status,
                   status_reason=options.get("status_reason")))
    if "running_for" in options:
        if status != "Running":
            raise SeedError(f"{where}.running_for: only a Running experiment has run")
        _run(where, fake.backdate, config.name, _seconds(options["running_for"],
                                                         f"{where}.running_for"))
    return arn


def _captures(fake: FakeSageMaker, entry: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """Captures of ``inputs`` answered with the ``production`` and ``shadow`` outputs
    given for each input (the shadow's read only for the sampled ones)."""
    options = _options(entry, _CAPTURES, where,
                       required=("experiment", "inputs", "production", "shadow"))
    inputs, production, shadow = entry["inputs"], entry["production"], entry["shadow"]
    if not all(isinstance(x, list) for x in (inputs, production, shadow)) or not (
            len(inputs) == len(production) == len(shadow)):
        raise SeedError(f"{where}: inputs, production and shadow are lists of one length")
    at = [0]

    def numbered() -> Iterator[object]:
        for i, given in enumerate(inputs):
            at[0] = i
            yield given

    if "interval_seconds" in options:
        options["interval"] = timedelta(seconds=options.pop("interval_seconds"))
    keys = _run(where, fake.capture_traffic, str(entry["experiment"]), numbered(),
                production=lambda _: production[at[0]], shadow=lambda _: shadow[at[0]],
                **options)
    return tuple(keys)  # type: ignore[arg-type]  # capture_traffic returns str keys


def _fault(fake: FakeSageMaker, entry: Mapping[str, Any], where: str) -> None:
    kind = entry.get("kind")
    if kind not in _FAULTS:
        raise SeedError(f"{where}.kind: one of {', '.join(_FAULTS)}, got {kind!r}")
    method, types = _FAULTS[kind]
    options = _options(entry, types, where, required=("operation", "kind"))
    operation = entry["operation"]
    if not isinstance(operation, str):
        raise SeedError(f"{where}.operation: an operation name, got {operation!r}")
    if kind == "fail" and "code" not in options:
        raise SeedError(f"{where}: missing code (the service's error code)")
    if kind == "delay" and "seconds" not in options:
        raise SeedError(f"{where}: missing seconds")
    if kind == "respond" and "body" not in options:
        raise SeedError(f"{where}: missing body")
    args = [options.pop(name) for name in ("code", "seconds", "body") if name in options]
    if kind == "fail" and "message" in options:
        args.append(options.pop("message"))
    _run(where, getattr(fake, method), operation, *args, **options)

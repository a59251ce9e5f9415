"""shadowtest.errors: the hierarchy, service-error translation, rendering and pickling."""

from __future__ import annotations

import pickle
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

import shadowtest
import shadowtest.errors as errors
from shadowtest.errors import (
    ERROR_CODES,
    ApplyIncompleteError,
    CaptureFormatError,
    ConfigValidationError,
    ExperimentAlreadyExistsError,
    ExperimentConflictError,
    ExperimentNotFoundError,
    InvalidStatusError,
    MalformedResponseError,
    PreflightError,
    Problem,
    PromotionBlockedError,
    ReplacementRequiredError,
    ResourceLimitExceededError,
    ServiceError,
    ShadowTestError,
    UnexpectedStatusError,
    UpdateNotAllowedError,
    WaitTimeoutError,
    translate_client_error,
)
from shadowtest.judgement import Judgement, Policy, Verdict
from shadowtest.preflight import Finding, Preflight
from shadowtest.testing import ExperimentStubber, sample_config

if TYPE_CHECKING:
    from collections.abc import Callable

    from shadowtest import ExperimentClient

NAME = "churn-shadow"
MESSAGE = "some service message"
UNMAPPED = ["ThrottlingException", "AccessDeniedException", "ValidationException"]
OPERATIONS = ["describe", "create", "start", "delete"]


def _exception_classes() -> list[type[BaseException]]:
    classes = [getattr(errors, name) for name in errors.__all__]
    return [cls for cls in classes if isinstance(cls, type) and issubclass(cls, BaseException)]


def _queue_failing(stub: ExperimentStubber, operation: str, code: str,
                   message: str = MESSAGE) -> Callable[[ExperimentClient], object]:
    """Queue the calls ``operation`` makes, the last failing with ``code``; return the call."""
    if operation in ("start", "delete"):
        stub.expect_describe(sample_config(), "Created")
    stub.expect_error(operation, code, message)
    calls: dict[str, Callable[[ExperimentClient], object]] = {
        "describe": lambda client: client.describe(NAME),
        "create": lambda client: client.create(sample_config()),
        "start": lambda client: client.start(NAME),
        "delete": lambda client: client.delete(NAME),
    }
    return calls[operation]


# -- translation through the client -----------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(("code", "cls"), list(ERROR_CODES.items()))
def test_mapped_codes_are_translated(operation: str, code: str, cls: type[ServiceError]) -> None:
    with ExperimentStubber() as stub:
        call = _queue_failing(stub, operation, code)
        with pytest.raises(cls) as caught:
            call(stub.experiment_client())
    err = caught.value
    assert isinstance(err, ServiceError)
    assert isinstance(err, ShadowTestError)
    assert err.code == code
    assert err.name == NAME
    assert err.operation == operation
    assert err.service_message == MESSAGE
    assert isinstance(err.__cause__, ClientError)
    assert err.__cause__.response["Error"]["Code"] == code
    for part in (operation, NAME, code, MESSAGE):
        assert part in str(err)


@pytest.mark.parametrize(("code", "cls"), list(ERROR_CODES.items()))
def test_list_errors_arrive_on_iteration(code: str, cls: type[ServiceError]) -> None:
    with ExperimentStubber() as stub:
        stub.expect_error("list", code, MESSAGE)
        pages = stub.experiment_client().list()  # lazy: nothing sent yet
        assert stub.pending() == ["ListInferenceExperiments"]
        with pytest.raises(cls) as caught:
            list(pages)
    err = caught.value
    assert err.name is None
    assert err.operation == "list"
    assert err.code == code
    assert err.service_message == MESSAGE
    assert isinstance(err.__cause__, ClientError)
    assert str(err) == f"list request: {code}: {MESSAGE}"


def test_not_found_is_a_lookup_error() -> None:
    assert issubclass(ExperimentNotFoundError, LookupError)
    with ExperimentStubber() as stub:
        stub.expect_error("describe", "ResourceNotFound", MESSAGE)
        with pytest.raises(LookupError) as caught:
            stub.experiment_client().describe(NAME)
    assert type(caught.value) is ExperimentNotFoundError


@pytest.mark.parametrize("code", UNMAPPED)
def test_unmapped_codes_propagate_as_botocore_raised_them(code: str) -> None:
    with ExperimentStubber() as stub:
        stub.expect_error("describe", code, MESSAGE)
        with pytest.raises(ClientError) as caught:
            stub.experiment_client().describe(NAME)
    assert not isinstance(caught.value, ShadowTestError)
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["Error"]["Message"] == MESSAGE
    assert caught.value.operation_name == "DescribeInferenceExperiment"


@pytest.mark.parametrize("code", UNMAPPED)
def test_unmapped_codes_propagate_from_list_iteration(code: str) -> None:
    with ExperimentStubber() as stub:
        stub.expect_error("list", code)
        pages = stub.experiment_client().list()
        with pytest.raises(ClientError) as caught:
            list(pages)
    assert not isinstance(caught.value, ShadowTestError)
    assert caught.value.response["Error"]["Code"] == code


# -- the translation table --------------------------------------------------------------------


def test_translation_table_is_the_single_source() -> None:
    assert set(ERROR_CODES) == {"ResourceNotFound", "ResourceInUse", "ConflictException",
                                "ResourceLimitExceeded"}
    values = list(ERROR_CODES.values())
    subclasses = ServiceError.__subclasses__()
    assert subclasses, "no ServiceError subclasses found"
    for cls in subclasses:
        assert values.count(cls) == 1, f"{cls.__name__} is in ERROR_CODES {values.count(cls)}x"
    assert set(values) == set(subclasses)


def test_translate_client_error_directly() -> None:
    error = ClientError({"Error": {"Code": "ResourceInUse", "Message": "m"}},
                        "CreateInferenceExperiment")
    translated = translate_client_error(error, name=NAME, operation="create")
    assert type(translated) is ExperimentAlreadyExistsError
    assert translated.code == "ResourceInUse"
    assert translated.service_message == "m"
    assert translated.name == NAME
    assert translated.operation == "create"

    unmapped = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}},
                           "CreateInferenceExperiment")
    assert translate_client_error(unmapped, name=NAME, operation="create") is None


def test_translate_without_message_falls_back_to_str_of_the_error() -> None:
    error = ClientError({"Error": {"Code": "ResourceNotFound"}}, "DescribeInferenceExperiment")
    translated = translate_client_error(error, name=NAME, operation="describe")
    assert isinstance(translated, ExperimentNotFoundError)
    assert translated.service_message == str(error)
    assert translated.service_message


# -- ConfigValidationError and Problem --------------------------------------------------------


def test_config_validation_error_renders_every_problem() -> None:
    err = ConfigValidationError(
        [Problem("model_variants[1].instance_count", "got 0"), Problem("", "no variants")],
        subject="InferenceExperimentConfig")
    assert isinstance(err, ValueError)
    assert isinstance(err, ShadowTestError)
    assert str(err).splitlines() == [
        "InferenceExperimentConfig is invalid (2 problems):",
        "  model_variants[1].instance_count: got 0",
        "  no variants",
    ]


def test_config_validation_error_singular_and_default_subject() -> None:
    err = ConfigValidationError([Problem("name", "too long")])
    assert str(err) == "configuration is invalid (1 problem):\n  name: too long"
    assert err.subject == "configuration"


@pytest.mark.parametrize(("path", "joined"), [
    ("instance_count", "model_variants[1].instance_count"),
    ("[0].variant_name", "model_variants[1][0].variant_name"),
    ("", "model_variants[1]"),
])
def test_problem_under_joins_paths(path: str, joined: str) -> None:
    assert Problem(path, "msg").under("model_variants[1]") == Problem(joined, "msg")


# -- pickling ---------------------------------------------------------------------------------

INSTANCES: list[BaseException] = [
    ShadowTestError("root"),
    ConfigValidationError([Problem("a.b", "bad"), Problem("", "worse")], subject="thing"),
    InvalidStatusError("cannot start", name=NAME, status="Running", operation="start"),
    UpdateNotAllowedError("no", name=NAME, status="Running",
                          fields=["schedule.start_time", "model_variants"]),
    ServiceError("boom", name=NAME, operation="describe", code="Other"),
    ServiceError("gone", name=None, operation="ListObjectsV2", code="NoSuchBucket",
                 subject="s3://bucket/prefix/"),
    ExperimentNotFoundError("gone", name=NAME, operation="describe", code="ResourceNotFound"),
    ExperimentAlreadyExistsError("taken", name=NAME, operation="create", code="ResourceInUse"),
    ExperimentConflictError("busy", name=NAME, operation="start", code="ConflictException"),
    ResourceLimitExceededError("full", name=None, operation="list",
                               code="ResourceLimitExceeded"),
    WaitTimeoutError("too slow", name=NAME, status="Starting", timeout=12.5, waited=12.6),
    MalformedResponseError("no Status", operation="DescribeInferenceExperiment",
                           field="Status"),
    UnexpectedStatusError("cancelled", name=NAME, status="Cancelled", reason="by hand"),
    ReplacementRequiredError("replace", name=NAME, fields=["endpoint_name"]),
    ApplyIncompleteError("updated; start failed", name=NAME, done=["update"], failed="start"),
    PromotionBlockedError("blocked", name=NAME, required="PASS", judgement=Judgement(
        verdict=Verdict.FAIL, score=50.0, metrics={}, reasons=("shadow slower",),
        window=(datetime(2026, 11, 1, tzinfo=timezone.utc),
                datetime(2026, 11, 2, tzinfo=timezone.utc)), policy=Policy.default())),
    CaptureFormatError("captureData.endpointOutput.data is not valid base64"),
    PreflightError("not creating", preflight=Preflight(
        name=NAME, endpoint_name="churn", findings=[Finding(
            severity="error", check="endpoint", message="endpoint 'churn' does not exist")])),
]
ATTRIBUTES = ("errors", "subject", "name", "status", "operation", "fields", "code",
              "service_message", "timeout", "reason", "required", "judgement", "waited",
              "field", "preflight", "done", "failed")


def test_pickle_instances_cover_every_exception_class() -> None:
    assert {type(e) for e in INSTANCES} == set(_exception_classes())


@pytest.mark.parametrize("original", INSTANCES, ids=lambda e: type(e).__name__)
def test_pickle_round_trip(original: BaseException) -> None:
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is type(original)
    assert str(copy) == str(original)
    assert copy.args == original.args
    for attribute in ATTRIBUTES:
        if hasattr(original, attribute):
            assert getattr(copy, attribute) == getattr(original, attribute), attribute
    assert vars(copy) == vars(original)


# -- the hierarchy ----------------------------------------------------------------------------


def _drawn_tree() -> dict[str, str | None]:
    """name -> parent name, as drawn in the module docstring."""
    doc = errors.__doc__
    assert doc is not None
    block = doc.split("The tree::", 1)[1].split("\n\n", 2)[1]
    parents: dict[str, str | None] = {}
    stack: list[str] = []
    base: int | None = None
    for line in block.splitlines():
        found = re.match(r"^([\s│├└─]*)([A-Z]\w*Error)\b", line)
        if found is None:
            continue
        column = len(found.group(1))
        base = column if base is None else base
        assert (column - base) % 4 == 0, line
        depth = (column - base) // 4
        assert depth <= len(stack), line
        del stack[depth:]
        parents[found.group(2)] = stack[-1] if stack else None
        stack.append(found.group(2))
    return parents


def test_docstring_tree_matches_the_real_hierarchy() -> None:
    tree = _drawn_tree()
    assert tree["ShadowTestError"] is None
    assert tree["UpdateNotAllowedError"] == "InvalidStatusError"
    for name, parent in tree.items():
        cls = getattr(errors, name)
        bases = [base.__name__ for base in cls.__mro__[1:] if base.__name__ in tree]
        assert (bases[0] if bases else None) == parent, name
    assert {cls.__name__ for cls in _exception_classes()} == set(tree)


def test_timeout_and_update_not_allowed_kinds() -> None:
    assert issubclass(WaitTimeoutError, TimeoutError)
    with pytest.raises(TimeoutError):
        raise WaitTimeoutError("late", name=NAME, status="Starting", timeout=1.0)
    err = UpdateNotAllowedError("no", name=NAME, status="Completed", fields=["description"])
    assert isinstance(err, InvalidStatusError)
    assert err.operation == "update"
    assert err.fields == ("description",)


def test_exception_classes_are_exported_at_top_level() -> None:
    # shadowtest.__all__ lists every one of them today (ServiceError included)
    for cls in _exception_classes():
        assert cls.__name__ in shadowtest.__all__
        assert getattr(shadowtest, cls.__name__) is cls
    assert "Problem" in shadowtest.__all__
    assert shadowtest.Problem is Problem


def test_problem_under_an_empty_prefix_is_unchanged() -> None:
    assert Problem("instance_count", "msg").under("") == Problem("instance_count", "msg")

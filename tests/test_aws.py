"""The one AWS layer (``shadowtest._aws``) on the wire: every service's answers, raw bodies
through botocore's real parsing (``tests.wire``), end either in a result or in an error of
the tree — never a loop, never a raw exception, never a garbled answer read as "no data".
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shadowtest import (
    ConfigValidationError,
    DataStorageConfig,
    ExperimentClient,
    MalformedResponseError,
    ServiceError,
    ShadowTestError,
    Verdict,
)
from shadowtest._aws import athena, cloudwatch, s3, sagemaker, sns
from shadowtest.testing import describe_response, sample_config
from shadowtest.testing._clients import offline_client
from tests.wire import Wire

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
NOW = T0 + timedelta(hours=2)
NAME = "churn-shadow"
CONFIG = sample_config(tags={"team": "ml"}, data_storage_config=DataStorageConfig(
    destination="s3://captures/churn"))
RUNNING: dict[str, object] = dict(describe_response(CONFIG, "Running", now=T0))
LIST_PAGE: dict[str, list[dict[str, object]]] = {"InferenceExperiments": [{
    "Name": NAME, "Type": "ShadowMode", "Status": "Running", "CreationTime": T0,
    "LastModifiedTime": T0}]}


def s3_page(keys: tuple[str, ...] = (), *, token: str | None = None) -> str:
    """A ListObjectsV2 answer as S3 writes it."""
    contents = "".join(f"<Contents><Key>{key}</Key><Size>1</Size></Contents>" for key in keys)
    more = f"<NextContinuationToken>{token}</NextContinuationToken>" if token else ""
    return ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>captures</Name>'
            f"<Prefix>p</Prefix><KeyCount>{len(keys)}</KeyCount><MaxKeys>1000</MaxKeys>"
            f"<IsTruncated>{'true' if token else 'false'}</IsTruncated>{contents}{more}"
            "</ListBucketResult>")


class Wires:
    """One offline client per service, answered on the wire, shared by the module's tests
    (a client costs ~20 ms to make)."""

    def __init__(self) -> None:
        self.sagemaker = Wire(offline_client("sagemaker"))
        self.cloudwatch = Wire(offline_client("cloudwatch"))
        self.s3 = Wire(offline_client("s3"))

    def reset(self) -> None:
        for wire in (self.sagemaker, self.cloudwatch, self.s3):
            wire.reset()

    def client(self) -> ExperimentClient:
        return ExperimentClient(self.sagemaker.client, cloudwatch=self.cloudwatch.client,
                                s3=self.s3.client, now=lambda: NOW)


@pytest.fixture(scope="module")
def module_wires() -> Wires:
    return Wires()


@pytest.fixture
def wires(module_wires: Wires, monkeypatch: pytest.MonkeyPatch) -> Iterator[Wires]:
    module_wires.reset()
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # botocore's retry pauses
    yield module_wires
    module_wires.reset()


def running(**changes: Any) -> dict[str, Any]:
    """The Running describe answer with top-level members replaced."""
    return {**RUNNING, **changes}


# -- 1. pages that end --------------------------------------------------------------------

def _list(w: Wires, token: Callable[[int], str]) -> Callable[[ExperimentClient], object]:
    w.sagemaker.always(lambda _: {**LIST_PAGE, "NextToken": token(len(w.sagemaker.requests))})
    return lambda c: list(c.list())


def _tags(w: Wires, token: Callable[[int], str]) -> Callable[[ExperimentClient], object]:
    w.sagemaker.answer(RUNNING)
    w.sagemaker.always(lambda _: {"Tags": [], "NextToken": token(len(w.sagemaker.requests))})
    return lambda c: c.plan(CONFIG)


def _metrics(w: Wires, token: Callable[[int], str]) -> Callable[[ExperimentClient], object]:
    w.sagemaker.answer(RUNNING)
    w.cloudwatch.always(lambda _: {"MetricDataResults": [],
                                   "NextToken": token(len(w.cloudwatch.requests))})
    return lambda c: c.metrics(NAME)


def _captures(w: Wires, token: Callable[[int], str]) -> Callable[[ExperimentClient], object]:
    w.sagemaker.answer(RUNNING)
    w.s3.always(lambda _: s3_page(token=token(len(w.s3.requests))))
    return lambda c: c.compare_predictions(NAME)


PAGED = {"list": (_list, "ListInferenceExperiments", "NextToken"),
         "ListTags behind plan": (_tags, "ListTags", "NextToken"),
         "GetMetricData behind metrics": (_metrics, "GetMetricData", "NextToken"),
         "S3 listing behind compare_predictions": (_captures, "ListObjectsV2",
                                                   "NextContinuationToken")}
TOKENS: dict[str, Callable[[int], str]] = {
    "repeated": lambda n: "same",
    "cycling a-b": lambda n: "ab"[n % 2],
    "cycling a-b-c": lambda n: "abc"[n % 3],
}


@pytest.mark.parametrize("tokens", TOKENS.values(), ids=TOKENS.keys())
@pytest.mark.parametrize(("setup", "operation", "field"), PAGED.values(), ids=PAGED.keys())
def test_a_repeated_or_cycling_token_ends_in_an_error_naming_the_operation(
    wires: Wires, setup: Any, operation: str, field: str, tokens: Callable[[int], str],
) -> None:
    """A service that repeats its NextToken, or cycles through a few, would page for ever:
    the read stops at the first token seen before, with a MalformedResponseError naming
    the operation and the token member."""
    call = setup(wires, tokens)
    with pytest.raises(MalformedResponseError, match="would never end") as caught:
        call(wires.client())
    assert (caught.value.operation, caught.value.field) == (operation, field)


def _other_experiment_findings(wires: Wires, listing: Callable[[], object]) -> list[Any]:
    """preflight's other-experiment findings, SageMaker answering ListInferenceExperiments
    with ``listing()`` and AccessDenied to every other read, S3 with an empty body."""
    def answer(request: Any) -> object:
        target = request.headers["X-Amz-Target"].decode().split(".")[-1]
        if target == "ListInferenceExperiments":
            return listing()
        return {"__type": "AccessDeniedException", "message": "no"}

    wires.sagemaker.always(answer)
    wires.s3.always(lambda _: b"")
    result = wires.client().preflight(CONFIG)
    return [f for f in result.findings if f.check == "other-experiment"]


def test_preflights_listing_ends_on_a_cycling_token(wires: Wires) -> None:
    """preflight's read of the other experiments went through botocore's paginator, which
    pages for ever on a cycling token; it reads through the layer, so that read is one it
    could not make (a warning naming it), and the other reads still run."""
    other = _other_experiment_findings(wires, lambda: {
        "InferenceExperiments": [], "NextToken": "ab"[len(wires.sagemaker.requests) % 2]})
    assert len(other) == 1
    assert "MalformedResponseError" in other[0].message
    assert len(wires.sagemaker.requests) < 20


def test_pages_with_fresh_tokens_are_all_read(wires: Wires) -> None:
    """Distinct tokens page on until the last page, which has none."""
    for token in ("a", "b", "c"):
        wires.sagemaker.answer({**LIST_PAGE, "NextToken": token})
    wires.sagemaker.answer(LIST_PAGE)
    assert len(list(wires.client().list())) == 4
    sent = [json.loads(r.body).get("NextToken") for r in wires.sagemaker.requests]
    assert sent == [None, "a", "b", "c"]


def test_an_s3_page_that_says_more_follow_without_a_token_is_malformed(wires: Wires) -> None:
    """IsTruncated=true with no NextContinuationToken: the rest cannot be asked for, and
    stopping there would silently drop it."""
    wires.sagemaker.answer(RUNNING)
    wires.s3.always(lambda _: s3_page().replace("<IsTruncated>false", "<IsTruncated>true"))
    with pytest.raises(MalformedResponseError, match="IsTruncated=true") as caught:
        wires.client().compare_predictions(NAME)
    assert caught.value.operation == "ListObjectsV2"


# -- 2. no raw exception ------------------------------------------------------------------

NO_TAGS: dict[str, list[object]] = {"Tags": []}
VARIANTS: list[dict[str, Any]] = RUNNING["ModelVariants"]  # type: ignore[assignment]
SHADOW_MODE: dict[str, Any] = RUNNING["ShadowModeConfig"]  # type: ignore[assignment]


def _variant(i: int, **changes: object) -> list[dict[str, Any]]:
    variants = [dict(v) for v in VARIANTS]
    variants[i].update(changes)
    return variants


def _answers(sagemaker: tuple[object, ...] = (), cw: object = None,
             s3_body: object = None) -> Callable[[Wires], None]:
    def answer(w: Wires) -> None:
        for body in sagemaker:
            w.sagemaker.answer(body)
        if cw is not None:
            w.cloudwatch.always(lambda _: cw)
        if s3_body is not None:
            w.s3.always(lambda _: s3_body)

    return answer


def _plan(c: ExperimentClient) -> object:
    return c.plan(CONFIG)


def _promote(c: ExperimentClient) -> object:
    return c.promote(NAME)


def _metrics_call(c: ExperimentClient) -> object:
    return c.metrics(NAME)


def _compare(c: ExperimentClient) -> object:
    return c.compare_predictions(NAME)


RAW = {
    # KeyError('list tags') before: the parse failure was named through a table that
    # did not know the tags read
    "ListTags body not UTF-8": (_answers((RUNNING, b"\xff\xfe{")), _plan, "ListTags"),
    "tag without a key": (_answers((RUNNING, {"Tags": [{"Value": "x"}]})), _plan, "ListTags"),
    "tags not a list": (_answers((RUNNING, {"Tags": "team=ml"})), _plan, "ListTags"),
    # botocore's RuntimeError: "Unable to calculate correct timezone offset"
    "describe timestamp 1e20": (_answers((running(CreationTime=1e20), NO_TAGS)), _plan,
                                "DescribeInferenceExperiment"),
    "list timestamp 1e20": (_answers(({"InferenceExperiments": [{
        **LIST_PAGE["InferenceExperiments"][0], "CreationTime": 1e20}]},)),
        lambda c: list(c.list()), "ListInferenceExperiments"),
    "GetMetricData timestamp 1e20": (_answers((RUNNING,), cw={"MetricDataResults": [
        {"Id": "q0", "Timestamps": [1e20], "Values": [1.0]}]}), _metrics_call,
        "GetMetricData"),
    # TypeError in plan, unhashable in promote: a shape check that stopped at the top
    "VariantName a number (plan)": (
        _answers((running(ModelVariants=_variant(0, VariantName=5)), NO_TAGS)), _plan,
        "DescribeInferenceExperiment"),
    "VariantName a number (promote)": (
        _answers((running(ModelVariants=_variant(1, VariantName=5)),)), _promote,
        "DescribeInferenceExperiment"),
    "SourceModelVariantName a list (promote)": (
        _answers((running(ShadowModeConfig={**SHADOW_MODE,
                                            "SourceModelVariantName": ["production"]}),)),
        _promote, "DescribeInferenceExperiment"),
    "InstanceCount a string (plan)": (_answers((running(ModelVariants=_variant(
        0, InfrastructureConfig={"InfrastructureType": "RealTimeInference",
                                 "RealTimeInferenceConfig": {"InstanceType": "ml.m5.xlarge",
                                                             "InstanceCount": "1"}})),
                   NO_TAGS)), _plan, "DescribeInferenceExperiment"),
    # GetMetricData answers: UnicodeDecodeError, AttributeError, KeyError, ValueError
    "GetMetricData body not UTF-8": (_answers((RUNNING,), cw=b"\xff\xfe{"), _metrics_call,
                                     "GetMetricData"),
    "GetMetricData results a string": (_answers((RUNNING,), cw={"MetricDataResults": "x"}),
                                       _metrics_call, "GetMetricData"),
    "GetMetricData result without Id": (_answers((RUNNING,), cw={"MetricDataResults": [
        {"Label": "x", "Timestamps": [], "Values": []}]}), _metrics_call, "GetMetricData"),
    "GetMetricData messages strings": (_answers((RUNNING,), cw={"MetricDataResults": [
        {"Id": "q0", "StatusCode": "Forbidden", "Messages": ["denied"]}]}), _metrics_call,
        "GetMetricData"),
    "GetMetricData timestamp text": (_answers((RUNNING,), cw={"MetricDataResults": [
        {"Id": "q0", "Timestamps": ["soon"], "Values": [1.0]}]}), _metrics_call,
        "GetMetricData"),
    "GetMetricData values text": (_answers((RUNNING,), cw={"MetricDataResults": [
        {"Id": "q0", "Timestamps": [T0.timestamp()], "Values": "abc"}]}), _metrics_call,
        "GetMetricData"),
    "GetMetricData fewer values than timestamps": (_answers((RUNNING,), cw={
        "MetricDataResults": [{"Id": "q0", "Timestamps": [T0.timestamp(), NOW.timestamp()],
                               "Values": [1.0]}]}), _metrics_call, "GetMetricData"),
    # KeyError('Key')
    "S3 entry without a key": (_answers((RUNNING,), s3_body=s3_page(("k.jsonl",)).replace(
        "<Key>k.jsonl</Key>", "")), _compare, "ListObjectsV2"),
}


@pytest.mark.parametrize(("answer", "call", "operation"), RAW.values(), ids=RAW.keys())
def test_a_malformed_answer_is_a_malformed_response_error(
    wires: Wires, answer: Callable[[Wires], None], call: Callable[[ExperimentClient], object],
    operation: str,
) -> None:
    """What botocore's parser or shadowtest's reading met in these answers escaped as a
    raw KeyError, RuntimeError, TypeError, UnicodeDecodeError, AttributeError or
    ValueError; each is a MalformedResponseError naming the operation."""
    answer(wires)
    with pytest.raises(MalformedResponseError) as caught:
        call(wires.client())
    assert caught.value.operation == operation


# -- 3. a garbled answer is never "no data" -----------------------------------------------

GARBLED = {
    "an HTML page": "<html><body><h1>502 Bad Gateway</h1></body></html>",
    "truncated JSON": '{"MetricDataResults": [{"Id": "q0", "Timestamps": [',
    "an error body": json.dumps({"__type": "InternalFailure", "message": "try again"}),
    "empty": "",
}


@pytest.mark.parametrize("body", GARBLED.values(), ids=GARBLED.keys())
def test_a_garbled_cloudwatch_answer_is_not_judged_as_no_traffic(
        wires: Wires, body: str) -> None:
    """botocore's JSON parser reads these as an empty answer (no MetricDataResults), which
    was judged NO_DATA with paired series of nothing; every GetMetricData answer carries
    MetricDataResults, so this is a MalformedResponseError."""
    wires.sagemaker.answer(RUNNING)
    wires.cloudwatch.always(lambda _: body)
    with pytest.raises(MalformedResponseError) as caught:
        wires.client().evaluate(NAME)
    assert (caught.value.operation, caught.value.field) == ("GetMetricData",
                                                           "MetricDataResults")


S3_GARBLED = {
    # valid XML, not S3's: parsed as an empty listing before
    "an HTML page": "<html><body><h1>Service Unavailable</h1></body></html>",
    "another XML document": "<?xml version='1.0'?><Result><Status>ok</Status></Result>",
    # botocore turns these 200s into 500s, retries, then raised a raw ClientError
    "truncated XML": s3_page(("a.jsonl",))[:120],
    "binary garbage": b"\x00\xff\xfe garbage",
}


@pytest.mark.parametrize("body", S3_GARBLED.values(), ids=S3_GARBLED.keys())
def test_a_garbled_s3_listing_is_not_read_as_no_captures(wires: Wires, body: str) -> None:
    """An answer that is not a ListBucketResult (no Name, KeyCount, IsTruncated) was read as
    a bucket without captures (paired=0) or escaped as a raw ClientError; it is a
    MalformedResponseError."""
    wires.sagemaker.answer(RUNNING)
    wires.s3.always(lambda _: body)
    with pytest.raises(MalformedResponseError) as caught:
        wires.client().compare_predictions(NAME)
    assert caught.value.operation == "ListObjectsV2"


def test_an_s3_error_body_in_a_200_is_the_services_error(wires: Wires) -> None:
    """S3 sometimes answers 200 with an <Error> body; botocore retries it as the error it
    is, and when its retries are spent it is a ServiceError carrying S3's code."""
    wires.sagemaker.answer(RUNNING)
    wires.s3.always(lambda _: "<Error><Code>InternalError</Code><Message>We encountered an "
                              "internal error</Message></Error>")
    with pytest.raises(ServiceError) as caught:
        wires.client().compare_predictions(NAME)
    assert (caught.value.code, caught.value.operation) == ("InternalError", "ListObjectsV2")


# -- 4. every service's errors are translated ----------------------------------------------

def test_cloudwatch_refusals_are_service_errors(wires: Wires) -> None:
    """A CloudWatch refusal escaped as a raw ClientError; it is a ServiceError with the
    code and the service's message, the ClientError as its cause."""
    from botocore.exceptions import ClientError

    wires.sagemaker.answer(RUNNING)
    wires.cloudwatch.answer({"__type": "InvalidParameterValue", "message": "bad period"},
                            status=400)
    with pytest.raises(ServiceError) as caught:
        wires.client().metrics(NAME)
    error = caught.value
    assert (error.code, error.operation, error.service_message) == (
        "InvalidParameterValue", "GetMetricData", "bad period")
    assert isinstance(error.__cause__, ClientError)


def test_s3_refusals_are_service_errors_naming_the_location(wires: Wires) -> None:
    """NoSuchBucket escaped as botocore's raw exception; it is a ServiceError whose text
    says where."""
    wires.sagemaker.answer(RUNNING)
    wires.s3.always(lambda _: "<Error><Code>NoSuchBucket</Code><Message>The specified bucket "
                              "does not exist</Message></Error>", status=404)
    with pytest.raises(ServiceError) as caught:
        wires.client().compare_predictions(NAME)
    assert caught.value.code == "NoSuchBucket"
    assert str(caught.value) == ("ListObjectsV2 s3://captures/churn/churn/production/: "
                                 "NoSuchBucket: The specified bucket does not exist")


OPERATIONS = [
    *(op for op in sagemaker.BY_METHOD.values()),
    cloudwatch.GET_METRIC_DATA, s3.LIST_OBJECTS, s3.GET_OBJECT, s3.HEAD_BUCKET, sns.PUBLISH,
    athena.START_QUERY, athena.GET_QUERY, athena.GET_RESULTS, athena.STOP_QUERY,
]


@pytest.mark.parametrize("op", OPERATIONS, ids=repr)
def test_every_modelled_error_of_every_operation_called_is_translated(
        module_wires: Wires, op: Any) -> None:
    """As httpx's transport test: an error the service model declares for an operation
    shadowtest calls must be in that service's table, so none escapes untranslated (and
    each operation's boto3 method is the API operation it names)."""
    clients = {"SageMaker": module_wires.sagemaker.client,
               "CloudWatch": module_wires.cloudwatch.client, "S3": module_wires.s3.client}
    client = clients.get(op.service.name) or offline_client(op.service.name.lower())
    meta = client.meta
    assert meta.method_to_api_mapping[op.method] == op.name
    model = meta.service_model.operation_model(op.name)
    # the code a ClientError carries: the shape's name, or for the query protocols the
    # code its metadata gives
    codes = [shape.metadata.get("error", {}).get("code", shape.name)
             for shape in model.error_shapes]
    assert [code for code in codes if code not in op.service.errors] == []


# -- 5. a generated probe through botocore's parsing ---------------------------------------

def _paths(value: object, path: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*path, i))


# st.text()'s own alphabet without its 2-3 s codec table (see tests/strategies.py)
_UTF8 = st.characters(exclude_categories=["Cs"])
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                 st.sampled_from([1e20, -1e20, 0.5, float("1e308")]),
                 st.text(_UTF8, max_size=4), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(_UTF8, max_size=2), st.integers(), max_size=2))


@st.composite
def mutated(draw: st.DrawFn, document: object) -> bytes:
    """``document`` as JSON with one member replaced by junk or removed, or the body cut
    short, or bytes that are not UTF-8."""
    how = draw(st.sampled_from(["replace", "remove", "cut", "bytes"]))
    text = json.dumps(document, default=lambda v: v.timestamp())
    if how == "cut":
        return text[:draw(st.integers(0, len(text) - 1))].encode()
    if how == "bytes":
        return draw(st.binary(min_size=1, max_size=8)) + b"\xff"
    paths = [p for p in _paths(document) if p]
    path = draw(st.sampled_from(paths))
    copy = json.loads(text)
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if how == "remove":
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JUNK)
    return json.dumps(copy).encode()


def _in_the_tree(call: Callable[[], object]) -> None:
    try:
        result = call()
    except ShadowTestError:
        return
    repr(result)  # a result that came back is readable
    str(result)


def _describe_body(w: Wires, body: bytes) -> None:
    w.sagemaker.answer(body).answer(NO_TAGS)


def _list_body(w: Wires, body: bytes) -> None:
    w.sagemaker.answer(body)


def _tags_body(w: Wires, body: bytes) -> None:
    w.sagemaker.answer(RUNNING).answer(body)


def _metric_body(w: Wires, body: bytes) -> None:
    w.sagemaker.answer(RUNNING)
    w.cloudwatch.always(lambda _: body)


def _read_list(c: ExperimentClient) -> object:
    return [(s.name, s.status, s.schedule, s.creation_time) for s in c.list()]


PROBES: dict[str, tuple[Callable[[Wires, bytes], None], Callable[[ExperimentClient], object],
                        object]] = {
    "describe (then plan)": (_describe_body, _plan, RUNNING),
    "list": (_list_body, _read_list, LIST_PAGE),
    "ListTags": (_tags_body, _plan,
                 {"Tags": [{"Key": "team", "Value": "ml"}, {"Key": "a", "Value": "b"}]}),
    "GetMetricData": (_metric_body, _metrics_call, {
        "MetricDataResults": [{"Id": "q0", "Label": "x", "Timestamps": [T0, NOW],
                               "Values": [1.0, 2.0], "StatusCode": "Complete"}],
        "Messages": []}),
}


@settings(deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.parametrize(("inject", "call", "document"), PROBES.values(), ids=PROBES.keys())
def test_generated_answers_end_in_a_result_or_an_error_of_the_tree(
    wires: Wires, inject: Callable[[Wires, bytes], None],
    call: Callable[[ExperimentClient], object], document: object, data: st.DataObject,
) -> None:
    """One member of a real answer replaced by junk (1e20, a list, a huge integer, a
    string), removed, the body cut short or not UTF-8: whatever botocore's parser and
    shadowtest's reading make of it, the call returns a readable result or raises a
    ShadowTestError."""
    wires.reset()
    body = data.draw(mutated(document))
    inject(wires, body)
    _in_the_tree(lambda: call(wires.client()))


@settings(deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(s3_page(("a.jsonl", "b.jsonl")))),
       junk=st.sampled_from(["", "<Key/>", "<Contents/>", "<IsTruncated>maybe</IsTruncated>",
                             "<KeyCount>-</KeyCount>", "<Name><x/></Name>", "&bogus;"]))
def test_generated_s3_listings_end_in_a_result_or_an_error_of_the_tree(
        wires: Wires, cut: int, junk: str) -> None:
    """A listing cut at any point, with any of a few bad members spliced in."""
    wires.reset()
    page = s3_page(("a.jsonl", "b.jsonl"))
    body = page[:cut] + junk + page[cut:]
    wires.sagemaker.answer(RUNNING)
    wires.s3.always(lambda request: body if "list-type" in str(request.url) else "")
    _in_the_tree(lambda: wires.client().compare_predictions(NAME))


def test_a_describe_with_every_member_right_still_plans(wires: Wires) -> None:
    """The checks refuse only what is wrong: the real answer plans as before."""
    wires.sagemaker.answer(RUNNING).answer({"Tags": [{"Key": "team", "Value": "ml"}]})
    plan = wires.client().plan(attrs.evolve(CONFIG, description="new"))
    assert plan.actions == ("update",)


def test_judging_real_data_points_still_works(wires: Wires) -> None:
    """A well-formed answer with both variants' points is read and judged."""
    wires.sagemaker.answer(RUNNING)

    def answer(request: Any) -> dict[str, Any]:
        queries = json.loads(request.body)["MetricDataQueries"]
        stamps = [T0 + timedelta(minutes=m) for m in range(60)]
        return {"MetricDataResults": [
            {"Id": q["Id"], "Timestamps": stamps,
             "Values": [100.0 if q["MetricStat"]["Stat"] == "Sum" else 0.0] * 60,
             "StatusCode": "Complete"} for q in queries]}

    wires.cloudwatch.always(answer)
    judgement = wires.client().evaluate(NAME)
    assert judgement.verdict is not Verdict.NO_DATA


# -- 6. only a parse failure is a malformed answer -----------------------------------------

class _Broken:
    """A stand-in whose method fails as a bug in shadowtest's own code would."""

    def describe_inference_experiment(self, **_: object) -> object:
        return None.Status  # type: ignore[attr-defined]


@pytest.mark.parametrize("client", [object(), _Broken()], ids=["no such method", "a bug"])
def test_a_programming_error_in_a_call_propagates_as_itself(client: object) -> None:
    """An AttributeError or TypeError that botocore's parser did not raise is a bug (ours,
    or a wrong object where a client belongs): it was a MalformedResponseError, which
    ``wait`` retries as transient until its timeout."""
    from shadowtest._aws import call

    with pytest.raises(AttributeError):
        call(client, sagemaker.DESCRIBE, {"InferenceExperimentName": NAME})


def test_a_type_error_raised_before_the_answer_is_read_propagates(wires: Wires) -> None:
    """A TypeError raised on the request's way out (here by an event handler) is not the
    answer's: it propagates, and nothing is retried."""
    def broken(**_: object) -> None:
        raise TypeError("a bug")

    events = wires.sagemaker.client.meta.events
    events.register("before-call.sagemaker.DescribeInferenceExperiment", broken,
                    unique_id="tests-broken")
    try:
        sagemaker_client = wires.sagemaker.client
        slept: list[float] = []
        client = ExperimentClient(sagemaker_client, sleep=slept.append,
                                  clock=lambda: sum(slept), now=lambda: NOW)
        with pytest.raises(TypeError, match="a bug"):
            client.wait(NAME, "Running", timeout=60, progress=False)
    finally:
        events.unregister("before-call.sagemaker.DescribeInferenceExperiment",
                          unique_id="tests-broken")
    assert (wires.sagemaker.requests, slept) == ([], [])


def test_an_answer_botocores_parser_cannot_read_is_still_malformed(wires: Wires) -> None:
    """What botocore's parser raises on a body of the wrong shape (an AttributeError for a
    string where a structure belongs) stays a MalformedResponseError naming the
    operation."""
    wires.sagemaker.answer({**RUNNING, "EndpointMetadata": "an endpoint"})
    with pytest.raises(MalformedResponseError) as caught:
        wires.client().describe(NAME)
    assert caught.value.operation == "DescribeInferenceExperiment"


@pytest.mark.parametrize(("client", "named"), [
    (object(), "object"), ("sagemaker", "str"), (None.__class__, "type"),
], ids=["an object", "a service name", "a class"])
def test_an_experiment_client_takes_only_a_sagemaker_client(client: object,
                                                            named: str) -> None:
    """``ExperimentClient(object())`` was accepted and failed at its first call (a wait
    looped until its timeout); it is refused up front, naming what was given."""
    with pytest.raises(ConfigValidationError, match=f"client: got {named}.*SageMaker client"):
        ExperimentClient(client)  # type: ignore[arg-type]


def test_an_experiment_client_refuses_another_services_client(module_wires: Wires) -> None:
    """A CloudWatch client in the SageMaker client's place is named as such."""
    with pytest.raises(ConfigValidationError, match="'cloudwatch' client"):
        ExperimentClient(module_wires.cloudwatch.client)


def test_a_test_double_that_answers_the_calls_is_taken() -> None:
    """A ``unittest.mock`` double standing in for the SageMaker client (its ``meta`` is a
    mock too, not botocore's) answers the calls, so it is taken as users' tests make it."""
    from unittest import mock

    double = mock.MagicMock()
    double.describe_inference_experiment.return_value = {"Name": "x"}
    assert ExperimentClient(double).sagemaker is double


# -- 7. a garbled listing is never "no experiments" -----------------------------------------

LIST_GARBLED = {
    "an HTML page": "<html><body><h1>502 Bad Gateway</h1></body></html>",
    "an empty object": {},
    "an error body": {"__type": "InternalFailure", "message": "try again"},
    "only a token": {"NextToken": "a"},
}


@pytest.mark.parametrize("body", LIST_GARBLED.values(), ids=LIST_GARBLED.keys())
def test_a_garbled_listing_is_not_read_as_no_experiments(wires: Wires, body: object) -> None:
    """botocore's JSON parser reads these 200s as a page without InferenceExperiments,
    which was read as an empty page; every ListInferenceExperiments answer has the list
    (an empty one for none), so this is a MalformedResponseError naming the operation."""
    wires.sagemaker.answer(body)
    with pytest.raises(MalformedResponseError) as caught:
        list(wires.client().list())
    assert (caught.value.operation, caught.value.field) == ("ListInferenceExperiments",
                                                           "InferenceExperiments")


def test_an_empty_listing_is_still_no_experiments(wires: Wires) -> None:
    """The service's answer for none: an empty list."""
    wires.sagemaker.answer({"InferenceExperiments": []})
    assert list(wires.client().list()) == []


def test_preflight_does_not_read_a_garbled_listing_as_no_other_experiment(
        wires: Wires) -> None:
    """preflight's check for another live experiment on the endpoint read a garbled
    listing as none there, and passed; it is a read it could not make (a warning naming
    the malformed answer)."""
    other = _other_experiment_findings(
        wires, lambda: "<html><body>502 Bad Gateway</body></html>")
    assert len(other) == 1
    assert "MalformedResponseError" in other[0].message


# -- 8. every query answered, every value a number -----------------------------------------

def _answered(keep: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
              value: float = 1.0) -> Callable[[Any], dict[str, Any]]:
    """A GetMetricData answer for the queries ``keep`` leaves of those asked."""
    def answer(request: Any) -> dict[str, Any]:
        queries = json.loads(request.body)["MetricDataQueries"]
        return {"MetricDataResults": [
            {"Id": q["Id"], "Timestamps": [T0], "Values": [value], "StatusCode": "Complete"}
            for q in keep(queries)]}

    return answer


UNANSWERED = {
    "no result at all": _answered(lambda qs: []),
    "only the first query": _answered(lambda qs: qs[:1]),
    "all but the last": _answered(lambda qs: qs[:-1]),
}


@pytest.mark.parametrize("answer", UNANSWERED.values(), ids=UNANSWERED.keys())
def test_a_getmetricdata_answer_missing_queries_is_not_no_data(
        wires: Wires, answer: Callable[[Any], object]) -> None:
    """CloudWatch answers a result for every query (an empty one when there are no
    points); an answer without some was read as those series having no points, and an
    answer with none as NO_DATA. It is a MalformedResponseError naming the operation."""
    wires.sagemaker.answer(RUNNING)
    wires.cloudwatch.always(answer)
    with pytest.raises(MalformedResponseError, match="no result for") as caught:
        wires.client().evaluate(NAME)
    assert (caught.value.operation, caught.value.field) == ("GetMetricData",
                                                           "MetricDataResults")


def test_queries_answered_across_pages_are_all_answered(wires: Wires) -> None:
    """A query answered on a later page only is answered."""
    wires.sagemaker.answer(RUNNING)

    def answer(request: Any) -> dict[str, Any]:
        body = json.loads(request.body)
        queries = body["MetricDataQueries"]
        first = "NextToken" not in body
        half = queries[:1] if first else queries[1:]
        page: dict[str, Any] = {"MetricDataResults": [
            {"Id": q["Id"], "Timestamps": [], "Values": [], "StatusCode": "Complete"}
            for q in half]}
        if first:
            page["NextToken"] = "more"
        return page

    wires.cloudwatch.always(answer)
    metrics = wires.client().metrics(NAME)
    assert len(wires.cloudwatch.requests) == 2
    assert all(series.values == () for series in metrics.production.values())


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")],
                         ids=["NaN", "Infinity", "-Infinity"])
def test_a_value_that_is_not_a_finite_number_is_malformed(wires: Wires, value: float) -> None:
    """CloudWatch's JSON never carries NaN or Infinity (it stores finite values only);
    botocore's parser reads them, and the series built from them blamed the user with a
    ConfigValidationError. It is a MalformedResponseError naming the result."""
    wires.sagemaker.answer(RUNNING)
    wires.cloudwatch.always(_answered(lambda qs: qs, value))
    with pytest.raises(MalformedResponseError, match="not a finite number") as caught:
        wires.client().metrics(NAME)
    assert caught.value.operation == "GetMetricData"
    assert caught.value.field == "MetricDataResults[0].Values"


def test_values_whose_sum_overflows_are_still_numbers() -> None:
    """The bulk check sums the values; a sum past the float range is not a bad value."""
    page = {"MetricDataResults": [{"Id": "q0", "Timestamps": [T0, NOW],
                                   "Values": [1.7e308, 1.7e308]}]}
    cloudwatch.GET_METRIC_DATA.check(page)  # type: ignore[misc]


def test_an_integer_past_the_float_range_is_malformed() -> None:
    """JSON's integers have no bound; one no float holds escaped as a raw OverflowError."""
    page = {"MetricDataResults": [{"Id": "q0", "Timestamps": [T0], "Values": [10**400]}]}
    with pytest.raises(MalformedResponseError) as caught:
        cloudwatch.GET_METRIC_DATA.check(page)  # type: ignore[misc]
    assert caught.value.operation == "GetMetricData"


# -- 9. describe values of the right type but content the service never stores -------------

def _storage(destination: str) -> dict[str, Any]:
    return running(DataStorageConfig={**RUNNING["DataStorageConfig"],  # type: ignore[dict-item]
                                      "Destination": destination})


@pytest.mark.parametrize("destination", ["x", "", "s3:/bucket", "ftp://bucket/p", "s3:///p"])
def test_a_destination_that_is_not_a_uri_is_malformed(wires: Wires, destination: str) -> None:
    """The service stores a DataStorageConfig Destination only as an s3:// or https:// URI
    (the model's pattern); "x" escaped from compare_predictions as a raw ValueError."""
    wires.sagemaker.answer(_storage(destination))
    with pytest.raises(MalformedResponseError, match="s3:// or https:// URI") as caught:
        wires.client().compare_predictions(NAME)
    assert (caught.value.operation, caught.value.field) == ("DescribeInferenceExperiment",
                                                           "DataStorageConfig.Destination")
    assert wires.s3.requests == []


def test_an_https_destination_is_named_as_one_compare_predictions_cannot_read(
        wires: Wires) -> None:
    """An https:// destination is the service's to store, but the capture reader reads
    s3:// only: a ConfigValidationError naming the experiment's field, before S3 is asked
    (it was a raw ValueError)."""
    from shadowtest import ConfigValidationError

    wires.sagemaker.always(lambda _: _storage("https://captures.s3.amazonaws.com/churn"))
    for engine in ("local", "athena"):
        with pytest.raises(ConfigValidationError, match="s3:// destination") as caught:
            wires.client().compare_predictions(NAME, engine=engine)
        assert [p.path for p in caught.value.errors] == ["data_storage_config.destination"]
    assert wires.s3.requests == []


def _emptied(*path: object) -> dict[str, Any]:
    """The Running describe answer with the string at ``path`` made empty."""
    answer = json.loads(json.dumps(RUNNING, default=lambda v: v.timestamp()))
    parent = answer
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = ""
    return answer  # type: ignore[no-any-return]


EMPTY_NAMES = {
    "Name": ("Name",),
    "EndpointMetadata.EndpointName": ("EndpointMetadata", "EndpointName"),
    "ModelVariants[0].ModelName": ("ModelVariants", 0, "ModelName"),
    "ModelVariants[1].VariantName": ("ModelVariants", 1, "VariantName"),
    "ShadowModeConfig.SourceModelVariantName": ("ShadowModeConfig", "SourceModelVariantName"),
    "ShadowModeConfig.ShadowModelVariants[0].ShadowModelVariantName": (
        "ShadowModeConfig", "ShadowModelVariants", 0, "ShadowModelVariantName"),
}


@pytest.mark.parametrize("path", EMPTY_NAMES.values(), ids=EMPTY_NAMES.keys())
def test_an_empty_name_in_a_describe_is_malformed(wires: Wires, path: tuple[object, ...]
                                                  ) -> None:
    """Every name the service stores has a character at least (the model's patterns); an
    empty one was read, then sent back (a ParamValidationError from botocore) or blamed
    on the user (a ConfigValidationError from to_config)."""
    wires.sagemaker.answer(_emptied(*path))
    with pytest.raises(MalformedResponseError, match="must be a non-empty string") as caught:
        wires.client().describe(NAME).to_config()
    assert caught.value.field == ".".join(
        f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")


def test_an_empty_endpoint_name_is_not_sent_to_cloudwatch(wires: Wires) -> None:
    """metrics() put the empty name in its queries' dimensions, which botocore refused as
    a ParamValidationError."""
    wires.sagemaker.answer(_emptied("EndpointMetadata", "EndpointName"))
    with pytest.raises(MalformedResponseError) as caught:
        wires.client().metrics(NAME)
    assert caught.value.field == "EndpointMetadata.EndpointName"
    assert wires.cloudwatch.requests == []

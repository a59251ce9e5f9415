"""The fakes' one base (shadowtest/testing/_base.py) and their wire protocols
(_wire.py): a new service fake written in a few lines, faults on every service, the
shared clock, and every encoder read back by botocore's own parsers."""

from __future__ import annotations

import io
import math
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from botocore.awsrequest import HTTPHeaders
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.parsers import JSONParser, QueryParser, RestXMLParser, RpcV2CBORParser

from shadowtest.testing import FakeSageMaker, sample_config
from shadowtest.testing._base import FakeClock, FakeService, Refusal
from shadowtest.testing._clients import offline_client
from shadowtest.testing._wire import encode_error, encode_response

if TYPE_CHECKING:
    from botocore.model import OperationModel

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
TOPIC = "arn:aws:sns:us-east-1:123456789012:releases"


class FakeNotices(FakeService[Any]):
    """A whole service fake on the base: SNS Publish and ListTopics (a query-protocol
    service, answered in XML at the HTTP layer)."""

    SERVICE = "sns"

    def __init__(self, clock: FakeClock | None = None) -> None:
        super().__init__(offline_client("sns"), clock=clock)
        self.published: list[tuple[datetime, str]] = []
        self.serve({"Publish": self._publish, "ListTopics": self._list_topics})

    def _publish(self, p: dict[str, Any]) -> dict[str, Any]:
        if p["TopicArn"] != TOPIC:
            raise Refusal("NotFound", "Topic does not exist", 404)
        self.published.append((self.clock.now, p["Message"]))
        return {"MessageId": f"m-{len(self.published)}"}

    def _list_topics(self, p: dict[str, Any]) -> dict[str, Any]:
        topics = [f"{TOPIC}-{i}" for i in range(3)]
        start = 0
        if "NextToken" in p:
            token = self._read_token(p["NextToken"], 1)
            if token is None:
                raise Refusal("InvalidParameter", "Invalid parameter: NextToken")
            start = int(token[0])
        out: dict[str, Any] = {"Topics": [{"TopicArn": arn} for arn in topics[start:start + 2]]}
        if start + 2 < len(topics):
            out["NextToken"] = self._issue_token(start + 2)
        return out


@pytest.fixture
def notices(monkeypatch: pytest.MonkeyPatch) -> FakeNotices:
    fake = FakeNotices(FakeClock(T0))
    monkeypatch.setattr(time, "sleep", fake.clock.sleep)  # botocore's pauses between retries
    return fake


class TestANewFake:
    """What a service fake gets from the base without writing it."""

    def test_answers_through_a_real_client(self, notices: FakeNotices) -> None:
        """A handler's answer comes back through boto3; calls and attempts are kept."""
        answer = notices.client.publish(TopicArn=TOPIC, Message="promoted")
        assert answer["MessageId"] == "m-1"
        assert notices.published == [(T0, "promoted")]
        assert notices.calls == [("Publish", {"TopicArn": TOPIC, "Message": "promoted"})]
        assert notices.attempts == ["Publish"]

    def test_a_refusal_is_the_services_client_error(self, notices: FakeNotices) -> None:
        """Before the HTTP layer and through it (a fault queued and met first), the caller
        gets the same ClientError."""
        with pytest.raises(ClientError) as direct:
            notices.client.publish(TopicArn=f"{TOPIC}-x", Message="m")
        notices.delay_next("Publish", 1)
        with pytest.raises(ClientError) as wired:
            notices.client.publish(TopicArn=f"{TOPIC}-x", Message="m")
        for error in (direct, wired):
            assert error.value.response["Error"]["Code"] == "NotFound"
            assert error.value.response["Error"]["Message"] == "Topic does not exist"
            assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    def test_other_operations_are_not_implemented(self, notices: FakeNotices) -> None:
        with pytest.raises(NotImplementedError, match="serves only Publish, ListTopics"):
            notices.client.create_topic(Name="t")

    def test_tokens_page_and_a_foreign_token_is_refused(self, notices: FakeNotices) -> None:
        """botocore's paginator follows the fake's tokens to the end; a token the fake did
        not issue is refused with the handler's code."""
        pages = notices.client.get_paginator("list_topics").paginate()
        assert [t["TopicArn"] for page in pages for t in page["Topics"]] == [
            f"{TOPIC}-0", f"{TOPIC}-1", f"{TOPIC}-2"]
        with pytest.raises(ClientError, match="InvalidParameter"):
            notices.client.list_topics(NextToken="not-a-token")

    def test_faults_reach_the_caller_as_from_aws(self, notices: FakeNotices) -> None:
        """A throttle is retried by botocore; a connection failure and a lost answer are
        botocore's own errors after its retries; a garbled body is not a success."""
        notices.fail_next("publish", "Throttling", "Rate exceeded", times=2)
        assert notices.client.publish(TopicArn=TOPIC, Message="a")["ResponseMetadata"][
            "RetryAttempts"] == 2
        notices.disconnect_next("Publish", times=3)
        with pytest.raises(EndpointConnectionError):
            notices.client.publish(TopicArn=TOPIC, Message="b")
        notices.time_out_next("Publish", times=3)  # applied every time: three messages
        with pytest.raises(ReadTimeoutError):
            notices.client.publish(TopicArn=TOPIC, Message="c")
        notices.respond_next("Publish", "<html>Bad gateway")  # botocore does not retry it
        with pytest.raises(Exception, match="Unable to parse response") as garbled:
            notices.client.publish(TopicArn=TOPIC, Message="d")
        assert not isinstance(garbled.value, ClientError)
        assert [m for _, m in notices.published] == ["a", "c", "c", "c"]
        assert notices.faults == 0

    def test_delay_moves_the_shared_clock(self, notices: FakeNotices) -> None:
        notices.delay_next("Publish", 90)
        notices.client.publish(TopicArn=TOPIC, Message="late")
        assert notices.published == [(T0 + timedelta(seconds=90), "late")]

    def test_faults_on_unknown_operations_are_refused(self, notices: FakeNotices) -> None:
        with pytest.raises(ValueError, match="serves no operation 'CreateTopic'"):
            notices.fail_next("CreateTopic", "Throttling")
        with pytest.raises(ValueError, match="times"):
            notices.disconnect_next("Publish", times=0)
        notices.fail_next("Publish", "Throttling", times=4)
        notices.clear_faults()
        assert notices.faults == 0

    def test_serve_refuses_an_operation_the_service_lacks(self, notices: FakeNotices) -> None:
        with pytest.raises(ValueError, match="sns has no operation DescribeEndpoint"):
            notices.serve({"DescribeEndpoint": dict})

    def test_detach_stops_serving(self, notices: FakeNotices) -> None:
        notices.detach()
        stub: list[str] = []

        def answered(**kwargs: Any) -> None:  # botocore would now go to AWS: stop it here
            stub.append(kwargs["event_name"])
            raise RuntimeError("sent")

        notices.client.meta.events.register_first("before-send.sns", answered)
        with pytest.raises(RuntimeError, match="sent"):
            notices.client.publish(TopicArn=TOPIC, Message="m")
        assert notices.calls == []

    def test_a_held_request_holds_the_fake(self, notices: FakeNotices) -> None:
        """While a request is held being served, another request of the fake waits for it;
        released, both finish in order."""
        hold = notices.hold_next("Publish")
        first = threading.Thread(target=lambda: notices.client.publish(TopicArn=TOPIC,
                                                                       Message="first"))
        second = threading.Thread(target=lambda: notices.client.publish(TopicArn=TOPIC,
                                                                        Message="second"))
        first.start()
        assert hold.arrived.wait(5)
        second.start()
        second.join(0.05)
        assert second.is_alive()  # waiting for the lock the held request has
        assert notices.published == []
        hold.release()
        first.join(5)
        second.join(5)
        assert [m for _, m in notices.published] == ["first", "second"]


class TestClock:
    @pytest.mark.parametrize("step", [5, 5.0, timedelta(seconds=5)])
    def test_advance_takes_seconds_or_a_timedelta(self, step: float | timedelta) -> None:
        clock = FakeClock(T0)
        clock.advance(step)
        assert clock.now == T0 + timedelta(seconds=5)
        assert clock.monotonic() == T0.timestamp() + 5

    @pytest.mark.parametrize(("step", "error"), [
        ("5", TypeError), (None, TypeError), (True, TypeError), (-1, ValueError),
        (timedelta(seconds=-1), ValueError), (math.nan, ValueError), (math.inf, ValueError),
    ])
    def test_advance_says_what_it_takes(self, step: Any, error: type[Exception]) -> None:
        with pytest.raises(error, match=r"timedelta or a number of seconds|forward|finite"):
            FakeClock(T0).advance(step)

    def test_a_real_time_clock_ticks_and_holds_still_per_request(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """follows_real_time: the clock moves with the real time in whole seconds, holds
        still while pinned (one request sees one time), and advance() still jumps."""
        real = [1000.0]
        monkeypatch.setattr(time, "monotonic", lambda: real[0])
        clock = FakeClock(T0, follows_real_time=True)
        real[0] += 0.9
        assert clock.now == T0  # not a whole second yet
        real[0] += 0.2
        assert clock.now == T0 + timedelta(seconds=1)
        with clock.pinned():
            real[0] += 5
            assert clock.now == T0 + timedelta(seconds=1)
            clock.advance(60)
            assert clock.now == T0 + timedelta(seconds=61)
        assert clock.now == T0 + timedelta(seconds=66)

    def test_naive_now_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            FakeClock(datetime(2030, 1, 1))


# -- the other services of a FakeSageMaker -------------------------------------------------


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeSageMaker:
    fake = FakeSageMaker(now=T0)
    monkeypatch.setattr(time, "sleep", fake.sleep)
    return fake


def metric_request(fake: FakeSageMaker) -> dict[str, Any]:
    return {"StartTime": fake.now - timedelta(hours=1), "EndTime": fake.now,
            "MetricDataQueries": [{"Id": "q0", "MetricStat": {
                "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocations",
                           "Dimensions": [{"Name": "EndpointName", "Value": "churn"},
                                          {"Name": "VariantName", "Value": "production"}]},
                "Period": 60, "Stat": "Sum"}}]}


class TestCloudWatchAndS3Faults:
    """Every fault reaches CloudWatch and S3 too, queued on the FakeSageMaker or on them."""

    def test_cloudwatch_faults(self, fake: FakeSageMaker) -> None:
        fake.seed(sample_config())
        fake.advance(timedelta(hours=1))
        fake.record_traffic("churn-shadow", "production", minutes=60)
        clean = fake.cloudwatch.get_metric_data(**metric_request(fake))["MetricDataResults"]
        fake.disconnect_next("GetMetricData")
        fake.cloudwatch_fake.time_out_next("get_metric_data")
        again = fake.cloudwatch.get_metric_data(**metric_request(fake))
        assert again["MetricDataResults"] == clean
        assert again["ResponseMetadata"]["RetryAttempts"] == 2
        fake.respond_next("GetMetricData", "<html>502</html>", http_status=502, times=3)
        with pytest.raises(ClientError) as error:
            fake.cloudwatch.get_metric_data(**metric_request(fake))
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
        assert fake.cloudwatch_fake.attempts.count("GetMetricData") == 1 + 3 + 3
        assert fake.attempts == []  # none of them was SageMaker's

    def test_s3_faults_and_errors(self, fake: FakeSageMaker) -> None:
        """S3's errors are its own, answered before the HTTP layer and through it alike: a
        HEAD of a missing bucket is a bare 404; a missing key is NoSuchKey."""
        fake.fake_s3.put("captures", "a/1.jsonl", b"{}\n")
        s3 = fake.s3
        assert s3.head_bucket(Bucket="captures")["ResponseMetadata"]["HTTPStatusCode"] == 200
        errors = []
        for wired in (False, True):
            if wired:
                fake.delay_next("HeadBucket", 1)
                fake.delay_next("GetObject", 1)
            with pytest.raises(ClientError) as head:
                s3.head_bucket(Bucket="nope")
            with pytest.raises(ClientError) as get:
                s3.get_object(Bucket="captures", Key="a/2.jsonl")
            errors.append([(e.value.response["Error"]["Code"], e.value.response["Error"][
                "Message"], e.value.response["ResponseMetadata"]["HTTPStatusCode"])
                for e in (head, get)])
        assert errors[0] == errors[1] == [
            ("404", "Not Found", 404), ("NoSuchKey", "The specified key does not exist.", 404)]
        fake.fail_next("list_objects_v2", "SlowDown", "Reduce your request rate.",
                       http_status=503)
        listed = s3.list_objects_v2(Bucket="captures")
        assert [o["Key"] for o in listed["Contents"]] == ["a/1.jsonl"]
        assert listed["ResponseMetadata"]["RetryAttempts"] == 1
        fake.respond_next("GetObject", b"half a li")
        assert s3.get_object(Bucket="captures", Key="a/1.jsonl")["Body"].read() == b"half a li"

    def test_s3_refuses_a_token_it_did_not_issue(self, fake: FakeSageMaker) -> None:
        for i in range(3):
            fake.fake_s3.put("captures", f"k{i}", b"")
        page = fake.s3.list_objects_v2(Bucket="captures", MaxKeys=2)
        rest = fake.s3.list_objects_v2(Bucket="captures",
                                       ContinuationToken=page["NextContinuationToken"])
        assert [o["Key"] for o in rest["Contents"]] == ["k2"]
        for token in ("bm9wZQ==", "%%%", page["NextContinuationToken"][:-4]):
            with pytest.raises(ClientError, match="InvalidArgument"):
                fake.s3.list_objects_v2(Bucket="captures", ContinuationToken=token)

    def test_an_operation_nobody_serves_is_refused(self, fake: FakeSageMaker) -> None:
        with pytest.raises(ValueError, match="serves no operation 'PutObject'"):
            fake.fail_next("PutObject", "SlowDown")


# -- the wire: every encoder read back by botocore's parser ---------------------------------


def _model(service: str, operation: str) -> OperationModel:
    model: OperationModel = offline_client(service).meta.service_model.operation_model(
        operation)
    return model


def _headers(headers: dict[str, str]) -> HTTPHeaders:
    out = HTTPHeaders()  # case-insensitive, as botocore's HTTP layer hands them over
    for name, value in headers.items():
        out[name] = value
    return out


def _parse(parser: Any, operation: OperationModel, status: int, headers: dict[str, str],
           body: bytes) -> dict[str, Any]:
    streaming = operation.has_streaming_output and status < 300
    parsed: dict[str, Any] = parser.parse(
        {"status_code": status, "headers": _headers(headers),
         "body": io.BytesIO(body) if streaming else body},
        operation.output_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


WHEN = datetime(2026, 5, 1, 12, 30, 15, tzinfo=timezone.utc)
METRICS = {"MetricDataResults": [
    {"Id": "q0", "Label": "ModelLatency", "StatusCode": "PartialData",
     "Timestamps": [WHEN, WHEN + timedelta(minutes=1)], "Values": [35000.5, -1.0e300],
     "Messages": [{"Code": "c", "Value": "v & <w>"}]},
    {"Id": "q1", "Label": "é", "StatusCode": "Complete", "Timestamps": [], "Values": []}],
    "NextToken": "x" * 300, "Messages": []}


@pytest.mark.parametrize(("protocol", "parser"), [
    ("json", JSONParser), ("smithy-rpc-v2-cbor", RpcV2CBORParser), ("query", QueryParser)])
def test_cloudwatch_answers_in_every_protocol_it_speaks(protocol: str, parser: Any) -> None:
    """GetMetricData in JSON 1.0, CBOR and query XML parses back to the same answer, and
    its error to the same code and message."""
    operation = _model("cloudwatch", "GetMetricData")
    wire = encode_response(protocol, operation, METRICS)
    assert _parse(parser(), operation, wire.status, wire.headers, wire.body) == METRICS
    error = encode_error(protocol, operation.service_model, "InvalidParameterValue",
                         "bad <Period>", 400)
    parsed = parser().parse({"status_code": 400, "headers": error.headers,
                             "body": error.body}, None)
    assert (parsed["Error"]["Code"], parsed["Error"]["Message"]) == (
        "InvalidParameterValue", "bad <Period>")


def test_sagemaker_describe_in_json() -> None:
    fake = FakeSageMaker(now=T0)
    fake.seed(sample_config(description="a \"quoted\" <one>"))
    described = dict(fake.describe("churn-shadow"))
    operation = _model("sagemaker", "DescribeInferenceExperiment")
    wire = encode_response("json", operation, described)
    assert wire.headers["content-type"] == "application/x-amz-json-1.1"
    assert _parse(JSONParser(), operation, 200, wire.headers, wire.body) == described


def test_s3_listing_and_object_in_rest_xml() -> None:
    """ListObjectsV2 (flattened lists, booleans, numbers, timestamps) and GetObject (a
    streaming payload, header members) parse back; an error body names its code."""
    listing = {"IsTruncated": True, "Name": "b", "Prefix": "a/", "MaxKeys": 2, "KeyCount": 2,
               "Contents": [{"Key": f"a/{i}&.jsonl", "Size": i, "LastModified": WHEN,
                             "ETag": '"e"', "StorageClass": "STANDARD"} for i in range(2)],
               "NextContinuationToken": "t=="}
    operation = _model("s3", "ListObjectsV2")
    wire = encode_response("rest-xml", operation, listing)
    assert _parse(RestXMLParser(), operation, 200, wire.headers, wire.body) == listing

    get = _model("s3", "GetObject")
    obj = {"Body": b"line\n", "ContentLength": 5, "ContentType": "application/jsonl",
           "ETag": '"e"', "LastModified": WHEN, "Metadata": {"source": "capture"}}
    wire = encode_response("rest-xml", get, obj)
    parsed = _parse(RestXMLParser(), get, 200, wire.headers, wire.body)
    assert parsed.pop("Body").read() == b"line\n"
    assert parsed == {k: v for k, v in obj.items() if k != "Body"}

    error = encode_error("rest-xml", get.service_model, "NoSuchKey", "gone", 404,
                         operation=get, members={"Key": "a/1"})
    parsed = RestXMLParser().parse({"status_code": 404, "headers": _headers(error.headers),
                                    "body": error.body}, None)  # type: ignore[arg-type]
    assert parsed["Error"] == {"Code": "NoSuchKey", "Message": "gone", "Key": "a/1"}


@pytest.fixture
def sns_publish() -> OperationModel:
    return _model("sns", "Publish")


def test_query_answers_carry_the_request_id(sns_publish: OperationModel) -> None:
    wire = encode_response("query", sns_publish, {"MessageId": "m"}, request_id="r-1")
    parsed = QueryParser().parse({"status_code": 200, "headers": _headers(wire.headers),
                                  "body": wire.body},
                                 sns_publish.output_shape)  # type: ignore[arg-type]
    assert parsed["MessageId"] == "m"
    assert parsed["ResponseMetadata"]["RequestId"] == "r-1"


def _without_metadata(response: Any) -> dict[str, Any]:
    out = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    if "Body" in out:
        out["Body"] = out["Body"].read()
    return out


def test_both_paths_answer_alike(fake: FakeSageMaker) -> None:
    """Each served operation gives the same answer before the HTTP layer and through it
    (where botocore parses the fake's body in the service's protocol)."""
    fake.seed(sample_config(description="d", tags={"team": "ml"}))
    fake.advance(timedelta(hours=1))
    fake.record_traffic("churn-shadow", "production", minutes=30)
    fake.fake_s3.put("captures", "a/1.jsonl", b'{"x": 1}\n')
    arn = fake.describe("churn-shadow")["Arn"]
    calls: list[tuple[FakeService[Any], str, Any]] = [
        (fake, "DescribeInferenceExperiment",
         lambda: fake.client.describe_inference_experiment(Name="churn-shadow")),
        (fake, "ListInferenceExperiments", lambda: fake.client.list_inference_experiments()),
        (fake, "ListTags", lambda: fake.client.list_tags(ResourceArn=arn)),
        (fake.cloudwatch_fake, "GetMetricData",
         lambda: fake.cloudwatch.get_metric_data(**metric_request(fake))),
        (fake.fake_s3, "ListObjectsV2", lambda: fake.s3.list_objects_v2(Bucket="captures")),
        (fake.fake_s3, "GetObject",
         lambda: fake.s3.get_object(Bucket="captures", Key="a/1.jsonl")),
    ]
    for service, operation, call in calls:
        direct = _without_metadata(call())
        service.delay_next(operation, 0)  # a fault that changes nothing: the wire path
        wired = _without_metadata(call())
        assert wired == direct, operation
        assert service.faults == 0

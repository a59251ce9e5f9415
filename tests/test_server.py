"""The local AWS-compatible server (shadowtest.testing.server): real botocore clients in
this thread against one server in another (one per module), the wire protocols each
service speaks, bad input answered as the service answers it, seed documents, and one
run of the real server process driven by the real AWS CLI and the shadowtest CLI."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import signal
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from shadowtest import DataStorageConfig, ExperimentClient
from shadowtest.testing import sample_config
from shadowtest.testing._wire import cbor_encode
from shadowtest.testing.server import LocalServer, seed
from shadowtest.testing.server._requests import cbor_decode
from shadowtest.testing.server._seed import SEED_KEYS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

CREDENTIALS = {"aws_access_key_id": "any", "aws_secret_access_key": "thing",
               "region_name": "us-east-1"}
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture(scope="module")
def session() -> Any:
    """Clients from the session the fakes' own clients come from: its service models
    are read already."""
    from shadowtest.testing._clients import shared_session

    class Clients:
        @staticmethod
        def client(service: str, **kwargs: Any) -> Any:
            made: Any = shared_session()
            return made.client(service, **CREDENTIALS, **kwargs)

    return Clients()


@pytest.fixture(scope="module")
def sm(server: LocalServer, session: Any) -> Any:
    return session.client("sagemaker", endpoint_url=server.url, config=NO_RETRIES)


def raw(server: LocalServer, method: str, path: str, body: bytes = b"",
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request as any tool could send it, unsigned."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body, headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def sagemaker_call(server: LocalServer, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    status, _, data = raw(server, "POST", "/", body, {
        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    return status, json.loads(data)


class TestSageMakerOverHTTP:
    def test_the_lifecycle_through_boto3(self, server: LocalServer, sm: Any) -> None:
        """Create, describe, list, update, stop and delete over HTTP, with the service's
        statuses on a clock that follows the real time."""
        config = sample_config(name="life")
        arn = sm.create_inference_experiment(**config.to_boto3())["InferenceExperimentArn"]
        assert arn.endswith(":inference-experiment/life")
        # Creating until the clock's next tick (it follows the real time, a tick a second)
        assert sm.describe_inference_experiment(Name="life")["Status"] in ("Creating",
                                                                            "Running")
        server.fake.backdate("life", 2)  # as if created two seconds ago
        assert sm.describe_inference_experiment(Name="life")["Status"] == "Running"
        assert "life" in [e["Name"] for e in sm.list_inference_experiments(
            NameContains="life")["InferenceExperiments"]]
        sm.update_inference_experiment(Name="life", Description="over HTTP")
        server.fake.backdate("life", 2)
        described = sm.describe_inference_experiment(Name="life")
        assert (described["Status"], described["Description"]) == ("Running", "over HTTP")
        sm.stop_inference_experiment(Name="life", ModelVariantActions={
            "production": "Retain", "shadow": "Remove"})
        server.fake.backdate("life", 2)
        assert sm.describe_inference_experiment(Name="life")["Status"] == "Completed"
        sm.delete_inference_experiment(Name="life")
        assert "life" not in server.fake.experiments

    def test_the_service_errors(self, server: LocalServer, sm: Any) -> None:
        """Refusals are the service's ClientErrors, as against AWS."""
        server.fake.seed(sample_config(name="taken"))
        cases: list[tuple[Callable[[], object], str]] = [
            (lambda: sm.describe_inference_experiment(Name="absent"), "ResourceNotFound"),
            (lambda: sm.create_inference_experiment(**sample_config(name="taken").to_boto3()),
             "ResourceInUse"),
            (lambda: sm.start_inference_experiment(Name="taken"), "ConflictException"),
            (lambda: sm.create_inference_experiment(**{**sample_config(name="bad").to_boto3(),
                                                       "ShadowModeConfig": {
                "SourceModelVariantName": "production", "ShadowModelVariants": [
                    {"ShadowModelVariantName": "shadow", "SamplingPercentage": 150}]}}),
             "ValidationException"),
        ]
        for call, code in cases:
            with pytest.raises(ClientError) as error:
                call()
            assert error.value.response["Error"]["Code"] == code
        assert "bad" not in server.fake.experiments

    def test_both_sides_see_each_others_changes(self, server: LocalServer, sm: Any) -> None:
        """What the fake holds is what HTTP clients read, and the other way round."""
        server.fake.seed(sample_config(name="seen", description="from the fake"))
        assert sm.describe_inference_experiment(Name="seen")["Description"] == "from the fake"
        sm.update_inference_experiment(Name="seen", Description="from HTTP")
        assert server.fake.describe("seen")["Description"] == "from HTTP"
        assert ("UpdateInferenceExperiment", {"Name": "seen", "Description": "from HTTP"}) \
            in server.fake.calls

    def test_tags_and_paging(self, server: LocalServer, sm: Any) -> None:
        for i in range(12):
            server.fake.seed(sample_config(name=f"page-{i:02d}"))
        pages = sm.get_paginator("list_inference_experiments").paginate(
            NameContains="page-", PaginationConfig={"PageSize": 5})
        assert sorted(e["Name"] for page in pages for e in page["InferenceExperiments"]) == [
            f"page-{i:02d}" for i in range(12)]
        arn = server.fake.describe("page-00")["Arn"]
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ml"}])
        assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
        sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
        assert sm.list_tags(ResourceArn=arn)["Tags"] == []

    def test_the_account_seeded_for_preflight(self, server: LocalServer, sm: Any) -> None:
        """Endpoints and models a seed document names are described over HTTP, as
        preflight reads them."""
        seed(server.url, {"endpoints": [{"name": "seeded-ep", "variants": {
            "production": "seeded-v1"}}], "models": [{"name": "seeded-v2"}],
            "buckets": [{"name": "seeded-bucket"}]})
        endpoint = sm.describe_endpoint(EndpointName="seeded-ep")
        assert endpoint["EndpointStatus"] == "InService"
        assert [v["VariantName"] for v in endpoint["ProductionVariants"]] == ["production"]
        assert sm.describe_model(ModelName="seeded-v2")["ModelName"] == "seeded-v2"
        assert "seeded-bucket" in server.fake.fake_s3.objects

    def test_clients_in_threads(self, server: LocalServer, session: Any) -> None:
        """Clients in several threads are served whole, each its own experiment."""
        errors: list[BaseException] = []

        def work(i: int) -> None:
            client = session.client("sagemaker", endpoint_url=server.url)
            try:
                client.create_inference_experiment(**sample_config(name=f"t-{i}").to_boto3())
                client.describe_inference_experiment(Name=f"t-{i}")
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert errors == []
        assert {f"t-{i}" for i in range(4)} <= set(server.fake.experiments)


class TestPipelineOverHTTP:
    def test_experiment_client_reads_metrics_captures_and_promotes(
        self, server: LocalServer, session: Any
    ) -> None:
        """ExperimentClient on three HTTP clients (SageMaker, CloudWatch, S3) reads what an
        in-process client of the same fake reads: an hour of both variants' metrics, the
        captures; and promotes."""
        config = sample_config(name="judged", endpoint_name="judged-endpoint",
                               data_storage_config=DataStorageConfig(
            destination="s3://captures/judged", json_content_types=["application/json"]))
        answer = server.seed({
            "experiments": [{"config": json.loads(config.to_json()), "running_for": 3600}],
            "traffic": [{"experiment": "judged", "variant": "production", "minutes": 60},
                        {"experiment": "judged", "variant": "shadow", "minutes": 60,
                         "invocations_per_minute": 50, "latency_ms": 35.2}],
            "captures": [{"experiment": "judged", "inputs": [[i] for i in range(20)],
                          "production": list(range(20)), "shadow": list(range(20)),
                          "sampling_percentage": 100}],
        })
        assert answer["experiments"] == [server.fake.describe("judged")["Arn"]]
        client = ExperimentClient(
            session.client("sagemaker", endpoint_url=server.url),
            cloudwatch=session.client("cloudwatch", endpoint_url=server.url),
            s3=session.client("s3", endpoint_url=server.url),
            athena=session.client("athena", endpoint_url=server.url))
        start, end = server.fake.now - timedelta(hours=1), server.fake.now
        over_http = client.metrics("judged", metrics=["ModelLatency", "Invocations"],
                                   start=start, end=end)
        in_process = server.fake.experiment_client().metrics(
            "judged", metrics=["ModelLatency", "Invocations"], start=start, end=end)
        assert dict(over_http.shadow) == dict(in_process.shadow)
        assert len(over_http.production["ModelLatency"].values) == 60
        comparison = client.compare_predictions("judged")
        assert (comparison.paired, comparison.exact_match_rate) == (20, 1.0)
        server.fake.athena_fake.polls = 0  # done at the first look: no real pause to poll
        in_athena = client.compare_predictions("judged", engine="athena")  # Athena's JSON 1.1
        assert (in_athena.paired, in_athena.exact_match_rate) == (20, 1.0)
        client.promote("judged")
        server.fake.backdate("judged", 2)
        assert server.fake.production_variant("judged-endpoint") == ("shadow", "churn-v2")


class TestWireProtocols:
    def test_cloudwatch_in_each_protocol_the_client_may_send(self, server: LocalServer,
                                                              session: Any) -> None:
        """GetMetricData in JSON 1.0, smithy-rpc-v2-cbor and query, as botocore's own
        serializers write them, answers alike in each (parsed by botocore's parsers)."""
        server.fake.seed(sample_config(name="metered"))
        server.fake.backdate("metered", 3600)
        server.fake.record_traffic("metered", "production", minutes=30)
        operation = session.client("cloudwatch").meta.service_model.operation_model(
            "GetMetricData")
        now = server.fake.now
        params = {"StartTime": now - timedelta(hours=1), "EndTime": now,
                  "MetricDataQueries": [{"Id": "q", "MetricStat": {"Metric": {
                      "Namespace": "AWS/SageMaker", "MetricName": "Invocations",
                      "Dimensions": [{"Name": "EndpointName", "Value": "churn"},
                                     {"Name": "VariantName", "Value": "production"}]},
                      "Period": 60, "Stat": "Sum"}}]}
        answers = {}
        for protocol in ("json", "smithy-rpc-v2-cbor", "query"):
            request = create_serializer(protocol).serialize_to_request(params, operation)
            path = request["url_path"]
            if request.get("query_string"):
                path += "?" + "&".join(f"{k}={v}" for k, v in request["query_string"].items())
            body = request["body"]
            if isinstance(body, dict):  # the query serializer leaves a form to encode
                from urllib.parse import urlencode

                body = urlencode(body)
            status, headers, data = raw(server, "POST", path, body.encode() if isinstance(
                body, str) else body, dict(request["headers"]))
            assert status == 200, data
            parsed = create_parser(protocol).parse(
                {"status_code": status, "headers": headers, "body": data},
                operation.output_shape)
            answers[protocol] = parsed["MetricDataResults"]
        assert answers["json"] == answers["smithy-rpc-v2-cbor"] == answers["query"]
        assert len(answers["json"][0]["Values"]) == 30

    def test_s3_reads_of_data_capture(self, server: LocalServer, session: Any) -> None:
        server.fake.fake_s3.put("lake", "cap/2026/01/a b.jsonl", b'{"x": 1}\n')
        s3 = session.client("s3", endpoint_url=server.url, config=NO_RETRIES)
        listed = s3.list_objects_v2(Bucket="lake", Prefix="cap/")
        assert [o["Key"] for o in listed["Contents"]] == ["cap/2026/01/a b.jsonl"]
        assert s3.get_object(Bucket="lake", Key="cap/2026/01/a b.jsonl")["Body"].read() == \
            b'{"x": 1}\n'
        assert s3.head_object(Bucket="lake", Key="cap/2026/01/a b.jsonl")["ContentLength"] == 9
        s3.head_bucket(Bucket="lake")
        cases: list[tuple[Callable[[], object], str]] = [
            (lambda: s3.head_bucket(Bucket="nope"), "404"),
            (lambda: s3.get_object(Bucket="lake", Key="gone"), "NoSuchKey"),
            (lambda: s3.list_objects_v2(Bucket="nope"), "NoSuchBucket"),
            (lambda: s3.put_object(Bucket="lake", Key="k", Body=b"x"), "NotImplemented")]
        for call, code in cases:
            with pytest.raises(ClientError) as error:
                call()
            assert error.value.response["Error"]["Code"] == code

    def test_s3_virtual_host_style(self, server: LocalServer) -> None:
        """bucket.localhost:PORT/key, as botocore addresses a bucket on http://localhost."""
        server.fake.fake_s3.put("hosted", "k.jsonl", b"v")
        port = server.url.rsplit(":", 1)[1]
        for path, want in (("/?list-type=2", b"<Key>k.jsonl</Key>"), ("/k.jsonl", b"v")):
            status, _, body = raw(server, "GET", path, headers={"Host":
                                                                f"hosted.localhost:{port}"})
            assert status == 200
            assert want in body

    def test_sns_in_its_query_protocol(self, server: LocalServer, session: Any) -> None:
        """SNS (query protocol, XML answers): a topic made and a message published over
        HTTP land in the fake's notifications; a missing topic is SNS's NotFound."""
        sns = session.client("sns", endpoint_url=server.url, config=NO_RETRIES)
        arn = sns.create_topic(Name="releases")["TopicArn"]
        sns.publish(TopicArn=arn, Message="churn-shadow: PASS", Subject="verdict")
        assert server.fake.notifications[-1]["Message"] == "churn-shadow: PASS"
        with pytest.raises(ClientError) as error:
            sns.publish(TopicArn=arn + "-gone", Message="m")
        assert error.value.response["Error"]["Code"] == "NotFound"

    def test_cbor_reads_what_it_writes(self) -> None:
        value = {"a": [1, -2, 2.5, True, None, "é", b"\x00\x01"], "n": 2**40, "m": -(2**33)}
        assert cbor_decode(cbor_encode(value)) == value
        # indefinite lengths and a half float, as other CBOR writers may send them
        assert cbor_decode(bytes([0x9F, 0x01, 0xF9, 0x3C, 0x00, 0xFF])) == [1, 1.0]
        assert cbor_decode(bytes([0x7F, 0x61, 0x61, 0x61, 0x62, 0xFF])) == "ab"


class TestBadInput:
    def test_a_malformed_body_is_a_serialization_error(self, server: LocalServer) -> None:
        for body in (b"{not json", b'{"Name": 5}', b"[]"):
            status, answer = sagemaker_call(server, "SageMaker.DescribeInferenceExperiment",
                                            body)
            assert (status, answer["__type"]) == (400, "SerializationException"), answer

    def test_a_missing_member_is_the_services_validation_error(self, server: LocalServer
                                                               ) -> None:
        status, answer = sagemaker_call(server, "SageMaker.DescribeInferenceExperiment", b"{}")
        assert status == 400
        assert answer["__type"] == "ValidationException"
        assert answer["message"].startswith("1 validation error detected: ")
        assert "Name" in answer["message"]

    @pytest.mark.parametrize("target", ["SageMaker.NoSuchOperation", "Nope.Describe",
                                        "SageMaker"])
    def test_an_unknown_operation(self, server: LocalServer, target: str) -> None:
        status, answer = sagemaker_call(server, target, b"{}")
        assert (status, answer["__type"]) == (400, "UnknownOperationException")
        assert "Traceback" not in json.dumps(answer)

    def test_an_unknown_query_action(self, server: LocalServer) -> None:
        status, _, body = raw(server, "POST", "/", b"Action=Nope&Version=2010-08-01", {
            "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 400
        assert b"<Code>InvalidAction</Code>" in body

    def test_an_operation_the_fakes_do_not_serve(self, sm: Any) -> None:
        with pytest.raises(ClientError) as error:
            sm.list_endpoints()
        assert error.value.response["Error"]["Code"] == "NotImplemented"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501

    def test_a_bug_in_a_fake_is_a_500_without_a_traceback(
        self, session: Any, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with LocalServer() as broken:
            broken.fake.serve({"DescribeInferenceExperiment": lambda p: {"Name": 1 // 0}})
            status, answer = sagemaker_call(broken, "SageMaker.DescribeInferenceExperiment",
                                            b'{"Name": "x"}')
        assert (status, answer["__type"]) == (500, "InternalFailure")
        assert "Traceback" not in answer["message"]
        assert "ZeroDivisionError" in capsys.readouterr().err  # for whoever runs the server

    def test_it_stops_while_a_client_keeps_its_connection_open(self, session: Any) -> None:
        """A client's pool keeps a keep-alive connection open after its call; stop()
        returns at once all the same (it does not wait for that connection's thread)."""
        serving = LocalServer().start()
        serving.fake.seed(sample_config())
        client = session.client("sagemaker", endpoint_url=serving.url, config=NO_RETRIES)
        client.describe_inference_experiment(Name="churn-shadow")
        stopper = threading.Thread(target=serving.stop)
        stopper.start()
        stopper.join(5)
        assert not stopper.is_alive()

    def test_it_binds_this_machine_only_by_default(self, server: LocalServer) -> None:
        assert server.url.startswith("http://127.0.0.1:")


class TestFaultsAndSeeds:
    def test_faults_reach_http_clients(self, server: LocalServer, session: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
        """A seeded throttle is retried by the client's botocore; a dropped connection is
        one for botocore too."""
        server.fake.seed(sample_config(name="flaky"))
        monkeypatch.setattr(time, "sleep", lambda _: None)  # botocore's pause between retries
        seed(server.url, {"faults": [{"operation": "DescribeInferenceExperiment",
                                      "kind": "fail", "code": "ThrottlingException",
                                      "times": 2}]})
        client = session.client("sagemaker", endpoint_url=server.url)
        answer = client.describe_inference_experiment(Name="flaky")
        assert answer["ResponseMetadata"]["RetryAttempts"] == 2
        server.fake.disconnect_next("DescribeInferenceExperiment")
        again = client.describe_inference_experiment(Name="flaky")
        assert again["ResponseMetadata"]["RetryAttempts"] == 1

    def test_a_bad_seed_is_refused_naming_the_part(self, server: LocalServer,
                                                   tmp_path: Path) -> None:
        cases: list[tuple[dict[str, object], str]] = [
            ({"experimentz": []}, "unknown part(s) experimentz"),
            ({"traffic": [{"experiment": "x", "variant": "v"}]}, "traffic[0]: missing minutes"),
            ({"traffic": [{"experiment": "absent", "variant": "v", "minutes": 5}]},
             "traffic[0]: FakeSageMaker has no experiment 'absent'"),
            ({"experiments": [{"config": {"Name": "x"}}]}, "experiments[0].config:"),
            ({"faults": [{"operation": "Nope", "kind": "fail", "code": "X"}]},
             "faults[0]: FakeSageMaker serves no operation 'Nope'"),
            ({"advance": -1}, "advance: a number of seconds >= 0"),
            ({"endpoints": [{"name": "e", "kind": "quantum"}]}, "endpoints[0]: "),
        ]
        for document, words in cases:
            with pytest.raises(ValueError, match=r"refused the seed: ") as error:
                seed(server.url, document)
            assert words in str(error.value)
        path = tmp_path / "seed.json"
        path.write_text(json.dumps({"objects": [{"bucket": "b", "key": "k", "body": "v"}]}))
        assert seed(server.url, path)["experiments"] == []
        assert server.fake.fake_s3.objects["b"] == {"k": b"v"}

    def test_seed_parts_are_documented_in_order(self) -> None:
        from shadowtest.testing import server as package

        text = package.__doc__ or ""
        where = [text.find(f'"{key}":') for key in SEED_KEYS]
        assert -1 not in where
        assert where == sorted(where)

    def test_health_and_unknown_control_actions(self, server: LocalServer) -> None:
        status, _, body = raw(server, "GET", "/_shadowtest/health")
        assert status == 200
        assert json.loads(body)["ok"] is True
        status, _, body = raw(server, "GET", "/_shadowtest/nope")
        assert status == 404


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_server_command_the_aws_cli_and_the_shadowtest_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server command (what ``python -m shadowtest.testing.server`` runs, here in
    this process) prints its URL first and serves; the real AWS CLI (create, describe,
    list, update, stop, and a refusal printed as against AWS) and the shadowtest CLI
    (AWS_ENDPOINT_URL) work against it and see each other's changes; SIGTERM ends it
    cleanly. (benchmarks/server.py starts the real process and times it.)"""
    from shadowtest.testing.server.__main__ import run

    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps({"objects": [{"bucket": "b", "key": "k", "body": "v"}]}))
    url = f"http://127.0.0.1:{_free_port()}"
    request = tmp_path / "experiment.json"
    request.write_text(sample_config(name="cli-made").to_json())
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    seen: dict[str, Any] = {}

    def drive() -> None:
        from awscli.clidriver import create_clidriver  # type: ignore[import-untyped]

        from shadowtest import cli

        def aws(*args: str) -> tuple[int, str, str]:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = driver.main(["--endpoint-url", url, "sagemaker", *args])
            return code, out.getvalue(), err.getvalue()

        try:
            driver = create_clidriver()  # loads while the server starts
            for _ in range(200):
                with contextlib.suppress(OSError, ValueError):
                    seen["health"] = seed(url, {})
                    break
                time.sleep(0.05)
            seen["create"] = aws("create-inference-experiment", "--cli-input-json",
                                 f"file://{request}")
            seen["again"] = aws("create-inference-experiment", "--cli-input-json",
                                f"file://{request}")
            seed(url, {"age": [{"experiment": "cli-made", "seconds": 2}]})  # Creating is over
            seen["describe"] = aws("describe-inference-experiment", "--name", "cli-made")
            seen["update"] = aws("update-inference-experiment", "--name", "cli-made",
                                 "--description", "by the AWS CLI")
            seed(url, {"age": [{"experiment": "cli-made", "seconds": 2}]})  # Updating is over
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                seen["shadowtest"] = cli.main(["--json", "describe", "cli-made"]), out.getvalue()
            seen["list"] = aws("list-inference-experiments")
            out = io.StringIO()
            with contextlib.redirect_stdout(out):  # the CLI's own flag, as well as the variable
                seen["flag"] = cli.main(["--endpoint-url", url, "--json", "list"]), out.getvalue()
            seen["stop"] = aws("stop-inference-experiment", "--name", "cli-made",
                               "--model-variant-actions", "production=Retain,shadow=Remove")
        except BaseException as error:  # reported by the test's thread
            seen["error"] = error
        finally:
            import os

            os.kill(os.getpid(), signal.SIGTERM)  # as a CI script ends the server

    worker = threading.Thread(target=drive)
    worker.start()
    code = run(["--port", url.rsplit(":", 1)[1], "--seed", str(seed_file)])
    worker.join(30)
    assert "error" not in seen, seen.get("error")
    assert code == 0
    printed = capsys.readouterr()
    assert printed.out == f"{url}\n"  # the URL, first and alone
    assert "stopped" in printed.err
    assert seen["create"][0] == 0
    assert json.loads(seen["create"][1])["InferenceExperimentArn"].endswith("/cli-made")
    assert seen["again"][0] != 0
    assert "An error occurred (ResourceInUse) when calling the CreateInferenceExperiment " \
           "operation: Inference experiment 'cli-made' already exists." in seen["again"][2]
    assert json.loads(seen["describe"][1])["Status"] == "Running"
    assert seen["update"][0] == 0
    assert seen["shadowtest"][0] == 0
    assert json.loads(seen["shadowtest"][1])["Description"] == "by the AWS CLI"
    assert [e["Name"] for e in json.loads(seen["list"][1])["InferenceExperiments"]] == [
        "cli-made"]
    assert seen["flag"][0] == 0
    assert "cli-made" in seen["flag"][1]
    assert seen["stop"][0] == 0


def test_the_readmes_rehearsal_is_the_script_ci_runs() -> None:
    """Every line of the README's rehearsal block is a line of
    examples/rehearsal/rehearse.sh (which .ci/run runs), so the README cannot drift."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    block = readme.split('coproc SERVER {', 1)[1].split("```", 1)[0]
    script = (root / "examples" / "rehearsal" / "rehearse.sh").read_text()
    lines = [line.strip() for line in ("coproc SERVER {" + block).splitlines() if line.strip()]
    assert lines
    assert [line for line in lines if line not in script] == []
    assert "examples/rehearsal/rehearse.sh" in (root / ".ci" / "run").read_text()


def test_sigterm_while_a_connection_is_being_accepted_still_stops_the_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The signal can arrive while the main thread hands a connection to its thread
    (under load the client has its answer before ``Thread.start`` returns); the server
    stops all the same, it does not swallow the signal and serve on."""
    import os
    import socket

    from shadowtest.testing.server import _app
    from shadowtest.testing.server.__main__ import run

    servers: list[Any] = []
    real_init = _app.LocalServer.__init__
    real_process = _app._HTTPServer.process_request

    def remember(self: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        servers.append(self)

    def signalled(self: Any, request: Any, address: Any) -> None:
        real_process(self, request, address)
        os.kill(os.getpid(), signal.SIGTERM)  # lands here, inside the accept

    monkeypatch.setattr(_app.LocalServer, "__init__", remember)
    monkeypatch.setattr(_app._HTTPServer, "process_request", signalled)
    port = _free_port()
    returned = threading.Event()
    rescued: list[bool] = []

    def client() -> None:
        for _ in range(500):  # a connection is enough: accepting it is where the signal lands
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            time.sleep(0.01)
        if not returned.wait(5) and servers:  # swallowed: end the test rather than hang
            rescued.append(True)
            servers[0]._http.shutdown()

    worker = threading.Thread(target=client, daemon=True)
    worker.start()
    code = run(["--port", str(port)])
    returned.set()
    worker.join(10)
    assert not rescued, "SIGTERM was swallowed; the server served on"
    assert code == 0
    assert "stopped" in capsys.readouterr().err


def test_a_seeded_experiment_can_carry_the_reason_it_was_cancelled() -> None:
    """A seed document gives a Cancelled experiment its StatusReason, so a CI script can
    rehearse what it does with a cancelled shadow test; a reason that is not text is a
    seed error naming the entry."""
    from shadowtest.testing import FakeSageMaker
    from shadowtest.testing.server._seed import SeedError, apply_seed

    fake = FakeSageMaker()
    config = json.loads(sample_config().to_json())
    apply_seed(fake, {"experiments": [{"config": config, "status": "Cancelled",
                                       "status_reason": "Access denied to the endpoint."}]})
    described = fake.client.describe_inference_experiment(Name="churn-shadow")
    assert (described["Status"], described["StatusReason"]) == (
        "Cancelled", "Access denied to the endpoint.")
    with pytest.raises(SeedError, match=r"experiments\[0\].status_reason"):
        apply_seed(FakeSageMaker(), {"experiments": [{"config": config, "status_reason": 1}]})

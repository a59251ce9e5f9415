"""The `shadowtest` command line, driven through main(argv) against FakeSageMaker: exit
codes, stdout, and stderr as one `FILE: path: message` line per problem."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest

import shadowtest
from shadowtest import ExperimentStatus, InferenceExperimentConfig, InferenceExperimentSchedule
from shadowtest.cli import main
from shadowtest.testing import FakeSageMaker, sample_config
from shadowtest.testing._clients import shared_session

if TYPE_CHECKING:
    from collections.abc import Iterator

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
NAME = "churn-shadow"
READS = {"DescribeInferenceExperiment", "ListInferenceExperiments", "ListTags",
         "DescribeEndpoint", "DescribeEndpointConfig", "DescribeModel"}  # + preflight's
Capture = pytest.CaptureFixture[str]


@pytest.fixture
def fake() -> FakeSageMaker:
    return FakeSageMaker(now=T0)


def write(tmp_path: Path, config: InferenceExperimentConfig, name: str = "shadow.json") -> str:
    path = tmp_path / name
    path.write_text(config.to_json())
    return str(path)


def run(fake: FakeSageMaker | None, *argv: str) -> int:
    return main(list(argv), client=None if fake is None else fake.experiment_client())


def mutating(fake: FakeSageMaker, since: int = 0) -> list[str]:
    return [operation for operation, _ in fake.calls[since:] if operation not in READS]


@pytest.fixture
def warm_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's ``boto3.Session()`` as a new session (its own region, credentials and
    endpoint configuration, read afresh) over the suite's loader, which has read the
    service models already: about 5 ms a client instead of 150-400 ms."""
    import boto3
    import botocore.session

    loader = shared_session()._session.get_component("data_loader")
    real = boto3.Session

    def session(**kwargs: Any) -> boto3.Session:
        core = botocore.session.Session(profile=kwargs.pop("profile_name", None))
        core.register_component("data_loader", loader)
        made = real(botocore_session=core, **kwargs)
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))  # boto3 appends
        return made

    monkeypatch.setattr(boto3, "Session", session)


@contextlib.contextmanager
def _refusing_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that answers every request 400 and records which
    operation each named (the X-Amz-Target header, or the path of the CBOR protocol)."""
    seen: list[str] = []

    class Refuse(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(f"{self.headers.get('X-Amz-Target', '')} {self.path}")
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Refuse)
    # shutdown() waits for the loop's next poll: 0.5 s by default
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class TestValidate:
    def test_a_good_file_is_ok_and_nothing_is_sent(self, tmp_path: Path, capsys: Capture,
                                                   fake: FakeSageMaker) -> None:
        path = write(tmp_path, sample_config())
        assert run(fake, "validate", path) == 0
        assert capsys.readouterr().out == f"{path}: ok (inference experiment 'churn-shadow')\n"
        assert fake.calls == []

    @pytest.mark.parametrize(("name", "content", "message"), [
        ("a.json", '{"Name": "x",\n  "Type" "ShadowMode"}',
         "not valid JSON: Expecting ':' delimiter at line 2, column 10"),
        ("b.json", "[1, 2]", "the JSON document is an array; it must be one object"),
        ("c.json", None, "unknown key 'Tagz'; the request has only Name,"),
        ("d.yaml", "Name: x\n", "reading YAML needs PyYAML: pip install 'shadowtest[yaml]'"),
        ("missing.json", "", "cannot read: No such file or directory"),
        ("dir", "", "cannot read: Is a directory"),
        ("e.json", None, "model_variants[0].instance_type: got 'ml.m5.xlarg', which is not"),
        ("f.json", "[" * 100_000 + "]" * 100_000,
         "the JSON document is nested too deeply to read; a create-inference-experiment"),
        ("g.yml", "- " * 100_000 + "x", "the YAML document is nested too deeply to read"),
    ])
    def test_bad_input_is_one_clear_line_per_problem_and_exit_1(
            self, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch,
            name: str, content: str | None, message: str) -> None:
        path = tmp_path / name
        if name == "c.json":
            path.write_text(json.dumps({**sample_config().to_dict(), "Tagz": []}))
        elif name == "e.json":
            variants = list(sample_config().model_variants)
            variants[0] = attrs.evolve(variants[0], instance_type="ml.m5.xlarg")
            path.write_text(sample_config(model_variants=variants).to_json())
        elif name == "dir":
            path.mkdir()
        elif name != "missing.json":
            path.write_text(content or "")
        if name.endswith(".yaml"):
            monkeypatch.setitem(sys.modules, "yaml", None)
        assert run(None, "validate", str(path)) == 1
        out, err = capsys.readouterr()
        assert out == ""
        (line,) = err.splitlines()
        assert line.startswith(f"{path}: {message}")
        assert "Traceback" not in err

    def test_every_file_is_checked_and_json_output(self, tmp_path: Path,
                                                   capsys: Capture) -> None:
        good = write(tmp_path, sample_config())
        assert run(None, "--json", "validate", good, str(tmp_path / "no.json")) == 1
        out, err = capsys.readouterr()
        assert json.loads(out) == [
            {"file": good, "valid": True, "name": NAME, "problems": []},
            {"file": str(tmp_path / "no.json"), "valid": False,
             "problems": [{"path": "", "message": "cannot read: No such file or directory"}]}]
        assert err.count("\n") == 1

    def test_json_validate_holds_every_problem_it_printed(self, tmp_path: Path,
                                                           capsys: Capture) -> None:
        """--json validate: each file's problems, path and message apart, are in the JSON as
        on stderr (they went to stderr only)."""
        path = tmp_path / "bad.json"
        path.write_text(json.dumps({**sample_config().to_dict(), "Tagz": [],
                                    "Description": "a\nb"}))
        assert run(None, "--json", "validate", str(path)) == 1
        out, err = capsys.readouterr()
        (result,) = json.loads(out)
        assert result["valid"] is False
        assert [f"{path}: {p['path']}: {p['message']}" if p["path"] else
                f"{path}: {p['message']}" for p in result["problems"]] == err.splitlines()
        assert {p["path"] for p in result["problems"]} == {"", "description"}

    def test_help_and_validate_import_neither_boto3_nor_botocore_client_code(
            self, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
        """With boto3 unimportable, --help and validate still work (validate reads only
        botocore's data files for the instance-type list)."""
        monkeypatch.setitem(sys.modules, "boto3", None)
        assert run(None, "--help") == 0
        assert "exit codes: 0 success/PASS" in capsys.readouterr().out
        assert run(None, "validate", write(tmp_path, sample_config())) == 0


class TestWaitOutput:
    def test_a_terminal_gets_one_live_status_line(self, monkeypatch: pytest.MonkeyPatch,
                                                  fake: FakeSageMaker) -> None:
        """On a TTY the status line is rewritten in place (\\r), not one line per change."""

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        fake.experiment_client().create(sample_config())
        assert run(fake, "wait", NAME, "Running") == 0
        shown = terminal.getvalue()
        assert shown.startswith("\r")
        assert shown.endswith("\n")
        assert shown.count("\n") == 1
        assert "Running" in shown


class TestUsage:
    @pytest.mark.parametrize("argv", [["nope"], [], ["apply"], ["wait", NAME, "Sleeping"]])
    def test_usage_errors_exit_2(self, argv: list[str], capsys: Capture) -> None:
        assert main(argv) == 2
        assert "usage: shadowtest" in capsys.readouterr().err

    @pytest.mark.usefixtures("warm_sessions")
    def test_an_unknown_profile_is_a_credentials_error(self, capsys: Capture) -> None:
        """--profile (before or after the command) reaches boto3; an unknown one exits 5
        before any request."""
        for argv in (["--profile", "nope", "describe", NAME],
                     ["describe", NAME, "--profile", "nope"]):
            assert main(argv) == 5
            assert capsys.readouterr().err == (
                "shadowtest: The config profile (nope) could not be found: --profile and "
                "AWS_PROFILE must name a profile of the AWS config or credentials file\n")

    @pytest.mark.usefixtures("warm_sessions")
    def test_a_missing_region_or_credentials_is_the_setup_not_the_file(
            self, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
        """Not `shadow.json: You must specify a region.`: the AWS setup is named, and what
        to do; exit 5 (a credentials error), also with --json."""
        path = write(tmp_path, sample_config())
        monkeypatch.delenv("AWS_DEFAULT_REGION")
        assert main(["plan", path]) == 5
        assert capsys.readouterr().err == (
            "shadowtest: no AWS region: give --region, or set AWS_DEFAULT_REGION, or a region "
            "in the AWS config file (aws configure)\n")
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(key)
        assert main(["--json", "--region", "eu-west-1", "plan", path]) == 5
        out, err = capsys.readouterr()
        assert err.startswith("shadowtest: no usable AWS credentials (Unable to locate "
                              "credentials): give --profile, or set AWS_ACCESS_KEY_ID")
        assert json.loads(out) == {"exit_code": 5, "problems": [
            {"file": None, "path": "", "message": err.removeprefix("shadowtest: ").rstrip()}]}

    def test_version(self, capsys: Capture) -> None:
        assert main(["--version"]) == 0
        assert capsys.readouterr().out == f"shadowtest {shadowtest.__version__}\n"

    @pytest.mark.parametrize(("argv", "message"), [
        (["--json", "apply"], "the following arguments are required: FILE"),
        (["list", "--json", "--status", "Sleeping"], "argument --status: invalid choice: "
         "'Sleeping' (choose from 'Creating', 'Created', 'Updating', 'Starting', 'Running', "
         "'Stopping', 'Completed', 'Cancelled')"),
        (["--json"], "the following arguments are required: COMMAND"),
    ])
    def test_a_json_usage_error_is_a_json_document(self, argv: list[str], message: str,
                                                   capsys: Capture) -> None:
        """As every other --json failure: stdout holds the exit code and the problem; the
        usage stays on stderr."""
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert json.loads(out) == {"exit_code": 2, "problems": [
            {"file": None, "path": "", "message": message}]}
        assert err.startswith("usage: shadowtest")
        assert err.endswith(f"error: {message}\n")

    def test_json_after_double_dash_is_an_argument(self, capsys: Capture) -> None:
        assert main(["describe", "--", "--json", "x"]) == 2
        assert capsys.readouterr().out == ""

    @pytest.mark.usefixtures("warm_sessions")
    @pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"])
    def test_an_endpoint_url_variable_that_is_no_url_is_named(
            self, variable: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
        """botocore says only `Invalid endpoint: bogus`; the run names the variable and
        exits 5, as for any other fault of the AWS setup."""
        monkeypatch.setenv(variable, "bogus")
        assert main(["describe", NAME]) == 5
        assert capsys.readouterr().err == (
            f"shadowtest: {variable} is 'bogus', which is not a URL: set an http:// or "
            "https:// URL (e.g. http://127.0.0.1:5000), or remove it to reach AWS\n")

    @pytest.mark.parametrize("url", ["127.0.0.1:5000", "ftp://x"])
    def test_endpoint_url_must_be_http(self, url: str, capsys: Capture) -> None:
        assert main(["--endpoint-url", url, "describe", NAME]) == 2
        assert "is not an http:// or https:// URL" in capsys.readouterr().err

    @pytest.mark.usefixtures("warm_sessions")
    @pytest.mark.parametrize("how", ["--endpoint-url", "AWS_ENDPOINT_URL"])
    def test_requests_go_to_the_endpoint_url(self, how: str, capsys: Capture,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
        """--endpoint-url, or boto3's AWS_ENDPOINT_URL without it: the request reaches a
        server on 127.0.0.1 (which refuses it; the refusal is a service error, exit 5)."""
        with _refusing_server() as (url, seen):
            argv = ["describe", NAME]
            if how == "--endpoint-url":
                argv += ["--endpoint-url", url]
            else:
                monkeypatch.setenv("AWS_ENDPOINT_URL", url)
            assert main(argv) == 5
        (request,) = seen
        assert "DescribeInferenceExperiment" in request
        assert capsys.readouterr().err.startswith("shadowtest: ")

    def test_python_dash_m_shadowtest(self, capsys: Capture,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
        import runpy

        monkeypatch.setattr(sys, "argv", ["shadowtest", "--help"])
        with pytest.raises(SystemExit) as exit:
            runpy.run_path(str(Path(shadowtest.__file__).with_name("__main__.py")),
                           run_name="__main__")
        assert exit.value.code == 0
        assert capsys.readouterr().out.startswith("usage: shadowtest")

    def test_a_bad_file_sends_nothing(self, tmp_path: Path, capsys: Capture,
                                      fake: FakeSageMaker) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text('{"Name": "churn-shadow", "Bogus": 1}')
        for command in ("plan", "apply"):
            assert run(fake, command, str(bad)) == 1
        assert fake.calls == []
        assert "Traceback" not in capsys.readouterr().err


class TestPlanApply:
    def test_plan_apply_and_a_second_apply_that_sends_nothing(
            self, tmp_path: Path, capsys: Capture, fake: FakeSageMaker) -> None:
        path = write(tmp_path, sample_config(tags={"team": "ml"}))
        assert run(fake, "plan", path) == 0
        assert capsys.readouterr().out.startswith(
            "+ create inference experiment 'churn-shadow' (does not exist)\n")
        assert [op for op, _ in fake.calls] == ["DescribeInferenceExperiment"]
        assert run(fake, "apply", path, "--wait") == 0
        out, err = capsys.readouterr()
        assert out == "churn-shadow: Running\n"
        *warnings, creating, running = err.splitlines()  # one line per status seen
        assert [creating, running] == ["churn-shadow: Creating", "churn-shadow: Running"]
        # before the create, preflight's warnings (this fake was told of no endpoint)
        assert [line.split(": ")[1:3] for line in warnings] == [
            ["warning", "endpoint"], ["warning", "model"], ["warning", "model"],
            ["warning", "sampling"], ["warning", "data-capture"]]
        n = len(fake.calls)
        assert run(fake, "apply", path) == 0
        assert mutating(fake, n) == []
        assert run(fake, "--json", "plan", path) == 0
        assert json.loads(capsys.readouterr().out.split("\n", 1)[1]) == {
            "name": NAME, "status": "Running", "actions": [], "changes": [], "requests": []}

    def test_plan_json_lists_changes_and_requests(self, tmp_path: Path, capsys: Capture,
                                                  fake: FakeSageMaker) -> None:
        fake.seed(sample_config())
        config = sample_config().with_sampling(100)
        assert run(fake, "plan", write(tmp_path, config), "--json") == 0
        plan = json.loads(capsys.readouterr().out)
        assert plan["actions"] == ["update"]
        assert plan["changes"] == [{
            "path": "shadow_mode_config.sampling_percentage", "old": 50, "new": 100,
            "action": "update", "allowed": True, "reason": None}]
        assert [r["operation"] for r in plan["requests"]] == ["update_inference_experiment"]

    def test_refused_and_replacing_changes_exit_1_with_file_lines(
            self, tmp_path: Path, capsys: Capture, fake: FakeSageMaker) -> None:
        fake.seed(sample_config())
        variants = list(sample_config().model_variants)
        variants[1] = attrs.evolve(variants[1], instance_count=4)
        path = write(tmp_path, sample_config(model_variants=variants))
        assert run(fake, "plan", path) == 1
        assert capsys.readouterr().err.splitlines() == [
            f"{path}: model_variants['shadow'].instance_count: refused: the model variants "
            "cannot change while the experiment is Running (it can change: description, "
            "schedule.end_time, shadow_mode_config.sampling_percentage)"]
        assert run(fake, "apply", path) == 1
        err = capsys.readouterr().err.splitlines()
        assert err[0].startswith(f"{path}: cannot apply the config to inference experiment")
        assert err[1].startswith(f"{path}: model_variants['shadow'].instance_count: 1 -> 4")
        moved = write(tmp_path, sample_config(endpoint_name="churn-2"), "moved.json")
        assert run(fake, "apply", moved) == 1
        err = capsys.readouterr().err.splitlines()
        assert err[-1] == (f"{moved}: endpoint_name: 'churn' -> 'churn-2' (set only on "
                           "create: forces a replacement)")
        assert mutating(fake) == []
        assert run(fake, "apply", moved, "--replace", "--wait") == 0
        assert mutating(fake) == ["StopInferenceExperiment", "DeleteInferenceExperiment",
                                  "CreateInferenceExperiment"]

    def test_json_holds_every_problem_printed_on_success_and_on_failure(
            self, tmp_path: Path, capsys: Capture, fake: FakeSageMaker) -> None:
        """--json plan adds its refused changes as "problems"; --json apply, which fails
        before it has a document, prints one with the exit code and the problems."""
        fake.seed(sample_config())
        variants = list(sample_config().model_variants)
        variants[1] = attrs.evolve(variants[1], instance_count=4)
        path = write(tmp_path, sample_config(model_variants=variants))
        for command in ("plan", "apply"):
            assert run(fake, "--json", command, path) == 1
            out, err = capsys.readouterr()
            document = json.loads(out)
            shown = [f"{p['file']}: {p['path']}: {p['message']}" if p["path"] else
                     f"{p['file']}: {p['message']}" for p in document["problems"]]
            assert shown == err.splitlines()
            assert {p["path"] for p in document["problems"]} >= {
                "model_variants['shadow'].instance_count"}
        assert document["exit_code"] == 1
        assert mutating(fake) == []

    def test_apply_start_starts_a_created_experiment(self, tmp_path: Path, capsys: Capture,
                                                     fake: FakeSageMaker) -> None:
        config = sample_config(schedule=InferenceExperimentSchedule.starting_at(
            T0 + timedelta(days=1), timedelta(days=2)))
        path = write(tmp_path, config)
        assert run(fake, "apply", path, "--wait") == 0
        assert capsys.readouterr().out == "churn-shadow: Created\n"
        assert run(fake, "apply", path, "--start", "--wait") == 0
        assert capsys.readouterr().out == "churn-shadow: Running\n"
        assert mutating(fake) == ["CreateInferenceExperiment", "StartInferenceExperiment"]


    def test_an_apply_stopped_half_way_by_the_service_exits_as_a_service_error(
            self, tmp_path: Path, capsys: Capture, fake: FakeSageMaker,
            monkeypatch: pytest.MonkeyPatch) -> None:
        """An update carried out, then a start the service refused: exit 5 (the service),
        not 1, and the message says what was done."""
        import time

        monkeypatch.setattr(time, "sleep", lambda seconds: None)
        fake.seed(sample_config(), status=ExperimentStatus.CREATED)
        schedule = fake.describe(NAME)["Schedule"]
        path = write(tmp_path, sample_config(description="new", schedule=(
            InferenceExperimentSchedule(start_time=schedule["StartTime"],
                                        end_time=schedule["EndTime"]))))
        fake.fail_next("StartInferenceExperiment", "ValidationException",
                       "The endpoint is being updated")
        assert run(fake, "apply", path, "--start") == 5
        assert "was updated; starting it failed" in capsys.readouterr().err


class TestLibraryWarnings:
    """The library logs warnings on the "shadowtest" logger; a console run has no logging
    configured, where logging's last-resort handler would print each to stderr too."""

    @staticmethod
    def unconfigure_logging(monkeypatch: pytest.MonkeyPatch) -> None:
        """No handler on the root logger, as in a console run (pytest puts its capture
        handlers there as each test's call begins, so this runs in the test's body)."""
        import logging

        monkeypatch.setattr(logging.getLogger(), "handlers", [])

    def test_apply_prints_each_preflight_warning_once(
            self, tmp_path: Path, capsys: Capture, fake: FakeSageMaker,
            monkeypatch: pytest.MonkeyPatch) -> None:
        path = write(tmp_path, sample_config())
        self.unconfigure_logging(monkeypatch)
        assert run(fake, "apply", path) == 0
        err = capsys.readouterr().err
        # this fake knows no endpoint: 2 model checks and the endpoint check could not
        # run; the config samples 50 % and captures nothing
        assert sorted(line.split(": ")[2] for line in err.splitlines()) == [
            "data-capture", "endpoint", "model", "model", "sampling"]
        assert all(line.startswith(f"{path}: warning: ") for line in err.splitlines())

    def test_any_other_warning_is_one_problem_line(
            self, capsys: Capture, fake: FakeSageMaker,
            monkeypatch: pytest.MonkeyPatch) -> None:
        import logging

        self.unconfigure_logging(monkeypatch)
        fake.seed(sample_config())
        client = fake.experiment_client()
        describe = client.describe

        def warned(name: str) -> shadowtest.InferenceExperiment:
            logging.getLogger("shadowtest").warning("watch %r: a transient fault", name)
            return describe(name)

        client.describe = warned  # type: ignore[method-assign]
        assert main(["--json", "describe", NAME], client=client) == 0
        out, err = capsys.readouterr()
        assert err == f"shadowtest: warning: watch {NAME!r}: a transient fault\n"
        assert json.loads(out)["problems"] == [
            {"file": None, "path": "", "message": f"warning: watch {NAME!r}: a transient fault"}]
        assert logging.getLogger("shadowtest").handlers == []  # the run's own, removed


def test_a_reader_that_goes_away_ends_the_command_quietly(
        fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch,
        capsys: Capture) -> None:
    """`shadowtest list | head`: the pipe closes under the command; it stops with a
    shell's SIGPIPE code and no traceback."""

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    fake.seed(sample_config())
    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["list"], client=fake.experiment_client()) == 141
    assert capsys.readouterr().err == ""


class TestReadCommands:
    def test_describe_list_wait_promote_conclude(self, capsys: Capture,
                                                 fake: FakeSageMaker) -> None:
        fake.seed(sample_config())
        fake.seed(sample_config(name="other-shadow"))
        assert run(fake, "describe", NAME) == 0
        assert NAME in capsys.readouterr().out
        assert run(fake, "describe", NAME, "--json") == 0
        assert json.loads(capsys.readouterr().out)["Status"] == "Running"
        assert run(fake, "list", "--json", "--name-contains", "other") == 0
        assert [e["Name"] for e in json.loads(capsys.readouterr().out)] == ["other-shadow"]
        assert run(fake, "list") == 0
        assert sorted(line.split("\t")[0] for line in capsys.readouterr().out.splitlines()) \
            == ["churn-shadow", "other-shadow"]
        assert run(fake, "promote", NAME) == 0
        assert capsys.readouterr().out.startswith("promoted: arn:aws:sagemaker:")
        assert run(fake, "wait", NAME, "Completed") == 0
        assert capsys.readouterr().err.splitlines() == [f"{NAME}: Stopping", f"{NAME}: Completed"]
        assert run(fake, "conclude", "other-shadow", "--cancel") == 0
        fake.advance(timedelta(seconds=1))
        assert fake.describe("other-shadow")["Status"] == "Cancelled"

    def test_service_errors_exit_5_and_refusals_exit_1(self, capsys: Capture,
                                                       fake: FakeSageMaker) -> None:
        assert run(fake, "describe", "missing") == 5
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith("shadowtest: describe inference experiment 'missing': "
                               "ResourceNotFound")
        fake.seed(sample_config(), status=ExperimentStatus.CREATED)
        assert run(fake, "promote", NAME) == 1
        assert "cannot stop inference experiment 'churn-shadow' while it is Created" in \
            capsys.readouterr().err
        fake.fail_next("describe_inference_experiment", "AccessDeniedException")
        assert run(fake, "describe", NAME) == 5
        assert "AccessDeniedException" in capsys.readouterr().err
        assert run(fake, "wait", NAME, "Completed", "--timeout", "0") == 1


class TestJudgeCommands:
    """evaluate and promote --require: the verdict is the exit code (PASS 0, FAIL 1,
    MARGINAL 3, NO_DATA 4, INCONCLUSIVE 6)."""

    def running(self, shadow_latency: float | None) -> FakeSageMaker:
        fake = FakeSageMaker(now=T0)
        fake.experiment_client().create(sample_config())
        fake.advance(timedelta(hours=2, seconds=1))
        if shadow_latency is not None:
            fake.record_traffic(NAME, "production", minutes=120, latency_ms=35.0)
            fake.record_traffic(NAME, "shadow", minutes=120, latency_ms=shadow_latency,
                                invocations_per_minute=50)
        return fake

    @pytest.mark.parametrize(("latency", "code", "verdict"), [
        (35.0, 0, "PASS"), (45.5, 1, "FAIL"), (None, 4, "NO_DATA"),
        (38.5, 6, "INCONCLUSIVE")])  # right at the +10 % tolerance: undecided
    def test_evaluate_exits_with_the_verdict(self, capsys: Capture, latency: float | None,
                                             code: int, verdict: str) -> None:
        fake = self.running(latency)
        assert run(fake, "evaluate", NAME) == code
        assert f": {verdict} (score" in capsys.readouterr().out.splitlines()[0]
        assert run(fake, "evaluate", NAME, "--json") == code
        assert json.loads(capsys.readouterr().out)["verdict"] == verdict

    def test_a_policy_file(self, tmp_path: Path, capsys: Capture) -> None:
        fake = self.running(45.5)
        loose = tmp_path / "policy.json"
        loose.write_text(json.dumps({"gates": [{"metric": "ModelLatency", "tolerance": 50}]}))
        assert run(fake, "evaluate", NAME, "--policy", str(loose)) == 0
        bad = tmp_path / "bad.json"
        bad.write_text("[]")
        assert run(fake, "evaluate", NAME, "--policy", str(bad)) == 1
        assert capsys.readouterr().err.startswith(f"{bad}: the JSON document is list")
        assert run(fake, "promote", NAME, "--require", "pass", "--policy", str(loose)) == 0
        assert mutating(fake) == ["CreateInferenceExperiment", "StopInferenceExperiment"]

    def test_a_policy_file_nested_100000_deep_exits_1_without_a_traceback(
            self, tmp_path: Path, capsys: Capture) -> None:
        deep = tmp_path / "deep.json"
        deep.write_text("[" * 100_000 + "]" * 100_000)
        assert run(None, "evaluate", NAME, "--policy", str(deep)) == 1
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith(f"{deep}: the JSON document is nested too deeply to read")

    def test_marginal_exits_3_and_promote_require_marginal_goes_ahead(
            self, tmp_path: Path, capsys: Capture) -> None:
        """A policy whose only latency gate is not critical: a slower shadow scores 50,
        MARGINAL (its marginal_score is 10)."""
        fake = self.running(45.5)
        policy = tmp_path / "lenient.json"
        policy.write_text(json.dumps({"gates": [
            {"metric": "ModelLatency", "tolerance": 10, "critical": False},
            {"metric": "Invocation5XXErrors", "tolerance": 1}], "marginal_score": 10}))
        assert run(fake, "evaluate", NAME, "--policy", str(policy)) == 3
        assert run(fake, "promote", NAME, "--require", "pass", "--policy", str(policy)) == 3
        assert "StopInferenceExperiment" not in mutating(fake)
        assert run(fake, "promote", NAME, "--require", "marginal", "--policy",
                   str(policy)) == 2  # a policy's verdict must be PASS
        capsys.readouterr()

    def test_promote_require_pass_refuses_an_inconclusive_verdict(self,
                                                                  capsys: Capture) -> None:
        """Not yet shown within tolerance is not a pass: exit 6, the undecided gate named,
        no stop request sent."""
        fake = self.running(38.5)
        assert run(fake, "promote", NAME, "--require", "pass") == 6
        assert "undecided: ModelLatency" in capsys.readouterr().err
        assert "StopInferenceExperiment" not in mutating(fake)

    def test_promote_require_pass_blocks_on_fail_and_sends_no_stop(self,
                                                                   capsys: Capture) -> None:
        fake = self.running(45.5)
        assert run(fake, "promote", NAME, "--require", "pass") == 1
        err = capsys.readouterr().err.splitlines()
        assert len(err) >= 2
        assert all(line.startswith("shadowtest: ") for line in err)
        assert "StopInferenceExperiment" not in mutating(fake)
        passing = self.running(35.0)
        assert run(passing, "promote", NAME, "--require", "pass") == 0
        assert capsys.readouterr().out.startswith("promoted: arn:")


def test_validate_reads_the_instance_types_botocore_would() -> None:
    """validate reads the instance-type list straight from the model file (no botocore
    import): the same set botocore's loader gives."""
    from botocore.loaders import create_loader

    from shadowtest.rules import instance_types_from_model_file

    model = create_loader().load_service_model("sagemaker", "service-2")
    expected = frozenset(model["shapes"]["ProductionVariantInstanceType"]["enum"])
    assert instance_types_from_model_file() == expected


def test_the_installed_script_runs_offline(tmp_path: Path) -> None:
    """The console script is installed and runs with no AWS environment at all (a missing
    file keeps it short: the good-file path is tested in-process above)."""
    script = Path(sys.executable).with_name("shadowtest")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env["HOME"] = str(tmp_path)
    result = subprocess.run([str(script), "validate", str(tmp_path / "none.json")],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"{tmp_path / 'none.json'}: cannot read: No such file or directory\n"

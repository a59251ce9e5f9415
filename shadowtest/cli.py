"""The ``shadowtest`` command line: a thin argparse layer over the library, for CI steps.

::

    shadowtest validate shadow-test.json            # no AWS credentials, no request
    shadowtest preflight shadow-test.json       # would it fail after creation? (reads only)
    shadowtest plan shadow-test.json
    shadowtest apply shadow-test.json --wait        # idempotent create-or-update
    shadowtest promote churn-shadow

Exit codes (a CI step can branch on them):

== ==================================================================
0  success (or the verdict ``PASS``)
1  an invalid config or request file, a refused operation, a wait that
   did not reach its status (or the verdict ``FAIL``)
2  usage: the command line itself is wrong (argparse's own code)
3  the verdict ``MARGINAL``
4  the verdict ``NO_DATA``
5  the service refused a request, or AWS credentials/region are missing
== ==================================================================

Problems go to stderr, one per line, as ``FILE: path: message`` (``shadowtest:``
stands in for FILE when no file is involved, as for a missing region or credentials).
With ``--json``, stdout holds one JSON document, with every problem printed under
``"problems"`` (a usage error too). ``--version`` prints the version.
``--endpoint-url URL`` sends every request there instead of AWS.
``--help`` and ``validate`` do not import boto3; ``validate`` reads the installed
botocore's instance-type list only.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn, TextIO, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence

    from shadowtest.client import ExperimentClient
    from shadowtest.config import InferenceExperimentConfig
    from shadowtest.experiment import InferenceExperiment
    from shadowtest.judgement import Judgement, Policy
    from shadowtest.plan import Plan
    from shadowtest.preflight import Preflight
    from shadowtest.status import StatusName
    from shadowtest.watch import Look, WatchResult

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_FAIL", "EXIT_INCONCLUSIVE", "EXIT_INTERRUPTED",
           "EXIT_MARGINAL", "EXIT_NO_DATA", "EXIT_OK", "EXIT_SERVICE", "EXIT_USAGE", "main"]

EXIT_OK: Final = 0
EXIT_FAIL: Final = 1
EXIT_USAGE: Final = 2
EXIT_MARGINAL: Final = 3
EXIT_NO_DATA: Final = 4
EXIT_SERVICE: Final = 5
EXIT_INCONCLUSIVE: Final = 6
EXIT_INTERRUPTED: Final = 130  # a shell's code for a command ended by Ctrl-C
EXIT_BROKEN_PIPE: Final = 141  # a shell's code for a command whose reader went away
_PROG: Final = "shadowtest"
_STATUSES: Final = ("Creating", "Created", "Updating", "Starting", "Running", "Stopping",
                    "Completed", "Cancelled")


class _Failed(Exception):
    """A problem already printed to stderr; carries the exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _UsageError(SystemExit):
    """A usage error argparse printed already (exit code 2), with its message kept for the
    --json document."""

    def __init__(self, message: str) -> None:
        super().__init__(EXIT_USAGE)
        self.message = message


class _Parser(argparse.ArgumentParser):
    """argparse's parser; a usage error keeps its message (argparse only prints it)."""

    def error(self, message: str) -> NoReturn:
        try:
            super().error(message)  # prints the usage and the message, then exits 2
        except SystemExit:
            raise _UsageError(message) from None


def _parser() -> argparse.ArgumentParser:
    from shadowtest._version import __version__

    # Options shared by every subcommand, so they may come before or after it; SUPPRESS
    # keeps a subcommand's default from overwriting a value given before it.
    common = _Parser(add_help=False)
    common.add_argument("--region", default=argparse.SUPPRESS,
                        help="AWS region (default: the AWS configuration's)")
    common.add_argument("--profile", default=argparse.SUPPRESS,
                        help="AWS profile from ~/.aws (default: the default chain)")
    common.add_argument("--endpoint-url", metavar="URL", type=_endpoint_url,
                        default=argparse.SUPPRESS,
                        help="send every request to URL instead of AWS, e.g. a local server "
                             "(default: boto3's configuration, AWS_ENDPOINT_URL included)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print one JSON document to stdout instead of text, holding "
                             "every problem printed to stderr under \"problems\"")

    parser = _Parser(
        prog=_PROG, parents=[common],
        description="Plan, apply and watch SageMaker shadow tests (inference experiments) "
                    "from request files in the `aws sagemaker create-inference-experiment "
                    "--cli-input-json` shape.",
        epilog="exit codes: 0 success/PASS, 1 invalid config, refused operation or FAIL, "
               "2 usage, 3 MARGINAL, 4 NO_DATA, 5 service or credentials error, "
               "6 INCONCLUSIVE, 130 interrupted")
    parser.add_argument("--version", action="version", version=f"{_PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=text, description=text)

    p = command("validate", "check request files offline (no credentials, no request)")
    p.add_argument("files", nargs="+", metavar="FILE", help=".json, .yaml or .yml")
    p = command("plan", "show what apply would send for FILE, sending nothing")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--start", action="store_true", help="plan for a running experiment")
    p = command("preflight", "check FILE against the account before creating it: exit 0 "
                             "when nothing would make it fail (warnings allowed, and a warning "
                             "says so when no read of the account answered), 1 otherwise")
    p.add_argument("file", metavar="FILE")
    p = command("apply", "create or update the experiment to match FILE (idempotent)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--wait", action="store_true",
                   help="wait until it is Created or Running (Running with --start)")
    p.add_argument("--start", action="store_true", help="start it if it is Created")
    p.add_argument("--replace", action="store_true",
                   help="allow stop, delete and create when a change needs a new experiment")
    p.add_argument("--no-preflight", action="store_true",
                   help="create without checking the account first (see: preflight)")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds (default 1800)")
    p = command("describe", "show one experiment")
    p.add_argument("name", metavar="NAME")
    p = command("list", "list experiments")
    p.add_argument("--name-contains", metavar="TEXT")
    p.add_argument("--status", choices=_STATUSES, metavar="STATUS")
    p = command("wait", "wait until the experiment reaches one of STATUS")
    p.add_argument("name", metavar="NAME")
    p.add_argument("statuses", nargs="+", choices=_STATUSES, metavar="STATUS")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds (default 1800)")
    p = command("evaluate", "judge the shadow against production (exit code: the verdict)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--policy", metavar="FILE", help="a JSON policy (Policy.to_dict's shape)")
    p = command("watch", "judge the shadow every --every while it runs and act on it: "
                         "conclude at a FAIL, promote a PASS with --promote-on-pass (exit "
                         "code: 0 promoted or PASS, 1 FAIL, else the last verdict's)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--every", type=_duration, default="15m", metavar="DURATION",
                   help="time between looks, e.g. 15m, 1h (default 15m; at least 1m)")
    p.add_argument("--min-duration", type=_duration, default="1h", metavar="DURATION",
                   help="a PASS counts only once the experiment has run this long (default 1h)")
    p.add_argument("--promote-on-pass", action="store_true",
                   help="promote the shadow on a PASS after --min-duration")
    p.add_argument("--no-conclude-on-fail", action="store_true",
                   help="on a FAIL only report it (exit 1), keep the experiment running")
    p.add_argument("--ramp", type=_ramp, metavar="STEPS",
                   help="sampling percentages to ramp through, e.g. 10,50,100")
    p.add_argument("--sns-topic", metavar="ARN", help="publish each action and verdict "
                                                      "change to this SNS topic")
    p.add_argument("--policy", metavar="FILE", help="a JSON policy (Policy.to_dict's shape)")
    p.add_argument("--timeout", type=_duration, metavar="DURATION",
                   help="stop watching after this long, e.g. 7d (default: until it ends)")
    p = command("promote", "stop the experiment, promoting the shadow variant")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--require", choices=("pass", "marginal"),
                   help="judge first; promote only on this verdict or better")
    p.add_argument("--policy", metavar="FILE", help="with --require pass: judge by this policy")
    p = command("conclude", "stop the experiment, keeping production as it is")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--remove-shadow", action="store_true", help="remove the shadow variant")
    p.add_argument("--cancel", action="store_true", help="end it Cancelled, not Completed")
    return parser


def _duration(text: str) -> float:
    """A duration on the command line (15m, 1h, 7d, 1h30m, or seconds), in seconds."""
    from shadowtest.watch import parse_duration

    try:
        return parse_duration(text).total_seconds()
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _ramp(text: str) -> tuple[int, ...]:
    """``--ramp 10,50,100``: sampling percentages (watch() checks they make a ramp)."""
    try:
        return tuple(int(step) for step in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of whole percentages such as 10,50,100") from None


def _endpoint_url(text: str) -> str:
    """``--endpoint-url``'s value: an http(s) URL (argparse reports anything else)."""
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an http:// or https:// URL (e.g. http://127.0.0.1:5000)")
    return text


def main(argv: Sequence[str] | None = None, *, client: ExperimentClient | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it).

    ``client`` replaces the one made from ``--region``/``--profile`` (tests pass a
    :class:`~shadowtest.testing.FakeSageMaker`'s).
    """
    try:
        args = _parser().parse_args(argv)
    except _UsageError as usage:  # printed already; with --json, stdout holds it too
        if "--json" in _options(sys.argv[1:] if argv is None else argv):
            import json

            problem = {"file": None, "path": "", "message": usage.message}
            print(json.dumps({"exit_code": EXIT_USAGE, "problems": [problem]}, indent=2,
                             ensure_ascii=False), file=sys.stdout, flush=True)
        return EXIT_USAGE
    except SystemExit as exit:  # --help or --version (0), already printed
        return exit.code if isinstance(exit.code, int) else EXIT_USAGE
    cli = _Cli(args, client, sys.stdout, sys.stderr)
    # The library's warnings become the run's own problem lines. Without a handler on the
    # "shadowtest" logger, logging's last-resort handler would print each one to stderr
    # as well (apply's preflight warnings appeared twice).
    logger = logging.getLogger("shadowtest")
    handler = _WarningLines(cli)
    logger.addHandler(handler)
    try:
        code = cli.run()
    except _Failed as failed:
        code = failed.code
    except KeyboardInterrupt:
        cli.problem(None, "interrupted")
        code = 130
    except BrokenPipeError:
        # the reader went away (`shadowtest list | head`): stop quietly, as a shell
        # command killed by SIGPIPE does, instead of a traceback
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    finally:
        logger.removeHandler(handler)
    if code != EXIT_OK:
        cli.print_failure(code)
    return code


def _options(argv: Sequence[str]) -> Sequence[str]:
    """The words of a command line before ``--`` (after it, every word is an argument)."""
    return argv[:list(argv).index("--")] if "--" in argv else argv


class _WarningLines(logging.Handler):
    """The library's log records of level WARNING and above during one run, each printed
    once as a ``shadowtest: warning: ...`` problem line (kept for the --json document).
    A preflight finding that apply logs is left out: the run printed it already, with
    its file, from ``on_preflight``."""

    def __init__(self, cli: _Cli) -> None:
        super().__init__(logging.WARNING)
        self.cli = cli

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "shadowtest_finding", None) is not None:
            return
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging's own report, not a crash
            self.handleError(record)
            return
        self.cli.problem(None, f"warning: {message}")


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit does not fail on
    the closed pipe again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file (a test's capture)
        pass


class _Cli:
    """One run of the command line: the parsed arguments and where output goes."""

    def __init__(self, args: argparse.Namespace, client: ExperimentClient | None,
                 out: TextIO, err: TextIO) -> None:
        self.args = args
        self.json: bool = getattr(args, "json", False)
        self._client = client
        self.out, self.err = out, err
        # every problem printed to stderr, for the --json document
        self.problems: list[dict[str, str | None]] = []
        self._printed_json = False

    # -- output -----------------------------------------------------------------------------

    def print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def print_json(self, value: object) -> None:
        """The run's one JSON document; an object gains the problems printed so far."""
        import json

        if isinstance(value, dict) and self.problems:
            value = {**value, "problems": self.problems}
        from shadowtest._json import jsonable

        print(json.dumps(jsonable(value), indent=2, allow_nan=False, ensure_ascii=False),
              file=self.out, flush=True)
        self._printed_json = True

    def print_failure(self, code: int) -> None:
        """With --json, a run that failed before printing its document prints this one:
        the exit code and every problem (stdout is never empty, nor two documents)."""
        if self.json and not self._printed_json:
            self.print_json({"exit_code": code, "problems": self.problems})

    def problem(self, source: str | None, message: str, path: str = "") -> None:
        """One ``SOURCE: path: message`` line on stderr (``shadowtest:`` without a source),
        kept for the --json document."""
        line = f"{path}: {message}" if path else message
        print(f"{source or _PROG}: {line}", file=self.err, flush=True)
        self.problems.append({"file": source, "path": path, "message": message})

    def fail(self, source: str | None, error: BaseException) -> _Failed:
        """Print ``error`` as ``SOURCE: path: message`` lines; the exit code to leave with."""
        from shadowtest.errors import (
            ApplyIncompleteError,
            ConfigValidationError,
            ServiceError,
            ShadowTestError,
        )

        if isinstance(error, ConfigValidationError):
            for problem in error.errors:
                self.problem(source, problem.message, problem.path)
            return _Failed(EXIT_FAIL)
        if isinstance(error, OSError) and error.filename is not None and error.strerror:
            self.problem(source, f"cannot read: {error.strerror}")
            return _Failed(EXIT_FAIL)
        setup = _setup_problem(error)
        if setup is not None:  # the machine's AWS setup, not the file, is what is wrong
            self.problem(None, setup)
            return _Failed(EXIT_SERVICE)
        lines = str(error).splitlines() or [type(error).__name__]
        # the header, then each indented "path: reason" line on its own, its path apart
        # when it is one of the fields the error names (for the --json document)
        fields = tuple(getattr(error, "fields", ()) or ())
        for line in (line.strip() for line in lines):
            path = next((f for f in fields if isinstance(f, str) and line.startswith(f + ": ")),
                        "")
            self.problem(source, line[len(path) + 2:] if path else line, path)
        # an apply that stopped half-way exits as the step that failed would have
        cause = error.__cause__ if isinstance(error, ApplyIncompleteError) else error
        if isinstance(cause, ServiceError) or (cause is not None and _from_botocore(cause)):
            return _Failed(EXIT_SERVICE)
        if isinstance(error, (ShadowTestError, OSError, ImportError, ValueError)):
            return _Failed(EXIT_FAIL)
        raise error

    # -- the commands -----------------------------------------------------------------------

    def run(self) -> int:
        handler: Callable[[], int] = getattr(self, f"cmd_{self.args.command}")
        return handler()

    @property
    def client(self) -> ExperimentClient:
        if self._client is None:
            from shadowtest.client import ExperimentClient

            profile = getattr(self.args, "profile", None)
            region = getattr(self.args, "region", None)
            try:
                session = None
                if profile is not None:
                    import boto3

                    session = boto3.Session(profile_name=profile)
                self._client = ExperimentClient(
                    session=session, region_name=region,
                    endpoint_url=getattr(self.args, "endpoint_url", None))
            except Exception as error:  # ProfileNotFound and the like
                raise self.fail(None, error) from None
        return self._client

    def call(self, source: str | None, action: Callable[[], Any]) -> Any:
        """``action()``, with any error it raises printed and turned into an exit code."""
        try:
            return action()
        except _Failed:
            raise  # printed already (making the client, say)
        except Exception as error:
            raise self.fail(source, error) from None

    def load(self, path: str) -> InferenceExperimentConfig:
        from shadowtest.files import load

        config: InferenceExperimentConfig = self.call(path, lambda: load(path))
        return config

    def cmd_validate(self) -> int:
        from shadowtest.rules import botocore_instance_types, instance_type_problems

        code = EXIT_OK
        results = []
        for path in self.args.files:
            start = len(self.problems)
            try:
                config = self.load(path)
            except _Failed as failed:
                code = max(code, failed.code)
                results.append({"file": path, "valid": False,
                                "problems": self._problems_since(start)})
                continue
            # the one rule that needs more than the file: the installed botocore's list
            problems = instance_type_problems(config.model_variants, botocore_instance_types(),
                                              "model_variants")
            for problem in problems:
                self.problem(path, problem.message, problem.path)
            if problems:
                code = EXIT_FAIL
            results.append({"file": path, "valid": not problems, "name": config.name,
                            "problems": self._problems_since(start)})
            if not self.json and not problems:
                self.print(f"{path}: ok (inference experiment {config.name!r})")
        if self.json:
            self.print_json(results)
        return code

    def _problems_since(self, start: int) -> list[dict[str, str]]:
        """The problems printed since ``start``, as validate's JSON gives them per file."""
        return [{"path": p["path"] or "", "message": p["message"] or ""}
                for p in self.problems[start:]]

    def cmd_plan(self) -> int:
        config = self.load(self.args.file)
        desired: Literal["Running"] | None = "Running" if self.args.start else None
        plan: Plan = self.call(self.args.file,
                               lambda: self.client.plan(config, desired_state=desired))
        for change in plan.refused:
            self.problem(self.args.file, f"refused: {change.reason}", change.path)
        if self.json:
            self.print_json(plan.to_dict())
        else:
            self.print(str(plan))
        return EXIT_FAIL if plan.refused else EXIT_OK

    def cmd_preflight(self) -> int:
        path = self.args.file
        config = self.load(path)
        result: Preflight = self.call(path, lambda: self.client.preflight(config))
        for finding in result.errors:
            self.problem(path, finding.message, finding.check)
        if not result.checked:
            self.problem(path, "nothing was checked: no read of the account answered (see "
                               "each check's warning for the IAM action to grant)", "warning")
        if self.json:
            self.print_json(result.to_dict())
        else:
            self.print(str(result))
        return EXIT_OK if result.ok else EXIT_FAIL

    def cmd_apply(self) -> int:
        path = self.args.file
        config = self.load(path)
        desired: Literal["Running"] | None = "Running" if self.args.start else None
        client = self.client
        def warn(result: Preflight) -> None:
            for finding in result.warnings:
                self.problem(path, f"warning: {finding.check}: {finding.message}")

        experiment: InferenceExperiment = self.call(path, lambda: client.apply(
            config, desired_state=desired, replace=self.args.replace,
            timeout=self.args.timeout, preflight=not self.args.no_preflight,
            on_preflight=warn))
        if self.args.wait and not experiment.is_terminal:  # ended and unchanged: done
            until = ("Running",) if desired else ("Created", "Running")
            experiment = self.wait(path, config.name, until, self.args.timeout)
        if self.json:
            self.print_json(experiment.to_boto3())
        else:
            self.print(f"{config.name}: {experiment.status}")
        return EXIT_OK

    def cmd_describe(self) -> int:
        experiment = self.call(None, lambda: self.client.describe(self.args.name))
        if self.json:
            self.print_json(experiment.to_boto3())
        else:
            self.print(str(experiment))
        return EXIT_OK

    def cmd_list(self) -> int:
        def fetch() -> list[Any]:
            return list(self.client.list(name_contains=self.args.name_contains,
                                         status_equals=self.args.status))

        summaries = self.call(None, fetch)
        if self.json:
            self.print_json([summary.to_boto3() for summary in summaries])
        else:
            from shadowtest._json import iso

            for s in summaries:
                created = iso(s.creation_time) if s.creation_time else "-"
                self.print(f"{s.name}\t{s.status}\t{created}")
        return EXIT_OK

    def cmd_wait(self) -> int:
        experiment = self.wait(None, self.args.name, self.args.statuses, self.args.timeout)
        if self.json:
            self.print_json(experiment.to_boto3())
        return EXIT_OK

    def load_policy(self, path: str | None) -> Policy | None:
        if path is None:
            return None
        import json

        from shadowtest.judgement import Policy

        def read() -> Policy:
            with open(path, "rb") as file:
                try:
                    data = json.load(file)
                except json.JSONDecodeError as error:
                    raise ValueError(f"not valid JSON: {error.msg} at line {error.lineno}, "
                                     f"column {error.colno}") from None
                except RecursionError:  # the parser recurses once per level of nesting
                    raise ValueError("the JSON document is nested too deeply to read (a "
                                     "policy is Policy.to_dict's shape)") from None
            if not isinstance(data, dict):
                raise ValueError(f"the JSON document is {type(data).__name__}; it must be one "
                                 "object (Policy.to_dict's shape)")
            return Policy.from_dict(data)

        try:
            return read()
        except ValueError as error:  # ConfigValidationError is one too
            raise self.fail(path, error) from None
        except OSError as error:
            raise self.fail(path, error) from None

    def cmd_evaluate(self) -> int:
        policy = self.load_policy(self.args.policy)
        judgement: Judgement = self.call(None, lambda: self.client.evaluate(self.args.name,
                                                                            policy))
        if self.json:
            self.print_json(_judgement_dict(judgement))
        else:
            self.print(str(judgement))
        return _VERDICT_CODES[judgement.verdict.value]

    def cmd_watch(self) -> int:
        from shadowtest._waiting import Progress
        from shadowtest.watch import format_duration, line_of_look, look_dict

        args = self.args
        policy = self.load_policy(args.policy)
        tty = self.err.isatty() and not self.json
        progress = Progress(self.err) if tty else None
        live = [f"{args.name}: first look"]

        def on_look(look: Look) -> None:
            if self.json:
                self.print_line_json({"look": look_dict(look)})
                return
            # an action taken at this look stays on its own line; the status line goes on
            done = [m.splitlines()[0] for m in look.messages if " verdict " not in
                    m.splitlines()[0]]
            if progress is not None:
                for line in done:
                    progress.close(line)
                live[0] = line_of_look(look, live=True)
                progress.show(live[0])
            else:
                self.print(line_of_look(look))
                for line in done:
                    self.print(line)

        notify: Any = args.sns_topic
        try:
            result: WatchResult = self.call(None, lambda: self.client.watch(
                args.name, policy, every=args.every, min_duration=args.min_duration,
                on_fail=None if args.no_conclude_on_fail else "conclude",
                on_pass="promote" if args.promote_on_pass else None, ramp=args.ramp,
                notify=notify, timeout=args.timeout, on_look=on_look))
        finally:
            if progress is not None:
                progress.close(live[0])
        if self.json:
            self.print_line_json({"result": _watch_dict(result)})
        else:
            self.print(str(result))
            if result.ended == "timeout" and args.timeout is not None:
                from datetime import timedelta

                self.print(f"watch ended after its timeout of "
                           f"{format_duration(timedelta(seconds=args.timeout))}")
        return _watch_code(result)

    def print_line_json(self, value: object) -> None:
        """One compact JSON object on its own line (a stream of them: watch's looks)."""
        import json

        from shadowtest._json import jsonable

        print(json.dumps(jsonable(value), allow_nan=False, ensure_ascii=False), file=self.out,
              flush=True)
        self._printed_json = True

    def cmd_promote(self) -> int:
        from shadowtest.errors import PromotionBlockedError

        require: Any = None
        if self.args.require is not None:
            require = self.args.require.upper()
            if self.args.policy is not None:
                if require != "PASS":
                    self.problem(None, "--policy goes with --require pass (a policy's "
                                       "verdict must be PASS)")
                    return EXIT_USAGE
                require = self.load_policy(self.args.policy)
        elif self.args.policy is not None:
            self.problem(None, "--policy needs --require pass")
            return EXIT_USAGE
        try:
            arn = self.client.promote(self.args.name, require=require)
        except _Failed:
            raise
        except PromotionBlockedError as blocked:
            self.problem(None, str(blocked).splitlines()[0])
            for reason in blocked.judgement.reasons:
                self.problem(None, reason)
            if self.json:
                self.print_json(_judgement_dict(blocked.judgement))
            return _VERDICT_CODES[blocked.judgement.verdict.value]
        except Exception as error:
            raise self.fail(None, error) from None
        self.print_json({"arn": arn}) if self.json else self.print(f"promoted: {arn}")
        return EXIT_OK

    def cmd_conclude(self) -> int:
        state: Literal["Completed", "Cancelled"] = (
            "Cancelled" if self.args.cancel else "Completed")
        arn = self.call(None, lambda: self.client.conclude(
            self.args.name, remove_shadow=self.args.remove_shadow, desired_state=state))
        self.print_json({"arn": arn}) if self.json else self.print(f"concluded: {arn}")
        return EXIT_OK

    # -- waiting ----------------------------------------------------------------------------

    def wait(self, source: str | None, name: str, until: Sequence[str],
             timeout: float) -> InferenceExperiment:
        """``client.wait``: on a terminal its own live status line; otherwise one line
        per status change (through ``on_poll``), so CI logs stay short."""
        client = self.client
        tty = self.err.isatty() and not self.json
        seen: list[str] = []

        def on_poll(experiment: InferenceExperiment) -> None:
            status = str(experiment.status)
            if not seen or seen[-1] != status:
                seen.append(status)
                print(f"{name}: {status}", file=self.err, flush=True)

        # the statuses come from the command line: wait() checks them and reports a typo
        statuses = cast("Collection[StatusName]", until)
        result: InferenceExperiment = self.call(source, lambda: client.wait(
            name, statuses, timeout=timeout, progress=tty, on_poll=None if tty else on_poll))
        return result


_NO_CREDENTIALS: Final = frozenset({
    "NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError",
    "SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError",
    "NoAuthTokenError", "InvalidConfigError"})


def _setup_problem(error: BaseException) -> str | None:
    """What a botocore error about the AWS setup (region, credentials, the endpoint) says
    to do, or ``None`` for any other error. Recognised by class name, so nothing imports
    botocore to tell."""
    endpoint = _bad_endpoint(error)
    if endpoint is not None:
        return endpoint
    if not _from_botocore(error):
        return None
    name = type(error).__name__
    if name == "NoRegionError":
        return ("no AWS region: give --region, or set AWS_DEFAULT_REGION, or a region in "
                "the AWS config file (aws configure)")
    if name == "ProfileNotFound":
        return (f"{error}: --profile and AWS_PROFILE must name a profile of the AWS config "
                "or credentials file")
    if name in _NO_CREDENTIALS:
        return (f"no usable AWS credentials ({error}): give --profile, or set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws configure "
                "(or aws sso login)")
    if name in ("EndpointConnectionError", "ConnectTimeoutError"):
        return f"cannot reach the service: {error}"
    return None


_INVALID_ENDPOINT: Final = "Invalid endpoint: "  # botocore's ValueError making a client


def _bad_endpoint(error: BaseException) -> str | None:
    """What to do when boto3's configuration gives an endpoint URL that is not one (botocore
    raises a bare ValueError), naming the variable that holds it."""
    text = str(error)
    if not (isinstance(error, ValueError) and text.startswith(_INVALID_ENDPOINT)):
        return None
    import os

    value = text[len(_INVALID_ENDPOINT):]
    names = sorted(key for key, held in os.environ.items()
                   if key.startswith("AWS_ENDPOINT_URL") and held == value)
    where = (" and ".join(names) if names else
             "endpoint_url in the AWS config file (or AWS_ENDPOINT_URL_<SERVICE>)")
    return (f"{where} is {value!r}, which is not a URL: set an http:// or https:// URL "
            "(e.g. http://127.0.0.1:5000), or remove it to reach AWS")


def _from_botocore(error: BaseException) -> bool:
    """A botocore error (credentials, region, throttling, an unmapped service error),
    recognised without importing botocore."""
    return any(klass.__module__.split(".")[0] == "botocore" for klass in type(error).__mro__)


_VERDICT_CODES: Final = {"PASS": EXIT_OK, "FAIL": EXIT_FAIL, "MARGINAL": EXIT_MARGINAL,
                         "NO_DATA": EXIT_NO_DATA, "INCONCLUSIVE": EXIT_INCONCLUSIVE}


def _watch_code(result: WatchResult) -> int:
    """SPEC's exit codes for a watch: 0 promoted, 1 concluded or cancelled, 130 interrupted,
    else the last verdict's (no look: NO_DATA)."""
    if result.action == "promoted":
        return EXIT_OK
    if result.action is not None:
        return EXIT_FAIL
    if result.ended == "interrupted":
        return EXIT_INTERRUPTED
    verdict = result.verdict
    return _VERDICT_CODES.get(verdict.value, EXIT_NO_DATA) if verdict is not None \
        else EXIT_NO_DATA


def _watch_dict(result: WatchResult) -> dict[str, object]:
    return {"name": result.name, "action": result.action, "ended": result.ended,
            "verdict": result.verdict.value if result.verdict is not None else None,
            "looks": [[when.isoformat(), verdict.value] for when, verdict in result.looks],
            "raises": [[when.isoformat(), old, new] for when, old, new in result.raises],
            "messages": list(result.messages),
            "status": str(result.experiment.status) if result.experiment is not None else None,
            "judgement": _judgement_dict(result.judgement) if result.judgement is not None
            else None}


def _judgement_dict(judgement: Judgement) -> dict[str, object]:
    return judgement.to_dict()


if __name__ == "__main__":
    sys.exit(main())

"""``python -m shadowtest.testing.server``: the local AWS-compatible server."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import FrameType


class _Stop(BaseException):
    """SIGTERM arrived: leave serve_forever and close.

    A BaseException, like KeyboardInterrupt: the signal can land while the server is
    handing a new connection to its thread, where socketserver catches every Exception
    (reports it and serves on), so an Exception would leave the server running."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shadowtest.testing.server",
        description="A local server speaking the AWS protocols of shadowtest's fakes "
                    "(SageMaker inference experiments, CloudWatch GetMetricData, S3 reads). "
                    "Prints its URL first, serves until SIGTERM or Ctrl-C.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=0,
                        help="the port (default 0: any free port; the URL says which)")
    parser.add_argument("--seed", action="append", default=[], metavar="FILE",
                        help="a seed document (JSON) to apply before serving; repeatable")
    parser.add_argument("--to", metavar="URL",
                        help="send the --seed files to the server running at URL and exit "
                             "(for a CI script feeding a running server)")
    parser.add_argument("--log", action="store_true", help="one line per request on stderr")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be 0-65535, got {args.port}")
    if args.to is not None:
        return _feed(args.to, args.seed)

    from shadowtest.testing.server._app import LocalServer
    from shadowtest.testing.server._seed import SeedError

    try:
        server = LocalServer(args.host, args.port, log=args.log)
    except OSError as error:
        print(f"cannot serve on {args.host}:{args.port}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    for path in args.seed:
        try:
            with open(path, "rb") as file:
                server.seed(json.load(file))
        except (OSError, ValueError, RecursionError, SeedError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            server.stop()
            return 1
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        print(server.url, flush=True)
        server.serve_forever()
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    print("shadowtest server stopped", file=sys.stderr)
    return 0


def _feed(url: str, paths: list[str]) -> int:
    """``--to URL --seed FILE...``: each file to the running server, its answer printed."""
    from shadowtest.testing.server._client import seed

    for path in paths:
        try:
            print(json.dumps(seed(url, path)), flush=True)
        except (OSError, ValueError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(run())

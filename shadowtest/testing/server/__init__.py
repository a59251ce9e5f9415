"""A local AWS-compatible server on shadowtest's fakes, for tools that speak HTTP.

``python -m shadowtest.testing.server [--host 127.0.0.1] [--port 0] [--seed FILE]``
prints its URL (``http://127.0.0.1:PORT``) as the first line of its output and serves
until SIGTERM or Ctrl-C. Point any AWS tool at it — the AWS CLI
(``aws --endpoint-url URL sagemaker describe-inference-experiment --name X``), boto3 in
another process (``endpoint_url=URL`` or ``AWS_ENDPOINT_URL``), the ``shadowtest`` CLI —
with any credentials; they all see the same experiments.

It speaks each service's real wire protocol, read from botocore's service models:
SageMaker's inference-experiment, tag and endpoint/model describe operations (JSON
1.1), CloudWatch ``GetMetricData`` (JSON 1.0, smithy-rpc-v2-cbor or query, whichever
the client sends), S3's reads of data capture (REST-XML ``ListObjectsV2``,
``GetObject``, ``HeadObject``, ``HeadBucket``), SNS's topics and ``Publish`` (query)
and Athena's queries of shadowtest's comparison (JSON 1.1). A request the service
would refuse gets the service's error code and shape; an unknown operation
``UnknownOperationException`` (query: ``InvalidAction``); an operation the fakes do not
serve ``NotImplemented`` (501); a body that cannot be read a 400
``SerializationException``.

The experiments' clock follows the real time, a tick a second (a waiting CLI sees
Creating become Running), as its clients' clocks do. To feed it: :func:`seed` (or
``curl -X POST URL/_shadowtest/seed -d @seed.json``, or ``--seed FILE``) with a JSON
document of these parts, applied in this order::

    {"endpoints": [{"name": "churn", "variants": {"production": "churn-v1"}}],
     "models": [{"name": "churn-v2"}],
     "buckets": [{"name": "captures"}],
     "experiments": [{"config": {...create-inference-experiment --cli-input-json...},
                      "status": "Running", "running_for": 14400}],
     "age": [{"experiment": "made-by-the-cli", "seconds": 14400}],
     "advance": 60,
     "traffic": [{"experiment": "churn-shadow", "variant": "production", "minutes": 240,
                  "latency_ms": 35}],
     "captures": [{"experiment": "churn-shadow", "inputs": [[1, 2], [3, 4]],
                   "production": [0, 1], "shadow": [0, 0]}],
     "objects": [{"bucket": "captures", "key": "a/b.jsonl", "body": "..."}],
     "faults": [{"operation": "DescribeInferenceExperiment", "kind": "fail",
                 "code": "ThrottlingException", "times": 2}]}

``endpoints``, ``models`` and ``buckets`` tell the fake about the account, as
``FakeSageMaker.add_endpoint``/``add_model``/``add_bucket`` do (so preflight can check a
config); ``running_for`` and ``age`` give an experiment a past (it started that many seconds
ago) without moving the clock; ``advance`` moves the experiments' clock ahead of every
client's, for statuses only (a client reads metrics up to its own now). Traffic takes
the knobs of ``FakeSageMaker.record_traffic`` and ends now; captures answer each input
with the outputs given for it; faults take ``kind`` ``fail`` (``code``, ``message``,
``http_status``), ``disconnect``, ``time_out`` (``applied``), ``delay`` (``seconds``) or
``respond`` (``body``, ``http_status``), and ``times``; over HTTP a dropped connection
or a lost answer closes the connection unanswered.

``GET URL/_shadowtest/health`` answers ``{"ok": true, ...}`` once it serves. In tests,
:class:`LocalServer` runs it in a thread: ``with LocalServer() as server: ...``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shadowtest.testing.server._client import seed

if TYPE_CHECKING:
    from shadowtest.testing.server._app import LocalServer

__all__ = ["LocalServer", "seed"]


def __getattr__(name: str) -> object:
    # the server (and botocore) load only when it is used
    if name == "LocalServer":
        from shadowtest.testing.server._app import LocalServer

        return LocalServer
    raise AttributeError(f"module 'shadowtest.testing.server' has no attribute {name!r}")

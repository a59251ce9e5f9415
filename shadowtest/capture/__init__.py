"""Data capture: read, decode, pair and compare what production and shadow predicted.

A shadow test with a ``DataStorageConfig`` writes every captured request and response to
S3 as JSON Lines, one file tree per variant::

    <Destination>/<EndpointName>/<VariantName>/<yyyy>/<mm>/<dd>/<hh>/<MM>-<SS>-<mmm>-<uuid>.jsonl

Each line is one inference::

    {"captureData": {"endpointInput":  {"observedContentType": "text/csv", "mode": "INPUT",
                                        "data": "5.1,3.5", "encoding": "CSV"},
                     "endpointOutput": {"observedContentType": "application/json",
                                        "mode": "OUTPUT", "data": "0.83", "encoding": "JSON"}},
     "eventMetadata": {"eventId": "…", "inferenceId": "…", "inferenceTime": "…Z"},
     "eventVersion": "0"}

:func:`compare_captures` pairs the two variants' records by ``inferenceId`` (else
``eventId``), streaming: memory grows with the records still waiting for their partner,
not with the total. It is pure: give it records, JSON lines or local files (the client's
:meth:`~shadowtest.ExperimentClient.compare_predictions` reads them from S3).

Captures can hold personal data, so no payload ever reaches a log line, an exception
message, a problem or a ``repr``: a bad line is reported by file, line number and what
was wrong. :meth:`PredictionComparison.disagreements` is the one place that returns
payloads, because the caller asked for them.
"""

from shadowtest.capture.comparison import (
    CaptureProblem,
    DifferenceSummary,
    Disagreement,
    PredictionComparison,
)
from shadowtest.capture.decode import decode_payload
from shadowtest.capture.pairing import (
    DEFAULT_WINDOW,
    DUPLICATE_MEMORY,
    MAX_WINDOW,
    compare_captures,
)
from shadowtest.capture.reading import KEPT_PROBLEMS, CaptureInput
from shadowtest.capture.record import CaptureFile, CaptureRecord
from shadowtest.capture.s3 import READ_AHEAD, read_s3_captures, variant_prefix

__all__ = [
    "DEFAULT_WINDOW",
    "DUPLICATE_MEMORY",
    "KEPT_PROBLEMS",
    "MAX_WINDOW",
    "READ_AHEAD",
    "CaptureFile",
    "CaptureInput",
    "CaptureProblem",
    "CaptureRecord",
    "DifferenceSummary",
    "Disagreement",
    "PredictionComparison",
    "compare_captures",
    "decode_payload",
    "read_s3_captures",
    "variant_prefix",
]

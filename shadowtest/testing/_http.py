"""What the fakes share to answer at botocore's HTTP layer: a raw body and JSON of it.

Answering there (a ``before-send`` handler returning an ``AWSResponse``) lets botocore
parse the answer and apply its own retry rules, as it does with the real service.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Body", "json_default"]


class Body:
    """The raw body of an ``AWSResponse`` (botocore reads it through ``stream()``)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def json_default(value: object) -> float:
    """``json.dumps(default=...)`` for the JSON protocols: timestamps as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"no JSON form for {value!r}")

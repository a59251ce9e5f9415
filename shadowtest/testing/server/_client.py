"""The client side of the local server's own API: sending it a seed document."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

__all__ = ["seed"]


def seed(url: str, document: Mapping[str, object] | str | Path, *, timeout: float = 30.0
         ) -> dict[str, object]:
    """Send a seed document (a mapping, or the path of a JSON file) to the server at
    ``url``; returns its answer (the experiments' ARNs, the capture keys written, the
    clock's time). Raises :class:`ValueError` with the server's message if it refuses."""
    import urllib.error
    import urllib.request

    if isinstance(document, Mapping):
        body = json.dumps(document).encode()
    else:
        body = Path(document).read_bytes()
    request = urllib.request.Request(f"{url.rstrip('/')}/_shadowtest/seed", data=body,
                                     method="POST",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            result: dict[str, object] = json.loads(answer.read())
            return result
    except urllib.error.HTTPError as error:
        message = json.loads(error.read() or b"{}").get("error", str(error))
        raise ValueError(f"the server refused the seed: {message}") from None

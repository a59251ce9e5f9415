"""Offline boto3 clients for the test helpers, made from one shared botocore session.

A new botocore session re-reads the large SageMaker service model from disk (75–180 ms);
a client from a session that has read it once takes about 5 ms. Every client made here
comes from one module-level session, so a test suite pays for the model once. Each
client is still its own object: its event hooks, its Stubber and its fake state belong
to it alone, and it carries explicit dummy credentials, so no test can pick up another's
or the user's.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable

    import boto3
    from mypy_boto3_sagemaker import SageMakerClient

__all__ = ["lazy_client", "offline_client", "offline_sagemaker", "shared_session"]

T = TypeVar("T")

DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

_lock = threading.Lock()
_session: boto3.session.Session | None = None
_classes: dict[tuple[str, str], type] = {}
_making = threading.local()  # set while offline_client makes a client in this thread
_emitter: object = None  # the shared session's event emitter: its clients' classes are cached


def _cache_client_classes() -> None:
    """Make botocore build each service's client class once for the offline clients.

    botocore writes a new client class, one function per operation, for every client it
    makes: 2.7 of the 6.3 ms a SageMaker client costs, and as much again for the garbage
    collector to free each class (a test suite makes a thousand clients; the cache made
    shadowtest's own suite 13 % faster). The class depends only on the service model and
    the session's ``creating-client-class`` handlers, which are the same for every client
    of :func:`shared_session`. The cache answers only for clients of that session (made by
    :func:`offline_client`, or by ``shared_session().client(...)``, whose creator holds the
    session's own event emitter), so every other client a process makes is built as
    botocore builds it; if botocore stops having this (private) method, nothing is
    cached and everything still works.
    """
    from botocore.client import ClientCreator

    original = getattr(ClientCreator, "_create_client_class", None)
    if original is None or getattr(original, "shadowtest_cached", False):
        return

    def create_client_class(self: Any, service_name: str, service_model: Any) -> Any:
        if not (getattr(_making, "active", False) or (
                _emitter is not None and getattr(self, "_event_emitter", None) is _emitter)):
            return original(self, service_name, service_model)
        key = (service_name, str(service_model.api_version))
        cls = _classes.get(key)
        if cls is None:
            cls = _classes.setdefault(key, original(self, service_name, service_model))
        return cls

    create_client_class.shadowtest_cached = True  # type: ignore[attr-defined]
    ClientCreator._create_client_class = create_client_class  # type: ignore[attr-defined]


def shared_session() -> boto3.session.Session:
    """The boto3 session (over one botocore session and its loader) that every offline
    client is made from; made on first use."""
    global _session, _emitter
    with _lock:
        if _session is None:
            import boto3
            import botocore.session

            _cache_client_classes()
            core = botocore.session.Session()
            _emitter = core.get_component("event_emitter")
            _session = boto3.session.Session(botocore_session=core)
        return _session


def offline_client(service: str, region_name: str = "us-east-1") -> Any:
    """A new boto3 client for ``service`` with dummy credentials, from :func:`shared_session`."""
    session: Any = shared_session()  # the stubs type client() per literal service name only
    _making.active = True
    try:
        return session.client(service, region_name=region_name, **DUMMY_CREDENTIALS)
    finally:
        _making.active = False


def offline_sagemaker(region_name: str = "us-east-1") -> SageMakerClient:
    """A new SageMaker client with dummy credentials (see :func:`offline_client`)."""
    return cast("SageMakerClient", offline_client("sagemaker", region_name))


class _Lazy:
    """Stands for a client that is made on first attribute access."""

    __slots__ = ("_client", "_make")

    def __init__(self, make: Callable[[], object]) -> None:
        self._make = make
        self._client: object = None

    def __getattr__(self, name: str) -> object:
        if self._client is None:
            self._client = self._make()
        return getattr(self._client, name)


def lazy_client(make: Callable[[], T]) -> T:
    """A stand-in for the client ``make()`` returns, made on first use: a fake hands its
    S3 or CloudWatch client to an ExperimentClient without paying ~20 ms to make one that
    most tests never call."""
    return cast("T", _Lazy(make))

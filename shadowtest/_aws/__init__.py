"""The one layer that talks to AWS: every request shadowtest sends goes through here.

It owns the call (:func:`call`, :func:`pages`), the translation of each service's errors
(one table per service), which faults are transient (:mod:`.faults`), the recovery of a
resend whose answer was lost (:mod:`.resend`), pagination that ends (a repeated or
cycling token is a :class:`~shadowtest.MalformedResponseError` naming the operation),
and response-shape checks against the service model (:mod:`.shapes`). Nothing else in
the package calls a boto3 client; the client, ``metrics.fetch_metrics`` and the capture
S3 reader call the functions here with the boto3 client they hold.

Adding a service is one module, ``shadowtest/_aws/<service>.py``, holding only:

1. its error table: service code -> the :class:`~shadowtest.errors.ServiceError` class it
   becomes (``ServiceError`` itself, or a subclass added to ``errors.py`` when callers
   will branch on it); a code not in the table propagates as botocore raised it;
2. ``SERVICE = Service("Athena", ERRORS)``;
3. one :class:`Operation` per API operation it calls: the API and boto3 names, a
   ``check`` of the answer's shape (a :data:`~.shapes.Struct` from the service model
   and :func:`~.shapes.fail`; mark a member the model leaves optional but every answer
   carries with :data:`~.shapes.SENT`), and for a paginated one its token members;
4. small functions over those (``keys(client, bucket, prefix)``) for the callers.

Nothing else changes: calling, translating, paging, transient faults and resends work
the same for every service. Add the operations to ``OPERATIONS`` in ``tests/test_aws.py``
(every error their model declares must be in the table) and their shapes to the drift
test in ``tests/test_faults.py``.
"""

from shadowtest._aws._core import Operation, Service, call, failure, pages
from shadowtest._aws.faults import describe_fault, is_transient, was_resent

__all__ = ["Operation", "Service", "call", "describe_fault", "failure", "is_transient",
           "pages", "was_resent"]

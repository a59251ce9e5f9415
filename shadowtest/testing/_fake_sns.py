"""FakeSNS: the part of Amazon SNS a watch's notifications need, in memory.

On the fakes' base (:mod:`shadowtest.testing._base`), behind a real boto3 SNS client:
``CreateTopic`` (idempotent, as the service is for the same name), ``ListTopics``,
``DeleteTopic`` and ``Publish``, with SNS's refusals — ``NotFound`` for a topic that does
not exist, ``InvalidParameter`` for a subject that is empty, longer than 100 characters,
not ASCII or holds a line break, a message over 256 KB, a FIFO topic's message without a
``MessageGroupId`` or a deduplication id, or a group id on a standard topic. Every
message published is kept, in order, in :attr:`FakeSNS.notifications`.

>>> sns = FakeSNS()
>>> arn = sns.client.create_topic(Name="shadow-alerts")["TopicArn"]
>>> _ = sns.client.publish(TopicArn=arn, Message="churn-shadow: verdict FAIL")
>>> sns.notifications[0]["Message"]
'churn-shadow: verdict FAIL'
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Final

from shadowtest.testing._base import FakeClock, FakeService, Refusal
from shadowtest.testing._clients import offline_client

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_sns import SNSClient

__all__ = ["FakeSNS"]

MAX_MESSAGE_BYTES: Final = 256 * 1024  # SNS: "up to 256 KB"
MAX_SUBJECT: Final = 100  # SNS: "up to 100 characters", ASCII, no line break
_TOPIC_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo")


def _invalid(message: str) -> Refusal:
    return Refusal("InvalidParameter", message)


class FakeSNS(FakeService["SNSClient"]):
    """An in-memory SNS of ``account_id`` behind a real boto3 SNS ``client`` (made with
    dummy credentials if not given)."""

    SERVICE = "sns"

    def __init__(self, client: SNSClient | None = None, *, clock: FakeClock | None = None,
                 account_id: str = "123456789012") -> None:
        super().__init__(client if client is not None else offline_client("sns"), clock=clock)
        self.account_id = account_id
        self.topics: dict[str, dict[str, str]] = {}
        """Every topic's attributes, by ARN."""
        self.notifications: list[dict[str, str]] = []
        """Every message published: ``TopicArn``, ``Message``, ``MessageId``, ``Timestamp``
        (ISO 8601 on the fake's clock) and ``Subject``/``MessageGroupId`` when given."""
        self.serve({"CreateTopic": self._create_topic, "ListTopics": self._list_topics,
                    "DeleteTopic": self._delete_topic, "Publish": self._publish})

    def __repr__(self) -> str:
        return f"FakeSNS(topics={len(self.topics)}, notifications={len(self.notifications)})"

    def create_topic(self, name: str) -> str:
        """A topic of that name (made if new); its ARN. Not recorded in :attr:`calls`."""
        with self.lock:
            return self._create_topic({"Name": name})["TopicArn"]  # type: ignore[return-value]

    # -- the operations ----------------------------------------------------------------------

    def _arn(self, name: str) -> str:
        return f"arn:aws:sns:{self._meta.region_name}:{self.account_id}:{name}"

    def _create_topic(self, p: Mapping[str, object]) -> dict[str, object]:
        name = str(p["Name"])
        if not _TOPIC_NAME.fullmatch(name):
            raise _invalid("Invalid parameter: Topic Name")
        attributes = p.get("Attributes") or {}
        fifo = name.endswith(".fifo")
        if fifo != (dict(attributes).get("FifoTopic") == "true"):  # type: ignore[call-overload]
            raise _invalid("Invalid parameter: Topic Name (a FIFO topic's name ends in .fifo "
                           "and it is made with the attribute FifoTopic=true)")
        arn = self._arn(name)
        self.topics.setdefault(arn, {"TopicArn": arn, **dict(attributes)})  # type: ignore[call-overload]
        return {"TopicArn": arn}

    def _list_topics(self, p: Mapping[str, object]) -> dict[str, object]:
        return {"Topics": [{"TopicArn": arn} for arn in self.topics]}

    def _delete_topic(self, p: Mapping[str, object]) -> dict[str, object]:
        self.topics.pop(str(p["TopicArn"]), None)  # deleting a missing topic succeeds
        return {}

    def _publish(self, p: Mapping[str, object]) -> dict[str, object]:
        arn = str(p.get("TopicArn") or p.get("TargetArn") or "")
        topic = self.topics.get(arn)
        if topic is None:
            raise Refusal("NotFound", "Topic does not exist", 404)
        message = str(p["Message"])
        if len(message.encode()) > MAX_MESSAGE_BYTES:
            raise _invalid("Invalid parameter: Message too long")
        subject = p.get("Subject")
        if subject is not None:
            text = str(subject)
            if (not text or len(text) > MAX_SUBJECT or not text.isascii()
                    or "\n" in text or "\r" in text):
                raise _invalid("Invalid parameter: Subject")
        fifo = arn.endswith(".fifo")
        group = p.get("MessageGroupId")
        if fifo and group is None:
            raise _invalid("Invalid parameter: The MessageGroupId parameter is required for "
                           "FIFO topics")
        if not fifo and group is not None:
            raise _invalid("Invalid parameter: MessageGroupId Reason: The request includes "
                           "MessageGroupId parameter that is not valid for this topic type")
        if (fifo and p.get("MessageDeduplicationId") is None
                and topic.get("ContentBasedDeduplication") != "true"):
            raise _invalid("Invalid parameter: The topic should either have "
                           "ContentBasedDeduplication enabled or MessageDeduplicationId "
                           "provided explicitly")
        message_id = str(uuid.uuid4())
        kept = {"TopicArn": arn, "Message": message, "MessageId": message_id,
                "Timestamp": self.clock.now.isoformat()}
        if subject is not None:
            kept["Subject"] = str(subject)
        if group is not None:
            kept["MessageGroupId"] = str(group)
        self.notifications.append(kept)
        answer: dict[str, object] = {"MessageId": message_id}
        if fifo:
            answer["SequenceNumber"] = str(10_000_000_000_000_000_000 + len(self.notifications))
        return answer

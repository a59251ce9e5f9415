"""Traffic that flows through a fake experiment as its clock moves (``serve_traffic``).

``FakeSageMaker.record_traffic`` lays out a fixed stretch of minutes; a watched run needs
traffic that keeps coming while the test runs, follows the experiment (a raised sampling
percentage sends the shadow more requests from that minute on) and stops when the
experiment ends. A :class:`Flow` per variant does that lazily: whenever the fake's
CloudWatch is read, or the experiment is updated or stopped, every flow lays out the whole
minutes that have passed since it last did — at the experiment's state of that moment,
which no request has changed since — through the same ``record_traffic``. So however far
one ``advance`` moves the clock, the minutes come out as if they had been served one by
one, and a 7-day run costs a few thousand minutes of arithmetic.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Final

from shadowtest.status import TERMINAL, ExperimentStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from shadowtest.testing._base import Handler
    from shadowtest.testing._fake import FakeSageMaker

__all__ = ["Flow", "Flows"]

_UTC: Final = timezone.utc
_NOT_SERVING: Final = frozenset((ExperimentStatus.CREATING, ExperimentStatus.CREATED,
                                 ExperimentStatus.STARTING))


def _minute(when: datetime) -> int:
    return int(when.timestamp()) // 60 * 60


class Flow:
    """One variant's traffic: ``knobs`` are ``record_traffic``'s (``invocations_per_minute``
    is the endpoint's request rate; the shadow variant gets its sampled share)."""

    def __init__(self, name: str, variant: str, since: datetime,
                 load: Callable[[int], float], knobs: dict[str, float | int]) -> None:
        self.name = name
        self.variant = variant
        self.first = _minute(since)  # the flow's minute 0 (the load curve's index)
        self.cursor = self.first  # every minute before it is laid out
        self.load = load
        self.knobs = knobs
        self.done = False


class Flows:
    """Every flow of one FakeSageMaker, and the hooks that make them flow."""

    def __init__(self, fake: FakeSageMaker) -> None:
        self._fake = fake
        self._flows: dict[tuple[str, str], Flow] = {}
        self._hooked = False

    def add(self, flow: Flow) -> None:
        self.run()  # what the previous flow of this variant served stays as it was
        self._flows[(flow.name, flow.variant)] = flow
        if not self._hooked:
            self._hook()

    def _hook(self) -> None:
        """Lay the traffic out before the fake's CloudWatch answers, and before an update or
        a stop changes what the variants are served."""
        fake = self._fake
        self._hooked = True
        update, stop = fake._update, fake._stop
        cloudwatch = fake.cloudwatch_fake
        answer = cloudwatch._get_metric_data

        def flowing(handler: Handler) -> Handler:
            def serve(params: dict[str, object]) -> Mapping[str, object]:
                self.run()
                return handler(params)
            return serve

        fake.serve({"UpdateInferenceExperiment": flowing(update),
                    "StopInferenceExperiment": flowing(stop)})
        cloudwatch.serve({"GetMetricData": flowing(answer)})

    def run(self) -> None:
        """Lay out every flow's passed minutes (under the fakes' lock)."""
        fake = self._fake
        with fake.lock:
            now = fake.now
            for flow in self._flows.values():
                if not flow.done:
                    self._flow(fake, flow, now)

    @staticmethod
    def _flow(fake: FakeSageMaker, flow: Flow, now: datetime) -> None:
        exp = fake._experiments.get(flow.name)
        if exp is None:  # deleted: nothing serves it any more
            flow.done = True
            return
        fake._settled(flow.name)  # the transitions the clock has brought
        if exp.status in _NOT_SERVING:
            return
        # the experiment serves from its start until it ends: on schedule, or when stopped
        ended = exp.status in TERMINAL or exp.status is ExperimentStatus.STOPPING
        until = exp.completed if exp.status in TERMINAL else (
            exp.since if exp.status is ExperimentStatus.STOPPING else exp.end)
        assert until is not None
        begin = max(flow.cursor, _minute(exp.start))
        stop = min(_minute(now), _minute(until))
        if flow.variant in exp.deleted:
            ended = True
        if stop > begin:
            source, shadow = exp.roles
            share = 1.0
            if flow.variant == shadow:
                share = exp.params["ShadowModeConfig"]["ShadowModelVariants"][0][
                    "SamplingPercentage"] / 100
            elif flow.variant != source:
                share = 0.0
            offset = (begin - flow.first) // 60
            load = flow.load

            def rate(k: int, offset: int = offset, share: float = share) -> float:
                return load(offset + k) * share

            knobs = dict(flow.knobs)
            seed = int(knobs.pop("seed", 0))
            fake.record_traffic(flow.name, flow.variant, minutes=(stop - begin) // 60,
                                start=datetime.fromtimestamp(begin, _UTC),
                                invocations_per_minute=rate,
                                seed=seed * 1_000_003 + offset,
                                **knobs)  # type: ignore[arg-type]
        flow.cursor = max(flow.cursor, stop)
        if ended and flow.cursor >= _minute(until):
            flow.done = True


"""Test doubles for time shared by the test modules."""

from __future__ import annotations


class FakeClock:
    """time.monotonic and time.sleep that take no real time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

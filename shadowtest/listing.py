"""What ``ExperimentClient.list`` returns: a lazy, re-iterable result that displays itself.

>>> from shadowtest.testing import FakeSageMaker, sample_config
>>> fake = FakeSageMaker()
>>> client = fake.experiment_client()
>>> _ = client.create(sample_config())
>>> found = client.list()          # nothing is sent yet
>>> [s.name for s in found]        # pages are fetched as iteration reaches them
['churn-shadow']
>>> found.to_records()[0]["status"]
'Creating'
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING

from shadowtest._displayed import Displayed

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from shadowtest._card import Card
    from shadowtest.experiment import InferenceExperimentSummary

__all__ = ["ExperimentList"]


class ExperimentList(Displayed):
    """The experiments matching a ``list`` call, fetched a page at a time as you iterate.

    Iterate it (``for``, ``list(...)``), or call :meth:`to_list` or
    :meth:`to_records`. Each page is fetched once and kept: iterating again, or
    after the notebook displayed the first page, sends no request for the pages
    already fetched. It is iterable, not an iterator: use ``next(iter(result))``
    for the first experiment.

    In a notebook it shows the first page as a table (fetching only that page),
    with "and more…" when the service has another page; ``str()`` is the repr and fetches
    nothing. Pickling or deep-copying it fetches every page: the copy holds them all.
    """

    __slots__ = ("_done", "_more", "_pages", "_source")

    def __init__(self, pages: Iterator[tuple[list[InferenceExperimentSummary], bool]]) -> None:
        """``pages`` yields each page's summaries and whether another page follows."""
        self._source = pages
        self._pages: list[list[InferenceExperimentSummary]] = []
        self._more = True  # what the last page fetched said: another page follows
        self._done = False  # the source is exhausted

    def _fetch(self) -> bool:
        """Fetch the next page into the cache; ``False`` when there is none."""
        if self._done:
            return False
        try:
            page, self._more = next(self._source)
        except StopIteration:
            self._done = True
            self._more = False
            return False
        self._pages.append(page)
        return True

    def _each_page(self) -> Iterator[list[InferenceExperimentSummary]]:
        i = 0
        while i < len(self._pages) or self._fetch():
            yield self._pages[i]
            i += 1

    def __iter__(self) -> Iterator[InferenceExperimentSummary]:
        # chained pages: no Python-level step per experiment (a page holds up to 100)
        return chain.from_iterable(self._each_page())

    def first_page(self) -> tuple[list[InferenceExperimentSummary], bool]:
        """The first page (fetched now if it was not yet) and whether another page exists."""
        if not self._pages:
            self._fetch()
        page = self._pages[0] if self._pages else []
        return page, len(self._pages) > 1 or self._more

    def to_list(self) -> list[InferenceExperimentSummary]:
        """Every matching experiment (fetching every page)."""
        return list(self)

    def to_records(self) -> list[dict[str, str | datetime | None]]:
        """Every matching experiment as a plain dict, ready for ``pandas.DataFrame(...)``:
        ``name``, ``type``, ``status`` (a plain string), ``status_reason``,
        ``description``, ``start_time``, ``end_time``, ``creation_time``,
        ``last_modified_time``, ``completion_time``, ``role_arn``."""
        records: list[dict[str, str | datetime | None]] = []
        for summary in self:
            schedule = summary.schedule
            records.append({
                "name": summary.name,
                "type": summary.type,
                "status": str(summary.status),
                "status_reason": summary.status_reason,
                "description": summary.description,
                "start_time": schedule.start_time if schedule else None,
                "end_time": schedule.end_time if schedule else None,
                "creation_time": summary.creation_time,
                "last_modified_time": summary.last_modified_time,
                "completion_time": summary.completion_time,
                "role_arn": summary.role_arn,
            })
        return records

    def __repr__(self) -> str:
        fetched = sum(map(len, self._pages))
        state = "more to fetch" if self._more else "every page fetched"
        return f"<ExperimentList: {fetched} fetched, {state}>"

    def __str__(self) -> str:  # not the card: printing a result must not send a request
        return repr(self)

    def __reduce__(self) -> tuple[object, ...]:
        # the pages still to come are behind the client that made this: fetch them now
        return (_fetched, (self.to_list(),))

    def _card(self, now: datetime | None = None) -> Card:
        from shadowtest._card import Card, Table, status
        from shadowtest.config import when_text

        page, more = self.first_page()
        rows = [(s.name, status(s.status),
                 when_text(s.schedule.start_time) if s.schedule else None,
                 when_text(s.schedule.end_time) if s.schedule else None,
                 when_text(s.creation_time), s.description) for s in page]
        shown = f"{len(page)} experiment{'s' * (len(page) != 1)}"
        return Card("Inference experiments", [
            ("shown", f"the first page: {shown}" if more else shown)],
            [Table(None, _HEADERS, rows, "and more…" if more else None)])


_HEADERS = ("name", "status", "start", "end", "created", "description")


def _fetched(experiments: list[InferenceExperimentSummary]) -> ExperimentList:
    """A list result holding ``experiments`` as its one, last page (what unpickling gives)."""
    return ExperimentList(iter([(experiments, False)]))

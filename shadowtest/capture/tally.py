"""What the pairs show: each pair's outputs read as numbers, labels, vectors or rows of
them, counted into the figures of a :class:`~shadowtest.capture.comparison.PredictionComparison`.

How an output is read (:func:`prediction`): common wrappers are taken off (an object with
one key, ``{"predictions": …}``; a list of one item, a batch of one); an object holding
``predicted_label`` or ``label`` is that label, else one holding ``score`` (or
``scores``, ``probability``, ``probabilities``, ``prediction``, ``predictions``) is that;
a list of integers is a batch of integer labels; a list of numbers with a float is a
probability vector (it stands for its argmax label: values in [0, 1] summing to 1) or a
numeric vector; a CSV row ``label,score…`` (a string then
numbers) is its label; a list whose items are lists or objects is a batch of rows, each
read the same way. Strings, booleans and integers are labels (an integer paired with a
float is a number).
"""

from __future__ import annotations

import math
from array import array
from math import isfinite
from typing import TYPE_CHECKING, Final, NamedTuple

from shadowtest._checks import FrozenMap
from shadowtest.capture.comparison import (
    SIDES,
    CaptureProblem,
    DifferenceSummary,
    Disagreement,
    PredictionComparison,
    PredictionPeriod,
)
from shadowtest.capture.decode import _Bad, _payload

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shadowtest.capture.decode import Decoders
    from shadowtest.capture.reading import Entry, Problems

_PROBABILITY_SLACK: Final = 1e-3  # softmax outputs written with 6 decimals sum to 1 within 1e-5
_AGREE: Final = 1e-6  # numbers closer than this times the sum of their sizes agree
_FIGURES: Final = 12  # the figures of a PredictionPeriod, as the minute's list holds them
_LABEL_KEYS: Final = ("predicted_label", "label")
_VALUE_KEYS: Final = ("score", "scores", "probability", "probabilities", "prediction",
                      "predictions")


class Ready(NamedTuple):
    value: object  # an input already decoded (from a CaptureRecord)


class Vector(tuple[float, ...]):
    """A numeric vector: compared element by element."""

    __slots__ = ()


class Rows(tuple[object, ...]):
    """A batch: one prediction per row, compared row by row."""

    __slots__ = ()


def _input_of(raw: object, decoders: Decoders | None) -> object:
    if type(raw) is Ready:
        return raw.value
    if raw is None:
        return None
    try:
        return _payload(raw, "captureData.endpointInput", decoders)
    except _Bad:
        return None  # an unreadable input does not hide the pair's outputs


def _is_number(value: object) -> bool:
    kind = type(value)
    return kind is float or kind is int


def _numbers(value: tuple[object, ...] | list[object]) -> bool:
    return all(type(v) is float or type(v) is int for v in value)


def prediction(value: object, depth: int = 0) -> object:
    """What one output predicts (see the module's docstring): a number, a label, a
    :class:`Vector`, :class:`Rows`, or the value itself when none of these."""
    while True:  # common wrappers
        if isinstance(value, dict):
            if len(value) == 1:
                value = next(iter(value.values()))
                continue
            for key in _LABEL_KEYS + _VALUE_KEYS:
                if key in value:
                    value = value[key]
                    break
            else:
                return value  # an object of several keys, none known: compared whole
            continue
        if isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
            continue
        break
    if not isinstance(value, (list, tuple)) or not value:
        return value
    if _numbers(value):
        if all(type(v) is int for v in value):
            return Rows(value)  # integers, one a row ("1\n0\n1"): labels
        if len(value) >= 2 and all(0 <= v <= 1 for v in value) and abs(
                math.fsum(value) - 1) <= _PROBABILITY_SLACK:
            return max(range(len(value)), key=value.__getitem__)  # its argmax label
        return Vector(float(v) for v in value)
    if type(value[0]) is str and _numbers(value[1:]):
        return value[0]  # a CSV row "label,score…"
    if depth == 0 and all(isinstance(v, (list, tuple, dict)) for v in value):
        return Rows(prediction(v, 1) for v in value)
    return value


def _label(value: object) -> object | None:
    """The label a read prediction stands for, or ``None`` if it is not one."""
    return value if isinstance(value, (str, bool)) or type(value) is int else None


def _same_label(label: object, truth: object) -> bool:
    return label == truth or str(label) == str(truth)


class Tally:
    """Everything a comparison counts, updated one pair at a time."""

    def __init__(self, labels: Mapping[str, object] | None, keep: int,
                 decoders: Decoders | None = None) -> None:
        self.labels = labels
        self.keep = keep
        self.decoders = decoders
        self.inputs = [keep > 0]  # shared with the readers: are inputs still wanted?
        self.kept: list[Disagreement] = []
        self.paired = self.exact = self.numeric = self.label_pairs = self.agree = 0
        self.disagreeing = 0  # numeric comparisons beyond rounding (of _compare)
        self.absolute: array[float] = array("d")
        self.relative: array[float] = array("d")
        self.confusion: dict[tuple[object, object], int] = {}
        self.labelled = 0
        self.correct = [0, 0]
        # |prediction - truth| per side, summed exactly at the end (math.fsum), so the
        # order pairs arrive in cannot change the last digit of MAE or RMSE
        self.errors: tuple[array[float], array[float]] = (array("d"), array("d"))
        # what a prediction gate needs, by minute of the pair's time: see PredictionPeriod
        self.minutes: dict[int, list[float]] = {}
        # outputs holding a NaN or an infinity, per side, and where the first was: their
        # numbers are left out of the differences and scores (which they would make NaN)
        self.non_finite = [0, 0]
        self.first_non_finite: list[tuple[str, int] | None] = [None, None]
        self._bad = [False, False]  # in the pair being read

    def _minute(self, t: int) -> list[float]:
        minute = t // 60
        found = self.minutes.get(minute)
        if found is None:
            found = self.minutes[minute] = [0.0] * _FIGURES
        return found

    def pair(self, production: Entry, shadow: Entry) -> None:
        self.paired += 1
        p, s = production[2], shadow[2]
        try:
            same = p == s
        except RecursionError:  # outputs nested almost as deep as the parser can read
            same = False
        if same:
            self.exact += 1
        elif len(self.kept) < self.keep:
            self.kept.append(Disagreement(
                key=production[1], production_input=_input_of(production[3], self.decoders),
                production_output=p, shadow_input=_input_of(shadow[3], self.decoders),
                shadow_output=s, production_where=f"{production[4]}:{production[5]}",
                shadow_where=f"{shadow[4]}:{shadow[5]}"))
            if len(self.kept) == self.keep:
                self.inputs[0] = False
        minute = self.minutes.get(production[0] // 60)  # (not a method: a call a pair less)
        if minute is None:
            minute = self._minute(production[0])
        minute[0] += 1
        if type(p) is float and type(s) is float and (
                isfinite(p) and isfinite(s)):  # the common case of a score, first
            self.numeric += 1
            gap = abs(s - p)
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))
            minute[1] += gap > _AGREE * (abs(p) + abs(s))
            if self.labels is not None and production[1] in self.labels:
                self._score(p, s, self.labels[production[1]], minute)
            return
        before = self.agree, self.label_pairs, self.disagreeing
        bad = self._bad
        bad[0] = bad[1] = False
        p, s = prediction(p), prediction(s)
        if type(p) is Vector and type(s) is Rows and _numbers(s):
            s = Vector(float(v) for v in s)  # type: ignore[arg-type]  # integers beside floats
        elif type(s) is Vector and type(p) is Rows and _numbers(p):
            p = Vector(float(v) for v in p)  # type: ignore[arg-type]
        if type(p) is Rows and type(s) is Rows and len(p) == len(s):
            numeric = False
            for a, b in zip(p, s, strict=True):
                numeric = self._compare(a, b) or numeric
            self.numeric += numeric
            compared = True
        else:
            kind = self._compare(p, s)
            self.numeric += kind
            compared = kind or self.label_pairs != before[1]
        # a pair disagrees when a label, or a number beyond rounding, differs; outputs that
        # are neither, when they are not equal
        differs = (self.label_pairs - before[1] != self.agree - before[0]
                   or self.disagreeing != before[2]) if compared else not same
        if bad[0] or bad[1]:
            differs = differs or not same
            for i, entry in enumerate((production, shadow)):
                if bad[i]:
                    self.non_finite[i] += 1
                    if self.first_non_finite[i] is None:
                        self.first_non_finite[i] = (entry[4], entry[5])
        minute[1] += differs
        if self.labels is not None and production[1] in self.labels:
            truth = self.labels[production[1]]
            if (type(p) is Rows and type(s) is Rows and isinstance(truth, (list, tuple))
                    and len(p) == len(s) == len(truth)):
                for a, b, t in zip(p, s, truth, strict=True):
                    self._score(a, b, t, minute)
            else:
                self._score(p, s, truth, minute)

    def _compare(self, p: object, s: object) -> bool:
        """Count one pair of read predictions; whether they were numeric."""
        if _is_number(p) and _is_number(s) and (type(p) is float or type(s) is float):
            if not (isfinite(p) and isfinite(s)):  # type: ignore[arg-type]
                self._bad[0] = self._bad[0] or not isfinite(p)  # type: ignore[arg-type]
                self._bad[1] = self._bad[1] or not isfinite(s)  # type: ignore[arg-type]
                return False
            gap = abs(s - p)  # type: ignore[operator]
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))  # type: ignore[arg-type]
            self.disagreeing += gap > _AGREE * (abs(p) + abs(s))  # type: ignore[arg-type]
            return True
        lp, ls = _label(p), _label(s)
        if lp is not None and ls is not None:
            self.label_pairs += 1
            self.agree += lp == ls
            self.confusion[(lp, ls)] = self.confusion.get((lp, ls), 0) + 1
            return False
        if type(p) is Vector and type(s) is Vector and len(p) == len(s):
            differs = False
            for a, b in zip(p, s, strict=True):
                if not (isfinite(a) and isfinite(b)):
                    self._bad[0] = self._bad[0] or not isfinite(a)
                    self._bad[1] = self._bad[1] or not isfinite(b)
                    differs = differs or a != b
                    continue
                gap = abs(b - a)
                self.absolute.append(gap)
                if a:
                    self.relative.append(gap / abs(a))
                differs = differs or gap > _AGREE * (abs(a) + abs(b))
            self.disagreeing += differs
            return True
        # anything else (bytes, objects, vectors of different lengths): exact match only
        return False

    def _score(self, p: object, s: object, truth: object, minute: list[float]) -> None:
        if _is_number(truth) and _is_number(p) and _is_number(s) and (
                type(p) is float or type(s) is float or type(truth) is float):
            if not (isfinite(p) and isfinite(s) and isfinite(truth)):  # type: ignore[arg-type]
                return  # no error to measure: counted as non-finite, not scored
            self.labelled += 1
            ep, es = abs(p - truth), abs(s - truth)  # type: ignore[operator]
            self.errors[0].append(ep)
            self.errors[1].append(es)
            minute[6] += 1
            minute[7] += ep
            minute[8] += es
            minute[9] += ep * ep
            minute[10] += es * es
            minute[11] += ep * es
            return
        lp, ls = _label(p), _label(s)
        if lp is not None and ls is not None:
            self.labelled += 1
            cp, cs = _same_label(lp, truth), _same_label(ls, truth)
            self.correct[0] += cp
            self.correct[1] += cs
            minute[2] += 1
            minute[3] += cp and cs
            minute[4] += cp and not cs
            minute[5] += cs and not cp

    def _non_finite_problems(self) -> list[CaptureProblem]:
        problems = []
        for side, count, first in zip(SIDES, self.non_finite, self.first_non_finite,
                                      strict=True):
            if first is not None:
                problems.append(CaptureProblem(
                    side=side, source=first[0], line=first[1],
                    message=(f"{count:,} outputs held NaN or an infinity (the first here); "
                             "their numbers were left out of the differences and scores, "
                             "which are over the finite ones")))
        return problems

    def result(self, unpaired: list[int], problems: Problems) -> PredictionComparison:
        accuracy: FrozenMap[str, float] | None = None
        mae: FrozenMap[str, float] | None = None
        rmse: FrozenMap[str, float] | None = None
        n_errors = len(self.errors[0])
        n_labels = self.labelled - n_errors
        if n_labels:
            accuracy = FrozenMap({str(side): self.correct[i] / n_labels
                                         for i, side in enumerate(SIDES)})
        if n_errors:
            mae = FrozenMap({str(side): math.fsum(self.errors[i]) / n_errors
                                    for i, side in enumerate(SIDES)})
            rmse = FrozenMap({
                str(side): math.sqrt(math.fsum(e * e for e in self.errors[i]) / n_errors)
                for i, side in enumerate(SIDES)})
        return PredictionComparison(
            paired=self.paired, unpaired_production=unpaired[0], unpaired_shadow=unpaired[1],
            exact_matches=self.exact, numeric_pairs=self.numeric, label_pairs=self.label_pairs,
            label_agreements=self.agree,
            differences=DifferenceSummary.of(self.absolute),
            relative_differences=DifferenceSummary.of(self.relative),
            confusion=FrozenMap(self.confusion), labelled=self.labelled,
            accuracy=accuracy, mae=mae, rmse=rmse,
            malformed=problems.malformed, duplicates=problems.duplicates,
            out_of_order=problems.out_of_order,
            undecoded=FrozenMap(problems.undecoded),
            non_finite=FrozenMap(dict(zip(SIDES, self.non_finite, strict=True))),
            problems=(*problems.kept, *problems.undecoded_problems(),
                      *self._non_finite_problems()),
            periods=tuple(PredictionPeriod.of(minute, figures)
                          for minute, figures in sorted(self.minutes.items())),
            kept=tuple(self.kept), absolute=self.absolute)

"""Every public result pickles and deep-copies into an equal object, and every mapping a
result holds is the one read-only mapping type."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping
from typing import Any

import pytest

import shadowtest
from shadowtest import ExperimentList
from tests.public_objects import NOT_RESULTS, one_of_each, pages

OBJECTS = one_of_each()


def same(a: Any, b: Any) -> bool:
    """Equal as users compare them: exceptions (equal only to themselves in Python) by type,
    message and attributes; a list result by the experiments it holds."""
    if isinstance(a, BaseException):
        return (type(a) is type(b) and a.args == b.args and str(a) == str(b)
                and vars(a) == vars(b))
    if isinstance(a, ExperimentList):
        return type(b) is ExperimentList and a.to_list() == b.to_list()
    return type(a) is type(b) and bool(a == b)


def test_every_public_result_class_is_covered() -> None:
    """A class added to shadowtest's public names must be added to the objects above."""
    public = {name for name in shadowtest.__all__ if isinstance(getattr(shadowtest, name), type)}
    assert public - NOT_RESULTS - set(OBJECTS) == set()


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_pickles_to_an_equal_object(name: str) -> None:
    obj = OBJECTS[name]
    again = pickle.loads(pickle.dumps(obj))
    assert same(obj, again), name
    assert same(again, pickle.loads(pickle.dumps(again)))


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_deep_copies_to_an_equal_object(name: str) -> None:
    obj = OBJECTS[name]
    assert same(obj, copy.deepcopy(obj)), name
    assert same(obj, copy.copy(obj)), name


def test_a_plan_and_a_prediction_comparison_pickle() -> None:
    """They held ``MappingProxyType`` values: "cannot pickle 'mappingproxy' object"."""
    plan, comparison = OBJECTS["Plan"], OBJECTS["PredictionComparison"]
    assert pickle.loads(pickle.dumps(plan)).requests == plan.requests
    again = pickle.loads(pickle.dumps(comparison))
    assert (again.accuracy, again.confusion) == (comparison.accuracy, comparison.confusion)


def test_a_pickled_list_result_holds_every_page() -> None:
    """The pages still to come are fetched when it is pickled: the copy needs no client."""
    summary = OBJECTS["InferenceExperimentSummary"]
    listed = ExperimentList(pages([summary], [summary]))
    again = pickle.loads(pickle.dumps(listed))
    assert len(again.to_list()) == 2
    assert repr(again) == "<ExperimentList: 2 fetched, every page fetched>"


def mappings(obj: object) -> list[Mapping[Any, Any]]:
    """The mappings a result holds in its public fields (one level down into tuples)."""
    found: list[Mapping[Any, Any]] = []
    for name in dir(obj):
        if name.startswith("_") or name in ("to_boto3", "to_dict", "to_records"):
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # a property that needs more (e.g. a plot)
            continue
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            found.extend(v for v in (item, *(item if isinstance(item, tuple) else ()))
                         if isinstance(v, Mapping))
    return found


@pytest.mark.parametrize("name", ["InferenceExperimentConfig", "Plan", "Judgement",
                                  "ExperimentMetrics", "PredictionComparison"])
def test_results_hold_one_read_only_mapping_type(name: str) -> None:
    from shadowtest._checks import FrozenMap

    held = mappings(OBJECTS[name])
    assert held, name  # each of these holds at least one mapping
    assert {type(m) for m in held} == {FrozenMap}, name
    for mapping in held:
        with pytest.raises(TypeError):
            mapping["x"] = 1  # type: ignore[index]


def test_the_read_only_mapping_equals_a_dict_and_hashes_when_its_values_do() -> None:
    from shadowtest._checks import FrozenMap
    from shadowtest.metrics import ReadOnlyMap

    assert ReadOnlyMap is FrozenMap  # the name metrics exported stays importable
    tags = FrozenMap({"team": "ml", "cost": "a"})
    assert tags == {"team": "ml", "cost": "a"}
    assert list(tags) == ["team", "cost"]  # insertion order
    assert hash(tags) == hash(FrozenMap({"cost": "a", "team": "ml"}))
    with pytest.raises(TypeError):
        hash(FrozenMap({"params": ["unhashable"]}))


def test_the_fakes_snapshot_of_its_experiments_pickles() -> None:
    """``fake.experiments`` (a read-only snapshot) is the same mapping type as results'."""
    from shadowtest._checks import FrozenMap
    from shadowtest.testing import FakeSageMaker, sample_config

    fake = FakeSageMaker()
    fake.seed(sample_config())
    snapshot = fake.experiments
    assert type(snapshot) is FrozenMap
    assert pickle.loads(pickle.dumps(snapshot)) == snapshot

"""Notebook display: HTML cards and tables (parsed with ``html.parser``), pretty text, list
results that show their first page, and ``with_sampling``.

Expected values are spelled out here; the HTML is read back with the standard
library's parser, never with shadowtest's own code."""

from __future__ import annotations

import datetime
import pickle
import subprocess
import sys
from datetime import timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import attrs
import hypothesis
import pytest
from hypothesis import strategies as st

import shadowtest
from shadowtest import (
    ConfigValidationError,
    DataStorageConfig,
    ExperimentList,
    InferenceExperiment,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    InferenceExperimentSummary,
    ModelVariantConfig,
    ShadowModeConfig,
    UpdateNotAllowedError,
)
from shadowtest.testing import FakeSageMaker, describe_response, sample_config

UTC = timezone.utc
NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
EVIL = "<script>alert('x')</script> & more"


class Tables(HTMLParser):
    """Every ``<table>`` of a document as ``{"caption", "headers", "rows"}`` (cell texts),
    the text of every ``<em>``, and every tag seen."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tables: list[dict[str, object]] = []
        self.tags: list[str] = []
        self.emphasised: list[str] = []
        self.styles: list[str] = []
        self._stack: list[dict[str, object]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_head = False  # inside a <thead>: its row is the headers
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.styles += [value or "" for name, value in attrs if name == "style"]
        if tag == "table":
            table: dict[str, object] = {"caption": None, "headers": [], "rows": []}
            self._stack.append(table)
            self.tables.append(table)
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th", "caption", "em"):
            self._cell = []
        elif tag == "thead":
            self._in_head = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "caption", "em") and self._cell is not None:
            text = "".join(self._cell)
            if tag == "caption":
                self._stack[-1]["caption"] = text
            elif tag == "em":
                self.emphasised.append(text)
            elif self._row is not None:
                self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self._stack[-1]
            headers, rows = table["headers"], table["rows"]
            assert isinstance(headers, list)
            assert isinstance(rows, list)
            if self._in_head:
                headers.extend(self._row)
            else:
                rows.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def facts(self) -> dict[str, str]:
        """The first table's (label, value) rows, for a card."""
        rows = self.tables[0]["rows"]
        assert isinstance(rows, list)
        return dict(rows)

    def table(self, caption: str | None = None) -> tuple[list[str], list[list[str]]]:
        """Headers and rows of the table with ``caption`` (or the last one)."""
        found = [t for t in self.tables if caption is None or t["caption"] == caption]
        headers, rows = found[-1]["headers"], found[-1]["rows"]
        assert isinstance(headers, list)
        assert isinstance(rows, list)
        return headers, rows


class Printer:
    """Stands in for IPython's pretty printer."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def text(self, obj: str) -> None:
        self.parts.append(obj)


def pretty(obj: object) -> str:
    printer = Printer()
    obj._repr_pretty_(printer, False)  # type: ignore[attr-defined]
    return "".join(printer.parts)


def full_config(**changes: Any) -> InferenceExperimentConfig:
    return sample_config(**{
        "description": EVIL,
        "schedule": InferenceExperimentSchedule(start_time=NOW,
                                                end_time=NOW + timedelta(days=7)),
        "data_storage_config": DataStorageConfig(destination="s3://captures/churn",
                                                 json_content_types=["application/json"]),
        "tags": {"team": "ml"},
        **changes,
    })


def experiment(status: str = "Running", **kwargs: object) -> InferenceExperiment:
    return InferenceExperiment(describe_response(full_config(), status, now=NOW,
                                                 **kwargs))  # type: ignore[arg-type]


# -- configs ------------------------------------------------------------------------------------


class TestConfigDisplay:
    def test_script_in_a_description_renders_as_text(self) -> None:
        """A description holding markup is escaped: no <script> element, the exact text."""
        page = Tables(full_config()._repr_html_())
        assert "script" not in page.tags
        assert page.facts()["description"] == EVIL

    def test_config_card_has_a_variants_table(self) -> None:
        page = Tables(full_config()._repr_html_())
        assert page.table("model variants") == (
            ["variant", "role", "model", "instances"],
            [["production", "production", "churn-v1", "ml.m5.xlarge × 1"],
             ["shadow", "shadow", "churn-v2", "ml.m5.xlarge × 1"]])
        facts = page.facts()
        assert facts["endpoint"] == "churn"
        assert facts["sampling"] == "50 % of requests to 'production' copied to 'shadow'"
        assert facts["data capture"] == "s3://captures/churn (application/json)"
        assert facts["schedule"] == ("2026-11-26 12:00:00 UTC → 2026-12-03 12:00:00 UTC (7 d)")
        assert facts["tags"] == "team=ml"

    @pytest.mark.parametrize(("obj", "facts"), [
        (ModelVariantConfig(model_name="m-1", variant_name="v-1", instance_type="ml.c5.large",
                            instance_count=3),
         {"variant": "v-1", "model": "m-1", "instances": "ml.c5.large × 3"}),
        (ShadowModeConfig(source_model_variant_name="a", shadow_model_variant_name="b",
                          sampling_percentage=25),
         {"production variant": "a", "shadow variant": "b", "sampling": "25 %"}),
        (InferenceExperimentSchedule(start_time=NOW, end_time=NOW + timedelta(hours=30)),
         {"start": "2026-11-26 12:00:00 UTC", "end": "2026-11-27 18:00:00 UTC",
          "duration": "1 d 6 h"}),
        (InferenceExperimentSchedule(),
         {"start": "on creation", "end": "7 days after the start", "duration": "—"}),
        (DataStorageConfig(destination="s3://b/<p>", kms_key="alias/k",
                           csv_content_types=["text/csv"]),
         {"destination": "s3://b/<p>", "KMS key": "alias/k", "CSV content types": "text/csv",
          "JSON content types": "—"}),
    ])
    def test_each_config_class_renders_its_fields(self, obj: object,
                                                 facts: dict[str, str]) -> None:
        page = Tables(obj._repr_html_())  # type: ignore[attr-defined]
        assert page.facts() == facts
        text = pretty(obj)
        for label, value in facts.items():
            assert any(line.split() == [*label.split(), *value.split()]
                       for line in text.splitlines()), (label, value, text)

    def test_repr_stays_a_complete_attrs_repr(self) -> None:
        """repr() is still one line that evaluates back to an equal object."""
        config = full_config()
        namespace = {**vars(shadowtest), "datetime": datetime}
        assert eval(repr(config), namespace) == config
        assert "\n" not in repr(config)

    def test_pretty_text_is_wrapped_multi_line(self) -> None:
        config = full_config(description="word " * 60)
        text = pretty(config)
        lines = text.splitlines()
        assert lines[0] == "InferenceExperimentConfig churn-shadow"
        assert len(lines) > 10
        assert max(map(len, lines)) <= 88
        assert " ".join(text.split()).count("word") == 60

    def test_str_is_the_pretty_text(self) -> None:
        config = full_config()
        assert str(config) == pretty(config)
        assert f"{config}".splitlines()[0] == "InferenceExperimentConfig churn-shadow"
        assert str(config.model_variants[0]) == pretty(config.model_variants[0])
        found = experiment()
        assert str(found) == pretty(found)
        assert str(found.endpoint) == pretty(found.endpoint)

    def test_pretty_cycle_gives_a_short_form(self) -> None:
        printer = Printer()
        sample_config()._repr_pretty_(printer, True)
        assert printer.parts == ["InferenceExperimentConfig(...)"]


# -- experiments ------------------------------------------------------------------------------


class TestExperimentDisplay:
    def test_card_facts_and_variants_table(self) -> None:
        page = Tables(experiment(status_reason="<b>started</b>")._repr_html_())
        assert "script" not in page.tags
        assert "b" not in page.tags
        facts = page.facts()
        assert facts["status"] == "● Running"
        assert facts["status reason"] == "<b>started</b>"
        assert facts["endpoint"] == "churn (InService)"
        assert facts["description"] == EVIL
        assert facts["sampling"] == "50 % of requests to 'production' copied to 'shadow'"
        assert facts["data capture"] == "s3://captures/churn (application/json)"
        assert page.table("model variants") == (
            ["variant", "role", "model", "instances", "status"],
            [["production", "production", "churn-v1", "ml.m5.xlarge × 1", "● InService"],
             ["shadow", "shadow", "churn-v2", "ml.m5.xlarge × 1", "● InService"]])

    @pytest.mark.parametrize(("status", "colour"), [
        ("Running", "#1a7f37"), ("Created", "#0969da"), ("Updating", "#9a6700"),
        ("Completed", "#57606a"), ("Cancelled", "#cf222e"), ("Paused", "#57606a"),
    ])
    def test_status_has_a_colour_cue(self, status: str, colour: str) -> None:
        page = Tables(experiment(status)._repr_html_())
        assert f"color:{colour};font-weight:bold" in page.styles
        assert page.facts()["status"] == f"● {status}"

    @pytest.mark.parametrize(("status", "now", "left"), [
        ("Running", NOW + timedelta(days=4, hours=21), "2 d 3 h left"),
        ("Running", NOW + timedelta(days=6, hours=23, minutes=15), "45 min left"),
        ("Running", NOW + timedelta(days=8), "the scheduled end has passed"),
        ("Created", NOW - timedelta(hours=1, minutes=30), "starts in 1 h 30 min"),
        ("Completed", NOW + timedelta(days=30), "ended 2026-11-26 12:00:00 UTC"),
    ])
    def test_time_left_is_read_from_the_schedule_and_the_clock(
        self, status: str, now: datetime.datetime, left: str
    ) -> None:
        from shadowtest import _display

        page = Tables(_display.to_html(experiment(status), now=now))
        assert page.facts()["time left"] == left

    @hypothesis.settings(max_examples=40, deadline=None)
    @hypothesis.given(text=st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                                   min_size=1, max_size=40))
    def test_any_text_comes_back_exactly_and_adds_no_markup(self, text: str) -> None:
        data = describe_response(full_config(), "Running", now=NOW, status_reason=text)
        data["Description"] = text
        data["ModelVariants"][1]["ModelName"] = text
        page = Tables(InferenceExperiment(data)._repr_html_())
        assert set(page.tags) == {"div", "strong", "table", "tr", "th", "td", "span",
                                  "caption", "thead", "tbody"}
        facts = page.facts()
        assert (facts["description"], facts["status reason"]) == (text, text)
        assert page.table("model variants")[1][1][2] == text

    def test_failure_reason_is_shown(self) -> None:
        data = describe_response(full_config(), "Running", now=NOW)
        data["EndpointMetadata"]["FailureReason"] = "capacity"
        assert Tables(InferenceExperiment(data)._repr_html_()).facts()[
            "endpoint failure"] == "capacity"

    def test_pretty_text(self) -> None:
        text = pretty(experiment())
        lines = text.splitlines()
        assert lines[0] == "InferenceExperiment churn-shadow"
        assert lines[1].split() == ["status", "Running"]
        assert ["shadow", "shadow", "churn-v2", "ml.m5.xlarge", "×", "1", "InService"] in [
            line.split() for line in lines]
        assert max(map(len, lines)) <= 88

    def test_repr_is_unchanged_and_rendering_sends_nothing(self) -> None:
        fake = FakeSageMaker()
        client = fake.experiment_client()
        client.create(full_config())
        found = client.describe("churn-shadow")
        calls = len(fake.calls)
        text = repr(found)
        assert text.startswith("InferenceExperiment(arn='arn:aws:sagemaker:")
        assert "\n" not in text
        assert "description=" in text
        assert "model_variants=(" in text
        found._repr_html_()
        pretty(found)
        assert len(fake.calls) == calls

    def test_variant_and_endpoint_cards(self) -> None:
        data = describe_response(full_config(), "Running", now=NOW,
                                 variant_statuses={"shadow": "Creating"})
        data["EndpointMetadata"]["FailureReason"] = "<i>capacity</i>"
        found = InferenceExperiment(data)
        shadow = found.shadow_variant
        assert shadow is not None
        assert Tables(shadow._repr_html_()).facts() == {
            "status": "● Creating", "variant": "shadow", "model": "churn-v2",
            "instances": "ml.m5.xlarge × 1"}
        assert Tables(found.endpoint._repr_html_()).facts() == {
            "status": "● InService", "endpoint": "churn", "endpoint config": "churn-config",
            "failure reason": "<i>capacity</i>"}
        assert pretty(found.endpoint).splitlines()[0] == "EndpointMetadata churn"

    def test_a_malformed_response_displays_what_it_lacks(self) -> None:
        data: dict[str, Any] = dict(describe_response(full_config(), "Running", now=NOW))
        del data["ModelVariants"]
        found = InferenceExperiment(data)
        facts = Tables(found._repr_html_()).facts()
        assert "ModelVariants is missing" in facts["problem"]
        assert facts["as read"] == repr(found)
        assert pretty(found).startswith("InferenceExperiment (malformed response)")

    def test_summary_card(self) -> None:
        data = describe_response(full_config(), "Cancelled", now=NOW,
                                 status_reason="stopped by hand")
        summary = InferenceExperimentSummary({key: data[key] for key in (
            "Name", "Type", "Status", "StatusReason", "Description", "Schedule",
            "CreationTime", "LastModifiedTime", "CompletionTime")})
        facts = Tables(summary._repr_html_()).facts()
        assert facts == {
            "status": "● Cancelled", "status reason": "stopped by hand", "description": EVIL,
            "schedule": "2026-11-26 12:00:00 UTC → 2026-12-03 12:00:00 UTC (7 d)",
            "time left": "ended 2026-11-26 12:00:00 UTC",
            "created": "2026-11-26 12:00:00 UTC", "last modified": "2026-11-26 12:00:00 UTC"}
        assert pretty(summary).splitlines()[0] == "InferenceExperimentSummary churn-shadow"


# -- errors -------------------------------------------------------------------------------------


class TestErrorDisplay:
    def test_config_validation_error_is_a_table_of_path_and_problem(self) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            ModelVariantConfig(model_name="<bad>", variant_name="v",
                               instance_type="ml.m5.large", instance_count=0)
        page = Tables(caught.value._repr_html_())
        assert "bad" not in page.tags
        headers, rows = page.table()
        assert headers == ["path", "problem"]
        assert [path for path, _ in rows] == ["model_name", "instance_count"]
        assert rows[1][1].startswith("got 0; must be an integer >= 1")
        assert "<bad>" in rows[0][1]
        text = pretty(caught.value)
        assert text.splitlines()[0] == "ModelVariantConfig is invalid (2 problems)"
        assert max(map(len, text.splitlines())) <= 88

    def test_update_not_allowed_error_is_a_table_of_path_and_reason(self) -> None:
        fake = FakeSageMaker()
        client = fake.experiment_client()
        client.create(sample_config())
        fake.advance(timedelta(seconds=1))
        bigger = [attrs.evolve(v, instance_count=2) for v in sample_config().model_variants]
        with pytest.raises(UpdateNotAllowedError) as caught:
            client.update("churn-shadow", model_variants=bigger)
        error = caught.value
        headers, rows = Tables(error._repr_html_()).table()
        assert headers == ["path", "problem"]
        assert [path for path, _ in rows] == ["model_variants"]
        assert "Running" in rows[0][1]
        assert [p.path for p in pickle.loads(pickle.dumps(error)).problems] == [
            "model_variants"]
        assert "model_variants" in pretty(error)

    def test_update_not_allowed_error_made_by_hand_lists_its_fields(self) -> None:
        error = UpdateNotAllowedError("no", name="x", status="Running", fields=["a", "b"])
        assert [row[0] for row in Tables(error._repr_html_()).table()[1]] == ["a", "b"]


# -- list results -------------------------------------------------------------------------------


def listed(count: int) -> tuple[FakeSageMaker, ExperimentList]:
    fake = FakeSageMaker(now=NOW)
    for i in range(count):
        fake.seed(sample_config(name=f"exp-{i:02d}", description=EVIL if i == 0 else None))
    return fake, fake.experiment_client().list(sort_by="Name", sort_order="Ascending")


def list_calls(fake: FakeSageMaker) -> int:
    return sum(1 for name, _ in fake.calls if name == "ListInferenceExperiments")


class TestListResults:
    def test_display_fetches_only_the_first_page_and_says_there_is_more(self) -> None:
        fake, result = listed(12)  # the fake's pages hold 10
        assert list_calls(fake) == 0
        page = Tables(result._repr_html_())
        assert list_calls(fake) == 1
        headers, rows = page.table()
        assert headers == ["name", "status", "start", "end", "created", "description"]
        assert [row[0] for row in rows] == [f"exp-{i:02d}" for i in range(10)]
        assert rows[0][1] == "● Running"
        assert rows[0][5] == EVIL
        assert "script" not in page.tags
        assert page.emphasised == ["and more…"]
        assert pretty(result).rstrip().endswith("and more…")
        assert list_calls(fake) == 1  # displayed twice, fetched once

    def test_iterating_after_display_does_not_refetch_the_first_page(self) -> None:
        fake, result = listed(12)
        result._repr_html_()
        assert [s.name for s in result] == [f"exp-{i:02d}" for i in range(12)]
        assert list_calls(fake) == 2
        assert len(result.to_list()) == 12  # again: from the pages already fetched
        assert list_calls(fake) == 2

    def test_one_page_shows_no_more(self) -> None:
        _, result = listed(3)
        page = Tables(result._repr_html_())
        assert len(page.table()[1]) == 3
        assert page.emphasised == []

    def test_for_loops_and_list_keep_working_but_next_needs_iter(self) -> None:
        _, result = listed(2)
        assert [s.name for s in list(result)] == ["exp-00", "exp-01"]
        assert next(iter(result)).name == "exp-00"
        with pytest.raises(TypeError):
            next(result)  # type: ignore[call-overload]

    def test_to_records_are_plain_dicts(self) -> None:
        _, result = listed(1)
        [record] = result.to_records()
        assert record == {
            "name": "exp-00", "type": "ShadowMode", "status": "Running",
            "status_reason": None, "description": EVIL,
            "start_time": NOW, "end_time": NOW + timedelta(days=7),
            "creation_time": NOW, "last_modified_time": NOW, "completion_time": None,
            "role_arn": sample_config().role_arn}
        assert type(record["status"]) is str

    def test_repr_and_str_fetch_nothing(self) -> None:
        fake, result = listed(12)
        assert repr(result) == "<ExperimentList: 0 fetched, more to fetch>"
        assert str(result) == repr(result)
        assert list_calls(fake) == 0


# -- helpers ------------------------------------------------------------------------------------


class TestWithSampling:
    def test_changes_only_the_sampling(self) -> None:
        config = full_config()
        changed = config.with_sampling(100)
        assert changed.shadow_mode_config == ShadowModeConfig(
            source_model_variant_name="production", shadow_model_variant_name="shadow",
            sampling_percentage=100)
        assert attrs.evolve(changed, shadow_mode_config=config.shadow_mode_config) == config

    @pytest.mark.parametrize("bad", [101, -1, 2.5, "50"])
    def test_is_validated(self, bad: object) -> None:
        with pytest.raises(ConfigValidationError) as caught:
            sample_config().with_sampling(bad)  # type: ignore[arg-type]
        assert [p.path for p in caught.value.errors] == ["sampling_percentage"]


def test_import_shadowtest_does_not_import_the_rendering_module() -> None:
    """The rendering module loads on the first display, and needs no IPython."""
    code = ("import sys, shadowtest\n"
            "import shadowtest.judgement, shadowtest.plan, shadowtest.capture, shadowtest.listing\n"
            "from shadowtest.testing import sample_config\n"
            "c = sample_config(); repr(c); c.to_boto3()\n"
            "assert 'shadowtest._display' not in sys.modules\n"
            "c._repr_html_()\n"
            "assert 'shadowtest._display' in sys.modules\n"
            "print(' '.join(m for m in ('IPython', 'jupyter') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == []


class TestReportsFromOtherModulesEscapeToo:
    """Plan and PredictionComparison render through the same blocks: markup in what they
    show (a description, a captured label) stays text."""

    def test_plan(self) -> None:
        fake = FakeSageMaker()
        client = fake.experiment_client()
        client.create(sample_config())
        fake.advance(timedelta(seconds=1))
        page = Tables(client.plan(sample_config(description=EVIL))._repr_html_())
        assert "script" not in page.tags
        headers, rows = page.table()
        assert headers == ["", "path", "live", "desired", "note"]
        assert [row[1:4] for row in rows] == [["description", "(none)", repr(EVIL)]]

    def test_prediction_comparison(self) -> None:
        import json

        from shadowtest import compare_captures

        def line(i: int, output: str) -> str:
            return json.dumps({"captureData": {"endpointOutput": {
                "observedContentType": "application/json", "mode": "OUTPUT",
                "data": json.dumps(output), "encoding": "JSON"}},
                "eventMetadata": {"eventId": f"e{i}", "inferenceId": f"i{i}",
                                  "inferenceTime": "2026-11-26T12:00:00Z"},
                "eventVersion": "0"})

        compared = compare_captures([line(i, EVIL) for i in range(3)],
                                    [line(i, "<b>x</b>") for i in range(3)])
        page = Tables(compared._repr_html_())
        assert "script" not in page.tags
        assert "b" not in page.tags
        headers, _ = page.table("Labels (rows: production, columns: shadow)")
        assert set(headers[1:]) == {EVIL, "<b>x</b>"}


# -- one renderer --------------------------------------------------------------------------


DISPLAYED = [
    "InferenceExperimentConfig", "ModelVariantConfig", "ShadowModeConfig",
    "InferenceExperimentSchedule", "DataStorageConfig", "InferenceExperiment",
    "InferenceExperimentSummary", "ModelVariantSummary", "EndpointMetadata", "ExperimentList",
    "Plan", "PlannedChange", "UpdatePlan", "Judgement", "MetricJudgement", "ExperimentMetrics",
    "MetricSeries", "PredictionComparison", "Preflight", "ConfigValidationError",
    "UpdateNotAllowedError", "PromotionBlockedError", "PreflightError",
]
# str() of these is not their card: an exception's message, a planned change's one line
# (what plans and messages list), a list result's repr (printing must not fetch)
OWN_STR = {"ConfigValidationError", "UpdateNotAllowedError", "PromotionBlockedError",
           "PreflightError", "PlannedChange", "ExperimentList"}
# What the renderer writes around escaped text; nothing else may reach the HTML
RENDERER_TAGS = {"div", "strong", "table", "tr", "th", "td", "span", "caption", "thead",
                 "tbody", "p", "em", "ul", "li"}


@pytest.fixture(scope="module")
def objects() -> dict[str, Any]:
    from tests.public_objects import one_of_each

    return one_of_each()


class TestOneRenderer:
    """Each public object describes itself as a card; one renderer draws it as text, HTML
    and IPython's pretty output."""

    @pytest.mark.parametrize("name", DISPLAYED)
    def test_each_object_is_drawn_from_its_card(self, objects: dict[str, Any],
                                                name: str) -> None:
        from shadowtest import _display
        from shadowtest._card import Card
        from shadowtest._displayed import Displayed

        obj = objects[name]
        cls = type(obj)
        assert cls._repr_html_ is Displayed._repr_html_
        assert cls._repr_pretty_ is Displayed._repr_pretty_
        card = obj._card(NOW)
        assert isinstance(card, Card)
        assert _display.to_html(obj, now=NOW) == _display.card_html(card)
        assert _display.to_text(obj, now=NOW) == _display.card_text(card)
        text, page = pretty(obj), Tables(obj._repr_html_())
        assert text.splitlines()[0] == card.title
        assert "b" not in page.tags  # the description "<b>churn</b> v2" stays text
        assert set(page.tags) <= RENDERER_TAGS
        if name not in OWN_STR:
            assert str(obj) == text

    def test_own_str_is_the_message_or_the_line(self, objects: dict[str, Any]) -> None:
        assert str(objects["PlannedChange"]) == "shadow_mode_config.sampling_percentage: 50 -> 100"
        assert str(objects["ConfigValidationError"]) == (
            "ModelVariantConfig is invalid (1 problem):\n  instance_count: got 0")
        assert str(objects["PromotionBlockedError"]) == "not promoting"
        assert str(objects["ExperimentList"]).startswith("<ExperimentList: ")

    def test_the_renderer_knows_no_model_class(self) -> None:
        """It imports only the card's data types, and names no public class (no registry
        keyed by class names)."""
        import ast
        from pathlib import Path

        from shadowtest import _display

        tree = ast.parse(Path(_display.__file__).read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        assert {m for m in imported if m.startswith("shadowtest")} <= {
            "shadowtest._card", "shadowtest._displayed"}
        strings = {node.value for node in ast.walk(tree)
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        assert strings & set(shadowtest.__all__) == set()

    def test_any_class_with_a_card_displays_without_being_registered(self) -> None:
        from shadowtest._card import Bullets, Card, Change, Changes, Lines, Table, status
        from shadowtest._displayed import Displayed

        class Report(Displayed):
            def _card(self, now: datetime.datetime | None = None) -> Card:
                return Card("Report <1>", [("state", status("Failed")), ("none", None)], [
                    Changes([Change("~", "a.b", "1", "2", "why")]), Lines(["note <n>"]),
                    Table("t", ("x", "y"), [(1, None)], more="and more…"),
                    Bullets("reasons", ["<r>"]),
                    Card("inner", [("k", "v")])])

        report = Report()
        assert str(report).splitlines() == [
            "Report <1>", "  state  Failed", "  none   —", "    ~ a.b: 1 -> 2 (why)",
            "  note <n>", "", "  t:", "  x  y", "  -  -", "  1  —", "  and more…", "",
            "  reasons:", "  - <r>", "", "  inner", "    k  v"]
        page = Tables(report._repr_html_())
        assert set(page.tags) <= RENDERER_TAGS
        assert page.facts() == {"state": "● Failed", "none": "—"}
        assert "color:#cf222e;font-weight:bold" in page.styles
        assert page.tables[1]["rows"] == [["~", "a.b", "1", "2", "why"]]
        assert page.table("t") == (["x", "y"], [["1", "—"]])
        assert page.emphasised == ["and more…"]
        assert pretty(report) == str(report)

    def test_a_card_that_cannot_be_built_or_drawn_says_so(self) -> None:
        from shadowtest._card import Card
        from shadowtest._displayed import Displayed

        class Unreadable:
            def __str__(self) -> str:
                raise RuntimeError("no str")

        class Broken(Displayed):
            def _card(self, now: datetime.datetime | None = None) -> Card:
                raise ValueError("boom <x>")

            def __repr__(self) -> str:
                raise RuntimeError("no repr either")

        class BadValue(Displayed):
            def _card(self, now: datetime.datetime | None = None) -> Card:
                return Card("bad", [("value", Unreadable())])

        page = Tables(Broken()._repr_html_())
        assert page.facts() == {"problem": "ValueError: boom <x>",
                                "as read": "(cannot be shown)"}
        assert "x" not in page.tags
        assert str(Broken()).splitlines()[0] == "Broken (cannot be shown)"
        assert str(BadValue()).startswith("BadValue (cannot be shown)\n  problem  RuntimeError")
        assert "RuntimeError: no str" in BadValue()._repr_html_()


class TestReportCards:
    """The cards of the objects that had their own str/HTML pair: the same facts in both."""

    def test_judgement(self, objects: dict[str, Any]) -> None:
        judgement = objects["Judgement"]
        page = Tables(judgement._repr_html_())
        assert page.facts()["confidence"] == "0.98 (intervals valid at every look)"
        headers, rows = page.table()
        assert headers == ["metric", "production", "shadow", "change", "98 % interval",
                           "tolerance", "p", "outcome"]
        assert rows[0][0] == "ModelLatency"
        text = str(judgement).splitlines()
        assert text[0] == "Judgement of 'churn-shadow': FAIL (score 0.0/100)"
        assert text[1].split()[0] == "window"
        assert "  reasons:" in text
        assert "<li>" in judgement._repr_html_()

    def test_metric_judgement_and_series(self, objects: dict[str, Any]) -> None:
        gate = Tables(objects["MetricJudgement"]._repr_html_()).facts()
        assert (gate["tolerance"], gate["periods"]) == ("+10 %", "12")
        series = Tables(objects["MetricSeries"]._repr_html_()).facts()
        assert series == {"periods": "12", "from": "2026-11-26T12:00:00+00:00",
                          "to": "2026-11-26T12:11:00+00:00", "mean": "31",
                          "min .. max": "30 .. 32"}

    def test_experiment_metrics(self, objects: dict[str, Any]) -> None:
        page = Tables(objects["ExperimentMetrics"]._repr_html_())
        assert page.facts() == {"sampling": "50 %",
                                "instance types": "ml.m5.xlarge / ml.m5.xlarge"}
        assert str(objects["ExperimentMetrics"]).splitlines()[1].split() == ["sampling", "50", "%"]

    def test_update_plan_and_planned_change(self, objects: dict[str, Any]) -> None:
        update = Tables(objects["UpdatePlan"]._repr_html_())
        assert update.facts()["allowed"] == "no: nothing is sent"
        assert update.table("refused")[1][0][0] == "model_variants"
        change = Tables(objects["PlannedChange"]._repr_html_()).facts()
        assert change == {"live": "50", "desired": "100", "step": "update", "allowed": "yes",
                          "reason": "—"}

    def test_promotion_blocked_error_nests_the_judgement(self, objects: dict[str, Any]) -> None:
        error = objects["PromotionBlockedError"]
        text = pretty(error).splitlines()
        assert text[0] == "PromotionBlockedError: the shadow of 'churn-shadow' was not promoted"
        assert text[1].split() == ["required", "PASS"]
        assert "  Judgement of 'churn-shadow': FAIL (score 0.0/100)" in text
        page = Tables(error._repr_html_())
        assert page.facts()["judged"] == "FAIL (score 0.0/100)"
        assert page.tags.count("div") == 2

    def test_preflight_error_nests_the_preflight(self, objects: dict[str, Any]) -> None:
        error = objects["PreflightError"]
        text = pretty(error).splitlines()
        assert text[0] == "PreflightError: 'churn-shadow' was not created"
        assert "  Preflight of churn-shadow" in text
        headers, rows = Tables(error._repr_html_()).table()
        assert headers == ["severity", "check", "what to do"]
        assert [row[:2] for row in rows] == [["error", "endpoint"], ["warning", "sampling"]]
        assert rows[0][2] == "<b>no</b> such endpoint"  # escaped: text, not markup

"""The public surface and the import cost rules."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import shadowtest
import shadowtest.testing

DESIGN_NAMES = {
    "ModelVariantConfig", "ShadowModeConfig", "InferenceExperimentSchedule",
    "DataStorageConfig", "InferenceExperimentConfig",
    "ExperimentClient", "ExperimentStatus", "VariantAction",
    "InferenceExperiment", "InferenceExperimentSummary",
    "ShadowTestError", "ConfigValidationError", "InvalidStatusError",
    "UpdateNotAllowedError", "ExperimentNotFoundError", "ExperimentAlreadyExistsError",
    "ExperimentConflictError", "ResourceLimitExceededError", "WaitTimeoutError",
    "UnexpectedStatusError",
    "ExperimentMetrics", "MetricSeries", "Policy", "Gate", "Judgement", "MetricJudgement",
    "Verdict", "judge", "PromotionBlockedError",
    "Preflight", "Finding", "PreflightError", "WatchResult",
}
EXTRA_NAMES = {
    "ApplyIncompleteError", "EndpointMetadata", "EndpointStatus", "ExperimentList",
    "MalformedResponseError",
    "ModelVariantStatus",
    "ModelVariantSummary", "Problem", "ServiceError", "UpdateField", "UpdatePlan", "plan_update",
    "load", "ReplacementRequiredError", "Plan", "PlannedChange",
    "SeriesSummary", "StatusName", "StopState", "VariantActionName",
    "CaptureFormatError", "CaptureRecord", "PredictionComparison", "compare_captures",
}


def test_all_lists_exactly_the_public_names() -> None:
    assert set(shadowtest.__all__) == DESIGN_NAMES | EXTRA_NAMES
    assert shadowtest.__all__ == sorted(shadowtest.__all__)
    assert len(shadowtest.__all__) == len(set(shadowtest.__all__))
    for name in shadowtest.__all__:
        assert getattr(shadowtest, name) is not None


def test_testing_all_resolves() -> None:
    assert set(shadowtest.testing.__all__) == {
        "SAMPLE_ROLE_ARN", "ExperimentStubber", "FakeSageMaker", "describe_response",
        "sample_config"}
    for name in shadowtest.testing.__all__:
        assert getattr(shadowtest.testing, name) is not None


def test_version() -> None:
    from shadowtest._version import __version__

    assert shadowtest.__version__ == __version__


def test_the_changelog_has_a_dated_section_for_this_version() -> None:
    """A release's notes are in CHANGELOG.md under ``## [VERSION] - YYYY-MM-DD`` (Keep a
    Changelog), below an ``## [Unreleased]`` section for what comes next, with both link
    references at the end."""
    from datetime import date
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert headings[0] == ("Unreleased", "")
    version, day = headings[1]
    assert version == shadowtest.__version__
    date.fromisoformat(day)
    assert f"\n[{version}]: " in text
    assert "\n[Unreleased]: " in text


def _modules_after(statement: str) -> list[str]:
    code = (f"import sys; {statement}; print(' '.join(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('boto3', 'botocore', 'importlib_metadata'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def test_import_shadowtest_does_not_import_boto3_or_botocore() -> None:
    assert _modules_after("import shadowtest") == []


def test_building_a_config_does_not_import_boto3() -> None:
    assert _modules_after("from shadowtest.testing import sample_config; "
                          "sample_config().to_boto3()") == []


def test_ci_runs_the_readmes_two_commands() -> None:
    """README opens with its pitch and the two commands; .ci/run runs them verbatim."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text().splitlines()
    assert readme[0] == "# shadowtest"
    assert readme[2].startswith("A small, typed Python SDK for Amazon SageMaker shadow tests")
    block = readme[readme.index("```sh") + 1:readme.index("```sh") + 3]
    assert block[0].endswith(".venv/bin/python examples/quickstart.py")
    assert block[1].endswith(".venv/bin/python -m pytest")
    ci = (root / ".ci" / "run").read_text().splitlines()
    for command in block:
        assert command in ci


def test_ci_python3_wrapper_runs_python_not_itself() -> None:
    """.ci/run wraps python3 to honour $PYTHON; with PYTHON=python3 the wrapper must reach
    the real interpreter (it once called itself until bash crashed with exit code 139)."""
    from pathlib import Path

    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text().splitlines()
    (wrapper,) = [line for line in ci if line.startswith("python3()")]
    script = f'PYTHON=python3\n{wrapper}\npython3 -c "print(6 * 7)"\n'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                            timeout=60, check=False)
    assert (result.returncode, result.stdout.strip()) == (0, "42")


def _public_callables() -> list[tuple[str, object]]:
    """Every public function, and every public method, property and constructor of a
    public class (inherited ones too), of ``shadowtest`` and ``shadowtest.testing``."""
    found: list[tuple[str, object]] = []
    for module in (shadowtest, shadowtest.testing):
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isclass(obj):
                if callable(obj):
                    found.append((f"{module.__name__}.{name}", obj))
                continue
            members: dict[str, object] = {}
            for klass in reversed(obj.__mro__):
                if klass.__module__.startswith("shadowtest"):
                    members.update(vars(klass))
            for attr, member in members.items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                if isinstance(member, (classmethod, staticmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                member = getattr(member, "func", member)  # cached properties
                if callable(member):
                    found.append((f"{module.__name__}.{name}.{attr}", member))
    return found


def test_no_any_in_a_public_signature() -> None:
    """A user's type checker sees real types everywhere it meets shadowtest: no parameter
    or return of a public function, method or constructor is typed ``Any``."""
    any_word = re.compile(r"\bAny\b")
    offenders = [
        f"{where} {param}: {annotation}"
        for where, member in _public_callables()
        for param, annotation in inspect.get_annotations(member).items()  # type: ignore[arg-type]
        if any_word.search(str(annotation))
    ]
    assert offenders == []
    assert len(_public_callables()) > 100  # the scan reaches the API


DOCUMENTED_MODULES = (
    "shadowtest", "shadowtest.testing", "shadowtest.testing.server", "shadowtest.capture",
    "shadowtest.errors", "shadowtest.judgement", "shadowtest.metrics", "shadowtest.plan",
    "shadowtest.preflight", "shadowtest.watch",
)


def test_every_public_name_has_a_docstring() -> None:
    """The API reference is generated from the docstrings: every public class and
    function of a public module, and every public method and property of those classes
    (defined in shadowtest, inherited ones through their owner), says what it is."""
    import importlib

    undocumented = []
    for module_name in DOCUMENTED_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not (obj.__doc__ or "").strip():
                undocumented.append(f"{module_name}.{name}")
            if not inspect.isclass(obj):
                continue
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, (classmethod, staticmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                if callable(member) and not (inspect.getdoc(member) or "").strip():
                    undocumented.append(f"{module_name}.{name}.{attr}")
    assert undocumented == []

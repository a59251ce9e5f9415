"""Every test runs offline: dummy credentials and region, and no AWS config files.

The whole suite runs on every core (``-n auto`` in pyproject.toml's addopts, with
pytest-xdist); a run of some files or tests stays in one process (see
:func:`pytest_xdist_auto_num_workers`). ``-n 0`` runs the whole suite in one process.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # pytest rewrites the asserts of every module of a plugin's distribution: hypothesis's
    # ~70 modules, shadowtest's own and xdist's, 1-2 s of AST work in each process of a
    # run (a fresh clone, or PYTHONDONTWRITEBYTECODE, caches none of it), for asserts
    # that are not tests. Unmarked here, so what is imported from now on is not rewritten.
    # (A private attribute: should pytest rename it, this does nothing and the run costs
    # those seconds again.)
    marked = getattr(getattr(config.pluginmanager, "rewrite_hook", None), "_must_rewrite", None)
    if isinstance(marked, set):
        marked.difference_update({"hypothesis", "shadowtest", "xdist"})

    from hypothesis import settings

    # The everyday run stays within the suite's time budget; HYPOTHESIS_PROFILE=thorough
    # runs the same properties over many more examples (before a release, or after
    # touching rules).
    # Based on Hypothesis's own default profile, not on the "ci" one it loads when CI is
    # set (derandomized, no example database): that made the same command cost a fifth
    # more CPU under CI=true than on a developer's machine, and CI is where it is timed.
    base = settings.get_profile("default")
    settings.register_profile("default", base, max_examples=25)
    settings.register_profile("thorough", base, max_examples=1000)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """How many workers ``-n auto`` starts: one per CPU for the whole suite, none (this
    process runs the tests) when the command line names files, tests or a ``-k``/``-m``
    selection.

    A worker is a fresh interpreter that imports and collects everything (about 3 s of
    CPU); the whole suite wins that back on two cores, a run of one file only pays it.
    ``PYTEST_XDIST_AUTO_NUM_WORKERS`` and an explicit ``-n N`` still decide.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    roots = {_TESTS, _TESTS.parent}
    if any(Path(arg.split("::")[0]).resolve() not in roots for arg in config.args):
        return 0
    if config.getoption("keyword") or config.getoption("markexpr"):
        return 0
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    empty.touch()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # boto3 would send every request of the suite to a developer's configured endpoint
    for key in [key for key in os.environ if key.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(key)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything imported while collecting (botocore's service models, the test
    modules) out of the garbage collector's sight, and collect less often.

    Each fake or stubbed client leaves reference cycles (event hooks hold bound methods),
    so the collector runs often; a full collection walked every object botocore had
    loaded, 0.2-0.4 s each time, in what looked like slow fixture setups. Frozen objects
    are never walked again: the suite went from 28 s to 19 s on a 2-core machine.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a worker, put what the tests left behind out of the collector's sight too.

    With the thresholds above, the collector's oldest generation is never collected during
    the run, so the cycles every fake and client left (a run's worth) are found at the end:
    by pytest's own collection at unconfigure (0.75 s) and by the interpreter's on exit,
    while the controller waits for the workers, about 1.5 s of every run's wall time. They
    die with the process either way. Only in a worker: a run without workers keeps pytest's
    end-of-session look for unraisable exceptions in what is left.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        gc.freeze()

"""With ``CI=true`` a skipped test is a failure: CI runs everything, and a test that could not
run there (``../shared`` missing, npm missing, ...) must not pass as green.

Loaded by ``tests/conftest.py``; off CI, skips stay skips, each with its reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _fail_if_skipped(report: Any) -> None:
    if _in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI=true, which must run every test: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    _fail_if_skipped(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[Any]:
    report = yield
    _fail_if_skipped(report)
    return report

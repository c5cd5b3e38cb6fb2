"""Under CI=true a skip is a failure (tests/support/ci.py); elsewhere it stays a skip with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPING = """
import pytest

def test_needs_the_contract():
    pytest.skip("the public contract is not at ../shared/api/contract.graphql")

@pytest.mark.skipif(True, reason="npm is not installed")
def test_needs_npm():
    pass

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_to_fail():
    assert False

def test_runs():
    assert True
"""


@pytest.mark.parametrize("ci, outcomes", [("true", {"failed": 1, "errors": 1}), ("", {"skipped": 2})])
def test_skips_fail_only_in_ci(pytester, monkeypatch, ci, outcomes):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_skipping=SKIPPING)
    result = pytester.runpytest_subprocess("-p", "tests.support.ci", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, xfailed=1, **outcomes)  # a skip in setup (skipif) reports as an error
    if ci:
        result.stdout.fnmatch_lines(["*Skipped under CI=true*npm is not installed*"])


def test_a_module_skipped_at_collection_fails_in_ci(pytester, monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_collect='import pytest\npytest.importorskip("no_such_module_here")\n')
    result = pytester.runpytest_subprocess("-p", "tests.support.ci", "-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*Skipped under CI=true*no_such_module_here*"])

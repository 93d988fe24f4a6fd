"""Fixtures of the reliability suite.

The long runs are marked `reliability` (excluded by the default addopts; run them with
`pytest -m reliability tests/reliability`). Each check also has a small always-on variant, so the default
run keeps a sample of every check.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def sandboxed_cwd(tmp_path, monkeypatch):
    """cwd and MIGRATE_HOME in empty tmp dirs, so a test can assert nothing was written."""
    (tmp_path / "work").mkdir()
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    return tmp_path

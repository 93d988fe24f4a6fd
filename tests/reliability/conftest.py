"""Fixtures of the reliability suite.

The long runs are marked `reliability` (excluded by the default addopts; run them with
`pytest -m reliability tests/reliability`). Each check also has a small always-on variant, so the default
run keeps a sample of every check.
"""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def _restore_migrate_logging():
    """`migrate -v` run in-process (CliRunner) points the `migrate` logger at the runner's stderr, which is
    closed once the command returns; later tests in the same worker would then log DEBUG lines into a
    closed file ("--- Logging error ---" for every request). Put the logger back after each test."""
    logger = logging.getLogger("migrate")
    handlers, level, filters, propagate = list(logger.handlers), logger.level, list(logger.filters), logger.propagate
    yield
    logger.handlers[:] = handlers
    logger.filters[:] = filters
    logger.setLevel(level)
    logger.propagate = propagate


@pytest.fixture
def sandboxed_cwd(tmp_path, monkeypatch):
    """cwd and MIGRATE_HOME in empty tmp dirs, so a test can assert nothing was written."""
    (tmp_path / "work").mkdir()
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    return tmp_path

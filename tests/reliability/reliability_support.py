"""Helpers shared by the reliability tests (imported by module name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def files_under(root: Path) -> set[str]:
    """Every file and directory below root, as relative paths."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def reliability_sizes(quick, full, name: str = "size"):
    """Parametrise a test with a quick always-on size and a full size marked `reliability`."""
    return pytest.mark.parametrize(
        name,
        [pytest.param(quick, id=f"quick-{quick}"), pytest.param(full, id=f"full-{full}", marks=pytest.mark.reliability)],
    )


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default

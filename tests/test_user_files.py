"""Every loader of a file the user names reports a missing, unreadable or non-UTF-8 file the same way."""

from __future__ import annotations

import pytest

from migrate.errors import ConfigError, PlanFileError
from migrate.planfile import load_plan
from migrate.rules import load_rule
from migrate.sites import load_sites
from migrate.snapshot import load_snapshot

LOADERS = [
    (load_plan, "plan file", PlanFileError, "p.json"),
    (load_rule, "rule file", ConfigError, "r.toml"),
    (load_sites, "sites file", ConfigError, "sites.toml"),
    (load_snapshot, "snapshot", PlanFileError, "s.json"),
]


@pytest.mark.parametrize("load, what, error, name", LOADERS)
def test_missing_file(tmp_path, load, what, error, name):
    with pytest.raises(error) as e:
        load(tmp_path / name)
    assert e.value.message == f"{what} {tmp_path / name} does not exist"


@pytest.mark.parametrize("load, what, error, name", LOADERS)
def test_directory_instead_of_file(tmp_path, load, what, error, name):
    (tmp_path / name).mkdir()
    with pytest.raises(error) as e:
        load(tmp_path / name)
    assert e.value.message.startswith(f"cannot read {what} {tmp_path / name}: ")


@pytest.mark.parametrize("load, what, error, name", LOADERS)
def test_not_utf8(tmp_path, load, what, error, name):
    (tmp_path / name).write_bytes(b'{"x": "\xff"}')
    with pytest.raises(error) as e:
        load(tmp_path / name)
    assert e.value.message == f"{what} {tmp_path / name} is not UTF-8 text"

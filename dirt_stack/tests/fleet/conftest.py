"""Fixtures of the fleet tests: HAProxy, a fresh database per test, a folder for the logs.

The fleet itself (gunicorn instances behind HAProxy) lives in infrastructure/local/fleet.py.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.fleet.support import ARTIFACTS, fleet, fresh_database, migrate, server_of_test_database


def _missing(message: str) -> NoReturn:
    """Skip locally; fail in CI, where the fleet tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{message}; the fleet tests must run in CI.")
    pytest.skip(message)


@pytest.fixture
def haproxy() -> str:
    """Path of Debian's haproxy."""
    path = fleet.find_haproxy()
    if path is None:
        _missing("haproxy is not installed (apt-get install haproxy)")
    return path


@pytest.fixture
def fleet_database() -> Iterator[str]:
    """A new, migrated database on the suite's PostgreSQL server; dropped afterwards."""
    with fresh_database(server_of_test_database()) as url:
        migrate(url)
        yield url


@pytest.fixture
def fleet_dir(request: pytest.FixtureRequest) -> Path:
    """test-artifacts/fleet/<test>/: the instances' and HAProxy's logs stay there for inspection."""
    path = ARTIFACTS / request.node.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path

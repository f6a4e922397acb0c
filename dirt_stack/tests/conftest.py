"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


@pytest.fixture(autouse=True, scope="session")
def _transactional_tests_end_cheaply() -> None:
    """See tests/support/fast_flush.py."""
    from tests.support import fast_flush

    fast_flush.install()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_page_violations: list[str] = []
_page_violations_lock = threading.Lock()


@pytest.fixture(autouse=True, scope="session")
def _inertia_pages_are_checked() -> Iterator[None]:
    """Check every page rendered during the session against its props schema (also in the
    live server's threads of the browser tests); see tests/support/page_contract.py."""
    from inertia.http import BaseInertiaResponseMixin

    from tests.support.page_contract import page_violations

    original = BaseInertiaResponseMixin.page_data

    def page_data(self: Any) -> dict[str, Any]:
        page = original(self)
        # A partial reload sends only the props it asks for.
        if not self.request.is_a_partial_render(self.component):
            found = page_violations(page)
            with _page_violations_lock:
                _page_violations.extend(found)
        return page

    BaseInertiaResponseMixin.page_data = page_data  # type: ignore[method-assign]
    yield
    BaseInertiaResponseMixin.page_data = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _pages_send_what_their_schemas_say(_inertia_pages_are_checked: None) -> Iterator[None]:
    yield
    with _page_violations_lock:
        found = list(_page_violations)
        _page_violations.clear()
    assert not found, "Pages sent props their schemas do not describe:\n" + "\n".join(found)


def pytest_configure(config: pytest.Config) -> None:
    """Compile the translation catalogs once, before the workers start (the ``.mo``
    files are not in git; setup.sh compiles them too)."""
    if hasattr(config, "workerinput"):
        return
    from core.management.commands.compile_catalogs import catalogs, compile_catalog

    for po_path in catalogs(Path(__file__).resolve().parent.parent):
        compile_catalog(po_path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip PostgreSQL-only tests when the suite runs on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def chromium_executable() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Drive the system's Chromium; Playwright's own browser download is not used."""
    executable = chromium_executable()
    if executable is None:
        message = "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; browser tests must run in CI.")
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def database_vendor() -> str:
    return connection.vendor


@pytest.fixture(autouse=True)
def _onsale_rooms_reread() -> Iterator[None]:
    """The gate's per-process map of events with a room is read afresh by each test (a test's
    rolled-back room must not gate the next test's event that got the same id)."""
    from onsale import gate

    gate.forget_rooms()
    yield
    gate.forget_rooms()


@pytest.fixture(autouse=True)
def _sold_out_snapshots_reread() -> Iterator[None]:
    """Each test reads its purchases afresh (a rolled-back test's sold-out event must not
    refuse the next test's event with the same slug: sales.soldout)."""
    from sales import soldout

    soldout.forget()
    yield
    soldout.forget()

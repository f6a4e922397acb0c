"""Property-based API testing with schemathesis against the production server on PostgreSQL.

Every operation of our own OpenAPI document gets generated inputs, valid and
invalid; no answer may be a server error, and every documented answer must
match its schema.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from accounts import tokens
from sales import pricing, purchase
from tests.factories import make_event, make_organizer, make_ticket_type, only_date
from tests.support import hostile_strategies
from tests.support.processes import database_url_for_child, gunicorn_server


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_input_makes_the_api_fail(tmp_path, settings):
    settings.DEMO_PAYMENTS = True
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig")
    ticket_type = make_ticket_type(event, price=Decimal("10.00"), capacity=1000)
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    purchase.place_order(only_date(event), {ticket_type.pk: 1}, details, base_url="http://testserver/")
    _, token = tokens.create_token(organizer=organizer, name="schemathesis", role="owner", created_by=None)

    env = {
        "DATABASE_URL": database_url_for_child(tmp_path),
        "DEMO_PAYMENTS": "true",
        "PURCHASE_RATE_LIMIT": "0",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
    }
    # NUL bytes, control characters, over-length strings and extreme numbers too.
    hooks = {
        "SCHEMATHESIS_HOOKS": hostile_strategies.__name__,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    with gunicorn_server(env, tmp_path, workers=2) as server:
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                f"{server.url}/api/v1/openapi.json",
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--max-examples",
                "12",
                "--generation-deterministic",
                # Path parameters are free strings, and schemathesis drops the generated
                # ones no URL can carry ("/", ".."); for some operations that is enough
                # to trip hypothesis' generation health check, which says nothing about
                # the API under test.
                "--suppress-health-check",
                "filter_too_much",
                "--workers",
                "2",
                "--header",
                f"Authorization: Bearer {token}",
                "--request-timeout",
                "30",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={**os.environ, **hooks},
        )
        server_log = server.output()
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report + "\n--- server log ---\n" + server_log[-4000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated, report
    assert generated.group(1) == generated.group(2)
    assert int(generated.group(1)) > 200, report  # it really exercised the API
    # The hostile values were sent: refused requests are logged with their paths.
    assert "\\u0000" in server_log or "\\x00" in server_log, server_log[-2000:]


# --- in process, hostile values: part of the fast suite --------------------------------------

hostile_strategies.register()


def _in_process_schema() -> Any:
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


schema = _in_process_schema()


@pytest.fixture
def _connections_kept() -> Iterator[None]:
    """The test's transaction survives each in-process request, as with Django's test
    client: the end of a request does not close the database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def manager_token(db, settings, _connections_kept: None) -> str:
    """A manager's token over a shop with an order (so codes, dates and ticket types exist)."""
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.API_RATE_LIMIT = 0
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig")
    ticket_type = make_ticket_type(event, price=Decimal("10.00"), capacity=1000)
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    purchase.place_order(only_date(event), {ticket_type.pk: 1}, details, base_url="http://testserver/")
    return tokens.create_token(organizer=organizer, name="fuzz", role="manager", created_by=None)[1]


@schema.parametrize()
@hypothesis.settings(
    max_examples=8,
    # Generated examples only: the explicit and coverage examples are the slow test's.
    phases=[hypothesis.Phase.generate],
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_hostile_values_never_make_the_api_fail(case: Any, manager_token: str) -> None:
    """NUL bytes, control characters, over-length strings and extreme numbers in any
    field, query parameter or path parameter: a 4xx problem document, never a 5xx."""
    response = case.call(headers={"Authorization": f"Bearer {manager_token}"})
    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:500])
    content_type = {name.lower(): value for name, value in response.headers.items()}.get("content-type", [""])
    if response.status_code >= 400 and response.status_code != 405:
        assert content_type[0].startswith("application/problem+json"), response.text[:300]


def test_the_strategies_make_hostile_values():
    body = {"buyer": {"name": "Ana"}, "lines": [{"quantity": 1}]}
    strategy = hostile_strategies.with_hostile_leaf(body)
    # A hostile leaf may also be a number in place of the string: look for the NUL in strings.
    nul = hypothesis.find(
        strategy, lambda v: isinstance(v["buyer"]["name"], str) and "\x00" in v["buyer"]["name"]
    )
    assert nul["lines"] == body["lines"]
    assert len(hypothesis.find(strategy, lambda v: len(str(v["buyer"]["name"])) > 200)["buyer"]["name"]) > 200
    assert hypothesis.find(strategy, lambda v: v["lines"][0]["quantity"] == 2**64)
    assert hypothesis.find(strategy, lambda v: v == body) == body

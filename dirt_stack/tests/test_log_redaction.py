"""Secrets stay out of the logs (security review M-6): order secrets, checkout, invitation and
password-reset tokens, whichever logger writes the line."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Invitation, Membership
from core.redact import REDACTED, RedactSecrets, redact
from tests.factories import make_member, make_user
from tests.support.processes import APP_DIR
from tests.support.shop import shop_with_an_order

pytestmark = pytest.mark.django_db


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """What the configured stdout handler (settings.LOGGING) writes, with its formatter and filters."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "stdout"]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_no_order_secret_or_token_appears_in_the_request_logs(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    shop = shop_with_an_order()
    organizer, order, hold = shop.organizer, shop.order, shop.hold
    owner = make_member(organizer, role=Membership.Role.OWNER)
    invitation = Invitation.objects.create(
        organizer=organizer, email="bo@example.com", role=Membership.Role.MANAGER, invited_by=owner
    )
    user = make_user(email="reset@example.com")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reset_token = default_token_generator.make_token(user)
    secrets = {
        "order": order.secret,
        "hold": str(hold.token),
        "invitation": invitation.token,
        "reset": reset_token,
    }
    client = Client()
    invited = Client()
    invited.force_login(make_user(email="bo@example.com"))

    with captured_logs() as logs:
        answers = [
            client.get(f"/orders/{order.code}/{order.secret}/"),
            client.get(f"/orders/{order.code}/{order.secret}/tickets.pdf"),
            client.post(f"/orders/{order.code}/{order.secret}/"),  # 405, logged by django.request
            client.get(f"/orders/{order.code}/{order.secret}x/"),  # 404, logged by django.request
            client.get(f"/api/v1/orders/{order.code}", {"secret": order.secret}),
            client.get(f"/checkout/{hold.token}/"),
            client.get(f"/invitations/{invitation.token}/"),
            invited.get(f"/invitations/{invitation.token}/"),
            client.get(f"/accounts/password/reset/{uid}/{reset_token}/"),
        ]
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.strip()]

    assert [a.status_code for a in answers][:5] == [200, 200, 405, 404, 200]
    assert sum(line.get("logger") == "django.request" for line in lines) >= 2
    requests = [line for line in lines if line.get("logger") == "maticko.request"]
    assert len(requests) == len(answers)
    assert {line["route"] for line in requests} >= {
        "sales:order",
        "sales:order_pdf",
        "sales:checkout",
        "invitation",
        "accounts:password_reset_confirm",
    }
    assert f"/orders/{order.code}/{REDACTED}/" in {line["path"] for line in requests}
    text = logs.getvalue()
    leaked = [name for name, secret in secrets.items() if secret in text]
    assert leaked == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /orders/ABCD2345/s3cr3t/ 200", f"GET /orders/ABCD2345/{REDACTED}/ 200"),
        (
            '"GET /orders/ABCD2345/s3cr3t/tickets.pdf HTTP/1.1" 404',
            f'"GET /orders/ABCD2345/{REDACTED}/tickets.pdf HTTP/1.1" 404',
        ),
        (
            '"GET /orders/ABCD2345/s3cr3t/tickets/7/wallet.pkpass HTTP/1.1" 200',
            f'"GET /orders/ABCD2345/{REDACTED}/tickets/7/wallet.pkpass HTTP/1.1" 200',
        ),
        (
            "GET /orders/ABCD2345/s3cr3t/tickets/7/google-wallet/ 302",
            f"GET /orders/ABCD2345/{REDACTED}/tickets/7/google-wallet/ 302",
        ),
        ("Not Found: /invitations/tok-en_1/", f"Not Found: /invitations/{REDACTED}/"),
        ("<WSGIRequest: GET '/checkout/4f0c/'>", f"<WSGIRequest: GET '/checkout/{REDACTED}/'>"),
        ("/accounts/password/reset/MQ/diu1q2-6cd4/", f"/accounts/password/reset/MQ/{REDACTED}/"),
        ("https://tickets.example.com/orders/AB/xyz/", f"https://tickets.example.com/orders/AB/{REDACTED}/"),
        ("/api/v1/orders/AB?secret=xyz&x=1", f"/api/v1/orders/AB?secret={REDACTED}&x=1"),
        # The back office's order pages carry no secret: nothing to redact.
        ("/manage/acme/events/gig/orders/AB12/action/", "/manage/acme/events/gig/orders/AB12/action/"),
        ("/api/v1/manage/orders/AB12/refund", "/api/v1/manage/orders/AB12/refund"),
    ],
)
def test_redact_replaces_the_secret_segments_only(line, expected):
    assert redact(line) == expected


def test_the_filter_cleans_runserver_and_gunicorn_lines():
    """runserver's access line and gunicorn's error log format the request line from args."""
    record = logging.LogRecord(
        "django.server",
        logging.WARNING,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /orders/AB/s3cr3t/ HTTP/1.1", 404, 9),
        None,
    )
    record.__dict__["request"] = "<WSGIRequest: GET '/orders/AB/s3cr3t/'>"  # as logging's extra= sets it
    assert RedactSecrets().filter(record)
    assert "s3cr3t" not in record.getMessage()
    assert "s3cr3t" not in record.__dict__["request"]


def test_nginx_error_lines_become_redacted_json():
    """serve.sh pipes nginx's error log through ``python -m core.redact nginx``."""
    line = (
        "2026/11/30 09:00:00 [error] 7#7: *3 connect() failed (111: Connection refused) while connecting "
        'to upstream, client: 10.0.1.5, server: , request: "GET /orders/AB12/s3cr3t/ HTTP/1.1"\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "core.redact", "nginx"],
        input=line + "\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=APP_DIR,
    )
    (out,) = result.stdout.splitlines()
    record = json.loads(out)
    assert (record["level"], record["logger"]) == ("ERROR", "nginx")
    assert "s3cr3t" not in out
    assert f"/orders/AB12/{REDACTED}/" in record["message"]

"""Browser-facing headers (security review L-9): private pages and API answers are never
cached, every response has a Permissions-Policy, and the Content Security Policy sends
forms nowhere but here and loads images only from here (or the media bucket)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Membership
from tests.factories import make_member
from tests.support.shop import shop_with_an_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(settings):
    settings.DEMO_PAYMENTS = True
    shop = shop_with_an_order()
    manager = Client()
    manager.force_login(make_member(shop.organizer, role=Membership.Role.OWNER))
    return {"order": shop.order, "hold": shop.hold, "manager": manager}


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_order_checkout_back_office_and_api_answers_are_never_cached(shop):
    order, hold = shop["order"], shop["hold"]
    anonymous = Client()
    private = [
        anonymous.get(f"/orders/{order.code}/{order.secret}/"),
        anonymous.get(f"/orders/{order.code}/{order.secret}/tickets.pdf"),
        anonymous.get(f"/checkout/{hold.token}/"),
        anonymous.get(f"/api/v1/orders/{order.code}", {"secret": order.secret}),
        anonymous.get("/accounts/login/"),
        shop["manager"].get("/manage/"),
        shop["manager"].get(f"/manage/acme/events/gig/orders/{order.code}/"),
        shop["manager"].get("/manage/acme/events/gig/export/orders.csv"),
    ]
    assert [r.status_code for r in private] == [200] * len(private)
    assert [no_store(r) for r in private] == [True] * len(private)
    # Public pages may be kept (the Back button, shared caches).
    public = [anonymous.get("/"), anonymous.get("/events/gig/")]
    assert [no_store(r) for r in public] == [False, False]


def test_every_response_has_a_permissions_policy(shop):
    client = Client()
    for response in (client.get("/"), client.get("/api/v1/events"), client.get("/no-such-page/")):
        policy = response["Permissions-Policy"]
        assert "camera=(self)" in policy
        assert "geolocation=()" in policy
        assert "microphone=()" in policy


def test_the_content_security_policy_keeps_forms_and_images_here(shop):
    header = Client().get("/")["Content-Security-Policy"]
    csp = dict(directive.strip().split(" ", 1) for directive in header.split(";"))
    assert csp["form-action"] == "'self'"
    assert csp["img-src"] == "'self' data:"

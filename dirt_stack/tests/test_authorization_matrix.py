"""Every back-office route, for every kind of visitor: nobody sees or changes what is not theirs.

The matrix lists each route of the "backoffice" namespace; a new route without
an entry here fails the test, so authorization is decided for every page.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from accounts.models import Invitation, Membership
from checkin.models import CheckInList
from invoicing import services as invoicing
from invoicing.models import InvoiceSettings
from questions.models import Question
from sales import pricing, purchase
from sales.models import Voucher
from taxes.models import TaxRule
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date
from waitlist.models import Entry
from webhooks import signing
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)

OWNER, MANAGER, DOOR = "owner", "manager", "door_staff"


@pytest.fixture
def target(settings):
    """Organizer B with one of everything, and its members."""
    settings.DEMO_PAYMENTS = True
    settings.WEBHOOK_DELIVERY = "manual"  # nothing leaves the machine
    organizer = make_organizer(slug="org-b")
    event = make_event(organizer=organizer, slug="event-b")
    ticket_type = make_ticket_type(event, price=Decimal("10.00"))
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    order = purchase.place_order(
        only_date(event), {ticket_type.pk: 1}, details, base_url="http://testserver/"
    ).order
    owner = make_member(organizer, role=OWNER)
    InvoiceSettings.objects.create(organizer=organizer, mode=InvoiceSettings.Mode.ON_REQUEST)
    invoice = invoicing.request_invoice(order)
    return {
        "invoice_id": invoice.pk,
        "organizer_slug": "org-b",
        "event_slug": "event-b",
        "ticket_type_id": ticket_type.pk,
        "voucher_id": Voucher.objects.create(event=event, code="B", max_usages=1).pk,
        "invitation_id": Invitation.objects.create(
            organizer=organizer, email="i@example.com", role=MANAGER
        ).pk,
        "member_id": Membership.objects.get(user=owner).pk,
        "list_id": CheckInList.objects.create(event=event, name="Door").pk,
        "ticket_id": order.tickets.get().pk,
        "code": order.code,
        "date_id": only_date(event).pk,
        "entry_id": Entry.objects.create(
            event=event,
            date=only_date(event),
            ticket_type=ticket_type,
            email="w@example.com",
            email_key="w@example.com",
            quantity=1,
            status=Entry.Status.WAITING,
            confirmed_at=timezone.now(),
        ).pk,
        "question_id": Question.objects.create(event=event, label="Company").pk,
        "rule_id": TaxRule.objects.create(organizer=organizer, name="VAT", rate=Decimal("19")).pk,
        "endpoint_id": (
            endpoint := WebhookEndpoint.objects.create(
                organizer=organizer, url="https://93.184.216.34/hook", secret=signing.new_secret()
            )
        ).pk,
        "delivery_id": WebhookDelivery.objects.create(
            endpoint=endpoint, message_id="msg_b", event_type="webhook.test", payload="{}", status="failed"
        ).pk,
        "users": {role: make_member(organizer, role=role) for role in (OWNER, MANAGER, DOOR)},
    }


# route name -> (method, kwargs names, least role allowed: owner, manager or door_staff)
MATRIX: dict[str, tuple[str, tuple[str, ...], str]] = {
    "organizer": ("get", ("organizer_slug",), DOOR),
    "organizer_settings": ("post", ("organizer_slug",), OWNER),
    "members": ("get", ("organizer_slug",), DOOR),
    "api_tokens": ("get", ("organizer_slug",), OWNER),
    "member": ("post", ("organizer_slug", "member_id"), OWNER),
    "invitation_revoke": ("post", ("organizer_slug", "invitation_id"), OWNER),
    "event_create": ("get", ("organizer_slug",), MANAGER),
    "event": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "event_status": ("post", ("organizer_slug", "event_slug", "action"), MANAGER),
    "event_cancel": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "event_duplicate": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "event_cancellation": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "event_cancellation_retry": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "dashboard": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "orders": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "cancel_transfers": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "order": ("get", ("organizer_slug", "event_slug", "code"), MANAGER),
    "order_action": ("post", ("organizer_slug", "event_slug", "code"), MANAGER),
    "export": ("get", ("organizer_slug", "event_slug", "kind"), MANAGER),
    "scanner": ("get", ("organizer_slug", "event_slug"), DOOR),
    "checkin_lists": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "devices": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "door_status": ("get", ("organizer_slug", "event_slug"), DOOR),
    "scan": ("post", ("organizer_slug", "event_slug", "list_id"), DOOR),
    "checkin_search": ("get", ("organizer_slug", "event_slug", "list_id"), DOOR),
    "checkin_stats": ("get", ("organizer_slug", "event_slug", "list_id"), DOOR),
    "undo_checkin": ("post", ("organizer_slug", "event_slug", "ticket_id"), MANAGER),
    "reissue": ("post", ("organizer_slug", "event_slug", "ticket_id"), MANAGER),
    "voucher_create": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "voucher_delete": ("post", ("organizer_slug", "event_slug", "voucher_id"), MANAGER),
    "ticket_type_create": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "ticket_type": ("post", ("organizer_slug", "event_slug", "ticket_type_id"), MANAGER),
    "dates": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "date_create": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "dates_preview": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "dates_rule": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "dates_bulk": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "date": ("post", ("organizer_slug", "event_slug", "date_id"), MANAGER),
    "date_move": ("post", ("organizer_slug", "event_slug", "date_id"), MANAGER),
    "date_cancel": ("post", ("organizer_slug", "event_slug", "date_id"), MANAGER),
    "date_delete": ("post", ("organizer_slug", "event_slug", "date_id"), MANAGER),
    "questions": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "question_create": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "answer_settings": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "question": ("post", ("organizer_slug", "event_slug", "question_id"), MANAGER),
    "question_move": ("post", ("organizer_slug", "event_slug", "question_id"), MANAGER),
    "question_delete": ("post", ("organizer_slug", "event_slug", "question_id"), MANAGER),
    "room": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "room_counts": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "room_pause": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "room_resume": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "room_rate": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "waitlist": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "waitlist_export": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "waitlist_offer": ("post", ("organizer_slug", "event_slug", "entry_id"), MANAGER),
    "waitlist_remove": ("post", ("organizer_slug", "event_slug", "entry_id"), MANAGER),
    "email_texts": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "email_text": ("post", ("organizer_slug", "event_slug", "email_kind"), MANAGER),
    "email_text_reset": ("post", ("organizer_slug", "event_slug", "email_kind"), MANAGER),
    "email_text_preview": ("post", ("organizer_slug", "event_slug", "email_kind"), MANAGER),
    "email_reminder": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "messages": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "messages_preview": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "organizer_widget": ("get", ("organizer_slug",), MANAGER),
    "tax_rules": ("get", ("organizer_slug",), MANAGER),
    "tax_rule_create": ("post", ("organizer_slug",), MANAGER),
    "tax_rule": ("post", ("organizer_slug", "rule_id"), MANAGER),
    "tax_rule_delete": ("post", ("organizer_slug", "rule_id"), MANAGER),
    "seller_settings": ("post", ("organizer_slug",), OWNER),
    "event_taxes": ("post", ("organizer_slug", "event_slug"), MANAGER),
    "event_widget": ("get", ("organizer_slug", "event_slug"), MANAGER),
    "invoices": ("get", ("organizer_slug",), MANAGER),
    "invoice_settings": ("get", ("organizer_slug",), OWNER),
    "invoice_pdf": ("get", ("organizer_slug", "invoice_id"), MANAGER),
    "invoice_xml": ("get", ("organizer_slug", "invoice_id"), MANAGER),
    "order_invoice": ("post", ("organizer_slug", "event_slug", "code"), MANAGER),
    "webhooks": ("get", ("organizer_slug",), OWNER),
    "webhook": ("get", ("organizer_slug", "endpoint_id"), OWNER),
    "webhook_test": ("post", ("organizer_slug", "endpoint_id"), OWNER),
    "webhook_secret": ("post", ("organizer_slug", "endpoint_id"), OWNER),
    "webhook_rotate": ("post", ("organizer_slug", "endpoint_id"), OWNER),
    "webhook_replay": ("post", ("organizer_slug", "endpoint_id"), OWNER),
    "webhook_delete": ("post", ("organizer_slug", "endpoint_id"), OWNER),
    "webhook_deliveries": ("get", ("organizer_slug", "endpoint_id"), OWNER),
    "webhook_delivery": ("get", ("organizer_slug", "delivery_id"), OWNER),
    "webhook_resend": ("post", ("organizer_slug", "delivery_id"), OWNER),
}
# Routes about the user's own organizers, not about organizer B.
OWN = {"home", "organizer_create"}
RANK = {DOOR: 0, MANAGER: 1, OWNER: 2}


def test_every_backoffice_route_is_in_the_matrix():
    routes = set(get_resolver().namespace_dict["backoffice"][1].reverse_dict.keys()) - {None}
    names = {name for name in routes if isinstance(name, str)}
    assert names == set(MATRIX) | OWN


def url_for(name: str, target: dict) -> str:
    extra = {"action": "unpublish", "kind": "orders", "email_kind": "confirmation"}
    kwargs = {key: target.get(key, extra.get(key)) for key in MATRIX[name][1]}
    return reverse(f"backoffice:{name}", kwargs=kwargs)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_answers_each_visitor_as_its_role_allows(name, target):
    method, _, least = MATRIX[name]
    url = url_for(name, target)

    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")

    outsider = Client()
    outsider.force_login(make_member(make_organizer(), role=OWNER))
    assert getattr(outsider, method)(url).status_code == 404

    for role, user in target["users"].items():
        client = Client()
        client.force_login(user)
        status = getattr(client, method)(url).status_code
        if RANK[role] < RANK[least]:
            assert status == 403, (name, role, status)
        else:
            # Allowed: anything but a refusal or a crash (an earlier role may have already
            # deleted the object, or there may be nothing to undo: a 404 then is fair).
            assert status not in (403, 500), (name, role, status)

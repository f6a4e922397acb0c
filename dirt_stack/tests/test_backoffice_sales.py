"""The event's sales in the back office: dashboard figures, orders, actions with their audit log, exports."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.db.models import Sum
from django.test import Client

from accounts.models import Membership
from checkin import services as checkin
from checkin.models import CheckInList
from sales import lifecycle, pricing, purchase, stock
from sales.models import AuditEntry, Order, Refund, Ticket, Voucher
from tests.factories import allocated, make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"


@pytest.fixture
def shop():
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", currency="EUR")
    a = make_ticket_type(event, name="A", price=Decimal("20.00"), capacity=50)
    b = make_ticket_type(event, name="B", price=Decimal("5.00"), capacity=50)
    manager = make_member(organizer, role=Membership.Role.MANAGER, email="manager@example.com")
    client = Client()
    client.force_login(manager)
    return {"organizer": organizer, "event": event, "a": a, "b": b, "client": client, "manager": manager}


def buy(event, quantities, method="demo", names=None, email="ana@example.com") -> Order:
    details = pricing.BuyerDetails(name="Ana", email=email, payment_method=method, attendee_names=names or [])
    return purchase.place_order(only_date(event), quantities, details, base_url="http://testserver/").order


def act(shop, order, **data):
    return shop["client"].post(
        f"/manage/acme/events/gig/orders/{order.code}/action/",
        json.dumps(data),
        content_type="application/json",
        headers=INERTIA,
    )


def test_dashboard_figures_match_the_database(shop):
    event, a, b = shop["event"], shop["a"], shop["b"]
    paid = buy(event, {a.pk: 2, b.pk: 1})
    buy(event, {a.pk: 1}, method="offline")  # pending: not revenue
    refunded = buy(event, {b.pk: 2})
    lifecycle.refund(refunded, Decimal("5.00"))
    stock.hold(only_date(event), {b.pk: 3})
    check_in_list = CheckInList.objects.create(event=event, name="Door")
    paid_ticket = paid.tickets.first()
    assert paid_ticket is not None
    checkin.scan(check_in_list, secret=paid_ticket.secret)

    figures = (
        shop["client"].get("/manage/acme/events/gig/dashboard/", headers=INERTIA).json()["props"]["figures"]
    )

    sold_a = Ticket.objects.filter(
        ticket_type=a, order__status__in=["paid", "partially_refunded", "pending"], voided_at__isnull=True
    ).count()
    assert {t["name"]: (t["sold"], t["held"], t["capacity"]) for t in figures["ticket_types"]} == {
        "A": (sold_a, 0, 50),
        "B": (3, 3, 50),
    }
    gross = Order.objects.filter(
        event=event, status__in=["paid", "partially_refunded", "refunded"]
    ).aggregate(s=Sum("total"))["s"]
    refunds = Refund.objects.filter(order__event=event).aggregate(s=Sum("amount"))["s"]
    assert figures["revenue"] == [
        {
            "currency": "EUR",
            "gross": f"{gross:.2f}",
            "refunded": f"{refunds:.2f}",
            "net": f"{gross - refunds:.2f}",
        }
    ]
    assert (gross, refunds) == (Decimal("55.00"), Decimal("5.00"))
    assert (
        sum(day["orders"] for day in figures["orders_per_day"])
        == Order.objects.filter(event=event).count()
        == 3
    )
    assert figures["check_in"] == {"checked_in": 1, "expected": 5}


def test_orders_are_found_by_attendee_code_email_and_filtered(shop):
    event, a, b = shop["event"], shop["a"], shop["b"]
    first = buy(event, {a.pk: 1}, names=["Zora Attendee"], email="z@example.com")
    second = buy(event, {b.pk: 1}, method="offline", email="q@example.com")

    def codes(query: str) -> list[str]:
        page = shop["client"].get(f"/manage/acme/events/gig/orders/?{query}", headers=INERTIA).json()
        return [o["code"] for o in page["props"]["orders"]]

    assert codes("q=zora") == [first.code]
    assert codes(f"q={second.code.lower()}") == [second.code]
    assert codes("q=q@example.com") == [second.code]
    assert codes("status=pending") == [second.code]
    assert codes(f"ticket_type={a.pk}") == [first.code]
    assert sorted(codes("from=2000-01-01&to=2999-12-31")) == sorted([first.code, second.code])
    assert codes("status=nonsense&from=garbage") == [second.code, first.code]  # bad filters are ignored


def test_refund_one_ticket_voids_it_returns_its_stock_and_is_audited(shop):
    event, a = shop["event"], shop["a"]
    order = buy(event, {a.pk: 3})
    ticket = order.tickets.first()
    assert ticket is not None
    response = act(shop, order, action="refund", tickets=[ticket.pk], reason="could not come")
    assert response.status_code == 302
    order.refresh_from_db()
    ticket.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("partially_refunded", Decimal("20.00"))
    assert ticket.voided_at is not None
    a.refresh_from_db()
    assert allocated(a) == 2
    entry = AuditEntry.objects.get(order=order)
    assert (entry.action, entry.actor_label, entry.detail["amount"], entry.detail["tickets"]) == (
        "refunded",
        "manager@example.com",
        "20.00",
        [ticket.pk],
    )
    # The voided ticket no longer gets in.
    door = CheckInList.objects.create(event=event, name="Door")
    assert checkin.scan(door, secret=ticket.secret).message == "Void: this ticket was refunded."
    # Refunding the rest ends the order, without returning the voided ticket's stock twice.
    act(shop, order, action="refund", tickets=[t.pk for t in order.tickets.filter(voided_at__isnull=True)])
    order.refresh_from_db()
    a.refresh_from_db()
    assert (order.status, order.refunded_amount, allocated(a)) == ("refunded", Decimal("60.00"), 0)


def test_every_action_is_recorded(shop):
    event, a = shop["event"], shop["a"]
    offline = buy(event, {a.pk: 1}, method="offline")
    mail.outbox.clear()
    assert act(shop, offline, action="mark_paid", reference="bank 42").status_code == 302
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert act(shop, offline, action="resend").status_code == 302
    ticket = offline.tickets.get()
    assert (
        act(shop, offline, action="attendee", ticket=ticket.pk, attendee_name="New Name").status_code == 302
    )
    assert act(shop, offline, action="cancel").status_code == 302
    actions = list(AuditEntry.objects.filter(order=offline).order_by("id").values_list("action", flat=True))
    assert actions == ["marked_paid", "confirmation_resent", "attendee_changed", "cancelled"]
    page = shop["client"].get(f"/manage/acme/events/gig/orders/{offline.code}/", headers=INERTIA).json()
    assert [e["action"] for e in page["props"]["audit"]] == list(reversed(actions))


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ({"action": "refund", "amount": "999"}, 422, "amount"),
        ({"action": "refund", "amount": "abc"}, 422, "amount"),
        ({"action": "refund", "amount": "-1"}, 422, "amount"),
        ({"action": "refund", "tickets": [999999]}, 422, "tickets"),
        ({"action": "mark_paid"}, 409, "form"),
        ({"action": "attendee", "ticket": 999999, "attendee_name": "x"}, 404, None),
        ({"action": "explode"}, 422, "action"),
    ],
)
def test_bad_actions_are_clear_errors_and_change_nothing(shop, data, status, field):
    order = buy(shop["event"], {shop["a"].pk: 1})
    response = act(shop, order, **data)
    assert response.status_code == status
    if field:
        assert field in response.json()["props"]["errors"]
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("paid", Decimal("0"))
    assert not AuditEntry.objects.filter(order=order).exists()


def test_exports_stream_csv_and_neutralise_formulas(shop):
    event, a = shop["event"], shop["a"]
    order = buy(event, {a.pk: 2}, names=['=HYPERLINK("http://evil")', "Bo"])
    response = shop["client"].get("/manage/acme/events/gig/export/attendees.csv")
    assert response.status_code == 200
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["attendee_name"] for r in rows] == ['\'=HYPERLINK("http://evil")', "Bo"]
    assert {r["order_code"] for r in rows} == {order.code}
    orders_csv = shop["client"].get("/manage/acme/events/gig/export/orders.csv")
    (row,) = list(csv.DictReader(io.StringIO(b"".join(orders_csv.streaming_content).decode())))
    assert (row["code"], row["tickets"], row["total"]) == (order.code, "2", "40.00")


def test_every_text_column_of_the_exports_is_formula_safe(shop):
    """Security review L-1: the buyer's email and the voucher code are text a buyer or an
    organizer chose, as much as the names are."""
    event, a = shop["event"], shop["a"]
    Voucher.objects.create(event=event, code="-2+3", kind=Voucher.Kind.PERCENT, value=Decimal("10"))
    details = pricing.BuyerDetails(name="@SUM(1)", email="=1+2@example.com", payment_method="demo")
    purchase.place_order(
        only_date(event), {a.pk: 1}, details, voucher_code="-2+3", base_url="http://testserver/"
    )

    def rows(kind):
        response = shop["client"].get(f"/manage/acme/events/gig/export/{kind}.csv")
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    (order_row,) = rows("orders")
    assert (order_row["buyer_email"], order_row["buyer_name"], order_row["voucher"]) == (
        "'=1+2@example.com",
        "'@SUM(1)",
        "'-2+3",
    )
    (ticket_row,) = rows("attendees")
    assert (ticket_row["buyer_email"], ticket_row["buyer_name"]) == ("'=1+2@example.com", "'@SUM(1)")
    formulas = ("=", "+", "-", "@", "\t", "\r")
    for row in (order_row, ticket_row):
        assert not [value for value in row.values() if value.startswith(formulas)]


def test_door_staff_and_other_organizers_cannot_see_sales(shop):
    order = buy(shop["event"], {shop["a"].pk: 1})
    door = Client()
    door.force_login(make_member(shop["organizer"], role=Membership.Role.DOOR_STAFF))
    outsider = Client()
    outsider.force_login(make_member(make_organizer(), role=Membership.Role.OWNER))
    urls = [
        ("get", "/manage/acme/events/gig/dashboard/"),
        ("get", "/manage/acme/events/gig/orders/"),
        ("get", f"/manage/acme/events/gig/orders/{order.code}/"),
        ("post", f"/manage/acme/events/gig/orders/{order.code}/action/"),
        ("get", "/manage/acme/events/gig/export/orders.csv"),
        ("get", "/manage/acme/events/gig/export/attendees.csv"),
    ]
    for method, url in urls:
        assert getattr(door, method)(url, data={"action": "cancel"}).status_code == 403, url
        assert getattr(outsider, method)(url, data={"action": "cancel"}).status_code == 404, url
        assert getattr(Client(), method)(url).status_code == 302, url
    order.refresh_from_db()
    assert order.status == "paid"

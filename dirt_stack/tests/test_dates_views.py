"""The dates page (/manage/<org>/events/<event>/dates/): what it shows, its forms' contracts,
who may use it, and hostile input for every one of its fields (never a 500, nothing saved)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership
from events.forms import ALREADY_A_DATE
from events.models import DateTicketType, EventDate
from sales.models import Order
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date
from tests.support.dates import buy, delivered_mail, harbour_jazz
from tests.support.races import run_together

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true"}
URL = "/manage/acme/events/gig/dates/"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


@pytest.fixture
def shop():
    gig = harbour_jazz()
    vip = make_ticket_type(gig["event"], name="VIP", price=Decimal("60.00"), capacity=10)
    client = Client()
    client.force_login(gig["manager"])
    return {**gig, "vip": vip, "client": client}


def post(client: Client, url: str, data: object) -> Any:
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(url, body, content_type="application/json", headers=INERTIA)


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.content[:500]
    return response.json()["props"]["errors"]


# --- The page --------------------------------------------------------------------------------


def test_the_page_lists_each_date_with_its_sales_and_who_a_change_would_email(shop):
    standard, vip, a = shop["standard"], shop["vip"], shop["a"]
    buy(a, {standard.pk: 2}, email="ana@example.com")
    buy(a, {vip.pk: 1}, email="ANA@example.com")
    buy(a, {standard.pk: 1}, method="offline", email="bob@example.com")
    DateTicketType.objects.filter(date=shop["b"], ticket_type=vip).update(
        offered=False, price=Decimal("55.00")
    )

    response = shop["client"].get(URL, headers=INERTIA)

    assert response.status_code == 200
    props = response.json()["props"]
    first, second = props["dates"]
    assert first["starts_at"] == "2031-10-03T19:30:00+02:00"
    assert first["inputs"]["starts_at"] == "2031-10-03T19:30"
    assert (first["sold"], first["total_capacity"], first["available"]) == (4, 60, 56)
    assert (first["orders"], first["buyers"]) == (3, 2)
    assert first["can_delete"] is False
    assert [(o["name"], o["sold"], o["can_withdraw"]) for o in first["offers"]] == [
        ("Standard", 3, False),
        ("VIP", 1, False),
    ]
    assert (second["sold"], second["orders"], second["can_delete"]) == (0, 0, True)
    vip_on_b = second["offers"][1]
    assert (vip_on_b["offered"], vip_on_b["price"], vip_on_b["effective_price"]) == (False, "55.00", "55.00")
    assert [t["name"] for t in props["ticket_types"]] == ["Standard", "VIP"]


def test_the_event_editor_of_a_series_says_how_many_dates_it_has(shop):
    response = shop["client"].get("/manage/acme/events/gig/", headers=INERTIA)
    assert response.json()["props"]["event"]["date_count"] == 2


# --- Adding ----------------------------------------------------------------------------------

RULE = {
    "frequency": "weekly",
    "weekdays": ["fri"],
    "interval": "1",
    "first_day": "2031-11-01",
    "start_time": "19:30",
    "duration_minutes": "180",
    "doors_open_minutes": "",
    "ends": "count",
    "count": "8",
    "until": "",
    "exceptions": ["2031-11-14"],
}


def test_adding_one_date(shop):
    response = post(
        shop["client"], f"{URL}new/", {"starts_at": "2031-12-05T20:00", "ends_at": "2031-12-05T23:00"}
    )
    assert response.status_code == 302
    assert shop["event"].dates.count() == 3
    errors = errors_of(post(shop["client"], f"{URL}new/", {"starts_at": "", "ends_at": "2031-12-05T23:00"}))
    assert "add.starts_at" in errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_new_date_posted_at_once_is_added_once_and_refused_with_a_form_error(shop):
    """Managers adding the same date at once: one adds it; the others get the form's error,
    also those whose form was valid before that date was saved (the service refuses)."""
    answers: list[int] = []
    refusals: list[dict[str, str]] = []

    def add() -> None:
        client = Client()
        client.force_login(shop["manager"])
        response = post(
            client, f"{URL}new/", {"starts_at": "2031-12-05T20:00", "ends_at": "2031-12-05T23:00"}
        )
        answers.append(response.status_code)
        if response.status_code == 422:
            refusals.append(errors_of(response))

    run_together(*[add] * 6)

    assert sorted(answers) == [302] + [422] * 5
    assert refusals == [{"add.starts_at": str(ALREADY_A_DATE)}] * 5
    assert shop["event"].dates.count() == 3


def test_the_preview_shows_a_rules_dates_and_saves_nothing(shop):
    # The event's second date (10 October) is already there at 19:30.
    rule = {**RULE, "first_day": "2031-10-08", "count": "3", "exceptions": []}
    response = post(shop["client"], f"{URL}preview/", rule)

    assert response.status_code == 200
    preview = response.json()
    assert [d["starts_at"] for d in preview["dates"]] == [
        "2031-10-10T19:30:00+02:00",
        "2031-10-17T19:30:00+02:00",
        "2031-10-24T19:30:00+02:00",
    ]
    assert [d["exists"] for d in preview["dates"]] == [True, False, False]
    assert (preview["new"], preview["errors"]) == (2, {})
    assert shop["event"].dates.count() == 2


def test_the_preview_of_a_wrong_rule_answers_its_errors(shop):
    response = post(shop["client"], f"{URL}preview/", {**RULE, "count": "400"})
    assert response.status_code == 422
    body = response.json()
    assert body["dates"] == []
    assert "366" in body["errors"]["count"]


def test_adding_dates_from_a_rule(shop):
    response = post(shop["client"], f"{URL}rule/", RULE)
    assert response.status_code == 302
    assert shop["event"].dates.count() == 2 + 7  # 8 Fridays, one skipped
    errors = errors_of(post(shop["client"], f"{URL}rule/", {**RULE, "ends": "until", "until": ""}))
    assert errors == {"rule.until": "Give the last day."}


# --- Editing, moving, cancelling, deleting ----------------------------------------------------


def test_editing_a_date_reports_errors_under_its_form(shop):
    a, standard = shop["a"], shop["standard"]
    buy(a, {standard.pk: 3})
    errors = errors_of(
        post(shop["client"], f"{URL}{a.pk}/", {"capacity": "2", f"tt{standard.pk}-capacity": "1"})
    )
    assert "already sold" in errors[f"{a.pk}.edit.capacity"]
    assert "already sold" in errors[f"{a.pk}.edit.tt{standard.pk}-capacity"]

    response = post(
        shop["client"],
        f"{URL}{a.pk}/",
        {
            "capacity": "30",
            "status": "sold_out",
            f"tt{standard.pk}-capacity": "25",
            f"tt{standard.pk}-price": "18",
        },
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.capacity, a.status) == (30, "sold_out")
    assert DateTicketType.objects.get(date=a, ticket_type=standard).price == Decimal("18.00")


def test_bulk_edit_reports_the_date_that_refuses(shop):
    a, b, standard = shop["a"], shop["b"], shop["standard"]
    buy(b, {standard.pk: 4})
    errors = errors_of(
        post(shop["client"], f"{URL}bulk/", {"dates": [str(a.pk), str(b.pk)], "capacity": "3"})
    )
    assert errors["bulk.capacity"].startswith("Fri 10 Oct 2031, 19:30: 4 tickets")
    response = post(shop["client"], f"{URL}bulk/", {"dates": [str(a.pk), str(b.pk)], "status": "sold_out"})
    assert response.status_code == 302
    assert set(EventDate.objects.filter(event=shop["event"]).values_list("status", flat=True)) == {"sold_out"}


def test_moving_a_date_from_the_page_emails_its_buyers(shop):
    a = shop["a"]
    buy(a, {shop["standard"].pk: 1}, email="ana@example.com")
    delivered_mail()
    response = post(
        shop["client"],
        f"{URL}{a.pk}/move/",
        {"starts_at": "2031-10-04T20:00", "ends_at": "2031-10-04T23:00", "admission_at": ""},
    )
    assert response.status_code == 302
    (email,) = delivered_mail()
    assert email.to == ["ana@example.com"]
    errors = errors_of(
        post(
            shop["client"],
            f"{URL}{a.pk}/move/",
            {"starts_at": "2031-10-04T20:00", "ends_at": "2031-10-04T19:00"},
        )
    )
    assert "cannot end before" in errors[f"{a.pk}.move.ends_at"]


def test_cancelling_a_date_from_the_page(shop):
    a, b = shop["a"], shop["b"]
    paid = buy(a, {shop["standard"].pk: 1}, email="ana@example.com")
    other = buy(b, {shop["standard"].pk: 1}, email="bob@example.com")
    delivered_mail()

    response = post(shop["client"], f"{URL}{a.pk}/cancel/", {"reason": "Storm warning."})

    assert response.status_code == 302
    assert Order.objects.get(pk=paid.pk).status == Order.Status.REFUNDED
    assert Order.objects.get(pk=other.pk).status == Order.Status.PAID
    assert [m.to for m in delivered_mail()] == [["ana@example.com"]]
    page = shop["client"].get(URL, headers=INERTIA).json()
    assert (
        "1 order refunded, 0 unpaid orders cancelled, 1 email to the buyers"
        in page["flash"]["messages"][0]["message"]
    )
    assert [d["status"] for d in page["props"]["dates"]] == ["cancelled", "on_sale"]


def test_deleting_a_date(shop):
    a, b = shop["a"], shop["b"]
    buy(a, {shop["standard"].pk: 1})
    errors = errors_of(post(shop["client"], f"{URL}{a.pk}/delete/", {}))
    assert "cancel it instead" in errors[f"{a.pk}.delete"]
    assert post(shop["client"], f"{URL}{b.pk}/delete/", {}).status_code == 302
    assert list(shop["event"].dates.all()) == [a]


# --- Who may ---------------------------------------------------------------------------------


def routes(shop) -> list[tuple[str, str]]:
    a = shop["a"].pk
    return [
        ("get", URL),
        ("post", f"{URL}new/"),
        ("post", f"{URL}preview/"),
        ("post", f"{URL}rule/"),
        ("post", f"{URL}bulk/"),
        ("post", f"{URL}{a}/"),
        ("post", f"{URL}{a}/move/"),
        ("post", f"{URL}{a}/cancel/"),
        ("post", f"{URL}{a}/delete/"),
    ]


def test_door_staff_get_403_and_other_organizers_404_and_nothing_changes(shop):
    door = Client()
    door.force_login(make_member(shop["event"].organizer, role=Membership.Role.DOOR_STAFF))
    outsider = Client()
    outsider.force_login(make_member(make_organizer(), role=Membership.Role.OWNER))
    for method, url in routes(shop):
        assert getattr(door, method)(url).status_code == 403, url
        assert getattr(outsider, method)(url).status_code == 404, url
    assert list(EventDate.objects.filter(event=shop["event"]).values_list("status", flat=True)) == [
        "on_sale",
        "on_sale",
    ]


def test_a_date_of_another_event_is_not_found(shop):
    other = make_event(organizer=shop["event"].organizer, slug="other")
    stranger = only_date(other)
    for action in ("", "move/", "cancel/", "delete/"):
        assert post(shop["client"], f"{URL}{stranger.pk}/{action}", {}).status_code == 404
    assert EventDate.objects.get(pk=stranger.pk).status == "on_sale"


# --- Hostile input (run on PostgreSQL too) --------------------------------------------------

HOSTILE = [
    "\x00",
    "19:30\x00",
    "x" * 5000,
    "NaN",
    "Infinity",
    "-1",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "9999-12-31",
    "0001-01-01",
    2**63,
    -(2**63),
    10**30,
    1.5,
    float("nan"),
    True,
    None,
    [],
    ["2031-10-10", {"a": 1}],
    {"nested": {"deeper": [1, 2, 3]}},
]


# A date's fields besides its start and end: a new date takes them, the editor changes them.
DATE_SETTINGS = ["admission_at", "sales_start", "sales_end", "venue_name", "venue_address", "capacity"]


def fields_of(shop) -> dict[str, tuple[str, dict, list[str]]]:
    """Per form: its URL, a valid body, and the fields to spoil one at a time."""
    a, standard = shop["a"].pk, shop["standard"].pk
    return {
        "add": (
            f"{URL}new/",
            {"starts_at": "2031-12-05T20:00", "ends_at": "2031-12-05T23:00"},
            ["starts_at", "ends_at", *DATE_SETTINGS],
        ),
        "rule": (f"{URL}rule/", RULE, list(RULE)),
        "preview": (f"{URL}preview/", RULE, list(RULE)),
        "edit": (
            f"{URL}{a}/",
            {
                "capacity": "40",
                f"tt{standard}-capacity": "40",
                f"tt{standard}-price": "",
                f"tt{standard}-offered": True,
            },
            [
                *DATE_SETTINGS,
                "status",
                f"tt{standard}-capacity",
                f"tt{standard}-price",
                f"tt{standard}-offered",
            ],
        ),
        "bulk": (
            f"{URL}bulk/",
            {
                "dates": [str(a)],
                "capacity": "40",
                "status": "",
                f"tt{standard}-capacity": "",
                f"tt{standard}-price": "",
            },
            ["dates", "capacity", "status", f"tt{standard}-capacity", f"tt{standard}-price"],
        ),
        "move": (
            f"{URL}{a}/move/",
            {"starts_at": "2031-10-03T20:00", "ends_at": "2031-10-03T23:00", "admission_at": ""},
            ["starts_at", "ends_at", "admission_at"],
        ),
        "cancel": (f"{URL}{a}/cancel/", {"reason": "Storm."}, ["reason"]),
    }


FORMS = ["add", "rule", "preview", "edit", "bulk", "move", "cancel"]


@pytest.mark.parametrize("form", FORMS)
def test_hostile_values_in_every_field_get_a_clear_answer_never_a_500(shop, form):
    url, valid, fields = fields_of(shop)[form]
    client = shop["client"]
    for field in fields:
        for value in HOSTILE:
            before = snapshot(shop)
            response = post(client, url, {**valid, field: value})
            assert response.status_code in (200, 302, 422), (form, field, value, response.status_code)
            if response.status_code == 422:
                body = response.json()
                errors = body["errors"] if form == "preview" else body["props"]["errors"]
                assert errors, (form, field, value)
                assert all(isinstance(m, str) and m for m in errors.values())
                assert snapshot(shop) == before, (form, field, value)
            else:
                check_saved(shop)
                if form == "cancel":
                    return  # the date is cancelled now: nothing left to try on it


def snapshot(shop) -> list:
    rows = EventDate.objects.filter(event=shop["event"]).order_by("pk")
    return [
        list(
            rows.values_list("pk", "starts_at", "ends_at", "admission_at", "capacity", "status", "venue_name")
        ),
        list(
            DateTicketType.objects.filter(date__in=rows)
            .order_by("pk")
            .values_list("capacity", "price", "offered")
        ),
    ]


def check_saved(shop) -> None:
    """What was accepted is sane: no NUL, nothing out of range."""
    for date in EventDate.objects.filter(event=shop["event"]):
        assert 2000 <= date.starts_at.year <= 2200
        assert "\x00" not in date.venue_name + date.venue_address
        assert len(date.venue_name) <= 200
        assert date.capacity is None or 1 <= date.capacity <= 1_000_000


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"a": ' * 50_000 + "1" + "}" * 50_000, "not json", "[1, 2]", '"text"'],
)
def test_bodies_that_are_not_a_json_object_are_refused(shop, body):
    a = shop["a"].pk
    for url in (
        f"{URL}new/",
        f"{URL}preview/",
        f"{URL}rule/",
        f"{URL}bulk/",
        f"{URL}{a}/",
        f"{URL}{a}/move/",
        f"{URL}{a}/cancel/",
    ):
        response = post(shop["client"], url, body)
        assert response.status_code == 400, (url, response.status_code)
    assert EventDate.objects.get(pk=a).status == "on_sale"

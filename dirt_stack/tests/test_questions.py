"""Checkout questions: validation of every kind (questions.services), the web checkout and
the purchase API storing answers with the order, the order pages, the organizer API, the CSV
exports and the back office's questions page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import tokens
from core.input import InputError
from events.models import EventDate
from questions import services as questions
from questions.models import Question
from sales import pricing, purchase
from sales.models import Order
from storefront.serializers import order_detail
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
Kind, Scope = Question.Kind, Question.Scope


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"


@pytest.fixture
def shop():
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", currency="EUR")
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=10)
    vip = make_ticket_type(event, name="VIP", price=Decimal("50.00"), capacity=10)
    meal = questions.add_question(
        Question(
            event=event,
            label="Meal",
            kind=Kind.SINGLE_CHOICE,
            choices=["Meat", "Vegetarian"],
            required=True,
            scope=Scope.TICKET,
        ),
        [],
    )
    company = questions.add_question(Question(event=event, label="Company", kind=Kind.TEXT), [])
    terms = questions.add_question(
        Question(event=event, label="I accept the terms", kind=Kind.CHECKBOX, required=True), []
    )
    shirt = questions.add_question(
        Question(event=event, label="Shirt size", kind=Kind.TEXT, scope=Scope.TICKET), [vip.pk]
    )
    return {
        "event": event,
        "standard": standard,
        "vip": vip,
        "meal": meal,
        "company": company,
        "terms": terms,
        "shirt": shirt,
        "owner": make_member(organizer),
    }


def question(kind: str, **fields) -> Question:
    return Question(pk=7, label="Q", kind=kind, **fields)


# --- Validation of every kind -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "raw", "stored"),
    [
        (Kind.TEXT, {}, "  ACME Ltd ", "ACME Ltd"),
        (Kind.LONG_TEXT, {}, "line one\nline two", "line one\nline two"),
        (Kind.NUMBER, {}, "42", "42"),
        (Kind.NUMBER, {}, 3.5, "3.5"),
        (Kind.NUMBER, {}, "-0.250", "-0.25"),
        (Kind.NUMBER, {}, 0, "0"),
        (Kind.DATE, {}, "1990-02-28", "1990-02-28"),
        (Kind.SINGLE_CHOICE, {"choices": ["S", "M"]}, "M", "M"),
        (Kind.MULTIPLE_CHOICE, {"choices": ["a", "b", "c"]}, ["c", "a", "c"], ["a", "c"]),
        (Kind.CHECKBOX, {}, True, True),
        (Kind.COUNTRY, {}, "at", "AT"),
        (Kind.PHONE, {}, "+43 660 123-4567", "+436601234567"),
        (Kind.PHONE, {}, "0043 (660) 1234567", "+436601234567"),
    ],
)
def test_each_kind_stores_its_answer_normalized(kind, fields, raw, stored):
    assert questions.clean_value(question(kind, **fields), raw) == stored


@pytest.mark.parametrize(
    ("kind", "fields", "raw"),
    [
        (Kind.TEXT, {}, "a\nb"),
        (Kind.TEXT, {}, "nul\x00"),
        (Kind.TEXT, {}, "x" * 201),
        (Kind.TEXT, {}, 42),
        (Kind.LONG_TEXT, {}, "y" * 5001),
        (Kind.LONG_TEXT, {}, "bell\x07"),
        (Kind.NUMBER, {}, "NaN"),
        (Kind.NUMBER, {}, "Infinity"),
        (Kind.NUMBER, {}, "1e999"),
        (Kind.NUMBER, {}, "12abc"),
        (Kind.NUMBER, {}, True),
        (Kind.NUMBER, {}, "1" * 20),
        (Kind.NUMBER, {}, "0.1234567"),
        (Kind.DATE, {}, "2024-02-30"),
        (Kind.DATE, {}, "9999-01-01"),
        (Kind.DATE, {}, "1850-01-01"),
        (Kind.DATE, {}, "30.01.2024"),
        (Kind.SINGLE_CHOICE, {"choices": ["S", "M"]}, "XL"),
        (Kind.SINGLE_CHOICE, {"choices": ["S", "M"]}, ["S"]),
        (Kind.MULTIPLE_CHOICE, {"choices": ["a", "b"]}, ["a", "z"]),
        (Kind.MULTIPLE_CHOICE, {"choices": ["a", "b"]}, "a"),
        (Kind.MULTIPLE_CHOICE, {"choices": ["a", "b"]}, [1]),
        (Kind.CHECKBOX, {}, "yes"),
        (Kind.COUNTRY, {}, "XX"),
        (Kind.COUNTRY, {}, "Austria"),
        (Kind.PHONE, {}, "0660 1234567"),
        (Kind.PHONE, {}, "+43 abc"),
        (Kind.PHONE, {}, "+0123456789"),
        (Kind.PHONE, {}, "+1234567890123456"),
    ],
)
def test_each_kind_refuses_what_is_not_an_answer(kind, fields, raw):
    with pytest.raises(InputError):
        questions.clean_value(question(kind, **fields), raw)


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (Kind.TEXT, "  "),
        (Kind.CHECKBOX, False),
        (Kind.MULTIPLE_CHOICE, []),
        (Kind.NUMBER, ""),
        (Kind.DATE, None),
    ],
)
def test_empty_answers_count_as_not_answered(kind, raw):
    assert questions.clean_value(question(kind, choices=["a"]), raw) is None


def test_required_questions_and_unknown_answers_are_reported_all_at_once(shop):
    asked = questions.asked(questions.event_questions(shop["event"]), [shop["standard"].pk, shop["vip"].pk])
    assert [q.label for q in asked.order] == ["Company", "I accept the terms"]
    assert [[q.label for q in ticket] for ticket in asked.tickets] == [["Meal"], ["Meal", "Shirt size"]]
    meal, terms = shop["meal"].pk, shop["terms"].pk
    with pytest.raises(questions.AnswersInvalid) as refused:
        questions.clean_answers(asked, {"999": "x"}, [{str(meal): "Fish"}, {}])
    assert refused.value.errors == {
        "answers": "Answer only the questions asked of this order.",
        f"answers.{terms}": "Tick this box to continue.",
        f"answers.{meal}.0": "Choose one of the options.",
        f"answers.{meal}.1": "Answer this question.",
    }
    stored = questions.clean_answers(
        asked,
        {str(terms): True},
        [{str(meal): "Meat"}, {str(meal): "Vegetarian", str(shop["shirt"].pk): "L"}],
    )
    assert stored["order"] == [
        {"question": terms, "label": "I accept the terms", "kind": "checkbox", "value": True}
    ]
    assert [[a["value"] for a in ticket] for ticket in stored["tickets"]] == [["Meat"], ["Vegetarian", "L"]]


def test_a_question_limited_to_a_ticket_type_is_asked_only_of_orders_with_it(shop):
    event = shop["event"]
    shop["company"].ticket_types.set([shop["vip"]])
    asked = questions.asked(questions.event_questions(event), [shop["standard"].pk])
    assert [q.label for q in asked.order] == ["I accept the terms"]
    assert [[q.label for q in t] for t in asked.tickets] == [["Meal"]]
    with pytest.raises(questions.AnswersInvalid):  # the shirt is not asked of a Standard ticket
        questions.clean_answers(
            asked, {str(shop["terms"].pk): True}, [{str(shop["meal"].pk): "Meat", str(shop["shirt"].pk): "L"}]
        )


def test_an_event_without_questions_stores_nothing():
    event = make_event(slug="plain")
    ticket_type = make_ticket_type(event)
    assert questions.answers_for(event, [ticket_type.pk], None, None) == ({}, {})
    assert questions.answers_for(event, [ticket_type.pk], {"1": "x"}, None)[1] == {
        "answers": "Answer only the questions asked of this order."
    }


def test_the_service_refuses_an_order_whose_answers_have_faults_with_the_buyers_own(shop):
    details = pricing.BuyerDetails(
        name="",
        email="ana@example.com",
        payment_method="demo",
        answer_errors={"answers.1": "Answer this question."},
    )
    with pytest.raises(purchase.OrderInvalid) as refused:
        purchase.place_order(
            only_date(shop["event"]), {shop["standard"].pk: 1}, details, base_url="http://testserver/"
        )
    assert refused.value.errors == {"name": "Enter your name.", "answers.1": "Answer this question."}
    assert not Order.objects.exists()


# --- The web checkout -------------------------------------------------------------------------


def post(client: Client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json", headers=INERTIA)


def checkout(client: Client, shop, standard=1, vip=1) -> str:
    quantities = {str(shop["standard"].pk): standard, str(shop["vip"].pk): vip}
    response = post(client, "/events/gig/hold/", {"quantities": quantities})
    assert response.status_code == 302, response.content
    return response["Location"]


def test_the_checkout_asks_the_questions_and_reports_every_fault_at_once(client, shop):
    url = checkout(client, shop)
    page = client.get(url, headers=INERTIA).json()["props"]
    assert [q["label"] for q in page["questions"]] == ["Company", "I accept the terms"]
    assert [(t["ticket_type"], [q["label"] for q in t["questions"]]) for t in page["tickets"]] == [
        ("Standard", ["Meal"]),
        ("VIP", ["Meal", "Shirt size"]),
    ]
    assert page["questions"][0]["required"] is False
    assert page["countries"] == []  # no country question

    meal, terms = shop["meal"].pk, shop["terms"].pk
    refused = post(
        client,
        url,
        {
            "name": "",
            "email": "ana@example.com",
            "payment_method": "demo",
            "ticket_answers": [{str(meal): "Meat"}],
        },
    )
    assert refused.status_code == 422
    errors = refused.json()["props"]["errors"]
    assert errors == {
        "name": "Enter your name.",
        f"answers.{terms}": "Tick this box to continue.",
        f"answers.{meal}.1": "Answer this question.",
    }
    assert not Order.objects.exists()

    placed = post(
        client,
        url,
        {
            "name": "Ana",
            "email": "ana@example.com",
            "payment_method": "demo",
            "card_number": "4242",
            "answers": {str(shop["company"].pk): "ACME", str(terms): True},
            "ticket_answers": [{str(meal): "Meat"}, {str(meal): "Vegetarian", str(shop["shirt"].pk): "XL"}],
        },
    )
    assert placed.status_code == 302, placed.content
    order = Order.objects.get()
    detail = client.get(placed["Location"], headers=INERTIA).json()["props"]["order"]
    assert [(a["label"], a["text"]) for a in detail["answers"]] == [
        ("Company", "ACME"),
        ("I accept the terms", "Yes"),
    ]
    by_type = [
        (t["ticket_type"], [(a["label"], a["value"]) for a in t["answers"]]) for t in detail["tickets"]
    ]
    assert by_type == [
        ("Standard", [("Meal", "Meat")]),
        ("VIP", [("Meal", "Vegetarian"), ("Shirt size", "XL")]),
    ]
    assert order.answers["order"][0]["value"] == "ACME"


# --- The purchase API -------------------------------------------------------------------------


def buy(client: Client, shop, answers, *, standard=1, vip=1):
    lines = [{"ticket_type_id": shop["standard"].pk, "quantity": standard}]
    if vip:
        lines.append({"ticket_type_id": shop["vip"].pk, "quantity": vip})
    body = {
        "lines": lines,
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
        "answers": answers,
    }
    return client.post("/api/v1/events/gig/orders", json.dumps(body), content_type="application/json")


def test_the_purchase_api_takes_answers_and_shows_them(client, shop):
    meal, terms, shirt = shop["meal"].pk, shop["terms"].pk, shop["shirt"].pk
    response = buy(
        client,
        shop,
        [
            {"question": terms, "value": True},
            {"question": shop["company"].pk, "value": "ACME"},
            {"question": meal, "ticket": 0, "value": "Meat"},
            {"question": meal, "ticket": 1, "value": "Vegetarian"},
            {"question": shirt, "ticket": 1, "value": "M"},
        ],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["question"], a["value"]) for a in body["answers"]] == [
        (shop["company"].pk, "ACME"),
        (terms, True),
    ]
    assert [[a["value"] for a in t["answers"]] for t in body["tickets"]] == [["Meat"], ["Vegetarian", "M"]]
    # The order read back from the database shows the same: its tickets in id order.
    order = Order.objects.get(code=body["code"])
    again = order_detail(order, "http://testserver/")
    assert [[a.value for a in t.answers] for t in again.tickets] == [["Meat"], ["Vegetarian", "M"]]


def test_the_purchase_api_answers_422_with_field_errors_per_question(client, shop):
    meal, terms = shop["meal"].pk, shop["terms"].pk
    response = buy(client, shop, [{"question": meal, "ticket": 0, "value": "Fish"}])
    assert response.status_code == 422
    problem = response.json()
    assert {e["field"]: e["detail"] for e in problem["field_errors"]} == {
        f"answers.{terms}": "Tick this box to continue.",
        f"answers.{meal}.0": "Choose one of the options.",
        f"answers.{meal}.1": "Answer this question.",
    }
    assert problem["field"] == f"answers.{terms}"
    duplicate = buy(client, shop, [{"question": terms, "value": True}, {"question": terms, "value": True}])
    assert duplicate.status_code == 422
    assert duplicate.json()["field"] == "answers"
    beyond = buy(client, shop, [{"question": meal, "ticket": 5, "value": "Meat"}])
    assert beyond.status_code == 422
    assert "answers" in {e["field"] for e in beyond.json()["field_errors"]}
    assert not Order.objects.exists()


def test_the_public_event_lists_its_questions_and_openapi_documents_answers(client, shop):
    event = client.get("/api/v1/events/gig").json()
    assert [(q["label"], q["scope"], q["ticket_type_ids"]) for q in event["questions"]] == [
        ("Meal", "ticket", []),
        ("Company", "order", []),
        ("I accept the terms", "order", []),
        ("Shirt size", "ticket", [shop["vip"].pk]),
    ]
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "answers" in schema["PurchaseIn"]["properties"]
    assert set(schema["AnswerIn"]["properties"]) == {"question", "ticket", "value"}
    assert "answers" in schema["OrderDetail"]["properties"]


# --- The organizer's views: API, CSV, order page, questions page -------------------------------


@pytest.fixture
def answered(client, shop):
    meal, terms = shop["meal"].pk, shop["terms"].pk
    response = buy(
        client,
        shop,
        [
            {"question": terms, "value": True},
            {"question": shop["company"].pk, "value": "=HYPERLINK(1)"},
            {"question": meal, "ticket": 0, "value": "Meat"},
            {"question": meal, "ticket": 1, "value": "Vegetarian"},
        ],
    )
    assert response.status_code == 201, response.content
    return Order.objects.get(code=response.json()["code"])


def test_the_organizer_api_shows_the_answers(shop, answered):
    token = tokens.create_token(organizer=shop["event"].organizer, name="t", role="owner", created_by=None)[1]
    response = Client().get(
        f"/api/v1/manage/orders/{answered.code}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert [a["text"] for a in body["answers"]] == ["=HYPERLINK(1)", "Yes"]
    assert [[a["text"] for a in t["answers"]] for t in body["tickets"]] == [["Meat"], ["Vegetarian"]]


def read_csv(client: Client, kind: str) -> list[dict[str, str]]:
    response = client.get(f"/manage/acme/events/gig/export/{kind}.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


def test_the_csv_exports_have_a_column_per_question(shop, answered):
    client = Client()
    client.force_login(shop["owner"])
    (order_row,) = read_csv(client, "orders")
    assert order_row["Company"] == "'=HYPERLINK(1)"  # formula-safe like every typed cell
    assert order_row["I accept the terms"] == "Yes"
    assert "Meal" not in order_row
    attendees = read_csv(client, "attendees")
    assert [(row["ticket_type"], row["Meal"], row["Shirt size"]) for row in attendees] == [
        ("Standard", "Meat", ""),
        ("VIP", "Vegetarian", ""),
    ]


def test_the_back_office_order_page_shows_the_answers(shop, answered):
    client = Client()
    client.force_login(shop["owner"])
    page = client.get(f"/manage/acme/events/gig/orders/{answered.code}/", headers=INERTIA)
    assert page.status_code == 200, page.content
    order = page.json()["props"]["order"]
    assert [a["label"] for a in order["answers"]] == ["Company", "I accept the terms"]


def test_deleting_or_editing_a_question_keeps_the_orders_answers(client, shop, answered):
    owner = Client()
    owner.force_login(shop["owner"])
    meal = shop["meal"]
    response = post(owner, f"/manage/acme/events/gig/questions/{meal.pk}/delete/", {})
    assert response.status_code == 302
    assert not Question.objects.filter(pk=meal.pk).exists()
    renamed = post(
        owner,
        f"/manage/acme/events/gig/questions/{shop['company'].pk}/",
        {"label": "Organisation", "kind": "text", "scope": "order", "required": False},
    )
    assert renamed.status_code == 302, renamed.content
    detail = order_detail(Order.objects.get(pk=answered.pk), "http://testserver/")
    assert [a.label for a in detail.answers] == ["Company", "I accept the terms"]
    assert [[a.text for a in t.answers] for t in detail.tickets] == [["Meat"], ["Vegetarian"]]


def test_the_questions_page_adds_edits_reorders_and_refuses_bad_questions(shop):
    client = Client()
    client.force_login(shop["owner"])
    base = "/manage/acme/events/gig/questions/"
    page = client.get(base, headers=INERTIA).json()["props"]
    assert [q["label"] for q in page["questions"]] == ["Meal", "Company", "I accept the terms", "Shirt size"]
    assert {k["value"] for k in page["kinds"]} == set(Kind.values)

    added = post(
        client,
        f"{base}new/",
        {
            "label": "Diet",
            "kind": "multiple_choice",
            "scope": "ticket",
            "required": True,
            "choices": "Vegan\nGluten-free\n\n",
            "ticket_types": [shop["vip"].pk],
        },
    )
    assert added.status_code == 302, added.content
    diet = Question.objects.get(label="Diet")
    assert (diet.choices, diet.position, list(diet.ticket_types.all())) == (
        ["Vegan", "Gluten-free"],
        4,
        [shop["vip"]],
    )

    refused = post(
        client, f"{base}new/", {"label": "", "kind": "single_choice", "scope": "order", "choices": "One"}
    )
    assert refused.status_code == 422
    assert set(refused.json()["props"]["errors"]) == {"add.label", "add.choices"}
    other = make_ticket_type(make_event(slug="other"))
    foreign = post(
        client, f"{base}new/", {"label": "X", "kind": "text", "scope": "order", "ticket_types": [other.pk]}
    )
    assert set(foreign.json()["props"]["errors"]) == {"add.ticket_types"}
    bad_kind = post(client, f"{base}new/", {"label": "X", "kind": "essay", "scope": "everyone"})
    assert set(bad_kind.json()["props"]["errors"]) == {"add.kind", "add.scope"}

    assert post(client, f"{base}{diet.pk}/move/", {"direction": "up"}).status_code == 302
    assert post(client, f"{base}{diet.pk}/move/", {"direction": "sideways"}).status_code == 422
    order = list(Question.objects.filter(event=shop["event"]).values_list("label", flat=True))
    assert order == ["Meal", "Company", "I accept the terms", "Diet", "Shirt size"]
    assert (
        post(client, f"{base}{shop['meal'].pk}/move/", {"direction": "up"}).status_code == 302
    )  # already first
    assert list(Question.objects.filter(event=shop["event"]).values_list("label", flat=True)) == order

    edited = post(
        client,
        f"{base}{diet.pk}/",
        {"label": "Diet", "kind": "text", "scope": "order", "required": False, "choices": "ignored"},
    )
    assert edited.status_code == 302
    diet.refresh_from_db()
    assert (diet.kind, diet.choices, diet.required) == ("text", [], False)


def test_the_questions_page_is_another_organizers_404(shop):
    outsider = Client()
    outsider.force_login(make_member(make_organizer(slug="rival")))
    assert outsider.get("/manage/acme/events/gig/questions/").status_code == 404
    assert (
        post(outsider, f"/manage/acme/events/gig/questions/{shop['meal'].pk}/delete/", {}).status_code == 404
    )
    assert Question.objects.filter(pk=shop["meal"].pk).exists()


# --- Changing answers after the order -------------------------------------------------------


def buyer_page(client: Client, order: Order):
    return client.get(f"/orders/{order.code}/{order.secret}/", headers=INERTIA).json()["props"]


def test_the_buyer_changes_answers_until_the_deadline_each_change_audited(client, shop, answered):
    meal, terms, company = shop["meal"].pk, shop["terms"].pk, shop["company"].pk
    edit = buyer_page(client, answered)["answers_edit"]
    assert edit["url"] == f"/orders/{answered.code}/{answered.secret}/answers/"
    assert edit["answers"] == {str(company): "=HYPERLINK(1)", str(terms): True}
    assert edit["ticket_answers"] == [{str(meal): "Meat"}, {str(meal): "Vegetarian"}]
    assert edit["closes_at"] is not None

    refused = post(
        client, edit["url"], {"answers": {str(terms): False}, "ticket_answers": [{str(meal): "Fish"}]}
    )
    assert refused.status_code == 422
    assert set(refused.json()["props"]["errors"]) == {
        f"answers.{terms}",
        f"answers.{meal}.0",
        f"answers.{meal}.1",
    }

    saved = post(
        client,
        edit["url"],
        {
            "answers": {str(company): "Acme Travel", str(terms): True},
            "ticket_answers": [{str(meal): "Vegetarian"}, {str(meal): "Vegetarian"}],
        },
    )
    assert saved.status_code == 302
    answered.refresh_from_db()
    detail = order_detail(answered, "http://testserver/")
    assert [a.text for a in detail.answers] == ["Acme Travel", "Yes"]
    assert [[a.text for a in t.answers] for t in detail.tickets] == [["Vegetarian"], ["Vegetarian"]]
    (entry,) = answered.audit_entries.all()
    assert (entry.action, entry.detail, entry.actor_label) == (
        "answers_changed",
        {"questions": ["Company", "Meal (ticket 1)"]},
        "The buyer (ana@example.com)",
    )

    # The date starts in two days and the organizer closes changes three days before it:
    # too late now. (Set here: the factories' dates start further out the more events a
    # test session made.)
    starts_at = timezone.now() + dt.timedelta(days=2)
    EventDate.objects.filter(pk=answered.date_id).update(
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=3)
    )
    questions.save_answer_settings(shop["event"], buyers_edit=True, hours_before=72)
    assert buyer_page(client, answered)["answers_edit"] is None
    late = post(client, edit["url"], {"answers": {str(terms): True}, "ticket_answers": [{}, {}]})
    assert late.status_code == 302
    answered.refresh_from_db()
    assert answered.audit_entries.count() == 1
    assert [a.text for a in order_detail(answered, "http://testserver/").answers] == ["Acme Travel", "Yes"]


def test_buyers_cannot_change_answers_when_the_event_says_no_or_the_order_is_cancelled(
    client, shop, answered
):
    questions.save_answer_settings(shop["event"], buyers_edit=False, hours_before=0)
    assert buyer_page(client, answered)["answers_edit"] is None
    questions.save_answer_settings(shop["event"], buyers_edit=True, hours_before=0)
    assert buyer_page(client, answered)["answers_edit"] is not None
    Order.objects.filter(pk=answered.pk).update(status=Order.Status.CANCELLED)
    assert buyer_page(client, answered)["answers_edit"] is None
    url = f"/orders/{answered.code}/{answered.secret}/answers/"
    assert post(client, url, {"answers": {}}).status_code == 302
    assert not answered.audit_entries.exists()
    assert post(client, f"/orders/{answered.code}/wrong/answers/", {"answers": {}}).status_code == 404


def test_the_organizer_changes_answers_at_any_time_and_keeps_those_of_deleted_questions(shop, answered):
    meal, terms, company = shop["meal"].pk, shop["terms"].pk, shop["company"].pk
    questions.save_answer_settings(shop["event"], buyers_edit=False, hours_before=0)
    questions.delete_question(shop["company"])
    owner = Client()
    owner.force_login(shop["owner"])
    url = f"/manage/acme/events/gig/orders/{answered.code}/"
    edit = owner.get(url, headers=INERTIA).json()["props"]["answers_edit"]
    assert edit["closes_at"] is None
    assert str(company) not in edit["answers"]  # deleted: not in the form, still on the order

    refused = post(owner, edit["url"], {"action": "answers", "answers": {}, "ticket_answers": [{}, {}]})
    assert refused.status_code == 422
    assert set(refused.json()["props"]["errors"]) == {
        f"answers.{terms}",
        f"answers.{meal}.0",
        f"answers.{meal}.1",
    }

    saved = post(
        owner,
        edit["url"],
        {
            "action": "answers",
            "answers": {str(terms): True},
            "ticket_answers": [{str(meal): "Meat"}, {str(meal): "Meat"}],
        },
    )
    assert saved.status_code == 302
    answered.refresh_from_db()
    detail = order_detail(answered, "http://testserver/")
    assert [(a.label, a.text) for a in detail.answers] == [
        ("I accept the terms", "Yes"),
        ("Company", "=HYPERLINK(1)"),
    ]
    (entry,) = answered.audit_entries.all()
    assert (entry.detail, entry.actor_label) == ({"questions": ["Meal (ticket 2)"]}, shop["owner"].email)
    # Saving the same answers again changes nothing and records nothing.
    post(
        owner,
        edit["url"],
        {
            "action": "answers",
            "answers": {str(terms): True},
            "ticket_answers": [{str(meal): "Meat"}, {str(meal): "Meat"}],
        },
    )
    assert answered.audit_entries.count() == 1


def test_the_questions_page_sets_when_buyers_may_change_answers(shop):
    owner = Client()
    owner.force_login(shop["owner"])
    url = "/manage/acme/events/gig/questions/settings/"
    assert post(owner, url, {"buyers_edit": True, "buyer_edit_hours_before": 48}).status_code == 302
    settings = questions.answer_settings(shop["event"])
    assert (settings.buyers_edit, settings.buyer_edit_hours_before) == (True, 48)
    refused = post(owner, url, {"buyers_edit": True, "buyer_edit_hours_before": -1})
    assert refused.status_code == 422
    assert set(refused.json()["props"]["errors"]) == {"settings.buyer_edit_hours_before"}
    page = owner.get("/manage/acme/events/gig/questions/", headers=INERTIA).json()["props"]
    assert page["answer_settings"] == {"buyers_edit": True, "buyer_edit_hours_before": 48}


def test_the_events_row_says_whether_it_asks_questions_however_they_are_added(shop):
    event = shop["event"]
    event.refresh_from_db()
    assert event.asks_questions is True
    other = make_event(organizer=event.organizer, slug="other", currency="EUR")
    assert other.asks_questions is False
    # Created and deleted without the services (the admin, a shell): the row follows, and
    # the caller's copy of the event with it.
    question = Question.objects.create(event=other, label="Company", kind=Kind.TEXT)
    assert question.event.asks_questions is True
    other.refresh_from_db()
    assert other.asks_questions is True
    assert [q.pk for q in questions.event_questions(other)] == [question.pk]
    questions.delete_question(question)
    other.refresh_from_db()
    assert other.asks_questions is False
    for question in Question.objects.filter(event=event):
        question.delete()
    event.refresh_from_db()
    assert event.asks_questions is False


def test_a_purchase_of_an_event_without_questions_reads_no_questions(client):
    event = make_event(organizer=make_organizer(slug="acme"), slug="gig", currency="EUR")
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=10)
    body = {
        "lines": [{"ticket_type_id": standard.pk, "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
    }
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/events/gig/orders", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert not [q["sql"] for q in captured.captured_queries if Question._meta.db_table in q["sql"]]
    # With a question the same purchase reads them, and is refused without its answer.
    questions.add_question(Question(event=event, label="Company", kind=Kind.TEXT, required=True), [])
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/events/gig/orders", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert [q["sql"] for q in captured.captured_queries if Question._meta.db_table in q["sql"]]

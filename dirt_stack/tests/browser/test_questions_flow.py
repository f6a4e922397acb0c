"""Checkout questions in Chromium: an organizer adds three questions (a required single
choice for every ticket, an optional text for the order, a required checkbox); a buyer is
told what is missing, answers and sees the answers on the order page; the organizer finds
them on the back-office order page, in both CSV exports and in the organizer API; the buyer
and then the organizer change them, each change in the order's history."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts import tokens
from accounts.models import Membership
from questions.models import Question
from sales.models import Order
from tests.factories import make_event, make_member, make_organizer, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def add_question(page: Page, label: str, kind: str, scope: str, *, required: bool, options: str = "") -> None:
    page.get_by_role("button", name="Add a question").click()
    form = page.get_by_test_id("question-form")
    form.get_by_label("Question").fill(label)
    form.get_by_label("Kind of answer").select_option(label=kind)
    form.get_by_label("Asked").select_option(label=scope)
    if options:
        form.get_by_label("Options, one per line").fill(options)
    if required:
        form.get_by_label("Required").check()
    form.get_by_role("button", name="Add question").click()
    expect(page.get_by_role("status")).to_contain_text(f"Question added: {label}.")


def test_organizer_asks_buyer_answers_organizer_reads_everywhere(page: Page, live_server):
    organizer = make_organizer(slug="acme", name="Acme")
    event = make_event(organizer=organizer, slug="gig", title="Harbour Lights", currency="EUR")
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50)
    make_member(
        organizer, role=Membership.Role.MANAGER, email="olga@example.com", password="olga-pass-phrase"
    )

    # The organizer adds the questions from the event's page.
    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/events/gig/")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label("Password").fill("olga-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Questions", exact=True).click()
    expect(page.get_by_role("heading", name="Checkout questions")).to_be_visible()
    add_question(page, "Meal", "Single choice", "For every ticket", required=True, options="Meat\nVegetarian")
    add_question(page, "Company", "Text", "Once per order", required=False)
    add_question(page, "I accept the terms", "Checkbox", "Once per order", required=True)
    expect(page.get_by_test_id("question")).to_have_count(3)
    assert list(Question.objects.values_list("label", "kind", "scope", "required", "choices")) == [
        ("Meal", "single_choice", "ticket", True, ["Meat", "Vegetarian"]),
        ("Company", "text", "order", False, []),
        ("I accept the terms", "checkbox", "order", True, []),
    ]

    # A buyer, in another browser, first leaves the questions out: every fault at once.
    buyer = page.context.browser.new_page()  # type: ignore[union-attr]
    buyer.goto(f"{live_server.url}/events/gig/")
    buyer.get_by_label("Number of Standard tickets").select_option("2")
    buyer.get_by_role("button", name="Get 2 tickets").click()
    expect(buyer.get_by_test_id("countdown")).to_be_visible()
    buyer.get_by_label("Your name").fill("Mira Buyer")
    buyer.get_by_label("Email").fill("mira@example.com")
    buyer.get_by_label("Card (demo)").check()
    buyer.get_by_label("Card number").fill("4242 4242 4242 4242")
    buyer.get_by_role("button", name="Place order").click()
    alerts = buyer.get_by_role("alert")
    expect(alerts).to_have_text(
        ["Tick this box to continue.", "Answer this question.", "Answer this question."]
    )
    terms = buyer.get_by_label("I accept the terms")
    expect(terms).to_be_focused()
    expect(terms).to_have_accessible_description("Tick this box to continue.")
    assert Order.objects.count() == 0

    # Then answers them: the meal per ticket, the company once, the terms.
    buyer.get_by_label("Company (optional)").fill("Acme Travel")
    terms.check()
    first = buyer.get_by_role("group", name="Meal (ticket 1)")
    expect(first).to_have_accessible_description("Answer this question.")
    first.get_by_label("Meat").check()
    buyer.get_by_role("group", name="Meal (ticket 2)").get_by_label("Vegetarian").check()
    buyer.get_by_role("button", name="Place order").click()
    expect(buyer.get_by_test_id("order-status")).to_have_text("Paid")
    order = Order.objects.get()
    expect(buyer.get_by_test_id("answers").first).to_contain_text("Company:Acme Travel")
    expect(buyer.get_by_test_id("answers").first).to_contain_text("I accept the terms:Yes")
    tickets = buyer.get_by_test_id("ticket")
    expect(tickets.nth(0).get_by_test_id("answer")).to_have_text(["Meat"])
    expect(tickets.nth(1).get_by_test_id("answer")).to_have_text(["Vegetarian"])

    # Until the date starts the buyer may change them; each change is in the order's history.
    buyer.get_by_role("button", name="Change answers").click()
    form = buyer.get_by_test_id("answers-form")
    form.get_by_label("Company (optional)").fill("Acme Tours")
    form.get_by_role("group", name="Meal (ticket 2)").get_by_label("Meat").check()
    form.get_by_role("button", name="Save answers").click()
    expect(buyer.get_by_role("status")).to_contain_text("Your answers are saved.")
    expect(buyer.get_by_test_id("answers").first).to_contain_text("Company:Acme Tours")
    expect(tickets.nth(1).get_by_test_id("answer")).to_have_text(["Meat"])
    buyer.close()

    # The organizer finds them on the order's page...
    page.goto(f"{live_server.url}/manage/acme/events/gig/orders/")
    page.get_by_role("link", name=order.code).click()
    expect(page.get_by_test_id("answers").first).to_contain_text("Company:Acme Tours")
    expect(page.get_by_test_id("admin-ticket").nth(1).get_by_test_id("answer")).to_have_text(["Meat"])
    expect(page.get_by_test_id("audit-entry")).to_contain_text(["Changed answers: Company, Meal (ticket 2)"])
    # The organizer may change them at any time.
    page.get_by_role("button", name="Change answers").click()
    page.get_by_test_id("answers-form").get_by_label("Company (optional)").fill("Acme Travel")
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_role("status")).to_contain_text("Answers saved.")
    expect(page.get_by_test_id("answers").first).to_contain_text("Company:Acme Travel")

    # ... in both CSV exports (what the page's export links download) ...
    orders_csv = page.request.get(f"{live_server.url}/manage/acme/events/gig/export/orders.csv")
    (row,) = list(csv.DictReader(io.StringIO(orders_csv.text())))
    assert (row["code"], row["Company"], row["I accept the terms"]) == (order.code, "Acme Travel", "Yes")
    attendees_csv = page.request.get(f"{live_server.url}/manage/acme/events/gig/export/attendees.csv")
    assert [r["Meal"] for r in csv.DictReader(io.StringIO(attendees_csv.text()))] == ["Meat", "Meat"]

    # ... and in the organizer API.
    _, token = tokens.create_token(organizer=organizer, name="crm", role="manager", created_by=None)
    api = page.request.get(
        f"{live_server.url}/api/v1/manage/orders/{order.code}", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status == 200
    body = api.json()
    assert [(a["label"], a["value"]) for a in body["answers"]] == [
        ("Company", "Acme Travel"),
        ("I accept the terms", True),
    ]
    assert [[a["value"] for a in t["answers"]] for t in body["tickets"]] == [["Meat"], ["Meat"]]

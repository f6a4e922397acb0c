"""Hostile input, replayed: every request of the security review's 500 list (§2, items 1-6
and 8-10; the stored out-of-range dates of item 7 are tests/test_dates_hostile.py's) and the
representative cases of its batches. Each must get a 4xx with a readable body (a problem
document under /api/, a form error or a short text elsewhere) and write nothing.

Runs on SQLite and on PostgreSQL (DATABASE_URL), which refuses NUL bytes in text and
numbers beyond 64 bits that SQLite stores or compares differently.

Every new input field gets a case here (DEVELOPMENT.md, "Hostile input").
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client

from accounts import tokens
from accounts.models import ApiToken, Invitation, Membership, Organizer
from checkin import devices, sync
from checkin.models import CheckIn, CheckInList, ScannerDevice
from checkin.services import door_list
from events.models import Event, TicketType
from messaging.models import Message, ReminderSettings
from questions import services as questions
from questions.models import AnswerSettings, Question
from sales import pricing, purchase
from sales.models import AuditEntry, EmailText, Hold, Order, Payment, Refund, Ticket, Voucher
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date
from tests.test_catalog_validation import VALID_EVENT
from tests.test_stripe import SECRET, closed_port, signed
from waitlist.models import Entry, WaitlistSettings

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
EVENT = "/manage/acme/events/gig"
API_EVENT = "/api/v1/manage/events/gig"
WEBHOOK = "/payments/stripe/webhook/"
NUL = "\x00"
DEEP = "[" * 100_000
# A message to buyers the form accepts; each case changes one field.
MESSAGE = {
    "subject": "Hi",
    "body": "Hello",
    "statuses": ["paid"],
    "checked_in": "any",
    "date": "",
    "ticket_type": "",
}


@dataclass(frozen=True)
class Case:
    """One hostile request. ``path`` and string values in ``body`` may name the fixture's
    objects: {slug}, {code}, {secret}, {hold}, {list}, {ticket}, {type}, {order_path}, and the
    checkout questions {text_q} (text), {number_q} (number), {date_q} (date)."""

    item: str  # the review's item, e.g. "§2.1" (the 500 list) or "batch: web"
    name: str
    method: str
    path: str
    body: Any = None
    raw: str | None = None
    content_type: str = "application/json"
    who: str = "anonymous"  # anonymous, owner, door, token, device, stripe (a signed webhook)
    headers: dict[str, str] = field(default_factory=dict)
    # refused: a 4xx, nothing written. cleaned: the request may succeed, and nothing stored
    # holds a control character (a field the page ignores). answered: a filter that ignores
    # what it cannot use, a voucher said to be invalid or a scan that is refused answer
    # 200, and nothing is written.
    outcome: str = "refused"


def _owner(name: str, path: str, body: dict[str, Any], outcome: str = "refused") -> Case:
    """An owner's form post in the back office."""
    return Case("§2.5", name, "post", path, body, who="owner", outcome=outcome)


def _action(name: str, body: dict[str, Any], order: str = "{code}", outcome: str = "refused") -> Case:
    """An organizer's action on an order in the back office."""
    return _owner(name, f"{EVENT}/orders/{order}/action/", body, outcome)


def _api(name: str, method: str, path: str, body: dict[str, Any], outcome: str = "refused") -> Case:
    """A request to the organizer API with a manager's token."""
    return Case("§2.6", name, method, path, body, who="token", outcome=outcome)


def _webhook(name: str, body: dict[str, Any]) -> Case:
    """A correctly signed Stripe notification."""
    return Case("§2.8", name, "post", WEBHOOK, body, who="stripe")


def _refund(amount: Any) -> dict[str, Any]:
    return {"action": "refund", "amount": amount, "reason": "x"}


BUYER = {"name": "Ana", "email": "ana@example.com"}


def _purchase(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lines": [{"ticket_type_id": "{type}", "quantity": 1}],
        "buyer": dict(BUYER),
        "payment_method": "demo",
    }
    body.update(changes)
    return body


def _checkout(**changes: Any) -> dict[str, Any]:
    return {"name": "Ana", "email": "ana@example.com", "payment_method": "demo", **changes}


def _answer(question: str, value: Any) -> dict[str, Any]:
    """A purchase through the API answering one checkout question."""
    return _purchase(answers=[{"question": question, "value": value}])


def _answer_raw(question: str, value: str) -> str:
    """The same as raw JSON, for values json.dumps cannot write (NaN) or nests too deep."""
    return (
        '{"lines": [{"ticket_type_id": {type}, "quantity": 1}], "buyer": {"name": "Ana", "email": '
        '"ana@example.com"}, "payment_method": "demo", "answers": [{"question": '
        + question
        + ', "value": '
        + value
        + "}]}"
    )


def _checkout_raw(answers: str) -> str:
    """A web checkout answering with raw JSON (NaN, Infinity, deep nesting)."""
    return '{"name": "Ana", "email": "ana@example.com", "payment_method": "demo", "answers": ' + answers + "}"


QUESTIONS = f"{EVENT}/questions"
# A ticket type the form accepts; each translation case adds its map.
TYPE_BODY = {"name": "B", "price": "1", "capacity": "10", "min_per_order": "1", "max_per_order": "10"}
# Translation maps (core.translated) refused on the event's form and the API.
TRANSLATION_CHANGES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("title NUL", {"translations": {"de": {"title": "Ti\x00tel"}}}),
    ("description NUL", {"translations": {"de": {"description": "a\x00b"}}}),
    ("description control", {"translations": {"de": {"description": "a\x1bb"}}}),
    ("title too long", {"translations": {"de": {"title": "x" * 201}}}),
    ("description too long", {"translations": {"de": {"description": "x" * 20_001}}}),
    ("language not enabled", {"translations": {"fr": {"title": "Titre"}}}),
    ("language NUL", {"translations": {"d\x00e": {"title": "Titel"}}}),
    ("event language", {"translations": {"en": {"title": "Title"}}}),
    ("unknown field", {"translations": {"de": {"slug": "x"}}}),
    ("field NUL", {"translations": {"de": {"ti\x00tle": "x"}}}),
    ("value list", {"translations": {"de": {"title": ["a"]}}}),
    ("value object", {"translations": {"de": {"title": {"a": {"b": "c"}}}}}),
    ("map list", {"translations": [["de", "Titel"]]}),
    ("language list", {"translations": {"de": ["Titel"]}}),
    ("map text", {"translations": "not json"}),
    ("map NaN text", {"translations": '{"de": {"title": NaN}}'}),
    ("map deep JSON text", {"translations": "[" * 100_000}),
    ("many languages", {"translations": {f"x{n}": {"title": "t"} for n in range(5000)}}),
)
LANGUAGE_CHANGES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("locale unknown", {"locale": "xx"}),
    ("locale NUL", {"locale": "e\x00n"}),
    ("locale list", {"locale": ["en"]}),
    ("locales unknown", {"locales": ["en", "xx"]}),
    ("locales NUL", {"locales": ["en", "d\x00"]}),
    ("locales text", {"locales": "en,de"}),
    ("locales object", {"locales": {"en": True}}),
    ("locales huge", {"locales": ["de"] * 1000}),
    ("locales nested", {"locales": [["de"]]}),
)


def _event_raw(translations: str) -> str:
    """The event form with a raw ``translations`` value (JSON json.dumps cannot write)."""
    return json.dumps({**VALID_EVENT})[:-1] + ', "translations": ' + translations + "}"


DEEP_ANSWER = "[" * 40 + "]" * 40

CASES = [
    # Checkout questions: the purchase API's answers
    Case(
        "batch: questions",
        "api answer NUL",
        "post",
        "/api/v1/events/gig/orders",
        _answer("{text_q}", "a\x00b"),
    ),
    Case(
        "batch: questions",
        "api answer 100000",
        "post",
        "/api/v1/events/gig/orders",
        _answer("{text_q}", "x" * 100_000),
    ),
    Case(
        "batch: questions",
        "api answer line break",
        "post",
        "/api/v1/events/gig/orders",
        _answer("{text_q}", "a\nb"),
    ),
    Case(
        "batch: questions",
        "api answer NaN",
        "post",
        "/api/v1/events/gig/orders",
        raw=_answer_raw("{number_q}", "NaN"),
    ),
    Case(
        "batch: questions",
        "api answer 1e999",
        "post",
        "/api/v1/events/gig/orders",
        raw=_answer_raw("{number_q}", "1e999"),
    ),
    Case(
        "batch: questions",
        "api answer 1e308",
        "post",
        "/api/v1/events/gig/orders",
        _answer("{number_q}", 1e308),
    ),
    Case(
        "batch: questions",
        "api answer NaN text",
        "post",
        "/api/v1/events/gig/orders",
        _answer("{number_q}", "NaN"),
    ),
    Case(
        "batch: questions",
        "api answer far date",
        "post",
        "/api/v1/events/gig/orders",
        _answer("{date_q}", "9999-12-31"),
    ),
    Case(
        "batch: questions",
        "api answer year 275760",
        "post",
        "/api/v1/events/gig/orders",
        _answer("{date_q}", "275760-01-01"),
    ),
    Case(
        "batch: questions",
        "api answer deep JSON",
        "post",
        "/api/v1/events/gig/orders",
        raw=_answer_raw("{text_q}", DEEP_ANSWER),
    ),
    Case(
        "batch: questions",
        "api answer object",
        "post",
        "/api/v1/events/gig/orders",
        _answer("{text_q}", {"a": "b"}),
    ),
    Case(
        "batch: questions",
        "api question huge",
        "post",
        "/api/v1/events/gig/orders",
        _answer("1", "x") | {"answers": [{"question": 2**70, "value": "x"}]},
    ),
    Case(
        "batch: questions",
        "api question text",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(answers=[{"question": "1", "value": "x"}]),
    ),
    Case(
        "batch: questions",
        "api answer ticket -1",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(answers=[{"question": "{text_q}", "ticket": -1, "value": "x"}]),
    ),
    Case(
        "batch: questions",
        "api answers 100000",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(answers=[{"question": "{text_q}", "value": "x"}] * 1000),
    ),
    # ... and the web checkout's
    Case(
        "batch: questions",
        "checkout answer NUL",
        "post",
        "/checkout/{hold}/",
        _checkout(answers={"{text_q}": "\x00"}),
    ),
    Case(
        "batch: questions",
        "checkout answer 100000",
        "post",
        "/checkout/{hold}/",
        _checkout(answers={"{text_q}": "x" * 100_000}),
    ),
    Case(
        "batch: questions",
        "checkout answer NaN",
        "post",
        "/checkout/{hold}/",
        raw=_checkout_raw('{"{number_q}": NaN}'),
    ),
    Case(
        "batch: questions",
        "checkout answer Infinity",
        "post",
        "/checkout/{hold}/",
        raw=_checkout_raw('{"{number_q}": Infinity}'),
    ),
    Case(
        "batch: questions",
        "checkout answer far date",
        "post",
        "/checkout/{hold}/",
        _checkout(answers={"{date_q}": "99999-01-01"}),
    ),
    Case(
        "batch: questions",
        "checkout answer deep JSON",
        "post",
        "/checkout/{hold}/",
        raw='{"name": "Ana", "email": "ana@example.com", "payment_method": "demo", "answers": {"{text_q}": '
        + "[" * 30
        + "]" * 30
        + "}}",
    ),
    Case(
        "batch: questions",
        "checkout answers not an object",
        "post",
        "/checkout/{hold}/",
        _checkout(answers="x"),
    ),
    Case(
        "batch: questions",
        "checkout ticket answers not a list",
        "post",
        "/checkout/{hold}/",
        _checkout(ticket_answers={"a": 1}),
    ),
    Case(
        "batch: questions",
        "checkout answer unknown question",
        "post",
        "/checkout/{hold}/",
        _checkout(answers={"\x00": "x"}),
    ),
    Case(
        "batch: questions",
        "checkout ticket answers too many",
        "post",
        "/checkout/{hold}/",
        _checkout(ticket_answers=[{}] * 5000),
    ),
    # ... and the organizer's questions page
    _owner("question label NUL", f"{QUESTIONS}/new/", {"label": "a\x00", "kind": "text", "scope": "order"}),
    _owner("question label 201", f"{QUESTIONS}/new/", {"label": "x" * 201, "kind": "text", "scope": "order"}),
    _owner(
        "question help NUL",
        f"{QUESTIONS}/new/",
        {"label": "Q", "help_text": "\x00", "kind": "text", "scope": "order"},
    ),
    _owner("question kind NUL", f"{QUESTIONS}/new/", {"label": "Q", "kind": "\x00", "scope": "order"}),
    _owner(
        "question choices NUL",
        f"{QUESTIONS}/new/",
        {"label": "Q", "kind": "single_choice", "scope": "order", "choices": "a\n\x00"},
    ),
    _owner(
        "question choices 100000",
        f"{QUESTIONS}/new/",
        {"label": "Q", "kind": "single_choice", "scope": "order", "choices": "x" * 100_000},
    ),
    _owner(
        "question choices too many",
        f"{QUESTIONS}/new/",
        {
            "label": "Q",
            "kind": "multiple_choice",
            "scope": "order",
            "choices": "\n".join(str(i) for i in range(60)),
        },
    ),
    _owner(
        "question ticket type huge",
        f"{QUESTIONS}/new/",
        {"label": "Q", "kind": "text", "scope": "order", "ticket_types": [2**70]},
    ),
    _owner(
        "question ticket type text",
        f"{QUESTIONS}/new/",
        {"label": "Q", "kind": "text", "scope": "order", "ticket_types": ["\x00"]},
    ),
    _owner(
        "question required text",
        f"{QUESTIONS}/new/",
        {"label": "", "kind": "text", "scope": "order", "required": "\x00"},
    ),
    _owner("question move NUL", f"{QUESTIONS}/{{text_q}}/move/", {"direction": "\x00"}),
    _owner(
        "question edit label NUL",
        f"{QUESTIONS}/{{text_q}}/",
        {"label": "\x00", "kind": "text", "scope": "order"},
    ),
    _owner("question delete huge id", f"{QUESTIONS}/99999999999999999999999/delete/", {}),
    Case("§2.5", "question deep JSON", "post", f"{QUESTIONS}/new/", raw=DEEP, who="owner"),
    _owner(
        "answer settings hours NaN",
        f"{QUESTIONS}/settings/",
        {"buyers_edit": True, "buyer_edit_hours_before": "NaN"},
    ),
    _owner(
        "answer settings hours huge",
        f"{QUESTIONS}/settings/",
        {"buyers_edit": True, "buyer_edit_hours_before": 10**30},
    ),
    _owner(
        "answer settings hours NUL",
        f"{QUESTIONS}/settings/",
        {"buyers_edit": True, "buyer_edit_hours_before": "\x00"},
    ),
    _action("order answers NUL", {"action": "answers", "answers": {"{text_q}": "\x00"}}),
    _action("order answers far date", {"action": "answers", "answers": {"{date_q}": "99999-12-31"}}),
    _action("order answers not an object", {"action": "answers", "answers": ["x"]}),
    # ... and the buyer's change of answers on the order page
    Case(
        "batch: questions",
        "buyer answers NUL",
        "post",
        "/orders/{code}/{secret}/answers/",
        {"answers": {"{text_q}": "\x00"}},
    ),
    Case(
        "batch: questions",
        "buyer answers 100000",
        "post",
        "/orders/{code}/{secret}/answers/",
        {"answers": {"{text_q}": "x" * 100_000}},
    ),
    Case(
        "batch: questions",
        "buyer answers NaN",
        "post",
        "/orders/{code}/{secret}/answers/",
        raw='{"answers": {"{number_q}": NaN}}',
    ),
    Case("batch: questions", "buyer answers deep JSON", "post", "/orders/{code}/{secret}/answers/", raw=DEEP),
    Case(
        "batch: questions",
        "buyer answers wrong secret",
        "post",
        "/orders/{code}/x%00/answers/",
        {"answers": {}},
    ),
    # 1. Anonymous GET requests
    Case("§2.1", "home search NUL", "get", "/?q=%00"),
    # Folded for the accent-insensitive search (core.search): LIKE wildcards, combining
    # marks alone, letters outside the folded table.
    Case(
        "§2.1",
        "home search wildcards and marks",
        "get",
        "/?q=%25_%5C%CC%81%CC%8C%E1%BA%9E%F0%9F%8E%AB",
        outcome="answered",
    ),
    Case("§2.1", "voucher NUL", "get", "/events/gig/?voucher=a%00b", outcome="answered"),
    Case("§2.1", "api event slug NUL", "get", "/api/v1/events/x%00y"),
    Case("§2.1", "api order code NUL", "get", "/api/v1/orders/AB%00CD?secret=x"),
    Case("§2.1", "invitation token NUL", "get", "/invitations/a%00/"),
    Case("§2.1", "api event date not an id", "get", "/api/v1/events/gig?date=1.5"),
    Case("§2.1", "api event date huge", "get", "/api/v1/events/gig?date=99999999999999999999999"),
    Case("§2.1", "api dates page NUL", "get", "/api/v1/events/gig/dates?page=%00"),
    Case("§2.1", "event page date NUL", "get", "/events/gig/?date=%00"),
    Case("§2.1", "order page code NUL", "get", "/orders/AB%00CD/x%00/"),
    Case("§2.1", "order calendar code NUL", "get", "/orders/AB%00CD/x%00/calendar.ics"),
    Case("§2.1", "order calendar control chars", "get", "/orders/AB%01CD/x%1b%7f/calendar.ics"),
    Case("§2.1", "order calendar over-length", "get", f"/orders/{'A' * 5000}/{'x' * 5000}/calendar.ics"),
    Case("§2.1", "wallet pass code NUL", "get", "/orders/AB%00CD/x%00/tickets/1/wallet.pkpass"),
    Case(
        "§2.1",
        "wallet pass ticket id huge",
        "get",
        f"/orders/{{code}}/{{secret}}/tickets/{'9' * 60}/wallet.pkpass",
    ),
    Case(
        "§2.1", "wallet pass over-length", "get", f"/orders/{'A' * 5000}/{'x' * 5000}/tickets/1/wallet.pkpass"
    ),
    Case("§2.1", "google wallet code NUL", "get", "/orders/AB%00CD/x%00/tickets/1/google-wallet/"),
    Case(
        "§2.1",
        "google wallet ticket id huge",
        "get",
        f"/orders/{{code}}/{{secret}}/tickets/{'9' * 60}/google-wallet/",
    ),
    # 2. Anonymous purchase and hold
    Case(
        "§2.2",
        "purchase buyer name NUL",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(buyer={"name": "a\x00b", "email": "ana@example.com"}),
    ),
    Case(
        "§2.2",
        "purchase buyer email NUL",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(buyer={"name": "Ana", "email": "a\x00@example.com"}),
    ),
    Case(
        "§2.2",
        "purchase attendee NUL",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(attendees=[{"name": "a\x00b"}]),
    ),
    Case("§2.2", "purchase voucher NUL", "post", "/api/v1/events/gig/orders", _purchase(voucher="A\x00")),
    Case(
        "§2.2",
        "purchase payment method NUL",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(payment_method="demo\x00"),
    ),
    Case(
        "§2.2",
        "purchase card number NUL",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(card_number="4242\x00"),
    ),
    Case(
        "§2.2",
        "purchase idempotency key control",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(),
        headers={"Idempotency-Key": "a\x01b"},
    ),
    Case("§2.2", "purchase slug NUL", "post", "/api/v1/events/g%00ig/orders", _purchase()),
    # The buyer's language (core.language): the purchase's optional locale, the request's header
    Case(
        "batch: language",
        "purchase locale NUL",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(locale="de\x00"),
    ),
    Case(
        "batch: language",
        "purchase locale unknown",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(locale="xx"),
    ),
    Case(
        "batch: language",
        "purchase locale pseudo",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(locale="en-x-pseudo"),
    ),
    Case(
        "batch: language",
        "purchase locale over-length",
        "post",
        "/api/v1/events/gig/orders",
        _purchase(locale="d" * 10_000),
    ),
    Case(
        "batch: language", "purchase locale number", "post", "/api/v1/events/gig/orders", _purchase(locale=7)
    ),
    Case(
        "batch: language",
        "accept-language 10 kB",
        "get",
        "/events/gig/",
        headers={"Accept-Language": "de-" + "a" * 10_000},
        outcome="answered",
    ),
    Case(
        "batch: language",
        "accept-language control characters",
        "get",
        "/",
        headers={"Accept-Language": "de\x01;q=NaN, fr;q=1e999, *;q=-1"},
        outcome="answered",
    ),
    Case(
        "batch: language",
        "accept-language garbage",
        "get",
        "/events/gig/",
        headers={"Accept-Language": ",,;;==☃\U0001f600"},
        outcome="answered",
    ),
    Case(
        "§2.2",
        "hold voucher NUL",
        "post",
        "/events/gig/hold/",
        {"voucher": "A\x00", "quantities": {"{type}": 1}},
    ),
    Case(
        "§2.2",
        "hold quantity Infinity",
        "post",
        "/events/gig/hold/",
        raw='{"quantities": {"{type}": Infinity}}',
    ),
    Case("§2.2", "hold quantity NaN", "post", "/events/gig/hold/", raw='{"quantities": {"{type}": NaN}}'),
    # The buyer's attendee name change (sales.attendee_names)
    Case(
        "§2.2",
        "attendee name NUL",
        "post",
        "/orders/{code}/{secret}/attendee/",
        {"ticket": "{ticket}", "attendee_name": "a\x00b"},
    ),
    Case(
        "§2.2",
        "attendee name over-length",
        "post",
        "/orders/{code}/{secret}/attendee/",
        {"ticket": "{ticket}", "attendee_name": "a" * 5000},
    ),
    Case(
        "§2.2",
        "attendee name not text",
        "post",
        "/orders/{code}/{secret}/attendee/",
        {"ticket": "{ticket}", "attendee_name": ["a"]},
    ),
    Case(
        "§2.2",
        "attendee ticket huge",
        "post",
        "/orders/{code}/{secret}/attendee/",
        {"ticket": 2**70, "attendee_name": "Cy"},
    ),
    Case(
        "§2.2",
        "attendee ticket NUL",
        "post",
        "/orders/{code}/{secret}/attendee/",
        {"ticket": "1\x00", "attendee_name": "Cy"},
    ),
    Case("§2.2", "attendee deep JSON", "post", "/orders/{code}/{secret}/attendee/", raw=DEEP),
    Case(
        "§2.2",
        "attendee secret NUL",
        "post",
        "/orders/{code}/a%00b/attendee/",
        {"ticket": "{ticket}", "attendee_name": "Cy"},
    ),
    # Find my tickets (sales.order_links)
    Case("§2.2", "find my tickets email NUL", "post", "/orders/find/", {"email": "a\x00@example.com"}),
    Case(
        "§2.2", "find my tickets email over-length", "post", "/orders/find/", {"email": "a" * 5000 + "@x.org"}
    ),
    Case("§2.2", "find my tickets email not text", "post", "/orders/find/", {"email": {"a": 1}}),
    Case("§2.2", "find my tickets deep JSON", "post", "/orders/find/", raw=DEEP),
    Case("§2.2", "hold quantity 1e999", "post", "/events/gig/hold/", raw='{"quantities": {"{type}": 1e999}}'),
    Case("§2.2", "hold quantity huge int", "post", "/events/gig/hold/", {"quantities": {"{type}": 10**30}}),
    Case("§2.2", "hold ticket type huge", "post", "/events/gig/hold/", {"quantities": {str(10**30): 1}}),
    Case("§2.2", "hold ticket type NUL", "post", "/events/gig/hold/", {"quantities": {"1\x00": 1}}),
    Case("§2.2", "hold date NUL", "post", "/events/gig/hold/", {"date": "\x00", "quantities": {"{type}": 1}}),
    # 3. Checkout
    Case("§2.3", "checkout name 201", "post", "/checkout/{hold}/", _checkout(name="x" * 201)),
    Case("§2.3", "checkout name 100000", "post", "/checkout/{hold}/", _checkout(name="x" * 100_000)),
    Case(
        "§2.3", "checkout email 300", "post", "/checkout/{hold}/", _checkout(email="a" * 288 + "@example.com")
    ),
    Case("§2.3", "checkout attendee 201", "post", "/checkout/{hold}/", _checkout(attendee_names=["x" * 201])),
    Case("§2.3", "checkout name NUL", "post", "/checkout/{hold}/", _checkout(name="\x00")),
    Case(
        "§2.3",
        "checkout attendee NUL",
        "post",
        "/checkout/{hold}/",
        _checkout(attendee_names=["\x00"]),
    ),
    Case("§2.3", "checkout email NUL", "post", "/checkout/{hold}/", _checkout(email="ana\x00@example.com")),
    Case(
        "§2.3", "checkout payment method NUL", "post", "/checkout/{hold}/", _checkout(payment_method="\x00")
    ),
    Case("§2.3", "checkout card NUL", "post", "/checkout/{hold}/", _checkout(card_number="4242\x00" * 100)),
    # 4. Deeply nested JSON in any Inertia form
    Case("§2.4", "login deep JSON", "post", "/accounts/login/", raw=DEEP),
    Case("§2.4", "signup deep JSON", "post", "/accounts/signup/", raw=DEEP),
    Case("§2.4", "hold deep JSON", "post", "/events/gig/hold/", raw=DEEP),
    Case("§2.4", "hold deep object", "post", "/events/gig/hold/", raw='{"a":' * 50_000 + "1" + "}" * 50_000),
    Case("§2.4", "checkout deep JSON", "post", "/checkout/{hold}/", raw=DEEP),
    Case("§2.4", "login JSON array", "post", "/accounts/login/", raw="[1]"),
    Case("§2.4", "login not UTF-8", "post", "/accounts/login/", raw="\udcff"),
    # 5. Back office (owner)
    Case("§2.5", "scanner list abc", "get", f"{EVENT}/checkin/?list=abc", who="owner", outcome="answered"),
    _owner("checkin list delete abc", f"{EVENT}/checkin-lists/", {"action": "delete", "id": "abc"}),
    _owner("checkin list delete [1]", f"{EVENT}/checkin-lists/", {"action": "delete", "id": [1]}),
    _owner("checkin list name NUL", f"{EVENT}/checkin-lists/", {"name": "\x00", "all_ticket_types": True}),
    _owner("token revoke abc", "/manage/acme/api-tokens/", {"action": "revoke", "id": "abc"}),
    _owner("token revoke empty", "/manage/acme/api-tokens/", {"action": "revoke"}),
    _owner("token revoke huge", "/manage/acme/api-tokens/", {"action": "revoke", "id": 2**70}),
    _owner(
        "token name NUL", "/manage/acme/api-tokens/", {"name": "a\x00", "role": "manager"}, outcome="refused"
    ),
    _action("attendee ticket abc", {"action": "attendee", "ticket": "abc", "attendee_name": "B"}),
    _action("attendee ticket huge", {"action": "attendee", "ticket": 2**70, "attendee_name": "B"}),
    *[
        _action(f"refund amount {amount!r}", _refund(amount))
        for amount in (
            "NaN",
            "sNaN",
            "Infinity",
            "-Infinity",
            "1e999999",
            1e308,
            "9" * 100,
            "0.001",
            "-1",
            [1],
            True,
        )
    ],
    Case(
        "§2.5",
        "refund amount raw Infinity",
        "post",
        f"{EVENT}/orders/{{code}}/action/",
        raw='{"action": "refund", "amount": Infinity}',
        who="owner",
    ),
    _action("refund tickets 40", {"action": "refund", "tickets": 40}),
    _action("refund tickets abc", {"action": "refund", "tickets": ["abc"]}),
    _action(
        "refund reason NUL", {"action": "refund", "amount": "1.00", "reason": "x\x00"}, outcome="refused"
    ),
    _action("refund reason 100000", {"action": "refund", "amount": "1.00", "reason": "x" * 100_000}),
    _action(
        "mark paid reference NUL",
        {"action": "mark_paid", "reference": "\x00"},
        order="{pending}",
    ),
    _action(
        "attendee name NUL",
        {"action": "attendee", "ticket": "{ticket}", "attendee_name": "\x00"},
    ),
    _action("attendee name 201", {"action": "attendee", "ticket": "{ticket}", "attendee_name": "x" * 201}),
    _action("retry refund abc", {"action": "retry_refund", "refund": "abc"}),
    _action("action NUL", {"action": "\x00"}),
    Case("§2.5", "orders search NUL", "get", f"{EVENT}/orders/?q=a%00b", who="owner"),
    Case(
        "§2.5",
        "orders filters NUL",
        "get",
        f"{EVENT}/orders/?status=%00&from=%00&ticket_type=%00",
        who="owner",
        outcome="answered",
    ),
    Case("§2.5", "order code NUL", "get", f"{EVENT}/orders/AB%00C/", who="owner"),
    Case(
        "§2.5",
        "door search NUL",
        "get",
        f"{EVENT}/checkin/{{list}}/search/?q=ab%00",
        who="door",
    ),
    Case(
        "§2.5",
        "door scan secret NUL",
        "post",
        f"{EVENT}/checkin/{{list}}/scan/",
        {"secret": "a\x00"},
        who="door",
        outcome="answered",
    ),
    _owner(
        "organizer name NUL", "/manage/acme/settings/", {"name": "\x00", "slug": "acme"}, outcome="refused"
    ),
    _owner("invite email NUL", "/manage/acme/members/", {"email": "b\x00@example.com", "role": "manager"}),
    _owner("invite role NUL", "/manage/acme/members/", {"email": "b@example.com", "role": "\x00"}),
    _owner(
        "voucher code NUL",
        f"{EVENT}/vouchers/",
        {"code": "A\x00", "kind": "percent", "value": "10", "max_usages": "1"},
    ),
    _owner(
        "voucher value NaN",
        f"{EVENT}/vouchers/",
        {"code": "AB", "kind": "fixed", "value": "NaN", "max_usages": "1"},
    ),
    _owner(
        "voucher value Infinity",
        f"{EVENT}/vouchers/",
        {"code": "AB", "kind": "fixed", "value": "Infinity", "max_usages": "1"},
    ),
    _owner(
        "voucher usages huge",
        f"{EVENT}/vouchers/",
        {"code": "AB", "kind": "fixed", "value": "1", "max_usages": str(2**70)},
    ),
    _owner(
        "ticket type price NaN",
        f"{EVENT}/ticket-types/",
        {"name": "B", "price": "NaN", "capacity": "10", "min_per_order": "1", "max_per_order": "10"},
    ),
    _owner(
        "ticket type price 1e999",
        f"{EVENT}/ticket-types/",
        {"name": "B", "price": "1e999", "capacity": "10", "min_per_order": "1", "max_per_order": "10"},
    ),
    _owner(
        "ticket type name NUL",
        f"{EVENT}/ticket-types/",
        {"name": "B\x00", "price": "1", "capacity": "10", "min_per_order": "1", "max_per_order": "10"},
    ),
    _owner(
        "ticket type capacity huge",
        f"{EVENT}/ticket-types/",
        {"name": "B", "price": "1", "capacity": str(2**70), "min_per_order": "1", "max_per_order": "10"},
    ),
    _owner(
        "ticket type limit per email NUL",
        f"{EVENT}/ticket-types/",
        {"name": "B", "price": "1", "capacity": "10", "min_per_order": "1", "max_per_order": "10"}
        | {"max_tickets_per_email": "2\x00"},
    ),
    _owner(
        "ticket type limit per email huge",
        f"{EVENT}/ticket-types/",
        {"name": "B", "price": "1", "capacity": "10", "min_per_order": "1", "max_per_order": "10"}
        | {"max_tickets_per_email": str(2**70)},
    ),
    _owner("event limit per email NaN", f"{EVENT}/", {**VALID_EVENT, "max_tickets_per_email": "NaN"}),
    _owner("event limit per email negative", f"{EVENT}/", {**VALID_EVENT, "max_tickets_per_email": "-2"}),
    _owner("event limit per email NUL", f"{EVENT}/", {**VALID_EVENT, "max_tickets_per_email": "\x00"}),
    _owner("event title NUL", f"{EVENT}/", {"title": "\x00"}),
    _owner("event start trailing NUL", f"{EVENT}/", {**VALID_EVENT, "starts_at": "2031-10-01T19:30\x00"}),
    _owner("event end trailing NUL", f"{EVENT}/", {**VALID_EVENT, "ends_at": "2031-10-01T22:00\x00"}),
    _owner("event description NUL", f"{EVENT}/", {"title": "T", "description": "a\x00b"}),
    Case(
        "§2.5",
        "signup name NUL",
        "post",
        "/accounts/signup/",
        {"email": "new@example.com", "name": "\x00", "password": "a-long-passphrase-1"},
        outcome="cleaned",
    ),
    Case(
        "§2.5", "login email NUL", "post", "/accounts/login/", {"email": "a\x00@example.com", "password": "x"}
    ),
    Case(
        "§2.5",
        "password reset email NUL",
        "post",
        "/accounts/password/reset/",
        {"email": "a\x00@example.com"},
    ),
    # 6. Organizer API (manager token)
    _api(
        "api refund reason NUL",
        "post",
        "/api/v1/manage/orders/{code}/refund",
        {"amount": "0.01", "reason": "x\x00"},
    ),
    _api("api refund amount NaN", "post", "/api/v1/manage/orders/{code}/refund", {"amount": "NaN"}),
    Case(
        "§2.6",
        "api refund amount Infinity",
        "post",
        "/api/v1/manage/orders/{code}/refund",
        raw='{"amount": Infinity}',
        who="token",
    ),
    _api("api refund amount 1e999", "post", "/api/v1/manage/orders/{code}/refund", {"amount": "1e999"}),
    _api("api refund tickets huge", "post", "/api/v1/manage/orders/{code}/refund", {"tickets": [2**70]}),
    _api("api refund tickets string", "post", "/api/v1/manage/orders/{code}/refund", {"tickets": ["7"]}),
    Case("§2.6", "api cancel code NUL", "post", "/api/v1/manage/orders/AB%00/cancel", who="token"),
    Case("§2.6", "api orders search NUL", "get", "/api/v1/manage/events/gig/orders?q=%00", who="token"),
    Case("§2.6", "api orders status NUL", "get", "/api/v1/manage/events/gig/orders?status=%00", who="token"),
    _api("api check-in secret NUL", "post", "/api/v1/checkin", {"secret": "a\x00" * 10}, outcome="answered"),
    _api("api check-in list huge", "post", "/api/v1/checkin", {"secret": "x", "list_id": 2**70}),
    _api("api check-in list string", "post", "/api/v1/checkin", {"secret": "x", "list_id": "1"}),
    _api(
        "api mark paid reference NUL",
        "post",
        "/api/v1/manage/orders/{pending}/mark-paid",
        {"reference": "\x00"},
    ),
    _api(
        "api event title NUL",
        "post",
        "/api/v1/manage/events",
        {"title": "a\x00", "starts_at": "2031-01-01T19:00:00Z", "ends_at": "2031-01-01T21:00:00Z"},
    ),
    _api(
        "api event title line break",
        "patch",
        API_EVENT,
        {"title": "Header\r\nBcc: victim@example.com"},
        outcome="cleaned",
    ),
    _api("api event capacity huge", "patch", API_EVENT, {"capacity": 2**70}),
    _api("api event capacity float", "patch", API_EVENT, {"capacity": 1.5}),
    _api(
        "api ticket type price NaN",
        "post",
        f"{API_EVENT}/ticket-types",
        {"name": "B", "price": "NaN", "capacity": 10},
    ),
    _api(
        "api ticket type name NUL",
        "post",
        f"{API_EVENT}/ticket-types",
        {"name": "B\x00", "price": "1", "capacity": 10},
    ),
    _api("api ticket type id huge", "patch", f"{API_EVENT}/ticket-types/{2**70}", {"name": "B"}),
    # Per-person limits (sales.limits): whole numbers from 1 to 100,000, or null.
    _api("api event limit per email huge", "patch", API_EVENT, {"max_tickets_per_email": 2**70}),
    _api("api event limit per email zero", "patch", API_EVENT, {"max_tickets_per_email": 0}),
    _api("api event limit per email NUL", "patch", API_EVENT, {"max_tickets_per_email": "2\x00"}),
    _api("api event limit per email float", "patch", API_EVENT, {"max_tickets_per_email": 1.5}),
    _api(
        "api ticket type limit per email NaN",
        "post",
        f"{API_EVENT}/ticket-types",
        {"name": "B", "price": "1", "capacity": 10, "max_tickets_per_email": "NaN"},
    ),
    _api(
        "api ticket type limit per email list",
        "patch",
        f"{API_EVENT}/ticket-types/{{type}}",
        {"max_tickets_per_email": [2]},
    ),
    Case("§2.6", "api deep JSON", "post", "/api/v1/manage/orders/{code}/refund", raw=DEEP, who="token"),
    # 8. Stripe webhook, signed but malformed
    Case("§2.8", "webhook []", "post", "/payments/stripe/webhook/", raw="[]", who="stripe"),
    _webhook(
        "webhook without data", {"id": "evt_1", "object": "event", "type": "checkout.session.completed"}
    ),
    _webhook(
        "webhook without id",
        {"object": "event", "type": "checkout.session.completed", "data": {"object": {}}},
    ),
    Case("§2.8", "webhook deep JSON", "post", "/payments/stripe/webhook/", raw=DEEP, who="stripe"),
    _webhook("webhook NUL id", {"id": "evt_\x00", "object": "event", "type": "x", "data": {"object": {}}}),
    # The waiting list (a sold-out type "{wtype}" whose list is on): joining, its links, the back office.
    *(
        Case("batch: waiting list", f"api join {name}", "post", "/api/v1/events/gig/waitlist", body)
        for name, body in (
            ("email NUL", {"ticket_type_id": "{wtype}", "quantity": 1, "email": "a\x00@example.com"}),
            ("email long", {"ticket_type_id": "{wtype}", "quantity": 1, "email": "a" * 300 + "@example.com"}),
            (
                "email line break",
                {"ticket_type_id": "{wtype}", "quantity": 1, "email": "a@example.com\r\nBcc: b@x.com"},
            ),
            ("quantity float", {"ticket_type_id": "{wtype}", "quantity": 1.5, "email": "a@example.com"}),
            ("quantity text", {"ticket_type_id": "{wtype}", "quantity": "1", "email": "a@example.com"}),
            ("quantity huge", {"ticket_type_id": "{wtype}", "quantity": 2**70, "email": "a@example.com"}),
            ("quantity zero", {"ticket_type_id": "{wtype}", "quantity": 0, "email": "a@example.com"}),
            ("type huge", {"ticket_type_id": 2**70, "quantity": 1, "email": "a@example.com"}),
            ("type text", {"ticket_type_id": "1", "quantity": 1, "email": "a@example.com"}),
            (
                "date true",
                {"date": True, "ticket_type_id": "{wtype}", "quantity": 1, "email": "a@example.com"},
            ),
        )
    ),
    Case("batch: waiting list", "api join deep JSON", "post", "/api/v1/events/gig/waitlist", raw=DEEP),
    *(
        Case("batch: waiting list", f"web join {name}", "post", "/events/gig/waitlist/", body)
        for name, body in (
            ("email NUL", {"ticket_type": "{wtype}", "quantity": 1, "email": "a\x00@example.com"}),
            ("email long", {"ticket_type": "{wtype}", "quantity": 1, "email": "a" * 300 + "@example.com"}),
            ("quantity NaN", {"ticket_type": "{wtype}", "quantity": "NaN", "email": "a@example.com"}),
            ("quantity huge", {"ticket_type": "{wtype}", "quantity": 2**70, "email": "a@example.com"}),
            ("quantity list", {"ticket_type": "{wtype}", "quantity": [1], "email": "a@example.com"}),
            ("type text", {"ticket_type": "x\x00", "quantity": 1, "email": "a@example.com"}),
            ("date huge", {"date": 2**70, "ticket_type": "{wtype}", "quantity": 1, "email": "a@example.com"}),
            ("email object", {"ticket_type": "{wtype}", "quantity": 1, "email": {"a": 1}}),
        )
    ),
    Case("batch: waiting list", "confirm link forged", "get", "/waitlist/confirm/abc:def/"),
    Case("batch: waiting list", "confirm link NUL", "post", "/waitlist/confirm/a%00b/"),
    Case("batch: waiting list", "unsubscribe link long", "get", "/waitlist/unsubscribe/" + "a" * 5000 + "/"),
    Case("batch: waiting list", "offer link forged", "get", "/waitlist/offer/1:abc/"),
    _owner("waitlist offer hours NaN", f"{EVENT}/waitlist/", {"enabled": True, "offer_hours": "NaN"}),
    _owner("waitlist offer hours huge", f"{EVENT}/waitlist/", {"enabled": True, "offer_hours": 2**70}),
    _owner("waitlist offer hours negative", f"{EVENT}/waitlist/", {"enabled": True, "offer_hours": -1}),
    _owner("waitlist offer hours NUL", f"{EVENT}/waitlist/", {"enabled": True, "offer_hours": "1\x00"}),
    _owner("waitlist entry id huge", f"{EVENT}/waitlist/{2**70}/offer/", {}),
    _owner("waitlist entry id text", f"{EVENT}/waitlist/x%00/remove/", {}),
    # Duplicating an event (a new draft): its title, its new start, vouchers or not.
    *(
        _owner(f"duplicate {name}", f"{EVENT}/duplicate/", body)
        for name, body in (
            ("start missing", {"title": "Copy"}),
            ("start NUL", {"starts_at": "2031-05-01T19:00\x00"}),
            ("start year 9999", {"starts_at": "9999-12-31T23:00"}),
            ("start before 2000 in UTC", {"starts_at": "2000-01-01T00:30"}),
            ("start NaN", {"starts_at": "NaN"}),
            ("start number", {"starts_at": 1e308}),
            ("start list", {"starts_at": ["2031-05-01T19:00"]}),
            ("title NUL", {"title": "Co\x00py", "starts_at": "2031-05-01T19:00"}),
            ("title too long", {"title": "x" * 201, "starts_at": "2031-05-01T19:00"}),
            ("title object", {"title": {"a": 1}, "starts_at": "2031-05-01T19:00"}),
        )
    ),
    _owner(
        "duplicate title line break",
        f"{EVENT}/duplicate/",
        {"title": "Two\r\nlines", "starts_at": "2031-05-01T19:00"},
        outcome="cleaned",
    ),
    Case("§2.5", "duplicate deep JSON", "post", f"{EVENT}/duplicate/", raw=DEEP, who="owner"),
    *(
        _api(f"api duplicate {name}", "post", f"{API_EVENT}/duplicate", body)
        for name, body in (
            ("start missing", {"title": "Copy"}),
            ("start NUL", {"starts_at": "2031-05-01T19:00:00\x00"}),
            ("start year 9999", {"starts_at": "9999-12-31T23:00:00-10:00"}),
            ("start naive before 2000 in UTC", {"starts_at": "2000-01-01T00:30:00"}),
            ("start number", {"starts_at": 2**70}),
            ("title NUL", {"title": "Co\x00py", "starts_at": "2031-05-01T19:00:00Z"}),
            ("title too long", {"title": "x" * 201, "starts_at": "2031-05-01T19:00:00Z"}),
            ("vouchers object", {"copy_vouchers": {"a": 1}, "starts_at": "2031-05-01T19:00:00Z"}),
        )
    ),
    Case("§2.6", "api duplicate deep JSON", "post", f"{API_EVENT}/duplicate", raw=DEEP, who="token"),
    Case(
        "§2.6",
        "api duplicate NaN",
        "post",
        f"{API_EVENT}/duplicate",
        raw='{"starts_at": NaN}',
        who="token",
    ),
    *(
        _owner(f"email text {name}", f"{EVENT}/emails/confirmation/", body)
        for name, body in (
            ("subject NUL", {"subject": "Hi\x00", "body": "ok"}),
            ("body NUL", {"subject": "Hi", "body": "ok\x00"}),
            ("subject long", {"subject": "x" * 201, "body": "ok"}),
            ("body long", {"subject": "Hi", "body": "x" * 10_001}),
            ("subject list", {"subject": ["a"], "body": "ok"}),
            ("body object", {"subject": "Hi", "body": {"a": 1}}),
            ("unknown placeholder", {"subject": "Hi {nope}", "body": "ok"}),
            ("placeholder of another email", {"subject": "Hi", "body": "{offer_url}"}),
            ("format spec", {"subject": "Hi {buyer_name:>99999999}", "body": "ok"}),
            ("attribute lookup", {"subject": "Hi", "body": "{buyer_name.__class__}"}),
            ("brace open", {"subject": "Hi", "body": "{"}),
            ("empty", {"subject": "", "body": ""}),
        )
    ),
    _owner("email text unknown kind", f"{EVENT}/emails/nope/", {"subject": "Hi", "body": "ok"}),
    _owner("email text kind NUL", f"{EVENT}/emails/a%00b/reset/", {}),
    _owner("email text kind long", f"{EVENT}/emails/{'x' * 5000}/", {"subject": "Hi", "body": "ok"}),
    _owner("email preview NUL", f"{EVENT}/emails/confirmation/preview/", {"subject": "x\x00", "body": "y"}),
    _owner("email preview deep JSON", f"{EVENT}/emails/confirmation/preview/", {"subject": [[[[["x"]]]]]}),
    *(
        _owner(f"reminder hours {name}", f"{EVENT}/emails/reminder-hours/", {"hours_before": value})
        for name, value in (("NaN", "NaN"), ("huge", 2**70), ("zero", 0), ("NUL", "1\x00"), ("list", [1]))
    ),
    *(
        _owner(f"message {name}", f"{EVENT}/messages/", {**MESSAGE, **change})
        for name, change in (
            ("subject NUL", {"subject": "a\x00"}),
            ("body long", {"body": "x" * 10_001}),
            ("unknown placeholder", {"body": "{offer_url}"}),
            ("status unknown", {"statuses": ["nope"]}),
            ("statuses text", {"statuses": "paid"}),
            ("no status", {"statuses": []}),
            ("date huge", {"date": 2**70}),
            ("date NaN", {"date": "NaN"}),
            ("date of another event", {"date": 999_999}),
            ("ticket type NUL", {"ticket_type": "1\x00"}),
            ("ticket type huge", {"ticket_type": 2**70}),
            ("check-in unknown", {"checked_in": "maybe"}),
        )
    ),
    _owner("message preview far date", f"{EVENT}/messages/preview/", {**MESSAGE, "date": "1e999"}),
    # The shop widget (storefront/embed.py): the embedded checkout reads what the site's does.
    Case(
        "batch: widget",
        "embedded hold quantity NaN",
        "post",
        "/embed/events/gig/hold/",
        raw='{"quantities": {"{type}": NaN}}',
    ),
    Case("batch: widget", "embedded hold deep JSON", "post", "/embed/events/gig/hold/", raw=DEEP),
    Case(
        "batch: widget",
        "embedded hold date huge",
        "post",
        "/embed/events/gig/hold/",
        {"date": 2**70, "quantities": {"{type}": 1}},
    ),
    Case(
        "batch: widget",
        "embedded checkout name NUL",
        "post",
        "/embed/checkout/{hold}/",
        _checkout(name="A\x00"),
    ),
    Case(
        "batch: widget",
        "embedded checkout email long",
        "post",
        "/embed/checkout/{hold}/",
        _checkout(email="a" * 5000 + "@example.com"),
    ),
    Case(
        "batch: widget",
        "embedded checkout deep JSON",
        "post",
        "/embed/checkout/{hold}/",
        raw=_checkout_raw(DEEP_ANSWER * 10),
    ),
    Case("batch: widget", "embedded event date NUL", "get", "/embed/events/gig/?date=1%00"),
    Case("batch: widget", "embedded order code long", "get", "/embed/orders/" + "A" * 5000 + "/x/"),
    Case("batch: widget", "embedded confirm link forged", "get", "/embed/orders/{code}/confirm/not-a-token/"),
    _owner("widget websites NUL", "/manage/acme/widget/", {"embed_origins": "https://a\x00.example"}),
    _owner(
        "widget websites long", "/manage/acme/widget/", {"embed_origins": "https://" + "a" * 20_000 + ".org"}
    ),
    _owner("widget websites list", "/manage/acme/widget/", {"embed_origins": ["https://a.example"]}),
    _owner("widget websites NaN", "/manage/acme/widget/", {"embed_origins": float("nan")}),
    _owner("widget websites path", "/manage/acme/widget/", {"embed_origins": "https://a.example/shop"}),
    _owner("widget websites script", "/manage/acme/widget/", {"embed_origins": "javascript:alert(1)"}),
    _owner(
        "widget websites too many",
        "/manage/acme/widget/",
        {"embed_origins": "\n".join(f"https://s{n}.example" for n in range(50))},
    ),
    # Translated content (core.translated, ADR 0035): the fixture's event is in English and
    # German; every map is checked like the fields it translates, on the form and the API.
    *(
        _owner(f"event translations {name}", f"{EVENT}/", {**VALID_EVENT, **change})
        for name, change in TRANSLATION_CHANGES
    ),
    *(
        _owner(f"event languages {name}", f"{EVENT}/", {**VALID_EVENT, **change})
        for name, change in LANGUAGE_CHANGES
    ),
    _owner(
        "event translations title line break",
        f"{EVENT}/",
        {**VALID_EVENT, "translations": {"de": {"title": "Zwei\r\nZeilen"}}},
        outcome="cleaned",
    ),
    Case("§2.5", "event translations deep JSON", "post", f"{EVENT}/", raw=_event_raw(DEEP), who="owner"),
    *(
        _owner(f"ticket type translations {name}", f"{EVENT}/ticket-types/", {**TYPE_BODY, **change})
        for name, change in TRANSLATION_CHANGES
        if "title" not in json.dumps(change)
    ),
    _owner(
        "ticket type translations name NUL",
        f"{EVENT}/ticket-types/",
        {**TYPE_BODY, "translations": {"de": {"name": "B\x00"}}},
    ),
    _owner(
        "ticket type translations name too long",
        f"{EVENT}/ticket-types/",
        {**TYPE_BODY, "translations": {"de": {"name": "x" * 121}}},
    ),
    *(
        _api(f"api event translations {name}", "patch", API_EVENT, change)
        for name, change in TRANSLATION_CHANGES
    ),
    _api("api event locale NUL", "patch", API_EVENT, {"locale": "d\x00"}),
    _api("api event locale unknown", "patch", API_EVENT, {"locale": "xx"}),
    _api("api event locales huge", "patch", API_EVENT, {"locales": ["de"] * 1000}),
    _api(
        "api ticket type translations NUL",
        "patch",
        f"{API_EVENT}/ticket-types/{{type}}",
        {"translations": {"de": {"description": "a\x00b"}}},
    ),
    Case(
        "§2.6",
        "api event translations deep JSON",
        "patch",
        API_EVENT,
        raw='{"translations": ' + DEEP + "}",
        who="token",
    ),
    *(
        _owner(
            f"question translations {name}",
            f"{QUESTIONS}/new/",
            {"label": "Diet", "kind": "single_choice", "scope": "order", "choices": "Meat\nFish", **change},
        )
        for name, change in (
            ("label NUL", {"translations": {"de": {"label": "Di\x00t"}}}),
            ("help too long", {"translations": {"de": {"help_text": "x" * 501}}}),
            ("choices too few", {"translations": {"de": {"choices": "Fleisch"}}}),
            ("choices NUL", {"translations": {"de": {"choices": ["Fleisch", "F\x00sch"]}}}),
            ("choices nested", {"translations": {"de": {"choices": [["Fleisch"], ["Fisch"]]}}}),
            ("language not enabled", {"translations": {"fr": {"label": "Régime"}}}),
        )
    ),
    _owner(
        "email text language NUL",
        f"{EVENT}/emails/confirmation/",
        {"subject": "Hallo", "body": "ok", "locale": "d\x00"},
    ),
    _owner(
        "email text language not enabled",
        f"{EVENT}/emails/confirmation/",
        {"subject": "Bonjour", "body": "ok", "locale": "fr"},
    ),
    _owner(
        "email text translation NUL",
        f"{EVENT}/emails/confirmation/",
        {"subject": "Hallo", "body": "o\x00k", "locale": "de"},
    ),
    _owner("email text reset language NUL", f"{EVENT}/emails/confirmation/reset/", {"locale": "d\x00"}),
]

# The door's scanner devices: the back office's device form, pairing, and a paired device's
# scans, uploads and change feed (api/door.py).
DEVICES = f"{EVENT}/devices/"
NONCE = "5d0c2a4e-8f35-4b5e-9c4b-0c7f7d6c2a11"
OFFLINE_SCAN = {
    "nonce": NONCE,
    "key": "0" * 64,
    "list_id": "{list}",
    "scanned_at": "2026-06-01T20:00:00+02:00",
}


def _device(name: str, method: str, path: str, body: Any = None, outcome: str = "refused", **kw: Any) -> Case:
    """A paired scanner device's request (its own token)."""
    return Case("batch: door", name, method, path, body, who="device", outcome=outcome, **kw)


def _upload(**changes: Any) -> dict[str, Any]:
    return {"scans": [{**OFFLINE_SCAN, **changes}]}


CASES += [
    _owner("device name NUL", DEVICES, {"name": "Pho\x00ne", "gate": "A", "all_lists": True}),
    _owner("device name 101", DEVICES, {"name": "x" * 101, "gate": "A", "all_lists": True}),
    _owner(
        "device gate line break", DEVICES, {"name": "Phone", "gate": "A\nB", "all_lists": True}, "cleaned"
    ),
    _owner("device gate list", DEVICES, {"name": "Phone", "gate": ["A"], "all_lists": True}),
    _owner("device lists NUL id", DEVICES, {"name": "Phone", "gate": "A", "lists": ["1\x00"]}),
    _owner("device lists 2^70", DEVICES, {"name": "Phone", "gate": "A", "lists": [2**70]}),
    _owner("device no list", DEVICES, {"name": "Phone", "gate": "A", "all_lists": False, "lists": []}),
    _owner("device revoke NUL id", DEVICES, {"action": "revoke", "id": "1\x00"}),
    _owner("device pairing code unknown id", DEVICES, {"action": "pairing_code", "id": 2**70}),
    Case("batch: door", "pair NUL", "post", "/api/v1/door/pair", {"code": "ABCD\x00EFGHJKMN"}),
    Case("batch: door", "pair 5000", "post", "/api/v1/door/pair", {"code": "A" * 5000}),
    Case("batch: door", "pair list", "post", "/api/v1/door/pair", {"code": ["ABCDEFGHJKMN"]}),
    Case("batch: door", "pair unknown", "post", "/api/v1/door/pair", {"code": "ABCD-EFGH-JKMN"}),
    Case("batch: door", "pair deep JSON", "post", "/api/v1/door/pair", raw='{"code": ' + "[" * 100_000 + "}"),
    Case("batch: door", "device without token", "get", "/api/v1/door/device"),
    _device("changes cursor NUL", "get", "/api/v1/door/lists/{list}/changes?cursor=v1.0.0.0%00"),
    _device("changes cursor huge", "get", "/api/v1/door/lists/{list}/changes?cursor=v1." + "9" * 90 + ".0.0"),
    _device("snapshot after NaN", "get", "/api/v1/door/lists/{list}/snapshot?after=NaN"),
    _device("snapshot after 2^70", "get", "/api/v1/door/lists/{list}/snapshot?after=1180591620717411303424"),
    _device("snapshot limit 0", "get", "/api/v1/door/lists/{list}/snapshot?limit=0"),
    _device("snapshot other list", "get", "/api/v1/door/lists/999999/snapshot"),
    _device(
        "scan secret NUL",
        "post",
        "/api/v1/door/lists/{list}/scan",
        {"secret": "ab\x00cd" * 4, "nonce": NONCE},
        "answered",
    ),
    _device(
        "scan nonce text", "post", "/api/v1/door/lists/{list}/scan", {"secret": "{secret}", "nonce": "x"}
    ),
    _device(
        "scan kind",
        "post",
        "/api/v1/door/lists/{list}/scan",
        {"secret": "{secret}", "nonce": NONCE, "kind": "teleport"},
    ),
    _device("scan neither", "post", "/api/v1/door/lists/{list}/scan", {"nonce": NONCE}),
    _device("order code NUL", "post", "/api/v1/door/lists/{list}/orders", {"code": "AB\x00CD"}),
    _device("upload key NUL", "post", "/api/v1/door/scans", _upload(key="\x00" * 64)),
    _device("upload key short", "post", "/api/v1/door/scans", _upload(key="abc")),
    _device("upload nonce NUL", "post", "/api/v1/door/scans", _upload(nonce="\x00")),
    _device("upload list 2^70", "post", "/api/v1/door/scans", _upload(list_id=2**70)),
    _device(
        "upload time far",
        "post",
        "/api/v1/door/scans",
        _upload(scanned_at="9999-12-31T23:59:59+00:00"),
        "answered",
    ),
    _device(
        "upload time naive",
        "post",
        "/api/v1/door/scans",
        _upload(scanned_at="2026-06-01T20:00:00"),
        "answered",
    ),
    _device(
        "upload time NaN",
        "post",
        "/api/v1/door/scans",
        raw='{"scans": [{"nonce": "'
        + NONCE
        + '", "key": "'
        + "0" * 64
        + '", "list_id": 1, "scanned_at": NaN}]}',
    ),
    _device("upload 501 scans", "post", "/api/v1/door/scans", {"scans": [OFFLINE_SCAN] * 501}),
    _device("upload scans object", "post", "/api/v1/door/scans", {"scans": {"a": OFFLINE_SCAN}}),
    _device("upload deep JSON", "post", "/api/v1/door/scans", raw='{"scans": ' + "[" * 100_000 + "}"),
]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.PURCHASE_RATE_LIMIT = 0
    settings.API_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"


@pytest.fixture
def shop() -> dict[str, Any]:
    organizer = make_organizer(slug="acme")
    # Buyers may change attendee names (until the start), so those requests reach the rules.
    event = make_event(organizer=organizer, slug="gig", name_change_deadline_hours=0, locales=["en", "de"])
    ticket_type = make_ticket_type(event, name="A", price=Decimal("10.00"), capacity=50)
    date = only_date(event)
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    paid = purchase.place_order(date, {ticket_type.pk: 2}, details, base_url="http://testserver/").order
    offline = pricing.BuyerDetails(name="Bo", email="bo@example.com", payment_method="offline")
    pending = purchase.place_order(date, {ticket_type.pk: 1}, offline, base_url="http://testserver/").order
    hold = purchase.start_checkout(date, {ticket_type.pk: 1}, "")
    waited_for = make_ticket_type(event, name="W", price=Decimal("10.00"), capacity=0)
    WaitlistSettings.objects.create(event=event, enabled=True)
    asked = {
        kind: questions.add_question(Question(event=event, label=kind, kind=kind), []).pk
        for kind in (Question.Kind.TEXT, Question.Kind.NUMBER, Question.Kind.DATE)
    }
    _, token = tokens.create_token(organizer=organizer, name="t", role="manager", created_by=None)
    owner = Client()
    owner.force_login(make_member(organizer, role=Membership.Role.OWNER))
    door = Client()
    door.force_login(make_member(organizer, role=Membership.Role.DOOR_STAFF))
    # A paired scanner device; its list's snapshot registered the tickets' door keys.
    _, pairing_code = devices.create_device(event, name="Phone", gate="A", lists=None, actor=None)
    paired = devices.pair(pairing_code)
    assert paired is not None
    sync.snapshot(door_list(event))
    return {
        "clients": {
            "owner": owner,
            "door": door,
            "device": Client(headers={"Authorization": f"Bearer {paired[1]}"}),
        },
        "token": token,
        "values": {
            "slug": event.slug,
            "code": paid.code,
            "secret": paid.secret,
            "pending": pending.code,
            "hold": str(hold.token),
            "list": str(door_list(event).pk),
            "ticket": str(paid.tickets.first().pk),  # type: ignore[union-attr]
            "type": str(ticket_type.pk),
            "wtype": str(waited_for.pk),
            "text_q": str(asked[Question.Kind.TEXT]),
            "number_q": str(asked[Question.Kind.NUMBER]),
            "date_q": str(asked[Question.Kind.DATE]),
        },
    }


def _fill(value: Any, values: dict[str, str]) -> Any:
    """``value`` with the fixture's {names} filled in (in strings, and in dict keys)."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and values.get(value[1:-1], "").isdigit():
            return int(values[value[1:-1]])  # an id, as a JSON integer
        for name, real in values.items():
            value = value.replace("{" + name + "}", real)
        return value
    if isinstance(value, dict):
        return {_fill(k, values): _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def snapshot() -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    return (
        list(
            Order.objects.order_by("id").values_list(
                "code", "status", "buyer_name", "refunded_amount", "answers"
            )
        ),
        list(Ticket.objects.order_by("id").values_list("id", "attendee_name", "voided_at")),
        list(Hold.objects.order_by("id").values_list("id", "status")),
        Payment.objects.count(),
        Refund.objects.count(),
        AuditEntry.objects.count(),
        CheckIn.objects.count(),
        list(CheckInList.objects.values_list("id", "name")),
        list(ScannerDevice.objects.values_list("id", "name", "gate", "token_hash", "revoked_at")),
        list(ApiToken.objects.values_list("id", "name", "revoked_at")),
        Invitation.objects.count(),
        list(
            Event.objects.values_list(
                "id", "title", "description", "capacity", "locale", "locales", "translations"
            )
        ),
        list(TicketType.objects.values_list("id", "name", "price", "capacity", "translations")),
        Voucher.objects.count(),
        Entry.objects.count(),
        list(WaitlistSettings.objects.values_list("enabled", "offer_hours")),
        list(
            Question.objects.order_by("id").values_list(
                "id", "label", "kind", "choices", "position", "translations"
            )
        ),
        list(AnswerSettings.objects.values_list("event_id", "buyers_edit", "buyer_edit_hours_before")),
        list(EmailText.objects.values_list("kind", "subject", "body", "translations")),
        list(ReminderSettings.objects.values_list("event_id", "hours_before")),
        Message.objects.count(),
    )


def send(case: Case, shop: dict[str, Any]) -> Any:
    values = shop["values"]
    path = _fill(case.path, values)
    headers = dict(case.headers)
    client = shop["clients"].get(case.who) or Client()
    if case.who == "token":
        headers["Authorization"] = f"Bearer {shop['token']}"
    if not path.startswith("/api/") and case.who != "stripe":
        headers.update(INERTIA)
    if case.body is None and case.raw is None:
        return getattr(client, case.method)(path, headers=headers)
    if case.raw is not None:
        data: str | bytes = _fill(case.raw, values)
        if "\udcff" in data:
            data = b'{"email": "\xff"}'
    else:
        data = json.dumps(_fill(case.body, values))
    if case.who == "stripe":
        body = data.encode() if isinstance(data, str) else data
        headers["Stripe-Signature"] = signed(body, timestamp=int(time.time()))
    return getattr(client, case.method)(path, data, content_type=case.content_type, headers=headers)


def assert_readable_refusal(response: Any, path: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    content_type = response.get("Content-Type", "")
    if path.startswith("/api/"):
        assert content_type == "application/problem+json", content_type
        assert response.json()["detail"]
        return
    if content_type.startswith("application/json"):  # an Inertia page, or a JSON preview's errors
        page = response.json()
        if "component" not in page:
            assert page["errors"], page
        elif page["component"] == "Error":
            assert page["props"]["message"] or response.status_code == 404
        else:
            assert page["props"]["errors"] or response.status_code == 410, page["props"]["errors"]
    else:
        assert response.content.strip(), "an empty body"


def stored_text() -> list[str]:
    """The names, titles, reasons and references stored, to check for control characters."""
    from accounts.models import User

    columns: list[tuple[type[Model], tuple[str, ...]]] = [
        (Order, ("buyer_name", "buyer_email")),
        (Ticket, ("attendee_name",)),
        (Refund, ("reason",)),
        (Payment, ("reference",)),
        (Event, ("title", "description")),
        (TicketType, ("name",)),
        (Organizer, ("name",)),
        (User, ("full_name", "email")),
        (Entry, ("email",)),
        (ScannerDevice, ("name", "gate")),
    ]
    rows = [row for model, names in columns for row in model._default_manager.values_list(*names)]
    translated = [
        text
        for model in (Event, TicketType, Question, EmailText)
        for stored in model._default_manager.values_list("translations", flat=True)
        for fields in (stored or {}).values()
        for value in fields.values()
        for text in (value if isinstance(value, list) else [value])
    ]
    return [str(value) for row in rows for value in row] + [str(text) for text in translated]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.item} {c.name}" for c in CASES])
def test_hostile_request_is_refused_readably_and_writes_nothing(shop, case):
    before = snapshot()
    response = send(case, shop)
    if case.outcome == "cleaned":
        assert response.status_code < 500, response.content[:500]
        if response.status_code >= 400:
            assert_readable_refusal(response, case.path)
        assert not [t for t in stored_text() if re.search("[\x00-\x08\x0b-\x1f\x7f]", t)]
        return
    if case.outcome == "answered" and response.status_code == 200:
        assert response.content
    else:
        assert_readable_refusal(response, case.path)
    assert snapshot() == before


def test_a_stored_organizer_name_with_a_line_break_does_not_break_invitations(shop, mailoutbox):
    """§2.10: a name saved before names were cleaned on input, then a member invited."""
    Organizer.objects.filter(slug="acme").update(name="Acme\nBcc: victim@example.com")
    invite = {"email": "bo@example.com", "role": "manager"}
    response = send(Case("§2.10", "invite", "post", "/manage/acme/members/", invite, who="owner"), shop)
    assert response.status_code == 302
    (sent,) = mailoutbox
    assert sent.subject == "Join Acme Bcc: victim@example.com on Maticko"
    assert sent.message()["Bcc"] is None


@pytest.mark.django_db(transaction=True)  # a payment page is never opened inside a transaction
def test_stripe_unreachable_is_a_503_problem_naming_the_order(shop, settings):
    """§2.9: the order is written first and keeps its tickets; its page retries the payment."""
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.STRIPE_API_BASE = closed_port()
    body = _fill(_purchase(payment_method="stripe"), shop["values"])
    response = Client().post("/api/v1/events/gig/orders", json.dumps(body), content_type="application/json")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["detail"]
    assert Order.objects.filter(code=problem["order_code"], status=Order.Status.PENDING).exists()

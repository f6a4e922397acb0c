"""The input rules of core/input.py, and the API's answers that rest on them: strict ids and
decimals, text without control characters, strict and bounded JSON, problem documents for
every API error (an unexpected one included), JSON-only API writes, and a token-less
purchase that never belongs to the session's user."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Annotated

import pytest
from django.test import Client
from pydantic import BaseModel, ValidationError

from core.input import (
    MAX_ID,
    MAX_JSON_DEPTH,
    Id,
    InputError,
    NameRules,
    TextRules,
    check_text,
    is_ip_literal,
    load_json,
    parse_decimal,
    parse_id,
    text_problem,
)
from sales.models import Order
from tests.factories import make_event, make_ticket_type, make_user, only_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (7, 7),
        (str(MAX_ID), MAX_ID),
        (MAX_ID, MAX_ID),
        ("0", None),
        (0, None),
        (-1, None),
        ("-1", None),
        (str(MAX_ID + 1), None),
        (MAX_ID + 1, None),
        ("9" * 300, None),
        ("1.5", None),
        (1.5, None),
        (1.0, None),
        (True, None),
        (" 1", 1),  # a query string's spaces around it
        ("1 ", 1),
        ("1 2", None),
        ("\u0661", None),  # an Arabic-Indic one
        ("²", None),
        ("1e3", None),
        ("0x1", None),
        ("1\x00", None),
        ("", None),
        (None, None),
        ([1], None),
        ({"id": 1}, None),
    ],
)
def test_parse_id_takes_digits_naming_a_64_bit_row_only(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.50", Decimal("12.50")), (3, Decimal("3")), ("0", Decimal("0")), (" 1.5 ", Decimal("1.5"))],
)
def test_parse_decimal_takes_finite_bounded_amounts(value, expected):
    assert parse_decimal(value) == expected


@pytest.mark.parametrize(
    "value",
    ["NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e999999", 1e308, "9" * 100, "0.001", "", "abc",
     "1\x00", True, None, [1], {"a": 1}],
)  # fmt: skip
def test_parse_decimal_refuses_what_is_not_an_amount(value):
    with pytest.raises(InputError):
        parse_decimal(value)


def test_parse_decimal_minimum_and_places():
    assert parse_decimal("1.234", places=3) == Decimal("1.234")
    with pytest.raises(InputError, match="at least 0"):
        parse_decimal("-1", minimum=Decimal("0"))
    with pytest.raises(InputError, match="below 10000000000"):
        parse_decimal("10000000000")


@pytest.mark.parametrize(
    ("value", "multiline", "refused"),
    [
        ("Ana", False, False),
        ("a\x00b", False, True),
        ("a\x00b", True, True),
        ("a\x1bb", True, True),
        ("a\x7fb", True, True),
        ("a\nb", False, True),
        ("a\r\nb", False, True),
        ("a\u2028b", False, True),
        ("a\nb\tc\r\n", True, False),
        ("Žluťoučký kůň 🐎", False, False),
    ],
)
def test_text_refuses_nul_and_control_characters(value, multiline, refused):
    assert bool(text_problem(value, multiline=multiline)) == refused


def test_text_length_and_type():
    assert check_text("abc", max_length=3) == "abc"
    with pytest.raises(InputError, match="at most 3"):
        check_text("abcd", max_length=3)
    with pytest.raises(InputError, match="text"):
        check_text(12)


@pytest.mark.parametrize(
    ("email", "literal"),
    [
        ("a@[127.0.0.1]", True),
        ("a@127.0.0.1", True),
        ("a@[IPv6:::1]", True),
        ("a@::1", True),
        ("a@example.com", False),
        ("a@1example.com", False),
    ],
)
def test_ip_literal_email_domains(email, literal):
    assert is_ip_literal(email) == literal


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1),
        "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
        '{"a": NaN}',
        '{"a": Infinity}',
        '{"a": -Infinity}',
        '{"a": 1e999}',
        "{",
        b'{"a": "\xff"}',
    ],
)
def test_load_json_is_strict_and_bounded(body):
    with pytest.raises(InputError):
        load_json(body)


def test_load_json_takes_ordinary_bodies():
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert load_json(nested) is not None
    assert load_json('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}


class _Schema(BaseModel):
    id: Id
    code: Annotated[str, TextRules(5)]
    note: Annotated[str, TextRules(20, multiline=True)] = ""
    name: Annotated[str, NameRules(5)] = "x"


@pytest.mark.parametrize(
    "data",
    [
        {"id": "1", "code": "a"},
        {"id": 1.5, "code": "a"},
        {"id": True, "code": "a"},
        {"id": 0, "code": "a"},
        {"id": 2**63, "code": "a"},
        {"id": 1, "code": "a\x00"},
        {"id": 1, "code": "a\nb"},
        {"id": 1, "code": "abcdef"},
        {"id": 1, "code": 5},
        {"id": 1, "code": "a", "note": "x\x00"},
        {"id": 1, "code": "a", "name": "abcdefg"},
    ],
)
def test_schema_types_refuse(data):
    with pytest.raises(ValidationError):
        _Schema(**data)


def test_schema_types_accept_and_clean():
    parsed = _Schema(id=1, code="ab", note="line\nline", name="A\r\nB")
    assert (parsed.id, parsed.note, parsed.name) == (1, "line\nline", "A B")


# --- the API's answers ------------------------------------------------------------------------


@pytest.fixture
def gig(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    event = make_event(slug="gig")
    make_ticket_type(event, price=Decimal("0.00"), capacity=10)
    return event


def _purchase_body(event) -> dict:
    return {
        "date": only_date(event).pk,
        "lines": [{"ticket_type_id": event.ticket_types.get().pk, "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_api_writes_must_be_json(gig, content_type):
    response = Client().post(
        "/api/v1/events/gig/orders",
        json.dumps(_purchase_body(gig)),
        content_type=content_type,
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"
    assert "application/json" in response.json()["detail"]
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_the_purchase_api_never_attaches_the_order_to_the_session_user(gig):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(email="mallory@example.com"))
    response = client.post(
        "/api/v1/events/gig/orders", json.dumps(_purchase_body(gig)), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Order.objects.get().user is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("[" * 100_000, "deeper"),
        ('{"lines": NaN}', "NaN"),
        ('{"lines": [{"ticket_type_id": 1, "quantity": 1e999}]}', "finite"),
        ("{", "not valid JSON"),
    ],
)
def test_api_bodies_that_do_not_parse_are_400_problems(gig, raw, detail):
    response = Client().post("/api/v1/events/gig/orders", raw, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert detail in response.json()["detail"]


@pytest.mark.django_db
def test_an_unexpected_api_error_is_a_logged_500_problem_without_details(gig, monkeypatch, caplog):
    from api import public

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(public, "_public_event", broken)
    with caplog.at_level(logging.ERROR):
        response = Client().get("/api/v1/events/gig")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "secret internals" not in response.content.decode()
    assert response.json()["detail"]
    logged = [r for r in caplog.records if r.exc_info]
    assert logged
    assert "secret internals" in str(logged[0].exc_info[1])


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/events/x%00y", "/api/v1/orders/AB%01CD?secret=x"])
def test_control_characters_in_an_api_path_name_nothing(path):
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_control_characters_in_a_page_path_name_nothing(settings):
    settings.INERTIA_VERSION = "0.1.0"
    response = Client().get("/invitations/a%00/", headers={"X-Inertia": "true", "X-Inertia-Version": "0.1.0"})
    assert response.status_code == 404
    assert response.json()["component"] == "Error"


@pytest.mark.django_db
def test_an_empty_form_is_no_body_but_not_json_either(gig):
    # The test client's empty multipart form: no fields, so the middleware lets it pass,
    # and an operation that takes a body refuses it.
    response = Client().post("/api/v1/events/gig/orders")
    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["a@[127.0.0.1]", "a@127.0.0.1"])
def test_ip_literal_buyer_emails_are_refused(gig, email):
    body = _purchase_body(gig) | {"buyer": {"name": "Ana", "email": email}}
    response = Client().post("/api/v1/events/gig/orders", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "email"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "line",
    [
        {"ticket_type_id": "1", "quantity": 1},
        {"ticket_type_id": " 1 ", "quantity": 1},
        {"ticket_type_id": True, "quantity": 1},
        {"ticket_type_id": 1, "quantity": 1.5},
        {"ticket_type_id": 1, "quantity": True},
        {"ticket_type_id": 1, "quantity": "1"},
    ],
)
def test_ids_and_quantities_are_strict_integers(gig, line):
    body = _purchase_body(gig) | {"lines": [line]}
    response = Client().post("/api/v1/events/gig/orders", json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.content
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [1.5, True, "1", [1]])
def test_web_hold_quantities_are_strict_integers(gig, quantity, settings):
    settings.INERTIA_VERSION = "0.1.0"
    response = Client().post(
        "/events/gig/hold/",
        json.dumps({"quantities": {str(gig.ticket_types.get().pk): quantity}}),
        content_type="application/json",
        headers={"X-Inertia": "true", "X-Inertia-Version": "0.1.0"},
    )
    assert response.status_code == 422
    assert response.json()["props"]["errors"]["quantities"]

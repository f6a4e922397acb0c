"""Logging in and out through Inertia form posts, with CSRF enforced."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION}


def csrf_client() -> tuple[Client, str]:
    """A client that enforces CSRF, with the token Inertia would read from the cookie."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    return client, client.cookies[settings.CSRF_COOKIE_NAME].value


def post_json(client: Client, path: str, data: object, token: str | None):
    headers = dict(INERTIA)
    if token:
        headers["X-XSRF-TOKEN"] = token
    return client.post(path, data=json.dumps(data), content_type="application/json", headers=headers)


def test_login_with_the_inertia_csrf_header_logs_in_and_flashes():
    make_user(email="ana@example.com", password="s3cret-pass-word")
    client, token = csrf_client()

    response = post_json(
        client, "/accounts/login/", {"email": "ana@example.com", "password": "s3cret-pass-word"}, token
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/", headers=INERTIA).json()
    assert page["props"]["auth"]["user"]["email"] == "ana@example.com"
    assert page["flash"] == {"messages": [{"level": "success", "message": "You are logged in."}]}


def test_login_without_csrf_token_is_refused():
    make_user(email="ana@example.com", password="s3cret-pass-word")
    client, _ = csrf_client()
    response = post_json(
        client, "/accounts/login/", {"email": "ana@example.com", "password": "s3cret-pass-word"}, None
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_wrong_password_answers_422_with_a_form_error():
    make_user(email="ana@example.com", password="s3cret-pass-word")
    client, token = csrf_client()
    response = post_json(client, "/accounts/login/", {"email": "ana@example.com", "password": "nope"}, token)
    assert response.status_code == 422
    page = response.json()
    assert page["component"] == "Auth/Login"
    assert "correct email and password" in page["props"]["errors"]["form"]


def test_missing_fields_are_reported_per_field():
    client, token = csrf_client()
    page = post_json(client, "/accounts/login/", {}, token).json()
    assert set(page["props"]["errors"]) == {"email", "password"}


@pytest.mark.parametrize("body", ["not json", "[1, 2]"])
def test_malformed_body_is_a_clear_error_not_a_500(body):
    client, token = csrf_client()
    response = client.post(
        "/accounts/login/",
        data=body,
        content_type="application/json",
        headers={**INERTIA, "X-XSRF-TOKEN": token},
    )
    assert response.status_code == 400
    assert response.json()["props"]["message"].startswith("The request body")


def test_login_never_redirects_off_site():
    make_user(email="ana@example.com", password="s3cret-pass-word")
    client, token = csrf_client()
    response = post_json(
        client,
        "/accounts/login/?next=https://evil.example.net/",
        {"email": "ana@example.com", "password": "s3cret-pass-word"},
        token,
    )
    assert response["Location"] == "/"


def test_logout_is_a_post_and_flashes():
    user = make_user()
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/", headers=INERTIA)
    assert response.status_code == 302
    page = client.get("/", headers=INERTIA).json()
    assert page["props"]["auth"]["user"] is None
    assert page["flash"]["messages"][0]["message"] == "You are logged out."


def signup_link(client: Client, token: str, email: str, next_url: str = "") -> str:
    """Sign up with ``email`` and return the path of the link the email carries."""
    path = "/accounts/signup/" + (f"?next={next_url}" if next_url else "")
    response = post_json(client, path, {"email": email}, token)
    assert response.status_code == 302
    found = re.search(r"http://testserver(/accounts/signup/confirm/\?token=\S+)", str(mail.outbox[-1].body))
    assert found is not None
    return found.group(1)


def test_signup_emails_a_link_that_creates_the_account_and_logs_in():
    client, token = csrf_client()
    link = signup_link(client, token, "Ana@Example.com")
    assert mail.outbox[-1].to == ["ana@example.com"]
    assert not User.objects.exists()  # nothing is created before the address is proven
    page = client.get(link, headers=INERTIA).json()
    assert page["component"] == "Auth/SignupConfirm"
    assert page["props"]["valid"] is True
    assert page["props"]["email"] == "ana@example.com"

    response = post_json(client, link, {"full_name": "Ana Lovelace", "password": "a-long-pass-phrase"}, token)

    assert response.status_code == 302
    assert response["Location"] == "/manage/"
    page = client.get("/", headers=INERTIA).json()
    assert page["props"]["auth"]["user"] == {"email": "ana@example.com", "name": "Ana Lovelace"}
    # The link works once.
    assert client.get(link, headers=INERTIA).json()["props"]["valid"] is False


def test_signup_link_keeps_where_to_go_next_and_never_leaves_the_site():
    client, token = csrf_client()
    link = signup_link(client, token, "ana@example.com", next_url="/invitations/abc/")
    data = {"full_name": "Ana", "password": "a-long-pass-phrase"}
    assert post_json(client, link, data, token)["Location"] == "/invitations/abc/"
    other, other_token = csrf_client()
    link = signup_link(other, other_token, "bo@example.com", next_url="https://evil.example.net/")
    assert post_json(other, link, data, other_token)["Location"] == "/manage/"


def test_signup_asks_for_a_valid_email():
    client, token = csrf_client()
    response = post_json(client, "/accounts/signup/", {"email": "not-an-email"}, token)
    assert response.status_code == 422
    assert "valid email" in response.json()["props"]["errors"]["email"]
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"full_name": "A", "password": "123"}, "password", "too short"),
        ({"full_name": "A", "password": "Ab1!Ab1!"}, "password", "at least 12 characters"),
        ({"full_name": "A", "password": "password1234"}, "password", "too common"),
        ({"full_name": "A", "password": "ana.lovelace@example.com"}, "password", "too similar"),
        ({"full_name": "", "password": "a-long-pass-phrase"}, "full_name", "required"),
    ],
)
def test_signup_validates_the_password_and_name(data, field, message):
    client, token = csrf_client()
    link = signup_link(client, token, "ana.lovelace@example.com")
    response = post_json(client, link, data, token)
    assert response.status_code == 422
    assert message in response.json()["props"]["errors"][field]
    assert not User.objects.exists()


def test_login_is_rate_limited_with_a_clear_message():
    make_user(email="ana@example.com", password="s3cret-pass-word")
    client, token = csrf_client()
    for _ in range(5):
        assert (
            post_json(
                client, "/accounts/login/", {"email": "ana@example.com", "password": "x"}, token
            ).status_code
            == 422
        )
    response = post_json(
        client, "/accounts/login/", {"email": "ana@example.com", "password": "s3cret-pass-word"}, token
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["props"]["errors"]["form"].startswith("Too many login attempts. Try again in")
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked out by these attempts.
    make_user(email="bo@example.com", password="s3cret-pass-word")
    assert (
        post_json(
            client, "/accounts/login/", {"email": "bo@example.com", "password": "s3cret-pass-word"}, token
        ).status_code
        == 302
    )


def test_password_reset_by_email_then_log_in_with_the_new_password():
    make_user(email="ana@example.com", password="old-pass-phrase-1")
    client, token = csrf_client()
    response = post_json(client, "/accounts/password/reset/", {"email": "ana@example.com"}, token)
    assert response.status_code == 302
    (email,) = mail.outbox
    found = re.search(r"http://testserver(/accounts/password/reset/[^\s]+/)", str(email.body))
    assert found is not None
    path = found.group(1)
    assert client.get(path, headers=INERTIA).json()["props"]["valid"] is True
    assert post_json(client, path, {"password": "new-pass-phrase-2"}, token).status_code == 302
    # The link works once.
    assert client.get(path, headers=INERTIA).json()["props"]["valid"] is False
    assert authenticate(username="ana@example.com", password="new-pass-phrase-2") is not None


def test_password_reset_does_not_reveal_unknown_addresses():
    client, token = csrf_client()
    response = post_json(client, "/accounts/password/reset/", {"email": "nobody@example.com"}, token)
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_change_needs_the_current_password():
    user = make_user(email="ana@example.com", password="old-pass-phrase-1")
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        data=json.dumps({"current_password": "wrong", "new_password": "new-pass-phrase-2"}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert "incorrect" in response.json()["props"]["errors"]["current_password"]
    response = client.post(
        "/accounts/password/change/",
        data=json.dumps({"current_password": "old-pass-phrase-1", "new_password": "new-pass-phrase-2"}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert response.status_code == 302
    assert client.get("/manage/").status_code == 200  # still logged in
    assert authenticate(username="ana@example.com", password="new-pass-phrase-2") is not None

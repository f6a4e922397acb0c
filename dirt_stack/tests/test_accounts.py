"""Logging in and out through Inertia form posts, with CSRF enforced."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db

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

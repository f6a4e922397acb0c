"""Logins end after their idle and absolute timeouts; API tokens, role changes and organizer
settings need a recent password (and code). Time moves by rewriting the session's clocks."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import sessions
from accounts.models import ApiToken, Membership
from tests.factories import make_member, make_organizer, make_user
from tests.support.two_factor import INERTIA, code_for, enable, passed_second_factor, post

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def age(client: Client, **seconds_ago: int) -> None:
    """Move the session's clocks (``login_at``, ``login_seen_at``, ``login_authenticated_at``)
    into the past."""
    state = client.session
    for key, seconds in seconds_ago.items():
        state[key] = sessions.now() - seconds
    state.save()


@pytest.fixture
def member():
    organizer = make_organizer(slug="acme")
    user = make_member(organizer, role=Membership.Role.OWNER)
    client = Client()
    client.force_login(user)
    return user, client


def test_a_login_used_within_the_idle_timeout_stays_and_is_touched(member, settings):
    _, client = member
    age(client, login_seen_at=settings.SESSION_IDLE_TIMEOUT - 120, login_at=settings.SESSION_IDLE_TIMEOUT)
    assert client.get("/manage/").status_code == 200
    assert sessions.now() - client.session[sessions.SEEN_AT] < 5


def test_an_idle_login_ends(member, settings):
    _, client = member
    age(client, login_seen_at=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get("/manage/acme/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    page = client.get("/", headers=INERTIA).json()
    assert page["props"]["auth"]["user"] is None
    assert "without activity" in page["flash"]["messages"][0]["message"]


def test_an_active_login_ends_at_the_absolute_timeout(member, settings):
    _, client = member
    age(client, login_at=settings.SESSION_ABSOLUTE_TIMEOUT + 1, login_seen_at=10)
    assert client.get("/manage/")["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_login_without_clocks_is_ended(member):
    """Sessions from before the timeouts existed carry no clocks: they end at once."""
    _, client = member
    state = client.session
    del state[sessions.LOGGED_IN_AT]
    state.save()
    assert client.get("/manage/").status_code == 302


def test_timeouts_follow_the_settings(member, settings):
    _, client = member
    settings.SESSION_IDLE_TIMEOUT = 60
    age(client, login_seen_at=61)
    assert client.get("/manage/").status_code == 302


def test_the_session_cookie_lasts_the_absolute_timeout(settings):
    make_user(email="ana@example.com")
    client = Client()
    post(client, "/accounts/login/", {"email": "ana@example.com", "password": PASSWORD})
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_ABSOLUTE_TIMEOUT


def test_anonymous_sessions_are_not_logins():
    """A buyer's session has no login clocks and is never ended, however old."""
    client = Client()
    state = client.session
    state["kept"] = "a buyer's"
    state.save()
    assert client.get("/").status_code == 200
    assert client.session["kept"] == "a buyer's"
    assert sessions.LOGGED_IN_AT not in client.session


# --- Re-authentication --------------------------------------------------------------


def test_token_creation_needs_a_recent_password_then_goes_through(member, settings):
    _, client = member
    age(client, login_authenticated_at=settings.REAUTHENTICATION_TIMEOUT + 1)

    response = post(client, "/manage/acme/api-tokens/", {"name": "Scanner", "role": "door_staff"})
    assert response.status_code == 409
    assert response["X-Inertia-Location"] == "/accounts/confirm/?next=%2Fmanage%2Facme%2Fapi-tokens%2F"
    assert not ApiToken.objects.exists()
    plain = client.post("/manage/acme/api-tokens/", {"name": "Scanner", "role": "door_staff"})
    assert plain.status_code == 302
    assert plain["Location"] == "/accounts/confirm/?next=%2Fmanage%2Facme%2Fapi-tokens%2F"

    page = client.get(response["X-Inertia-Location"], headers=INERTIA).json()
    assert page["component"] == "Auth/Reauthenticate"
    assert page["props"] == {**page["props"], "next": "/manage/acme/api-tokens/", "needs_code": False}
    wrong = post(client, "/accounts/confirm/?next=/manage/acme/api-tokens/", {"password": "nope"})
    assert wrong.status_code == 422
    confirmed = post(client, "/accounts/confirm/?next=/manage/acme/api-tokens/", {"password": PASSWORD})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/manage/acme/api-tokens/"

    created = post(client, "/manage/acme/api-tokens/", {"name": "Scanner", "role": "door_staff"})
    assert created.status_code == 200
    assert created.json()["props"]["new_token"]
    assert ApiToken.objects.count() == 1


def test_revoking_a_token_needs_no_re_authentication(member, settings):
    user, client = member
    from accounts import tokens

    token, _ = tokens.create_token(
        organizer=user.memberships.get().organizer, name="t", role="door_staff", created_by=user
    )
    age(client, login_authenticated_at=settings.REAUTHENTICATION_TIMEOUT + 1)
    assert post(client, "/manage/acme/api-tokens/", {"action": "revoke", "id": token.pk}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_role_change_needs_a_recent_password(member, settings):
    user, client = member
    other = make_member(user.memberships.get().organizer, role=Membership.Role.DOOR_STAFF)
    target = Membership.objects.get(user=other)
    age(client, login_authenticated_at=settings.REAUTHENTICATION_TIMEOUT + 1)

    refused = post(client, f"/manage/acme/members/{target.pk}/", {"role": "manager"})
    assert refused.status_code == 409
    assert refused["X-Inertia-Location"] == "/accounts/confirm/?next=%2Fmanage%2Facme%2Fmembers%2F"
    target.refresh_from_db()
    assert target.role == Membership.Role.DOOR_STAFF

    post(client, "/accounts/confirm/?next=/manage/acme/members/", {"password": PASSWORD})
    assert post(client, f"/manage/acme/members/{target.pk}/", {"role": "manager"}).status_code == 302
    target.refresh_from_db()
    assert target.role == Membership.Role.MANAGER


def test_organizer_settings_need_a_recent_password_and_code_with_two_factor(member, settings):
    user, client = member
    device, _ = enable(user)
    passed_second_factor(client)
    age(client, login_authenticated_at=settings.REAUTHENTICATION_TIMEOUT + 1)
    data = {
        "name": "Renamed",
        "contact_email": "",
        "bank_transfer_details": "",
        "admit_unpaid_bank_transfers": False,
    }

    assert post(client, "/manage/acme/settings/", data).status_code == 409
    assert client.get("/accounts/confirm/", headers=INERTIA).json()["props"]["needs_code"] is True
    no_code = post(client, "/accounts/confirm/?next=/manage/acme/", {"password": PASSWORD})
    assert no_code.status_code == 422
    assert "code" in no_code.json()["props"]["errors"]
    ok = post(
        client, "/accounts/confirm/?next=/manage/acme/", {"password": PASSWORD, "code": code_for(device, 1)}
    )
    assert ok["Location"] == "/manage/acme/"
    assert post(client, "/manage/acme/settings/", data).status_code == 302
    assert user.memberships.get().organizer.name == "Renamed"


def test_re_authentication_never_returns_off_site(member):
    _, client = member
    response = post(client, "/accounts/confirm/?next=https://evil.example/", {"password": PASSWORD})
    assert response["Location"] == "/manage/"


@pytest.mark.parametrize("password", ["a\x00b", "x" * 5000, 12345, ["p"], None])
def test_hostile_passwords_are_refused_with_422(member, password):
    _, client = member
    response = post(client, "/accounts/confirm/", {"password": password})
    assert response.status_code == 422
    assert response.json()["props"]["errors"]["password"]


def test_re_authentication_is_throttled_per_account(member):
    _, client = member
    for _ in range(5):
        assert post(client, "/accounts/confirm/", {"password": "wrong"}).status_code == 422
    assert post(client, "/accounts/confirm/", {"password": PASSWORD}).status_code == 429


def test_enrolment_needs_a_recent_password(member, settings):
    _, client = member
    age(client, login_authenticated_at=settings.REAUTHENTICATION_TIMEOUT + 1)
    response = client.get("/accounts/two-factor/setup/?next=/manage/acme/")
    assert response.status_code == 302
    assert (
        response["Location"]
        == "/accounts/confirm/?next=%2Faccounts%2Ftwo-factor%2Fsetup%2F%3Fnext%3D%252Fmanage%252Facme%252F"
    )

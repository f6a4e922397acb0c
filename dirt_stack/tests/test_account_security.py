"""Organizer accounts that hold: the per-account login lock and its way back in, the admin
behind the same limits, passwords, signup and reset without enumeration, invitations
bound to the invited address, API token expiry (security review M-2, M-3, M-5, L-4, I-2)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import lockout, services, tokens
from accounts.models import ApiToken, Invitation, Membership, User
from core.models import OutboxMessage
from tests.factories import make_member, make_organizer, make_user
from tests.support.processes import run_manage
from tests.support.races import run_together

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION}
PASSWORD = "correct-horse-battery"
WRONG_LOGIN = "Please enter a correct email and password"


def post(client: Client, path: str, data: object, address: str = "203.0.113.1"):
    return client.post(
        path,
        data=json.dumps(data),
        content_type="application/json",
        headers={**INERTIA, "X-Forwarded-For": address},
    )


def log_in(client: Client, email: str, password: str, address: str):
    return post(client, "/accounts/login/", {"email": email, "password": password}, address)


def link_in(message: mail.EmailMessage, path_prefix: str) -> str:
    found = re.search(rf"http://testserver({re.escape(path_prefix)}\S+)", str(message.body))
    assert found is not None, message.body
    return found.group(1)


def reset_password(client: Client, email: str, new_password: str) -> None:
    assert post(client, "/accounts/password/reset/", {"email": email}).status_code == 302
    link = link_in(mail.outbox[-1], "/accounts/password/reset/")
    assert post(client, link, {"password": new_password}).status_code == 302


# --- The per-account lock (M-2) ---------------------------------------------------------


def test_fifty_wrong_passwords_from_fifty_addresses_lock_the_account_until_a_reset(caplog):
    make_user(email="ana@example.com", password=PASSWORD)
    client = Client()
    caplog.set_level(logging.WARNING, logger="accounts.lockout")

    for n in range(50):
        response = log_in(client, "ana@example.com", f"guess-number-{n}", f"198.51.100.{n + 1}")
        # No address ever reaches its own limit: only the account's counter sees them all.
        assert response.status_code == 422
        assert WRONG_LOGIN in response.json()["props"]["errors"]["form"]

    # The right password, from an address never seen, gets the answer a wrong one gets.
    response = log_in(client, "ana@example.com", PASSWORD, "192.0.2.200")
    assert response.status_code == 422
    assert WRONG_LOGIN in response.json()["props"]["errors"]["form"]
    assert "_auth_user_id" not in client.session
    locked_until = User.objects.get(email="ana@example.com").login_locked_until
    assert locked_until is not None
    assert locked_until > timezone.now()

    # The owner is told once, with the way back in, and the lock is logged without a password.
    (notice,) = [m for m in mail.outbox if "locked" in m.subject]
    assert notice.to == ["ana@example.com"]
    assert "http://testserver/accounts/password/reset/" in notice.body
    (record,) = [r for r in caplog.records if r.getMessage().startswith("account login locked")]
    assert record.user_id == User.objects.get(email="ana@example.com").pk
    assert all(
        "guess-number" not in r.getMessage() and PASSWORD not in r.getMessage() for r in caplog.records
    )

    # A password reset is the way back in, at once.
    reset_password(client, "ana@example.com", "a-brand-new-pass-phrase")
    assert User.objects.get(email="ana@example.com").login_locked_until is None
    assert log_in(client, "ana@example.com", "a-brand-new-pass-phrase", "192.0.2.201").status_code == 302


def test_the_lock_starts_at_ten_failures_and_ends_after_its_duration():
    user = make_user(email="ana@example.com", password=PASSWORD)
    client = Client()
    for n in range(9):
        log_in(client, "ana@example.com", "wrong-password", f"198.51.100.{n + 1}")
    assert User.objects.get(pk=user.pk).login_locked_until is None
    log_in(client, "ana@example.com", "wrong-password", "198.51.100.10")
    locked_until = User.objects.get(pk=user.pk).login_locked_until
    assert locked_until is not None
    assert locked_until - timezone.now() > lockout.LOCK_DURATION - dt.timedelta(minutes=1)
    assert log_in(client, "ana@example.com", PASSWORD, "192.0.2.1").status_code == 422

    User.objects.filter(pk=user.pk).update(login_locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert log_in(client, "ana@example.com", PASSWORD, "192.0.2.2").status_code == 302


def test_a_lock_sends_one_notice_however_many_failures_follow():
    make_user(email="ana@example.com", password=PASSWORD)
    client = Client()
    for n in range(25):
        log_in(client, "ana@example.com", "wrong-password", f"198.51.100.{n + 1}")
    assert len([m for m in mail.outbox if "locked" in m.subject]) == 1


@pytest.mark.postgres
def test_racing_failures_lock_the_account_once_and_email_once():
    make_user(email="ana@example.com", password=PASSWORD)
    for _ in range(8):
        lockout.record_failure("ana@example.com", None)

    run_together(*[lambda: lockout.record_failure("ana@example.com", None) for _ in range(8)])

    assert User.objects.get(email="ana@example.com").login_locked_until is not None
    assert OutboxMessage.objects.filter(kind=lockout.ACCOUNT_LOCKED).count() == 1
    assert len([m for m in mail.outbox if "locked" in m.subject]) == 1


def test_an_unknown_email_answers_as_a_known_one_whatever_the_failures():
    make_user(email="ana@example.com", password=PASSWORD)
    client = Client()
    answers: set[tuple[int, str]] = set()
    for email in ("ana@example.com", "nobody@example.com"):
        for n in range(12):
            response = log_in(client, email, "wrong-password", f"198.51.{len(answers)}.{n + 1}")
            answers.add((response.status_code, response.json()["props"]["errors"]["form"]))
    assert len(answers) == 1
    assert not User.objects.filter(email="nobody@example.com").exists()


def test_the_address_limit_stays():
    make_user(email="ana@example.com", password=PASSWORD)
    client = Client()
    for _ in range(5):
        assert log_in(client, "ana@example.com", "wrong-password", "203.0.113.9").status_code == 422
    response = log_in(client, "ana@example.com", PASSWORD, "203.0.113.9")
    assert response.status_code == 429
    assert response.json()["props"]["errors"]["form"].startswith("Too many login attempts")


@pytest.mark.parametrize("email", ["a\x00b@example.com", "x" * 5000, ["a"], {"a": 1}, None])
def test_hostile_login_emails_are_answered_never_a_500(email):
    client = Client()
    for n in range(12):
        response = post(client, "/accounts/login/", {"email": email, "password": "p"}, f"198.51.100.{n}")
        assert response.status_code in {422, 429}


# --- The Django admin (M-3) -----------------------------------------------------------


def admin_login(client: Client, email: str, password: str, address: str):
    return client.post(
        reverse("admin:login"),
        {"username": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_admin_login_is_throttled_per_address():
    make_user(email="root@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(5):
        assert admin_login(client, "root@example.com", "wrong-password", "203.0.113.5").status_code == 200
    response = admin_login(client, "root@example.com", PASSWORD, "203.0.113.5")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_admin_login_failures_lock_the_account_like_the_site_login():
    make_user(email="root@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    client = Client()
    for n in range(10):
        admin_login(client, "root@example.com", "wrong-password", f"198.51.100.{n + 1}")
    response = admin_login(client, "root@example.com", PASSWORD, "192.0.2.50")
    assert response.status_code == 200  # the login form again, not the admin
    assert "_auth_user_id" not in client.session
    # The site's login is locked too.
    assert log_in(Client(), "root@example.com", PASSWORD, "192.0.2.51").status_code == 422


def test_production_admin_is_never_at_admin():
    assert settings.ADMIN_URL.startswith("admin-")  # the tests run with DEBUG off
    assert Client().get("/admin/login/").status_code == 404


def test_production_refuses_the_well_known_admin_path():
    result = run_manage(["check"], {"DEBUG": "false", "ADMIN_URL": "admin/"})
    assert result.returncode != 0
    assert "first path a password guesser tries" in result.stderr


def test_admin_url_command_prints_the_derived_path():
    result = run_manage(["admin_url"], {"DEBUG": "false", "ADMIN_URL": None})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/" + settings.ADMIN_URL


# --- Passwords ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [("Ab1!Ab1!", "at least 12 characters"), ("password1234", "too common")],
)
def test_reset_and_change_forms_show_the_password_rules(password, message):
    user = make_user(email="ana@example.com", password=PASSWORD)
    client = Client()
    assert post(client, "/accounts/password/reset/", {"email": "ana@example.com"}).status_code == 302
    link = link_in(mail.outbox[-1], "/accounts/password/reset/")
    response = post(client, link, {"password": password})
    assert response.status_code == 422
    assert message in response.json()["props"]["errors"]["password"]

    client.force_login(user)
    response = post(
        client, "/accounts/password/change/", {"current_password": PASSWORD, "new_password": password}
    )
    assert response.status_code == 422
    assert message in response.json()["props"]["errors"]["new_password"]


# --- Signup and reset (L-4) ---------------------------------------------------------------


def test_signup_answers_the_same_for_an_existing_and_a_new_email():
    make_user(email="ana@example.com", password=PASSWORD)
    answers = []
    for email in ("ANA@example.com", "new@example.com"):
        client = Client()
        response = post(client, "/accounts/signup/", {"email": email})
        page = client.get(response["Location"], headers=INERTIA).json()
        flash = page["flash"]["messages"][0]["message"].replace(email.lower(), "<email>")
        answers.append((response.status_code, response["Location"], flash))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302

    existing, new = mail.outbox
    assert existing.to == ["ana@example.com"]
    assert "already" in existing.subject
    assert "http://testserver/accounts/password/reset/" in existing.body
    assert new.to == ["new@example.com"]
    assert "/accounts/signup/" in new.body
    assert User.objects.count() == 1


def test_signup_for_an_address_with_an_account_never_changes_it():
    user = make_user(email="ana@example.com", password=PASSWORD)
    post(Client(), "/accounts/signup/", {"email": "ana@example.com"})
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert "/accounts/signup/" not in mail.outbox[-1].body


def test_the_signup_token_stays_out_of_the_request_log(caplog):
    caplog.set_level(logging.INFO, logger="maticko.request")
    client = Client()
    post(client, "/accounts/signup/", {"email": "ana@example.com"})
    link = link_in(mail.outbox[-1], "/accounts/signup/confirm/?token=")
    token = link.split("token=", 1)[1]
    assert post(client, link, {"full_name": "Ana", "password": "a-long-pass-phrase"}).status_code == 302
    logged = [r for r in caplog.records if r.name == "maticko.request"]
    assert any(r.path == "/accounts/signup/confirm/" for r in logged)
    assert all(token not in r.getMessage() and token not in str(r.__dict__) for r in logged)


def test_a_signup_link_for_an_address_that_got_an_account_meanwhile_is_used():
    client = Client()
    post(client, "/accounts/signup/", {"email": "ana@example.com"})
    link = link_in(mail.outbox[-1], "/accounts/signup/")
    make_user(email="ana@example.com", password=PASSWORD)
    response = post(client, link, {"full_name": "Mallory", "password": "a-long-pass-phrase"})
    assert response.json()["props"]["valid"] is False
    assert User.objects.get(email="ana@example.com").check_password(PASSWORD)


def test_signup_is_limited_per_address_and_per_email():
    client = Client()
    for n in range(10):
        assert (
            post(client, "/accounts/signup/", {"email": f"p{n}@example.com"}, "203.0.113.7").status_code
            == 302
        )
    response = post(client, "/accounts/signup/", {"email": "one-more@example.com"}, "203.0.113.7")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0

    mail.outbox.clear()
    for n in range(5):
        response = post(client, "/accounts/signup/", {"email": "victim@example.com"}, f"198.51.100.{n}")
        assert response.status_code == 302  # the same answer, but the inbox is not flooded
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a" * 3000, "eyJlIjoiYUBiLmMiLCJuIjoiLyJ9:1:abc", "a%00b", "%E2%80%AE", "a&token=b"],
)
def test_hostile_signup_links_are_invalid_not_errors(token):
    client = Client()
    response = client.get(f"/accounts/signup/confirm/?token={token}", headers=INERTIA)
    assert response.status_code == 200
    assert response.json()["props"]["valid"] is False
    response = post(
        client,
        f"/accounts/signup/confirm/?token={token}",
        {"full_name": "X", "password": "a-long-pass-phrase"},
    )
    assert response.status_code == 200
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "a\x00b@example.com"}, "email"),
        ({"email": "a" * 300 + "@example.com"}, "email"),
        ({"email": ["a@example.com"]}, "email"),
        ({}, "email"),
    ],
)
def test_hostile_signup_input_is_refused_readably(data, field):
    response = post(Client(), "/accounts/signup/", data)
    assert response.status_code == 422
    assert response.json()["props"]["errors"][field]
    assert mail.outbox == []


def test_hostile_signup_confirm_input():
    client = Client()
    post(client, "/accounts/signup/", {"email": "ana@example.com"})
    link = link_in(mail.outbox[-1], "/accounts/signup/")
    response = post(client, link, {"full_name": "Ana", "password": "x" * 5000})
    assert response.status_code == 422
    assert response.json()["props"]["errors"]["password"]
    response = post(client, link, {"full_name": "Ana\x00", "password": "a-long-pass-phrase"})
    assert response.status_code == 422
    assert "control characters" in response.json()["props"]["errors"]["full_name"]
    response = post(
        client, link, {"full_name": "Ana\r\nBcc: x@example.com", "password": "a-long-pass-phrase"}
    )
    assert response.status_code == 302
    assert User.objects.get(email="ana@example.com").full_name == "Ana Bcc: x@example.com"


def test_password_reset_is_queued_in_the_outbox_for_every_address():
    make_user(email="ana@example.com", password=PASSWORD)
    client = Client()
    for email in ("ana@example.com", "nobody@example.com"):
        before = OutboxMessage.objects.filter(kind="password_reset").count()
        response = post(client, "/accounts/password/reset/", {"email": email})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/"
        assert OutboxMessage.objects.filter(kind="password_reset").count() == before + 1
    # Only the account's address gets an email, sent by the outbox, not by the request.
    (sent,) = mail.outbox
    assert sent.to == ["ana@example.com"]
    assert OutboxMessage.objects.filter(kind="password_reset", sent_at__isnull=True).count() == 0


def test_password_reset_is_limited_per_address_and_per_email():
    make_user(email="ana@example.com", password=PASSWORD)
    client = Client()
    for n in range(7):
        assert (
            post(
                client, "/accounts/password/reset/", {"email": "ana@example.com"}, f"198.51.100.{n}"
            ).status_code
            == 302
        )
    assert len(mail.outbox) == 5
    for n in range(20):
        post(client, "/accounts/password/reset/", {"email": f"p{n}@example.com"}, "203.0.113.8")
    response = post(client, "/accounts/password/reset/", {"email": "ana@example.com"}, "203.0.113.8")
    assert response.status_code == 429
    assert "Too many password reset requests" in response.json()["props"]["errors"]["form"]


# --- Invitations (M-5) --------------------------------------------------------------------


def invitation_to(email: str, role: str = Membership.Role.MANAGER) -> tuple[Invitation, User]:
    organizer = make_organizer(slug="acme", name="Acme")
    owner = make_member(organizer)
    invitation = services.invite_member(organizer=organizer, email=email, role=role, invited_by=owner)
    return invitation, owner


def test_an_invitation_cannot_be_accepted_by_another_account():
    invitation, _ = invitation_to("bob@example.com")
    mallory = make_user(email="mallory@example.com")
    client = Client()
    client.force_login(mallory)

    page = client.get(f"/invitations/{invitation.token}/", headers=INERTIA).json()
    assert "sent to bob@example.com" in page["props"]["refusal"]
    assert "mallory@example.com" in page["props"]["refusal"]

    response = post(client, f"/invitations/{invitation.token}/", {})
    assert response.status_code == 403
    assert "sent to bob@example.com" in response.json()["props"]["errors"]["form"]
    assert not Membership.objects.filter(user=mallory).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None  # Bob can still accept it
    assert client.get("/manage/acme/").status_code == 404


def test_the_invited_address_accepts_whatever_its_case():
    invitation, _ = invitation_to("Bob@Example.com")
    bob = make_user(email="bob@example.com")
    client = Client()
    client.force_login(bob)
    assert client.get(f"/invitations/{invitation.token}/", headers=INERTIA).json()["props"]["refusal"] is None
    assert post(client, f"/invitations/{invitation.token}/", {}).status_code == 302
    assert Membership.objects.get(user=bob).role == Membership.Role.MANAGER


def test_an_invitation_never_changes_an_existing_members_role():
    organizer = make_organizer(slug="acme", name="Acme")
    owner = make_member(organizer, email="owner@example.com")
    # An invitation created before its address joined (or by hand): accepting must not demote.
    invitation = Invitation.objects.create(organizer=organizer, email="owner@example.com", role="door_staff")
    client = Client()
    client.force_login(owner)
    page = client.get(f"/invitations/{invitation.token}/", headers=INERTIA).json()
    assert "already are a member" in page["props"]["refusal"]
    response = post(client, f"/invitations/{invitation.token}/", {})
    assert response.status_code == 403
    assert "already are a member" in response.json()["props"]["errors"]["form"]
    assert Membership.objects.get(user=owner, organizer=organizer).role == Membership.Role.OWNER
    assert Membership.objects.filter(organizer=organizer, role=Membership.Role.OWNER).count() == 1


def test_anonymous_visitors_see_the_invitation_without_a_refusal():
    invitation, _ = invitation_to("bob@example.com")
    page = Client().get(f"/invitations/{invitation.token}/", headers=INERTIA).json()
    assert page["props"]["refusal"] is None
    assert page["props"]["email"] == "bob@example.com"


@pytest.mark.parametrize("token", ["a%00", "x" * 500, "..%2F..", "%E2%80%AE"])
def test_hostile_invitation_tokens_are_not_found(token):
    client = Client()
    client.force_login(make_user())
    assert client.get(f"/invitations/{token}/").status_code == 404
    assert post(client, f"/invitations/{token}/", {}).status_code == 404


# --- API tokens (I-2) ---------------------------------------------------------------------


def tokens_page(client: Client, data: dict[str, object]):
    return post(client, "/manage/acme/api-tokens/", data)


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        ("2020-01-01", "in the past"),
        ((dt.datetime.now(tz=dt.UTC).date() - dt.timedelta(days=2)).isoformat(), "in the past"),
        ("9999-12-31", "before 2100"),
        ("2026-02-30", "valid date"),
        ("x\x00", "valid date"),
    ],
)
def test_an_api_token_cannot_expire_in_the_past_or_absurdly_late(expires_at, message):
    organizer = make_organizer(slug="acme")
    client = Client()
    client.force_login(make_member(organizer))
    response = tokens_page(client, {"name": "Scanner", "role": "door_staff", "expires_at": expires_at})
    assert response.status_code == 422
    assert message in response.json()["props"]["errors"]["expires_at"]
    assert not ApiToken.objects.exists()


def test_an_api_token_expiring_today_is_accepted():
    organizer = make_organizer(slug="acme")
    client = Client()
    client.force_login(make_member(organizer))
    today = timezone.now().date().isoformat()
    response = tokens_page(client, {"name": "Scanner", "role": "door_staff", "expires_at": today})
    assert response.status_code == 200
    assert ApiToken.objects.get().is_active


def test_the_token_service_refuses_a_past_expiry():
    organizer = make_organizer()
    with pytest.raises(Exception, match="in the past"):
        tokens.create_token(
            organizer=organizer,
            name="x",
            role="manager",
            created_by=None,
            expires_at=timezone.now() - dt.timedelta(seconds=1),
        )


def test_removing_a_member_revokes_the_tokens_they_created():
    organizer = make_organizer(slug="acme")
    owner = make_member(organizer)
    manager = make_member(organizer, role=Membership.Role.MANAGER)
    theirs, raw = tokens.create_token(organizer=organizer, name="theirs", role="manager", created_by=manager)
    mine, _ = tokens.create_token(organizer=organizer, name="mine", role="manager", created_by=owner)
    services.remove_member(membership=Membership.objects.get(user=manager))
    assert tokens.authenticate(raw) is None
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.revoked_at is not None
    assert mine.revoked_at is None


def test_tokens_whose_creator_left_are_shown_as_such():
    organizer = make_organizer(slug="acme")
    owner = make_member(organizer)
    gone = make_member(organizer, email="gone@example.com", role=Membership.Role.MANAGER)
    tokens.create_token(organizer=organizer, name="old", role="manager", created_by=gone)
    tokens.create_token(organizer=organizer, name="mine", role="manager", created_by=owner)
    Membership.objects.filter(user=gone).delete()  # left before tokens were revoked with their creator
    client = Client()
    client.force_login(owner)
    rows = {
        r["name"]: r
        for r in client.get("/manage/acme/api-tokens/", headers=INERTIA).json()["props"]["tokens"]
    }
    assert rows["old"]["creator_left"] is True
    assert rows["old"]["created_by"] == "gone@example.com"
    assert rows["mine"]["creator_left"] is False

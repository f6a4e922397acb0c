"""Two-factor authentication: enrolment, the login's second step, recovery codes, turning it
off, organizers that require it, and hostile input."""

from __future__ import annotations

from base64 import b32encode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sessions, tokens, two_factor
from accounts.models import Membership, RecoveryCode
from tests.factories import make_member, make_organizer, make_user
from tests.support.races import run_together
from tests.support.two_factor import INERTIA, code_for, enable, passed_second_factor, post, verified_client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def log_in(client: Client, email: str, next_url: str = "/manage/"):
    return post(client, f"/accounts/login/?next={next_url}", {"email": email, "password": PASSWORD})


def logged_in_email(client: Client) -> str | None:
    user = client.get("/", headers=INERTIA).json()["props"]["auth"]["user"]
    return user["email"] if user else None


def test_enrol_shows_the_secret_and_qr_then_a_code_turns_it_on_with_ten_recovery_codes():
    user = make_user()
    client = Client()
    client.force_login(user)

    page = client.get("/accounts/two-factor/setup/", headers=INERTIA).json()
    assert page["component"] == "Auth/TwoFactorSetup"
    assert page["props"]["qr_code"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page["props"]["secret"].replace(" ", "") == b32encode(device.bin_key).decode()
    # Reloading shows the same secret, so a scan made before the reload still works.
    again = client.get("/accounts/two-factor/setup/", headers=INERTIA).json()
    assert again["props"]["secret"] == page["props"]["secret"]

    wrong = post(
        client,
        "/accounts/two-factor/setup/",
        {"code": "000000" if code_for(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 422
    assert "code" in wrong.json()["props"]["errors"]
    assert not two_factor.is_enabled(user)

    device.throttle_reset()
    done = post(client, "/accounts/two-factor/setup/", {"code": code_for(device)})
    assert done.status_code == 200
    assert done.json()["component"] == "Auth/RecoveryCodes"
    assert done["Cache-Control"] == "private, no-store"
    assert done.json()["encryptHistory"] is True
    codes = done.json()["props"]["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert two_factor.is_enabled(user)
    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes}, "recovery codes are stored hashed"
    # This session did pass a second factor: it stays logged in.
    assert logged_in_email(client) == user.email


def test_login_with_two_factor_asks_for_the_code_and_is_no_login_until_then():
    user = make_user(email="ana@example.com")
    device, _ = enable(user)
    client = Client()

    response = log_in(client, "ana@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/two-factor/"
    assert logged_in_email(client) is None
    assert client.get("/manage/")["Location"].startswith("/accounts/login/")
    assert (
        client.get("/accounts/login/two-factor/", headers=INERTIA).json()["component"]
        == "Auth/TwoFactorLogin"
    )

    done = post(client, "/accounts/login/two-factor/", {"code": code_for(device, 1)})
    assert done.status_code == 302
    assert done["Location"] == "/manage/"
    assert logged_in_email(client) == "ana@example.com"
    assert client.get("/manage/").status_code == 200


def test_the_code_step_expires_and_cannot_be_reached_without_a_password():
    user = make_user(email="ana@example.com")
    device, _ = enable(user)
    client = Client()
    assert client.get("/accounts/login/two-factor/")["Location"] == "/accounts/login/"

    log_in(client, "ana@example.com")
    session = client.session
    session[sessions.PENDING]["at"] -= sessions.PENDING_SECONDS
    session.save()
    response = post(client, "/accounts/login/two-factor/", {"code": code_for(device, 1)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert logged_in_email(client) is None


def test_wrong_codes_are_throttled_per_account():
    user = make_user(email="ana@example.com")
    device, _ = enable(user)
    right = code_for(device, 1)
    wrong = next(c for c in ("123456", "654321", "111111") if c not in (right, code_for(device, 0)))
    for n in range(5):
        # Another session from another address each time: the limit is the account's.
        client = Client(REMOTE_ADDR=f"10.0.0.{n}")
        log_in(client, "ana@example.com")
        assert post(client, "/accounts/login/two-factor/", {"code": wrong}).status_code == 422

    client = Client(REMOTE_ADDR="10.0.1.1")
    log_in(client, "ana@example.com")
    device.throttle_reset()
    refused = post(client, "/accounts/login/two-factor/", {"code": right})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.json()["props"]["errors"]["form"]
    assert int(refused["Retry-After"]) > 0
    assert logged_in_email(client) is None


def test_a_recovery_code_logs_in_once():
    user = make_user(email="ana@example.com")
    _, codes = enable(user)
    client = Client()
    log_in(client, "ana@example.com")
    assert post(client, "/accounts/login/two-factor/", {"code": codes[0].upper()}).status_code == 302
    assert logged_in_email(client) == "ana@example.com"
    assert two_factor.recovery_codes_left(user) == 9

    other = Client()
    log_in(other, "ana@example.com")
    reused = post(other, "/accounts/login/two-factor/", {"code": codes[0]})
    assert reused.status_code == 422
    assert "used already" in reused.json()["props"]["errors"]["code"]
    assert logged_in_email(other) is None


def test_a_totp_code_works_once():
    user = make_user(email="ana@example.com")
    device, _ = enable(user)
    code = code_for(device, 1)
    first = Client()
    log_in(first, "ana@example.com")
    assert post(first, "/accounts/login/two-factor/", {"code": code}).status_code == 302
    second = Client()
    log_in(second, "ana@example.com")
    device.refresh_from_db()
    assert post(second, "/accounts/login/two-factor/", {"code": code}).status_code == 422


@pytest.mark.parametrize(
    "code",
    ["12\x003456", "1" * 10_000, "abcdef", "12345", "1234567", "١٢٣٤٥٦", 123456, ["123456"], None, {"a": 1}],
)
def test_hostile_codes_are_refused_with_422(code):
    user = make_user(email="ana@example.com")
    enable(user)
    client = Client()
    log_in(client, "ana@example.com")
    response = post(client, "/accounts/login/two-factor/", {"code": code})
    assert response.status_code == 422
    assert response.json()["props"]["errors"]["code"]


@pytest.mark.parametrize("code", ["12\x003456", "9" * 5000, "abc", ["1"]])
def test_hostile_setup_codes_are_refused_with_422(code):
    user = make_user()
    client = Client()
    client.force_login(user)
    response = post(client, "/accounts/two-factor/setup/", {"code": code})
    assert response.status_code == 422
    assert not two_factor.is_enabled(user)


def test_turning_it_off_needs_the_password_and_a_code():
    user = make_user()
    device, codes = enable(user)
    client = verified_client(user)

    no_code = post(client, "/accounts/two-factor/disable/", {"password": PASSWORD, "code": ""})
    assert no_code.status_code == 422
    bad_password = post(client, "/accounts/two-factor/disable/", {"password": "nope", "code": codes[1]})
    assert bad_password.status_code == 422
    assert "password" in bad_password.json()["props"]["errors"]
    assert two_factor.is_enabled(user)

    done = post(client, "/accounts/two-factor/disable/", {"password": PASSWORD, "code": code_for(device, 1)})
    assert done.status_code == 302
    assert not two_factor.is_enabled(user)
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_new_recovery_codes_replace_the_old_ones():
    user = make_user()
    _, old = enable(user)
    client = verified_client(user)

    page = post(client, "/accounts/two-factor/recovery-codes/", {}).json()
    assert page["component"] == "Auth/RecoveryCodes"
    new = page["props"]["codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    with pytest.raises(ValidationError, match="not valid"):
        two_factor.check(user, old[0])
    two_factor.check(user, new[0])


def test_a_login_that_skipped_the_second_factor_is_ended():
    """A session of a user with two-factor authentication that never passed it (the admin's
    login form, for one) is not a login."""
    user = make_user()
    enable(user)
    client = Client()
    client.force_login(user)
    assert client.get("/manage/")["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_security_page_shows_the_state_and_who_requires_it():
    organizer = make_organizer(name="Strict Hall", require_two_factor=True)
    user = make_member(organizer, role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(user)
    props = client.get("/accounts/security/", headers=INERTIA).json()["props"]
    assert props["two_factor"] is False
    assert props["required_by"] == ["Strict Hall"]


# --- Organizers that require it -----------------------------------------------------


def owner_client(organizer, **fields):
    owner = make_member(organizer, role=Membership.Role.OWNER, **fields)
    client = Client()
    client.force_login(owner)
    return owner, client


SETTINGS = {
    "name": "Acme",
    "contact_email": "",
    "bank_transfer_details": "",
    "admit_unpaid_bank_transfers": False,
}


def test_an_owner_must_use_two_factor_before_requiring_it():
    organizer = make_organizer(slug="acme")
    owner, client = owner_client(organizer)
    refused = post(client, "/manage/acme/settings/", {**SETTINGS, "require_two_factor": True})
    assert refused.status_code == 422
    assert "your own account first" in refused.json()["props"]["errors"]["require_two_factor"]
    organizer.refresh_from_db()
    assert organizer.require_two_factor is False

    enable(owner)
    passed_second_factor(client)
    saved = post(client, "/manage/acme/settings/", {**SETTINGS, "require_two_factor": True})
    assert saved.status_code == 302
    organizer.refresh_from_db()
    assert organizer.require_two_factor is True


def test_enforcement_sends_a_member_without_it_to_enrolment_for_that_organizer_only():
    strict = make_organizer(slug="strict")
    relaxed = make_organizer(slug="relaxed")
    owner, owner_session = owner_client(strict)
    enable(owner)
    passed_second_factor(owner_session)
    member = make_member(strict, role=Membership.Role.MANAGER)
    Membership.objects.create(organizer=relaxed, user=member, role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(member)
    assert client.get("/manage/strict/").status_code == 200

    # The owner turns the requirement on.
    post(
        owner_session, "/manage/strict/settings/", {**SETTINGS, "name": "Strict", "require_two_factor": True}
    )

    response = client.get("/manage/strict/events/new/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Fmanage%2Fstrict%2Fevents%2Fnew%2F"
    assert client.get("/manage/strict/members/").status_code == 302
    # A form post is refused too; the other organizer stays open.
    assert (
        client.post("/manage/strict/members/", {"email": "x@example.com", "role": "manager"}).status_code
        == 403
    )
    assert client.get("/manage/relaxed/").status_code == 200
    assert client.get("/manage/").status_code == 200

    device = two_factor.pending_device(member)
    page = post(client, "/accounts/two-factor/setup/?next=/manage/strict/", {"code": code_for(device)})
    assert page.json()["props"]["next"] == "/manage/strict/"
    assert client.get("/manage/strict/").status_code == 200


def test_enforcement_leaves_api_tokens_alone():
    strict = make_organizer(slug="strict", require_two_factor=True)
    owner = make_member(strict)
    _, raw = tokens.create_token(organizer=strict, name="scanner", role="door_staff", created_by=owner)
    response = Client().get("/api/v1/manage/events", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_enforcement_does_not_reveal_other_organizers():
    make_organizer(slug="strict", require_two_factor=True)
    outsider = make_user()
    client = Client()
    client.force_login(outsider)
    assert client.get("/manage/strict/").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_recovery_code_used_twice_at_once_logs_in_once():
    user = make_user()
    _, codes = enable(user)
    outcomes: list[bool] = []

    def use() -> None:
        try:
            two_factor.check(user, codes[0])
            outcomes.append(True)
        except ValidationError:
            outcomes.append(False)

    run_together(*[use] * 4)
    assert sorted(outcomes) == [False, False, False, True]


def test_the_admin_login_form_cannot_skip_the_second_factor(settings):
    staff = make_user(email="root@example.com", is_staff=True, is_superuser=True)
    enable(staff)
    client = Client()
    admin = f"/{settings.ADMIN_URL}"
    response = client.post(f"{admin}login/", {"username": "root@example.com", "password": PASSWORD})
    assert response.status_code == 302  # Django's form accepted the password...
    assert client.get(admin)["Location"].startswith(f"{admin}login/")  # ...but that is no login
    assert "_auth_user_id" not in client.session

"""The release step's commands on the suite's own database (SQLite or PostgreSQL).

The deploy check account is the one the deploy pipeline logs in with: it must
always be able to log in through the real login view, and never be more than an
ordinary user. The roles themselves are tested on a server set up like RDS
(tests/test_database_roles.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, User
from tests.factories import make_organizer, make_user
from tests.support.processes import APP_DIR, run_manage

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "deploy-check@maticko.test"
PASSWORD = "Zq8v2Lk4Rt6Yp1Wm3Xn5Bc7Hd9Jf0Gs"
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION}


def log_in(email: str, password: str) -> tuple[int, str]:
    """Log in through the login view as the pipeline does (CSRF enforced); status and Location."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/accounts/login/",
        data=json.dumps({"email": email, "password": password}),
        content_type="application/json",
        headers={**INERTIA, "X-XSRF-TOKEN": token},
    )
    return response.status_code, response.get("Location", "")


def ensure(monkeypatch: pytest.MonkeyPatch, email: str = EMAIL, password: str = PASSWORD) -> str:
    monkeypatch.setenv("DEPLOY_CHECK_EMAIL", email)
    monkeypatch.setenv("DEPLOY_CHECK_PASSWORD", password)
    out = io.StringIO()
    call_command("ensure_deploy_check_account", stdout=out)
    return out.getvalue()


def test_creates_an_ordinary_account_that_logs_in_through_the_login_view(monkeypatch):
    assert f"Deploy check account {EMAIL} created" in ensure(monkeypatch)

    user = User.objects.get(email=EMAIL)
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, False, False)
    assert not Membership.objects.filter(user=user).exists()
    assert log_in(EMAIL, PASSWORD) == (302, "/")


def test_an_existing_account_is_reduced_to_an_ordinary_user_and_unlocked(monkeypatch):
    user = make_user(email=EMAIL, password="an-older-password-of-it", is_staff=True, is_superuser=True)
    user.is_active = False
    user.login_locked_until = timezone.now() + dt.timedelta(hours=1)
    user.save()
    Membership.objects.create(organizer=make_organizer(), user=user, role=Membership.Role.OWNER)
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)

    assert f"Deploy check account {EMAIL} updated" in ensure(monkeypatch)

    user.refresh_from_db()
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, False, False)
    assert user.login_locked_until is None
    assert not Membership.objects.filter(user=user).exists()
    assert not TOTPDevice.objects.filter(user=user).exists()
    # No second step: the login view logs it straight in.
    assert log_in(EMAIL, PASSWORD) == (302, "/")
    assert log_in(EMAIL, "an-older-password-of-it")[0] == 422


def test_running_it_again_keeps_one_account_and_takes_the_new_password(monkeypatch):
    ensure(monkeypatch)
    assert f"Deploy check account {EMAIL} updated" in ensure(
        monkeypatch, email=EMAIL.upper(), password=PASSWORD[::-1]
    )

    assert User.objects.filter(email__iexact=EMAIL).count() == 1
    assert log_in(EMAIL, PASSWORD[::-1]) == (302, "/")
    assert log_in(EMAIL, PASSWORD)[0] == 422


def test_a_weak_password_or_missing_variables_are_refused(monkeypatch):
    with pytest.raises(CommandError, match="DEPLOY_CHECK_PASSWORD: This password is too short"):
        ensure(monkeypatch, password="short")
    monkeypatch.delenv("DEPLOY_CHECK_PASSWORD")
    with pytest.raises(CommandError, match="Set DEPLOY_CHECK_EMAIL and DEPLOY_CHECK_PASSWORD"):
        call_command("ensure_deploy_check_account")
    assert not User.objects.filter(email=EMAIL).exists()


@pytest.mark.django_db(transaction=False)
def test_ensure_app_role_on_sqlite_says_it_does_nothing(tmp_path):
    result = run_manage(
        ["ensure_app_role"],
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "APP_DATABASE_USER": "maticko_app_a"},
    )
    assert result.returncode == 0, result.stderr
    assert "Not PostgreSQL: there are no database roles to set up; nothing done." in result.stdout


@pytest.mark.django_db(transaction=False)
def test_release_script_is_executable_and_runs_the_three_steps_in_order():
    script = APP_DIR / "release.sh"
    assert os.stat(script).st_mode & stat.S_IXUSR
    text = script.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert "set -eu" in text
    steps = ["manage.py migrate_locked", "manage.py ensure_app_role", "manage.py ensure_deploy_check_account"]
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions)
    # The image copies dirt_stack/ whole: nothing keeps release.sh out of the build context.
    ignored = (APP_DIR.parent / ".dockerignore").read_text().split()
    assert not any(pattern in ignored for pattern in ("dirt_stack/release.sh", "**/*.sh", "*.sh"))
    assert "COPY dirt_stack/ ./" in (APP_DIR.parent / "Dockerfile").read_text()

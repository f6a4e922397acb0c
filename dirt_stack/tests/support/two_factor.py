"""Two-factor authentication in tests: codes computed with the real TOTP algorithm
(django-otp's), and users with it turned on."""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sessions, two_factor
from accounts.models import User

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION}


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now, or ``steps_ahead`` periods later. A device
    takes each code once and allows one period of drift (which it then follows), so a
    test that logs in again uses the next period's code."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enable(user: User) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor authentication on for ``user``; its device and recovery codes."""
    device = two_factor.pending_device(user)
    codes = two_factor.confirm_device(user, code_for(device))
    device.refresh_from_db()
    return device, codes


def post(client: Client, path: str, data: object, **headers: str) -> Any:
    """An Inertia form post of ``data`` as JSON."""
    return client.post(
        path, data=json.dumps(data), content_type="application/json", headers={**INERTIA, **headers}
    )


def passed_second_factor(client: Client) -> None:
    """Mark the client's login as having passed the second factor, as the code page does
    (``force_login`` cannot)."""
    state = client.session
    sessions.mark_second_factor(state)
    state.save()


def verified_client(user: User) -> Client:
    """A client logged in as ``user``, second factor passed."""
    client = Client()
    client.force_login(user)
    passed_second_factor(client)
    return client

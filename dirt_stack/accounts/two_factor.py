"""Two-factor authentication: a TOTP authenticator app (django-otp's ``TOTPDevice``) and
single-use recovery codes, and the organizers that require it of their members.

A user has two-factor authentication when they have a confirmed device. Enrolment
makes an unconfirmed device, whose secret the user scans; a correct code confirms
it and makes ten recovery codes, shown once and stored as keyed hashes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organizer, RecoveryCode, User

RECOVERY_CODE_COUNT = 10
# 12 characters of a-z and 2-7 (60 bits), shown as three groups of four.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_TOTP_RE = re.compile(r"^[0-9]{6}$")
_RECOVERY_RE = re.compile(r"^[a-z2-7]{12}$")
# Longer input is refused before it is looked at.
MAX_CODE_LENGTH = 32
DEVICE_NAME = "Authenticator app"


@dataclass(frozen=True)
class Code:
    """A code as typed, recognised as a TOTP code or a recovery code."""

    value: str
    is_recovery: bool


def parse_code(raw: object) -> Code | None:
    """The code in ``raw`` (spaces and dashes ignored, case-insensitive), or None when it
    is neither six digits nor a recovery code."""
    if not isinstance(raw, str) or len(raw) > MAX_CODE_LENGTH:
        return None
    compact = re.sub(r"[\s-]", "", raw).lower()
    if _TOTP_RE.match(compact):
        return Code(compact, is_recovery=False)
    if _RECOVERY_RE.match(compact):
        return Code(compact, is_recovery=True)
    return None


def device_of(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device the user is setting up (made on first call, kept until it
    is confirmed, so reloading the page shows the same secret)."""
    if is_enabled(user):
        raise ValidationError(gettext("Two-factor authentication is already on."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def confirm_device(user: User, raw_code: object) -> list[str]:
    """Turn two-factor authentication on with a code from the device being set up;
    return the new recovery codes (the only time they are readable)."""
    code = parse_code(raw_code)
    device = pending_device(user)
    if code is None or code.is_recovery:
        raise ValidationError({"code": gettext("Enter the six-digit code your app shows.")})
    refusal = _device_refusal(device, code.value)
    if refusal:
        raise ValidationError({"code": refusal})
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return _new_recovery_codes(user)


def check(user: User, raw_code: object) -> None:
    """Raise a ValidationError on ``code`` unless ``raw_code`` is a valid code of ``user``:
    a TOTP code from the device (each code once), or a recovery code, which is used up."""
    code = parse_code(raw_code)
    if code is None:
        raise ValidationError(
            {"code": gettext("Enter the six-digit code from your app, or a recovery code.")}
        )
    if code.is_recovery:
        used = RecoveryCode.objects.filter(
            user=user, code_hash=_hash(user, code.value), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used != 1:
            raise ValidationError({"code": gettext("That recovery code is not valid or was used already.")})
        return
    device = device_of(user)
    refusal = _device_refusal(device, code.value) if device else gettext("Two-factor authentication is off.")
    if refusal:
        raise ValidationError({"code": refusal})


def disable(user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones."""
    if not is_enabled(user):
        raise ValidationError(gettext("Turn on two-factor authentication first."))
    with transaction.atomic():
        return _new_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def format_recovery_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def organizers_requiring(user: User) -> list[Organizer]:
    """The user's organizers that require two-factor authentication of their members."""
    return list(Organizer.objects.for_user(user).filter(require_two_factor=True).order_by("name"))


def must_enrol(user: User, organizer_slug: str) -> Organizer | None:
    """The organizer ``organizer_slug`` when it requires two-factor authentication, the
    user is a member and has none; otherwise None."""
    organizer = Organizer.objects.for_user(user).filter(slug=organizer_slug, require_two_factor=True).first()
    if organizer is None or is_enabled(user):
        return None
    return organizer


def check_can_require(user: User) -> None:
    """An owner who makes two-factor authentication mandatory must use it first."""
    if not is_enabled(user):
        raise ValidationError(
            {"require_two_factor": gettext("Turn on two-factor authentication for your own account first.")}
        )


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12)) for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(user, c)) for c in codes)
    return [format_recovery_code(c) for c in codes]


def _hash(user: User, code: str) -> str:
    # Keyed with SECRET_KEY: a copy of the table alone cannot be brute-forced.
    return salted_hmac("maticko.recovery-code", f"{user.pk}:{code}", algorithm="sha256").hexdigest()


def _device_refusal(device: TOTPDevice, value: str) -> str | None:
    """Why ``value`` does not pass ``device``, or None when it does. django-otp doubles the
    wait after each wrong code (1, 2, 4 ... seconds) on top of the per-account limit."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        locked_until = (details or {}).get("locked_until")
        seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1) if locked_until else 1
        return ngettext(
            "Too many wrong codes. Wait %(seconds)s second and try again.",
            "Too many wrong codes. Wait %(seconds)s seconds and try again.",
            seconds,
        ) % {"seconds": seconds}
    if device.verify_token(value):
        return None
    return gettext("That code is not valid. Check the time on your phone and try the next code.")

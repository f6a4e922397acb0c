"""Signing up proves the address first: the signup form only sends an email, and the
account is created from the link in it (``signup_token``), where the person chooses a
password. So the answer to the form is the same whether or not the address already has
an account (that one gets a "you already have an account" email instead)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction

from accounts.models import User

_SALT = "accounts.signup"
SIGNUP_LINK_DAYS = 2
_MAX_TOKEN_LENGTH = 2000


@dataclass(frozen=True)
class SignupClaim:
    email: str
    next: str


def signup_token(email: str, next_url: str) -> str:
    """A signed, expiring token naming the address it was sent to (and where to go next)."""
    return signing.dumps({"e": email, "n": next_url}, salt=_SALT, compress=True)


def read_signup_token(token: str) -> SignupClaim | None:
    if len(token) > _MAX_TOKEN_LENGTH:
        return None
    try:
        data = signing.loads(token, salt=_SALT, max_age=SIGNUP_LINK_DAYS * 86400)
    except signing.BadSignature:  # expired links included
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str) or not isinstance(data.get("n"), str):
        return None
    return SignupClaim(email=data["e"], next=data["n"])


def create_account(*, email: str, full_name: str, password: str) -> User | None:
    """The new account, or None when the address got one meanwhile (the link is used)."""
    if User.objects.filter(email__iexact=email).exists():
        return None
    try:
        with transaction.atomic():
            return User.objects.create_user(email, password, full_name=full_name)
    except IntegrityError:  # the same link submitted twice at once
        return None

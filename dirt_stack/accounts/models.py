"""Identity (users) and teams (organizers and their members)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: organizer staff, or a buyer who chose to have an account.

    Buyers never need one; the email address is the login.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    login_locked_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Password logins are refused until then (too many failures); a password reset unlocks.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OrganizerQuerySet(models.QuerySet["Organizer"]):
    def for_user(self, user: User) -> OrganizerQuerySet:
        """The organizers ``user`` is a member of, whatever the role."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Organizer(models.Model):
    """A team that owns events and sells their tickets."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    contact_email = models.EmailField(blank=True)
    bank_transfer_details = models.TextField(
        blank=True, help_text="Account holder, IBAN and BIC shown to buyers who pay by bank transfer."
    )
    admit_unpaid_bank_transfers = models.BooleanField(
        default=False,
        help_text="Tickets of bank-transfer orders are valid at the door before the money arrives.",
    )
    require_two_factor = models.BooleanField(
        default=False,
        help_text="Members must use two-factor authentication to open this organizer's back office.",
    )
    # The websites that may frame this organizer's shop widget (accounts.embedding, ADR 0032):
    # origins such as "https://example.org" or "https://*.example.org"; empty: any website.
    embed_origins = models.JSONField(default=list, blank=True)
    # The seller on invoices, and where the tax rules start from (taxes, invoicing).
    legal_name = models.CharField(max_length=200, blank=True, default="", db_default="")
    legal_address = models.TextField(
        blank=True, default="", db_default="", help_text="Street, postcode and city, as invoices print them."
    )
    country = models.CharField(
        max_length=2, blank=True, default="", db_default="", help_text="ISO 3166-1 alpha-2."
    )
    vat_id = models.CharField(
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text="With its country prefix (DE123456789).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role within one organizer."""

    class Role(models.TextChoices):
        OWNER = "owner", gettext_lazy("Owner")
        MANAGER = "manager", gettext_lazy("Manager")
        DOOR_STAFF = "door_staff", gettext_lazy("Door staff")

    # Roles allowed to create and edit events, ticket types and orders.
    EVENT_MANAGERS = frozenset({Role.OWNER, Role.MANAGER})

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organizer", "user"], name="unique_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organizer} ({self.get_role_display()})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=INVITATION_DAYS)


INVITATION_DAYS = 7


class Invitation(models.Model):
    """An emailed offer to join an organizer with a role; the token is the secret link."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organizer} ({self.role})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A secret that lets a program act for one organizer with one role.

    Only a hash of the token is stored; the token itself is shown once, when created.
    """

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator app (accounts/two_factor.py).

    Only a keyed hash is stored; the codes are shown once, when made.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="unique_recovery_code"),
        ]

    def __str__(self) -> str:
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"


class OrganizerChange(models.Model):
    """An organizer's audit log: who changed which of its settings, and when."""

    class Action(models.TextChoices):
        EMBED_ORIGINS_CHANGED = "embed_origins_changed", "Widget websites changed"

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=40, choices=Action.choices)
    # {"before": ..., "after": ...}
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organizer", "-created_at"], name="accounts_change_org_created")]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label or self.actor_id}"

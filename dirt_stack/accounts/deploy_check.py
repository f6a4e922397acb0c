"""The account the deploy pipeline logs in with to check a release end to end.

It is an ordinary user and nothing more: active, not staff, member of no organizer,
without a second factor, and never left locked out (a failed check must not lock
the next one out). Its email and password come from a generated secret
(the application stack's DeployCheckSecretArn); the release container applies them.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from accounts import lockout, two_factor
from accounts.models import Membership, User

FULL_NAME = "Deploy check"


@transaction.atomic
def ensure_deploy_check_account(email: str, password: str) -> tuple[User, bool]:
    """Create or update the account; returns it and whether it was created.

    Raises ``ValidationError`` for a password Django's validators refuse.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    validate_password(password, User(email=email, full_name=FULL_NAME))
    # Instances booting together run this at once: get_or_create's retry on the unique
    # email lets the later ones find the account the first one created.
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": FULL_NAME})
    user.set_password(password)
    user.is_active = True
    user.is_staff = False
    user.is_superuser = False
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    Membership.objects.filter(user=user).delete()
    two_factor.disable(user)
    lockout.unlock(user)
    return user, created

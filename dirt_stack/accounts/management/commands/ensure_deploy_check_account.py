"""Create or update the deploy check account (accounts/deploy_check.py).

Run by the release container (release.sh) when DEPLOY_CHECK_EMAIL is set:

    DEPLOY_CHECK_EMAIL=... DEPLOY_CHECK_PASSWORD=... python manage.py ensure_deploy_check_account

Both come from the environment only, so the password never shows in a process listing.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.deploy_check import ensure_deploy_check_account


class Command(BaseCommand):
    help = (
        "Create or update the user DEPLOY_CHECK_EMAIL with the password DEPLOY_CHECK_PASSWORD: "
        "active, not staff, in no organizer, not locked out, no second factor."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        email = os.environ.get("DEPLOY_CHECK_EMAIL", "").strip()
        password = os.environ.get("DEPLOY_CHECK_PASSWORD", "")
        if not email or not password:
            raise CommandError("Set DEPLOY_CHECK_EMAIL and DEPLOY_CHECK_PASSWORD.")
        try:
            user, created = ensure_deploy_check_account(email, password)
        except ValidationError as refused:
            raise CommandError("DEPLOY_CHECK_PASSWORD: " + " ".join(refused.messages)) from refused
        self.stdout.write(f"Deploy check account {user.email} {'created' if created else 'updated'}.")

"""Print the path the Django admin is served at (production derives a secret one from SECRET_KEY)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the Django admin's path (ADMIN_URL, or the secret one derived from SECRET_KEY)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("/" + settings.ADMIN_URL)

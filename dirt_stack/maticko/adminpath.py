"""The Django admin's path in production when ADMIN_URL is not set: secret, stable across
instances (derived from SECRET_KEY, which they share), never the well-known ``admin/``."""

from __future__ import annotations

import hashlib
import hmac

WELL_KNOWN_ADMIN_PATHS = frozenset({"admin", "django-admin", "administrator", "adm", "backend"})


def admin_path_from_secret(secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), b"maticko.admin-url", hashlib.sha256).hexdigest()
    return f"admin-{digest[:20]}/"

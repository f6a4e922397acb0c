"""Cookie names and the image sources of the Content Security Policy under production and
development settings (security review L-9)."""

from __future__ import annotations

import json

from tests.support.processes import run_manage

PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
    "cookie_domains": [settings.SESSION_COOKIE_DOMAIN, settings.CSRF_COOKIE_DOMAIN],
    "cookie_paths": [settings.SESSION_COOKIE_PATH, settings.CSRF_COOKIE_PATH],
    "img_src": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
}))
"""


def settings_under(env: dict[str, str | None]) -> dict:
    result = run_manage(["shell", "-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_cookies_get_the_host_prefix_when_they_are_secure():
    """__Host- cookies are Secure, for path "/" and without a Domain."""
    production = settings_under({"SECURE_COOKIES": None})
    assert (production["session_cookie"], production["csrf_cookie"]) == (
        "__Host-sessionid",
        "__Host-XSRF-TOKEN",
    )
    assert production["cookie_domains"] == [None, None]
    assert production["cookie_paths"] == ["/", "/"]
    development = settings_under({"DEBUG": "true", "SECRET_KEY": None, "SECURE_COOKIES": None})
    assert (development["session_cookie"], development["csrf_cookie"]) == ("sessionid", "XSRF-TOKEN")


def test_images_may_come_from_the_media_bucket_only():
    settings = settings_under(
        {"AWS_STORAGE_BUCKET_NAME": "maticko-media", "AWS_S3_REGION_NAME": "eu-central-1"}
    )
    assert settings["img_src"] == [
        "'self'",
        "data:",
        "https://maticko-media.s3.amazonaws.com",
        "https://maticko-media.s3.eu-central-1.amazonaws.com",
    ]


def test_the_csrf_middleware_is_django_s_own():
    """security.W003 is silenced (settings.py): the CSRF middleware installed must remain
    Django's, or a subclass of it."""
    from django.conf import settings
    from django.middleware.csrf import CsrfViewMiddleware
    from django.utils.module_loading import import_string

    installed = [import_string(path) for path in settings.MIDDLEWARE]
    assert [m for m in installed if isinstance(m, type) and issubclass(m, CsrfViewMiddleware)]

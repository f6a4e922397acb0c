"""Django settings for Maticko.

Every setting that differs between a laptop and production comes from an
environment variable (12-factor). The README lists each variable; keep that
table in step with this file.
"""

from pathlib import Path
from typing import Any

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from core.locales import DEFAULT_LANGUAGE
from core.locales import LANGUAGE_COOKIE_NAME as LOCALE_COOKIE_NAME
from core.locales import LANGUAGES as LOCALE_LANGUAGES
from maticko import __version__
from maticko.adminpath import WELL_KNOWN_ADMIN_PATHS, admin_path_from_secret
from maticko.logconfig import JSON_FORMATTER

BASE_DIR = Path(__file__).resolve().parent.parent
FRONTEND_DIR = BASE_DIR / "frontend"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# A development key only exists when DEBUG is on; production must bring its own.
_DEV_SECRET_KEY = "django-insecure-maticko-development-only-key"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off. "
        "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The Django admin's path. Production never serves it at the well-known admin/: without
# ADMIN_URL it lives at a path derived from SECRET_KEY (`manage.py admin_url` prints it).
ADMIN_URL = env.str("ADMIN_URL", default="admin/" if DEBUG else admin_path_from_secret(SECRET_KEY))
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/"):
    raise ImproperlyConfigured("ADMIN_URL must look like 'path/' (no leading slash, one trailing slash).")
if not DEBUG and ADMIN_URL.strip("/").lower() in WELL_KNOWN_ADMIN_PATHS:
    raise ImproperlyConfigured(
        f"ADMIN_URL={ADMIN_URL} is the first path a password guesser tries. Unset it (a secret path "
        "derived from SECRET_KEY is used; `manage.py admin_url` prints it) or choose an unguessable one."
    )

APP_VERSION = env.str("APP_VERSION", default=__version__)

INSTALLED_APPS = [
    "accounts.apps.ThrottledAdminConfig",  # django.contrib.admin, login throttled
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "inertia",
    "django_vite",
    "csp",
    # Serves the API docs' Swagger UI from our own static files (no CDN, no inline script).
    "ninja",
    # TOTP devices for two-factor authentication (accounts/two_factor.py); its admin and
    # templates are not used.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "accounts",
    "events",
    "taxes",
    "sales",
    "questions",
    "checkin",
    "onsale",
    "waitlist",
    "messaging",
    "invoicing",
    "storefront",
    "webhooks",
    "backoffice",
    "api",
    "demo",
]

MIDDLEWARE = [
    # First, so that every request is logged with its real duration and status.
    "core.middleware.RequestLogMiddleware",
    # Before anything that validates the Host header or redirects: the load
    # balancer probes instances by IP address over plain HTTP.
    "core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    # The on-sale room's status polls: answered here, after the security headers and
    # before sessions, CSRF and Inertia, which they do not need (storefront/middleware.py).
    "storefront.middleware.QueueStatusMiddleware",
    # Sold-out purchases and proof-of-work challenges, answered the same way (api/fast_lane.py).
    "api.fast_lane.PurchaseFastLaneMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The request's language (the buyer's cookie, Accept-Language, English), activated for
    # the views and templates; after the fast paths above, which answer without words.
    "core.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Django's, with the embedded storefront's requests checked by their Origin (ADR 0032).
    "core.middleware.EmbedCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    # /embed/: the storefront framed by the shop widget; its framing headers are set here,
    # inside the two above (storefront/embed.py, ADR 0032).
    "storefront.embed.EmbedMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    # NUL and control characters in URLs, non-JSON API writes (core/input.py has the rules).
    "core.middleware.HostileInputMiddleware",
    "core.middleware.InertiaMiddleware",
    "core.middleware.InertiaSharedPropsMiddleware",
    # After authentication and messages: ends logins past their timeouts or without
    # their second factor, and sends members of organizers that require two-factor
    # authentication to set it up (backoffice/middleware.py).
    "backoffice.middleware.SessionTimeoutMiddleware",
    "backoffice.middleware.TwoFactorEnforcementMiddleware",
]
# Django's deploy check looks for its own CSRF middleware by name; Maticko's
# EmbedCsrfViewMiddleware is that middleware, with the embedded shop's Origin rule
# (tests/test_security_settings.py checks it stays a subclass).
SILENCED_SYSTEM_CHECKS = ["security.W003"]

ROOT_URLCONF = "maticko.urls"
LOGIN_URL = "accounts:login"
WSGI_APPLICATION = "maticko.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# Default: an embedded SQLite file inside the project. DATABASE_URL=postgres://...
# switches to PostgreSQL (psycopg 3 with Django's built-in connection pool).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer commits; IMMEDIATE takes the
    # write lock when a transaction starts, so two writers queue on busy_timeout
    # instead of failing with "database is locked" when they upgrade a read lock.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **_db.get("OPTIONS", {}),
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _options = _db.setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    # The name pg_stat_activity shows for this process's connections (connection budget, ADR 0022).
    _options.setdefault("application_name", env.str("DATABASE_APPLICATION_NAME", default="maticko"))
    # A request never waits without bound: on a row lock (an event's counters at a
    # rush, an order being refunded) for DATABASE_LOCK_TIMEOUT, on any statement for
    # DATABASE_STATEMENT_TIMEOUT (milliseconds; 0 turns either off). Migrations lift
    # the statement timeout for their own session (core/management/commands/migrate_locked.py).
    _server_settings = {
        "lock_timeout": env.int("DATABASE_LOCK_TIMEOUT", default=5000),
        "statement_timeout": env.int("DATABASE_STATEMENT_TIMEOUT", default=30000),
    }
    _options.setdefault("options", " ".join(f"-c {name}={value}" for name, value in _server_settings.items()))
    # Let psycopg keep server-side prepared statements. Django's own queries bind
    # their parameters client-side and are never prepared; the statements that ask
    # for it are the purchase's and the hold's (core/statements.py), whose planning
    # would otherwise cost PostgreSQL more CPU than running them (ADR 0012).
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        _options.setdefault("prepare_threshold", 5)
    if env.bool("DATABASE_POOL", default=True):
        # Django's pool requires CONN_MAX_AGE = 0: connections return to the
        # pool at the end of each request instead of being closed.
        _db["CONN_MAX_AGE"] = 0
        # Connection budget (ADR 0022): each gunicorn worker process holds at most one
        # connection per request thread (GUNICORN_THREADS, gunicorn.conf.py's default 4),
        # two for the outbox's delivery threads and one for its sweeper
        # (core/outbox.py): GUNICORN_THREADS + 3. An instance holds
        # WEB_CONCURRENCY x (GUNICORN_THREADS + 3) at most.
        _options["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=env.int("GUNICORN_THREADS", default=4) + 3),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
            # How long the pool keeps retrying a lost server before giving up on a
            # connection attempt. psycopg's default backs off for up to 300 s, which
            # kept the app down for seconds after a database restart had finished.
            "reconnect_timeout": env.float("DATABASE_POOL_RECONNECT_TIMEOUT", default=5),
        }
    else:
        _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True

# Once a request found the database unreachable, later ones wait this long for a pooled
# connection instead of DATABASE_POOL_TIMEOUT, until a connection is handed out again
# (core/database_outage.py): gunicorn's threads stay free for the liveness check.
DATABASE_POOL_OUTAGE_TIMEOUT = env.float("DATABASE_POOL_OUTAGE_TIMEOUT", default=0.2)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Refuses password logins to an account locked after repeated failures (accounts/lockout.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = DEFAULT_LANGUAGE
LANGUAGES = LOCALE_LANGUAGES
LANGUAGE_COOKIE_NAME = LOCALE_COOKIE_NAME
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files and the Vite build ----------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
VITE_BUILD_DIR = FRONTEND_DIR / "dist"
STATICFILES_DIRS = [VITE_BUILD_DIR]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Vite already puts a content hash in every asset name, so the static
    # storage only compresses; WHITENOISE_IMMUTABLE_FILE_TEST marks those
    # hashed names as cacheable forever.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_IMMUTABLE_FILE_TEST = r"^.+[.-][0-9a-zA-Z_-]{8,}\.(?:js|css|woff2?|svg|png|jpg|webp)$"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded files (event covers) go to S3 in production, a local folder otherwise.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # The bucket is private: pages link to short-lived signed URLs.
            "querystring_auth": True,
            "querystring_expire": 3600,
            "file_overwrite": False,
        },
    }

# The Vite dev server (hot reload) is opt-in; otherwise pages load the
# production build through Vite's manifest.
VITE_DEV_SERVER = env.bool("VITE_DEV_SERVER", default=False)
DJANGO_VITE_DEV_PORT = env.int("VITE_DEV_SERVER_PORT", default=5173)
DJANGO_VITE = {
    "default": {
        "dev_mode": VITE_DEV_SERVER,
        "dev_server_host": "127.0.0.1",
        "dev_server_port": DJANGO_VITE_DEV_PORT,
        "manifest_path": VITE_BUILD_DIR / "manifest.json",
    }
}

# --- Inertia ------------------------------------------------------------------
INERTIA_LAYOUT = "core/base.html"
INERTIA_VERSION = APP_VERSION
# Inertia's HTTP client sends the token it finds in the XSRF-TOKEN cookie as
# the X-XSRF-TOKEN header; Django reads and writes exactly those names.
CSRF_COOKIE_NAME = "XSRF-TOKEN"
CSRF_HEADER_NAME = "HTTP_X_XSRF_TOKEN"

# --- HTTPS and browser security ------------------------------------------------
# In production TLS ends at the load balancer, which forwards plain HTTP with
# X-Forwarded-Proto. Only trust that header behind such a proxy.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=not DEBUG)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The health checks (/health/, /health/live/) are answered before SecurityMiddleware;
# the exemption keeps them safe even if that order ever changes.
SECURE_REDIRECT_EXEMPT = [r"^health(/|/live/?)?$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# "preload" only allows submitting the domain to browsers' preload list; nothing is submitted.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Over HTTPS the cookies carry the __Host- prefix: browsers keep them only when Secure, with
# path "/" and no Domain, so no other subdomain can set or overwrite them (security review
# L-9). The frontend finds the CSRF cookie under either name (frontend/src/lib/http.ts).
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-XSRF-TOKEN"
# Sent on every response (core.middleware.SecurityHeadersMiddleware): only the door's scanner
# uses a device feature, the camera, and only from this site.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"

# --- Logins: timeouts, re-authentication, two-factor (accounts/sessions.py) ------
# A login ends after SESSION_IDLE_TIMEOUT seconds without a request and
# SESSION_ABSOLUTE_TIMEOUT seconds after it began (pretix's defaults: 3 h and 12 h).
# Anonymous sessions (a buyer's) are not logins and are not ended.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=3 * 3600)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Creating API tokens, changing roles and organizer settings need a password (and
# second factor) entered within this many seconds.
REAUTHENTICATION_TIMEOUT = env.int("REAUTHENTICATION_TIMEOUT", default=15 * 60)
if min(SESSION_IDLE_TIMEOUT, SESSION_ABSOLUTE_TIMEOUT, REAUTHENTICATION_TIMEOUT) <= 0:
    raise ImproperlyConfigured(
        "SESSION_IDLE_TIMEOUT, SESSION_ABSOLUTE_TIMEOUT and REAUTHENTICATION_TIMEOUT must be positive."
    )
# The issuer authenticator apps show next to the account.
OTP_TOTP_ISSUER = "Maticko"

# Content Security Policy. The Vite build is plain same-origin files; the only
# inline code is Inertia's progress-bar <style>, which carries the per-request
# nonce (base.html hands it to the frontend in a <meta> tag).
_csp_script, _csp_style, _csp_connect = [SELF], [SELF, NONCE], [SELF]
if VITE_DEV_SERVER:
    # The dev server injects an inline React-refresh preamble and <style> elements.
    _vite_origin = f"http://127.0.0.1:{DJANGO_VITE_DEV_PORT}"
    _csp_script = [SELF, UNSAFE_INLINE, _vite_origin]
    _csp_style = [SELF, UNSAFE_INLINE, _vite_origin]
    _csp_connect = [SELF, _vite_origin, f"ws://127.0.0.1:{DJANGO_VITE_DEV_PORT}"]
# Cover images on S3 are signed URLs of the bucket's virtual-hosted address (global or regional).
_csp_images = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"] if AWS_STORAGE_BUCKET_NAME else []
if AWS_STORAGE_BUCKET_NAME and env.str("AWS_S3_REGION_NAME", default=""):
    _csp_images.append(f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{env.str('AWS_S3_REGION_NAME')}.amazonaws.com")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": _csp_script,
        "style-src": _csp_style,
        # QR codes are data: URIs; cover images come from this site or the S3 bucket.
        "img-src": [SELF, "data:", *_csp_images],
        "font-src": [SELF],
        "connect-src": _csp_connect,
        "object-src": [NONE],
        "base-uri": [SELF],
        # Payment pages are reached by a redirect after an XHR (Inertia's location), not a form.
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Sales ------------------------------------------------------------------------
# A pretend card provider for trying the paid flow; never on in production.
DEMO_PAYMENTS = env.bool("DEMO_PAYMENTS", default=DEBUG)
# The public address of the site, for links in emails sent without a request
# (an order's expiry found by the sweeper, a refund retried by it).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000/")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Where Stripe's API is: its own address, or a local stand-in (stripe-mock, the tests' stub).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
MAX_TICKETS_PER_ORDER = env.int("MAX_TICKETS_PER_ORDER", default=20)
# Wallet passes of tickets (sales.wallet): each wallet is offered once all its settings are
# set. Certificates and keys are PEM text or the path of a PEM file.
WALLET_APPLE_PASS_TYPE_ID = env.str("WALLET_APPLE_PASS_TYPE_ID", default="")
WALLET_APPLE_TEAM_ID = env.str("WALLET_APPLE_TEAM_ID", default="")
WALLET_APPLE_CERTIFICATE = env.str("WALLET_APPLE_CERTIFICATE", default="")
WALLET_APPLE_KEY = env.str("WALLET_APPLE_KEY", default="")
WALLET_APPLE_KEY_PASSWORD = env.str("WALLET_APPLE_KEY_PASSWORD", default="")
WALLET_APPLE_WWDR_CERTIFICATE = env.str("WALLET_APPLE_WWDR_CERTIFICATE", default="")
WALLET_GOOGLE_ISSUER_ID = env.str("WALLET_GOOGLE_ISSUER_ID", default="")
WALLET_GOOGLE_SERVICE_ACCOUNT_EMAIL = env.str("WALLET_GOOGLE_SERVICE_ACCOUNT_EMAIL", default="")
WALLET_GOOGLE_PRIVATE_KEY = env.str("WALLET_GOOGLE_PRIVATE_KEY", default="")
# Holds and purchases per client address per minute; 0 turns the limit off.
PURCHASE_RATE_LIMIT = env.int("PURCHASE_RATE_LIMIT", default=30)
# Unknown voucher codes one address may try per event in VOUCHER_GUESS_WINDOW seconds
# (the event page's ?voucher=, holds and purchases); then every lookup answers 429. 0: no limit.
VOUCHER_GUESS_LIMIT = env.int("VOUCHER_GUESS_LIMIT", default=10)
VOUCHER_GUESS_WINDOW = env.int("VOUCHER_GUESS_WINDOW", default=600)
# Organizer API requests per token per minute; 0 turns the limit off.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=600)

# --- No hoarding (ADR 0016) ----------------------------------------------------------
# One buyer (an email, a client address) holds at most the event's share of a date's
# stock across live holds and unpaid orders, at least this many tickets...
BUYER_SHARE_MIN_TICKETS = env.int("BUYER_SHARE_MIN_TICKETS", default=10)
# ...and at most this many, unless the event sets its own cap.
BUYER_SHARE_MAX_TICKETS = env.int("BUYER_SHARE_MAX_TICKETS", default=100)
# Minutes an unpaid bank transfer holds its tickets until the buyer confirms by email.
BANK_TRANSFER_CONFIRM_MINUTES = env.int("BANK_TRANSFER_CONFIRM_MINUTES", default=60)
# A date is under pressure (every hold and purchase needs a proof of work) for
# PRESSURE_MINUTES once this many holds and purchases took its stock within a minute.
PRESSURE_TAKES_PER_MINUTE = env.int("PRESSURE_TAKES_PER_MINUTE", default=120)
PRESSURE_MINUTES = env.int("PRESSURE_MINUTES", default=10)
# Minutes a client that tripped a limit must solve a proof of work on that date.
CHALLENGE_PENALTY_MINUTES = env.int("CHALLENGE_PENALTY_MINUTES", default=60)
# ALTCHA proof of work: the work is about ALTCHA_MAX_NUMBER / 2 hashes on average.
ALTCHA_MAX_NUMBER = env.int("ALTCHA_MAX_NUMBER", default=100_000)
ALTCHA_EXPIRY_SECONDS = env.int("ALTCHA_EXPIRY_SECONDS", default=600)

# --- The on-sale room (onsale/, ADR 0028) ---------------------------------------------
# Seconds between two admission rounds of a room (the ticker on the outbox's sweeper thread).
ONSALE_TICK_SECONDS = env.float("ONSALE_TICK_SECONDS", default=1.0)
if not 0.1 <= ONSALE_TICK_SECONDS <= 60:
    raise ImproperlyConfigured("ONSALE_TICK_SECONDS must lie from 0.1 to 60.")
# Joins of one room's queue per client address and minute (the interface's limit).
ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = env.int("ONSALE_JOINS_PER_ADDRESS_PER_MINUTE", default=30)
# An admitted visitor who does not fetch the queue's status within this loses the turn.
ONSALE_TURN_PICKUP_SECONDS = env.int("ONSALE_TURN_PICKUP_SECONDS", default=120)

# --- Load shedding (core/overload.py) -------------------------------------------------
# Milliseconds a request may wait for a server thread; past it, 503 with Retry-After
# before Django runs. 0 turns shedding off.
REQUEST_QUEUE_DEADLINE_MS = env.int("REQUEST_QUEUE_DEADLINE_MS", default=1000)
# The same for the on-sale room's status polls and joins and the proof-of-work challenge,
# answered 429 with Retry-After: their clients retry anyway. 0 turns it off.
QUEUE_REQUEST_DEADLINE_MS = env.int("QUEUE_REQUEST_DEADLINE_MS", default=150)
for _name in ("REQUEST_QUEUE_DEADLINE_MS", "QUEUE_REQUEST_DEADLINE_MS"):
    if not 0 <= globals()[_name] <= 600_000:
        raise ImproperlyConfigured(f"{_name} must lie from 0 to 600000 (milliseconds).")

# "background": emails go out from a thread pool after the response (production);
# "immediate": in the committing thread (tests). See core/outbox.py.
OUTBOX_DELIVERY = env.str("OUTBOX_DELIVERY", default="background")
if OUTBOX_DELIVERY not in {"background", "immediate"}:
    raise ImproperlyConfigured("OUTBOX_DELIVERY must be 'background' or 'immediate'.")

# --- Webhooks (webhooks/) ----------------------------------------------------------
# "background": a dedicated thread pool sends them, never while the process is busy
# (production); "immediate": in the committing thread (tests); "manual": only
# ``manage.py deliver_webhooks`` sends them.
WEBHOOK_DELIVERY = env.str("WEBHOOK_DELIVERY", default="background")
if WEBHOOK_DELIVERY not in {"background", "immediate", "manual"}:
    raise ImproperlyConfigured("WEBHOOK_DELIVERY must be 'background', 'immediate' or 'manual'.")
# Threads per process sending webhooks (each waits up to 15 s on a slow receiver).
WEBHOOK_WORKERS = env.int("WEBHOOK_WORKERS", default=8)
if not 1 <= WEBHOOK_WORKERS <= 64:
    raise ImproperlyConfigured("WEBHOOK_WORKERS must lie from 1 to 64.")
# Endpoints must be https:// unless this is on (development).
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
# Loopback endpoints (127.0.0.1, ::1): only a local test receiver. Never in production.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# The ports an endpoint may use; empty: any. The instances' security group lets them out to
# the internet on 443 only (infrastructure/cloudformation/01-networking.yaml).
WEBHOOKS_ALLOWED_PORTS = [
    int(port) for port in env.list("WEBHOOKS_ALLOWED_PORTS", default=[] if DEBUG else ["443"]) if port
]

# --- Taxes (taxes/) --------------------------------------------------------------
# The EU's VIES REST API, which says whether a VAT ID is registered (taxes.vat_ids). One
# request per VAT ID given at checkout, never retried in the request: an unanswered one
# lets the sale go on and is checked again later through the outbox.
VIES_URL = env.str("VIES_URL", default="https://ec.europa.eu/taxation_customs/vies/rest-api")
VIES_TIMEOUT_SECONDS = env.float("VIES_TIMEOUT_SECONDS", default=3.0)
if not 0 < VIES_TIMEOUT_SECONDS <= 30:
    raise ImproperlyConfigured("VIES_TIMEOUT_SECONDS must lie above 0 and at most 30.")

# --- Email ----------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@email-smtp.eu-west-1.amazonaws.com:587
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    # The same console output, with a line per attachment instead of its base64.
    EMAIL_CONFIG["EMAIL_BACKEND"] = "core.console_email.ConsoleEmailBackend"
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Maticko <tickets@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging ----------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": JSON_FORMATTER,
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "message_only": {"format": "%(message)s"},
    },
    # Order secrets and reset, invitation and checkout tokens never reach a log (core/redact.py).
    "filters": {"redact_secrets": {"()": "core.redact.RedactSecrets"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets"],
        },
        # CloudWatch Embedded Metric Format documents, one per line (core/metrics.py).
        "metrics": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "message_only",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # RequestLogMiddleware writes one line per request; runserver's own
        # access line would only repeat it.
        "django.server": {"level": "WARNING", "filters": ["redact_secrets"]},
        # "Not Found: /orders/…" and other 4xx/5xx lines, for every handler Django gives
        # this logger (its console handler in DEBUG, the admins' email).
        "django.request": {"filters": ["redact_secrets"]},
        # Metric documents only mean something to CloudWatch, which reads the JSON logs.
        "maticko.metrics": {
            "handlers": ["metrics"],
            "level": "INFO" if LOG_FORMAT == "json" else "WARNING",
            "propagate": False,
        },
    },
}

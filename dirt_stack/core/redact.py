"""Secrets that travel in URLs, kept out of every log line (security review M-6).

An order's secret (its private page, PDF and "Pay now"), a checkout's hold token,
an invitation token and a password-reset token are bearer secrets: whoever reads
one in a log can open the order or take over the account. Logs name the route and
a path with those segments replaced.

Imported by the logging configuration of gunicorn's master before Django is set
up, so this module imports nothing of Django's.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator

REDACTED = "[redacted]"

# URL keyword arguments that are secrets, whatever the route (core.middleware).
SECRET_URL_KWARGS = frozenset({"secret", "token"})

_SEGMENT = r"[^/\s?#\"'<>]+"
# A path starts a log message, follows a space, quote or bracket, or a scheme and host.
_PATH_START = r"(?:^|(?<=[\s\"'(=,:])|(?<=://)[^/\s\"']+)"
_SECRET_IN_PATH = re.compile(
    # The shop widget's embedded pages (/embed/orders/..., /embed/checkout/...) carry the same.
    rf"(?P<keep>{_PATH_START}(?:/embed)?"
    rf"(?:/orders/{_SEGMENT}|/invitations|/checkout|/accounts/password/reset/{_SEGMENT})/)"
    rf"{_SEGMENT}"
)
# GET /api/v1/orders/<code>?secret=…, and any other secret or token in a query string.
_SECRET_IN_QUERY = re.compile(r"(?P<keep>[?&;](?:secret|token)=)[^&;#\s\"'<>]+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the secret segments of known routes and secret query parameters replaced."""
    text = _SECRET_IN_PATH.sub(rf"\g<keep>{REDACTED}", text)
    return _SECRET_IN_QUERY.sub(rf"\g<keep>{REDACTED}", text)


# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


class RedactSecrets(logging.Filter):
    """Redact secrets from a record's message and its ``extra`` fields.

    On a handler it cleans every record the handler writes; on a logger, every
    record that logger creates, for all of its handlers. Django's request logger
    (``Not Found: /orders/…``), runserver's access lines, gunicorn's error log and
    our request log all pass through one of them (settings.LOGGING, gunicorn.conf.py).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        for name, value in list(vars(record).items()):
            if name in _STANDARD_ATTRIBUTES or value is None or isinstance(value, (bool, int, float)):
                continue
            # Strings, and objects a formatter would print with str(): Django's request
            # logger passes the request itself, whose repr holds the full path.
            text = value if isinstance(value, str) else str(value)
            if redact(text) != text:
                setattr(record, name, redact(text))
        return True


# nginx's error log: "2026/11/30 09:00:00 [error] 7#7: *3 message, client: …, request: "GET …""
_NGINX_LEVEL = re.compile(r"\[(debug|info|notice|warn|error|crit|alert|emerg)\]")
_LEVELS = {"warn": "WARNING", "crit": "CRITICAL", "alert": "CRITICAL", "emerg": "CRITICAL"}


def json_lines(logger: str, lines: Iterable[str]) -> Iterator[str]:
    """Another program's log lines as our JSON lines (maticko.logconfig), secrets redacted."""
    for line in lines:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        level = _NGINX_LEVEL.search(text)
        name = level.group(1) if level else "error"
        yield json.dumps(
            {
                "level": _LEVELS.get(name, name.upper()),
                "logger": logger,
                "message": redact(text),
                "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            }
        )


if __name__ == "__main__":
    # serve.sh: python -m core.redact nginx < nginx's stderr
    for out in json_lines(sys.argv[1] if len(sys.argv) > 1 else "external", sys.stdin):
        print(out, flush=True)

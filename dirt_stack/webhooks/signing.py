"""Standard Webhooks 1.0 signatures (the ``standardwebhooks`` package signs).

``webhook-signature`` holds ``v1,<base64>`` for the endpoint's secret and, for
``ROTATION_OVERLAP`` after a rotation, a second one for the previous secret (space
separated, as the specification allows), so a receiver may switch secrets at its pace.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from standardwebhooks import Webhook

ROTATION_OVERLAP = dt.timedelta(hours=24)
PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def signing_secrets(
    secret: str, previous: str, previous_until: dt.datetime | None, now: dt.datetime
) -> list[str]:
    """The secrets that sign at ``now``: the current one, and the previous within its day."""
    return [secret, *([previous] if previous and previous_until and now < previous_until else [])]


def headers(message_id: str, body: str, now: dt.datetime, signing: list[str]) -> dict[str, str]:
    """The three headers of one attempt (the timestamp is the attempt's)."""
    at = now.astimezone(dt.UTC)
    signature = " ".join(Webhook(secret).sign(message_id, at, body) for secret in signing)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }

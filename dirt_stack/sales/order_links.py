"""Find my tickets: a buyer types an email and is sent one email listing the secret links
of the orders placed with it (no account needed, as for every order).

The answer never says whether the address has orders: the request only queues a message
(core.outbox), and the handler looks the orders up when it sends, so the request does the
same work either way; an address without orders is sent nothing. Requests are rate-limited
per client address and per email (core.ratelimit), so the form cannot be used to flood a
mailbox or to probe many addresses.
"""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from core import outbox, ratelimit
from core.formatting import format_moment
from core.locales import DEFAULT_LANGUAGE
from sales.emails import ORDER_STATUS_WORDS, email_subject
from sales.models import Order, order_url

ORDER_LINKS = "order_links"
# Requests per client address and per email, per hour.
PER_ADDRESS = ratelimit.RateLimit(limit=20, window_seconds=3600)
PER_EMAIL = ratelimit.RateLimit(limit=3, window_seconds=3600)
# The newest orders an email lists.
MOST_LISTED = 50


class TooManyRequests(Exception):
    """The client address asked too often (answered 429 with ``retry_after`` seconds)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(gettext("Too many requests from your network. Please try again later."))
        self.retry_after = retry_after


def request_links(email: str, *, client: str, base_url: str, locale: str = DEFAULT_LANGUAGE) -> None:
    """Queue the email listing ``email``'s orders (``email`` already validated), written in
    ``locale`` (the language of the request that asked for it).

    Raises TooManyRequests past the per-address limit. Past the per-email limit nothing
    is queued and nothing is said, so the answer stays the same."""
    by_address = ratelimit.hit(ratelimit.key_for("order-links", client), PER_ADDRESS)
    if not by_address.allowed:
        raise TooManyRequests(by_address.retry_after)
    address = email.strip().lower()
    if ratelimit.hit(ratelimit.key_for("order-links", address), PER_EMAIL).allowed:
        outbox.enqueue(ORDER_LINKS, {"email": address, "base_url": base_url, "locale": locale})


def orders_of(email: str) -> list[Order]:
    """The newest orders placed with ``email`` (compared without case)."""
    return list(
        Order.objects.filter(buyer_email__iexact=email)
        .select_related("event", "date")
        .order_by("-created_at", "-id")[:MOST_LISTED]
    )


@outbox.handler(ORDER_LINKS)
def _deliver_order_links(payload: dict[str, Any]) -> None:
    with translation.override(payload.get("locale") or DEFAULT_LANGUAGE):
        _send_order_links(payload)


def _send_order_links(payload: dict[str, Any]) -> None:
    orders = orders_of(payload["email"])
    if not orders:
        return  # nothing to find: nothing sent (the page said the same either way)
    context = {
        "orders": [
            {
                "order": order,
                "url": order_url(order, payload["base_url"]),
                "starts_at": format_moment(
                    order.date.starts_at, order.event.timezone, translation.get_language()
                ),
                "status": str(ORDER_STATUS_WORDS[Order.Status(order.status)]),
            }
            for order in orders
        ],
    }
    message = EmailMultiAlternatives(
        subject=email_subject(render_to_string("sales/email/order_links_subject.txt", context)),
        body=render_to_string("sales/email/order_links.txt", context),
        to=[payload["email"]],
    )
    message.attach_alternative(render_to_string("sales/email/order_links.html", context), "text/html")
    message.send()

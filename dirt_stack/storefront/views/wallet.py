"""A ticket's wallet passes (sales.wallet), under the order's secret link: the Apple Wallet
file, and the route that mints a "Save to Google Wallet" link when the buyer clicks."""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from core.inertia import render_page
from core.schemas import ErrorPageProps
from sales import wallet
from sales.models import Order, Ticket
from sales.tickets import TicketState, ticket_state
from storefront.serializers import order_for_holder

logger = logging.getLogger(__name__)


def _ticket_of(code: str, secret: str, ticket_id: int) -> tuple[Order, Ticket]:
    """The order whose secret link this is, and its ticket ``ticket_id``; else 404."""
    order = order_for_holder(code, secret)
    if order is None:
        raise Http404(gettext("No such order."))
    # Among the order's own tickets (prefetched): another order's ticket is never found.
    ticket = next((ticket for ticket in order.tickets.all() if ticket.pk == ticket_id), None)
    if ticket is None:
        raise Http404(gettext("No such ticket."))
    return order, ticket


def _no_longer_valid(request: HttpRequest, order: Order, ticket: Ticket) -> HttpResponse:
    """410: the ticket was refunded or cancelled, so it gets no pass."""
    if ticket_state(ticket, order) == TicketState.REFUNDED:
        message = gettext("This ticket was refunded, so it no longer gets in and has no wallet pass.")
    else:
        message = gettext("This ticket was cancelled, so it no longer gets in and has no wallet pass.")
    return render_page(
        request,
        ErrorPageProps(status=410, message=message),
        status=410,
        template_data={"page_title": gettext("Ticket no longer valid")},
    )


def _unavailable(request: HttpRequest, error: ImproperlyConfigured) -> HttpResponse:
    """503: the operator's wallet credentials cannot be used (the log says which setting)."""
    logger.error("Wallet pass refused: %s", error)
    message = gettext(
        "Wallet passes cannot be made right now. Your tickets on this order are valid as they are."
    )
    return render_page(
        request,
        ErrorPageProps(status=503, message=message),
        status=503,
        template_data={"page_title": gettext("Wallet pass unavailable")},
    )


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def ticket_pkpass(request: HttpRequest, code: str, secret: str, ticket_id: int) -> HttpResponse:
    """The ticket's signed Apple Wallet pass."""
    order, ticket = _ticket_of(code, secret, ticket_id)
    if not wallet.apple_configured():
        raise Http404(gettext("Apple Wallet passes are not offered here."))
    if not wallet.ticket_passable(ticket, order):
        return _no_longer_valid(request, order, ticket)
    try:
        content = wallet.apple_pass(ticket, order)
    except ImproperlyConfigured as error:
        return _unavailable(request, error)
    response = HttpResponse(content, content_type=wallet.PKPASS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{wallet.pass_filename(ticket, order)}"'
    return _private(response)


@require_GET
def ticket_google_wallet(request: HttpRequest, code: str, secret: str, ticket_id: int) -> HttpResponse:
    """Send the buyer to Google Wallet with the ticket, in a JWT signed now."""
    order, ticket = _ticket_of(code, secret, ticket_id)
    if not wallet.google_configured():
        raise Http404(gettext("Google Wallet passes are not offered here."))
    if not wallet.ticket_passable(ticket, order):
        return _no_longer_valid(request, order, ticket)
    try:
        save_url = wallet.google_save_url(ticket, order)
    except ImproperlyConfigured as error:
        return _unavailable(request, error)
    return _private(HttpResponseRedirect(save_url))

"""Organizer endpoints for orders: list, read, cancel, refund, mark paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router

from api.auth import OrganizerToken
from api.manage.common import PAGE_SIZE, event_of, invalid_fields, require_manager, token_of
from api.manage.schemas import (
    ManagedOrderOut,
    MarkPaidIn,
    OrderFilters,
    OrderPageOut,
    RefundIn,
    RetryRefundIn,
)
from api.problems import problem
from api.schemas import ProblemOut
from backoffice.serializers import payment_rows, refund_rows
from sales import exceptions, lifecycle, order_actions
from sales.models import Order
from storefront.serializers import load_order, order_detail

router = Router(tags=["Organizer"], auth=OrganizerToken())


# --- orders --------------------------------------------------------------------------------------


@router.get(
    "/manage/events/{slug}/orders",
    response={200: OrderPageOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="The event's orders, searched and filtered, 50 per page",
    description="`date` keeps the orders for one of the event's dates (422 for an id that is not one).",
)
def list_orders(
    request: HttpRequest, slug: str, filters: Query[OrderFilters]
) -> HttpResponse | dict[str, Any]:
    require_manager(request)
    event = event_of(request, slug)
    if filters.date is not None and not event.dates.filter(pk=filters.date).exists():
        return invalid_fields({"date": "This event has no date with this id."}, where="query")
    params = {
        "q": filters.q,
        "status": filters.status,
        "ticket_type": str(filters.ticket_type or ""),
        "date": str(filters.date or ""),
        "from": filters.created_from.isoformat() if filters.created_from else "",
        "to": filters.created_to.isoformat() if filters.created_to else "",
    }
    found = Order.objects.filter(event=event).search(params).select_related("date").with_ticket_counts()
    count = found.count()
    pages = max(1, -(-count // PAGE_SIZE))
    start = (min(filters.page, pages) - 1) * PAGE_SIZE
    return {
        "items": [
            {
                "code": o.code,
                "status": o.status,
                "buyer_name": o.buyer_name,
                "buyer_email": o.buyer_email,
                "currency": o.currency,
                "total": o.total,
                "refunded_amount": o.refunded_amount,
                "payment_method": o.payment_method,
                "created_at": o.created_at,
                "tickets": o.ticket_total,
                "date": {"id": o.date_id, "starts_at": o.date.starts_at},
            }
            for o in found[start : start + PAGE_SIZE]
        ],
        "count": count,
        "page": min(filters.page, pages),
        "pages": pages,
    }


def _order(request: HttpRequest, code: str) -> Order:
    order = load_order(code.upper()[:20])
    if order is None or order.event.organizer_id != token_of(request).organizer.pk:
        raise Http404("No order with this code for your organizer.")
    return order


def _order_out(request: HttpRequest, order: Order) -> JsonResponse:
    detail = order_detail(order, request.build_absolute_uri("/"))
    out = ManagedOrderOut(
        **detail.model_dump(),
        payments=payment_rows(order),
        refunds=refund_rows(order),
        refundable=lifecycle.refundable(order),
        late_payment_to_refund=lifecycle.needs_refund(order)
        if order.status == Order.Status.EXPIRED
        else Decimal("0"),
    )
    return JsonResponse(out.model_dump(mode="json"))


def _order_response(schema_status: dict[int, Any]) -> dict[int, Any]:
    return {200: ManagedOrderOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, **schema_status}


@router.get("/manage/orders/{code}", response=_order_response({}), summary="One of your orders")
def get_order(request: HttpRequest, code: str) -> HttpResponse:
    require_manager(request)
    order = _order(request, code)
    return _order_out(request, order)


def _act(request: HttpRequest, code: str, action: Any) -> HttpResponse:
    require_manager(request)
    order = _order(request, code)
    actor = order_actions.Actor(token_name=token_of(request).name)
    try:
        action(order, actor)
    except exceptions.OrderInvalid as exc:
        return problem(422, str(exc), field=exc.field)
    except exceptions.OrderConflict as exc:
        return problem(409, str(exc))
    return _order_out(request, _order(request, order.code))


@router.post(
    "/manage/orders/{code}/cancel", response=_order_response({409: ProblemOut}), summary="Cancel an order"
)
def cancel_order(request: HttpRequest, code: str) -> HttpResponse:
    base_url = request.build_absolute_uri("/")
    return _act(request, code, lambda order, actor: order_actions.cancel(order, actor, base_url=base_url))


@router.post(
    "/manage/orders/{code}/refund",
    response=_order_response({409: ProblemOut, 422: ProblemOut}),
    summary="Refund an order, fully or partly (an amount and/or tickets)",
    description="The refund is recorded before the provider is asked. 409 when the order's status "
    "allows no refund, or when the provider failed: the refund stays on the order as failed "
    "(see `refunds`) and `/refunds/retry` asks again.",
)
def refund_order(request: HttpRequest, code: str, body: RefundIn) -> HttpResponse:
    base_url = request.build_absolute_uri("/")
    return _act(
        request,
        code,
        lambda order, actor: order_actions.refund(
            order, actor, amount=body.amount, tickets=body.tickets, reason=body.reason, base_url=base_url
        ),
    )


@router.post(
    "/manage/orders/{code}/refunds/retry",
    response=_order_response({409: ProblemOut, 422: ProblemOut}),
    summary="Ask the payment provider again for a failed refund",
    description="The provider gets the refund's idempotency key again, so money goes back once. "
    "409 when the provider fails again (the refund stays failed, with its error).",
)
def retry_refund(request: HttpRequest, code: str, body: RetryRefundIn) -> HttpResponse:
    base_url = request.build_absolute_uri("/")
    return _act(
        request,
        code,
        lambda order, actor: order_actions.retry_refund(order, body.refund, actor, base_url=base_url),
    )


@router.post(
    "/manage/orders/{code}/mark-paid",
    response=_order_response({409: ProblemOut}),
    summary="Record a bank transfer's arrival",
)
def mark_order_paid(request: HttpRequest, code: str, body: MarkPaidIn) -> HttpResponse:
    base_url = request.build_absolute_uri("/")
    return _act(
        request,
        code,
        lambda order, actor: order_actions.mark_paid(
            order, actor, base_url=base_url, reference=body.reference
        ),
    )

"""No hoarding (ADR 0016): one buyer holds at most a share of a date's stock.

A *buyer* is each of two keys: the client's address (a keyed hash, never the
address) and, once known, the buyer's email. What a key holds on a date is the
tickets of its live holds and of its pending orders (paid orders are bought, not
held). The most a key may hold is ``buyer_limit``: the event's share of the date's
stock (``Event.buyer_share_percent``), at least BUYER_SHARE_MIN_TICKETS, at most
the event's ``max_tickets_per_buyer`` or BUYER_SHARE_MAX_TICKETS.

How it stays fast and exact under concurrency: every hold and purchase made through
the storefront or the public API adds its held tickets to its keys' ``BuyerLoad``
rows with an upsert whose WHERE refuses passing the limit, a claim of the same
statement that takes the stock (core.statements), so nothing is written when it is
refused, and two racing requests of one buyer queue on the row's lock. Nothing
subtracts (holds expire and orders are paid without anyone asking this module),
so the count only errs high: before refusing, ``guarded`` recounts the keys from
the holds and orders themselves under the row's lock, and tries once more.

A buyer who is refused (or trips the per-address rate limit) must then solve a
proof of work (sales.challenges) for every hold and purchase on that date for
CHALLENGE_PENALTY_MINUTES (``BuyerLoad.challenge_until``); so must everyone while
a ticket type's row on the date is under pressure (``DateTicketType.pressure_until``,
set by sales.stock.take, which counts the rush on the rows it writes).
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from core import statements
from events.models import DateTicketType, EventDate
from sales import audit
from sales.emails import CONFIRMATION_SALT
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import BuyerLoad, HoldLine, Order, Ticket

T = TypeVar("T")

BUYER = audit.Actor(system="The buyer (confirmed by email)")


class ChallengeRequired(OrderConflict):
    """The hold or purchase needs a solved proof-of-work challenge (sales.challenges)."""

    def __init__(self) -> None:
        super().__init__(gettext("Please let your browser solve the anti-bot check, then try again."))


class BuyerLimitReached(OrderConflict):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"One buyer may hold at most {limit} tickets of this date in reservations and unpaid "
            "orders. Pay or release the ones you have first."
        )


class _Refused(OrderConflict):
    """A key's claim was refused: over its limit, or a challenge is due (``guarded`` tells which)."""


@dataclass(frozen=True)
class Buyer:
    """Who makes a hold or a purchase: ``client`` is ``client_hash`` of the request's
    address ("" when unknown); ``solved``: the request carried a solved challenge."""

    client: str
    solved: bool = False


@dataclass(frozen=True)
class Key:
    kind: str  # "client" or "email"
    value: str  # the client's hash, or the normalized email

    @property
    def stored(self) -> str:
        """What BuyerLoad.key holds: no email in clear."""
        if self.kind == "email":
            return "email:" + salted_hmac("sales.hoarding.email", self.value).hexdigest()
        return "client:" + self.value


def client_hash(address: str) -> str:
    """A keyed hash of a client's address (SECRET_KEY), stored instead of the address:
    ``salted_hmac("sales.hoarding.client", address)``, from a copy of the keyed hash
    (deriving the key again costs every purchase two more hashes)."""
    if not address:
        return ""
    keyed = _client_key(settings.SECRET_KEY).copy()
    keyed.update(address.encode())
    return keyed.hexdigest()


@functools.lru_cache(maxsize=2)
def _client_key(secret: str) -> hmac.HMAC:
    return salted_hmac("sales.hoarding.client", "", secret=secret)


def keys(buyer: Buyer, email: str | None = None) -> list[Key]:
    """The buyer's keys, in the order their rows are locked."""
    found = [Key("client", buyer.client)] if buyer.client else []
    if email:
        found.append(Key("email", email.strip().lower()))
    return sorted(found, key=lambda k: k.stored)


def buyer_limit(date: EventDate) -> int:
    """The most tickets one key may hold on ``date`` (with its event loaded); the same
    rule as ``_limit_sql``."""
    event = date.event
    stock = date.capacity
    if stock is None:
        stock = DateTicketType.objects.filter(date=date, offered=True).aggregate(n=Sum("capacity"))["n"] or 0
    cap = event.max_tickets_per_buyer or settings.BUYER_SHARE_MAX_TICKETS
    floor = min(settings.BUYER_SHARE_MIN_TICKETS, cap)
    share = (stock * event.buyer_share_percent + 99) // 100
    return min(max(share, floor), cap)


def _cast(sql_type: str) -> str:
    """A parameter typed for an INSERT ... SELECT on PostgreSQL (SQLite needs none)."""
    return f"CAST(%s AS {sql_type})" if connection.vendor == "postgresql" else "%s"


@functools.cache
def _limit_sql(vendor: str) -> str:
    """``buyer_limit`` in SQL; parameters: floor, floor, cap, cap, percent, date id."""
    quote = connection.ops.quote_name
    dates, rows = quote(EventDate._meta.db_table), quote(DateTicketType._meta.db_table)
    stock = (
        f"COALESCE(d.capacity, (SELECT SUM(o.capacity) FROM {rows} o "  # noqa: S608 - table names
        "WHERE o.date_id = d.id AND o.offered), 0)"
    )
    return (
        "(SELECT CASE WHEN s.share < %s THEN %s WHEN s.share > %s THEN %s ELSE s.share END "  # noqa: S608
        f"FROM (SELECT ({stock} * {_cast('integer')} + 99) / 100 AS share "
        f"FROM {dates} d WHERE d.id = {_cast('bigint')}) s)"
    )


@functools.cache
def _upsert_sql(vendor: str) -> str:
    table = connection.ops.quote_name(BuyerLoad._meta.db_table)
    limit = _limit_sql(vendor)
    return (
        f"INSERT INTO {table} (date_id, key, tickets) "
        f"SELECT {_cast('bigint')}, {_cast('varchar')}, {_cast('integer')} "
        f"WHERE {_cast('integer')} <= {limit} {{gate}} "
        f"ON CONFLICT (date_id, key) DO UPDATE SET tickets = {table}.tickets + excluded.tickets "
        f"WHERE {table}.tickets + excluded.tickets <= {limit} "
        f"AND ({_cast('boolean')} OR {table}.challenge_until IS NULL OR {table}.challenge_until <= %s) "
        "RETURNING id"
    )


def _limit_params(date: EventDate) -> tuple[int, ...]:
    event = date.event
    cap = event.max_tickets_per_buyer or settings.BUYER_SHARE_MAX_TICKETS
    floor = min(settings.BUYER_SHARE_MIN_TICKETS, cap)
    return floor, floor, cap, cap, event.buyer_share_percent, date.pk


def claims(date: EventDate, buyer: Buyer, email: str | None, tickets: int) -> list[statements.Claim]:
    """The claims that add ``tickets`` to each of the buyer's keys on ``date``, refused
    past ``buyer_limit`` or while the key owes a challenge the request did not solve.
    Run after the stock's claims. An order paid at once holds nothing: it claims
    nothing (and costs the rush nothing)."""
    if tickets <= 0:
        return []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    limit = _limit_params(date)
    return [
        statements.Claim(
            name=f"buyer_{key.kind}",
            model=BuyerLoad,
            assignments="",
            condition="",
            params=(date.pk, key.stored, tickets, tickets, *limit, *limit, buyer.solved, now),
            refused=_Refused,
            text=_upsert_sql(connection.vendor),
        )
        for key in keys(buyer, email)
    ]


def held(date_id: int, key: Key, now: dt.datetime) -> int:
    """What ``key`` holds on a date now, counted from the holds and orders themselves."""
    alive = Q(order__payment_deadline__isnull=True) | Q(order__payment_deadline__gt=now)
    pending = Ticket.objects.filter(
        alive, order__date_id=date_id, order__status=Order.Status.PENDING, voided_at__isnull=True
    )
    if key.kind == "email":
        return pending.filter(order__buyer_email=key.value).count()
    holds = HoldLine.objects.filter(
        hold__date_id=date_id, hold__status="live", hold__expires_at__gt=now, hold__client_hash=key.value
    ).aggregate(n=Sum("quantity"))["n"]
    return (holds or 0) + pending.filter(order__client_hash=key.value).count()


def recount(date_id: int, key: Key) -> None:
    """Set the key's count to what it holds, under its row's lock: a write that added to
    it has committed its holds or orders by the time the lock is granted."""
    with transaction.atomic():
        row = (
            BuyerLoad.objects.select_for_update()
            .filter(date_id=date_id, key=key.stored)
            .values_list("pk", flat=True)
            .first()
        )
        if row is not None:
            BuyerLoad.objects.filter(pk=row).update(tickets=held(date_id, key, timezone.now()))


def demand_challenge(date: EventDate, buyer: Buyer) -> None:
    """The client tripped a limit: its holds and purchases on ``date`` need a proof of
    work for CHALLENGE_PENALTY_MINUTES."""
    if not buyer.client:
        return
    until = timezone.now() + dt.timedelta(minutes=settings.CHALLENGE_PENALTY_MINUTES)
    BuyerLoad.objects.bulk_create(
        [BuyerLoad(date=date, key=Key("client", buyer.client).stored, challenge_until=until)],
        update_conflicts=True,
        unique_fields=["date", "key"],
        update_fields=["challenge_until"],
    )


def date_under_pressure(date: EventDate) -> bool:
    """Whether a ticket type's row on the date is under pressure (sales.stock.take counts
    the rush on each row it writes); read from ``EventDate.objects.with_pressure()``'s
    annotation when the date was loaded with it, else asked."""
    now = timezone.now()
    if hasattr(date, "pressure_until"):
        return date.pressure_until is not None and date.pressure_until > now
    return DateTicketType.objects.filter(date_id=date.pk, pressure_until__gt=now).exists()


def challenge_due(date: EventDate, buyer: Buyer, offers: Iterable[DateTicketType] | None = None) -> bool:
    """Whether this hold or purchase needs a proof of work it does not carry: a ticket type
    of the date is under pressure (of ``offers``, the chosen types' rows when the caller
    read them; else any of the date's), or the client owes one (the latter is also
    enforced by ``claims``)."""
    if buyer.solved:
        return False
    if offers is not None:
        return any(offer.under_pressure for offer in offers)
    return date_under_pressure(date)


def guarded(date: EventDate, buyer: Buyer | None, email: str | None, attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (a write whose claims include ``claims``); when a key's claim is
    refused, say why: ChallengeRequired when the key owes a challenge, else recount the
    keys and try once more, then BuyerLimitReached (and the client owes a challenge)."""
    if buyer is None:
        return attempt()
    try:
        return attempt()
    except _Refused:
        pass
    found = keys(buyer, email)
    now = timezone.now()
    owed = BuyerLoad.objects.filter(
        date=date, key__in=[k.stored for k in found], challenge_until__gt=now
    ).exists()
    if owed and not buyer.solved:
        raise ChallengeRequired()
    for key in found:
        recount(date.pk, key)
    try:
        return attempt()
    except _Refused as exc:
        demand_challenge(date, buyer)
        raise BuyerLimitReached(buyer_limit(date)) from exc


# --- A bank transfer's confirmation by email ---------------------------------------------

_CONFIRMATION_SALT = CONFIRMATION_SALT
# The link outlives the first window a little: a late click finds the order expired.
_CONFIRMATION_MAX_AGE = dt.timedelta(days=2)


def confirmation_valid(code: str, token: str) -> bool:
    try:
        signed = signing.loads(token, salt=_CONFIRMATION_SALT, max_age=_CONFIRMATION_MAX_AGE)
    except (signing.BadSignature, ValueError, UnicodeError):
        return False
    return isinstance(signed, str) and constant_time_compare(signed, code)


def confirm_order(code: str, token: str) -> Order:
    """The buyer confirmed the bank transfer by the link in its email: it now holds its
    tickets until the event's usual payment deadline (from when it was placed). Once
    only: the conditional UPDATE finds the order still awaiting and in its first window.

    Raises OrderInvalid (not this order's link) or OrderConflict (confirmed already,
    expired, or no longer pending)."""
    if not confirmation_valid(code, token):
        raise OrderInvalid(gettext("This confirmation link is not valid."), "token")
    order = Order.objects.select_related("event").filter(code=code).first()
    if order is None:
        raise OrderInvalid(gettext("This confirmation link is not valid."), "token")
    deadline = order.created_at + dt.timedelta(days=order.event.offline_payment_days)
    with transaction.atomic():
        confirmed = Order.objects.filter(
            pk=order.pk,
            status=Order.Status.PENDING,
            awaiting_confirmation=True,
            payment_deadline__gt=timezone.now(),
        ).update(awaiting_confirmation=False, payment_deadline=deadline)
        if not confirmed:
            order.refresh_from_db(fields=["status", "awaiting_confirmation"])
            if order.status == Order.Status.PENDING and not order.awaiting_confirmation:
                raise OrderConflict(gettext("This order is already confirmed."))
            raise OrderConflict(
                gettext("This order can no longer be confirmed: it is not waiting for payment.")
            )
        audit.record(order, "confirmed_by_buyer", BUYER)
    order.refresh_from_db()
    return order

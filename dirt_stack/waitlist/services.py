"""The waiting list's rules: joining (double opt-in), leaving, and offering freed stock.

Offers are made where they cannot race. ``offer_returned_stock`` runs inside the
transaction of ``sales.stock.give_back`` (an expired hold or offer, a release, a
cancellation, a refund), right after the ticket type's counter came down, with that row
still locked by the UPDATE: the freed tickets are held again for the first waiting entries
that fit before anyone else can read them free, so the public shop and API keep saying
"sold out". ``offer_free_stock`` (the outbox's once-a-minute sweep, a confirmation,
"offer now") locks the ticket type's row on the date first. Either way an offer takes its
hold through ``sales.stock.acquire``, the claims every sale makes (CHECK constraints:
never oversold), and two processes freeing stock at once are serialized on that row.

Fairness: among confirmed entries of a ticket type on a date, first confirmed, first
offered; an entry wanting more than is free waits (all or nothing) without blocking a
later entry that fits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import domain_events, outbox, ratelimit
from core.input import column_length, is_ip_literal, text_problem
from core.locales import DEFAULT_LANGUAGE, LANGUAGE_CODES
from events.models import DateTicketType, Event, EventDate, TicketType
from sales import quotas, stock
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import Hold, HoldLine, Order
from sales.pricing import ensure_on_sale
from waitlist.models import DEFAULT_OFFER_HOURS, Entry, Offer, WaitlistSettings

logger = logging.getLogger(__name__)

CONFIRM_SALT = "waitlist.confirm"
UNSUBSCRIBE_SALT = "waitlist.unsubscribe"
OFFER_SALT = "waitlist.offer"
CONFIRM_LINK_MAX_AGE = dt.timedelta(days=7)
# An offer shorter than this is not made: the tickets stay on public sale.
MIN_OFFER = dt.timedelta(minutes=15)
# Near the event an offer lasts at most this share of the time left before it starts.
NEAR_EVENT_SHARE = 4

# Outbox kinds (waitlist.emails).
CONFIRM_EMAIL = "waitlist_confirm"
OFFER_EMAIL = "waitlist_offer"
CANCELLED_EMAIL = "waitlist_cancelled"


# Joins per client address (the web and the API together): each join sends an email.
JOINS_PER_ADDRESS = ratelimit.RateLimit(limit=10, window_seconds=600)


class TooManyJoins(OrderConflict):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            gettext("Too many waiting-list requests from your address. Try again in %(seconds)s seconds.")
            % {"seconds": retry_after}
        )


def count_join(address: str) -> None:
    """Count a join from ``address`` against JOINS_PER_ADDRESS; TooManyJoins past it."""
    verdict = ratelimit.hit(ratelimit.key_for("waitlist-join", address), JOINS_PER_ADDRESS)
    if not verdict.allowed:
        raise TooManyJoins(verdict.retry_after)


class NoWaitingList(OrderConflict):
    def __init__(self) -> None:
        super().__init__(gettext("This event has no waiting list."))


class NotSoldOut(OrderConflict):
    def __init__(self) -> None:
        super().__init__(gettext("These tickets are still on sale: buy them directly."))


class LinkInvalid(Exception):
    """A confirmation, unsubscribe or offer link that is not ours, or too old."""


# --- Settings --------------------------------------------------------------------------


def settings_of(event: Event) -> WaitlistSettings:
    """The event's waiting-list settings (unsaved defaults when it never had any)."""
    found = WaitlistSettings.objects.filter(event=event).first()
    return found or WaitlistSettings(event=event, enabled=False, offer_hours=DEFAULT_OFFER_HOURS)


def configure(event: Event, *, enabled: bool, offer_hours: int) -> WaitlistSettings:
    found, _ = WaitlistSettings.objects.update_or_create(
        event=event, defaults={"enabled": enabled, "offer_hours": offer_hours}
    )
    return found


def enabled(event: Event) -> bool:
    return WaitlistSettings.objects.filter(event=event, enabled=True).exists()


# --- Joining -----------------------------------------------------------------------------


def email_key(email: str) -> str:
    """One key per mailbox: lower case, without a "+tag" in the local part."""
    local, _, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def check_email(email: str) -> str:
    """The email, stripped, or OrderInvalid on ``email``."""
    email = email.strip()
    if text_problem(email, max_length=column_length(Entry, "email")):
        raise OrderInvalid(gettext("Enter a valid email address."), "email")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise OrderInvalid(gettext("Enter a valid email address."), "email") from exc
    if is_ip_literal(email):
        raise OrderInvalid(gettext("Enter an email address with a domain name, not an IP address."), "email")
    return email


def check_quantity(ticket_type: TicketType, quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise OrderInvalid(gettext("Enter a whole number of tickets."), "quantity")
    low, high = max(1, ticket_type.min_per_order), ticket_type.max_per_order
    if not low <= quantity <= high:
        raise OrderInvalid(
            gettext("Choose between %(min)s and %(max)s tickets.") % {"min": low, "max": high}, "quantity"
        )
    return quantity


@dataclass(frozen=True)
class Joined:
    entry: Entry
    created: bool


def join(
    date: EventDate, ticket_type: TicketType, email: str, quantity: object, *, locale: str = DEFAULT_LANGUAGE
) -> Joined:
    """Put ``email`` on the waiting list of ``ticket_type`` on ``date`` (with its event) for
    ``quantity`` tickets, awaiting confirmation: the confirmation email is queued. The
    entry's emails are written in ``locale`` (one of core.locales, else the default).

    Raises NoWaitingList, an OrderConflict when the date is not on sale, NotSoldOut while
    fewer than ``quantity`` are missing, OrderInvalid on a bad email, quantity or ticket
    type. An address already on this list gets its entry back (a pending one gets its
    confirmation email again), so the answer never tells whether it was there."""
    event = date.event
    if not enabled(event):
        raise NoWaitingList()
    offer = DateTicketType.objects.filter(date=date, ticket_type=ticket_type, offered=True).first()
    if ticket_type.event_id != event.pk or ticket_type.hidden or offer is None:
        raise OrderInvalid(gettext("Choose a ticket type of this date."), "ticket_type")
    email = check_email(email)
    wanted = check_quantity(ticket_type, quantity)
    ensure_on_sale(date)
    if quotas.availability(date).get(ticket_type.pk, 0) >= wanted:
        raise NotSoldOut()
    key = email_key(email)
    active = Entry.objects.filter(date=date, ticket_type=ticket_type, email_key=key, status__in=Entry.ACTIVE)
    with transaction.atomic():
        existing = active.first()
        created = False
        if existing is None:
            try:
                with transaction.atomic():
                    existing = Entry.objects.create(
                        event=event,
                        date=date,
                        ticket_type=ticket_type,
                        email=email,
                        email_key=key,
                        quantity=wanted,
                        locale=locale if locale in LANGUAGE_CODES else DEFAULT_LANGUAGE,
                    )
                    created = True
                    domain_events.record(
                        domain_events.WAITLIST_ENTRY_CREATED,
                        event,
                        entry_id=existing.pk,
                        date_id=date.pk,
                        ticket_type_id=ticket_type.pk,
                        status=str(existing.status),
                    )
            except IntegrityError:  # the same address joined at the same moment
                existing = active.get()
        if existing.status == Entry.Status.PENDING:
            outbox.enqueue(CONFIRM_EMAIL, {"entry_id": existing.pk})
    return Joined(existing, created)


def link_token(entry: Entry, salt: str) -> str:
    return signing.dumps(entry.pk, salt=salt)


def entry_of_link(token: str, salt: str, max_age: dt.timedelta | None = None) -> Entry:
    try:
        entry_id = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature as exc:
        raise LinkInvalid() from exc
    entry = Entry.objects.select_related("event", "date", "ticket_type").filter(pk=entry_id).first()
    if entry is None:
        raise LinkInvalid()
    return entry


def confirm(token: str) -> Entry:
    """Follow a confirmation link: the entry starts waiting (once; again is harmless), and
    is offered at once when its tickets are free."""
    entry = entry_of_link(token, CONFIRM_SALT, CONFIRM_LINK_MAX_AGE)
    with transaction.atomic():
        now = timezone.now()
        if Entry.objects.filter(pk=entry.pk, status=Entry.Status.PENDING).update(
            status=Entry.Status.WAITING, confirmed_at=now
        ):
            offer_free_stock(entry.date_id, [entry.ticket_type_id])
    entry.refresh_from_db()
    return entry


def unsubscribe(token: str) -> Entry:
    """Follow an unsubscribe link: the entry leaves the list (an open offer's tickets go
    to the next entry)."""
    entry = entry_of_link(token, UNSUBSCRIBE_SALT)
    remove(entry)
    entry.refresh_from_db()
    return entry


def remove(entry: Entry) -> bool:
    """Take ``entry`` off the list (the organizer, or its unsubscribe link); its open offer
    is withdrawn and its hold released, which offers the tickets to the next entry.
    False when it had left already."""
    with transaction.atomic():
        if not Entry.objects.filter(pk=entry.pk, status__in=Entry.ACTIVE).update(
            status=Entry.Status.REMOVED, ended_at=timezone.now()
        ):
            return False
        for offer in Offer.objects.filter(entry=entry, status=Offer.Status.OPEN).select_related("hold"):
            Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.LAPSED)
            stock.release(offer.hold)
    return True


def close_cancelled(date_ids: list[int]) -> None:
    """events.dates' listener: these dates were cancelled (their holds, the offers' among
    them, are released next). Their entries still on the list leave it, open offers lapse,
    and who had confirmed is told by email (an unconfirmed entry asked for nothing yet)."""
    with transaction.atomic():
        entries = list(
            Entry.objects.select_for_update()
            .filter(date_id__in=date_ids, status__in=Entry.ACTIVE)
            .values_list("pk", "status")
        )
        if not entries:
            return
        Offer.objects.filter(entry_id__in=[pk for pk, _ in entries], status=Offer.Status.OPEN).update(
            status=Offer.Status.LAPSED
        )
        Entry.objects.filter(pk__in=[pk for pk, _ in entries]).update(
            status=Entry.Status.REMOVED, ended_at=timezone.now()
        )
        for pk, status in entries:
            if status != Entry.Status.PENDING:
                outbox.enqueue(CANCELLED_EMAIL, {"entry_id": pk})


# --- Offers ------------------------------------------------------------------------------


def offer_token(offer: Offer) -> str:
    return signing.dumps(offer.pk, salt=OFFER_SALT)


def offer_of_token(token: str) -> Offer:
    try:
        offer_id = signing.loads(token, salt=OFFER_SALT)
    except signing.BadSignature as exc:
        raise LinkInvalid() from exc
    offer = Offer.objects.select_related("hold", "entry").filter(pk=offer_id).first()
    if offer is None:
        raise LinkInvalid()
    return offer


def claimable(offer: Offer) -> bool:
    """Whether the offer's link still leads to its checkout: open, its hold live. Once its
    hold became an order (or lapsed) the link is spent."""
    settle_offers([offer.hold.date_id])
    offer.refresh_from_db()
    offer.hold.refresh_from_db()
    return offer.status == Offer.Status.OPEN and offer.hold.is_live


def offer_prices(hold: Hold) -> dict[int, Decimal] | None:
    """sales.purchase's hold prices: an open offer's hold is bought at the offer's price."""
    offer = Offer.objects.filter(hold=hold, status=Offer.Status.OPEN).only("unit_price").first()
    if offer is None:
        return None
    return {line.ticket_type_id: offer.unit_price for line in hold.lines.all()}


def settle_offers(date_ids: Iterable[int]) -> None:
    """Bring open offers whose hold is no longer live up to date: converted into an order
    (claimed, the entry too) or released (lapsed: expired, given up at the checkout)."""
    ids = list(date_ids)
    for offer in Offer.objects.filter(status=Offer.Status.OPEN, hold__date_id__in=ids).exclude(
        hold__status=Hold.Status.LIVE
    ):
        now = timezone.now()
        order = Order.objects.filter(hold_id=offer.hold_id).first()
        if order is not None:
            if Offer.objects.filter(pk=offer.pk, status=Offer.Status.OPEN).update(
                status=Offer.Status.CLAIMED, order=order
            ):
                Entry.objects.filter(pk=offer.entry_id, status=Entry.Status.OFFERED).update(
                    status=Entry.Status.CLAIMED, ended_at=now
                )
        elif Offer.objects.filter(pk=offer.pk, status=Offer.Status.OPEN).update(status=Offer.Status.LAPSED):
            Entry.objects.filter(pk=offer.entry_id, status=Entry.Status.OFFERED).update(
                status=Entry.Status.LAPSED, ended_at=now
            )


def offer_expiry(
    date: EventDate, ticket_type: TicketType, hours: int, now: dt.datetime
) -> dt.datetime | None:
    """When an offer made ``now`` ends: after the event's offer hours, never after the sales
    end (the date's or the ticket type's), and near the event a quarter of the time left
    before it starts. None when that leaves less than MIN_OFFER."""
    ends = [now + dt.timedelta(hours=hours), now + (date.starts_at - now) / NEAR_EVENT_SHARE]
    ends += [end for end in (date.sales_end, ticket_type.sales_end) if end is not None]
    expires_at = min(ends)
    return expires_at if expires_at - now >= MIN_OFFER else None


def offer_returned_stock(date_id: int, ticket_type_ids: list[int]) -> None:
    """sales.stock's listener: stock of these ticket types came back on the date, inside the
    transaction that freed it. Lapsed and claimed offers are settled first (an expired offer
    passes to the next entry here); an error is logged, never raised into the refund or
    release that freed the stock."""
    if not Entry.objects.filter(
        date_id=date_id, status__in=(Entry.Status.WAITING, Entry.Status.OFFERED)
    ).exists():
        return
    try:
        with transaction.atomic():
            settle_offers([date_id])
            offer_free_stock(date_id, ticket_type_ids, locked=True)
    except Exception:
        logger.exception("Offering returned stock to the waiting list of date %s failed.", date_id)


def offer_raised_capacity(date_ids: list[int]) -> None:
    """events.dates' listener: a capacity rose on these dates. Their waiting entries are
    offered what came free right after the change commits, in a transaction of its own
    that locks the stock rows in stock's order (inside the change's transaction, which
    already holds some of them, it could deadlock with a purchase); until then, and if it
    fails, the once-a-minute sweep does the same."""
    waited = sorted(
        set(
            Entry.objects.filter(date_id__in=date_ids, status=Entry.Status.WAITING).values_list(
                "date_id", flat=True
            )
        )
    )

    def offer() -> None:
        for date_id in waited:
            try:
                with transaction.atomic():
                    settle_offers([date_id])
                    offer_free_stock(date_id)
            except Exception:
                logger.exception("Offering raised capacity to the waiting list of date %s failed.", date_id)

    if waited:
        transaction.on_commit(offer)


def offer_free_stock(
    date_id: int, ticket_type_ids: Iterable[int] | None = None, *, locked: bool = False
) -> list[Offer]:
    """Offer what is free of these ticket types on the date (all with waiting entries when
    None; under a shared capacity every type of the date competes for the same tickets) to
    the first waiting entries that fit. ``locked``: the caller's transaction already holds
    the stock rows (give_back); otherwise they are locked here, in stock's order."""
    with transaction.atomic():
        date = EventDate.objects.select_related("event").filter(pk=date_id).first()
        if date is None or not enabled(date.event):
            return []
        waiting = Entry.objects.filter(date_id=date_id, status=Entry.Status.WAITING)
        types = set(waiting.values_list("ticket_type_id", flat=True))
        if ticket_type_ids is not None and date.capacity is None:
            types &= set(ticket_type_ids)
        if not types:
            return []
        if not locked and not any(_free(date, row) > 0 for row in _rows(date_id, types, lock=False).values()):
            return []  # nothing free: no lock taken (the sweep runs every minute)
        if not locked or date.capacity is not None:
            date = EventDate.objects.select_for_update(no_key=True).select_related("event").get(pk=date_id)
        rows = _rows(date_id, types, lock=True)
        made: list[Offer] = []
        for ticket_type_id in sorted(rows):
            made += _offer_type(date, rows[ticket_type_id], waiting.filter(ticket_type_id=ticket_type_id))
        return made


def _rows(date_id: int, ticket_type_ids: Iterable[int], *, lock: bool) -> dict[int, DateTicketType]:
    """The date's stock rows of these ticket types, locked in stock's order with ``lock``."""
    rows = DateTicketType.objects.select_related("ticket_type").filter(
        date_id=date_id, ticket_type_id__in=sorted(ticket_type_ids), offered=True
    )
    if lock:
        rows = rows.select_for_update(no_key=True, of=("self",))
    return {row.ticket_type_id: row for row in rows.order_by("ticket_type_id")}


def _free(date: EventDate, row: DateTicketType) -> int:
    free = row.capacity - row.allocated
    if date.capacity is not None:
        free = min(free, date.capacity - date.allocated)
    return max(free, 0)


def _offer_type(date: EventDate, row: DateTicketType, waiting: Iterable[Entry]) -> list[Offer]:
    made: list[Offer] = []
    free = _free(date, row)
    if free <= 0:
        return made
    for entry in (
        Entry.objects.select_for_update()
        .filter(pk__in=[e.pk for e in waiting])
        .order_by("confirmed_at", "id")
    ):
        if entry.quantity > free:
            continue  # all or nothing: it waits, a later entry that fits goes first
        offer = make_offer(date, row, entry)
        if offer is None:
            break
        made.append(offer)
        free -= entry.quantity
        if free <= 0:
            break
    return made


def make_offer(date: EventDate, row: DateTicketType, entry: Entry, *, made_by: str = "") -> Offer | None:
    """Hold ``entry``'s tickets for it (the same claims as every sale) and queue the offer
    email; None when the date is not on sale, the offer would be too short, or the stock
    was taken meanwhile. Call inside a transaction holding the entry's row."""
    now = timezone.now()
    hours = settings_of(date.event).offer_hours
    expires_at = offer_expiry(date, row.ticket_type, hours, now)
    if expires_at is None:
        return None
    try:
        ensure_on_sale(date)
    except OrderConflict:
        return None
    hold = Hold(event=date.event, date=date, expires_at=expires_at)
    try:
        with transaction.atomic():
            hold.save(force_insert=True)
            HoldLine.objects.create(hold=hold, ticket_type_id=row.ticket_type_id, quantity=entry.quantity)
            stock.acquire(date, {row.ticket_type_id: entry.quantity})
    except OrderConflict:
        return None
    row.allocated += entry.quantity
    if date.capacity is not None:
        date.allocated += entry.quantity
    Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.OFFERED)
    offer = Offer.objects.create(
        entry=entry,
        hold=hold,
        quantity=entry.quantity,
        unit_price=row.effective_price,
        expires_at=expires_at,
        made_by=made_by,
    )
    outbox.enqueue(OFFER_EMAIL, {"offer_id": offer.pk})
    domain_events.record(
        domain_events.WAITLIST_ENTRY_OFFERED,
        date.event,
        entry_id=entry.pk,
        offer_id=offer.pk,
        date_id=date.pk,
        ticket_type_id=row.ticket_type_id,
        status=Entry.Status.OFFERED,
    )
    return offer


def offer_now(entry: Entry, *, made_by: str) -> Offer:
    """The organizer offers ``entry`` its tickets now, ahead of its turn, from what is free
    (never more: OrderConflict when its quantity is not free)."""
    with transaction.atomic():
        date = EventDate.objects.select_for_update(no_key=True).select_related("event").get(pk=entry.date_id)
        row = (
            DateTicketType.objects.select_for_update(no_key=True)
            .select_related("ticket_type")
            .get(date_id=entry.date_id, ticket_type_id=entry.ticket_type_id)
        )
        locked = Entry.objects.select_for_update().get(pk=entry.pk)
        if locked.status != Entry.Status.WAITING:
            raise OrderConflict("Only a confirmed, waiting entry can get an offer.")
        free = _free(date, row)
        if locked.quantity > free:
            raise OrderConflict(f"Not enough tickets are free for this entry ({free} free).")
        offer = make_offer(date, row, locked, made_by=made_by)
        if offer is None:
            raise OrderConflict("This date is not on sale, or too close to its start, for an offer.")
        return offer


# --- The sweep ---------------------------------------------------------------------------


def sweep(now: dt.datetime | None = None) -> int:
    """Settle offers and offer what is free on every date with waiting entries (stock freed
    without a give-back: a raised capacity); returns the offers made."""
    date_ids = sorted(
        set(
            Entry.objects.filter(status__in=(Entry.Status.WAITING, Entry.Status.OFFERED)).values_list(
                "date_id", flat=True
            )
        )
    )
    settle_offers(date_ids)
    return sum(len(offer_free_stock(date_id)) for date_id in date_ids)


def sweep_quietly() -> None:
    """``sweep`` for core.outbox's periodic sweep (which logs what raises)."""
    sweep()


# --- Links -------------------------------------------------------------------------------


def site_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"

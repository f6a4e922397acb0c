"""The on-sale room's services: settings, joining, a visitor's status, the live counts.

Interfaces (storefront, backoffice, api) call these; the admission rounds are
onsale.ticker's (``tick``, ``tick_all``, re-exported here), the check of holds and
purchases is onsale.gate's. ``join_queue`` is the interfaces' join: the proof of
work (sales.challenges), the per-address limit (core.ratelimit's counters) and the
entry, written together (one statement on PostgreSQL); ``join`` is the bare insert.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime

from accounts.models import User
from core import ratelimit, statements
from core.datetimes import within_window
from core.models import RateLimitCounter
from core.rows import column_name
from events.models import Event
from onsale import gate, snapshots, tokens
from onsale.exceptions import ProofRefused, RoomClosed, TooManyJoins
from onsale.models import RATE_MAX, SESSION_MINUTES_MAX, SHOPPERS_MAX, QueueEntry, Room, RoomChange
from onsale.ticker import TickResult, new_draw, tick, tick_all, valid_admissions
from sales import challenges, hoarding
from sales.models import Hold, SpentChallenge

__all__ = [
    "EntryRow",
    "Joined",
    "Lookup",
    "QueueStatus",
    "RoomCounts",
    "TickResult",
    "configure",
    "counts",
    "current_status",
    "enter",
    "join",
    "join_queue",
    "lookup",
    "pause",
    "resume",
    "room_of",
    "set_rate",
    "status",
    "status_of",
    "tick",
    "tick_all",
]

SETTINGS = (
    "enabled",
    "queue_opens_at",
    "sale_starts_at",
    "admissions_per_minute",
    "max_active_shoppers",
    "session_minutes",
    "mode",
    "paused",
)
_RANGES = {
    "admissions_per_minute": (1, RATE_MAX),
    "max_active_shoppers": (1, SHOPPERS_MAX),
    "session_minutes": (1, SESSION_MINUTES_MAX),
}


# --- Settings --------------------------------------------------------------------------


def room_of(event: Event) -> Room | None:
    return Room.objects.filter(event=event).first()


def _clean(room: Room, values: dict[str, Any]) -> dict[str, Any]:
    """The settings in ``values`` checked; ValidationError with a message per field."""
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise ValueError(f"Unknown room settings: {sorted(unknown)}")
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("enabled", "paused"):
            if not isinstance(value, bool):
                errors[name] = "Choose yes or no."
                continue
        elif name in _RANGES:
            low, high = _RANGES[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[name] = f"Give a whole number from {low} to {high:,}."
                continue
        elif name == "mode":
            if value not in Room.Mode.values:
                errors[name] = "Choose random order at opening or first come, first served."
                continue
            if room.opened_at is not None and value != room.mode:
                errors[name] = "The queue's order was already drawn; the mode can no longer change."
                continue
        else:  # the two date-times
            label = "Queue opens" if name == "queue_opens_at" else "Sale starts"
            if not isinstance(value, dt.datetime) or timezone.is_naive(value):
                errors[name] = f"{label}: give a date and time."
                continue
            try:
                value = within_window(value, label)
            except ValidationError as error:
                errors[name] = error.messages[0]
                continue
        cleaned[name] = value
    opens = cleaned.get("queue_opens_at", getattr(room, "queue_opens_at", None))
    starts = cleaned.get("sale_starts_at", getattr(room, "sale_starts_at", None))
    for name, value in (("queue_opens_at", opens), ("sale_starts_at", starts)):
        if value is None and name not in errors:
            errors[name] = "Give a date and time."
    if not errors and opens is not None and starts is not None and opens > starts:
        errors["queue_opens_at"] = "The queue must open at or before the sale starts."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _change_action(name: str, after: Any) -> str:
    if name == "enabled":
        return RoomChange.Action.ENABLED if after else RoomChange.Action.DISABLED
    if name == "paused":
        return RoomChange.Action.PAUSED if after else RoomChange.Action.RESUMED
    if name == "admissions_per_minute":
        return RoomChange.Action.RATE_CHANGED
    return RoomChange.Action.SETTINGS_CHANGED


def _created_action(values: dict[str, Any]) -> str:
    return RoomChange.Action.ENABLED if values.get("enabled") else RoomChange.Action.SETTINGS_CHANGED


def _logged(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def configure(event: Event, *, actor: User | None, actor_label: str, **values: Any) -> Room:
    """Create or change the event's room; one RoomChange per kind of change (enabling,
    pausing, the rate, the other settings together). ValidationError per field."""
    with transaction.atomic():
        room = Room.objects.select_for_update().filter(event=event).first()
        created = room is None
        if room is None:
            room = Room(event=event)
        cleaned = _clean(room, values)
        changes: dict[str, dict[str, Any]] = {}
        for name, after in cleaned.items():
            before = None if created else getattr(room, name)
            if created or before != after:
                # A new room's settings are one entry (enabled, or settings_changed).
                action = _change_action(name, after) if not created else _created_action(cleaned)
                changes.setdefault(action, {})[name] = {"before": _logged(before), "after": _logged(after)}
            setattr(room, name, after)
        room.save()
        RoomChange.objects.bulk_create(
            RoomChange(room=room, action=action, detail=detail, actor=actor, actor_label=actor_label)
            for action, detail in changes.items()
        )
    gate.forget_rooms()
    return room


def pause(room: Room, *, actor: User | None, actor_label: str) -> Room:
    """Stop admitting (the queue keeps its order; valid admissions stay valid)."""
    return configure(room.event, actor=actor, actor_label=actor_label, paused=True)


def resume(room: Room, *, actor: User | None, actor_label: str) -> Room:
    return configure(room.event, actor=actor, actor_label=actor_label, paused=False)


def set_rate(room: Room, per_minute: int, *, actor: User | None, actor_label: str) -> Room:
    """Admit ``per_minute`` a minute from the next round on."""
    return configure(room.event, actor=actor, actor_label=actor_label, admissions_per_minute=per_minute)


# --- Joining and a visitor's status -----------------------------------------------------
#
# The status answer is the request the waiting crowd repeats, and joining is what every
# arrival does once: both read the event, its room and the browser's entry in ONE query
# (``_lookup``: plain SQL over indexed columns, the event by slug or id, the room by its
# event, the entry by (room, browser_hash)), and a status is computed from those rows
# (``status_of``) without reading them again.

_ROOM_COLUMNS = (
    "id",
    "enabled",
    "queue_opens_at",
    "sale_starts_at",
    "admissions_per_minute",
    "mode",
    "paused",
    "admitted_through",
    "last_tick_at",
    "sold_out",
    "session_minutes",
)
_ENTRY_COLUMNS = (
    "id",
    "browser_hash",
    "prequeued",
    "position",
    "status",
    "admitted_at",
    "expires_at",
    "picked_up_at",
)
_DATETIMES = frozenset(
    {"queue_opens_at", "sale_starts_at", "last_tick_at", "admitted_at", "expires_at", "picked_up_at"}
)
_BOOLEANS = frozenset({"enabled", "paused", "sold_out", "prequeued"})


def _column(model: type[models.Model], name: str) -> str:
    return connection.ops.quote_name(column_name(model._meta.get_field(name)))


@functools.cache
def _lookup_sql(by: str) -> str:
    """SELECT the event's id, the room's columns, the entry's columns; ``by`` is "slug"
    (public events only) or "id". Names from model metadata, every value a parameter."""
    quote, column = connection.ops.quote_name, _column
    event_id, room_id = column(Event, "id"), column(Room, "id")
    selected = ", ".join(
        [f"e.{event_id}"]
        + [f"r.{column(Room, name)}" for name in _ROOM_COLUMNS]
        + [f"q.{column(QueueEntry, name)}" for name in _ENTRY_COLUMNS]
    )
    if by == "slug":
        where = f"e.{column(Event, 'slug')} = %s AND e.{column(Event, 'status')} IN (%s, %s)"
    else:
        where = f"e.{event_id} = %s"
    return (
        f"SELECT {selected} FROM {quote(Event._meta.db_table)} e"  # noqa: S608 - names from metadata
        f" LEFT JOIN {quote(Room._meta.db_table)} r ON r.{column(Room, 'event')} = e.{event_id}"
        f" LEFT JOIN {quote(QueueEntry._meta.db_table)} q ON q.{column(QueueEntry, 'room')} = r.{room_id}"
        f" AND q.{column(QueueEntry, 'browser_hash')} = %s"
        f" WHERE {where}"
    )


@functools.cache
def _entry_sql() -> str:
    """SELECT the entry's columns by (room, browser_hash): the unique index's lookup."""
    selected = ", ".join(_column(QueueEntry, name) for name in _ENTRY_COLUMNS)
    return (
        f"SELECT {selected} FROM {connection.ops.quote_name(QueueEntry._meta.db_table)}"  # noqa: S608 - names from metadata
        f" WHERE {_column(QueueEntry, 'room')} = %s AND {_column(QueueEntry, 'browser_hash')} = %s"
    )


def _value(name: str, value: Any) -> Any:
    """A column's value as the model holds it (SQLite answers text and integers)."""
    if value is None:
        return None
    if name in _DATETIMES:
        # SQLite answers text or naive datetimes, in UTC.
        moment = parse_datetime(value) if isinstance(value, str) else value
        return moment if moment is None or timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)
    if name in _BOOLEANS:
        return bool(value)
    return value


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A browser's entry as a status reads it (``_ENTRY_COLUMNS``), without building a
    model instance: the waiting crowd's polls read one each."""

    id: int
    browser_hash: str
    prequeued: bool
    position: int | None
    status: str
    admitted_at: dt.datetime | None
    expires_at: dt.datetime | None
    picked_up_at: dt.datetime | None

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True)
class Lookup:
    """An event's id, its room (None without one) and a browser's entry in it (None when
    the browser has not joined), read together by ``lookup``. The entry is a model
    instance read by event id, an ``EntryRow`` read by slug (the status answer's)."""

    event_id: int
    room: Room | None
    entry: QueueEntry | EntryRow | None


def lookup(*, browser_id: str | None, slug: str | None = None, event_id: int | None = None) -> Lookup | None:
    """The public event ``slug`` (or any event by ``event_id``) with its room and the
    browser's entry, in one query; None when there is no such event. By slug, the
    event and room come from this process's snapshot (onsale.snapshots, at most a
    second old) when it has one: then only the entry is read, by its unique index."""
    browser = tokens.browser_hash(browser_id) if browser_id else ""
    if slug is not None:
        snapshot = snapshots.get(slug)
        if snapshot is not None:
            return _with_entry(*snapshot, browser)
        found = _read(_lookup_sql("slug"), [browser, slug, Event.Status.PUBLISHED, Event.Status.CANCELLED])
        if found is not None:
            snapshots.put(slug, found.event_id, found.room)
        return found
    return _read(_lookup_sql("id"), [browser, event_id])


def _with_entry(event_id: int, room: Room | None, browser: str) -> Lookup:
    if room is None or not browser:
        return Lookup(event_id=event_id, room=room, entry=None)
    # Prepared once per connection on PostgreSQL: the crowd repeats this very query.
    rows = statements.fetch(_entry_sql(), [room.pk, browser])
    if not rows:
        return Lookup(event_id=event_id, room=room, entry=None)
    values = (_value(name, value) for name, value in zip(_ENTRY_COLUMNS, rows[0], strict=True))
    return Lookup(event_id=event_id, room=room, entry=EntryRow(*values))


def _entry(room: Room, values: Any) -> QueueEntry:
    fields = {name: _value(name, value) for name, value in zip(_ENTRY_COLUMNS, values, strict=True)}
    return QueueEntry(room_id=room.pk, **fields)


def _read(sql: str, params: list[Any]) -> Lookup | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    rooms = len(_ROOM_COLUMNS)
    room_values = dict(zip(_ROOM_COLUMNS, row[1 : 1 + rooms], strict=True))
    room = None
    if room_values["id"] is not None:
        room = Room(event_id=row[0], **{name: _value(name, value) for name, value in room_values.items()})
    entry = None
    if room is not None and row[1 + rooms] is not None:
        entry = _entry(room, row[1 + rooms :])
    return Lookup(event_id=row[0], room=room, entry=entry)


@dataclass(frozen=True)
class Joined:
    """A join's outcome: the entry, whether this join created it, and the status it gives."""

    entry: QueueEntry
    created: bool
    status: QueueStatus


def enter(
    event_id: int,
    *,
    browser_id: str,
    client_hash: str,
    now: dt.datetime | None = None,
    found: Lookup | None = None,
) -> Joined:
    """Join the event's queue (see ``join``), with the status the join gives, computed
    from the rows the join read or wrote (no second read). ``found`` is this browser's
    ``lookup`` when the caller has made it already."""
    now = now or timezone.now()
    found = found or lookup(browser_id=browser_id, event_id=event_id)
    room = found.room if found is not None else None
    if room is None or not room.is_active(now):
        raise RoomClosed()
    if found is not None and isinstance(found.entry, QueueEntry):
        return Joined(found.entry, False, status_of(room, found.entry, now))
    entry = _new_entry(room, browser_id, client_hash, now)
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
    except IntegrityError:
        # The same browser joined at the same moment in another request (or before).
        return _joined_before(room, entry, now)
    return Joined(entry, True, status_of(room, entry, now))


def _new_entry(room: Room, browser_id: str, client_hash: str, now: dt.datetime) -> QueueEntry:
    """The entry a join inserts: pre-queued before the sale, with its draw from
    ``secrets`` in random mode."""
    prequeued = now < room.sale_starts_at
    return QueueEntry(
        room=room,
        browser_hash=tokens.browser_hash(browser_id),
        client_hash=_stored_client(client_hash),
        joined_at=now,
        prequeued=prequeued,
        draw=new_draw() if prequeued and room.mode == Room.Mode.RANDOM else None,
    )


def _joined_before(room: Room, entry: QueueEntry, now: dt.datetime) -> Joined:
    """The browser's entry that kept ``entry`` out (one per browser), as a join answers it."""
    existing = QueueEntry.objects.get(room=room, browser_hash=entry.browser_hash)
    return Joined(existing, False, status_of(room, existing, now))


def join(event: Event, *, browser_id: str, client_hash: str, now: dt.datetime | None = None) -> QueueEntry:
    """The browser's entry in the event's queue, created at its first join (one INSERT,
    no shared row); RoomClosed when the event has no active room. ``now`` lets tests
    simulate time."""
    return enter(event.pk, browser_id=browser_id, client_hash=client_hash, now=now).entry


# --- Joining from the web and the API: proof of work, the address's limit, the entry ------
#
# An arrival's join is the request a crowd makes once each, at the rate it arrives. On
# PostgreSQL it is ONE autocommitted statement of data-modifying CTEs, prepared once per
# connection (core.statements.fetch): count the join against the address's window,
# spend the challenge only within the limit, insert the entry only once the challenge
# is spent (ON CONFLICT: one entry per browser, one use per challenge; a conflict
# waits for the other statement and then writes nothing). Elsewhere the same three
# steps run one after another (core.ratelimit.hit, sales.challenges.spend_proof,
# ``enter``). Either way the refusals come in the order the interfaces answer them:
# 429 (too many joins), 428 (no valid proof), 409 (no open room).

JOIN_WINDOW_SECONDS = 60


def _join_limit() -> ratelimit.RateLimit | None:
    """ONSALE_JOINS_PER_ADDRESS_PER_MINUTE as a rule; None when it is 0 (no limit)."""
    per_minute = settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE
    return ratelimit.RateLimit(per_minute, JOIN_WINDOW_SECONDS) if per_minute > 0 else None


def _join_key(address: str) -> str:
    return ratelimit.key_for("onsale-join", address)


def join_queue(
    found: Lookup,
    *,
    browser_id: str,
    address: str,
    proof: object,
    now: dt.datetime | None = None,
) -> Joined:
    """Join ``found``'s room (a ``lookup`` of the event, with or without the browser's
    entry) as the browser ``browser_id`` from the client ``address``, with the proof of
    work ``proof`` (an ALTCHA payload, spent here). Raises TooManyJoins past the
    address's joins a minute, ProofRefused without a valid unused proof, RoomClosed
    when the room is not active; nothing is spent or inserted then, but the join is
    counted against the address (as every attempt is)."""
    now = now or timezone.now()
    rule = _join_limit()
    solved = challenges.proof(proof)
    room = found.room if found.room is not None and found.room.is_active(now) else None
    client_hash = hoarding.client_hash(address)
    if solved is None or not statements.available():
        if rule is not None:
            verdict = ratelimit.hit(_join_key(address), rule)
            if not verdict.allowed:
                raise TooManyJoins(verdict.retry_after)
        if solved is None or not challenges.spend_proof(solved):
            raise ProofRefused()
        if room is None:
            raise RoomClosed()
        # An entry read as a row is not passed on: the insert finds the one-per-browser conflict.
        known = (
            found
            if found.entry is None or isinstance(found.entry, QueueEntry)
            else replace(found, entry=None)
        )
        return enter(found.event_id, browser_id=browser_id, client_hash=client_hash, now=now, found=known)
    entry = _new_entry(room, browser_id, client_hash, now) if room is not None else None
    params: list[Any] = []
    epoch = window_start_ts = 0
    if rule is not None:
        epoch, window_start_ts, window_start = ratelimit.window(rule)
        params += [_join_key(address)[:200], window_start]
    params += [solved.signature, solved.expires_at]
    if rule is not None:
        params.append(rule.limit)
    if entry is not None:
        params += statements.values(entry)
    ((count, spent, entry_id),) = statements.fetch(_join_sql(rule is not None, entry is not None), params)
    if rule is not None:
        ratelimit.forget_old_windows_sometimes(now)
        verdict = ratelimit.verdict(rule, count, epoch, window_start_ts)
        if not verdict.allowed:
            raise TooManyJoins(verdict.retry_after)
    if not spent:
        raise ProofRefused()
    if room is None or entry is None:
        raise RoomClosed()
    if entry_id is None:
        return _joined_before(room, entry, now)
    statements.saved(entry, entry_id)
    return Joined(entry, True, status_of(room, entry, now))


@functools.cache
def _join_sql(limited: bool, enters: bool) -> str:
    """The join's statement (see above): ``limited`` counts the address's join first and
    spends the challenge only within the limit; ``enters`` inserts the entry once the
    challenge is spent. Selects (the address's count or NULL, whether the challenge was
    spent, the new entry's id or NULL). Names from model metadata, every value a parameter."""
    quote, column = connection.ops.quote_name, _column

    def cast(model: type[models.Model], name: str) -> str:
        return f"CAST(%s AS {model._meta.get_field(name).db_type(connection)})"

    counters, count = quote(RateLimitCounter._meta.db_table), column(RateLimitCounter, "count")
    key, window = column(RateLimitCounter, "key"), column(RateLimitCounter, "window_start")
    signature = column(SpentChallenge, "signature")
    ctes = []
    if limited:
        ctes.append(
            f"counted AS (INSERT INTO {counters} ({key}, {window}, {count})"  # noqa: S608 - names from metadata
            f" VALUES ({cast(RateLimitCounter, 'key')}, {cast(RateLimitCounter, 'window_start')}, 1)"
            f" ON CONFLICT ({key}, {window}) DO UPDATE SET {count} = {counters}.{count} + 1"
            f" RETURNING {count})"
        )
    within = f" WHERE (SELECT {count} FROM counted) <= %s" if limited else ""  # noqa: S608 - a CTE
    ctes.append(
        f"spent AS (INSERT INTO {quote(SpentChallenge._meta.db_table)}"
        f" ({signature}, {column(SpentChallenge, 'expires_at')})"
        f" SELECT {cast(SpentChallenge, 'signature')}, {cast(SpentChallenge, 'expires_at')}{within}"
        f" ON CONFLICT ({signature}) DO NOTHING RETURNING 1)"
    )
    entry_id = column(QueueEntry, "id")
    if enters:
        fields = statements.columns(QueueEntry)
        targets = ", ".join(quote(column_name(f)) for f in fields)
        casts = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)
        one_per_browser = f"{column(QueueEntry, 'room')}, {column(QueueEntry, 'browser_hash')}"
        ctes.append(
            f"entered AS (INSERT INTO {quote(QueueEntry._meta.db_table)} ({targets})"  # noqa: S608 - names from metadata
            f" SELECT {casts} WHERE EXISTS (SELECT 1 FROM spent)"
            f" ON CONFLICT ({one_per_browser}) DO NOTHING RETURNING {entry_id})"
        )
    counted = f"(SELECT {count} FROM counted)" if limited else "NULL"  # noqa: S608 - a CTE
    entered = f"(SELECT {entry_id} FROM entered)" if enters else "NULL"  # noqa: S608 - a CTE
    return f"WITH {', '.join(ctes)} SELECT {counted}, EXISTS (SELECT 1 FROM spent), {entered}"  # noqa: S608


def _stored_client(client_hash: str) -> str:
    """``client_hash`` as given (sales.hoarding.client_hash's hex digest), or anything else
    hashed into one, so no caller's value reaches the column unchecked."""
    if re.fullmatch(r"[0-9a-f]{0,64}", client_hash):
        return client_hash
    return salted_hmac(
        "onsale.client", client_hash.encode("utf-8", "surrogatepass"), algorithm="sha256"
    ).hexdigest()


@dataclass(frozen=True)
class QueueStatus:
    """A visitor's place in an event's queue (the status JSON and the queue page)."""

    state: str
    queue_opens_at: dt.datetime | None = None
    sale_starts_at: dt.datetime | None = None
    position: int | None = None
    ahead: int | None = None
    eta_seconds: tuple[int, int] | None = None
    mode: str | None = None
    prequeued: bool | None = None
    expires_at: dt.datetime | None = None
    token: str | None = None
    poll_after_seconds: int = 5


POLL_MIN, POLL_MAX = 1, 30
# Polls while waiting come about this many times before the expected turn (or opening).
POLLS_BEFORE_TURN = 4
# ETA range: from the configured rate (lo) to this factor of it (hi), plus a round.
ETA_SPREAD = 1.5


def eta_range(ahead: int, per_minute: int) -> tuple[int, int]:
    """Seconds until a turn with ``ahead`` people in front, at the configured rate: it only
    shrinks while the rate stays, since ``ahead`` only shrinks."""
    seconds = (ahead + 1) * 60 / per_minute
    tick = settings.ONSALE_TICK_SECONDS
    return math.floor(seconds), math.ceil(seconds * ETA_SPREAD + tick)


def poll_after(seconds_away: float) -> int:
    """Seconds until the next poll: about a quarter of the time until the turn or the
    opening, within POLL_MIN..POLL_MAX, so far-back visitors poll rarely (40,000 waiting
    an hour poll about 1,300 times a second, not 40,000) and near ones promptly."""
    return int(min(max(seconds_away / POLLS_BEFORE_TURN, POLL_MIN), POLL_MAX))


def _ticker_late(room: Room, now: dt.datetime) -> bool:
    if now < room.sale_starts_at:
        return False
    return (
        room.last_tick_at is None
        or (now - room.last_tick_at).total_seconds() > 3 * settings.ONSALE_TICK_SECONDS
    )


NO_ROOM = QueueStatus(state="no_room", poll_after_seconds=POLL_MAX)


def status(event: Event, browser_id: str | None, now: dt.datetime | None = None) -> QueueStatus:
    """Where the browser stands in the event's queue (one indexed query while waiting; a
    turn's first status marks it picked up and carries its admission token)."""
    found = lookup(browser_id=browser_id, event_id=event.pk)
    assert found is not None  # noqa: S101 - the event exists
    return current_status(found, browser_id, now)


def current_status(found: Lookup, browser_id: str | None, now: dt.datetime | None = None) -> QueueStatus:
    """The status from a ``lookup``'s rows; when the room's ticker seems to have stopped
    (no sweeper thread runs here), this request ticks the room and reads it again."""
    now = now or timezone.now()
    room = found.room
    if room is None or not room.is_active(now):
        return NO_ROOM
    if _ticker_late(room, now) and tick(found.event_id, now).ran:
        found = lookup(browser_id=browser_id, event_id=found.event_id) or found
    return status_of(found.room or room, found.entry, now)


def status_of(room: Room, entry: QueueEntry | EntryRow | None, now: dt.datetime) -> QueueStatus:
    """The status of ``entry`` (None: not joined) in the active ``room``, from these rows."""
    base: dict[str, Any] = {
        "queue_opens_at": room.queue_opens_at,
        "sale_starts_at": room.sale_starts_at,
        "mode": room.mode,
    }
    until_sale = (room.sale_starts_at - now).total_seconds()
    if entry is None:
        state = "sold_out" if room.sold_out else "not_joined"
        return QueueStatus(state=state, poll_after_seconds=poll_after(max(until_sale, 0)), **base)
    base["prequeued"] = entry.prequeued
    base["position"] = entry.position
    if entry.status == QueueEntry.Status.USED:
        return QueueStatus(state="used", poll_after_seconds=POLL_MAX, **base)
    if entry.status == QueueEntry.Status.ADMITTED:
        return _your_turn(room, entry, now, base)
    if entry.status == QueueEntry.Status.EXPIRED:
        return QueueStatus(state="expired", poll_after_seconds=POLL_MAX, **base)
    if now < room.sale_starts_at:
        return QueueStatus(state="before_open", poll_after_seconds=poll_after(until_sale), **base)
    if entry.position is None:
        return QueueStatus(state="drawing", poll_after_seconds=POLL_MIN, **base)
    ahead = max(entry.position - room.admitted_through - 1, 0)
    eta = eta_range(ahead, room.admissions_per_minute)
    state = "sold_out" if room.sold_out else "paused" if room.paused else "waiting"
    return QueueStatus(
        state=state, ahead=ahead, eta_seconds=eta, poll_after_seconds=poll_after(eta[0]), **base
    )


def _your_turn(
    room: Room, entry: QueueEntry | EntryRow, now: dt.datetime, base: dict[str, Any]
) -> QueueStatus:
    pickup = dt.timedelta(seconds=settings.ONSALE_TURN_PICKUP_SECONDS)
    expires_at = entry.expires_at
    assert expires_at is not None  # noqa: S101 - set on admission
    if entry.picked_up_at is None:
        picked = QueueEntry.objects.filter(
            pk=entry.pk,
            status=QueueEntry.Status.ADMITTED,
            picked_up_at__isnull=True,
            admitted_at__gt=now - pickup,
            expires_at__gt=now,
        ).update(picked_up_at=now)
        if not picked:
            return QueueStatus(state="expired", poll_after_seconds=POLL_MAX, **base)
    elif expires_at <= now:
        return QueueStatus(state="expired", poll_after_seconds=POLL_MAX, **base)
    token = tokens.issue(
        event_id=room.event_id, entry_id=entry.pk, browser_hash=entry.browser_hash, expires_at=expires_at
    )
    return QueueStatus(
        state="your_turn", expires_at=expires_at, token=token, poll_after_seconds=POLL_MAX, ahead=0, **base
    )


# --- The organizer's counts ---------------------------------------------------------------


@dataclass(frozen=True)
class RoomCounts:
    prequeued: int
    queued: int
    admitted: int
    used: int
    active_holds: int
    admissions_last_minute: int
    sold_out: bool
    paused: bool


def counts(room: Room, now: dt.datetime | None = None) -> RoomCounts:
    """The room's live figures for the organizer's console and API."""
    now = now or timezone.now()
    entries = QueueEntry.objects.filter(room=room)
    return RoomCounts(
        prequeued=entries.filter(prequeued=True).count(),
        queued=entries.filter(status=QueueEntry.Status.WAITING).count(),
        admitted=valid_admissions(room, now),
        used=entries.filter(status=QueueEntry.Status.USED).count(),
        active_holds=Hold.objects.filter(
            date__event_id=room.event_id, status=Hold.Status.LIVE, expires_at__gt=now
        ).count(),
        admissions_last_minute=entries.filter(admitted_at__gt=now - dt.timedelta(minutes=1)).count(),
        sold_out=room.sold_out,
        paused=room.paused,
    )

"""Organizers' changes to dates (events.date_services): adding, editing one or several, deleting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError

from events import date_services, dates
from events.forms import BulkDateForm, DateForm, DateTicketTypeForm
from events.models import DateTicketType, EventDate
from sales import exceptions, lifecycle
from sales.models import Voucher
from tests.factories import allocated, make_date, make_event, make_ticket_type, only_date
from tests.support.dates import FIRST, buy, hold
from tests.support.races import run_together

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


@pytest.fixture
def series():
    """A published series of three Friday dates with two ticket types."""
    event = make_event(starts_at=FIRST, slug="series", capacity=None)
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50)
    vip = make_ticket_type(event, name="VIP", price=Decimal("60.00"), capacity=10)
    first = only_date(event)
    second = make_date(event)
    third = make_date(event)
    return {"event": event, "standard": standard, "vip": vip, "dates": [first, second, third]}


def edit_form(date: EventDate, **changes):
    """The editor's forms for ``date`` with ``changes``; valid unless ``valid=False`` is
    passed (then the caller checks them)."""
    valid = changes.pop("valid", True)
    data = {
        "admission_at": "",
        "sales_start": "",
        "sales_end": "",
        "venue_name": "",
        "venue_address": "",
        "capacity": "",
        "status": date.status,
        **changes,
    }
    form = DateForm(data, instance=date, event=date.event)
    offers = [
        DateTicketTypeForm(data, instance=row)
        for row in DateTicketType.objects.filter(date=date).select_related("ticket_type")
        if any(key.startswith(f"tt{row.ticket_type_id}-") for key in data)
    ]
    if valid:
        assert form.is_valid(), form.errors
        assert all(o.is_valid() for o in offers), [o.errors for o in offers]
    return form, offers


def offer(date: EventDate, ticket_type) -> DateTicketType:
    return DateTicketType.objects.get(date=date, ticket_type=ticket_type)


# --- Adding ----------------------------------------------------------------------------------


def test_adding_a_date_offers_every_ticket_type_and_widens_the_span(series):
    event = series["event"]
    form = DateForm(
        {
            "starts_at": "2032-01-09T20:00",
            "ends_at": "2032-01-09T23:00",
            "capacity": "30",
            "venue_name": "Club",
        },
        event=event,
    )
    assert form.is_valid(), form.errors
    date = date_services.add_date(form)

    assert date.starts_at.astimezone(dt.UTC).isoformat() == "2032-01-09T19:00:00+00:00"  # 20:00 CET
    assert date.capacity == 30
    assert date.venue_label == "Club"
    assert {row.ticket_type_id: row.capacity for row in date.date_ticket_types.all()} == {
        series["standard"].pk: 50,
        series["vip"].pk: 10,
    }
    event.refresh_from_db()
    assert event.ends_at == date.ends_at


def test_dates_from_a_rule_skip_the_days_that_already_have_a_date_then(series):
    event = series["event"]
    existing = series["dates"][1]
    times = [
        dates.DateTimes(existing.starts_at, existing.ends_at),
        dates.DateTimes(existing.starts_at + dt.timedelta(days=1), existing.ends_at + dt.timedelta(days=1)),
    ]
    added = date_services.add_dates_from_rule(event, times)
    assert [d.starts_at for d in added.created] == [times[1].starts_at]
    assert [t.starts_at for t in added.skipped] == [existing.starts_at]
    assert event.dates.count() == 4


def test_a_date_form_refuses_doors_after_the_start_and_an_end_before_it(series):
    event = series["event"]
    form = DateForm(
        {"starts_at": "2032-01-09T20:00", "ends_at": "2032-01-09T19:00", "admission_at": "2032-01-09T21:00"},
        event=event,
    )
    assert not form.is_valid()
    assert "cannot end before" in form.errors["ends_at"][0]
    assert "Doors cannot open after" in form.errors["admission_at"][0]


# --- Editing one date ------------------------------------------------------------------------


def test_editing_a_date_changes_only_that_date(series):
    first, second, _ = series["dates"]
    standard, vip = series["standard"], series["vip"]
    form, offers = edit_form(
        first,
        admission_at="2031-10-03T18:30",
        sales_end="2031-10-03T18:00",
        venue_name="Small hall",
        capacity="40",
        status="sold_out",
        **{
            f"tt{standard.pk}-capacity": "45",
            f"tt{standard.pk}-price": "15.50",
            f"tt{standard.pk}-offered": True,
        },
        **{f"tt{vip.pk}-capacity": "10", f"tt{vip.pk}-price": "", f"tt{vip.pk}-offered": False},
    )
    date_services.edit_date(form, offers)

    first.refresh_from_db()
    assert first.capacity == 40
    assert first.status == EventDate.Status.SOLD_OUT
    assert first.venue_name == "Small hall"
    assert first.admission_at.isoformat() == "2031-10-03T16:30:00+00:00"
    assert (offer(first, standard).capacity, offer(first, standard).price) == (45, Decimal("15.50"))
    assert offer(first, vip).offered is False
    # The other dates keep the defaults.
    second.refresh_from_db()
    assert (second.capacity, second.status, second.venue_name) == (None, EventDate.Status.ON_SALE, "")
    assert (offer(second, standard).capacity, offer(second, standard).price) == (50, None)
    assert offer(second, vip).offered is True


def test_a_price_override_is_cleared_by_an_empty_price(series):
    first, standard = series["dates"][0], series["standard"]
    DateTicketType.objects.filter(date=first, ticket_type=standard).update(price=Decimal("5.00"))
    form, offers = edit_form(
        first,
        **{f"tt{standard.pk}-capacity": "50", f"tt{standard.pk}-price": "", f"tt{standard.pk}-offered": True},
    )
    date_services.edit_date(form, offers)
    assert offer(first, standard).price is None
    assert offer(first, standard).effective_price == Decimal("20.00")


def test_a_date_capacity_below_what_is_sold_or_held_is_refused(series):
    first, standard = series["dates"][0], series["standard"]
    form, offers = edit_form(first, capacity="4")  # validated before the sales below
    buy(first, {standard.pk: 3})
    hold(first, {standard.pk: 2})
    with pytest.raises(ValidationError) as refused:
        date_services.edit_date(form, offers)
    assert (
        "Fri 3 Oct 2031, 19:30: 5 tickets are already sold or reserved"
        in refused.value.message_dict["capacity"][0]
    )
    first.refresh_from_db()
    assert first.capacity is None

    first.refresh_from_db()
    form, offers = edit_form(first, capacity="5")
    date_services.edit_date(form, offers)
    first.refresh_from_db()
    assert first.capacity == 5


def test_a_ticket_type_capacity_below_what_is_sold_there_is_refused(series):
    first, standard = series["dates"][0], series["standard"]
    lower = {f"tt{standard.pk}-capacity": "3", f"tt{standard.pk}-price": "", f"tt{standard.pk}-offered": True}
    # Validated before the sale (as when a buyer pays while the organizer types)...
    form, offers = edit_form(first, **lower)
    buy(first, {standard.pk: 4})
    # ...the service reads the counter again under the date's lock.
    with pytest.raises(ValidationError) as refused:
        date_services.edit_date(form, offers)
    assert (
        "Standard: 4 tickets are already sold" in refused.value.message_dict[f"tt{standard.pk}-capacity"][0]
    )
    assert offer(first, standard).capacity == 50
    # A form validated now says so itself.
    stale = DateTicketTypeForm(lower, instance=offer(first, standard))
    assert not stale.is_valid()
    assert "4 tickets are already sold" in stale.errors["capacity"][0]


def test_a_ticket_type_with_tickets_sold_or_held_on_the_date_stays_offered(series):
    first, second, _ = series["dates"]
    vip = series["vip"]
    hold(first, {vip.pk: 1})
    withdraw = {f"tt{vip.pk}-capacity": "10", f"tt{vip.pk}-price": "", f"tt{vip.pk}-offered": False}
    form, offers = edit_form(first, **withdraw)
    with pytest.raises(ValidationError) as refused:
        date_services.edit_date(form, offers)
    assert "stays offered" in refused.value.message_dict[f"tt{vip.pk}-offered"][0]
    assert offer(first, vip).offered is True
    # On a date where nothing of it is sold, it may be withdrawn.
    form, offers = edit_form(second, **withdraw)
    date_services.edit_date(form, offers)
    assert offer(second, vip).offered is False


def test_leaving_offered_out_of_a_post_keeps_it(series):
    first, vip = series["dates"][0], series["vip"]
    form, offers = edit_form(first, **{f"tt{vip.pk}-capacity": "8"})
    date_services.edit_date(form, offers)
    assert (offer(first, vip).capacity, offer(first, vip).offered) == (8, True)


def test_a_cancelled_date_is_not_edited(series):
    first = series["dates"][0]
    EventDate.objects.filter(pk=first.pk).update(status=EventDate.Status.CANCELLED)
    first.refresh_from_db()
    form, offers = edit_form(first, capacity="10", status="on_sale")
    with pytest.raises(ValidationError, match="is cancelled"):
        date_services.edit_date(form, offers)
    first.refresh_from_db()
    assert (first.status, first.capacity) == (EventDate.Status.CANCELLED, None)


def test_an_oversold_counter_becomes_a_validation_error_not_a_crash(series):
    """The CHECK constraints are the last word: an update that passes them reads as a form error."""
    first, standard = series["dates"][0], series["standard"]
    dates.set_capacity([first.pk], 5)
    first.refresh_from_db()
    buy(first, {standard.pk: 2})
    with pytest.raises(ValidationError) as refused, date_services._capacity_checked("too low", "capacity"):
        EventDate.objects.filter(pk=first.pk).update(capacity=1)
    assert refused.value.message_dict == {"capacity": ["too low"]}
    first.refresh_from_db()
    assert first.capacity == 5


# --- Editing several dates -------------------------------------------------------------------


def bulk(event, **data) -> BulkDateForm:
    form = BulkDateForm(data, event=event)
    assert form.is_valid(), form.errors
    return form


def test_bulk_edit_changes_the_chosen_dates_only(series):
    event, (first, second, third) = series["event"], series["dates"]
    standard = series["standard"]
    date_services.bulk_edit(
        bulk(
            event,
            dates=[str(first.pk), str(third.pk)],
            capacity="35",
            status="sold_out",
            **{f"tt{standard.pk}-capacity": "30", f"tt{standard.pk}-price": "12.00"},
        )
    )
    for date in (first, third):
        date.refresh_from_db()
        assert (date.capacity, date.status) == (35, EventDate.Status.SOLD_OUT)
        assert (offer(date, standard).capacity, offer(date, standard).price) == (30, Decimal("12.00"))
        assert offer(date, series["vip"]).capacity == 10  # not asked to change
    second.refresh_from_db()
    assert (second.capacity, second.status, offer(second, standard).capacity) == (None, "on_sale", 50)


def test_bulk_edit_is_all_or_nothing_and_names_the_date_that_refuses(series):
    event, (first, second, third) = series["event"], series["dates"]
    standard = series["standard"]
    buy(second, {standard.pk: 6})
    with pytest.raises(ValidationError) as refused:
        date_services.bulk_edit(
            bulk(event, dates=[str(d.pk) for d in (first, second, third)], capacity="5", status="sold_out")
        )
    assert "Fri 10 Oct 2031, 19:30: 6 tickets are already sold" in refused.value.message_dict["capacity"][0]
    for date in (first, second, third):
        date.refresh_from_db()
        assert (date.capacity, date.status) == (None, EventDate.Status.ON_SALE)


def test_bulk_edit_refuses_a_cancelled_date(series):
    event, (first, second, _) = series["event"], series["dates"]
    EventDate.objects.filter(pk=second.pk).update(status=EventDate.Status.CANCELLED)
    with pytest.raises(ValidationError, match="is cancelled"):
        date_services.bulk_edit(bulk(event, dates=[str(first.pk), str(second.pk)], status="sold_out"))
    first.refresh_from_db()
    assert first.status == EventDate.Status.ON_SALE


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"dates": []}, "dates", "Choose at least one date"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"status": "cancelled"}, "status", "valid choice"),
        ({}, "__all__", "at least one change"),
    ],
)
def test_the_bulk_form_explains_what_is_wrong(series, data, field, message):
    data = {"dates": [str(series["dates"][0].pk)], **data}
    form = BulkDateForm(data, event=series["event"])
    assert not form.is_valid()
    assert message in " ".join(map(str, form.errors[field]))


def test_the_bulk_form_refuses_another_events_date(series):
    other = only_date(make_event())
    form = BulkDateForm({"dates": [str(other.pk)], "capacity": "5"}, event=series["event"])
    assert not form.is_valid()
    assert "valid choice" in form.errors["dates"][0]


# --- Deleting --------------------------------------------------------------------------------


def test_a_date_nothing_was_ordered_for_is_deleted_and_the_span_follows(series):
    event, (_, second, third) = series["event"], series["dates"]
    date_services.delete_date(third)
    assert not EventDate.objects.filter(pk=third.pk).exists()
    event.refresh_from_db()
    assert event.ends_at == second.ends_at


def test_a_date_with_orders_is_not_deleted_even_when_they_were_cancelled(series):
    first, standard = series["dates"][0], series["standard"]
    order = buy(first, {standard.pk: 1})
    lifecycle.cancel(order)
    assert allocated(first) == 0
    with pytest.raises(ValidationError, match="cancel it instead"):
        date_services.delete_date(first)
    assert EventDate.objects.filter(pk=first.pk).exists()


def test_a_date_with_a_live_hold_is_not_deleted(series):
    second = series["dates"][1]
    hold(second, {series["standard"].pk: 1})
    with pytest.raises(ValidationError, match="cancel it instead"):
        date_services.delete_date(second)


def test_the_only_date_is_not_deleted():
    event = make_event()
    with pytest.raises(ValidationError, match="at least one date"):
        date_services.delete_date(only_date(event))


def test_a_date_a_voucher_is_limited_to_alone_is_not_deleted(series):
    event, (first, second, third) = series["event"], series["dates"]
    alone = Voucher.objects.create(event=event, code="ONLY3")
    alone.dates.set([third])
    both = Voucher.objects.create(event=event, code="TWO")
    both.dates.set([second, first])
    with pytest.raises(ValidationError, match="Voucher ONLY3 is valid on this date only"):
        date_services.delete_date(third)
    # A voucher valid on other dates too only loses this one.
    date_services.delete_date(second)
    assert list(both.dates.all()) == [first]


# --- Races (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lowering_a_capacity_while_buyers_buy_never_oversells_nor_crashes():
    event = make_event(starts_at=FIRST)
    standard = make_ticket_type(event, capacity=100, price=Decimal("10.00"))
    date = only_date(event)
    outcomes: list[str] = []

    def buyer(i: int) -> None:
        for _ in range(3):
            try:
                buy(date, {standard.pk: 1}, email=f"b{i}@example.com")
                outcomes.append("bought")
            except exceptions.OrderConflict:
                outcomes.append("sold out")

    def organizer() -> None:
        own = EventDate.objects.get(pk=date.pk)  # forms write to their instance
        own.event = event
        for capacity in (20, 15, 12, 10, 8):
            # The form refuses a capacity below what is sold when it reads it; the
            # service refuses under the date's lock what was sold since.
            form, offers = edit_form(own, valid=False, capacity=str(capacity))
            if not form.is_valid():
                outcomes.append("refused")
                continue
            try:
                date_services.edit_date(form, offers)
                outcomes.append(f"capacity {capacity}")
            except ValidationError:
                outcomes.append("refused")

    run_together(*(partial(buyer, i) for i in range(8)), organizer)

    assert len(outcomes) == 8 * 3 + 5
    date.refresh_from_db()
    sold = date.orders.filter(status="paid").count()
    assert date.allocated == sold
    assert date.capacity is None or date.allocated <= date.capacity
    assert offer(date, standard).allocated == sold

"""Dates from a rule (events.recurrence): weekdays, intervals, endings, exceptions, DST, the cap."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from events import date_services
from events.models import EventDate
from events.recurrence import MAX_OCCURRENCES, RecurrenceForm, Rule, TooManyOccurrences, occurrences
from tests.factories import make_event, make_ticket_type

PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
THREE_HOURS = dt.timedelta(hours=3)


def weekly(**fields) -> Rule:
    fields.setdefault("frequency", "weekly")
    fields.setdefault("first_day", dt.date(2031, 3, 3))  # a Monday
    fields.setdefault("start_time", dt.time(19, 30))
    fields.setdefault("duration", THREE_HOURS)
    if "until" not in fields:
        fields.setdefault("count", 8)
    return Rule(**fields)


def local_starts(rule: Rule, tz: zoneinfo.ZoneInfo = PRAGUE) -> list[str]:
    return [t.starts_at.astimezone(tz).strftime("%a %Y-%m-%d %H:%M") for t in occurrences(rule, tz)]


def test_weekly_on_the_first_days_weekday_by_default():
    assert local_starts(weekly(count=3)) == [
        "Mon 2031-03-03 19:30",
        "Mon 2031-03-10 19:30",
        "Mon 2031-03-17 19:30",
    ]


def test_weekly_on_chosen_weekdays_starts_at_the_first_matching_day():
    # 2031-03-05 is a Wednesday: the first Friday is the 7th, not the 5th.
    rule = weekly(first_day=dt.date(2031, 3, 5), weekdays=(4, 5), count=4)
    assert local_starts(rule) == [
        "Fri 2031-03-07 19:30",
        "Sat 2031-03-08 19:30",
        "Fri 2031-03-14 19:30",
        "Sat 2031-03-15 19:30",
    ]


def test_every_second_week():
    assert local_starts(weekly(interval=2, count=3)) == [
        "Mon 2031-03-03 19:30",
        "Mon 2031-03-17 19:30",
        "Mon 2031-03-31 19:30",
    ]


def test_until_includes_its_last_day_and_count_counts_dates():
    by_day = weekly(until=dt.date(2031, 3, 17))
    assert len(occurrences(by_day, PRAGUE)) == 3
    assert local_starts(by_day)[-1] == "Mon 2031-03-17 19:30"
    assert len(occurrences(weekly(count=5), PRAGUE)) == 5


def test_a_rule_ends_one_way_only():
    with pytest.raises(ValueError, match="either"):
        weekly(until=dt.date(2031, 4, 1), count=3)
    with pytest.raises(ValueError, match="either"):
        Rule(frequency="weekly", first_day=dt.date(2031, 3, 3), start_time=dt.time(19), duration=THREE_HOURS)


def test_exceptions_are_skipped_and_count_towards_the_number_of_dates():
    rule = weekly(count=4, exceptions=frozenset({dt.date(2031, 3, 10)}))
    assert local_starts(rule) == ["Mon 2031-03-03 19:30", "Mon 2031-03-17 19:30", "Mon 2031-03-24 19:30"]


def test_daily_and_monthly_by_day_of_the_month():
    daily = Rule(
        frequency="daily",
        first_day=dt.date(2031, 3, 3),
        start_time=dt.time(10),
        duration=THREE_HOURS,
        count=3,
    )
    assert local_starts(daily) == ["Mon 2031-03-03 10:00", "Tue 2031-03-04 10:00", "Wed 2031-03-05 10:00"]
    monthly = Rule(
        frequency="monthly",
        first_day=dt.date(2031, 1, 31),
        start_time=dt.time(20),
        duration=THREE_HOURS,
        until=dt.date(2031, 5, 31),
    )
    # Months without a 31st have no date.
    assert local_starts(monthly) == ["Fri 2031-01-31 20:00", "Mon 2031-03-31 20:00", "Sat 2031-05-31 20:00"]


def test_daylight_saving_keeps_the_wall_clock_time():
    # Europe/Prague moves to summer time on 30 March 2031.
    dates = occurrences(weekly(first_day=dt.date(2031, 3, 21), weekdays=(4,), count=3), PRAGUE)
    assert [d.starts_at.astimezone(PRAGUE).strftime("%d %H:%M") for d in dates] == [
        "21 19:30",
        "28 19:30",
        "04 19:30",
    ]
    assert [d.starts_at.astimezone(dt.UTC).strftime("%H:%M") for d in dates] == ["18:30", "18:30", "17:30"]
    assert all(d.ends_at - d.starts_at == THREE_HOURS for d in dates)


def test_a_date_across_the_clock_change_lasts_its_real_duration():
    # New York falls back at 02:00 on 2 November 2031: 23:00 + 4 hours of real time is 02:00 EST.
    rule = Rule(
        frequency="daily",
        first_day=dt.date(2031, 11, 1),
        start_time=dt.time(23),
        duration=dt.timedelta(hours=4),
        count=1,
    )
    (date,) = occurrences(rule, NEW_YORK)
    # Aware times in one zone subtract as wall-clock times; the real duration is in UTC.
    assert date.ends_at.astimezone(dt.UTC) - date.starts_at.astimezone(dt.UTC) == dt.timedelta(hours=4)
    assert date.ends_at.astimezone(NEW_YORK).strftime("%d %H:%M %Z") == "02 02:00 EST"


def test_doors_open_before_the_start():
    (date,) = occurrences(weekly(count=1, doors_open=dt.timedelta(minutes=45)), PRAGUE)
    assert date.admission_at is not None
    assert date.starts_at - date.admission_at == dt.timedelta(minutes=45)


def test_the_number_of_dates_is_capped():
    with pytest.raises(TooManyOccurrences, match=str(MAX_OCCURRENCES)):
        occurrences(
            Rule(
                frequency="daily",
                first_day=dt.date(2031, 1, 1),
                start_time=dt.time(10),
                duration=THREE_HOURS,
                until=dt.date(2033, 1, 1),
            ),
            PRAGUE,
        )
    with pytest.raises(TooManyOccurrences):
        occurrences(weekly(count=MAX_OCCURRENCES + 1), PRAGUE)
    year = Rule(
        frequency="daily",
        first_day=dt.date(2031, 1, 1),
        start_time=dt.time(10),
        duration=THREE_HOURS,
        count=366,
    )
    assert len(occurrences(year, PRAGUE)) == MAX_OCCURRENCES


# --- The form -------------------------------------------------------------------------------

VALID = {
    "frequency": "weekly",
    "weekdays": ["fri"],
    "interval": "1",
    "first_day": "2031-10-01",
    "start_time": "19:30",
    "duration_minutes": "180",
    "doors_open_minutes": "30",
    "ends": "count",
    "count": "8",
    "until": "",
    "exceptions": [],
}


def form(**changes) -> RecurrenceForm:
    return RecurrenceForm({**VALID, **changes}, tz=PRAGUE)


def test_the_form_computes_the_dates_in_the_events_zone():
    valid = form()
    assert valid.is_valid(), valid.errors
    assert len(valid.occurrences) == 8
    first = valid.occurrences[0]
    assert first.starts_at.isoformat() == "2031-10-03T19:30:00+02:00"
    assert first.admission_at is not None
    assert first.admission_at.isoformat() == "2031-10-03T19:00:00+02:00"


def test_the_form_takes_exceptions_as_a_list_or_as_text():
    listed = form(exceptions=["2031-10-10", "2031-10-17"])
    typed = form(exceptions="2031-10-10, 2031-10-17")
    for each in (listed, typed):
        assert each.is_valid(), each.errors
        assert len(each.occurrences) == 6


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends": "until", "until": ""}, "until", "last day"),
        ({"ends": "until", "until": "2031-09-01"}, "until", "before the first"),
        ({"ends": "count", "count": ""}, "count", "number of dates"),
        ({"count": "367"}, "count", "less than or equal to 366"),
        ({"ends": "until", "until": "2099-12-31", "frequency": "daily"}, "until", "more than 366"),
        ({"frequency": "yearly"}, "frequency", "valid choice"),
        ({"weekdays": ["funday"]}, "weekdays", "valid choice"),
        ({"interval": "0"}, "interval", "greater than or equal to 1"),
        ({"duration_minutes": "-5"}, "duration_minutes", "greater than or equal to 0"),
        ({"start_time": "25:00"}, "start_time", "valid time"),
        ({"first_day": "9999-01-01"}, "first_day", "between the years"),
        ({"exceptions": ["10/10/2031"]}, "exceptions", "YYYY-MM-DD"),
        ({"exceptions": 5}, "exceptions", "YYYY-MM-DD"),
        ({"exceptions": ["0001-01-01"]}, "exceptions", "between the years"),
        ({"exceptions": ["2031-10-10"] * 367}, "exceptions", "at most 366"),
    ],
)
def test_the_form_explains_what_is_wrong(changes, field, message):
    invalid = form(**changes)
    assert not invalid.is_valid()
    assert message in " ".join(map(str, invalid.errors[field])), invalid.errors


def test_a_rule_whose_days_are_all_skipped_makes_no_dates():
    invalid = form(count="1", exceptions=["2031-10-03"])
    assert not invalid.is_valid()
    assert "makes no dates" in " ".join(map(str, invalid.non_field_errors()))


@pytest.mark.django_db
def test_a_weekly_rule_for_8_weeks_creates_8_dates():
    """Acceptance: every Friday for 8 weeks becomes 8 dates, each offering every ticket type."""
    event = make_event(starts_at=dt.datetime(2031, 9, 1, 18, tzinfo=dt.UTC))
    ticket_type = make_ticket_type(event, capacity=40)
    rule = form(doors_open_minutes="")
    assert rule.is_valid(), rule.errors

    added = date_services.add_dates_from_rule(event, rule.occurrences)

    assert len(added.created) == 8
    new = EventDate.objects.filter(pk__in=[d.pk for d in added.created]).order_by("starts_at")
    assert [d.starts_at.astimezone(PRAGUE).strftime("%a %H:%M") for d in new] == ["Fri 19:30"] * 8
    assert all(d.date_ticket_types.get(ticket_type=ticket_type).capacity == 40 for d in new)
    event.refresh_from_db()
    assert event.dates.count() == 9
    assert event.ends_at == new.reverse()[0].ends_at

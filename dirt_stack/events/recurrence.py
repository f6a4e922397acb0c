"""Dates from a rule: "every Friday at 19:30 for 8 weeks, not on 25 December".

A rule (``Rule``) repeats daily, weekly (on some weekdays) or monthly (on the
first day's day of the month), every ``interval`` days, weeks or months, from
its first day until a day or for a number of dates; exception days are
skipped, as iCalendar's EXDATE skips them (an exception counts towards "after N
dates"). python-dateutil's ``rrule`` makes the days.

Times are wall-clock times in the event's zone: 19:30 stays 19:30 on both sides
of a daylight-saving change. A date lasts ``duration`` of real time, so a date
that spans the change ends that long after it starts. A start time that does
not exist on a spring-forward day (02:30 in Europe/Prague) is read as the
instant the clock skips to (03:30 CEST), as ``zoneinfo`` reads it.

``RecurrenceForm`` reads a rule from the back office's form and computes its
dates (``occurrences``), with an error for a rule that makes none or too many.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from dateutil import rrule
from django import forms
from django.db import models
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext, ngettext_lazy

from core.datetimes import OUT_OF_WINDOW, WINDOW_END, WINDOW_START, window_message
from core.formatting import format_day_in_text
from core.input import InputRulesMixin
from events.dates import DateTimes
from events.forms import BoundedDateField, TimeOfDayField

# The most dates one rule may make (a year of daily dates).
MAX_OCCURRENCES = 366
# The most exception days one rule may list.
MAX_EXCEPTIONS = 366
# The longest one date may last, and the earliest its doors may open before it starts.
MAX_DURATION = dt.timedelta(days=14)
MAX_DOORS_OPEN = dt.timedelta(hours=24)


class Frequency(models.TextChoices):
    DAILY = "daily", gettext_lazy("Every day")
    WEEKLY = "weekly", gettext_lazy("Every week")
    MONTHLY = "monthly", gettext_lazy("Every month (on the first date's day of the month)")


class Ending(models.TextChoices):
    UNTIL = "until", gettext_lazy("On a day")
    COUNT = "count", gettext_lazy("After a number of dates")


# Monday is 0, as in datetime.date.weekday() and dateutil's weekdays.
WEEKDAYS = (
    ("mon", gettext_lazy("Monday")),
    ("tue", gettext_lazy("Tuesday")),
    ("wed", gettext_lazy("Wednesday")),
    ("thu", gettext_lazy("Thursday")),
    ("fri", gettext_lazy("Friday")),
    ("sat", gettext_lazy("Saturday")),
    ("sun", gettext_lazy("Sunday")),
)
WEEKDAY_NUMBERS = {code: number for number, (code, _) in enumerate(WEEKDAYS)}

_RRULE_FREQUENCIES = {
    Frequency.DAILY: rrule.DAILY,
    Frequency.WEEKLY: rrule.WEEKLY,
    Frequency.MONTHLY: rrule.MONTHLY,
}


class TooManyOccurrences(ValueError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            ngettext(
                "This rule makes more than %(limit)s date; end it sooner or repeat it less often.",
                "This rule makes more than %(limit)s dates; end it sooner or repeat it less often.",
                limit,
            )
            % {"limit": limit}
        )


@dataclass(frozen=True)
class Rule:
    """When an event repeats. Give exactly one of ``until`` (the last day, included) and ``count``."""

    frequency: str
    first_day: dt.date
    start_time: dt.time
    duration: dt.timedelta
    interval: int = 1
    # Weekly rules: the weekdays (0 = Monday); none means the first day's weekday.
    weekdays: tuple[int, ...] = ()
    until: dt.date | None = None
    count: int | None = None
    exceptions: frozenset[dt.date] = field(default_factory=frozenset)
    # How long before the start the doors open (admission), if at all.
    doors_open: dt.timedelta | None = None

    def __post_init__(self) -> None:
        if (self.until is None) == (self.count is None):
            raise ValueError("A rule ends either on a day (until) or after a number of dates (count).")
        if self.interval < 1 or (self.count is not None and self.count < 1):
            raise ValueError("The interval and the count are at least 1.")
        if self.duration < dt.timedelta(0):
            raise ValueError("A date cannot last less than nothing.")


def _local_starts(rule: Rule) -> Iterator[dt.datetime]:
    """The rule's start times as naive wall-clock times, exceptions included."""
    options: dict[str, Any] = {
        "dtstart": dt.datetime.combine(rule.first_day, rule.start_time.replace(tzinfo=None)),
        "interval": rule.interval,
    }
    if rule.frequency == Frequency.WEEKLY:
        options["byweekday"] = sorted(set(rule.weekdays)) or [rule.first_day.weekday()]
    elif rule.frequency == Frequency.MONTHLY:
        # Months without this day (the 31st in April) have no date.
        options["bymonthday"] = rule.first_day.day
    if rule.until is not None:
        options["until"] = dt.datetime.combine(rule.until, dt.time.max)
    else:
        options["count"] = rule.count
    starts: Iterator[dt.datetime] = iter(
        rrule.rrule(_RRULE_FREQUENCIES[Frequency(rule.frequency)], **options)
    )
    return starts


def occurrences(rule: Rule, tz: zoneinfo.ZoneInfo, limit: int = MAX_OCCURRENCES) -> list[DateTimes]:
    """The dates ``rule`` makes, in order, as aware times in ``tz``; raises
    TooManyOccurrences when there would be more than ``limit``."""
    if rule.count is not None and rule.count > limit:
        raise TooManyOccurrences(limit)
    result: list[DateTimes] = []
    for local in _local_starts(rule):
        if local.date() in rule.exceptions:
            continue
        if len(result) == limit:
            raise TooManyOccurrences(limit)
        starts_at = local.replace(tzinfo=tz)
        # Real time, not wall-clock time: a date across a DST change still lasts ``duration``.
        in_utc = starts_at.astimezone(dt.UTC)
        ends_at = (in_utc + rule.duration).astimezone(tz)
        admission_at = (in_utc - rule.doors_open).astimezone(tz) if rule.doors_open is not None else None
        result.append(DateTimes(starts_at=starts_at, ends_at=ends_at, admission_at=admission_at))
    return result


def _outside_window(
    times: list[DateTimes], tz: zoneinfo.ZoneInfo
) -> tuple[int, forms.ValidationError] | None:
    """The first occurrence whose start, end or doors lie outside core.datetimes' window
    (its index and the error naming its day), or None."""
    for index, time in enumerate(times):
        for value in (time.starts_at, time.ends_at, time.admission_at):
            if value is not None and not WINDOW_START <= value < WINDOW_END:
                day = format_day_in_text(time.starts_at, str(tz), get_language())
                label = gettext("The date on %(day)s") % {"day": day}
                return index, forms.ValidationError(window_message(label), code=OUT_OF_WINDOW)
    return None


class DayListField(forms.Field):
    """Days as a list of ISO dates (JSON), or one string of them separated by commas,
    spaces or new lines (a plain form)."""

    default_error_messages = {
        "invalid": gettext_lazy("Give days as YYYY-MM-DD."),
        "too_many": ngettext_lazy("Give at most %(count)s day.", "Give at most %(count)s days.", "count"),
    }

    def to_python(self, value: Any) -> list[dt.date]:
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        if not isinstance(value, (list, tuple)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(value) > MAX_EXCEPTIONS:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"count": MAX_EXCEPTIONS}
            )
        day_field = BoundedDateField()
        days = []
        for item in value:
            if item in self.empty_values:
                continue
            try:
                days.append(day_field.clean(item))
            except forms.ValidationError as exc:
                if any(error.code == "out_of_range" for error in exc.error_list):
                    raise
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return days


class RecurrenceForm(InputRulesMixin, forms.Form):
    """A rule as the back office sends it; ``clean`` computes its dates (``occurrences``)
    in the event's zone."""

    frequency = forms.ChoiceField(choices=Frequency.choices)
    weekdays = forms.MultipleChoiceField(choices=WEEKDAYS, required=False)
    interval = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=52,
        help_text=gettext_lazy("Every 1, 2, … days, weeks or months."),
    )
    first_day = BoundedDateField()
    start_time = TimeOfDayField()
    duration_minutes = forms.IntegerField(
        min_value=0,
        max_value=int(MAX_DURATION.total_seconds() // 60),
        help_text=gettext_lazy("How long each date lasts."),
    )
    doors_open_minutes = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=int(MAX_DOORS_OPEN.total_seconds() // 60),
        help_text=gettext_lazy("Doors open this long before the start (optional)."),
    )
    ends = forms.ChoiceField(choices=Ending.choices)
    until = BoundedDateField(required=False)
    count = forms.IntegerField(required=False, min_value=1, max_value=MAX_OCCURRENCES)
    exceptions = DayListField(required=False)

    def __init__(self, *args: Any, tz: zoneinfo.ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.occurrences: list[DateTimes] = []

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        until = count = None
        if cleaned["ends"] == Ending.UNTIL:
            until = cleaned.get("until")
            if until is None:
                self.add_error("until", gettext("Give the last day."))
            elif until < cleaned["first_day"]:
                self.add_error("until", gettext("The last day cannot be before the first."))
        else:
            count = cleaned.get("count")
            if count is None:
                self.add_error("count", gettext("Give the number of dates."))
        if cleaned["frequency"] == Frequency.WEEKLY and not cleaned.get("weekdays"):
            cleaned["weekdays"] = [WEEKDAYS[cleaned["first_day"].weekday()][0]]
        if self.errors:
            return cleaned
        doors = cleaned.get("doors_open_minutes")
        rule = Rule(
            frequency=cleaned["frequency"],
            first_day=cleaned["first_day"],
            start_time=cleaned["start_time"],
            duration=dt.timedelta(minutes=cleaned["duration_minutes"]),
            interval=cleaned.get("interval") or 1,
            weekdays=tuple(WEEKDAY_NUMBERS[day] for day in cleaned.get("weekdays") or ()),
            until=until,
            count=count,
            exceptions=frozenset(cleaned.get("exceptions") or ()),
            doors_open=dt.timedelta(minutes=doors) if doors is not None else None,
        )
        try:
            self.occurrences = occurrences(rule, self.tz)
        except TooManyOccurrences as exc:
            self.add_error("until" if until is not None else "count", str(exc))
            return cleaned
        if not self.occurrences:
            raise forms.ValidationError(gettext("This rule makes no dates: check its days and exceptions."))
        outside = _outside_window(self.occurrences, self.tz)
        if outside is not None:
            index, error = outside
            self.occurrences = []
            self.add_error("first_day" if index == 0 else "until" if until is not None else "count", error)
            return cleaned
        cleaned["rule"] = rule
        return cleaned

"""Amounts and moments in templates, written for the active language (``core.formatting``):
``{{ order.total|money:order.currency }}``, ``{{ starts_at|moment:event.timezone }}``,
``{{ admission_at|clock:event.timezone }}``, ``{{ starts_at|day:event.timezone }}``. Emails
render under their order's language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.translation import get_language

from core.formatting import format_clock, format_day, format_moment, format_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | str, currency: str) -> str:
    return format_money(amount, currency, get_language())


@register.filter
def moment(value: dt.datetime, timezone: str) -> str:
    return format_moment(value, timezone, get_language())


@register.filter
def clock(value: dt.datetime, timezone: str) -> str:
    return format_clock(value, timezone, get_language())


@register.filter
def day(value: dt.datetime, timezone: str) -> str:
    return format_day(value, timezone, get_language())

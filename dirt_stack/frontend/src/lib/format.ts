// Amounts and moments for the reader, in the page's language (lib/i18n.ts) by Intl's own
// rules: "1.234,50 €" for a German reader, "1 234,50 Kč" for a Czech one, each currency
// with its own decimals. Dates are shown in the event's own time zone, whatever the
// viewer's is, and a full date and time names that zone. Every page formats through here.

import { t } from "@lingui/core/macro";
import { currentLocale, formattingLocale, PSEUDO_LOCALE } from "./i18n";

// The pseudo-locale formats as English, its letters accented like its messages, so a walk
// of the pages can tell a formatted value from a string that was never translated.
const PSEUDO_LETTERS: Record<string, string> = Object.fromEntries(
  [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"].map((letter, i) => [
    letter,
    [..."àƀćđēƒĝĥĩĵķĺɱńōƥɋŕśţũṽŵẋŷžÀƁĆĐĒƑĜĤĨĴĶĹṀŃŌƤɊŔŚŢŨṼŴẊŶŽ"][i],
  ]),
);

function localized(text: string): string {
  return currentLocale() === PSEUDO_LOCALE
    ? text.replace(/[A-Za-z]/g, (letter) => PSEUDO_LETTERS[letter])
    : text;
}

function dateTime(iso: string, options: Intl.DateTimeFormatOptions): string {
  return localized(new Intl.DateTimeFormat(formattingLocale(), options).format(new Date(iso)));
}

// "Thu, 10 Dec 2026, 19:30 CET" in the reader's language, in the event's zone.
export function formatEventDate(iso: string, timeZone: string): string {
  return dateTime(iso, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
    timeZoneName: "short",
  });
}

export function formatDay(iso: string, timeZone: string): { day: string; month: string } {
  return {
    day: dateTime(iso, { day: "numeric", timeZone }),
    month: dateTime(iso, { month: "short", timeZone }),
  };
}

// Amounts travel as decimal strings ("12.50") so no float ever touches money.
export function formatMoney(amount: string, currency: string): string {
  const value = Number(amount);
  if (value === 0) {
    return t`Free`;
  }
  return localized(
    new Intl.NumberFormat(formattingLocale(), { style: "currency", currency }).format(value),
  );
}

// "19:30": a moment's time of day in the event's zone.
export function formatTime(iso: string, timeZone: string): string {
  return dateTime(iso, { hour: "2-digit", minute: "2-digit", timeZone });
}

// "Thursday 10 December": a moment's day in the event's zone, as the date picker says it.
export function formatLongDay(iso: string, timeZone: string): string {
  return dateTime(iso, {
    weekday: "long",
    day: "numeric",
    month: "long",
    timeZone,
  });
}

// "Thu 10 Dec 2026": a moment's day in the event's zone, without the time.
export function formatShortDay(iso: string, timeZone: string): string {
  return dateTime(iso, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone,
  });
}

// The days of the week from Monday, short and long ("Mon", "Monday"), for a calendar's head.
export function weekdayNames(): [string, string][] {
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => {
    const iso = `2024-01-0${i + 1}T12:00:00Z`;
    return [
      dateTime(iso, { weekday: "short", timeZone: "UTC" }),
      dateTime(iso, { weekday: "long", timeZone: "UTC" }),
    ];
  });
}

// A calendar day ("2026-12-10") as a number of days since 1970-01-01, and back: the
// date picker's arithmetic on days, free of any time zone.
export type Day = string;

export function dayNumber(day: Day): number {
  const [year, month, date] = day.split("-").map(Number);
  return Math.round(Date.UTC(year, month - 1, date) / 86_400_000);
}

export function dayFromNumber(n: number): Day {
  return new Date(n * 86_400_000).toISOString().slice(0, 10);
}

// The calendar day a moment falls on in the event's zone.
export function localDay(iso: string, timeZone: string): Day {
  const parts = new Intl.DateTimeFormat("en-GB", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    timeZone,
  }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

// "December 2026" for a month given as "2026-12".
export function formatMonth(month: string): string {
  return dateTime(`${month}-01T12:00:00Z`, { month: "long", year: "numeric", timeZone: "UTC" });
}

// Dates are shown in the event's own time zone, whatever the viewer's is.

export function formatEventDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
    timeZoneName: "short",
  }).format(new Date(iso));
}

export function formatDay(iso: string, timeZone: string): { day: string; month: string } {
  const date = new Date(iso);
  return {
    day: new Intl.DateTimeFormat("en-GB", { day: "numeric", timeZone }).format(date),
    month: new Intl.DateTimeFormat("en-GB", { month: "short", timeZone }).format(date),
  };
}

// Amounts travel as decimal strings ("12.50") so no float ever touches money.
export function formatMoney(amount: string, currency: string): string {
  const value = Number(amount);
  if (value === 0) {
    return "Free";
  }
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(value);
}

// "19:30": a moment's time of day in the event's zone.
export function formatTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone }).format(
    new Date(iso),
  );
}

// "Thursday 10 December": a moment's day in the event's zone, as the date picker says it.
export function formatLongDay(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    timeZone,
  }).format(new Date(iso));
}

// "Thu 10 Dec 2026": a moment's day in the event's zone, without the time.
export function formatShortDay(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone,
  }).format(new Date(iso));
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
  return new Intl.DateTimeFormat("en-GB", {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).format(new Date(`${month}-01T12:00:00Z`));
}

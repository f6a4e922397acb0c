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

import { t } from "@lingui/core/macro";
import { formatEventDate } from "../lib/format";
import type { DateChoice } from "../types";

// One of an event's dates as a person reads it: when it starts (the event's zone) and
// whether it is cancelled or stopped.
export function dateLabel(
  date: Pick<DateChoice, "starts_at" | "status">,
  timeZone: string,
): string {
  const when = formatEventDate(date.starts_at, timeZone);
  if (date.status === "cancelled") {
    return t`${when} (cancelled)`;
  }
  return date.status === "sold_out" ? t`${when} (sales stopped)` : when;
}

type Props = {
  label: string;
  dates: DateChoice[];
  timeZone: string;
  // A date's id as text; "" is every date.
  value: string;
  onChange: (value: string) => void;
  allLabel?: string;
  className?: string;
};

// A choice among an event's dates, or all of them.
export default function DateSelect({
  label,
  dates,
  timeZone,
  value,
  onChange,
  allLabel,
  className,
}: Props) {
  return (
    <select
      aria-label={label}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      className={className ?? "rounded-lg border border-slate-300 px-2 py-2 text-sm"}
    >
      <option value="">{allLabel ?? t`All dates`}</option>
      {dates.map((d) => (
        <option key={d.id} value={String(d.id)}>
          {dateLabel(d, timeZone)}
        </option>
      ))}
    </select>
  );
}

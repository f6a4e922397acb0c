import { Link, router } from "@inertiajs/react";
import { msg, plural, t } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from "react";
import {
  type Day,
  dayFromNumber,
  dayNumber,
  formatLongDay,
  formatMonth,
  formatShortDay,
  formatTime,
  localDay,
  weekdayNames,
} from "../lib/format";
import type { DatePublic, SaleState } from "../types";
import SaleStateBadge from "./SaleStateBadge";

// Choosing one date of a series: a month calendar or a list (the default on small
// screens). Choosing opens the date's own page (`date.url`, a link anyone can share).

const DOT: Record<SaleState, string> = {
  on_sale: "bg-emerald-500",
  few_left: "bg-amber-500",
  sold_out: "bg-slate-400",
  not_yet_on_sale: "bg-sky-500",
  sales_ended: "bg-slate-300",
  cancelled: "bg-rose-500",
};

// A date a buyer can open: cancelled and past dates only say what they are.
export function canChoose(date: DatePublic): boolean {
  return date.state !== "cancelled" && date.state !== "sales_ended";
}

// The date's page, keeping a voucher code the buyer already applied.
export function dateHref(date: DatePublic, voucher: string): string {
  return voucher ? `${date.url}&voucher=${encodeURIComponent(voucher)}` : date.url;
}

function choose(date: DatePublic, voucher: string) {
  router.get(dateHref(date, voucher), {}, { preserveScroll: true });
}

// The calendar's key to its dots.
function legend(state: SaleState): string {
  switch (state) {
    case "on_sale":
      return t`On sale`;
    case "few_left":
      return t`Few left`;
    case "sold_out":
      return t`Sold out`;
    case "not_yet_on_sale":
      return t`Not yet on sale`;
    case "sales_ended":
      return t`Sales ended`;
    case "cancelled":
      return t`Cancelled`;
  }
}

// "Thursday 10 December, 19:30, few left"
export function dateLabel(date: DatePublic, timeZone: string): string {
  return `${formatLongDay(date.starts_at, timeZone)}, ${formatTime(date.starts_at, timeZone)}, ${legend(date.state).toLowerCase()}`;
}

const VIEWS = { calendar: msg`Calendar`, list: msg`List` };

function findLast<T>(items: T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    if (test(items[i])) {
      return items[i];
    }
  }
  return undefined;
}

type View = "calendar" | "list";

function smallScreen(): boolean {
  return typeof window !== "undefined" && window.matchMedia("(max-width: 639px)").matches;
}

export default function DatePicker({
  dates,
  chosen,
  timeZone,
  eventVenue,
  voucher,
  focusChosen = false,
}: {
  dates: DatePublic[];
  chosen: DatePublic | null;
  timeZone: string;
  eventVenue: string;
  voucher: string;
  // Move the focus into the picker when it opens (after "Change date").
  focusChosen?: boolean;
}) {
  const { i18n } = useLingui();
  // Decided before the first paint, so the picker never jumps from one view to the other.
  const [view, setView] = useState<View>(() => (smallScreen() ? "list" : "calendar"));
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focusChosen && root.current) {
      // The chosen date in the list, or the calendar's day in the tab order.
      const target = ['[aria-current="page"]', '[data-day][tabindex="0"]']
        .map((selector) => root.current?.querySelector<HTMLElement>(selector))
        .find(Boolean);
      target?.focus();
    }
  }, [focusChosen]);
  return (
    <div data-testid="date-picker" ref={root}>
      <div className="flex items-center justify-between gap-3">
        <h3 className="font-medium text-slate-800">
          <Trans>Choose a date</Trans>
        </h3>
        <fieldset className="inline-flex rounded-lg border border-slate-300 p-0.5 text-sm">
          <legend className="sr-only">
            <Trans>Show dates as</Trans>
          </legend>
          {(["calendar", "list"] as const).map((option) => (
            <button
              key={option}
              type="button"
              aria-pressed={view === option}
              onClick={() => setView(option)}
              className={`rounded-md px-2.5 py-1 ${view === option ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-100"}`}
            >
              {i18n._(VIEWS[option])}
            </button>
          ))}
        </fieldset>
      </div>
      {dates.length === 0 ? (
        <p className="mt-3 text-sm text-slate-600">
          <Trans>No dates are coming up.</Trans>
        </p>
      ) : view === "calendar" ? (
        <Calendar dates={dates} chosen={chosen} timeZone={timeZone} voucher={voucher} />
      ) : (
        <DateList
          dates={dates}
          chosen={chosen}
          timeZone={timeZone}
          eventVenue={eventVenue}
          voucher={voucher}
        />
      )}
    </div>
  );
}

function DateList({
  dates,
  chosen,
  timeZone,
  eventVenue,
  voucher,
}: {
  dates: DatePublic[];
  chosen: DatePublic | null;
  timeZone: string;
  eventVenue: string;
  voucher: string;
}) {
  return (
    <ul
      aria-label={t`Dates`}
      className="mt-3 max-h-[28rem] divide-y divide-slate-100 overflow-y-auto rounded-lg border border-slate-200"
      data-testid="date-list"
    >
      {dates.map((date) => {
        const content = (
          <>
            <span className="min-w-0">
              <span
                className={`block font-medium ${canChoose(date) ? "text-slate-900" : "text-slate-500"} ${date.state === "cancelled" ? "line-through" : ""}`}
              >
                {formatShortDay(date.starts_at, timeZone)}, {formatTime(date.starts_at, timeZone)}
              </span>
              {date.venue !== eventVenue ? (
                <span className="block truncate text-sm text-slate-600">{date.venue}</span>
              ) : null}
            </span>
            <SaleStateBadge item={date} timeZone={timeZone} />
          </>
        );
        const row = "flex items-center justify-between gap-3 px-3 py-2";
        const current = chosen?.id === date.id;
        return (
          <li key={date.id} data-testid="date-option">
            {canChoose(date) ? (
              <Link
                href={dateHref(date, voucher)}
                preserveScroll
                aria-current={current ? "page" : undefined}
                className={`${row} hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-600 ${current ? "bg-indigo-50" : ""}`}
              >
                {content}
              </Link>
            ) : (
              <div className={row}>{content}</div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

// The month ("2026-12") a day ("2026-12-10") is in.
function monthOf(day: Day): string {
  return day.slice(0, 7);
}

function addMonths(month: string, n: number): string {
  const [year, m] = month.split("-").map(Number);
  const total = year * 12 + (m - 1) + n;
  return `${String(Math.floor(total / 12)).padStart(4, "0")}-${String((total % 12) + 1).padStart(2, "0")}`;
}

// Six weeks from the Monday on or before the month's first day: every month fits, and
// the grid keeps its height from month to month.
function monthGrid(month: string): Day[][] {
  const first = dayNumber(`${month}-01`);
  const weekday = (new Date(first * 86_400_000).getUTCDay() + 6) % 7; // Monday = 0
  const start = first - weekday;
  return Array.from({ length: 6 }, (_, week) =>
    Array.from({ length: 7 }, (_, d) => dayFromNumber(start + week * 7 + d)),
  );
}

function Calendar({
  dates,
  chosen,
  timeZone,
  voucher,
}: {
  dates: DatePublic[];
  chosen: DatePublic | null;
  timeZone: string;
  voucher: string;
}) {
  const byDay = useMemo(() => {
    const days = new Map<Day, DatePublic[]>();
    for (const date of dates) {
      const day = localDay(date.starts_at, timeZone);
      days.set(day, [...(days.get(day) ?? []), date]);
    }
    return days;
  }, [dates, timeZone]);
  const days = useMemo(() => [...byDay.keys()].sort(), [byDay]);
  const chosenDay = chosen ? localDay(chosen.starts_at, timeZone) : null;
  const firstMonth = monthOf(days[0]);
  const lastMonth = monthOf(days[days.length - 1]);
  // Open on the chosen date's month, or the first with a date one can still choose.
  const opening =
    chosenDay && byDay.has(chosenDay)
      ? chosenDay
      : (days.find((day) => byDay.get(day)?.some(canChoose)) ?? days[0]);
  const [month, setMonth] = useState(monthOf(opening));
  const [focused, setFocused] = useState<Day>(opening);
  // A day with several dates, opened to show them.
  const [openDay, setOpenDay] = useState<Day | null>(
    chosenDay && (byDay.get(chosenDay)?.length ?? 0) > 1 ? chosenDay : null,
  );
  const grid = useRef<HTMLTableElement>(null);
  const monthId = useId();
  const moveFocus = useRef(false);

  const inMonth = days.filter((day) => monthOf(day) === month);
  const tabStop = inMonth.includes(focused) ? focused : inMonth[0];

  useEffect(() => {
    if (moveFocus.current) {
      moveFocus.current = false;
      grid.current?.querySelector<HTMLButtonElement>(`[data-day="${tabStop}"]`)?.focus();
    }
  });

  function showMonth(next: string) {
    setMonth(next);
    setOpenDay(null);
  }

  function focusDay(day: Day | undefined) {
    if (!day) {
      return;
    }
    moveFocus.current = true;
    setFocused(day);
    if (monthOf(day) !== month) {
      showMonth(monthOf(day));
    }
  }

  // The day a key moves the focus to, among the days with dates (the grid's pattern:
  // arrows by day and week, Home/End in the month, Page Up/Down by month).
  function dayAfterKey(key: string, day: Day): Day | undefined {
    const n = dayNumber(day);
    const index = days.indexOf(day);
    switch (key) {
      case "ArrowRight":
        return days[index + 1];
      case "ArrowLeft":
        return days[index - 1];
      case "ArrowDown":
        return days.find((d) => dayNumber(d) >= n + 7);
      case "ArrowUp":
        return findLast(days, (d) => dayNumber(d) <= n - 7);
      case "Home":
        return inMonth[0];
      case "End":
        return inMonth[inMonth.length - 1];
      case "PageDown":
        return days.find((d) => monthOf(d) > month);
      case "PageUp": {
        const earlier = findLast(days, (d) => monthOf(d) < month);
        return earlier ? days.find((d) => monthOf(d) === monthOf(earlier)) : undefined;
      }
      default:
        return undefined;
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLButtonElement>, day: Day) {
    if (
      [
        "ArrowRight",
        "ArrowLeft",
        "ArrowDown",
        "ArrowUp",
        "Home",
        "End",
        "PageDown",
        "PageUp",
      ].includes(e.key)
    ) {
      e.preventDefault();
      focusDay(dayAfterKey(e.key, day));
    }
  }

  function pickDay(day: Day) {
    const onDay = byDay.get(day) ?? [];
    setFocused(day);
    if (onDay.length > 1) {
      setOpenDay(openDay === day ? null : day);
    } else if (onDay.length === 1 && canChoose(onDay[0])) {
      choose(onDay[0], voucher);
    }
  }

  const shownDates = openDay ? (byDay.get(openDay) ?? []) : [];
  const states = [...new Set(dates.map((d) => d.state))];

  return (
    <div className="mt-3" data-testid="calendar">
      <div className="flex items-center justify-between">
        <button
          type="button"
          onClick={() => showMonth(addMonths(month, -1))}
          disabled={month <= firstMonth}
          aria-label={t`Previous month`}
          className="rounded-lg px-2 py-1 text-lg leading-none text-slate-700 hover:bg-slate-100 disabled:opacity-30"
        >
          ‹
        </button>
        <h4 id={monthId} aria-live="polite" className="font-medium" data-testid="calendar-month">
          {formatMonth(month)}
        </h4>
        <button
          type="button"
          onClick={() => showMonth(addMonths(month, 1))}
          disabled={month >= lastMonth}
          aria-label={t`Next month`}
          className="rounded-lg px-2 py-1 text-lg leading-none text-slate-700 hover:bg-slate-100 disabled:opacity-30"
        >
          ›
        </button>
      </div>
      <table
        // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the date picker of WAI-ARIA's practices is a table with the grid role; onKeyDown moves the focus
        role="grid"
        aria-labelledby={monthId}
        ref={grid}
        className="mt-2 w-full table-fixed border-separate border-spacing-0.5 text-center"
      >
        <thead>
          <tr className="text-xs text-slate-500">
            {weekdayNames().map(([short, long]) => (
              <th key={short} scope="col" abbr={long} className="py-1 font-normal">
                {short}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {monthGrid(month).map((week) => (
            <tr key={week[0]}>
              {week.map((day) => (
                <CalendarDay
                  key={day}
                  day={day}
                  outside={monthOf(day) !== month}
                  dates={byDay.get(day) ?? []}
                  timeZone={timeZone}
                  chosen={day === chosenDay}
                  selected={day === chosenDay || day === openDay}
                  tabStop={day === tabStop}
                  onPick={() => pickDay(day)}
                  onKeyDown={(e) => onKeyDown(e, day)}
                />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {inMonth.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">
          <Trans>No dates this month.</Trans>
        </p>
      ) : null}
      {openDay ? (
        <div className="mt-3" data-testid="day-dates">
          <p className="text-sm font-medium text-slate-700">
            {formatLongDay(shownDates[0].starts_at, timeZone)}
          </p>
          <ul className="mt-1 flex flex-wrap gap-2">
            {shownDates.map((date) => (
              <li key={date.id}>
                <button
                  type="button"
                  aria-disabled={!canChoose(date) || undefined}
                  aria-label={
                    chosen?.id === date.id
                      ? t`${dateLabel(date, timeZone)}, chosen`
                      : dateLabel(date, timeZone)
                  }
                  onClick={() => canChoose(date) && choose(date, voucher)}
                  className={`rounded-lg border px-3 py-1.5 text-sm ${chosen?.id === date.id ? "border-indigo-600 bg-indigo-50" : "border-slate-300 hover:bg-slate-50"} aria-disabled:opacity-50 ${date.state === "cancelled" ? "line-through" : ""}`}
                >
                  {formatTime(date.starts_at, timeZone)}
                  <span className={`ml-2 inline-block size-2 rounded-full ${DOT[date.state]}`} />
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <ul className="mt-3 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600" aria-hidden="true">
        {states.map((state) => (
          <li key={state} className="flex items-center gap-1">
            <span className={`inline-block size-2 rounded-full ${DOT[state]}`} />
            {legend(state)}
          </li>
        ))}
      </ul>
    </div>
  );
}

function CalendarDay({
  day,
  outside,
  dates,
  timeZone,
  chosen,
  selected,
  tabStop,
  onPick,
  onKeyDown,
}: {
  day: Day;
  outside: boolean;
  dates: DatePublic[];
  timeZone: string;
  chosen: boolean;
  selected: boolean;
  tabStop: boolean;
  onPick: () => void;
  onKeyDown: (e: KeyboardEvent<HTMLButtonElement>) => void;
}) {
  const number = Number(day.slice(8));
  if (outside || dates.length === 0) {
    return (
      <td className={`h-11 text-sm ${outside ? "" : "text-slate-400"}`}>{outside ? "" : number}</td>
    );
  }
  const one = dates.length === 1 ? dates[0] : null;
  const whenDay = formatLongDay(dates[0].starts_at, timeZone);
  const times = dates
    .map((d) => `${formatTime(d.starts_at, timeZone)} ${legend(d.state).toLowerCase()}`)
    .join(", ");
  const label = one
    ? dateLabel(one, timeZone)
    : plural(dates.length, {
        one: `${whenDay}, # date: ${times}`,
        other: `${whenDay}, # dates: ${times}`,
      });
  const unavailable = dates.every((d) => !canChoose(d));
  return (
    <td>
      <button
        type="button"
        data-day={day}
        tabIndex={tabStop ? 0 : -1}
        aria-label={chosen ? t`${label}, chosen` : label}
        aria-disabled={unavailable || undefined}
        onClick={onPick}
        onKeyDown={onKeyDown}
        className={`flex h-11 w-full flex-col items-center justify-center rounded-lg text-sm font-medium focus-visible:outline-2 focus-visible:outline-indigo-600 ${
          selected
            ? "bg-indigo-600 text-white"
            : unavailable
              ? "text-slate-400"
              : "bg-indigo-50 text-indigo-900 hover:bg-indigo-100"
        } ${one?.state === "cancelled" ? "line-through" : ""}`}
      >
        {number}
        <span className="mt-0.5 flex gap-0.5" aria-hidden="true">
          {dates.slice(0, 3).map((d) => (
            <span key={d.id} className={`inline-block size-1.5 rounded-full ${DOT[d.state]}`} />
          ))}
        </span>
      </button>
    </td>
  );
}

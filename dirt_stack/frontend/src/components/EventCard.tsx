import { Link } from "@inertiajs/react";
import { Plural, Trans } from "@lingui/react/macro";
import { useSitePath } from "../lib/embed";
import { formatDay, formatEventDate, formatMoney } from "../lib/format";
import type { ListedEvent } from "../types";
import SaleStateBadge from "./SaleStateBadge";

export default function EventCard({ event }: { event: ListedEvent }) {
  const sitePath = useSitePath();
  const series = event.date_count > 1;
  // A series shows its next date; a single-date event, its date.
  const shown = (series && event.next_starts_at) || event.starts_at;
  const { day, month } = formatDay(shown, event.timezone);
  return (
    <li>
      <Link
        href={sitePath(`/events/${event.slug}/`)}
        className="flex h-full gap-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm transition hover:border-indigo-300 hover:shadow focus-visible:outline-2 focus-visible:outline-indigo-600"
      >
        <div
          aria-hidden="true"
          className="flex w-14 shrink-0 flex-col items-center justify-center self-start rounded-lg bg-indigo-50 py-2 text-indigo-700"
        >
          <span className="text-xl font-bold leading-none">{day}</span>
          <span className="text-xs uppercase">{month}</span>
        </div>
        <div className="min-w-0">
          <h2 className="truncate text-lg font-semibold text-slate-900" data-testid="event-title">
            {event.title}
          </h2>
          <p className="text-sm text-slate-600" data-testid="event-dates">
            {series ? (
              <>
                <Plural value={event.date_count} one="# date" other="# dates" />
                {event.next_starts_at ? (
                  <>
                    {" · "}
                    <Trans>
                      next{" "}
                      <time dateTime={event.next_starts_at}>
                        {formatEventDate(event.next_starts_at, event.timezone)}
                      </time>
                    </Trans>
                  </>
                ) : null}
              </>
            ) : (
              <time dateTime={event.starts_at}>
                {formatEventDate(event.starts_at, event.timezone)}
              </time>
            )}
          </p>
          <p className="text-sm text-slate-500">
            {event.venue} · {event.organizer.name}
          </p>
          {event.availability && event.availability.state !== "on_sale" ? (
            <div className="mt-1" data-testid="event-availability">
              <SaleStateBadge item={event.availability} timeZone={event.timezone} />
            </div>
          ) : null}
          {event.min_price !== null ? (
            <p className="mt-1 text-sm font-medium text-slate-800">
              {Number(event.min_price) === 0 ? (
                formatMoney(event.min_price, event.currency)
              ) : (
                <Trans>From {formatMoney(event.min_price, event.currency)}</Trans>
              )}
            </p>
          ) : null}
        </div>
      </Link>
    </li>
  );
}

import { Link } from "@inertiajs/react";
import { Trans } from "@lingui/react/macro";
import { formatEventDate } from "../lib/format";
import type { EventRow } from "../types";
import EventStatusBadge from "./EventStatusBadge";

export default function EventsTable({
  organizerSlug,
  events,
  canManage,
}: {
  organizerSlug: string;
  events: EventRow[];
  // Door staff only check tickets in: their links open the scanner.
  canManage: boolean;
}) {
  if (events.length === 0) {
    return (
      <p className="text-sm text-slate-600">
        <Trans>No events yet.</Trans>
      </p>
    );
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-slate-500">
          <tr>
            <th className="py-2 pr-4 font-medium">
              <Trans>Event</Trans>
            </th>
            <th className="py-2 pr-4 font-medium">
              <Trans>Starts</Trans>
            </th>
            <th className="py-2 pr-4 font-medium">
              <Trans>Status</Trans>
            </th>
            <th className="py-2 font-medium">
              <Trans>Tickets sold</Trans>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((event) => (
            <tr key={event.slug} data-testid="event-row">
              <td className="py-2 pr-4">
                <Link
                  href={`/manage/${organizerSlug}/events/${event.slug}/${canManage ? "" : "checkin/"}`}
                  className="font-medium text-indigo-700 hover:underline"
                >
                  {event.title}
                </Link>
              </td>
              <td className="py-2 pr-4 text-slate-600">
                {formatEventDate(event.starts_at, event.timezone)}
              </td>
              <td className="py-2 pr-4">
                <EventStatusBadge status={event.status} />
              </td>
              <td className="py-2 tabular-nums" data-testid="tickets-sold">
                {event.tickets_sold} / {event.capacity}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

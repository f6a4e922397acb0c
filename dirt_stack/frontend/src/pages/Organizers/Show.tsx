import { Head } from "@inertiajs/react";
import { Trans } from "@lingui/react/macro";
import EventCard from "../../components/EventCard";
import PaginationNav from "../../components/PaginationNav";
import type { PageProps } from "../../types";

export default function Show({ organizer, events, pagination }: PageProps<"Organizers/Show">) {
  return (
    <>
      <Head title={organizer.name} />
      <header className="mb-6">
        <p className="text-sm text-slate-500">
          <Trans>Organizer</Trans>
        </p>
        <h1 className="text-3xl font-bold tracking-tight">{organizer.name}</h1>
        {organizer.contact_email ? (
          <p className="mt-1 text-sm text-slate-600">
            <Trans>
              Contact:{" "}
              <a href={`mailto:${organizer.contact_email}`} className="text-indigo-700 underline">
                {organizer.contact_email}
              </a>
            </Trans>
          </p>
        ) : null}
      </header>
      {events.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600">
          <Trans>No upcoming events.</Trans>
        </p>
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2" data-testid="event-list">
          {events.map((event) => (
            <EventCard key={event.slug} event={event} />
          ))}
        </ul>
      )}
      <PaginationNav pagination={pagination} />
    </>
  );
}

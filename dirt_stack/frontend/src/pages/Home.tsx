import { Head } from "@inertiajs/react";
import EventCard from "../components/EventCard";
import type { EventSummary } from "../types";

export default function Home({ events }: { events: EventSummary[] }) {
  return (
    <>
      <Head title="Upcoming events" />
      <section aria-labelledby="upcoming-heading">
        <h1 id="upcoming-heading" className="mb-6 text-2xl font-bold tracking-tight sm:text-3xl">
          Upcoming events
        </h1>
        {events.length === 0 ? (
          <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600">
            No upcoming events yet. Check back soon.
          </p>
        ) : (
          <ul className="grid gap-4 sm:grid-cols-2" data-testid="event-list">
            {events.map((event) => (
              <EventCard key={event.slug} event={event} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

import { Head, Link } from "@inertiajs/react";
import { formatEventDate } from "../../lib/format";
import type { EventDetail } from "../../types";

export default function Show({ event }: { event: EventDetail }) {
  return (
    <>
      <Head title={event.title} />
      <article className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <p className="text-sm text-slate-500">
          <Link href="/" className="hover:text-indigo-700">
            ← All events
          </Link>
        </p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight">{event.title}</h1>
        <p className="mt-1 text-slate-600">by {event.organizer.name}</p>
        <dl className="mt-6 grid gap-4 sm:grid-cols-2">
          <div>
            <dt className="text-sm font-medium text-slate-500">When</dt>
            <dd>
              <time dateTime={event.starts_at}>
                {formatEventDate(event.starts_at, event.timezone)}
              </time>
              {" – "}
              <time dateTime={event.ends_at}>{formatEventDate(event.ends_at, event.timezone)}</time>
            </dd>
          </div>
          <div>
            <dt className="text-sm font-medium text-slate-500">Where</dt>
            <dd>{event.venue}</dd>
          </div>
        </dl>
        {event.description ? (
          <p className="mt-6 whitespace-pre-line text-slate-700">{event.description}</p>
        ) : null}
      </article>
    </>
  );
}

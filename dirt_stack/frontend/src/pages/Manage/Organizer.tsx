import { Head, Link } from "@inertiajs/react";
import EventsTable, { type EventRow } from "../../components/EventsTable";

export default function Organizer({
  organizer,
  role,
  can_manage,
  events,
}: {
  organizer: { name: string; slug: string; contact_email: string };
  role: string;
  can_manage: boolean;
  events: EventRow[];
}) {
  return (
    <>
      <Head title={organizer.name} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href="/manage/" className="hover:text-indigo-700">
          ← My events
        </Link>
      </p>
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">{organizer.name}</h1>
          <p className="text-sm text-slate-600">
            Your role: {role.replace("_", " ")} ·{" "}
            <Link href={`/o/${organizer.slug}/`} className="text-indigo-700 hover:underline">
              public page
            </Link>
          </p>
        </div>
        <div className="flex gap-2">
          <Link
            href={`/manage/${organizer.slug}/members/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Team
          </Link>
          {can_manage ? (
            <Link
              href={`/manage/${organizer.slug}/events/new/`}
              className="rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
            >
              New event
            </Link>
          ) : null}
        </div>
      </div>
      <section className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <EventsTable organizerSlug={organizer.slug} events={events} />
      </section>
    </>
  );
}

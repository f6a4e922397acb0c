import { Head, Link } from "@inertiajs/react";
import TicketPicker from "../../components/TicketPicker";
import { formatEventDate } from "../../lib/format";
import type { PageProps } from "../../types";

export default function Show({ event, voucher }: PageProps<"Events/Show">) {
  const cancelled = event.status === "cancelled";
  return (
    <>
      <Head title={event.title} />
      <p className="mb-3 text-sm text-slate-500">
        <Link href="/" className="hover:text-indigo-700">
          ← All events
        </Link>
      </p>
      {cancelled ? (
        <p
          role="alert"
          className="mb-4 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-red-900"
        >
          This event has been cancelled.
        </p>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
        <article className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
          {event.cover_image_url ? (
            <img src={event.cover_image_url} alt="" className="aspect-[3/1] w-full object-cover" />
          ) : null}
          <div className="p-6">
            <h1 className="text-3xl font-bold tracking-tight">{event.title}</h1>
            <p className="mt-1 text-slate-600">
              by{" "}
              <Link
                href={`/o/${event.organizer.slug}/`}
                className="text-indigo-700 hover:underline"
              >
                {event.organizer.name}
              </Link>
            </p>
            <dl className="mt-6 grid gap-4 sm:grid-cols-2">
              <div>
                <dt className="text-sm font-medium text-slate-500">When</dt>
                <dd>
                  <time dateTime={event.starts_at}>
                    {formatEventDate(event.starts_at, event.timezone)}
                  </time>
                  {" – "}
                  <time dateTime={event.ends_at}>
                    {formatEventDate(event.ends_at, event.timezone)}
                  </time>
                </dd>
              </div>
              <div>
                <dt className="text-sm font-medium text-slate-500">Where</dt>
                <dd>{event.venue}</dd>
              </div>
            </dl>
            {event.description_html ? (
              <div
                className="prose mt-6 max-w-none space-y-3 text-slate-700 [&_a]:text-indigo-700 [&_a]:underline [&_ul]:list-disc [&_ul]:pl-6"
                // Rendered from Markdown and sanitised on the server (core/markdown.py).
                // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised server-side
                dangerouslySetInnerHTML={{ __html: event.description_html }}
              />
            ) : null}
          </div>
        </article>

        <aside
          aria-labelledby="tickets-heading"
          className="self-start rounded-xl border border-slate-200 bg-white p-5 shadow-sm"
        >
          <h2 id="tickets-heading" className="text-lg font-semibold">
            Tickets
          </h2>
          {event.ticket_types.length === 0 ? (
            <p className="mt-2 text-sm text-slate-600">Tickets are not available yet.</p>
          ) : (
            <TicketPicker event={event} voucher={voucher} />
          )}
        </aside>
      </div>
    </>
  );
}

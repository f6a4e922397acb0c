import { Head, router, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useState } from "react";
import EventCard from "../components/EventCard";
import PaginationNav from "../components/PaginationNav";
import type { PageProps } from "../types";

type Props = PageProps<"Home">;

export default function Home({ events, pagination, filters }: Props) {
  const { t } = useLingui();
  const [values, setValues] = useState<Props["filters"]>(filters);
  const filtered = Boolean(filters.q || filters.from || filters.to);
  // The server refuses an inverted range ("to" before "from") instead of listing nothing.
  const rangeError = usePage().props.errors.to;

  function search(event: FormEvent) {
    event.preventDefault();
    const query = Object.fromEntries(Object.entries(values).filter(([, value]) => value));
    router.get("/", query, { preserveState: true });
  }

  return (
    <>
      <Head title={t`Upcoming events`} />
      <section aria-labelledby="upcoming-heading">
        <h1 id="upcoming-heading" className="mb-4 text-2xl font-bold tracking-tight sm:text-3xl">
          <Trans>Upcoming events</Trans>
        </h1>
        <search>
          <form
            onSubmit={search}
            className="mb-6 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-[1fr_auto_auto_auto]"
          >
            <label className="block">
              <span className="sr-only">
                <Trans>Search events</Trans>
              </span>
              <input
                type="search"
                name="q"
                placeholder={t`Search by name, venue or organizer`}
                value={values.q}
                onChange={(e) => setValues({ ...values, q: e.target.value })}
                className="w-full rounded-lg border border-slate-300 px-3 py-2"
              />
            </label>
            <label className="flex items-center gap-2 text-sm text-slate-600">
              <Trans>From</Trans>
              <input
                type="date"
                name="from"
                value={values.from}
                onChange={(e) => setValues({ ...values, from: e.target.value })}
                className="rounded-lg border border-slate-300 px-2 py-2"
              />
            </label>
            <label className="flex items-center gap-2 text-sm text-slate-600">
              <Trans>To</Trans>
              <input
                type="date"
                name="to"
                value={values.to}
                onChange={(e) => setValues({ ...values, to: e.target.value })}
                aria-invalid={rangeError ? true : undefined}
                aria-describedby={rangeError ? "range-error" : undefined}
                className="rounded-lg border border-slate-300 px-2 py-2"
              />
            </label>
            <button
              type="submit"
              className="rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700"
            >
              <Trans>Search</Trans>
            </button>
          </form>
        </search>
        {rangeError ? (
          <p
            id="range-error"
            role="alert"
            className="rounded-xl border border-red-200 bg-red-50 p-8 text-center text-red-800"
            data-server-text
          >
            {rangeError}
          </p>
        ) : events.length === 0 ? (
          <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600">
            {filtered ? (
              <Trans>No events match your search.</Trans>
            ) : (
              <Trans>No upcoming events yet. Check back soon.</Trans>
            )}
          </p>
        ) : (
          <ul className="grid gap-4 sm:grid-cols-2" data-testid="event-list">
            {events.map((event) => (
              <EventCard key={event.slug} event={event} />
            ))}
          </ul>
        )}
        <PaginationNav pagination={pagination} />
      </section>
    </>
  );
}

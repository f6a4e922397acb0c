import { Head, Link } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import EventsTable from "../../components/EventsTable";
import type { PageProps } from "../../types";

export default function ManageHome({ organizers }: PageProps<"Manage/Home">) {
  const { t } = useLingui();
  return (
    <>
      <Head title={t`My events`} />
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight">
          <Trans>My events</Trans>
        </h1>
        <Link
          href="/manage/organizers/new/"
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          <Trans>New organizer</Trans>
        </Link>
      </div>
      {organizers.length === 0 ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center">
          <p className="text-slate-700">
            <Trans>You are not part of an organizer yet.</Trans>
          </p>
          <p className="mt-2 text-sm text-slate-600">
            <Trans>Create one to publish events, or ask an owner to invite you.</Trans>
          </p>
          <Link
            href="/manage/organizers/new/"
            className="mt-4 inline-block rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white"
          >
            <Trans>Create an organizer</Trans>
          </Link>
        </div>
      ) : (
        <div className="space-y-6">
          {organizers.map((organizer) => (
            <section
              key={organizer.slug}
              className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm"
            >
              <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
                <h2 className="text-lg font-semibold">
                  <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
                    {organizer.name}
                  </Link>
                </h2>
                {organizer.can_manage ? (
                  <Link
                    href={`/manage/${organizer.slug}/events/new/`}
                    className="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
                  >
                    <Trans>New event</Trans>
                  </Link>
                ) : null}
              </div>
              <EventsTable
                organizerSlug={organizer.slug}
                events={organizer.events}
                canManage={organizer.can_manage}
              />
            </section>
          ))}
        </div>
      )}
    </>
  );
}

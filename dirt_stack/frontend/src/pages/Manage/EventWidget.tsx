import { Head, Link } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import WidgetSnippet from "../../components/WidgetSnippet";
import type { PageProps } from "../../types";

// An event's shop widget: the snippet for the organizer's website and its preview.
export default function EventWidget({
  organizer,
  event,
  site_url,
  embed_origins,
  published,
}: PageProps<"Manage/EventWidget">) {
  const { t } = useLingui();
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const title = event.title;
  const websites = embed_origins.join(", ");
  return (
    <>
      <Head title={t`${title}: shop widget`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Shop widget</Trans>
      </h1>
      <p className="mb-4 max-w-3xl text-sm text-slate-600">
        <Trans>
          Sell this event's tickets on your own website: buyers choose, pay and get their tickets
          without leaving it. Paste the snippet where the shop should appear.
        </Trans>
      </p>
      <p className="mb-6 max-w-3xl text-sm text-slate-600" data-testid="widget-origins">
        {embed_origins.length === 0
          ? t`Any website may show the widget.`
          : t`Only these websites may show the widget: ${websites}.`}{" "}
        <Link href={`/manage/${organizer.slug}/widget/`} className="text-indigo-700 underline">
          <Trans>Choose the websites</Trans>
        </Link>
      </p>
      {published ? (
        <section className="max-w-4xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
          <WidgetSnippet
            siteUrl={site_url}
            target={{ kind: "event", slug: event.slug }}
            defaultLabel={t`Buy tickets`}
          />
        </section>
      ) : (
        <p role="status" className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-950">
          <Trans>Publish the event first: a draft's shop cannot be shown anywhere.</Trans>
        </p>
      )}
    </>
  );
}

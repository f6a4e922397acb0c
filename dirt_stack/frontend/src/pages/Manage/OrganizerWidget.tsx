import { Head, Link, useForm, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { FormError, PrimaryButton, TextArea } from "../../components/fields";
import WidgetSnippet from "../../components/WidgetSnippet";
import { formatEventDate } from "../../lib/format";
import type { PageProps } from "../../types";

// The organizer's shop widget: the snippet of its event list, and the websites that may
// show the widget (the embedded pages' frame-ancestors), with their history.
export default function OrganizerWidget({
  organizer,
  site_url,
  embed_origins,
  changes,
}: PageProps<"Manage/OrganizerWidget">) {
  const { t } = useLingui();
  const errors = usePage().props.errors;
  const name = organizer.name;
  const form = useForm({ embed_origins: embed_origins.join("\n") });

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(`/manage/${organizer.slug}/widget/`, { preserveScroll: true });
  }

  return (
    <>
      <Head title={t`${name}: shop widget`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Shop widget</Trans>
      </h1>
      <p className="mb-6 max-w-3xl text-sm text-slate-600">
        <Trans>
          Show your events and sell their tickets on your own website. Each event's page in the back
          office has its own snippet too.
        </Trans>
      </p>
      <section className="mb-6 max-w-4xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="mb-3 text-lg font-semibold">
          <Trans>Websites that may show the widget</Trans>
        </h2>
        <form onSubmit={save} noValidate className="space-y-3">
          <FormError message={errors.form} />
          <TextArea
            label={t`Websites, one per line`}
            rows={4}
            hint={t`For example https://www.example.org, or https://*.example.org for all its subdomains. Leave it empty to let any website show the widget.`}
            value={form.data.embed_origins}
            onChange={(e) => form.setData("embed_origins", e.target.value)}
            error={errors.embed_origins}
          />
          <PrimaryButton type="submit" disabled={form.processing}>
            <Trans>Save websites</Trans>
          </PrimaryButton>
        </form>
        {changes.length > 0 ? (
          <details className="mt-4 text-sm text-slate-600">
            <summary className="cursor-pointer">
              <Trans>History</Trans>
            </summary>
            <ul className="mt-2 space-y-1" data-testid="widget-changes">
              {changes.map((change) => {
                const when = formatEventDate(change.at, "UTC");
                const by = change.by;
                const websites = change.after.join(", ");
                return (
                  <li key={`${change.at}-${change.by}`}>
                    {change.after.length
                      ? t`${when}: ${by} changed them to ${websites}`
                      : t`${when}: ${by} changed them to any website`}
                  </li>
                );
              })}
            </ul>
          </details>
        ) : null}
      </section>
      <section className="max-w-4xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="mb-3 text-lg font-semibold">
          <Trans>Your event list</Trans>
        </h2>
        <WidgetSnippet
          siteUrl={site_url}
          target={{ kind: "organizer", slug: organizer.slug }}
          defaultLabel={t`Tickets`}
        />
      </section>
    </>
  );
}

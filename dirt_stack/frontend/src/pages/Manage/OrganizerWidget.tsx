import { Head, Link, useForm, usePage } from "@inertiajs/react";
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
  const errors = usePage().props.errors;
  const form = useForm({ embed_origins: embed_origins.join("\n") });

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(`/manage/${organizer.slug}/widget/`, { preserveScroll: true });
  }

  return (
    <>
      <Head title={`${organizer.name}: shop widget`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">Shop widget</h1>
      <p className="mb-6 max-w-3xl text-sm text-slate-600">
        Show your events and sell their tickets on your own website. Each event's page in the back
        office has its own snippet too.
      </p>
      <section className="mb-6 max-w-4xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="mb-3 text-lg font-semibold">Websites that may show the widget</h2>
        <form onSubmit={save} noValidate className="space-y-3">
          <FormError message={errors.form} />
          <TextArea
            label="Websites, one per line"
            rows={4}
            hint="For example https://www.example.org, or https://*.example.org for all its subdomains. Leave it empty to let any website show the widget."
            value={form.data.embed_origins}
            onChange={(e) => form.setData("embed_origins", e.target.value)}
            error={errors.embed_origins}
          />
          <PrimaryButton type="submit" disabled={form.processing}>
            Save websites
          </PrimaryButton>
        </form>
        {changes.length > 0 ? (
          <details className="mt-4 text-sm text-slate-600">
            <summary className="cursor-pointer">History</summary>
            <ul className="mt-2 space-y-1" data-testid="widget-changes">
              {changes.map((change) => (
                <li key={`${change.at}-${change.by}`}>
                  {formatEventDate(change.at, "UTC")}: {change.by} changed them to{" "}
                  {change.after.length ? change.after.join(", ") : "any website"}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </section>
      <section className="max-w-4xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="mb-3 text-lg font-semibold">Your event list</h2>
        <WidgetSnippet
          siteUrl={site_url}
          target={{ kind: "organizer", slug: organizer.slug }}
          defaultLabel="Tickets"
        />
      </section>
    </>
  );
}

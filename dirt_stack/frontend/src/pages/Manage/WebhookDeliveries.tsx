import { Head, Link, router } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { SelectField } from "../../components/fields";
import PaginationNav from "../../components/PaginationNav";
import { formatEventDate } from "../../lib/format";
import type { PageProps } from "../../types";

type Status = PageProps<"Manage/WebhookDeliveries">["deliveries"][number]["status"];

// Moments in the reader's own time zone, which the date names.
const VIEWER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const when = (iso: string) => formatEventDate(iso, VIEWER_ZONE);

// A delivery's state in the reader's language (the server sends its code).
const STATUSES: Record<Status, MessageDescriptor> = {
  pending: msg`pending`,
  succeeded: msg`succeeded`,
  failed: msg`failed`,
};

export default function WebhookDeliveries({
  organizer,
  endpoint,
  deliveries,
  filters,
  statuses,
  event_types,
  pagination,
}: PageProps<"Manage/WebhookDeliveries">) {
  const { t, i18n } = useLingui();
  const base = `/manage/${organizer.slug}/webhooks/${endpoint.id}`;
  const filter = (name: "status" | "event_type", value: string) =>
    router.get(`${base}/deliveries/`, { ...filters, [name]: value }, { preserveState: true });

  return (
    <>
      <Head title={t`Webhook deliveries`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {endpoint.url}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Delivery log</Trans>
      </h1>
      <p className="mb-4 text-sm text-slate-600">
        <Trans>The last 30 days, newest first.</Trans>
      </p>
      <div className="mb-4 flex flex-wrap gap-3">
        <SelectField
          label={t`Status`}
          value={filters.status}
          options={statuses}
          onChange={(e) => filter("status", e.target.value)}
        />
        <SelectField
          label={t`Event type`}
          value={filters.event_type}
          options={event_types}
          onChange={(e) => filter("event_type", e.target.value)}
        />
      </div>
      <table className="w-full rounded-xl border border-slate-200 bg-white text-left text-sm">
        <thead>
          <tr className="border-b border-slate-200 text-slate-500">
            <th className="p-3">
              <Trans>Created</Trans>
            </th>
            <th className="p-3">
              <Trans>Type</Trans>
            </th>
            <th className="p-3">
              <Trans>Status</Trans>
            </th>
            <th className="p-3">
              <Trans>Attempts</Trans>
            </th>
            <th className="p-3">
              <Trans>Last answer</Trans>
            </th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => (
            <tr
              key={delivery.id}
              className="border-b border-slate-100"
              data-testid="webhook-delivery"
            >
              <td className="p-3">
                <Link
                  href={`/manage/${organizer.slug}/webhooks/deliveries/${delivery.id}/`}
                  className="text-indigo-700 hover:underline"
                >
                  {when(delivery.created_at)}
                </Link>
              </td>
              <td className="p-3">
                {delivery.event_type}
                {delivery.event ? ` · ${delivery.event}` : ""}
              </td>
              <td className="p-3">{i18n._(STATUSES[delivery.status])}</td>
              <td className="p-3">{delivery.attempts}</td>
              <td className="p-3">{delivery.last_status_code ?? "—"}</td>
            </tr>
          ))}
          {deliveries.length === 0 ? (
            <tr>
              <td colSpan={5} className="p-3 text-slate-600">
                <Trans>No deliveries.</Trans>
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <PaginationNav pagination={pagination} />
    </>
  );
}

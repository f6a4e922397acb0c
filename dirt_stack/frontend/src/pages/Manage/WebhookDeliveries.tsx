import { Head, Link, router } from "@inertiajs/react";
import { SelectField } from "../../components/fields";
import PaginationNav from "../../components/PaginationNav";
import type { PageProps } from "../../types";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString("en-GB") : "");

export default function WebhookDeliveries({
  organizer,
  endpoint,
  deliveries,
  filters,
  statuses,
  event_types,
  pagination,
}: PageProps<"Manage/WebhookDeliveries">) {
  const base = `/manage/${organizer.slug}/webhooks/${endpoint.id}`;
  const filter = (name: "status" | "event_type", value: string) =>
    router.get(`${base}/deliveries/`, { ...filters, [name]: value }, { preserveState: true });

  return (
    <>
      <Head title="Webhook deliveries" />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {endpoint.url}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">Delivery log</h1>
      <p className="mb-4 text-sm text-slate-600">The last 30 days, newest first.</p>
      <div className="mb-4 flex flex-wrap gap-3">
        <SelectField
          label="Status"
          value={filters.status}
          options={statuses}
          onChange={(e) => filter("status", e.target.value)}
        />
        <SelectField
          label="Event type"
          value={filters.event_type}
          options={event_types}
          onChange={(e) => filter("event_type", e.target.value)}
        />
      </div>
      <table className="w-full rounded-xl border border-slate-200 bg-white text-left text-sm">
        <thead>
          <tr className="border-b border-slate-200 text-slate-500">
            <th className="p-3">Created</th>
            <th className="p-3">Type</th>
            <th className="p-3">Status</th>
            <th className="p-3">Attempts</th>
            <th className="p-3">Last answer</th>
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
              <td className="p-3">{delivery.status}</td>
              <td className="p-3">{delivery.attempts}</td>
              <td className="p-3">{delivery.last_status_code ?? "—"}</td>
            </tr>
          ))}
          {deliveries.length === 0 ? (
            <tr>
              <td colSpan={5} className="p-3 text-slate-600">
                No deliveries.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <PaginationNav pagination={pagination} />
    </>
  );
}

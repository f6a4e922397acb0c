import { Head, Link, router } from "@inertiajs/react";
import type { PageProps } from "../../types";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString("en-GB") : "");

function Headers({ headers }: { headers: Record<string, string> }) {
  return (
    <pre className="overflow-x-auto rounded bg-slate-50 p-2 text-xs">
      {Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}`)
        .join("\n")}
    </pre>
  );
}

export default function WebhookDelivery({
  organizer,
  endpoint,
  delivery,
}: PageProps<"Manage/WebhookDelivery">) {
  return (
    <>
      <Head title={`Webhook ${delivery.message_id}`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link
          href={`/manage/${organizer.slug}/webhooks/${endpoint.id}/deliveries/`}
          className="hover:text-indigo-700"
        >
          ← Delivery log
        </Link>
      </p>
      <h1 className="mb-2 text-2xl font-bold tracking-tight">{delivery.event_type}</h1>
      <p className="mb-4 text-sm text-slate-600">
        <code>{delivery.message_id}</code> · {delivery.status} · {delivery.attempts} attempt
        {delivery.attempts === 1 ? "" : "s"}
        {delivery.next_attempt_at ? ` · next ${when(delivery.next_attempt_at)}` : ""}
      </p>
      <button
        type="button"
        onClick={() =>
          router.post(
            `/manage/${organizer.slug}/webhooks/deliveries/${delivery.id}/resend/`,
            {},
            { preserveScroll: true },
          )
        }
        className="mb-6 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
      >
        Resend
      </button>
      <h2 className="mb-2 text-lg font-semibold">Request body</h2>
      <pre
        className="mb-6 overflow-x-auto rounded-xl border border-slate-200 bg-white p-3 text-xs"
        data-testid="webhook-payload"
      >
        {delivery.payload}
      </pre>
      <h2 className="mb-2 text-lg font-semibold">Attempts</h2>
      <ol className="grid gap-4">
        {delivery.attempts_made.map((attempt) => (
          <li
            key={attempt.attempted_at}
            className="rounded-xl border border-slate-200 bg-white p-4 text-sm"
            data-testid="webhook-attempt"
          >
            <p className="mb-2 font-medium">
              {when(attempt.attempted_at)} ·{" "}
              {attempt.response_status !== null ? `HTTP ${attempt.response_status}` : "no answer"} ·{" "}
              {attempt.duration_ms} ms
            </p>
            {attempt.error ? <p className="mb-2 text-red-700">{attempt.error}</p> : null}
            <h3 className="text-xs font-semibold uppercase text-slate-500">Request headers</h3>
            <Headers headers={attempt.request_headers} />
            <h3 className="mt-2 text-xs font-semibold uppercase text-slate-500">
              Response headers
            </h3>
            <Headers headers={attempt.response_headers} />
            <h3 className="mt-2 text-xs font-semibold uppercase text-slate-500">Response body</h3>
            <pre className="overflow-x-auto rounded bg-slate-50 p-2 text-xs">
              {attempt.response_body}
            </pre>
          </li>
        ))}
      </ol>
    </>
  );
}

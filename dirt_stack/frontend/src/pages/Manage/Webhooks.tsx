import { Head, Link } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import WebhookEndpointForm from "../../components/WebhookEndpointForm";
import type { PageProps } from "../../types";

export default function Webhooks({
  organizer,
  endpoints,
  event_types,
  events,
}: PageProps<"Manage/Webhooks">) {
  const { t } = useLingui();
  return (
    <>
      <Head title={t`Webhooks`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <h1 className="mb-2 text-2xl font-bold tracking-tight">
        <Trans>Webhooks</Trans>
      </h1>
      <p className="mb-4 text-sm text-slate-600">
        <Trans>
          Maticko tells your systems what happens (orders, check-ins, events) by posting signed JSON
          to your endpoints, as{" "}
          <a href="https://www.standardwebhooks.com/" className="underline">
            Standard Webhooks
          </a>{" "}
          specifies. The messages are described in the{" "}
          <a href="/api/v1/docs" className="underline">
            API documentation
          </a>
          .
        </Trans>
      </p>
      <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white">
        {endpoints.map((endpoint) => (
          <li
            key={endpoint.id}
            className="flex flex-wrap items-center justify-between gap-2 p-4 text-sm"
            data-testid="webhook-endpoint"
          >
            <span className="min-w-0">
              <Link
                href={`/manage/${organizer.slug}/webhooks/${endpoint.id}/`}
                className="break-all font-medium text-indigo-700 hover:underline"
              >
                {endpoint.url}
              </Link>
              {endpoint.description ? ` · ${endpoint.description}` : ""} ·{" "}
              {endpoint.event_types.length ? endpoint.event_types.join(", ") : t`every type`}
            </span>
            {endpoint.enabled ? (
              <span className="text-emerald-700">
                <Trans>enabled</Trans>
              </span>
            ) : (
              <span className="text-red-700">
                <Trans>disabled</Trans>
              </span>
            )}
          </li>
        ))}
        {endpoints.length === 0 ? (
          <li className="p-4 text-sm text-slate-600">
            <Trans>No endpoints yet.</Trans>
          </li>
        ) : null}
      </ul>
      <h2 className="mt-8 mb-2 text-lg font-semibold">
        <Trans>Add an endpoint</Trans>
      </h2>
      <WebhookEndpointForm
        action={`/manage/${organizer.slug}/webhooks/`}
        initial={{ url: "", description: "", event_types: [], events: [], enabled: true }}
        eventTypes={event_types}
        events={events}
        submitLabel={t`Add endpoint`}
      />
    </>
  );
}

import { Head, Link, router } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Plural, Trans, useLingui } from "@lingui/react/macro";
import { formatEventDate } from "../../lib/format";
import type { PageProps } from "../../types";

type Status = PageProps<"Manage/WebhookDelivery">["delivery"]["status"];

// Moments in the reader's own time zone, which the date names.
const VIEWER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const when = (iso: string) => formatEventDate(iso, VIEWER_ZONE);

// A delivery's state in the reader's language (the server sends its code).
const STATUSES: Record<Status, MessageDescriptor> = {
  pending: msg`pending`,
  succeeded: msg`succeeded`,
  failed: msg`failed`,
};

// The message as sent and the receiver's answer are data, not the page's text.
function Headers({ headers }: { headers: Record<string, string> }) {
  return (
    <pre className="overflow-x-auto rounded bg-slate-50 p-2 text-xs" data-server-text>
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
  const { t, i18n } = useLingui();
  const messageId = delivery.message_id;
  const attempts = delivery.attempts;
  const nextAttempt = delivery.next_attempt_at ? when(delivery.next_attempt_at) : null;
  return (
    <>
      <Head title={t`Webhook ${messageId}`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link
          href={`/manage/${organizer.slug}/webhooks/${endpoint.id}/deliveries/`}
          className="hover:text-indigo-700"
        >
          ← <Trans>Delivery log</Trans>
        </Link>
      </p>
      <h1 className="mb-2 text-2xl font-bold tracking-tight">{delivery.event_type}</h1>
      <p className="mb-4 text-sm text-slate-600">
        <code>{delivery.message_id}</code> · {i18n._(STATUSES[delivery.status])} ·{" "}
        <Plural value={attempts} one="# attempt" other="# attempts" />
        {nextAttempt ? (
          <>
            {" "}
            · <Trans>next {nextAttempt}</Trans>
          </>
        ) : null}
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
        <Trans>Resend</Trans>
      </button>
      <h2 className="mb-2 text-lg font-semibold">
        <Trans>Request body</Trans>
      </h2>
      <pre
        className="mb-6 overflow-x-auto rounded-xl border border-slate-200 bg-white p-3 text-xs"
        data-testid="webhook-payload"
        data-server-text
      >
        {delivery.payload}
      </pre>
      <h2 className="mb-2 text-lg font-semibold">
        <Trans>Attempts</Trans>
      </h2>
      <ol className="grid gap-4">
        {delivery.attempts_made.map((attempt) => (
          <li
            key={attempt.attempted_at}
            className="rounded-xl border border-slate-200 bg-white p-4 text-sm"
            data-testid="webhook-attempt"
          >
            <AttemptLine
              attemptedAt={when(attempt.attempted_at)}
              responseStatus={attempt.response_status}
              durationMs={attempt.duration_ms}
            />
            {attempt.error ? (
              <p className="mb-2 text-red-700" data-server-text>
                {attempt.error}
              </p>
            ) : null}
            <h3 className="text-xs font-semibold uppercase text-slate-500">
              <Trans>Request headers</Trans>
            </h3>
            <Headers headers={attempt.request_headers} />
            <h3 className="mt-2 text-xs font-semibold uppercase text-slate-500">
              <Trans>Response headers</Trans>
            </h3>
            <Headers headers={attempt.response_headers} />
            <h3 className="mt-2 text-xs font-semibold uppercase text-slate-500">
              <Trans>Response body</Trans>
            </h3>
            <pre className="overflow-x-auto rounded bg-slate-50 p-2 text-xs" data-server-text>
              {attempt.response_body}
            </pre>
          </li>
        ))}
      </ol>
    </>
  );
}

// When an attempt was made, what the receiver answered and how long it took.
function AttemptLine({
  attemptedAt,
  responseStatus,
  durationMs,
}: {
  attemptedAt: string;
  responseStatus: number | null;
  durationMs: number;
}) {
  return (
    <p className="mb-2 font-medium">
      {attemptedAt} ·{" "}
      {responseStatus !== null ? (
        <Trans comment="The receiver's HTTP status code">HTTP {responseStatus}</Trans>
      ) : (
        <Trans>no answer</Trans>
      )}{" "}
      · <Trans comment="Milliseconds">{durationMs} ms</Trans>
    </p>
  );
}

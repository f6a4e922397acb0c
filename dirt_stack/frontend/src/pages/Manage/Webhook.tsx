import { Head, Link, router, useForm } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Plural, Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { PrimaryButton, TextField } from "../../components/fields";
import WebhookEndpointForm from "../../components/WebhookEndpointForm";
import { formatEventDate } from "../../lib/format";
import type { PageProps } from "../../types";

// Moments in the reader's own time zone, which the date names.
const VIEWER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const when = (iso: string | null) => (iso ? formatEventDate(iso, VIEWER_ZONE) : "");

// What was done to the endpoint (webhooks.services.audit's actions).
const ACTIONS: Record<string, MessageDescriptor> = {
  created: msg`created`,
  changed: msg`changed`,
  deleted: msg`deleted`,
  secret_revealed: msg`secret revealed`,
  secret_rotated: msg`secret rotated`,
  test_sent: msg`test message sent`,
  resent: msg`message sent again`,
  replayed: msg`failed messages replayed`,
  disabled: msg`disabled after failing`,
};

export default function Webhook({
  organizer,
  endpoint,
  event_types,
  events,
  secrets,
  changes,
}: PageProps<"Manage/Webhook">) {
  const { t, i18n } = useLingui();
  const base = `/manage/${organizer.slug}/webhooks/${endpoint.id}`;
  const { confirm, dialog } = useConfirm();
  const replay = useForm({ since: "" });
  const replayErrors = replay.errors as Partial<Record<"since" | "form", string>>;
  const failingSince = when(endpoint.failing_since);
  const oldSecretUntil = when(endpoint.previous_secret_until);
  const disabledReason = endpoint.disabled_reason;
  const secretCount = secrets?.length ?? 0;

  function submitReplay(e: FormEvent) {
    e.preventDefault();
    replay.transform((data) => ({
      since: data.since ? new Date(data.since).toISOString() : "",
    }));
    replay.post(`${base}/replay/`, { preserveScroll: true });
  }

  return (
    <>
      <Head title={t`Webhook endpoint`} />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/webhooks/`} className="hover:text-indigo-700">
          ← <Trans>Webhooks</Trans>
        </Link>
      </p>
      <h1 className="mb-2 break-all text-2xl font-bold tracking-tight">{endpoint.url}</h1>
      {!endpoint.enabled ? (
        <p role="status" className="mb-4 rounded-lg border border-red-200 bg-red-50 p-3 text-sm">
          {endpoint.disabled_reason ? (
            <Trans>
              Disabled: <span data-server-text>{disabledReason}</span>. Enable it again below, then
              replay what it missed.
            </Trans>
          ) : (
            <Trans>Disabled. Enable it again below, then replay what it missed.</Trans>
          )}
        </p>
      ) : null}
      {endpoint.failing_since ? (
        <p className="mb-4 text-sm text-amber-700">
          <Trans>Failing since {failingSince}.</Trans>
        </p>
      ) : null}
      <div className="mb-6 flex flex-wrap gap-2">
        <button
          type="button"
          onClick={() => router.post(`${base}/test/`, {}, { preserveScroll: true })}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          <Trans>Send a test message</Trans>
        </button>
        <Link
          href={`${base}/deliveries/`}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          <Trans>Delivery log</Trans>
        </Link>
        <button
          type="button"
          onClick={() => router.post(`${base}/secret/`, {}, { preserveScroll: true })}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          <Trans>Reveal secret</Trans>
        </button>
        <button
          type="button"
          onClick={async () => {
            const confirmed = await confirm({
              title: t`Rotate the secret?`,
              body: t`A new secret signs from now on; the old one signs too for 24 hours, so your receiver can switch.`,
              confirmLabel: t`Rotate`,
            });
            if (confirmed) {
              router.post(`${base}/rotate/`, {}, { preserveScroll: true });
            }
          }}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          <Trans>Rotate secret</Trans>
        </button>
        <button
          type="button"
          onClick={async () => {
            const confirmed = await confirm({
              title: t`Delete this endpoint?`,
              body: t`Nothing is sent to it any more, and its delivery log is deleted.`,
              confirmLabel: t`Delete`,
            });
            if (confirmed) {
              router.post(`${base}/delete/`);
            }
          }}
          className="rounded-lg px-3 py-2 text-sm text-red-700 hover:underline"
        >
          <Trans>Delete</Trans>
        </button>
      </div>
      {secrets ? (
        <div role="status" className="mb-6 rounded-lg border border-emerald-300 bg-emerald-50 p-4">
          <p className="font-semibold">
            <Plural value={secretCount} one="Signing secret" other="Signing secrets" />
          </p>
          {secrets.map((secret, index) => (
            <p key={secret} className="mt-2">
              <code className="block break-all rounded bg-white p-2" data-testid="webhook-secret">
                {secret}
              </code>
              {index > 0 ? (
                <span className="text-sm">
                  <Trans>The old one, signing too until {oldSecretUntil}.</Trans>
                </span>
              ) : null}
            </p>
          ))}
        </div>
      ) : null}
      <WebhookEndpointForm
        action={`${base}/`}
        initial={{
          url: endpoint.url,
          description: endpoint.description,
          event_types: endpoint.event_types,
          events: endpoint.events,
          enabled: endpoint.enabled,
        }}
        eventTypes={event_types}
        events={events}
        submitLabel={t`Save`}
      />
      <h2 className="mt-8 mb-2 text-lg font-semibold">
        <Trans>Replay failed messages</Trans>
      </h2>
      <form
        onSubmit={submitReplay}
        className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-5"
        noValidate
      >
        <TextField
          label={t`Since`}
          type="datetime-local"
          value={replay.data.since}
          onChange={(e) => replay.setData("since", e.target.value)}
          error={replayErrors.since}
        />
        <PrimaryButton disabled={replay.processing}>
          <Trans>Replay</Trans>
        </PrimaryButton>
      </form>
      <h2 className="mt-8 mb-2 text-lg font-semibold">
        <Trans>History</Trans>
      </h2>
      <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white text-sm">
        {changes.map((change) => {
          const action = ACTIONS[change.action];
          return (
            <li key={`${change.created_at}-${change.action}`} className="p-3">
              {when(change.created_at)} ·{" "}
              {action ? i18n._(action) : <span data-server-text>{change.action}</span>} ·{" "}
              {change.actor}
            </li>
          );
        })}
      </ul>
    </>
  );
}

import { Head, Link, router, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { PrimaryButton, TextField } from "../../components/fields";
import WebhookEndpointForm from "../../components/WebhookEndpointForm";
import type { PageProps } from "../../types";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString("en-GB") : "");

export default function Webhook({
  organizer,
  endpoint,
  event_types,
  events,
  secrets,
  changes,
}: PageProps<"Manage/Webhook">) {
  const base = `/manage/${organizer.slug}/webhooks/${endpoint.id}`;
  const { confirm, dialog } = useConfirm();
  const replay = useForm({ since: "" });
  const replayErrors = replay.errors as Partial<Record<"since" | "form", string>>;

  function submitReplay(e: FormEvent) {
    e.preventDefault();
    replay.transform((data) => ({
      since: data.since ? new Date(data.since).toISOString() : "",
    }));
    replay.post(`${base}/replay/`, { preserveScroll: true });
  }

  return (
    <>
      <Head title="Webhook endpoint" />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/webhooks/`} className="hover:text-indigo-700">
          ← Webhooks
        </Link>
      </p>
      <h1 className="mb-2 break-all text-2xl font-bold tracking-tight">{endpoint.url}</h1>
      {!endpoint.enabled ? (
        <p role="status" className="mb-4 rounded-lg border border-red-200 bg-red-50 p-3 text-sm">
          Disabled{endpoint.disabled_reason ? `: ${endpoint.disabled_reason}` : ""}. Enable it again
          below, then replay what it missed.
        </p>
      ) : null}
      {endpoint.failing_since ? (
        <p className="mb-4 text-sm text-amber-700">Failing since {when(endpoint.failing_since)}.</p>
      ) : null}
      <div className="mb-6 flex flex-wrap gap-2">
        <button
          type="button"
          onClick={() => router.post(`${base}/test/`, {}, { preserveScroll: true })}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          Send a test message
        </button>
        <Link
          href={`${base}/deliveries/`}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          Delivery log
        </Link>
        <button
          type="button"
          onClick={() => router.post(`${base}/secret/`, {}, { preserveScroll: true })}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          Reveal secret
        </button>
        <button
          type="button"
          onClick={async () => {
            const confirmed = await confirm({
              title: "Rotate the secret?",
              body: "A new secret signs from now on; the old one signs too for 24 hours, so your receiver can switch.",
              confirmLabel: "Rotate",
            });
            if (confirmed) {
              router.post(`${base}/rotate/`, {}, { preserveScroll: true });
            }
          }}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          Rotate secret
        </button>
        <button
          type="button"
          onClick={async () => {
            const confirmed = await confirm({
              title: "Delete this endpoint?",
              body: "Nothing is sent to it any more, and its delivery log is deleted.",
              confirmLabel: "Delete",
            });
            if (confirmed) {
              router.post(`${base}/delete/`);
            }
          }}
          className="rounded-lg px-3 py-2 text-sm text-red-700 hover:underline"
        >
          Delete
        </button>
      </div>
      {secrets ? (
        <div role="status" className="mb-6 rounded-lg border border-emerald-300 bg-emerald-50 p-4">
          <p className="font-semibold">Signing secret{secrets.length > 1 ? "s" : ""}</p>
          {secrets.map((secret, index) => (
            <code
              key={secret}
              className="mt-2 block break-all rounded bg-white p-2"
              data-testid="webhook-secret"
            >
              {secret}
              {index > 0 ? ` (old, signs too until ${when(endpoint.previous_secret_until)})` : ""}
            </code>
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
        submitLabel="Save"
      />
      <h2 className="mt-8 mb-2 text-lg font-semibold">Replay failed messages</h2>
      <form
        onSubmit={submitReplay}
        className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-5"
        noValidate
      >
        <TextField
          label="Since"
          type="datetime-local"
          value={replay.data.since}
          onChange={(e) => replay.setData("since", e.target.value)}
          error={replayErrors.since}
        />
        <PrimaryButton disabled={replay.processing}>Replay</PrimaryButton>
      </form>
      <h2 className="mt-8 mb-2 text-lg font-semibold">History</h2>
      <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white text-sm">
        {changes.map((change) => (
          <li key={`${change.created_at}-${change.action}`} className="p-3">
            {when(change.created_at)} · {change.action.replace("_", " ")} · {change.actor}
          </li>
        ))}
      </ul>
    </>
  );
}

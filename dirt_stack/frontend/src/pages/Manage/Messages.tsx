import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useEffect, useState } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { PreviewPane } from "../../components/EmailPreview";
import {
  FormError,
  PrimaryButton,
  SelectField,
  TextArea,
  TextField,
} from "../../components/fields";
import { formatEventDate } from "../../lib/format";
import { postJsonAnswer } from "../../lib/http";
import type { PageProps, EmailPreview as Preview } from "../../types";

const RELOAD_MS = 3000;
// The placeholder the message starts with, written as it is in every language.
const BUYER_NAME = "{buyer_name}";

// Messages to an event's buyers: write one (Markdown, placeholders), choose who gets it
// (date, ticket type, order status, check-in), see how many and a preview, send; the
// messages sent with their progress, reloading while any is still being delivered.
export default function Messages({
  organizer,
  event,
  dates,
  ticket_types,
  statuses,
  placeholders,
  messages,
  batch_size,
}: PageProps<"Manage/Messages">) {
  const { t } = useLingui();
  const errors = usePage().props.errors;
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const tz = event.timezone;
  const form = useForm({
    subject: "",
    body: `${t`Hello ${BUYER_NAME},`}\n\n`,
    date: "",
    ticket_type: "",
    statuses: ["paid", "partially_refunded"] as string[],
    checked_in: "any",
  });
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewErrors, setPreviewErrors] = useState<Record<string, string>>({});
  const { confirm, dialog } = useConfirm();
  const running = messages.some((message) => message.queued > 0);

  useEffect(() => {
    if (!running) {
      return;
    }
    const timer = window.setInterval(() => router.reload({ only: ["messages"] }), RELOAD_MS);
    return () => window.clearInterval(timer);
  }, [running]);

  async function showPreview() {
    const answer = await postJsonAnswer<Preview>(`${base}/messages/preview/`, form.data);
    setPreviewErrors(answer.body.errors);
    setPreview(answer.ok ? answer.body : null);
  }

  async function send(e: FormEvent) {
    e.preventDefault();
    const answer = await postJsonAnswer<Preview>(`${base}/messages/preview/`, form.data);
    setPreviewErrors(answer.body.errors);
    if (!answer.ok) {
      setPreview(null);
      return;
    }
    setPreview(answer.body);
    const count = answer.body.recipients ?? 0;
    if (
      await confirm({
        title: plural(count, {
          one: "Send this message to # buyer?",
          other: "Send this message to # buyers?",
        }),
        body: t`It goes out in batches of ${batch_size} a minute and cannot be recalled.`,
        confirmLabel: t`Send`,
      })
    ) {
      form.post(`${base}/messages/`, {
        preserveScroll: true,
        onSuccess: () => {
          form.reset();
          setPreview(null);
        },
      });
    }
  }

  const error = (name: string) => errors[name] ?? previewErrors[name];
  const title = event.title;

  return (
    <>
      <Head title={t`${title}: messages`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Messages to buyers</Trans>
      </h1>
      <p className="mb-6 max-w-3xl text-sm text-slate-600">
        <Trans>
          Write to the buyers of this event: one email per order, to the address it was bought with.
          The email ends with a line naming you as the organizer; it appears in each order's
          history.
        </Trans>
      </p>
      <div className="grid gap-6 lg:grid-cols-2">
        <form
          onSubmit={send}
          noValidate
          className="space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
          data-testid="message-form"
        >
          <FormError message={error("form")} />
          <SelectField
            label={t`Date`}
            name="date"
            value={form.data.date}
            onChange={(e) => form.setData("date", e.target.value)}
            error={error("date")}
            options={[
              { value: "", label: t`Every date` },
              ...dates.map((d) => ({
                value: String(d.id),
                label: formatEventDate(d.starts_at, tz),
              })),
            ]}
          />
          <SelectField
            label={t`Ticket type`}
            name="ticket_type"
            value={form.data.ticket_type}
            onChange={(e) => form.setData("ticket_type", e.target.value)}
            error={error("ticket_type")}
            options={[
              { value: "", label: t`Any ticket type` },
              ...ticket_types.map((t) => ({ value: String(t.id), label: t.name })),
            ]}
          />
          <StatusChoice
            statuses={statuses}
            chosen={form.data.statuses}
            onChange={(chosen) => form.setData("statuses", chosen)}
            error={error("statuses")}
          />
          <SelectField
            label={t`Check-in`}
            name="checked_in"
            value={form.data.checked_in}
            onChange={(e) => form.setData("checked_in", e.target.value)}
            error={error("checked_in")}
            options={[
              { value: "any", label: t`Checked in or not` },
              { value: "yes", label: t`Checked in (a ticket of the order)` },
              { value: "no", label: t`Not checked in` },
            ]}
          />
          <TextField
            label={t`Subject`}
            name="subject"
            maxLength={200}
            value={form.data.subject}
            onChange={(e) => form.setData("subject", e.target.value)}
            error={error("subject")}
          />
          <TextArea
            label={t`Message (Markdown)`}
            name="body"
            rows={10}
            maxLength={10000}
            value={form.data.body}
            onChange={(e) => form.setData("body", e.target.value)}
            error={error("body")}
          />
          <details className="text-sm">
            <summary className="cursor-pointer text-slate-700">
              <Trans>Placeholders</Trans>
            </summary>
            <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
              {placeholders.map((p) => (
                <div key={p.name} className="contents">
                  <dt className="font-mono" data-server-text>
                    {`{${p.name}}`}
                  </dt>
                  <dd className="text-slate-600" data-server-text>
                    {p.description}
                  </dd>
                </div>
              ))}
            </dl>
          </details>
          <div className="flex flex-wrap gap-3">
            <button
              type="button"
              onClick={showPreview}
              className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm hover:bg-slate-50"
            >
              <Trans>Preview and count</Trans>
            </button>
            <PrimaryButton disabled={form.processing}>
              <Trans>Send…</Trans>
            </PrimaryButton>
          </div>
        </form>
        <PreviewPane preview={preview} />
      </div>

      <h2 className="mt-8 mb-3 text-lg font-semibold">
        <Trans>Sent messages</Trans>
      </h2>
      {messages.length === 0 ? (
        <p className="text-sm text-slate-600">
          <Trans>No message has been sent for this event.</Trans>
        </p>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
          <table className="w-full text-left text-sm" data-testid="messages">
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th className="px-3 py-2">
                  <Trans>Sent</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Subject</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>By</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Recipients</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Queued</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Delivered</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Failed</Trans>
                </th>
              </tr>
            </thead>
            <tbody>
              {messages.map((message) => (
                <tr key={message.id} className="border-t border-slate-100">
                  <td className="px-3 py-2">{formatEventDate(message.created_at, tz)}</td>
                  <td className="px-3 py-2">{message.subject}</td>
                  <td className="px-3 py-2">{message.created_by}</td>
                  <td className="px-3 py-2 tabular-nums">{message.total}</td>
                  <td className="px-3 py-2 tabular-nums">{message.queued}</td>
                  <td className="px-3 py-2 tabular-nums">{message.sent}</td>
                  <td className="px-3 py-2 tabular-nums">{message.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog}
    </>
  );
}

// Which orders get the message, by status: the statuses are the server's labels.
function StatusChoice({
  statuses,
  chosen,
  onChange,
  error,
}: {
  statuses: string[][];
  chosen: string[];
  onChange: (chosen: string[]) => void;
  error?: string;
}) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-700">
        <Trans>Order status</Trans>
      </legend>
      <div className="mt-1 flex flex-wrap gap-4">
        {statuses.map(([value, label]) => (
          <label key={value} className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              className="size-4 rounded border-slate-300"
              checked={chosen.includes(value)}
              onChange={(e) =>
                onChange(e.target.checked ? [...chosen, value] : chosen.filter((v) => v !== value))
              }
            />
            <span data-server-text>{label}</span>
          </label>
        ))}
      </div>
      {error ? (
        <p className="mt-1 text-sm text-red-700" data-server-text>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

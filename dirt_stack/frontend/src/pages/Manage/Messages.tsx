import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { type FormEvent, useEffect, useState } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { PreviewPane } from "../../components/EmailPreview";
import {
  CheckboxGroup,
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
  const errors = usePage().props.errors;
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const tz = event.timezone;
  const form = useForm({
    subject: "",
    body: "Hello {buyer_name},\n\n",
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
        title: `Send this message to ${count} buyer${count === 1 ? "" : "s"}?`,
        body: `It goes out in batches of ${batch_size} a minute and cannot be recalled.`,
        confirmLabel: "Send",
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

  return (
    <>
      <Head title={`${event.title}: messages`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">Messages to buyers</h1>
      <p className="mb-6 max-w-3xl text-sm text-slate-600">
        Write to the buyers of this event: one email per order, to the address it was bought with.
        The email ends with a line naming you as the organizer; it appears in each order's history.
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
            label="Date"
            name="date"
            value={form.data.date}
            onChange={(e) => form.setData("date", e.target.value)}
            error={error("date")}
            options={[
              { value: "", label: "Every date" },
              ...dates.map((d) => ({
                value: String(d.id),
                label: formatEventDate(d.starts_at, tz),
              })),
            ]}
          />
          <SelectField
            label="Ticket type"
            name="ticket_type"
            value={form.data.ticket_type}
            onChange={(e) => form.setData("ticket_type", e.target.value)}
            error={error("ticket_type")}
            options={[
              { value: "", label: "Any ticket type" },
              ...ticket_types.map((t) => ({ value: String(t.id), label: t.name })),
            ]}
          />
          <CheckboxGroup
            legend="Order status"
            options={statuses.map(([value, label]) => ({ value, label }))}
            chosen={form.data.statuses}
            onChange={(chosen) => form.setData("statuses", chosen)}
            error={error("statuses")}
          />
          <SelectField
            label="Check-in"
            name="checked_in"
            value={form.data.checked_in}
            onChange={(e) => form.setData("checked_in", e.target.value)}
            error={error("checked_in")}
            options={[
              { value: "any", label: "Checked in or not" },
              { value: "yes", label: "Checked in (a ticket of the order)" },
              { value: "no", label: "Not checked in" },
            ]}
          />
          <TextField
            label="Subject"
            name="subject"
            maxLength={200}
            value={form.data.subject}
            onChange={(e) => form.setData("subject", e.target.value)}
            error={error("subject")}
          />
          <TextArea
            label="Message (Markdown)"
            name="body"
            rows={10}
            maxLength={10000}
            value={form.data.body}
            onChange={(e) => form.setData("body", e.target.value)}
            error={error("body")}
          />
          <details className="text-sm">
            <summary className="cursor-pointer text-slate-700">Placeholders</summary>
            <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
              {placeholders.map((p) => (
                <div key={p.name} className="contents">
                  <dt className="font-mono">{`{${p.name}}`}</dt>
                  <dd className="text-slate-600">{p.description}</dd>
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
              Preview and count
            </button>
            <PrimaryButton disabled={form.processing}>Send…</PrimaryButton>
          </div>
        </form>
        <PreviewPane preview={preview} />
      </div>

      <h2 className="mt-8 mb-3 text-lg font-semibold">Sent messages</h2>
      {messages.length === 0 ? (
        <p className="text-sm text-slate-600">No message has been sent for this event.</p>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
          <table className="w-full text-left text-sm" data-testid="messages">
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th className="px-3 py-2">Sent</th>
                <th className="px-3 py-2">Subject</th>
                <th className="px-3 py-2">By</th>
                <th className="px-3 py-2">Recipients</th>
                <th className="px-3 py-2">Queued</th>
                <th className="px-3 py-2">Delivered</th>
                <th className="px-3 py-2">Failed</th>
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

import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg, plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { CheckboxField, FormError, PrimaryButton, TextField } from "../../components/fields";
import { formatEventDate, formatMoney } from "../../lib/format";
import type { PageProps } from "../../types";

// The statuses of an entry and of an offer.
const STATUSES: Record<string, MessageDescriptor> = {
  open: msg`Open`,
  pending: msg`Awaiting confirmation`,
  waiting: msg`Waiting`,
  offered: msg`Offered`,
  claimed: msg`Bought`,
  lapsed: msg`Offer lapsed`,
  removed: msg`Removed`,
};

type Entry = PageProps<"Manage/Waitlist">["entries"][number];
type Offer = Entry["offers"][number];

// The organizer's view of an event's waiting list: its settings, the entries with their
// offers, "offer now" and "remove", and the CSV export.
export default function Waitlist({
  organizer,
  event,
  settings,
  entries,
  export_url,
  currency,
}: PageProps<"Manage/Waitlist">) {
  const { i18n, t } = useLingui();
  const errors = usePage().props.errors;
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const form = useForm({ enabled: settings.enabled, offer_hours: String(settings.offer_hours) });
  const tz = event.timezone;
  const title = event.title;
  const count = entries.length;
  const statusLabel = (status: string) => (status in STATUSES ? i18n._(STATUSES[status]) : status);

  // An offer as one line: its status, the tickets held at their price, until when, its order.
  function offerLine(offer: Offer): string {
    const status = statusLabel(offer.status);
    const quantity = offer.quantity;
    const price = formatMoney(offer.unit_price, currency);
    const until = formatEventDate(offer.expires_at, tz);
    const code = offer.order_code;
    return code
      ? t`${status}: ${quantity} × ${price}, until ${until} (order ${code})`
      : t`${status}: ${quantity} × ${price}, until ${until}`;
  }

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/waitlist/`, { preserveScroll: true });
  }

  function act(entry: Entry, action: "offer" | "remove") {
    const email = entry.email;
    const question =
      action === "offer"
        ? plural(entry.quantity, {
            one: `Hold # ticket for ${email} now?`,
            other: `Hold # tickets for ${email} now?`,
          })
        : t`Remove ${email} from the waiting list?`;
    if (window.confirm(question)) {
      router.post(`${base}/waitlist/${entry.id}/${action}/`, {}, { preserveScroll: true });
    }
  }

  return (
    <>
      <Head title={t`${title}: waiting list`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Waiting list</Trans>
      </h1>
      <p className="mb-6 max-w-3xl text-sm text-slate-600">
        <Trans>
          When a ticket type is sold out on a date, buyers can join its waiting list (they confirm
          by email). Tickets that come free (expired reservations, cancellations, refunds, more
          capacity) are held for the first confirmed entries that fit, who get an offer by email. An
          offer nobody takes passes to the next entry.
        </Trans>
      </p>
      <form
        onSubmit={save}
        noValidate
        className="mb-6 max-w-xl space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      >
        <FormError message={errors.form} />
        <CheckboxField
          label={t`Offer a waiting list on sold-out ticket types`}
          name="enabled"
          checked={form.data.enabled}
          onChange={(e) => form.setData("enabled", e.target.checked)}
          error={errors.enabled}
        />
        <TextField
          label={t`Hours an offer holds its tickets`}
          hint={t`Never past the end of sales; shorter close to the event.`}
          name="offer_hours"
          type="number"
          min={1}
          max={168}
          value={form.data.offer_hours}
          onChange={(e) => form.setData("offer_hours", e.target.value)}
          error={errors.offer_hours}
        />
        <PrimaryButton disabled={form.processing}>
          <Trans>Save</Trans>
        </PrimaryButton>
      </form>

      <div className="mb-3 flex items-center justify-between">
        <h2 className="text-lg font-semibold">
          <Trans>Entries ({count})</Trans>
        </h2>
        <a href={export_url} className="text-sm text-indigo-700 underline">
          <Trans>Export CSV</Trans>
        </a>
      </div>
      {entries.length === 0 ? (
        <p className="text-sm text-slate-600">
          <Trans>Nobody is on the waiting list.</Trans>
        </p>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
          <table className="w-full text-left text-sm" data-testid="waitlist-entries">
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th className="px-3 py-2">
                  <Trans>Date</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Ticket type</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Place</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Email</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Tickets</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Status</Trans>
                </th>
                <th className="px-3 py-2">
                  <Trans>Offers</Trans>
                </th>
                <th className="px-3 py-2">
                  <span className="sr-only">
                    <Trans>Actions</Trans>
                  </span>
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id} className="border-t border-slate-100">
                  <td className="px-3 py-2">{formatEventDate(entry.date_starts_at, tz)}</td>
                  <td className="px-3 py-2">{entry.ticket_type}</td>
                  <td className="px-3 py-2 tabular-nums">{entry.position ?? "—"}</td>
                  <td className="px-3 py-2">{entry.email}</td>
                  <td className="px-3 py-2 tabular-nums">{entry.quantity}</td>
                  <td className="px-3 py-2">{statusLabel(entry.status)}</td>
                  <td className="px-3 py-2">
                    {entry.offers.map((offer) => (
                      <div key={offer.id}>{offerLine(offer)}</div>
                    ))}
                  </td>
                  <td className="px-3 py-2 whitespace-nowrap">
                    {entry.status === "waiting" ? (
                      <button
                        type="button"
                        onClick={() => act(entry, "offer")}
                        className="mr-2 text-indigo-700 underline"
                      >
                        <Trans>Offer now</Trans>
                      </button>
                    ) : null}
                    {["pending", "waiting", "offered"].includes(entry.status) ? (
                      <button
                        type="button"
                        onClick={() => act(entry, "remove")}
                        className="text-red-700 underline"
                      >
                        <Trans>Remove</Trans>
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

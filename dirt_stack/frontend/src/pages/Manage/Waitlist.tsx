import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import type { FormEvent } from "react";
import { CheckboxField, FormError, PrimaryButton, TextField } from "../../components/fields";
import { formatEventDate } from "../../lib/format";
import type { PageProps } from "../../types";

const STATUSES: Record<string, string> = {
  open: "Open",
  pending: "Awaiting confirmation",
  waiting: "Waiting",
  offered: "Offered",
  claimed: "Bought",
  lapsed: "Offer lapsed",
  removed: "Removed",
};

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
  const errors = usePage().props.errors;
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const form = useForm({ enabled: settings.enabled, offer_hours: String(settings.offer_hours) });
  const tz = event.timezone;

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/waitlist/`, { preserveScroll: true });
  }

  function act(entryId: number, action: "offer" | "remove", question: string) {
    if (window.confirm(question)) {
      router.post(`${base}/waitlist/${entryId}/${action}/`, {}, { preserveScroll: true });
    }
  }

  return (
    <>
      <Head title={`${event.title}: waiting list`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">Waiting list</h1>
      <p className="mb-6 max-w-3xl text-sm text-slate-600">
        When a ticket type is sold out on a date, buyers can join its waiting list (they confirm by
        email). Tickets that come free (expired reservations, cancellations, refunds, more capacity)
        are held for the first confirmed entries that fit, who get an offer by email. An offer
        nobody takes passes to the next entry.
      </p>
      <form
        onSubmit={save}
        noValidate
        className="mb-6 max-w-xl space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      >
        <FormError message={errors.form} />
        <CheckboxField
          label="Offer a waiting list on sold-out ticket types"
          name="enabled"
          checked={form.data.enabled}
          onChange={(e) => form.setData("enabled", e.target.checked)}
          error={errors.enabled}
        />
        <TextField
          label="Hours an offer holds its tickets"
          hint="Never past the end of sales; shorter close to the event."
          name="offer_hours"
          type="number"
          min={1}
          max={168}
          value={form.data.offer_hours}
          onChange={(e) => form.setData("offer_hours", e.target.value)}
          error={errors.offer_hours}
        />
        <PrimaryButton disabled={form.processing}>Save</PrimaryButton>
      </form>

      <div className="mb-3 flex items-center justify-between">
        <h2 className="text-lg font-semibold">Entries ({entries.length})</h2>
        <a href={export_url} className="text-sm text-indigo-700 underline">
          Export CSV
        </a>
      </div>
      {entries.length === 0 ? (
        <p className="text-sm text-slate-600">Nobody is on the waiting list.</p>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
          <table className="w-full text-left text-sm" data-testid="waitlist-entries">
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                <th className="px-3 py-2">Date</th>
                <th className="px-3 py-2">Ticket type</th>
                <th className="px-3 py-2">Place</th>
                <th className="px-3 py-2">Email</th>
                <th className="px-3 py-2">Tickets</th>
                <th className="px-3 py-2">Status</th>
                <th className="px-3 py-2">Offers</th>
                <th className="px-3 py-2">
                  <span className="sr-only">Actions</span>
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
                  <td className="px-3 py-2">{STATUSES[entry.status] ?? entry.status}</td>
                  <td className="px-3 py-2">
                    {entry.offers.map((offer) => (
                      <div key={offer.id}>
                        {STATUSES[offer.status] ?? offer.status}: {offer.quantity} ×{" "}
                        {offer.unit_price} {currency}, until {formatEventDate(offer.expires_at, tz)}
                        {offer.order_code ? ` (order ${offer.order_code})` : ""}
                      </div>
                    ))}
                  </td>
                  <td className="px-3 py-2 whitespace-nowrap">
                    {entry.status === "waiting" ? (
                      <button
                        type="button"
                        onClick={() =>
                          act(
                            entry.id,
                            "offer",
                            `Hold ${entry.quantity} tickets for ${entry.email} now?`,
                          )
                        }
                        className="mr-2 text-indigo-700 underline"
                      >
                        Offer now
                      </button>
                    ) : null}
                    {["pending", "waiting", "offered"].includes(entry.status) ? (
                      <button
                        type="button"
                        onClick={() =>
                          act(entry.id, "remove", `Remove ${entry.email} from the waiting list?`)
                        }
                        className="text-red-700 underline"
                      >
                        Remove
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

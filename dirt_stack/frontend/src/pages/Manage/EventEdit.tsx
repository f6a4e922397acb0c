import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { type FormEvent, useState } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import EventFormFields, {
  type EventFormData,
  eventFormPost,
} from "../../components/EventFormFields";
import EventStatusBadge from "../../components/EventStatusBadge";
import EventTaxSettings from "../../components/EventTaxSettings";
import { FormError, PrimaryButton } from "../../components/fields";
import TicketTypeForm, {
  EMPTY_TICKET_TYPE,
  type TicketTypeValues,
} from "../../components/TicketTypeForm";
import VouchersSection from "../../components/VouchersSection";
import { formatEventDate, formatMoney } from "../../lib/format";
import type { ManagedTicketType, PageProps } from "../../types";

function asFormValues(t: ManagedTicketType): TicketTypeValues {
  return {
    name: t.name,
    description: t.description,
    price: t.price,
    capacity: String(t.capacity),
    sales_start: t.sales_start,
    sales_end: t.sales_end,
    min_per_order: String(t.min_per_order),
    max_per_order: String(t.max_per_order),
    max_tickets_per_email: t.max_tickets_per_email === null ? "" : String(t.max_tickets_per_email),
    hidden: t.hidden,
    translations: t.translations,
  };
}

export default function EventEdit({
  organizer,
  event,
  ticket_types,
  vouchers,
  dates,
  timezones,
  currencies,
  configured_payment_methods,
  history,
  taxes,
}: PageProps<"Manage/EventEdit">) {
  const pageErrors = usePage().props.errors;
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const [editing, setEditing] = useState<number | null>(null);
  const [adding, setAdding] = useState(ticket_types.length === 0);
  const form = useForm<EventFormData>({
    title: event.title,
    slug: event.slug,
    description: event.description,
    venue_name: event.venue_name,
    venue_address: event.venue_address,
    is_online: event.is_online,
    timezone: event.timezone,
    starts_at: event.starts_at,
    ends_at: event.ends_at,
    currency: event.currency,
    capacity: event.capacity === null ? "" : String(event.capacity),
    cover_image: null,
    hold_minutes: String(event.hold_minutes),
    collect_attendee_names: event.collect_attendee_names,
    payment_methods: event.payment_methods,
    offline_payment_days: String(event.offline_payment_days),
    buyer_share_percent: String(event.buyer_share_percent),
    max_tickets_per_buyer:
      event.max_tickets_per_buyer === null ? "" : String(event.max_tickets_per_buyer),
    confirm_bank_transfers: event.confirm_bank_transfers,
    max_tickets_per_email:
      event.max_tickets_per_email === null ? "" : String(event.max_tickets_per_email),
    name_change_deadline_hours:
      event.name_change_deadline_hours === null ? "" : String(event.name_change_deadline_hours),
    locale: event.locale,
    locales: event.locales,
    translations: event.translations,
  });
  form.transform(eventFormPost);

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/`, { preserveScroll: true });
  }

  const statusAction = (action: "publish" | "unpublish") => () => {
    router.post(`${base}/${action}/`, {}, { preserveScroll: true });
  };
  const ticketAction = (id: number, action: "up" | "down" | "delete") => () =>
    router.post(`${base}/ticket-types/${id}/`, { action }, { preserveScroll: true });

  const { confirm, dialog } = useConfirm();

  return (
    <>
      <Head title={event.title} />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-3">
          <h1 className="text-2xl font-bold tracking-tight">{event.title}</h1>
          <EventStatusBadge status={event.status} />
        </div>
        <div className="flex flex-wrap gap-2">
          <Link
            href={`${base}/dates/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Dates
          </Link>
          <Link
            href={`${base}/questions/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Questions
          </Link>
          <Link
            href={`${base}/dashboard/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Dashboard
          </Link>
          <Link
            href={`${base}/orders/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Orders
          </Link>
          <Link
            href={`${base}/checkin/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Check-in
          </Link>
          <Link
            href={`${base}/checkin-lists/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Check-in lists
          </Link>
          <Link
            href={`${base}/room/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            On-sale room
          </Link>
          <Link
            href={`${base}/waitlist/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Waiting list
          </Link>
          <Link
            href={`${base}/emails/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Emails
          </Link>
          <Link
            href={`${base}/messages/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Messages to buyers
          </Link>
          <Link
            href={`${base}/widget/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Shop widget
          </Link>
          {event.status !== "draft" ? (
            <a
              href={event.public_url}
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
            >
              View public page
            </a>
          ) : null}
          {event.status === "draft" ? (
            <button
              type="button"
              onClick={statusAction("publish")}
              className="rounded-lg bg-emerald-600 px-3 py-2 text-sm font-semibold text-white hover:bg-emerald-700"
            >
              Publish
            </button>
          ) : null}
          {event.status === "published" ? (
            <button
              type="button"
              onClick={statusAction("unpublish")}
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
            >
              Unpublish
            </button>
          ) : null}
          <Link
            href={`${base}/duplicate/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            Duplicate
          </Link>
          {/* The cancel page says what cancelling will do; once done, it shows the progress. */}
          <Link
            href={`${base}/cancel/`}
            className="rounded-lg border border-red-300 bg-white px-3 py-2 text-sm text-red-700 hover:bg-red-50"
          >
            {event.status === "cancelled" ? "Cancellation" : "Cancel event"}
          </Link>
        </div>
      </div>
      <FormError message={pageErrors.status} />
      <p className="mb-2 text-sm text-slate-600" data-testid="date-count">
        {event.date_count === 1 ? "1 date" : `${event.date_count} dates`} —{" "}
        <Link href={`${base}/dates/`} className="font-medium text-indigo-700 hover:underline">
          manage dates
        </Link>
      </p>

      <section
        aria-labelledby="ticket-types-heading"
        className="mt-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      >
        <div className="mb-3 flex items-center justify-between">
          <h2 id="ticket-types-heading" className="text-lg font-semibold">
            Ticket types
          </h2>
          {!adding ? (
            <button
              type="button"
              onClick={() => setAdding(true)}
              className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
            >
              Add a ticket type
            </button>
          ) : null}
        </div>
        <ul className="divide-y divide-slate-100">
          {ticket_types.map((t, index) => (
            <li key={t.id} className="py-3" data-testid="managed-ticket-type">
              <div className="flex flex-wrap items-center justify-between gap-3">
                <div>
                  <p className="font-medium">
                    {t.name}{" "}
                    {t.hidden ? <span className="text-xs text-slate-500">(hidden)</span> : null}
                  </p>
                  <p className="text-sm text-slate-600">
                    {formatMoney(t.price, event.currency)} ·{" "}
                    {event.date_count > 1
                      ? `${t.sold} sold · ${t.capacity} per date`
                      : `${t.sold} / ${t.capacity} sold`}
                  </p>
                </div>
                <div className="flex gap-1 text-sm">
                  <button
                    type="button"
                    aria-label={`Move ${t.name} up`}
                    disabled={index === 0}
                    onClick={ticketAction(t.id, "up")}
                    className="rounded border border-slate-300 px-2 py-1 disabled:opacity-40"
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    aria-label={`Move ${t.name} down`}
                    disabled={index === ticket_types.length - 1}
                    onClick={ticketAction(t.id, "down")}
                    className="rounded border border-slate-300 px-2 py-1 disabled:opacity-40"
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    onClick={() => setEditing(editing === t.id ? null : t.id)}
                    className="rounded border border-slate-300 px-2 py-1"
                  >
                    {editing === t.id ? "Close" : "Edit"}
                  </button>
                  {t.can_delete ? (
                    <button
                      type="button"
                      onClick={async () => {
                        const confirmed = await confirm({
                          title: `Delete the ticket type “${t.name}”?`,
                          body: "It is removed from the event and its dates. This cannot be undone.",
                          confirmLabel: "Delete",
                        });
                        if (confirmed) {
                          ticketAction(t.id, "delete")();
                        }
                      }}
                      className="rounded border border-red-300 px-2 py-1 text-red-700"
                    >
                      Delete
                    </button>
                  ) : null}
                </div>
              </div>
              <FormError message={pageErrors[`${t.id}.form`]} />
              {editing === t.id ||
              Object.keys(pageErrors).some(
                (k) => k.startsWith(`${t.id}.`) && k !== `${t.id}.form`,
              ) ? (
                <div className="mt-3 rounded-lg bg-slate-50 p-4">
                  <TicketTypeForm
                    action={`${base}/ticket-types/${t.id}/`}
                    initial={asFormValues(t)}
                    errorKey={String(t.id)}
                    pageErrors={pageErrors}
                    currency={event.currency}
                    locale={event.locale}
                    locales={event.locales}
                    submitLabel="Save ticket type"
                    onDone={() => setEditing(null)}
                  />
                </div>
              ) : null}
            </li>
          ))}
        </ul>
        {adding || Object.keys(pageErrors).some((k) => k.startsWith("new.")) ? (
          <div className="mt-4 rounded-lg border border-dashed border-slate-300 p-4">
            <h3 className="mb-3 font-medium">New ticket type</h3>
            <TicketTypeForm
              key={ticket_types.length}
              action={`${base}/ticket-types/`}
              initial={EMPTY_TICKET_TYPE}
              errorKey="new"
              pageErrors={pageErrors}
              currency={event.currency}
              locale={event.locale}
              locales={event.locales}
              submitLabel="Add ticket type"
              onDone={() => setAdding(false)}
            />
          </div>
        ) : null}
      </section>

      <VouchersSection
        base={base}
        vouchers={vouchers}
        ticketTypes={ticket_types}
        dates={dates}
        timeZone={event.timezone}
        currency={event.currency}
      />

      <section className="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 className="mb-4 text-lg font-semibold">Event details</h2>
        {event.cover_image_url ? (
          <img src={event.cover_image_url} alt="" className="mb-4 max-h-40 rounded-lg" />
        ) : null}
        <form onSubmit={save} className="space-y-6" noValidate>
          <EventFormFields
            data={form.data}
            setData={form.setData}
            errors={form.errors}
            timezones={timezones}
            currencies={currencies}
            configuredPaymentMethods={configured_payment_methods}
            showTimes={event.date_count <= 1}
          />
          <PrimaryButton disabled={form.processing}>Save event</PrimaryButton>
        </form>
      </section>
      {taxes ? <EventTaxSettings settings={taxes} /> : null}

      {history.length > 0 ? (
        <section className="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h2 className="mb-3 text-lg font-semibold">History</h2>
          <ul className="space-y-1 text-sm" data-testid="event-history">
            {history.map((entry) => (
              <li key={`${entry.created_at}-${entry.action}`}>
                <span className="text-slate-500">
                  {formatEventDate(entry.created_at, event.timezone)}
                </span>{" "}
                · {entry.actor} ·{" "}
                <HistoryLine
                  organizer={organizer.slug}
                  detail={entry.detail}
                  action={entry.action}
                />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

// One entry of the event's own log; the other event of a duplication is linked.
function HistoryLine({
  organizer,
  action,
  detail,
}: {
  organizer: string;
  action: string;
  detail: Record<string, unknown>;
}) {
  const other = (slug: unknown, title: unknown) => (
    <Link
      href={`/manage/${organizer}/events/${String(slug)}/`}
      className="text-indigo-700 hover:underline"
    >
      “{String(title)}”
    </Link>
  );
  if (action === "duplicated_from") {
    return <>Duplicated from {other(detail.source, detail.source_title)}</>;
  }
  if (action === "duplicated") {
    return <>Duplicated as {other(detail.copy, detail.copy_title)}</>;
  }
  return <>{action}</>;
}

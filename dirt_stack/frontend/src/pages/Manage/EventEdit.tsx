import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { Plural, Trans, useLingui } from "@lingui/react/macro";
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

function asFormValues(ticketType: ManagedTicketType): TicketTypeValues {
  return {
    name: ticketType.name,
    description: ticketType.description,
    price: ticketType.price,
    capacity: String(ticketType.capacity),
    sales_start: ticketType.sales_start,
    sales_end: ticketType.sales_end,
    min_per_order: String(ticketType.min_per_order),
    max_per_order: String(ticketType.max_per_order),
    max_tickets_per_email:
      ticketType.max_tickets_per_email === null ? "" : String(ticketType.max_tickets_per_email),
    hidden: ticketType.hidden,
    translations: ticketType.translations,
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
  const { t } = useLingui();
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
  const dateCount = event.date_count;

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
            <Trans>Dates</Trans>
          </Link>
          <Link
            href={`${base}/questions/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Questions</Trans>
          </Link>
          <Link
            href={`${base}/dashboard/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Dashboard</Trans>
          </Link>
          <Link
            href={`${base}/orders/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Orders</Trans>
          </Link>
          <Link
            href={`${base}/checkin/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Check-in</Trans>
          </Link>
          <Link
            href={`${base}/checkin-lists/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Check-in lists</Trans>
          </Link>
          <Link
            href={`${base}/room/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>On-sale room</Trans>
          </Link>
          <Link
            href={`${base}/waitlist/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Waiting list</Trans>
          </Link>
          <Link
            href={`${base}/emails/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Emails</Trans>
          </Link>
          <Link
            href={`${base}/messages/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Messages to buyers</Trans>
          </Link>
          <Link
            href={`${base}/widget/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Shop widget</Trans>
          </Link>
          {event.status !== "draft" ? (
            <a
              href={event.public_url}
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
            >
              <Trans>View public page</Trans>
            </a>
          ) : null}
          {event.status === "draft" ? (
            <button
              type="button"
              onClick={statusAction("publish")}
              className="rounded-lg bg-emerald-600 px-3 py-2 text-sm font-semibold text-white hover:bg-emerald-700"
            >
              <Trans>Publish</Trans>
            </button>
          ) : null}
          {event.status === "published" ? (
            <button
              type="button"
              onClick={statusAction("unpublish")}
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
            >
              <Trans>Unpublish</Trans>
            </button>
          ) : null}
          <Link
            href={`${base}/duplicate/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Duplicate</Trans>
          </Link>
          {/* The cancel page says what cancelling will do; once done, it shows the progress. */}
          <Link
            href={`${base}/cancel/`}
            className="rounded-lg border border-red-300 bg-white px-3 py-2 text-sm text-red-700 hover:bg-red-50"
          >
            {event.status === "cancelled" ? (
              <Trans context="the event's cancellation">Cancellation</Trans>
            ) : (
              <Trans>Cancel event</Trans>
            )}
          </Link>
        </div>
      </div>
      <FormError message={pageErrors.status} />
      <p className="mb-2 text-sm text-slate-600" data-testid="date-count">
        <Trans>
          <Plural value={dateCount} one="# date" other="# dates" /> —{" "}
          <Link href={`${base}/dates/`} className="font-medium text-indigo-700 hover:underline">
            manage dates
          </Link>
        </Trans>
      </p>

      <section
        aria-labelledby="ticket-types-heading"
        className="mt-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      >
        <div className="mb-3 flex items-center justify-between">
          <h2 id="ticket-types-heading" className="text-lg font-semibold">
            <Trans>Ticket types</Trans>
          </h2>
          {!adding ? (
            <button
              type="button"
              onClick={() => setAdding(true)}
              className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
            >
              <Trans>Add a ticket type</Trans>
            </button>
          ) : null}
        </div>
        <ul className="divide-y divide-slate-100">
          {ticket_types.map((ticketType, index) => {
            const name = ticketType.name;
            return (
              <li key={ticketType.id} className="py-3" data-testid="managed-ticket-type">
                <div className="flex flex-wrap items-center justify-between gap-3">
                  <div>
                    <p className="font-medium">
                      {ticketType.name}{" "}
                      {ticketType.hidden ? (
                        <span className="text-xs text-slate-500">
                          <Trans>(hidden)</Trans>
                        </span>
                      ) : null}
                    </p>
                    <p className="text-sm text-slate-600">
                      {formatMoney(ticketType.price, event.currency)} ·{" "}
                      <TicketTypeSales
                        sold={ticketType.sold}
                        capacity={ticketType.capacity}
                        perDate={event.date_count > 1}
                      />
                    </p>
                  </div>
                  <div className="flex gap-1 text-sm">
                    <button
                      type="button"
                      aria-label={t`Move ${name} up`}
                      disabled={index === 0}
                      onClick={ticketAction(ticketType.id, "up")}
                      className="rounded border border-slate-300 px-2 py-1 disabled:opacity-40"
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      aria-label={t`Move ${name} down`}
                      disabled={index === ticket_types.length - 1}
                      onClick={ticketAction(ticketType.id, "down")}
                      className="rounded border border-slate-300 px-2 py-1 disabled:opacity-40"
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      onClick={() => setEditing(editing === ticketType.id ? null : ticketType.id)}
                      aria-expanded={editing === ticketType.id}
                      className="rounded border border-slate-300 px-2 py-1"
                    >
                      {editing === ticketType.id ? <Trans>Close</Trans> : <Trans>Edit</Trans>}
                    </button>
                    {ticketType.can_delete ? (
                      <button
                        type="button"
                        onClick={async () => {
                          const confirmed = await confirm({
                            title: t`Delete the ticket type “${name}”?`,
                            body: t`It is removed from the event and its dates. This cannot be undone.`,
                            confirmLabel: t`Delete`,
                          });
                          if (confirmed) {
                            ticketAction(ticketType.id, "delete")();
                          }
                        }}
                        className="rounded border border-red-300 px-2 py-1 text-red-700"
                      >
                        <Trans>Delete</Trans>
                      </button>
                    ) : null}
                  </div>
                </div>
                <FormError message={pageErrors[`${ticketType.id}.form`]} />
                {editing === ticketType.id ||
                Object.keys(pageErrors).some(
                  (k) => k.startsWith(`${ticketType.id}.`) && k !== `${ticketType.id}.form`,
                ) ? (
                  <div className="mt-3 rounded-lg bg-slate-50 p-4">
                    <TicketTypeForm
                      action={`${base}/ticket-types/${ticketType.id}/`}
                      initial={asFormValues(ticketType)}
                      errorKey={String(ticketType.id)}
                      pageErrors={pageErrors}
                      currency={event.currency}
                      locale={event.locale}
                      locales={event.locales}
                      submitLabel={t`Save ticket type`}
                      onDone={() => setEditing(null)}
                    />
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
        {adding || Object.keys(pageErrors).some((k) => k.startsWith("new.")) ? (
          <div className="mt-4 rounded-lg border border-dashed border-slate-300 p-4">
            <h3 className="mb-3 font-medium">
              <Trans>New ticket type</Trans>
            </h3>
            <TicketTypeForm
              key={ticket_types.length}
              action={`${base}/ticket-types/`}
              initial={EMPTY_TICKET_TYPE}
              errorKey="new"
              pageErrors={pageErrors}
              currency={event.currency}
              locale={event.locale}
              locales={event.locales}
              submitLabel={t`Add ticket type`}
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
        <h2 className="mb-4 text-lg font-semibold">
          <Trans>Event details</Trans>
        </h2>
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
          <PrimaryButton disabled={form.processing}>
            <Trans>Save event</Trans>
          </PrimaryButton>
        </form>
      </section>
      {taxes ? <EventTaxSettings settings={taxes} /> : null}

      {history.length > 0 ? (
        <section className="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h2 className="mb-3 text-lg font-semibold">
            <Trans>History</Trans>
          </h2>
          <ul className="space-y-1 text-sm" data-testid="event-history">
            {history.map((entry) => (
              <li key={`${entry.created_at}-${entry.action}`}>
                <span className="text-slate-500">
                  {formatEventDate(entry.created_at, event.timezone)}
                </span>{" "}
                · <span data-server-text>{entry.actor}</span> ·{" "}
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
    const source = other(detail.source, detail.source_title);
    return <Trans>Duplicated from {source}</Trans>;
  }
  if (action === "duplicated") {
    const copy = other(detail.copy, detail.copy_title);
    return <Trans>Duplicated as {copy}</Trans>;
  }
  // An action this page does not name yet: the log's own code.
  return <span data-server-text>{action}</span>;
}

// A ticket type's sales: of its capacity, or, for an event of several dates, of each date's.
function TicketTypeSales({
  sold,
  capacity,
  perDate,
}: {
  sold: number;
  capacity: number;
  perDate: boolean;
}) {
  return perDate ? (
    <Trans>
      {sold} sold · {capacity} per date
    </Trans>
  ) : (
    <Trans>
      {sold} / {capacity} sold
    </Trans>
  );
}

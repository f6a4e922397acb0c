import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { type FormEvent, useState } from "react";
import Answers from "../../components/Answers";
import AnswersForm from "../../components/AnswersForm";
import { type Confirmation, useConfirm } from "../../components/ConfirmDialog";
import { FormError } from "../../components/fields";
import { InvoiceList } from "../../components/OrderInvoices";
import OrderSummary from "../../components/OrderSummary";
import TaxSummary from "../../components/TaxSummary";
import { formatEventDate, formatMoney } from "../../lib/format";
import type { PageProps } from "../../types";

type Props = PageProps<"Manage/Order">;
type AuditRow = Props["audit"][number];

const ACTIONS: Record<string, string> = {
  cancelled: "Cancelled the order",
  refunded: "Refunded",
  marked_paid: "Marked paid",
  confirmation_resent: "Resent the confirmation",
  attendee_changed: "Changed an attendee name",
  answers_changed: "Changed answers",
  date_cancelled: "Cancelled its date",
  date_moved: "Moved its date",
  event_cancelled: "Cancelled its event",
  event_refund_failed: "The refund of its cancelled event failed",
  stripe_event_ignored: "Ignored a Stripe notification",
  refund_failed: "Refund failed",
  paid_late: "Paid after its deadline (tickets taken again)",
  paid_after_expiry: "Paid after it expired, tickets gone: refund it",
  expired: "Expired unpaid",
  message_sent: "Sent a message",
  reminder_sent: "Sent the reminder",
};

const REFUND_STATUS: Record<string, string> = {
  pending: "pending",
  succeeded: "refunded",
  failed: "FAILED",
};

function describe(entry: AuditRow, currency: string): string {
  const base = ACTIONS[entry.action] ?? entry.action;
  if (entry.action === "refunded") {
    const tickets = (entry.detail.tickets as number[] | undefined) ?? [];
    return `${base} ${formatMoney(String(entry.detail.amount ?? "0"), currency)}${tickets.length ? ` (${tickets.length} ticket${tickets.length > 1 ? "s" : ""})` : ""}`;
  }
  if (entry.action === "refund_failed") {
    return `${base}: ${formatMoney(String(entry.detail.amount ?? "0"), currency)} (${String(entry.detail.error ?? "")})`;
  }
  if (
    (entry.action === "date_cancelled" || entry.action === "event_cancelled") &&
    entry.detail.outcome === "refunded"
  ) {
    return `${base}: refunded ${formatMoney(String(entry.detail.amount ?? "0"), currency)}`;
  }
  if (entry.action === "stripe_event_ignored") {
    return `${base} for session ${entry.detail.session}: ${entry.detail.reason}`;
  }
  if (entry.action === "answers_changed") {
    return `${base}: ${((entry.detail.questions as string[] | undefined) ?? []).join(", ")}`;
  }
  if (entry.action === "message_sent") {
    return `${base}: “${entry.detail.subject}” to ${entry.detail.email}`;
  }
  if (entry.action === "attendee_changed") {
    return `${base}: “${entry.detail.before || "—"}” → “${entry.detail.after}”`;
  }
  return base;
}

export default function Order({
  event,
  base,
  order,
  payments,
  refunds,
  audit,
  refundable,
  late_payment_to_refund,
  answers_edit,
  invoices,
}: Props) {
  const errors = usePage().props.errors;
  const action = `${base}/orders/${order.code}/action/`;
  const refund = useForm({ action: "refund", amount: "", tickets: [] as number[], reason: "" });
  const [editing, setEditing] = useState<number | null>(null);
  const [name, setName] = useState("");
  const holding = order.status === "paid" || order.status === "partially_refunded";
  const latePayment = Number(late_payment_to_refund) > 0;

  const { confirm, dialog } = useConfirm();

  const post = (data: Record<string, string>, confirmation?: Confirmation) => async () => {
    if (confirmation && !(await confirm(confirmation))) {
      return;
    }
    router.post(action, data, { preserveScroll: true });
  };

  async function submitRefund(e: FormEvent) {
    e.preventDefault();
    const n = refund.data.tickets.length;
    const what = [
      refund.data.amount ? formatMoney(refund.data.amount, order.currency) : "",
      n ? `${n} ticket${n > 1 ? "s" : ""} (void from now on)` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    const confirmed = await confirm({
      title: `Refund order ${order.code}?`,
      body: `This refunds ${what || "the amount you entered"} to ${order.buyer.email} and emails them. It cannot be undone.`,
      confirmLabel: "Refund",
    });
    if (confirmed) {
      refund.post(action, { preserveScroll: true, onSuccess: () => refund.reset() });
    }
  }

  return (
    <>
      <Head title={`Order ${order.code}`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/orders/`} className="hover:text-indigo-700">
          ← Orders of {event.title}
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h1 className="font-mono text-2xl font-bold">{order.code}</h1>
        <span className="rounded-full bg-slate-100 px-3 py-1 text-sm" data-testid="order-status">
          {order.status_label}
        </span>
      </div>
      <FormError message={errors.form ?? errors.action ?? errors.refund} />
      {latePayment ? (
        <p
          className="mb-4 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900"
          data-testid="late-payment"
        >
          Paid after expiry, tickets gone: refund it. The buyer paid{" "}
          {formatMoney(late_payment_to_refund, order.currency)} after the order expired, and its
          tickets are no longer available.
        </p>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="space-y-6">
          <section className="rounded-xl border border-slate-200 bg-white p-5">
            <p>
              {order.buyer.name} ·{" "}
              <a href={`mailto:${order.buyer.email}`} className="text-indigo-700">
                {order.buyer.email}
              </a>
            </p>
            <p className="text-sm text-slate-600" data-testid="order-for-date">
              For {formatEventDate(order.event.starts_at, event.timezone)}
              {order.event.date_status === "cancelled" ? " (this date is cancelled)" : ""}
            </p>
            <p className="text-sm text-slate-600">
              Placed {formatEventDate(order.created_at, event.timezone)} · {order.payment_method}
            </p>
            <Answers answers={order.answers} title="Answers" />
            {answers_edit ? (
              <AnswersForm
                edit={answers_edit}
                extra={{ action: "answers" }}
                timezone={event.timezone}
              />
            ) : null}
            <div className="mt-3">
              <OrderSummary
                lines={order.lines}
                currency={order.currency}
                total={order.total}
                discount={order.discount}
              />
              <TaxSummary taxes={order.taxes} currency={order.currency} />
            </div>
            {Number(order.refunded_amount) > 0 ? (
              <p className="text-sm" data-testid="refunded-amount">
                Refunded: {formatMoney(order.refunded_amount, order.currency)}
              </p>
            ) : null}
            <h3 className="mt-4 text-sm font-semibold">Payments</h3>
            <ul className="text-sm text-slate-600">
              {payments.map((p) => (
                <li key={`${p.provider}-${p.reference}-${p.amount}`}>
                  {p.provider} · {formatMoney(p.amount, order.currency)} · {p.status}{" "}
                  {p.reference ? `· ${p.reference}` : ""}
                  {p.needs_refund ? " · paid after expiry: refund it" : ""}
                </li>
              ))}
              {payments.length === 0 ? <li>None (free order).</li> : null}
            </ul>
            {refunds.length ? (
              <>
                <h3 className="mt-4 text-sm font-semibold">Refunds</h3>
                <ul className="space-y-1 text-sm text-slate-600" data-testid="refunds">
                  {refunds.map((r) => (
                    <li key={r.id} data-testid="refund">
                      {formatMoney(r.amount, order.currency)} ·{" "}
                      <span className={r.status === "failed" ? "font-semibold text-red-700" : ""}>
                        {REFUND_STATUS[r.status] ?? r.status}
                      </span>
                      {r.tickets ? ` · ${r.tickets} ticket${r.tickets > 1 ? "s" : ""}` : ""}
                      {r.paid_back_by_organizer ? " · to be paid back by the organizer" : ""}
                      {r.reason ? ` · ${r.reason}` : ""}
                      {r.error ? <span className="block text-red-700">{r.error}</span> : null}
                      {r.retryable ? (
                        <button
                          type="button"
                          onClick={post({ action: "retry_refund", refund: String(r.id) })}
                          className="ml-2 rounded border border-slate-300 px-2 py-0.5 text-xs"
                        >
                          Retry
                        </button>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </section>

          <section className="rounded-xl border border-slate-200 bg-white p-5">
            <h2 className="mb-3 font-semibold">Tickets</h2>
            <ul className="divide-y divide-slate-100">
              {order.tickets.map((ticket) => (
                <li key={ticket.id} className="py-2 text-sm" data-testid="admin-ticket">
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <span>
                      {ticket.ticket_type} · {formatMoney(ticket.price, order.currency)} ·{" "}
                      <span className="font-medium">
                        {ticket.attendee_name || "no attendee name"}
                      </span>
                      {ticket.void ? (
                        <span className="ml-1 font-semibold text-red-700">VOID</span>
                      ) : null}
                    </span>
                    <span className="flex gap-2">
                      <button
                        type="button"
                        className="underline"
                        onClick={() => {
                          setEditing(ticket.id);
                          setName(ticket.attendee_name);
                        }}
                      >
                        Change name
                      </button>
                      {holding && !ticket.void ? (
                        <label className="flex items-center gap-1">
                          <input
                            type="checkbox"
                            checked={refund.data.tickets.includes(ticket.id)}
                            onChange={(e) =>
                              refund.setData(
                                "tickets",
                                e.target.checked
                                  ? [...refund.data.tickets, ticket.id]
                                  : refund.data.tickets.filter((id) => id !== ticket.id),
                              )
                            }
                          />
                          refund
                        </label>
                      ) : null}
                    </span>
                  </div>
                  <Answers answers={ticket.answers} />
                  {editing === ticket.id ? (
                    <form
                      className="mt-2 flex gap-2"
                      onSubmit={(e) => {
                        e.preventDefault();
                        router.post(
                          action,
                          { action: "attendee", ticket: ticket.id, attendee_name: name },
                          { preserveScroll: true, onSuccess: () => setEditing(null) },
                        );
                      }}
                    >
                      <label className="sr-only" htmlFor={`attendee-${ticket.id}`}>
                        Attendee name
                      </label>
                      <input
                        id={`attendee-${ticket.id}`}
                        value={name}
                        onChange={(e) => setName(e.target.value)}
                        className="min-w-0 flex-1 rounded-lg border border-slate-300 px-2 py-1"
                      />
                      <button
                        type="submit"
                        className="rounded-lg bg-slate-900 px-3 py-1 text-white"
                      >
                        Save
                      </button>
                    </form>
                  ) : null}
                </li>
              ))}
            </ul>
            {errors.attendee_name ? (
              <p className="text-sm text-red-700">{errors.attendee_name}</p>
            ) : null}
          </section>

          {invoices ? (
            <section className="rounded-xl border border-slate-200 bg-white p-5">
              <h2 className="font-semibold">Invoices</h2>
              <InvoiceList section={invoices} timeZone={event.timezone} />
            </section>
          ) : null}

          <section className="rounded-xl border border-slate-200 bg-white p-5">
            <h2 className="mb-3 font-semibold">History</h2>
            <ul className="space-y-1 text-sm" data-testid="audit-log">
              {audit.map((entry) => (
                <li key={`${entry.created_at}-${entry.action}`} data-testid="audit-entry">
                  <span className="text-slate-500">
                    {formatEventDate(entry.created_at, event.timezone)}
                  </span>{" "}
                  · {entry.actor} · {describe(entry, order.currency)}
                </li>
              ))}
              {audit.length === 0 ? (
                <li className="text-slate-600">Nothing done to this order yet.</li>
              ) : null}
            </ul>
          </section>
        </div>

        <aside className="space-y-4 self-start">
          <div className="space-y-2 rounded-xl border border-slate-200 bg-white p-4">
            <h2 className="font-semibold">Actions</h2>
            <button
              type="button"
              onClick={post({ action: "resend" })}
              className="w-full rounded-lg border border-slate-300 px-3 py-2 text-sm"
            >
              Resend confirmation
            </button>
            {(order.status === "pending" || order.status === "expired") &&
            order.payment_method === "offline" &&
            !latePayment ? (
              <button
                type="button"
                onClick={post(
                  { action: "mark_paid" },
                  {
                    title: `Mark order ${order.code} paid?`,
                    body: "Only when the money has arrived: the buyer gets the tickets by email at once.",
                    confirmLabel: "Mark paid",
                  },
                )}
                className="w-full rounded-lg bg-emerald-600 px-3 py-2 text-sm font-semibold text-white"
              >
                Mark paid
              </button>
            ) : null}
            {order.status === "pending" || holding ? (
              <button
                type="button"
                onClick={post(
                  { action: "cancel" },
                  {
                    title: `Cancel order ${order.code}?`,
                    body: holding
                      ? "Its tickets become void and go back on sale. No money is refunded: refund it first to pay the buyer back."
                      : "Its tickets become void and go back on sale.",
                    confirmLabel: "Cancel order",
                  },
                )}
                className="w-full rounded-lg border border-red-300 px-3 py-2 text-sm text-red-700"
              >
                Cancel order
              </button>
            ) : null}
          </div>
          {(holding || latePayment) && Number(refundable) > 0 ? (
            <form
              onSubmit={submitRefund}
              className="space-y-2 rounded-xl border border-slate-200 bg-white p-4"
              noValidate
            >
              <h2 className="font-semibold">Refund</h2>
              <p className="text-xs text-slate-600">
                Tick tickets to refund them (they become void and go back on sale), or give an
                amount. Up to {formatMoney(refundable, order.currency)}.
              </p>
              <label className="block text-sm">
                Amount ({order.currency})
                <input
                  inputMode="decimal"
                  value={refund.data.amount}
                  onChange={(e) => refund.setData("amount", e.target.value)}
                  placeholder={refund.data.tickets.length ? "the tickets' price" : refundable}
                  className="mt-1 block w-full rounded-lg border border-slate-300 px-2 py-1"
                />
              </label>
              {errors.amount || errors.tickets ? (
                <p className="text-sm text-red-700">{errors.amount ?? errors.tickets}</p>
              ) : null}
              <label className="block text-sm">
                Reason
                <input
                  value={refund.data.reason}
                  onChange={(e) => refund.setData("reason", e.target.value)}
                  className="mt-1 block w-full rounded-lg border border-slate-300 px-2 py-1"
                />
              </label>
              <button
                type="submit"
                disabled={refund.processing}
                className="w-full rounded-lg bg-slate-900 px-3 py-2 text-sm font-semibold text-white"
              >
                Refund
              </button>
            </form>
          ) : null}
        </aside>
      </div>
      {dialog}
    </>
  );
}

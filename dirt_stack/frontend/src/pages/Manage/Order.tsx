import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { i18n, type MessageDescriptor } from "@lingui/core";
import { msg, plural, t } from "@lingui/core/macro";
import { Plural, Trans, useLingui } from "@lingui/react/macro";
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

// What was done to the order, by its audit entry's action; details in describe().
const ACTIONS: Record<string, MessageDescriptor> = {
  cancelled: msg`Cancelled the order`,
  refunded: msg`Refunded`,
  marked_paid: msg`Marked paid`,
  confirmation_resent: msg`Resent the confirmation`,
  attendee_changed: msg`Changed an attendee name`,
  answers_changed: msg`Changed answers`,
  date_cancelled: msg`Cancelled its date`,
  date_moved: msg`Moved its date`,
  event_cancelled: msg`Cancelled its event`,
  event_refund_failed: msg`The refund of its cancelled event failed`,
  stripe_event_ignored: msg`Ignored a Stripe notification`,
  refund_failed: msg`Refund failed`,
  paid_late: msg`Paid after its deadline (tickets taken again)`,
  paid_after_expiry: msg`Paid after it expired, tickets gone: refund it`,
  expired: msg`Expired unpaid`,
  message_sent: msg`Sent a message`,
  reminder_sent: msg`Sent the reminder`,
};

const REFUND_STATUS: Record<string, MessageDescriptor> = {
  pending: msg`pending`,
  succeeded: msg`refunded`,
  failed: msg`FAILED`,
};

const PAYMENT_STATUS: Record<string, MessageDescriptor> = {
  created: msg`started`,
  succeeded: msg`succeeded`,
  failed: msg`failed`,
};

// The payment providers by their code (the order's payment method, a payment's provider).
const PAYMENT_METHODS: Record<string, MessageDescriptor> = {
  stripe: msg`Card (Stripe)`,
  offline: msg`Bank transfer`,
  demo: msg`Card (demo)`,
  free: msg`Free order`,
};

// One line of the order's history in the reader's language: the action with its details.
function describe(entry: AuditRow, currency: string): string {
  const detail = entry.detail;
  const amount = formatMoney(String(detail.amount ?? "0"), currency);
  switch (entry.action) {
    case "refunded": {
      const tickets = (detail.tickets as number[] | undefined) ?? [];
      return tickets.length
        ? plural(tickets.length, {
            one: `Refunded ${amount} (# ticket)`,
            other: `Refunded ${amount} (# tickets)`,
          })
        : t`Refunded ${amount}`;
    }
    case "refund_failed": {
      const error = String(detail.error ?? "");
      return t`Refund failed: ${amount} (${error})`;
    }
    case "date_cancelled":
      return detail.outcome === "refunded"
        ? t`Cancelled its date: refunded ${amount}`
        : i18n._(ACTIONS.date_cancelled);
    case "event_cancelled":
      return detail.outcome === "refunded"
        ? t`Cancelled its event: refunded ${amount}`
        : i18n._(ACTIONS.event_cancelled);
    case "stripe_event_ignored": {
      const session = String(detail.session ?? "");
      const reason = String(detail.reason ?? "");
      return t`Ignored a Stripe notification for session ${session}: ${reason}`;
    }
    case "answers_changed": {
      const questions = ((detail.questions as string[] | undefined) ?? []).join(", ");
      return t`Changed answers: ${questions}`;
    }
    case "message_sent": {
      const subject = String(detail.subject ?? "");
      const email = String(detail.email ?? "");
      return t`Sent a message: “${subject}” to ${email}`;
    }
    case "attendee_changed": {
      const before = String(detail.before || "—");
      const after = String(detail.after ?? "");
      return t`Changed an attendee name: “${before}” → “${after}”`;
    }
    default:
      return entry.action in ACTIONS ? i18n._(ACTIONS[entry.action]) : entry.action;
  }
}

// A payment method or provider by its code; an unknown one as it is.
function paymentMethodLabel(code: string): string {
  return code in PAYMENT_METHODS ? i18n._(PAYMENT_METHODS[code]) : code;
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
  const { t } = useLingui();
  const errors = usePage().props.errors;
  const action = `${base}/orders/${order.code}/action/`;
  const refund = useForm({ action: "refund", amount: "", tickets: [] as number[], reason: "" });
  const [editing, setEditing] = useState<number | null>(null);
  const [name, setName] = useState("");
  const holding = order.status === "paid" || order.status === "partially_refunded";
  const latePayment = Number(late_payment_to_refund) > 0;
  const code = order.code;
  const email = order.buyer.email;
  const title = event.title;
  const lateAmount = formatMoney(late_payment_to_refund, order.currency);
  const orderedFor = formatEventDate(order.event.starts_at, event.timezone);
  const placed = formatEventDate(order.created_at, event.timezone);
  const method = paymentMethodLabel(order.payment_method);
  const refunded = formatMoney(order.refunded_amount, order.currency);
  const maximum = formatMoney(refundable, order.currency);
  const currency = order.currency;

  const { confirm, dialog } = useConfirm();

  const post = (data: Record<string, string>, confirmation?: Confirmation) => async () => {
    if (confirmation && !(await confirm(confirmation))) {
      return;
    }
    router.post(action, data, { preserveScroll: true });
  };

  async function submitRefund(e: FormEvent) {
    e.preventDefault();
    const confirmed = await confirm({
      title: t`Refund order ${code}?`,
      body: refundWhat(refund.data.amount, refund.data.tickets.length),
      confirmLabel: t`Refund`,
    });
    if (confirmed) {
      refund.post(action, { preserveScroll: true, onSuccess: () => refund.reset() });
    }
  }

  // What the refund's confirmation says it pays back: an amount, tickets, or both.
  function refundWhat(entered: string, tickets: number): string {
    const amount = formatMoney(entered || "0", order.currency);
    if (entered && tickets) {
      return plural(tickets, {
        one: `This refunds ${amount} and # ticket (void from now on) to ${email} and emails them. It cannot be undone.`,
        other: `This refunds ${amount} and # tickets (void from now on) to ${email} and emails them. It cannot be undone.`,
      });
    }
    if (tickets) {
      return plural(tickets, {
        one: `This refunds # ticket (void from now on) to ${email} and emails them. It cannot be undone.`,
        other: `This refunds # tickets (void from now on) to ${email} and emails them. It cannot be undone.`,
      });
    }
    return entered
      ? t`This refunds ${amount} to ${email} and emails them. It cannot be undone.`
      : t`This refunds the amount you entered to ${email} and emails them. It cannot be undone.`;
  }

  return (
    <>
      <Head title={t`Order ${code}`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/orders/`} className="hover:text-indigo-700">
          <Trans>← Orders of {title}</Trans>
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h1 className="font-mono text-2xl font-bold">{order.code}</h1>
        <span
          className="rounded-full bg-slate-100 px-3 py-1 text-sm"
          data-testid="order-status"
          data-server-text
        >
          {order.status_label}
        </span>
      </div>
      <FormError message={errors.form ?? errors.action ?? errors.refund} />
      {latePayment ? (
        <p
          className="mb-4 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900"
          data-testid="late-payment"
        >
          <Trans>
            Paid after expiry, tickets gone: refund it. The buyer paid {lateAmount} after the order
            expired, and its tickets are no longer available.
          </Trans>
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
              {order.event.date_status === "cancelled"
                ? t`For ${orderedFor} (this date is cancelled)`
                : t`For ${orderedFor}`}
            </p>
            <p className="text-sm text-slate-600">
              <Trans>
                Placed {placed} · {method}
              </Trans>
            </p>
            <Answers answers={order.answers} title={t`Answers`} />
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
                <Trans>Refunded: {refunded}</Trans>
              </p>
            ) : null}
            <h3 className="mt-4 text-sm font-semibold">
              <Trans>Payments</Trans>
            </h3>
            <ul className="text-sm text-slate-600">
              {payments.map((p) => (
                <li key={`${p.provider}-${p.reference}-${p.amount}`}>
                  {paymentMethodLabel(p.provider)} · {formatMoney(p.amount, order.currency)} ·{" "}
                  {p.status in PAYMENT_STATUS ? i18n._(PAYMENT_STATUS[p.status]) : p.status}
                  {p.reference ? ` · ${p.reference}` : ""}
                  {p.needs_refund ? ` · ${t`paid after expiry: refund it`}` : ""}
                </li>
              ))}
              {payments.length === 0 ? (
                <li>
                  <Trans>None (free order).</Trans>
                </li>
              ) : null}
            </ul>
            {refunds.length ? (
              <>
                <h3 className="mt-4 text-sm font-semibold">
                  <Trans>Refunds</Trans>
                </h3>
                <ul className="space-y-1 text-sm text-slate-600" data-testid="refunds">
                  {refunds.map((r) => (
                    <li key={r.id} data-testid="refund">
                      {formatMoney(r.amount, order.currency)} ·{" "}
                      <span className={r.status === "failed" ? "font-semibold text-red-700" : ""}>
                        {r.status in REFUND_STATUS ? i18n._(REFUND_STATUS[r.status]) : r.status}
                      </span>
                      {r.tickets ? (
                        <>
                          {" · "}
                          <Plural value={r.tickets} one="# ticket" other="# tickets" />
                        </>
                      ) : null}
                      {r.paid_back_by_organizer ? ` · ${t`to be paid back by the organizer`}` : ""}
                      {r.reason ? (
                        <>
                          {" · "}
                          <span data-server-text>{r.reason}</span>
                        </>
                      ) : null}
                      {r.error ? (
                        <span className="block text-red-700" data-server-text>
                          {r.error}
                        </span>
                      ) : null}
                      {r.retryable ? (
                        <button
                          type="button"
                          onClick={post({ action: "retry_refund", refund: String(r.id) })}
                          className="ml-2 rounded border border-slate-300 px-2 py-0.5 text-xs"
                        >
                          <Trans>Retry</Trans>
                        </button>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </section>

          <section className="rounded-xl border border-slate-200 bg-white p-5">
            <h2 className="mb-3 font-semibold">
              <Trans>Tickets</Trans>
            </h2>
            <ul className="divide-y divide-slate-100">
              {order.tickets.map((ticket) => (
                <li key={ticket.id} className="py-2 text-sm" data-testid="admin-ticket">
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <span>
                      {ticket.ticket_type} · {formatMoney(ticket.price, order.currency)} ·{" "}
                      <span className="font-medium">
                        {ticket.attendee_name || t`no attendee name`}
                      </span>
                      {ticket.void ? (
                        <span className="ml-1 font-semibold text-red-700">
                          <Trans>VOID</Trans>
                        </span>
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
                        <Trans>Change name</Trans>
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
                          <Trans>refund</Trans>
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
                        <Trans>Attendee name</Trans>
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
                        <Trans>Save</Trans>
                      </button>
                    </form>
                  ) : null}
                </li>
              ))}
            </ul>
            {errors.attendee_name ? (
              <p className="text-sm text-red-700" data-server-text>
                {errors.attendee_name}
              </p>
            ) : null}
          </section>

          {invoices ? (
            <section className="rounded-xl border border-slate-200 bg-white p-5">
              <h2 className="font-semibold">
                <Trans>Invoices</Trans>
              </h2>
              <InvoiceList section={invoices} timeZone={event.timezone} />
            </section>
          ) : null}

          <section className="rounded-xl border border-slate-200 bg-white p-5">
            <h2 className="mb-3 font-semibold">
              <Trans>History</Trans>
            </h2>
            <ul className="space-y-1 text-sm" data-testid="audit-log">
              {audit.map((entry) => (
                <li key={`${entry.created_at}-${entry.action}`} data-testid="audit-entry">
                  <span className="text-slate-500">
                    {formatEventDate(entry.created_at, event.timezone)}
                  </span>{" "}
                  · <span data-server-text>{entry.actor}</span> · {describe(entry, order.currency)}
                </li>
              ))}
              {audit.length === 0 ? (
                <li className="text-slate-600">
                  <Trans>Nothing done to this order yet.</Trans>
                </li>
              ) : null}
            </ul>
          </section>
        </div>

        <aside className="space-y-4 self-start">
          <div className="space-y-2 rounded-xl border border-slate-200 bg-white p-4">
            <h2 className="font-semibold">
              <Trans>Actions</Trans>
            </h2>
            <button
              type="button"
              onClick={post({ action: "resend" })}
              className="w-full rounded-lg border border-slate-300 px-3 py-2 text-sm"
            >
              <Trans>Resend confirmation</Trans>
            </button>
            {(order.status === "pending" || order.status === "expired") &&
            order.payment_method === "offline" &&
            !latePayment ? (
              <button
                type="button"
                onClick={post(
                  { action: "mark_paid" },
                  {
                    title: t`Mark order ${code} paid?`,
                    body: t`Only when the money has arrived: the buyer gets the tickets by email at once.`,
                    confirmLabel: t`Mark paid`,
                  },
                )}
                className="w-full rounded-lg bg-emerald-600 px-3 py-2 text-sm font-semibold text-white"
                data-testid="mark-paid"
              >
                <Trans>Mark paid</Trans>
              </button>
            ) : null}
            {order.status === "pending" || holding ? (
              <button
                type="button"
                onClick={post(
                  { action: "cancel" },
                  {
                    title: t`Cancel order ${code}?`,
                    body: holding
                      ? t`Its tickets become void and go back on sale. No money is refunded: refund it first to pay the buyer back.`
                      : t`Its tickets become void and go back on sale.`,
                    confirmLabel: t`Cancel order`,
                  },
                )}
                className="w-full rounded-lg border border-red-300 px-3 py-2 text-sm text-red-700"
              >
                <Trans>Cancel order</Trans>
              </button>
            ) : null}
          </div>
          {(holding || latePayment) && Number(refundable) > 0 ? (
            <form
              onSubmit={submitRefund}
              className="space-y-2 rounded-xl border border-slate-200 bg-white p-4"
              noValidate
            >
              <h2 className="font-semibold">
                <Trans>Refund</Trans>
              </h2>
              <p className="text-xs text-slate-600">
                <Trans>
                  Tick tickets to refund them (they become void and go back on sale), or give an
                  amount. Up to {maximum}.
                </Trans>
              </p>
              <label className="block text-sm">
                <Trans>Amount ({currency})</Trans>
                <input
                  inputMode="decimal"
                  value={refund.data.amount}
                  onChange={(e) => refund.setData("amount", e.target.value)}
                  placeholder={refund.data.tickets.length ? t`the tickets' price` : refundable}
                  className="mt-1 block w-full rounded-lg border border-slate-300 px-2 py-1"
                />
              </label>
              {errors.amount || errors.tickets ? (
                <p className="text-sm text-red-700" data-server-text>
                  {errors.amount ?? errors.tickets}
                </p>
              ) : null}
              <label className="block text-sm">
                <Trans>Reason</Trans>
                <input
                  value={refund.data.reason}
                  onChange={(e) => refund.setData("reason", e.target.value)}
                  className="mt-1 block w-full rounded-lg border border-slate-300 px-2 py-1"
                />
              </label>
              <button
                type="submit"
                disabled={refund.processing}
                data-testid="refund-submit"
                className="w-full rounded-lg bg-slate-900 px-3 py-2 text-sm font-semibold text-white"
              >
                <Trans>Refund</Trans>
              </button>
            </form>
          ) : null}
        </aside>
      </div>
      {dialog}
    </>
  );
}

import { Head, Link, router } from "@inertiajs/react";
import { Plural, Trans, useLingui } from "@lingui/react/macro";
import { useEffect, useRef } from "react";
import AddToCalendar from "../../components/AddToCalendar";
import Answers from "../../components/Answers";
import AnswersForm from "../../components/AnswersForm";
import AttendeeNameForm from "../../components/AttendeeNameForm";
import DateDetails from "../../components/DateDetails";
import OrderInvoices from "../../components/OrderInvoices";
import OrderSummary from "../../components/OrderSummary";
import TaxSummary from "../../components/TaxSummary";
import WalletButtons from "../../components/WalletButtons";
import { useEmbedded } from "../../lib/embed";
import { formatEventDate, formatMoney } from "../../lib/format";
import type { OrderDetail, OrderTicket, PageProps } from "../../types";

const STATUS_STYLES: Record<OrderDetail["status"], string> = {
  paid: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  partially_refunded: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  pending: "bg-amber-50 text-amber-900 ring-amber-200",
  cancelled: "bg-red-50 text-red-800 ring-red-200",
  refunded: "bg-slate-100 text-slate-700 ring-slate-200",
  expired: "bg-slate-100 text-slate-700 ring-slate-200",
};

const TICKET_STATE_STYLES: Record<OrderTicket["state"], string> = {
  valid: "text-emerald-700",
  not_yet_valid: "text-amber-800",
  refunded: "text-slate-700",
  cancelled: "text-red-700",
};

export default function OrderShow({
  order,
  confirm_url,
  wallet_passes,
  answers_edit,
  attendee_names_url,
  attendee_names_until,
}: PageProps<"Orders/Show">) {
  const embedded = useEmbedded();
  const { t } = useLingui();
  const timezone = order.event.timezone;
  const deadline = order.payment_deadline
    ? formatEventDate(order.payment_deadline, timezone)
    : null;
  const amount = formatMoney(order.total, order.currency);
  const walletOf = new Map(wallet_passes.map((passes) => [passes.ticket_id, passes]));
  const anyValid = order.tickets.some((ticket) => ticket.state === "valid");
  const validCount = order.tickets.filter((ticket) => ticket.state === "valid").length;
  const cancelled = order.event.status === "cancelled" || order.event.date_status === "cancelled";
  const holdsTickets = ["paid", "partially_refunded", "pending"].includes(order.status);
  return (
    <>
      <Head title={t`Order ${order.code}`} />
      <div className="mx-auto max-w-3xl space-y-6">
        <section className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <div>
              <p className="text-sm text-slate-500">
                <Trans>Order</Trans>
              </p>
              <h1 className="font-mono text-2xl font-bold tracking-wider" data-testid="order-code">
                {order.code}
              </h1>
            </div>
            <span
              data-testid="order-status"
              className={`rounded-full px-3 py-1 text-sm font-medium ring-1 ring-inset ${STATUS_STYLES[order.status]}`}
              data-server-text
            >
              {order.status_label}
            </span>
          </div>
          <div className="mt-4">
            <Link href={order.event.url} className="font-semibold text-indigo-700 hover:underline">
              {order.event.title}
            </Link>
            <DateDetails event={order.event} />
            {holdsTickets && !cancelled ? <AddToCalendar url={order.calendar_url} /> : null}
          </div>
          {cancelled ? (
            <p role="alert" className="mt-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-900">
              {order.event.status === "cancelled" ? (
                <Trans>This event has been cancelled. Its tickets are no longer valid.</Trans>
              ) : (
                <Trans>This date has been cancelled. Its tickets are no longer valid.</Trans>
              )}
            </p>
          ) : null}
          {order.awaiting_confirmation ? (
            <div
              className="mt-4 rounded-lg bg-red-50 p-4 text-sm text-red-950"
              data-testid="awaiting-confirmation"
            >
              <p className="font-semibold">
                {deadline ? (
                  <Trans>Confirm your order by {deadline}, or its tickets go back on sale.</Trans>
                ) : (
                  <Trans>Confirm your order, or its tickets go back on sale.</Trans>
                )}
              </p>
              {confirm_url ? (
                <button
                  type="button"
                  data-testid="confirm-order"
                  onClick={() => router.post(confirm_url)}
                  className="mt-3 rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
                >
                  <Trans>Confirm my order</Trans>
                </button>
              ) : (
                <p className="mt-2">
                  <Trans>Open the link in the email we sent you to confirm it.</Trans>
                </p>
              )}
            </div>
          ) : null}
          {order.status === "pending" && order.payment_method === "offline" ? (
            <div className="mt-4 rounded-lg bg-amber-50 p-4 text-sm text-amber-950">
              <p className="font-semibold">
                {deadline ? (
                  <Trans>
                    Please pay {amount} by bank transfer by {deadline}, with the reference{" "}
                    <span className="font-mono">{order.code}</span>.
                  </Trans>
                ) : (
                  <Trans>
                    Please pay {amount} by bank transfer, with the reference{" "}
                    <span className="font-mono">{order.code}</span>.
                  </Trans>
                )}
              </p>
              {order.bank_transfer_details ? (
                <pre className="mt-2 whitespace-pre-wrap font-sans" data-server-text>
                  {order.bank_transfer_details}
                </pre>
              ) : null}
              <p className="mt-2">
                <Trans>
                  Your tickets are reserved until then and become valid once the payment arrives.
                </Trans>
              </p>
            </div>
          ) : null}
          {order.status === "pending" && order.pay_now_url ? (
            <div className="mt-4 rounded-lg bg-amber-50 p-4 text-sm text-amber-950">
              <p>
                {deadline ? (
                  <Trans>
                    Your tickets are reserved until {deadline}. If you have paid, we are waiting for
                    the card payment to be confirmed; if not, pay now.
                  </Trans>
                ) : (
                  <Trans>
                    Your tickets are reserved. If you have paid, we are waiting for the card payment
                    to be confirmed; if not, pay now.
                  </Trans>
                )}
              </p>
              {embedded ? (
                <EmbeddedPayNow url={order.pay_now_url} />
              ) : (
                <button
                  type="button"
                  data-testid="pay-now"
                  onClick={() => order.pay_now_url && router.post(order.pay_now_url)}
                  className="mt-3 rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
                >
                  <Trans>Pay now</Trans>
                </button>
              )}
            </div>
          ) : null}
          <div className="mt-4">
            <OrderSummary lines={order.lines} currency={order.currency} total={order.total} />
            <TaxSummary taxes={order.taxes} currency={order.currency} />
            {Number(order.refunded_amount) > 0 ? (
              <p className="text-sm text-slate-600">
                <Trans>Refunded: {formatMoney(order.refunded_amount, order.currency)}</Trans>
              </p>
            ) : null}
          </div>
          <Answers answers={order.answers} title={t`Your answers`} />
          {answers_edit ? (
            <AnswersForm edit={answers_edit} timezone={order.event.timezone} />
          ) : null}
          <p className="mt-4 text-sm text-slate-500">
            <Trans>
              Ordered by {order.buyer.name} ({order.buyer.email}). Keep this page's address private:
              it opens your order without a password.
            </Trans>
          </p>
        </section>

        <section
          aria-labelledby="tickets-heading"
          className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
        >
          <div className="flex flex-wrap items-center justify-between gap-3">
            <h2 id="tickets-heading" className="text-lg font-semibold">
              <Trans>Tickets</Trans>
            </h2>
            {anyValid ? (
              <a
                href={order.pdf_url}
                download
                className="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
              >
                {validCount === order.tickets.length ? (
                  <Trans>Download tickets (PDF)</Trans>
                ) : (
                  <Plural
                    value={validCount}
                    one="Download the # valid ticket (PDF)"
                    other="Download the # valid tickets (PDF)"
                  />
                )}
              </a>
            ) : null}
          </div>
          {!anyValid ? (
            <p className="mt-2 text-sm text-slate-600">
              {order.status === "pending" && !cancelled ? (
                <Trans>Your tickets become valid when the payment arrives.</Trans>
              ) : (
                <Trans>These tickets are no longer valid.</Trans>
              )}
            </p>
          ) : null}
          <ul className="mt-3 grid gap-3 sm:grid-cols-2">
            {order.tickets.map((ticket) => (
              <li
                key={ticket.id}
                className={`rounded-lg border p-4 ${ticket.state === "valid" ? "border-slate-200" : "border-dashed border-slate-300 bg-slate-50"}`}
                data-testid="ticket"
                data-state={ticket.state}
              >
                <div className="flex items-start justify-between gap-2">
                  <p className="font-medium">{ticket.ticket_type}</p>
                  {ticket.state !== "valid" ? (
                    <p
                      className={`text-xs font-semibold uppercase ${TICKET_STATE_STYLES[ticket.state]}`}
                      data-testid="ticket-void"
                      data-server-text
                    >
                      {ticket.state_label}
                    </p>
                  ) : null}
                </div>
                {attendee_names_url && attendee_names_until && !ticket.void ? (
                  <AttendeeNameForm
                    action={attendee_names_url}
                    ticketId={ticket.id}
                    current={ticket.attendee_name}
                    until={attendee_names_until}
                    timezone={order.event.timezone}
                  />
                ) : ticket.attendee_name ? (
                  <p className="text-sm text-slate-600" data-testid="attendee-name">
                    {ticket.attendee_name}
                  </p>
                ) : null}
                <Answers answers={ticket.answers} />
                {ticket.qr ? (
                  <img
                    src={ticket.qr}
                    alt={t`QR code of the ${ticket.ticket_type} ticket`}
                    className="mt-2 size-40"
                    data-testid="ticket-qr"
                  />
                ) : null}
                <WalletButtons
                  passes={walletOf.get(ticket.id)}
                  ticketLabel={[ticket.ticket_type, ticket.attendee_name]
                    .filter(Boolean)
                    .join(", ")}
                />
                {ticket.state === "refunded" ? (
                  <p className="mt-2 text-sm text-slate-600">
                    <Trans>This ticket was refunded and no longer gets in.</Trans>
                  </p>
                ) : null}
                {ticket.state === "cancelled" ? (
                  <p className="mt-2 text-sm text-slate-600">
                    <Trans>This ticket was cancelled and no longer gets in.</Trans>
                  </p>
                ) : null}
                {ticket.state === "not_yet_valid" ? (
                  <p className="mt-2 text-sm text-slate-600">
                    <Trans>It becomes valid when the payment arrives.</Trans>
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
        <OrderInvoices />
      </div>
    </>
  );
}

// "Pay now" in the shop widget's frame: the provider's page refuses to be framed, so the
// form opens it in a new tab (a plain post; storefront/views/payments.py redirects). Arriving
// from the checkout (?pay=1) it is submitted at once, while the buyer's click still lets a
// page open a tab; a blocked tab leaves the button. The frame reloads the order when the
// buyer comes back to it.
function EmbeddedPayNow({ url }: { url: string }) {
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    if (params.get("pay") === "1") {
      params.delete("pay");
      const query = params.toString();
      window.history.replaceState(
        window.history.state,
        "",
        `${window.location.pathname}${query ? `?${query}` : ""}`,
      );
      form.current?.requestSubmit();
    }
    const reload = () => router.reload({ only: ["order"] });
    window.addEventListener("focus", reload);
    return () => window.removeEventListener("focus", reload);
  }, []);

  return (
    <form ref={form} method="post" action={url} target="_blank" rel="noopener">
      <button
        type="submit"
        data-testid="pay-now"
        className="mt-3 rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
      >
        <Trans>Pay now (opens a new tab)</Trans>
      </button>
    </form>
  );
}

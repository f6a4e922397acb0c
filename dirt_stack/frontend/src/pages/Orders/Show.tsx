import { Head, Link } from "@inertiajs/react";
import DateDetails from "../../components/DateDetails";
import OrderSummary from "../../components/OrderSummary";
import { formatEventDate, formatMoney } from "../../lib/format";
import type { OrderDetail, PageProps } from "../../types";

const STATUS_STYLES: Record<OrderDetail["status"], string> = {
  paid: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  partially_refunded: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  pending: "bg-amber-50 text-amber-900 ring-amber-200",
  cancelled: "bg-red-50 text-red-800 ring-red-200",
  refunded: "bg-slate-100 text-slate-700 ring-slate-200",
  expired: "bg-slate-100 text-slate-700 ring-slate-200",
};

export default function OrderShow({ order }: PageProps<"Orders/Show">) {
  const valid = order.tickets_valid;
  return (
    <>
      <Head title={`Order ${order.code}`} />
      <div className="mx-auto max-w-3xl space-y-6">
        <section className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <div>
              <p className="text-sm text-slate-500">Order</p>
              <h1 className="font-mono text-2xl font-bold tracking-wider" data-testid="order-code">
                {order.code}
              </h1>
            </div>
            <span
              data-testid="order-status"
              className={`rounded-full px-3 py-1 text-sm font-medium ring-1 ring-inset ${STATUS_STYLES[order.status]}`}
            >
              {order.status_label}
            </span>
          </div>
          <div className="mt-4">
            <Link href={order.event.url} className="font-semibold text-indigo-700 hover:underline">
              {order.event.title}
            </Link>
            <DateDetails event={order.event} />
          </div>
          {order.event.status === "cancelled" ? (
            <p role="alert" className="mt-3 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-900">
              This event has been cancelled.
            </p>
          ) : null}
          {order.status === "pending" && order.payment_method === "offline" ? (
            <div className="mt-4 rounded-lg bg-amber-50 p-4 text-sm text-amber-950">
              <p className="font-semibold">
                Please pay {formatMoney(order.total, order.currency)} by bank transfer
                {order.payment_deadline
                  ? ` by ${formatEventDate(order.payment_deadline, order.event.timezone)}`
                  : ""}
                , with the reference <span className="font-mono">{order.code}</span>.
              </p>
              {order.bank_transfer_details ? (
                <pre className="mt-2 whitespace-pre-wrap font-sans">
                  {order.bank_transfer_details}
                </pre>
              ) : null}
              <p className="mt-2">
                Your tickets are reserved until then and become valid once the payment arrives.
              </p>
            </div>
          ) : null}
          {order.status === "pending" && order.payment_method === "stripe" ? (
            <p className="mt-4 rounded-lg bg-amber-50 p-3 text-sm text-amber-950">
              We are waiting for the card payment to be confirmed.
            </p>
          ) : null}
          <div className="mt-4">
            <OrderSummary lines={order.lines} currency={order.currency} total={order.total} />
            {Number(order.refunded_amount) > 0 ? (
              <p className="text-sm text-slate-600">
                Refunded: {formatMoney(order.refunded_amount, order.currency)}
              </p>
            ) : null}
          </div>
          <p className="mt-4 text-sm text-slate-500">
            Ordered by {order.buyer.name} ({order.buyer.email}). Keep this page's address private:
            it opens your order without a password.
          </p>
        </section>

        <section
          aria-labelledby="tickets-heading"
          className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
        >
          <div className="flex flex-wrap items-center justify-between gap-3">
            <h2 id="tickets-heading" className="text-lg font-semibold">
              Tickets
            </h2>
            {valid ? (
              <a
                href={order.pdf_url}
                download
                className="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
              >
                Download tickets (PDF)
              </a>
            ) : null}
          </div>
          {!valid ? (
            <p className="mt-2 text-sm text-slate-600">
              {order.status === "pending"
                ? "Your tickets become valid when the payment arrives."
                : "These tickets are void."}
            </p>
          ) : null}
          <ul className="mt-3 grid gap-3 sm:grid-cols-2">
            {order.tickets.map((ticket) => (
              <li
                key={ticket.id}
                className={`rounded-lg border p-4 ${valid ? "border-slate-200" : "border-dashed border-slate-300 opacity-70"}`}
                data-testid="ticket"
              >
                <p className="font-medium">{ticket.ticket_type}</p>
                {ticket.attendee_name ? (
                  <p className="text-sm text-slate-600">{ticket.attendee_name}</p>
                ) : null}
                {ticket.qr ? (
                  <img
                    src={ticket.qr}
                    alt={`QR code of the ${ticket.ticket_type} ticket`}
                    className="mt-2 size-40"
                    data-testid="ticket-qr"
                  />
                ) : null}
                {!valid ? (
                  <p
                    className="mt-1 text-xs font-semibold uppercase text-red-700"
                    data-testid="ticket-void"
                  >
                    {order.status === "pending" ? "Not yet valid" : "Void"}
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </>
  );
}

import { router, usePage } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { formatMoney, formatShortDay } from "../lib/format";
import type { OrderInvoicesSection, PageProps } from "../types";

type InvoiceKind = OrderInvoicesSection["invoices"][number]["kind"];

// The kinds' names in the reader's language (the server sends the kind's code only).
const KIND_LABELS: Record<InvoiceKind, MessageDescriptor> = {
  invoice: msg`Invoice`,
  cancellation: msg`Cancellation`,
  credit_note: msg`Credit note`,
};

/** An order's invoices, cancellations and credit notes, each a PDF download (with its
 * Factur-X XML inside), and the button that asks for the invoice when the organizer issues
 * them on request. */
export function InvoiceList({
  section,
  timeZone,
}: {
  section: OrderInvoicesSection;
  timeZone: string;
}) {
  const { i18n } = useLingui();
  const requestUrl = section.request_url;
  return (
    <div data-testid="order-invoices">
      {section.invoices.length > 0 ? (
        <ul className="mt-3 divide-y divide-slate-100">
          {section.invoices.map((invoice) => (
            <li
              key={invoice.id}
              className="flex flex-wrap items-center justify-between gap-3 py-2 text-sm"
            >
              <span>
                <span className="font-medium">
                  {i18n._(KIND_LABELS[invoice.kind])} {invoice.number}
                </span>
                <span className="text-slate-500">
                  {" "}
                  · {formatShortDay(invoice.issued_at, timeZone)} ·{" "}
                  {formatMoney(invoice.gross_total, invoice.currency)}
                </span>
              </span>
              <a
                href={invoice.pdf_url}
                download
                className="rounded-lg px-3 py-1.5 font-semibold text-indigo-700 ring-1 ring-inset ring-indigo-200 hover:bg-indigo-50"
              >
                <Trans>
                  Download PDF<span className="sr-only"> of {invoice.number}</span>
                </Trans>
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      {requestUrl ? (
        <button
          type="button"
          onClick={() => router.post(requestUrl, {}, { preserveScroll: true })}
          className="mt-3 rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
        >
          <Trans>Get an invoice</Trans>
        </button>
      ) : null}
    </div>
  );
}

/** The buyer's order page section (pages/Orders/Show.tsx): shown when the order has
 * invoices or may ask for one. */
export default function OrderInvoices() {
  const { invoices, order } = usePage<PageProps<"Orders/Show">>().props;
  if (!invoices) {
    return null;
  }
  return (
    <section
      aria-labelledby="invoices-heading"
      className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
    >
      <h2 id="invoices-heading" className="text-lg font-semibold">
        <Trans>Invoices</Trans>
      </h2>
      <InvoiceList section={invoices} timeZone={order.event.timezone} />
    </section>
  );
}

import { Head, Link, router } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useState } from "react";
import PaginationNav from "../../components/PaginationNav";
import { formatMoney, formatShortDay } from "../../lib/format";
import type { PageProps } from "../../types";

type Props = PageProps<"Manage/Invoices">;
type InvoiceKind = Props["invoices"][number]["kind"];

// The kinds' names in the reader's language (the server's `kind_label` is English).
const KIND_LABELS: Record<InvoiceKind, MessageDescriptor> = {
  invoice: msg`Invoice`,
  cancellation: msg`Cancellation`,
  credit_note: msg`Credit note`,
};

export default function Invoices({
  organizer,
  invoices,
  pagination,
  filters,
  kinds,
  mode,
  settings_url,
}: Props) {
  const { t, i18n } = useLingui();
  const [values, setValues] = useState<Props["filters"]>(filters);
  const base = `/manage/${organizer.slug}/invoices/`;

  function search(e: FormEvent) {
    e.preventDefault();
    const query = {
      kind: values.kind,
      q: values.q,
      from: values.issued_from,
      to: values.issued_to,
    };
    router.get(base, Object.fromEntries(Object.entries(query).filter(([, v]) => v)), {
      preserveState: true,
    });
  }

  const control = "rounded-lg border border-slate-300 px-2 py-2 text-sm";
  return (
    <>
      <Head title={t`Invoices`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight">
          <Trans>Invoices</Trans>
        </h1>
        <Link
          href={settings_url}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          <Trans>Invoice settings</Trans>
        </Link>
      </div>
      {mode === "never" ? (
        <p className="mb-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <Trans>Invoices are not issued: choose when in the invoice settings.</Trans>
        </p>
      ) : null}
      <form
        onSubmit={search}
        className="mb-4 grid gap-2 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-5"
      >
        <label className="sm:col-span-2">
          <span className="sr-only">
            <Trans>Search invoices</Trans>
          </span>
          <input
            type="search"
            value={values.q}
            onChange={(e) => setValues({ ...values, q: e.target.value })}
            placeholder={t`Invoice number or order code`}
            className={`w-full ${control}`}
          />
        </label>
        <select
          aria-label={t`Kind`}
          value={values.kind}
          onChange={(e) => setValues({ ...values, kind: e.target.value })}
          className={control}
        >
          <option value="">{t`Every kind`}</option>
          {kinds.map((kind) => (
            <option key={kind.value} value={kind.value}>
              {kind.label}
            </option>
          ))}
        </select>
        <label className="text-sm">
          <span className="sr-only">
            <Trans>Issued from</Trans>
          </span>
          <input
            type="date"
            value={values.issued_from}
            onChange={(e) => setValues({ ...values, issued_from: e.target.value })}
            className={`w-full ${control}`}
          />
        </label>
        <div className="flex gap-2">
          <label className="flex-1 text-sm">
            <span className="sr-only">
              <Trans>Issued until</Trans>
            </span>
            <input
              type="date"
              value={values.issued_to}
              onChange={(e) => setValues({ ...values, issued_to: e.target.value })}
              className={`w-full ${control}`}
            />
          </label>
          <button
            type="submit"
            className="rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
          >
            <Trans>Filter</Trans>
          </button>
        </div>
      </form>
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-600">
            <tr>
              <th className="px-3 py-2 font-medium">
                <Trans>Number</Trans>
              </th>
              <th className="px-3 py-2 font-medium">
                <Trans>Issued</Trans>
              </th>
              <th className="px-3 py-2 font-medium">
                <Trans>Order</Trans>
              </th>
              <th className="px-3 py-2 font-medium">
                <Trans>Buyer</Trans>
              </th>
              <th className="px-3 py-2 text-right font-medium">
                <Trans>Net</Trans>
              </th>
              <th className="px-3 py-2 text-right font-medium">
                <Trans>VAT</Trans>
              </th>
              <th className="px-3 py-2 text-right font-medium">
                <Trans context="an invoice's gross total">Total</Trans>
              </th>
              <th className="px-3 py-2 font-medium">
                <Trans>Files</Trans>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {invoices.map((invoice) => {
              const kind = i18n._(KIND_LABELS[invoice.kind]);
              const refersTo = invoice.refers_to;
              return (
                <tr key={invoice.id} data-testid="invoice-row">
                  <td className="px-3 py-2">
                    <span className="font-medium">{invoice.number}</span>
                    <span className="block text-xs text-slate-500">
                      {refersTo ? t`${kind} of ${refersTo}` : kind}
                    </span>
                    {invoice.vat_id_recheck ? (
                      <span className="block text-xs text-amber-800">
                        <Trans>VAT ID to check again</Trans>
                      </span>
                    ) : null}
                  </td>
                  <td className="px-3 py-2">{formatShortDay(invoice.issued_at, "UTC")}</td>
                  <td className="px-3 py-2">
                    <Link href={invoice.order_url} className="text-indigo-700 hover:underline">
                      {invoice.order_code}
                    </Link>
                    <span className="block text-xs text-slate-500">{invoice.event}</span>
                  </td>
                  <td className="px-3 py-2">{invoice.buyer}</td>
                  <td className="px-3 py-2 text-right">
                    {formatMoney(invoice.net_total, invoice.currency)}
                  </td>
                  <td className="px-3 py-2 text-right">
                    {formatMoney(invoice.tax_total, invoice.currency)}
                  </td>
                  <td className="px-3 py-2 text-right font-medium">
                    {formatMoney(invoice.gross_total, invoice.currency)}
                  </td>
                  <td className="px-3 py-2 whitespace-nowrap">
                    <a href={invoice.pdf_url} download className="text-indigo-700 hover:underline">
                      <Trans comment="The file's format">PDF</Trans>
                    </a>{" "}
                    ·{" "}
                    <a href={invoice.xml_url} download className="text-indigo-700 hover:underline">
                      <Trans comment="The file's format (Factur-X)">XML</Trans>
                    </a>
                  </td>
                </tr>
              );
            })}
            {invoices.length === 0 ? (
              <tr>
                <td colSpan={8} className="px-3 py-4 text-slate-600">
                  <Trans>No invoices found.</Trans>
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <PaginationNav pagination={pagination} />
    </>
  );
}

import { Head, Link, router } from "@inertiajs/react";
import { type FormEvent, useState } from "react";
import PaginationNav from "../../components/PaginationNav";
import { formatMoney, formatShortDay } from "../../lib/format";
import type { PageProps } from "../../types";

type Props = PageProps<"Manage/Invoices">;

export default function Invoices({
  organizer,
  invoices,
  pagination,
  filters,
  kinds,
  mode,
  settings_url,
}: Props) {
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
      <Head title="Invoices" />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight">Invoices</h1>
        <Link
          href={settings_url}
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
        >
          Invoice settings
        </Link>
      </div>
      {mode === "never" ? (
        <p className="mb-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Invoices are not issued: choose when in the invoice settings.
        </p>
      ) : null}
      <form
        onSubmit={search}
        className="mb-4 grid gap-2 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-5"
      >
        <label className="sm:col-span-2">
          <span className="sr-only">Search invoices</span>
          <input
            type="search"
            value={values.q}
            onChange={(e) => setValues({ ...values, q: e.target.value })}
            placeholder="Invoice number or order code"
            className={`w-full ${control}`}
          />
        </label>
        <select
          aria-label="Kind"
          value={values.kind}
          onChange={(e) => setValues({ ...values, kind: e.target.value })}
          className={control}
        >
          <option value="">Every kind</option>
          {kinds.map((kind) => (
            <option key={kind.value} value={kind.value}>
              {kind.label}
            </option>
          ))}
        </select>
        <label className="text-sm">
          <span className="sr-only">Issued from</span>
          <input
            type="date"
            value={values.issued_from}
            onChange={(e) => setValues({ ...values, issued_from: e.target.value })}
            className={`w-full ${control}`}
          />
        </label>
        <div className="flex gap-2">
          <label className="flex-1 text-sm">
            <span className="sr-only">Issued until</span>
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
            Filter
          </button>
        </div>
      </form>
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-600">
            <tr>
              <th className="px-3 py-2 font-medium">Number</th>
              <th className="px-3 py-2 font-medium">Issued</th>
              <th className="px-3 py-2 font-medium">Order</th>
              <th className="px-3 py-2 font-medium">Buyer</th>
              <th className="px-3 py-2 text-right font-medium">Net</th>
              <th className="px-3 py-2 text-right font-medium">VAT</th>
              <th className="px-3 py-2 text-right font-medium">Total</th>
              <th className="px-3 py-2 font-medium">Files</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {invoices.map((invoice) => (
              <tr key={invoice.id} data-testid="invoice-row">
                <td className="px-3 py-2">
                  <span className="font-medium">{invoice.number}</span>
                  <span className="block text-xs text-slate-500">
                    {invoice.kind_label}
                    {invoice.refers_to ? ` of ${invoice.refers_to}` : ""}
                  </span>
                  {invoice.vat_id_recheck ? (
                    <span className="block text-xs text-amber-800">VAT ID to check again</span>
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
                    PDF
                  </a>{" "}
                  ·{" "}
                  <a href={invoice.xml_url} download className="text-indigo-700 hover:underline">
                    XML
                  </a>
                </td>
              </tr>
            ))}
            {invoices.length === 0 ? (
              <tr>
                <td colSpan={8} className="px-3 py-4 text-slate-600">
                  No invoices found.
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

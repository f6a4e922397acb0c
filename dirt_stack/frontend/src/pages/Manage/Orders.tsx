import { Head, Link, router, usePage } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { Plural, Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useState } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import DateSelect from "../../components/DateSelect";
import PaginationNav from "../../components/PaginationNav";
import { formatEventDate, formatMoney } from "../../lib/format";
import type { PageProps } from "../../types";

type Props = PageProps<"Manage/Orders">;

export default function Orders({
  event,
  base,
  orders,
  pagination,
  filters,
  statuses,
  ticket_types,
  dates,
  payment_methods,
  bulk_cancel_url,
}: Props) {
  const { t } = useLingui();
  const errors = usePage().props.errors;
  const [values, setValues] = useState<Props["filters"]>(filters);
  // Pending bank transfers chosen for cancelling at once (a hoarder's, or never paid).
  const [chosen, setChosen] = useState<string[]>([]);
  const selectable = orders.filter((o) => o.unpaid_transfer).map((o) => o.code);

  function toggle(code: string) {
    setChosen((codes) =>
      codes.includes(code) ? codes.filter((c) => c !== code) : [...codes, code],
    );
  }

  async function cancelChosen() {
    const n = chosen.length;
    const confirmed = await confirm({
      title: plural(n, {
        one: "Cancel # unpaid bank transfer?",
        other: "Cancel # unpaid bank transfers?",
      }),
      body: t`Their tickets become void and go back on sale.`,
      confirmLabel: t`Cancel orders`,
    });
    if (!confirmed) {
      return;
    }
    // With the list's query string: the answer leads back to the same search.
    router.post(
      `${bulk_cancel_url}${window.location.search}`,
      { codes: chosen },
      { preserveScroll: true, onSuccess: () => setChosen([]) },
    );
  }
  const series = dates.length > 1;
  // The exports follow the date the list is filtered by (as searched, not as being edited).
  const exportQuery = filters.date ? `?date=${encodeURIComponent(filters.date)}` : "";

  function search(e: FormEvent) {
    e.preventDefault();
    router.get(`${base}/orders/`, Object.fromEntries(Object.entries(values).filter(([, v]) => v)), {
      preserveState: true,
    });
  }

  const title = event.title;
  const select = "rounded-lg border border-slate-300 px-2 py-2 text-sm";
  const { confirm, dialog } = useConfirm();

  return (
    <>
      <Head title={t`Orders · ${title}`} />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight">
          <Trans>Orders</Trans>
        </h1>
        <div className="flex gap-2 text-sm">
          <a
            href={`${base}/export/orders.csv${exportQuery}`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 hover:bg-slate-50"
          >
            <Trans>Export orders (CSV)</Trans>
          </a>
          <a
            href={`${base}/export/attendees.csv${exportQuery}`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 hover:bg-slate-50"
          >
            <Trans>Export attendees (CSV)</Trans>
          </a>
        </div>
      </div>
      <form
        onSubmit={search}
        className={`mb-4 grid gap-2 rounded-xl border border-slate-200 bg-white p-4 ${series ? "sm:grid-cols-8" : "sm:grid-cols-7"}`}
      >
        <label className="sm:col-span-2">
          <span className="sr-only">
            <Trans>Search orders</Trans>
          </span>
          <input
            type="search"
            value={values.q}
            onChange={(e) => setValues({ ...values, q: e.target.value })}
            placeholder={t`Order code, email or attendee`}
            className="w-full rounded-lg border border-slate-300 px-3 py-2 text-sm"
          />
        </label>
        <select
          aria-label={t`Status`}
          value={values.status}
          onChange={(e) => setValues({ ...values, status: e.target.value })}
          className={select}
        >
          <option value="">{t`Any status`}</option>
          {statuses.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        <select
          aria-label={t`Payment`}
          value={values.payment}
          onChange={(e) => setValues({ ...values, payment: e.target.value })}
          className={select}
        >
          <option value="">{t`Any payment`}</option>
          {payment_methods.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </select>
        <select
          aria-label={t`Ticket type`}
          value={values.ticket_type}
          onChange={(e) => setValues({ ...values, ticket_type: e.target.value })}
          className={select}
        >
          <option value="">{t`Any ticket type`}</option>
          {ticket_types.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
        {series ? (
          <DateSelect
            label={t`Date`}
            dates={dates}
            timeZone={event.timezone}
            value={values.date}
            onChange={(value) => setValues({ ...values, date: value })}
            className={select}
          />
        ) : null}
        <input
          aria-label={t`Ordered from`}
          type="date"
          value={values.from}
          onChange={(e) => setValues({ ...values, from: e.target.value })}
          className={select}
        />
        <div className="flex gap-2">
          <input
            aria-label={t`Ordered until`}
            type="date"
            value={values.to}
            onChange={(e) => setValues({ ...values, to: e.target.value })}
            className={`${select} min-w-0 flex-1`}
          />
          <button
            type="submit"
            className="rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white"
          >
            <Trans>Search</Trans>
          </button>
        </div>
      </form>
      {errors.codes ? (
        <p role="alert" className="mb-2 text-sm text-red-700" data-server-text>
          {errors.codes}
        </p>
      ) : null}
      {selectable.length ? (
        <div className="mb-2 flex flex-wrap items-center gap-3 text-sm">
          <button
            type="button"
            onClick={() => setChosen(chosen.length === selectable.length ? [] : selectable)}
            className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-50"
          >
            {chosen.length === selectable.length
              ? t`Choose none`
              : t`Choose all unpaid bank transfers`}
          </button>
          <button
            type="button"
            disabled={chosen.length === 0}
            onClick={cancelChosen}
            data-testid="cancel-chosen"
            className="rounded-lg bg-red-600 px-3 py-1.5 font-semibold text-white hover:bg-red-700 disabled:opacity-50"
          >
            {chosen.length ? (
              <Plural
                value={chosen.length}
                one="Cancel # chosen order"
                other="Cancel # chosen orders"
              />
            ) : (
              <Trans>Cancel the chosen orders</Trans>
            )}
          </button>
        </div>
      ) : null}
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
        <table className="w-full text-left text-sm">
          <thead className="text-slate-500">
            <tr>
              <th className="p-3 font-medium">
                <span className="sr-only">
                  <Trans>Choose</Trans>
                </span>
              </th>
              <th className="p-3 font-medium">
                <Trans>Order</Trans>
              </th>
              <th className="p-3 font-medium">
                <Trans>Buyer</Trans>
              </th>
              {series ? (
                <th className="p-3 font-medium">
                  <Trans>Date</Trans>
                </th>
              ) : null}
              <th className="p-3 font-medium">
                <Trans>Tickets</Trans>
              </th>
              <th className="p-3 font-medium">
                <Trans>Total</Trans>
              </th>
              <th className="p-3 font-medium">
                <Trans>Status</Trans>
              </th>
              <th className="p-3 font-medium">
                <Trans>Placed</Trans>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {orders.map((o) => (
              <tr key={o.code} data-testid="order-row">
                <td className="p-3">
                  {o.unpaid_transfer ? (
                    <input
                      type="checkbox"
                      aria-label={t`Choose order ${o.code}`}
                      checked={chosen.includes(o.code)}
                      onChange={() => toggle(o.code)}
                    />
                  ) : null}
                </td>
                <td className="p-3">
                  <Link
                    href={`${base}/orders/${o.code}/`}
                    className="font-mono font-semibold text-indigo-700 hover:underline"
                  >
                    {o.code}
                  </Link>
                </td>
                <td className="p-3">
                  {o.buyer_name}
                  <span className="block text-slate-500">{o.buyer_email}</span>
                </td>
                {series ? (
                  <td className="p-3 text-slate-600" data-testid="order-date">
                    {formatEventDate(o.date_starts_at, event.timezone)}
                  </td>
                ) : null}
                <td className="p-3 tabular-nums">{o.tickets}</td>
                <td className="p-3 tabular-nums">{formatMoney(o.total, o.currency)}</td>
                <td className="p-3">
                  <span data-server-text>{o.status_label}</span>
                  {o.awaiting_confirmation ? (
                    <span className="block text-xs text-amber-800">
                      <Trans>not confirmed by email</Trans>
                    </span>
                  ) : null}
                </td>
                <td className="p-3 text-slate-600">
                  {formatEventDate(o.created_at, event.timezone)}
                </td>
              </tr>
            ))}
            {orders.length === 0 ? (
              <tr>
                <td colSpan={series ? 8 : 7} className="p-6 text-center text-slate-600">
                  <Trans>No orders match.</Trans>
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <p className="mt-2 text-sm text-slate-500">
        <Plural value={pagination.count} one="# order" other="# orders" />
      </p>
      <PaginationNav pagination={pagination} />
    </>
  );
}

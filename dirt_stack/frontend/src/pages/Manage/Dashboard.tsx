import { Head, Link, router } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import DateSelect, { dateLabel } from "../../components/DateSelect";
import Stat from "../../components/Stat";
import { formatMoney, formatShortDay } from "../../lib/format";
import type { PageProps } from "../../types";

// A day of the chart ("2027-06-10") as the reader writes it.
function chartDay(day: string): string {
  return formatShortDay(`${day}T12:00:00Z`, "UTC");
}

export default function Dashboard({
  event,
  base,
  dates,
  date,
  figures,
}: PageProps<"Manage/Dashboard">) {
  const { t } = useLingui();
  const title = event.title;
  const sold = figures.ticket_types.reduce((n, type) => n + type.sold, 0);
  const capacity = figures.ticket_types.reduce((n, type) => n + type.capacity, 0);
  const held = figures.ticket_types.reduce((n, type) => n + type.held, 0);
  const chosen = dates.find((d) => d.id === date);
  const dateQuery = chosen ? `?date=${chosen.id}` : "";
  return (
    <>
      <Head title={t`Dashboard · ${title}`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight">
          <Trans>Dashboard</Trans>
          {chosen ? (
            <span
              className="block text-base font-normal text-slate-600"
              data-testid="dashboard-date"
            >
              {dateLabel(chosen, event.timezone)}
            </span>
          ) : null}
        </h1>
        <div className="flex flex-wrap gap-2 text-sm">
          {dates.length > 1 ? (
            <DateSelect
              label={t`Date`}
              dates={dates}
              timeZone={event.timezone}
              value={date === null ? "" : String(date)}
              onChange={(value) =>
                router.get(`${base}/dashboard/`, value ? { date: value } : {}, {
                  preserveScroll: true,
                })
              }
            />
          ) : null}
          <Link
            href={`${base}/orders/${dateQuery}`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 hover:bg-slate-50"
          >
            <Trans>Orders</Trans>
          </Link>
          <Link
            href={`${base}/checkin/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 hover:bg-slate-50"
          >
            <Trans>Check-in</Trans>
          </Link>
        </div>
      </div>
      <div className="grid gap-4 sm:grid-cols-4">
        <Stat label={t`Tickets sold`} value={`${sold} / ${capacity}`} testId="stat-sold" />
        <Stat label={t`In live reservations`} value={String(held)} testId="stat-held" />
        <Stat
          label={t`Checked in`}
          value={`${figures.check_in.checked_in} / ${figures.check_in.expected}`}
          testId="stat-checked-in"
        />
        <Stat
          label={t`Orders`}
          value={String(figures.orders_per_day.reduce((n, d) => n + d.orders, 0))}
        />
      </div>

      {figures.dates.length > 1 ? (
        <section className="mt-6 overflow-x-auto rounded-xl border border-slate-200 bg-white p-5">
          <h2 className="mb-3 font-semibold">
            <Trans>Dates</Trans>
          </h2>
          <table className="w-full text-sm">
            <thead className="text-left text-slate-500">
              <tr>
                <th className="py-1 font-medium">
                  <Trans>Date</Trans>
                </th>
                <th className="py-1 font-medium">
                  <Trans>Sold</Trans>
                </th>
                <th className="py-1 font-medium">
                  <Trans>Available</Trans>
                </th>
                <th className="py-1 font-medium">
                  <Trans>Checked in</Trans>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {figures.dates.map((d) => (
                <tr key={d.id} data-testid="dashboard-date-row">
                  <td className="py-1">
                    <Link
                      href={`${base}/dashboard/?date=${d.id}`}
                      className="text-indigo-700 hover:underline"
                    >
                      {dateLabel(d, event.timezone)}
                    </Link>
                  </td>
                  <td className="py-1 tabular-nums">
                    {d.sold} / {d.capacity}
                  </td>
                  <td className="py-1 tabular-nums">{d.available}</td>
                  <td className="py-1 tabular-nums">
                    {d.checked_in} / {d.expected}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5">
        <h2 className="mb-3 font-semibold">
          <Trans>Revenue</Trans>
        </h2>
        {figures.revenue.length === 0 ? (
          <p className="text-sm text-slate-600">
            <Trans>No paid orders yet.</Trans>
          </p>
        ) : (
          <table className="w-full text-sm">
            <thead className="text-left text-slate-500">
              <tr>
                <th className="py-1 font-medium">
                  <Trans>Currency</Trans>
                </th>
                <th className="py-1 font-medium">
                  <Trans>Gross</Trans>
                </th>
                <th className="py-1 font-medium">
                  <Trans>Refunded</Trans>
                </th>
                <th className="py-1 font-medium">
                  <Trans>Net</Trans>
                </th>
              </tr>
            </thead>
            <tbody>
              {figures.revenue.map((row) => (
                <tr key={row.currency} data-testid={`revenue-${row.currency}`}>
                  <td className="py-1">{row.currency}</td>
                  <td className="py-1 tabular-nums" data-testid="revenue-gross">
                    {formatMoney(row.gross, row.currency)}
                  </td>
                  <td className="py-1 tabular-nums" data-testid="revenue-refunded">
                    {Number(row.refunded) === 0 ? "—" : formatMoney(row.refunded, row.currency)}
                  </td>
                  <td className="py-1 tabular-nums" data-testid="revenue-net">
                    {formatMoney(row.net, row.currency)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5">
        <h2 className="mb-3 font-semibold">
          <Trans>Ticket types</Trans>
        </h2>
        <ul className="space-y-3">
          {figures.ticket_types.map((type) => (
            <li key={type.id} data-testid="dashboard-ticket-type">
              <div className="flex justify-between text-sm">
                <span>{type.name}</span>
                <span className="tabular-nums">
                  <TicketTypeSales sold={type.sold} held={type.held} capacity={type.capacity} />
                </span>
              </div>
              <div className="mt-1 h-2 overflow-hidden rounded bg-slate-100" aria-hidden="true">
                <div
                  className="h-full bg-indigo-600"
                  style={{
                    width: `${type.capacity ? Math.min(100, (type.sold / type.capacity) * 100) : 0}%`,
                  }}
                />
              </div>
            </li>
          ))}
        </ul>
      </section>

      <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5">
        <h2 className="mb-3 font-semibold">
          <Trans>Orders per day</Trans>
        </h2>
        {figures.orders_per_day.length === 0 ? (
          <p className="text-sm text-slate-600">
            <Trans>No orders yet.</Trans>
          </p>
        ) : (
          <div className="h-64" role="img" aria-label={t`Orders per day`}>
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={figures.orders_per_day}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="day" fontSize={12} tickFormatter={chartDay} />
                <YAxis allowDecimals={false} fontSize={12} />
                <Tooltip labelFormatter={(day) => chartDay(String(day))} />
                <Bar dataKey="orders" name={t`Orders`} fill="#a5b4fc" />
                <Bar dataKey="paid" name={t`Paid`} fill="#4f46e5" />
              </BarChart>
            </ResponsiveContainer>
          </div>
        )}
      </section>
    </>
  );
}

// "12 sold · 3 reserved / 100": a ticket type's sales, and its live reservations if any.
function TicketTypeSales({
  sold,
  held,
  capacity,
}: {
  sold: number;
  held: number;
  capacity: number;
}) {
  return held ? (
    <Trans>
      {sold} sold · {held} reserved / {capacity}
    </Trans>
  ) : (
    <Trans>
      {sold} sold / {capacity}
    </Trans>
  );
}

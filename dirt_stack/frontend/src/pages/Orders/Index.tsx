import { Head, Link } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import DateDetails from "../../components/DateDetails";
import { formatMoney } from "../../lib/format";
import type { PageProps } from "../../types";

export default function MyOrders({ orders }: PageProps<"Orders/Index">) {
  const { t } = useLingui();
  return (
    <>
      <Head title={t`My orders`} />
      <h1 className="mb-6 text-2xl font-bold tracking-tight">
        <Trans>My orders</Trans>
      </h1>
      {orders.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-600">
          <Trans>Orders you place while logged in appear here.</Trans>
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white shadow-sm">
          {orders.map((order) => (
            <li
              key={order.code}
              className="flex flex-wrap items-center justify-between gap-3 p-4"
              data-testid="my-order"
            >
              <div>
                <Link href={order.url} className="font-medium text-indigo-700 hover:underline">
                  {order.event.title}
                </Link>
                <DateDetails event={order.event} />
                <p className="text-sm text-slate-500">
                  <Trans>
                    Order <span className="font-mono">{order.code}</span>
                  </Trans>
                </p>
              </div>
              <div className="text-right text-sm">
                <p data-server-text>{order.status_label}</p>
                <p className="tabular-nums text-slate-600">
                  {formatMoney(order.total, order.currency)}
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

import { Head, Link, router } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import { useEffect } from "react";
import { formatEventDate, formatMoney } from "../../lib/format";
import type { PageProps } from "../../types";

const RELOAD_MS = 2000;

// The progress of an event's cancellation: reloads itself while its orders are being settled.
export default function EventCancellation({
  organizer,
  event,
  currency,
  progress,
}: PageProps<"Manage/EventCancellation">) {
  const { t } = useLingui();
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const title = event.title;
  const by = progress.cancelled_by || t`someone`;
  const when = formatEventDate(progress.cancelled_at, event.timezone);
  const reason = progress.reason;
  const settled = progress.orders_settled;
  const total = progress.orders_total;
  const running = progress.status === "running";

  useEffect(() => {
    if (!running) {
      return;
    }
    const timer = window.setInterval(() => router.reload({ only: ["progress"] }), RELOAD_MS);
    return () => window.clearInterval(timer);
  }, [running]);

  const retry = () => router.post(`${base}/cancellation/retry/`, {}, { preserveScroll: true });
  const percent = progress.orders_total
    ? Math.round((100 * progress.orders_settled) / progress.orders_total)
    : 100;

  return (
    <>
      <Head title={t`${title}: cancellation`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-2 text-2xl font-bold tracking-tight">
        <Trans>“{title}” is cancelled</Trans>
      </h1>
      <p className="mb-4 text-sm text-slate-600">
        {reason ? (
          <Trans>
            By {by} on {when}: “<span data-server-text>{reason}</span>”
          </Trans>
        ) : (
          <Trans>
            By {by} on {when}
          </Trans>
        )}
      </p>

      <section className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 className="mb-2 text-lg font-semibold">
          <Trans>Orders</Trans>
        </h2>
        <p data-testid="cancellation-status" aria-live="polite" className="text-sm">
          {running
            ? t`Settling the orders: ${settled} of ${total} done…`
            : t`Done: ${settled} of ${total} orders settled.`}
        </p>
        <div
          className="mt-2 h-2 w-full overflow-hidden rounded bg-slate-100"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={progress.orders_total}
          aria-valuenow={progress.orders_settled}
          aria-label={t`Orders settled`}
        >
          <div className="h-full bg-indigo-600" style={{ width: `${percent}%` }} />
        </div>
        {progress.stalled ? (
          <p className="mt-3 text-sm text-amber-800">
            <Trans>No progress for several minutes.</Trans>{" "}
            <button type="button" onClick={retry} className="font-medium underline">
              <Trans>Resume</Trans>
            </button>
          </p>
        ) : null}
      </section>

      {progress.failed.length ? (
        <section
          className="mt-6 rounded-xl border border-red-200 bg-red-50 p-6"
          data-testid="failed-refunds"
        >
          <h2 className="mb-2 text-lg font-semibold text-red-900">
            <Trans>Refunds that failed</Trans>
          </h2>
          <p className="mb-3 text-sm text-red-900">
            <Trans>
              The payment provider refused these refunds: the orders stay paid and their tickets
              valid until they are refunded.
            </Trans>
          </p>
          <ul className="divide-y divide-red-100 text-sm">
            {progress.failed.map((row) => (
              <li key={row.code} className="py-2">
                <Link href={`${base}/orders/${row.code}/`} className="font-mono font-medium">
                  {row.code}
                </Link>{" "}
                {row.buyer_email} · {formatMoney(row.amount, currency)}
                <span className="block text-xs text-red-800" data-server-text>
                  {row.error}
                </span>
              </li>
            ))}
          </ul>
          {!running ? (
            <button
              type="button"
              onClick={retry}
              className="mt-3 rounded-lg bg-red-700 px-4 py-2 text-sm font-semibold text-white hover:bg-red-800"
            >
              <Trans>Retry the failed refunds</Trans>
            </button>
          ) : null}
        </section>
      ) : null}

      {progress.manual.length ? (
        <section
          className="mt-6 rounded-xl border border-amber-200 bg-amber-50 p-6"
          data-testid="manual-refunds"
        >
          <h2 className="mb-2 text-lg font-semibold">
            <Trans>To pay back by hand</Trans>
          </h2>
          <p className="mb-3 text-sm text-slate-700">
            <Trans>
              These orders were paid by bank transfer: they are refunded in Maticko and their buyers
              were told you will pay them back. Send each the amount.
            </Trans>
          </p>
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="text-slate-500">
                <th className="py-1 font-medium">
                  <Trans>Order</Trans>
                </th>
                <th className="py-1 font-medium">
                  <Trans>Buyer</Trans>
                </th>
                <th className="py-1 text-right font-medium">
                  <Trans>Amount</Trans>
                </th>
              </tr>
            </thead>
            <tbody>
              {progress.manual.map((row) => (
                <tr key={row.code} className="border-t border-amber-100">
                  <td className="py-1 font-mono">
                    <Link href={`${base}/orders/${row.code}/`}>{row.code}</Link>
                  </td>
                  <td className="py-1">
                    {row.buyer_name} &lt;{row.buyer_email}&gt;
                  </td>
                  <td className="py-1 text-right">{formatMoney(row.amount, currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}

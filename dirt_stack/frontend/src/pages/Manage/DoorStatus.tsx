import { Head, Link } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import { useEffect, useState } from "react";
import Stat from "../../components/Stat";
import { formatEventDate } from "../../lib/format";
import { getJson } from "../../lib/http";
import type { PageProps, DoorStatus as Status } from "../../types";

type Props = PageProps<"Manage/DoorStatus">;

const REFRESH_MS = 5000;

// Who came in, went out and is inside, per gate and per list, live; and the tickets let in
// twice while devices were offline.
export default function DoorStatus({ event, organizer_slug, status: first, status_url }: Props) {
  const { t } = useLingui();
  const [status, setStatus] = useState<Status>(first);
  useEffect(() => {
    const timer = window.setInterval(() => {
      getJson<Status>(status_url).then(setStatus, () => undefined);
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [status_url]);
  const base = `/manage/${organizer_slug}/events/${event.slug}`;

  return (
    <div className="mx-auto max-w-4xl space-y-8 p-6">
      <Head title={t`Door status · ${event.title}`} />
      <div>
        <Link href={`${base}/`} className="text-sm text-indigo-700 hover:underline">
          <Trans>← Back to the event</Trans>
        </Link>
        <h1 className="mt-2 text-2xl font-bold">
          <Trans>Door status</Trans>
        </h1>
        <p className="mt-1 text-slate-600">
          <Trans>
            Updated every few seconds. Scans made offline count once their device uploads them.
          </Trans>
        </p>
      </div>

      <section
        aria-labelledby="total-title"
        className="grid gap-4 sm:grid-cols-3"
        data-testid="door-total"
      >
        <h2 id="total-title" className="sr-only">
          <Trans>In all</Trans>
        </h2>
        <Stat label={t`Inside`} value={String(status.total.inside)} />
        <Stat label={t`Entries`} value={String(status.total.entries)} />
        <Stat label={t`Exits`} value={String(status.total.exits)} />
      </section>

      <CountsTable
        title={t`By gate`}
        testId="door-gates"
        rows={status.gates.map((gate) => ({
          ...gate,
          key: gate.gate,
          name: gate.gate || t`Check-in page (no device)`,
          serverText: Boolean(gate.gate),
        }))}
      />
      <CountsTable
        title={t`By check-in list`}
        testId="door-lists"
        rows={status.lists.map((list) => ({ ...list, key: String(list.id), serverText: true }))}
      />

      <section aria-labelledby="doubles-title" data-testid="double-admissions">
        <h2 id="doubles-title" className="text-lg font-semibold">
          <Trans>Double admissions</Trans>
        </h2>
        {status.double_admissions.length === 0 ? (
          <p className="mt-2 text-slate-600">
            <Trans>No ticket was let in twice.</Trans>
          </p>
        ) : (
          <ul className="mt-3 space-y-3">
            {status.double_admissions.map((ticket) => (
              <li
                key={ticket.ticket_id}
                className="rounded-xl border border-amber-300 bg-amber-50 p-4"
              >
                <p className="font-semibold">
                  <span data-server-text>{ticket.attendee_name}</span> ·{" "}
                  <span data-server-text>{ticket.ticket_type}</span> ·{" "}
                  <span data-server-text>{ticket.order_code}</span>
                </p>
                <table className="mt-2 w-full text-left text-sm">
                  <thead>
                    <tr>
                      <th className="py-1">
                        <Trans>When (device's clock)</Trans>
                      </th>
                      <th className="py-1">
                        <Trans>Gate</Trans>
                      </th>
                      <th className="py-1">
                        <Trans>Device</Trans>
                      </th>
                      <th className="py-1">
                        <Trans>Entry</Trans>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {ticket.entries.map((entry) => (
                      <tr key={`${entry.scanned_at}-${entry.gate}-${entry.device}`}>
                        <td className="py-1">
                          {formatEventDate(entry.scanned_at, event.timezone)}
                        </td>
                        <td className="py-1" data-server-text>
                          {entry.gate || entry.list}
                        </td>
                        <td className="py-1" data-server-text>
                          {entry.device}
                        </td>
                        <td className="py-1">
                          {entry.flagged ? (
                            <Trans>Second entry (flagged)</Trans>
                          ) : (
                            <Trans>Admission</Trans>
                          )}
                          {entry.offline && (
                            <>
                              {" · "}
                              <Trans>offline</Trans>
                            </>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function CountsTable({
  title,
  testId,
  rows,
}: {
  title: string;
  testId: string;
  rows: {
    key: string;
    name: string;
    serverText: boolean;
    entries: number;
    exits: number;
    inside: number;
  }[];
}) {
  return (
    <section data-testid={testId}>
      <h2 className="text-lg font-semibold">{title}</h2>
      <table className="mt-2 w-full rounded-xl border border-slate-200 bg-white text-left text-sm">
        <thead>
          <tr className="border-b border-slate-200">
            <th className="p-2">{title}</th>
            <th className="p-2 text-right">
              <Trans>Entries</Trans>
            </th>
            <th className="p-2 text-right">
              <Trans>Exits</Trans>
            </th>
            <th className="p-2 text-right">
              <Trans>Inside</Trans>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} className="border-b border-slate-100" data-row={row.name}>
              <td className="p-2" data-server-text={row.serverText ? "" : undefined}>
                {row.name}
              </td>
              <td className="p-2 text-right">{row.entries}</td>
              <td className="p-2 text-right">{row.exits}</td>
              <td className="p-2 text-right">{row.inside}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

import { Head, Link, router } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { dateLabel } from "../../components/DateSelect";
import { DirectionChoice } from "../../components/DirectionChoice";
import { formatEventDate } from "../../lib/format";
import { getJson, postJson } from "../../lib/http";
import { useQrCamera } from "../../lib/qrCamera";
import { kindOfCode } from "../../lib/ticketCodes";
import type { CheckInCounts, PageProps, ScanResult, SearchResults, UndoResult } from "../../types";

type Props = PageProps<"Manage/Scanner">;
type SearchHit = SearchResults["results"][number];
type ScannerList = Props["list"];

// A list as the picker names it: its name and the date it admits, if one.
function listLabel(list: ScannerList, timeZone: string): string {
  return list.date_starts_at
    ? `${list.name} · ${formatEventDate(list.date_starts_at, timeZone)}`
    : list.name;
}

const PANEL: Record<ScanResult["outcome"], string> = {
  admitted: "bg-emerald-600 text-white",
  exited: "bg-sky-600 text-white",
  already_checked_in: "bg-amber-400 text-amber-950",
  refused: "bg-red-600 text-white",
};
const TITLE: Record<ScanResult["outcome"], MessageDescriptor> = {
  admitted: msg`Admitted`,
  exited: msg`Left: scan again to let back in`,
  already_checked_in: msg`Already checked in`,
  refused: msg`Refused`,
};

// The door scanner, phone-sized first: camera, manual entry and search, one big answer.
export default function Scanner({
  event,
  organizer,
  lists,
  list,
  dates_without_list,
  counts: initialCounts,
  endpoints,
  can_manage,
}: Props) {
  const { i18n, t } = useLingui();
  const [counts, setCounts] = useState(initialCounts);
  const [result, setResult] = useState<ScanResult | null>(null);
  // On a list with exits the scanner records entries or exits.
  const [kind, setKind] = useState<"entry" | "exit">("entry");
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [camera, setCamera] = useState(false);
  const video = useRef<HTMLVideoElement>(null);

  const submit = useCallback(
    async (body: { secret: string } | { ticket_id: number }) => {
      setBusy(true);
      setError("");
      try {
        const answer = await postJson<ScanResult>(endpoints.scan, { ...body, kind });
        setResult(answer);
        setCounts((current) => ({ ...current, checked_in: answer.counts.checked_in }));
      } catch (exc) {
        const reason = (exc as Error).message;
        setError(t`No answer from the server: ${reason} Try again.`);
      } finally {
        setBusy(false);
      }
    },
    [endpoints.scan, kind, t],
  );

  // Keep the counter live while other scanners admit people.
  useEffect(() => {
    const timer = window.setInterval(() => {
      getJson<CheckInCounts>(endpoints.stats).then(setCounts, () => undefined);
    }, 5000);
    return () => window.clearInterval(timer);
  }, [endpoints.stats]);

  // A code held in front of the camera is answered once, not again while it stays in view.
  const cameraFailed = useCallback(() => {
    setError(t`The camera could not be started. Allow camera access, or type the code.`);
    setCamera(false);
  }, [t]);
  useQrCamera(video, camera, (text) => void submit({ secret: text }), cameraFailed);

  function manual(e: FormEvent) {
    e.preventDefault();
    const typed = code.trim();
    if (!typed) {
      return;
    }
    setCode("");
    // The order code printed on a ticket finds the order's tickets, to let them in one by one.
    if (kindOfCode(typed) === "order") {
      setQuery(typed);
      void search(typed);
    } else {
      void submit({ secret: typed });
    }
  }

  async function search(text: string) {
    try {
      const answer = await getJson<SearchResults>(
        `${endpoints.search}?q=${encodeURIComponent(text)}`,
      );
      setHits(answer.results);
    } catch (exc) {
      setError((exc as Error).message);
    }
  }

  function find(e: FormEvent) {
    e.preventDefault();
    void search(query);
  }

  async function undo(ticketId: number) {
    const answer = await postJson<UndoResult>(
      `/manage/${organizer.slug}/events/${event.slug}/tickets/${ticketId}/undo-checkin/`,
      {},
    );
    setCounts(answer.counts);
    setResult(null);
  }

  const { confirm, dialog } = useConfirm();
  const title = event.title;
  const entrance = listLabel(list, event.timezone);

  return (
    <>
      <Head title={t`Check-in · ${title}`} />
      {dialog}
      <div className="mx-auto max-w-md space-y-4">
        <div className="flex items-center justify-between gap-2">
          <div className="min-w-0">
            <h1 className="truncate text-xl font-bold">{event.title}</h1>
            <p className="text-sm text-slate-600">
              <Trans>Check-in</Trans>
            </p>
          </div>
          <p
            className="shrink-0 rounded-lg bg-slate-900 px-3 py-2 text-center text-white"
            data-testid="counter"
          >
            <span className="block text-2xl font-bold tabular-nums">
              {counts.checked_in} / {counts.expected}
            </span>
            <span className="text-xs">
              <Trans>checked in</Trans>
            </span>
          </p>
        </div>

        {lists.length > 1 || dates_without_list.length > 0 ? (
          <label className="block text-sm">
            <Trans>Entrance</Trans>
            <select
              value={`list:${list.id}`}
              onChange={(e) => {
                // "list:<id>" opens a list; "date:<id>" makes the date's list and opens it.
                const [kind, id] = e.target.value.split(":");
                router.get(window.location.pathname, kind === "date" ? { date: id } : { list: id });
              }}
              className="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2"
              data-testid="list-picker"
            >
              {lists.map((l) => (
                <option key={l.id} value={`list:${l.id}`}>
                  {listLabel(l, event.timezone)}
                </option>
              ))}
              {dates_without_list.length > 0 ? (
                <optgroup label={t`Create a list for`}>
                  {dates_without_list.map((d) => (
                    <option key={d.id} value={`date:${d.id}`}>
                      {dateLabel(d, event.timezone)}
                    </option>
                  ))}
                </optgroup>
              ) : null}
            </select>
          </label>
        ) : (
          <p className="text-sm text-slate-600" data-testid="list-name">
            <Trans>Entrance: {entrance}</Trans>
          </p>
        )}

        {list.allow_exits ? <DirectionChoice value={kind} onChange={setKind} /> : null}

        <div aria-live="assertive" data-testid="scan-result">
          {result ? (
            <div
              className={`rounded-2xl p-6 text-center shadow ${PANEL[result.outcome]}`}
              data-outcome={result.outcome}
            >
              <p className="text-4xl font-extrabold uppercase tracking-wide">
                {i18n._(TITLE[result.outcome])}
              </p>
              {result.ticket ? (
                <p className="mt-3 text-xl font-semibold">
                  {result.ticket.attendee_name}
                  <span className="block text-base font-normal">
                    {result.ticket.ticket_type} · {result.ticket.order_code}
                  </span>
                </p>
              ) : null}
              {result.outcome === "already_checked_in" && result.first_check_in?.at ? (
                <p className="mt-2 text-lg" data-testid="first-check-in">
                  <FirstScan
                    at={formatEventDate(result.first_check_in.at, event.timezone)}
                    list={result.first_check_in.list}
                  />
                </p>
              ) : null}
              {result.outcome === "refused" ? (
                <p className="mt-2 text-lg" data-server-text>
                  {result.message}
                </p>
              ) : null}
              {can_manage && result.outcome !== "refused" && result.ticket ? (
                <button
                  type="button"
                  onClick={async () => {
                    const confirmed = await confirm({
                      title: t`Undo this check-in?`,
                      body: t`The ticket can be scanned in again.`,
                      confirmLabel: t`Undo check-in`,
                    });
                    if (confirmed) {
                      await undo(result.ticket?.id ?? 0);
                    }
                  }}
                  className="mt-4 rounded-lg bg-white/20 px-3 py-1 text-sm underline"
                >
                  <Trans>Undo this check-in</Trans>
                </button>
              ) : null}
            </div>
          ) : (
            <p className="rounded-2xl border-2 border-dashed border-slate-300 p-6 text-center text-slate-500">
              <Trans>Scan a ticket</Trans>
            </p>
          )}
        </div>
        {error ? (
          <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        ) : null}

        <div className="rounded-xl border border-slate-200 bg-white p-4">
          <button
            type="button"
            onClick={() => setCamera(!camera)}
            className="w-full rounded-lg bg-indigo-600 px-4 py-3 text-lg font-semibold text-white"
          >
            {camera ? t`Stop camera` : t`Scan with camera`}
          </button>
          <video
            ref={video}
            className={`mt-3 w-full rounded-lg ${camera ? "" : "hidden"}`}
            muted
            playsInline
          />
          <form onSubmit={manual} className="mt-3 flex gap-2">
            <label htmlFor="ticket-code" className="sr-only">
              <Trans>Ticket code</Trans>
            </label>
            <input
              id="ticket-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              placeholder={t`Type or paste the ticket code`}
              autoComplete="off"
              className="min-w-0 flex-1 rounded-lg border border-slate-300 px-3 py-2"
            />
            <button
              type="submit"
              disabled={busy}
              className="rounded-lg bg-slate-900 px-4 py-2 font-semibold text-white disabled:opacity-50"
            >
              <Trans>Check</Trans>
            </button>
          </form>
        </div>

        <div className="rounded-xl border border-slate-200 bg-white p-4">
          <form onSubmit={find} className="flex gap-2">
            <label htmlFor="ticket-search" className="sr-only">
              <Trans>Search by name or order code</Trans>
            </label>
            <input
              id="ticket-search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder={t`Name or order code`}
              className="min-w-0 flex-1 rounded-lg border border-slate-300 px-3 py-2"
            />
            <button type="submit" className="rounded-lg border border-slate-300 px-4 py-2">
              <Trans>Search</Trans>
            </button>
          </form>
          <ul className="mt-2 divide-y divide-slate-100">
            {hits.map((hit) => (
              <li
                key={hit.id}
                className="flex items-center justify-between gap-2 py-2 text-sm"
                data-testid="search-hit"
              >
                <span>
                  <span className="font-medium">{hit.attendee_name}</span> · {hit.ticket_type} ·{" "}
                  <span className="font-mono">{hit.order_code}</span>
                  {hit.checked_in ? (
                    <span className="ml-1 text-amber-700">
                      <Trans>(checked in)</Trans>
                    </span>
                  ) : null}
                  {!hit.valid ? (
                    <span className="ml-1 text-red-700">
                      <Trans>(not valid)</Trans>
                    </span>
                  ) : null}
                </span>
                <button
                  type="button"
                  onClick={() => submit({ ticket_id: hit.id })}
                  className="rounded-lg bg-slate-900 px-3 py-1 text-white"
                >
                  <Trans>Check in</Trans>
                </button>
              </li>
            ))}
          </ul>
        </div>
        <p className="text-center text-sm">
          <Link href="/manage/" className="text-slate-600 underline">
            <Trans>Back to my events</Trans>
          </Link>
        </p>
      </div>
    </>
  );
}

// Where and when an already admitted ticket was scanned first.
function FirstScan({ at, list }: { at: string; list: string }) {
  return (
    <Trans>
      First scanned {at} at {list}
    </Trans>
  );
}

import { Head, Link, router } from "@inertiajs/react";
import type { IScannerControls } from "@zxing/browser";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { dateLabel } from "../../components/DateSelect";
import { formatEventDate } from "../../lib/format";
import { getJson, postJson } from "../../lib/http";
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
  already_checked_in: "bg-amber-400 text-amber-950",
  refused: "bg-red-600 text-white",
};
const TITLE: Record<ScanResult["outcome"], string> = {
  admitted: "Admitted",
  already_checked_in: "Already checked in",
  refused: "Refused",
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
  const [counts, setCounts] = useState(initialCounts);
  const [result, setResult] = useState<ScanResult | null>(null);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [camera, setCamera] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const lastScan = useRef<{ text: string; at: number }>({ text: "", at: 0 });

  const submit = useCallback(
    async (body: { secret: string } | { ticket_id: number }) => {
      setBusy(true);
      setError("");
      try {
        const answer = await postJson<ScanResult>(endpoints.scan, body);
        setResult(answer);
        setCounts((current) => ({ ...current, checked_in: answer.counts.checked_in }));
      } catch (exc) {
        setError(`No answer from the server: ${(exc as Error).message} Try again.`);
      } finally {
        setBusy(false);
      }
    },
    [endpoints.scan],
  );

  // Keep the counter live while other scanners admit people.
  useEffect(() => {
    const timer = window.setInterval(() => {
      getJson<CheckInCounts>(endpoints.stats).then(setCounts, () => undefined);
    }, 5000);
    return () => window.clearInterval(timer);
  }, [endpoints.stats]);

  useEffect(() => {
    if (!camera || !video.current) {
      return;
    }
    let controls: IScannerControls | undefined;
    let cancelled = false;
    import("@zxing/browser").then(async ({ BrowserQRCodeReader }) => {
      const reader = new BrowserQRCodeReader();
      try {
        controls = await reader.decodeFromVideoDevice(
          undefined,
          video.current ?? undefined,
          (scanned) => {
            if (!scanned) {
              return;
            }
            const text = scanned.getText();
            const now = Date.now();
            // The camera sees the same code many times a second; scan it once per 3 s.
            if (text === lastScan.current.text && now - lastScan.current.at < 3000) {
              return;
            }
            lastScan.current = { text, at: now };
            void submit({ secret: text });
          },
        );
        if (cancelled) {
          controls.stop();
        }
      } catch {
        setError("The camera could not be started. Allow camera access, or type the code.");
        setCamera(false);
      }
    });
    return () => {
      cancelled = true;
      controls?.stop();
    };
  }, [camera, submit]);

  function manual(e: FormEvent) {
    e.preventDefault();
    if (code.trim()) {
      void submit({ secret: code.trim() });
      setCode("");
    }
  }

  async function find(e: FormEvent) {
    e.preventDefault();
    try {
      const answer = await getJson<SearchResults>(
        `${endpoints.search}?q=${encodeURIComponent(query)}`,
      );
      setHits(answer.results);
    } catch (exc) {
      setError((exc as Error).message);
    }
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

  return (
    <>
      <Head title={`Check-in · ${event.title}`} />
      {dialog}
      <div className="mx-auto max-w-md space-y-4">
        <div className="flex items-center justify-between gap-2">
          <div className="min-w-0">
            <h1 className="truncate text-xl font-bold">{event.title}</h1>
            <p className="text-sm text-slate-600">Check-in</p>
          </div>
          <p
            className="shrink-0 rounded-lg bg-slate-900 px-3 py-2 text-center text-white"
            data-testid="counter"
          >
            <span className="block text-2xl font-bold tabular-nums">
              {counts.checked_in} / {counts.expected}
            </span>
            <span className="text-xs">checked in</span>
          </p>
        </div>

        {lists.length > 1 || dates_without_list.length > 0 ? (
          <label className="block text-sm">
            Entrance
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
                <optgroup label="Create a list for">
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
            Entrance: {listLabel(list, event.timezone)}
          </p>
        )}

        <div aria-live="assertive" data-testid="scan-result">
          {result ? (
            <div
              className={`rounded-2xl p-6 text-center shadow ${PANEL[result.outcome]}`}
              data-outcome={result.outcome}
            >
              <p className="text-4xl font-extrabold uppercase tracking-wide">
                {TITLE[result.outcome]}
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
                  First scanned {formatEventDate(result.first_check_in.at, event.timezone)} at{" "}
                  {result.first_check_in.list}
                </p>
              ) : null}
              {result.outcome === "refused" ? (
                <p className="mt-2 text-lg">{result.message}</p>
              ) : null}
              {can_manage && result.outcome !== "refused" && result.ticket ? (
                <button
                  type="button"
                  onClick={async () => {
                    const confirmed = await confirm({
                      title: "Undo this check-in?",
                      body: "The ticket can be scanned in again.",
                      confirmLabel: "Undo check-in",
                    });
                    if (confirmed) {
                      await undo(result.ticket?.id ?? 0);
                    }
                  }}
                  className="mt-4 rounded-lg bg-white/20 px-3 py-1 text-sm underline"
                >
                  Undo this check-in
                </button>
              ) : null}
            </div>
          ) : (
            <p className="rounded-2xl border-2 border-dashed border-slate-300 p-6 text-center text-slate-500">
              Scan a ticket
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
            {camera ? "Stop camera" : "Scan with camera"}
          </button>
          <video
            ref={video}
            className={`mt-3 w-full rounded-lg ${camera ? "" : "hidden"}`}
            muted
            playsInline
          />
          <form onSubmit={manual} className="mt-3 flex gap-2">
            <label htmlFor="ticket-code" className="sr-only">
              Ticket code
            </label>
            <input
              id="ticket-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              placeholder="Type or paste the ticket code"
              autoComplete="off"
              className="min-w-0 flex-1 rounded-lg border border-slate-300 px-3 py-2"
            />
            <button
              type="submit"
              disabled={busy}
              className="rounded-lg bg-slate-900 px-4 py-2 font-semibold text-white disabled:opacity-50"
            >
              Check
            </button>
          </form>
        </div>

        <div className="rounded-xl border border-slate-200 bg-white p-4">
          <form onSubmit={find} className="flex gap-2">
            <label htmlFor="ticket-search" className="sr-only">
              Search by name or order code
            </label>
            <input
              id="ticket-search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="Name or order code"
              className="min-w-0 flex-1 rounded-lg border border-slate-300 px-3 py-2"
            />
            <button type="submit" className="rounded-lg border border-slate-300 px-4 py-2">
              Search
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
                    <span className="ml-1 text-amber-700">(checked in)</span>
                  ) : null}
                  {!hit.valid ? <span className="ml-1 text-red-700">(not valid)</span> : null}
                </span>
                <button
                  type="button"
                  onClick={() => submit({ ticket_id: hit.id })}
                  className="rounded-lg bg-slate-900 px-3 py-1 text-white"
                >
                  Check in
                </button>
              </li>
            ))}
          </ul>
        </div>
        <p className="text-center text-sm">
          <Link href="/manage/" className="text-slate-600 underline">
            Back to my events
          </Link>
        </p>
      </div>
    </>
  );
}

// The door scanner for paired devices (/door/): pairing, the list and the scanning screen.
// It works without a network once its lists are stored (sync.ts); a banner says how it is.

import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Plural, Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { DirectionChoice } from "../components/DirectionChoice";
import { formatEventDate, formatTime } from "../lib/format";
import { useQrCamera } from "../lib/qrCamera";
import { kindOfCode } from "../lib/ticketCodes";
import type { DoorList } from "../types";
import * as store from "./store";
import {
  DoorSync,
  type OrderTicket,
  pair,
  Refused,
  Revoked,
  type ScanView,
  type SyncState,
} from "./sync";

const LIST_CHOICE = "maticko-door-list";
// The pairing code's shape (three groups of four characters): no words, the same in every language.
const PAIRING_CODE_SHAPE = "XXXX-XXXX-XXXX";

const REASONS: Record<string, MessageDescriptor> = {
  not_a_code: msg`This is not a Maticko ticket code.`,
  unknown: msg`Unknown ticket: no ticket of this entrance has this code.`,
  wrong_event: msg`Wrong event: this ticket is for another event.`,
  wrong_date: msg`Wrong date: this ticket is for another date.`,
  wrong_entrance: msg`Wrong entrance: this ticket is not admitted here.`,
  no_exits: msg`This entrance does not record exits.`,
  not_inside: msg`Not inside: this ticket has not come in.`,
  unpaid: msg`Not paid yet.`,
  ticket_refunded: msg`Void: this ticket was refunded.`,
  order_cancelled: msg`Void: the order was cancelled.`,
  order_expired: msg`Void: the order expired unpaid.`,
  order_refunded: msg`Void: the order was refunded.`,
  event_cancelled: msg`Void: the event was cancelled.`,
  date_cancelled: msg`Void: this date was cancelled.`,
};

function pairingCodeInAddress(): string {
  const match = window.location.hash.match(/pair=([A-Za-z0-9-]+)/);
  return match ? match[1] : "";
}

export function DoorApp() {
  const [pairing, setPairing] = useState<store.Pairing | null | undefined>(undefined);
  // Stable, so the scanner's sync engine is not started again on every render.
  const unpaired = useCallback(() => setPairing(null), []);
  useEffect(() => {
    store.pairing().then((saved) => setPairing(saved ?? null));
  }, []);
  if (pairing === undefined) {
    return null;
  }
  if (pairing === null || pairingCodeInAddress()) {
    return <PairScreen onPaired={setPairing} />;
  }
  return <ListChooser pairing={pairing} onUnpaired={unpaired} />;
}

function PairScreen({ onPaired }: { onPaired: (pairing: store.Pairing) => void }) {
  const { t } = useLingui();
  const [code, setCode] = useState(pairingCodeInAddress);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = useCallback(
    async (value: string) => {
      setBusy(true);
      setError("");
      try {
        const paired = await pair(value);
        window.history.replaceState(null, "", window.location.pathname);
        onPaired(paired);
      } catch (exc) {
        setError(
          exc instanceof Refused && exc.status === 404
            ? t`This pairing code is unknown, used or expired. Ask for a new one.`
            : exc instanceof Refused && exc.status === 429
              ? t`Too many attempts. Wait a minute and try again.`
              : t`The server could not be reached. Pairing needs a network.`,
        );
      } finally {
        setBusy(false);
      }
    },
    [onPaired, t],
  );

  // A code in the address (the back office's QR code opens /door/#pair=...) pairs at once.
  const fromAddress = useRef(pairingCodeInAddress());
  useEffect(() => {
    if (fromAddress.current) {
      void submit(fromAddress.current);
      fromAddress.current = "";
    }
  }, [submit]);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    void submit(code);
  }

  return (
    <main className="mx-auto max-w-md p-6">
      <h1 className="text-2xl font-bold">
        <Trans>Pair this device</Trans>
      </h1>
      <p className="mt-2 text-slate-600">
        <Trans>
          Scan the pairing QR code shown in the back office (Scanner devices) with this device's
          camera, or type its code here.
        </Trans>
      </p>
      <form onSubmit={onSubmit} className="mt-6 space-y-3">
        <label className="block text-sm font-medium" htmlFor="pairing-code">
          <Trans>Pairing code</Trans>
        </label>
        <input
          id="pairing-code"
          name="code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          autoComplete="off"
          autoCapitalize="characters"
          className="w-full rounded border border-slate-300 px-3 py-2 font-mono text-lg tracking-widest"
          placeholder={PAIRING_CODE_SHAPE}
        />
        {error && (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        )}
        <button
          type="submit"
          disabled={busy || !code.trim()}
          className="w-full rounded bg-indigo-600 px-4 py-2 font-semibold text-white disabled:opacity-50"
        >
          {busy ? <Trans>Pairing…</Trans> : <Trans>Pair</Trans>}
        </button>
      </form>
    </main>
  );
}

function ListChooser({ pairing, onUnpaired }: { pairing: store.Pairing; onUnpaired: () => void }) {
  const lists = pairing.device.lists;
  const remembered = Number(window.localStorage.getItem(LIST_CHOICE));
  const [chosen, setChosen] = useState<DoorList | null>(
    lists.find((l) => l.id === remembered) ?? (lists.length === 1 ? lists[0] : null),
  );
  if (chosen) {
    return (
      <Scanner
        key={chosen.id}
        pairing={pairing}
        list={chosen}
        onChangeList={lists.length > 1 ? () => setChosen(null) : null}
        onUnpaired={onUnpaired}
      />
    );
  }
  return (
    <main className="mx-auto max-w-md p-6">
      <h1 className="text-2xl font-bold">
        <Trans>Choose the check-in list</Trans>
      </h1>
      <p className="mt-1 text-slate-600" data-server-text>
        {pairing.device.event.title} · {pairing.device.gate}
      </p>
      <ul className="mt-4 space-y-2">
        {lists.map((list) => (
          <li key={list.id}>
            <button
              type="button"
              className="w-full rounded border border-slate-300 px-4 py-3 text-left font-medium hover:bg-slate-50"
              onClick={() => {
                window.localStorage.setItem(LIST_CHOICE, String(list.id));
                setChosen(list);
              }}
            >
              <span data-server-text>{list.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}

const TONES: Record<ScanView["outcome"], string> = {
  admitted: "bg-green-600 text-white",
  exited: "bg-sky-600 text-white",
  already_checked_in: "bg-amber-400 text-slate-900",
  refused: "bg-red-600 text-white",
};

function Scanner({
  pairing,
  list: initialList,
  onChangeList,
  onUnpaired,
}: {
  pairing: store.Pairing;
  list: DoorList;
  onChangeList: (() => void) | null;
  onUnpaired: () => void;
}) {
  const { t, i18n } = useLingui();
  const timezone = pairing.device.event.timezone;
  const sync = useRef<DoorSync | null>(null);
  const [state, setState] = useState<SyncState | null>(null);
  const [kind, setKind] = useState<"entry" | "exit">("entry");
  const [code, setCode] = useState("");
  const [result, setResult] = useState<ScanView | null>(null);
  const [orderTickets, setOrderTickets] = useState<OrderTicket[] | null>(null);
  const [camera, setCamera] = useState(false);
  const [cameraError, setCameraError] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const engine = new DoorSync(pairing, initialList, onUnpaired);
    sync.current = engine;
    const unsubscribe = engine.subscribe(setState);
    void engine.start();
    return () => {
      unsubscribe();
      engine.stop();
    };
  }, [pairing, initialList, onUnpaired]);

  const list = state?.list ?? initialList;

  const handle = useCallback(
    async (text: string) => {
      const engine = sync.current;
      if (!engine || !text.trim()) {
        return;
      }
      setOrderTickets(null);
      try {
        const what = kindOfCode(text);
        if (what === "order") {
          setResult(null);
          setOrderTickets(await engine.findOrder(text.trim()));
        } else if (what === "secret") {
          setResult(await engine.scanSecret(text.trim(), kind));
        } else {
          setResult({
            outcome: "refused",
            reason: "not_a_code",
            offline: false,
            name: null,
            ticketType: null,
            orderCode: null,
            firstAt: null,
            firstGate: null,
          });
        }
      } catch (exc) {
        if (exc instanceof Revoked) {
          await store.forget();
          onUnpaired();
        }
      }
      input.current?.focus();
    },
    [kind, onUnpaired],
  );

  const cameraFailed = useCallback(() => {
    setCameraError(t`The camera could not be started. Allow camera access, or type the code.`);
    setCamera(false);
  }, [t]);
  useQrCamera(video, camera, (text) => void handle(text), cameraFailed);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const text = code;
    setCode("");
    void handle(text);
  }

  async function admitFromOrder(ticket: OrderTicket) {
    const engine = sync.current;
    if (!engine) {
      return;
    }
    try {
      setResult(await engine.scanOrderTicket(ticket, kind));
      setOrderTickets(null);
    } catch {
      setResult(null);
    }
    input.current?.focus();
  }

  const reason = result?.reason ? REASONS[result.reason] : undefined;
  const counts = state?.counts;

  return (
    <main className="mx-auto max-w-xl p-4">
      <header className="flex items-start justify-between gap-3">
        <div>
          <h1 className="text-xl font-bold" data-server-text>
            {pairing.device.event.title}
          </h1>
          <p className="text-sm text-slate-600">
            <Trans>
              Gate <span data-server-text>{pairing.device.gate}</span> · list{" "}
              <span data-server-text>{list.name}</span>
            </Trans>
          </p>
        </div>
        {onChangeList && (
          <button
            type="button"
            onClick={onChangeList}
            className="text-sm text-indigo-700 underline"
          >
            <Trans>Change list</Trans>
          </button>
        )}
      </header>

      {state && (
        <section
          aria-live="polite"
          data-testid="sync-banner"
          className={`mt-3 rounded px-3 py-2 text-sm ${state.online ? "bg-slate-100 text-slate-700" : "bg-amber-100 text-amber-900"}`}
        >
          {state.online ? (
            <Trans>Online</Trans>
          ) : (
            <Trans>
              Offline since {state.offlineSince ? formatTime(state.offlineSince, timezone) : "—"}
            </Trans>
          )}
          {" · "}
          <Plural
            value={state.waiting}
            _0="no scans waiting"
            one="# scan waiting"
            other="# scans waiting"
          />
          {" · "}
          {state.lastSync ? (
            <Trans>last sync {formatTime(state.lastSync, timezone)}</Trans>
          ) : (
            <Trans>never synced</Trans>
          )}
          {state.loading && (
            <span className="block">
              <Plural
                value={state.tickets}
                one="Loading tickets: # stored"
                other="Loading tickets: # stored"
              />
            </span>
          )}
        </section>
      )}

      {list.allow_exits && (
        <div className="mt-4">
          <DirectionChoice value={kind} onChange={setKind} />
        </div>
      )}

      <form onSubmit={onSubmit} className="mt-4 flex gap-2">
        <label htmlFor="door-code" className="sr-only">
          <Trans>Ticket code or order code</Trans>
        </label>
        <input
          id="door-code"
          ref={input}
          // biome-ignore lint/a11y/noAutofocus: a keyboard-wedge scanner types into the focused field
          autoFocus
          value={code}
          onChange={(e) => setCode(e.target.value)}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          placeholder={t`Scan or type a ticket or order code`}
          className="min-w-0 flex-1 rounded border border-slate-300 px-3 py-2 font-mono"
        />
        <button type="submit" className="rounded bg-indigo-600 px-4 py-2 font-semibold text-white">
          <Trans>Check</Trans>
        </button>
      </form>

      <div className="mt-3">
        <button
          type="button"
          onClick={() => {
            setCameraError("");
            setCamera(!camera);
          }}
          className="text-sm text-indigo-700 underline"
        >
          {camera ? <Trans>Stop the camera</Trans> : <Trans>Scan with the camera</Trans>}
        </button>
        {cameraError && <p className="text-sm text-red-700">{cameraError}</p>}
        {camera && <video ref={video} className="mt-2 w-full rounded bg-black" muted playsInline />}
      </div>

      {result && (
        <section
          data-testid="scan-result"
          data-outcome={result.outcome}
          className={`mt-4 rounded p-4 ${TONES[result.outcome]}`}
        >
          <p className="text-2xl font-bold">
            {result.outcome === "admitted" && <Trans>Admitted</Trans>}
            {result.outcome === "exited" && <Trans>Left: scan again to let back in</Trans>}
            {result.outcome === "already_checked_in" && <Trans>Already checked in</Trans>}
            {result.outcome === "refused" && <Trans>Refused</Trans>}
          </p>
          {reason && <p className="mt-1">{i18n._(reason)}</p>}
          {result.name && (
            <p className="mt-2 text-lg" data-server-text>
              {result.name}
            </p>
          )}
          {result.ticketType && (
            <p data-server-text>
              {result.ticketType}
              {result.orderCode ? ` · ${result.orderCode}` : ""}
            </p>
          )}
          {result.outcome === "already_checked_in" && result.firstAt && (
            <p className="mt-1">
              <Trans>
                First in at {formatEventDate(result.firstAt, timezone)},{" "}
                <span data-server-text>{result.firstGate}</span>
              </Trans>
            </p>
          )}
          {result.offline && (
            <p className="mt-2 text-sm opacity-90">
              <Trans>Decided on this device: the server was not reachable.</Trans>
            </p>
          )}
        </section>
      )}

      {orderTickets && (
        <section className="mt-4" data-testid="order-tickets">
          <h2 className="font-semibold">
            <Plural
              value={orderTickets.length}
              _0="No ticket of this order for this list."
              one="# ticket"
              other="# tickets"
            />
          </h2>
          <ul className="mt-2 divide-y divide-slate-200 rounded border border-slate-200">
            {orderTickets.map((ticket) => (
              <li
                key={ticket.id ?? ticket.key}
                className="flex items-center justify-between gap-2 p-3"
              >
                <span>
                  {ticket.name && (
                    <span className="block font-medium" data-server-text>
                      {ticket.name}
                    </span>
                  )}
                  <span className="block text-sm" data-server-text>
                    {ticket.ticketType}
                  </span>
                  <span className="block text-sm text-slate-600">
                    {!ticket.valid ? (
                      <Trans>Not valid</Trans>
                    ) : ticket.checkedIn ? (
                      <Trans>Checked in</Trans>
                    ) : (
                      <Trans>Not checked in yet</Trans>
                    )}
                  </span>
                </span>
                <button
                  type="button"
                  onClick={() => void admitFromOrder(ticket)}
                  className="rounded bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white"
                >
                  {kind === "entry" ? <Trans>Let in</Trans> : <Trans>Let out</Trans>}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}

      {state && (
        <section className="mt-6 grid grid-cols-2 gap-3 text-sm" data-testid="door-counts">
          <div className="rounded border border-slate-200 p-3">
            <h2 className="font-semibold">
              <Trans>This device</Trans>
            </h2>
            <p>
              <Trans>
                {state.local.entries} in · {state.local.exits} out
              </Trans>
            </p>
          </div>
          <div className="rounded border border-slate-200 p-3">
            <h2 className="font-semibold">
              <Trans>All gates (last sync)</Trans>
            </h2>
            {counts ? (
              <p>
                <Trans>
                  {counts.total.entries} in · {counts.total.exits} out · {counts.total.inside}{" "}
                  inside
                </Trans>
              </p>
            ) : (
              <p>—</p>
            )}
          </div>
        </section>
      )}
      <p className="mt-6 text-xs text-slate-500">
        <Plural
          value={state?.tickets ?? 0}
          one="# ticket stored on this device"
          other="# tickets stored on this device"
        />
      </p>
    </main>
  );
}

// The scanner's link to the server (api/door.py): online first, offline when it must.
//
// A scan goes to the server with a short timeout; when that fails (no network, a slow or
// failing server) the device decides with the same rules (decide.ts) on what it holds, and
// queues the scan with the nonce it already sent, so a scan that did reach the server is
// applied once. Every few seconds, while the server answers, the queue goes up and the
// list's changes come down (other gates' scans, cancelled and reissued tickets).

import type {
  DoorChanges,
  DoorCounts,
  DoorDevice,
  DoorList,
  DoorPairing,
  DoorSnapshot,
  DoorUpload,
  ScanResult,
  SearchResults,
} from "../types";
import { type Decision, decide } from "./decide";
import { doorKey, orderKey, unseal } from "./keys";
import * as store from "./store";

export const SCAN_TIMEOUT_MS = 2500;
export const POLL_MS = 3000;
const UPLOAD_BATCH = 200;

export class Revoked extends Error {}

export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

async function request<T>(
  path: string,
  options: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<T> {
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), options.timeoutMs ?? 15000);
  try {
    const response = await fetch(path, {
      method: options.body === undefined ? "GET" : "POST",
      credentials: "omit",
      cache: "no-store",
      signal: controller.signal,
      headers: {
        Accept: "application/json",
        ...(options.body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (response.status === 401 && options.token) {
      throw new Revoked();
    }
    if (response.status >= 400 && response.status < 500) {
      const problem = (await response.json().catch(() => ({}))) as { detail?: string };
      throw new Refused(response.status, problem.detail ?? "");
    }
    if (!response.ok) {
      throw new Error(`The server answered ${response.status}.`);
    }
    return (await response.json()) as T;
  } finally {
    window.clearTimeout(timer);
  }
}

export async function pair(code: string): Promise<store.Pairing> {
  const answer = await request<DoorPairing>("/api/v1/door/pair", { body: { code } });
  const pairing: store.Pairing = { id: "device", token: answer.token, device: answer.device };
  await store.forget();
  await store.savePairing(pairing);
  return pairing;
}

export type SyncState = {
  online: boolean;
  offlineSince: string | null;
  lastSync: string | null;
  waiting: number;
  tickets: number;
  // True until the list's whole snapshot is stored.
  loading: boolean;
  counts: DoorCounts | null;
  local: { entries: number; exits: number };
  list: DoorList;
};

// What the scanner shows for one scan.
export type ScanView = {
  outcome: Decision["outcome"];
  reason: string | null;
  offline: boolean;
  name: string | null;
  ticketType: string | null;
  orderCode: string | null;
  firstAt: string | null;
  firstGate: string | null;
};

// The server's answer to a scan, as the scanner shows it.
function fromServer(answer: ScanResult): ScanView {
  return {
    outcome: answer.outcome,
    reason: answer.reason ?? null,
    offline: false,
    name: answer.ticket?.attendee_name ?? null,
    ticketType: answer.ticket?.ticket_type ?? null,
    orderCode: answer.ticket?.order_code ?? null,
    firstAt: answer.first_check_in?.at ?? null,
    firstGate: answer.first_check_in?.list ?? null,
  };
}

export type OrderTicket = {
  // Online: the ticket's id; offline: its door key.
  id: number | null;
  key: string | null;
  name: string | null;
  ticketType: string;
  valid: boolean;
  checkedIn: boolean;
};

type Listener = (state: SyncState) => void;

export class DoorSync {
  private state: SyncState;
  private listeners = new Set<Listener>();
  private timer: number | undefined;
  private running = false;

  constructor(
    readonly pairing: store.Pairing,
    list: DoorList,
    private onRevoked: () => void,
  ) {
    this.state = {
      online: navigator.onLine,
      offlineSince: navigator.onLine ? null : new Date().toISOString(),
      lastSync: null,
      waiting: 0,
      tickets: 0,
      loading: true,
      counts: null,
      local: { entries: 0, exits: 0 },
      list,
    };
  }

  get device(): DoorDevice {
    return this.pairing.device;
  }

  get list(): DoorList {
    return this.state.list;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<SyncState>) {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) {
      listener(this.state);
    }
  }

  private markOnline() {
    if (!this.state.online) {
      this.set({ online: true, offlineSince: null });
    }
  }

  private markOffline() {
    if (this.state.online) {
      this.set({ online: false, offlineSince: new Date().toISOString() });
    }
  }

  private get token(): string {
    return this.pairing.token;
  }

  async start(): Promise<void> {
    const saved = await store.listSync(this.list.id);
    this.set({
      lastSync: saved?.synced_at ?? null,
      counts: saved?.counts ?? null,
      local: saved?.local ?? { entries: 0, exits: 0 },
      loading: !saved?.cursor,
      tickets: await store.ticketCount(this.list.id),
      waiting: (await store.queued()).length,
      list: saved?.list ?? this.list,
    });
    const wake = () => void this.tick();
    window.addEventListener("online", wake);
    window.addEventListener("offline", () => this.markOffline());
    this.timer = window.setInterval(wake, POLL_MS);
    await this.tick();
  }

  stop() {
    window.clearInterval(this.timer);
  }

  // One round: the waiting scans up, the list's snapshot or changes down.
  async tick(): Promise<void> {
    if (this.running) {
      return;
    }
    this.running = true;
    try {
      await this.upload();
      await this.pull();
      this.markOnline();
    } catch (error) {
      if (error instanceof Revoked) {
        this.stop();
        await store.forget();
        this.onRevoked();
        return;
      }
      this.markOffline();
    } finally {
      this.running = false;
    }
  }

  private async saved(): Promise<store.ListSync> {
    return (
      (await store.listSync(this.list.id)) ?? {
        id: this.list.id,
        list: this.list,
        cursor: null,
        snapshot_after: 0,
        synced_at: null,
        counts: null,
        local: { entries: 0, exits: 0 },
      }
    );
  }

  private async pull(): Promise<void> {
    const listId = this.list.id;
    let sync = await this.saved();
    // The snapshot, page by page (a page stored is not asked for again).
    while (sync.cursor === null || sync.snapshot_after !== null) {
      const after = sync.snapshot_after ?? 0;
      const page = await request<DoorSnapshot>(
        `/api/v1/door/lists/${listId}/snapshot?after=${after}&limit=1000`,
        { token: this.token },
      );
      await store.putTickets(listId, page.tickets);
      sync = {
        ...sync,
        list: page.list,
        cursor: sync.cursor ?? page.cursor,
        snapshot_after: page.next_after,
      };
      await store.saveListSync(sync);
      this.set({ tickets: await store.ticketCount(listId), list: page.list });
    }
    // Then the changes since, until the server has no more right now.
    for (;;) {
      const changes = await request<DoorChanges>(
        `/api/v1/door/lists/${listId}/changes?cursor=${encodeURIComponent(sync.cursor ?? "")}`,
        { token: this.token },
      );
      await store.putTickets(listId, changes.tickets, changes.revoked);
      sync = {
        ...(await this.saved()),
        list: changes.list,
        cursor: changes.cursor,
        snapshot_after: null,
        synced_at: new Date().toISOString(),
        counts: changes.status,
      };
      await store.saveListSync(sync);
      if (!changes.more) {
        break;
      }
    }
    this.set({
      loading: false,
      list: sync.list,
      lastSync: sync.synced_at,
      counts: sync.counts,
      tickets: await store.ticketCount(listId),
    });
  }

  private async upload(): Promise<void> {
    let waiting = await store.queued();
    while (waiting.length) {
      const batch = waiting.slice(0, UPLOAD_BATCH);
      const answer = await request<DoorUpload>("/api/v1/door/scans", {
        token: this.token,
        body: { scans: batch },
      });
      // Every scan the server answered (accepted, duplicate or conflict) is its now.
      await store.dequeue(answer.results.map((result) => result.nonce));
      waiting = await store.queued();
      this.set({ waiting: waiting.length });
    }
    this.set({ waiting: 0 });
  }

  private async countLocally(outcome: Decision["outcome"]) {
    if (outcome !== "admitted" && outcome !== "exited") {
      return;
    }
    const sync = await this.saved();
    const local = {
      entries: sync.local.entries + (outcome === "admitted" ? 1 : 0),
      exits: sync.local.exits + (outcome === "exited" ? 1 : 0),
    };
    await store.saveListSync({ ...sync, local });
    this.set({ local });
  }

  // A ticket's QR code (or a code typed in): online first, else decided here.
  async scanSecret(secret: string, kind: "entry" | "exit"): Promise<ScanView> {
    const nonce = crypto.randomUUID();
    const key = await doorKey(secret);
    const record = await store.ticket(this.list.id, key);
    const scannedAt = new Date();
    if (navigator.onLine) {
      try {
        const answer = await request<ScanResult>(`/api/v1/door/lists/${this.list.id}/scan`, {
          token: this.token,
          body: { secret, kind, nonce },
          timeoutMs: SCAN_TIMEOUT_MS,
        });
        this.markOnline();
        if (record && (answer.outcome === "admitted" || answer.outcome === "exited")) {
          await store.putTickets(this.list.id, [
            {
              ...record,
              admitted: record.admitted ?? { at: scannedAt.toISOString(), gate: this.device.gate },
              inside: answer.outcome === "admitted",
            },
          ]);
        }
        await this.countLocally(answer.outcome);
        return fromServer(answer);
      } catch (error) {
        if (error instanceof Revoked) {
          throw error;
        }
        this.markOffline();
      }
    }
    return this.decideHere(record, key, kind, nonce, scannedAt, secret);
  }

  private async decideHere(
    record: store.StoredTicket | undefined,
    key: string,
    kind: "entry" | "exit",
    nonce: string,
    scannedAt: Date,
    secret: string | null,
  ): Promise<ScanView> {
    const others = this.device.lists.map((l) => l.id).filter((id) => id !== this.list.id);
    const inAnotherList = !record && (await store.listsWith(key, others)).length > 0;
    const decision = decide(this.list, record, kind, {
      inAnotherList,
      gate: this.device.gate,
      now: scannedAt,
    });
    if (decision.after) {
      await store.putTickets(this.list.id, [decision.after]);
      await store.queue({
        nonce,
        key,
        list_id: this.list.id,
        kind,
        scanned_at: scannedAt.toISOString(),
      });
      this.set({ waiting: (await store.queued()).length });
    }
    await this.countLocally(decision.outcome);
    const data = record && secret ? await unseal(secret, record.sealed) : null;
    return {
      outcome: decision.outcome,
      reason: decision.reason,
      offline: true,
      name: data?.name ?? null,
      ticketType: record?.ticket_type ?? null,
      orderCode: data?.order_code ?? null,
      firstAt: record?.admitted?.at ?? null,
      firstGate: record?.admitted?.gate ?? null,
    };
  }

  // The tickets of the order with this code.
  async findOrder(code: string): Promise<OrderTicket[]> {
    if (navigator.onLine) {
      try {
        const answer = await request<SearchResults>(`/api/v1/door/lists/${this.list.id}/orders`, {
          token: this.token,
          body: { code },
          timeoutMs: SCAN_TIMEOUT_MS,
        });
        this.markOnline();
        return answer.results.map((hit) => ({
          id: hit.id,
          key: null,
          name: hit.attendee_name,
          ticketType: hit.ticket_type,
          valid: hit.valid,
          checkedIn: hit.checked_in,
        }));
      } catch (error) {
        if (error instanceof Revoked) {
          throw error;
        }
        this.markOffline();
      }
    }
    const records = await store.orderTickets(this.list.id, await orderKey(code));
    return records.map((record) => ({
      id: null,
      key: record.key,
      name: null,
      ticketType: record.ticket_type,
      valid: record.refusal === null,
      checkedIn: record.admitted !== null,
    }));
  }

  // Let in (or out) one ticket of an order found by its code.
  async scanOrderTicket(ticket: OrderTicket, kind: "entry" | "exit"): Promise<ScanView> {
    const nonce = crypto.randomUUID();
    if (ticket.id !== null) {
      const answer = await request<ScanResult>(`/api/v1/door/lists/${this.list.id}/scan`, {
        token: this.token,
        body: { ticket_id: ticket.id, kind, nonce },
        timeoutMs: SCAN_TIMEOUT_MS,
      });
      await this.countLocally(answer.outcome);
      return fromServer(answer);
    }
    const key = ticket.key ?? "";
    const record = await store.ticket(this.list.id, key);
    return this.decideHere(record, key, kind, nonce, new Date(), null);
  }
}

// What the scanner keeps on the device, in IndexedDB (through idb): its pairing, each list's
// tickets by door key (no name or email: those stay sealed, see keys.ts), each list's sync
// state and counts, and the scans waiting to go up.

import { type DBSchema, type IDBPDatabase, openDB } from "idb";
import type { DoorCounts, DoorDevice, DoorList, DoorTicket } from "../types";

export type StoredTicket = DoorTicket & { list_id: number };

export type QueuedScan = {
  nonce: string;
  key: string;
  list_id: number;
  kind: "entry" | "exit";
  scanned_at: string;
};

export type ListSync = {
  id: number;
  list: DoorList;
  // Where the change feed goes on from; null until the whole snapshot is stored.
  cursor: string | null;
  // The snapshot page to ask for next while it is being stored.
  snapshot_after: number | null;
  synced_at: string | null;
  // The last synced counts of every gate, and this device's own passages.
  counts: DoorCounts | null;
  local: { entries: number; exits: number };
};

export type Pairing = { id: "device"; token: string; device: DoorDevice };

interface DoorDB extends DBSchema {
  pairing: { key: string; value: Pairing };
  tickets: {
    key: [number, string];
    value: StoredTicket;
    indexes: { by_order: [number, string] };
  };
  lists: { key: number; value: ListSync };
  scans: { key: string; value: QueuedScan };
}

export const DB_NAME = "maticko-door";
let database: Promise<IDBPDatabase<DoorDB>> | undefined;

export function db(): Promise<IDBPDatabase<DoorDB>> {
  database ??= openDB<DoorDB>(DB_NAME, 1, {
    upgrade(upgrading) {
      upgrading.createObjectStore("pairing", { keyPath: "id" });
      const tickets = upgrading.createObjectStore("tickets", { keyPath: ["list_id", "key"] });
      tickets.createIndex("by_order", ["list_id", "order_key"]);
      upgrading.createObjectStore("lists", { keyPath: "id" });
      upgrading.createObjectStore("scans", { keyPath: "nonce" });
    },
  });
  return database;
}

export async function pairing(): Promise<Pairing | undefined> {
  return (await db()).get("pairing", "device");
}

export async function savePairing(value: Pairing): Promise<void> {
  await (await db()).put("pairing", value);
}

// Unpairing (or a revoked device) leaves nothing behind.
export async function forget(): Promise<void> {
  const store = await db();
  const tx = store.transaction(["pairing", "tickets", "lists", "scans"], "readwrite");
  await Promise.all([
    tx.objectStore("pairing").clear(),
    tx.objectStore("tickets").clear(),
    tx.objectStore("lists").clear(),
    tx.objectStore("scans").clear(),
    tx.done,
  ]);
}

export async function putTickets(listId: number, tickets: DoorTicket[], revoked: string[] = []) {
  const tx = (await db()).transaction("tickets", "readwrite");
  await Promise.all([
    ...tickets.map((ticket) => tx.store.put({ ...ticket, list_id: listId })),
    ...revoked.map((key) => tx.store.delete([listId, key])),
    tx.done,
  ]);
}

export async function ticket(listId: number, key: string): Promise<StoredTicket | undefined> {
  return (await db()).get("tickets", [listId, key]);
}

export async function orderTickets(listId: number, orderKey: string): Promise<StoredTicket[]> {
  return (await db()).getAllFromIndex("tickets", "by_order", [listId, orderKey]);
}

// The lists holding a ticket with this key (a ticket of another entrance of the event).
export async function listsWith(key: string, lists: number[]): Promise<number[]> {
  const store = await db();
  const found = await Promise.all(lists.map((id) => store.getKey("tickets", [id, key])));
  return lists.filter((_, index) => found[index] !== undefined);
}

export async function ticketCount(listId: number): Promise<number> {
  return (await db()).countFromIndex(
    "tickets",
    "by_order",
    IDBKeyRange.bound([listId, ""], [listId, "\uffff"]),
  );
}

export async function listSync(id: number): Promise<ListSync | undefined> {
  return (await db()).get("lists", id);
}

export async function saveListSync(value: ListSync): Promise<void> {
  await (await db()).put("lists", value);
}

export async function queue(scan: QueuedScan): Promise<void> {
  await (await db()).put("scans", scan);
}

export async function queued(): Promise<QueuedScan[]> {
  return (await db()).getAll("scans");
}

export async function dequeue(nonces: string[]): Promise<void> {
  const tx = (await db()).transaction("scans", "readwrite");
  await Promise.all([...nonces.map((nonce) => tx.store.delete(nonce)), tx.done]);
}

// The door's rules, as checkin/services.py applies them, for deciding without the server:
// a ticket of the list that is not void gets in once; on a list with exits it may go out
// and come back in.

import type { DoorList } from "../types";
import type { StoredTicket } from "./store";

export type Outcome = "admitted" | "exited" | "already_checked_in" | "refused";

export type Decision = {
  outcome: Outcome;
  // Why a refused ticket may not pass (the server's codes: ScanResult.reason).
  reason: string | null;
  // The ticket's record after the scan (what the device stores), when it passes.
  after: StoredTicket | null;
};

export function decide(
  list: DoorList,
  record: StoredTicket | undefined,
  kind: "entry" | "exit",
  options: { inAnotherList: boolean; gate: string; now: Date },
): Decision {
  const refused = (reason: string): Decision => ({ outcome: "refused", reason, after: null });
  if (!record) {
    return refused(options.inAnotherList ? "wrong_entrance" : "unknown");
  }
  if (list.event_cancelled) {
    return refused("event_cancelled");
  }
  if (list.cancelled_dates.includes(record.date_id)) {
    return refused("date_cancelled");
  }
  if (record.refusal) {
    return refused(record.refusal);
  }
  if (kind === "exit") {
    if (!list.allow_exits) {
      return refused("no_exits");
    }
    if (!record.inside) {
      return refused("not_inside");
    }
    return { outcome: "exited", reason: null, after: { ...record, inside: false } };
  }
  if (record.inside || (!list.allow_exits && record.admitted)) {
    return { outcome: "already_checked_in", reason: null, after: null };
  }
  const admitted = record.admitted ?? { at: options.now.toISOString(), gate: options.gate };
  return { outcome: "admitted", reason: null, after: { ...record, admitted, inside: true } };
}

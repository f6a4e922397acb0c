import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { useLingui } from "@lingui/react/macro";
import type { EventStatus } from "../types";

// Lower case like the status itself; the badge capitalizes it.
const LABELS: Record<EventStatus, MessageDescriptor> = {
  draft: msg`draft`,
  published: msg`published`,
  cancelled: msg`cancelled`,
};

const STYLES: Record<EventStatus, string> = {
  draft: "bg-slate-100 text-slate-700 ring-slate-200",
  published: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  cancelled: "bg-red-50 text-red-800 ring-red-200",
};

export default function EventStatusBadge({ status }: { status: EventStatus }) {
  const { i18n } = useLingui();
  return (
    <span
      data-testid="event-status"
      className={`inline-block rounded-full px-2.5 py-0.5 text-xs font-medium capitalize ring-1 ring-inset ${STYLES[status]}`}
    >
      {i18n._(LABELS[status])}
    </span>
  );
}

import { Trans } from "@lingui/react/macro";
import { formatEventDate, formatTime } from "../lib/format";
import type { OrderEvent } from "../types";

// The date an order or a reservation is for: when, doors, where; and whether it was called off.
export default function DateDetails({
  event,
  className = "text-sm text-slate-600",
}: {
  event: OrderEvent;
  className?: string;
}) {
  return (
    <>
      <span className={`block ${className}`} data-testid="order-date">
        <time dateTime={event.starts_at}>{formatEventDate(event.starts_at, event.timezone)}</time>
        {event.admission_at ? (
          <>
            {" · "}
            <Trans>Doors {formatTime(event.admission_at, event.timezone)}</Trans>
          </>
        ) : null}
        {" · "}
        {event.venue}
      </span>
      {event.status !== "cancelled" && event.date_status === "cancelled" ? (
        <span
          role="alert"
          className="mt-2 block rounded-lg bg-red-50 px-3 py-2 text-sm text-red-900"
          data-testid="date-cancelled"
        >
          <Trans>This date has been cancelled.</Trans>
        </span>
      ) : null}
    </>
  );
}

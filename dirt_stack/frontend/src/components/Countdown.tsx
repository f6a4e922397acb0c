import { t } from "@lingui/core/macro";
import { Plural, Trans } from "@lingui/react/macro";
import { useEffect, useState } from "react";

// What screen readers hear, and when: once below five minutes and once below one, never
// every second (the timer itself stays silent).
function announcement(left: number): string {
  if (left <= 0) {
    return "";
  }
  if (left <= 60) {
    return t`Less than 1 minute left to complete your order.`;
  }
  if (left <= 300) {
    return t`Less than 5 minutes left to complete your order.`;
  }
  return "";
}

// Counts down from the seconds the server computed; calls onExpire once at zero. With
// ``extension``, "Need more time?" appears in the last ``offeredWithin`` seconds.
export default function Countdown({
  seconds,
  onExpire,
  extension,
}: {
  seconds: number;
  onExpire: () => void;
  extension?: { minutes: number; offeredWithin: number; extending: boolean; onExtend: () => void };
}) {
  const [deadline] = useState(() => Date.now() + seconds * 1000);
  const [left, setLeft] = useState(seconds);

  useEffect(() => {
    const timer = window.setInterval(() => {
      const remaining = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      setLeft(remaining);
      if (remaining === 0) {
        window.clearInterval(timer);
        onExpire();
      }
    }, 1000);
    return () => window.clearInterval(timer);
  }, [deadline, onExpire]);

  const minutes = Math.floor(left / 60);
  const rest = String(left % 60).padStart(2, "0");
  return (
    <div
      className={`rounded-lg px-3 py-2 text-sm font-medium ${left < 60 ? "bg-amber-50 text-amber-900" : "bg-indigo-50 text-indigo-900"}`}
    >
      <p role="timer" aria-live="off" data-testid="countdown">
        <Trans>
          Your tickets are reserved for{" "}
          <span className="tabular-nums">
            {minutes}:{rest}
          </span>
        </Trans>
      </p>
      <p aria-live="polite" className="sr-only" data-testid="countdown-announcement">
        {announcement(left)}
      </p>
      {extension && left > 0 && left <= extension.offeredWithin ? (
        <button
          type="button"
          onClick={extension.onExtend}
          disabled={extension.extending}
          className="mt-2 rounded-lg border border-current px-3 py-1 text-sm font-semibold underline-offset-2 hover:underline disabled:opacity-50"
        >
          <Plural
            value={extension.minutes}
            one="Need more time? Add # minute"
            other="Need more time? Add # minutes"
          />
        </button>
      ) : null}
    </div>
  );
}

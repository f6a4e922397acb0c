import { useEffect, useState } from "react";

// Counts down from the seconds the server computed; calls onExpire once at zero.
export default function Countdown({
  seconds,
  onExpire,
}: {
  seconds: number;
  onExpire: () => void;
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
    <p
      role="timer"
      aria-live="off"
      data-testid="countdown"
      className={`rounded-lg px-3 py-2 text-sm font-medium ${left < 60 ? "bg-amber-50 text-amber-900" : "bg-indigo-50 text-indigo-900"}`}
    >
      Your tickets are reserved for{" "}
      <span className="tabular-nums">
        {minutes}:{rest}
      </span>
    </p>
  );
}

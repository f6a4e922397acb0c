import { Head, Link, useForm, usePage } from "@inertiajs/react";
import { plural, t } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useEffect, useState } from "react";
import { FormError, PrimaryButton } from "../../components/fields";
import ProofOfWork from "../../components/ProofOfWork";
import type { PageProps, QueueStatus } from "../../types";

// How long to wait before asking again: the server's Retry-After, spread by ±25 % so a
// crowd that joined together does not poll together.
function jittered(seconds: number): number {
  return seconds * 1000 * (0.75 + Math.random() * 0.5);
}

function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}`
    : `${minutes}:${seconds}`;
}

function roughly(seconds: number): string {
  if (seconds < 60) {
    return t`less than a minute`;
  }
  return plural(Math.round(seconds / 60), { one: "# minute", other: "# minutes" });
}

// "about 3 minutes", or "3 minutes to 5 minutes" when the estimate is a range.
function estimate([soonest, latest]: number[]): string {
  const from = roughly(soonest);
  const to = roughly(latest);
  return soonest === latest || from === to ? to : t`${from} to ${to}`;
}

// The visitor's place in an event's on-sale room, polled from the status URL.
export default function Show({
  event,
  event_url,
  status: initial,
  status_url,
  join_url,
  challenge_url,
  waitlist_url,
}: PageProps<"Queue/Show">) {
  const errors = usePage().props.errors;
  const { t } = useLingui();
  const [status, setStatus] = useState<QueueStatus>(initial);
  // The server's clock minus ours, from the status answers' Date header: the countdown
  // follows the server, whatever the device's clock says.
  const [skew, setSkew] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const [attempt, setAttempt] = useState(0);
  const form = useForm<{ altcha: string }>({ altcha: "" });

  useEffect(() => setStatus(initial), [initial]);

  const joined = status.state !== "not_joined" && status.state !== "no_room";
  const finished = status.state === "used" || status.state === "no_room";

  useEffect(() => {
    if (!joined || finished) {
      return;
    }
    let timer = 0;
    let stopped = false;
    const poll = async () => {
      let wait = status.poll_after_seconds;
      try {
        const response = await fetch(status_url, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        const retryAfter = Number(response.headers.get("Retry-After"));
        if (Number.isFinite(retryAfter) && retryAfter > 0) {
          wait = retryAfter;
        }
        const served = Date.parse(response.headers.get("Date") ?? "");
        if (Number.isFinite(served)) {
          setSkew(served - Date.now());
        }
        if (response.ok) {
          const next = (await response.json()) as QueueStatus;
          if (!stopped) {
            setStatus(next);
          }
        }
      } catch {
        wait = Math.max(wait, 5); // offline for a moment: try again a little later
      }
      if (!stopped) {
        timer = window.setTimeout(poll, jittered(wait));
      }
    };
    timer = window.setTimeout(poll, jittered(status.poll_after_seconds));
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [joined, finished, status_url, status.poll_after_seconds]);

  useEffect(() => {
    const tick = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(tick);
  }, []);

  function join(e: FormEvent) {
    e.preventDefault();
    form.post(join_url, {
      preserveScroll: true,
      onFinish: () => {
        form.setData("altcha", "");
        setAttempt((n) => n + 1);
      },
    });
  }

  const startsIn = status.sale_starts_at
    ? (Date.parse(status.sale_starts_at) - (now + skew)) / 1000
    : null;
  const drawNote =
    status.mode === "random"
      ? status.prequeued || status.state === "before_open" || status.state === "not_joined"
        ? t`Everyone who joins before the sale starts gets a random place, drawn by a secure random number when they join: joining earlier gives no advantage. People who join after the start queue behind them in order of arrival.`
        : t`You joined after the sale started: you queue in order of arrival, behind everyone who joined before the start (they were placed at random).`
      : status.mode === "fifo"
        ? t`First come, first served: places follow the order in which people joined.`
        : null;
  const turnLeft = status.expires_at
    ? duration((Date.parse(status.expires_at) - (now + skew)) / 1000)
    : null;

  return (
    <>
      <Head title={t`Queue: ${event.title}`} />
      <p className="mb-3 text-sm text-slate-500">
        <Link href={event_url} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <section
        aria-labelledby="queue-heading"
        className="mx-auto max-w-xl rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      >
        <h1 id="queue-heading" className="text-2xl font-bold tracking-tight">
          <Trans>Queue for {event.title}</Trans>
        </h1>
        <div
          aria-live="polite"
          data-testid="queue-status"
          data-state={status.state}
          className="mt-4"
        >
          {status.state === "not_joined" ? (
            <p>
              <Trans>
                Tickets for this event are sold through a waiting room. Join it to get your turn.
              </Trans>
            </p>
          ) : status.state === "no_room" ? (
            <p>
              <Trans>
                There is no queue for this event right now.{" "}
                <Link href={event_url} className="font-medium text-indigo-700 underline">
                  Go to the tickets
                </Link>
              </Trans>
            </p>
          ) : status.state === "before_open" ? (
            <div>
              <p className="font-medium">
                <Trans>You are in the queue. The sale starts in</Trans>
              </p>
              <p
                role="timer"
                aria-live="off"
                data-testid="queue-countdown"
                className="mt-1 text-4xl font-bold tabular-nums text-indigo-800"
              >
                {startsIn !== null ? duration(startsIn) : "—"}
              </p>
              <p className="mt-2 text-sm text-slate-600">
                <Trans>Keep this page open; it updates by itself.</Trans>
              </p>
            </div>
          ) : status.state === "drawing" ? (
            <p className="font-medium">
              <Trans>The sale has started: places are being drawn…</Trans>
            </p>
          ) : status.state === "waiting" ? (
            <dl className="grid grid-cols-2 gap-4">
              <div>
                <dt className="text-sm text-slate-500">
                  <Trans>Your place</Trans>
                </dt>
                <dd data-testid="queue-position" className="text-3xl font-bold tabular-nums">
                  {status.position ?? "—"}
                </dd>
              </div>
              <div>
                <dt className="text-sm text-slate-500">
                  <Trans>People ahead of you</Trans>
                </dt>
                <dd data-testid="queue-ahead" className="text-3xl font-bold tabular-nums">
                  {status.ahead ?? "—"}
                </dd>
              </div>
              {status.eta_seconds ? (
                <div className="col-span-2">
                  <dt className="text-sm text-slate-500">
                    <Trans>Your turn in about</Trans>
                  </dt>
                  <dd data-testid="queue-eta">{estimate(status.eta_seconds)}</dd>
                </div>
              ) : null}
            </dl>
          ) : status.state === "your_turn" ? (
            <div className="rounded-lg border border-green-200 bg-green-50 p-4 text-green-900">
              <p className="text-lg font-semibold">
                <Trans>It’s your turn!</Trans>
              </p>
              <p className="mt-1 text-sm">
                {turnLeft ? (
                  <Trans>Choose your tickets now: your turn lasts {turnLeft} more.</Trans>
                ) : (
                  <Trans>Choose your tickets now.</Trans>
                )}
              </p>
              <Link
                href={event_url}
                data-testid="queue-go"
                className="mt-3 inline-block rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700"
              >
                <Trans>Choose tickets</Trans>
              </Link>
            </div>
          ) : status.state === "used" ? (
            <p>
              <Trans>
                You used your turn.{" "}
                <Link href={event_url} className="font-medium text-indigo-700 underline">
                  Back to the event
                </Link>
              </Trans>
            </p>
          ) : status.state === "expired" ? (
            <p className="rounded-lg bg-amber-50 p-4 text-amber-900">
              <Trans>Your turn has passed without a reservation.</Trans>
            </p>
          ) : status.state === "sold_out" ? (
            <p className="rounded-lg bg-slate-100 p-4 font-medium" data-testid="queue-sold-out">
              <Trans>
                Sold out: there are no tickets left. If reservations expire, the queue moves on by
                itself; keep this page open.
              </Trans>
              {waitlist_url ? (
                <>
                  {" "}
                  <Trans>
                    Or{" "}
                    <Link
                      href={waitlist_url}
                      className="text-indigo-700 underline"
                      data-testid="queue-waitlist"
                    >
                      join the waiting list
                    </Link>{" "}
                    to be offered tickets that come free.
                  </Trans>
                </>
              ) : null}
            </p>
          ) : status.state === "paused" ? (
            <p className="rounded-lg bg-amber-50 p-4 text-amber-900" data-testid="queue-paused">
              <Trans>The organizer has paused admissions for a moment. You keep your place.</Trans>
            </p>
          ) : null}
        </div>

        {status.state === "not_joined" ? (
          <form onSubmit={join} noValidate className="mt-4">
            <FormError message={errors.form ?? errors.altcha} />
            <ProofOfWork
              key={attempt}
              challengeUrl={challenge_url}
              onSolved={(payload) => form.setData("altcha", payload)}
            />
            <PrimaryButton
              className="mt-3 w-full"
              disabled={form.processing || !form.data.altcha}
              data-testid="queue-join"
            >
              {form.data.altcha ? (
                <Trans>Join the queue</Trans>
              ) : (
                <Trans>Checking your browser…</Trans>
              )}
            </PrimaryButton>
          </form>
        ) : null}

        {drawNote && status.state !== "no_room" ? (
          <p
            className="mt-6 border-t border-slate-100 pt-4 text-sm text-slate-600"
            data-testid="queue-draw-note"
          >
            <span className="font-medium">
              <Trans>How the order is drawn:</Trans>{" "}
            </span>
            {drawNote}
          </p>
        ) : null}
      </section>
    </>
  );
}

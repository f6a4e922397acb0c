import { Head, Link, usePage } from "@inertiajs/react";
import { Plural, Trans, useLingui } from "@lingui/react/macro";
import { useState } from "react";
import DatePicker from "../../components/DatePicker";
import { FormError } from "../../components/fields";
import SaleStateBadge from "../../components/SaleStateBadge";
import TicketPicker, { voucherBoxShown } from "../../components/TicketPicker";
import WaitlistJoin from "../../components/WaitlistJoin";
import { useEmbedded, useSitePath } from "../../lib/embed";
import { formatEventDate, formatShortDay, formatTime } from "../../lib/format";
import type { PageProps } from "../../types";

export default function Show({
  event,
  voucher,
  challenge_url,
  room,
  waitlist,
}: PageProps<"Events/Show">) {
  const errors = usePage().props.errors;
  const { t } = useLingui();
  const embedded = useEmbedded();
  const sitePath = useSitePath();
  const cancelled = event.status === "cancelled";
  // A series lets the buyer choose one of its dates; a single-date event has its one date.
  const series = event.date_count > 1;
  const chosen = event.date;
  const [changing, setChanging] = useState(false);
  const picking = series && (chosen === null || changing);
  const tz = event.timezone;
  // While the on-sale room is active, only a visitor whose turn it is reserves.
  const mustQueue = room?.active === true && room.state !== "your_turn";
  return (
    <>
      <Head title={event.title} />
      {embedded ? null : (
        <p className="mb-3 text-sm text-slate-500">
          <Link href="/" className="hover:text-indigo-700">
            <Trans>← All events</Trans>
          </Link>
        </p>
      )}
      {cancelled ? (
        <p
          role="alert"
          className="mb-4 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-red-900"
        >
          <Trans>This event has been cancelled.</Trans>
        </p>
      ) : chosen?.status === "cancelled" ? (
        <p
          role="alert"
          className="mb-4 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-red-900"
        >
          <Trans>This date has been cancelled.</Trans>
        </p>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
        <article className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
          {event.cover_image_url ? (
            <img src={event.cover_image_url} alt="" className="aspect-[3/1] w-full object-cover" />
          ) : null}
          <div className="p-6">
            <h1 className="text-3xl font-bold tracking-tight">{event.title}</h1>
            <p className="mt-1 text-slate-600">
              <Trans>
                by{" "}
                <Link
                  href={sitePath(`/o/${event.organizer.slug}/`)}
                  className="text-indigo-700 hover:underline"
                >
                  {event.organizer.name}
                </Link>
              </Trans>
            </p>
            <dl className="mt-6 grid gap-4 sm:grid-cols-2">
              <div>
                <dt className="text-sm font-medium text-slate-500">
                  <Trans>When</Trans>
                </dt>
                <dd data-testid="event-when">
                  {chosen ? (
                    <>
                      <time dateTime={chosen.starts_at}>
                        {formatEventDate(chosen.starts_at, tz)}
                      </time>
                      {" – "}
                      <time dateTime={chosen.ends_at}>{formatEventDate(chosen.ends_at, tz)}</time>
                    </>
                  ) : (
                    <>
                      <Plural value={event.date_count} one="# date," other="# dates," />{" "}
                      <time dateTime={event.starts_at}>{formatShortDay(event.starts_at, tz)}</time>
                      {" – "}
                      <time dateTime={event.ends_at}>{formatShortDay(event.ends_at, tz)}</time>
                    </>
                  )}
                  {series && chosen ? (
                    <span className="block text-sm text-slate-500">
                      <Plural value={event.date_count} one="One of # date" other="One of # dates" />
                    </span>
                  ) : null}
                </dd>
              </div>
              {chosen?.admission_at ? (
                <div>
                  <dt className="text-sm font-medium text-slate-500">
                    <Trans>Doors open</Trans>
                  </dt>
                  <dd data-testid="event-doors">
                    <time dateTime={chosen.admission_at}>
                      {formatTime(chosen.admission_at, tz)}
                    </time>
                  </dd>
                </div>
              ) : null}
              <div>
                <dt className="text-sm font-medium text-slate-500">
                  <Trans>Where</Trans>
                </dt>
                <dd data-testid="event-where">{chosen?.venue ?? event.venue}</dd>
              </div>
            </dl>
            {event.description_html ? (
              <div
                className="prose mt-6 max-w-none space-y-3 text-slate-700 [&_a]:text-indigo-700 [&_a]:underline [&_ul]:list-disc [&_ul]:pl-6"
                // Rendered from Markdown and sanitised on the server (core/markdown.py).
                // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised server-side
                dangerouslySetInnerHTML={{ __html: event.description_html }}
              />
            ) : null}
          </div>
        </article>

        <aside
          aria-labelledby="tickets-heading"
          className="self-start rounded-xl border border-slate-200 bg-white p-5 shadow-sm"
        >
          <h2 id="tickets-heading" className="text-lg font-semibold">
            <Trans>Tickets</Trans>
          </h2>
          {errors.date ? (
            <div className="mt-2">
              <FormError message={errors.date} />
            </div>
          ) : null}
          {picking ? (
            <div className="mt-2">
              <DatePicker
                dates={event.dates}
                chosen={chosen}
                timeZone={tz}
                eventVenue={event.venue}
                voucher={voucher?.valid ? voucher.code : ""}
                focusChosen={changing}
              />
              {chosen ? (
                <button
                  type="button"
                  onClick={() => setChanging(false)}
                  className="mt-3 text-sm text-slate-600 underline hover:text-slate-900"
                >
                  <Trans>
                    Keep {formatShortDay(chosen.starts_at, tz)}, {formatTime(chosen.starts_at, tz)}
                  </Trans>
                </button>
              ) : null}
            </div>
          ) : null}
          {series && chosen && !changing ? (
            <section
              aria-label={t`Your date`}
              data-testid="chosen-date"
              className="mt-2 rounded-lg border border-indigo-100 bg-indigo-50 p-3"
            >
              <p className="text-xs font-medium uppercase tracking-wide text-indigo-700">
                <Trans>Your date</Trans>
              </p>
              <p className="font-semibold">
                <time dateTime={chosen.starts_at}>{formatEventDate(chosen.starts_at, tz)}</time>
              </p>
              {chosen.admission_at ? (
                <p className="text-sm text-slate-700">
                  <Trans>Doors {formatTime(chosen.admission_at, tz)}</Trans>
                </p>
              ) : null}
              <p className="text-sm text-slate-700">{chosen.venue}</p>
              <div className="mt-2 flex items-center justify-between gap-3">
                <SaleStateBadge item={chosen} timeZone={tz} />
                <button
                  type="button"
                  onClick={() => setChanging(true)}
                  className="text-sm font-medium text-indigo-700 underline hover:text-indigo-900"
                >
                  <Trans>Change date</Trans>
                </button>
              </div>
            </section>
          ) : null}
          {room && embedded ? (
            // The waiting room keeps a visitor's place in cookies, which a framed page has
            // none of: while it is active, the queue is on the event's own page, in a new tab.
            room.active ? (
              <p data-testid="room-elsewhere" className="mt-2 text-sm text-slate-700">
                <Trans>
                  Tickets are sold through a waiting room.{" "}
                  <a
                    href={`/events/${event.slug}/`}
                    target="_blank"
                    rel="noopener"
                    className="font-semibold text-indigo-700 underline"
                  >
                    Open the event page
                  </a>{" "}
                  to get your turn.
                </Trans>
              </p>
            ) : null
          ) : room && !picking ? (
            mustQueue ? (
              <div
                data-testid="room-join"
                className="mt-2 rounded-lg border border-indigo-100 bg-indigo-50 p-4"
              >
                <FormError message={errors.form} />
                <p className="mt-1 text-sm text-slate-700">
                  {room.state === "not_joined" ? (
                    <Trans>
                      Tickets are sold through a waiting room: join the queue to get your turn.
                    </Trans>
                  ) : (
                    <Trans>You are in the queue: your turn comes on the queue page.</Trans>
                  )}
                </p>
                <Link
                  href={room.queue_url}
                  className="mt-3 inline-block rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700"
                >
                  {room.state === "not_joined" ? (
                    <Trans>Join the queue</Trans>
                  ) : (
                    <Trans>Go to the queue</Trans>
                  )}
                </Link>
              </div>
            ) : room.active ? (
              <p
                role="status"
                data-testid="room-your-turn"
                className="mt-2 rounded-lg bg-green-50 px-3 py-2 text-sm text-green-900"
              >
                <Trans>It’s your turn: choose your tickets.</Trans>
              </p>
            ) : (
              <p className="mt-2 text-sm text-slate-600">
                <Trans>
                  This sale uses a waiting room.{" "}
                  <Link href={room.queue_url} className="text-indigo-700 underline">
                    The queue
                  </Link>{" "}
                  opens before the sale starts.
                </Trans>
              </p>
            )
          ) : null}
          {picking || mustQueue || (embedded && room?.active) ? null : event.ticket_types.length ===
              0 && !voucherBoxShown(event) ? (
            <p className="mt-2 text-sm text-slate-600">
              <Trans>Tickets are not available yet.</Trans>
            </p>
          ) : (
            <TicketPicker event={event} voucher={voucher} challengeUrl={challenge_url ?? null} />
          )}
          {waitlist && !picking ? (
            embedded ? (
              <p className="mt-3 text-sm text-slate-700">
                <Trans>
                  Sold out?{" "}
                  <a
                    href={`/events/${event.slug}/${event.date ? `?date=${event.date.id}` : ""}`}
                    target="_blank"
                    rel="noopener"
                    className="text-indigo-700 underline"
                  >
                    Join the waiting list on the event page
                  </a>
                  .
                </Trans>
              </p>
            ) : (
              <WaitlistJoin event={event} waitlist={waitlist} />
            )
          ) : null}
          {series && chosen === null ? (
            <p className="mt-3 text-sm text-slate-600">
              <Trans>Choose a date to see its tickets.</Trans>
            </p>
          ) : null}
        </aside>
      </div>
    </>
  );
}

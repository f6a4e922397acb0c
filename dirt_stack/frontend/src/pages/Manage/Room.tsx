import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useEffect, useState } from "react";
import {
  binder,
  CheckboxField,
  FormError,
  PrimaryButton,
  SelectField,
  TextField,
} from "../../components/fields";
import { formatEventDate } from "../../lib/format";
import { getJson } from "../../lib/http";
import type { PageProps, RoomCounts } from "../../types";

const POLL_MS = 2000;

const ACTIONS: Record<string, MessageDescriptor> = {
  enabled: msg`Enabled`,
  disabled: msg`Disabled`,
  settings_changed: msg`Settings changed`,
  paused: msg`Paused`,
  resumed: msg`Resumed`,
  rate_changed: msg`Rate changed`,
};

// The organizer's console of an event's on-sale room: settings, live counts, pause and
// resume, the admission rate, and the room's log.
export default function Room({
  organizer,
  event,
  settings,
  exists,
  counts: initialCounts,
  changes,
  counts_url,
}: PageProps<"Manage/Room">) {
  const { i18n, t } = useLingui();
  const errors = usePage().props.errors;
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const [counts, setCounts] = useState<RoomCounts>(initialCounts);
  const [stale, setStale] = useState(false);
  const form = useForm({ ...settings });
  const bind = binder(form, errors);
  const rate = useForm({ admissions_per_minute: String(settings.admissions_per_minute) });

  useEffect(() => setCounts(initialCounts), [initialCounts]);

  useEffect(() => {
    if (!exists) {
      return;
    }
    const timer = window.setInterval(async () => {
      try {
        setCounts(await getJson<RoomCounts>(counts_url));
        setStale(false);
      } catch {
        setStale(true);
      }
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [exists, counts_url]);

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/room/`, { preserveScroll: true });
  }

  function changeRate(e: FormEvent) {
    e.preventDefault();
    rate.post(`${base}/room/rate/`, { preserveScroll: true });
  }

  const act = (action: "pause" | "resume") => () =>
    router.post(`${base}/room/${action}/`, {}, { preserveScroll: true });

  const figures: [string, string, number | string][] = [
    ["prequeued", t`Joined before the sale`, counts.prequeued],
    ["queued", t`Waiting`, counts.queued],
    ["admitted", t`Admitted now`, counts.admitted],
    ["used", t`Admissions used`, counts.used],
    ["active_holds", t`Live reservations`, counts.active_holds],
    ["rate", t`Admitted in the last minute`, counts.admissions_last_minute],
  ];
  const title = event.title;
  const timeZone = event.timezone;

  return (
    <>
      <Head title={t`${title}: on-sale room`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>On-sale room</Trans>
      </h1>
      <p className="mb-6 max-w-3xl text-sm text-slate-600">
        <Trans>
          For a large on-sale: visitors wait in a queue and are admitted at the rate you set; only
          admitted visitors can reserve or buy while the room is active. Who joins before the sale
          starts gets a random place (or first come, first served).
        </Trans>
      </p>

      <section
        aria-labelledby="room-live"
        className="mb-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      >
        <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
          <h2 id="room-live" className="text-lg font-semibold">
            <Trans>Live</Trans>
          </h2>
          <p data-testid="room-state" aria-live="polite" className="text-sm font-medium">
            {!exists
              ? t`Not set up`
              : counts.sold_out
                ? t`Sold out: admissions stopped`
                : counts.paused
                  ? t`Paused`
                  : counts.active
                    ? t`Active`
                    : t`Not active`}
            {stale ? ` ${t`(not updating)`}` : ""}
          </p>
        </div>
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3" data-testid="room-counts">
          {figures.map(([key, label, value]) => (
            <div key={key}>
              <dt className="text-sm text-slate-500">{label}</dt>
              <dd className="text-2xl font-bold tabular-nums" data-testid={`room-count-${key}`}>
                {value}
              </dd>
            </div>
          ))}
        </dl>
        {exists ? (
          <div className="mt-4 flex flex-wrap items-end gap-4">
            {counts.paused ? (
              <button
                type="button"
                onClick={act("resume")}
                data-testid="room-resume"
                className="rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700"
              >
                <Trans>Resume admissions</Trans>
              </button>
            ) : (
              <button
                type="button"
                onClick={act("pause")}
                data-testid="room-pause"
                className="rounded-lg border border-slate-300 bg-white px-4 py-2 font-semibold hover:bg-slate-50"
              >
                <Trans>Pause admissions</Trans>
              </button>
            )}
            <form onSubmit={changeRate} noValidate className="flex items-end gap-2">
              <TextField
                label={t`Admissions per minute`}
                type="number"
                min={1}
                value={rate.data.admissions_per_minute}
                onChange={(e) => rate.setData("admissions_per_minute", e.target.value)}
                error={errors.admissions_per_minute}
                className="w-48"
              />
              <button
                type="submit"
                data-testid="room-rate"
                className="rounded-lg border border-slate-300 bg-white px-4 py-2 font-semibold hover:bg-slate-50"
              >
                <Trans>Change rate</Trans>
              </button>
            </form>
          </div>
        ) : null}
      </section>

      <section
        aria-labelledby="room-settings"
        className="mb-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      >
        <h2 id="room-settings" className="mb-3 text-lg font-semibold">
          <Trans>Settings</Trans>
        </h2>
        <form onSubmit={save} noValidate className="grid gap-4 sm:grid-cols-2">
          <div className="sm:col-span-2">
            <FormError message={errors.form} />
          </div>
          <CheckboxField
            label={t`Use the on-sale room for this event`}
            checked={form.data.enabled}
            onChange={(e) => form.setData("enabled", e.target.checked)}
            error={errors.enabled}
            className="sm:col-span-2"
          />
          <TextField
            label={t`Queue opens (${timeZone})`}
            type="datetime-local"
            {...bind("queue_opens_at")}
          />
          <TextField
            label={t`Sale starts (${timeZone})`}
            type="datetime-local"
            {...bind("sale_starts_at")}
          />
          <TextField
            label={t`Admissions per minute`}
            type="number"
            min={1}
            value={String(form.data.admissions_per_minute)}
            onChange={(e) => form.setData("admissions_per_minute", Number(e.target.value))}
            error={errors.admissions_per_minute}
          />
          <TextField
            label={t`Most shoppers at once`}
            type="number"
            min={1}
            value={String(form.data.max_active_shoppers)}
            onChange={(e) => form.setData("max_active_shoppers", Number(e.target.value))}
            error={errors.max_active_shoppers}
          />
          <TextField
            label={t`Shopping time (minutes)`}
            hint={t`How long an admitted visitor has, and how long their reservation lasts.`}
            type="number"
            min={1}
            max={60}
            value={String(form.data.session_minutes)}
            onChange={(e) => form.setData("session_minutes", Number(e.target.value))}
            error={errors.session_minutes}
          />
          <SelectField
            label={t`Order of the queue`}
            options={[
              { value: "random", label: t`Random for who joins before the sale` },
              { value: "fifo", label: t`First come, first served` },
            ]}
            value={form.data.mode}
            onChange={(e) => form.setData("mode", e.target.value === "fifo" ? "fifo" : "random")}
            error={errors.mode}
          />
          <div className="sm:col-span-2">
            <PrimaryButton disabled={form.processing} data-testid="room-save">
              <Trans>Save settings</Trans>
            </PrimaryButton>
          </div>
        </form>
      </section>

      <section
        aria-labelledby="room-log"
        className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      >
        <h2 id="room-log" className="mb-3 text-lg font-semibold">
          <Trans>Log</Trans>
        </h2>
        {changes.length === 0 ? (
          <p className="text-sm text-slate-600">
            <Trans>No changes yet.</Trans>
          </p>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm" data-testid="room-changes">
            {changes.map((change) => (
              <li key={`${change.created_at}-${change.action}`} className="py-2">
                <span className="font-medium">
                  {change.action in ACTIONS ? i18n._(ACTIONS[change.action]) : change.action}
                </span>
                {change.summary ? (
                  <>
                    {": "}
                    <span data-server-text>{change.summary}</span>
                  </>
                ) : null}
                <span className="block text-slate-500">
                  <span data-server-text>{change.actor}</span>,{" "}
                  {formatEventDate(change.created_at, event.timezone)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

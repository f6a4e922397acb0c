import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import DateSelect, { dateLabel } from "../../components/DateSelect";
import { CheckboxField, FormError, PrimaryButton, TextField } from "../../components/fields";
import { formatEventDate } from "../../lib/format";
import type { PageProps } from "../../types";

export default function CheckInLists({
  event,
  organizer_slug,
  ticket_types,
  dates,
  dates_without_list,
  lists,
}: PageProps<"Manage/CheckInLists">) {
  const { t } = useLingui();
  const errors = usePage().props.errors;
  const base = `/manage/${organizer_slug}/events/${event.slug}`;
  const form = useForm({
    name: "",
    date: "",
    all_ticket_types: true,
    ticket_types: [] as number[],
    allow_exits: false,
  });

  function create(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/checkin-lists/`, { onSuccess: () => form.reset() });
  }

  const { confirm, dialog } = useConfirm();

  return (
    <>
      <Head title={t`Check-in lists`} />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Check-in lists</Trans>
      </h1>
      <p className="mb-4 flex gap-4 text-sm">
        <Link href={`${base}/devices/`} className="text-indigo-700 hover:underline">
          <Trans>Scanner devices (offline scanning)</Trans>
        </Link>
        <Link href={`${base}/door-status/`} className="text-indigo-700 hover:underline">
          <Trans>Door status</Trans>
        </Link>
      </p>
      <FormError message={errors.form} />
      <ul className="mt-3 divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white">
        {lists.map((list) => (
          <li
            key={list.id}
            className="flex flex-wrap items-center justify-between gap-3 p-4"
            data-testid="checkin-list"
          >
            <div>
              <p className="font-medium">{list.name}</p>
              <p className="text-sm text-slate-600">
                {dates.length > 1 ? (
                  <span data-testid="checkin-list-date">
                    {list.date_starts_at
                      ? formatEventDate(list.date_starts_at, event.timezone)
                      : t`Every date`}{" "}
                    ·{" "}
                  </span>
                ) : null}
                {list.all_ticket_types ? t`All ticket types` : list.ticket_types.join(", ")} ·{" "}
                {list.allow_exits ? (
                  <>
                    <Trans>exits and re-entry</Trans> ·{" "}
                  </>
                ) : null}
                <CheckedIn checkedIn={list.counts.checked_in} expected={list.counts.expected} />
              </p>
            </div>
            <div className="flex gap-2 text-sm">
              <Link
                href={`${base}/checkin/?list=${list.id}`}
                className="rounded-lg bg-slate-900 px-3 py-1.5 text-white"
              >
                <Trans>Open scanner</Trans>
              </Link>
              {list.can_delete ? (
                <button
                  type="button"
                  onClick={async () => {
                    const name = list.name;
                    const confirmed = await confirm({
                      title: t`Delete the check-in list “${name}”?`,
                      body: t`Scanners using it stop working. This cannot be undone.`,
                      confirmLabel: t`Delete`,
                    });
                    if (confirmed) {
                      router.post(`${base}/checkin-lists/`, { action: "delete", id: list.id });
                    }
                  }}
                  className="rounded-lg border border-red-300 px-3 py-1.5 text-red-700"
                >
                  <Trans>Delete</Trans>
                </button>
              ) : null}
            </div>
          </li>
        ))}
        {lists.length === 0 ? (
          <li className="p-4 text-sm text-slate-600">
            <Trans>No lists yet; the scanner creates one for the main entrance.</Trans>
          </li>
        ) : null}
      </ul>
      {dates_without_list.length > 0 ? (
        <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5">
          <h2 className="mb-1 font-semibold">
            <Trans>Dates without a list</Trans>
          </h2>
          <p className="mb-3 text-sm text-slate-600">
            <Trans>A list for one date admits only that date's tickets and counts only them.</Trans>
          </p>
          <ul className="divide-y divide-slate-100">
            {dates_without_list.map((d) => (
              <li
                key={d.id}
                className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm"
                data-testid="date-without-list"
              >
                <span>{dateLabel(d, event.timezone)}</span>
                <button
                  type="button"
                  onClick={() =>
                    router.post(`${base}/checkin-lists/`, { action: "for_date", date: d.id })
                  }
                  className="rounded-lg border border-slate-300 px-3 py-1.5"
                >
                  <Trans>Create a list for this date</Trans>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5">
        <h2 className="mb-3 font-semibold">
          <Trans>New list</Trans>
        </h2>
        <form onSubmit={create} className="space-y-3" noValidate>
          <TextField
            label={t`Name`}
            value={form.data.name}
            onChange={(e) => form.setData("name", e.target.value)}
            error={errors.name}
            placeholder={t`VIP entrance`}
          />
          {dates.length > 1 ? (
            <div>
              <span className="block text-sm font-medium text-slate-700">
                <Trans>Admits tickets of</Trans>
              </span>
              <DateSelect
                label={t`Date`}
                dates={dates}
                timeZone={event.timezone}
                value={form.data.date}
                onChange={(value) => form.setData("date", value)}
                allLabel={t`Every date`}
                className="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2"
              />
              {errors.date ? (
                <p className="text-sm text-red-700" data-server-text>
                  {errors.date}
                </p>
              ) : null}
            </div>
          ) : null}
          <CheckboxField
            label={t`Admit every ticket type`}
            checked={form.data.all_ticket_types}
            onChange={(e) => form.setData("all_ticket_types", e.target.checked)}
          />
          {!form.data.all_ticket_types ? (
            <fieldset>
              <legend className="text-sm text-slate-700">
                <Trans>Admits</Trans>
              </legend>
              {ticket_types.map((t) => (
                <CheckboxField
                  key={t.id}
                  label={t.name}
                  checked={form.data.ticket_types.includes(t.id)}
                  onChange={(e) =>
                    form.setData(
                      "ticket_types",
                      e.target.checked
                        ? [...form.data.ticket_types, t.id]
                        : form.data.ticket_types.filter((id) => id !== t.id),
                    )
                  }
                />
              ))}
              {errors.ticket_types ? (
                <p className="text-sm text-red-700" data-server-text>
                  {errors.ticket_types}
                </p>
              ) : null}
            </fieldset>
          ) : null}
          <CheckboxField
            label={t`Record exits: a ticket may go out and come back in`}
            checked={form.data.allow_exits}
            onChange={(e) => form.setData("allow_exits", e.target.checked)}
          />
          <PrimaryButton disabled={form.processing}>
            <Trans>Create list</Trans>
          </PrimaryButton>
        </form>
      </section>
    </>
  );
}

// "3 of 120 checked in": a list's count.
function CheckedIn({ checkedIn, expected }: { checkedIn: number; expected: number }) {
  return (
    <Trans>
      {checkedIn} of {expected} checked in
    </Trans>
  );
}

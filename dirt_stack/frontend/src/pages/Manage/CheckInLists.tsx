import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
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
  const errors = usePage().props.errors;
  const base = `/manage/${organizer_slug}/events/${event.slug}`;
  const form = useForm({
    name: "",
    date: "",
    all_ticket_types: true,
    ticket_types: [] as number[],
  });

  function create(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/checkin-lists/`, { onSuccess: () => form.reset() });
  }

  const { confirm, dialog } = useConfirm();

  return (
    <>
      <Head title="Check-in lists" />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">Check-in lists</h1>
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
                      : "Every date"}{" "}
                    ·{" "}
                  </span>
                ) : null}
                {list.all_ticket_types ? "All ticket types" : list.ticket_types.join(", ")} ·{" "}
                {list.counts.checked_in} of {list.counts.expected} checked in
              </p>
            </div>
            <div className="flex gap-2 text-sm">
              <Link
                href={`${base}/checkin/?list=${list.id}`}
                className="rounded-lg bg-slate-900 px-3 py-1.5 text-white"
              >
                Open scanner
              </Link>
              {list.can_delete ? (
                <button
                  type="button"
                  onClick={async () => {
                    const confirmed = await confirm({
                      title: `Delete the check-in list “${list.name}”?`,
                      body: "Scanners using it stop working. This cannot be undone.",
                      confirmLabel: "Delete",
                    });
                    if (confirmed) {
                      router.post(`${base}/checkin-lists/`, { action: "delete", id: list.id });
                    }
                  }}
                  className="rounded-lg border border-red-300 px-3 py-1.5 text-red-700"
                >
                  Delete
                </button>
              ) : null}
            </div>
          </li>
        ))}
        {lists.length === 0 ? (
          <li className="p-4 text-sm text-slate-600">
            No lists yet; the scanner creates "Main entrance".
          </li>
        ) : null}
      </ul>
      {dates_without_list.length > 0 ? (
        <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5">
          <h2 className="mb-1 font-semibold">Dates without a list</h2>
          <p className="mb-3 text-sm text-slate-600">
            A list for one date admits only that date's tickets and counts only them.
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
                  Create a list for this date
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5">
        <h2 className="mb-3 font-semibold">New list</h2>
        <form onSubmit={create} className="space-y-3" noValidate>
          <TextField
            label="Name"
            value={form.data.name}
            onChange={(e) => form.setData("name", e.target.value)}
            error={errors.name}
            placeholder="VIP entrance"
          />
          {dates.length > 1 ? (
            <div>
              <span className="block text-sm font-medium text-slate-700">Admits tickets of</span>
              <DateSelect
                label="Date"
                dates={dates}
                timeZone={event.timezone}
                value={form.data.date}
                onChange={(value) => form.setData("date", value)}
                allLabel="Every date"
                className="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2"
              />
              {errors.date ? <p className="text-sm text-red-700">{errors.date}</p> : null}
            </div>
          ) : null}
          <CheckboxField
            label="Admit every ticket type"
            checked={form.data.all_ticket_types}
            onChange={(e) => form.setData("all_ticket_types", e.target.checked)}
          />
          {!form.data.all_ticket_types ? (
            <fieldset>
              <legend className="text-sm text-slate-700">Admits</legend>
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
                <p className="text-sm text-red-700">{errors.ticket_types}</p>
              ) : null}
            </fieldset>
          ) : null}
          <PrimaryButton disabled={form.processing}>Create list</PrimaryButton>
        </form>
      </section>
    </>
  );
}

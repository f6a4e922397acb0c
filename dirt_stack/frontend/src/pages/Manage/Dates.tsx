import { Head, Link, router, usePage } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { useState } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import AddDateForm from "../../components/dates/AddDateForm";
import BulkEditor from "../../components/dates/BulkEditor";
import CancelDatePanel from "../../components/dates/CancelDatePanel";
import DateEditor from "../../components/dates/DateEditor";
import DateStatusBadge from "../../components/dates/DateStatusBadge";
import { errorsUnder, hasErrorsUnder } from "../../components/dates/errors";
import MoveDateForm from "../../components/dates/MoveDateForm";
import RuleForm from "../../components/dates/RuleForm";
import { FormError } from "../../components/fields";
import { formatEventDate } from "../../lib/format";
import type { ManagedDate, PageProps } from "../../types";

type Panel = "edit" | "move" | "cancel";
type Opened = { id: number; panel: Panel } | null;

function openedByErrors(errors: Record<string, string>): Opened {
  for (const key of Object.keys(errors)) {
    const match = key.match(/^(\d+)\.(edit|move|cancel)\./);
    if (match) {
      return { id: Number(match[1]), panel: match[2] as Panel };
    }
  }
  return null;
}

function availability(date: ManagedDate): string {
  return date.offers
    .filter((offer) => offer.offered)
    .map((offer) => `${offer.name} ${offer.sold}/${offer.capacity}`)
    .join(" · ");
}

export default function Dates({
  organizer,
  event,
  currency,
  dates,
  ticket_types,
}: PageProps<"Manage/Dates">) {
  const { t } = useLingui();
  const errors = usePage().props.errors;
  const title = event.title;
  const timezone = event.timezone;
  const dateCount = dates.length;
  const eventBase = `/manage/${organizer.slug}/events/${event.slug}`;
  const base = `${eventBase}/dates`;
  const [adding, setAdding] = useState<"one" | "rule" | null>(
    hasErrorsUnder(errors, "add") ? "one" : hasErrorsUnder(errors, "rule") ? "rule" : null,
  );
  const [opened, setOpened] = useState<Opened>(openedByErrors(errors));
  const [selected, setSelected] = useState<number[]>([]);
  const [bulk, setBulk] = useState(hasErrorsUnder(errors, "bulk"));
  const selectedCount = selected.length;
  const when = (date: ManagedDate) => formatEventDate(date.starts_at, event.timezone);
  const selectable = dates.filter((d) => d.status !== "cancelled");

  function toggle(id: number, on: boolean) {
    setSelected(on ? [...selected, id] : selected.filter((s) => s !== id));
  }

  function open(id: number, panel: Panel) {
    setOpened(opened?.id === id && opened.panel === panel ? null : { id, panel });
  }

  const { confirm, dialog } = useConfirm();

  return (
    <>
      <Head title={t`Dates · ${title}`} />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${eventBase}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">
            <Trans>Dates</Trans>
          </h1>
          <p className="text-sm text-slate-600">
            {plural(dateCount, {
              one: `# date · times in ${timezone}`,
              other: `# dates · times in ${timezone}`,
            })}
          </p>
        </div>
        <div className="flex flex-wrap gap-2 text-sm">
          <button
            type="button"
            onClick={() => setAdding(adding === "one" ? null : "one")}
            data-testid="add-date"
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 hover:bg-slate-50"
          >
            <Trans>Add a date</Trans>
          </button>
          <button
            type="button"
            onClick={() => setAdding(adding === "rule" ? null : "rule")}
            data-testid="add-rule"
            className="rounded-lg bg-indigo-600 px-3 py-2 font-semibold text-white hover:bg-indigo-700"
          >
            <Trans>Add dates from a rule</Trans>
          </button>
        </div>
      </div>

      {adding === "one" ? (
        <section className="mb-6 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 className="mb-3 font-semibold">
            <Trans>New date</Trans>
          </h2>
          <AddDateForm
            action={`${base}/new/`}
            errors={errorsUnder(errors, "add")}
            onDone={() => setAdding(null)}
          />
        </section>
      ) : null}
      {adding === "rule" ? (
        <section className="mb-6 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 className="mb-3 font-semibold">
            <Trans>Dates from a rule</Trans>
          </h2>
          <RuleForm
            previewUrl={`${base}/preview/`}
            action={`${base}/rule/`}
            timezone={event.timezone}
            errors={errorsUnder(errors, "rule")}
            onDone={() => setAdding(null)}
          />
        </section>
      ) : null}

      <div className="mb-2 flex flex-wrap items-center gap-3 text-sm">
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            className="size-4 rounded border-slate-300"
            checked={selectable.length > 0 && selected.length === selectable.length}
            onChange={(e) => setSelected(e.target.checked ? selectable.map((d) => d.id) : [])}
          />
          <Trans>Select all</Trans>
        </label>
        {selected.length ? (
          <button
            type="button"
            onClick={() => setBulk(!bulk)}
            data-testid="edit-selected"
            className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-50"
          >
            <Trans>Edit {selectedCount} selected</Trans>
          </button>
        ) : null}
      </div>
      {bulk ? (
        <section className="mb-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 className="mb-3 font-semibold">
            <Trans>Change the selected dates</Trans>
          </h2>
          <BulkEditor
            action={`${base}/bulk/`}
            selected={selected}
            ticketTypes={ticket_types}
            currency={currency}
            errors={errorsUnder(errors, "bulk")}
            onDone={() => {
              setBulk(false);
              setSelected([]);
            }}
          />
        </section>
      ) : null}

      <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white">
        {dates.map((date) => {
          const label = when(date);
          const key = (panel: Panel) => `${date.id}.${panel}`;
          return (
            <li key={date.id} className="p-4" data-testid="date-row">
              <div className="flex flex-wrap items-center justify-between gap-3">
                <div className="flex items-start gap-3">
                  <input
                    type="checkbox"
                    aria-label={t`Select ${label}`}
                    className="mt-1 size-4 rounded border-slate-300"
                    disabled={date.status === "cancelled"}
                    checked={selected.includes(date.id)}
                    onChange={(e) => toggle(date.id, e.target.checked)}
                  />
                  <div>
                    <p className="font-medium" data-testid="date-when">
                      {label}
                    </p>
                    <p className="text-sm text-slate-600">
                      <span data-testid="date-sold">
                        <Trans>
                          {date.sold} / {date.total_capacity} sold
                        </Trans>
                      </span>
                      {date.capacity !== null ? (
                        <>
                          {" · "}
                          <Trans>date capacity {date.capacity}</Trans>
                        </>
                      ) : null}
                      {date.venue ? ` · ${date.venue}` : ""}
                    </p>
                    <p className="text-xs text-slate-500">{availability(date)}</p>
                  </div>
                </div>
                <div className="flex flex-wrap items-center gap-1 text-sm">
                  <DateStatusBadge date={date} />
                  {date.status !== "cancelled" ? (
                    <>
                      <button
                        type="button"
                        onClick={() => open(date.id, "edit")}
                        className="rounded border border-slate-300 px-2 py-1"
                      >
                        <Trans>Edit</Trans>
                      </button>
                      <button
                        type="button"
                        onClick={() => open(date.id, "move")}
                        className="rounded border border-slate-300 px-2 py-1"
                      >
                        <Trans>Move</Trans>
                      </button>
                    </>
                  ) : null}
                  {date.status !== "cancelled" || date.orders > 0 ? (
                    <button
                      type="button"
                      onClick={() => open(date.id, "cancel")}
                      className="rounded border border-red-300 px-2 py-1 text-red-700"
                    >
                      {date.status === "cancelled" ? t`Settle its orders` : t`Cancel`}
                    </button>
                  ) : null}
                  {date.can_delete ? (
                    <button
                      type="button"
                      onClick={async () => {
                        const confirmed = await confirm({
                          title: t`Delete this date?`,
                          body: t`It disappears from the event page. This cannot be undone.`,
                          confirmLabel: t`Delete`,
                        });
                        if (confirmed) {
                          router.post(`${base}/${date.id}/delete/`, {}, { preserveScroll: true });
                        }
                      }}
                      className="rounded border border-red-300 px-2 py-1 text-red-700"
                    >
                      <Trans>Delete</Trans>
                    </button>
                  ) : null}
                </div>
              </div>
              <FormError message={errors[`${date.id}.delete`]} />
              {opened?.id === date.id ? (
                <div className="mt-3 rounded-lg bg-slate-50 p-4">
                  {opened.panel === "edit" ? (
                    <DateEditor
                      date={date}
                      action={`${base}/${date.id}/`}
                      currency={currency}
                      errors={errorsUnder(errors, key("edit"))}
                      errorKey={key("edit")}
                      onDone={() => setOpened(null)}
                    />
                  ) : null}
                  {opened.panel === "move" ? (
                    <MoveDateForm
                      date={date}
                      action={`${base}/${date.id}/move/`}
                      errors={errorsUnder(errors, key("move"))}
                      errorKey={key("move")}
                      onDone={() => setOpened(null)}
                    />
                  ) : null}
                  {opened.panel === "cancel" ? (
                    <CancelDatePanel
                      date={date}
                      label={label}
                      action={`${base}/${date.id}/cancel/`}
                      errors={errorsUnder(errors, key("cancel"))}
                      onClose={() => setOpened(null)}
                    />
                  ) : null}
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
    </>
  );
}

import { Head, Link, useForm } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import {
  binder,
  CheckboxField,
  FormError,
  PrimaryButton,
  TextField,
} from "../../components/fields";
import type { PageProps } from "../../types";

// Duplicating an event into a new draft: its title, when its first date starts, vouchers or not.
export default function EventDuplicate({
  organizer,
  event,
  initial,
  date_count,
  ticket_type_count,
  voucher_count,
}: PageProps<"Manage/EventDuplicate">) {
  const { t } = useLingui();
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const form = useForm({ ...initial });
  const errors = form.errors as Record<string, string>;
  const bind = binder(form, errors);
  const title = event.title;
  const timezone = event.timezone;
  const ticketTypes = plural(ticket_type_count, { one: "# ticket type", other: "# ticket types" });
  const dateCount = date_count;
  const dates = plural(dateCount, { one: "# date", other: "# dates" });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/duplicate/`);
  }

  return (
    <>
      <Head title={t`Duplicate ${title}`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Duplicate “{title}”</Trans>
      </h1>
      <form
        onSubmit={submit}
        noValidate
        className="max-w-xl space-y-4 rounded-xl border border-slate-200 bg-white p-6"
      >
        <FormError message={errors.form} />
        <p className="text-sm text-slate-600" data-testid="duplicate-summary">
          <Trans>
            The copy is a new draft with the event's settings, {ticketTypes}, {dates}, questions,
            check-in lists, on-sale room and waiting-list settings. Orders, tickets and waiting
            lists stay with this event.
          </Trans>
        </p>
        <TextField label={t`Title`} maxLength={200} {...bind("title")} />
        <TextField
          label={t`New start (${timezone})`}
          type="datetime-local"
          hint={
            date_count > 1
              ? t`When the first date starts; the other dates move by the same amount, and so do sales windows and voucher validity.`
              : t`Sales windows and voucher validity move by the same amount.`
          }
          {...bind("starts_at")}
        />
        <CheckboxField
          label={t`Copy the vouchers too (${voucher_count}; same codes, unused)`}
          checked={form.data.copy_vouchers}
          disabled={voucher_count === 0}
          onChange={(e) => form.setData("copy_vouchers", e.target.checked)}
          error={errors.copy_vouchers}
        />
        <div className="flex flex-wrap gap-2">
          <PrimaryButton disabled={form.processing}>
            <Trans>Create the copy</Trans>
          </PrimaryButton>
          <Link
            href={`${base}/`}
            className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Back</Trans>
          </Link>
        </div>
      </form>
    </>
  );
}

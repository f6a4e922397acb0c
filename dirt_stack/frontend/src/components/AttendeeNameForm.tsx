import { useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { formatEventDate } from "../lib/format";
import { FormError, TextField } from "./fields";

type Props = {
  action: string;
  ticketId: number;
  current: string;
  until: string;
  timezone: string;
};

// The buyer changes one ticket's attendee name (until the organizer's deadline).
export default function AttendeeNameForm({ action, ticketId, current, until, timezone }: Props) {
  const { t } = useLingui();
  const form = useForm({ ticket: ticketId, attendee_name: current });
  const deadline = formatEventDate(until, timezone);
  const errors = form.errors as Partial<Record<"attendee_name" | "ticket" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(action, { preserveScroll: true });
  }

  return (
    <form onSubmit={submit} className="mt-2 space-y-2" noValidate>
      <FormError message={errors.form ?? errors.ticket} />
      <TextField
        label={t`Attendee name`}
        name="attendee_name"
        autoComplete="off"
        hint={t`You can change it until ${deadline}.`}
        value={form.data.attendee_name}
        onChange={(e) => form.setData("attendee_name", e.target.value)}
        error={errors.attendee_name}
      />
      <button
        type="submit"
        disabled={form.processing || form.data.attendee_name === current}
        className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100 disabled:opacity-50"
      >
        <Trans>Save the name</Trans>
      </button>
    </form>
  );
}

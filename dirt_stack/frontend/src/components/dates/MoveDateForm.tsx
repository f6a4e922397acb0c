import { useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import type { ManagedDate } from "../../types";
import { FormError, PrimaryButton, TextField } from "../fields";

type Props = {
  date: ManagedDate;
  action: string;
  errors: Record<string, string>;
  errorKey: string;
  onDone: () => void;
};

// New times for a date; its buyers are emailed them.
export default function MoveDateForm({ date, action, errors, errorKey, onDone }: Props) {
  const form = useForm({
    starts_at: date.inputs.starts_at,
    ends_at: date.inputs.ends_at,
    admission_at: date.inputs.admission_at,
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.post(action, {
      preserveScroll: true,
      onSuccess: (page) => {
        if (!Object.keys(page.props.errors ?? {}).some((key) => key.startsWith(`${errorKey}.`))) {
          onDone();
        }
      },
    });
  }

  return (
    <form onSubmit={submit} className="space-y-3" noValidate data-testid="move-date-form">
      <FormError message={errors.form} />
      <div className="grid gap-3 sm:grid-cols-3">
        <TextField
          label="New start"
          type="datetime-local"
          value={form.data.starts_at}
          onChange={(e) => form.setData("starts_at", e.target.value)}
          error={errors.starts_at}
          required
        />
        <TextField
          label="New end"
          type="datetime-local"
          value={form.data.ends_at}
          onChange={(e) => form.setData("ends_at", e.target.value)}
          error={errors.ends_at}
          required
        />
        <TextField
          label="Doors open"
          type="datetime-local"
          value={form.data.admission_at}
          onChange={(e) => form.setData("admission_at", e.target.value)}
          error={errors.admission_at}
        />
      </div>
      <p className="text-sm text-slate-600">
        {date.orders
          ? `The buyers of ${date.orders} order${date.orders === 1 ? "" : "s"} will be emailed the new time; their tickets stay valid.`
          : "No one has ordered for this date yet."}
      </p>
      <PrimaryButton disabled={form.processing}>Move the date</PrimaryButton>
    </form>
  );
}

import { useForm } from "@inertiajs/react";
import type { ManagedDate } from "../../types";
import { binder, FormError, PrimaryButton } from "../fields";
import { DateTimesFields } from "./DateFields";
import { submitTo } from "./errors";

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
  const submit = submitTo(form, action, errorKey, onDone);

  return (
    <form onSubmit={submit} className="space-y-3" noValidate data-testid="move-date-form">
      <FormError message={errors.form} />
      <div className="grid gap-3 sm:grid-cols-3">
        <DateTimesFields field={binder(form, errors)} startLabel="New start" endLabel="New end" />
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

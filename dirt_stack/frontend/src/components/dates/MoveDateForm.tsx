import { useForm } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
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
  const { t } = useLingui();
  const orders = date.orders;
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
        <DateTimesFields
          field={binder(form, errors)}
          startLabel={t`New start`}
          endLabel={t`New end`}
        />
      </div>
      <p className="text-sm text-slate-600">
        {date.orders
          ? plural(orders, {
              one: "The buyers of # order will be emailed the new time; their tickets stay valid.",
              other:
                "The buyers of # orders will be emailed the new time; their tickets stay valid.",
            })
          : t`No one has ordered for this date yet.`}
      </p>
      <PrimaryButton disabled={form.processing}>
        <Trans>Move the date</Trans>
      </PrimaryButton>
    </form>
  );
}

import { useForm } from "@inertiajs/react";
import { useLingui } from "@lingui/react/macro";
import { binder, CapacityField, FormError, PrimaryButton } from "../fields";
import { DateTimesFields, DateVenueFields } from "./DateFields";
import { submitTo } from "./errors";

type Props = {
  action: string;
  errors: Record<string, string>;
  onDone: () => void;
};

// One new date: its times in the event's zone, and optionally its own capacity and venue.
export default function AddDateForm({ action, errors, onDone }: Props) {
  const { t } = useLingui();
  const form = useForm({
    starts_at: "",
    ends_at: "",
    admission_at: "",
    capacity: "",
    venue_name: "",
    venue_address: "",
  });
  const field = binder(form, errors);
  const submit = submitTo(form, action, "add", () => {
    form.reset();
    onDone();
  });

  return (
    <form
      onSubmit={submit}
      className="grid gap-3 sm:grid-cols-3"
      noValidate
      data-testid="add-date-form"
    >
      <div className="sm:col-span-3">
        <FormError message={errors.form} />
      </div>
      <DateTimesFields field={field} admissionHint={t`Optional.`} />
      <CapacityField
        label={t`Capacity of this date`}
        hint={t`Optional: a limit shared by all ticket types.`}
        {...field("capacity")}
      />
      <DateVenueFields field={field} />
      <div className="sm:col-span-3">
        <PrimaryButton disabled={form.processing}>{t`Add the date`}</PrimaryButton>
      </div>
    </form>
  );
}

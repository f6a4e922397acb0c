import { useForm } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { useLingui } from "@lingui/react/macro";
import type { DatesTicketType } from "../../types";
import { binder, CapacityField, FormError, PrimaryButton, SelectField } from "../fields";
import { SALES_STATUSES, TicketTypeCapacityField, TicketTypePriceField } from "./DateFields";
import { submitTo } from "./errors";

type Props = {
  action: string;
  selected: number[];
  ticketTypes: DatesTicketType[];
  currency: string;
  errors: Record<string, string>;
  onDone: () => void;
};

// The same change to every selected date; empty fields leave values as they are.
export default function BulkEditor({
  action,
  selected,
  ticketTypes,
  currency,
  errors,
  onDone,
}: Props) {
  const { t, i18n } = useLingui();
  const selectedCount = selected.length;
  const initial: Record<string, string> = { capacity: "", status: "" };
  for (const type of ticketTypes) {
    initial[`tt${type.id}-capacity`] = "";
    initial[`tt${type.id}-price`] = "";
  }
  const form = useForm<Record<string, string>>(initial);
  const field = binder(form, errors);
  const post = submitTo(form, action, "bulk", () => {
    form.reset();
    onDone();
  });

  return (
    <form
      onSubmit={(e) => {
        form.transform((data) => ({ ...data, dates: selected.map(String) }));
        post(e);
      }}
      className="space-y-3"
      noValidate
      data-testid="bulk-editor"
    >
      <FormError message={errors.form ?? errors.dates} />
      <div className="grid gap-3 sm:grid-cols-3">
        <CapacityField label={t`Capacity of each date`} {...field("capacity")} />
        <SelectField
          label={t`Sales`}
          options={[
            { value: "", label: t`Unchanged` },
            ...SALES_STATUSES.map((s) => ({ value: s.value, label: i18n._(s.label) })),
          ]}
          {...field("status")}
        />
      </div>
      {ticketTypes.map((type) => (
        <div key={type.id} className="grid gap-3 sm:grid-cols-3">
          <p className="self-center text-sm font-medium">{type.name}</p>
          <TicketTypeCapacityField
            ticketType={type.name}
            placeholder={String(type.capacity)}
            {...field(`tt${type.id}-capacity`)}
          />
          <TicketTypePriceField
            ticketType={type.name}
            price={type.price}
            currency={currency}
            {...field(`tt${type.id}-price`)}
          />
        </div>
      ))}
      <PrimaryButton disabled={form.processing || selected.length === 0}>
        {plural(selectedCount, { one: "Change # date", other: "Change # dates" })}
      </PrimaryButton>
    </form>
  );
}

import { useForm } from "@inertiajs/react";
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
  const initial: Record<string, string> = { capacity: "", status: "" };
  for (const t of ticketTypes) {
    initial[`tt${t.id}-capacity`] = "";
    initial[`tt${t.id}-price`] = "";
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
        <CapacityField label="Capacity of each date" {...field("capacity")} />
        <SelectField
          label="Sales"
          options={[{ value: "", label: "Unchanged" }, ...SALES_STATUSES]}
          {...field("status")}
        />
      </div>
      {ticketTypes.map((t) => (
        <div key={t.id} className="grid gap-3 sm:grid-cols-3">
          <p className="self-center text-sm font-medium">{t.name}</p>
          <TicketTypeCapacityField
            ticketType={t.name}
            placeholder={String(t.capacity)}
            {...field(`tt${t.id}-capacity`)}
          />
          <TicketTypePriceField
            ticketType={t.name}
            price={t.price}
            currency={currency}
            {...field(`tt${t.id}-price`)}
          />
        </div>
      ))}
      <PrimaryButton disabled={form.processing || selected.length === 0}>
        Change {selected.length} date{selected.length === 1 ? "" : "s"}
      </PrimaryButton>
    </form>
  );
}

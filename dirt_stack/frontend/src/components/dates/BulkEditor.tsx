import { useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import { formatMoney } from "../../lib/format";
import type { DatesTicketType } from "../../types";
import { FormError, PrimaryButton, SelectField, TextField } from "../fields";

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

  function submit(e: FormEvent) {
    e.preventDefault();
    form.transform((data) => ({ ...data, dates: selected.map(String) }));
    form.post(action, {
      preserveScroll: true,
      onSuccess: (page) => {
        if (!Object.keys(page.props.errors ?? {}).some((key) => key.startsWith("bulk."))) {
          form.reset();
          onDone();
        }
      },
    });
  }

  return (
    <form onSubmit={submit} className="space-y-3" noValidate data-testid="bulk-editor">
      <FormError message={errors.form ?? errors.dates} />
      <div className="grid gap-3 sm:grid-cols-3">
        <TextField
          label="Capacity of each date"
          type="number"
          min={1}
          value={form.data.capacity}
          onChange={(e) => form.setData("capacity", e.target.value)}
          error={errors.capacity}
        />
        <SelectField
          label="Sales"
          value={form.data.status}
          onChange={(e) => form.setData("status", e.target.value)}
          options={[
            { value: "", label: "Unchanged" },
            { value: "on_sale", label: "On sale" },
            { value: "sold_out", label: "Stopped (shown as sold out)" },
          ]}
          error={errors.status}
        />
      </div>
      {ticketTypes.map((t) => (
        <div key={t.id} className="grid gap-3 sm:grid-cols-3">
          <p className="self-center text-sm font-medium">{t.name}</p>
          <TextField
            label={`${t.name} capacity`}
            type="number"
            min={1}
            placeholder={String(t.capacity)}
            value={form.data[`tt${t.id}-capacity`]}
            onChange={(e) => form.setData(`tt${t.id}-capacity`, e.target.value)}
            error={errors[`tt${t.id}-capacity`]}
          />
          <TextField
            label={`${t.name} price`}
            inputMode="decimal"
            placeholder={formatMoney(t.price, currency)}
            value={form.data[`tt${t.id}-price`]}
            onChange={(e) => form.setData(`tt${t.id}-price`, e.target.value)}
            error={errors[`tt${t.id}-price`]}
          />
        </div>
      ))}
      <PrimaryButton disabled={form.processing || selected.length === 0}>
        Change {selected.length} date{selected.length === 1 ? "" : "s"}
      </PrimaryButton>
    </form>
  );
}

import { useForm } from "@inertiajs/react";
import type { ManagedDate } from "../../types";
import {
  binder,
  CapacityField,
  CheckboxField,
  FormError,
  PrimaryButton,
  SelectField,
  TextField,
} from "../fields";
import {
  DateVenueFields,
  SALES_STATUSES,
  TicketTypeCapacityField,
  TicketTypePriceField,
} from "./DateFields";
import { submitTo } from "./errors";

type Props = {
  date: ManagedDate;
  action: string;
  currency: string;
  // This form's server errors, by field ("capacity", "tt3-capacity", "form").
  errors: Record<string, string>;
  errorKey: string;
  onDone: () => void;
};

type Values = Record<string, string | boolean>;

function initialValues(date: ManagedDate): Values {
  const values: Values = {
    admission_at: date.inputs.admission_at,
    sales_start: date.inputs.sales_start,
    sales_end: date.inputs.sales_end,
    venue_name: date.venue_name,
    venue_address: date.venue_address,
    capacity: date.capacity === null ? "" : String(date.capacity),
    status: date.status === "cancelled" ? "on_sale" : date.status,
  };
  for (const offer of date.offers) {
    values[`tt${offer.ticket_type_id}-capacity`] = String(offer.capacity);
    values[`tt${offer.ticket_type_id}-price`] = offer.price ?? "";
    values[`tt${offer.ticket_type_id}-offered`] = offer.offered;
  }
  return values;
}

// One date's settings (its times move with MoveDateForm) and its ticket types there.
export default function DateEditor({ date, action, currency, errors, errorKey, onDone }: Props) {
  const form = useForm<Values>(initialValues(date));
  const field = binder(form, errors);
  const submit = submitTo(form, action, errorKey, onDone);

  return (
    <form onSubmit={submit} className="space-y-4" noValidate data-testid="date-editor">
      <FormError message={errors.form} />
      <div className="grid gap-3 sm:grid-cols-3">
        <TextField label="Doors open" type="datetime-local" {...field("admission_at")} />
        <TextField label="Sales start" type="datetime-local" {...field("sales_start")} />
        <TextField label="Sales end" type="datetime-local" {...field("sales_end")} />
        <DateVenueFields field={field} />
        <CapacityField
          label="Capacity of this date"
          hint={`Empty: no limit besides the ticket types'. ${date.allocated} sold or held.`}
          {...field("capacity")}
        />
        <SelectField label="Sales" options={SALES_STATUSES} {...field("status")} />
      </div>
      {date.offers.length ? (
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-slate-500">
              <th className="py-1 font-medium">Ticket type</th>
              <th className="py-1 font-medium">Capacity</th>
              <th className="py-1 font-medium">Price on this date</th>
              <th className="py-1 font-medium">Offered</th>
            </tr>
          </thead>
          <tbody>
            {date.offers.map((offer) => {
              const name = `tt${offer.ticket_type_id}`;
              return (
                <tr key={offer.ticket_type_id} className="align-top" data-testid="offer-row">
                  <td className="py-1 pr-2">
                    <p className="font-medium">{offer.name}</p>
                    <p className="text-xs text-slate-500">{offer.sold} sold</p>
                  </td>
                  <td className="py-1 pr-2">
                    <TicketTypeCapacityField
                      ticketType={offer.name}
                      className="[&>label]:sr-only"
                      {...field(`${name}-capacity`)}
                    />
                  </td>
                  <td className="py-1 pr-2">
                    <TicketTypePriceField
                      ticketType={offer.name}
                      className="[&>label]:sr-only"
                      price={offer.effective_price}
                      currency={currency}
                      {...field(`${name}-price`)}
                    />
                  </td>
                  <td className="py-1">
                    <CheckboxField
                      label="Offered"
                      checked={Boolean(form.data[`${name}-offered`])}
                      disabled={offer.offered && !offer.can_withdraw}
                      onChange={(e) => form.setData(`${name}-offered`, e.target.checked)}
                      error={errors[`${name}-offered`]}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <p className="text-xs text-slate-500">
        An empty price is the ticket type's. A ticket type with tickets sold or held on this date
        stays offered.
      </p>
      <PrimaryButton disabled={form.processing}>Save the date</PrimaryButton>
    </form>
  );
}

import { useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
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
  const { t, i18n } = useLingui();
  const allocated = date.allocated;
  const statuses = SALES_STATUSES.map((s) => ({ value: s.value, label: i18n._(s.label) }));
  const form = useForm<Values>(initialValues(date));
  const field = binder(form, errors);
  const submit = submitTo(form, action, errorKey, onDone);

  return (
    <form onSubmit={submit} className="space-y-4" noValidate data-testid="date-editor">
      <FormError message={errors.form} />
      <div className="grid gap-3 sm:grid-cols-3">
        <TextField label={t`Doors open`} type="datetime-local" {...field("admission_at")} />
        <TextField label={t`Sales start`} type="datetime-local" {...field("sales_start")} />
        <TextField label={t`Sales end`} type="datetime-local" {...field("sales_end")} />
        <DateVenueFields field={field} />
        <CapacityField
          label={t`Capacity of this date`}
          hint={t`Empty: no limit besides the ticket types'. ${allocated} sold or held.`}
          {...field("capacity")}
        />
        <SelectField label={t`Sales`} options={statuses} {...field("status")} />
      </div>
      {date.offers.length ? (
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-slate-500">
              <th className="py-1 font-medium">
                <Trans>Ticket type</Trans>
              </th>
              <th className="py-1 font-medium">
                <Trans>Capacity</Trans>
              </th>
              <th className="py-1 font-medium">
                <Trans>Price on this date</Trans>
              </th>
              <th className="py-1 font-medium">
                <Trans>Offered</Trans>
              </th>
            </tr>
          </thead>
          <tbody>
            {date.offers.map((offer) => {
              const name = `tt${offer.ticket_type_id}`;
              return (
                <tr key={offer.ticket_type_id} className="align-top" data-testid="offer-row">
                  <td className="py-1 pr-2">
                    <p className="font-medium">{offer.name}</p>
                    <p className="text-xs text-slate-500">
                      <Trans>{offer.sold} sold</Trans>
                    </p>
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
                      label={t`Offered`}
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
        <Trans>
          An empty price is the ticket type's. A ticket type with tickets sold or held on this date
          stays offered.
        </Trans>
      </p>
      <PrimaryButton disabled={form.processing}>
        <Trans>Save the date</Trans>
      </PrimaryButton>
    </form>
  );
}

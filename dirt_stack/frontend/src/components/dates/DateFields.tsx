import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { useLingui } from "@lingui/react/macro";
import type { ComponentProps } from "react";
import { formatMoney } from "../../lib/format";
import { type Bound, CapacityField, TextField } from "../fields";

// The inputs the dates page's forms share. Each takes `field`, a form's binder
// (fields.tsx): times are "YYYY-MM-DDTHH:MM" in the event's zone.

// The sales states an organizer sets on a date (cancelling is its own action).
export const SALES_STATUSES: { value: string; label: MessageDescriptor }[] = [
  { value: "on_sale", label: msg`On sale` },
  { value: "sold_out", label: msg`Stopped (shown as sold out)` },
];

// When a date starts and ends (both required) and when its doors open.
export function DateTimesFields({
  field,
  startLabel,
  endLabel,
  admissionHint,
}: {
  field: (name: "starts_at" | "ends_at" | "admission_at") => Bound;
  startLabel?: string;
  endLabel?: string;
  admissionHint?: string;
}) {
  const { t } = useLingui();
  return (
    <>
      <TextField
        label={startLabel ?? t`Starts`}
        type="datetime-local"
        {...field("starts_at")}
        required
      />
      <TextField label={endLabel ?? t`Ends`} type="datetime-local" {...field("ends_at")} required />
      <TextField
        label={t`Doors open`}
        type="datetime-local"
        hint={admissionHint}
        {...field("admission_at")}
      />
    </>
  );
}

// A date's own venue; empty is the event's.
export function DateVenueFields({
  field,
}: {
  field: (name: "venue_name" | "venue_address") => Bound;
}) {
  const { t } = useLingui();
  return (
    <>
      <TextField label={t`Venue (if not the event's)`} {...field("venue_name")} />
      <TextField label={t`Address`} {...field("venue_address")} />
    </>
  );
}

type Input = Omit<ComponentProps<typeof TextField>, "label">;

// A ticket type's capacity on a date, labelled with its name.
export function TicketTypeCapacityField({
  ticketType,
  ...input
}: { ticketType: string } & Omit<Input, "type" | "min">) {
  const { t } = useLingui();
  return <CapacityField label={t`${ticketType} capacity`} {...input} />;
}

// A ticket type's price on a date, labelled with its name; the placeholder shows the price
// an empty input stands for.
export function TicketTypePriceField({
  ticketType,
  price,
  currency,
  ...input
}: { ticketType: string; price: string; currency: string } & Omit<Input, "placeholder">) {
  const { t } = useLingui();
  return (
    <TextField
      label={t`${ticketType} price`}
      inputMode="decimal"
      placeholder={formatMoney(price, currency)}
      {...input}
    />
  );
}

import { Trans, useLingui } from "@lingui/react/macro";
import type { CheckoutInvoiceAddress, InvoiceAddressIn } from "../types";
import { CheckboxField, SelectField, TextField } from "./fields";

// The invoice address a buyer gives at checkout (taxes/addresses.py checks it; the
// server's faults come back as `invoice_address.<field>`). A business buyer in the EU
// gives a VAT ID, which decides reverse charge for the event's tax rule.

export type InvoiceAddressValue = Required<InvoiceAddressIn>;

// What the checkout's form starts with: an empty address when the event requires one,
// none when it is optional (the buyer ticks "I need an invoice").
export function emptyInvoiceAddress(
  ask: CheckoutInvoiceAddress | null | undefined,
): InvoiceAddressValue | null {
  return ask?.required ? blankAddress(ask) : null;
}

function blankAddress(ask: CheckoutInvoiceAddress): InvoiceAddressValue {
  return {
    is_business: false,
    company: "",
    name: "",
    street: "",
    zipcode: "",
    city: "",
    country: ask.default_country,
    vat_id: "",
  };
}

type TextKey = Exclude<keyof InvoiceAddressValue, "is_business">;

export default function InvoiceAddressForm({
  ask,
  value,
  onChange,
  errors,
}: {
  ask: CheckoutInvoiceAddress;
  value: InvoiceAddressValue | null;
  onChange: (value: InvoiceAddressValue | null) => void;
  errors: Partial<Record<string, string>>;
}) {
  const { t } = useLingui();
  const error = (key: string) => errors[`invoice_address.${key}`];
  const text = (key: TextKey) => ({
    value: value?.[key] ?? "",
    onChange: (e: { target: { value: string } }) =>
      value && onChange({ ...value, [key]: e.target.value }),
    error: error(key),
  });
  const inEu = value ? ask.eu_countries.includes(value.country) : false;
  return (
    <fieldset className="space-y-3" data-testid="invoice-address">
      <legend className="text-sm font-medium text-slate-700">
        <Trans>Invoice address</Trans>
      </legend>
      {!ask.required ? (
        <CheckboxField
          label={t`I need an invoice made out to me or my company`}
          checked={value !== null}
          onChange={(e) => onChange(e.target.checked ? blankAddress(ask) : null)}
        />
      ) : null}
      {errors.invoice_address ? (
        <p role="alert" className="text-sm text-red-700">
          {errors.invoice_address}
        </p>
      ) : null}
      {value ? (
        <>
          <CheckboxField
            label={t`Buying as a business`}
            checked={value.is_business}
            onChange={(e) => onChange({ ...value, is_business: e.target.checked })}
            error={error("is_business")}
          />
          {value.is_business ? (
            <TextField
              label={t`Company`}
              autoComplete="organization"
              required
              {...text("company")}
            />
          ) : null}
          <TextField
            label={value.is_business ? t`Name (optional)` : t`Name`}
            autoComplete="name"
            required={!value.is_business}
            {...text("name")}
          />
          <TextField
            label={t`Street and number`}
            autoComplete="street-address"
            required
            {...text("street")}
          />
          <div className="grid gap-3 sm:grid-cols-[8rem_1fr]">
            <TextField label={t`Postcode`} autoComplete="postal-code" {...text("zipcode")} />
            <TextField label={t`City`} autoComplete="address-level2" required {...text("city")} />
          </div>
          <SelectField
            label={t`Country`}
            autoComplete="country"
            options={[
              { value: "", label: t`Choose…` },
              ...ask.countries.map((c) => ({ value: c.code, label: c.name })),
            ]}
            {...text("country")}
          />
          {value.is_business ? (
            <TextField
              label={inEu ? t`VAT ID` : t`VAT ID (optional)`}
              autoComplete="off"
              hint={t`With or without its country prefix, e.g. FR40303265045. It is checked with the EU's VIES.`}
              required={inEu}
              {...text("vat_id")}
            />
          ) : null}
        </>
      ) : null}
    </fieldset>
  );
}

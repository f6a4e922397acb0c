import { Link, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import type { EventTaxSettings as Settings } from "../types";
import { FormError, PrimaryButton, SelectField } from "./fields";

// The event editor's tax section: the event's tax rule, a ticket type's own, and whether the
// checkout asks for an invoice address (posted on its own: backoffice/views/taxes.py).
export default function EventTaxSettings({ settings }: { settings: Settings }) {
  const { t } = useLingui();
  const form = useForm({
    tax_rule: settings.tax_rule === null ? "" : String(settings.tax_rule),
    invoice_address: settings.invoice_address,
    ticket_types: Object.fromEntries(
      settings.ticket_types.map((ticketType) => [
        String(ticketType.id),
        ticketType.tax_rule === null ? "" : String(ticketType.tax_rule),
      ]),
    ) as Record<string, string>,
  });
  const errors = form.errors as Partial<Record<string, string>>;
  const error = (key: string) => errors[`taxes.${key}`];
  const noRule = { value: "", label: t`No tax` };
  const options = [noRule, ...settings.rules];

  function save(e: FormEvent) {
    e.preventDefault();
    form.transform((data) => ({
      ...data,
      tax_rule: data.tax_rule || null,
      ticket_types: Object.fromEntries(
        Object.entries(data.ticket_types).map(([id, rule]) => [id, rule || null]),
      ),
    }));
    form.post(settings.url, { preserveScroll: true });
  }

  return (
    <section
      className="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      data-testid="event-taxes"
    >
      <h2 className="mb-1 text-lg font-semibold">
        <Trans>Tax and invoices</Trans>
      </h2>
      <p className="mb-4 text-sm text-slate-600">
        <Trans>The tax rule decides the VAT of each ticket for each buyer.</Trans>{" "}
        <Link href={settings.rules_url} className="underline">
          <Trans>Manage tax rules</Trans>
        </Link>
      </p>
      <form onSubmit={save} className="grid gap-4 sm:grid-cols-2" noValidate>
        <FormError message={error("form")} />
        <SelectField
          label={t`Tax rule`}
          options={options}
          value={form.data.tax_rule}
          onChange={(e) => form.setData("tax_rule", e.target.value)}
          error={error("tax_rule")}
        />
        <SelectField
          label={t`Invoice address at checkout`}
          options={settings.invoice_address_options}
          value={form.data.invoice_address}
          onChange={(e) => form.setData("invoice_address", e.target.value)}
          error={error("invoice_address")}
        />
        {settings.ticket_types.length > 0 ? (
          <fieldset className="space-y-2 sm:col-span-2">
            <legend className="text-sm font-medium text-slate-700">
              <Trans>Per ticket type</Trans>
            </legend>
            {settings.ticket_types.map((ticketType) => (
              <SelectField
                key={ticketType.id}
                label={ticketType.name}
                options={[{ value: "", label: t`The event's rule` }, ...settings.rules]}
                value={form.data.ticket_types[String(ticketType.id)] ?? ""}
                onChange={(e) =>
                  form.setData("ticket_types", {
                    ...form.data.ticket_types,
                    [String(ticketType.id)]: e.target.value,
                  })
                }
                error={error(`ticket_types.${ticketType.id}`)}
              />
            ))}
            <FormError message={error("ticket_types")} />
          </fieldset>
        ) : null}
        <div className="sm:col-span-2">
          <PrimaryButton disabled={form.processing}>
            <Trans>Save tax settings</Trans>
          </PrimaryButton>
        </div>
      </form>
    </section>
  );
}

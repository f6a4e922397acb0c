import { useForm } from "@inertiajs/react";
import { useLingui } from "@lingui/react/macro";
import { type FormEvent, useState } from "react";
import { fallbackHint, languageName, type Translations, withTranslation } from "../lib/languages";
import { CheckboxField, FormError, PrimaryButton, TextArea, TextField } from "./fields";
import LanguageTabs from "./LanguageTabs";

export type TicketTypeValues = {
  name: string;
  description: string;
  price: string;
  capacity: string;
  sales_start: string;
  sales_end: string;
  min_per_order: string;
  max_per_order: string;
  max_tickets_per_email: string;
  hidden: boolean;
  // Name and description in the event's other languages.
  translations: Translations;
};

export const EMPTY_TICKET_TYPE: TicketTypeValues = {
  name: "",
  description: "",
  price: "0.00",
  capacity: "100",
  sales_start: "",
  sales_end: "",
  min_per_order: "1",
  max_per_order: "10",
  max_tickets_per_email: "",
  hidden: false,
  translations: {},
};

type Props = {
  action: string;
  initial: TicketTypeValues;
  // Server errors for this form arrive as "<errorKey>.<field>".
  errorKey: string;
  pageErrors: Record<string, string>;
  currency: string;
  // The event's language and all its languages: the name and description get a tab each.
  locale: string;
  locales: string[];
  submitLabel: string;
  onDone?: () => void;
};

export default function TicketTypeForm({
  action,
  initial,
  errorKey,
  pageErrors,
  currency,
  locale,
  locales,
  submitLabel,
  onDone,
}: Props) {
  const { t } = useLingui();
  const form = useForm<TicketTypeValues>(initial);
  const error = (field: string) => pageErrors[`${errorKey}.${field}`];
  const [language, setLanguage] = useState(locale);
  const translated = language !== locale && locales.includes(language);
  const translation = form.data.translations[language] ?? {};
  const fallback = fallbackHint(language, locale);
  const name = languageName(language);
  const translate = (field: string, value: string) =>
    form.setData("translations", withTranslation(form.data.translations, language, field, value));

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(action, {
      preserveScroll: true,
      onSuccess: (page) => {
        const failed = Object.keys(page.props.errors ?? {}).some((key) =>
          key.startsWith(`${errorKey}.`),
        );
        if (!failed) {
          onDone?.();
        }
      },
    });
  }

  return (
    <form
      onSubmit={submit}
      className="grid gap-3 sm:grid-cols-4"
      noValidate
      data-testid={`ticket-type-form-${errorKey}`}
    >
      <div className="sm:col-span-4">
        <FormError message={error("form")} />
        <LanguageTabs
          locales={locales}
          defaultLocale={locale}
          active={language}
          onChange={setLanguage}
          error={error("translations")}
        />
      </div>
      {translated ? (
        <>
          <TextField
            className="sm:col-span-4"
            label={t`Name (${name})`}
            hint={fallback}
            value={translation.name ?? ""}
            onChange={(e) => translate("name", e.target.value)}
          />
          <TextArea
            className="sm:col-span-4"
            label={t`Description (${name})`}
            rows={2}
            hint={fallback}
            value={translation.description ?? ""}
            onChange={(e) => translate("description", e.target.value)}
          />
        </>
      ) : null}
      <TextField
        className={`sm:col-span-2 ${translated ? "hidden" : ""}`}
        label={t({ message: "Name", context: "ticket type" })}
        value={form.data.name}
        onChange={(e) => form.setData("name", e.target.value)}
        error={error("name")}
        required
      />
      <TextField
        label={t`Price (${currency})`}
        inputMode="decimal"
        value={form.data.price}
        onChange={(e) => form.setData("price", e.target.value)}
        error={error("price")}
        required
      />
      <TextField
        label={t`Capacity`}
        type="number"
        min={1}
        value={form.data.capacity}
        onChange={(e) => form.setData("capacity", e.target.value)}
        error={error("capacity")}
        required
      />
      <TextArea
        className={`sm:col-span-4 ${translated ? "hidden" : ""}`}
        label={t`Description`}
        rows={2}
        value={form.data.description}
        onChange={(e) => form.setData("description", e.target.value)}
        error={error("description")}
      />
      <TextField
        className="sm:col-span-2"
        label={t`Sales start`}
        type="datetime-local"
        value={form.data.sales_start}
        onChange={(e) => form.setData("sales_start", e.target.value)}
        error={error("sales_start")}
      />
      <TextField
        className="sm:col-span-2"
        label={t`Sales end`}
        type="datetime-local"
        value={form.data.sales_end}
        onChange={(e) => form.setData("sales_end", e.target.value)}
        error={error("sales_end")}
      />
      <TextField
        label={t`Min per order`}
        type="number"
        min={1}
        value={form.data.min_per_order}
        onChange={(e) => form.setData("min_per_order", e.target.value)}
        error={error("min_per_order")}
      />
      <TextField
        label={t`Max per order`}
        type="number"
        min={1}
        value={form.data.max_per_order}
        onChange={(e) => form.setData("max_per_order", e.target.value)}
        error={error("max_per_order")}
      />
      <TextField
        label={t`Max per person`}
        type="number"
        min={1}
        hint={t`Per email, over all orders. Empty: no limit.`}
        value={form.data.max_tickets_per_email}
        onChange={(e) => form.setData("max_tickets_per_email", e.target.value)}
        error={error("max_tickets_per_email")}
      />
      <CheckboxField
        className="self-end sm:col-span-2"
        label={t`Hidden (only with a voucher)`}
        checked={form.data.hidden}
        onChange={(e) => form.setData("hidden", e.target.checked)}
        error={error("hidden")}
      />
      <div className="sm:col-span-4">
        <PrimaryButton disabled={form.processing}>{submitLabel}</PrimaryButton>
      </div>
    </form>
  );
}

import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { useState } from "react";
import {
  fallbackHint,
  LANGUAGE_CODES,
  languageName,
  type Translations,
  withTranslation,
} from "../lib/languages";
import { CheckboxField, SelectField, TextArea, TextField } from "./fields";
import LanguageTabs from "./LanguageTabs";

export type EventFormData = {
  title: string;
  slug: string;
  description: string;
  venue_name: string;
  venue_address: string;
  is_online: boolean;
  timezone: string;
  starts_at: string;
  ends_at: string;
  currency: string;
  capacity: string;
  cover_image: File | null;
  hold_minutes: string;
  collect_attendee_names: boolean;
  payment_methods: string[];
  offline_payment_days: string;
  buyer_share_percent: string;
  max_tickets_per_buyer: string;
  confirm_bank_transfers: boolean;
  max_tickets_per_email: string;
  name_change_deadline_hours: string;
  // The event's language (title and description above are in it), the languages buyers may
  // read it in, and the texts in the others (sent as JSON text: a cover image makes the post
  // multipart).
  locale: string;
  locales: string[];
  translations: Translations;
};

// The form as posted: the languages and translations as JSON text, which a multipart post (a
// cover image) carries as it is (events.forms reads either).
export function eventFormPost(data: EventFormData) {
  return {
    ...data,
    locales: JSON.stringify(data.locales),
    translations: JSON.stringify(data.translations),
  };
}

const PAYMENT_METHODS: { value: string; label: MessageDescriptor }[] = [
  { value: "stripe", label: msg`Card (Stripe)` },
  { value: "offline", label: msg`Bank transfer` },
  { value: "demo", label: msg`Card (demo; development only)` },
];

type Props = {
  data: EventFormData;
  setData: <K extends keyof EventFormData>(key: K, value: EventFormData[K]) => void;
  errors: Partial<Record<keyof EventFormData | "form", string>>;
  timezones: string[];
  currencies: string[];
  // The payment methods set up on this installation; a ticked other one is not offered.
  configuredPaymentMethods: string[];
  // A series' times are its dates' (the dates page): no start and end here.
  showTimes?: boolean;
};

// The event fields shared by the "new event" page and the editor.
export default function EventFormFields({
  data,
  setData,
  errors,
  timezones,
  currencies,
  configuredPaymentMethods,
  showTimes = true,
}: Props) {
  const { t, i18n } = useLingui();
  const [language, setLanguage] = useState(data.locale);
  const editing = data.locales.includes(language) ? language : data.locale;
  const translated = editing !== data.locale;
  const translation = data.translations[editing] ?? {};
  const fallback = fallbackHint(editing, data.locale);
  const editingName = languageName(editing);
  const translate = (field: string, value: string) =>
    setData("translations", withTranslation(data.translations, editing, field, value));

  // A new event language: the texts move with their languages (the server does the same for
  // the ticket types, questions and email texts).
  function chooseLocale(code: string) {
    const { [code]: incoming = {}, ...others } = data.translations;
    const outgoing: Record<string, string> = {};
    if (data.title) {
      outgoing.title = data.title;
    }
    if (data.description) {
      outgoing.description = data.description;
    }
    setData(
      "translations",
      Object.keys(outgoing).length ? { ...others, [data.locale]: outgoing } : others,
    );
    if (incoming.title) {
      setData("title", incoming.title);
    }
    if (incoming.description) {
      setData("description", incoming.description);
    }
    setData("locale", code);
    setData(
      "locales",
      LANGUAGE_CODES.filter((c) => c === code || data.locales.includes(c)),
    );
    setLanguage(code);
  }

  function toggleLocale(code: string, on: boolean) {
    setData(
      "locales",
      on
        ? LANGUAGE_CODES.filter((c) => c === code || data.locales.includes(c))
        : data.locales.filter((c) => c !== code),
    );
    if (!on) {
      const { [code]: _dropped, ...kept } = data.translations;
      setData("translations", kept);
    }
  }

  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <fieldset
        className="sm:col-span-2 rounded-lg border border-slate-200 p-4"
        data-testid="event-languages"
      >
        <legend className="px-1 text-sm font-semibold text-slate-700">
          <Trans>Languages</Trans>
        </legend>
        <div className="grid gap-4 sm:grid-cols-2">
          <SelectField
            label={t`Event language`}
            name="locale"
            hint={t`The title and description below are in it; buyers of other languages fall back to it.`}
            value={data.locale}
            onChange={(e) => chooseLocale(e.target.value)}
            options={LANGUAGE_CODES.map((code) => ({ value: code, label: languageName(code) }))}
            error={errors.locale}
          />
          <div>
            <p className="text-sm font-medium text-slate-700">
              <Trans>Buyers may read it in</Trans>
            </p>
            {LANGUAGE_CODES.map((code) => (
              <CheckboxField
                key={code}
                label={languageName(code)}
                checked={code === data.locale || data.locales.includes(code)}
                disabled={code === data.locale}
                onChange={(e) => toggleLocale(code, e.target.checked)}
              />
            ))}
            {errors.locales ? (
              <p className="mt-1 text-sm text-red-700" data-server-text>
                {errors.locales}
              </p>
            ) : null}
          </div>
        </div>
      </fieldset>
      <div className="sm:col-span-2">
        <LanguageTabs
          locales={data.locales}
          defaultLocale={data.locale}
          active={editing}
          onChange={setLanguage}
          error={errors.translations}
        />
      </div>
      {translated ? (
        <>
          <TextField
            className="sm:col-span-2"
            label={t`Title (${editingName})`}
            name={`title-${editing}`}
            hint={fallback}
            value={translation.title ?? ""}
            onChange={(e) => translate("title", e.target.value)}
          />
          <TextArea
            className="sm:col-span-2"
            label={t`Description (${editingName})`}
            name={`description-${editing}`}
            rows={6}
            hint={fallback}
            value={translation.description ?? ""}
            onChange={(e) => translate("description", e.target.value)}
          />
        </>
      ) : null}
      <TextField
        className={`sm:col-span-2 ${translated ? "hidden" : ""}`}
        label={t`Title`}
        name="title"
        value={data.title}
        onChange={(e) => setData("title", e.target.value)}
        error={errors.title}
        required
      />
      <TextField
        className="sm:col-span-2"
        label={t`URL name`}
        name="slug"
        hint={t`Optional; made from the title when empty. The page will be /events/‹URL name›/`}
        value={data.slug}
        onChange={(e) => setData("slug", e.target.value)}
        error={errors.slug}
      />
      <TextArea
        className={`sm:col-span-2 ${translated ? "hidden" : ""}`}
        label={t`Description`}
        name="description"
        rows={6}
        hint={t`Markdown: **bold**, *italic*, [links](https://…), lists.`}
        value={data.description}
        onChange={(e) => setData("description", e.target.value)}
        error={errors.description}
      />
      <CheckboxField
        className="sm:col-span-2"
        label={t`Online event`}
        name="is_online"
        checked={data.is_online}
        onChange={(e) => setData("is_online", e.target.checked)}
        error={errors.is_online}
      />
      {!data.is_online ? (
        <>
          <TextField
            label={t`Venue`}
            name="venue_name"
            value={data.venue_name}
            onChange={(e) => setData("venue_name", e.target.value)}
            error={errors.venue_name}
          />
          <TextField
            label={t`Address`}
            name="venue_address"
            value={data.venue_address}
            onChange={(e) => setData("venue_address", e.target.value)}
            error={errors.venue_address}
          />
        </>
      ) : null}
      <SelectField
        label={t`Time zone`}
        name="timezone"
        value={data.timezone}
        onChange={(e) => setData("timezone", e.target.value)}
        options={timezones.map((tz) => ({ value: tz, label: tz }))}
        error={errors.timezone}
        hint={
          showTimes ? t`Start and end are times in this zone.` : t`Dates are times in this zone.`
        }
      />
      <SelectField
        label={t`Currency`}
        name="currency"
        value={data.currency}
        onChange={(e) => setData("currency", e.target.value)}
        options={currencies.map((code) => ({ value: code, label: code }))}
        error={errors.currency}
      />
      {showTimes ? (
        <>
          <TextField
            label={t`Starts`}
            type="datetime-local"
            name="starts_at"
            value={data.starts_at}
            onChange={(e) => setData("starts_at", e.target.value)}
            error={errors.starts_at}
            required
          />
          <TextField
            label={t`Ends`}
            type="datetime-local"
            name="ends_at"
            value={data.ends_at}
            onChange={(e) => setData("ends_at", e.target.value)}
            error={errors.ends_at}
            required
          />
        </>
      ) : null}
      <TextField
        label={t`Event capacity`}
        type="number"
        min={1}
        name="capacity"
        hint={t`Optional: a limit shared by all ticket types.`}
        value={data.capacity}
        onChange={(e) => setData("capacity", e.target.value)}
        error={errors.capacity}
      />
      <TextField
        label={t`Cover image`}
        type="file"
        name="cover_image"
        accept="image/jpeg,image/png,image/webp"
        hint={t`JPEG, PNG or WebP, up to 5 MB.`}
        onChange={(e) => setData("cover_image", e.target.files?.[0] ?? null)}
        error={errors.cover_image}
      />
      <fieldset className="sm:col-span-2 rounded-lg border border-slate-200 p-4">
        <legend className="px-1 text-sm font-semibold text-slate-700">
          <Trans>Checkout</Trans>
        </legend>
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label={t`Reservation time (minutes)`}
            type="number"
            min={1}
            max={60}
            hint={t`How long chosen tickets stay reserved while a buyer checks out.`}
            value={data.hold_minutes}
            onChange={(e) => setData("hold_minutes", e.target.value)}
            error={errors.hold_minutes}
          />
          <TextField
            label={t`Days to pay by bank transfer`}
            type="number"
            min={1}
            max={30}
            value={data.offline_payment_days}
            onChange={(e) => setData("offline_payment_days", e.target.value)}
            error={errors.offline_payment_days}
          />
          <CheckboxField
            className="sm:col-span-2"
            label={t`Bank transfers hold their tickets for an hour until the buyer confirms by email`}
            checked={data.confirm_bank_transfers}
            onChange={(e) => setData("confirm_bank_transfers", e.target.checked)}
          />
          <TextField
            label={t`Most one buyer may hold (% of a date's tickets)`}
            type="number"
            min={1}
            max={100}
            hint={t`In reservations and unpaid orders, per email and per client address (at least 10 tickets).`}
            value={data.buyer_share_percent}
            onChange={(e) => setData("buyer_share_percent", e.target.value)}
            error={errors.buyer_share_percent}
          />
          <TextField
            label={t`…and at most (tickets)`}
            type="number"
            min={1}
            hint={t`Empty: the platform's cap (100 unless the operator changed it).`}
            value={data.max_tickets_per_buyer}
            onChange={(e) => setData("max_tickets_per_buyer", e.target.value)}
            error={errors.max_tickets_per_buyer}
          />
          <TextField
            label={t`Most tickets per person (per email)`}
            type="number"
            min={1}
            hint={t`In paid and pending orders, over all dates; case and +tags do not make another email. Empty: no limit.`}
            value={data.max_tickets_per_email}
            onChange={(e) => setData("max_tickets_per_email", e.target.value)}
            error={errors.max_tickets_per_email}
          />
          <TextField
            label={t`Buyers may change attendee names until (hours before the start)`}
            type="number"
            min={0}
            hint={t`0: until the start. Empty: only you change them, from the order.`}
            value={data.name_change_deadline_hours}
            onChange={(e) => setData("name_change_deadline_hours", e.target.value)}
            error={errors.name_change_deadline_hours}
          />
          <CheckboxField
            className="sm:col-span-2"
            label={t`Ask for the attendee's name on every ticket`}
            checked={data.collect_attendee_names}
            onChange={(e) => setData("collect_attendee_names", e.target.checked)}
          />
          <div className="sm:col-span-2">
            <p className="text-sm font-medium text-slate-700">
              <Trans>Payment methods for paid tickets</Trans>
            </p>
            {PAYMENT_METHODS.map((method) => (
              <div key={method.value}>
                <CheckboxField
                  label={i18n._(method.label)}
                  checked={data.payment_methods.includes(method.value)}
                  onChange={(e) =>
                    setData(
                      "payment_methods",
                      e.target.checked
                        ? [...data.payment_methods, method.value]
                        : data.payment_methods.filter((m) => m !== method.value),
                    )
                  }
                />
                {data.payment_methods.includes(method.value) &&
                !configuredPaymentMethods.includes(method.value) ? (
                  <p
                    className="ml-6 text-sm text-amber-800"
                    data-testid={`payment-method-not-configured-${method.value}`}
                  >
                    {method.value === "stripe"
                      ? t`Not set up on this installation: buyers are not offered it until STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are configured.`
                      : t`Not set up on this installation: buyers are not offered it.`}
                  </p>
                ) : null}
              </div>
            ))}
            {errors.payment_methods ? (
              <p className="mt-1 text-sm text-red-700" data-server-text>
                {errors.payment_methods}
              </p>
            ) : null}
          </div>
        </div>
      </fieldset>
    </div>
  );
}

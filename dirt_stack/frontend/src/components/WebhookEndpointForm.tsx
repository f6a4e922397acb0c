import { useForm } from "@inertiajs/react";
import { useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { CheckboxField, CheckboxGroup, FormError, PrimaryButton, TextField } from "./fields";

type Values = {
  url: string;
  description: string;
  event_types: string[];
  events: number[];
  enabled: boolean;
};

// The endpoint's settings, shared by the list (a new endpoint) and the endpoint's page. The
// event types are named by their codes (`order.paid`), as the messages carry them.
export default function WebhookEndpointForm({
  action,
  initial,
  eventTypes,
  events,
  submitLabel,
}: {
  action: string;
  initial: Values;
  eventTypes: { value: string; label: string }[];
  events: { id: number; name: string }[];
  submitLabel: string;
}) {
  const { t } = useLingui();
  const form = useForm<Values>(initial);
  const errors = form.errors as Partial<Record<keyof Values | "form", string>>;

  function submit(e: FormEvent) {
    e.preventDefault();
    form.post(action, { preserveScroll: true });
  }

  return (
    <form
      onSubmit={submit}
      className="grid gap-4 rounded-xl border border-slate-200 bg-white p-5"
      noValidate
    >
      <FormError message={errors.form} />
      <TextField
        label={t`URL`}
        value={form.data.url}
        onChange={(e) => form.setData("url", e.target.value)}
        error={errors.url}
        placeholder={t({
          message: "https://example.com/maticko-webhooks",
          comment: "An example of an endpoint's address",
        })}
        hint={t`https:// and a public host; Maticko posts signed JSON to it.`}
      />
      <TextField
        label={t`Description (optional)`}
        value={form.data.description}
        onChange={(e) => form.setData("description", e.target.value)}
        error={errors.description}
      />
      <CheckboxGroup
        legend={t`Event types`}
        options={eventTypes}
        chosen={form.data.event_types}
        onChange={(chosen) => form.setData("event_types", chosen)}
        hint={t`None chosen: every type.`}
        error={errors.event_types}
      />
      {events.length > 0 ? (
        <CheckboxGroup
          legend={t`Events`}
          options={events.map((event) => ({ value: event.id, label: event.name }))}
          chosen={form.data.events}
          onChange={(chosen) => form.setData("events", chosen)}
          hint={t`None chosen: every event, also those created later.`}
          error={errors.events}
        />
      ) : null}
      <CheckboxField
        label={t`Enabled`}
        checked={form.data.enabled}
        onChange={(e) => form.setData("enabled", e.target.checked)}
        error={errors.enabled}
      />
      <div>
        <PrimaryButton disabled={form.processing}>{submitLabel}</PrimaryButton>
      </div>
    </form>
  );
}

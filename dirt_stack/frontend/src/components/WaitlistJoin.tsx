import { useForm, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import type { EventDetail, WaitlistRef } from "../types";
import { FormError, PrimaryButton, SelectField, TextField } from "./fields";

// "Join the waiting list" for the chosen date's sold-out ticket types: email and quantity;
// the server emails a confirmation link (double opt-in).
export default function WaitlistJoin({
  event,
  waitlist,
}: {
  event: EventDetail;
  waitlist: WaitlistRef;
}) {
  const errors = usePage().props.errors;
  const { t } = useLingui();
  const types = event.ticket_types.filter((type) => waitlist.ticket_type_ids.includes(type.id));
  const form = useForm({
    date: event.date?.id ?? null,
    ticket_type: String(types[0]?.id ?? ""),
    quantity: "1",
    email: "",
  });
  const chosen = types.find((type) => String(type.id) === form.data.ticket_type) ?? types[0];
  const most = chosen?.max_per_order ?? 1;
  const least = Math.max(1, chosen?.min_per_order ?? 1);

  function submit(e: FormEvent) {
    e.preventDefault();
    form.transform((data) => ({
      ...data,
      ticket_type: Number(data.ticket_type),
      quantity: Number(data.quantity),
    }));
    form.post(waitlist.join_url, { preserveScroll: true });
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      data-testid="waitlist-join"
      className="mt-4 space-y-3 rounded-lg border border-slate-200 bg-slate-50 p-4"
    >
      <h2 className="font-semibold">
        <Trans>Join the waiting list</Trans>
      </h2>
      <p className="text-sm text-slate-600">
        <Trans>
          Sold out. Leave your email: when tickets come free they are offered to the waiting list
          first, in order, and held for you for a while.
        </Trans>
      </p>
      <FormError message={errors.waitlist_form} />
      {types.length > 1 ? (
        <SelectField
          label={t`Ticket type`}
          name="ticket_type"
          value={form.data.ticket_type}
          onChange={(e) => form.setData("ticket_type", e.target.value)}
          error={errors.waitlist_ticket_type}
          options={types.map((type) => ({ value: String(type.id), label: type.name }))}
        />
      ) : (
        <>
          <p className="text-sm font-medium">{chosen?.name}</p>
          <FormError message={errors.waitlist_ticket_type} />
        </>
      )}
      <SelectField
        label={t`Tickets`}
        name="quantity"
        value={form.data.quantity}
        onChange={(e) => form.setData("quantity", e.target.value)}
        error={errors.waitlist_quantity}
        options={Array.from({ length: Math.max(most - least + 1, 1) }, (_, i) => ({
          value: String(least + i),
          label: String(least + i),
        }))}
      />
      <TextField
        label={t`Email`}
        name="email"
        type="email"
        autoComplete="email"
        value={form.data.email}
        onChange={(e) => form.setData("email", e.target.value)}
        error={errors.waitlist_email}
      />
      <PrimaryButton disabled={form.processing} className="w-full">
        <Trans>Join the waiting list</Trans>
      </PrimaryButton>
    </form>
  );
}

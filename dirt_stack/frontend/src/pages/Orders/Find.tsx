import { Head, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";

export default function FindOrders() {
  const { t } = useLingui();
  const form = useForm({ email: "" });
  const errors = form.errors as Partial<Record<"email" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post("/orders/find/", { onSuccess: () => form.reset() });
  }

  return (
    <>
      <Head title={t`Find my tickets`} />
      <Card title={t`Find my tickets`} narrow>
        <p className="-mt-3 mb-4 text-sm text-slate-600">
          <Trans>
            Lost the email with your tickets? Type the address you ordered with and we will email it
            the links to your orders.
          </Trans>
        </p>
        <form onSubmit={submit} className="space-y-4" noValidate>
          <FormError message={errors.form} />
          <TextField
            label={t`Email`}
            type="email"
            name="email"
            autoComplete="email"
            value={form.data.email}
            onChange={(e) => form.setData("email", e.target.value)}
            error={errors.email}
            required
          />
          <PrimaryButton disabled={form.processing}>
            <Trans>Email me my order links</Trans>
          </PrimaryButton>
        </form>
      </Card>
    </>
  );
}

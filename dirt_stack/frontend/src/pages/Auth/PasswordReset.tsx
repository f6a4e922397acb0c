import { Head, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";

export default function PasswordReset() {
  const { t } = useLingui();
  const form = useForm({ email: "" });
  const errors = form.errors as Partial<Record<"email" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post("/accounts/password/reset/");
  }

  return (
    <>
      <Head title={t`Reset your password`} />
      <Card title={t`Reset your password`} narrow>
        <p className="-mt-3 mb-4 text-sm text-slate-600">
          <Trans>We will email you a link to choose a new password.</Trans>
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
            <Trans>Send the link</Trans>
          </PrimaryButton>
        </form>
      </Card>
    </>
  );
}

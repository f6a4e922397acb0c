import { Head, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, NewPasswordField, PrimaryButton, TextField } from "../../components/fields";

export default function PasswordChange() {
  const { t } = useLingui();
  const form = useForm({ current_password: "", new_password: "" });
  const errors = form.errors as Partial<
    Record<"current_password" | "new_password" | "form", string>
  >;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post("/accounts/password/change/", { onFinish: () => form.reset() });
  }

  return (
    <>
      <Head title={t`Change your password`} />
      <Card title={t`Change your password`} narrow>
        <form onSubmit={submit} className="space-y-4" noValidate>
          <FormError message={errors.form} />
          <TextField
            label={t`Current password`}
            type="password"
            autoComplete="current-password"
            value={form.data.current_password}
            onChange={(e) => form.setData("current_password", e.target.value)}
            error={errors.current_password}
            required
          />
          <NewPasswordField
            value={form.data.new_password}
            onChange={(e) => form.setData("new_password", e.target.value)}
            error={errors.new_password}
          />
          <PrimaryButton disabled={form.processing}>
            <Trans>Change the password</Trans>
          </PrimaryButton>
        </form>
      </Card>
    </>
  );
}

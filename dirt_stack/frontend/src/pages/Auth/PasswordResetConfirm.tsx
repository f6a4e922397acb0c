import { Head, Link, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, NewPasswordField, PrimaryButton } from "../../components/fields";
import type { PageProps } from "../../types";

export default function PasswordResetConfirm({ valid }: PageProps<"Auth/PasswordResetConfirm">) {
  const { t } = useLingui();
  const form = useForm({ password: "" });
  const errors = form.errors as Partial<Record<"password" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(window.location.pathname);
  }

  return (
    <>
      <Head title={t`Choose a new password`} />
      <Card title={t`Choose a new password`} narrow>
        {valid ? (
          <form onSubmit={submit} className="space-y-4" noValidate>
            <FormError message={errors.form} />
            <NewPasswordField
              name="password"
              value={form.data.password}
              onChange={(e) => form.setData("password", e.target.value)}
              error={errors.password}
            />
            <PrimaryButton disabled={form.processing}>
              <Trans>Save the password</Trans>
            </PrimaryButton>
          </form>
        ) : (
          <p role="alert" className="text-slate-700">
            <Trans>
              This link is invalid or has already been used.{" "}
              <Link href="/accounts/password/reset/" className="text-indigo-700 underline">
                Ask for a new one
              </Link>
              .
            </Trans>
          </p>
        )}
      </Card>
    </>
  );
}

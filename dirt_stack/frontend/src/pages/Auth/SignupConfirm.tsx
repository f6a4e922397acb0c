import { Head, Link, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import {
  binder,
  FormError,
  NewPasswordField,
  PrimaryButton,
  TextField,
} from "../../components/fields";
import type { PageProps } from "../../types";

export default function SignupConfirm({ valid, email }: PageProps<"Auth/SignupConfirm">) {
  const { t } = useLingui();
  const form = useForm({ full_name: "", password: "" });
  const errors = form.errors as Partial<Record<"full_name" | "password" | "form", string>>;
  const bind = binder(form, errors);

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(window.location.pathname + window.location.search, {
      onFinish: () => form.reset("password"),
    });
  }

  return (
    <>
      <Head title={t`Create your account`} />
      <Card title={t`Create your account`} narrow>
        {valid ? (
          <form onSubmit={submit} className="space-y-4" noValidate>
            <p className="text-sm text-slate-600">
              <Trans>
                Your account's email: <strong>{email}</strong>
              </Trans>
            </p>
            <FormError message={errors.form} />
            <TextField
              label={t`Your name`}
              name="full_name"
              autoComplete="name"
              {...bind("full_name")}
              required
            />
            <NewPasswordField label={t`Password`} name="password" {...bind("password")} />
            <PrimaryButton disabled={form.processing}>
              {form.processing ? t`Creating…` : t`Create the account`}
            </PrimaryButton>
          </form>
        ) : (
          <p role="alert" className="text-slate-700">
            <Trans>
              This link is invalid, has expired or was already used.{" "}
              <Link href="/accounts/login/" className="text-indigo-700 underline">
                Log in
              </Link>{" "}
              or{" "}
              <Link href="/accounts/signup/" className="text-indigo-700 underline">
                sign up again
              </Link>
              .
            </Trans>
          </p>
        )}
      </Card>
    </>
  );
}

import { Head, Link, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";
import type { PageProps } from "../../types";

export default function Login({ next }: PageProps<"Auth/Login">) {
  const { t } = useLingui();
  const form = useForm({ email: "", password: "" });
  const errors = form.errors as Partial<Record<"email" | "password" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(`/accounts/login/?next=${encodeURIComponent(next)}`, {
      onFinish: () => form.reset("password"),
    });
  }

  return (
    <>
      <Head title={t`Log in`} />
      <Card title={t`Log in`} narrow>
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
          <TextField
            label={t`Password`}
            type="password"
            name="password"
            autoComplete="current-password"
            value={form.data.password}
            onChange={(e) => form.setData("password", e.target.value)}
            error={errors.password}
            required
          />
          <PrimaryButton disabled={form.processing} className="w-full">
            {form.processing ? t`Logging in…` : t`Log in`}
          </PrimaryButton>
        </form>
        <div className="mt-4 flex justify-between text-sm">
          <Link href="/accounts/password/reset/" className="text-indigo-700 hover:underline">
            <Trans>Forgot your password?</Trans>
          </Link>
          <Link
            href={`/accounts/signup/?next=${encodeURIComponent(next)}`}
            className="text-indigo-700 hover:underline"
          >
            <Trans>Create an account</Trans>
          </Link>
        </div>
      </Card>
    </>
  );
}

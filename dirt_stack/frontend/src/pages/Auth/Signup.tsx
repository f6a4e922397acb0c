import { Head, Link, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";
import type { PageProps } from "../../types";

export default function Signup({ next }: PageProps<"Auth/Signup">) {
  const { t } = useLingui();
  const form = useForm({ email: "" });
  const errors = form.errors as Partial<Record<"email" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(`/accounts/signup/?next=${encodeURIComponent(next)}`);
  }

  return (
    <>
      <Head title={t`Sign up`} />
      <Card title={t`Create your account`} narrow>
        <p className="-mt-3 mb-4 text-sm text-slate-600">
          <Trans>
            For organizers and their teams. Buying tickets needs no account. We email you a link to
            choose your password.
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
            {form.processing ? t`Sending…` : t`Sign up`}
          </PrimaryButton>
        </form>
        <p className="mt-4 text-sm">
          <Trans>
            Already have an account?{" "}
            <Link href="/accounts/login/" className="text-indigo-700 hover:underline">
              Log in
            </Link>
          </Trans>
        </p>
      </Card>
    </>
  );
}

import { Head, Link, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";
import type { PageProps } from "../../types";

export default function PasswordResetConfirm({ valid }: PageProps<"Auth/PasswordResetConfirm">) {
  const form = useForm({ password: "" });
  const errors = form.errors as Partial<Record<"password" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(window.location.pathname);
  }

  return (
    <>
      <Head title="Choose a new password" />
      <Card title="Choose a new password" narrow>
        {valid ? (
          <form onSubmit={submit} className="space-y-4" noValidate>
            <FormError message={errors.form} />
            <TextField
              label="New password"
              type="password"
              name="password"
              autoComplete="new-password"
              hint="At least 12 characters, not a common password, not like your name or email."
              value={form.data.password}
              onChange={(e) => form.setData("password", e.target.value)}
              error={errors.password}
              required
            />
            <PrimaryButton disabled={form.processing}>Save the password</PrimaryButton>
          </form>
        ) : (
          <p role="alert" className="text-slate-700">
            This link is invalid or has already been used.{" "}
            <Link href="/accounts/password/reset/" className="text-indigo-700 underline">
              Ask for a new one
            </Link>
            .
          </p>
        )}
      </Card>
    </>
  );
}

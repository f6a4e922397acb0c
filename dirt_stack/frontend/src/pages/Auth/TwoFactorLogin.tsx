import { Head, Link, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";

export default function TwoFactorLogin() {
  const form = useForm({ code: "" });
  const errors = form.errors as Partial<Record<"code" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post("/accounts/login/two-factor/", { onFinish: () => form.reset("code") });
  }

  return (
    <>
      <Head title="Two-factor authentication" />
      <Card title="Enter your code" narrow>
        <form onSubmit={submit} className="space-y-4" noValidate>
          <FormError message={errors.form} />
          <TextField
            label="Code"
            name="code"
            autoComplete="one-time-code"
            hint="The six digits your authenticator app shows, or one of your recovery codes."
            value={form.data.code}
            onChange={(e) => form.setData("code", e.target.value)}
            error={errors.code}
            maxLength={32}
            required
          />
          <PrimaryButton disabled={form.processing} className="w-full">
            {form.processing ? "Checking…" : "Verify"}
          </PrimaryButton>
        </form>
        <p className="mt-4 text-sm">
          <Link href="/accounts/login/" className="text-indigo-700 hover:underline">
            Start again
          </Link>
        </p>
      </Card>
    </>
  );
}

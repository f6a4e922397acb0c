import { Head, Link, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";
import type { PageProps } from "../../types";

export default function Signup({ next }: PageProps<"Auth/Signup">) {
  const form = useForm({ email: "" });
  const errors = form.errors as Partial<Record<"email" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(`/accounts/signup/?next=${encodeURIComponent(next)}`);
  }

  return (
    <>
      <Head title="Sign up" />
      <Card title="Create your account" narrow>
        <p className="-mt-3 mb-4 text-sm text-slate-600">
          For organizers and their teams. Buying tickets needs no account. We email you a link to
          choose your password.
        </p>
        <form onSubmit={submit} className="space-y-4" noValidate>
          <FormError message={errors.form} />
          <TextField
            label="Email"
            type="email"
            name="email"
            autoComplete="email"
            value={form.data.email}
            onChange={(e) => form.setData("email", e.target.value)}
            error={errors.email}
            required
          />
          <PrimaryButton disabled={form.processing}>
            {form.processing ? "Sending…" : "Sign up"}
          </PrimaryButton>
        </form>
        <p className="mt-4 text-sm">
          Already have an account?{" "}
          <Link href="/accounts/login/" className="text-indigo-700 hover:underline">
            Log in
          </Link>
        </p>
      </Card>
    </>
  );
}

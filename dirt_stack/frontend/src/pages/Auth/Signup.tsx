import { Head, Link, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";
import type { PageProps } from "../../types";

export default function Signup({ next }: PageProps<"Auth/Signup">) {
  const form = useForm({ full_name: "", email: "", password: "" });
  const errors = form.errors as Partial<
    Record<"full_name" | "email" | "password" | "form", string>
  >;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(`/accounts/signup/?next=${encodeURIComponent(next)}`, {
      onFinish: () => form.reset("password"),
    });
  }

  return (
    <>
      <Head title="Sign up" />
      <Card title="Create your account" narrow>
        <p className="-mt-3 mb-4 text-sm text-slate-600">
          For organizers and their teams. Buying tickets needs no account.
        </p>
        <form onSubmit={submit} className="space-y-4" noValidate>
          <FormError message={errors.form} />
          <TextField
            label="Your name"
            name="full_name"
            autoComplete="name"
            value={form.data.full_name}
            onChange={(e) => form.setData("full_name", e.target.value)}
            error={errors.full_name}
            required
          />
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
          <TextField
            label="Password"
            type="password"
            name="password"
            autoComplete="new-password"
            hint="At least 8 characters, not too common."
            value={form.data.password}
            onChange={(e) => form.setData("password", e.target.value)}
            error={errors.password}
            required
          />
          <PrimaryButton disabled={form.processing}>
            {form.processing ? "Creating…" : "Sign up"}
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

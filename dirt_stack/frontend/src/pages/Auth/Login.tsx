import { Head, Link, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";
import type { PageProps } from "../../types";

export default function Login({ next }: PageProps<"Auth/Login">) {
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
      <Head title="Log in" />
      <Card title="Log in" narrow>
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
          <TextField
            label="Password"
            type="password"
            name="password"
            autoComplete="current-password"
            value={form.data.password}
            onChange={(e) => form.setData("password", e.target.value)}
            error={errors.password}
            required
          />
          <PrimaryButton disabled={form.processing} className="w-full">
            {form.processing ? "Logging in…" : "Log in"}
          </PrimaryButton>
        </form>
        <div className="mt-4 flex justify-between text-sm">
          <Link href="/accounts/password/reset/" className="text-indigo-700 hover:underline">
            Forgot your password?
          </Link>
          <Link
            href={`/accounts/signup/?next=${encodeURIComponent(next)}`}
            className="text-indigo-700 hover:underline"
          >
            Create an account
          </Link>
        </div>
      </Card>
    </>
  );
}

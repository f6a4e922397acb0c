import { Head, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import TextField from "../../components/TextField";

export default function Login({ next }: { next: string }) {
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
      <div className="mx-auto max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-2xl font-bold tracking-tight">Log in</h1>
        <form onSubmit={submit} className="mt-6 space-y-4" noValidate>
          {errors.form ? (
            <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
              {errors.form}
            </p>
          ) : null}
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
          <button
            type="submit"
            disabled={form.processing}
            className="w-full rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 disabled:opacity-60"
          >
            {form.processing ? "Logging in…" : "Log in"}
          </button>
        </form>
      </div>
    </>
  );
}

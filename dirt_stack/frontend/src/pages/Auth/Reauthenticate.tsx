import { Head, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton } from "../../components/fields";
import PasswordAndCode from "../../components/PasswordAndCode";
import type { PageProps } from "../../types";

export default function Reauthenticate({ next, needs_code }: PageProps<"Auth/Reauthenticate">) {
  const form = useForm({ password: "", code: "" });
  const errors = form.errors as Partial<Record<"password" | "code" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(`/accounts/confirm/?next=${encodeURIComponent(next)}`, {
      onFinish: () => form.reset(),
    });
  }

  return (
    <>
      <Head title="Confirm it is you" />
      <Card title="Confirm it is you" narrow>
        <p className="mb-4 text-sm text-slate-600">
          This change needs your password{needs_code ? " and a code" : ""} again. You then go back
          to the page you were on; do the change once more there.
        </p>
        <form onSubmit={submit} className="space-y-4" noValidate>
          <FormError message={errors.form} />
          <PasswordAndCode
            password={form.data.password}
            code={form.data.code}
            errors={errors}
            withCode={needs_code}
            onPassword={(value) => form.setData("password", value)}
            onCode={(value) => form.setData("code", value)}
          />
          <PrimaryButton disabled={form.processing} className="w-full">
            Confirm
          </PrimaryButton>
        </form>
      </Card>
    </>
  );
}

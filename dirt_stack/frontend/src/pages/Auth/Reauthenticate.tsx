import { Head, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton } from "../../components/fields";
import PasswordAndCode from "../../components/PasswordAndCode";
import type { PageProps } from "../../types";

export default function Reauthenticate({ next, needs_code }: PageProps<"Auth/Reauthenticate">) {
  const { t } = useLingui();
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
      <Head title={t`Confirm it is you`} />
      <Card title={t`Confirm it is you`} narrow>
        <p className="mb-4 text-sm text-slate-600">
          {needs_code ? (
            <Trans>
              This change needs your password and a code again. You then go back to the page you
              were on; do the change once more there.
            </Trans>
          ) : (
            <Trans>
              This change needs your password again. You then go back to the page you were on; do
              the change once more there.
            </Trans>
          )}
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
            <Trans>Confirm</Trans>
          </PrimaryButton>
        </form>
      </Card>
    </>
  );
}

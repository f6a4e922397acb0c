import { Head, Link, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton } from "../../components/fields";
import { CodeField } from "../../components/PasswordAndCode";

export default function TwoFactorLogin() {
  const { t } = useLingui();
  const form = useForm({ code: "" });
  const errors = form.errors as Partial<Record<"code" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post("/accounts/login/two-factor/", { onFinish: () => form.reset("code") });
  }

  return (
    <>
      <Head title={t`Two-factor authentication`} />
      <Card title={t`Enter your code`} narrow>
        <form onSubmit={submit} className="space-y-4" noValidate>
          <FormError message={errors.form} />
          <CodeField
            value={form.data.code}
            onChange={(value) => form.setData("code", value)}
            error={errors.code}
            hint={t`The six digits your authenticator app shows, or one of your recovery codes.`}
          />
          <PrimaryButton disabled={form.processing} className="w-full">
            {form.processing ? t`Checking…` : t`Verify`}
          </PrimaryButton>
        </form>
        <p className="mt-4 text-sm">
          <Link href="/accounts/login/" className="text-indigo-700 hover:underline">
            <Trans>Start again</Trans>
          </Link>
        </p>
      </Card>
    </>
  );
}

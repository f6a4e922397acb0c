import { Head, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton } from "../../components/fields";
import { CodeField } from "../../components/PasswordAndCode";
import type { PageProps } from "../../types";

export default function TwoFactorSetup({
  secret,
  qr_code,
  next,
}: PageProps<"Auth/TwoFactorSetup">) {
  const { t } = useLingui();
  const form = useForm({ code: "" });
  const errors = form.errors as Partial<Record<"code" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(`/accounts/two-factor/setup/?next=${encodeURIComponent(next)}`, {
      onFinish: () => form.reset("code"),
    });
  }

  return (
    <>
      <Head title={t`Set up two-factor authentication`} />
      <Card title={t`Set up two-factor authentication`}>
        <ol className="list-decimal space-y-2 pl-5 text-sm text-slate-700">
          <li>
            <Trans>
              Open an authenticator app on your phone (for example FreeOTP, Aegis, Google
              Authenticator or 1Password) and scan this code.
            </Trans>
          </li>
          <li>
            <Trans>Enter the six-digit code the app then shows.</Trans>
          </li>
        </ol>
        <img
          src={qr_code}
          alt={t`QR code for your authenticator app`}
          className="my-4 size-48"
          data-testid="totp-qr"
        />
        <p className="text-sm text-slate-600">
          <Trans>
            Cannot scan it? Type this key into the app instead:{" "}
            <code
              className="break-all rounded bg-slate-100 px-1 font-mono"
              data-testid="totp-secret"
            >
              {secret}
            </code>
          </Trans>
        </p>
        <form onSubmit={submit} className="mt-6 max-w-xs space-y-4" noValidate>
          <FormError message={errors.form} />
          <CodeField
            label={t`Code from the app`}
            hint={t`Six digits; a new one every 30 seconds.`}
            value={form.data.code}
            onChange={(value) => form.setData("code", value)}
            error={errors.code}
          />
          <PrimaryButton disabled={form.processing}>
            <Trans>Turn on</Trans>
          </PrimaryButton>
        </form>
      </Card>
    </>
  );
}

import { Head, Link, router, useForm } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton } from "../../components/fields";
import PasswordAndCode from "../../components/PasswordAndCode";
import type { PageProps } from "../../types";

export default function Security({
  two_factor,
  recovery_codes_left,
  required_by,
}: PageProps<"Auth/Security">) {
  const { t } = useLingui();
  const organizers = required_by.join(", ");
  return (
    <>
      <Head title={t`Security`} />
      <Card title={t`Security`}>
        <section>
          <h2 className="text-lg font-semibold">
            <Trans>Two-factor authentication</Trans>
          </h2>
          <p className="mt-1 text-sm text-slate-600" data-testid="two-factor-status">
            {two_factor
              ? plural(recovery_codes_left, {
                  one: "On. # unused recovery code left.",
                  other: "On. # unused recovery codes left.",
                })
              : t`Off. With it on, logging in needs a code from an app on your phone as well as your password.`}
          </p>
          {required_by.length > 0 ? (
            <p className="mt-1 text-sm text-amber-700">
              <Trans>
                Required by <span data-server-text>{organizers}</span>.
              </Trans>
            </p>
          ) : null}
          {two_factor ? (
            <>
              <button
                type="button"
                className="mt-3 rounded-lg border border-slate-300 px-3 py-2 text-sm hover:bg-slate-50"
                onClick={() => router.post("/accounts/two-factor/recovery-codes/")}
              >
                <Trans>Make new recovery codes</Trans>
              </button>
              <DisableForm />
            </>
          ) : (
            <p className="mt-3">
              <Link
                href="/accounts/two-factor/setup/"
                className="rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
              >
                <Trans>Set up two-factor authentication</Trans>
              </Link>
            </p>
          )}
        </section>
        <section className="mt-8">
          <h2 className="text-lg font-semibold">
            <Trans>Password</Trans>
          </h2>
          <Link
            href="/accounts/password/change/"
            className="text-sm text-indigo-700 hover:underline"
          >
            <Trans>Change your password</Trans>
          </Link>
        </section>
      </Card>
    </>
  );
}

function DisableForm() {
  const form = useForm({ password: "", code: "" });
  const errors = form.errors as Partial<Record<"password" | "code" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post("/accounts/two-factor/disable/", { onFinish: () => form.reset() });
  }

  return (
    <form onSubmit={submit} className="mt-6 max-w-xs space-y-3" noValidate>
      <h3 className="font-medium">
        <Trans>Turn it off</Trans>
      </h3>
      <FormError message={errors.form} />
      <PasswordAndCode
        password={form.data.password}
        code={form.data.code}
        errors={errors}
        withCode
        onPassword={(value) => form.setData("password", value)}
        onCode={(value) => form.setData("code", value)}
      />
      <PrimaryButton disabled={form.processing}>
        <Trans>Turn off</Trans>
      </PrimaryButton>
    </form>
  );
}

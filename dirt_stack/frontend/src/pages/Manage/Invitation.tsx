import { Head, Link, useForm, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton } from "../../components/fields";
import type { PageProps } from "../../types";

export default function Invitation({
  organizer,
  role,
  email,
  valid,
  token,
  refusal,
}: PageProps<"Manage/Invitation">) {
  const { t } = useLingui();
  const { props } = usePage();
  const form = useForm({});
  const here = `/invitations/${token}/`;

  function accept(event: FormEvent) {
    event.preventDefault();
    form.post(here);
  }

  return (
    <>
      <Head title={t`Invitation`} />
      <Card title={t`Join ${organizer}`} narrow>
        <FormError message={(form.errors as { form?: string }).form} />
        {!valid ? (
          <p role="alert">
            <Trans>
              This invitation has expired or was already used. Ask the organizer for a new one.
            </Trans>
          </p>
        ) : refusal ? (
          <p role="alert" className="text-slate-700" data-testid="invitation-refusal">
            {refusal}
          </p>
        ) : props.auth.user ? (
          <form onSubmit={accept} className="space-y-4">
            <p>
              <Trans>
                You are invited to join <strong>{organizer}</strong> as{" "}
                <strong data-server-text>{role}</strong>.
              </Trans>
            </p>
            <PrimaryButton disabled={form.processing}>
              <Trans>Accept the invitation</Trans>
            </PrimaryButton>
          </form>
        ) : (
          <div className="space-y-3">
            <p>
              <Trans>
                This invitation was sent to <strong>{email}</strong> to join{" "}
                <strong>{organizer}</strong> as <span data-server-text>{role}</span>.
              </Trans>
            </p>
            <p className="flex gap-3">
              <Link
                href={`/accounts/login/?next=${encodeURIComponent(here)}`}
                className="text-indigo-700 underline"
              >
                <Trans>Log in</Trans>
              </Link>
              <Link
                href={`/accounts/signup/?next=${encodeURIComponent(here)}`}
                className="text-indigo-700 underline"
              >
                <Trans>Create an account</Trans>
              </Link>
            </p>
          </div>
        )}
      </Card>
    </>
  );
}

import { Head, Link, useForm, usePage } from "@inertiajs/react";
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
  const { props } = usePage();
  const form = useForm({});
  const here = `/invitations/${token}/`;

  function accept(event: FormEvent) {
    event.preventDefault();
    form.post(here);
  }

  return (
    <>
      <Head title="Invitation" />
      <Card title={`Join ${organizer}`} narrow>
        <FormError message={(form.errors as { form?: string }).form} />
        {!valid ? (
          <p role="alert">
            This invitation has expired or was already used. Ask the organizer for a new one.
          </p>
        ) : refusal ? (
          <p role="alert" className="text-slate-700" data-testid="invitation-refusal">
            {refusal}
          </p>
        ) : props.auth.user ? (
          <form onSubmit={accept} className="space-y-4">
            <p>
              You are invited to join <strong>{organizer}</strong> as <strong>{role}</strong>.
            </p>
            <PrimaryButton disabled={form.processing}>Accept the invitation</PrimaryButton>
          </form>
        ) : (
          <div className="space-y-3">
            <p>
              This invitation was sent to <strong>{email}</strong> to join{" "}
              <strong>{organizer}</strong> as {role}.
            </p>
            <p className="flex gap-3">
              <Link
                href={`/accounts/login/?next=${encodeURIComponent(here)}`}
                className="text-indigo-700 underline"
              >
                Log in
              </Link>
              <Link
                href={`/accounts/signup/?next=${encodeURIComponent(here)}`}
                className="text-indigo-700 underline"
              >
                Create an account
              </Link>
            </p>
          </div>
        )}
      </Card>
    </>
  );
}

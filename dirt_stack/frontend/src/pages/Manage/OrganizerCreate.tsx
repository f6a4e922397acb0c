import { Head, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { FormError, PrimaryButton, TextField } from "../../components/fields";

export default function OrganizerCreate() {
  const { t } = useLingui();
  const urlName = t`URL name`;
  const form = useForm({ name: "", slug: "", contact_email: "" });
  const errors = form.errors as Partial<Record<"name" | "slug" | "contact_email" | "form", string>>;

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post("/manage/organizers/new/");
  }

  return (
    <>
      <Head title={t`New organizer`} />
      <Card title={t`Create an organizer`}>
        <p className="-mt-3 mb-4 text-sm text-slate-600">
          <Trans>
            An organizer is the team that sells tickets. You become its owner and can invite others.
          </Trans>
        </p>
        <form onSubmit={submit} className="space-y-4" noValidate>
          <FormError message={errors.form} />
          <TextField
            label={t`Name`}
            name="name"
            value={form.data.name}
            onChange={(e) => form.setData("name", e.target.value)}
            error={errors.name}
            required
          />
          <TextField
            label={urlName}
            name="slug"
            hint={t`Optional; made from the name when empty. Your public page: /o/<${urlName}>/`}
            value={form.data.slug}
            onChange={(e) => form.setData("slug", e.target.value)}
            error={errors.slug}
          />
          <TextField
            label={t`Contact email`}
            type="email"
            name="contact_email"
            hint={t`Shown to buyers who need to reach you.`}
            value={form.data.contact_email}
            onChange={(e) => form.setData("contact_email", e.target.value)}
            error={errors.contact_email}
            required
          />
          <PrimaryButton disabled={form.processing}>
            <Trans>Create the organizer</Trans>
          </PrimaryButton>
        </form>
      </Card>
    </>
  );
}

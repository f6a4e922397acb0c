import { Head, Link, useForm } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import EventsTable from "../../components/EventsTable";
import {
  CheckboxField,
  FormError,
  PrimaryButton,
  TextArea,
  TextField,
} from "../../components/fields";
import type { PageProps } from "../../types";

type Props = PageProps<"Manage/Organizer">;

// A member's role, as the organizer's page names the reader's own.
const ROLES: Record<Props["role"], MessageDescriptor> = {
  owner: msg`owner`,
  manager: msg`manager`,
  door_staff: msg`door staff`,
};

export default function Organizer({ organizer, role, can_manage, events }: Props) {
  const { i18n } = useLingui();
  const roleName = i18n._(ROLES[role]);
  return (
    <>
      <Head title={organizer.name} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href="/manage/" className="hover:text-indigo-700">
          <Trans>← My events</Trans>
        </Link>
      </p>
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">{organizer.name}</h1>
          <p className="text-sm text-slate-600">
            <Trans>
              Your role: {roleName} ·{" "}
              <Link href={`/o/${organizer.slug}/`} className="text-indigo-700 hover:underline">
                public page
              </Link>
            </Trans>
          </p>
        </div>
        <div className="flex gap-2">
          <Link
            href={`/manage/${organizer.slug}/members/`}
            className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Team</Trans>
          </Link>
          {role === "owner" ? (
            <Link
              href={`/manage/${organizer.slug}/webhooks/`}
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
            >
              <Trans>Webhooks</Trans>
            </Link>
          ) : null}
          {can_manage ? (
            <Link
              href={`/manage/${organizer.slug}/invoices/`}
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
            >
              <Trans>Invoices</Trans>
            </Link>
          ) : null}
          {can_manage ? (
            <Link
              href={`/manage/${organizer.slug}/taxes/`}
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
            >
              <Trans>Tax rules</Trans>
            </Link>
          ) : null}
          {can_manage ? (
            <Link
              href={`/manage/${organizer.slug}/widget/`}
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm hover:bg-slate-50"
            >
              <Trans>Shop widget</Trans>
            </Link>
          ) : null}
          {can_manage ? (
            <Link
              href={`/manage/${organizer.slug}/events/new/`}
              className="rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
            >
              <Trans>New event</Trans>
            </Link>
          ) : null}
        </div>
      </div>
      <section className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <EventsTable organizerSlug={organizer.slug} events={events} canManage={can_manage} />
      </section>
      {role === "owner" ? <OrganizerSettings organizer={organizer} /> : null}
    </>
  );
}

function OrganizerSettings({ organizer }: { organizer: Props["organizer"] }) {
  const { t } = useLingui();
  const form = useForm({
    name: organizer.name,
    contact_email: organizer.contact_email,
    bank_transfer_details: organizer.bank_transfer_details,
    admit_unpaid_bank_transfers: organizer.admit_unpaid_bank_transfers,
    require_two_factor: organizer.require_two_factor,
  });
  const errors = form.errors as Partial<
    Record<
      "name" | "contact_email" | "bank_transfer_details" | "require_two_factor" | "form",
      string
    >
  >;

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(`/manage/${organizer.slug}/settings/`, { preserveScroll: true });
  }

  return (
    <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <h2 className="mb-4 text-lg font-semibold">
        <Trans>Settings</Trans>
      </h2>
      <form onSubmit={save} className="grid gap-4 sm:grid-cols-2" noValidate>
        <FormError message={errors.form} />
        <TextField
          label={t`Name`}
          value={form.data.name}
          onChange={(e) => form.setData("name", e.target.value)}
          error={errors.name}
        />
        <TextField
          label={t`Contact email`}
          type="email"
          value={form.data.contact_email}
          onChange={(e) => form.setData("contact_email", e.target.value)}
          error={errors.contact_email}
        />
        <TextArea
          className="sm:col-span-2"
          label={t`Bank details for transfers`}
          rows={3}
          hint={t`Shown to buyers who choose bank transfer: account holder, IBAN, BIC.`}
          value={form.data.bank_transfer_details}
          onChange={(e) => form.setData("bank_transfer_details", e.target.value)}
          error={errors.bank_transfer_details}
        />
        <CheckboxField
          className="sm:col-span-2"
          label={t`Bank-transfer tickets are valid at the door before the money arrives`}
          checked={form.data.admit_unpaid_bank_transfers}
          onChange={(e) => form.setData("admit_unpaid_bank_transfers", e.target.checked)}
        />
        <CheckboxField
          className="sm:col-span-2"
          label={t`Members must use two-factor authentication`}
          checked={form.data.require_two_factor}
          onChange={(e) => form.setData("require_two_factor", e.target.checked)}
          error={errors.require_two_factor}
        />
        <div>
          <PrimaryButton disabled={form.processing}>
            <Trans>Save settings</Trans>
          </PrimaryButton>
        </div>
      </form>
    </section>
  );
}

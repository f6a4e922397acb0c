import { Head, Link, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import {
  FormError,
  PrimaryButton,
  SelectField,
  TextArea,
  TextField,
} from "../../components/fields";
import type { PageProps } from "../../types";

type Props = PageProps<"Manage/InvoiceSettings">;
// The mode as the select gives it (any string; the server refuses what is not a mode).
type Values = { mode: string; prefix: string; footer: string };

export default function InvoiceSettings({
  organizer,
  settings,
  modes,
  seller_name,
  seller_vat_id,
  invoices_url,
}: Props) {
  const { t } = useLingui();
  const form = useForm<Values>({ ...settings });
  const errors = form.errors as Partial<Record<keyof Values | "form", string>>;

  const settingsUrl = `/manage/${organizer.slug}/settings/`;

  function submit(e: FormEvent) {
    e.preventDefault();
    form.post(`/manage/${organizer.slug}/invoices/settings/`, { preserveScroll: true });
  }

  return (
    <>
      <Head title={t`Invoice settings`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={invoices_url} className="hover:text-indigo-700">
          ← <Trans>Invoices</Trans>
        </Link>
      </p>
      <h1 className="mb-2 text-2xl font-bold tracking-tight">
        <Trans>Invoice settings</Trans>
      </h1>
      <p className="mb-4 text-sm text-slate-600">
        {seller_vat_id ? (
          <Trans>
            Invoices are issued by {seller_name} (VAT ID {seller_vat_id}): the legal name, address
            and VAT ID on your{" "}
            <Link href={settingsUrl} className="underline">
              organizer settings
            </Link>
            .
          </Trans>
        ) : (
          <Trans>
            Invoices are issued by {seller_name}: the legal name, address and VAT ID on your{" "}
            <Link href={settingsUrl} className="underline">
              organizer settings
            </Link>
            .
          </Trans>
        )}{" "}
        <Trans>
          Each invoice is a PDF with its Factur-X (EN 16931) XML inside; cancellations and refunds
          issue credit notes that refer to it.
        </Trans>
      </p>
      <form
        onSubmit={submit}
        className="grid gap-4 rounded-xl border border-slate-200 bg-white p-5"
        noValidate
      >
        <FormError message={errors.form} />
        <SelectField
          label={t`Issue invoices`}
          options={modes}
          value={form.data.mode}
          onChange={(e) => form.setData("mode", e.target.value)}
          error={errors.mode}
          hint={t`On request: the buyer asks from the order page, or you from the order.`}
        />
        <TextField
          label={t`Number prefix`}
          value={form.data.prefix}
          onChange={(e) => form.setData("prefix", e.target.value)}
          error={errors.prefix}
          maxLength={20}
          hint={t`Numbers follow it without gaps: INV-00001, INV-00002… A new prefix starts at 1.`}
        />
        <TextArea
          label={t`Footer`}
          value={form.data.footer}
          onChange={(e) => form.setData("footer", e.target.value)}
          error={errors.footer}
          rows={3}
          maxLength={1000}
          hint={t`Printed at the bottom of every invoice: bank details, registration number.`}
        />
        <div>
          <PrimaryButton disabled={form.processing}>
            <Trans>Save</Trans>
          </PrimaryButton>
        </div>
      </form>
    </>
  );
}

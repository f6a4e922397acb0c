import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { Plural, Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useState } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import {
  CheckboxField,
  FormError,
  PrimaryButton,
  SelectField,
  TextArea,
  TextField,
} from "../../components/fields";
import { formattingLocale } from "../../lib/i18n";
import type { ManagedTaxRule, PageProps, TaxClause } from "../../types";

type Props = PageProps<"Manage/TaxRules">;
type Errors = Partial<Record<string, string>>;

// A rate as the reader writes numbers ("5,5" in German).
function formatRate(rate: string): string {
  return new Intl.NumberFormat(formattingLocale(), { maximumFractionDigits: 2 }).format(
    Number(rate),
  );
}

// The organizer's tax rules (taxes/rules.py): each a rate, whether prices include it, and
// rules by buyer country and kind tried in order, then a default; new ones from the
// templates that follow the VAT Directive. Owners also set the seller on invoices here.
export default function TaxRules(props: Props) {
  const { organizer, rules, templates, can_edit_seller } = props;
  const { t } = useLingui();
  const errors = usePage().props.errors as Errors;
  const [editing, setEditing] = useState<number | null>(null);
  const { confirm, dialog } = useConfirm();
  const base = `/manage/${organizer.slug}/taxes`;
  const organizerName = organizer.name;

  async function remove(rule: ManagedTaxRule) {
    const name = rule.name;
    if (await confirm({ title: t`Delete the tax rule “${name}”?`, confirmLabel: t`Delete` })) {
      router.post(`${base}/${rule.id}/delete/`, {}, { preserveScroll: true });
    }
  }

  return (
    <>
      <Head title={t`${organizerName}: tax rules`} />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Tax rules</Trans>
      </h1>
      <p className="mb-6 max-w-3xl text-sm text-slate-600">
        <Trans>
          An event (or one of its ticket types) uses a tax rule; the rule decides the VAT of each
          ticket for each buyer, from the invoice address given at checkout. Orders keep the tax
          they were placed with.
        </Trans>
      </p>
      {can_edit_seller ? <SellerForm {...props} /> : null}
      <section className="mb-6 max-w-4xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="mb-3 text-lg font-semibold">
          <Trans>New tax rule from a template</Trans>
        </h2>
        <FormError message={errors["new.template"] ?? errors["new.form"]} />
        <ul className="space-y-3">
          {templates.map((template) => (
            <li key={template.key} className="flex items-start justify-between gap-4">
              <div data-server-text>
                <p className="font-medium">{template.name}</p>
                <p className="text-sm text-slate-600">{template.description}</p>
              </div>
              <button
                type="button"
                className="shrink-0 rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
                onClick={() =>
                  router.post(`${base}/new/`, { template: template.key }, { preserveScroll: true })
                }
              >
                <Trans>Add</Trans>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="max-w-4xl space-y-4" data-testid="tax-rules">
        {rules.length === 0 ? (
          <p className="text-sm text-slate-600">
            <Trans>No tax rules yet: tickets carry no tax.</Trans>
          </p>
        ) : null}
        {rules.map((rule) => (
          <article
            key={rule.id}
            className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm"
          >
            <div className="flex flex-wrap items-start justify-between gap-2">
              <div>
                <h2 className="font-semibold">{rule.name}</h2>
                <RuleSummary rule={rule} />
              </div>
              <div className="flex gap-2">
                <button
                  type="button"
                  className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
                  onClick={() => setEditing(editing === rule.id ? null : rule.id)}
                >
                  {editing === rule.id ? <Trans>Close</Trans> : <Trans>Edit</Trans>}
                </button>
                {rule.events === 0 ? (
                  <button
                    type="button"
                    className="rounded-lg border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50"
                    onClick={() => remove(rule)}
                  >
                    <Trans>Delete</Trans>
                  </button>
                ) : null}
              </div>
            </div>
            <FormError message={errors[`${rule.id}.delete.form`]} />
            {editing === rule.id ||
            Object.keys(errors).some((k) => k.startsWith(`${rule.id}.edit.`)) ? (
              <RuleForm rule={rule} props={props} onSaved={() => setEditing(null)} />
            ) : null}
          </article>
        ))}
      </section>
    </>
  );
}

// A rule's rate, whether prices include it, its rules by country and how many events use it.
function RuleSummary({ rule }: { rule: ManagedTaxRule }) {
  const percent = formatRate(rule.rate);
  const clauses = rule.clauses.length;
  const events = rule.events;
  return (
    <p className="text-sm text-slate-600">
      <Trans>{percent} %</Trans> ·{" "}
      {rule.price_includes_tax ? (
        <Trans>prices include VAT</Trans>
      ) : (
        <Trans>VAT added to prices</Trans>
      )}{" "}
      · <Plural value={clauses} one="# rule" other="# rules" /> ·{" "}
      <Plural value={events} one="used by # event" other="used by # events" />
    </p>
  );
}

function RuleForm({
  rule,
  props,
  onSaved,
}: {
  rule: ManagedTaxRule;
  props: Props;
  onSaved: () => void;
}) {
  const { t } = useLingui();
  const form = useForm({
    name: rule.name,
    rate: rule.rate,
    price_includes_tax: rule.price_includes_tax,
    seller_rate_below_oss_threshold: rule.seller_rate_below_oss_threshold,
    clauses: rule.clauses.map((c) => ({ ...c, rate: c.rate ?? "" })),
    default_action: rule.default_action,
    default_rate: rule.default_rate ?? "",
  });
  const errors = usePage().props.errors as Errors;
  const error = (key: string) => errors[`${rule.id}.edit.${key}`];
  const countryOptions = [
    ...props.country_groups,
    ...props.countries.map((c) => ({ value: c.code, label: c.name })),
  ];

  function setClause(index: number, change: Partial<TaxClause>) {
    const next = [...form.data.clauses];
    next[index] = { ...next[index], ...change, rate: change.rate ?? next[index].rate };
    form.setData("clauses", next);
  }

  function save(e: FormEvent) {
    e.preventDefault();
    form.transform((data) => ({
      ...data,
      clauses: data.clauses.map((c) => ({ ...c, rate: c.action === "vat_rate" ? c.rate : null })),
      default_rate: data.default_action === "vat_rate" ? data.default_rate : null,
    }));
    form.post(`/manage/${props.organizer.slug}/taxes/${rule.id}/`, {
      preserveScroll: true,
      onSuccess: onSaved,
    });
  }

  return (
    <form onSubmit={save} className="mt-4 grid gap-4 sm:grid-cols-2" noValidate>
      <FormError message={error("form")} />
      <TextField
        label={t({ message: "Name", context: "tax rule" })}
        value={form.data.name}
        onChange={(e) => form.setData("name", e.target.value)}
        error={error("name")}
      />
      <TextField
        label={t`Rate (%)`}
        inputMode="decimal"
        value={form.data.rate}
        onChange={(e) => form.setData("rate", e.target.value)}
        error={error("rate")}
      />
      <CheckboxField
        className="sm:col-span-2"
        label={t`Prices include VAT (gross prices, as consumers in the EU see them)`}
        checked={form.data.price_includes_tax}
        onChange={(e) => form.setData("price_includes_tax", e.target.checked)}
      />
      <CheckboxField
        className="sm:col-span-2"
        label={t`Charge this rule's rate instead of the buyer country's (cross-border sales to consumers below EUR 10,000 a year)`}
        checked={form.data.seller_rate_below_oss_threshold}
        onChange={(e) => form.setData("seller_rate_below_oss_threshold", e.target.checked)}
      />
      <fieldset className="space-y-3 sm:col-span-2">
        <legend className="text-sm font-medium text-slate-700">
          <Trans>Rules, tried in order</Trans>
        </legend>
        {form.data.clauses.map((clause, index) => (
          <div
            // biome-ignore lint/suspicious/noArrayIndexKey: rules are edited in place, in order
            key={index}
            className="grid gap-2 rounded-lg border border-slate-200 p-3 sm:grid-cols-[1fr_1fr_1fr_6rem_auto]"
          >
            <SelectField
              label={t`Buyer's country`}
              options={countryOptions}
              value={clause.country}
              onChange={(e) => setClause(index, { country: e.target.value })}
              error={error(`clauses.${index}.country`)}
            />
            <SelectField
              label={t`Buyer`}
              options={props.buyers}
              value={clause.buyer}
              onChange={(e) => setClause(index, { buyer: e.target.value })}
              error={error(`clauses.${index}.buyer`)}
            />
            <SelectField
              label={t`Action`}
              options={props.actions}
              value={clause.action}
              onChange={(e) => setClause(index, { action: e.target.value })}
              error={error(`clauses.${index}.action`)}
            />
            <TextField
              label={t`Rate (%)`}
              inputMode="decimal"
              disabled={clause.action !== "vat_rate"}
              value={clause.rate ?? ""}
              onChange={(e) => setClause(index, { rate: e.target.value })}
              error={error(`clauses.${index}.rate`)}
            />
            <button
              type="button"
              className="self-end rounded-lg px-2 py-2 text-sm text-red-700 hover:bg-red-50"
              onClick={() =>
                form.setData(
                  "clauses",
                  form.data.clauses.filter((_, i) => i !== index),
                )
              }
            >
              <Trans>Remove</Trans>
            </button>
            <FormError message={error(`clauses.${index}`)} />
          </div>
        ))}
        <button
          type="button"
          className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
          onClick={() =>
            form.setData("clauses", [
              ...form.data.clauses,
              { country: "EU", buyer: "any", action: "vat", rate: "" },
            ])
          }
        >
          <Trans>Add a rule</Trans>
        </button>
        <FormError message={error("clauses")} />
      </fieldset>
      <SelectField
        label={t`When no rule matches`}
        options={props.actions}
        value={form.data.default_action}
        onChange={(e) => form.setData("default_action", e.target.value)}
        error={error("default_action")}
      />
      {form.data.default_action === "vat_rate" ? (
        <TextField
          label={t`Its rate (%)`}
          inputMode="decimal"
          value={form.data.default_rate}
          onChange={(e) => form.setData("default_rate", e.target.value)}
          error={error("default_rate")}
        />
      ) : null}
      <div className="sm:col-span-2">
        <PrimaryButton disabled={form.processing}>
          <Trans>Save tax rule</Trans>
        </PrimaryButton>
      </div>
    </form>
  );
}

function SellerForm({ organizer, seller, countries }: Props) {
  const { t } = useLingui();
  const form = useForm({ ...seller });
  const errors = usePage().props.errors as Errors;
  const error = (key: string) => errors[`seller.${key}`];

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(`/manage/${organizer.slug}/taxes/seller/`, { preserveScroll: true });
  }

  return (
    <section
      className="mb-6 max-w-4xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm"
      data-testid="seller"
    >
      <h2 className="mb-1 text-lg font-semibold">
        <Trans>Seller</Trans>
      </h2>
      <p className="mb-4 text-sm text-slate-600">
        <Trans>
          Who sells the tickets, as invoices name them. The country decides which sales are abroad.
        </Trans>
      </p>
      <form onSubmit={save} className="grid gap-4 sm:grid-cols-2" noValidate>
        <FormError message={error("form")} />
        <TextField
          label={t`Legal name`}
          value={form.data.legal_name}
          onChange={(e) => form.setData("legal_name", e.target.value)}
          error={error("legal_name")}
        />
        <SelectField
          label={t`Country`}
          options={[
            { value: "", label: t`Choose…` },
            ...countries.map((c) => ({ value: c.code, label: c.name })),
          ]}
          value={form.data.country}
          onChange={(e) => form.setData("country", e.target.value)}
          error={error("country")}
        />
        <TextArea
          className="sm:col-span-2"
          label={t`Address`}
          rows={3}
          value={form.data.legal_address}
          onChange={(e) => form.setData("legal_address", e.target.value)}
          error={error("legal_address")}
        />
        <TextField
          label={t`VAT ID`}
          hint={t`With its country prefix, e.g. DE136695976.`}
          value={form.data.vat_id}
          onChange={(e) => form.setData("vat_id", e.target.value)}
          error={error("vat_id")}
        />
        <div className="sm:col-span-2">
          <PrimaryButton disabled={form.processing}>
            <Trans>Save seller</Trans>
          </PrimaryButton>
        </div>
      </form>
    </section>
  );
}

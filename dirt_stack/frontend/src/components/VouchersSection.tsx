import { router, useForm, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { formatEventDate, formatMoney } from "../lib/format";
import type { DateChoice, ManagedTicketType, VoucherRow } from "../types";
import { useConfirm } from "./ConfirmDialog";
import { dateLabel } from "./DateSelect";
import { CheckboxGroup, FormError, PrimaryButton, SelectField, TextField } from "./fields";

type Props = {
  base: string;
  vouchers: VoucherRow[];
  ticketTypes: Pick<ManagedTicketType, "id" | "name" | "hidden">[];
  dates: DateChoice[];
  timeZone: string;
  currency: string;
};

// The event's discount codes: create, list with usage, delete unused ones.
export default function VouchersSection({
  base,
  vouchers,
  ticketTypes,
  dates,
  timeZone,
  currency,
}: Props) {
  const { t } = useLingui();
  const pageErrors = usePage().props.errors;
  const error = (field: string) => pageErrors[`voucher.${field}`];
  const form = useForm({
    code: "",
    kind: "percent",
    value: "10",
    max_usages: "1",
    valid_from: "",
    valid_until: "",
    ticket_types: [] as number[],
    dates: [] as number[],
  });

  function create(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/vouchers/`, { preserveScroll: true, onSuccess: () => form.reset() });
  }

  const { confirm, dialog } = useConfirm();

  return (
    <section
      aria-labelledby="vouchers-heading"
      className="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
    >
      <h2 id="vouchers-heading" className="mb-3 text-lg font-semibold">
        <Trans>Vouchers</Trans>
      </h2>
      <FormError message={error("form")} />
      {vouchers.length > 0 ? (
        <ul className="mb-4 divide-y divide-slate-100 text-sm">
          {vouchers.map((voucher) => (
            <li
              key={voucher.id}
              className="flex flex-wrap items-center justify-between gap-2 py-2"
              data-testid="voucher"
            >
              <span>
                <span className="font-mono font-semibold">{voucher.code}</span> ·{" "}
                <Discount voucher={voucher} currency={currency} /> ·{" "}
                <Usage redeemed={voucher.redeemed} maxUsages={voucher.max_usages} />
                {voucher.ticket_types.length ? ` · ${voucher.ticket_types.join(", ")}` : ""}
                {voucher.dates.length ? (
                  <span data-testid="voucher-dates">
                    {" "}
                    · <ValidOn dates={voucher.dates} timeZone={timeZone} />
                  </span>
                ) : null}
              </span>
              {voucher.can_delete ? (
                <button
                  type="button"
                  onClick={async () => {
                    const code = voucher.code;
                    const confirmed = await confirm({
                      title: t`Delete voucher ${code}?`,
                      body: t`Buyers can no longer use the code. This cannot be undone.`,
                      confirmLabel: t`Delete`,
                    });
                    if (confirmed) {
                      router.post(
                        `${base}/vouchers/${voucher.id}/delete/`,
                        {},
                        { preserveScroll: true },
                      );
                    }
                  }}
                  className="text-red-700 hover:underline"
                >
                  <Trans>Delete</Trans>
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="mb-4 text-sm text-slate-600">
          <Trans>No vouchers yet.</Trans>
        </p>
      )}
      <form onSubmit={create} className="grid gap-3 sm:grid-cols-4" noValidate>
        <TextField
          label={t`Code`}
          value={form.data.code}
          onChange={(e) => form.setData("code", e.target.value)}
          error={error("code")}
          placeholder={t`Random`}
          hint={t`Leave empty for a long random code: short codes can be guessed.`}
        />
        <SelectField
          label={t`Discount`}
          value={form.data.kind}
          onChange={(e) => form.setData("kind", e.target.value)}
          options={[
            { value: "percent", label: t`Percent off` },
            { value: "amount", label: t`Amount off (${currency})` },
          ]}
          error={error("kind")}
        />
        <TextField
          label={t`Value`}
          inputMode="decimal"
          value={form.data.value}
          onChange={(e) => form.setData("value", e.target.value)}
          error={error("value")}
        />
        <TextField
          label={t`Uses`}
          type="number"
          min={1}
          value={form.data.max_usages}
          onChange={(e) => form.setData("max_usages", e.target.value)}
          error={error("max_usages")}
        />
        <TextField
          className="sm:col-span-2"
          label={t`Valid from`}
          type="datetime-local"
          value={form.data.valid_from}
          onChange={(e) => form.setData("valid_from", e.target.value)}
          error={error("valid_from")}
        />
        <TextField
          className="sm:col-span-2"
          label={t`Valid until`}
          type="datetime-local"
          value={form.data.valid_until}
          onChange={(e) => form.setData("valid_until", e.target.value)}
          error={error("valid_until")}
        />
        <CheckboxGroup
          className="sm:col-span-4"
          legend={t`Only for (none checked: every ticket type; hidden types checked here are unlocked)`}
          options={ticketTypes.map((ticketType) => {
            const name = ticketType.name;
            return { value: ticketType.id, label: ticketType.hidden ? t`${name} (hidden)` : name };
          })}
          chosen={form.data.ticket_types}
          onChange={(chosen) => form.setData("ticket_types", chosen)}
        />
        {dates.length > 1 ? (
          <CheckboxGroup
            className="sm:col-span-4"
            legend={t`Valid on (none checked: every date)`}
            options={dates.map((d) => ({ value: d.id, label: dateLabel(d, timeZone) }))}
            chosen={form.data.dates}
            onChange={(chosen) => form.setData("dates", chosen)}
            error={error("dates")}
          />
        ) : null}
        <div className="sm:col-span-4">
          <PrimaryButton disabled={form.processing}>
            <Trans>Create voucher</Trans>
          </PrimaryButton>
        </div>
      </form>
      {dialog}
    </section>
  );
}

// What a voucher takes off: a percentage of the price, or an amount off each ticket.
function Discount({ voucher, currency }: { voucher: VoucherRow; currency: string }) {
  if (voucher.kind === "percent") {
    const percent = Number(voucher.value);
    return <Trans>{percent} % off</Trans>;
  }
  const amount = formatMoney(voucher.value, currency);
  return <Trans>{amount} off each ticket</Trans>;
}

// The dates a voucher is valid on.
function ValidOn({ dates, timeZone }: { dates: string[]; timeZone: string }) {
  const when = dates.map((d) => formatEventDate(d, timeZone)).join("; ");
  return <Trans>on {when}</Trans>;
}

// How often a voucher was used, of the uses it allows.
function Usage({ redeemed, maxUsages }: { redeemed: number; maxUsages: number }) {
  return (
    <Trans>
      used {redeemed} of {maxUsages}
    </Trans>
  );
}

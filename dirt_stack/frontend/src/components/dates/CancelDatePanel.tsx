import { useForm } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import type { ManagedDate } from "../../types";
import { FormError, TextField } from "../fields";

type Props = {
  date: ManagedDate;
  label: string;
  action: string;
  errors: Record<string, string>;
  onClose: () => void;
};

// The confirmation of cancelling a date: who it affects and what happens to them.
export default function CancelDatePanel({ date, label, action, errors, onClose }: Props) {
  const { t } = useLingui();
  const form = useForm({ reason: "" });
  const orders = date.orders;
  const buyerCount = date.buyers;
  const buyers = plural(buyerCount, { one: "# buyer", other: "# buyers" });
  const retry = date.status === "cancelled";

  function submit(e: FormEvent) {
    e.preventDefault();
    form.post(action, { preserveScroll: true, onSuccess: onClose });
  }

  return (
    <form
      onSubmit={submit}
      className="space-y-3 rounded-lg border border-red-200 bg-red-50 p-4"
      noValidate
      data-testid="cancel-date-panel"
    >
      <FormError message={errors.form} />
      <p className="text-sm text-red-900" data-testid="cancel-impact">
        {retry
          ? plural(orders, {
              one: `${label} is cancelled, but # order from ${buyers} is still open: paid orders are refunded in full, unpaid ones are cancelled, and every buyer is emailed.`,
              other: `${label} is cancelled, but # orders from ${buyers} are still open: paid orders are refunded in full, unpaid ones are cancelled, and every buyer is emailed.`,
            })
          : date.orders
            ? plural(orders, {
                one: `Cancel ${label}? # order from ${buyers} is affected: paid orders are refunded in full, unpaid ones are cancelled, and every buyer is emailed.`,
                other: `Cancel ${label}? # orders from ${buyers} are affected: paid orders are refunded in full, unpaid ones are cancelled, and every buyer is emailed.`,
              })
            : t`Cancel ${label}? No one has ordered for this date; sales on it stop.`}{" "}
        <Trans>Other dates are not affected.</Trans>
      </p>
      {!retry ? (
        <TextField
          label={t`Reason (told to the buyers)`}
          value={form.data.reason}
          maxLength={200}
          onChange={(e) => form.setData("reason", e.target.value)}
          error={errors.reason}
        />
      ) : null}
      <div className="flex gap-2">
        <button
          type="submit"
          disabled={form.processing}
          className="rounded-lg bg-red-700 px-4 py-2 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-60"
        >
          {retry ? t`Refund and cancel the open orders` : t`Cancel this date`}
        </button>
        <button
          type="button"
          onClick={onClose}
          className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm hover:bg-slate-50"
        >
          <Trans>Keep it</Trans>
        </button>
      </div>
    </form>
  );
}

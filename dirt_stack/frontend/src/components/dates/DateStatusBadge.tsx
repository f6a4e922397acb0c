import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { useLingui } from "@lingui/react/macro";
import type { ManagedDate } from "../../types";

const STYLES: Record<ManagedDate["status"], string> = {
  on_sale: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  sold_out: "bg-amber-50 text-amber-800 ring-amber-200",
  cancelled: "bg-red-50 text-red-800 ring-red-200",
};

const LABELS: Record<ManagedDate["status"], MessageDescriptor> = {
  on_sale: msg`On sale`,
  sold_out: msg`Sales stopped`,
  cancelled: msg`Cancelled`,
};

export default function DateStatusBadge({ date }: { date: ManagedDate }) {
  const { t, i18n } = useLingui();
  const over = date.has_ended && date.status !== "cancelled";
  return (
    <span
      data-testid="date-status"
      className={`inline-block rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset ${
        over ? "bg-slate-100 text-slate-700 ring-slate-200" : STYLES[date.status]
      }`}
    >
      {over ? t`Over` : i18n._(LABELS[date.status])}
    </span>
  );
}
